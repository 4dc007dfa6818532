// Scheduler overhead of the batch engine: no-op jobs per second, in memory and on the durable
// SQLite store. Each iteration submits a fresh batch and runs it until drained; the custom
// metric `jobs/s` is the batch size divided by the iteration's wall time.
//
// Anchors (issue 5): Celery ≈2,000 tasks/s, RQ 1–6.6 ms/job, Ray ≈1,000 sync / 8,000 async
// tasks/s on one node, graphile-worker ≈15,600 jobs/s on a 24-core desktop. Targets on a
// 2-core machine: ≥50,000 jobs/s in memory, ≥5,000 jobs/s durable.

import Benchmark
import Foundation
import QEIRBatch

let jobsPerSecond = BenchmarkMetric.custom("jobs/s", polarity: .prefersLarger, useScalingFactor: false)

func noOpBatch(_ count: Int) -> [JobSpec] {
    (0..<count).map { index in
        JobSpec(id: try! JobID("job\(index)"), handler: "noop", payload: .integer(index), maxRetries: 0)
    }
}

let noOp = ClosureJobHandler { _ in JobOutput() }

func runBatch(store: any JobStore, jobs: Int, concurrency: Int, benchmark: Benchmark) async throws {
    var configuration = ProcessorConfiguration()
    configuration.maxConcurrentJobs = concurrency
    let processor = BatchProcessor(store: store, handlers: ["noop": noOp], configuration: configuration)
    let batch = noOpBatch(jobs)
    let start = ContinuousClock.now
    benchmark.startMeasurement()
    try await processor.submit(batch)
    let summary = try await processor.run()
    benchmark.stopMeasurement()
    let seconds = Double((ContinuousClock.now - start).components.attoseconds) * 1e-18
        + Double((ContinuousClock.now - start).components.seconds)
    precondition(summary[.succeeded] == jobs, "batch did not finish: \(summary.counts)")
    benchmark.measurement(jobsPerSecond, Int(Double(jobs) / seconds))
}

let benchmarks: @Sendable () -> Void = {
    let configuration = Benchmark.Configuration(
        metrics: [.wallClock, .peakMemoryResident, jobsPerSecond], timeUnits: .milliseconds, warmupIterations: 1,
        maxDuration: .seconds(10), maxIterations: 10)

    Benchmark("no-op jobs, in memory, 20000 jobs, 8 slots", configuration: configuration) { benchmark in
        try await runBatch(store: InMemoryJobStore(), jobs: 20_000, concurrency: 8, benchmark: benchmark)
    }

    for durability in [SQLiteJobStore.Durability.full, .normal] {
        Benchmark("no-op jobs, SQLite \(durability), 5000 jobs, 64 slots", configuration: configuration) { benchmark in
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("qeir-bench-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: directory) }
            var storeConfiguration = SQLiteJobStore.Configuration()
            storeConfiguration.durability = durability
            let store = try SQLiteJobStore(path: directory.appendingPathComponent("jobs.sqlite"), configuration: storeConfiguration)
            try await runBatch(store: store, jobs: 5_000, concurrency: 64, benchmark: benchmark)
        }
    }
}
