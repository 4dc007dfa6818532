import Foundation
public import Logging
public import QEIRBatch

/// A job store named by one argument, as a command line gives it: a PostgreSQL URL
/// (`postgres://…` or `postgresql://…`) for a queue shared by workers on several machines, or
/// the path of a SQLite file for a store on this machine.
///
/// ```swift
/// let store = try await JobStoreAddress.open("postgres://qeir@db.example.org/studies")
/// defer { Task { await JobStoreAddress.close(store) } }
/// let counts = try await store.counts()
/// ```
///
/// Whatever the argument, the password of a URL never appears in ``redacted(_:)`` or in an error
/// thrown here.
public enum JobStoreAddress {
    /// Whether `argument` names a PostgreSQL store (rather than a SQLite file).
    ///
    /// - Parameter argument: A store argument.
    public static func isPostgres(_ argument: String) -> Bool {
        PostgresStoreLocation.isPostgresURL(argument)
    }

    /// How `argument` may be shown in logs and messages: a PostgreSQL URL without its password
    /// (`postgres://USER@HOST:PORT/DATABASE?schema=NAME`), a SQLite file as its path.
    ///
    /// - Parameter argument: A store argument.
    /// - Returns: The printable form.
    public static func redacted(_ argument: String) -> String {
        guard isPostgres(argument) else { return argument }
        if let location = try? PostgresStoreLocation(url: argument) { return location.redacted }
        return PostgresStoreLocation.redact(argument)
    }

    /// Opens the store `argument` names.
    ///
    /// A PostgreSQL URL opens a ``PostgresJobStore`` (the password may come from `PGPASSWORD`
    /// when the URL has none; the schema and its tables are created when missing). Anything else
    /// is the path of a SQLite file, opened with ``SQLiteJobStore`` (created when missing; its
    /// directory must exist).
    ///
    /// - Parameters:
    ///   - argument: `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?schema=NAME]` or a path.
    ///   - logger: Where connection problems are logged (never with the password).
    /// - Returns: The open store; pass it to ``close(_:)`` when done.
    /// - Throws: ``BatchError`` naming the store (without password): a malformed URL
    ///   (``BatchError/Code/invalidValue``), a server that cannot be reached or refuses the
    ///   credentials, or a file that cannot be opened (``BatchError/Code/storeFailed``).
    public static func open(
        _ argument: String, logger: Logger = Logger(label: "qeir.store")
    ) async throws(BatchError) -> any JobStore {
        if isPostgres(argument) {
            return try await PostgresJobStore(url: argument, logger: logger)
        }
        guard !argument.isEmpty else {
            throw BatchError(
                .invalidValue,
                "The store argument is empty. Give a SQLite file path or postgres://USER@HOST/DATABASE.")
        }
        return try SQLiteJobStore(path: URL(fileURLWithPath: argument))
    }

    /// Opens the store `argument` names, passes it to `body` and closes it afterwards, whether
    /// `body` returns or throws.
    ///
    /// - Parameters:
    ///   - argument: A PostgreSQL URL or a SQLite file path (see ``open(_:logger:)``).
    ///   - logger: Where connection problems are logged (never with the password).
    ///   - body: The work to do with the store.
    /// - Returns: What `body` returns.
    /// - Throws: ``BatchError`` from ``open(_:logger:)``, or what `body` throws.
    public static func withStore<Result>(
        _ argument: String, logger: Logger = Logger(label: "qeir.store"),
        _ body: (any JobStore) async throws -> Result
    ) async throws -> Result {
        let store = try await open(argument, logger: logger)
        let result: Result
        do {
            result = try await body(store)
        } catch {
            await close(store)
            throw error
        }
        await close(store)
        return result
    }

    /// Releases a store opened by ``open(_:logger:)``: closes a PostgreSQL store's connections;
    /// a SQLite store closes when its last reference goes.
    ///
    /// - Parameter store: The store.
    public static func close(_ store: any JobStore) async {
        if let postgres = store as? PostgresJobStore { await postgres.close() }
    }
}
