import ArgumentParser
import Foundation
import QEIRBatch
import QEIRHypotheses
import QEIRPostgres

/// `qeir worker` — runs hypothesis jobs from a shared job store (a thin wrapper around
/// ``HypothesisWorker``).
struct Worker: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Run hypothesis jobs from a shared job store (PostgreSQL) until stopped.",
        discussion: """
            Submit a batch with `qeir hypothesis batch --store URL --submit-only`, then start \
            workers on as many machines as you like with the same --store. Each claims jobs with \
            a lease, runs them and writes result files to --output (use a shared directory when \
            workers run on several machines; the store keeps every result too). Ctrl-C or \
            SIGTERM stops gracefully (running jobs get a grace period); a second signal stops at \
            once and the unfinished jobs go back to the queue. The password may come from \
            PGPASSWORD instead of the URL; it is never printed. Exit status: 0 unless the store \
            fails.
            """)

    @Option(help: "The job store: postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?schema=NAME] or a SQLite file.")
    var store: String
    @Option(help: "Jobs running at once (the default is the number of cores).")
    var concurrency: Int = ProcessInfo.processInfo.activeProcessorCount
    @Option(help: "Where result files go (<output>/<job id>/); share it between machines.")
    var output: String = "batch_results/jobs"
    @Option(help: "embedded, fred or cache (default: fred when FRED_API_KEY is set, else embedded).")
    var dataSource: HypothesisBatch.DataSourceKind?
    @Option(help: "FRED cache directory (for --data-source fred or cache).") var fredCache: String?
    @Option(help: "Seconds a claim lasts without renewal (a dead worker's jobs return to the queue after it).")
    var leaseSeconds: Int = 60
    @Option(help: "Seconds between looks for new work, cancel requests and due retries.")
    var pollSeconds: Double = 1
    @Flag(help: "Exit when no job is pending, waiting for a retry or running (default: wait for new work).")
    var exitWhenDrained = false

    func validate() throws {
        guard concurrency >= 1 else { throw ValidationError("--concurrency must be at least 1; got \(concurrency).") }
        guard leaseSeconds >= 3 else {
            throw ValidationError("--lease-seconds must be at least 3; got \(leaseSeconds).")
        }
        guard pollSeconds > 0, pollSeconds.isFinite else {
            throw ValidationError("--poll-seconds must be a positive number of seconds; got \(pollSeconds).")
        }
        if dataSource == .cache && fredCache == nil {
            throw ValidationError("--data-source cache needs --fred-cache DIR.")
        }
    }

    func run() async throws {
        let source = try HypothesisBatch.makeSource(kind: dataSource, fredCache: fredCache)
        let shown = JobStoreAddress.redacted(store)
        let outputDirectory = URL(fileURLWithPath: output, isDirectory: true)
        let summary = try await JobStoreAddress.withStore(store) { jobStore in
            var options = HypothesisWorkerOptions(
                outputDirectory: outputDirectory, concurrency: concurrency,
                mode: exitWhenDrained ? .untilDrained : .untilShutdown)
            options.leaseDuration = .seconds(leaseSeconds)
            options.pollInterval = .milliseconds(Int((pollSeconds * 1000).rounded()))
            let worker = HypothesisWorker(store: jobStore, source: source, options: options)
            let log = WorkerLog()
            let events = worker.events()
            let logTask = Task { for await event in events { log.show(event) } }
            defer { logTask.cancel() }
            let signals = try await ShutdownSignals { _, count in
                FileHandle.standardError.write(
                    Data(
                        (count == 1
                            ? "\nstopping: running jobs get a grace period (Ctrl-C again to stop now)\n"
                            : "\nstopping now; unfinished jobs go back to the queue\n").utf8))
                await worker.shutdown(grace: count == 1 ? nil : .zero)
            }
            defer { signals.cancel() }
            log.note("worker: \(concurrency) job(s) at once on \(shown); results in \(outputDirectory.path)")
            let summary = try await worker.run()
            await logTask.value
            return summary
        }
        let open = summary[.pending] + summary[.retryWait] + summary[.running]
        print(
            "worker: \(summary.attemptsStarted) attempt(s) run\(summary.interrupted ? " (stopped)" : ""); store: \(summary[.succeeded]) succeeded, \(summary[.failed]) failed, \(summary[.cancelled]) cancelled, \(summary[.skipped]) skipped, \(open) not finished"
        )
    }
}

/// One stderr line per job event of a worker (quiet when QEIR_QUIET is set).
struct WorkerLog: Sendable {
    private let quiet = ProcessInfo.processInfo.environment["QEIR_QUIET"] != nil

    func note(_ text: String) {
        guard !quiet else { return }
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }

    func show(_ event: JobEvent) {
        let id = event.jobID
        switch event.kind {
        case .started(let attempt): note("started \(id) (attempt \(attempt))")
        case .succeeded(_, let reused): note("succeeded \(id)\(reused.map { " (reused \($0))" } ?? "")")
        case .failed(let attempt, let error): note("failed \(id) (attempt \(attempt)): \(Self.oneLine(error))")
        case .retryScheduled(let attempt, let at, let error):
            note("retry \(id) after attempt \(attempt) at \(at.formatted(.iso8601)): \(Self.oneLine(error))")
        case .timedOut(let attempt, let timeout): note("timed out \(id) (attempt \(attempt), limit \(timeout))")
        case .cancelled(let reason): note("cancelled \(id): \(Self.oneLine(reason))")
        case .skipped(let reason): note("skipped \(id): \(Self.oneLine(reason))")
        case .requeued(let reason): note("requeued \(id): \(Self.oneLine(reason))")
        case .submitted, .progress: return
        }
    }

    private static func oneLine(_ text: String) -> String {
        String(text.replacingOccurrences(of: "\n", with: " ").prefix(200))
    }
}
