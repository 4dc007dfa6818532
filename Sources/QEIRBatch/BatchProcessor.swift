public import Foundation
public import Logging
import Synchronization

/// Decides whether a new job may start now (resource-aware admission).
public protocol JobAdmission: Sendable {
    /// Why no new job may start now, or `nil` to admit.
    ///
    /// - Parameter now: The current time.
    func holdReason(now: Date) async -> String?
}

/// Engine settings of a ``BatchProcessor``: a `Sendable` struct of defaulted fields.
public struct ProcessorConfiguration: Sendable {
    /// How many jobs run at once in this processor; at least 1.
    public var maxConcurrentJobs: Int = 4
    /// The time limit of an attempt when the job sets none, or `nil` for no limit.
    public var defaultTimeout: Duration? = nil
    /// Backoff between retries.
    public var retry = RetryPolicy()
    /// How long a claim lasts without renewal; running jobs are renewed every third of it.
    public var leaseDuration: Duration = .seconds(60)
    /// How often to look for work from other processes, cancel requests and due retries.
    public var pollInterval: Duration = .seconds(1)
    /// How long running jobs may go on after ``BatchProcessor/shutdown(grace:)`` is asked without
    /// a grace period.
    public var shutdownGrace: Duration = .seconds(30)
    /// Where job result directories go, or `nil` to write no files.
    public var outputDirectory: URL? = nil
    /// Whether result files are gzip-compressed (and verified) after a job succeeds.
    public var compressResults = false
    /// Whether a job's declared intermediate files are removed after it succeeds.
    public var cleanupIntermediateFiles = false
    /// Submission options (forced re-runs, the library version hashed into content hashes).
    public var submitOptions = SubmitOptions()
    /// Component versions recorded in every manifest (merged with a handler's own).
    public var versions: [String: String] = ["qeir-batch": QEIRBatchVersion.current]
    /// How many jobs one claim asks for at most (bounded by free slots).
    public var claimBatchSize = 256

    /// Creates the defaults.
    public init() {}

    /// Settings from the seed's `batch_processing_config`: `max_concurrent_jobs`,
    /// `job_timeout_minutes`, `retry_delay_minutes` (the first retry delay),
    /// `base_output_directory`, `compress_results`, `cleanup_intermediate_files`.
    /// (`memory_limit_gb` and `cpu_limit_percent` configure admission: ``ResourceAdmission``.)
    ///
    /// - Parameter processing: The parsed section.
    public init(_ processing: BatchConfiguration.Processing) {
        maxConcurrentJobs = processing.maxConcurrentJobs
        defaultTimeout = .seconds(processing.jobTimeoutMinutes * 60)
        retry = RetryPolicy(initialDelay: .seconds(processing.retryDelayMinutes * 60))
        outputDirectory = URL(fileURLWithPath: processing.baseOutputDirectory, isDirectory: true)
        compressResults = processing.compressResults
        cleanupIntermediateFiles = processing.cleanupIntermediateFiles
    }
}

/// How a run of the processor ended.
public struct BatchSummary: Sendable, Hashable {
    /// Jobs per state in the store when the run ended.
    public var counts: [JobState: Int]
    /// Attempts this processor started.
    public var attemptsStarted: Int
    /// Whether the run stopped because of a shutdown rather than because the work was done.
    public var interrupted: Bool
    /// When the run started and ended.
    public var startedAt: Date
    /// When the run ended.
    public var endedAt: Date

    /// Creates a summary.
    ///
    /// - Parameters:
    ///   - counts: Jobs per state.
    ///   - attemptsStarted: Attempts started.
    ///   - interrupted: Whether a shutdown ended the run.
    ///   - startedAt: Start time.
    ///   - endedAt: End time.
    public init(counts: [JobState: Int], attemptsStarted: Int, interrupted: Bool, startedAt: Date, endedAt: Date) {
        self.counts = counts
        self.attemptsStarted = attemptsStarted
        self.interrupted = interrupted
        self.startedAt = startedAt
        self.endedAt = endedAt
    }

    /// The number of jobs in `state`.
    ///
    /// - Parameter state: The state.
    public subscript(state: JobState) -> Int { counts[state] ?? 0 }

    /// Whether every job succeeded.
    public var allSucceeded: Bool { counts.allSatisfy { $0.key == .succeeded || $0.value == 0 } }
}

/// The batch engine: runs jobs from a ``JobStore`` through registered ``JobHandler``s with a
/// concurrency limit, dependencies, retries with backoff, timeouts, cancellation, resource-aware
/// admission and graceful shutdown, publishing ``JobEvent``s as it goes.
///
/// Every state change goes through the store first and is published after it committed.
/// Completions that arrive together are committed together (group commit).
///
/// ```swift
/// let processor = BatchProcessor(store: store, handlers: ["fit": FitHandler()])
/// try await processor.submit(jobs)
/// let summary = try await processor.run()
/// ```
public actor BatchProcessor {
    /// How long ``run(until:)`` goes on.
    public enum RunMode: Sendable, Hashable {
        /// Until no job in the store is pending, waiting for a retry or running.
        case drained
        /// Until ``shutdown(grace:)`` is called or the task is cancelled (a worker or scheduler).
        case shutdown
    }

    private enum AttemptOutcome: Sendable {
        case succeeded(ConfigValue)
        case failed(String)
        case timedOut(Duration)
        case stopped(BatchProcessorStop)
        case cancelledItself
    }

    private struct RunningJob {
        var claim: ClaimedJob
        var stop: StopSignal
    }

    private struct PendingCompletion {
        var completion: Completion
        var timedOut: Duration?
        var attempt: Int
    }

    /// The store this processor works from.
    public nonisolated let store: any JobStore
    /// The settings.
    public nonisolated let configuration: ProcessorConfiguration
    /// The identity this processor claims jobs under.
    public nonisolated let identity: WorkerIdentity

    private let handlers: [String: any JobHandler]
    private let clock: any BatchClock
    private let admission: (any JobAdmission)?
    private let logger: Logger
    private let broadcaster = EventBroadcaster()
    private let wake = WakeSignal()

    private var running: [JobID: RunningJob] = [:]
    private var pending: [PendingCompletion] = []
    private var isRunning = false
    private var shuttingDown = false
    private var graceDeadline: Date?
    private var stoppedForShutdown = false
    private var attemptsStarted = 0
    private var lastHeartbeat = Date.distantPast
    private var lastPoll = Date.distantPast
    private var holding: String?
    private var names: [JobID: (name: String, tags: [String])] = [:]

    /// Creates a processor.
    ///
    /// - Parameters:
    ///   - store: Where jobs live.
    ///   - handlers: Handlers by the names jobs refer to.
    ///   - configuration: Engine settings.
    ///   - admission: Resource-aware admission, or `nil` to admit always.
    ///   - clock: The clock (inject a ``ManualBatchClock`` in tests).
    ///   - logger: Where the engine logs.
    public init(
        store: any JobStore, handlers: [String: any JobHandler], configuration: ProcessorConfiguration = .init(),
        admission: (any JobAdmission)? = nil, clock: any BatchClock = SystemBatchClock(),
        logger: Logger = Logger(label: "qeir.batch"), identity: WorkerIdentity = .current()
    ) {
        self.store = store
        self.handlers = handlers
        var configuration = configuration
        configuration.maxConcurrentJobs = max(1, configuration.maxConcurrentJobs)
        configuration.claimBatchSize = max(1, configuration.claimBatchSize)
        self.configuration = configuration
        self.admission = admission
        self.clock = clock
        self.logger = logger
        self.identity = identity
    }

    // MARK: - Events

    /// A new stream of every event published from now on. Each call returns an independent
    /// subscriber with an unbounded buffer; it ends when the processor's run ends.
    public nonisolated func events() -> AsyncStream<JobEvent> {
        broadcaster.subscribe()
    }

    private func publish(_ transitions: [JobTransition], retryAt: [JobID: Date] = [:]) async {
        guard broadcaster.hasSubscribers, !transitions.isEmpty else { return }
        var events: [JobEvent] = []
        events.reserveCapacity(transitions.count)
        for transition in transitions {
            let kind: JobEvent.Kind
            switch transition.to {
            case .pending:
                guard let from = transition.from, from != .pending else {
                    kind = .submitted
                    break
                }
                kind = .requeued(reason: transition.reason)
            case .running: kind = .started(attempt: transition.attempt)
            case .retryWait:
                kind = .retryScheduled(
                    attempt: transition.attempt, at: retryAt[transition.jobID] ?? transition.at,
                    error: transition.reason)
            case .succeeded:
                let record =
                    transition.from == nil || transition.reason.hasPrefix("reused")
                    ? try? await store.job(transition.jobID) : nil
                kind = .succeeded(attempt: transition.attempt, reusedFrom: record?.reusedFrom)
            case .failed: kind = .failed(attempt: transition.attempt, error: transition.reason)
            case .cancelled: kind = .cancelled(reason: transition.reason)
            case .skipped: kind = .skipped(reason: transition.reason)
            }
            let label = await label(of: transition.jobID)
            events.append(
                JobEvent(jobID: transition.jobID, name: label.name, tags: label.tags, time: transition.at, kind: kind))
        }
        broadcaster.publish(events)
    }

    private func label(of id: JobID) async -> (name: String, tags: [String]) {
        if let known = names[id] { return known }
        let record = try? await store.job(id)
        let label = (record?.spec.name ?? id.rawValue, record?.spec.tags ?? [])
        names[id] = label
        return label
    }

    // MARK: - Submitting and cancelling

    /// Submits jobs to the store (see ``JobStore`` for the rules) and wakes the run loop.
    ///
    /// - Parameter jobs: The definitions.
    /// - Returns: What happened to each job.
    /// - Throws: ``BatchError`` naming the job at fault (an unknown handler, a cycle, an unknown
    ///   dependency, a changed job); nothing is stored then.
    @discardableResult
    public func submit(_ jobs: [JobSpec]) async throws(BatchError) -> SubmitReport {
        try checkHandlers(jobs)
        let report = try await store.submit(jobs, options: configuration.submitOptions, now: clock.now)
        // Labels are kept for event subscribers only; without them, ``label(of:)`` asks the store.
        if broadcaster.hasSubscribers {
            for job in jobs { names[job.id] = (job.name, job.tags) }
        }
        await publish(report.transitions)
        wake.signal()
        return report
    }

    /// Publishes a submission made directly on the store (a scheduled run) and wakes the loop.
    func publishSubmission(_ report: SubmitReport) async {
        await publish(report.transitions)
        wake.signal()
    }

    /// Checks that every job names a registered handler.
    func checkHandlers(_ jobs: [JobSpec]) throws(BatchError) {
        for job in jobs where handlers[job.handler] == nil {
            let known = handlers.keys.sorted().joined(separator: ", ")
            throw BatchError(
                .invalidJob,
                "Job \(job.id) names handler '\(job.handler)', which is not registered (registered: \(known.isEmpty ? "none" : known)). Register it or fix the job.",
                context: ["job": job.id.rawValue, "handler": job.handler])
        }
    }

    /// Cancels jobs: pending and retry-waiting ones end at once (their dependents are skipped);
    /// running ones receive cooperative cancellation, here or in whichever process runs them.
    ///
    /// - Parameters:
    ///   - ids: The jobs.
    ///   - reason: Recorded with the cancellation.
    /// - Throws: ``BatchError`` (``BatchError/Code/unknownJob``) for an id not in the store.
    public func cancel(_ ids: [JobID], reason: String = "cancelled by user") async throws(BatchError) {
        let transitions = try await store.cancel(ids, reason: reason, now: clock.now)
        await publish(transitions)
        for id in ids { running[id]?.stop.fire(.user(reason)) }
        wake.signal()
    }

    /// Stops admitting jobs, lets running jobs finish for up to `grace` (the configured
    /// ``ProcessorConfiguration/shutdownGrace`` when `nil`), then cancels the rest and gives them
    /// back to the queue (they run again on the next run). ``run(until:)`` returns when all
    /// running jobs have ended and their outcomes are stored.
    ///
    /// - Parameter grace: How long running jobs may continue.
    public func shutdown(grace: Duration? = nil) {
        guard !shuttingDown else {
            // A second request: stop now.
            graceDeadline = clock.now
            wake.signal()
            return
        }
        shuttingDown = true
        graceDeadline = StoreRules.adding(grace ?? configuration.shutdownGrace, to: clock.now)
        logger.info("Shutting down: no new jobs; \(running.count) running job(s) get a grace period.")
        wake.signal()
    }

    // MARK: - The run loop

    /// Runs jobs until `mode` says to stop.
    ///
    /// First returns to the queue the jobs of workers on this host that have died (a crash of an
    /// earlier run), then claims, runs and completes jobs. Cancelling the calling task is a
    /// shutdown with no grace period.
    ///
    /// - Parameter mode: ``RunMode/drained`` (default) or ``RunMode/shutdown``.
    /// - Returns: A summary with the store's final counts.
    /// - Throws: ``BatchError`` when the store fails, or when the processor is already running.
    @discardableResult
    public func run(until mode: RunMode = .drained) async throws(BatchError) -> BatchSummary {
        guard !isRunning else {
            throw BatchError(.invalidValue, "This processor is already running. Start one run at a time.")
        }
        isRunning = true
        shuttingDown = false
        stoppedForShutdown = false
        graceDeadline = nil
        defer { isRunning = false }
        let startedAt = clock.now
        let recovered = try await store.recoverOrphans(
            isDead: { owner in WorkerIdentity(owner)?.isDeadOnThisHost ?? false }, now: clock.now)
        if !recovered.isEmpty {
            logger.notice("Re-queued \(recovered.count) job(s) left running by a worker that is gone.")
            await publish(recovered)
        }
        defer { wake.cancelTimer() }
        // A store shared by several processes may tell us when work appears elsewhere. The watcher
        // is an unstructured task only because the attempt group below must not wait for it; it
        // is cancelled when this run ends, whatever the path out.
        let watcher = (store as? any JobStoreWakeups).map { store in
            Task { [wake, logger] in
                // A listener that fails (a dropped connection) is started again after a pause;
                // meanwhile the loop polls, so nothing is missed for longer than a poll interval.
                var failures = 0
                while !Task.isCancelled {
                    do throws(BatchError) {
                        try await store.watchForWork { wake.signal() }
                        failures = 0
                    } catch {
                        if failures == 0 {
                            logger.warning("Not listening for new work (\(error.message)); polling until it is back.")
                        }
                        failures += 1
                    }
                    try? await Task.sleep(for: .seconds(min(30, failures + 1)))
                }
            }
        }
        defer { watcher?.cancel() }
        let failure: BatchError? = await withDiscardingTaskGroup { group in
            do throws(BatchError) {
                try await loop(mode: mode, group: &group)
                return nil
            } catch {
                // Stop everything still running; their outcomes are released to the queue.
                shuttingDown = true
                for job in running.values { job.stop.fire(.shutdown) }
                return error
            }
        }
        if let failure {
            broadcaster.finish()
            throw failure
        }
        // Jobs that ended while the loop was exiting.
        try await flush()
        let counts = try await store.counts()
        broadcaster.finish()
        return BatchSummary(
            counts: counts, attemptsStarted: attemptsStarted, interrupted: stoppedForShutdown, startedAt: startedAt,
            endedAt: clock.now)
    }

    private func loop(mode: RunMode, group: inout DiscardingTaskGroup) async throws(BatchError) {
        while true {
            if Task.isCancelled && !shuttingDown {
                shuttingDown = true
                graceDeadline = clock.now
            }
            let now = clock.now
            if shuttingDown {
                try await flush()
                stoppedForShutdown = true
                if running.isEmpty && pending.isEmpty { return }
                if let deadline = graceDeadline, now >= deadline {
                    for job in running.values { job.stop.fire(.shutdown) }
                }
                await waitForWake(
                    until: graceDeadline.map { $0 > now ? $0 : StoreRules.adding(.milliseconds(50), to: now) })
                continue
            }
            try await maintainLeases(now: now)
            let free = configuration.maxConcurrentJobs - running.count
            var claimedAny = false
            if free > 0, await admitted(now: now) {
                // Completions and the next claim share one store call (one transaction). Attempts
                // that ended but still wait for this actor join the batch first: one yield, and
                // a transaction (with `fsync`) fewer per handful of short jobs.
                if !pending.isEmpty && !running.isEmpty { await Task.yield() }
                let batch = pending
                pending.removeAll(keepingCapacity: true)
                let (receipts, claimed, requeued) = try await store.completeAndClaim(
                    batch.map(\.completion), owner: identity.description,
                    limit: min(configuration.maxConcurrentJobs - running.count, configuration.claimBatchSize), now: now,
                    leaseDuration: configuration.leaseDuration)
                await publishCompletions(batch, receipts)
                await publish(requeued)
                if !claimed.isEmpty {
                    claimedAny = true
                    start(claimed, group: &group)
                }
            } else {
                try await flush()
            }
            if claimedAny { continue }
            if mode == .drained && running.isEmpty && pending.isEmpty {
                let counts = try await store.counts()
                let open = (counts[.pending] ?? 0) + (counts[.retryWait] ?? 0) + (counts[.running] ?? 0)
                if open == 0 { return }
            }
            await waitForWake(until: try await nextDeadline(now: now))
        }
    }

    private func admitted(now: Date) async -> Bool {
        guard let admission else { return true }
        let reason = await admission.holdReason(now: now)
        // Log the switches between admitting and holding, not every new hold reason.
        if (reason == nil) != (holding == nil) {
            if let reason {
                logger.notice("Holding new jobs: \(reason)")
            } else {
                logger.notice("Resources back under their limits; admitting jobs again.")
            }
        }
        holding = reason
        return reason == nil
    }

    private func nextDeadline(now: Date) async throws(BatchError) -> Date {
        // Poll regularly: other processes may submit work, cancel, or finish dependencies.
        var deadline = StoreRules.adding(configuration.pollInterval, to: now)
        if !running.isEmpty {
            deadline = min(deadline, StoreRules.adding(heartbeatInterval, to: lastHeartbeat))
        }
        if running.count < configuration.maxConcurrentJobs, let due = try await store.nextDueTime() {
            deadline = min(deadline, max(due, now))
        }
        return deadline
    }

    private var heartbeatInterval: Duration { configuration.leaseDuration / 3 }

    private func waitForWake(until deadline: Date?) async {
        guard let deadline else {
            await wake.wait(until: nil, clock: clock)
            return
        }
        await wake.waitKeepingTimer(until: deadline, clock: clock)
    }

    private func maintainLeases(now: Date) async throws(BatchError) {
        if !running.isEmpty, now >= StoreRules.adding(heartbeatInterval, to: lastHeartbeat) {
            lastHeartbeat = now
            let renewal = try await store.renewLeases(
                running.values.map(\.claim.lease), now: now, leaseDuration: configuration.leaseDuration)
            for lease in renewal.renewed { running[lease.jobID]?.claim.lease = lease }
            for id in renewal.lost {
                logger.warning("Lost the lease on job \(id); stopping it without a verdict.")
                running[id]?.stop.fire(.leaseLost)
            }
            for id in renewal.cancelRequested { running[id]?.stop.fire(.user("cancel requested")) }
        }
        if !running.isEmpty, now >= StoreRules.adding(configuration.pollInterval, to: lastPoll) {
            lastPoll = now
            for id in try await store.cancelRequests(owner: identity.description) {
                running[id]?.stop.fire(.user("cancel requested"))
            }
        }
    }

    private func start(_ claimed: [ClaimedJob], group: inout DiscardingTaskGroup) {
        if running.isEmpty { lastHeartbeat = clock.now }
        let publishing = broadcaster.hasSubscribers
        var events: [JobEvent] = []
        for claim in claimed {
            let stop = StopSignal()
            running[claim.record.id] = RunningJob(claim: claim, stop: stop)
            attemptsStarted += 1
            if publishing {
                let label = (name: claim.record.spec.name, tags: claim.record.spec.tags)
                names[claim.record.id] = label
                events.append(
                    JobEvent(
                        jobID: claim.record.id, name: label.name, tags: label.tags, time: clock.now,
                        kind: .started(attempt: claim.record.attempts)))
            }
            guard let handler = handlers[claim.record.spec.handler] else {
                // Submitted by another process with a handler this one lacks: give it back.
                let reason = "handler '\(claim.record.spec.handler)' is not registered in worker \(identity)"
                pending.append(
                    PendingCompletion(
                        completion: Completion(
                            lease: claim.lease, outcome: .failed(error: reason, timedOut: false, retryAt: nil)),
                        timedOut: nil, attempt: claim.record.attempts))
                running[claim.record.id] = nil
                continue
            }
            let timeout = claim.record.spec.timeout ?? configuration.defaultTimeout
            let context = makeContext(claim)
            group.addTask { [clock] in
                let outcome = await Self.execute(
                    handler: handler, context: context, timeout: timeout, stop: stop, clock: clock,
                    persist: { output, finishedAt in
                        try self.persist(output, claim: claim, finishedAt: finishedAt)
                    })
                await self.attemptEnded(claim, outcome)
            }
        }
        broadcaster.publish(events)
    }

    private func makeContext(_ claim: ClaimedJob) -> JobContext {
        let id = claim.record.id
        let label = (claim.record.spec.name, claim.record.spec.tags)
        let directory = configuration.outputDirectory?.appendingPathComponent(id.rawValue, isDirectory: true)
        return JobContext(
            job: claim.record.spec, attempt: claim.record.attempts, contentHash: claim.record.contentHash,
            outputDirectory: directory, logger: logger,
            progress: { [broadcaster, clock] fraction, message in
                broadcaster.publish(
                    JobEvent(
                        jobID: id, name: label.0, tags: label.1, time: clock.now,
                        kind: .progress(fraction: fraction, message: message)))
            })
    }

    /// Runs one attempt: the handler races its timeout and its stop signal; the first to finish
    /// decides the outcome, and the others are cancelled. The attempt ends only when the handler
    /// has returned (a handler that ignores cancellation keeps its slot until it does).
    ///
    /// Without a timeout there is nothing to race but the stop signal, which then cancels the
    /// attempt's own task directly: one task per attempt instead of three.
    private static func execute(
        handler: any JobHandler, context: JobContext, timeout: Duration?, stop: StopSignal, clock: any BatchClock,
        persist: @escaping @Sendable (JobOutput, Date) async throws -> Void
    ) async -> AttemptOutcome {
        let startedAt = clock.now
        if let directory = context.outputDirectory {
            try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        }
        @Sendable func attempt() async -> AttemptOutcome {
            do {
                let output = try await handler.run(context)
                try await persist(output, clock.now)
                return .succeeded(output.result)
            } catch is CancellationError {
                return .cancelledItself
            } catch let error as BatchError {
                return .failed(error.description)
            } catch {
                return .failed(String(describing: error))
            }
        }
        guard let timeout else {
            stop.cancelCurrentTaskWhenFired()
            let outcome = await attempt()
            // A stop that fired while the handler ran decides the outcome, as it would have won
            // the race against the handler.
            return stop.stopCancellingCurrentTask().map { .stopped($0) } ?? outcome
        }
        return await withTaskGroup(of: AttemptOutcome?.self) { group in
            group.addTask { await attempt() }
            group.addTask {
                do {
                    try await clock.sleep(until: StoreRules.adding(timeout, to: startedAt))
                    return .timedOut(timeout)
                } catch {
                    return nil
                }
            }
            group.addTask {
                await stop.wait().map { .stopped($0) }
            }
            var outcome: AttemptOutcome = .stopped(.shutdown)
            for await result in group {
                if let result {
                    outcome = result
                    break
                }
            }
            group.cancelAll()
            if case .cancelledItself = outcome, let reason = stop.firedReason {
                outcome = .stopped(reason)
            }
            return outcome
        }
    }

    /// Writes a successful attempt's files and manifest (atomically; repeating it is harmless).
    private nonisolated func persist(_ output: JobOutput, claim: ClaimedJob, finishedAt: Date) throws(BatchError) {
        guard let base = configuration.outputDirectory else { return }
        let files = ResultFiles(baseDirectory: base)
        let id = claim.record.id
        var hashes: [String: String] = [:]
        if output.result != .null {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            guard let data = try? encoder.encode(output.result) else {
                throw BatchError(
                    .invalidJob, "The result of job \(id) holds a non-finite number and cannot be written as JSON.",
                    context: ["job": id.rawValue])
            }
            try files.writeAtomically(data, to: "result.json", job: id)
            hashes["result.json"] = ContentHash.of(data: data)
        }
        for (name, data) in output.files.sorted(by: { $0.key < $1.key }) {
            try files.writeAtomically(data, to: name, job: id)
            hashes[name] = ContentHash.of(data: data)
        }
        if configuration.cleanupIntermediateFiles {
            let removed = try files.cleanupIntermediates(claim.record.spec.intermediateFiles, job: id, succeeded: true)
            for name in removed { hashes[name] = nil }
        }
        if configuration.compressResults { try files.compress(job: id) }
        var manifest = ResultManifest(
            jobID: id, payload: claim.record.spec.payload, contentHash: claim.record.contentHash,
            attempts: claim.record.attempts, startedAt: claim.record.startedAt ?? finishedAt, finishedAt: finishedAt,
            versions: configuration.versions.merging(output.versions) { _, handler in handler },
            provenance: output.provenance, seed: claim.record.spec.seed)
        manifest.files = hashes
        try files.writeManifest(manifest, job: id)
    }

    private func attemptEnded(_ claim: ClaimedJob, _ outcome: AttemptOutcome) {
        let id = claim.record.id
        running[id] = nil
        let record = claim.record
        let now = clock.now
        func retryAt() -> Date? {
            guard record.failures + 1 <= record.spec.maxRetries, !shuttingDown else { return nil }
            return StoreRules.adding(configuration.retry.delay(afterFailure: record.failures + 1, job: id), to: now)
        }
        let result: Completion.Outcome
        var timedOut: Duration?
        switch outcome {
        case .succeeded(let value): result = .succeeded(result: value)
        case .failed(let error):
            result = .failed(error: error, timedOut: false, retryAt: retryAt())
        case .timedOut(let limit):
            timedOut = limit
            result = .failed(error: "timed out after \(limit)", timedOut: true, retryAt: retryAt())
        case .stopped(.user(let reason)): result = .cancelled(reason: reason)
        case .stopped(.shutdown): result = .released(reason: "worker \(identity) shut down before the attempt finished")
        case .stopped(.leaseLost):
            wake.signal()
            return
        case .cancelledItself:
            result =
                shuttingDown
                ? .released(reason: "worker \(identity) shut down before the attempt finished")
                : .failed(
                    error: "the handler threw CancellationError without being cancelled", timedOut: false,
                    retryAt: retryAt())
        }
        pending.append(
            PendingCompletion(
                completion: Completion(lease: claim.lease, outcome: result), timedOut: timedOut,
                attempt: record.attempts))
        wake.signal()
    }

    /// Commits every pending completion in one store call, then publishes their events.
    private func flush() async throws(BatchError) {
        guard !pending.isEmpty else { return }
        let batch = pending
        pending.removeAll(keepingCapacity: true)
        let receipts = try await store.complete(batch.map(\.completion), now: clock.now)
        await publishCompletions(batch, receipts)
    }

    /// Publishes the events of committed completions.
    private func publishCompletions(_ batch: [PendingCompletion], _ receipts: [CompletionReceipt]) async {
        guard broadcaster.hasSubscribers else { return }
        var retryTimes: [JobID: Date] = [:]
        for (item, receipt) in zip(batch, receipts) where receipt.accepted {
            if let limit = item.timedOut {
                let label = await label(of: receipt.jobID)
                broadcaster.publish(
                    JobEvent(
                        jobID: receipt.jobID, name: label.name, tags: label.tags, time: clock.now,
                        kind: .timedOut(attempt: item.attempt, timeout: limit)))
            }
            if case .failed(_, _, let at?) = item.completion.outcome { retryTimes[receipt.jobID] = at }
            await publish(receipt.transitions, retryAt: retryTimes)
        }
    }
}

/// Wakes a waiting loop: set by finishing jobs, submissions, cancels and shutdown. Shared with
/// the monitor's sampling loop (hence `package`).
package final class WakeSignal: Sendable {
    private struct State {
        var signalled = false
        var waiter: CheckedContinuation<Void, Never>?
        /// The kept timer of ``waitKeepingTimer(until:clock:)`` and when it fires.
        var timer: (deadline: Date, task: Task<Void, Never>)?
    }

    private let state = Mutex(State())

    package init() {}

    package func signal() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if let waiter = state.waiter {
                state.waiter = nil
                return waiter
            }
            state.signalled = true
            return nil
        }
        waiter?.resume()
    }

    private func consume() -> Bool {
        state.withLock { state in
            defer { state.signalled = false }
            return state.signalled
        }
    }

    private func wait() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resume = state.withLock { state -> Bool in
                    if state.signalled {
                        state.signalled = false
                        return true
                    }
                    state.waiter = continuation
                    return false
                }
                if resume { continuation.resume() }
            }
        } onCancel: {
            self.signal()
        }
    }

    /// Waits like ``wait(until:clock:)``, but the timer outlives the wait: a later wait whose
    /// deadline is not earlier reuses it (and may return at its earlier deadline, which callers
    /// that recompute their deadline after every wake take as a spurious wake). A loop that waits
    /// thousands of times a second for work that signals then sets one timer per deadline
    /// instead of one per wait. Call ``cancelTimer()`` when the loop ends.
    ///
    /// - Parameters:
    ///   - deadline: When to stop waiting without a signal.
    ///   - clock: The clock the timer sleeps on.
    package func waitKeepingTimer(until deadline: Date, clock: any BatchClock) async {
        if consume() { return }
        if deadline <= clock.now { return }
        let armed = state.withLock { state in state.timer.map { $0.deadline <= deadline } ?? false }
        if !armed {
            let task = Task { [weak self] in
                do {
                    try await clock.sleep(until: deadline)
                } catch {
                    return
                }
                guard let self else { return }
                self.state.withLock { state in
                    if state.timer?.deadline == deadline { state.timer = nil }
                }
                self.signal()
            }
            let replaced = state.withLock { state in
                defer { state.timer = (deadline, task) }
                return state.timer?.task
            }
            replaced?.cancel()
        }
        await wait()
    }

    /// Cancels the timer kept by ``waitKeepingTimer(until:clock:)``.
    package func cancelTimer() {
        let timer = state.withLock { state in
            defer { state.timer = nil }
            return state.timer?.task
        }
        timer?.cancel()
    }

    /// Waits for a signal or `deadline`, whichever comes first; returns at once when a signal
    /// arrived since the last wait.
    package func wait(until deadline: Date?, clock: any BatchClock) async {
        if consume() { return }
        guard let deadline else {
            await wait()
            return
        }
        if deadline <= clock.now { return }
        // One child task (the timer) per wait; the waiting itself stays in the calling task.
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                do {
                    try await clock.sleep(until: deadline)
                    self.signal()
                } catch {
                    // Cancelled: a signal came first.
                }
            }
            await self.wait()
            group.cancelAll()
        }
    }
}

/// Why a running attempt is told to stop.
enum BatchProcessorStop: Sendable, Hashable {
    /// A user (or a cancel request in the store) cancelled the job.
    case user(String)
    /// The processor is shutting down; the job goes back to the queue.
    case shutdown
    /// The lease lapsed and another worker may hold the job now; no verdict is reported.
    case leaseLost
}

/// Tells one running attempt to stop, and why; fires at most once.
///
/// The attempt learns of it either by waiting (``wait()``, raced against the handler and its
/// timeout) or, when it has no timeout, by its task being cancelled
/// (``cancelCurrentTaskWhenFired()``): that saves two child tasks per attempt, which matters at
/// tens of thousands of short jobs per second. Swift has no handle to cancel one child task of a
/// group, so the attempt's task is reached through `UnsafeCurrentTask`, registered and
/// unregistered under the signal's lock and cancelled only under it, so never after the attempt
/// has unregistered (its task may end then).
final class StopSignal: Sendable {
    /// The attempt's task; only used under the lock, while the attempt is registered.
    private struct AttemptTask: @unchecked Sendable {
        var task: UnsafeCurrentTask
    }

    private struct State: Sendable {
        var reason: BatchProcessorStop?
        var waiter: CheckedContinuation<BatchProcessorStop?, Never>?
        var attempt: AttemptTask?
    }

    private let state = Mutex(State())

    func fire(_ reason: BatchProcessorStop) {
        let waiter = state.withLock { state -> CheckedContinuation<BatchProcessorStop?, Never>? in
            guard state.reason == nil else { return nil }
            state.reason = reason
            state.attempt?.task.cancel()
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(returning: reason)
    }

    var firedReason: BatchProcessorStop? { state.withLock { $0.reason } }

    /// Makes ``fire(_:)`` cancel the calling task (at once when it has fired already), until
    /// ``stopCancellingCurrentTask()``.
    func cancelCurrentTaskWhenFired() {
        withUnsafeCurrentTask { task in
            guard let task else { return }
            let attempt = AttemptTask(task: task)
            let fired = state.withLock { state -> Bool in
                if state.reason != nil { return true }
                state.attempt = attempt
                return false
            }
            if fired { task.cancel() }
        }
    }

    /// Ends ``cancelCurrentTaskWhenFired()``; returns the reason if the signal has fired.
    func stopCancellingCurrentTask() -> BatchProcessorStop? {
        state.withLock { state in
            state.attempt = nil
            return state.reason
        }
    }

    /// Waits until fired (returning the reason) or until the waiting task is cancelled (`nil`).
    func wait() async -> BatchProcessorStop? {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<BatchProcessorStop?, Never>) in
                let immediate = state.withLock { state -> BatchProcessorStop?? in
                    if let reason = state.reason { return .some(reason) }
                    if Task.isCancelled { return .some(nil) }
                    state.waiter = continuation
                    return nil
                }
                if let immediate { continuation.resume(returning: immediate) }
            }
        } onCancel: {
            let waiter = state.withLock { state -> CheckedContinuation<BatchProcessorStop?, Never>? in
                defer { state.waiter = nil }
                return state.waiter
            }
            waiter?.resume(returning: nil)
        }
    }
}
