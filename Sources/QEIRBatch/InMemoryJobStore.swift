public import Foundation
import HeapModule

/// A ``JobStore`` held in memory: the fastest store, for tests, benchmarks and batches that need
/// no durability. It follows every rule of ``JobStore``; nothing survives the process.
public actor InMemoryJobStore: JobStore {
    private struct ReadyKey: Comparable {
        var priority: Int
        var sequence: Int64
        var id: JobID
        // The heap's maximum is the job to run next: highest priority, then oldest.
        static func < (lhs: Self, rhs: Self) -> Bool {
            lhs.priority != rhs.priority ? lhs.priority < rhs.priority : lhs.sequence > rhs.sequence
        }
    }

    private struct TimedKey: Comparable {
        var time: Date
        var sequence: Int64
        var id: JobID
        static func < (lhs: Self, rhs: Self) -> Bool {
            lhs.time != rhs.time ? lhs.time < rhs.time : lhs.sequence < rhs.sequence
        }
    }

    /// A content hash as a dictionary key. Swift's dictionary compares the keys it meets while
    /// probing, and two 71-character hashes compare with a `memcmp`: a 64-bit digest of the text
    /// compared first (and hashed instead of the whole text) turns almost all of those into one
    /// integer comparison. Equality still compares the full text.
    private struct HashKey: Hashable {
        var digest: UInt64
        var text: String

        init(_ text: String) {
            // The hex digits after `sha256:` are uniformly distributed; fold the first 16 bytes.
            var digest: UInt64 = 0
            for byte in text.utf8.dropFirst(7).prefix(16) { digest = digest &* 31 &+ UInt64(byte) }
            self.digest = digest
            self.text = text
        }

        static func == (lhs: Self, rhs: Self) -> Bool { lhs.digest == rhs.digest && lhs.text == rhs.text }

        func hash(into hasher: inout Hasher) { hasher.combine(digest) }
    }

    private var records: [JobID: JobRecord] = [:]
    private var dependents: [JobID: [JobID]] = [:]
    private var ready = Heap<ReadyKey>()
    private var retries = Heap<TimedKey>()
    private var expiries = Heap<TimedKey>()
    private var succeededByHash: [HashKey: JobID] = [:]
    private var history: [JobTransition] = []
    private var scheduleRuns: [String: [(slot: Date, jobs: [JobID])]] = [:]
    private var nextJobSequence: Int64 = 1
    private var nextTransitionSequence: Int64 = 1
    private let tokens = LeaseTokens()
    private var cancelledWhileRunning: Set<JobID> = []
    private var startReasons: (owner: String, reasons: [String])?
    private var successReasons: [String] = []

    /// Creates an empty store.
    public init() {}

    public func submit(_ jobs: [JobSpec], options: SubmitOptions, now: Date) throws(BatchError) -> SubmitReport {
        let plan = try StoreRules.planSubmission(
            jobs, options: options, now: now, nextJobSequence: nextJobSequence,
            nextTransitionSequence: nextTransitionSequence,
            existing: { records[$0] },
            succeededWithHash: { hash in succeededByHash[HashKey(hash)].flatMap { records[$0] } })
        apply(plan)
        return SubmitReport(entries: plan.entries, transitions: plan.transitions)
    }

    private func apply(_ plan: StoreRules.SubmissionPlan) {
        records.reserveCapacity(records.count + plan.inserts.count)
        for record in plan.resets {
            if let old = records[record.id], old.state == .succeeded,
                succeededByHash[HashKey(old.contentHash)] == old.id
            {
                succeededByHash[HashKey(old.contentHash)] = nil
            }
        }
        for records in [plan.inserts, plan.resets] {
            for record in records { store(record) }
        }
        nextJobSequence += Int64(plan.inserts.count)
        history.append(contentsOf: plan.transitions)
        nextTransitionSequence += Int64(plan.transitions.count)
    }

    private func store(_ record: JobRecord) {
        records[record.id] = record
        for dependency in record.spec.dependencies where !(dependents[dependency]?.contains(record.id) ?? false) {
            dependents[dependency, default: []].append(record.id)
        }
        switch record.state {
        case .pending where record.unmetDependencies == 0:
            ready.insert(ReadyKey(priority: record.spec.priority, sequence: record.sequence, id: record.id))
        case .succeeded:
            if succeededByHash[HashKey(record.contentHash)] == nil {
                succeededByHash[HashKey(record.contentHash)] = record.id
            }
        default: break
        }
    }

    /// "attempt <n> started by <owner>", built once per attempt number and owner (a new string
    /// per claim was a visible share of a no-op job's cost).
    private func startReason(attempt: Int, owner: String) -> String {
        if let cached = startReasons, cached.owner == owner, attempt < cached.reasons.count {
            return cached.reasons[attempt]
        }
        var reasons = startReasons?.owner == owner ? startReasons!.reasons : []
        while reasons.count <= attempt { reasons.append("attempt \(reasons.count) started by \(owner)") }
        startReasons = (owner, reasons)
        return reasons[attempt]
    }

    /// "attempt <n> succeeded", cached by attempt number.
    private func successReason(attempt: Int) -> String {
        while successReasons.count <= attempt { successReasons.append("attempt \(successReasons.count) succeeded") }
        return successReasons[attempt]
    }

    @discardableResult
    private func record(
        _ id: JobID, from: JobState?, to: JobState, at now: Date, reason: String, attempt: Int
    ) -> JobTransition {
        let transition = JobTransition(
            sequence: nextTransitionSequence, jobID: id, from: from, to: to, at: now, reason: reason, attempt: attempt)
        nextTransitionSequence += 1
        history.append(transition)
        return transition
    }

    @discardableResult
    private func record(_ id: JobID, from: JobState?, to: JobState, at now: Date, reason: String) -> JobTransition {
        let transition = JobTransition(
            sequence: nextTransitionSequence, jobID: id, from: from, to: to, at: now, reason: reason,
            attempt: records[id]?.attempts ?? 0)
        nextTransitionSequence += 1
        history.append(transition)
        return transition
    }

    public func claim(owner: String, limit: Int, now: Date, leaseDuration: Duration) throws(BatchError) -> (
        claimed: [ClaimedJob], requeued: [JobTransition]
    ) {
        var requeued: [JobTransition] = []
        while let first = expiries.min, first.time <= now {
            expiries.removeMin()
            guard var job = records[first.id], job.state == .running, let lease = job.lease,
                lease.expiresAt == first.time
            else { continue }
            job.state = .pending
            job.lease = nil
            job.updatedAt = now
            records[first.id] = job
            requeued.append(
                record(
                    first.id, from: .running, to: .pending, at: now,
                    reason: StoreRules.expiredLeaseReason(owner: lease.owner)))
            let cancelled = cancelIfRequested(first.id, now: now)
            if cancelled.isEmpty { makeReadyIfRunnable(job) } else { requeued += cancelled }
        }
        while let first = retries.min, first.time <= now {
            retries.removeMin()
            guard let job = records[first.id], job.state == .retryWait, job.runAfter == first.time else { continue }
            makeReadyIfRunnable(job)
        }
        var claimed: [ClaimedJob] = []
        let expiry = StoreRules.adding(leaseDuration, to: now)
        claimed.reserveCapacity(min(limit, ready.count))
        while claimed.count < limit, let next = ready.popMax() {
            // The record is changed in place (`records.values[index]`): no copy of it and no
            // second lookup by id.
            guard let index = records.index(forKey: next.id) else { continue }
            let from = records.values[index].state
            guard from == .pending || from == .retryWait, records.values[index].unmetDependencies == 0,
                !records.values[index].cancelRequested, records.values[index].sequence == next.sequence
            else { continue }
            if from == .retryWait, let runAfter = records.values[index].runAfter, runAfter > now { continue }
            let lease = Lease(jobID: next.id, owner: owner, token: tokens.next(), expiresAt: expiry)
            let attempts = records.values[index].markRunning(lease: lease, now: now)
            expiries.insert(TimedKey(time: expiry, sequence: next.sequence, id: next.id))
            record(
                next.id, from: from, to: .running, at: now, reason: startReason(attempt: attempts, owner: owner),
                attempt: attempts)
            claimed.append(ClaimedJob(record: records.values[index], lease: lease))
        }
        return (claimed, requeued)
    }

    /// Ends as `cancelled` a job requeued from `running` (expired lease, dead worker) on which a
    /// cancel was requested: nobody holds it to hear of the request, and a pending job with
    /// `cancelRequested` is never claimed, so it would otherwise stay pending for ever.
    private func cancelIfRequested(_ id: JobID, now: Date) -> [JobTransition] {
        guard var job = records[id], job.state == .pending, job.cancelRequested else { return [] }
        job.state = .cancelled
        job.finishedAt = now
        records[id] = job
        return [record(id, from: .pending, to: .cancelled, at: now, reason: "cancel requested")]
            + skipDependents(of: id, state: .cancelled, now: now)
    }

    private func makeReadyIfRunnable(_ job: JobRecord) {
        guard job.unmetDependencies == 0 else { return }
        ready.insert(ReadyKey(priority: job.spec.priority, sequence: job.sequence, id: job.id))
    }

    public func renewLeases(_ leases: [Lease], now: Date, leaseDuration: Duration) -> LeaseRenewal {
        var renewal = LeaseRenewal(renewed: [], lost: [], cancelRequested: [])
        for lease in leases {
            guard var job = records[lease.jobID], job.state == .running, job.lease?.token == lease.token else {
                renewal.lost.append(lease.jobID)
                continue
            }
            var renewed = lease
            renewed.expiresAt = StoreRules.adding(leaseDuration, to: now)
            job.lease = renewed
            records[lease.jobID] = job
            expiries.insert(TimedKey(time: renewed.expiresAt, sequence: job.sequence, id: job.id))
            renewal.renewed.append(renewed)
            if job.cancelRequested { renewal.cancelRequested.append(job.id) }
        }
        return renewal
    }

    public func complete(_ completions: [Completion], now: Date) -> [CompletionReceipt] {
        completions.map { complete($0, now: now) }
    }

    /// Completes, then claims, in one call (one actor hop instead of two).
    ///
    /// - Parameters:
    ///   - completions: The outcomes.
    ///   - owner: The claiming worker.
    ///   - limit: The most jobs to return.
    ///   - now: The current time.
    ///   - leaseDuration: How long the leases last without renewal.
    /// - Returns: The receipts, the claimed jobs and the requeued transitions.
    public func completeAndClaim(
        _ completions: [Completion], owner: String, limit: Int, now: Date, leaseDuration: Duration
    ) throws(BatchError) -> (receipts: [CompletionReceipt], claimed: [ClaimedJob], requeued: [JobTransition]) {
        let receipts = complete(completions, now: now)
        let (claimed, requeued) = try claim(owner: owner, limit: limit, now: now, leaseDuration: leaseDuration)
        return (receipts, claimed, requeued)
    }

    private func complete(_ completion: Completion, now: Date) -> CompletionReceipt {
        let id = completion.lease.jobID
        guard let index = records.index(forKey: id), records.values[index].state == .running,
            records.values[index].lease?.token == completion.lease.token
        else {
            return CompletionReceipt(jobID: id, accepted: false, state: records[id]?.state ?? .pending, transitions: [])
        }
        if case .succeeded(let result) = completion.outcome {
            // The common case, changed in place (see `claim`).
            let (attempt, hash) = Self.succeed(&records.values[index], result: result, now: now)
            let key = HashKey(hash)
            if succeededByHash[key] == nil { succeededByHash[key] = id }
            let transition = record(
                id, from: .running, to: .succeeded, at: now, reason: successReason(attempt: attempt), attempt: attempt)
            for dependent in dependents[id] ?? [] {
                guard let child = records.index(forKey: dependent), !records.values[child].state.isTerminal,
                    records.values[child].unmetDependencies > 0
                else { continue }
                records.values[child].unmetDependencies -= 1
                if records.values[child].state == .pending { makeReadyIfRunnable(records.values[child]) }
            }
            return CompletionReceipt(jobID: id, accepted: true, state: .succeeded, transitions: [transition])
        }
        var job = records.values[index]
        var transitions: [JobTransition] = []
        job.lease = nil
        job.updatedAt = now
        let attempt = job.attempts
        switch completion.outcome {
        case .succeeded:
            preconditionFailure("successes are completed above")
        case .failed(let error, let timedOut, let retryAt):
            job.failures += 1
            job.lastError = error
            let what = timedOut ? "timed out" : "failed"
            if let retryAt, !job.cancelRequested {
                job.state = .retryWait
                job.runAfter = retryAt
                records[id] = job
                retries.insert(TimedKey(time: retryAt, sequence: job.sequence, id: id))
                transitions.append(
                    record(id, from: .running, to: .retryWait, at: now, reason: "attempt \(attempt) \(what): \(error)"))
            } else {
                job.state = .failed
                job.finishedAt = now
                records[id] = job
                transitions.append(
                    record(id, from: .running, to: .failed, at: now, reason: "attempt \(attempt) \(what): \(error)"))
                transitions += skipDependents(of: id, state: .failed, now: now)
            }
        case .cancelled(let reason):
            job.state = .cancelled
            job.finishedAt = now
            records[id] = job
            transitions.append(record(id, from: .running, to: .cancelled, at: now, reason: reason))
            transitions += skipDependents(of: id, state: .cancelled, now: now)
        case .released(let reason):
            job.state = .pending
            records[id] = job
            transitions.append(record(id, from: .running, to: .pending, at: now, reason: reason))
            if job.cancelRequested {
                job.state = .cancelled
                job.finishedAt = now
                records[id] = job
                transitions.append(record(id, from: .pending, to: .cancelled, at: now, reason: "cancel requested"))
                transitions += skipDependents(of: id, state: .cancelled, now: now)
            } else {
                makeReadyIfRunnable(job)
            }
        }
        return CompletionReceipt(jobID: id, accepted: true, state: records[id]!.state, transitions: transitions)
    }

    /// Marks a running job succeeded; returns its attempt number and content hash.
    private static func succeed(_ job: inout JobRecord, result: ConfigValue, now: Date) -> (Int, String) {
        job.lease = nil
        job.updatedAt = now
        job.state = .succeeded
        job.result = result
        job.finishedAt = now
        job.cancelRequested = false
        return (job.attempts, job.contentHash)
    }

    private func skipDependents(of id: JobID, state: JobState, now: Date) -> [JobTransition] {
        var transitions: [JobTransition] = []
        StoreRules.propagateSkips(
            from: id, rootState: state,
            dependents: { dependents[$0] ?? [] },
            state: { records[$0]?.state },
            skip: { dependent, reason in
                guard var child = records[dependent] else { return }
                let from = child.state
                child.state = .skipped
                child.finishedAt = now
                child.updatedAt = now
                records[dependent] = child
                transitions.append(record(dependent, from: from, to: .skipped, at: now, reason: reason))
            })
        return transitions
    }

    public func cancel(_ ids: [JobID], reason: String, now: Date) throws(BatchError) -> [JobTransition] {
        for id in ids where records[id] == nil {
            throw BatchError(
                .unknownJob, "No job \(id) in the store. List jobs to see their ids.", context: ["job": id.rawValue])
        }
        var transitions: [JobTransition] = []
        for id in ids {
            guard var job = records[id], !job.state.isTerminal else { continue }
            if job.state == .running {
                job.cancelRequested = true
                records[id] = job
                cancelledWhileRunning.insert(id)
                continue
            }
            let from = job.state
            job.state = .cancelled
            job.finishedAt = now
            job.updatedAt = now
            records[id] = job
            transitions.append(record(id, from: from, to: .cancelled, at: now, reason: reason))
            transitions += skipDependents(of: id, state: .cancelled, now: now)
        }
        return transitions
    }

    public func cancelRequests(owner: String) -> [JobID] {
        // Only running jobs with a request are of interest; keep the scan off the whole table.
        cancelledWhileRunning = cancelledWhileRunning.filter { records[$0]?.state == .running }
        return cancelledWhileRunning.compactMap { records[$0] }
            .filter { $0.cancelRequested && $0.lease?.owner == owner }
            .sorted { $0.sequence < $1.sequence }.map(\.id)
    }

    public func recoverOrphans(isDead: @Sendable (String) -> Bool, now: Date) -> [JobTransition] {
        var transitions: [JobTransition] = []
        let running = records.indices.filter { records.values[$0].state == .running }
            .map { records.values[$0] }.sorted { $0.sequence < $1.sequence }
        for job in running {
            guard let lease = job.lease, isDead(lease.owner) else { continue }
            var updated = job
            updated.state = .pending
            updated.lease = nil
            updated.updatedAt = now
            records[job.id] = updated
            transitions.append(
                record(job.id, from: .running, to: .pending, at: now, reason: "worker \(lease.owner) is gone"))
            let cancelled = cancelIfRequested(job.id, now: now)
            if cancelled.isEmpty { makeReadyIfRunnable(updated) } else { transitions += cancelled }
        }
        return transitions
    }

    public func job(_ id: JobID) -> JobRecord? { records[id] }

    public func jobs(in states: Set<JobState>?) -> [JobRecord] {
        records.values.filter { states?.contains($0.state) ?? true }.sorted { $0.sequence < $1.sequence }
    }

    public func counts() -> [JobState: Int] {
        var counts: [JobState: Int] = [:]
        for index in records.indices { counts[records.values[index].state, default: 0] += 1 }
        return counts
    }

    public func transitions(of job: JobID?, after sequence: Int64, limit: Int) -> [JobTransition] {
        guard limit > 0 else { return [] }
        // Transitions are appended in sequence order: binary search for the start.
        var low = 0
        var high = history.count
        while low < high {
            let mid = (low + high) / 2
            if history[mid].sequence <= sequence { low = mid + 1 } else { high = mid }
        }
        var result: [JobTransition] = []
        for transition in history[low...] where job == nil || transition.jobID == job {
            result.append(transition)
            if result.count >= limit { break }
        }
        return result
    }

    public func nextDueTime() -> Date? {
        // The heaps may hold stale entries (a renewed lease, a cancelled retry, a job that has
        // finished); drop them from the top so the answer is exact (`nil` when nothing waits).
        // (Fields are read through the dictionary index: no copy of the record.)
        while let top = retries.min {
            if let index = records.index(forKey: top.id), records.values[index].state == .retryWait,
                records.values[index].runAfter == top.time
            {
                break
            }
            retries.removeMin()
        }
        while let top = expiries.min {
            if let index = records.index(forKey: top.id), records.values[index].state == .running,
                records.values[index].lease?.expiresAt == top.time
            {
                break
            }
            expiries.removeMin()
        }
        return switch (retries.min?.time, expiries.min?.time) {
        case (let a?, let b?): min(a, b)
        case (let a?, nil): a
        case (nil, let b?): b
        case (nil, nil): nil
        }
    }

    public func submitScheduledRun(
        scheduleID: String, slot: Date, jobs: [JobSpec], options: SubmitOptions, now: Date
    ) throws(BatchError) -> SubmitReport? {
        if scheduleRuns[scheduleID]?.contains(where: { $0.slot == slot }) ?? false { return nil }
        let report = try submit(jobs, options: options, now: now)
        scheduleRuns[scheduleID, default: []].append((slot, jobs.map(\.id)))
        return report
    }

    public func lastScheduleRun(scheduleID: String) -> (slot: Date, jobs: [JobID])? {
        scheduleRuns[scheduleID]?.max { $0.slot < $1.slot }
    }
}
