public import Foundation
public import Logging
public import QEIRBatch
import QEIRMonitor
public import QEIRNotify

/// Options of one batch run, from the CLI flags or a program; `nil` keeps the configuration
/// file's value.
public struct BatchRunOptions: Sendable {
    /// The output directory: `jobs.sqlite`, `monitoring.db`, `jobs/<id>/`, `reports/`.
    public var outputDirectory: URL
    /// The job store to use instead of `jobs.sqlite` in the output directory (for example a
    /// PostgreSQL store shared with workers on other machines), or `nil` for that file.
    /// The metrics database and the reports stay in the output directory.
    public var store: (any JobStore)?
    /// Overrides `max_concurrent_jobs`.
    public var maxWorkers: Int?
    /// Overrides every job's retry count (`--max-retries`; `--auto-retry` without it keeps the jobs').
    public var maxRetries: Int?
    /// Overrides `compress_results`.
    public var compressResults: Bool?
    /// Overrides `cleanup_intermediate_files`.
    public var cleanupIntermediate: Bool?
    /// Whether the monitor samples and records metrics (`--enable-monitoring`).
    public var enableMonitoring: Bool
    /// Overrides `monitoring_interval_seconds`.
    public var monitoringInterval: Duration?
    /// Notification handlers (webhook, email, …); alerts and the end-of-batch summary go to them.
    public var notifiers: [any Notifier]
    /// Re-run jobs whose identical results exist (`--force`).
    public var force: Bool
    /// The batch id recorded with metrics and notifications.
    public var batchID: String

    /// Creates options.
    ///
    /// - Parameters:
    ///   - outputDirectory: The output directory.
    ///   - batchID: The batch id (default: the output directory's name).
    public init(outputDirectory: URL, batchID: String? = nil) {
        self.outputDirectory = outputDirectory
        self.store = nil
        self.maxWorkers = nil
        self.maxRetries = nil
        self.compressResults = nil
        self.cleanupIntermediate = nil
        self.enableMonitoring = true
        self.monitoringInterval = nil
        self.notifiers = []
        self.force = false
        self.batchID = batchID ?? outputDirectory.lastPathComponent
    }
}

/// Where a batch run leaves its files.
public struct BatchRunLayout: Sendable, Hashable {
    /// The output directory.
    public let root: URL

    /// Creates the layout of an output directory.
    ///
    /// - Parameter root: The output directory.
    public init(root: URL) { self.root = root }

    /// The durable job store (when ``BatchRunOptions/store`` is not set).
    public var store: URL { root.appendingPathComponent("jobs.sqlite") }
    /// The metrics database.
    public var monitoring: URL { root.appendingPathComponent("monitoring.db") }
    /// The parent of the per-job result directories.
    public var jobs: URL { root.appendingPathComponent("jobs", isDirectory: true) }
    /// Reports (`report.json`, `report.html`, CSV files, `comparison.*`).
    public var reports: URL { root.appendingPathComponent("reports", isDirectory: true) }
}

/// Progress of a running batch, for a live line or a log.
public struct BatchProgress: Sendable, Hashable {
    /// Jobs in the batch.
    public var total: Int
    /// Jobs that ended (any final state).
    public var done: Int
    /// Jobs running now.
    public var running: Int
    /// Jobs that failed.
    public var failed: Int
    /// Jobs that succeeded.
    public var succeeded: Int
    /// Estimated time to the end, from the mean pace so far.
    public var eta: Duration?

    /// Creates a progress value.
    public init(total: Int, done: Int, running: Int, failed: Int, succeeded: Int, eta: Duration?) {
        self.total = total
        self.done = done
        self.running = running
        self.failed = failed
        self.succeeded = succeeded
        self.eta = eta
    }

    /// `12/40 done, 2 running, 1 failed, ETA 3m05s`.
    public var line: String {
        var text = "\(done)/\(total) done, \(running) running, \(failed) failed"
        if let eta {
            let seconds = Int(eta.components.seconds)
            text +=
                ", ETA " + (seconds >= 60 ? "\(seconds / 60)m\(String(format: "%02d", seconds % 60))s" : "\(seconds)s")
        }
        return text
    }
}

/// What a batch run produced.
public struct BatchRunResult: Sendable {
    /// The processor's summary (final counts of the whole store).
    public var summary: BatchSummary
    /// The files of the run.
    public var layout: BatchRunLayout
    /// Report files written.
    public var reports: [URL]
    /// Notification delivery reports (alerts and the final summary).
    public var deliveries: [DeliveryReport]
}

/// One batch run, composed from the library's parts: a durable job store (SQLite in the output
/// directory, or any ``BatchRunOptions/store``), a processor with resource-aware admission, a monitor writing `monitoring.db`,
/// notifiers for alerts and the final summary, and reports at the end. The `qeir hypothesis
/// batch` command is a thin wrapper around it.
///
/// Resuming is running again on the same output directory: jobs are resubmitted (identical ones
/// are left as they are), work cut off by a crash or a signal is re-queued, and finished jobs are
/// never repeated.
public actor BatchRun {
    /// The configuration file's settings.
    public nonisolated let configuration: BatchConfiguration
    /// The options.
    public nonisolated let options: BatchRunOptions
    /// The files.
    public nonisolated let layout: BatchRunLayout
    private let jobs: [JobSpec]
    private let handlers: [String: any JobHandler]
    private let logger: Logger
    private var processor: BatchProcessor?

    /// Prepares a run.
    ///
    /// - Parameters:
    ///   - configuration: The parsed batch configuration.
    ///   - jobs: The jobs to run.
    ///   - handlers: Handlers by name.
    ///   - options: Overrides and the output directory.
    ///   - logger: Where the run logs.
    public init(
        configuration: BatchConfiguration, jobs: [JobSpec], handlers: [String: any JobHandler],
        options: BatchRunOptions,
        logger: Logger = Logger(label: "qeir.batch")
    ) {
        self.configuration = configuration
        self.options = options
        self.layout = BatchRunLayout(root: options.outputDirectory)
        self.handlers = handlers
        self.logger = logger
        var jobs = jobs
        if let retries = options.maxRetries {
            for index in jobs.indices { jobs[index].maxRetries = retries }
        }
        self.jobs = jobs
    }

    /// Stops admitting jobs and gives running ones `grace` to finish (see
    /// ``BatchProcessor/shutdown(grace:)``); the run then returns with what is stored.
    ///
    /// - Parameter grace: The grace period, or `nil` for the configured one.
    public func shutdown(grace: Duration? = nil) async {
        await processor?.shutdown(grace: grace)
    }

    /// Submits the batch's jobs to the store without running them, for workers to run
    /// (`qeir worker`). Jobs already in the store with the same definition are left as they are;
    /// with ``BatchRunOptions/force``, finished ones are queued again.
    ///
    /// With no ``BatchRunOptions/store``, the store is `jobs.sqlite` in the output directory
    /// (created with the directory when missing).
    ///
    /// - Returns: What happened to each job: created, already there, or reused from an
    ///   identical earlier result.
    /// - Throws: ``QEIRBatch/BatchError`` for the store or for a job that names no registered
    ///   handler or differs from the stored job of the same id; nothing is stored then.
    public func submit() async throws(BatchError) -> SubmitReport {
        let store: any JobStore
        if let given = options.store {
            store = given
        } else {
            do {
                try FileManager.default.createDirectory(at: layout.root, withIntermediateDirectories: true)
            } catch {
                throw BatchError(
                    .invalidValue,
                    "Cannot create the output directory \(layout.root.path) (\(error.localizedDescription)). Choose a writable directory.",
                    context: ["path": layout.root.path])
            }
            store = try SQLiteJobStore(path: layout.store)
        }
        let processor = BatchProcessor(store: store, handlers: handlers, configuration: settings(), logger: logger)
        return try await processor.submit(jobs)
    }

    /// The engine settings: the configuration file's, with the options' overrides.
    private func settings() -> ProcessorConfiguration {
        var settings = ProcessorConfiguration(configuration.processing)
        settings.outputDirectory = layout.jobs
        if let workers = options.maxWorkers { settings.maxConcurrentJobs = workers }
        if let compress = options.compressResults { settings.compressResults = compress }
        if let cleanup = options.cleanupIntermediate { settings.cleanupIntermediateFiles = cleanup }
        settings.submitOptions.force = options.force
        return settings
    }

    /// Runs the batch to the end (or to a shutdown).
    ///
    /// - Parameter progress: Called after every job that ends, and at the start.
    /// - Returns: The summary, the files, the reports and the notification outcomes.
    /// - Throws: ``BatchError`` for the store or the jobs, ``MonitorError`` for the metrics
    ///   database; nothing stored before the error is lost.
    public func run(progress: (@Sendable (BatchProgress) -> Void)? = nil) async throws -> BatchRunResult {
        try FileManager.default.createDirectory(at: layout.jobs, withIntermediateDirectories: true)
        let store = try options.store ?? SQLiteJobStore(path: layout.store)

        let admission = ResourceAdmission(
            probe: ProcResourceProbe(), limits: try AdmissionLimits(processing: configuration.processing))
        let processor = BatchProcessor(
            store: store, handlers: handlers, configuration: settings(), admission: admission, logger: logger)
        self.processor = processor

        let fanOut = NotifierFanOut(notifiers: options.notifiers, logger: logger)
        let batchID = options.batchID
        var monitorTask: Task<Void, Never>?
        if options.enableMonitoring {
            var monitoring = MonitorConfiguration(configuration.resourceMonitoring)
            if let interval = options.monitoringInterval { monitoring.interval = interval }
            let monitor = BatchMonitor(
                batchID: batchID, database: try MetricsDatabase(path: layout.monitoring), configuration: monitoring,
                sampler: SystemSampler(diskPath: layout.root.path), logger: logger,
                onAlert: { alert in _ = await fanOut.deliver(NotifyMessage(alert, batchID: batchID), detached: true) })
            let events = processor.events()
            monitorTask = Task { await monitor.watch(events) }
        }
        let total = jobs.count
        let progressTask = progress.map { report in
            let events = processor.events()
            return Task { await Self.track(events, total: total, store: store, report: report) }
        }

        try await processor.submit(jobs)
        let summary = try await processor.run()
        await monitorTask?.value
        await progressTask?.value

        var reports: [URL] = []
        if options.enableMonitoring {
            let database = try MetricsDatabase(path: layout.monitoring)
            let report = try MonitorReport.load(from: database, batchID: batchID)
            reports = try report.write(to: layout.reports, formats: Set(ReportFormat.allCases))
        }
        let failed = summary[.failed] + summary[.cancelled] + summary[.skipped]
        let message = NotifyMessage(
            subject:
                "QEIR batch \(batchID) \(summary.interrupted ? "interrupted" : "finished"): \(summary[.succeeded]) succeeded, \(failed) did not",
            message: Self.describe(summary, layout: layout),
            severity: failed > 0 || summary.interrupted ? .warning : .info,
            source: "qeir", batchID: batchID,
            fields: Dictionary(uniqueKeysWithValues: summary.counts.map { ("jobs_\($0.key.rawValue)", "\($0.value)") }))
        var deliveries: [DeliveryReport] = []
        if !options.notifiers.isEmpty, let report = await fanOut.deliver(message) { deliveries.append(report) }
        deliveries = await fanOut.flush() + deliveries
        return BatchRunResult(summary: summary, layout: layout, reports: reports, deliveries: deliveries)
    }

    static func describe(_ summary: BatchSummary, layout: BatchRunLayout) -> String {
        let counts = JobState.allCases.compactMap { state in summary[state] > 0 ? "\(state): \(summary[state])" : nil }
        return
            "Jobs — \(counts.joined(separator: ", ")). Results in \(layout.jobs.path); reports in \(layout.reports.path)."
    }

    /// Turns the event stream into progress reports.
    private static func track(
        _ events: AsyncStream<JobEvent>, total: Int, store: any JobStore, report: @Sendable (BatchProgress) -> Void
    ) async {
        let start = ContinuousClock.now
        var states: [JobID: JobState] = [:]
        // Per-state counts kept alongside, so each event costs O(1), not a scan of the batch.
        var counts: [JobState: Int] = [:]
        func set(_ id: JobID, _ state: JobState) {
            if let old = states[id] { counts[old, default: 0] -= 1 }
            states[id] = state
            counts[state, default: 0] += 1
        }
        // Jobs finished in an earlier run count as done from the start.
        if let records = try? await store.jobs(in: nil) {
            for record in records { set(record.id, record.state) }
        }
        func done() -> Int { counts.filter { $0.key.isTerminal }.values.reduce(0, +) }
        let initialDone = done()
        func emit() {
            let done = done()
            let elapsed = start.duration(to: .now)
            let finishedHere = max(done - initialDone, 0)
            let eta: Duration? =
                finishedHere > 0 && done < total ? elapsed * (Double(total - done) / Double(finishedHere)) : nil
            report(
                BatchProgress(
                    total: max(total, states.count), done: done, running: counts[.running] ?? 0,
                    failed: counts[.failed] ?? 0, succeeded: counts[.succeeded] ?? 0, eta: eta))
        }
        emit()
        for await event in events {
            switch event.kind {
            case .submitted: if states[event.jobID] == nil { set(event.jobID, .pending) }
            case .started: set(event.jobID, .running)
            case .retryScheduled: set(event.jobID, .retryWait)
            case .requeued: set(event.jobID, .pending)
            case .succeeded: set(event.jobID, .succeeded)
            case .failed: set(event.jobID, .failed)
            case .cancelled: set(event.jobID, .cancelled)
            case .skipped: set(event.jobID, .skipped)
            case .progress, .timedOut: continue
            }
            emit()
        }
    }
}
