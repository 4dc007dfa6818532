import Foundation
import QEIRBatch
import QEIRPostgres
import QEIRTestSupport
import Testing

@Suite("JobStoreAddress")
struct JobStoreAddressTests {
    @Test("PostgreSQL URLs are told from paths and print without their password")
    func redaction() {
        #expect(JobStoreAddress.isPostgres("postgres://u@h/d"))
        #expect(JobStoreAddress.isPostgres("PostgreSQL://u@h/d"))
        #expect(!JobStoreAddress.isPostgres("out/jobs.sqlite"))
        #expect(
            JobStoreAddress.redacted("postgres://qeir:s3cret@db.example.org/studies?schema=qe")
                == "postgres://qeir@db.example.org:5432/studies?schema=qe")
        // Even a malformed URL loses its password.
        #expect(JobStoreAddress.redacted("postgres://qeir:s3cret@/x") == "postgres://qeir:***@/x")
        #expect(JobStoreAddress.redacted("out/jobs.sqlite") == "out/jobs.sqlite")
    }

    @Test("a path opens a SQLite store; a malformed URL fails naming it without the password")
    func open() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.url.appendingPathComponent("jobs.sqlite").path
        let counts = try await JobStoreAddress.withStore(path) { store in
            #expect(store is SQLiteJobStore)
            return try await store.counts()
        }
        #expect(counts.values.reduce(0, +) == 0)
        #expect(FileManager.default.fileExists(atPath: path))
        do {
            _ = try await JobStoreAddress.open("postgres://qeir:s3cret@/x")
            Issue.record("a URL without a host opened")
        } catch {
            #expect(error.code == .invalidValue)
            #expect(!error.message.contains("s3cret"))
            #expect(error.message.contains("postgres://qeir:***@/x"))
        }
    }
}
