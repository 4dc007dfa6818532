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

    private var records: [JobID: JobRecord] = [:]
    private var dependents: [JobID: [JobID]] = [:]
    private var ready = Heap<ReadyKey>()
    private var retries = Heap<TimedKey>()
    private var expiries = Heap<TimedKey>()
    private var succeededByHash: [String: JobID] = [:]
    private var history: [JobTransition] = []
    private var scheduleRuns: [String: [(slot: Date, jobs: [JobID])]] = [:]
    private var nextJobSequence: Int64 = 1
    private var nextTransitionSequence: Int64 = 1
    private let tokens = LeaseTokens()
    private var cancelledWhileRunning: Set<JobID> = []

    /// Creates an empty store.
    public init() {}

    public func submit(_ jobs: [JobSpec], options: SubmitOptions, now: Date) throws(BatchError) -> SubmitReport {
        let plan = try StoreRules.planSubmission(
            jobs, options: options, now: now, nextJobSequence: nextJobSequence,
            nextTransitionSequence: nextTransitionSequence,
            existing: { records[$0] },
            succeededWithHash: { hash in succeededByHash[hash].flatMap { records[$0] } })
        apply(plan)
        return SubmitReport(entries: plan.entries, transitions: plan.transitions)
    }

    private func apply(_ plan: StoreRules.SubmissionPlan) {
        records.reserveCapacity(records.count + plan.inserts.count)
        for record in plan.resets {
            if let old = records[record.id], old.state == .succeeded, succeededByHash[old.contentHash] == old.id {
                succeededByHash[old.contentHash] = nil
            }
        }
        for record in plan.inserts + plan.resets {
            records[record.id] = record
            for dependency in record.spec.dependencies where !(dependents[dependency]?.contains(record.id) ?? false) {
                dependents[dependency, default: []].append(record.id)
            }
            switch record.state {
            case .pending where record.unmetDependencies == 0:
                ready.insert(ReadyKey(priority: record.spec.priority, sequence: record.sequence, id: record.id))
            case .succeeded:
                if succeededByHash[record.contentHash] == nil { succeededByHash[record.contentHash] = record.id }
            default: break
            }
        }
        nextJobSequence += Int64(plan.inserts.count)
        history.append(contentsOf: plan.transitions)
        nextTransitionSequence += Int64(plan.transitions.count)
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
        while claimed.count < limit, let next = ready.popMax() {
            guard var job = records[next.id], job.state == .pending || job.state == .retryWait,
                job.unmetDependencies == 0, !job.cancelRequested, job.sequence == next.sequence
            else { continue }
            if job.state == .retryWait, let runAfter = job.runAfter, runAfter > now { continue }
            let lease = Lease(
                jobID: job.id, owner: owner, token: tokens.next(),
                expiresAt: StoreRules.adding(leaseDuration, to: now))
            let from = job.state
            job.state = .running
            job.attempts += 1
            job.lease = lease
            job.runAfter = nil
            job.updatedAt = now
            if job.startedAt == nil { job.startedAt = now }
            records[job.id] = job
            expiries.insert(TimedKey(time: lease.expiresAt, sequence: job.sequence, id: job.id))
            record(job.id, from: from, to: .running, at: now, reason: "attempt \(job.attempts) started by \(owner)")
            claimed.append(ClaimedJob(record: job, lease: lease))
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

    private func complete(_ completion: Completion, now: Date) -> CompletionReceipt {
        let id = completion.lease.jobID
        guard var job = records[id], job.state == .running, job.lease?.token == completion.lease.token else {
            return CompletionReceipt(jobID: id, accepted: false, state: records[id]?.state ?? .pending, transitions: [])
        }
        var transitions: [JobTransition] = []
        job.lease = nil
        job.updatedAt = now
        let attempt = job.attempts
        switch completion.outcome {
        case .succeeded(let result):
            job.state = .succeeded
            job.result = result
            job.finishedAt = now
            job.cancelRequested = false
            records[id] = job
            if succeededByHash[job.contentHash] == nil { succeededByHash[job.contentHash] = id }
            transitions.append(
                record(id, from: .running, to: .succeeded, at: now, reason: "attempt \(attempt) succeeded"))
            for dependent in dependents[id] ?? [] {
                guard var child = records[dependent], !child.state.isTerminal, child.unmetDependencies > 0 else {
                    continue
                }
                child.unmetDependencies -= 1
                records[dependent] = child
                if child.state == .pending { makeReadyIfRunnable(child) }
            }
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
        for job in records.values.filter({ $0.state == .running }).sorted(by: { $0.sequence < $1.sequence }) {
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
        for job in records.values { counts[job.state, default: 0] += 1 }
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
        while let top = retries.min,
            records[top.id].map({ $0.state != .retryWait || $0.runAfter != top.time }) ?? true
        {
            retries.removeMin()
        }
        while let top = expiries.min,
            records[top.id].map({ $0.state != .running || $0.lease?.expiresAt != top.time }) ?? true
        {
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
