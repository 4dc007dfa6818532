// swift-tools-version: 6.1
//
// QEIR benchmarks (ordo-one/benchmark). A separate package so that the library's users and CI do
// not build the benchmark harness. Run from this directory:
//
//     swift package benchmark                      # all suites
//     swift package benchmark --target BatchEngine # one suite
//
// Side-by-side comparisons with the Python anchors live in Benchmarks/compare/.

import PackageDescription

let package = Package(
    name: "qeir-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "qeir", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    ],
    targets: [
        // The floor of ols_large: normal equations on the system OpenBLAS/LAPACKE (the same
        // libraries QEIR's CQEIRLapack links), for the comparison harness only.
        .systemLibrary(name: "CBenchBLAS", path: "Sources/CBenchBLAS"),
        // The workloads of issue 8 as reusable functions: loaded from the data directory the
        // Python side writes (or generated in Swift), run once, key numbers returned. Shared by
        // qeir-compare and the Stats suite so both time the same code.
        .target(
            name: "QEIRBenchWorkloads",
            dependencies: [
                "CBenchBLAS",
                .product(name: "QEIRStats", package: "qeir"),
                .product(name: "QEIRData", package: "qeir"),
                .product(name: "QEIRBatch", package: "qeir"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: [.swiftLanguageMode(.v6)]),
        // The Swift side of compare/compare.py: a line protocol on stdin/stdout, a one-shot mode
        // for peak RSS.
        .executableTarget(
            name: "qeir-compare", dependencies: ["QEIRBenchWorkloads"], swiftSettings: [.swiftLanguageMode(.v6)]),
        // Not a benchmark: one batch with its time split, for perf/callgrind.
        .executableTarget(
            name: "batch-profile", dependencies: [.product(name: "QEIRBatch", package: "qeir")],
            swiftSettings: [.swiftLanguageMode(.v6)]),
        // The PostgreSQL queue benchmark: no-op jobs drained by several worker processes.
        .executableTarget(
            name: "queue-bench",
            dependencies: [
                .product(name: "QEIRBatch", package: "qeir"), .product(name: "QEIRPostgres", package: "qeir"),
            ],
            swiftSettings: [.swiftLanguageMode(.v6)]),
        .executableTarget(
            name: "BatchEngine",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "QEIRBatch", package: "qeir"),
            ],
            path: "Benchmarks/BatchEngine",
            swiftSettings: [.swiftLanguageMode(.v6)],
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "MonitorOverhead",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "QEIRMonitor", package: "qeir"),
            ],
            path: "Benchmarks/MonitorOverhead",
            swiftSettings: [.swiftLanguageMode(.v6)],
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "Stats",
            dependencies: [.product(name: "Benchmark", package: "benchmark"), "QEIRBenchWorkloads"],
            path: "Benchmarks/Stats",
            swiftSettings: [.swiftLanguageMode(.v6)],
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ]
)
