import Foundation
import QEIRBatch
import Synchronization
import Testing

@Suite("ScheduledBatchProcessor")
struct ScheduledBatchProcessorTests: ProcessorFixtures {
    /// 2025-03-03 (a Monday) at `hour`:`minute` UTC.
    func utc(day: Int = 3, _ hour: Int, _ minute: Int = 0, second: Int = 0) -> Date {
        var components = DateComponents()
        (components.year, components.month, components.day) = (2025, 3, day)
        (components.hour, components.minute, components.second) = (hour, minute, second)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar.date(from: components)!
    }

    func daily(
        _ id: String = "report", missed: MissedRunPolicy = .latest, overlap: OverlapPolicy = .skip
    ) throws -> ScheduledBatch {
        ScheduledBatch(
            id: id, schedule: try Schedule(.daily(at: TimeOfDay(hour: 9)), timeZone: "UTC"), missedRuns: missed,
            overlap: overlap
        ) { (_: ScheduledSlot) throws(BatchError) -> [JobSpec] in
            [
                JobSpec(id: try JobID("fetch"), handler: "work"),
                JobSpec(id: try JobID("fit"), handler: "work", dependencies: [try JobID("fetch")]),
            ]
        }
    }

    func scheduler(
        store: any JobStore, clock: ManualBatchClock, batches: [ScheduledBatch], handler: ClosureJobHandler? = nil
    ) throws -> ScheduledBatchProcessor {
        var configuration = ProcessorConfiguration()
        configuration.pollInterval = .milliseconds(20)
        let processor = BatchProcessor(
            store: store, handlers: ["work": handler ?? loggingHandler(ExecutionLog())], configuration: configuration,
            clock: clock)
        return try ScheduledBatchProcessor(processor: processor, schedules: batches, clock: clock)
    }

    @Test("a slot fires once at its time; ids carry the slot and dependencies follow")
    func firesOnce() async throws {
        let clock = ManualBatchClock(start: utc(8))
        let store = InMemoryJobStore()
        let scheduler = try scheduler(store: store, clock: clock, batches: [try daily()])
        #expect(try await scheduler.tick(now: utc(8, 30)).isEmpty)
        let firings = try await scheduler.tick(now: utc(9, 0, second: 5))
        #expect(firings.count == 1)
        #expect(firings.first?.outcome == .submitted([id("fetch_20250303T090000Z"), id("fit_20250303T090000Z")]))
        #expect(firings.first?.slot.caughtUp == false)
        let fit = try #require(await store.job(id("fit_20250303T090000Z")))
        #expect(fit.spec.dependencies == [id("fetch_20250303T090000Z")])
        #expect(fit.spec.inputs[ScheduledRun.scheduledTimeKey] == "2025-03-03T09:00:00Z")
        #expect(fit.spec.tags.contains("schedule:report"))
        // The same slot never fires again.
        #expect(try await scheduler.tick(now: utc(9, 0, second: 30)).isEmpty)
    }

    @Test("two schedulers on one store run a slot once")
    func oneRunPerSlot() async throws {
        let clock = ManualBatchClock(start: utc(8))
        let store = InMemoryJobStore()
        let first = try scheduler(store: store, clock: clock, batches: [try daily()])
        let second = try scheduler(store: store, clock: clock, batches: [try daily()])
        async let a = first.tick(now: utc(9, 0, second: 1))
        async let b = second.tick(now: utc(9, 0, second: 1))
        let outcomes = try await (a + b).map(\.outcome)
        #expect(outcomes.filter { if case .submitted = $0 { true } else { false } }.count == 1)
        // The other scheduler either found the slot taken or saw it already run.
        #expect(outcomes.allSatisfy { if case .submitted = $0 { true } else { $0 == .alreadyTaken } })
        #expect(await store.jobs(in: nil).count == 2)
    }

    @Test(
        "missed slots after downtime follow the policy and are counted",
        arguments: [
            (MissedRunPolicy.latest, 1), (MissedRunPolicy.skip, 0), (MissedRunPolicy.all(cap: 2), 2),
        ])
    func missedRuns(policy: MissedRunPolicy, expectedRuns: Int) async throws {
        let store = InMemoryJobStore()
        // A first scheduler ran the 3 March slot, then the machine was down until 7 March 10:00.
        let before = try scheduler(
            store: store, clock: ManualBatchClock(start: utc(8)), batches: [try daily(missed: policy)])
        try await before.tick(now: utc(9, 0, second: 1))
        // Finish that run so that overlap does not interfere.
        for _ in 0..<2 {
            let claimed = try await store.claim(owner: "w", limit: 10, now: utc(9, 1), leaseDuration: .seconds(60))
                .claimed
            _ = await store.complete(
                claimed.map { Completion(lease: $0.lease, outcome: .succeeded(result: .null)) }, now: utc(9, 2))
        }
        let after = try scheduler(
            store: store, clock: ManualBatchClock(start: utc(day: 7, 10)), batches: [try daily(missed: policy)])
        let firings = try await after.tick(now: utc(day: 7, 10))
        #expect(firings.count == expectedRuns)
        #expect(firings.allSatisfy { $0.slot.caughtUp })
        #expect(await after.missedRunCounts["report"] == 4)
        if policy == .latest { #expect(firings.first?.slot.time == utc(day: 7, 9)) }
        if policy == .all(cap: 2) { #expect(firings.map(\.slot.time) == [utc(day: 6, 9), utc(day: 7, 9)]) }
    }

    @Test("overlap: skip drops a slot while the previous run is going; queueOne keeps one")
    func overlap() async throws {
        let store = InMemoryJobStore()
        let skipping = try scheduler(store: store, clock: ManualBatchClock(start: utc(8)), batches: [try daily()])
        try await skipping.tick(now: utc(9, 0, second: 1))
        // Day 1's jobs were never run; day 2 comes.
        let next = try await skipping.tick(now: utc(day: 4, 9, 0, second: 1))
        #expect(next.map(\.outcome) == [.skippedOverlap])

        let queueStore = InMemoryJobStore()
        let queueing = try scheduler(
            store: queueStore, clock: ManualBatchClock(start: utc(8)), batches: [try daily(overlap: .queueOne)])
        try await queueing.tick(now: utc(9, 0, second: 1))
        #expect(try await queueing.tick(now: utc(day: 4, 9, 0, second: 1)).map(\.outcome) == [.queued])
        #expect(
            try await queueing.tick(now: utc(day: 5, 9, 0, second: 1)).map(\.outcome) == [.queued, .skippedOverlap])
        // The first run ends; the queued slot (4 March) fires on the next pass.
        let claimed = try await queueStore.claim(
            owner: "w", limit: 10, now: utc(day: 5, 10), leaseDuration: .seconds(60)
        ).claimed
        _ = await queueStore.complete(
            claimed.map { Completion(lease: $0.lease, outcome: .succeeded(result: .null)) }, now: utc(day: 5, 10))
        let more = try await queueStore.claim(owner: "w", limit: 10, now: utc(day: 5, 10), leaseDuration: .seconds(60))
            .claimed
        _ = await queueStore.complete(
            more.map { Completion(lease: $0.lease, outcome: .succeeded(result: .null)) }, now: utc(day: 5, 10))
        let fired = try await queueing.tick(now: utc(day: 5, 10, 1))
        #expect(fired.map(\.slot.time) == [utc(day: 4, 9)])
        #expect(fired.first.map { if case .submitted = $0.outcome { true } else { false } } == true)
    }

    @Test("the scheduler runs jobs at their slot; the handler sees the scheduled time")
    func endToEnd() async throws {
        let clock = ManualBatchClock(start: utc(8, 59))
        let seen = Mutex<[String]>([])
        let handler = ClosureJobHandler { context in
            seen.withLock {
                $0.append(
                    "\(context.job.id) \(context.scheduledTime.map { $0.formatted(.iso8601) } ?? "-") \(context.caughtUp)"
                )
            }
            return JobOutput()
        }
        let store = InMemoryJobStore()
        let scheduler = try scheduler(store: store, clock: clock, batches: [try daily()], handler: handler)
        let events = scheduler.processor.events()
        let run = Task { try await scheduler.run() }
        while clock.sleeperCount < 2 { try await Task.sleep(for: .milliseconds(1)) }
        clock.advance(to: utc(9))
        var finished = 0
        for await event in events where event.isTerminal {
            finished += 1
            if finished == 2 { break }
            // Let the processor's poll timers move on.
            clock.advance(by: .milliseconds(50))
        }
        await scheduler.shutdown(grace: .zero)
        clock.advance(by: .seconds(1))
        let summary = try await run.value
        #expect(summary[.succeeded] == 2)
        #expect(
            seen.withLock { $0 } == [
                "fetch_20250303T090000Z 2025-03-03T09:00:00Z false", "fit_20250303T090000Z 2025-03-03T09:00:00Z false",
            ])
    }

    @Test("duplicate schedule ids are rejected")
    func duplicateIDs() throws {
        let processor = BatchProcessor(store: InMemoryJobStore(), handlers: [:])
        #expect(throws: BatchError.self) {
            try ScheduledBatchProcessor(processor: processor, schedules: [try daily("a"), try daily("a")])
        }
    }
}
