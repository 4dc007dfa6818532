import Foundation
import QEIRBatch
import QEIRHypotheses
import QEIRMonitor
import QEIRNotify
import QEIRTestSupport
import Synchronization
import Testing

@Suite("BatchRun")
struct BatchRunTests {
    func configuration() throws -> BatchConfiguration {
        let json = """
            {"batch_processing_config": {"max_concurrent_jobs": 2, "retry_delay_minutes": 0},
             "base_config": {"confidence_level": 0.95},
             "periods": [["2008-01-01", "2015-12-31"], ["2016-01-01", "2022-09-30"]],
             "specifications": ["default", "alternative"],
             "resource_monitoring": {"monitoring_interval_seconds": 1}}
            """
        return try BatchConfiguration.parse(Data(json.utf8)).configuration
    }

    func jobs(_ configuration: BatchConfiguration) throws -> [JobSpec] {
        try configuration.gridJobs(prefix: "test").map { definition in
            JobSpec(id: definition.id, handler: "echo", payload: definition.configuration)
        }
    }

    @Test(
        "a run leaves the store, results, monitoring database, reports and a summary notification; a second run repeats nothing"
    )
    func runAndResume() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let calls = Mutex(0)
        let echo = ClosureJobHandler { context in
            calls.withLock { $0 += 1 }
            return JobOutput(result: context.job.payload, files: ["summary.txt": Data("ok\n".utf8)])
        }
        let messages = Mutex<[NotifyMessage]>([])
        var options = BatchRunOptions(outputDirectory: directory.url.appendingPathComponent("out"))
        options.notifiers = [ClosureNotifier(name: "inbox") { message in messages.withLock { $0.append(message) } }]
        options.monitoringInterval = .milliseconds(50)
        let configuration = try configuration()
        let progress = Mutex<[BatchProgress]>([])
        let run = BatchRun(
            configuration: configuration, jobs: try jobs(configuration), handlers: ["echo": echo], options: options)
        let result = try await run.run { update in progress.withLock { $0.append(update) } }
        #expect(result.summary[.succeeded] == 4)
        #expect(calls.withLock { $0 } == 4)
        let layout = result.layout
        for name in [
            "jobs.sqlite", "monitoring.db", "reports/report.html", "reports/report.json", "reports/job_metrics.csv",
        ] {
            #expect(FileManager.default.fileExists(atPath: layout.root.appendingPathComponent(name).path), "\(name)")
        }
        let jobDirectory = layout.jobs.appendingPathComponent("test_default_20080101_20151231")
        let files = try FileManager.default.contentsOfDirectory(atPath: jobDirectory.path).sorted()
        #expect(files == ["manifest.json", "result.json.gz", "summary.txt.gz"])
        let metrics = try MetricsDatabase(path: layout.monitoring).jobMetrics()
        #expect(metrics.count == 4)
        #expect(metrics.allSatisfy { $0.state == "succeeded" })
        #expect(messages.withLock { $0.last?.subject } == "QEIR batch out finished: 4 succeeded, 0 did not")
        #expect(result.deliveries.last?.outcome("inbox")?.status == .delivered)
        #expect(progress.withLock { $0.last?.done } == 4)
        #expect(progress.withLock { $0.last?.line.hasPrefix("4/4 done, 0 running, 0 failed") } == true)

        // Resume on the same directory: nothing runs again.
        let again = BatchRun(
            configuration: configuration, jobs: try jobs(configuration), handlers: ["echo": echo], options: options)
        let second = try await again.run()
        #expect(second.summary[.succeeded] == 4)
        #expect(calls.withLock { $0 } == 4)
    }
}
