// Monitoring overhead: the CPU cost of one monitoring step — a system sample from /proc and
// statvfs plus its batched write to the metrics database. At one sample per second, the share
// of one core is (CPU time per step) / 1 s; the target is ≤ 1 %, i.e. ≤ 10 ms per step.

import Benchmark
import Foundation
import QEIRMonitor

let benchmarks: @Sendable () -> Void = {
    let configuration = Benchmark.Configuration(
        metrics: [.wallClock, .cpuTotal, .mallocCountTotal], timeUnits: .microseconds, warmupIterations: 5,
        maxDuration: .seconds(5), maxIterations: 2_000)

    Benchmark("system sample from /proc and statvfs", configuration: configuration) { benchmark in
        let sampler = SystemSampler(diskPath: FileManager.default.temporaryDirectory.path)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(try await sampler.sample())
        }
    }

    Benchmark("sample + metrics database write (one monitoring step)", configuration: configuration) { benchmark in
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("qeir-monitor-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = try MetricsDatabase(path: directory.appendingPathComponent("monitoring.db"))
        let sampler = SystemSampler(diskPath: directory.path)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            let sample = try await sampler.sample()
            try database.write(system: [(sample, "bench")])
        }
    }
}
