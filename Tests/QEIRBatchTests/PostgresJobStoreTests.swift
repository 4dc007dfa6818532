import Foundation
import QEIRTestSupport
import Synchronization
import Testing

@testable import QEIRBatch
@testable import QEIRPostgres

private let hasServer = TestPostgres.url != nil

private func job(_ name: String, after dependencies: [String] = [], priority: Int = 0) -> JobSpec {
    JobSpec(
        id: JobID(rawValue: name)!, handler: "work", payload: .string(name), priority: priority,
        dependencies: dependencies.map { JobID(rawValue: $0)! })
}

/// Locations and errors: the password never shows.
@Suite("PostgresStoreLocation")
struct PostgresStoreLocationTests {
    @Test func parsesTheURLAndPrintsItWithoutThePassword() throws {
        let location = try PostgresStoreLocation(
            url: "postgres://alice:p%40ss-w0rd@db.example.org:6543/studies?schema=qe_2026&sslmode=require")
        #expect(location.host == "db.example.org")
        #expect(location.port == 6543)
        #expect(location.username == "alice")
        #expect(location.database == "studies")
        #expect(location.schema == "qe_2026")
        #expect(location.tls == .require)
        #expect(location.description == "postgres://alice@db.example.org:6543/studies?schema=qe_2026")
        #expect(!"\(location)".contains("p@ss") && !"\(location)".contains("w0rd"))
        let local = try PostgresStoreLocation(url: "postgresql://bob@127.0.0.1/q")
        #expect(local.port == 5432 && local.schema == "qeir" && local.tls == .disable)
    }

    @Test(arguments: [
        ("mysql://u:secret-1@h/db", "not a PostgreSQL URL"),
        ("postgres://u:secret-1@/db", "names no host"),
        ("postgres://u:secret-1@h", "names no database"),
        ("postgres://u:secret-1@h/db?schema=Bad-Name", "not a plain identifier"),
        ("postgres://u:secret-1@h/db?sslmode=sometimes", "sslmode=sometimes"),
        ("postgres://u:secret-1@h/db?colour=blue", "unknown parameter colour"),
    ])
    func malformedURLsAreNamedWithoutThePassword(_ url: String, _ expected: String) {
        do {
            _ = try PostgresStoreLocation(url: url)
            Issue.record("\(url) was accepted")
        } catch {
            #expect(error.message.contains(expected), "\(error.message)")
            #expect(!error.message.contains("secret-1"), "\(error.message)")
            #expect(error.message.contains("***") || !url.contains("@h"), "\(error.message)")
        }
    }

    @Test func redactMasksPasswordsInsideText() {
        #expect(
            PostgresStoreLocation.redact("could not reach postgres://u:hunter2@h:5/db?x=1 now")
                == "could not reach postgres://u:***@h:5/db?x=1 now")
        #expect(PostgresStoreLocation.redact("postgres://u@h/db") == "postgres://u@h/db")
    }

    @Test func unreachableServerErrorNamesTheStoreWithoutThePassword() async throws {
        let location = try PostgresStoreLocation(url: "postgres://qeir:unreachable-secret@127.0.0.1:1/nothing")
        do {
            _ = try await PostgresJobStore(location, configuration: .init(connectTimeout: .seconds(2)))
            Issue.record("connected to port 1")
        } catch {
            #expect(error.code == .storeFailed)
            #expect(error.message.contains("postgres://qeir@127.0.0.1:1/nothing"), "\(error.message)")
            #expect(!error.message.contains("unreachable-secret"), "\(error.message)")
            #expect(!error.context.values.contains { $0.contains("unreachable-secret") })
        }
    }
}

@Suite("PostgresJobStore", .enabled(if: hasServer, "needs QEIR_TEST_POSTGRES_URL (.ci/start-postgres)"))
struct PostgresJobStoreTests {
    @Test func wrongPasswordIsNamedWithoutThePassword() async throws {
        var components = URLComponents(string: try #require(TestPostgres.url))!
        components.password = "definitely-wrong-password"
        do {
            _ = try await PostgresJobStore(url: components.string!)
            Issue.record("connected with a wrong password")
        } catch {
            #expect(error.code == .storeFailed)
            #expect(error.message.contains("28P01") && error.message.contains("password"), "\(error.message)")
            #expect(!error.message.contains("definitely-wrong-password"), "\(error.message)")
        }
    }

    @Test func aSchemaOfAnotherProgramIsRefused() async throws {
        let store = try await TestPostgres.freshStore()
        defer { TestPostgres.discard(store) }
        // Another program's tables in a schema of their own.
        let other = try store.location.withSchema(store.location.schema + "_other")
        let helper = try await PostgresJobStore(other)
        try await helper.dropSchema()
        try await helper.executeForTesting(
            "CREATE SCHEMA \"\(other.schema)\"; CREATE TABLE \"\(other.schema)\".invoices (id int)")
        defer { TestPostgres.discard(helper) }
        do {
            _ = try await PostgresJobStore(other)
            Issue.record("opened another program's schema")
        } catch {
            #expect(error.message.contains("another program") && error.message.contains("invoices"))
        }
    }

    @Test func reopeningKeepsTheJobsAndConcurrentOpenersAgreeOnOneSchema() async throws {
        let location = try TestPostgres.freshLocation()
        // Four stores opening a new schema at once: one creates it, the others find it.
        let stores = try await withThrowingTaskGroup(of: PostgresJobStore.self) { group in
            for _ in 0..<4 { group.addTask { try await PostgresJobStore(location) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        _ = try await stores[0].submit([job("a"), job("b", after: ["a"])], options: .init(), now: Date())
        let reopened = try await PostgresJobStore(location)
        #expect(try await reopened.jobs(in: nil).map(\.id.rawValue) == ["a", "b"])
        #expect(try await reopened.job(JobID(rawValue: "b")!)?.unmetDependencies == 1)
        await reopened.close()
        try await stores[0].dropSchema()
        for store in stores { await store.close() }
    }

    @Test func claimQueryReadsThePartialIndex() async throws {
        let store = try await TestPostgres.freshStore()
        defer { TestPostgres.discard(store) }
        // Enough finished rows that a scan would be costly, and fresh statistics.
        _ = try await store.submit((0..<3000).map { job("j\($0)") }, options: .init(), now: Date())
        try await store.executeForTesting(
            "UPDATE \"\(store.location.schema)\".jobs SET state = 'succeeded' WHERE sequence > 200; ANALYZE \"\(store.location.schema)\".jobs"
        )
        let plan = try await store.claimQueryPlan().joined(separator: "\n")
        #expect(plan.contains("jobs_ready"), "\(plan)")
        #expect(!plan.contains("Seq Scan"), "\(plan)")
    }

    @Test func concurrentClaimsFromSeparatePoolsNeverShareAJob() async throws {
        let first = try await TestPostgres.freshStore()
        defer { TestPostgres.discard(first) }
        let second = try await PostgresJobStore(first.location)
        defer { TestPostgres.discard(second) }
        let count = 1200
        _ = try await first.submit((0..<count).map { job("c\($0)", priority: $0 % 4) }, options: .init(), now: Date())
        let claimed = try await withThrowingTaskGroup(of: [JobID].self) { group in
            for (index, store) in [first, second, first, second].enumerated() {
                group.addTask {
                    var mine: [JobID] = []
                    while true {
                        let batch = try await store.claim(
                            owner: "w\(index)", limit: 37, now: Date(), leaseDuration: .seconds(60)
                        ).claimed
                        if batch.isEmpty { return mine }
                        mine += batch.map(\.record.id)
                        // Complete half of them, so claims and completions interleave.
                        let done = batch.prefix(batch.count / 2).map {
                            Completion(lease: $0.lease, outcome: .succeeded(result: .integer(1)))
                        }
                        _ = try await store.complete(Array(done), now: Date())
                    }
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        #expect(claimed.count == count)
        #expect(Set(claimed).count == count)
        // Transition numbers are unique and gap-free across the concurrent writers.
        let transitions = try await first.transitions(of: nil, after: 0, limit: 100_000)
        #expect(transitions.map(\.sequence) == Array(1...Int64(transitions.count)))
    }

    @Test func aSubmissionRacingTheSuccessOfItsDependencyIsNeverStranded() async throws {
        let store = try await TestPostgres.freshStore()
        defer { TestPostgres.discard(store) }
        let other = try await PostgresJobStore(store.location)
        defer { TestPostgres.discard(other) }
        for round in 0..<15 {
            _ = try await store.submit([job("p\(round)")], options: .init(), now: Date())
            let claim = try #require(
                try await store.claim(owner: "w", limit: 1, now: Date(), leaseDuration: .seconds(60)).claimed.first)
            async let completion = store.complete(
                [Completion(lease: claim.lease, outcome: .succeeded(result: .integer(round)))], now: Date())
            async let submission = other.submit([job("d\(round)", after: ["p\(round)"])], options: .init(), now: Date())
            _ = try await (completion, submission)
            let dependent = try #require(try await store.job(JobID(rawValue: "d\(round)")!))
            #expect(dependent.unmetDependencies == 0, "round \(round)")
            let next = try await store.claim(owner: "w", limit: 1, now: Date(), leaseDuration: .seconds(60)).claimed
            #expect(next.map(\.record.id.rawValue) == ["d\(round)"], "round \(round)")
            _ = try await store.complete(
                next.map { Completion(lease: $0.lease, outcome: .succeeded(result: .null)) }, now: Date())
        }
    }

    @Test func aScheduledSlotIsSubmittedOnceAcrossSchedulers() async throws {
        let store = try await TestPostgres.freshStore()
        defer { TestPostgres.discard(store) }
        let stores = [store, try await PostgresJobStore(store.location), try await PostgresJobStore(store.location)]
        let slot = Date(timeIntervalSince1970: 1_900_000_000)
        let reports = try await withThrowingTaskGroup(of: SubmitReport?.self) { group in
            for (index, scheduler) in stores.enumerated() {
                group.addTask {
                    try await scheduler.submitScheduledRun(
                        scheduleID: "nightly", slot: slot, jobs: [job("run-\(index)")], options: .init(), now: Date())
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(reports.compactMap { $0 }.count == 1)
        #expect(try await store.jobs(in: nil).count == 1)
        #expect(try await store.lastScheduleRun(scheduleID: "nightly")?.slot == slot)
        for extra in stores.dropFirst() { TestPostgres.discard(extra) }
    }

    @Test func watchForWorkWakesOnAnotherProcessSubmission() async throws {
        let store = try await TestPostgres.freshStore()
        defer { TestPostgres.discard(store) }
        let submitter = try await PostgresJobStore(store.location)
        defer { TestPostgres.discard(submitter) }
        let wakes = Mutex(0)
        let watcher = Task {
            try? await store.watchForWork { wakes.withLock { $0 += 1 } }
        }
        defer { watcher.cancel() }
        // The listener needs a moment to issue LISTEN; submit until a wake arrives.
        let deadline = ContinuousClock.now + .seconds(20)
        var round = 0
        while wakes.withLock({ $0 }) == 0 && ContinuousClock.now < deadline {
            _ = try await submitter.submit([job("n\(round)")], options: .init(), now: Date())
            round += 1
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(wakes.withLock { $0 } > 0)
    }

    @Test func attemptsAreRecordedOnceEachWhenTheyEnd() async throws {
        let store = try await TestPostgres.freshStore()
        defer { TestPostgres.discard(store) }
        let t0 = Date(timeIntervalSince1970: 1_800_000_000)
        _ = try await store.submit([job("a")], options: .init(), now: t0)
        let first = try #require(
            try await store.claim(owner: "w1", limit: 1, now: t0, leaseDuration: .seconds(10)).claimed.first)
        #expect(try await store.attemptHistory(first.record.id).isEmpty, "a running attempt is the job's lease")
        let failure = try await store.complete(
            [Completion(lease: first.lease, outcome: .failed(error: "boom", timedOut: false, retryAt: t0))], now: t0)
        let second = try #require(
            try await store.claim(owner: "w2", limit: 1, now: t0, leaseDuration: .seconds(10)).claimed.first)
        // Expires, is re-claimed by w3, which succeeds; w2's late completion is rejected.
        let third = try #require(
            try await store.claim(owner: "w3", limit: 1, now: t0.addingTimeInterval(11), leaseDuration: .seconds(10))
                .claimed.first)
        let late = try await store.complete(
            [Completion(lease: second.lease, outcome: .succeeded(result: .integer(2)))], now: t0.addingTimeInterval(12))
        #expect(late.first?.accepted == false)
        let success = try await store.complete(
            [Completion(lease: third.lease, outcome: .succeeded(result: .integer(3)))], now: t0.addingTimeInterval(12))
        // What the calls returned carries the numbers the store gave (numbered at the commit).
        let stored = try await store.transitions(of: first.record.id, after: 0, limit: 100)
        for transition in (failure + success).flatMap(\.transitions) {
            #expect(transition.sequence > 0 && stored.contains(transition), "\(transition)")
        }
        let history = try await store.attemptHistory(first.record.id)
        #expect(history.map(\.attempt) == [1, 2, 3])
        #expect(history.map(\.owner) == ["w1", "w2", "w3"])
        #expect(history.map(\.outcome) == ["failed", "expired", "succeeded"])
        #expect(history.first?.error == "boom")
        #expect(try await store.job(first.record.id)?.result == .integer(3))
    }
}
