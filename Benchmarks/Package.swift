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
    ],
    targets: [
        // Not a benchmark: one batch with its time split, for perf/callgrind.
        .executableTarget(
            name: "batch-profile", dependencies: [.product(name: "QEIRBatch", package: "qeir")],
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
    ]
)
