import Foundation
import QEIRPostgres
import QEIRTestSupport
import Testing

/// The test server's URL (`QEIR_TEST_POSTGRES_URL`), or `nil` when none was started.
private let postgresURL = ProcessInfo.processInfo.environment["QEIR_TEST_POSTGRES_URL"].flatMap {
    $0.isEmpty ? nil : $0
}

/// `qeir worker`, `hypothesis batch --store … --submit-only` and `batch-manage --store`, through
/// the built executable.
@Suite("qeir worker and --store", .serialized)
struct WorkerCommandTests {
    var environment: [String: String] { quietCLIEnvironment }

    func qeir(_ arguments: [String]) async throws -> ProcessOutput { try await runQEIR(arguments) }

    func writeConfiguration(_ directory: TemporaryDirectory) throws -> URL {
        try writeSmallBatchConfiguration(directory)
    }

    /// Runs `body` with the test server's URL with a new schema and the server's password (to
    /// look for in output), then drops the schema.
    func withFreshStore(_ body: (_ url: String, _ password: String) async throws -> Void) async throws {
        let server = try #require(postgresURL)
        let suffix = UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(16)
        let url = server + (server.contains("?") ? "&" : "?") + "schema=t_\(suffix)"
        let password = URLComponents(string: server)?.password ?? ""
        do {
            try await body(url, password)
        } catch {
            await drop(url)
            throw error
        }
        await drop(url)
    }

    /// Drops a test schema.
    func drop(_ url: String) async {
        if let store = try? await PostgresJobStore(url: url) {
            try? await store.dropSchema()
            await store.close()
        }
    }

    func expectNoPassword(
        _ output: ProcessOutput, _ password: String, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        guard !password.isEmpty else { return }
        #expect(!output.stdout.contains(password), "stdout shows the password", sourceLocation: sourceLocation)
        #expect(!output.stderr.contains(password), "stderr shows the password", sourceLocation: sourceLocation)
    }

    @Test(
        "submit-only to PostgreSQL, a worker drains the queue, batch-manage list shows every job succeeded",
        .enabled(if: postgresURL != nil))
    func submitAndWork() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let config = try writeConfiguration(directory)
        try await withFreshStore { store, password in
            try await submitAndWork(
                config: config, output: directory.url.appendingPathComponent("out"), store: store,
                password: password)
        }
    }

    func submitAndWork(config: URL, output: URL, store: String, password: String) async throws {
        let batch = [
            "hypothesis", "batch", "--config", config.path, "--store", store, "--submit-only", "--output", output.path,
            "--periods", "2008-2015",
        ]
        let submitted = try await qeir(batch)
        #expect(submitted.status == 0, "stderr: \(submitted.stderr)")
        #expect(submitted.stdout.contains("2 created, 0 existing"), "stdout: \(submitted.stdout)")
        #expect(submitted.stdout.contains("hypothesis_default_20080101_20151231: created"))
        expectNoPassword(submitted, password)
        // Submitting again needs no --resume and leaves the jobs as they are.
        let again = try await qeir(batch)
        #expect(again.status == 0, "stderr: \(again.stderr)")
        #expect(again.stdout.contains("0 created, 2 existing"), "stdout: \(again.stdout)")

        let results = output.appendingPathComponent("jobs")
        var logging = environment
        logging["QEIR_QUIET"] = nil
        let worker = try await runBuiltExecutableAsync(
            "qeir",
            ["worker", "--store", store, "--concurrency", "2", "--exit-when-drained", "--output", results.path],
            environment: logging)
        #expect(worker.status == 0, "stderr: \(worker.stderr)")
        #expect(worker.stdout.contains("worker: 2 attempt(s) run; store: 2 succeeded, 0 failed"), "\(worker.stdout)")
        #expect(worker.stderr.contains("succeeded hypothesis_alternative_20080101_20151231"), "\(worker.stderr)")
        expectNoPassword(worker, password)
        for id in ["hypothesis_default_20080101_20151231", "hypothesis_alternative_20080101_20151231"] {
            #expect(FileManager.default.fileExists(atPath: results.appendingPathComponent("\(id)/result.json").path))
        }

        let list = try await qeir([
            "hypothesis", "batch-manage", "list", "--store", store, "--output", output.path, "--format", "json",
        ])
        #expect(list.status == 0, "stderr: \(list.stderr)")
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: String]])
        #expect(rows.count == 2)
        #expect(rows.allSatisfy { $0["state"] == "succeeded" }, "\(rows)")
        expectNoPassword(list, password)
    }

    @Test(
        "batch-manage cancel --store cancels a pending job; an unknown id names the store without its password",
        .enabled(if: postgresURL != nil))
    func cancelPending() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let config = try writeConfiguration(directory)
        try await withFreshStore { store, password in
            try await cancelPending(
                config: config, output: directory.url.appendingPathComponent("out"), store: store,
                password: password)
        }
    }

    func cancelPending(config: URL, output: URL, store: String, password: String) async throws {
        let submitted = try await qeir([
            "hypothesis", "batch", "--config", config.path, "--store", store, "--submit-only", "--output",
            output.path, "--periods", "2008-2015", "--specifications", "default",
        ])
        #expect(submitted.status == 0, "stderr: \(submitted.stderr)")
        let id = "hypothesis_default_20080101_20151231"
        let cancel = try await qeir(["hypothesis", "batch-manage", "cancel", "--store", store, id])
        #expect(cancel.status == 0, "stderr: \(cancel.stderr)")
        #expect(cancel.stdout.contains("\(id): cancelled"), "\(cancel.stdout)")
        let list = try await qeir([
            "hypothesis", "batch-manage", "list", "--store", store, "--status", "cancelled", "--format", "json",
        ])
        #expect(list.stdout.contains(id), "\(list.stdout) \(list.stderr)")

        let unknown = try await qeir(["hypothesis", "batch-manage", "cancel", "--store", store, "no_such_job"])
        #expect(unknown.status == 2)
        #expect(unknown.stderr.contains("No job 'no_such_job' in postgres://"), "\(unknown.stderr)")
        expectNoPassword(unknown, password)
    }

    @Test("a store that cannot be reached: the error names it without the password (no server needed)")
    func unreachableStoreHidesPassword() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let config = try writeConfiguration(directory)
        let url = "postgres://qeir:s3cret-pass@127.0.0.1:1/x"
        let commands: [[String]] = [
            ["worker", "--store", url, "--exit-when-drained", "--output", directory.url.path],
            ["hypothesis", "batch-manage", "list", "--store", url],
            [
                "hypothesis", "batch", "--config", config.path, "--store", url, "--submit-only", "--periods",
                "2008-2015",
            ],
            ["worker", "--store", "postgres://qeir:s3cret-pass@/x"],
        ]
        for arguments in commands {
            let result = try await runBuiltExecutableAsync(
                "qeir", arguments, environment: environment.merging(["QEIR_LOG_LEVEL": "debug"]) { $1 })
            #expect(result.status != 0, "\(arguments)")
            #expect(!result.stdout.contains("s3cret-pass"), "\(arguments): \(result.stdout)")
            #expect(!result.stderr.contains("s3cret-pass"), "\(arguments): \(result.stderr)")
            #expect(result.stderr.contains("postgres://qeir"), "\(arguments): \(result.stderr)")
        }
    }
}
