// The statistics workloads of issue 8 and the FRED cache hit, timed by ordo-one/benchmark with
// the same code as compare/compare.py's Swift runner (QEIRBenchWorkloads).
//
// Data: the directory named by QEIR_BENCH_DATA (written by compare.py, so the numbers are the
// ones the Python anchors see), otherwise generated in Swift with a fixed seed — the same
// models and sizes, so `swift package benchmark --target Stats` needs no Python.
//
// Targets (anchor time / QEIR time, measured by compare.py): ols_small ≥ 25× statsmodels,
// ols_large ≥ 5× numpy lstsq, iv ≥ 20× linearmodels, bootstrap ≥ 20× arch, threshold ≥ 50×
// plain numpy, var_granger ≥ 20× statsmodels; fred_cache_hit ≤ 1 ms.

import Benchmark
import Foundation
import QEIRBenchWorkloads

let benchmarks: @Sendable () -> Void = {
    let data: WorkloadData
    do {
        data = try WorkloadData.fromEnvironment(ProcessInfo.processInfo.environment)
    } catch {
        fatalError("\(error)")
    }
    let p = data.parameters
    let fast = Benchmark.Configuration(
        metrics: [.wallClock, .mallocCountTotal, .peakMemoryResident], timeUnits: .microseconds,
        warmupIterations: 3, maxDuration: .seconds(5), maxIterations: 1000)
    let slow = Benchmark.Configuration(
        metrics: [.wallClock, .mallocCountTotal, .peakMemoryResident], timeUnits: .milliseconds,
        warmupIterations: 1, maxDuration: .seconds(10), maxIterations: 20)
    // One fit of 1,000,000 × 50 takes seconds: a few iterations are enough.
    let large = Benchmark.Configuration(
        metrics: [.wallClock, .peakMemoryResident], timeUnits: .milliseconds, warmupIterations: 1,
        maxDuration: .seconds(20), maxIterations: 3)

    Benchmark(
        "ols_small: OLS n=\(p.olsSmallN), k=10, HC1", configuration: fast,
        closure: { benchmark, w in
            for _ in benchmark.scaledIterations { blackHole(try w.run()) }
        }, setup: { try OLSWorkload("ols_small", data: data) })

    Benchmark(
        "ols_large: OLS n=\(p.olsLargeN), k=\(p.olsLargeK)", configuration: large,
        closure: { benchmark, w in
            for _ in benchmark.scaledIterations { blackHole(try w.run()) }
        }, setup: { try OLSWorkload("ols_large", data: data) })

    Benchmark(
        "iv: IV2SLS n=\(p.ivN), 2 endogenous, 4 instruments, robust", configuration: fast,
        closure: { benchmark, w in
            for _ in benchmark.scaledIterations { blackHole(try w.run()) }
        }, setup: { try IVWorkload(data: data) })

    Benchmark(
        "bootstrap: pairs, \(p.bootstrapReplications) reps, n=\(p.bootstrapN), k=5, all cores",
        configuration: slow,
        closure: { benchmark, w in
            for _ in benchmark.scaledIterations { blackHole(try await w.run()) }
        }, setup: { try BootstrapWorkload(data: data) })

    Benchmark(
        "threshold: supF test, \(p.thresholdReplications) reps, n=\(p.thresholdN)", configuration: slow,
        closure: { benchmark, w in
            for _ in benchmark.scaledIterations { blackHole(try await w.run()) }
        }, setup: { try ThresholdWorkload(data: data) })

    Benchmark(
        "var_granger: VAR(4), 3 variables, n=\(p.varN), Granger F", configuration: fast,
        closure: { benchmark, w in
            for _ in benchmark.scaledIterations { blackHole(try w.run()) }
        }, setup: { try VARGrangerWorkload(data: data) })

    Benchmark(
        "fred_cache_hit: \(p.fredObservations) observations, FREDClient + CachingTransport", configuration: fast,
        closure: { benchmark, w in
            for _ in benchmark.scaledIterations { blackHole(try await w.run()) }
        }, setup: { try await FREDCacheHitWorkload(observations: p.fredObservations) })
}
