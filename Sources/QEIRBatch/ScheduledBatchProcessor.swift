public import Foundation
public import Logging

/// One slot of a schedule handed to a ``ScheduledBatch``'s job factory.
public struct ScheduledSlot: Sendable, Hashable {
    /// The schedule's id.
    public var scheduleID: String
    /// The scheduled (not actual) time of the run.
    public var time: Date
    /// Whether this run catches up a slot missed while no scheduler was running.
    public var caughtUp: Bool

    /// Creates a slot.
    ///
    /// - Parameters:
    ///   - scheduleID: The schedule.
    ///   - time: The scheduled time.
    ///   - caughtUp: Whether it is a catch-up run.
    public init(scheduleID: String, time: Date, caughtUp: Bool) {
        self.scheduleID = scheduleID
        self.time = time
        self.caughtUp = caughtUp
    }

    /// The slot time as used in job ids: `YYYYMMDDTHHMMSSZ` (UTC).
    public var compactTime: String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: time)
        func pad(_ value: Int?, _ width: Int) -> String {
            let text = String(value ?? 0)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return pad(c.year, 4) + pad(c.month, 2) + pad(c.day, 2) + "T" + pad(c.hour, 2) + pad(c.minute, 2)
            + pad(c.second, 2) + "Z"
    }
}

/// A recurring batch: a schedule, what to do about missed and overlapping runs, and the jobs each
/// run submits.
public struct ScheduledBatch: Sendable {
    /// A stable id; one run per (id, slot) across all schedulers on a store.
    public var id: String
    /// When it fires.
    public var schedule: Schedule
    /// What to do with slots missed during downtime.
    public var missedRuns: MissedRunPolicy
    /// How late a slot may start and still count as on time.
    public var grace: Duration
    /// What to do when a slot comes while the previous run still has unfinished jobs.
    public var overlap: OverlapPolicy
    /// Builds the jobs of one run. Their ids get the suffix `_<slot>` (see
    /// ``ScheduledSlot/compactTime``), dependencies among them are renamed alike, and their
    /// inputs carry the slot time and the catch-up flag (``ScheduledRun``).
    public var makeJobs: @Sendable (ScheduledSlot) throws(BatchError) -> [JobSpec]

    /// Creates a scheduled batch.
    ///
    /// - Parameters:
    ///   - id: The schedule id (a valid ``JobID`` text, used in job ids).
    ///   - schedule: When it fires.
    ///   - missedRuns: Missed-run policy (default ``MissedRunPolicy/latest``).
    ///   - grace: Grace window (default 60 s).
    ///   - overlap: Overlap policy (default ``OverlapPolicy/skip``).
    ///   - makeJobs: The job factory.
    public init(
        id: String, schedule: Schedule, missedRuns: MissedRunPolicy = .default, grace: Duration = .seconds(60),
        overlap: OverlapPolicy = .default, makeJobs: @escaping @Sendable (ScheduledSlot) throws(BatchError) -> [JobSpec]
    ) {
        self.id = id
        self.schedule = schedule
        self.missedRuns = missedRuns
        self.grace = grace
        self.overlap = overlap
        self.makeJobs = makeJobs
    }
}

/// What one scheduling pass did for one slot.
public struct ScheduleFiring: Sendable, Hashable {
    /// What happened to the slot.
    public enum Outcome: Sendable, Hashable {
        /// The run's jobs were submitted.
        case submitted([JobID])
        /// Another scheduler had already taken this slot.
        case alreadyTaken
        /// The previous run was still going and the overlap policy dropped this slot.
        case skippedOverlap
        /// The previous run was still going; this slot waits for it (``OverlapPolicy/queueOne``).
        case queued
    }

    /// The slot.
    public var slot: ScheduledSlot
    /// What happened.
    public var outcome: Outcome

    /// Creates a firing record.
    ///
    /// - Parameters:
    ///   - slot: The slot.
    ///   - outcome: What happened.
    public init(slot: ScheduledSlot, outcome: Outcome) {
        self.slot = slot
        self.outcome = outcome
    }
}

/// Runs ``ScheduledBatch``es: submits each slot's jobs to a ``BatchProcessor`` (once per slot
/// across every scheduler on the store), catches up missed slots after downtime by policy, and
/// applies the overlap policy; the processor runs the jobs.
public actor ScheduledBatchProcessor {
    /// The processor that runs the submitted jobs.
    public nonisolated let processor: BatchProcessor
    /// The schedules.
    public nonisolated let schedules: [ScheduledBatch]

    private let clock: any BatchClock
    private let logger: Logger
    private let startedAt: Date
    private var queued: [String: ScheduledSlot] = [:]
    private var missed: [String: Int] = [:]
    private var stopping = false
    private let wake = WakeSignal()

    /// Creates a scheduler.
    ///
    /// - Parameters:
    ///   - processor: Runs the jobs.
    ///   - schedules: The recurring batches; ids must be unique.
    ///   - clock: The clock (inject a ``ManualBatchClock`` in tests).
    ///   - logger: Where to log.
    /// - Throws: ``BatchError`` for duplicate or invalid schedule ids.
    public init(
        processor: BatchProcessor, schedules: [ScheduledBatch], clock: any BatchClock = SystemBatchClock(),
        logger: Logger = Logger(label: "qeir.batch.schedule")
    ) throws(BatchError) {
        var seen = Set<String>()
        for schedule in schedules {
            _ = try JobID(schedule.id)
            guard seen.insert(schedule.id).inserted else {
                throw BatchError(
                    .invalidValue, "Schedule id '\(schedule.id)' is used twice. Give every schedule its own id.",
                    context: ["schedule": schedule.id])
            }
        }
        self.processor = processor
        self.schedules = schedules
        self.clock = clock
        self.logger = logger
        self.startedAt = clock.now
    }

    /// Slots missed during downtime, per schedule, since this scheduler started (run or dropped).
    public var missedRunCounts: [String: Int] { missed }

    /// One scheduling pass: for every schedule, submits the slots due at `now` (catch-up by
    /// policy, overlap by policy, each slot at most once across schedulers).
    ///
    /// - Parameter now: The current time.
    /// - Returns: What happened to each due slot.
    /// - Throws: ``BatchError`` from the store or a job factory; slots already submitted stay.
    @discardableResult
    public func tick(now: Date) async throws(BatchError) -> [ScheduleFiring] {
        var firings: [ScheduleFiring] = []
        for batch in schedules {
            let last = try await processor.store.lastScheduleRun(scheduleID: batch.id)
            let catchUp = batch.schedule.catchUp(
                lastRun: last?.slot ?? startedAt, now: now, policy: batch.missedRuns, grace: batch.grace)
            missed[batch.id, default: 0] += catchUp.missedCount
            if catchUp.missedCount > 0 {
                logger.notice(
                    "Schedule \(batch.id): \(catchUp.missedCount) slot(s) missed while no scheduler ran; \(catchUp.droppedCount) dropped by the missed-run policy."
                )
            }
            let graceSeconds = RetryPolicy.seconds(batch.grace)
            var slots = catchUp.runTimes.map { time in
                ScheduledSlot(scheduleID: batch.id, time: time, caughtUp: now.timeIntervalSince(time) > graceSeconds)
            }
            if let waiting = queued[batch.id] { slots.insert(waiting, at: 0) }
            for slot in slots {
                if try await previousRunIsGoing(batch.id) {
                    switch batch.overlap {
                    case .skip:
                        firings.append(
                            ScheduleFiring(slot: slot, outcome: try await drop(slot, batch: batch, now: now)))
                    case .queueOne:
                        if queued[batch.id] == nil || queued[batch.id] == slot {
                            queued[batch.id] = slot
                            firings.append(ScheduleFiring(slot: slot, outcome: .queued))
                        } else {
                            firings.append(
                                ScheduleFiring(slot: slot, outcome: try await drop(slot, batch: batch, now: now)))
                        }
                    }
                    continue
                }
                if queued[batch.id] == slot { queued[batch.id] = nil }
                firings.append(ScheduleFiring(slot: slot, outcome: try await fire(slot, batch: batch, now: now)))
            }
        }
        return firings
    }

    private func previousRunIsGoing(_ scheduleID: String) async throws(BatchError) -> Bool {
        let tag = Self.tag(scheduleID)
        return try await processor.store.jobs(in: [.pending, .retryWait, .running]).contains {
            $0.spec.tags.contains(tag)
        }
    }

    private func drop(_ slot: ScheduledSlot, batch: ScheduledBatch, now: Date) async throws(BatchError)
        -> ScheduleFiring.Outcome
    {
        // Record the slot with no jobs so that no scheduler runs it later.
        let taken = try await processor.store.submitScheduledRun(
            scheduleID: batch.id, slot: slot.time, jobs: [], options: processor.configuration.submitOptions, now: now)
        if taken != nil {
            logger.notice("Schedule \(batch.id): slot \(slot.compactTime) skipped, the previous run is still going.")
        }
        return taken == nil ? .alreadyTaken : .skippedOverlap
    }

    private func fire(_ slot: ScheduledSlot, batch: ScheduledBatch, now: Date) async throws(BatchError)
        -> ScheduleFiring.Outcome
    {
        let jobs = try Self.jobs(for: slot, batch: batch)
        try await processor.checkHandlers(jobs)
        guard
            let report = try await processor.store.submitScheduledRun(
                scheduleID: batch.id, slot: slot.time, jobs: jobs, options: processor.configuration.submitOptions,
                now: now)
        else { return .alreadyTaken }
        await processor.announce(report)
        logger.info(
            "Schedule \(batch.id): slot \(slot.compactTime) submitted \(jobs.count) job(s)\(slot.caughtUp ? " (catch-up)" : "")."
        )
        return .submitted(jobs.map(\.id))
    }

    /// The tag every job of a schedule carries: `schedule:<id>`.
    public static func tag(_ scheduleID: String) -> String { "schedule:\(scheduleID)" }

    /// The jobs of one slot: ids suffixed with the slot, dependencies renamed, inputs stamped.
    static func jobs(for slot: ScheduledSlot, batch: ScheduledBatch) throws(BatchError) -> [JobSpec] {
        let specs = try batch.makeJobs(slot)
        let suffix = "_" + slot.compactTime
        let local = Set(specs.map(\.id))
        func rename(_ id: JobID) throws(BatchError) -> JobID { try JobID(id.rawValue + suffix) }
        var result: [JobSpec] = []
        for var spec in specs {
            spec.id = try rename(spec.id)
            var dependencies: [JobID] = []
            for dependency in spec.dependencies {
                dependencies.append(local.contains(dependency) ? try rename(dependency) : dependency)
            }
            spec.dependencies = dependencies
            spec.inputs[ScheduledRun.scheduledTimeKey] = slot.time.formatted(.iso8601)
            spec.inputs[ScheduledRun.caughtUpKey] = slot.caughtUp ? "true" : "false"
            spec.tags.append(tag(batch.id))
            result.append(spec)
        }
        return result
    }

    /// Runs the processor (in ``BatchProcessor/RunMode/shutdown`` mode) and the scheduling loop
    /// until ``shutdown(grace:)`` or the task is cancelled.
    ///
    /// - Returns: The processor's summary.
    /// - Throws: ``BatchError`` from the store.
    @discardableResult
    public func run() async throws(BatchError) -> BatchSummary {
        let processor = processor
        let result: Result<BatchSummary, BatchError> = await withTaskGroup(of: Result<BatchSummary, BatchError>?.self) {
            group in
            group.addTask {
                do throws(BatchError) {
                    return .success(try await processor.run(until: .shutdown))
                } catch {
                    return .failure(error)
                }
            }
            group.addTask {
                do throws(BatchError) {
                    try await self.loop()
                    return nil
                } catch {
                    await processor.shutdown(grace: .zero)
                    return .failure(error)
                }
            }
            var summary: BatchSummary?
            var failure: BatchError?
            for await item in group {
                switch item {
                case .success(let value)?: summary = value
                case .failure(let error)?:
                    failure = failure ?? error
                    await processor.shutdown(grace: .zero)
                case nil: break
                }
            }
            if let failure { return .failure(failure) }
            guard let summary else {
                return .failure(BatchError(.invalidValue, "The scheduler stopped without a processor summary."))
            }
            return .success(summary)
        }
        return try result.get()
    }

    private func loop() async throws(BatchError) {
        while !stopping && !Task.isCancelled {
            let now = clock.now
            try await tick(now: now)
            var next = schedules.compactMap { $0.schedule.nextFireDate(after: now) }.min()
            if !queued.isEmpty {
                // Look again soon for the end of the run a queued slot waits for.
                let poll = StoreRules.adding(processor.configuration.pollInterval, to: now)
                next = next.map { min($0, poll) } ?? poll
            }
            await wake.wait(until: next ?? StoreRules.adding(.seconds(3600), to: now), clock: clock)
        }
    }

    /// Stops scheduling and shuts the processor down with the given grace period.
    ///
    /// - Parameter grace: How long running jobs may continue.
    public func shutdown(grace: Duration? = nil) async {
        stopping = true
        wake.signal()
        await processor.shutdown(grace: grace)
    }
}

extension BatchProcessor {
    /// Publishes a submission made directly on the store and wakes the run loop.
    func announce(_ report: SubmitReport) async {
        await publishSubmission(report)
    }
}
