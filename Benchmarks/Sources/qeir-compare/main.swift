// qeir-compare — the Swift side of Benchmarks/compare/compare.py.
//
//     qeir-compare serve --data DIR
//         One JSON object per line on stdin, one answer per line on stdout:
//         {"workload": "ols_small", "iterations": 50}
//           → {"workload": "ols_small", "seconds": [...], "result": {"params": [...], ...}}
//         A failure answers {"error": "..."}; {"quit": true} or end of input stops. Workloads are
//         loaded on first use and kept, so timings exclude process start-up and data loading.
//     qeir-compare oneshot --data DIR --workload ols_large
//         Loads and runs one workload once in this fresh process, then prints one line with
//         its seconds, the design matrix's bytes and the peak RSS (getrusage ru_maxrss) after
//         loading and after the run.
//
// Workload names: ols_small, ols_large, ols_large_floor, iv, bootstrap, bootstrap_1core
// (maxConcurrency 1), threshold, var_granger, batch_memory, batch_durable, fred_cache_hit.

import Foundation
import QEIRBenchWorkloads

struct Request: Decodable {
    var workload: String?
    var iterations: Int?
    var quit: Bool?
}

func jsonLine(_ object: [String: Any]) -> String {
    func clean(_ value: Any) -> Any {
        switch value {
        case let d as Double: return d.isFinite ? d : NSNull()
        case let a as [Double]: return a.map { $0.isFinite ? $0 as Any : NSNull() }
        case let dict as [String: Any]: return dict.mapValues(clean)
        case let array as [Any]: return array.map(clean)
        default: return value
        }
    }
    guard let cleaned = clean(object) as? [String: Any],
        let data = try? JSONSerialization.data(withJSONObject: cleaned, options: [.sortedKeys])
    else { return "{\"error\": \"cannot encode the answer as JSON\"}" }
    return String(decoding: data, as: UTF8.self)
}

/// Writes one line straight to the stdout file descriptor (unbuffered, so the reader never waits).
func emit(_ object: [String: Any]) {
    FileHandle.standardOutput.write(Data((jsonLine(object) + "\n").utf8))
}

func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
}

func option(_ name: String, in arguments: [String]) -> String? {
    guard let i = arguments.firstIndex(of: name), i + 1 < arguments.count else { return nil }
    return arguments[i + 1]
}

func workload(_ name: String) throws -> WorkloadID {
    guard let id = WorkloadID(rawValue: name) else {
        throw WorkloadError(
            .unknownWorkload,
            "Unknown workload '\(name)'; use one of \(WorkloadID.allCases.map(\.rawValue).joined(separator: ", ")).")
    }
    return id
}

func serve(data: WorkloadData) async {
    var loader = WorkloadLoader(data: data)
    var prepared: [WorkloadID: PreparedWorkload] = [:]
    let clock = ContinuousClock()
    while let line = readLine() {
        if line.trimmingCharacters(in: .whitespaces).isEmpty { continue }
        do {
            let request = try JSONDecoder().decode(Request.self, from: Data(line.utf8))
            if request.quit == true { return }
            let id = try workload(request.workload ?? "")
            let w: PreparedWorkload
            if let existing = prepared[id] {
                w = existing
            } else {
                w = try await loader.prepare(id)
                prepared[id] = w
            }
            var times: [Double] = []
            var result = WorkloadResult([:])
            for _ in 0..<max(1, request.iterations ?? 1) {
                let start = clock.now
                result = try await w.run()
                times.append(seconds(clock.now - start))
            }
            emit(["workload": id.rawValue, "seconds": times, "result": result.values])
        } catch {
            emit(["error": "\(error)"])
        }
    }
}

func oneShot(data: WorkloadData, name: String) async throws {
    let id = try workload(name)
    var loader = WorkloadLoader(data: data)
    let w = try await loader.prepare(id)
    let loaded = peakResidentBytes()
    let clock = ContinuousClock()
    let start = clock.now
    let result = try await w.run()
    let elapsed = seconds(clock.now - start)
    emit([
        "workload": id.rawValue, "seconds": [elapsed], "result": result.values, "design_bytes": w.designBytes,
        "peak_rss_after_load_bytes": loaded, "peak_rss_bytes": peakResidentBytes(),
    ])
}

let arguments = CommandLine.arguments
let usage = "usage: qeir-compare serve --data DIR | qeir-compare oneshot --data DIR --workload NAME"
do {
    guard arguments.count >= 2 else { throw WorkloadError(.badData, usage) }
    let data: WorkloadData
    if let directory = option("--data", in: arguments) {
        data = try WorkloadData(directory: URL(fileURLWithPath: directory))
    } else {
        data = try WorkloadData.fromEnvironment(ProcessInfo.processInfo.environment)
    }
    switch arguments[1] {
    case "serve":
        await serve(data: data)
    case "oneshot":
        guard let name = option("--workload", in: arguments) else { throw WorkloadError(.badData, usage) }
        try await oneShot(data: data, name: name)
    default:
        throw WorkloadError(.badData, usage)
    }
} catch {
    FileHandle.standardError.write(Data("qeir-compare: \(error)\n".utf8))
    exit(1)
}
