import Foundation
import QEIRTestSupport
import Testing

@testable import QEIRBatch
@testable import QEIRPostgres

/// Four worker processes drain one PostgreSQL queue; one is killed with SIGKILL in the middle of
/// a job. Its jobs come back after their lease, the three others finish them, and every job ends
/// exactly once.
@Suite(
    "PostgreSQL cluster", .serialized,
    .enabled(if: TestPostgres.url != nil, "needs QEIR_TEST_POSTGRES_URL (.ci/start-postgres)"))
struct PostgresClusterTests {
    func logLines(_ log: URL) -> [String] {
        guard let text = try? String(contentsOf: log, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").map(String.init)
    }

    /// Jobs whose handler started in process `pid` and has not ended there.
    func openJobs(of pid: Int32, in lines: [String]) -> Set<String> {
        var open = Set<String>()
        for line in lines {
            let parts = line.split(separator: " ")
            guard parts.count == 3, Int32(parts[2]) == pid else { continue }
            if parts[0] == "start" { open.insert(String(parts[1])) } else { open.remove(String(parts[1])) }
        }
        return open
    }

    /// Starts a worker process on the store at `url` (with password and schema).
    func startWorker(url: String, log: URL, errors: URL, leaseMilliseconds: Int) throws -> Process {
        let process = Process()
        process.executableURL = builtExecutableURL("qeir-postgres-test-worker")
        process.arguments = [url, log.path, "4", String(leaseMilliseconds)]
        process.standardOutput = FileHandle.nullDevice
        let handle = try FileHandle(forWritingTo: errors)
        handle.seekToEndOfFile()
        process.standardError = handle
        try process.run()
        return process
    }

    /// The test server's URL with its password and the given schema, for child processes only.
    func childURL(schema: String) -> String {
        var components = URLComponents(string: TestPostgres.url!)!
        components.queryItems = [URLQueryItem(name: "schema", value: schema)]
        return components.string!
    }

    @Test("A healthy job four times longer than its lease is renewed by heartbeats and never runs twice")
    func longHealthyJobIsNeverRescued() async throws {
        let location = try TestPostgres.freshLocation()
        let store = try await PostgresJobStore(location)
        defer { TestPostgres.discard(store) }
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let log = directory.url.appendingPathComponent("handler.log")
        let errors = directory.url.appendingPathComponent("stderr.txt")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errors.path, contents: nil)
        let jobs =
            [JobSpec(id: JobID(rawValue: "long")!, handler: "work", payload: .null, priority: 9)]
            + (0..<30).map { JobSpec(id: JobID(rawValue: "short\($0)")!, handler: "work", payload: .integer($0)) }
        _ = try await store.submit(jobs, options: .init(), now: Date())
        // Lease 1 s (renewed every third of it); the job takes 4 s; two workers keep claiming.
        let workers = try (0..<2).map { _ in
            try startWorker(url: childURL(schema: location.schema), log: log, errors: errors, leaseMilliseconds: 1000)
        }
        for worker in workers {
            while worker.isRunning { try await Task.sleep(for: .milliseconds(20)) }
            #expect(worker.terminationStatus == 0)
        }
        let starts = logLines(log).filter { $0.hasPrefix("start long ") }
        #expect(starts.count == 1, "\(starts)")
        let record = try #require(try await store.job(JobID(rawValue: "long")!))
        #expect(record.state == .succeeded && record.attempts == 1)
        #expect(try await store.counts()[.succeeded] == jobs.count)
    }

    @Test("4 workers, one SIGKILLed mid-job: every job ends exactly once, none is lost")
    func killOneOfFourWorkers() async throws {
        let location = try TestPostgres.freshLocation()
        let store = try await PostgresJobStore(location)
        defer { TestPostgres.discard(store) }
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let log = directory.url.appendingPathComponent("handler.log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)

        let jobCount = 240
        var jobs: [JobSpec] = []
        for index in 0..<jobCount {
            let id = JobID(rawValue: String(format: "job%03d", index))!
            // Every sixth job depends on the one before it: dependencies cross workers too.
            let dependencies = index % 6 == 5 ? [JobID(rawValue: String(format: "job%03d", index - 1))!] : []
            jobs.append(
                JobSpec(
                    id: id, handler: "work", payload: .integer(index), priority: index % 3,
                    dependencies: dependencies))
        }
        _ = try await store.submit(jobs, options: .init(), now: Date())

        let errors = directory.url.appendingPathComponent("stderr.txt")
        _ = FileManager.default.createFile(atPath: errors.path, contents: nil)
        // Lease 1.5 s, renewed every 0.5 s: a killed worker's jobs return 1.5 s after its last
        // renewal.
        let workers = try (0..<4).map { _ in
            try startWorker(url: childURL(schema: location.schema), log: log, errors: errors, leaseMilliseconds: 1500)
        }
        let victim = workers[0]
        // Kill the first worker while it is inside a handler, once a fifth of the jobs ran.
        let killed: Set<String> = await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                let deadline = Date().addingTimeInterval(60)
                while Date() < deadline {
                    let lines = self.logLines(log)
                    let open = self.openJobs(of: victim.processIdentifier, in: lines)
                    if lines.count >= jobCount / 5 * 2 && !open.isEmpty {
                        Foundation.kill(victim.processIdentifier, SIGKILL)
                        victim.waitUntilExit()
                        // What it was running when it died (lines written before the kill).
                        continuation.resume(
                            returning: self.openJobs(of: victim.processIdentifier, in: self.logLines(log)))
                        return
                    }
                    usleep(1000)
                }
                continuation.resume(returning: [])
            }
        }
        #expect(!killed.isEmpty, "the victim was never seen inside a handler")
        #expect(victim.terminationReason == .uncaughtSignal && victim.terminationStatus == SIGKILL)

        // The survivors drain the queue, including the victim's jobs after their leases expire.
        for worker in workers.dropFirst() {
            while worker.isRunning { try await Task.sleep(for: .milliseconds(20)) }
            #expect(
                worker.terminationStatus == 0,
                "\(String(decoding: (try? Data(contentsOf: errors)) ?? Data(), as: UTF8.self))")
        }

        let records = try await store.jobs(in: nil)
        #expect(records.count == jobCount)
        #expect(records.allSatisfy { $0.state == .succeeded }, "\(records.filter { $0.state != .succeeded }.map(\.id))")
        let transitions = try await store.transitions(of: nil, after: 0, limit: 100_000)
        var finals: [JobID: Int] = [:]
        for transition in transitions where transition.to.isTerminal { finals[transition.jobID, default: 0] += 1 }
        #expect(finals.count == jobCount && finals.values.allSatisfy { $0 == 1 }, "every job ends exactly once")
        // Sequence numbers stay unique and gap-free across the four writers.
        #expect(transitions.map(\.sequence) == Array(1...Int64(transitions.count)))
        // The victim's jobs went back to the queue through their expired leases and ran again.
        for name in killed {
            let record = try #require(records.first { $0.id.rawValue == name })
            #expect(record.attempts == 2, "\(name) attempts \(record.attempts)")
            let own = transitions.filter { $0.jobID.rawValue == name }
            #expect(own.contains { $0.from == .running && $0.to == .pending && $0.reason.contains("expired") })
            // Its history: the victim's attempt expired, a survivor's succeeded.
            let history = try await store.attemptHistory(record.id)
            #expect(history.map(\.outcome) == ["expired", "succeeded"], "\(name): \(history)")
            #expect(history.first?.owner.contains("\(victim.processIdentifier)") == true)
        }
        // Only jobs the victim had started ran twice: those it was inside when it died, and any
        // it had finished but not yet reported (at-least-once execution).
        let lines = logLines(log)
        let victimID = victim.processIdentifier
        let startedByVictim = Set(
            lines.compactMap { line -> String? in
                let parts = line.split(separator: " ")
                return parts.count == 3 && parts[0] == "start" && Int32(parts[2]) == victimID ? String(parts[1]) : nil
            })
        let starts = lines.filter { $0.hasPrefix("start ") }.map { String($0.split(separator: " ")[1]) }
        let counts = Dictionary(starts.map { ($0, 1) }, uniquingKeysWith: +)
        #expect(Set(counts.keys).count == jobCount, "every job's handler ran")
        for (name, count) in counts where count > 1 {
            #expect(count == 2 && startedByVictim.contains(name), "\(name) started \(count) times")
        }
    }
}
