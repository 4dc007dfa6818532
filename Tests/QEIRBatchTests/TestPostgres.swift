import Foundation
import QEIRBatch
import QEIRPostgres

/// The PostgreSQL server the tests use: `QEIR_TEST_POSTGRES_URL` (set by `.ci/start-postgres`).
/// Each store gets a schema of its own, so tests run in parallel on one database.
enum TestPostgres {
    /// The server's URL, or `nil` when no server was started for the tests.
    static var url: String? {
        ProcessInfo.processInfo.environment["QEIR_TEST_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// A new, empty schema's location on the test server.
    static func freshLocation() throws -> PostgresStoreLocation {
        guard let url else {
            throw BatchError(
                .invalidValue, "QEIR_TEST_POSTGRES_URL is not set. Run `eval \"$(.ci/start-postgres)\"` first.")
        }
        let suffix = UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(16)
        return try PostgresStoreLocation(url: url).withSchema("t_\(suffix)")
    }

    /// A store in a new, empty schema.
    static func freshStore(
        configuration: PostgresJobStore.Configuration = .init(maximumConnections: 4)
    ) async throws -> PostgresJobStore {
        try await PostgresJobStore(try freshLocation(), configuration: configuration)
    }

    /// Drops the store's schema and closes its pool, without making the caller wait.
    static func discard(_ store: PostgresJobStore) {
        Task {
            try? await store.dropSchema()
            await store.close()
        }
    }
}
