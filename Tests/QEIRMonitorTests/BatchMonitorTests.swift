import Foundation
import QEIRBatch
import QEIRMonitor
import QEIRTestSupport
import Synchronization
import Testing

@Suite("BatchMonitor")
struct BatchMonitorTests {
    func id(_ text: String) -> JobID { JobID(rawValue: text)! }

    @Test("fed only by the processor's events: job rows, batch totals, system samples")
    func fedByEvents() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let database = try MetricsDatabase(path: directory.url.appendingPathComponent("monitoring.db"))
        let handler = ClosureJobHandler { context in
            try await Task.sleep(for: .milliseconds(5))
            if context.job.payload == "fail" { throw BatchError(.invalidValue, "planned failure") }
            return JobOutput()
        }
        var settings = ProcessorConfiguration()
        settings.pollInterval = .milliseconds(20)
        let processor = BatchProcessor(store: InMemoryJobStore(), handlers: ["work": handler], configuration: settings)
        var configuration = MonitorConfiguration()
        configuration.interval = .milliseconds(20)
        let monitor = BatchMonitor(
            batchID: "batch-1", database: database, configuration: configuration,
            sampler: SystemSampler(diskPath: directory.url.path))
        let events = processor.events()
        let watching = Task { await monitor.watch(events) }
        try await processor.submit(
            (0..<4).map { JobSpec(id: id("ok\($0)"), handler: "work", payload: "ok") }
                + [
                    JobSpec(id: id("bad"), handler: "work", payload: "fail", maxRetries: 0),
                    JobSpec(id: id("child"), handler: "work", dependencies: [id("bad")]),
                ])
        try await processor.run()
        await watching.value

        let jobs = try database.jobMetrics(batchID: "batch-1")
        #expect(jobs.count == 6)
        let byID = Dictionary(uniqueKeysWithValues: jobs.map { ($0.jobID, $0) })
        #expect(byID["ok0"]?.state == "succeeded")
        #expect(byID["ok0"]?.attempts == 1)
        #expect((byID["ok0"]?.wallSeconds ?? 0) > 0)
        #expect(byID["bad"]?.state == "failed")
        #expect(byID["bad"]?.errors == 1)
        #expect(byID["bad"]?.lastError?.contains("planned failure") == true)
        #expect(byID["child"]?.state == "skipped")
        let latest = try #require(try database.batchMetrics(batchID: "batch-1").last)
        #expect(latest.totalJobs == 6)
        #expect(latest.counts["succeeded"] == 4)
        #expect(latest.counts["failed"] == 1)
        #expect(latest.counts["skipped"] == 1)
        #expect(latest.averageDurationSeconds != nil)
        let samples = try database.systemSamples(batchID: "batch-1")
        #expect(!samples.isEmpty)
        #expect(samples.allSatisfy { $0.memoryPercent > 0 && $0.memoryPercent < 100 })
    }

    @Test("a job running past the limit raises one alert, stored and handed on; its end resolves it")
    func runningTooLong() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let database = try MetricsDatabase(path: directory.url.appendingPathComponent("monitoring.db"))
        let clock = ManualBatchClock()
        var configuration = MonitorConfiguration()
        configuration.rules.jobRunningLimit = .seconds(600)
        let received = Mutex<[Alert]>([])
        let monitor = BatchMonitor(
            batchID: "b", database: database, configuration: configuration, sampler: nil, clock: clock,
            onAlert: { alert in received.withLock { $0.append(alert) } })
        let job = id("h1_default_20080101_20151231")
        await monitor.record(JobEvent(jobID: job, name: "H1", time: clock.now, kind: .submitted))
        await monitor.record(JobEvent(jobID: job, name: "H1", time: clock.now, kind: .started(attempt: 1)))
        await monitor.tick()
        #expect(received.withLock { $0 }.isEmpty)
        clock.advance(by: .seconds(601))
        await monitor.tick()
        clock.advance(by: .seconds(30))
        await monitor.tick()
        #expect(received.withLock { $0.map(\.key) } == ["job_running_long:\(job)"])
        await monitor.record(
            JobEvent(jobID: job, name: "H1", time: clock.now, kind: .succeeded(attempt: 1, reusedFrom: nil)))
        await monitor.tick()
        #expect(received.withLock { $0.map(\.status) } == [.firing, .resolved])
        let stored = try database.alerts(batchID: "b")
        #expect(stored.map(\.status) == [.firing, .resolved])
        #expect(stored.first?.message.contains("longer than the alert limit of 10 minutes") == true)
    }

    @Test("retention removes old samples and alerts but keeps job rows")
    func retention() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let database = try MetricsDatabase(path: directory.url.appendingPathComponent("m.db"))
        let old = Date(timeIntervalSince1970: 1_000_000)
        let new = Date(timeIntervalSince1970: 2_000_000)
        func sample(_ time: Date) -> SystemSample {
            SystemSample(
                time: time, cpuPercent: 5, memoryPercent: 10, memoryAvailableGB: 1, diskPercent: 1, diskFreeGB: 1,
                processCount: 1, loadAverage: [0, 0, 0])
        }
        try database.write(
            system: [(sample(old), "b"), (sample(new), "b")],
            jobs: [JobMetrics(batchID: "b", jobID: "j", name: "j", state: "succeeded", startedAt: old)],
            alerts: [
                (
                    Alert(
                        key: "cpu", status: .firing, severity: .warning, subject: "s", message: "m", value: 1,
                        threshold: 1, time: old), "b"
                )
            ])
        #expect(try database.applyRetention(before: Date(timeIntervalSince1970: 1_500_000)) == 2)
        #expect(try database.systemSamples().map(\.time) == [new])
        #expect(try database.alerts().isEmpty)
        #expect(try database.jobMetrics().count == 1)
    }

    @Test("a file that is not a metrics database is refused with its name")
    func badDatabase() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let url = try directory.write("this is not sqlite, just text that is long enough to have a header", to: "m.db")
        let error = #expect(throws: MonitorError.self) { try MetricsDatabase(path: url) }
        #expect(error?.message.contains(url.path) == true)
    }
}

@Suite("SystemSampler")
struct SystemSamplerTests {
    func procFixture(_ directory: TemporaryDirectory, stat: String) throws -> URL {
        let root = directory.url.appendingPathComponent("proc")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        try "MemTotal:       16000000 kB\nMemFree:         1000000 kB\nMemAvailable:    4000000 kB\n"
            .write(to: root.appendingPathComponent("meminfo"), atomically: true, encoding: .utf8)
        try stat.write(to: root.appendingPathComponent("stat"), atomically: true, encoding: .utf8)
        try "0.50 0.40 0.30 2/345 6789\n".write(
            to: root.appendingPathComponent("loadavg"), atomically: true, encoding: .utf8)
        return root
    }

    @Test("exact CPU, memory, load and process count from fixture /proc files")
    func fixture() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let root = try procFixture(directory, stat: "cpu  100 0 100 700 100 0 0 0 0 0\ncpu0 1 1 1 1\n")
        let sampler = SystemSampler(procRoot: root, diskPath: directory.url.path)
        let first = try await sampler.sample()
        #expect(first.cpuPercent == nil)
        #expect(first.memoryPercent == 75)
        #expect(abs(first.memoryAvailableGB - 4.096) < 1e-9)
        #expect(first.processCount == 345)
        #expect(first.loadAverage == [0.5, 0.4, 0.3])
        #expect(first.diskPercent.map { $0 > 0 && $0 <= 100 } == true)
        // 400 more ticks: 150 busy (user+system), 200 idle, 50 iowait → 37.5 % busy.
        try "cpu  200 0 150 900 150 0 0 0 0 0\n".write(
            to: root.appendingPathComponent("stat"), atomically: true, encoding: .utf8)
        let second = try await sampler.sample()
        #expect(second.cpuPercent == 37.5)
    }

    @Test("garbage in /proc is an error naming the file")
    func garbage() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let root = try procFixture(directory, stat: "nonsense\n")
        let error = await #expect(throws: MonitorError.self) { try await SystemSampler(procRoot: root).sample() }
        #expect(error?.message.contains("stat") == true)
    }

    @Test("the real /proc gives sane numbers")
    func real() async throws {
        let sampler = SystemSampler()
        _ = try await sampler.sample()
        try await Task.sleep(for: .milliseconds(50))
        let sample = try await sampler.sample()
        #expect((0...100).contains(sample.memoryPercent))
        #expect(sample.cpuPercent.map { (0...100).contains($0) } ?? true)
        #expect(sample.processCount > 0)
    }
}
