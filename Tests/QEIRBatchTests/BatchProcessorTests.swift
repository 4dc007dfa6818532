import Foundation
import QEIRBatch
import QEIRTestSupport
import Synchronization
import Testing

/// Records what handlers did, in order, across tasks.
final class ExecutionLog: Sendable {
    private let entries = Mutex<[String]>([])
    private let active = Mutex<(now: Int, peak: Int)>((0, 0))

    func append(_ entry: String) { entries.withLock { $0.append(entry) } }
    var all: [String] { entries.withLock { $0 } }
    func count(_ entry: String) -> Int { entries.withLock { $0.filter { $0 == entry }.count } }
    func index(_ entry: String) -> Int? { entries.withLock { $0.firstIndex(of: entry) } }

    func enter() {
        active.withLock {
            $0.now += 1; $0.peak = max($0.peak, $0.now)
        }
    }
    func leave() { active.withLock { $0.now -= 1 } }
    var peak: Int { active.withLock { $0.peak } }
}

/// Shared helpers for processor tests.
protocol ProcessorFixtures {}

extension ProcessorFixtures {
    func id(_ text: String) -> JobID { JobID(rawValue: text)! }

    func job(
        _ name: String, handler: String = "work", priority: Int = 0, dependsOn: [String] = [], maxRetries: Int = 0,
        timeout: Duration? = nil, payload: ConfigValue = .null
    ) -> JobSpec {
        JobSpec(
            id: id(name), handler: handler, payload: payload == .null ? .string(name) : payload, priority: priority,
            dependencies: dependsOn.map(id), maxRetries: maxRetries, timeout: timeout)
    }

    /// A handler that logs `start <id>` / `end <id>` and tracks concurrency.
    func loggingHandler(_ log: ExecutionLog, delay: Duration = .zero) -> ClosureJobHandler {
        ClosureJobHandler { context in
            log.enter()
            defer { log.leave() }
            log.append("start \(context.job.id)")
            if delay > .zero { try await Task.sleep(for: delay) }
            log.append("end \(context.job.id)")
            return JobOutput(result: .string("done \(context.job.id)"))
        }
    }

    func fastConfiguration(concurrency: Int = 4) -> ProcessorConfiguration {
        var configuration = ProcessorConfiguration()
        configuration.maxConcurrentJobs = concurrency
        configuration.pollInterval = .milliseconds(20)
        configuration.retry = RetryPolicy(initialDelay: .milliseconds(10), maximumDelay: .milliseconds(50))
        return configuration
    }

    /// Collects every event of a processor until its run ends.
    func collect(_ processor: BatchProcessor) -> Task<[JobEvent], Never> {
        let stream = processor.events()
        return Task {
            var events: [JobEvent] = []
            for await event in stream { events.append(event) }
            return events
        }
    }
}

@Suite("BatchProcessor")
struct BatchProcessorTests: ProcessorFixtures {
    @Test("a diamond DAG runs every job once, dependencies first")
    func diamond() async throws {
        let log = ExecutionLog()
        let processor = BatchProcessor(
            store: InMemoryJobStore(), handlers: ["work": loggingHandler(log, delay: .milliseconds(5))],
            configuration: fastConfiguration())
        try await processor.submit([
            job("d", dependsOn: ["b", "c"]), job("b", dependsOn: ["a"]), job("c", dependsOn: ["a"]), job("a"),
        ])
        let summary = try await processor.run()
        #expect(summary[.succeeded] == 4)
        #expect(summary.allSucceeded)
        for name in ["a", "b", "c", "d"] { #expect(log.count("start \(name)") == 1) }
        let endA = try #require(log.index("end a"))
        #expect(try #require(log.index("start b")) > endA)
        #expect(try #require(log.index("start c")) > endA)
        #expect(try #require(log.index("start d")) > max(log.index("end b")!, log.index("end c")!))
        let record = try #require(await processor.store.job(id("d")))
        #expect(record.result == .string("done d"))
        #expect(record.attempts == 1)
    }

    @Test("higher priority first, FIFO within a priority")
    func priorities() async throws {
        let log = ExecutionLog()
        let processor = BatchProcessor(
            store: InMemoryJobStore(), handlers: ["work": loggingHandler(log)],
            configuration: fastConfiguration(concurrency: 1))
        try await processor.submit([
            job("low1", priority: 0), job("high1", priority: 5), job("low2", priority: 0), job("mid", priority: 2),
            job("high2", priority: 5),
        ])
        try await processor.run()
        let starts = log.all.filter { $0.hasPrefix("start") }
        #expect(starts == ["start high1", "start high2", "start mid", "start low1", "start low2"])
    }

    @Test("the concurrency limit holds", arguments: [1, 3])
    func concurrencyLimit(limit: Int) async throws {
        let log = ExecutionLog()
        let processor = BatchProcessor(
            store: InMemoryJobStore(), handlers: ["work": loggingHandler(log, delay: .milliseconds(5))],
            configuration: fastConfiguration(concurrency: limit))
        try await processor.submit((0..<12).map { job("j\($0)") })
        let summary = try await processor.run()
        #expect(summary[.succeeded] == 12)
        #expect(log.peak <= limit)
        #expect(log.peak == limit)
    }

    @Test("a failure skips its dependents transitively, naming the dependency")
    func failurePropagation() async throws {
        let handler = ClosureJobHandler { context in
            if context.job.id.rawValue == "a" { throw BatchError(.invalidValue, "boom") }
            return JobOutput()
        }
        let processor = BatchProcessor(
            store: InMemoryJobStore(), handlers: ["work": handler], configuration: fastConfiguration())
        let events = collect(processor)
        try await processor.submit([job("a"), job("b", dependsOn: ["a"]), job("c", dependsOn: ["b"]), job("x")])
        let summary = try await processor.run()
        #expect(summary[.failed] == 1)
        #expect(summary[.skipped] == 2)
        #expect(summary[.succeeded] == 1)
        let b = try #require(await processor.store.job(id("b")))
        #expect(b.state == .skipped)
        let c = try #require(await processor.store.job(id("c")))
        #expect(c.attempts == 0)
        let reasons = try await processor.store.transitions(of: id("c"), after: 0, limit: 10).map(\.reason)
        #expect(reasons.last == "dependency b skipped")
        let a = try #require(await processor.store.job(id("a")))
        #expect(a.lastError?.contains("boom") == true)
        let kinds = await events.value
        #expect(kinds.contains { $0.jobID == id("b") && $0.kind == .skipped(reason: "dependency a failed") })
        #expect(kinds.contains { if case .failed = $0.kind { $0.jobID == id("a") } else { false } })
    }

    @Test("retries back off exponentially from retry_delay, with jitter that only lengthens, on an injected clock")
    func backoff() async throws {
        let clock = ManualBatchClock()
        let calls = Mutex(0)
        let handler = ClosureJobHandler { _ in
            let n = calls.withLock {
                $0 += 1; return $0
            }
            if n < 4 { throw BatchError(.invalidValue, "transient \(n)") }
            return JobOutput(result: .integer(n))
        }
        var configuration = ProcessorConfiguration()
        configuration.retry = RetryPolicy(
            initialDelay: .seconds(300), multiplier: 2, maximumDelay: .seconds(900), jitter: 0.1)
        let processor = BatchProcessor(
            store: InMemoryJobStore(), handlers: ["work": handler], configuration: configuration, clock: clock)
        let stream = processor.events()
        try await processor.submit([job("flaky", maxRetries: 5)])
        let run = Task { try await processor.run() }
        var delays: [Double] = []
        var failedAt: Date?
        for await event in stream {
            switch event.kind {
            case .retryScheduled(_, let at, _):
                delays.append(at.timeIntervalSince(event.time))
                failedAt = event.time
                // Let the processor go to sleep first, then move time to the retry.
                while clock.sleeperCount == 0 { try await Task.sleep(for: .milliseconds(1)) }
                #expect(clock.now == failedAt)
                clock.advance(to: at)
            default: break
            }
            if event.isTerminal { break }
        }
        let summary = try await run.value
        #expect(summary[.succeeded] == 1)
        #expect(delays.count == 3)
        // Base delays 300, 600, 900 (capped) s; jitter adds at most 10 %.
        for (delay, base) in zip(delays, [300.0, 600, 900]) {
            #expect(delay >= base && delay < base * 1.1, "delay \(delay) for base \(base)")
        }
        let record = try #require(await processor.store.job(id("flaky")))
        #expect(record.attempts == 4)
        #expect(record.failures == 3)
        // The same job retries at the same offsets every time.
        let policy = configuration.retry
        #expect(abs(delays[0] - Double(policy.delay(afterFailure: 1, job: id("flaky")).components.seconds)) < 1)
    }

    @Test("a timeout cancels the attempt, is recorded as timed out, and is retried")
    func timeout() async throws {
        let attempts = Mutex(0)
        let handler = ClosureJobHandler { _ in
            let n = attempts.withLock {
                $0 += 1; return $0
            }
            if n == 1 { try await Task.sleep(for: .seconds(60)) }
            return JobOutput(result: .integer(n))
        }
        let processor = BatchProcessor(
            store: InMemoryJobStore(), handlers: ["work": handler], configuration: fastConfiguration())
        let events = collect(processor)
        try await processor.submit([job("slow", maxRetries: 1, timeout: .milliseconds(100))])
        let summary = try await processor.run()
        #expect(summary[.succeeded] == 1)
        let all = await events.value
        #expect(all.contains { $0.kind == .timedOut(attempt: 1, timeout: .milliseconds(100)) })
        let reasons = try await processor.store.transitions(of: id("slow"), after: 0, limit: 10).map(\.reason)
        #expect(reasons.contains { $0.hasPrefix("attempt 1 timed out") })
    }

    @Test("a timeout with no retries left fails the job")
    func timeoutFails() async throws {
        let handler = ClosureJobHandler { _ in
            try await Task.sleep(for: .seconds(60))
            return JobOutput()
        }
        let processor = BatchProcessor(
            store: InMemoryJobStore(), handlers: ["work": handler], configuration: fastConfiguration())
        try await processor.submit([job("slow", timeout: .milliseconds(50))])
        let summary = try await processor.run()
        #expect(summary[.failed] == 1)
        let record = try #require(await processor.store.job(id("slow")))
        #expect(record.lastError?.contains("timed out") == true)
    }

    @Test("cancel stops a running job cooperatively and cancels a pending one; dependents are skipped")
    func cancel() async throws {
        let started = AsyncStream.makeStream(of: JobID.self)
        let cancelled = Mutex(false)
        let handler = ClosureJobHandler { context in
            started.continuation.yield(context.job.id)
            do {
                try await Task.sleep(for: .seconds(60))
            } catch {
                cancelled.withLock { $0 = true }
                throw error
            }
            return JobOutput()
        }
        let processor = BatchProcessor(
            store: InMemoryJobStore(), handlers: ["work": handler], configuration: fastConfiguration(concurrency: 1))
        try await processor.submit([
            job("running", priority: 1), job("queued"), job("after", dependsOn: ["running"]),
        ])
        let run = Task { try await processor.run() }
        var iterator = started.stream.makeAsyncIterator()
        #expect(await iterator.next() == id("running"))
        try await processor.cancel([id("queued")])
        try await processor.cancel([id("running")], reason: "user asked")
        let summary = try await run.value
        #expect(summary[.cancelled] == 2)
        #expect(summary[.skipped] == 1)
        #expect(cancelled.withLock { $0 })
        let record = try #require(await processor.store.job(id("running")))
        #expect(record.state == .cancelled)
        let last = try await processor.store.transitions(of: id("running"), after: 0, limit: 10).last
        #expect(last?.reason == "user asked")
    }

    @Test("shutdown gives running jobs a grace period, then requeues them without counting a failure")
    func shutdown() async throws {
        let store = InMemoryJobStore()
        let started = AsyncStream.makeStream(of: JobID.self)
        let slow = ClosureJobHandler { context in
            started.continuation.yield(context.job.id)
            try await Task.sleep(for: .seconds(60))
            return JobOutput()
        }
        let processor = BatchProcessor(
            store: store, handlers: ["work": slow], configuration: fastConfiguration(concurrency: 2))
        try await processor.submit([job("a"), job("b"), job("c")])
        let run = Task { try await processor.run() }
        var iterator = started.stream.makeAsyncIterator()
        _ = await iterator.next()
        _ = await iterator.next()
        await processor.shutdown(grace: .milliseconds(50))
        let summary = try await run.value
        #expect(summary.interrupted)
        #expect(summary[.pending] == 3)
        for name in ["a", "b", "c"] {
            let record = try #require(await store.job(id(name)))
            #expect(record.failures == 0)
        }
        // A new processor on the same store finishes the work.
        let log = ExecutionLog()
        let second = BatchProcessor(
            store: store, handlers: ["work": loggingHandler(log)], configuration: fastConfiguration())
        let done = try await second.run()
        #expect(done[.succeeded] == 3)
    }

    @Test("cancelling the task that runs the processor is a shutdown")
    func taskCancellation() async throws {
        let store = InMemoryJobStore()
        let started = AsyncStream.makeStream(of: JobID.self)
        let slow = ClosureJobHandler { context in
            started.continuation.yield(context.job.id)
            try await Task.sleep(for: .seconds(60))
            return JobOutput()
        }
        let processor = BatchProcessor(store: store, handlers: ["work": slow], configuration: fastConfiguration())
        try await processor.submit([job("a")])
        let run = Task { try await processor.run() }
        var iterator = started.stream.makeAsyncIterator()
        _ = await iterator.next()
        run.cancel()
        let summary = try await run.value
        #expect(summary.interrupted)
        #expect(await store.job(id("a"))?.state == .pending)
    }

    @Test("no job starts while admission holds; jobs start once it admits")
    func admission() async throws {
        actor Gate: JobAdmission {
            var open = false
            var checks = 0
            func holdReason(now: Date) -> String? {
                checks += 1
                return open ? nil : "memory 9.0 GiB ≥ limit 8.0 GiB"
            }
            func release() { open = true }
        }
        let gate = Gate()
        let log = ExecutionLog()
        let processor = BatchProcessor(
            store: InMemoryJobStore(), handlers: ["work": loggingHandler(log)], configuration: fastConfiguration(),
            admission: gate)
        try await processor.submit([job("a"), job("b")])
        let run = Task { try await processor.run() }
        while await gate.checks < 3 { try await Task.sleep(for: .milliseconds(5)) }
        #expect(log.all.isEmpty)
        await gate.release()
        let summary = try await run.value
        #expect(summary[.succeeded] == 2)
    }

    @Test("results, manifest and compression land in the job's directory; identical content is reused")
    func resultsAndReuse() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let calls = Mutex(0)
        let handler = ClosureJobHandler { context in
            calls.withLock { $0 += 1 }
            context.reportProgress(0.5, message: "half")
            return JobOutput(
                result: ["beta": 1.5], files: ["table.csv": Data("a,b\n1,2\n".utf8), "scratch.tmp": Data("x".utf8)],
                provenance: ["GDPC1@2024-01-01"], versions: ["model": "1"])
        }
        var configuration = fastConfiguration()
        configuration.outputDirectory = directory.url
        configuration.compressResults = true
        configuration.cleanupIntermediateFiles = true
        let processor = BatchProcessor(
            store: InMemoryJobStore(), handlers: ["fit": handler], configuration: configuration)
        let events = collect(processor)
        var spec = JobSpec(
            id: id("first"), handler: "fit", payload: ["x": 1], seed: 42, intermediateFiles: ["scratch.tmp"])
        try await processor.submit([spec])
        try await processor.run()
        let jobDirectory = directory.url.appendingPathComponent("first")
        let names = try FileManager.default.contentsOfDirectory(atPath: jobDirectory.path).sorted()
        #expect(names == ["manifest.json", "result.json.gz", "table.csv.gz"])
        let manifest = try ResultFiles(baseDirectory: directory.url).readManifest(job: id("first"))
        #expect(manifest.seed == 42)
        #expect(manifest.attempts == 1)
        #expect(manifest.provenance == ["GDPC1@2024-01-01"])
        #expect(manifest.versions["model"] == "1")
        #expect(manifest.versions["qeir-batch"] != nil)
        #expect(manifest.payload == ["x": 1])
        #expect(manifest.contentHash.hasPrefix("sha256:"))
        // Every kept file with the hash of its bytes as written (before compression); the
        // removed intermediate is not listed.
        #expect(Set(manifest.files.keys) == ["result.json", "table.csv"])
        #expect(manifest.files["table.csv"] == ContentHash.of(data: Data("a,b\n1,2\n".utf8)))
        let all = await events.value
        #expect(all.contains { $0.kind == .progress(fraction: 0.5, message: "half") })

        // Same content under another id: reused, not run.
        spec.id = id("second")
        let again = BatchProcessor(store: processor.store, handlers: ["fit": handler], configuration: configuration)
        let report = try await again.submit([spec])
        #expect(report.entries.first?.disposition == .reused(from: id("first")))
        try await again.run()
        #expect(calls.withLock { $0 } == 1)
        #expect(try await again.store.job(id("second"))?.result == ["beta": 1.5])
    }

    @Test("submission errors name the job: unknown handler, cycle, unknown dependency; nothing is stored")
    func submissionErrors() async throws {
        let store = InMemoryJobStore()
        let processor = BatchProcessor(store: store, handlers: ["work": loggingHandler(ExecutionLog())])
        try await processor.submit([job("kept")])
        let unknown = await #expect(throws: BatchError.self) { try await processor.submit([job("x", handler: "nope")]) }
        #expect(unknown?.message.contains("nope") == true)
        let cycle = await #expect(throws: BatchError.self) {
            try await processor.submit([
                job("a", dependsOn: ["c"]), job("b", dependsOn: ["a"]), job("c", dependsOn: ["b"]),
            ])
        }
        #expect(cycle?.context["cycle"] == "a -> c -> b -> a")
        let missing = await #expect(throws: BatchError.self) {
            try await processor.submit([job("y", dependsOn: ["ghost"])])
        }
        #expect(missing?.message.contains("ghost") == true)
        #expect(await store.jobs(in: nil).map(\.id) == [id("kept")])
        #expect(throws: BatchError.self) { try JobID("../../etc") }
    }

    @Test("the event stream reports each job's life in order and ends with the run")
    func eventOrder() async throws {
        let processor = BatchProcessor(
            store: InMemoryJobStore(), handlers: ["work": loggingHandler(ExecutionLog())],
            configuration: fastConfiguration())
        let events = collect(processor)
        try await processor.submit([job("a"), job("b", dependsOn: ["a"])])
        try await processor.run()
        let all = await events.value
        let forB = all.filter { $0.jobID == id("b") }.map(\.kind)
        #expect(forB == [.submitted, .started(attempt: 1), .succeeded(attempt: 1, reusedFrom: nil)])
        let lastOfA = try #require(all.lastIndex { $0.jobID == id("a") })
        let startOfB = try #require(all.firstIndex { $0.kind == .started(attempt: 1) && $0.jobID == id("b") })
        #expect(lastOfA < startOfB)
    }

    @Test("a cancel requested through another connection to the SQLite store reaches the running job")
    func crossProcessCancel() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.url.appendingPathComponent("jobs.sqlite")
        let started = AsyncStream.makeStream(of: JobID.self)
        let handler = ClosureJobHandler { context in
            started.continuation.yield(context.job.id)
            try await Task.sleep(for: .seconds(60))
            return JobOutput()
        }
        let processor = BatchProcessor(
            store: try SQLiteJobStore(path: path), handlers: ["work": handler], configuration: fastConfiguration())
        try await processor.submit([job("long"), job("after", dependsOn: ["long"])])
        let run = Task { try await processor.run() }
        var iterator = started.stream.makeAsyncIterator()
        _ = await iterator.next()
        // What `qeir hypothesis batch-manage cancel` does from another process.
        let other = try SQLiteJobStore(path: path)
        _ = try await other.cancel([id("long")], reason: "cancelled from another process", now: Date())
        let summary = try await run.value
        #expect(summary[.cancelled] == 1)
        #expect(summary[.skipped] == 1)
        let record = try #require(try await other.job(id("long")))
        #expect(record.state == .cancelled)
    }

    @Test("retry delays: capped, never below the first delay, deterministic per job")
    func retryPolicy() {
        let policy = RetryPolicy(initialDelay: .seconds(60), multiplier: 3, maximumDelay: .seconds(1000), jitter: 0.25)
        for failure in 1...8 {
            let base = min(1000, 60 * pow(3.0, Double(failure - 1)))
            let seconds = Double(policy.delay(afterFailure: failure, job: id("j")).components.seconds)
            #expect(seconds >= base - 1 && seconds <= base * 1.25)
            #expect(
                policy.delay(afterFailure: failure, job: id("j")) == policy.delay(afterFailure: failure, job: id("j")))
        }
        let spread = Set((0..<50).map { policy.delay(afterFailure: 1, job: id("job\($0)")) })
        #expect(spread.count > 40)
        #expect(RetryPolicy(initialDelay: .zero).delay(afterFailure: 1, job: id("j")) == .zero)
    }
}

/// A small deterministic generator (SplitMix64), so that random test inputs can be replayed.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}
