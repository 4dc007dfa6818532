// The PostgreSQL queue benchmark (issue 9): no-op jobs drained from one PostgreSQL job store by
// several worker processes, each claiming in batches.
//
//     queue-bench run --store postgres://USER:PASSWORD@127.0.0.1:PORT/DB [--jobs 50000] [--workers 4]
//                     [--batch 1024] [--concurrency 1024] [--reps 3]
//
// `run` creates a schema of its own (dropped afterwards), submits the jobs, starts the workers
// (this executable with `worker …`), waits for them, and prints the drain rate two ways:
// wall clock from the workers' start to the last exit, and the span between the first claim
// and the last completion as the store recorded them (which leaves out process start-up).

import Foundation
import QEIRBatch
import QEIRPostgres

func option(_ name: String, in arguments: [String], default value: String) -> String {
    guard let index = arguments.firstIndex(of: "--\(name)"), index + 1 < arguments.count else { return value }
    return arguments[index + 1]
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("queue-bench: \(message)\n".utf8))
    exit(1)
}

let arguments = Array(CommandLine.arguments.dropFirst())
guard let mode = arguments.first else { fail("usage: queue-bench run|worker --store URL …") }
let url = option("store", in: arguments, default: ProcessInfo.processInfo.environment["QEIR_TEST_POSTGRES_URL"] ?? "")
guard !url.isEmpty else { fail("--store postgres://… (or QEIR_TEST_POSTGRES_URL) is required") }

let noop = ClosureJobHandler { _ in JobOutput(result: .null) }

switch mode {
case "worker":
    let batch = Int(option("batch", in: arguments, default: "256")) ?? 256
    let concurrency = Int(option("concurrency", in: arguments, default: "256")) ?? 256
    do {
        let store = try await PostgresJobStore(url: url, configuration: .init(maximumConnections: 4))
        var configuration = ProcessorConfiguration()
        configuration.maxConcurrentJobs = concurrency
        configuration.claimBatchSize = batch
        configuration.pollInterval = .milliseconds(50)
        let processor = BatchProcessor(store: store, handlers: ["noop": noop], configuration: configuration)
        let summary = try await processor.run(until: .drained)
        print(summary.attemptsStarted)
        await store.close()
    } catch {
        fail("worker: \(error)")
    }

case "run":
    let jobs = Int(option("jobs", in: arguments, default: "50000")) ?? 50_000
    let workers = Int(option("workers", in: arguments, default: "4")) ?? 4
    let batch = option("batch", in: arguments, default: "1024")
    let concurrency = option("concurrency", in: arguments, default: "1024")
    let reps = Int(option("reps", in: arguments, default: "3")) ?? 3
    print("jobs \(jobs), workers \(workers), claim batch \(batch), concurrency \(concurrency) per worker")
    print("rep  submit s   wall s   wall jobs/s   claim→done s   store jobs/s   attempts")
    var rates: [Double] = []
    for rep in 1...reps {
        do {
            let base = try PostgresStoreLocation(url: url)
            let schema = "bench_\(UInt32.random(in: 0...UInt32.max))"
            let location = try base.withSchema(schema)
            let store = try await PostgresJobStore(location)
            let specs = (0..<jobs).map { index in
                JobSpec(id: JobID(rawValue: "n\(index)")!, handler: "noop", payload: .integer(index))
            }
            let submitStart = ContinuousClock.now
            _ = try await store.submit(specs, options: .init(), now: Date())
            let submitTime = ContinuousClock.now - submitStart
            // The workers get the URL with the password, and the schema.
            var components = URLComponents(string: url)!
            components.queryItems = [URLQueryItem(name: "schema", value: schema)]
            let start = ContinuousClock.now
            var processes: [(Process, Pipe)] = []
            for _ in 0..<workers {
                let process = Process()
                process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
                process.arguments = [
                    "worker", "--store", components.string!, "--batch", batch, "--concurrency", concurrency,
                ]
                let pipe = Pipe()
                process.standardOutput = pipe
                try process.run()
                processes.append((process, pipe))
            }
            var attempts = 0
            for (process, pipe) in processes {
                let output = pipe.fileHandleForReading.readDataToEndOfFile()
                process.waitUntilExit()
                guard process.terminationStatus == 0 else { fail("a worker exited with \(process.terminationStatus)") }
                attempts +=
                    Int(String(decoding: output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
            }
            let wall = ContinuousClock.now - start
            let counts = try await store.counts()
            guard counts[.succeeded] == jobs else { fail("not every job succeeded: \(counts)") }
            let transitions = try await store.transitions(of: nil, after: Int64(jobs), limit: 10 * jobs)
            let times = transitions.map(\.at.timeIntervalSince1970)
            let span = (times.max() ?? 0) - (times.min() ?? 0)
            let wallSeconds = Double(wall.components.seconds) + Double(wall.components.attoseconds) * 1e-18
            let submitSeconds =
                Double(submitTime.components.seconds) + Double(submitTime.components.attoseconds) * 1e-18
            rates.append(Double(jobs) / span)
            print(
                String(
                    format: "%3d  %8.2f  %7.2f  %12.0f  %13.2f  %13.0f  %9d", rep, submitSeconds, wallSeconds,
                    Double(jobs) / wallSeconds, span, Double(jobs) / span, attempts))
            try await store.dropSchema()
            await store.close()
        } catch {
            fail("\(error)")
        }
    }
    let sorted = rates.sorted()
    print(String(format: "median store-measured drain rate: %.0f jobs/s (target ≥ 5,000)", sorted[sorted.count / 2]))

case "latency":
    // One process, no processor: the store's calls one job at a time, timed.
    let jobs = Int(option("jobs", in: arguments, default: "2000")) ?? 2000
    do {
        let base = try PostgresStoreLocation(url: url)
        let store = try await PostgresJobStore(try base.withSchema("bench_\(UInt32.random(in: 0...UInt32.max))"))
        _ = try await store.submit(
            (0..<jobs).map { JobSpec(id: JobID(rawValue: "l\($0)")!, handler: "noop", payload: .integer($0)) },
            options: .init(), now: Date())
        let clock = ContinuousClock()
        var claimTime = Duration.zero
        var completeTime = Duration.zero
        for _ in 0..<jobs {
            var start = clock.now
            let claimed = try await store.claim(owner: "bench", limit: 1, now: Date(), leaseDuration: .seconds(60))
            claimTime += clock.now - start
            start = clock.now
            _ = try await store.complete(
                claimed.claimed.map { Completion(lease: $0.lease, outcome: .succeeded(result: .null)) }, now: Date())
            completeTime += clock.now - start
        }
        print("claim(limit: 1): \(claimTime / jobs) per call; complete(1): \(completeTime / jobs) per call")
        let start = clock.now
        for _ in 0..<jobs { _ = try await store.nextDueTime() }
        print("nextDueTime (one indexed statement): \((clock.now - start) / jobs) per call")
        try await store.dropSchema()
        await store.close()
    } catch {
        fail("\(error)")
    }

default:
    fail("unknown mode \(mode); use run, worker or latency")
}
