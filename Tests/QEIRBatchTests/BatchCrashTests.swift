import Foundation
import QEIRBatch
import QEIRTestSupport
import Testing

/// Kills a child process running a durable batch with SIGKILL at many random points, resumes it
/// each time, and checks that nothing is lost or done twice.
@Suite("Batch crash recovery", .serialized)
struct BatchCrashTests {

    /// Starts the worker; returns the process.
    func startWorker(store: URL, log: URL, jobs: Int, concurrency: Int) throws -> Process {
        let process = Process()
        process.executableURL = builtExecutableURL("qeir-batch-crash-worker")
        process.arguments = [store.path, log.path, String(jobs), String(concurrency)]
        process.standardOutput = FileHandle.nullDevice
        let errors = try FileHandle(forWritingTo: stderrURL(log))
        errors.seekToEndOfFile()
        process.standardError = errors
        try process.run()
        return process
    }

    /// Where the worker's standard error goes (appended), beside the handler log.
    func stderrURL(_ log: URL) -> URL {
        let url = log.deletingLastPathComponent().appendingPathComponent("worker-stderr.txt")
        if !FileManager.default.fileExists(atPath: url.path) {
            _ = FileManager.default.createFile(atPath: url.path, contents: nil)
        }
        return url
    }

    /// Where in the worker's life a kill lands: after `logLines` more handler log lines (0 for
    /// start-up or submission) plus `milliseconds`.
    struct KillPoint {
        var logLines: Int
        var milliseconds: Int
    }

    /// Waits on a Dispatch thread (not the cooperative pool, which other tests may keep busy)
    /// until the handler log has grown by `point.logLines` lines, then `point.milliseconds` more,
    /// then SIGKILLs the process if it still runs and waits for it to end. Tying the kill to the
    /// worker's progress keeps the kill points spread over the batch on a slow or loaded machine.
    ///
    /// - Returns: Whether the kill landed (the process was still running).
    func kill(at point: KillPoint, _ process: Process, log: URL, baseline: Int) async -> Bool {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                while process.isRunning && logLines(log).count < baseline + point.logLines { usleep(500) }
                usleep(useconds_t(point.milliseconds * 1000))
                let landed = process.isRunning
                if landed { Foundation.kill(process.processIdentifier, SIGKILL) }
                process.waitUntilExit()
                continuation.resume(returning: landed)
            }
        }
    }

    /// Waits for a process to end without blocking a cooperative thread for long.
    func waitForExit(_ process: Process) async throws {
        while process.isRunning { try await Task.sleep(for: .milliseconds(2)) }
    }

    func logLines(_ log: URL) -> [String] {
        guard let text = try? String(contentsOf: log, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").map(String.init)
    }

    @Test("SIGKILL at ≥20 random points: every job succeeds exactly once and no committed success runs again")
    func killAndResume() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = directory.url.appendingPathComponent("jobs.sqlite")
        let log = directory.url.appendingPathComponent("handler.log")
        let jobCount = 100
        var generator = SeededGenerator(state: 2026)
        var kills = 0
        var rounds = 0
        // After each kill: which jobs had committed success, and how long the handler log was.
        var snapshots: [(succeeded: Set<JobID>, logLength: Int)] = []
        var delays: [Int] = []
        var killsMidHandler = 0

        while kills < 25 && rounds < 200 {
            rounds += 1
            let process = try startWorker(store: store, log: log, jobs: jobCount, concurrency: 2)
            // Most kills land while handlers run (after 1–8 more log lines, plus 0–30 ms); every
            // fourth lands in start-up, submission or the first claims (0–60 ms after launch).
            let point =
                rounds.isMultiple(of: 4)
                ? KillPoint(logLines: 0, milliseconds: Int.random(in: 0...60, using: &generator))
                : KillPoint(
                    logLines: Int.random(in: 1...8, using: &generator),
                    milliseconds: Int.random(in: 0...30, using: &generator))
            delays.append(point.milliseconds)
            let baseline = logLines(log).count
            if await kill(at: point, process, log: log, baseline: baseline) { kills += 1 }
            let reader = try SQLiteJobStore(path: store)
            let succeeded = Set(try await reader.jobs(in: [.succeeded]).map(\.id))
            let lines = logLines(log)
            let round = lines.dropFirst(snapshots.last?.logLength ?? 0)
            if round.filter({ $0.hasPrefix("start ") }).count > round.filter({ $0.hasPrefix("end ") }).count {
                killsMidHandler += 1
            }
            snapshots.append((succeeded, lines.count))
            if succeeded.count == jobCount { break }
        }
        let workerErrors = (try? String(contentsOf: stderrURL(log), encoding: .utf8)) ?? ""
        #expect(
            kills >= 20,
            "only \(kills) kills landed mid-batch (delays \(delays)); worker stderr: \(workerErrors.suffix(2000))")
        // Many kills must cut a handler off mid-run, not only hit start-up.
        #expect(killsMidHandler >= 10, "only \(killsMidHandler) kills cut a handler off")

        // Resume to the end.
        let last = try startWorker(store: store, log: log, jobs: jobCount, concurrency: 2)
        try await waitForExit(last)
        #expect(last.terminationStatus == 0)

        let reader = try SQLiteJobStore(path: store)
        let records = try await reader.jobs(in: nil)
        #expect(records.count == jobCount)
        #expect(
            records.allSatisfy { $0.state == .succeeded },
            "states: \(Dictionary(grouping: records, by: \.state).mapValues(\.count))")
        // Every job ends exactly once: one transition into `succeeded` each.
        let transitions = try await reader.transitions(of: nil, after: 0, limit: 1_000_000)
        let successes = Dictionary(grouping: transitions.filter { $0.to == .succeeded }, by: \.jobID)
        #expect(successes.count == jobCount)
        #expect(successes.values.allSatisfy { $0.count == 1 })

        // No handler started again after its job's success was committed.
        let lines = logLines(log)
        var violations: [String] = []
        for snapshot in snapshots {
            for line in lines.dropFirst(snapshot.logLength) where line.hasPrefix("start ") {
                let id = try JobID(String(line.split(separator: " ")[1]))
                if snapshot.succeeded.contains(id) { violations.append(line) }
            }
        }
        #expect(violations.isEmpty, "re-ran committed jobs: \(violations.prefix(5))")
        // Every job's handler finished at least once, and attempts were counted once each.
        let ended = Set(lines.filter { $0.hasPrefix("end ") }.map { $0.split(separator: " ")[1] })
        #expect(ended.count == jobCount)
        let starts = Dictionary(grouping: lines.filter { $0.hasPrefix("start ") }, by: { $0.split(separator: " ")[1] })
        for record in records {
            // A kill can land between the store's claim and the handler's first log line, so the
            // store may count an attempt the log never saw; never the other way round.
            #expect(record.attempts >= starts[Substring(record.id.rawValue)]?.count ?? 0)
        }
        #expect(try await reader.integrityCheck() == ["ok"])
    }
}
