public import Foundation
public import Logging
internal import NIOSSL
internal import PostgresNIO
public import QEIRBatch

/// A ``JobStore`` in a PostgreSQL database: the queue that worker processes on many machines
/// share (`qeir worker --store postgres://…`).
///
/// It follows every rule of ``JobStore`` (the conformance suite runs against it), in the way
/// established PostgreSQL job queues (River, Oban, graphile-worker, Solid Queue) do:
///
/// - **Claims** lock ready rows with `SELECT … FOR UPDATE SKIP LOCKED`, so concurrent workers
///   never wait for each other and never receive the same job, and lease them in the same
///   statement (one round trip for a batch of claims). The ready rows are read through the
///   partial index `jobs_ready` (`state IN ('pending','retry_wait') AND unmet_dependencies = 0`,
///   ordered by priority, then sequence), so a claim never visits running or finished jobs.
/// - **Leases** carry a random token and an expiry; workers renew them while a job runs
///   (``BatchProcessor`` renews every third of the lease). A claim first returns jobs whose lease
///   expired to the queue (their worker crashed or lost the database); a completion presented
///   with a lease that is no longer current is rejected (`accepted: false`), so a worker that
///   lost its lease can never overwrite the result of the worker that re-claimed the job.
/// - **Wake-ups**: submissions, releases and completions that make work ready send a
///   `NOTIFY` on the channel `qeir_<schema>`; ``watchForWork(_:)`` listens on it.
/// - **Ordering**: transitions are numbered from one counter row that each writing transaction
///   locks just before it commits, so a reader that pages through ``transitions(of:after:limit:)``
///   never misses a transition committed later with a smaller number.
/// - **Submissions** lock the rows they depend on (`FOR UPDATE`), so a dependency that succeeds
///   concurrently cannot leave a new dependent waiting forever.
///
/// Transactions that PostgreSQL aborts for a deadlock or a serialization failure are retried
/// (up to five times) before an error is thrown; a method that throws has changed nothing.
///
/// Results (the ``ConfigValue`` each job returns) live in the database, so any machine reads
/// them; result files go to the processor's output directory, which must be a shared directory
/// when workers run on several machines (see the Cluster guide).
///
/// The store owns a connection pool; call ``close()`` when done (dropping the last reference
/// also closes it).
public final class PostgresJobStore: JobStoreWakeups {
    /// Settings of a ``PostgresJobStore``.
    public struct Configuration: Sendable {
        /// The most connections the store opens (one more is used while listening).
        public var maximumConnections: Int = 8
        /// How long to wait for a connection to the server.
        public var connectTimeout: Duration = .seconds(10)

        /// Creates a configuration.
        ///
        /// - Parameters:
        ///   - maximumConnections: The pool's size.
        ///   - connectTimeout: The connection timeout.
        public init(maximumConnections: Int = 8, connectTimeout: Duration = .seconds(10)) {
            self.maximumConnections = maximumConnections
            self.connectTimeout = connectTimeout
        }
    }

    /// Where the store lives (prints without its password).
    public let location: PostgresStoreLocation
    /// The settings it was opened with.
    public let configuration: Configuration
    let client: PostgresClient
    private let runTask: Task<Void, Never>
    let schema: String
    let channel: String
    private let tokenPrefix: String
    private let specs = SQLiteJobStore.SpecCache()
    let logger: Logger

    /// The schema version this code writes (`meta.schema_version`).
    static let schemaVersion = 1

    /// Opens the store: connects, creates the schema and its tables when missing, and checks
    /// that an existing schema is a QEIR job store this version can use.
    ///
    /// - Parameters:
    ///   - location: The database and schema.
    ///   - configuration: Pool settings.
    ///   - logger: Where connection problems are logged (never with the password).
    /// - Throws: ``BatchError`` (``BatchError/Code/storeFailed``) naming the location (without
    ///   password) when the server cannot be reached, refuses the credentials, or the schema
    ///   holds another program's tables or a newer QEIR's.
    public init(
        _ location: PostgresStoreLocation, configuration: Configuration = .init(),
        logger: Logger = Logger(label: "qeir.postgres")
    ) async throws(BatchError) {
        self.location = location
        self.configuration = configuration
        self.logger = logger
        schema = location.schema
        channel = "qeir_\(location.schema)"
        var generator = SystemRandomNumberGenerator()
        let value: UInt64 = generator.next()
        let hex = String(value, radix: 16)
        tokenPrefix = String(repeating: "0", count: 16 - hex.count) + hex
        // Connection attempts are logged at info level by PostgresNIO; their failures reach the
        // caller as errors, so only warnings and worse are passed on.
        var backgroundLogger = logger
        backgroundLogger.logLevel = max(logger.logLevel, .warning)
        let tls: PostgresClient.Configuration.TLS
        switch location.tls {
        case .disable: tls = .disable
        case .prefer: tls = .prefer(.makeClientConfiguration())
        case .require: tls = .require(.makeClientConfiguration())
        }
        var clientConfiguration = PostgresClient.Configuration(
            host: location.host, port: location.port, username: location.username, password: location.password,
            database: location.database, tls: tls)
        clientConfiguration.options.maximumConnections = max(2, configuration.maximumConnections)
        clientConfiguration.options.connectTimeout = configuration.connectTimeout
        clientConfiguration.options.additionalStartupParameters = [("application_name", "qeir")]
        let client = PostgresClient(configuration: clientConfiguration, backgroundLogger: backgroundLogger)
        self.client = client
        // The pool runs for the life of the store (until `close()` or deinit), like a file
        // handle; a scoped task cannot outlive this initializer.
        runTask = Task { await client.run() }
        // One direct connection first: a wrong password or an unreachable server fails here at
        // once with the server's own reason (a pool would retry with backoff for a minute and
        // then report only that it gave up), and the schema is created or checked on it. The
        // pool's task starts meanwhile, so it runs before its first lease.
        do {
            try await Self.prepareSchema(location, configuration: configuration, logger: backgroundLogger)
        } catch {
            runTask.cancel()
            throw error
        }
    }

    /// Opens the store at a URL (see ``PostgresStoreLocation``).
    ///
    /// - Parameters:
    ///   - url: `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?schema=NAME]`.
    ///   - configuration: Pool settings.
    ///   - logger: Where connection problems are logged.
    /// - Throws: ``BatchError`` as ``init(_:configuration:logger:)`` does, or for a malformed URL.
    public convenience init(
        url: String, configuration: Configuration = .init(), logger: Logger = Logger(label: "qeir.postgres")
    ) async throws(BatchError) {
        let location = try PostgresStoreLocation(
            url: url, environmentPassword: ProcessInfo.processInfo.environment["PGPASSWORD"])
        try await self.init(location, configuration: configuration, logger: logger)
    }

    deinit {
        runTask.cancel()
    }

    /// Closes the connection pool. Calls made afterwards fail with
    /// ``BatchError/Code/storeFailed``.
    public func close() async {
        runTask.cancel()
        await runTask.value
    }

    // MARK: - Schema

    /// The tables, in the store's schema (see the Cluster guide for the layout):
    ///
    /// - `meta(key, value)`: `schema_version`.
    /// - `counters(name, value)`: `job` (last job sequence), `transition` (last transition
    ///   sequence). Locking the `transition` row orders commits that record transitions.
    /// - `jobs`: as in ``SQLiteJobStore``; times are `double precision` unix seconds. `sequence`
    ///   is unique by construction (allocated under the `job` counter's lock) and has no index of
    ///   its own: every claim and completion writes a new row version, and each index costs an
    ///   entry per version (dropping it raised the 4-worker drain rate by about a fifth).
    /// - `job_dependencies`, `job_transitions`, `schedule_runs`: as in ``SQLiteJobStore``.
    /// - `job_attempts`: one row per *ended* attempt (owner, token, start, end, outcome, error),
    ///   written once when the attempt ends; the running attempt is the job row's lease and
    ///   `attempt_started_at`.
    ///
    /// Indexes: `jobs_ready` (partial, the claim order), `jobs_running_expiry` (partial on
    /// running jobs' lease expiry, for rescue), `jobs_retry_due` (partial on `run_after` of
    /// waiting retries), `jobs_succeeded_hash` (partial, for result reuse).
    private static func schemaSQL(_ schema: String) -> [String] {
        let s = "\"\(schema)\""
        return [
            "CREATE TABLE \(s).meta (key text PRIMARY KEY, value text NOT NULL)",
            "INSERT INTO \(s).meta (key, value) VALUES ('schema_version', '\(Self.schemaVersion)')",
            "CREATE TABLE \(s).counters (name text PRIMARY KEY, value bigint NOT NULL)",
            "INSERT INTO \(s).counters (name, value) VALUES ('job', 0), ('transition', 0)",
            """
            CREATE TABLE \(s).jobs (
                id text PRIMARY KEY,
                spec text NOT NULL,
                name text NOT NULL,
                handler text NOT NULL,
                priority bigint NOT NULL,
                sequence bigint NOT NULL,
                state text NOT NULL CHECK (state IN
                    ('pending', 'retry_wait', 'running', 'succeeded', 'failed', 'cancelled', 'skipped')),
                attempts bigint NOT NULL DEFAULT 0,
                failures bigint NOT NULL DEFAULT 0,
                unmet_dependencies bigint NOT NULL DEFAULT 0,
                content_hash text NOT NULL,
                submitted_at double precision NOT NULL,
                updated_at double precision NOT NULL,
                started_at double precision,
                finished_at double precision,
                run_after double precision,
                lease_owner text,
                lease_token text,
                lease_expires_at double precision,
                attempt_started_at double precision,
                cancel_requested boolean NOT NULL DEFAULT false,
                last_error text,
                result text,
                reused_from text
            )
            """,
            """
            CREATE INDEX jobs_ready ON \(s).jobs (priority DESC, sequence)
                WHERE state IN ('pending', 'retry_wait') AND unmet_dependencies = 0
            """,
            "CREATE INDEX jobs_running_expiry ON \(s).jobs (lease_expires_at) WHERE state = 'running'",
            "CREATE INDEX jobs_retry_due ON \(s).jobs (run_after) WHERE state = 'retry_wait'",
            "CREATE INDEX jobs_succeeded_hash ON \(s).jobs (content_hash) WHERE state = 'succeeded'",
            """
            CREATE TABLE \(s).job_dependencies (
                job_id text NOT NULL REFERENCES \(s).jobs (id),
                depends_on text NOT NULL REFERENCES \(s).jobs (id),
                PRIMARY KEY (job_id, depends_on)
            )
            """,
            "CREATE INDEX job_dependencies_depends_on ON \(s).job_dependencies (depends_on)",
            """
            CREATE TABLE \(s).job_transitions (
                sequence bigint PRIMARY KEY,
                job_id text NOT NULL,
                from_state text,
                to_state text NOT NULL,
                at double precision NOT NULL,
                reason text NOT NULL,
                attempt bigint NOT NULL
            )
            """,
            "CREATE INDEX job_transitions_job ON \(s).job_transitions (job_id, sequence)",
            """
            CREATE TABLE \(s).job_attempts (
                id bigserial PRIMARY KEY,
                job_id text NOT NULL,
                attempt bigint NOT NULL,
                owner text NOT NULL,
                token text NOT NULL,
                started_at double precision NOT NULL,
                ended_at double precision,
                outcome text,
                error text
            )
            """,
            "CREATE INDEX job_attempts_job ON \(s).job_attempts (job_id, token)",
            """
            CREATE TABLE \(s).schedule_runs (
                schedule_id text NOT NULL,
                slot double precision NOT NULL,
                jobs text NOT NULL,
                recorded_at double precision NOT NULL,
                PRIMARY KEY (schedule_id, slot)
            )
            """,
        ]
    }

    /// Connects once, then creates the schema when missing (under an advisory lock, so workers
    /// starting together do not race) or checks that it is a QEIR job store of this version.
    private static func prepareSchema(
        _ location: PostgresStoreLocation, configuration: Configuration, logger: Logger
    ) async throws(BatchError) {
        let schema = location.schema
        let operation = "open the store"
        let connection: PostgresConnection
        do {
            let tls: PostgresConnection.Configuration.TLS
            switch location.tls {
            case .disable: tls = .disable
            case .prefer: tls = .prefer(try NIOSSLContext(configuration: .makeClientConfiguration()))
            case .require: tls = .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
            }
            var settings = PostgresConnection.Configuration(
                host: location.host, port: location.port, username: location.username, password: location.password,
                database: location.database, tls: tls)
            let (seconds, attoseconds) = configuration.connectTimeout.components
            settings.options.connectTimeout = .milliseconds(seconds * 1000 + attoseconds / 1_000_000_000_000_000)
            connection = try await PostgresConnection.connect(configuration: settings, id: 0, logger: logger)
        } catch {
            throw storeError(error, location: location, doing: operation)
        }
        do {
            try await connection.query("BEGIN", logger: logger)
            // One lock per schema name, held to the end of this transaction.
            try await connection.query(
                "SELECT pg_advisory_xact_lock(hashtext(\("qeir-schema-" + schema)))", logger: logger)
            let tables = try await connection.query(
                "SELECT table_name::text FROM information_schema.tables WHERE table_schema = \(schema)", logger: logger
            ).collect().map { try $0.decode(String.self) }
            if tables.isEmpty {
                try await connection.query("CREATE SCHEMA IF NOT EXISTS \(unescaped: "\"\(schema)\"")", logger: logger)
                for statement in schemaSQL(schema) {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
            } else {
                guard tables.contains("meta"), tables.contains("jobs") else {
                    throw BatchError(
                        .storeFailed,
                        "The schema \(schema) of \(location) holds tables of another program (\(tables.sorted().prefix(5).joined(separator: ", "))), not a QEIR job store. Choose another schema with ?schema=NAME.",
                        context: ["store": location.redacted])
                }
                let version = try await connection.query(
                    "SELECT value FROM \(unescaped: "\"\(schema)\"").meta WHERE key = 'schema_version'", logger: logger
                ).collect().first.map { try $0.decode(String.self) }.flatMap { Int($0) }
                if (version ?? 0) != Self.schemaVersion {
                    throw BatchError(
                        .storeFailed,
                        "The job store \(location) has schema version \(version.map(String.init) ?? "unknown"), but this QEIR uses \(Self.schemaVersion). Open it with the QEIR version that wrote it, or use another schema.",
                        context: ["store": location.redacted])
                }
            }
            try await connection.query("COMMIT", logger: logger)
            try? await connection.close()
        } catch {
            try? await connection.close()
            throw storeError(error, location: location, doing: operation)
        }
    }

    // MARK: - Transactions

    /// Runs `body` in one transaction (`READ COMMITTED`), retrying it when PostgreSQL aborts it
    /// for a deadlock or serialization failure. The transitions the body recorded are numbered
    /// and written by its last statement; `numbered` gives the body's result their numbers
    /// (`{ $0.numbered($1) }` for results that hold transitions).
    func transaction<T: Sendable>(
        _ operation: String, numbered: @escaping @Sendable (Session, T) -> T = { _, value in value },
        _ body: @Sendable (Session) async throws -> T
    ) async throws(BatchError) -> T {
        try await withConnection(operation) { connection in
            try await connection.query("BEGIN", logger: self.logger)
            do {
                let session = Session(store: self, connection: connection)
                let value = try await body(session)
                try await session.flush()
                try await connection.query("COMMIT", logger: self.logger)
                return numbered(session, value)
            } catch {
                // A failed ROLLBACK means the connection is broken; the server then rolls back
                // on its own.
                _ = try? await connection.query("ROLLBACK", logger: self.logger)
                throw error
            }
        }
    }

    /// Runs `body` on a pooled connection (single statements, reads, or a transaction it opens),
    /// running it again when PostgreSQL aborted it for a deadlock or serialization failure (up
    /// to five times), and turns errors into ``BatchError``.
    func withConnection<T: Sendable>(
        _ operation: String, _ body: @Sendable (PostgresConnection) async throws -> T
    ) async throws(BatchError) -> T {
        var attempt = 0
        while true {
            attempt += 1
            do {
                return try await client.withConnection { connection in try await body(connection) }
            } catch {
                if attempt < 5, Self.isRetryable(error) {
                    try? await Task.sleep(for: .milliseconds(5 * attempt))
                    continue
                }
                throw storeError(error, doing: operation)
            }
        }
    }

    static func isRetryable(_ error: any Error) -> Bool {
        guard let error = error as? PSQLError, let state = error.serverInfo?[.sqlState] else { return false }
        return state == "40001" || state == "40P01"
    }

    /// Turns any error into a ``BatchError`` naming the store (without password) and what to do.
    func storeError(_ error: any Error, doing operation: String) -> BatchError {
        Self.storeError(error, location: location, doing: operation)
    }

    /// Turns any error into a ``BatchError`` naming the store (without password) and what to do.
    static func storeError(_ error: any Error, location: PostgresStoreLocation, doing operation: String) -> BatchError {
        if let error = error as? BatchError { return error }
        let store = location.redacted
        if let error = error as? PSQLError {
            if let info = error.serverInfo {
                let state = info[.sqlState] ?? "?"
                let message = PostgresStoreLocation.redact(info[.message] ?? "server error")
                let advice: String
                switch state {
                case "28P01", "28000":
                    advice = "Check the user and password (give the password in the URL or in PGPASSWORD)."
                case "3D000":
                    advice = "Create the database first (createdb), or name an existing one."
                case "53300":
                    advice = "The server has no free connection slots; raise max_connections or run fewer workers."
                case "57P01", "57P02", "57P03":
                    advice = "The server is shutting down or starting; nothing was changed. Retry when it is up."
                default:
                    advice = "Nothing was changed. Retry; if it persists, check the server's log."
                }
                return BatchError(
                    .storeFailed,
                    "The job store \(store) could not \(operation): \(message) (SQLSTATE \(state)). \(advice)",
                    context: ["store": store, "sqlstate": state])
            }
            let detail: String
            switch error.code {
            case .connectionError, .serverClosedConnection, .clientClosedConnection, .uncleanShutdown:
                detail =
                    "the connection to \(location.host):\(location.port) failed or was closed (\(error.code)). Check that the server is running and reachable, and retry."
            case .poolClosed:
                detail = "the store was closed. Open a new store."
            case .sslUnsupported:
                detail = "the server does not offer TLS. Use ?sslmode=disable or prefer, or enable TLS on the server."
            case .authMechanismRequiresPassword:
                detail = "the server asks for a password. Give it in the URL or in PGPASSWORD."
            default:
                detail = "\(error.code). Nothing was changed; retry."
            }
            return BatchError(
                .storeFailed, "The job store \(store) could not \(operation): \(detail)", context: ["store": store])
        }
        if error is CancellationError {
            return BatchError(
                .storeFailed,
                "The job store \(store) did not \(operation): the task was cancelled first. Retry from a task that is not cancelled.",
                context: ["store": store])
        }
        return BatchError(
            .storeFailed,
            "The job store \(store) could not \(operation): \(PostgresStoreLocation.redact(String(describing: error))). Retry; if it persists, check the server's log.",
            context: ["store": store])
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
    ///   ``BatchError/Code/storeFailed`` naming the store.
    public func submit(_ jobs: [JobSpec], options: SubmitOptions, now: Date) async throws(BatchError) -> SubmitReport {
        try await transaction(
            "store \(jobs.count) submitted job\(jobs.count == 1 ? "" : "s")", numbered: { $0.numbered($1) }
        ) { session in
            try await session.submit(jobs, options: options, now: now)
        }
    }

    /// Requeues expired leases, then leases up to `limit` ready jobs to `owner` with one
    /// `FOR UPDATE SKIP LOCKED` statement (see ``JobStore/claim(owner:limit:now:leaseDuration:)``).
    ///
    /// - Parameters:
    ///   - owner: The claiming worker.
    ///   - limit: The most jobs to return.
    ///   - now: The current time.
    ///   - leaseDuration: How long the leases last without renewal.
    /// - Returns: The claimed jobs, best first, and the transitions of requeued jobs.
    /// - Throws: ``BatchError/Code/storeFailed`` naming the store.
    public func claim(owner: String, limit: Int, now: Date, leaseDuration: Duration) async throws(BatchError) -> (
        claimed: [ClaimedJob], requeued: [JobTransition]
    ) {
        let requeued = try await rescueExpired(now: now)
        guard limit > 0 else { return ([], requeued) }
        let claimed = try await transaction("claim jobs for \(owner)") { session in
            try await session.claimReady(owner: owner, limit: limit, now: now, leaseDuration: leaseDuration)
        }
        return (claimed, requeued)
    }

    /// Returns running jobs whose lease expired to the queue (only when there are any).
    private func rescueExpired(now: Date) async throws(BatchError) -> [JobTransition] {
        let seconds = now.timeIntervalSince1970
        let any = try await withConnection("look for expired leases") { connection in
            try await connection.query(
                """
                SELECT EXISTS (SELECT 1 FROM \(unescaped: quotedSchema).jobs
                WHERE state = 'running' AND lease_expires_at <= \(seconds))
                """, logger: logger
            ).collect().first?.decode(Bool.self) ?? false
        }
        guard any else { return [] }
        return try await transaction("return jobs with expired leases to the queue", numbered: { $0.numbered($1) }) {
            session in
            try await session.requeueExpired(now: now)
        }
    }

    /// Extends the leases that are still current (one statement).
    ///
    /// - Parameters:
    ///   - leases: The leases to renew.
    ///   - now: The current time.
    ///   - leaseDuration: The extension.
    /// - Returns: Renewed and lost leases, and cancel requests.
    /// - Throws: ``BatchError/Code/storeFailed`` naming the store.
    public func renewLeases(_ leases: [Lease], now: Date, leaseDuration: Duration) async throws(BatchError)
        -> LeaseRenewal
    {
        guard !leases.isEmpty else { return LeaseRenewal(renewed: [], lost: [], cancelRequested: []) }
        let expiry = StoreRules.adding(leaseDuration, to: now)
        let ids = leases.map(\.jobID.rawValue)
        let tokens = leases.map(\.token)
        let seconds = expiry.timeIntervalSince1970
        let rows = try await withConnection("renew \(leases.count) lease\(leases.count == 1 ? "" : "s")") {
            connection in
            try await connection.query(
                """
                UPDATE \(unescaped: quotedSchema).jobs j SET lease_expires_at = \(seconds)
                FROM unnest(\(ids)::text[], \(tokens)::text[]) AS l(id, token)
                WHERE j.id = l.id AND j.state = 'running' AND j.lease_token = l.token
                RETURNING j.id, j.cancel_requested
                """, logger: logger
            ).collect().map { try $0.decode((String, Bool).self) }
        }
        var current: [String: Bool] = [:]
        for (id, cancel) in rows { current[id] = cancel }
        var renewal = LeaseRenewal(renewed: [], lost: [], cancelRequested: [])
        for lease in leases {
            guard let cancel = current[lease.jobID.rawValue] else {
                renewal.lost.append(lease.jobID)
                continue
            }
            var renewed = lease
            renewed.expiresAt = expiry
            renewal.renewed.append(renewed)
            if cancel { renewal.cancelRequested.append(lease.jobID) }
        }
        return renewal
    }

    /// Applies attempt outcomes in one transaction (see ``JobStore/complete(_:now:)``). A batch
    /// of successes is applied with one statement.
    ///
    /// - Parameters:
    ///   - completions: The outcomes.
    ///   - now: The current time.
    /// - Returns: One receipt per completion, in order.
    /// - Throws: ``BatchError`` (``BatchError/Code/invalidValue``) naming the job whose result
    ///   holds a non-finite number, or ``BatchError/Code/storeFailed``; nothing is applied then.
    public func complete(_ completions: [Completion], now: Date) async throws(BatchError) -> [CompletionReceipt] {
        guard !completions.isEmpty else { return [] }
        let operation = "record \(completions.count) completion\(completions.count == 1 ? "" : "s")"
        let successes = try Self.successBatch(completions)
        return try await transaction(operation, numbered: { $0.numbered($1) }) { session in
            try await session.complete(completions, successes: successes, now: now)
        }
    }

    /// Applies attempt outcomes, then claims up to `limit` ready jobs, in one transaction (one
    /// commit for the processor's step instead of two).
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
        guard !completions.isEmpty else {
            let (claimed, requeued) = try await claim(
                owner: owner, limit: limit, now: now, leaseDuration: leaseDuration)
            return ([], claimed, requeued)
        }
        let requeued = try await rescueExpired(now: now)
        let successes = try Self.successBatch(completions)
        let operation =
            "record \(completions.count) completion\(completions.count == 1 ? "" : "s") and claim jobs for \(owner)"
        let (receipts, claimed) = try await transaction(
            operation, numbered: { session, result in (session.numbered(result.0), result.1) }
        ) { session in
            let receipts = try await session.complete(completions, successes: successes, now: now)
            let claimed =
                limit > 0
                ? try await session.claimReady(owner: owner, limit: limit, now: now, leaseDuration: leaseDuration) : []
            return (receipts, claimed)
        }
        return (receipts, claimed, requeued)
    }

    /// The batch as (id, token, result JSON) when every completion is a success of a distinct job.
    private static func successBatch(_ completions: [Completion]) throws(BatchError) -> [(
        id: JobID, token: String, result: String
    )]? {
        var batch: [(id: JobID, token: String, result: String)] = []
        batch.reserveCapacity(completions.count)
        var seen = Set<JobID>()
        for completion in completions {
            guard case .succeeded(let result) = completion.outcome, seen.insert(completion.lease.jobID).inserted
            else { return nil }
            batch.append(
                (completion.lease.jobID, completion.lease.token, try resultJSON(result, job: completion.lease.jobID)))
        }
        return batch
    }

    /// Cancels jobs (see ``JobStore/cancel(_:reason:now:)``).
    ///
    /// - Parameters:
    ///   - ids: The jobs.
    ///   - reason: Why, recorded in the transitions.
    ///   - now: The current time.
    /// - Returns: The transitions recorded.
    /// - Throws: ``BatchError/Code/unknownJob`` when an id is not stored (nothing changes), or
    ///   ``BatchError/Code/storeFailed``.
    public func cancel(_ ids: [JobID], reason: String, now: Date) async throws(BatchError) -> [JobTransition] {
        try await transaction("cancel \(ids.count) job\(ids.count == 1 ? "" : "s")", numbered: { $0.numbered($1) }) {
            session in
            try await session.cancel(ids, reason: reason, now: now)
        }
    }

    /// Running jobs held by `owner` on which a cancel has been requested, in sequence order.
    ///
    /// - Parameter owner: The worker.
    /// - Returns: The job ids.
    /// - Throws: ``BatchError/Code/storeFailed``.
    public func cancelRequests(owner: String) async throws(BatchError) -> [JobID] {
        try await withConnection("list cancel requests") { connection in
            let rows = try await connection.query(
                """
                SELECT id FROM \(unescaped: quotedSchema).jobs
                WHERE state = 'running' AND cancel_requested AND lease_owner = \(owner) ORDER BY sequence
                """, logger: logger
            ).collect()
            return try rows.map { row in try self.jobID(try row.decode(String.self)) }
        }
    }

    /// Returns to `pending` the running jobs whose owner is gone (see
    /// ``JobStore/recoverOrphans(isDead:now:)``); only owners on this host can be judged.
    ///
    /// - Parameters:
    ///   - isDead: Decides from an owner string whether that worker is gone.
    ///   - now: The current time.
    /// - Returns: The transitions recorded.
    /// - Throws: ``BatchError/Code/storeFailed``.
    public func recoverOrphans(isDead: @Sendable (String) -> Bool, now: Date) async throws(BatchError)
        -> [JobTransition]
    {
        // Only this decision needs the closure; it is made before the transaction.
        let owners = try await withConnection("list running workers") { connection in
            try await connection.query(
                "SELECT DISTINCT lease_owner FROM \(unescaped: quotedSchema).jobs WHERE state = 'running'",
                logger: logger
            ).collect().compactMap { try $0.decode(String?.self) }
        }
        let dead = owners.filter(isDead)
        guard !dead.isEmpty else { return [] }
        return try await transaction("recover orphaned jobs", numbered: { $0.numbered($1) }) { session in
            try await session.requeueOrphans(owners: dead, now: now)
        }
    }

    /// One job, or `nil`.
    ///
    /// - Parameter id: The job id.
    /// - Throws: ``BatchError/Code/storeFailed``.
    public func job(_ id: JobID) async throws(BatchError) -> JobRecord? {
        try await withConnection("read job \(id)") { connection in
            try await Session(store: self, connection: connection).fetchRecords([id], lock: false).first
        }
    }

    /// Jobs in the given states (all when `nil`), in sequence order.
    ///
    /// - Parameter states: The states wanted.
    /// - Throws: ``BatchError/Code/storeFailed``.
    public func jobs(in states: Set<JobState>?) async throws(BatchError) -> [JobRecord] {
        if let states, states.isEmpty { return [] }
        return try await withConnection("list jobs") { connection in
            try await Session(store: self, connection: connection).records(in: states)
        }
    }

    /// The number of jobs per state (states without jobs are absent).
    ///
    /// - Throws: ``BatchError/Code/storeFailed``.
    public func counts() async throws(BatchError) -> [JobState: Int] {
        try await withConnection("count jobs") { connection in
            var counts: [JobState: Int] = [:]
            let rows = try await connection.query(
                "SELECT state, COUNT(*) FROM \(unescaped: quotedSchema).jobs GROUP BY state", logger: logger
            ).collect()
            for row in rows {
                let (text, count) = try row.decode((String, Int64).self)
                counts[try self.state(text)] = Int(count)
            }
            return counts
        }
    }

    /// Transitions after `sequence`, oldest first, at most `limit`, only those of `job` when
    /// given.
    ///
    /// - Parameters:
    ///   - job: The job, or `nil` for all.
    ///   - sequence: The last sequence number already seen.
    ///   - limit: The most to return.
    /// - Throws: ``BatchError/Code/storeFailed``.
    public func transitions(of job: JobID?, after sequence: Int64, limit: Int) async throws(BatchError)
        -> [JobTransition]
    {
        guard limit > 0 else { return [] }
        return try await withConnection("read transitions") { connection in
            let s = self.quotedSchema
            let query: PostgresQuery
            if let job {
                query = """
                    SELECT sequence, job_id, from_state, to_state, at, reason, attempt FROM \(unescaped: s).job_transitions
                    WHERE job_id = \(job.rawValue) AND sequence > \(sequence) ORDER BY sequence LIMIT \(limit)
                    """
            } else {
                query = """
                    SELECT sequence, job_id, from_state, to_state, at, reason, attempt FROM \(unescaped: s).job_transitions
                    WHERE sequence > \(sequence) ORDER BY sequence LIMIT \(limit)
                    """
            }
            return try await connection.query(query, logger: self.logger).collect().map { row in
                let (number, id, from, to, at, reason, attempt) = try row.decode(
                    (Int64, String, String?, String, Double, String, Int64).self)
                return JobTransition(
                    sequence: number, jobID: try self.jobID(id),
                    from: try from.map { text throws in try self.state(text) },
                    to: try self.state(to), at: Date(timeIntervalSince1970: at), reason: reason, attempt: Int(attempt))
            }
        }
    }

    /// The earliest `retryWait` `runAfter` or running lease expiry, or `nil`.
    ///
    /// - Throws: ``BatchError/Code/storeFailed``.
    public func nextDueTime() async throws(BatchError) -> Date? {
        try await withConnection("find the next due time") { connection in
            let s = self.quotedSchema
            return try await connection.query(
                """
                SELECT LEAST(
                    (SELECT MIN(run_after) FROM \(unescaped: s).jobs WHERE state = 'retry_wait'),
                    (SELECT MIN(lease_expires_at) FROM \(unescaped: s).jobs WHERE state = 'running'))
                """, logger: self.logger
            ).collect().first.flatMap { try $0.decode(Double?.self) }.map(Date.init(timeIntervalSince1970:))
        }
    }

    /// Submits one scheduled run and records its slot in one transaction; `nil` when some
    /// scheduler, on any machine, recorded that slot already.
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
        try await transaction(
            "record the run at \(slot.formatted(.iso8601)) of schedule \(scheduleID)", numbered: { $0.numbered($1) }
        ) { session in
            try await session.submitScheduledRun(
                scheduleID: scheduleID, slot: slot, jobs: jobs, options: options, now: now)
        }
    }

    /// The latest recorded slot of a schedule and the jobs it submitted, or `nil`.
    ///
    /// - Parameter scheduleID: The schedule.
    /// - Throws: ``BatchError/Code/storeFailed``.
    public func lastScheduleRun(scheduleID: String) async throws(BatchError) -> (slot: Date, jobs: [JobID])? {
        let row = try await withConnection("read the runs of schedule \(scheduleID)") { connection in
            try await connection.query(
                """
                SELECT slot, jobs FROM \(unescaped: self.quotedSchema).schedule_runs WHERE schedule_id = \(scheduleID)
                ORDER BY slot DESC LIMIT 1
                """, logger: self.logger
            ).collect().first.map { try $0.decode((Double, String).self) }
        }
        guard let (slot, text) = row else { return nil }
        guard let ids = try? JSONDecoder().decode([JobID].self, from: Data(text.utf8)) else {
            throw corrupt("job list of schedule \(scheduleID)")
        }
        return (Date(timeIntervalSince1970: slot), ids)
    }

    /// Listens on the store's channel and calls `wake` for every notification, until the task
    /// is cancelled.
    ///
    /// - Parameter wake: Called on each notification.
    /// - Throws: ``BatchError/Code/storeFailed`` when the listening connection fails.
    public func watchForWork(_ wake: @escaping @Sendable () -> Void) async throws(BatchError) {
        let channel = channel
        do {
            try await client.withConnection { connection in
                try await connection.listen(on: channel) { notifications in
                    for try await _ in notifications { wake() }
                }
            }
        } catch {
            if Task.isCancelled { return }
            throw storeError(error, doing: "listen for new work")
        }
    }

    // MARK: - Diagnostics

    /// The plan PostgreSQL chooses for the claim's ready-job selection (`EXPLAIN`), one line per
    /// plan node; the Cluster guide and a test check that it reads `jobs_ready`.
    ///
    /// - Returns: The plan's lines.
    /// - Throws: ``BatchError/Code/storeFailed``.
    public func claimQueryPlan() async throws(BatchError) -> [String] {
        try await withConnection("explain the claim query") { connection in
            try await connection.query(
                """
                EXPLAIN SELECT id FROM \(unescaped: self.quotedSchema).jobs
                WHERE state IN ('pending', 'retry_wait') AND unmet_dependencies = 0
                AND NOT cancel_requested AND (state = 'pending' OR run_after <= \(Date().timeIntervalSince1970))
                ORDER BY priority DESC, sequence LIMIT \(256) FOR UPDATE SKIP LOCKED
                """, logger: self.logger
            ).collect().map { try $0.decode(String.self) }
        }
    }

    /// Drops the store's schema and everything in it (tests and throwaway stores).
    ///
    /// - Throws: ``BatchError/Code/storeFailed``.
    public func dropSchema() async throws(BatchError) {
        _ = try await withConnection("drop the schema") { connection in
            try await connection.query(
                "DROP SCHEMA IF EXISTS \(unescaped: self.quotedSchema) CASCADE", logger: self.logger)
        }
    }

    /// Runs raw SQL statements (separated by `;`) in one transaction (tests that damage or
    /// disguise a store).
    func executeForTesting(_ sql: String) async throws(BatchError) {
        let statements = sql.split(separator: ";").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
            .filter { !$0.isEmpty }
        try await transaction("run test SQL") { session in
            for statement in statements { try await session.query(PostgresQuery(unsafeSQL: statement)) }
        }
    }

    /// The ended attempts of a job, oldest first: (attempt, owner, outcome, error).
    func attemptHistory(_ id: JobID) async throws(BatchError) -> [(
        attempt: Int, owner: String, outcome: String, error: String?
    )] {
        try await withConnection("read the attempts of \(id)") { connection in
            try await connection.query(
                """
                SELECT attempt, owner, outcome, error FROM \(unescaped: self.quotedSchema).job_attempts
                WHERE job_id = \(id.rawValue) ORDER BY id
                """, logger: self.logger
            ).collect().map { row in
                let (attempt, owner, outcome, error) = try row.decode((Int64, String, String?, String?).self)
                return (Int(attempt), owner, outcome ?? "", error)
            }
        }
    }

    // MARK: - Helpers

    var quotedSchema: String { "\"\(schema)\"" }

    func jobID(_ text: String) throws(BatchError) -> JobID {
        guard let id = JobID(rawValue: text) else { throw corrupt("job id") }
        return id
    }

    func state(_ text: String) throws(BatchError) -> JobState {
        guard let state = JobState(rawValue: text) else { throw corrupt("state \"\(text)\"") }
        return state
    }

    /// An error for stored data this code cannot read.
    func corrupt(_ what: String) -> BatchError {
        BatchError(
            .storeFailed,
            "The job store \(location) holds an unreadable \(what). It was changed outside QEIR or by another version; restore a backup or use another schema.",
            context: ["store": location.redacted])
    }

    /// The stored JSON of a result.
    static func resultJSON(_ value: ConfigValue, job: JobID) throws(BatchError) -> String {
        if let text = StoredJSON.value(value) { return text }
        do {
            return String(decoding: try JSONEncoder().encode(value), as: UTF8.self)
        } catch {
            throw BatchError(
                .invalidValue,
                "The result of job \(job) cannot be stored as JSON: it holds a number that JSON cannot represent (NaN or infinity). Return finite numbers, or encode such values as strings; no completion of this batch was recorded.",
                context: ["job": job.rawValue])
        }
    }

    /// The stored JSON of a definition (remembered for claims in this process).
    func specJSON(_ spec: JobSpec) throws(BatchError) -> String {
        let text: String
        if let fast = StoredJSON.spec(spec) {
            text = fast
        } else {
            do {
                text = String(decoding: try JSONEncoder().encode(spec), as: UTF8.self)
            } catch {
                throw BatchError(
                    .invalidJob,
                    "The payload of job \(spec.id) cannot be stored as JSON: it holds a number that JSON cannot represent (NaN or infinity). Use finite numbers, or encode such values as strings.",
                    context: ["job": spec.id.rawValue])
            }
        }
        specs.store(spec, json: text)
        return text
    }

    /// A definition from its stored JSON (from this process's cache when it submitted it).
    func decodeSpec(_ text: String, id: JobID, claiming: Bool) throws(BatchError) -> JobSpec {
        if let cached = specs.spec(for: id, json: text, consume: claiming) { return cached }
        do {
            return try JSONDecoder().decode(JobSpec.self, from: Data(text.utf8))
        } catch {
            throw corrupt("definition of job \(id) (\(error))")
        }
    }

    func forget(_ id: JobID) { specs.remove(id) }

    /// A fresh lease token for the given job sequence and attempt: this store's random prefix
    /// keeps tokens of different processes apart.
    var leaseTokenPrefix: String { tokenPrefix }
}
