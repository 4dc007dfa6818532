public import Foundation

extension BatchError.Code {
    /// The job store cannot be opened, read or written.
    public static let storeFailed = Self(rawValue: "store_failed")
}

/// How a submission treats jobs that exist already or whose result exists already.
public struct SubmitOptions: Sendable, Hashable {
    /// Run even when a succeeded job with the same content hash exists, and reset an existing
    /// job with the same id that is not running (its history is kept).
    public var force: Bool
    /// The library version folded into each content hash.
    public var libraryVersion: String

    /// Creates submit options.
    ///
    /// - Parameters:
    ///   - force: Whether to ignore reusable results and reset existing jobs.
    ///   - libraryVersion: The version hashed into content hashes.
    public init(force: Bool = false, libraryVersion: String = QEIRBatchVersion.current) {
        self.force = force
        self.libraryVersion = libraryVersion
    }
}

/// The version of the batch engine, folded into content hashes by default.
public enum QEIRBatchVersion {
    /// The current version string.
    public static let current = "0.5.0"
}

/// What a submission did with each job.
public struct SubmitReport: Sendable, Hashable {
    /// What happened to one submitted job.
    public enum Disposition: Sendable, Hashable {
        /// Stored as new, waiting to run (or skipped at once if a dependency had already failed).
        case created(JobState)
        /// A job with this id and content hash already existed; left as it was.
        case existing(JobState)
        /// A succeeded job with the same content hash existed; its result was reused.
        case reused(from: JobID)
        /// An existing job with this id was reset (forced resubmission).
        case reset
    }

    /// One entry per submitted job, in submission order.
    public var entries: [(id: JobID, disposition: Disposition)]
    /// Transitions the submission recorded, in order.
    public var transitions: [JobTransition]

    /// Creates a report.
    ///
    /// - Parameters:
    ///   - entries: One disposition per job.
    ///   - transitions: The recorded transitions.
    public init(entries: [(id: JobID, disposition: Disposition)], transitions: [JobTransition]) {
        self.entries = entries
        self.transitions = transitions
    }

    /// Compares entries and transitions.
    public static func == (lhs: SubmitReport, rhs: SubmitReport) -> Bool {
        lhs.entries.elementsEqual(rhs.entries) { $0.id == $1.id && $0.disposition == $1.disposition }
            && lhs.transitions == rhs.transitions
    }

    /// Hashes entries and transitions.
    public func hash(into hasher: inout Hasher) {
        for entry in entries {
            hasher.combine(entry.id)
            hasher.combine(entry.disposition)
        }
        hasher.combine(transitions)
    }
}

/// A job handed to a worker by ``JobStore/claim(owner:limit:now:leaseDuration:)``.
public struct ClaimedJob: Sendable, Hashable {
    /// The job as it is now (state `running`, attempts already incremented).
    public var record: JobRecord
    /// The lease that must be presented to complete it.
    public var lease: Lease

    /// Creates a claimed job.
    ///
    /// - Parameters:
    ///   - record: The record.
    ///   - lease: The lease.
    public init(record: JobRecord, lease: Lease) {
        self.record = record
        self.lease = lease
    }
}

/// How an attempt ended, as reported to ``JobStore/complete(_:now:)``.
public struct Completion: Sendable, Hashable {
    /// The outcome of one attempt.
    public enum Outcome: Sendable, Hashable {
        /// The attempt succeeded with this result.
        case succeeded(result: ConfigValue)
        /// The attempt failed (`timedOut` when it was stopped by its timeout). With `retryAt`
        /// the job waits in `retryWait` until then; without it the job fails for good.
        case failed(error: String, timedOut: Bool, retryAt: Date?)
        /// The attempt was cancelled on request; the job ends `cancelled`.
        case cancelled(reason: String)
        /// The worker gave the job back without a verdict (shutdown): it returns to `pending`
        /// and the attempt does not count as a failure.
        case released(reason: String)
    }

    /// The lease under which the attempt ran.
    public var lease: Lease
    /// How it ended.
    public var outcome: Outcome

    /// Creates a completion.
    ///
    /// - Parameters:
    ///   - lease: The attempt's lease.
    ///   - outcome: How it ended.
    public init(lease: Lease, outcome: Outcome) {
        self.lease = lease
        self.outcome = outcome
    }
}

/// The store's answer to one ``Completion``.
public struct CompletionReceipt: Sendable, Hashable {
    /// The job.
    public var jobID: JobID
    /// Whether the completion was applied. `false` when the lease is no longer the job's current
    /// lease (it expired and another worker re-claimed the job, or the job was reset).
    public var accepted: Bool
    /// The job's state after the completion (its unchanged state when rejected).
    public var state: JobState
    /// Transitions recorded, in order, including dependents skipped because this job ended
    /// without success.
    public var transitions: [JobTransition]

    /// Creates a receipt.
    ///
    /// - Parameters:
    ///   - jobID: The job.
    ///   - accepted: Whether it was applied.
    ///   - state: The resulting state.
    ///   - transitions: The transitions recorded.
    public init(jobID: JobID, accepted: Bool, state: JobState, transitions: [JobTransition]) {
        self.jobID = jobID
        self.accepted = accepted
        self.state = state
        self.transitions = transitions
    }
}

/// The store's answer to a lease renewal.
public struct LeaseRenewal: Sendable, Hashable {
    /// Leases that were renewed, with their new expiry.
    public var renewed: [Lease]
    /// Jobs whose lease was no longer current; their workers must stop them without completing.
    public var lost: [JobID]
    /// Renewed jobs on which a cancel has been requested; their workers should cancel them.
    public var cancelRequested: [JobID]

    /// Creates a renewal answer.
    ///
    /// - Parameters:
    ///   - renewed: Renewed leases.
    ///   - lost: Leases no longer current.
    ///   - cancelRequested: Jobs to cancel.
    public init(renewed: [Lease], lost: [JobID], cancelRequested: [JobID]) {
        self.renewed = renewed
        self.lost = lost
        self.cancelRequested = cancelRequested
    }
}

/// Durable (or in-memory) home of jobs, their attempts and transitions: the single source of
/// truth the ``BatchProcessor`` works from.
///
/// Every method is one transaction: it applies all of its changes or none. Implementations:
/// ``InMemoryJobStore`` and ``SQLiteJobStore``; one conformance suite tests both.
///
/// ## Semantics every implementation follows
/// - **Submission** validates every spec (``JobSpec/validate()``), rejects duplicate ids within
///   the submission, dependencies that are neither in the submission nor in the store
///   (``BatchError/Code/invalidJob``, naming both jobs) and cycles (the error's message and
///   `context["cycle"]` name the cycle as `a -> b -> a`). Nothing is stored when any job is
///   rejected. An id already stored with the same content hash is left alone (`.existing`);
///   with another hash it is an error (``BatchError/Code/jobExists``) unless `force`, which
///   resets a job that is not running to `pending`. Without `force`, a new job whose content
///   hash equals that of a succeeded job is stored directly as `succeeded` with the other
///   job's result and `reusedFrom` (`.reused`). A job whose dependency already failed, was
///   cancelled or skipped is stored as `skipped`. Sequence numbers follow submission order.
/// - **Claiming** first returns to `pending` every running job whose lease expired (reason
///   "lease of <owner> expired"; this does not count as a failure), then hands out up to
///   `limit` ready jobs — `pending` or `retryWait` with `runAfter <= now`, all dependencies
///   succeeded, no cancel requested — highest priority first, then lowest sequence. Each
///   becomes `running` with a fresh lease (random token, expiry `now + leaseDuration`),
///   `attempts + 1`, `startedAt` set on its first attempt. Two concurrent claims never return
///   the same job.
/// - **Completion** applies only when the lease's token is the job's current token and the job
///   is running; otherwise the receipt says `accepted: false` and nothing changes.
///   `succeeded` stores the result and decrements `unmetDependencies` of dependents;
///   `failed` with `retryAt` → `retryWait` (`failures + 1`, `runAfter = retryAt`), without →
///   `failed`; `cancelled` → `cancelled`; `released` → `pending`. A job ending `failed`,
///   `cancelled` or `skipped` skips its non-final dependents, transitively, each with a
///   transition naming the dependency.
/// - **Cancel** ends `pending`/`retryWait` jobs as `cancelled` at once (skipping dependents);
///   on a `running` job it sets `cancelRequested`, which the lease holder learns from
///   ``renewLeases(_:now:leaseDuration:)`` or ``cancelRequests(owner:)``. Final jobs are left
///   alone.
/// - Every state change appends a ``JobTransition``; sequence numbers of transitions increase
///   store-wide.
public protocol JobStore: Sendable {
    /// Stores new jobs (see the type's documentation for the rules).
    ///
    /// - Parameters:
    ///   - jobs: The definitions, dependencies before or after their dependents.
    ///   - options: Reuse and reset rules.
    ///   - now: The submission time.
    /// - Returns: What happened to each job.
    /// - Throws: ``BatchError`` naming the job at fault; nothing is stored then.
    func submit(_ jobs: [JobSpec], options: SubmitOptions, now: Date) async throws(BatchError) -> SubmitReport

    /// Leases up to `limit` ready jobs to `owner`.
    ///
    /// - Parameters:
    ///   - owner: The claiming worker's identity (``WorkerIdentity/description``).
    ///   - limit: The most jobs to return.
    ///   - now: The current time.
    ///   - leaseDuration: How long the leases last without renewal.
    /// - Returns: The claimed jobs, best first, and the transitions of expired leases requeued.
    func claim(owner: String, limit: Int, now: Date, leaseDuration: Duration) async throws(BatchError) -> (
        claimed: [ClaimedJob], requeued: [JobTransition]
    )

    /// Extends the given leases to `now + leaseDuration` where they are still current.
    ///
    /// - Parameters:
    ///   - leases: The leases to renew.
    ///   - now: The current time.
    ///   - leaseDuration: The extension.
    /// - Returns: Renewed and lost leases, and cancel requests.
    func renewLeases(_ leases: [Lease], now: Date, leaseDuration: Duration) async throws(BatchError) -> LeaseRenewal

    /// Applies attempt outcomes, all in one transaction.
    ///
    /// - Parameters:
    ///   - completions: The outcomes.
    ///   - now: The current time.
    /// - Returns: One receipt per completion, in order.
    func complete(_ completions: [Completion], now: Date) async throws(BatchError) -> [CompletionReceipt]

    /// Cancels jobs (see the type's documentation).
    ///
    /// - Parameters:
    ///   - ids: The jobs.
    ///   - reason: Why, recorded in the transitions.
    ///   - now: The current time.
    /// - Returns: The transitions recorded (cancelled and skipped jobs).
    /// - Throws: ``BatchError`` (``BatchError/Code/unknownJob``) when an id is not stored.
    func cancel(_ ids: [JobID], reason: String, now: Date) async throws(BatchError) -> [JobTransition]

    /// Running jobs held by `owner` on which a cancel has been requested.
    ///
    /// - Parameter owner: The worker.
    /// - Returns: The job ids.
    func cancelRequests(owner: String) async throws(BatchError) -> [JobID]

    /// Returns to `pending` the running jobs whose owner `isDead` says has ended (a process on
    /// this host killed before it could release them), without waiting for their leases.
    ///
    /// - Parameters:
    ///   - isDead: Decides from an owner string whether that worker is gone.
    ///   - now: The current time.
    /// - Returns: The transitions recorded.
    func recoverOrphans(isDead: @Sendable (String) -> Bool, now: Date) async throws(BatchError) -> [JobTransition]

    /// One job, or `nil`.
    ///
    /// - Parameter id: The job id.
    func job(_ id: JobID) async throws(BatchError) -> JobRecord?

    /// Jobs in the given states (all when `nil`), in sequence order.
    ///
    /// - Parameter states: The states wanted.
    func jobs(in states: Set<JobState>?) async throws(BatchError) -> [JobRecord]

    /// The number of jobs per state (states without jobs are absent).
    func counts() async throws(BatchError) -> [JobState: Int]

    /// Transitions with a sequence number above `sequence`, oldest first, at most `limit`;
    /// only those of `job` when given.
    ///
    /// - Parameters:
    ///   - job: The job, or `nil` for all.
    ///   - sequence: The last sequence number already seen (0 for all).
    ///   - limit: The most to return.
    func transitions(of job: JobID?, after sequence: Int64, limit: Int) async throws(BatchError) -> [JobTransition]

    /// The earliest time something becomes due without any worker acting: a `retryWait` job's
    /// `runAfter` or a running job's lease expiry. `nil` when nothing is waiting.
    func nextDueTime() async throws(BatchError) -> Date?

    /// Submits the jobs of one scheduled run and records its slot, in one transaction; returns
    /// `nil` (and stores nothing) when some scheduler recorded that slot already, so a slot runs
    /// once whatever the number of schedulers on the store.
    ///
    /// - Parameters:
    ///   - scheduleID: The schedule.
    ///   - slot: The scheduled time.
    ///   - jobs: The jobs of this run.
    ///   - options: Submit options.
    ///   - now: The current time.
    /// - Returns: The submission report, or `nil` when the slot was taken.
    func submitScheduledRun(
        scheduleID: String, slot: Date, jobs: [JobSpec], options: SubmitOptions, now: Date
    ) async throws(BatchError) -> SubmitReport?

    /// The latest recorded slot of a schedule and the jobs it submitted, or `nil`.
    ///
    /// - Parameter scheduleID: The schedule.
    func lastScheduleRun(scheduleID: String) async throws(BatchError) -> (slot: Date, jobs: [JobID])?

    /// Applies attempt outcomes (``complete(_:now:)``), then leases up to `limit` ready jobs
    /// (``claim(owner:limit:now:leaseDuration:)``): the processor's step, in one transaction
    /// where the store can (one commit, one `fsync`, instead of two). The default
    /// implementation makes the two calls.
    ///
    /// - Parameters:
    ///   - completions: The outcomes.
    ///   - owner: The claiming worker's identity.
    ///   - limit: The most jobs to return.
    ///   - now: The current time.
    ///   - leaseDuration: How long the leases last without renewal.
    /// - Returns: One receipt per completion, the claimed jobs and the requeued transitions.
    /// - Throws: What ``complete(_:now:)`` or ``claim(owner:limit:now:leaseDuration:)`` throws.
    func completeAndClaim(
        _ completions: [Completion], owner: String, limit: Int, now: Date, leaseDuration: Duration
    ) async throws(BatchError) -> (receipts: [CompletionReceipt], claimed: [ClaimedJob], requeued: [JobTransition])
}

extension JobStore {
    /// Calls ``complete(_:now:)`` (when there are completions), then
    /// ``claim(owner:limit:now:leaseDuration:)``.
    ///
    /// - Parameters:
    ///   - completions: The outcomes.
    ///   - owner: The claiming worker's identity.
    ///   - limit: The most jobs to return.
    ///   - now: The current time.
    ///   - leaseDuration: How long the leases last without renewal.
    /// - Returns: One receipt per completion, the claimed jobs and the requeued transitions.
    /// - Throws: What the two calls throw.
    public func completeAndClaim(
        _ completions: [Completion], owner: String, limit: Int, now: Date, leaseDuration: Duration
    ) async throws(BatchError) -> (receipts: [CompletionReceipt], claimed: [ClaimedJob], requeued: [JobTransition]) {
        let receipts = completions.isEmpty ? [] : try await complete(completions, now: now)
        let (claimed, requeued) = try await claim(owner: owner, limit: limit, now: now, leaseDuration: leaseDuration)
        return (receipts, claimed, requeued)
    }
}

/// A ``JobStore`` shared by several processes that can tell a worker when work may have become
/// ready elsewhere (a submission, a retry that came due, a released job, a dependency that
/// succeeded), so idle workers wake at once instead of at their next poll.
///
/// ``BatchProcessor`` watches such a store for the length of ``BatchProcessor/run(until:)`` and
/// still polls every ``ProcessorConfiguration/pollInterval``: a wake-up is a hint, never the only
/// way work is found (a notification lost with a dropped connection costs one poll interval).
public protocol JobStoreWakeups: JobStore {
    /// Calls `wake` each time another process may have made work ready, until the calling task
    /// is cancelled (then it returns).
    ///
    /// - Parameter wake: Called on every notification; must return quickly.
    /// - Throws: ``BatchError`` when the store cannot listen; the caller then relies on polling.
    func watchForWork(_ wake: @escaping @Sendable () -> Void) async throws(BatchError)
}
