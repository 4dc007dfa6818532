public import Foundation
internal import GRDB

/// Whether QEIR may reach FRED, as the cache sees it.
public enum FREDCacheMode: String, Sendable, Hashable {
    /// Expired entries count as misses, so the caller fetches afresh.
    case online
    /// No network: expired entries are served (and say so), and a miss throws
    /// ``DataError/Code/offlineCacheMiss``.
    case offline
}

/// Settings of a ``FREDResponseCache``.
public struct FREDCacheConfiguration: Sendable {
    /// The SQLite file; its directory is created if needed.
    public var path: URL
    /// How long an entry that is not pinned to a past vintage stays fresh. Default 24 hours.
    public var timeToLive: Duration = .seconds(24 * 3600)
    /// Online or offline. Default ``FREDCacheMode/online``.
    public var mode: FREDCacheMode = .online
    /// How long to wait for another connection or process holding the SQLite lock before
    /// failing with ``DataError/Code/cacheUnavailable``. Default 10 seconds.
    public var busyTimeout: Duration = .seconds(10)

    /// Creates a configuration for the cache file at `path`, with default TTL, mode and timeout.
    /// - Parameter path: The SQLite file, for example `~/.cache/qeir/fred.sqlite`.
    public init(path: URL) { self.path = path }
}

/// A FRED response read from the cache.
public struct CachedResponse: Sendable, Hashable {
    /// The raw response body exactly as it was stored.
    public let body: Data
    /// When the response was fetched from FRED.
    public let fetchedAt: Date
    /// Whether the request is pinned to a past vintage (kept forever).
    public let immutable: Bool
    /// Whether the entry is past its time to live (only ever `true` in offline mode).
    public let expired: Bool
    /// Where the data came from, for reports: `cache, fetched 2026-11-28T05:00:00Z`, with
    /// `, pinned vintage` for immutable entries and `, expired, served offline` for stale ones.
    public var provenance: String {
        var text = "cache, fetched \(fetchedAt.formatted(.iso8601))"
        if immutable { text += ", pinned vintage" }
        if expired { text += ", expired, served offline" }
        return text
    }
}

/// One row of ``FREDResponseCache/entries()``: everything about an entry except its body.
public struct FREDCacheEntry: Sendable, Hashable {
    /// The entry's canonical key (``FREDCacheKey/canonical``).
    public let key: String
    /// The readable summary (``FREDCacheKey/description``).
    public let summary: String
    /// The request's `series_id`, if any.
    public let seriesID: String?
    /// When the response was fetched.
    public let fetchedAt: Date
    /// Whether it is kept forever.
    public let immutable: Bool
    /// When it stops being fresh: `nil` for immutable entries.
    public let expiresAt: Date?
    /// The body's size in bytes.
    public let byteCount: Int
}

/// An on-disk cache of raw FRED responses keyed by ``FREDCacheKey``, in one SQLite file.
///
/// - Storage: GRDB `DatabasePool` in WAL mode, so readers never block the writer; several
///   processes may share the file, serialised by SQLite's locks with a busy timeout.
/// - Freshness: an entry whose request is pinned to a past vintage (``FREDCacheKey/isPinned(today:)``,
///   with "today" taken as FRED's date of the fetch time) is immutable and kept forever; any
///   other entry is fresh while `now - fetchedAt < timeToLive`.
/// - Secrets: keys never contain the API key (see ``FREDCacheKey``), and nothing else is stored
///   besides the response body and the entry's metadata.
///
/// Every time is passed in (`now`, `fetchedAt`): the cache never reads a clock.
public struct FREDResponseCache: Sendable {
    /// The configuration the cache was opened with.
    public let configuration: FREDCacheConfiguration
    private let pool: DatabasePool

    /// Opens (creating if needed) the cache file and brings its schema up to date.
    ///
    /// - Parameter configuration: The file, TTL, mode and busy timeout.
    /// - Throws: ``DataError/Code/corruptCache`` naming the file when it is not a readable
    ///   SQLite database (nothing is modified; delete it to start afresh);
    ///   ``DataError/Code/cacheUnavailable`` when the directory or file cannot be created or opened.
    public init(configuration: FREDCacheConfiguration) throws {
        self.configuration = configuration
        let path = configuration.path
        do {
            try FileManager.default.createDirectory(
                at: path.deletingLastPathComponent(), withIntermediateDirectories: true)
        } catch {
            throw DataError(
                .cacheUnavailable,
                "Cannot create the FRED cache directory \(path.deletingLastPathComponent().path) "
                    + "(\(error.localizedDescription)); choose a writable cache path.",
                context: ["path": path.path])
        }
        var config = Configuration()
        config.busyMode = .timeout(Self.seconds(configuration.busyTimeout))
        config.label = "QEIR FRED cache"
        do {
            pool = try DatabasePool(path: path.path, configuration: config)
            try pool.writeWithoutTransaction { db in try Self.migrate(db) }
        } catch {
            throw Self.translate(error, path: path, doing: "open")
        }
    }

    /// The schema version this code writes (`PRAGMA user_version`).
    static let schemaVersion = 1

    /// Creates or checks the schema inside one `BEGIN IMMEDIATE` transaction, so two processes
    /// opening a new file at once cannot both create the table.
    private static func migrate(_ db: Database) throws {
        try db.inTransaction(.immediate) {
            let version = try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0
            if version > schemaVersion {
                throw DatabaseError(
                    resultCode: .SQLITE_NOTADB,
                    message: "schema version \(version) is newer than this QEIR's \(schemaVersion)")
            }
            if version < 1 {
                try db.execute(
                    sql: """
                        CREATE TABLE fred_response (
                            key TEXT PRIMARY KEY NOT NULL,
                            path TEXT NOT NULL,
                            series_id TEXT,
                            summary TEXT NOT NULL,
                            body BLOB NOT NULL,
                            fetched_at REAL NOT NULL,
                            immutable INTEGER NOT NULL
                        );
                        CREATE INDEX fred_response_series ON fred_response(series_id);
                        PRAGMA user_version = 1;
                        """)
            }
            return .commit
        }
    }

    /// Looks a request up.
    ///
    /// - Parameters:
    ///   - key: The request.
    ///   - now: The current time, compared with the entry's fetch time and the TTL.
    /// - Returns: The response if present and fresh (or immutable). Online, a missing or expired
    ///   entry gives `nil`; offline, an expired entry is returned with ``CachedResponse/expired`` set.
    /// - Throws: ``DataError/Code/offlineCacheMiss`` offline when the entry is absent, naming the
    ///   request; ``DataError/Code/corruptCache`` or ``DataError/Code/cacheUnavailable`` when the
    ///   file cannot be read.
    public func get(_ key: FREDCacheKey, now: Date) async throws -> CachedResponse? {
        let canonical = key.canonical
        let found: (body: Data, fetchedAt: Double, immutable: Bool)?
        do {
            found = try await pool.read { db in
                // A cursor row reads the columns straight from the statement: the body is copied
                // once, into the returned Data (Row.fetchOne would copy the row first).
                let statement = try db.cachedStatement(
                    sql: "SELECT body, fetched_at, immutable FROM fred_response WHERE key = ?")
                let cursor = try Row.fetchCursor(statement, arguments: [canonical])
                return try withExtendedLifetime(cursor) {
                    // The row is live only while the cursor is: read it before returning.
                    guard let row = try cursor.next() else { return nil }
                    let body: Data = row[0]
                    let fetchedAt: Double = row[1]
                    let immutable: Bool = row[2]
                    return (body: body, fetchedAt: fetchedAt, immutable: immutable)
                }
            }
        } catch {
            throw Self.translate(error, path: configuration.path, doing: "read")
        }
        guard let found else {
            if configuration.mode == .offline {
                throw DataError(
                    .offlineCacheMiss,
                    "No cached FRED response for \(key) in \(configuration.path.path), and QEIR is offline. "
                        + "Run once online to fill the cache, or use the embedded data set (EmbeddedFRED).",
                    context: ["request": key.description, "path": configuration.path.path])
            }
            return nil
        }
        let fetchedAt = Date(timeIntervalSince1970: found.fetchedAt)
        let immutable = found.immutable
        let expired = !immutable && now.timeIntervalSince(fetchedAt) >= Self.seconds(configuration.timeToLive)
        if expired && configuration.mode == .online { return nil }
        return CachedResponse(body: found.body, fetchedAt: fetchedAt, immutable: immutable, expired: expired)
    }

    /// Stores (or replaces) a response.
    ///
    /// The entry is immutable when ``FREDCacheKey/isPinned(today:)`` holds for FRED's date of
    /// `fetchedAt` (``FREDCacheKey/fredDate(of:)``).
    /// - Parameters:
    ///   - key: The request.
    ///   - body: The raw response body.
    ///   - fetchedAt: When it was fetched.
    /// - Throws: ``DataError/Code/corruptCache`` or ``DataError/Code/cacheUnavailable``.
    public func put(_ key: FREDCacheKey, body: Data, fetchedAt: Date) async throws {
        let immutable = key.isPinned(today: FREDCacheKey.fredDate(of: fetchedAt))
        let arguments: StatementArguments = [
            key.canonical, key.path, key.seriesID, key.description, body, fetchedAt.timeIntervalSince1970, immutable,
        ]
        do {
            try await pool.write { db in
                try db.execute(
                    sql: """
                        INSERT OR REPLACE INTO fred_response
                            (key, path, series_id, summary, body, fetched_at, immutable)
                        VALUES (?, ?, ?, ?, ?, ?, ?)
                        """, arguments: arguments)
            }
        } catch {
            throw Self.translate(error, path: configuration.path, doing: "write")
        }
    }

    /// Deletes one entry.
    /// - Parameter key: The request.
    /// - Returns: Whether an entry was deleted.
    /// - Throws: ``DataError/Code/corruptCache`` or ``DataError/Code/cacheUnavailable``.
    @discardableResult
    public func remove(_ key: FREDCacheKey) async throws -> Bool {
        let canonical = key.canonical
        do {
            return try await pool.write { db in
                try db.execute(sql: "DELETE FROM fred_response WHERE key = ?", arguments: [canonical])
                return db.changesCount > 0
            }
        } catch {
            throw Self.translate(error, path: configuration.path, doing: "write")
        }
    }

    /// Deletes every entry that is not immutable and has outlived the TTL at `now`.
    /// - Parameter now: The current time.
    /// - Returns: The number of entries deleted.
    /// - Throws: ``DataError/Code/corruptCache`` or ``DataError/Code/cacheUnavailable``.
    @discardableResult
    public func purgeExpired(now: Date) async throws -> Int {
        let cutoff = now.timeIntervalSince1970 - Self.seconds(configuration.timeToLive)
        do {
            return try await pool.write { db in
                try db.execute(
                    sql: "DELETE FROM fred_response WHERE immutable = 0 AND fetched_at <= ?", arguments: [cutoff])
                return db.changesCount
            }
        } catch {
            throw Self.translate(error, path: configuration.path, doing: "write")
        }
    }

    /// Lists every entry, fresh or not, ordered by key, without bodies.
    /// - Returns: One ``FREDCacheEntry`` per stored response.
    /// - Throws: ``DataError/Code/corruptCache`` or ``DataError/Code/cacheUnavailable``.
    public func entries() async throws -> [FREDCacheEntry] {
        let ttl = Self.seconds(configuration.timeToLive)
        do {
            return try await pool.read { db in
                try Row.fetchAll(
                    db,
                    sql: """
                        SELECT key, series_id, summary, fetched_at, immutable, length(body) AS size
                        FROM fred_response ORDER BY key
                        """
                ).map { row in
                    let fetchedAt = Date(timeIntervalSince1970: row["fetched_at"])
                    let immutable: Bool = row["immutable"]
                    return FREDCacheEntry(
                        key: row["key"], summary: row["summary"], seriesID: row["series_id"], fetchedAt: fetchedAt,
                        immutable: immutable, expiresAt: immutable ? nil : fetchedAt.addingTimeInterval(ttl),
                        byteCount: row["size"])
                }
            }
        } catch {
            throw Self.translate(error, path: configuration.path, doing: "read")
        }
    }

    private static func seconds(_ d: Duration) -> TimeInterval {
        let (s, atto) = d.components
        return TimeInterval(s) + TimeInterval(atto) * 1e-18
    }

    /// Turns a GRDB or file error into a `DataError` that names the file and says what to do,
    /// never quoting SQL arguments (which hold response bodies).
    private static func translate(_ error: any Error, path: URL, doing action: String) -> DataError {
        if let e = error as? DataError { return e }
        let file = path.path
        if let db = error as? DatabaseError {
            let reason = db.message ?? "SQLite error \(db.resultCode.rawValue)"
            switch db.resultCode.primaryResultCode {
            case .SQLITE_NOTADB, .SQLITE_CORRUPT, .SQLITE_FORMAT:
                return DataError(
                    .corruptCache,
                    "The FRED cache \(file) is corrupt or not a QEIR cache (\(reason)). "
                        + "Delete \(file) (and \(file)-wal, \(file)-shm if present); "
                        + "QEIR recreates it on the next run. Nothing else is affected.",
                    context: ["path": file, "sqlite_code": "\(db.resultCode.rawValue)"])
            case .SQLITE_BUSY, .SQLITE_LOCKED:
                return DataError(
                    .cacheUnavailable,
                    "The FRED cache \(file) stayed locked by another process longer than the busy timeout "
                        + "(\(reason)); retry, or raise FREDCacheConfiguration.busyTimeout.",
                    context: ["path": file, "sqlite_code": "\(db.resultCode.rawValue)"])
            default:
                return DataError(
                    .cacheUnavailable,
                    "Cannot \(action) the FRED cache \(file) (\(reason)); check that the file and its directory "
                        + "are readable and writable and the disk is not full.",
                    context: ["path": file, "sqlite_code": "\(db.resultCode.rawValue)"])
            }
        }
        return DataError(
            .cacheUnavailable,
            "Cannot \(action) the FRED cache \(file) (\(error)); check that the file and its directory "
                + "are readable and writable.",
            context: ["path": file])
    }
}
