import Foundation
import QEIRTestSupport
import Testing

@testable import QEIRBatch

/// The stores every conformance test runs against: PostgreSQL too when
/// `QEIR_TEST_POSTGRES_URL` names a server (`.ci/start-postgres` starts one; CI always does).
enum StoreKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case memory
    case sqlite
    case postgres

    static var allCases: [StoreKind] {
        TestPostgres.url == nil ? [.memory, .sqlite] : [.memory, .sqlite, .postgres]
    }

    var testDescription: String { rawValue }

    /// A fresh, empty store of this kind; `cleanup` removes its files (or its schema).
    func make() async throws -> (store: any JobStore, cleanup: @Sendable () -> Void) {
        switch self {
        case .memory:
            return (InMemoryJobStore(), {})
        case .sqlite:
            let directory = try TemporaryDirectory()
            let store = try SQLiteJobStore(path: directory.url.appendingPathComponent("store/jobs.sqlite"))
            return (store, { directory.remove() })
        case .postgres:
            let store = try await TestPostgres.freshStore()
            return (store, { TestPostgres.discard(store) })
        }
    }
}

/// The date tolerance: SQLite keeps dates as `REAL` unix seconds.
private let dateTolerance = 1e-6
private let t0 = Date(timeIntervalSince1970: 1_800_000_000)
private let lease30: Duration = .seconds(30)

private func at(_ seconds: Double) -> Date { t0.addingTimeInterval(seconds) }

private func id(_ text: String) -> JobID { JobID(rawValue: text)! }

private func ids(_ texts: String...) -> [JobID] { texts.map(id) }

/// A job whose payload is its own id, so that no two jobs share a content hash by accident.
private func spec(
    _ name: String, after dependencies: [String] = [], priority: Int = 0, payload: ConfigValue? = nil,
    handler: String = "noop"
) -> JobSpec {
    JobSpec(
        id: id(name), handler: handler, payload: payload ?? .string(name), priority: priority,
        dependencies: dependencies.map(id))
}

private func close(_ a: Date?, _ b: Date?) -> Bool {
    switch (a, b) {
    case (nil, nil): true
    case (let a?, let b?): abs(a.timeIntervalSince(b)) <= dateTolerance
    default: false
    }
}

private func submit(_ store: any JobStore, _ jobs: [JobSpec], force: Bool = false, now: Date = t0) async throws
    -> SubmitReport
{
    try await store.submit(jobs, options: SubmitOptions(force: force), now: now)
}

private func record(_ store: any JobStore, _ name: String) async throws -> JobRecord {
    try #require(await store.job(id(name)))
}

private func claimAll(_ store: any JobStore, owner: String = "w1", now: Date = t0, lease: Duration = lease30)
    async throws -> [ClaimedJob]
{
    try await store.claim(owner: owner, limit: 1000, now: now, leaseDuration: lease).claimed
}

private func succeed(_ store: any JobStore, _ claimed: ClaimedJob, result: ConfigValue = "ok", now: Date = t0)
    async throws -> CompletionReceipt
{
    let receipts = try await store.complete(
        [Completion(lease: claimed.lease, outcome: .succeeded(result: result))], now: now)
    return try #require(receipts.first)
}

private func fail(_ store: any JobStore, _ claimed: ClaimedJob, retryAt: Date? = nil, now: Date = t0) async throws
    -> CompletionReceipt
{
    let receipts = try await store.complete(
        [Completion(lease: claimed.lease, outcome: .failed(error: "boom", timedOut: false, retryAt: retryAt))],
        now: now)
    return try #require(receipts.first)
}

/// Runs `body` and returns the ``BatchError`` it throws, or `nil` (recording an issue for any
/// other error).
private func batchError(_ body: () async throws -> Void) async -> BatchError? {
    do {
        try await body()
        return nil
    } catch let error as BatchError {
        return error
    } catch {
        Issue.record("Expected a BatchError, got \(error)")
        return nil
    }
}

private func allTransitions(_ store: any JobStore) async throws -> [JobTransition] {
    try await store.transitions(of: nil, after: 0, limit: 10_000)
}

@Suite("JobStoreConformance")
struct JobStoreConformanceTests {
    // MARK: Submission

    @Test(arguments: StoreKind.allCases)
    func submissionFollowsOrderWithIncreasingSequences(_ kind: StoreKind) async throws {
        let (store, cleanup) = try await kind.make()
        defer { cleanup() }
        // Dependents may come before their dependencies; sequences follow submission order.
        let report = try await submit(store, [spec("c", after: ["a"]), spec("a"), spec("b", after: ["c"])])
        #expect(report.entries.map(\.id) == ids("c", "a", "b"))
        #expect(report.entries.allSatisfy { $0.disposition == .created(.pending) })
        #expect(report.transitions.map(\.sequence) == [1, 2, 3])
        #expect(report.transitions.allSatisfy { $0.reason == "submitted" && $0.from == nil && $0.to == .pending })
        #expect(try await record(store, "c").sequence == 1)
        #expect(try await record(store, "a").sequence == 2)
        #expect(try await record(store, "b").sequence == 3)
        #expect(try await record(store, "c").unmetDependencies == 1)
        #expect(try await record(store, "a").unmetDependencies == 0)

        let second = try await submit(store, [spec("d")], now: at(1))
        #expect(second.transitions.map(\.sequence) == [4])
        let d = try await record(store, "d")
        #expect(d.sequence == 4)
        #expect(d.state == .pending)
        #expect(d.attempts == 0 && d.failures == 0)
        #expect(close(d.submittedAt, at(1)) && close(d.updatedAt, at(1)))
        #expect(d.startedAt == nil && d.finishedAt == nil && d.lease == nil && d.result == nil)
        #expect(d.contentHash == ContentHash.of(spec("d"), libraryVersion: QEIRBatchVersion.current))
        #expect(d.spec == spec("d"))
        #expect(try await store.jobs(in: nil).map(\.id) == ids("c", "a", "b", "d"))
    }

    @Test(arguments: StoreKind.allCases)
    func cycleIsNamedAndNothingIsStored(_ kind: StoreKind) async throws {
        let (store, cleanup) = try await kind.make()
        defer { cleanup() }
        let error = await batchError {
            _ = try await submit(store, [spec("a", after: ["b"]), spec("b", after: ["c"]), spec("c", after: ["a"])])
        }
        #expect(error?.code == .invalidJob)
        #expect(
            error?.message == "The job dependencies form a cycle: a -> b -> c -> a. Remove one of these dependencies.")
        #expect(error?.context["cycle"] == "a -> b -> c -> a")
        #expect(try await store.counts().isEmpty)
        #expect(try await allTransitions(store).isEmpty)
    }

    @Test(arguments: StoreKind.allCases)
    func unknownDependencyIsRejectedAndNothingIsStored(_ kind: StoreKind) async throws {
        let (store, cleanup) = try await kind.make()
        defer { cleanup() }
        let error = await batchError { _ = try await submit(store, [spec("a"), spec("b", after: ["zz"])]) }
        #expect(error?.code == .invalidJob)
        #expect(
            error?.message
                == "Job b depends on zz, which is neither in this submission nor in the store. Submit zz too or remove the dependency."
        )
        #expect(error?.context["job"] == "b")
        #expect(error?.context["dependency"] == "zz")
        #expect(try await store.job(id("a")) == nil)
        #expect(try await store.counts().isEmpty)
    }

    @Test(arguments: StoreKind.allCases)
    func duplicateIDInOneSubmissionIsRejected(_ kind: StoreKind) async throws {
        let (store, cleanup) = try await kind.make()
        defer { cleanup() }
        let error = await batchError { _ = try await submit(store, [spec("a"), spec("b"), spec("a")]) }
        #expect(error?.code == .invalidJob)
        #expect(error?.message == "Job id a appears twice in one submission. Give every job its own id.")
        #expect(try await store.counts().isEmpty)
    }

    @Test(arguments: StoreKind.allCases)
    func resubmissionIsExistingOrJobExistsOrForcedReset(_ kind: StoreKind) async throws {
        let (store, cleanup) = try await kind.make()
        defer { cleanup() }
        _ = try await submit(store, [spec("a"), spec("b")])
        let again = try await submit(store, [spec("a")], now: at(1))
        #expect(again.entries.map(\.disposition) == [.existing(.pending)])
        #expect(again.transitions.isEmpty)

        let changed = spec("a", payload: "other")
        let error = await batchError { _ = try await submit(store, [changed, spec("c")]) }
        #expect(error?.code == .jobExists)
        #expect(
            error?.message
                == "Job a already exists with different content (payload, inputs, seed or handler changed). Use a new id, or resubmit with force to reset it."
        )
        #expect(try await store.job(id("c")) == nil)

        // Force cannot reset a running job.
        let claimed = try await store.claim(owner: "w1", limit: 1, now: t0, leaseDuration: lease30).claimed
        #expect(claimed.map(\.record.id) == ids("a"))
        let running = await batchError { _ = try await submit(store, [changed], force: true) }
        #expect(running?.code == .jobExists)
        #expect(running?.message == "Job a is running and cannot be reset. Wait for it to finish or cancel it first.")

        // Once final, force resets it to pending with its new content, keeping sequence and history.
        _ = try await fail(store, claimed[0], now: at(2))
        let reset = try await submit(store, [changed], force: true, now: at(3))
        #expect(reset.entries.map(\.disposition) == [.reset])
        #expect(reset.transitions.map(\.reason) == ["resubmitted (forced)"])
        #expect(reset.transitions.first?.from == .failed)
        let a = try await record(store, "a")
        #expect(a.state == .pending)
        #expect(a.sequence == 1)
        #expect(a.spec.payload == "other")
        #expect(a.attempts == 0 && a.failures == 0 && a.lastError == nil && a.finishedAt == nil)
        #expect(a.contentHash == ContentHash.of(changed, libraryVersion: QEIRBatchVersion.current))
        let history = try await store.transitions(of: id("a"), after: 0, limit: 100)
        #expect(history.map(\.to) == [.pending, .running, .failed, .pending])
        #expect(try await claimAll(store, now: at(4)).map(\.record.id) == ids("a", "b"))
    }

    @Test(arguments: StoreKind.allCases)
    func identicalResultIsReused(_ kind: StoreKind) async throws {
        let (store, cleanup) = try await kind.make()
        defer { cleanup() }
        _ = try await submit(store, [spec("a", payload: ["x": 1])])
        let claimed = try await claimAll(store)
        _ = try await succeed(store, claimed[0], result: ["mean": 2.5], now: at(1))

        let report = try await submit(store, [spec("b", payload: ["x": 1]), spec("c", payload: ["x": 2])], now: at(2))
        #expect(report.entries.map(\.disposition) == [.reused(from: id("a")), .created(.pending)])
        #expect(report.transitions.first?.reason == "reused the identical result of a")
        #expect(report.transitions.first?.to == .succeeded)
        let b = try await record(store, "b")
        #expect(b.state == .succeeded)
        #expect(b.result == ["mean": 2.5])
        #expect(b.reusedFrom == id("a"))
        #expect(b.attempts == 0)
        #expect(close(b.finishedAt, at(2)))

        // A job depending on a reused job is ready at once.
        _ = try await submit(store, [spec("d", after: ["b"])], now: at(3))
        #expect(try await record(store, "d").unmetDependencies == 0)

        // Force runs it anyway.
        let forced = try await submit(store, [spec("e", payload: ["x": 1])], force: true, now: at(4))
        #expect(forced.entries.map(\.disposition) == [.created(.pending)])
        #expect(try await record(store, "e").reusedFrom == nil)
    }

    @Test(arguments: StoreKind.allCases)
    func jobWithFailedDependencyIsStoredSkipped(_ kind: StoreKind) async throws {
        let (store, cleanup) = try await kind.make()
        defer { cleanup() }
        _ = try await submit(store, [spec("a")])
        _ = try await fail(store, try await claimAll(store)[0])
        let report = try await submit(store, [spec("b", after: ["a"]), spec("c", after: ["b"])], now: at(1))
        #expect(report.entries.map(\.disposition) == [.created(.skipped), .created(.skipped)])
        #expect(report.transitions.map(\.reason) == ["dependency a failed", "dependency b skipped"])
        #expect(try await record(store, "c").state == .skipped)
        #expect(close(try await record(store, "c").finishedAt, at(1)))
    }

    // MARK: Claiming

    @Test(arguments: StoreKind.allCases)
    func claimsTakeHighestPriorityThenLowestSequence(_ kind: StoreKind) async throws {
        let (store, cleanup) = try await kind.make()
        defer { cleanup() }
        _ = try await submit(
            store,
            [
                spec("low1"), spec("high1", priority: 5), spec("neg", priority: -1), spec("low2"),
                spec("high2", priority: 5), spec("low3"),
            ])
        let first = try await store.claim(owner: "w1", limit: 3, now: at(1), leaseDuration: .seconds(10))
        #expect(first.claimed.map(\.record.id) == ids("high1", "high2", "low1"))
        #expect(first.requeued.isEmpty)
        let rest = try await claimAll(store, owner: "w2", now: at(2))
        #expect(rest.map(\.record.id) == ids("low2", "low3", "neg"))
        #expect(try await claimAll(store, now: at(3)).isEmpty)

        let job = first.claimed[0]
        #expect(job.record.state == .running)
        #expect(job.record.attempts == 1)
        #expect(job.lease.owner == "w1")
        #expect(job.lease.jobID == id("high1"))
        #expect(!job.lease.token.isEmpty)
        #expect(close(job.lease.expiresAt, at(11)))
        #expect(job.record.lease == job.lease)
        #expect(close(job.record.startedAt, at(1)) && close(job.record.updatedAt, at(1)))
        let stored = try await record(store, "high1")
        #expect(stored.state == .running && stored.attempts == 1 && stored.lease?.token == job.lease.token)
        #expect(close(stored.lease?.expiresAt, at(11)))
        let started = try await store.transitions(of: id("high1"), after: 0, limit: 10).last
        #expect(started?.reason == "attempt 1 started by w1")
        #expect(started?.attempt == 1)
        #expect(started?.from == .pending && started?.to == .running)
        #expect(Set(first.claimed.map(\.lease.token)).count == 3)
    }

    @Test(arguments: StoreKind.allCases)
    func dependenciesUnlockOnSuccess(_ kind: StoreKind) async throws {
        let (store, cleanup) = try await kind.make()
        defer { cleanup() }
        _ = try await submit(store, [spec("a"), spec("b", after: ["a"]), spec("c", after: ["a", "b"])])
        #expect(try await record(store, "c").unmetDependencies == 2)
        let a = try await claimAll(store)
        #expect(a.map(\.record.id) == ids("a"))
        let receipt = try await succeed(store, a[0], result: 7, now: at(1))
        #expect(receipt.accepted && receipt.state == .succeeded)
        #expect(receipt.transitions.map(\.reason) == ["attempt 1 succeeded"])
        let stored = try await record(store, "a")
        #expect(stored.result == 7 && stored.lease == nil && close(stored.finishedAt, at(1)))
        #expect(try await record(store, "b").unmetDependencies == 0)
        #expect(try await record(store, "c").unmetDependencies == 1)
        let b = try await claimAll(store, now: at(2))
        #expect(b.map(\.record.id) == ids("b"))
        _ = try await succeed(store, b[0], now: at(3))
        #expect(try await claimAll(store, now: at(4)).map(\.record.id) == ids("c"))
    }

    @Test(arguments: StoreKind.allCases)
    func failurePropagatesSkipsTransitively(_ kind: StoreKind) async throws {
        let (store, cleanup) = try await kind.make()
        defer { cleanup() }
        _ = try await submit(
            store, [spec("a"), spec("b", after: ["a"]), spec("c", after: ["b"]), spec("d", after: ["a"]), spec("e")])
        let claimed = try await claimAll(store)
        #expect(claimed.map(\.record.id) == ids("a", "e"))
        let receipt = try await fail(store, claimed[0], now: at(1))
        #expect(receipt.accepted && receipt.state == .failed)
        #expect(receipt.transitions.map(\.jobID) == ids("a", "b", "d", "c"))
        #expect(
            receipt.transitions.map(\.reason) == [
                "attempt 1 failed: boom", "dependency a failed", "dependency a failed", "dependency b skipped",
            ])
        #expect(receipt.transitions.dropFirst().allSatisfy { $0.from == .pending && $0.to == .skipped })
        let a = try await record(store, "a")
        #expect(a.failures == 1 && a.lastError == "boom" && close(a.finishedAt, at(1)))
        #expect(try await record(store, "c").state == .skipped)
        #expect(try await store.counts() == [.failed: 1, .skipped: 3, .running: 1])
    }

    @Test(arguments: StoreKind.allCases)
    func timedOutAttemptIsNamed(_ kind: StoreKind) async throws {
        let (store, cleanup) = try await kind.make()
        defer { cleanup() }
        _ = try await submit(store, [spec("a")])
        let claimed = try await claimAll(store)
        let receipt = try await store.complete(
            [Completion(lease: claimed[0].lease, outcome: .failed(error: "after 5s", timedOut: true, retryAt: nil))],
            now: at(5))
        #expect(receipt.first?.transitions.map(\.reason) == ["attempt 1 timed out: after 5s"])
        #expect(receipt.first?.state == .failed)
    }

    @Test(arguments: StoreKind.allCases)
    func retryWaitIsClaimableOnlyFromRunAfter(_ kind: StoreKind) async throws {
        let (store, cleanup) = try await kind.make()
        defer { cleanup() }
        _ = try await submit(store, [spec("a")])
        let first = try await claimAll(store)
        let receipt = try await fail(store, first[0], retryAt: at(60), now: at(1))
        #expect(receipt.state == .retryWait)
        #expect(receipt.transitions.map(\.to) == [.retryWait])
        #expect(receipt.transitions.map(\.reason) == ["attempt 1 failed: boom"])
        let waiting = try await record(store, "a")
        #expect(waiting.failures == 1 && waiting.attempts == 1 && waiting.lease == nil)
        #expect(close(waiting.runAfter, at(60)))
        #expect(waiting.finishedAt == nil)
        #expect(try await claimAll(store, now: at(30)).isEmpty)
        #expect(close(try await store.nextDueTime(), at(60)))
        let second = try await claimAll(store, now: at(60))
        #expect(second.map(\.record.id) == ids("a"))
        #expect(second.first?.record.attempts == 2)
        #expect(second.first?.record.runAfter == nil)
        #expect(close(second.first?.record.startedAt, t0))
        let started = try await store.transitions(of: id("a"), after: 0, limit: 10).last
        #expect(started?.from == .retryWait && started?.reason == "attempt 2 started by w1")
    }

    @Test(arguments: StoreKind.allCases)
    func expiredLeaseIsRequeuedAndStaleCompletionRejected(_ kind: StoreKind) async throws {
        let (store, cleanup) = try await kind.make()
        defer { cleanup() }
        _ = try await submit(store, [spec("a")])
        let old = try await claimAll(store, owner: "w1", now: t0, lease: .seconds(10))
        #expect(try await store.claim(owner: "w2", limit: 5, now: at(9), leaseDuration: lease30).requeued.isEmpty)
        let result = try await store.claim(owner: "w2", limit: 5, now: at(10), leaseDuration: lease30)
        #expect(result.requeued.map(\.reason) == ["lease of w1 expired"])
        #expect(result.requeued.first?.from == .running && result.requeued.first?.to == .pending)
        #expect(result.requeued.first?.attempt == 1)
        #expect(result.claimed.map(\.record.id) == ids("a"))
        let fresh = result.claimed[0]
        #expect(fresh.record.attempts == 2)
        #expect(fresh.record.failures == 0)
        #expect(fresh.lease.token != old[0].lease.token)

        let stale = try await succeed(store, old[0], now: at(11))
        #expect(!stale.accepted)
        #expect(stale.state == .running)
        #expect(stale.transitions.isEmpty)
        #expect(try await record(store, "a").result == nil)
        let renewal = try await store.renewLeases([old[0].lease], now: at(11), leaseDuration: lease30)
        #expect(renewal.lost == ids("a") && renewal.renewed.isEmpty)

        let good = try await succeed(store, fresh, now: at(12))
        #expect(good.accepted && good.state == .succeeded)
        // A completion after the job ended is rejected too.
        #expect(try await succeed(store, fresh, now: at(13)).accepted == false)
    }

    @Test(arguments: StoreKind.allCases)
    func renewLeasesReportsRenewedLostAndCancelRequested(_ kind: StoreKind) async throws {
        let (store, cleanup) = try await kind.make()
        defer { cleanup() }
        _ = try await submit(store, [spec("a"), spec("b"), spec("c")])
        let claimed = try await store.claim(owner: "w1", limit: 2, now: t0, leaseDuration: .seconds(10)).claimed
        #expect(try await store.cancel(ids("b"), reason: "user", now: at(1)).isEmpty)
        var forged = claimed[0].lease
        forged.jobID = id("c")
        let renewal = try await store.renewLeases(
            [claimed[0].lease, claimed[1].lease, forged], now: at(5), leaseDuration: lease30)
        #expect(renewal.renewed.map(\.jobID) == ids("a", "b"))
        #expect(renewal.renewed.allSatisfy { close($0.expiresAt, at(35)) })
        #expect(renewal.renewed.map(\.token) == claimed.map(\.lease.token))
        #expect(renewal.lost == ids("c"))
        #expect(renewal.cancelRequested == ids("b"))
        #expect(close(try await record(store, "a").lease?.expiresAt, at(35)))
        // The renewed lease no longer expires at t0 + 10.
        #expect(try await store.claim(owner: "w2", limit: 5, now: at(20), leaseDuration: lease30).requeued.isEmpty)
    }

    // MARK: Cancel, release, orphans

    @Test(arguments: StoreKind.allCases)
    func cancelOfPendingEndsItAndSkipsDependents(_ kind: StoreKind) async throws {
        let (store, cleanup) = try await kind.make()
        defer { cleanup() }
        _ = try await submit(store, [spec("a"), spec("b", after: ["a"]), spec("c", after: ["b"]), spec("d")])
        let transitions = try await store.cancel(ids("a", "c"), reason: "user asked", now: at(1))
        #expect(transitions.map(\.jobID) == ids("a", "b", "c"))
        #expect(transitions.map(\.reason) == ["user asked", "dependency a cancelled", "dependency b skipped"])
        #expect(transitions.map(\.to) == [.cancelled, .skipped, .skipped])
        #expect(close(try await record(store, "a").finishedAt, at(1)))
        // Final jobs are left alone.
        #expect(try await store.cancel(ids("a", "b"), reason: "again", now: at(2)).isEmpty)
        // An unknown id changes nothing.
        let error = await batchError { _ = try await store.cancel(ids("d", "zz"), reason: "x", now: at(3)) }
        #expect(error?.code == .unknownJob)
        #expect(error?.message == "No job zz in the store. List jobs to see their ids.")
        #expect(try await record(store, "d").state == .pending)
        #expect(try await claimAll(store, now: at(4)).map(\.record.id) == ids("d"))
    }

    @Test(arguments: StoreKind.allCases)
    func cancelOfRetryWaitEndsIt(_ kind: StoreKind) async throws {
        let (store, cleanup) = try await kind.make()
        defer { cleanup() }
        _ = try await submit(store, [spec("a")])
        _ = try await fail(store, try await claimAll(store)[0], retryAt: at(60))
        let transitions = try await store.cancel(ids("a"), reason: "stop", now: at(2))
        #expect(transitions.map(\.from) == [.retryWait])
        #expect(transitions.map(\.to) == [.cancelled])
        #expect(try await claimAll(store, now: at(61)).isEmpty)
        #expect(try await store.nextDueTime() == nil)
    }

    @Test(arguments: StoreKind.allCases)
    func cancelOfRunningRequestsItFromTheLeaseHolder(_ kind: StoreKind) async throws {
        let (store, cleanup) = try await kind.make()
        defer { cleanup() }
        _ = try await submit(store, [spec("a"), spec("b", after: ["a"]), spec("x")])
        let claimed = try await claimAll(store, owner: "w1")
        #expect(claimed.map(\.record.id) == ids("a", "x"))
        #expect(try await store.cancel(ids("a"), reason: "user", now: at(1)).isEmpty)
        let a = try await record(store, "a")
        #expect(a.state == .running && a.cancelRequested)
        #expect(try await store.cancelRequests(owner: "w1") == ids("a"))
        #expect(try await store.cancelRequests(owner: "w2").isEmpty)
        let receipt = try await store.complete(
            [Completion(lease: claimed[0].lease, outcome: .cancelled(reason: "cancelled by user"))], now: at(2))
        #expect(receipt.first?.state == .cancelled)
        #expect(receipt.first?.transitions.map(\.reason) == ["cancelled by user", "dependency a cancelled"])
        #expect(try await store.cancelRequests(owner: "w1").isEmpty)
        #expect(try await record(store, "b").state == .skipped)
    }

    @Test(arguments: StoreKind.allCases)
    func failureWithRetryAfterCancelRequestFailsForGood(_ kind: StoreKind) async throws {
        let (store, cleanup) = try await kind.make()
        defer { cleanup() }
        _ = try await submit(store, [spec("a")])
        let claimed = try await claimAll(store)
        _ = try await store.cancel(ids("a"), reason: "user", now: at(1))
        let receipt = try await fail(store, claimed[0], retryAt: at(60), now: at(2))
        #expect(receipt.state == .failed)
    }

    @Test(arguments: StoreKind.allCases)
    func releaseReturnsToPendingWithoutAFailure(_ kind: StoreKind) async throws {
        let (store, cleanup) = try await kind.make()
        defer { cleanup() }
        _ = try await submit(store, [spec("a"), spec("b")])
        let claimed = try await claimAll(store)
        let receipts = try await store.complete(
            [
                Completion(lease: claimed[0].lease, outcome: .released(reason: "shutdown")),
                Completion(lease: claimed[1].lease, outcome: .released(reason: "shutdown")),
            ], now: at(1))
        #expect(receipts.map(\.state) == [.pending, .pending])
        #expect(receipts.map(\.accepted) == [true, true])
        #expect(receipts[0].transitions.map(\.reason) == ["shutdown"])
        let a = try await record(store, "a")
        #expect(a.failures == 0 && a.attempts == 1 && a.lease == nil && a.finishedAt == nil)
        // Attempts count once per claim.
        let again = try await claimAll(store, now: at(2))
        #expect(again.map(\.record.id) == ids("a", "b"))
        #expect(again.map(\.record.attempts) == [2, 2])
        #expect(again.map(\.record.failures) == [0, 0])
    }

    @Test(arguments: StoreKind.allCases)
    func releaseAfterCancelRequestCancels(_ kind: StoreKind) async throws {
        let (store, cleanup) = try await kind.make()
        defer { cleanup() }
        _ = try await submit(store, [spec("a"), spec("b", after: ["a"])])
        let claimed = try await claimAll(store)
        _ = try await store.cancel(ids("a"), reason: "user", now: at(1))
        let receipt = try await store.complete(
            [Completion(lease: claimed[0].lease, outcome: .released(reason: "shutdown"))], now: at(2))
        #expect(receipt.first?.state == .cancelled)
        #expect(receipt.first?.transitions.map(\.to) == [.pending, .cancelled, .skipped])
    }

    @Test(arguments: StoreKind.allCases)
    func expiredLeaseOfCancelRequestedJobEndsCancelled(_ kind: StoreKind) async throws {
        let (store, cleanup) = try await kind.make()
        defer { cleanup() }
        _ = try await submit(store, [spec("a"), spec("b", after: ["a"])])
        _ = try await claimAll(store, owner: "w1", now: t0, lease: .seconds(10))
        _ = try await store.cancel(ids("a"), reason: "user", now: at(1))
        // The holder died without hearing of the cancel: the job must not stay pending forever.
        let result = try await store.claim(owner: "w2", limit: 5, now: at(10), leaseDuration: lease30)
        #expect(result.claimed.isEmpty)
        #expect(result.requeued.map(\.to) == [.pending, .cancelled, .skipped])
        #expect(result.requeued.map(\.reason) == ["lease of w1 expired", "cancel requested", "dependency a cancelled"])
        #expect(try await store.counts() == [.cancelled: 1, .skipped: 1])
    }

    @Test(arguments: StoreKind.allCases)
    func recoverOrphansRequeuesJobsOfDeadWorkers(_ kind: StoreKind) async throws {
        let (store, cleanup) = try await kind.make()
        defer { cleanup() }
        _ = try await submit(store, [spec("a"), spec("b"), spec("c")])
        _ = try await store.claim(owner: "dead", limit: 1, now: t0, leaseDuration: lease30)
        _ = try await store.claim(owner: "alive", limit: 1, now: t0, leaseDuration: lease30)
        let transitions = try await store.recoverOrphans(isDead: { $0 == "dead" }, now: at(1))
        #expect(transitions.map(\.jobID) == ids("a"))
        #expect(transitions.map(\.reason) == ["worker dead is gone"])
        #expect(transitions.first?.attempt == 1)
        let a = try await record(store, "a")
        #expect(a.state == .pending && a.lease == nil && a.failures == 0)
        #expect(try await record(store, "b").state == .running)
        #expect(try await claimAll(store, now: at(2)).map(\.record.id) == ids("a", "c"))
        #expect(try await store.recoverOrphans(isDead: { _ in false }, now: at(3)).isEmpty)
    }

    // MARK: Queries

    @Test(arguments: StoreKind.allCases)
    func countsAndJobsByState(_ kind: StoreKind) async throws {
        let (store, cleanup) = try await kind.make()
        defer { cleanup() }
        #expect(try await store.counts().isEmpty)
        _ = try await submit(store, [spec("a"), spec("b"), spec("c"), spec("d", after: ["c"])])
        let claimed = try await store.claim(owner: "w", limit: 2, now: t0, leaseDuration: lease30).claimed
        _ = try await succeed(store, claimed[0])
        #expect(try await store.counts() == [.succeeded: 1, .running: 1, .pending: 2])
        #expect(try await store.jobs(in: [.pending]).map(\.id) == ids("c", "d"))
        #expect(try await store.jobs(in: [.running, .succeeded]).map(\.id) == ids("a", "b"))
        #expect(try await store.jobs(in: []).isEmpty)
        #expect(try await store.job(id("nope")) == nil)
    }

    @Test(arguments: StoreKind.allCases)
    func transitionsArePagedInIncreasingSequence(_ kind: StoreKind) async throws {
        let (store, cleanup) = try await kind.make()
        defer { cleanup() }
        _ = try await submit(store, [spec("a"), spec("b")])
        let claimed = try await claimAll(store, now: at(1))
        _ = try await succeed(store, claimed[0], now: at(2))
        _ = try await succeed(store, claimed[1], now: at(3))
        let all = try await allTransitions(store)
        #expect(all.map(\.sequence) == [1, 2, 3, 4, 5, 6])
        #expect(all.map(\.jobID) == ids("a", "b", "a", "b", "a", "b"))
        #expect(close(all[4].at, at(2)))
        #expect(try await store.transitions(of: nil, after: 2, limit: 2).map(\.sequence) == [3, 4])
        #expect(try await store.transitions(of: nil, after: 6, limit: 10).isEmpty)
        #expect(try await store.transitions(of: nil, after: 0, limit: 0).isEmpty)
        #expect(try await store.transitions(of: id("b"), after: 0, limit: 10).map(\.sequence) == [2, 4, 6])
        #expect(try await store.transitions(of: id("b"), after: 2, limit: 1).map(\.sequence) == [4])
        #expect(try await store.transitions(of: id("b"), after: 0, limit: 10).map(\.attempt) == [0, 1, 1])
        // Sequence numbers continue after later work, store-wide.
        _ = try await submit(store, [spec("c")], now: at(4))
        #expect(try await store.transitions(of: id("c"), after: 0, limit: 10).map(\.sequence) == [7])
    }

    @Test(arguments: StoreKind.allCases)
    func nextDueTimeIsTheEarliestRetryOrLeaseExpiry(_ kind: StoreKind) async throws {
        let (store, cleanup) = try await kind.make()
        defer { cleanup() }
        #expect(try await store.nextDueTime() == nil)
        _ = try await submit(store, [spec("a"), spec("b")])
        #expect(try await store.nextDueTime() == nil)
        let claimed = try await claimAll(store, now: t0, lease: .seconds(100))
        #expect(close(try await store.nextDueTime(), at(100)))
        _ = try await fail(store, claimed[0], retryAt: at(40), now: at(1))
        #expect(close(try await store.nextDueTime(), at(40)))
        _ = try await succeed(store, claimed[1], now: at(2))
        #expect(close(try await store.nextDueTime(), at(40)))
        let retried = try await claimAll(store, now: at(40), lease: .seconds(10))
        #expect(close(try await store.nextDueTime(), at(50)))
        _ = try await succeed(store, retried[0], now: at(41))
        // Nothing waits any more.
        #expect(try await store.nextDueTime() == nil)
    }

    // MARK: Schedules

    @Test(arguments: StoreKind.allCases)
    func scheduledRunIsSubmittedOncePerSlot(_ kind: StoreKind) async throws {
        let (store, cleanup) = try await kind.make()
        defer { cleanup() }
        #expect(try await store.lastScheduleRun(scheduleID: "daily") == nil)
        let slot = at(3600)
        let first = try await store.submitScheduledRun(
            scheduleID: "daily", slot: slot, jobs: [spec("d1a"), spec("d1b")], options: SubmitOptions(), now: slot)
        #expect(first?.entries.map(\.id) == ids("d1a", "d1b"))
        let second = try await store.submitScheduledRun(
            scheduleID: "daily", slot: slot, jobs: [spec("other")], options: SubmitOptions(), now: slot)
        #expect(second == nil)
        #expect(try await store.job(id("other")) == nil)
        #expect(try await store.counts() == [.pending: 2])
        // Another schedule may use the same slot; a later slot runs.
        let weekly = try await store.submitScheduledRun(
            scheduleID: "weekly", slot: slot, jobs: [spec("w1")], options: SubmitOptions(), now: slot)
        #expect(weekly != nil)
        _ = try await store.submitScheduledRun(
            scheduleID: "daily", slot: at(7200), jobs: [spec("d2")], options: SubmitOptions(), now: at(7200))
        let last = try #require(try await store.lastScheduleRun(scheduleID: "daily"))
        #expect(close(last.slot, at(7200)))
        #expect(last.jobs == ids("d2"))
        // A rejected submission records no slot.
        let error = await batchError {
            _ = try await store.submitScheduledRun(
                scheduleID: "daily", slot: at(10_800), jobs: [spec("bad", after: ["zz"])], options: SubmitOptions(),
                now: at(10_800))
        }
        #expect(error?.code == .invalidJob)
        #expect(close(try await store.lastScheduleRun(scheduleID: "daily")?.slot, at(7200)))
    }
}

// MARK: - SQLite only

@Suite("JobStoreConformance SQLite")
struct SQLiteJobStoreTests {
    let directory: TemporaryDirectory
    let path: URL

    init() throws {
        directory = try TemporaryDirectory()
        path = directory.url.appendingPathComponent("nested/dir/jobs.sqlite")
    }

    @Test func dataSurvivesReopening() async throws {
        defer { directory.remove() }
        let before: [JobRecord]
        let token: String
        do {
            let store = try SQLiteJobStore(path: path)
            _ = try await submit(
                store, [spec("a", payload: ["k": [1, 2.5, "s", nil, true]]), spec("b", after: ["a"])])
            let claimed = try await claimAll(store)
            token = claimed[0].lease.token
            _ = try await store.cancel(ids("a"), reason: "user", now: at(1))
            before = try await store.jobs(in: nil)
        }
        let store = try SQLiteJobStore(path: path)
        let after = try await store.jobs(in: nil)
        #expect(after.map(\.id) == before.map(\.id))
        for (old, new) in zip(before, after) {
            #expect(new.spec == old.spec)
            #expect(new.state == old.state && new.sequence == old.sequence && new.attempts == old.attempts)
            #expect(new.cancelRequested == old.cancelRequested && new.contentHash == old.contentHash)
            #expect(close(new.submittedAt, old.submittedAt) && close(new.lease?.expiresAt, old.lease?.expiresAt))
        }
        #expect(after[0].lease?.token == token)
        #expect(after[0].cancelRequested)
        #expect(try await allTransitions(store).count == 3)
        _ = try await submit(store, [spec("c")], now: at(2))
        #expect(try await record(store, "c").sequence == 3)
        #expect(try await store.transitions(of: id("c"), after: 0, limit: 5).map(\.sequence) == [4])
        #expect(try await store.integrityCheck() == ["ok"])
    }

    @Test func twoStoresClaimingConcurrentlyNeverShareAJob() async throws {
        defer { directory.remove() }
        let stores = [try SQLiteJobStore(path: path), try SQLiteJobStore(path: path)]
        let jobs = (0..<500).map { spec("job\($0)", priority: $0 % 3) }
        _ = try await submit(stores[0], jobs)
        let claims = try await withThrowingTaskGroup(of: [String].self) { group in
            for (index, store) in stores.enumerated() {
                for worker in 0..<8 {
                    group.addTask {
                        var mine: [String] = []
                        while true {
                            let claimed = try await store.claim(
                                owner: "s\(index)w\(worker)", limit: 5, now: at(1), leaseDuration: .seconds(600)
                            ).claimed
                            if claimed.isEmpty { return mine }
                            mine += claimed.map(\.record.id.rawValue)
                        }
                    }
                }
            }
            var all: [String] = []
            for try await part in group { all += part }
            return all
        }
        #expect(claims.count == 500)
        #expect(Set(claims).count == 500)
        let records = try await stores[1].jobs(in: nil)
        #expect(records.allSatisfy { $0.state == .running && $0.attempts == 1 })
        let starts = try await stores[0].transitions(of: nil, after: 500, limit: 1000)
        #expect(starts.count == 500)
        #expect(starts.map(\.sequence) == Array(501...1000))
        #expect(try await stores[0].integrityCheck() == ["ok"])
    }

    @Test func claimFromAnotherStoreSeesTheCurrentDefinition() async throws {
        defer { directory.remove() }
        let first = try SQLiteJobStore(path: path)
        let second = try SQLiteJobStore(path: path)
        // The first store remembers the definition it submitted; another process then cancels the
        // job and resets it with new content. The first store's claim must return the new one.
        _ = try await submit(first, [spec("a", payload: "old")])
        _ = try await second.cancel(ids("a"), reason: "replace", now: at(1))
        _ = try await submit(second, [spec("a", payload: "new")], force: true, now: at(2))
        let again = try await claimAll(first, now: at(3))
        #expect(again.map(\.record.spec.payload) == ["new"])
        _ = try await submit(first, [spec("b", payload: ["x": 1.5])], now: at(4))
        let other = try await claimAll(second, now: at(5))
        #expect(other.map(\.record.spec) == [spec("b", payload: ["x": 1.5])])
    }

    @Test func damagedStoreIsRejectedNamingIt() async throws {
        defer { directory.remove() }
        do {
            let store = try SQLiteJobStore(path: path)
            _ = try await submit(store, [spec("a")])
        }
        // Keep the SQLite header, overwrite the schema that follows it.
        let handle = try FileHandle(forWritingTo: path)
        try handle.seek(toOffset: 100)
        try handle.write(contentsOf: Data(repeating: 0xA5, count: 3900))
        try handle.close()
        let error = await batchError { _ = try SQLiteJobStore(path: path) }
        #expect(error?.code == .storeFailed)
        #expect(error?.context["path"] == path.path)
        #expect(error?.message.hasPrefix("The job store \(path.path) could not be opened: ") == true)
        #expect(error?.message.contains("The file is not a QEIR job store or is damaged.") == true)
    }

    @Test func nonSQLiteFileIsRejectedNamingIt() async throws {
        defer { directory.remove() }
        let file = try directory.write(String(repeating: "not a database\n", count: 200), to: "notes.sqlite")
        let original = try Data(contentsOf: file)
        let error = await batchError { _ = try SQLiteJobStore(path: file) }
        #expect(error?.code == .storeFailed)
        #expect(
            error?.message
                == "The job store \(file.path) could not be opened: file is not a database (SQLite code 26). The file is not a QEIR job store or is damaged. Move it aside (keep it for inspection) and point the store at a new file, or restore a backup."
        )
        #expect(error?.context["path"] == file.path)
        #expect(try Data(contentsOf: file) == original)
    }

    @Test func sqliteDatabaseOfAnotherProgramIsRejected() async throws {
        defer { directory.remove() }
        do {
            let store = try SQLiteJobStore(path: path)
            _ = try await submit(store, [spec("a")])
        }
        // Rename the tables so that the file looks like someone else's database.
        let other = directory.url.appendingPathComponent("other.sqlite")
        try FileManager.default.copyItem(at: path, to: other)
        try await SQLiteJobStore(path: other).executeForTesting(
            "DROP TABLE meta; CREATE TABLE invoices (number INTEGER)")
        let original = try Data(contentsOf: other)
        let error = await batchError { _ = try SQLiteJobStore(path: other) }
        #expect(error?.code == .storeFailed)
        #expect(
            error?.message
                == "The file \(other.path) is a SQLite database of another program (tables invoices, job_attempts, job_dependencies, job_transitions, jobs), not a QEIR job store. Choose another path for the store."
        )
        #expect(try Data(contentsOf: other) == original)
    }

    @Test func storeOfANewerSchemaIsRejected() async throws {
        defer { directory.remove() }
        try await SQLiteJobStore(path: path).executeForTesting(
            "UPDATE meta SET value = '2' WHERE key = 'schema_version'")
        let error = await batchError { _ = try SQLiteJobStore(path: path) }
        #expect(
            error?.message
                == "The job store \(path.path) has schema version 2, newer than this QEIR's 1. Open it with the QEIR version that wrote it."
        )
    }

    @Test func failingSubmitLeavesEarlierDataIntact() async throws {
        defer { directory.remove() }
        do {
            let store = try SQLiteJobStore(path: path)
            _ = try await submit(store, [spec("a"), spec("b", after: ["a"])])
            let error = await batchError {
                _ = try await submit(store, [spec("c"), spec("d", after: ["e"]), spec("e", after: ["d"])], now: at(1))
            }
            #expect(error?.context["cycle"] == "d -> e -> d")
            let nan = await batchError { _ = try await submit(store, [spec("f", payload: .number(.nan))], now: at(2)) }
            #expect(nan?.code == .invalidJob)
            #expect(
                nan?.message
                    == "The payload of job f cannot be stored as JSON: it holds a number that JSON cannot represent (NaN or infinity). Use finite numbers, or encode such values as strings."
            )
        }
        let store = try SQLiteJobStore(path: path)
        #expect(try await store.jobs(in: nil).map(\.id) == ids("a", "b"))
        #expect(try await allTransitions(store).map(\.sequence) == [1, 2])
        #expect(try await store.integrityCheck() == ["ok"])
    }

    @Test func nonFiniteResultRejectsTheBatchAndKeepsTheJobRunning() async throws {
        defer { directory.remove() }
        let store = try SQLiteJobStore(path: path)
        _ = try await submit(store, [spec("a"), spec("b")])
        let claimed = try await claimAll(store)
        let error = await batchError {
            _ = try await store.complete(
                [
                    Completion(lease: claimed[0].lease, outcome: .succeeded(result: 1)),
                    Completion(lease: claimed[1].lease, outcome: .succeeded(result: .number(.infinity))),
                ], now: at(1))
        }
        #expect(error?.code == .invalidValue)
        #expect(error?.context["job"] == "b")
        #expect(try await store.counts() == [.running: 2])
    }

    @Test(arguments: [(SQLiteJobStore.Durability.full, 2), (.normal, 1)])
    func durabilitySetsSynchronous(_ durability: SQLiteJobStore.Durability, _ expected: Int) async throws {
        defer { directory.remove() }
        let store = try SQLiteJobStore(path: path, configuration: .init(durability: durability))
        #expect(try await store.synchronousSetting() == expected)
        #expect(durability.description == (expected == 2 ? "full" : "normal"))
    }

    @Test func claimQueryUsesThePartialIndexInOrder() async throws {
        defer { directory.remove() }
        let store = try SQLiteJobStore(path: path)
        let plan = try await store.claimQueryPlan()
        #expect(plan.contains { $0.contains("jobs_ready") })
        #expect(!plan.contains { $0.contains("TEMP B-TREE") })
    }
}
