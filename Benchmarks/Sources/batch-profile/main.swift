// Runs one no-op batch and prints where the time goes (submit vs run), for profiling the engine
// with perf or callgrind outside the benchmark harness:
//
//     swift build -c release --product batch-profile
//     perf record -g .build/release/batch-profile memory 50000 8
//
// Arguments: store (memory | sqlite), jobs, slots.

import Foundation
import QEIRBatch

let arguments = CommandLine.arguments
let kind = arguments.count > 1 ? arguments[1] : "memory"
let count = arguments.count > 2 ? Int(arguments[2]) ?? 50_000 : 50_000
let slots = arguments.count > 3 ? Int(arguments[3]) ?? 8 : 8

let store: any JobStore
if kind == "sqlite" {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("qeir-profile-\(UUID().uuidString)")
    store = try SQLiteJobStore(path: directory.appendingPathComponent("jobs.sqlite"))
} else {
    store = InMemoryJobStore()
}
var configuration = ProcessorConfiguration()
configuration.maxConcurrentJobs = slots
let processor = BatchProcessor(
    store: store, handlers: ["noop": ClosureJobHandler { _ in JobOutput() }], configuration: configuration)
let jobs = (0..<count).map { JobSpec(id: try! JobID("job\($0)"), handler: "noop", payload: .integer($0), maxRetries: 0) }
let clock = ContinuousClock()
let submitTime = try await clock.measure { try await processor.submit(jobs) }
var summary: BatchSummary?
let runTime = try await clock.measure { summary = try await processor.run() }
func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18 }
print("\(kind) \(count) jobs, \(slots) slots: submit \(seconds(submitTime)) s (\(Int(Double(count) / seconds(submitTime))) jobs/s), run \(seconds(runTime)) s (\(Int(Double(count) / seconds(runTime))) jobs/s), total \(Int(Double(count) / seconds(submitTime + runTime))) jobs/s; succeeded \(summary![.succeeded])")
