package import Foundation
import Synchronization

/// The rules every ``JobStore`` applies, written once: submission planning (validation, cycle
/// detection, reuse, immediate skips) and the propagation of skips to dependents. Stores supply
/// lookups into their own storage and persist the plan.
package enum StoreRules {
    /// The result of planning a submission.
    package struct SubmissionPlan: Sendable {
        /// Records to insert, in submission order (state already decided).
        package var inserts: [JobRecord] = []
        /// Existing records reset by a forced resubmission.
        package var resets: [JobRecord] = []
        /// One disposition per submitted job.
        package var entries: [(id: JobID, disposition: SubmitReport.Disposition)] = []
        /// Transitions to record, in order (sequence numbers assigned).
        package var transitions: [JobTransition] = []
    }

    /// Plans a submission without changing anything.
    ///
    /// - Parameters:
    ///   - specs: The submitted jobs.
    ///   - options: Submit options.
    ///   - now: The submission time.
    ///   - nextJobSequence: The first free job sequence number.
    ///   - nextTransitionSequence: The first free transition sequence number.
    ///   - existing: Looks up a stored job.
    ///   - succeededWithHash: Looks up a succeeded job with the given content hash.
    /// - Returns: The plan.
    /// - Throws: ``BatchError`` naming the job at fault.
    package static func planSubmission(
        _ specs: [JobSpec], options: SubmitOptions, now: Date, nextJobSequence: Int64, nextTransitionSequence: Int64,
        existing: (JobID) throws(BatchError) -> JobRecord?,
        succeededWithHash: (String) throws(BatchError) -> JobRecord?
    ) throws(BatchError) -> SubmissionPlan {
        // Jobs are handled by their position in `specs` (arrays instead of dictionaries keyed by
        // id): hashing string ids was most of the cost of planning a large batch.
        let count = specs.count
        var indexOf: [JobID: Int] = [:]
        indexOf.reserveCapacity(count)
        for (index, spec) in specs.enumerated() {
            try spec.validate()
            if indexOf.updateValue(index, forKey: spec.id) != nil {
                throw BatchError(
                    .invalidJob, "Job id \(spec.id) appears twice in one submission. Give every job its own id.",
                    context: ["job": spec.id.rawValue])
            }
        }
        // Dependencies must exist, in the submission or the store.
        var storedSelf: [Int: JobRecord] = [:]
        var stored: [JobID: JobRecord] = [:]
        var hasDependencies = false
        for (index, spec) in specs.enumerated() {
            if let record = try existing(spec.id) { storedSelf[index] = record }
            if !spec.dependencies.isEmpty { hasDependencies = true }
            for dependency in spec.dependencies where indexOf[dependency] == nil && stored[dependency] == nil {
                guard let record = try existing(dependency) else {
                    throw BatchError(
                        .invalidJob,
                        "Job \(spec.id) depends on \(dependency), which is neither in this submission nor in the store. Submit \(dependency) too or remove the dependency.",
                        context: ["job": spec.id.rawValue, "dependency": dependency.rawValue])
                }
                stored[dependency] = record
            }
        }
        // Without dependencies in the submission there is no cycle through it, and submission
        // order is a topological order.
        let order =
            hasDependencies
            ? try topologicalOrder(indexOf: indexOf, specs: specs, stored: &stored, existing: existing)
            : Array(specs.indices)

        var plan = SubmissionPlan()
        var transitionSequence = nextTransitionSequence
        var plannedState = [JobState?](repeating: nil, count: count)
        var dispositions = [SubmitReport.Disposition?](repeating: nil, count: count)
        // With dependencies, inserts are collected with their positions and sorted afterwards.
        var inserts: [(index: Int, record: JobRecord)] = []
        var jobSequence = nextJobSequence
        plan.inserts.reserveCapacity(count)
        plan.transitions.reserveCapacity(count)

        func transition(_ id: JobID, from: JobState?, to: JobState, reason: String, attempt: Int = 0) -> JobTransition {
            defer { transitionSequence += 1 }
            return JobTransition(
                sequence: transitionSequence, jobID: id, from: from, to: to, at: now, reason: reason, attempt: attempt)
        }

        for index in order {
            let spec = specs[index]
            let id = spec.id
            let hash = ContentHash.of(spec, libraryVersion: options.libraryVersion)
            let old = storedSelf[index]
            if let old {
                if old.contentHash == hash && !options.force {
                    dispositions[index] = .existing(old.state)
                    plannedState[index] = old.state
                    continue
                }
                guard options.force else {
                    throw BatchError(
                        .jobExists,
                        "Job \(id) already exists with different content (payload, inputs, seed or handler changed). Use a new id, or resubmit with force to reset it.",
                        context: ["job": id.rawValue])
                }
                guard old.state.isTerminal else {
                    throw BatchError(
                        .jobExists,
                        "Job \(id) is \(old.state) and cannot be reset. Wait for it to finish or cancel it first.",
                        context: ["job": id.rawValue, "state": old.state.rawValue])
                }
            }
            // Dependency states as they will be after this submission.
            var unmet = 0
            var blocker: (JobID, JobState)?
            for dependency in spec.dependencies {
                let state = indexOf[dependency].flatMap { plannedState[$0] } ?? stored[dependency]?.state ?? .pending
                switch state {
                case .succeeded: break
                case .failed, .cancelled, .skipped: blocker = blocker ?? (dependency, state)
                case .pending, .retryWait, .running: unmet += 1
                }
            }
            var record = JobRecord(spec: spec, contentHash: hash, state: .pending, sequence: 0, submittedAt: now)
            record.unmetDependencies = unmet
            if let old {
                record.sequence = old.sequence
                record.submittedAt = old.submittedAt
            }
            let isReset = old != nil
            let from: JobState? = old?.state
            if let (dependency, state) = blocker {
                record.state = .skipped
                record.finishedAt = now
                plan.transitions.append(
                    transition(id, from: from, to: .skipped, reason: "dependency \(dependency) \(state)"))
                dispositions[index] = isReset ? .reset : .created(.skipped)
            } else if !options.force, let source = try succeededWithHash(hash), source.id != id {
                record.state = .succeeded
                record.result = source.result
                record.reusedFrom = source.id
                record.unmetDependencies = 0
                record.finishedAt = now
                plan.transitions.append(
                    transition(id, from: from, to: .succeeded, reason: "reused the identical result of \(source.id)"))
                dispositions[index] = .reused(from: source.id)
            } else {
                plan.transitions.append(
                    transition(id, from: from, to: .pending, reason: isReset ? "resubmitted (forced)" : "submitted"))
                dispositions[index] = isReset ? .reset : .created(.pending)
            }
            plannedState[index] = record.state
            if isReset {
                plan.resets.append(record)
            } else if hasDependencies {
                inserts.append((index, record))
            } else {
                record.sequence = jobSequence
                jobSequence += 1
                plan.inserts.append(record)
            }
        }
        plan.entries = specs.indices.map { (specs[$0].id, dispositions[$0]!) }
        // Inserts in submission order, so sequence numbers follow it (the topological order
        // differs from it only when the submission has dependencies).
        inserts.sort { $0.index < $1.index }
        for (_, record) in inserts {
            var record = record
            record.sequence = jobSequence
            jobSequence += 1
            plan.inserts.append(record)
        }
        return plan
    }

    /// Orders the submitted jobs (by position) so that every dependency comes first, or throws
    /// naming a cycle.
    private static func topologicalOrder(
        indexOf: [JobID: Int], specs: [JobSpec], stored: inout [JobID: JobRecord],
        existing: (JobID) throws(BatchError) -> JobRecord?
    ) throws(BatchError) -> [Int] {
        enum Mark { case visiting, done }
        var marks: [JobID: Mark] = [:]
        var order: [Int] = []
        order.reserveCapacity(specs.count)
        var path: [JobID] = []

        func dependencies(of id: JobID) throws(BatchError) -> [JobID] {
            if let index = indexOf[id] { return specs[index].dependencies }
            if let record = stored[id] { return record.spec.dependencies }
            if let record = try existing(id) {
                stored[id] = record
                return record.spec.dependencies
            }
            return []
        }

        // Iterative depth-first search: batches of thousands of chained jobs must not overflow
        // the stack.
        for root in specs.map(\.id) where marks[root] == nil {
            var stack: [(id: JobID, next: Int, deps: [JobID])] = [(root, 0, try dependencies(of: root))]
            marks[root] = .visiting
            path.append(root)
            while !stack.isEmpty {
                let top = stack.count - 1
                if stack[top].next < stack[top].deps.count {
                    let child = stack[top].deps[stack[top].next]
                    stack[top].next += 1
                    switch marks[child] {
                    case .done: continue
                    case .visiting:
                        let start = path.firstIndex(of: child)!
                        let cycle = (path[start...] + [child]).map(\.rawValue).joined(separator: " -> ")
                        throw BatchError(
                            .invalidJob,
                            "The job dependencies form a cycle: \(cycle). Remove one of these dependencies.",
                            context: ["job": child.rawValue, "cycle": cycle])
                    case nil:
                        marks[child] = .visiting
                        path.append(child)
                        stack.append((child, 0, try dependencies(of: child)))
                    }
                } else {
                    let finished = stack.removeLast().id
                    marks[finished] = .done
                    path.removeLast()
                    if let index = indexOf[finished] { order.append(index) }
                }
            }
        }
        return order
    }

    /// Skips, transitively, the non-final dependents of a job that ended without success.
    ///
    /// - Parameters:
    ///   - root: The job that failed, was cancelled or skipped.
    ///   - rootState: Its final state.
    ///   - dependents: The jobs that depend directly on a job.
    ///   - state: A job's current state.
    ///   - skip: Applies the skip of one job with its reason.
    package static func propagateSkips<E: Error>(
        from root: JobID, rootState: JobState,
        dependents: (JobID) throws(E) -> [JobID],
        state: (JobID) throws(E) -> JobState?,
        skip: (JobID, String) throws(E) -> Void
    ) throws(E) {
        var queue: [(JobID, JobState)] = [(root, rootState)]
        var index = 0
        while index < queue.count {
            let (id, endState) = queue[index]
            index += 1
            for dependent in try dependents(id) {
                guard let current = try state(dependent), !current.isTerminal, current != .running else { continue }
                try skip(dependent, "dependency \(id) \(endState)")
                queue.append((dependent, .skipped))
            }
        }
    }

    /// The reason recorded when an expired lease is requeued.
    package static func expiredLeaseReason(owner: String) -> String { "lease of \(owner) expired" }

    /// `date + duration` with sub-second precision.
    package static func adding(_ duration: Duration, to date: Date) -> Date {
        let (seconds, attoseconds) = duration.components
        return date.addingTimeInterval(Double(seconds) + Double(attoseconds) * 1e-18)
    }
}

/// Lease tokens for one store: a random 64-bit prefix drawn once, then a counter. Unique across
/// processes (the prefix) and cheap (no system call per claim, unlike a fresh UUID).
package final class LeaseTokens: Sendable {
    private let prefix: String
    private let counter = Atomic<UInt64>(0)

    package init() {
        var generator = SystemRandomNumberGenerator()
        let value = generator.next()
        let hex = String(value, radix: 16)
        prefix = String(repeating: "0", count: 16 - hex.count) + hex
    }

    /// The next token: `<prefix>-<counter>`.
    package func next() -> String {
        "\(prefix)-\(counter.wrappingAdd(1, ordering: .relaxed).newValue)"
    }
}

extension JobRecord {
    /// Marks a claimed record running under `lease` (both stores claim this way); returns its
    /// attempt number.
    @discardableResult
    package mutating func markRunning(lease: Lease, now: Date) -> Int {
        state = .running
        attempts += 1
        self.lease = lease
        runAfter = nil
        updatedAt = now
        if startedAt == nil { startedAt = now }
        return attempts
    }
}
