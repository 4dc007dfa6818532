public import Foundation
internal import GRDB

/// Per-job metrics, one row per job and batch (`job_metrics`).
public struct JobMetrics: Sendable, Hashable, Codable {
    /// The batch.
    public var batchID: String
    /// The job id.
    public var jobID: String
    /// The job name.
    public var name: String
    /// The job's latest state (`JobState` raw value).
    public var state: String
    /// Attempts started.
    public var attempts: Int
    /// When the first attempt started.
    public var startedAt: Date?
    /// When the job ended.
    public var finishedAt: Date?
    /// Wall time from first start to end, seconds.
    public var wallSeconds: Double?
    /// Process CPU time used while the job's attempts ran, seconds (shared among jobs running at
    /// the same time: an upper bound for each).
    public var cpuSeconds: Double
    /// The process's peak resident memory when the job ended, MB.
    public var peakRSSMB: Double
    /// Failed attempts.
    public var errors: Int
    /// Timeouts, requeues and retries.
    public var warnings: Int
    /// The last error message.
    public var lastError: String?

    /// Creates a row.
    public init(
        batchID: String, jobID: String, name: String, state: String, attempts: Int = 0, startedAt: Date? = nil,
        finishedAt: Date? = nil, wallSeconds: Double? = nil, cpuSeconds: Double = 0, peakRSSMB: Double = 0,
        errors: Int = 0, warnings: Int = 0, lastError: String? = nil
    ) {
        self.batchID = batchID
        self.jobID = jobID
        self.name = name
        self.state = state
        self.attempts = attempts
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.wallSeconds = wallSeconds
        self.cpuSeconds = cpuSeconds
        self.peakRSSMB = peakRSSMB
        self.errors = errors
        self.warnings = warnings
        self.lastError = lastError
    }
}

/// A snapshot of a batch's totals (`batch_metrics`).
public struct BatchMetrics: Sendable, Hashable, Codable {
    /// The batch.
    public var batchID: String
    /// When the snapshot was taken.
    public var time: Date
    /// Jobs known to the monitor.
    public var totalJobs: Int
    /// Jobs per state (`JobState` raw values).
    public var counts: [String: Int]
    /// Mean wall time of ended jobs, seconds.
    public var averageDurationSeconds: Double?
    /// Jobs ended per hour since the batch's first event.
    public var throughputPerHour: Double?

    /// Creates a snapshot.
    public init(
        batchID: String, time: Date, totalJobs: Int, counts: [String: Int], averageDurationSeconds: Double?,
        throughputPerHour: Double?
    ) {
        self.batchID = batchID
        self.time = time
        self.totalJobs = totalJobs
        self.counts = counts
        self.averageDurationSeconds = averageDurationSeconds
        self.throughputPerHour = throughputPerHour
    }
}

/// The monitoring database: the seed's tables `batch_metrics`, `job_metrics` and
/// `system_metrics`, plus `alerts` (alert history), in one SQLite file (WAL).
///
/// ## Schema (migration `v1`)
/// - `system_metrics(time REAL, batch_id TEXT, cpu_percent REAL, memory_percent REAL,
///   memory_available_gb REAL, disk_percent REAL, disk_free_gb REAL, process_count INTEGER,
///   load_1 REAL, load_5 REAL, load_15 REAL)`, index on `time`.
/// - `job_metrics(batch_id, job_id, name, state, attempts, started_at, finished_at, wall_seconds,
///   cpu_seconds, peak_rss_mb, errors, warnings, last_error, PRIMARY KEY(batch_id, job_id))`,
///   index on `state`.
/// - `batch_metrics(batch_id, time, total_jobs, pending, retry_wait, running, succeeded, failed,
///   cancelled, skipped, average_duration_seconds, throughput_per_hour,
///   PRIMARY KEY(batch_id, time))`.
/// - `alerts(id INTEGER PRIMARY KEY, time, batch_id, key, status, severity, subject, message,
///   value, threshold)`, index on `time`.
///
/// Times are Unix seconds (REAL). Writes come in batches (``write(system:jobs:batch:alerts:)``,
/// one transaction each); ``applyRetention(before:)`` deletes old samples and alerts.
public final class MetricsDatabase: Sendable {
    /// The database file.
    public let path: URL
    private let pool: DatabasePool

    /// Opens (creating and migrating) the database at `path`.
    ///
    /// - Parameter path: The SQLite file.
    /// - Throws: ``MonitorError`` (``MonitorError/Code/databaseFailed``) naming the file.
    public init(path: URL) throws(MonitorError) {
        self.path = path
        do {
            try FileManager.default.createDirectory(
                at: path.deletingLastPathComponent(), withIntermediateDirectories: true)
            var configuration = Configuration()
            configuration.busyMode = .timeout(30)
            pool = try DatabasePool(path: path.path, configuration: configuration)
            try Self.migrator.migrate(pool)
        } catch {
            throw MonitorError(
                .databaseFailed,
                "Cannot open the metrics database \(path.path): \(error). Check that it is a QEIR metrics database and the directory is writable.",
                context: ["file": path.path])
        }
    }

    private static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE system_metrics (
                        time REAL NOT NULL, batch_id TEXT, cpu_percent REAL, memory_percent REAL NOT NULL,
                        memory_available_gb REAL NOT NULL, disk_percent REAL, disk_free_gb REAL,
                        process_count INTEGER NOT NULL, load_1 REAL, load_5 REAL, load_15 REAL);
                    CREATE INDEX system_metrics_time ON system_metrics(time);
                    CREATE TABLE job_metrics (
                        batch_id TEXT NOT NULL, job_id TEXT NOT NULL, name TEXT NOT NULL, state TEXT NOT NULL,
                        attempts INTEGER NOT NULL, started_at REAL, finished_at REAL, wall_seconds REAL,
                        cpu_seconds REAL NOT NULL, peak_rss_mb REAL NOT NULL, errors INTEGER NOT NULL,
                        warnings INTEGER NOT NULL, last_error TEXT, PRIMARY KEY (batch_id, job_id));
                    CREATE INDEX job_metrics_state ON job_metrics(state);
                    CREATE TABLE batch_metrics (
                        batch_id TEXT NOT NULL, time REAL NOT NULL, total_jobs INTEGER NOT NULL,
                        pending INTEGER NOT NULL, retry_wait INTEGER NOT NULL, running INTEGER NOT NULL,
                        succeeded INTEGER NOT NULL, failed INTEGER NOT NULL, cancelled INTEGER NOT NULL,
                        skipped INTEGER NOT NULL, average_duration_seconds REAL, throughput_per_hour REAL,
                        PRIMARY KEY (batch_id, time));
                    CREATE TABLE alerts (
                        id INTEGER PRIMARY KEY AUTOINCREMENT, time REAL NOT NULL, batch_id TEXT, key TEXT NOT NULL,
                        status TEXT NOT NULL, severity TEXT NOT NULL, subject TEXT NOT NULL, message TEXT NOT NULL,
                        value REAL NOT NULL, threshold REAL NOT NULL);
                    CREATE INDEX alerts_time ON alerts(time);
                    """)
        }
        return migrator
    }

    private static let states = ["pending", "retry_wait", "running", "succeeded", "failed", "cancelled", "skipped"]

    /// Writes a batch of rows in one transaction.
    ///
    /// - Parameters:
    ///   - system: System samples (with the batch they belong to).
    ///   - jobs: Job rows, inserted or replaced.
    ///   - batch: Batch snapshots.
    ///   - alerts: Alert notices (with their batch).
    /// - Throws: ``MonitorError`` naming the database.
    public func write(
        system: [(SystemSample, batchID: String?)] = [], jobs: [JobMetrics] = [], batch: [BatchMetrics] = [],
        alerts: [(Alert, batchID: String?)] = []
    ) throws(MonitorError) {
        guard !(system.isEmpty && jobs.isEmpty && batch.isEmpty && alerts.isEmpty) else { return }
        do {
            try pool.write { db in
                for (sample, batchID) in system {
                    try db.execute(
                        sql: """
                            INSERT INTO system_metrics VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                            """,
                        arguments: [
                            sample.time.timeIntervalSince1970, batchID, sample.cpuPercent, sample.memoryPercent,
                            sample.memoryAvailableGB, sample.diskPercent, sample.diskFreeGB, sample.processCount,
                            sample.loadAverage.first, sample.loadAverage.dropFirst().first,
                            sample.loadAverage.dropFirst(2).first,
                        ])
                }
                for job in jobs {
                    try db.execute(
                        sql: "INSERT OR REPLACE INTO job_metrics VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        arguments: [
                            job.batchID, job.jobID, job.name, job.state, job.attempts,
                            job.startedAt?.timeIntervalSince1970, job.finishedAt?.timeIntervalSince1970,
                            job.wallSeconds,
                            job.cpuSeconds, job.peakRSSMB, job.errors, job.warnings, job.lastError,
                        ])
                }
                for snapshot in batch {
                    var values: [(any DatabaseValueConvertible)?] = [
                        snapshot.batchID, snapshot.time.timeIntervalSince1970, snapshot.totalJobs,
                    ]
                    values += Self.states.map { snapshot.counts[$0] ?? 0 }
                    values += [snapshot.averageDurationSeconds, snapshot.throughputPerHour]
                    try db.execute(
                        sql: "INSERT OR REPLACE INTO batch_metrics VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        arguments: StatementArguments(values))
                }
                for (alert, batchID) in alerts {
                    try db.execute(
                        sql: """
                            INSERT INTO alerts (time, batch_id, key, status, severity, subject, message, value, threshold)
                            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                            """,
                        arguments: [
                            alert.time.timeIntervalSince1970, batchID, alert.key, alert.status.rawValue,
                            alert.severity.rawValue, alert.subject, alert.message, alert.value, alert.threshold,
                        ])
                }
            }
        } catch {
            throw MonitorError(
                .databaseFailed, "Cannot write to the metrics database \(path.path): \(error).",
                context: ["file": path.path])
        }
    }

    /// Deletes system samples, batch snapshots and alerts older than `cutoff` (job rows stay).
    ///
    /// - Parameter cutoff: The oldest time kept.
    /// - Returns: The number of rows deleted.
    /// - Throws: ``MonitorError`` naming the database.
    @discardableResult
    public func applyRetention(before cutoff: Date) throws(MonitorError) -> Int {
        do {
            return try pool.write { db in
                let time = cutoff.timeIntervalSince1970
                try db.execute(sql: "DELETE FROM system_metrics WHERE time < ?", arguments: [time])
                var deleted = db.changesCount
                try db.execute(sql: "DELETE FROM batch_metrics WHERE time < ?", arguments: [time])
                deleted += db.changesCount
                try db.execute(sql: "DELETE FROM alerts WHERE time < ?", arguments: [time])
                deleted += db.changesCount
                return deleted
            }
        } catch {
            throw MonitorError(
                .databaseFailed, "Cannot apply retention to the metrics database \(path.path): \(error).",
                context: ["file": path.path])
        }
    }

    /// System samples, oldest first (of one batch when given).
    public func systemSamples(batchID: String? = nil) throws(MonitorError) -> [SystemSample] {
        try read { db in
            let rows =
                if let batchID {
                    try Row.fetchAll(
                        db, sql: "SELECT * FROM system_metrics WHERE batch_id = ? ORDER BY time", arguments: [batchID])
                } else {
                    try Row.fetchAll(db, sql: "SELECT * FROM system_metrics ORDER BY time")
                }
            return rows.map { row in
                SystemSample(
                    time: Date(timeIntervalSince1970: row["time"]), cpuPercent: row["cpu_percent"],
                    memoryPercent: row["memory_percent"], memoryAvailableGB: row["memory_available_gb"],
                    diskPercent: row["disk_percent"], diskFreeGB: row["disk_free_gb"],
                    processCount: row["process_count"],
                    loadAverage: [row["load_1"], row["load_5"], row["load_15"]].compactMap { $0 as Double? })
            }
        }
    }

    /// Job rows, by start time then id (of one batch when given).
    public func jobMetrics(batchID: String? = nil) throws(MonitorError) -> [JobMetrics] {
        try read { db in
            let sql =
                "SELECT * FROM job_metrics \(batchID == nil ? "" : "WHERE batch_id = ?") ORDER BY started_at IS NULL, started_at, job_id"
            return try Row.fetchAll(db, sql: sql, arguments: StatementArguments(batchID.map { [$0] } ?? [])).map {
                row in
                JobMetrics(
                    batchID: row["batch_id"], jobID: row["job_id"], name: row["name"], state: row["state"],
                    attempts: row["attempts"],
                    startedAt: (row["started_at"] as Double?).map(Date.init(timeIntervalSince1970:)),
                    finishedAt: (row["finished_at"] as Double?).map(Date.init(timeIntervalSince1970:)),
                    wallSeconds: row["wall_seconds"], cpuSeconds: row["cpu_seconds"], peakRSSMB: row["peak_rss_mb"],
                    errors: row["errors"], warnings: row["warnings"], lastError: row["last_error"])
            }
        }
    }

    /// Batch snapshots, oldest first (of one batch when given).
    public func batchMetrics(batchID: String? = nil) throws(MonitorError) -> [BatchMetrics] {
        try read { db in
            let sql = "SELECT * FROM batch_metrics \(batchID == nil ? "" : "WHERE batch_id = ?") ORDER BY time"
            return try Row.fetchAll(db, sql: sql, arguments: StatementArguments(batchID.map { [$0] } ?? [])).map {
                row in
                var counts: [String: Int] = [:]
                for state in Self.states { counts[state] = row[state] }
                return BatchMetrics(
                    batchID: row["batch_id"], time: Date(timeIntervalSince1970: row["time"]),
                    totalJobs: row["total_jobs"],
                    counts: counts, averageDurationSeconds: row["average_duration_seconds"],
                    throughputPerHour: row["throughput_per_hour"])
            }
        }
    }

    /// Alert history, oldest first (of one batch when given).
    public func alerts(batchID: String? = nil) throws(MonitorError) -> [Alert] {
        try read { db in
            let sql = "SELECT * FROM alerts \(batchID == nil ? "" : "WHERE batch_id = ?") ORDER BY time, id"
            return try Row.fetchAll(db, sql: sql, arguments: StatementArguments(batchID.map { [$0] } ?? [])).map {
                row in
                Alert(
                    key: row["key"], status: Alert.Status(rawValue: row["status"]) ?? .firing,
                    severity: AlertSeverity(rawValue: row["severity"]) ?? .warning, subject: row["subject"],
                    message: row["message"], value: row["value"], threshold: row["threshold"],
                    time: Date(timeIntervalSince1970: row["time"]))
            }
        }
    }

    private func read<T>(_ body: (Database) throws -> T) throws(MonitorError) -> T {
        do {
            return try pool.read(body)
        } catch {
            throw MonitorError(
                .databaseFailed, "Cannot read the metrics database \(path.path): \(error).",
                context: ["file": path.path])
        }
    }
}
