// swift-tools-version: 6.1
//
// QEIR — hypothesis tests about quantitative easing and investment at batch scale.
// Targets are layered lowest first; a target imports only targets below it
// (see DEVELOPERS.md and Documentation/Architecture.md).

import PackageDescription

let argumentParser: Target.Dependency = .product(name: "ArgumentParser", package: "swift-argument-parser")
let logging: Target.Dependency = .product(name: "Logging", package: "swift-log")
let realModule: Target.Dependency = .product(name: "RealModule", package: "swift-numerics")
let grdb: Target.Dependency = .product(name: "GRDB", package: "GRDB.swift")
let crypto: Target.Dependency = .product(name: "Crypto", package: "swift-crypto")
let heap: Target.Dependency = .product(name: "HeapModule", package: "swift-collections")
let postgresNIO: Target.Dependency = .product(name: "PostgresNIO", package: "postgres-nio")
let nioSSL: Target.Dependency = .product(name: "NIOSSL", package: "swift-nio-ssl")

let package = Package(
    name: "qeir",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "QEIRStats", targets: ["QEIRStats"]),
        .library(name: "QEIRData", targets: ["QEIRData"]),
        .library(name: "QEIRBatch", targets: ["QEIRBatch"]),
        .library(name: "QEIRPostgres", targets: ["QEIRPostgres"]),
        .library(name: "QEIRMonitor", targets: ["QEIRMonitor"]),
        .library(name: "QEIRNotify", targets: ["QEIRNotify"]),
        .library(name: "QEIRHypotheses", targets: ["QEIRHypotheses"]),
        .executable(name: "qeir", targets: ["qeir"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-numerics", from: "1.1.1"),
        .package(url: "https://github.com/yaslab/CSV.swift", from: "2.5.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/swhitty/FlyingFox", from: "0.27.1"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
    ],
    targets: [
        // Thin C shim over OpenBLAS (cblas.h) and LAPACKE. Only QEIRStats imports it.
        .target(
            name: "CQEIRLapack",
            linkerSettings: [.linkedLibrary("openblas"), .linkedLibrary("lapacke")]
        ),
        // Thin C shim over R's standalone math library (Debian: r-mathlib). Only QEIRStats imports it.
        .target(
            name: "CQEIRRmath",
            linkerSettings: [.linkedLibrary("Rmath"), .linkedLibrary("m")]
        ),
        // Thin C shim over zlib's gzip file API. Only QEIRBatch imports it.
        .target(name: "CQEIRZlib", linkerSettings: [.linkedLibrary("z")]),
        // Thin C shim over libcurl's easy API (Debian: libcurl4-openssl-dev). Only QEIRNotify imports it.
        .target(name: "CQEIRCurl", linkerSettings: [.linkedLibrary("curl")]),
        .target(name: "QEIRStats", dependencies: ["CQEIRLapack", "CQEIRRmath", realModule]),
        .target(
            name: "QEIRData", dependencies: ["QEIRStats", logging, grdb, .product(name: "CSV", package: "CSV.swift")],
            resources: [.copy("Resources/EmbeddedFRED")]),
        // The batch engine: jobs, DAG, retries, schedules, durable store. Knows no statistics or FRED.
        .target(name: "QEIRBatch", dependencies: [logging, grdb, crypto, heap, "CQEIRZlib"]),
        // The PostgreSQL job store: QEIRBatch's queue shared by worker processes on many machines.
        .target(name: "QEIRPostgres", dependencies: ["QEIRBatch", logging, postgresNIO, nioSSL]),
        // Metrics (system, job, batch), alert rules, the SQLite metrics database and reports; fed by
        // QEIRBatch's event stream.
        .target(name: "QEIRMonitor", dependencies: ["QEIRBatch", logging, grdb]),
        // Notifiers (SMTP, webhook, closure, console) and their fan-out; turns monitor alerts into messages.
        .target(name: "QEIRNotify", dependencies: ["CQEIRCurl", "QEIRMonitor", logging, crypto]),
        // The hypothesis layer: turns a model/job configuration into data requests and estimators.
        .target(name: "QEIRHypotheses", dependencies: ["QEIRStats", "QEIRData", "QEIRBatch", "QEIRMonitor", "QEIRNotify", logging]),
        .executableTarget(
            name: "qeir",
            dependencies: ["QEIRStats", "QEIRData", "QEIRHypotheses", "QEIRPostgres", argumentParser, logging]),
        .executableTarget(
            name: "threshold-montecarlo", dependencies: ["QEIRStats"], path: "Examples/ThresholdMonteCarlo"),
        .executableTarget(name: "lp-montecarlo", dependencies: ["QEIRStats"], path: "Examples/LPMonteCarlo"),
        .executableTarget(
            name: "example-batch-automation", dependencies: ["QEIRBatch", "QEIRHypotheses"],
            path: "Examples/BatchAutomation"),
        .executableTarget(
            name: "example-custom-notifier", dependencies: ["QEIRBatch", "QEIRHypotheses", "QEIRNotify"],
            path: "Examples/CustomNotifier"),
        .executableTarget(
            name: "example-scheduled-batch", dependencies: ["QEIRBatch"], path: "Examples/ScheduledBatch"),
        // Writes and reads FRED cache entries; FREDCacheTests runs it beside the test process.
        .executableTarget(name: "qeir-cache-writer", dependencies: ["QEIRData"], path: "Examples/CacheWriter"),
        // Runs a durable batch and is killed with SIGKILL at random points by BatchCrashTests.
        .executableTarget(
            name: "qeir-batch-crash-worker", dependencies: ["QEIRBatch", "QEIRTestSupport"], path: "Tests/BatchCrashWorker"),
        // Runs jobs from a shared PostgreSQL queue; PostgresClusterTests starts four and kills one.
        .executableTarget(
            name: "qeir-postgres-test-worker", dependencies: ["QEIRBatch", "QEIRPostgres", "QEIRTestSupport"],
            path: "Tests/PostgresWorker"),
        .target(
            name: "QEIRTestSupport",
            dependencies: ["QEIRStats", .product(name: "FlyingFox", package: "FlyingFox")]),
        // Fixtures/ holds JSON reference data read by path (#filePath), not bundled.
        .testTarget(name: "QEIRStatsTests", dependencies: ["QEIRStats", "QEIRTestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "QEIRDataTests", dependencies: ["QEIRData", "QEIRTestSupport"]),
        .testTarget(name: "QEIRBatchTests", dependencies: ["QEIRBatch", "QEIRPostgres", "QEIRTestSupport"]),
        .testTarget(name: "QEIRMonitorTests", dependencies: ["QEIRMonitor", "QEIRTestSupport"]),
        .testTarget(name: "QEIRNotifyTests", dependencies: ["QEIRNotify", "QEIRTestSupport", logging, crypto]),
        .testTarget(name: "QEIRHypothesesTests", dependencies: ["QEIRHypotheses", "QEIRTestSupport"]),
        .testTarget(name: "QEIRCLITests", dependencies: ["qeir", "QEIRPostgres", "QEIRTestSupport"]),
    ]
)

// One strictness policy for every Swift target.
for target in package.targets where target.type != .system && !target.name.hasPrefix("C") {
    var settings = target.swiftSettings ?? []
    settings.append(contentsOf: [
        .swiftLanguageMode(.v6),
        .enableUpcomingFeature("ExistentialAny"),
        .enableUpcomingFeature("MemberImportVisibility"),
        .enableUpcomingFeature("InternalImportsByDefault"),
    ])
    target.swiftSettings = settings
}
