import Foundation
import QEIRBatch
import QEIRHypotheses
import QEIRTestSupport
import Synchronization
import Testing

@Suite("HypothesisWorker and BatchRun.submit")
struct HypothesisWorkerTests {
    @Test(
        "BatchRun.submit puts the jobs in the given store (no jobs.sqlite), twice is harmless; a worker drains it and writes the result files"
    )
    func submitThenWork() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let json = """
            {"base_config": {"bootstrap_iterations": 19, "hypotheses": [1]},
             "periods": [["2008-01-01", "2015-12-31"]], "specifications": ["default", "alternative"]}
            """
        let configuration = try BatchConfiguration.parse(Data(json.utf8)).configuration
        let source = try EmbeddedSeriesSource()
        let jobs = try HypothesisJobs.jobSpecs(
            from: try configuration.gridJobs(prefix: "h"), dataVintage: source.vintage, maxRetries: 0)
        let store = InMemoryJobStore()
        let output = directory.url.appendingPathComponent("out")
        var options = BatchRunOptions(outputDirectory: output)
        options.store = store
        let handlers: [String: any JobHandler] = [HypothesisJobs.handlerName: HypothesisJobHandler(source: source)]
        let run = BatchRun(configuration: configuration, jobs: jobs, handlers: handlers, options: options)
        let first = try await run.submit()
        #expect(first.entries.map(\.disposition) == [.created(.pending), .created(.pending)])
        let second = try await run.submit()
        #expect(second.entries.map(\.disposition) == [.existing(.pending), .existing(.pending)])
        #expect(!FileManager.default.fileExists(atPath: output.appendingPathComponent("jobs.sqlite").path))
        #expect(await store.counts()[.pending] == 2)

        let results = directory.url.appendingPathComponent("results")
        let worker = HypothesisWorker(
            store: store, source: source,
            options: HypothesisWorkerOptions(outputDirectory: results, concurrency: 2, mode: .untilDrained))
        let summary = try await worker.run()
        #expect(summary[.succeeded] == 2)
        #expect(summary.attemptsStarted == 2)
        #expect(!summary.interrupted)
        for job in jobs {
            #expect(
                FileManager.default.fileExists(
                    atPath: results.appendingPathComponent("\(job.id.rawValue)/result.json").path))
        }
    }

    @Test("A worker waits out a failing store and carries on; with no retries left it stops with the store's error")
    func storeFailuresArePausesNotEnds() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let json = """
            {"base_config": {"bootstrap_iterations": 19, "hypotheses": [1]},
             "periods": [["2008-01-01", "2015-12-31"]], "specifications": ["default"]}
            """
        let configuration = try BatchConfiguration.parse(Data(json.utf8)).configuration
        let source = try EmbeddedSeriesSource()
        let jobs = try HypothesisJobs.jobSpecs(
            from: try configuration.gridJobs(prefix: "h"), dataVintage: source.vintage, maxRetries: 0)
        let store = FlakyStore(failures: 2)
        _ = try await store.submit(jobs, options: .init(), now: Date())
        let worker = HypothesisWorker(
            store: store, source: source,
            options: HypothesisWorkerOptions(
                outputDirectory: directory.url.appendingPathComponent("results"), concurrency: 1, mode: .untilDrained))
        let events = worker.events()
        let summary = try await worker.run()
        #expect(summary[.succeeded] == jobs.count)
        #expect(store.failuresLeft == 0)
        // The event stream spans the restarts and ends with the run.
        var kinds: [String] = []
        for await event in events { kinds.append("\(event.kind)") }
        #expect(kinds.contains { $0.hasPrefix("succeeded") })

        let broken = FlakyStore(failures: 100)
        _ = try await broken.submit(jobs, options: .init(), now: Date())
        var options = HypothesisWorkerOptions(
            outputDirectory: directory.url.appendingPathComponent("results2"), concurrency: 1, mode: .untilDrained)
        options.storeFailureRetries = 1
        let giving = HypothesisWorker(store: broken, source: source, options: options)
        await #expect(throws: BatchError.self) { try await giving.run() }
        #expect(broken.failuresLeft == 98)
    }
}

/// An in-memory store whose claims fail with ``BatchError/Code/storeFailed`` the first
/// `failures` times (a database that restarts).
final class FlakyStore: JobStore {
    private let base = InMemoryJobStore()
    private let remaining: Mutex<Int>

    init(failures: Int) { remaining = Mutex(failures) }

    var failuresLeft: Int { remaining.withLock { $0 } }

    func submit(_ jobs: [JobSpec], options: SubmitOptions, now: Date) async throws(BatchError) -> SubmitReport {
        try await base.submit(jobs, options: options, now: now)
    }

    func claim(owner: String, limit: Int, now: Date, leaseDuration: Duration) async throws(BatchError) -> (
        claimed: [ClaimedJob], requeued: [JobTransition]
    ) {
        let fail = remaining.withLock { left in
            defer { left = max(0, left - 1) }
            return left > 0
        }
        if fail { throw BatchError(.storeFailed, "The test database is restarting.") }
        return try await base.claim(owner: owner, limit: limit, now: now, leaseDuration: leaseDuration)
    }

    func renewLeases(_ leases: [Lease], now: Date, leaseDuration: Duration) async throws(BatchError) -> LeaseRenewal {
        await base.renewLeases(leases, now: now, leaseDuration: leaseDuration)
    }

    func complete(_ completions: [Completion], now: Date) async throws(BatchError) -> [CompletionReceipt] {
        await base.complete(completions, now: now)
    }

    func cancel(_ ids: [JobID], reason: String, now: Date) async throws(BatchError) -> [JobTransition] {
        try await base.cancel(ids, reason: reason, now: now)
    }

    func cancelRequests(owner: String) async throws(BatchError) -> [JobID] {
        await base.cancelRequests(owner: owner)
    }

    func recoverOrphans(isDead: @Sendable (String) -> Bool, now: Date) async throws(BatchError) -> [JobTransition] {
        await base.recoverOrphans(isDead: isDead, now: now)
    }

    func job(_ id: JobID) async throws(BatchError) -> JobRecord? { await base.job(id) }

    func jobs(in states: Set<JobState>?) async throws(BatchError) -> [JobRecord] { await base.jobs(in: states) }

    func counts() async throws(BatchError) -> [JobState: Int] { await base.counts() }

    func transitions(of job: JobID?, after sequence: Int64, limit: Int) async throws(BatchError) -> [JobTransition] {
        await base.transitions(of: job, after: sequence, limit: limit)
    }

    func nextDueTime() async throws(BatchError) -> Date? { await base.nextDueTime() }

    func submitScheduledRun(
        scheduleID: String, slot: Date, jobs: [JobSpec], options: SubmitOptions, now: Date
    ) async throws(BatchError) -> SubmitReport? {
        try await base.submitScheduledRun(scheduleID: scheduleID, slot: slot, jobs: jobs, options: options, now: now)
    }

    func lastScheduleRun(scheduleID: String) async throws(BatchError) -> (slot: Date, jobs: [JobID])? {
        await base.lastScheduleRun(scheduleID: scheduleID)
    }
}
