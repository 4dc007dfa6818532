public import Foundation
internal import GRDB
import Synchronization

/// A durable ``JobStore`` in one SQLite file (GRDB `DatabasePool`, WAL mode), shared safely by
/// several processes and by several stores in one process.
///
/// Every mutating method runs in one `BEGIN IMMEDIATE` transaction: it takes SQLite's write
/// lock before its first read, so two processes (or two stores on the same file) can never
/// both see a job as ready and both claim it, and a method that throws leaves the file as it
/// was. Read-only methods (``job(_:)``, ``jobs(in:)``, ``counts()``, ``transitions(of:after:limit:)``,
/// ``nextDueTime()``, ``cancelRequests(owner:)``, ``lastScheduleRun(scheduleID:)``) each read
/// one consistent snapshot and never wait for writers.
///
/// The submission, reuse and skip rules are those of ``JobStore`` (shared with
/// ``InMemoryJobStore``). Two differences follow from storing JSON: a payload or result holding
/// a non-finite number (`.number(.nan)`, `.number(.infinity)`) is rejected with a
/// ``BatchError`` instead of being stored, and a `.number` with an integral value reads back as
/// `.integer` (the ``ConfigValue`` classification by value). Dates are stored as `REAL` unix
/// seconds and read back within a microsecond.
///
/// Throughput: claims and completions are batched (one transaction for `limit` claims, one for
/// a batch of completions) and use cached prepared statements. `claim(limit: 256)` followed by
/// `complete` of the 256 jobs ran no-op jobs at about 6,000 jobs/s with either ``Durability``
/// (release build, 2-core VM, 20,000 jobs), about 4,800 jobs/s when the claiming store did not
/// submit the jobs itself (another process: each definition is decoded from JSON).
public final class SQLiteJobStore: JobStore {
    /// How hard SQLite works to keep committed transactions across crashes.
    public struct Durability: Sendable, Hashable, CustomStringConvertible {
        /// The value given to `PRAGMA synchronous`.
        let pragma: String

        /// `synchronous = FULL`: every commit is flushed to disk (`fsync`) before the method
        /// returns, so a committed claim or completion survives a power loss or an operating
        /// system crash. The default.
        public static let full = Durability(pragma: "FULL")
        /// `synchronous = NORMAL`: commits reach the operating system but are flushed only at
        /// WAL checkpoints. A committed change survives the process being killed (`kill -9`,
        /// a crash) but the last commits may be lost on a power loss or an operating system
        /// crash; the file itself is never corrupted. Faster on slow disks.
        public static let normal = Durability(pragma: "NORMAL")

        /// `full` or `normal`.
        public var description: String { pragma.lowercased() }
    }

    /// Settings of a ``SQLiteJobStore``.
    public struct Configuration: Sendable {
        /// What survives a crash; default ``Durability/full``.
        public var durability: Durability = .full
        /// How long to wait for another connection or process holding the write lock before
        /// failing with ``BatchError/Code/storeFailed``. Default 30 seconds.
        public var busyTimeout: Duration = .seconds(30)

        /// Creates a configuration.
        ///
        /// - Parameters:
        ///   - durability: What survives a crash.
        ///   - busyTimeout: How long to wait for the write lock.
        public init(durability: Durability = .full, busyTimeout: Duration = .seconds(30)) {
            self.durability = durability
            self.busyTimeout = busyTimeout
        }
    }

    /// The database file.
    public let path: URL
    /// The configuration the store was opened with.
    public let configuration: Configuration
    private let pool: DatabasePool
    private let specs = SpecCache()
    private let tokens = LeaseTokens()

    /// The schema version this code writes (the `meta` table's `schema_version`).
    static let schemaVersion = 1

    /// Opens the store at `path`, creating the file and its parent directories when needed, and
    /// brings the schema up to date.
    ///
    /// - Parameters:
    ///   - path: The SQLite file, for example `runs/jobs.sqlite`.
    ///   - configuration: Durability and busy timeout.
    /// - Throws: ``BatchError`` (``BatchError/Code/storeFailed``) naming the file when its
    ///   directory cannot be created, when it is not a SQLite database (or is damaged), when it
    ///   is a SQLite database of another program, or when a newer QEIR wrote its schema. The
    ///   file is not modified then.
    public init(path: URL, configuration: Configuration = .init()) throws(BatchError) {
        self.path = path
        self.configuration = configuration
        let directory = path.deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw BatchError(
                .storeFailed,
                "Cannot create the directory \(directory.path) of the job store \(path.path): \(error.localizedDescription). Choose a writable location for the store.",
                context: ["path": path.path])
        }
        var config = GRDB.Configuration()
        config.busyMode = .timeout(Self.seconds(configuration.busyTimeout))
        config.label = "QEIR job store"
        do {
            // An existing file is inspected read-only first: opening the pool would switch it to
            // WAL mode, and a file that is not a job store must be left exactly as it was.
            if FileManager.default.fileExists(atPath: path.path) {
                var readOnly = config
                readOnly.readonly = true
                let queue = try DatabaseQueue(path: path.path, configuration: readOnly)
                try queue.read { db in try Self.checkOwnership(db, path: path) }
                try queue.close()
            }
            pool = try DatabasePool(path: path.path, configuration: config)
            // DatabasePool sets `synchronous = NORMAL` on its writer when it enables WAL, after
            // `prepareDatabase` has run; the durability is therefore set here, on the writer
            // (the only connection that commits).
            let pragma = configuration.durability.pragma
            try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = \(pragma)") }
            try Self.migrate(pool)
        } catch let error as BatchError {
            throw error
        } catch {
            throw Self.storeError(error, path: path, doing: "be opened")
        }
    }

    // MARK: - Schema

    /// The schema, as one GRDB migration (`v1`):
    ///
    /// - `meta(key, value)`: `schema_version` = ``schemaVersion``.
    /// - `jobs`: one row per job. `spec` is the ``JobSpec`` as JSON; `name`, `handler`,
    ///   `priority` are copies for queries; `sequence` (unique) is the submission order;
    ///   `state` is a ``JobState`` raw value; times (`submitted_at`, `updated_at`,
    ///   `started_at`, `finished_at`, `run_after`, `lease_expires_at`) are `REAL` unix seconds;
    ///   `lease_owner`/`lease_token`/`lease_expires_at` are set while running; `result` is the
    ///   ``ConfigValue`` result as JSON.
    /// - `job_dependencies(job_id, depends_on)`: one row per edge, indexed both ways.
    /// - `job_transitions`: every state change; `sequence` is the rowid, increasing store-wide.
    /// - `job_attempts`: one row per claim (owner, token, start), closed with its end time,
    ///   outcome (`succeeded`, `failed`, `timed_out`, `cancelled`, `released`, `expired`,
    ///   `orphaned`) and error.
    /// - `schedule_runs(schedule_id, slot)`: the slots recorded by schedulers, with the ids of
    ///   the jobs each submitted (a JSON array); the primary key makes a slot run once.
    ///
    /// Indexes: `jobs_ready` is partial (`state IN ('pending','retry_wait') AND
    /// unmet_dependencies = 0`) on `(priority DESC, sequence)`, so a claim reads ready jobs in
    /// claim order and never visits held or finished ones; `jobs_succeeded_hash` is partial
    /// (`state = 'succeeded'`) on `content_hash` for reuse; `jobs_state_expiry` on
    /// `(state, lease_expires_at)` finds expired leases and jobs by state.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE meta (key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL) WITHOUT ROWID;
                    INSERT INTO meta (key, value) VALUES ('schema_version', '1');
                    CREATE TABLE jobs (
                        id TEXT PRIMARY KEY NOT NULL,
                        spec TEXT NOT NULL,
                        name TEXT NOT NULL,
                        handler TEXT NOT NULL,
                        priority INTEGER NOT NULL,
                        sequence INTEGER NOT NULL UNIQUE,
                        state TEXT NOT NULL CHECK (state IN
                            ('pending', 'retry_wait', 'running', 'succeeded', 'failed', 'cancelled', 'skipped')),
                        attempts INTEGER NOT NULL DEFAULT 0,
                        failures INTEGER NOT NULL DEFAULT 0,
                        unmet_dependencies INTEGER NOT NULL DEFAULT 0,
                        content_hash TEXT NOT NULL,
                        submitted_at REAL NOT NULL,
                        updated_at REAL NOT NULL,
                        started_at REAL,
                        finished_at REAL,
                        run_after REAL,
                        lease_owner TEXT,
                        lease_token TEXT,
                        lease_expires_at REAL,
                        cancel_requested INTEGER NOT NULL DEFAULT 0,
                        last_error TEXT,
                        result TEXT,
                        reused_from TEXT
                    );
                    CREATE INDEX jobs_ready ON jobs (priority DESC, sequence)
                        WHERE state IN ('pending', 'retry_wait') AND unmet_dependencies = 0;
                    CREATE INDEX jobs_succeeded_hash ON jobs (content_hash) WHERE state = 'succeeded';
                    CREATE INDEX jobs_state_expiry ON jobs (state, lease_expires_at);
                    CREATE TABLE job_dependencies (
                        job_id TEXT NOT NULL REFERENCES jobs (id),
                        depends_on TEXT NOT NULL REFERENCES jobs (id),
                        PRIMARY KEY (job_id, depends_on)
                    ) WITHOUT ROWID;
                    CREATE INDEX job_dependencies_depends_on ON job_dependencies (depends_on);
                    CREATE TABLE job_transitions (
                        sequence INTEGER PRIMARY KEY,
                        job_id TEXT NOT NULL,
                        from_state TEXT,
                        to_state TEXT NOT NULL,
                        at REAL NOT NULL,
                        reason TEXT NOT NULL,
                        attempt INTEGER NOT NULL
                    );
                    CREATE INDEX job_transitions_job ON job_transitions (job_id);
                    CREATE TABLE job_attempts (
                        id INTEGER PRIMARY KEY,
                        job_id TEXT NOT NULL,
                        attempt INTEGER NOT NULL,
                        owner TEXT NOT NULL,
                        token TEXT NOT NULL,
                        started_at REAL NOT NULL,
                        ended_at REAL,
                        outcome TEXT,
                        error TEXT
                    );
                    CREATE INDEX job_attempts_job ON job_attempts (job_id);
                    CREATE TABLE schedule_runs (
                        schedule_id TEXT NOT NULL,
                        slot REAL NOT NULL,
                        jobs TEXT NOT NULL,
                        recorded_at REAL NOT NULL,
                        PRIMARY KEY (schedule_id, slot)
                    ) WITHOUT ROWID;
                    """)
        }
        return migrator
    }

    /// Refuses a SQLite file that belongs to another program (tables, but no `meta`) or that a
    /// newer QEIR migrated.
    private static func checkOwnership(_ db: Database, path: URL) throws {
        let tables = try String.fetchAll(
            db,
            sql: """
                SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'
                AND name <> 'grdb_migrations'
                """)
        if !tables.isEmpty && !tables.contains("meta") {
            throw BatchError(
                .storeFailed,
                "The file \(path.path) is a SQLite database of another program (tables \(tables.sorted().prefix(5).joined(separator: ", "))), not a QEIR job store. Choose another path for the store.",
                context: ["path": path.path])
        }
        var version: Int?
        if tables.contains("meta") {
            version = try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'schema_version'")
                .flatMap { Int($0) }
        }
        if try (version ?? 0) > schemaVersion
            || (db.tableExists("grdb_migrations") && migrator.hasBeenSuperseded(db))
        {
            throw BatchError(
                .storeFailed,
                "The job store \(path.path) has schema version \(version.map(String.init) ?? "unknown"), newer than this QEIR's \(schemaVersion). Open it with the QEIR version that wrote it.",
                context: ["path": path.path])
        }
    }

    /// Runs the migrations. GRDB's migrator reads the applied migrations before it takes the
    /// write lock, so when two processes create the same file at once one of them fails on the
    /// existing tables; it then finds the schema complete and carries on.
    private static func migrate(_ pool: DatabasePool) throws {
        do {
            try migrator.migrate(pool)
        } catch {
            guard try pool.read({ try migrator.hasCompletedMigrations($0) }) else { throw error }
        }
    }

    // MARK: - Protocol

    /// Stores new jobs following ``JobStore``'s rules, in one transaction.
    ///
    /// - Parameters:
    ///   - jobs: The definitions.
    ///   - options: Reuse and reset rules.
    ///   - now: The submission time.
    /// - Returns: What happened to each job.
    /// - Throws: ``BatchError`` naming the job at fault (nothing is stored), or
    ///   ``BatchError/Code/storeFailed`` naming the file.
    public func submit(_ jobs: [JobSpec], options: SubmitOptions, now: Date) async throws(BatchError) -> SubmitReport {
        try await write("store \(jobs.count) submitted job\(jobs.count == 1 ? "" : "s")") { session in
            try session.submit(jobs, options: options, now: now)
        }
    }

    /// Requeues expired leases, then leases up to `limit` ready jobs to `owner`, in one
    /// `IMMEDIATE` transaction (see ``JobStore/claim(owner:limit:now:leaseDuration:)``).
    ///
    /// - Parameters:
    ///   - owner: The claiming worker.
    ///   - limit: The most jobs to return.
    ///   - now: The current time.
    ///   - leaseDuration: How long the leases last without renewal.
    /// - Returns: The claimed jobs, best first, and the transitions of requeued jobs.
    /// - Throws: ``BatchError/Code/storeFailed`` naming the file.
    /// - Complexity: O(`limit` + expired leases) statements, each O(log *n*).
    public func claim(owner: String, limit: Int, now: Date, leaseDuration: Duration) async throws(BatchError) -> (
        claimed: [ClaimedJob], requeued: [JobTransition]
    ) {
        try await write("claim jobs for \(owner)") { session in
            try session.claim(owner: owner, limit: limit, now: now, leaseDuration: leaseDuration)
        }
    }

    /// Extends the leases that are still current (see ``JobStore/renewLeases(_:now:leaseDuration:)``).
    ///
    /// - Parameters:
    ///   - leases: The leases to renew.
    ///   - now: The current time.
    ///   - leaseDuration: The extension.
    /// - Returns: Renewed and lost leases, and cancel requests.
    /// - Throws: ``BatchError/Code/storeFailed`` naming the file.
    public func renewLeases(_ leases: [Lease], now: Date, leaseDuration: Duration) async throws(BatchError)
        -> LeaseRenewal
    {
        try await write("renew \(leases.count) lease\(leases.count == 1 ? "" : "s")") { session in
            try session.renew(leases, now: now, leaseDuration: leaseDuration)
        }
    }

    /// Applies attempt outcomes in one transaction (see ``JobStore/complete(_:now:)``).
    ///
    /// - Parameters:
    ///   - completions: The outcomes.
    ///   - now: The current time.
    /// - Returns: One receipt per completion, in order.
    /// - Throws: ``BatchError`` (``BatchError/Code/invalidValue``) naming the job whose result
    ///   holds a non-finite number, or ``BatchError/Code/storeFailed`` naming the file; no
    ///   completion of the batch is applied then.
    public func complete(_ completions: [Completion], now: Date) async throws(BatchError) -> [CompletionReceipt] {
        try await write("record \(completions.count) completion\(completions.count == 1 ? "" : "s")") { session in
            try completions.map { try session.complete($0, now: now) }
        }
    }

    /// Applies attempt outcomes, then claims up to `limit` ready jobs, in one `IMMEDIATE`
    /// transaction: one commit (with ``Durability/full``, one `fsync`) for the processor's step.
    ///
    /// - Parameters:
    ///   - completions: The outcomes.
    ///   - owner: The claiming worker.
    ///   - limit: The most jobs to return.
    ///   - now: The current time.
    ///   - leaseDuration: How long the leases last without renewal.
    /// - Returns: The receipts, the claimed jobs and the requeued transitions.
    /// - Throws: As ``complete(_:now:)`` and ``claim(owner:limit:now:leaseDuration:)``; nothing is
    ///   changed then.
    public func completeAndClaim(
        _ completions: [Completion], owner: String, limit: Int, now: Date, leaseDuration: Duration
    ) async throws(BatchError) -> (receipts: [CompletionReceipt], claimed: [ClaimedJob], requeued: [JobTransition]) {
        let operation =
            completions.isEmpty
            ? "claim jobs for \(owner)"
            : "record \(completions.count) completion\(completions.count == 1 ? "" : "s") and claim jobs for \(owner)"
        return try await write(operation) { session in
            let receipts = try completions.map { try session.complete($0, now: now) }
            let (claimed, requeued) = try session.claim(
                owner: owner, limit: limit, now: now, leaseDuration: leaseDuration)
            return (receipts, claimed, requeued)
        }
    }

    /// Cancels jobs (see ``JobStore/cancel(_:reason:now:)``).
    ///
    /// - Parameters:
    ///   - ids: The jobs.
    ///   - reason: Why, recorded in the transitions.
    ///   - now: The current time.
    /// - Returns: The transitions recorded.
    /// - Throws: ``BatchError/Code/unknownJob`` when an id is not stored (nothing changes), or
    ///   ``BatchError/Code/storeFailed`` naming the file.
    public func cancel(_ ids: [JobID], reason: String, now: Date) async throws(BatchError) -> [JobTransition] {
        try await write("cancel \(ids.count) job\(ids.count == 1 ? "" : "s")") { session in
            try session.cancel(ids, reason: reason, now: now)
        }
    }

    /// Running jobs held by `owner` on which a cancel has been requested, in sequence order.
    ///
    /// - Parameter owner: The worker.
    /// - Returns: The job ids.
    /// - Throws: ``BatchError/Code/storeFailed`` naming the file.
    public func cancelRequests(owner: String) async throws(BatchError) -> [JobID] {
        try await read("list cancel requests") { session in
            try session.jobIDs(
                sql: """
                    SELECT id FROM jobs WHERE state = 'running' AND cancel_requested = 1 AND lease_owner = ?
                    ORDER BY sequence
                    """, arguments: [owner])
        }
    }

    /// Returns to `pending` the running jobs whose owner is gone (see
    /// ``JobStore/recoverOrphans(isDead:now:)``).
    ///
    /// - Parameters:
    ///   - isDead: Decides from an owner string whether that worker is gone.
    ///   - now: The current time.
    /// - Returns: The transitions recorded.
    /// - Throws: ``BatchError/Code/storeFailed`` naming the file.
    public func recoverOrphans(isDead: @Sendable (String) -> Bool, now: Date) async throws(BatchError)
        -> [JobTransition]
    {
        try await write("recover orphaned jobs") { session in
            try session.recoverOrphans(isDead: isDead, now: now)
        }
    }

    /// One job, or `nil`.
    ///
    /// - Parameter id: The job id.
    /// - Throws: ``BatchError/Code/storeFailed`` naming the file.
    public func job(_ id: JobID) async throws(BatchError) -> JobRecord? {
        try await read("read job \(id)") { session in try session.fetchRecord(id) }
    }

    /// Jobs in the given states (all when `nil`), in sequence order.
    ///
    /// - Parameter states: The states wanted.
    /// - Throws: ``BatchError/Code/storeFailed`` naming the file.
    public func jobs(in states: Set<JobState>?) async throws(BatchError) -> [JobRecord] {
        try await read("list jobs") { session in try session.records(in: states) }
    }

    /// The number of jobs per state (states without jobs are absent).
    ///
    /// - Throws: ``BatchError/Code/storeFailed`` naming the file.
    public func counts() async throws(BatchError) -> [JobState: Int] {
        try await read("count jobs") { session in try session.counts() }
    }

    /// Transitions after `sequence`, oldest first, at most `limit`, only those of `job` when
    /// given.
    ///
    /// - Parameters:
    ///   - job: The job, or `nil` for all.
    ///   - sequence: The last sequence number already seen.
    ///   - limit: The most to return.
    /// - Throws: ``BatchError/Code/storeFailed`` naming the file.
    public func transitions(of job: JobID?, after sequence: Int64, limit: Int) async throws(BatchError)
        -> [JobTransition]
    {
        try await read("read transitions") { session in
            try session.transitions(of: job, after: sequence, limit: limit)
        }
    }

    /// The earliest `retryWait` `runAfter` or running lease expiry, or `nil`.
    ///
    /// - Throws: ``BatchError/Code/storeFailed`` naming the file.
    public func nextDueTime() async throws(BatchError) -> Date? {
        try await read("find the next due time") { session in try session.nextDueTime() }
    }

    /// Submits one scheduled run and records its slot in one transaction; `nil` when the slot
    /// was recorded already (see ``JobStore/submitScheduledRun(scheduleID:slot:jobs:options:now:)``).
    ///
    /// - Parameters:
    ///   - scheduleID: The schedule.
    ///   - slot: The scheduled time.
    ///   - jobs: The jobs of this run.
    ///   - options: Submit options.
    ///   - now: The current time.
    /// - Returns: The submission report, or `nil` when the slot was taken.
    /// - Throws: ``BatchError`` as ``submit(_:options:now:)`` does.
    public func submitScheduledRun(
        scheduleID: String, slot: Date, jobs: [JobSpec], options: SubmitOptions, now: Date
    ) async throws(BatchError) -> SubmitReport? {
        try await write("record the run at \(slot.formatted(.iso8601)) of schedule \(scheduleID)") { session in
            try session.submitScheduledRun(scheduleID: scheduleID, slot: slot, jobs: jobs, options: options, now: now)
        }
    }

    /// The latest recorded slot of a schedule and the jobs it submitted, or `nil`.
    ///
    /// - Parameter scheduleID: The schedule.
    /// - Throws: ``BatchError/Code/storeFailed`` naming the file.
    public func lastScheduleRun(scheduleID: String) async throws(BatchError) -> (slot: Date, jobs: [JobID])? {
        try await read("read the runs of schedule \(scheduleID)") { session in
            try session.lastScheduleRun(scheduleID: scheduleID)
        }
    }

    // MARK: - Diagnostics

    /// The result of `PRAGMA integrity_check` (`["ok"]` for a sound file); run it after a crash
    /// or before trusting a copied store.
    ///
    /// - Returns: SQLite's report lines.
    /// - Throws: ``BatchError`` (``BatchError/Code/storeFailed``) naming the file.
    public func integrityCheck() async throws(BatchError) -> [String] {
        try await read("check integrity") { session in try String.fetchAll(session.db, sql: "PRAGMA integrity_check") }
    }

    /// The writer connection's `PRAGMA synchronous` (1 = NORMAL, 2 = FULL).
    func synchronousSetting() async throws(BatchError) -> Int {
        try await write("read the synchronous setting") { session in
            try Int.fetchOne(session.db, sql: "PRAGMA synchronous") ?? -1
        }
    }

    /// Runs raw SQL in one write transaction (tests that damage or disguise a store).
    func executeForTesting(_ sql: String) async throws(BatchError) {
        try await write("run test SQL") { session in try session.db.execute(sql: sql) }
    }

    /// `EXPLAIN QUERY PLAN` of the claim query's ready-job selection.
    func claimQueryPlan() async throws(BatchError) -> [String] {
        try await read("explain the claim query") { session in
            try Row.fetchAll(session.db, sql: "EXPLAIN QUERY PLAN " + Session.readySQL, arguments: [0.0, 1])
                .map { $0["detail"] as String? ?? "" }
        }
    }

    // MARK: - Transactions

    /// Runs `body` in one `BEGIN IMMEDIATE` transaction on the writer connection.
    private func write<T: Sendable>(
        _ operation: String, _ body: @Sendable (Session) throws -> T
    ) async throws(BatchError) -> T {
        let path = path
        let specs = specs
        let tokens = tokens
        do {
            return try await pool.writeWithoutTransaction { db in
                var result: T?
                // Immediate: the write lock is taken before the first read, so what the
                // transaction reads cannot change under it (GRDB's default for writers, made
                // explicit here because claims depend on it).
                try db.inTransaction(.immediate) {
                    result = try body(Session(db: db, path: path, specs: specs, tokens: tokens))
                    return .commit
                }
                return result!
            }
        } catch {
            throw Self.storeError(error, path: path, doing: operation)
        }
    }

    /// Runs `body` in one read transaction (a consistent snapshot) on a reader connection.
    private func read<T: Sendable>(
        _ operation: String, _ body: @Sendable (Session) throws -> T
    ) async throws(BatchError) -> T {
        let path = path
        let specs = specs
        let tokens = tokens
        do {
            return try await pool.read { db in try body(Session(db: db, path: path, specs: specs, tokens: tokens)) }
        } catch {
            throw Self.storeError(error, path: path, doing: operation)
        }
    }

    /// Turns any error into a ``BatchError`` naming the file and what to do.
    static func storeError(_ error: any Error, path: URL, doing operation: String) -> BatchError {
        if let error = error as? BatchError { return error }
        let file = path.path
        if let error = error as? DatabaseError {
            let advice: String
            switch error.resultCode {
            case .SQLITE_NOTADB, .SQLITE_CORRUPT:
                advice =
                    "The file is not a QEIR job store or is damaged. Move it aside (keep it for inspection) and point the store at a new file, or restore a backup."
            case .SQLITE_BUSY, .SQLITE_LOCKED:
                advice =
                    "Another connection held the write lock longer than the busy timeout; nothing was changed. Retry, or raise SQLiteJobStore.Configuration.busyTimeout."
            case .SQLITE_FULL:
                advice = "The disk is full; nothing was changed. Free space and retry."
            case .SQLITE_READONLY, .SQLITE_PERM, .SQLITE_CANTOPEN, .SQLITE_AUTH:
                advice = "Check that the file and its directory exist and are writable by this user."
            case .SQLITE_IOERR:
                advice = "The disk reported an I/O error; nothing was changed. Check the file system and retry."
            case .SQLITE_INTERRUPT:
                advice = "The operation was interrupted (its task was cancelled); nothing was changed. Retry."
            default:
                advice =
                    "Nothing was changed. Retry; if it persists, check the file with `sqlite3 \(file) 'PRAGMA integrity_check'`."
            }
            return BatchError(
                .storeFailed,
                "The job store \(file) could not \(operation): \(error.message ?? "SQLite error") (SQLite code \(error.extendedResultCode.rawValue)). \(advice)",
                context: ["path": file, "sqlite_code": "\(error.extendedResultCode.rawValue)"])
        }
        if error is CancellationError {
            return BatchError(
                .storeFailed,
                "The job store \(file) did not \(operation): the task was cancelled first. Nothing was changed; retry from a task that is not cancelled.",
                context: ["path": file])
        }
        return BatchError(
            .storeFailed,
            "The job store \(file) could not \(operation): \(error). Nothing was changed; the stored data may have been altered outside QEIR — check the file with `sqlite3 \(file) 'PRAGMA integrity_check'`.",
            context: ["path": file])
    }

    /// A `Duration` in seconds.
    static func seconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) + Double(attoseconds) * 1e-18
    }
}

// MARK: - Session

extension SQLiteJobStore {
    /// The work of one transaction: statements, row decoding, and the store-wide transition
    /// counter (read once per transaction, under the write lock).
    private final class Session {
        let db: Database
        let path: URL
        let specs: SpecCache
        let tokens: LeaseTokens
        private let encoder = JSONEncoder()
        private let decoder = JSONDecoder()
        private var nextTransition: Int64?

        init(db: Database, path: URL, specs: SpecCache, tokens: LeaseTokens) {
            self.db = db
            self.path = path
            self.specs = specs
            self.tokens = tokens
        }

        /// Columns read into a ``JobRecord``, in ``decodeRecord(_:claiming:)``'s order.
        static let recordColumns = """
            id, spec, content_hash, state, sequence, attempts, failures, unmet_dependencies, submitted_at, \
            updated_at, started_at, finished_at, run_after, lease_owner, lease_token, lease_expires_at, \
            cancel_requested, last_error, result, reused_from
            """

        /// The ready jobs in claim order. Its first two terms repeat `jobs_ready`'s `WHERE`
        /// verbatim, which makes the partial index usable; `INDEXED BY` makes SQLite use it (left
        /// alone, the planner prefers `jobs_state_expiry` for `state IN (…)` and then sorts), and
        /// turns any later change that breaks the index's use into an error instead of a slow scan.
        static let readySQL = """
            SELECT \(recordColumns) FROM jobs INDEXED BY jobs_ready
            WHERE state IN ('pending', 'retry_wait') AND unmet_dependencies = 0
            AND cancel_requested = 0 AND (state = 'pending' OR run_after <= ?)
            ORDER BY priority DESC, sequence LIMIT ?
            """

        // MARK: Reading

        func fetchRecord(_ id: JobID) throws -> JobRecord? {
            let statement = try db.cachedStatement(sql: "SELECT \(Self.recordColumns) FROM jobs WHERE id = ?")
            return try Row.fetchOne(statement, arguments: [id.rawValue]).map { try decodeRecord($0, claiming: false) }
        }

        func records(in states: Set<JobState>?) throws -> [JobRecord] {
            guard let states else {
                return try Row.fetchAll(db, sql: "SELECT \(Self.recordColumns) FROM jobs ORDER BY sequence")
                    .map { try decodeRecord($0, claiming: false) }
            }
            if states.isEmpty { return [] }
            let marks = Array(repeating: "?", count: states.count).joined(separator: ", ")
            return try Row.fetchAll(
                db, sql: "SELECT \(Self.recordColumns) FROM jobs WHERE state IN (\(marks)) ORDER BY sequence",
                arguments: StatementArguments(states.map(\.rawValue))
            ).map { try decodeRecord($0, claiming: false) }
        }

        /// Reads a record; `claiming` drops its definition from the cache (see ``SpecCache``).
        func decodeRecord(_ row: Row, claiming: Bool) throws -> JobRecord {
            let idText: String = try row.decode(atIndex: 0)
            guard let id = JobID(rawValue: idText) else { throw corrupt("job id \"\(JobID.printable(idText))\"") }
            let specText: String = try row.decode(atIndex: 1)
            let spec: JobSpec
            if let cached = specs.spec(for: id, json: specText, consume: claiming) {
                spec = cached
            } else {
                do {
                    spec = try decoder.decode(JobSpec.self, from: Data(specText.utf8))
                } catch {
                    throw corrupt("definition of job \(id) (\(error))")
                }
            }
            var record = JobRecord(
                spec: spec, contentHash: try row.decode(atIndex: 2), state: try state(row, 3, job: id),
                sequence: try row.decode(atIndex: 4), submittedAt: try date(row, 8))
            record.attempts = try row.decode(atIndex: 5)
            record.failures = try row.decode(atIndex: 6)
            record.unmetDependencies = try row.decode(atIndex: 7)
            record.updatedAt = try date(row, 9)
            record.startedAt = try optionalDate(row, 10)
            record.finishedAt = try optionalDate(row, 11)
            record.runAfter = try optionalDate(row, 12)
            if let owner: String = try row.decode(atIndex: 13), let token: String = try row.decode(atIndex: 14),
                let expiry = try optionalDate(row, 15)
            {
                record.lease = Lease(jobID: id, owner: owner, token: token, expiresAt: expiry)
            }
            record.cancelRequested = try row.decode(atIndex: 16)
            record.lastError = try row.decode(atIndex: 17)
            if let resultText: String = try row.decode(atIndex: 18) {
                do {
                    record.result = try decoder.decode(ConfigValue.self, from: Data(resultText.utf8))
                } catch {
                    throw corrupt("result of job \(id) (\(error))")
                }
            }
            if let source: String = try row.decode(atIndex: 19) {
                guard let sourceID = JobID(rawValue: source) else { throw corrupt("reused_from of job \(id)") }
                record.reusedFrom = sourceID
            }
            return record
        }

        private func state(_ row: Row, _ index: Int, job: JobID) throws -> JobState {
            let text: String = try row.decode(atIndex: index)
            guard let state = JobState(rawValue: text) else { throw corrupt("state \"\(text)\" of job \(job)") }
            return state
        }

        private func date(_ row: Row, _ index: Int) throws -> Date {
            Date(timeIntervalSince1970: try row.decode(Double.self, atIndex: index))
        }

        private func optionalDate(_ row: Row, _ index: Int) throws -> Date? {
            try row.decode(Double?.self, atIndex: index).map(Date.init(timeIntervalSince1970:))
        }

        /// An error for stored data this code cannot read.
        func corrupt(_ what: String) -> BatchError {
            BatchError(
                .storeFailed,
                "The job store \(path.path) holds an unreadable \(what). The file was changed outside QEIR or by another version; restore a backup or move the file aside.",
                context: ["path": path.path])
        }

        func jobIDs(sql: String, arguments: StatementArguments) throws -> [JobID] {
            try String.fetchAll(db.cachedStatement(sql: sql), arguments: arguments).map { text throws in
                guard let id = JobID(rawValue: text) else { throw corrupt("job id \"\(JobID.printable(text))\"") }
                return id
            }
        }

        func counts() throws -> [JobState: Int] {
            var counts: [JobState: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT state, COUNT(*) FROM jobs GROUP BY state") {
                let text: String = try row.decode(atIndex: 0)
                guard let state = JobState(rawValue: text) else { throw corrupt("state \"\(text)\"") }
                counts[state] = try row.decode(atIndex: 1)
            }
            return counts
        }

        func transitions(of job: JobID?, after sequence: Int64, limit: Int) throws -> [JobTransition] {
            guard limit > 0 else { return [] }
            let columns = "sequence, job_id, from_state, to_state, at, reason, attempt"
            let rows: [Row]
            if let job {
                rows = try Row.fetchAll(
                    db.cachedStatement(
                        sql: """
                            SELECT \(columns) FROM job_transitions WHERE job_id = ? AND sequence > ?
                            ORDER BY sequence LIMIT ?
                            """), arguments: [job.rawValue, sequence, limit])
            } else {
                rows = try Row.fetchAll(
                    db.cachedStatement(
                        sql: "SELECT \(columns) FROM job_transitions WHERE sequence > ? ORDER BY sequence LIMIT ?"),
                    arguments: [sequence, limit])
            }
            return try rows.map { row in
                let idText: String = try row.decode(atIndex: 1)
                guard let id = JobID(rawValue: idText) else { throw corrupt("transition job id") }
                let fromText: String? = try row.decode(atIndex: 2)
                let from = try fromText.map { text throws in
                    guard let state = JobState(rawValue: text) else { throw corrupt("transition state \"\(text)\"") }
                    return state
                }
                return JobTransition(
                    sequence: try row.decode(atIndex: 0), jobID: id, from: from, to: try state(row, 3, job: id),
                    at: try date(row, 4), reason: try row.decode(atIndex: 5), attempt: try row.decode(atIndex: 6))
            }
        }

        func nextDueTime() throws -> Date? {
            let seconds = try Double.fetchOne(
                db.cachedStatement(
                    sql: """
                        SELECT MIN(due) FROM (
                            SELECT MIN(run_after) AS due FROM jobs WHERE state = 'retry_wait'
                            UNION ALL
                            SELECT MIN(lease_expires_at) FROM jobs WHERE state = 'running')
                        """))
            return seconds.map(Date.init(timeIntervalSince1970:))
        }

        func lastScheduleRun(scheduleID: String) throws -> (slot: Date, jobs: [JobID])? {
            guard
                let row = try Row.fetchOne(
                    db,
                    sql: "SELECT slot, jobs FROM schedule_runs WHERE schedule_id = ? ORDER BY slot DESC LIMIT 1",
                    arguments: [scheduleID])
            else { return nil }
            let text: String = try row.decode(atIndex: 1)
            guard let ids = try? decoder.decode([JobID].self, from: Data(text.utf8)) else {
                throw corrupt("job list of schedule \(scheduleID)")
            }
            return (try date(row, 0), ids)
        }

        // MARK: Writing

        /// The next store-wide transition number.
        private func transitionSequence() throws -> Int64 {
            if let next = nextTransition { return next }
            let last = try Int64.fetchOne(db.cachedStatement(sql: "SELECT MAX(sequence) FROM job_transitions")) ?? 0
            nextTransition = last + 1
            return last + 1
        }

        /// Appends a transition with the next sequence number.
        @discardableResult
        func record(_ id: JobID, from: JobState?, to: JobState, at now: Date, reason: String, attempt: Int) throws
            -> JobTransition
        {
            let transition = JobTransition(
                sequence: try transitionSequence(), jobID: id, from: from, to: to, at: now, reason: reason,
                attempt: attempt)
            try insert(transition)
            nextTransition = transition.sequence + 1
            return transition
        }

        private func insert(_ transition: JobTransition) throws {
            try db.cachedStatement(
                sql: """
                    INSERT INTO job_transitions (sequence, job_id, from_state, to_state, at, reason, attempt)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """
            ).execute(arguments: [
                transition.sequence, transition.jobID.rawValue, transition.from?.rawValue, transition.to.rawValue,
                transition.at.timeIntervalSince1970, transition.reason, transition.attempt,
            ])
        }

        private func json(_ value: some Encodable) throws -> String {
            String(decoding: try encoder.encode(value), as: UTF8.self)
        }

        /// Applies a submission plan made by ``StoreRules/planSubmission``.
        func submit(_ specs: [JobSpec], options: SubmitOptions, now: Date) throws -> SubmitReport {
            let nextJob = (try Int64.fetchOne(db.cachedStatement(sql: "SELECT MAX(sequence) FROM jobs")) ?? 0) + 1
            let firstTransition = try transitionSequence()
            let plan = try StoreRules.planSubmission(
                specs, options: options, now: now, nextJobSequence: nextJob, nextTransitionSequence: firstTransition,
                existing: { id throws(BatchError) in
                    do { return try fetchRecord(id) } catch { throw storeError(error, doing: "read job \(id)") }
                },
                succeededWithHash: { hash throws(BatchError) in
                    do { return try succeeded(withHash: hash) } catch {
                        throw storeError(error, doing: "look up results to reuse")
                    }
                })
            for record in plan.inserts {
                try db.cachedStatement(
                    sql: """
                        INSERT INTO jobs (id, spec, name, handler, priority, sequence, state, attempts, failures,
                            unmet_dependencies, content_hash, submitted_at, updated_at, finished_at, result, reused_from)
                        VALUES (?, ?, ?, ?, ?, ?, ?, 0, 0, ?, ?, ?, ?, ?, ?, ?)
                        """
                ).execute(arguments: try insertArguments(record))
            }
            for record in plan.resets {
                // A reset job keeps its sequence and submission time; its history stays.
                try db.cachedStatement(
                    sql: """
                        UPDATE jobs SET spec = ?, name = ?, handler = ?, priority = ?, sequence = ?, state = ?,
                            attempts = 0, failures = 0, unmet_dependencies = ?, content_hash = ?, submitted_at = ?,
                            updated_at = ?, finished_at = ?, result = ?, reused_from = ?, started_at = NULL,
                            run_after = NULL, lease_owner = NULL, lease_token = NULL, lease_expires_at = NULL,
                            cancel_requested = 0, last_error = NULL
                        WHERE id = ?
                        """
                ).execute(arguments: try insertArguments(record, idLast: true))
                try db.cachedStatement(sql: "DELETE FROM job_dependencies WHERE job_id = ?")
                    .execute(arguments: [record.id.rawValue])
            }
            for record in plan.inserts + plan.resets {
                for dependency in record.spec.dependencies {
                    try db.cachedStatement(sql: "INSERT INTO job_dependencies (job_id, depends_on) VALUES (?, ?)")
                        .execute(arguments: [record.id.rawValue, dependency.rawValue])
                }
            }
            for transition in plan.transitions { try insert(transition) }
            nextTransition = firstTransition + Int64(plan.transitions.count)
            return SubmitReport(entries: plan.entries, transitions: plan.transitions)
        }

        private func insertArguments(_ record: JobRecord, idLast: Bool = false) throws -> StatementArguments {
            let spec: String
            do {
                spec = try StoredJSON.spec(record.spec) ?? json(record.spec)
                specs.store(record.spec, json: spec)
            } catch {
                throw BatchError(
                    .invalidJob,
                    "The payload of job \(record.id) cannot be stored as JSON: it holds a number that JSON cannot represent (NaN or infinity). Use finite numbers, or encode such values as strings.",
                    context: ["job": record.id.rawValue])
            }
            let result = try record.result.map { value throws in try resultJSON(value, job: record.id) }
            let values: [(any DatabaseValueConvertible)?] = [
                spec, record.spec.name, record.spec.handler, record.spec.priority, record.sequence,
                record.state.rawValue, record.unmetDependencies, record.contentHash,
                record.submittedAt.timeIntervalSince1970, record.updatedAt.timeIntervalSince1970,
                record.finishedAt?.timeIntervalSince1970, result, record.reusedFrom?.rawValue,
            ]
            return StatementArguments(idLast ? values + [record.id.rawValue] : [record.id.rawValue] + values)
        }

        private func resultJSON(_ value: ConfigValue, job: JobID) throws -> String {
            do {
                return try StoredJSON.value(value) ?? json(value)
            } catch {
                throw BatchError(
                    .invalidValue,
                    "The result of job \(job) cannot be stored as JSON: it holds a number that JSON cannot represent (NaN or infinity). Return finite numbers, or encode such values as strings; no completion of this batch was recorded.",
                    context: ["job": job.rawValue])
            }
        }

        /// The oldest succeeded job (first to finish) with the given content hash.
        private func succeeded(withHash hash: String) throws -> JobRecord? {
            let statement = try db.cachedStatement(
                sql: """
                    SELECT \(Self.recordColumns) FROM jobs INDEXED BY jobs_succeeded_hash
                    WHERE content_hash = ? AND state = 'succeeded' ORDER BY finished_at, sequence LIMIT 1
                    """)
            return try Row.fetchOne(statement, arguments: [hash]).map { try decodeRecord($0, claiming: false) }
        }

        func storeError(_ error: any Error, doing operation: String) -> BatchError {
            SQLiteJobStore.storeError(error, path: path, doing: operation)
        }

        func claim(owner: String, limit: Int, now: Date, leaseDuration: Duration) throws -> (
            claimed: [ClaimedJob], requeued: [JobTransition]
        ) {
            let nowSeconds = now.timeIntervalSince1970
            var requeued: [JobTransition] = []
            let expired = try Row.fetchAll(
                db.cachedStatement(
                    sql: """
                        SELECT id, lease_owner, lease_token, attempts, cancel_requested FROM jobs
                        WHERE state = 'running' AND lease_expires_at <= ? ORDER BY lease_expires_at, sequence
                        """), arguments: [nowSeconds])
            for row in expired {
                let owner: String = try row.decode(atIndex: 1)
                requeued += try requeue(
                    row, reason: StoreRules.expiredLeaseReason(owner: owner), outcome: "expired", now: now)
            }
            guard limit > 0 else { return ([], requeued) }
            let ready = try Row.fetchAll(db.cachedStatement(sql: Self.readySQL), arguments: [nowSeconds, limit])
            let expiry = StoreRules.adding(leaseDuration, to: now)
            var claimed: [ClaimedJob] = []
            claimed.reserveCapacity(ready.count)
            let update = try db.cachedStatement(
                sql: """
                    UPDATE jobs SET state = 'running', attempts = ?, lease_owner = ?, lease_token = ?,
                        lease_expires_at = ?, run_after = NULL, updated_at = ?, started_at = ?
                    WHERE id = ?
                    """)
            let attempt = try db.cachedStatement(
                sql: "INSERT INTO job_attempts (job_id, attempt, owner, token, started_at) VALUES (?, ?, ?, ?, ?)")
            for row in ready {
                var job = try decodeRecord(row, claiming: true)
                let lease = Lease(jobID: job.id, owner: owner, token: tokens.next(), expiresAt: expiry)
                let from = job.state
                job.markRunning(lease: lease, now: now)
                try update.execute(arguments: [
                    job.attempts, owner, lease.token, expiry.timeIntervalSince1970, nowSeconds,
                    job.startedAt!.timeIntervalSince1970, job.id.rawValue,
                ])
                try attempt.execute(arguments: [job.id.rawValue, job.attempts, owner, lease.token, nowSeconds])
                try record(
                    job.id, from: from, to: .running, at: now, reason: "attempt \(job.attempts) started by \(owner)",
                    attempt: job.attempts)
                claimed.append(ClaimedJob(record: job, lease: lease))
            }
            return (claimed, requeued)
        }

        /// Returns a running job to `pending` (lease expired or worker gone), closing its
        /// attempt; a job on which a cancel was requested then ends `cancelled`, skipping its
        /// dependents. `row` holds `id, lease_owner, lease_token, attempts, cancel_requested`.
        private func requeue(_ row: Row, reason: String, outcome: String, now: Date) throws -> [JobTransition] {
            let idText: String = try row.decode(atIndex: 0)
            guard let id = JobID(rawValue: idText) else { throw corrupt("job id \"\(JobID.printable(idText))\"") }
            let token: String? = try row.decode(atIndex: 2)
            let attempts: Int = try row.decode(atIndex: 3)
            let cancelRequested: Bool = try row.decode(atIndex: 4)
            try db.cachedStatement(
                sql: """
                    UPDATE jobs SET state = 'pending', lease_owner = NULL, lease_token = NULL,
                        lease_expires_at = NULL, updated_at = ?
                    WHERE id = ?
                    """
            ).execute(arguments: [now.timeIntervalSince1970, id.rawValue])
            try closeAttempt(id, token: token, outcome: outcome, error: nil, at: now)
            var transitions = [
                try record(id, from: .running, to: .pending, at: now, reason: reason, attempt: attempts)
            ]
            if cancelRequested {
                transitions += try finish(id, as: .cancelled, from: .pending, reason: "cancel requested", now: now)
            }
            return transitions
        }

        private func closeAttempt(_ id: JobID, token: String?, outcome: String, error: String?, at now: Date) throws {
            guard let token else { return }
            try db.cachedStatement(
                sql: """
                    UPDATE job_attempts SET ended_at = ?, outcome = ?, error = ?
                    WHERE job_id = ? AND token = ? AND ended_at IS NULL
                    """
            ).execute(arguments: [now.timeIntervalSince1970, outcome, error, id.rawValue, token])
        }

        /// Ends a non-running job as `cancelled` or `failed` and skips its dependents.
        private func finish(_ id: JobID, as state: JobState, from: JobState, reason: String, now: Date) throws
            -> [JobTransition]
        {
            let attempts = try setFinal(id, state: state, now: now)
            var transitions = [try record(id, from: from, to: state, at: now, reason: reason, attempt: attempts)]
            transitions += try skipDependents(of: id, state: state, now: now)
            return transitions
        }

        /// Sets a final state with its finish time; returns the job's attempts.
        private func setFinal(_ id: JobID, state: JobState, now: Date) throws -> Int {
            specs.remove(id)
            try db.cachedStatement(
                sql: """
                    UPDATE jobs SET state = ?, finished_at = ?, updated_at = ?, lease_owner = NULL,
                        lease_token = NULL, lease_expires_at = NULL
                    WHERE id = ?
                    """
            ).execute(arguments: [state.rawValue, now.timeIntervalSince1970, now.timeIntervalSince1970, id.rawValue])
            return try Int.fetchOne(
                db.cachedStatement(sql: "SELECT attempts FROM jobs WHERE id = ?"), arguments: [id.rawValue]) ?? 0
        }

        /// Skips the non-final dependents of `id`, transitively (``StoreRules/propagateSkips``).
        private func skipDependents(of id: JobID, state: JobState, now: Date) throws -> [JobTransition] {
            var transitions: [JobTransition] = []
            try StoreRules.propagateSkips(
                from: id, rootState: state,
                dependents: { parent throws in
                    try jobIDs(
                        sql: """
                            SELECT d.job_id FROM job_dependencies d JOIN jobs j ON j.id = d.job_id
                            WHERE d.depends_on = ? ORDER BY j.sequence
                            """, arguments: [parent.rawValue])
                },
                state: { child throws in
                    try String.fetchOne(
                        db.cachedStatement(sql: "SELECT state FROM jobs WHERE id = ?"), arguments: [child.rawValue]
                    ).map { text throws in
                        guard let state = JobState(rawValue: text) else { throw corrupt("state \"\(text)\"") }
                        return state
                    }
                },
                skip: { child, reason throws in
                    let from = try String.fetchOne(
                        db.cachedStatement(sql: "SELECT state FROM jobs WHERE id = ?"), arguments: [child.rawValue]
                    ).flatMap(JobState.init(rawValue:))
                    let attempts = try setFinal(child, state: .skipped, now: now)
                    transitions.append(
                        try record(child, from: from, to: .skipped, at: now, reason: reason, attempt: attempts))
                })
            return transitions
        }

        func renew(_ leases: [Lease], now: Date, leaseDuration: Duration) throws -> LeaseRenewal {
            var renewal = LeaseRenewal(renewed: [], lost: [], cancelRequested: [])
            let expiry = StoreRules.adding(leaseDuration, to: now)
            let lookup = try db.cachedStatement(
                sql: "SELECT state, lease_token, cancel_requested FROM jobs WHERE id = ?")
            let update = try db.cachedStatement(sql: "UPDATE jobs SET lease_expires_at = ? WHERE id = ?")
            for lease in leases {
                guard let row = try Row.fetchOne(lookup, arguments: [lease.jobID.rawValue]),
                    try row.decode(String.self, atIndex: 0) == JobState.running.rawValue,
                    try row.decode(String?.self, atIndex: 1) == lease.token
                else {
                    renewal.lost.append(lease.jobID)
                    continue
                }
                try update.execute(arguments: [expiry.timeIntervalSince1970, lease.jobID.rawValue])
                var renewed = lease
                renewed.expiresAt = expiry
                renewal.renewed.append(renewed)
                if try row.decode(Bool.self, atIndex: 2) { renewal.cancelRequested.append(lease.jobID) }
            }
            return renewal
        }

        func complete(_ completion: Completion, now: Date) throws -> CompletionReceipt {
            let id = completion.lease.jobID
            let lookup = try db.cachedStatement(
                sql: "SELECT state, lease_token, attempts, cancel_requested FROM jobs WHERE id = ?")
            guard let row = try Row.fetchOne(lookup, arguments: [id.rawValue]) else {
                return CompletionReceipt(jobID: id, accepted: false, state: .pending, transitions: [])
            }
            let current = try state(row, 0, job: id)
            let token: String? = try row.decode(atIndex: 1)
            guard current == .running, token == completion.lease.token else {
                return CompletionReceipt(jobID: id, accepted: false, state: current, transitions: [])
            }
            let attempt: Int = try row.decode(atIndex: 2)
            let cancelRequested: Bool = try row.decode(atIndex: 3)
            let nowSeconds = now.timeIntervalSince1970
            var transitions: [JobTransition] = []
            let final: JobState
            switch completion.outcome {
            case .succeeded(let result):
                try db.cachedStatement(
                    sql: """
                        UPDATE jobs SET state = 'succeeded', result = ?, finished_at = ?, updated_at = ?,
                            cancel_requested = 0, lease_owner = NULL, lease_token = NULL, lease_expires_at = NULL
                        WHERE id = ?
                        """
                ).execute(arguments: [try resultJSON(result, job: id), nowSeconds, nowSeconds, id.rawValue])
                try closeAttempt(id, token: token, outcome: "succeeded", error: nil, at: now)
                transitions.append(
                    try record(
                        id, from: .running, to: .succeeded, at: now, reason: "attempt \(attempt) succeeded",
                        attempt: attempt))
                // `+state` keeps the planner on the primary key (by the dependents' ids): left to
                // itself it scans every unfinished job through `jobs_state_expiry`.
                try db.cachedStatement(
                    sql: """
                        UPDATE jobs SET unmet_dependencies = unmet_dependencies - 1
                        WHERE id IN (SELECT job_id FROM job_dependencies WHERE depends_on = ?)
                        AND +state IN ('pending', 'retry_wait', 'running') AND unmet_dependencies > 0
                        """
                ).execute(arguments: [id.rawValue])
                final = .succeeded
            case .failed(let error, let timedOut, let retryAt):
                let what = timedOut ? "timed out" : "failed"
                let reason = "attempt \(attempt) \(what): \(error)"
                try closeAttempt(id, token: token, outcome: timedOut ? "timed_out" : "failed", error: error, at: now)
                if let retryAt, !cancelRequested {
                    try db.cachedStatement(
                        sql: """
                            UPDATE jobs SET state = 'retry_wait', failures = failures + 1, last_error = ?,
                                run_after = ?, updated_at = ?, lease_owner = NULL, lease_token = NULL,
                                lease_expires_at = NULL
                            WHERE id = ?
                            """
                    ).execute(arguments: [error, retryAt.timeIntervalSince1970, nowSeconds, id.rawValue])
                    transitions.append(
                        try record(id, from: .running, to: .retryWait, at: now, reason: reason, attempt: attempt))
                    final = .retryWait
                } else {
                    try db.cachedStatement(
                        sql: "UPDATE jobs SET failures = failures + 1, last_error = ? WHERE id = ?"
                    ).execute(arguments: [error, id.rawValue])
                    transitions += try finish(id, as: .failed, from: .running, reason: reason, now: now)
                    final = .failed
                }
            case .cancelled(let reason):
                try closeAttempt(id, token: token, outcome: "cancelled", error: reason, at: now)
                transitions += try finish(id, as: .cancelled, from: .running, reason: reason, now: now)
                final = .cancelled
            case .released(let reason):
                try closeAttempt(id, token: token, outcome: "released", error: reason, at: now)
                try db.cachedStatement(
                    sql: """
                        UPDATE jobs SET state = 'pending', updated_at = ?, lease_owner = NULL, lease_token = NULL,
                            lease_expires_at = NULL
                        WHERE id = ?
                        """
                ).execute(arguments: [nowSeconds, id.rawValue])
                transitions.append(
                    try record(id, from: .running, to: .pending, at: now, reason: reason, attempt: attempt))
                if cancelRequested {
                    transitions += try finish(id, as: .cancelled, from: .pending, reason: "cancel requested", now: now)
                    final = .cancelled
                } else {
                    final = .pending
                }
            }
            return CompletionReceipt(jobID: id, accepted: true, state: final, transitions: transitions)
        }

        func cancel(_ ids: [JobID], reason: String, now: Date) throws -> [JobTransition] {
            let lookup = try db.cachedStatement(sql: "SELECT state FROM jobs WHERE id = ?")
            for id in ids where try String.fetchOne(lookup, arguments: [id.rawValue]) == nil {
                throw BatchError(
                    .unknownJob, "No job \(id) in the store. List jobs to see their ids.", context: ["job": id.rawValue]
                )
            }
            var transitions: [JobTransition] = []
            for id in ids {
                guard let text = try String.fetchOne(lookup, arguments: [id.rawValue]),
                    let current = JobState(rawValue: text), !current.isTerminal
                else { continue }
                if current == .running {
                    try db.cachedStatement(sql: "UPDATE jobs SET cancel_requested = 1 WHERE id = ?")
                        .execute(arguments: [id.rawValue])
                    continue
                }
                transitions += try finish(id, as: .cancelled, from: current, reason: reason, now: now)
            }
            return transitions
        }

        func recoverOrphans(isDead: (String) -> Bool, now: Date) throws -> [JobTransition] {
            let running = try Row.fetchAll(
                db.cachedStatement(
                    sql: """
                        SELECT id, lease_owner, lease_token, attempts, cancel_requested FROM jobs
                        WHERE state = 'running' ORDER BY sequence
                        """))
            var transitions: [JobTransition] = []
            for row in running {
                guard let owner: String = try row.decode(atIndex: 1), isDead(owner) else { continue }
                transitions += try requeue(row, reason: "worker \(owner) is gone", outcome: "orphaned", now: now)
            }
            return transitions
        }

        func submitScheduledRun(
            scheduleID: String, slot: Date, jobs: [JobSpec], options: SubmitOptions, now: Date
        ) throws -> SubmitReport? {
            let taken = try Int.fetchOne(
                db, sql: "SELECT 1 FROM schedule_runs WHERE schedule_id = ? AND slot = ?",
                arguments: [scheduleID, slot.timeIntervalSince1970])
            if taken != nil { return nil }
            let report = try submit(jobs, options: options, now: now)
            try db.execute(
                sql: "INSERT INTO schedule_runs (schedule_id, slot, jobs, recorded_at) VALUES (?, ?, ?, ?)",
                arguments: [
                    scheduleID, slot.timeIntervalSince1970, try json(jobs.map(\.id)), now.timeIntervalSince1970,
                ])
            return report
        }
    }
}

// MARK: - Decoded definitions

extension SQLiteJobStore {
    /// Job definitions this store encoded at submission, by id, with their JSON text, so that a
    /// claim in the same process need not decode them again (JSON decoding is most of a claim's
    /// cost). An entry is used only when its text equals the stored `spec` column byte for byte,
    /// so a stale entry (a rolled-back submission, a reset by another process) is never used;
    /// entries leave at the job's claim or end, and the cache is emptied when it reaches
    /// ``capacity`` entries. Jobs submitted by another process are decoded as usual.
    package final class SpecCache: Sendable {
        /// An empty cache.
        package init() {}
        /// The most entries kept.
        static let capacity = 100_000
        private let entries = Mutex<[JobID: (json: String, spec: JobSpec)]>([:])

        /// The cached definition of `id` if it was encoded to exactly `json`.
        package func spec(for id: JobID, json: String, consume: Bool) -> JobSpec? {
            entries.withLock { entries in
                guard let entry = entries[id], entry.json == json else { return nil }
                if consume { entries[id] = nil }
                return entry.spec
            }
        }

        /// Remembers a definition and its JSON text.
        package func store(_ spec: JobSpec, json: String) {
            entries.withLock { entries in
                if entries.count >= Self.capacity { entries.removeAll() }
                entries[spec.id] = (json, spec)
            }
        }

        /// Forgets a definition.
        package func remove(_ id: JobID) {
            _ = entries.withLock { $0.removeValue(forKey: id) }
        }
    }
}

// MARK: - JSON of stored definitions

/// JSON text of definitions and results as stored in the `spec` and `result` columns, written
/// by hand for the common case: `JSONEncoder` was the largest single cost of a durable
/// submission. The text is read back with `JSONDecoder` (the synthesized `Decodable` of
/// ``JobSpec``, ``ConfigValue``'s), so only its validity and values matter, not its formatting.
/// Values holding a `.number` and definitions with a timeout are left to `JSONEncoder` (`nil`),
/// which keeps the classification of numbers and the encoding of `Duration` exactly as before.
package enum StoredJSON {
    /// The definition as JSON, or `nil` to use `JSONEncoder`.
    package static func spec(_ spec: JobSpec) -> String? {
        guard spec.timeout == nil, !hasNumber(spec.payload) else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(160)
        bytes.append(contentsOf: #"{"id":"#.utf8)
        ContentHash.appendString(spec.id.rawValue, to: &bytes)
        bytes.append(contentsOf: #","name":"#.utf8)
        ContentHash.appendString(spec.name, to: &bytes)
        bytes.append(contentsOf: #","handler":"#.utf8)
        ContentHash.appendString(spec.handler, to: &bytes)
        bytes.append(contentsOf: #","payload":"#.utf8)
        ContentHash.append(spec.payload, to: &bytes)
        bytes.append(contentsOf: #","priority":"#.utf8)
        bytes.append(contentsOf: String(spec.priority).utf8)
        bytes.append(contentsOf: #","dependencies":"#.utf8)
        appendStrings(spec.dependencies.lazy.map(\.rawValue), to: &bytes)
        bytes.append(contentsOf: #","maxRetries":"#.utf8)
        bytes.append(contentsOf: String(spec.maxRetries).utf8)
        bytes.append(contentsOf: #","tags":"#.utf8)
        appendStrings(spec.tags, to: &bytes)
        bytes.append(contentsOf: #","inputs":"#.utf8)
        ContentHash.append(.object(spec.inputs.mapValues { .string($0) }), to: &bytes)
        if let seed = spec.seed {
            bytes.append(contentsOf: #","seed":"#.utf8)
            bytes.append(contentsOf: String(seed).utf8)
        }
        bytes.append(contentsOf: #","intermediateFiles":"#.utf8)
        appendStrings(spec.intermediateFiles, to: &bytes)
        bytes.append(UInt8(ascii: "}"))
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The value as JSON, or `nil` to use `JSONEncoder`.
    package static func value(_ value: ConfigValue) -> String? {
        hasNumber(value) ? nil : ContentHash.canonicalJSON(value)
    }

    private static func appendStrings(_ strings: some Sequence<String>, to bytes: inout [UInt8]) {
        bytes.append(UInt8(ascii: "["))
        for (index, text) in strings.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            ContentHash.appendString(text, to: &bytes)
        }
        bytes.append(UInt8(ascii: "]"))
    }

    private static func hasNumber(_ value: ConfigValue) -> Bool {
        switch value {
        case .null, .bool, .integer, .string: false
        case .number: true
        case .array(let elements): elements.contains(where: hasNumber)
        case .object(let members): members.values.contains(where: hasNumber)
        }
    }
}
