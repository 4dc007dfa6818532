import Foundation
import Logging
internal import PostgresNIO
import QEIRBatch

extension PostgresJobStore {
    /// The work of one transaction (or of one statement on a connection): statements, row
    /// decoding, and the transitions recorded, which are numbered and written by one statement
    /// just before the commit (``flush()``).
    final class Session: @unchecked Sendable {
        // @unchecked: a session lives inside one transaction closure on one task and is never
        // shared; it is a class only so that its buffers can be mutated from helper methods.
        let store: PostgresJobStore
        let connection: PostgresConnection
        let logger: Logger
        private let s: String
        /// Transitions recorded since the last ``flush()``, not yet numbered: the counter row is
        /// locked only by the flush, the transaction's last statement, so that the lock that
        /// orders all writers is held for that statement and the commit alone (numbering in the
        /// statements that make the transitions kept every other worker waiting to the commit).
        private var unnumbered: [JobTransition] = []
        /// The numbers flushed transitions received, by their position among all this session
        /// recorded (see ``record(_:from:to:at:reason:attempt:)``).
        private var assigned: [Int64] = []
        private var notify = false

        init(store: PostgresJobStore, connection: PostgresConnection) {
            self.store = store
            self.connection = connection
            self.logger = store.logger
            self.s = store.quotedSchema
        }

        /// Columns read into a ``JobRecord``, in ``decodeRecord(_:claiming:)``'s order.
        static let recordColumns = """
            id, spec, content_hash, state, sequence, attempts, failures, unmet_dependencies, submitted_at, \
            updated_at, started_at, finished_at, run_after, lease_owner, lease_token, lease_expires_at, \
            cancel_requested, last_error, result, reused_from
            """

        @discardableResult
        func query(_ query: PostgresQuery) async throws -> [PostgresRow] {
            try await connection.query(query, logger: logger).collect()
        }

        // MARK: Reading

        func fetchRecords(_ ids: [JobID], lock: Bool) async throws -> [JobRecord] {
            guard !ids.isEmpty else { return [] }
            let rows = try await query(
                """
                SELECT \(unescaped: Self.recordColumns) FROM \(unescaped: s).jobs WHERE id = ANY(\(ids.map(\.rawValue)))
                ORDER BY sequence \(unescaped: lock ? "FOR UPDATE" : "")
                """)
            return try rows.map { try decodeRecord($0, claiming: false) }
        }

        func records(in states: Set<JobState>?) async throws -> [JobRecord] {
            let rows: [PostgresRow]
            if let states {
                rows = try await query(
                    """
                    SELECT \(unescaped: Self.recordColumns) FROM \(unescaped: s).jobs
                    WHERE state = ANY(\(states.map(\.rawValue))) ORDER BY sequence
                    """)
            } else {
                rows = try await query(
                    "SELECT \(unescaped: Self.recordColumns) FROM \(unescaped: s).jobs ORDER BY sequence")
            }
            return try rows.map { try decodeRecord($0, claiming: false) }
        }

        /// Reads a record from the first 20 columns of `row` (``recordColumns``).
        func decodeRecord(_ row: PostgresRow, claiming: Bool) throws -> JobRecord {
            let cells = row.makeRandomAccess()
            func value<T: PostgresDecodable>(_ index: Int, _ type: T.Type) throws -> T {
                try cells[index].decode(T.self)
            }
            let id = try store.jobID(try value(0, String.self))
            let spec = try store.decodeSpec(try value(1, String.self), id: id, claiming: claiming)
            var record = JobRecord(
                spec: spec, contentHash: try value(2, String.self), state: try store.state(try value(3, String.self)),
                sequence: try value(4, Int64.self), submittedAt: Date(timeIntervalSince1970: try value(8, Double.self)))
            record.attempts = Int(try value(5, Int64.self))
            record.failures = Int(try value(6, Int64.self))
            record.unmetDependencies = Int(try value(7, Int64.self))
            record.updatedAt = Date(timeIntervalSince1970: try value(9, Double.self))
            record.startedAt = try value(10, Double?.self).map(Date.init(timeIntervalSince1970:))
            record.finishedAt = try value(11, Double?.self).map(Date.init(timeIntervalSince1970:))
            record.runAfter = try value(12, Double?.self).map(Date.init(timeIntervalSince1970:))
            if let owner = try value(13, String?.self), let token = try value(14, String?.self),
                let expiry = try value(15, Double?.self)
            {
                record.lease = Lease(
                    jobID: id, owner: owner, token: token, expiresAt: Date(timeIntervalSince1970: expiry))
            }
            record.cancelRequested = try value(16, Bool.self)
            record.lastError = try value(17, String?.self)
            if let text = try value(18, String?.self) {
                do {
                    record.result = try JSONDecoder().decode(ConfigValue.self, from: Data(text.utf8))
                } catch {
                    throw store.corrupt("result of job \(id) (\(error))")
                }
            }
            if let source = try value(19, String?.self) { record.reusedFrom = try store.jobID(source) }
            return record
        }

        // MARK: Transitions

        /// The placeholder number of the transition recorded at `position` (counting every
        /// transition this session recorded): far below any real number, consecutive, so that a
        /// submission plan can number its transitions from it.
        private static func placeholder(_ position: Int) -> Int64 { Int64.min + Int64(position) }

        /// Records a transition; it carries a placeholder number until ``flush()`` numbers it
        /// (``numbered(_:)`` then gives the real one).
        @discardableResult
        func record(_ id: JobID, from: JobState?, to: JobState, at now: Date, reason: String, attempt: Int)
            -> JobTransition
        {
            let transition = JobTransition(
                sequence: Self.placeholder(assigned.count + unnumbered.count), jobID: id, from: from, to: to,
                at: now, reason: reason, attempt: attempt)
            unnumbered.append(transition)
            if to == .pending { notify = true }
            return transition
        }

        /// Numbers and writes the recorded transitions in one statement, which locks the counter
        /// row to the end of the transaction, and queues the wake-up notification (delivered at
        /// commit).
        func flush() async throws {
            if !unnumbered.isEmpty {
                let transitions = unnumbered
                let count = Int64(transitions.count)
                let last =
                    try await query(
                        """
                        WITH seq AS (
                            UPDATE \(unescaped: s).counters SET value = value + \(count) WHERE name = 'transition'
                            RETURNING value
                        ), inserted AS (
                            INSERT INTO \(unescaped: s).job_transitions
                                (sequence, job_id, from_state, to_state, at, reason, attempt)
                            SELECT seq.value - \(count) + t.ord, t.job_id, NULLIF(t.from_state, ''), t.to_state, t.at,
                                t.reason, t.attempt
                            FROM unnest(\(transitions.map(\.jobID.rawValue))::text[],
                                \(transitions.map { $0.from?.rawValue ?? "" })::text[],
                                \(transitions.map(\.to.rawValue))::text[],
                                \(transitions.map(\.at.timeIntervalSince1970))::float8[],
                                \(transitions.map(\.reason))::text[], \(transitions.map { Int64($0.attempt) })::bigint[])
                                WITH ORDINALITY AS t(job_id, from_state, to_state, at, reason, attempt, ord), seq
                        )
                        SELECT value FROM seq
                        """
                    ).first?.decode(Int64.self) ?? 0
                assigned.append(contentsOf: (last - count + 1)...last)
                unnumbered.removeAll()
            }
            if notify {
                try await query("SELECT pg_notify(\(store.channel), '')")
                notify = false
            }
        }

        /// A recorded transition with the number ``flush()`` gave it.
        func numbered(_ transition: JobTransition) -> JobTransition {
            let position = transition.sequence &- Int64.min
            guard transition.sequence < 0, position < assigned.count else { return transition }
            var copy = transition
            copy.sequence = assigned[Int(position)]
            return copy
        }

        /// The same transitions with their numbers.
        func numbered(_ transitions: [JobTransition]) -> [JobTransition] { transitions.map(numbered) }

        /// Receipts whose transitions carry their numbers.
        func numbered(_ receipts: [CompletionReceipt]) -> [CompletionReceipt] {
            receipts.map { receipt in
                var copy = receipt
                copy.transitions = numbered(receipt.transitions)
                return copy
            }
        }

        /// A submission report whose transitions carry their numbers.
        func numbered(_ report: SubmitReport) -> SubmitReport {
            SubmitReport(entries: report.entries, transitions: numbered(report.transitions))
        }

        /// A scheduled run's report, if any, whose transitions carry their numbers.
        func numbered(_ report: SubmitReport?) -> SubmitReport? { report.map(numbered) }

        // MARK: Submission

        func submit(_ specs: [JobSpec], options: SubmitOptions, now: Date) async throws -> SubmitReport {
            // The job counter's lock serializes submissions (two cannot both insert one id).
            let lastJob =
                try await query("SELECT value FROM \(unescaped: s).counters WHERE name = 'job' FOR UPDATE")
                .first?.decode(Int64.self) ?? 0
            // Every stored job the plan may look at, locked so that a dependency cannot change
            // state between the plan and the commit: the submitted ids, their dependencies, and
            // the dependencies of those (for cycle detection through stored jobs), transitively.
            var known: [JobID: JobRecord] = [:]
            var looked = Set<JobID>()
            var frontier = Array(Set(specs.map(\.id) + specs.flatMap(\.dependencies)))
            while !frontier.isEmpty {
                looked.formUnion(frontier)
                let found = try await fetchRecords(frontier, lock: true)
                var next: [JobID] = []
                for record in found {
                    known[record.id] = record
                    for dependency in record.spec.dependencies where !looked.contains(dependency) {
                        next.append(dependency)
                    }
                }
                frontier = Array(Set(next))
            }
            // Succeeded jobs that a submitted job could reuse, by content hash (oldest first).
            var reusable: [String: JobRecord] = [:]
            if !options.force {
                let hashes = specs.map { ContentHash.of($0, libraryVersion: options.libraryVersion) }
                let rows = try await query(
                    """
                    SELECT \(unescaped: Self.recordColumns) FROM \(unescaped: s).jobs
                    WHERE state = 'succeeded' AND content_hash = ANY(\(hashes)) ORDER BY finished_at, sequence
                    """)
                for row in rows {
                    let record = try decodeRecord(row, claiming: false)
                    if reusable[record.contentHash] == nil { reusable[record.contentHash] = record }
                }
            }
            // The plan numbers its transitions consecutively from the next placeholder; they are
            // recorded below in the same order.
            let plan = try StoreRules.planSubmission(
                specs, options: options, now: now, nextJobSequence: lastJob + 1,
                nextTransitionSequence: Self.placeholder(assigned.count + unnumbered.count),
                existing: { id throws(BatchError) in known[id] },
                succeededWithHash: { hash throws(BatchError) in reusable[hash] })
            if !plan.inserts.isEmpty {
                try await insertJobs(plan.inserts)
                try await query(
                    """
                    UPDATE \(unescaped: s).counters SET value = \(plan.inserts.map(\.sequence).max() ?? lastJob)
                    WHERE name = 'job'
                    """)
            }
            for record in plan.resets {
                // A reset job keeps its sequence and submission time; its history stays.
                let spec = try store.specJSON(record.spec)
                let result = try record.result.map { value throws in
                    try PostgresJobStore.resultJSON(value, job: record.id)
                }
                try await query(
                    """
                    UPDATE \(unescaped: s).jobs SET spec = \(spec), name = \(record.spec.name),
                        handler = \(record.spec.handler), priority = \(Int64(record.spec.priority)),
                        state = \(record.state.rawValue), attempts = 0, failures = 0,
                        unmet_dependencies = \(Int64(record.unmetDependencies)), content_hash = \(record.contentHash),
                        updated_at = \(record.updatedAt.timeIntervalSince1970),
                        finished_at = \(record.finishedAt?.timeIntervalSince1970), result = \(result),
                        reused_from = \(record.reusedFrom?.rawValue), started_at = NULL, run_after = NULL,
                        lease_owner = NULL, lease_token = NULL, lease_expires_at = NULL, cancel_requested = false,
                        last_error = NULL
                    WHERE id = \(record.id.rawValue)
                    """)
                try await query("DELETE FROM \(unescaped: s).job_dependencies WHERE job_id = \(record.id.rawValue)")
            }
            var edgeJobs: [String] = []
            var edgeDependencies: [String] = []
            for record in plan.inserts + plan.resets {
                for dependency in record.spec.dependencies {
                    edgeJobs.append(record.id.rawValue)
                    edgeDependencies.append(dependency.rawValue)
                }
            }
            if !edgeJobs.isEmpty {
                try await query(
                    """
                    INSERT INTO \(unescaped: s).job_dependencies (job_id, depends_on)
                    SELECT * FROM unnest(\(edgeJobs)::text[], \(edgeDependencies)::text[])
                    """)
            }
            unnumbered.append(contentsOf: plan.transitions)
            if plan.transitions.contains(where: { $0.to == .pending }) { notify = true }
            return SubmitReport(entries: plan.entries, transitions: plan.transitions)
        }

        private func insertJobs(_ records: [JobRecord]) async throws {
            var ids: [String] = []
            var specTexts: [String] = []
            var names: [String] = []
            var handlers: [String] = []
            var priorities: [Int64] = []
            var sequences: [Int64] = []
            var states: [String] = []
            var unmet: [Int64] = []
            var hashes: [String] = []
            var submitted: [Double] = []
            var finished: [Double] = []
            var results: [String] = []
            var reusedFrom: [String] = []
            for record in records {
                ids.append(record.id.rawValue)
                specTexts.append(try store.specJSON(record.spec))
                names.append(record.spec.name)
                handlers.append(record.spec.handler)
                priorities.append(Int64(record.spec.priority))
                sequences.append(record.sequence)
                states.append(record.state.rawValue)
                unmet.append(Int64(record.unmetDependencies))
                hashes.append(record.contentHash)
                submitted.append(record.submittedAt.timeIntervalSince1970)
                // NaN and "" stand for NULL in the arrays (a finish time is never NaN, a
                // result's JSON and a job id are never empty).
                finished.append(record.finishedAt?.timeIntervalSince1970 ?? .nan)
                results.append(
                    try record.result.map { value throws in try PostgresJobStore.resultJSON(value, job: record.id) }
                        ?? "")
                reusedFrom.append(record.reusedFrom?.rawValue ?? "")
            }
            try await query(
                """
                INSERT INTO \(unescaped: s).jobs (id, spec, name, handler, priority, sequence, state, attempts, failures,
                    unmet_dependencies, content_hash, submitted_at, updated_at, finished_at, result, reused_from)
                SELECT id, spec, name, handler, priority, sequence, state, 0, 0, unmet, hash, submitted, submitted,
                    NULLIF(finished, 'NaN'::float8), NULLIF(result, ''), NULLIF(reused, '')
                FROM unnest(\(ids)::text[], \(specTexts)::text[], \(names)::text[], \(handlers)::text[],
                    \(priorities)::bigint[], \(sequences)::bigint[], \(states)::text[], \(unmet)::bigint[],
                    \(hashes)::text[], \(submitted)::float8[], \(finished)::float8[], \(results)::text[],
                    \(reusedFrom)::text[])
                    AS t(id, spec, name, handler, priority, sequence, state, unmet, hash, submitted, finished, result,
                        reused)
                """)
        }

        func submitScheduledRun(
            scheduleID: String, slot: Date, jobs: [JobSpec], options: SubmitOptions, now: Date
        ) async throws -> SubmitReport? {
            // The primary key decides: the first scheduler inserts the slot, the others find it
            // taken (after waiting for the first one's commit) and store nothing.
            let ids = String(decoding: try JSONEncoder().encode(jobs.map(\.id)), as: UTF8.self)
            let inserted = try await query(
                """
                INSERT INTO \(unescaped: s).schedule_runs (schedule_id, slot, jobs, recorded_at)
                VALUES (\(scheduleID), \(slot.timeIntervalSince1970), \(ids), \(now.timeIntervalSince1970))
                ON CONFLICT DO NOTHING RETURNING 1
                """)
            if inserted.isEmpty { return nil }
            return try await submit(jobs, options: options, now: now)
        }

        // MARK: Claims

        /// Leases up to `limit` ready jobs in one statement: the ready rows are locked with `FOR
        /// UPDATE SKIP LOCKED` (concurrent claims take different rows and never wait), updated,
        /// their attempts and transitions inserted, and the transition counter advanced.
        func claimReady(owner: String, limit: Int, now: Date, leaseDuration: Duration) async throws -> [ClaimedJob] {
            let nowSeconds = now.timeIntervalSince1970
            let expiry = StoreRules.adding(leaseDuration, to: now)
            let prefix = store.leaseTokenPrefix
            let rows = try await query(
                """
                WITH ready AS (
                    SELECT id, state AS from_state FROM \(unescaped: s).jobs
                    WHERE state IN ('pending', 'retry_wait') AND unmet_dependencies = 0
                    AND NOT cancel_requested AND (state = 'pending' OR run_after <= \(nowSeconds))
                    ORDER BY priority DESC, sequence
                    LIMIT \(limit)
                    FOR UPDATE SKIP LOCKED
                ), claimed AS (
                    UPDATE \(unescaped: s).jobs j SET state = 'running', attempts = j.attempts + 1,
                        lease_owner = \(owner), lease_token = \(prefix) || '-' || j.sequence || '-' || (j.attempts + 1),
                        lease_expires_at = \(expiry.timeIntervalSince1970), run_after = NULL,
                        updated_at = \(nowSeconds), started_at = COALESCE(j.started_at, \(nowSeconds)),
                        attempt_started_at = \(nowSeconds)
                    FROM ready r WHERE j.id = r.id
                    RETURNING j.*, r.from_state
                )
                SELECT \(unescaped: Self.recordColumns), from_state FROM claimed ORDER BY priority DESC, sequence
                """)
            var claimed: [ClaimedJob] = []
            claimed.reserveCapacity(rows.count)
            for row in rows {
                let job = try decodeRecord(row, claiming: true)
                guard let lease = job.lease else { throw store.corrupt("lease of claimed job \(job.id)") }
                let from = try store.state(try row.makeRandomAccess()[20].decode(String.self))
                record(
                    job.id, from: from, to: .running, at: now, reason: "attempt \(job.attempts) started by \(owner)",
                    attempt: job.attempts)
                claimed.append(ClaimedJob(record: job, lease: lease))
            }
            return claimed
        }

        /// Returns running jobs whose lease expired to `pending` (rows locked by another rescuer
        /// are skipped: it is handling them).
        func requeueExpired(now: Date) async throws -> [JobTransition] {
            let rows = try await query(
                """
                SELECT id, lease_owner, lease_token, attempts, cancel_requested FROM \(unescaped: s).jobs
                WHERE state = 'running' AND lease_expires_at <= \(now.timeIntervalSince1970)
                ORDER BY lease_expires_at, sequence FOR UPDATE SKIP LOCKED
                """)
            var transitions: [JobTransition] = []
            for row in rows {
                let (id, owner, token, attempts, cancel) = try row.decode((String, String?, String?, Int64, Bool).self)
                transitions += try await requeue(
                    try store.jobID(id), token: token, attempts: Int(attempts), cancelRequested: cancel,
                    reason: StoreRules.expiredLeaseReason(owner: owner ?? "?"), outcome: "expired", now: now)
            }
            return transitions
        }

        func requeueOrphans(owners: [String], now: Date) async throws -> [JobTransition] {
            let rows = try await query(
                """
                SELECT id, lease_owner, lease_token, attempts, cancel_requested FROM \(unescaped: s).jobs
                WHERE state = 'running' AND lease_owner = ANY(\(owners)) ORDER BY sequence FOR UPDATE SKIP LOCKED
                """)
            var transitions: [JobTransition] = []
            for row in rows {
                let (id, owner, token, attempts, cancel) = try row.decode((String, String?, String?, Int64, Bool).self)
                transitions += try await requeue(
                    try store.jobID(id), token: token, attempts: Int(attempts), cancelRequested: cancel,
                    reason: "worker \(owner ?? "?") is gone", outcome: "orphaned", now: now)
            }
            return transitions
        }

        private func requeue(
            _ id: JobID, token: String?, attempts: Int, cancelRequested: Bool, reason: String, outcome: String,
            now: Date
        ) async throws -> [JobTransition] {
            try await closeAttempt(id, token: token, outcome: outcome, error: nil, at: now)
            try await query(
                """
                UPDATE \(unescaped: s).jobs SET state = 'pending', lease_owner = NULL, lease_token = NULL,
                    lease_expires_at = NULL, updated_at = \(now.timeIntervalSince1970)
                WHERE id = \(id.rawValue)
                """)
            var transitions = [
                record(id, from: .running, to: .pending, at: now, reason: reason, attempt: attempts)
            ]
            if cancelRequested {
                transitions += try await finish(
                    id, as: .cancelled, from: .pending, reason: "cancel requested", now: now)
            }
            return transitions
        }

        private func closeAttempt(_ id: JobID, token: String?, outcome: String, error: String?, at now: Date)
            async throws
        {
            guard let token else { return }
            // The attempt's row is written once, when it ends, from the job's lease (so call this
            // before the lease is cleared): one row version instead of an insert at the claim and
            // an update here.
            try await query(
                """
                INSERT INTO \(unescaped: s).job_attempts (job_id, attempt, owner, token, started_at, ended_at, outcome, error)
                SELECT id, attempts, lease_owner, lease_token, attempt_started_at, \(now.timeIntervalSince1970),
                    \(outcome), \(error)
                FROM \(unescaped: s).jobs WHERE id = \(id.rawValue) AND lease_token = \(token)
                """)
        }

        /// Ends a non-running job as `cancelled` or `failed` and skips its dependents.
        private func finish(_ id: JobID, as state: JobState, from: JobState, reason: String, now: Date) async throws
            -> [JobTransition]
        {
            let attempts = try await setFinal(id, state: state, now: now)
            var transitions = [record(id, from: from, to: state, at: now, reason: reason, attempt: attempts)]
            transitions += try await skipDependents(of: id, state: state, now: now)
            return transitions
        }

        /// Sets a final state with its finish time; returns the job's attempts.
        private func setFinal(_ id: JobID, state: JobState, now: Date) async throws -> Int {
            store.forget(id)
            let seconds = now.timeIntervalSince1970
            let attempts =
                try await query(
                    """
                    UPDATE \(unescaped: s).jobs SET state = \(state.rawValue), finished_at = \(seconds),
                        updated_at = \(seconds), lease_owner = NULL, lease_token = NULL, lease_expires_at = NULL
                    WHERE id = \(id.rawValue) RETURNING attempts
                    """
                ).first?.decode(Int64.self) ?? 0
            return Int(attempts)
        }

        /// Skips the non-final dependents of `id`, transitively (``StoreRules/propagateSkips``);
        /// the graph below `id` is read first, with its rows locked.
        private func skipDependents(of id: JobID, state: JobState, now: Date) async throws -> [JobTransition] {
            // Collect the dependents, level by level, with their states.
            var children: [JobID: [JobID]] = [:]
            var states: [JobID: JobState] = [:]
            var frontier = [id]
            var seen: Set<JobID> = [id]
            while !frontier.isEmpty {
                let rows = try await query(
                    """
                    SELECT d.depends_on, j.id, j.state FROM \(unescaped: s).job_dependencies d
                    JOIN \(unescaped: s).jobs j ON j.id = d.job_id
                    WHERE d.depends_on = ANY(\(frontier.map(\.rawValue))) ORDER BY j.sequence FOR UPDATE OF j
                    """)
                var next: [JobID] = []
                for row in rows {
                    let (parentText, childText, stateText) = try row.decode((String, String, String).self)
                    let parent = try store.jobID(parentText)
                    let child = try store.jobID(childText)
                    children[parent, default: []].append(child)
                    states[child] = try store.state(stateText)
                    if seen.insert(child).inserted { next.append(child) }
                }
                frontier = next
            }
            guard !states.isEmpty else { return [] }
            var skips: [(JobID, String, JobState?)] = []
            StoreRules.propagateSkips(
                from: id, rootState: state,
                dependents: { parent in children[parent] ?? [] },
                state: { child in states[child] },
                skip: { child, reason in
                    skips.append((child, reason, states[child]))
                    states[child] = .skipped
                })
            var transitions: [JobTransition] = []
            for (child, reason, from) in skips {
                let attempts = try await setFinal(child, state: .skipped, now: now)
                transitions.append(
                    record(child, from: from, to: .skipped, at: now, reason: reason, attempt: attempts))
            }
            return transitions
        }

        // MARK: Completions

        /// Applies attempt outcomes: `successes` (the same completions, when all are successes of
        /// distinct jobs, with their results' JSON) in one statement, any other batch one by one.
        func complete(
            _ completions: [Completion], successes: [(id: JobID, token: String, result: String)]?, now: Date
        ) async throws -> [CompletionReceipt] {
            if let successes { return try await completeSuccesses(successes, now: now) }
            var receipts: [CompletionReceipt] = []
            for completion in completions { receipts.append(try await complete(completion, now: now)) }
            return receipts
        }

        /// Applies a batch of successes of distinct jobs in one statement; returns receipts in
        /// input order (rejected ones with the job's current state).
        func completeSuccesses(_ batch: [(id: JobID, token: String, result: String)], now: Date) async throws
            -> [CompletionReceipt]
        {
            let seconds = now.timeIntervalSince1970
            // The rows are locked first, by a statement of their own: under READ COMMITTED the
            // next statement then reads a snapshot taken after any submission that held one of
            // these rows committed, so a dependent it added is counted down below. (In a single
            // statement the dependents would be read from a snapshot older than the lock.)
            try await query(
                """
                SELECT 1 FROM \(unescaped: s).jobs WHERE id = ANY(\(batch.map(\.id.rawValue))) ORDER BY id FOR UPDATE
                """)
            let rows = try await query(
                """
                WITH input AS (
                    SELECT * FROM unnest(\(batch.map(\.id.rawValue))::text[], \(batch.map(\.token))::text[],
                        \(batch.map(\.result))::text[]) WITH ORDINALITY AS t(id, token, result, ord)
                ), done AS (
                    UPDATE \(unescaped: s).jobs j SET state = 'succeeded', result = i.result, finished_at = \(seconds),
                        updated_at = \(seconds), cancel_requested = false, lease_owner = NULL, lease_token = NULL,
                        lease_expires_at = NULL
                    FROM input i WHERE j.id = i.id AND j.state = 'running' AND j.lease_token = i.token
                    RETURNING j.id, j.attempts, i.token, i.ord
                ), closed AS (
                    -- Every part of the statement reads the rows as they were before it, so the
                    -- lease is still there to copy.
                    INSERT INTO \(unescaped: s).job_attempts
                        (job_id, attempt, owner, token, started_at, ended_at, outcome)
                    SELECT j.id, j.attempts, j.lease_owner, j.lease_token, j.attempt_started_at, \(seconds), 'succeeded'
                    FROM \(unescaped: s).jobs j JOIN done d ON d.id = j.id
                ), unlocked AS (
                    UPDATE \(unescaped: s).jobs t SET unmet_dependencies = t.unmet_dependencies - x.count
                    FROM (SELECT dd.job_id, count(*) AS count FROM \(unescaped: s).job_dependencies dd
                        JOIN done d ON dd.depends_on = d.id GROUP BY dd.job_id) x
                    WHERE t.id = x.job_id AND t.state IN ('pending', 'retry_wait', 'running')
                        AND t.unmet_dependencies > 0
                    RETURNING t.unmet_dependencies
                )
                SELECT d.id, d.attempts, (SELECT count(*) FROM unlocked WHERE unmet_dependencies = 0)
                FROM done d ORDER BY d.ord
                """)
            var accepted: [String: JobTransition] = [:]
            for row in rows {
                let (idText, attempts, ready) = try row.decode((String, Int64, Int64).self)
                let id = try store.jobID(idText)
                store.forget(id)
                if ready > 0 { notify = true }
                accepted[idText] = record(
                    id, from: .running, to: .succeeded, at: now, reason: "attempt \(attempts) succeeded",
                    attempt: Int(attempts))
            }
            var rejectedStates: [String: JobState] = [:]
            let rejected = batch.filter { accepted[$0.id.rawValue] == nil }.map(\.id.rawValue)
            if !rejected.isEmpty {
                for row in try await query(
                    "SELECT id, state FROM \(unescaped: s).jobs WHERE id = ANY(\(rejected))")
                {
                    let (id, state) = try row.decode((String, String).self)
                    rejectedStates[id] = try store.state(state)
                }
            }
            return batch.map { item in
                if let transition = accepted[item.id.rawValue] {
                    return CompletionReceipt(
                        jobID: item.id, accepted: true, state: .succeeded, transitions: [transition])
                }
                return CompletionReceipt(
                    jobID: item.id, accepted: false, state: rejectedStates[item.id.rawValue] ?? .pending,
                    transitions: [])
            }
        }

        /// Applies one completion of any outcome (inside a transaction).
        func complete(_ completion: Completion, now: Date) async throws -> CompletionReceipt {
            let id = completion.lease.jobID
            guard
                let row = try await query(
                    """
                    SELECT state, lease_token, attempts, cancel_requested FROM \(unescaped: s).jobs
                    WHERE id = \(id.rawValue) FOR UPDATE
                    """
                ).first
            else {
                return CompletionReceipt(jobID: id, accepted: false, state: .pending, transitions: [])
            }
            let (stateText, token, attemptValue, cancelRequested) = try row.decode((String, String?, Int64, Bool).self)
            let current = try store.state(stateText)
            guard current == .running, token == completion.lease.token else {
                return CompletionReceipt(jobID: id, accepted: false, state: current, transitions: [])
            }
            let attempt = Int(attemptValue)
            let seconds = now.timeIntervalSince1970
            var transitions: [JobTransition] = []
            let final: JobState
            switch completion.outcome {
            case .succeeded(let result):
                let json = try PostgresJobStore.resultJSON(result, job: id)
                try await closeAttempt(id, token: token, outcome: "succeeded", error: nil, at: now)
                try await query(
                    """
                    UPDATE \(unescaped: s).jobs SET state = 'succeeded', result = \(json), finished_at = \(seconds),
                        updated_at = \(seconds), cancel_requested = false, lease_owner = NULL, lease_token = NULL,
                        lease_expires_at = NULL
                    WHERE id = \(id.rawValue)
                    """)
                store.forget(id)
                transitions.append(
                    record(
                        id, from: .running, to: .succeeded, at: now, reason: "attempt \(attempt) succeeded",
                        attempt: attempt))
                let ready = try await query(
                    """
                    UPDATE \(unescaped: s).jobs SET unmet_dependencies = unmet_dependencies - 1
                    WHERE id IN (SELECT job_id FROM \(unescaped: s).job_dependencies WHERE depends_on = \(id.rawValue))
                    AND state IN ('pending', 'retry_wait', 'running') AND unmet_dependencies > 0
                    RETURNING unmet_dependencies
                    """)
                if try ready.contains(where: { try $0.decode(Int64.self) == 0 }) { notify = true }
                final = .succeeded
            case .failed(let error, let timedOut, let retryAt):
                let what = timedOut ? "timed out" : "failed"
                let reason = "attempt \(attempt) \(what): \(error)"
                try await closeAttempt(
                    id, token: token, outcome: timedOut ? "timed_out" : "failed", error: error, at: now)
                if let retryAt, !cancelRequested {
                    try await query(
                        """
                        UPDATE \(unescaped: s).jobs SET state = 'retry_wait', failures = failures + 1,
                            last_error = \(error), run_after = \(retryAt.timeIntervalSince1970), updated_at = \(seconds),
                            lease_owner = NULL, lease_token = NULL, lease_expires_at = NULL
                        WHERE id = \(id.rawValue)
                        """)
                    transitions.append(
                        record(id, from: .running, to: .retryWait, at: now, reason: reason, attempt: attempt))
                    final = .retryWait
                } else {
                    try await query(
                        """
                        UPDATE \(unescaped: s).jobs SET failures = failures + 1, last_error = \(error)
                        WHERE id = \(id.rawValue)
                        """)
                    transitions += try await finish(id, as: .failed, from: .running, reason: reason, now: now)
                    final = .failed
                }
            case .cancelled(let reason):
                try await closeAttempt(id, token: token, outcome: "cancelled", error: reason, at: now)
                transitions += try await finish(id, as: .cancelled, from: .running, reason: reason, now: now)
                final = .cancelled
            case .released(let reason):
                try await closeAttempt(id, token: token, outcome: "released", error: reason, at: now)
                try await query(
                    """
                    UPDATE \(unescaped: s).jobs SET state = 'pending', updated_at = \(seconds), lease_owner = NULL,
                        lease_token = NULL, lease_expires_at = NULL
                    WHERE id = \(id.rawValue)
                    """)
                transitions.append(
                    record(id, from: .running, to: .pending, at: now, reason: reason, attempt: attempt))
                if cancelRequested {
                    transitions += try await finish(
                        id, as: .cancelled, from: .pending, reason: "cancel requested", now: now)
                    final = .cancelled
                } else {
                    final = .pending
                }
            }
            return CompletionReceipt(jobID: id, accepted: true, state: final, transitions: transitions)
        }

        // MARK: Cancel

        func cancel(_ ids: [JobID], reason: String, now: Date) async throws -> [JobTransition] {
            var states: [JobID: JobState] = [:]
            for record in try await fetchRecords(ids, lock: true) { states[record.id] = record.state }
            for id in ids where states[id] == nil {
                throw BatchError(
                    .unknownJob, "No job \(id) in the store. List jobs to see their ids.", context: ["job": id.rawValue]
                )
            }
            var transitions: [JobTransition] = []
            for id in ids {
                // Re-read: an earlier cancel in this call may have skipped this job.
                guard
                    let text = try await query("SELECT state FROM \(unescaped: s).jobs WHERE id = \(id.rawValue)")
                        .first?.decode(String.self),
                    case let current = try store.state(text), !current.isTerminal
                else { continue }
                if current == .running {
                    try await query(
                        "UPDATE \(unescaped: s).jobs SET cancel_requested = true WHERE id = \(id.rawValue)")
                    continue
                }
                transitions += try await finish(id, as: .cancelled, from: current, reason: reason, now: now)
            }
            return transitions
        }
    }
}
