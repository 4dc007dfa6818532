public import Foundation
public import Logging
public import QEIRBatch

/// Settings of a ``HypothesisWorker``.
public struct HypothesisWorkerOptions: Sendable {
    /// How long a worker runs.
    public enum Mode: Sendable, Hashable {
        /// Until ``HypothesisWorker/shutdown(grace:)`` (a signal) or the task is cancelled: the
        /// worker waits for new work when the queue is empty.
        case untilShutdown
        /// Until no job in the store is pending, waiting for a retry or running (or a shutdown).
        case untilDrained
    }

    /// Jobs this worker runs at once; at least 1.
    public var concurrency: Int
    /// Where result files go (`<outputDirectory>/<job id>/`). Workers on several machines that
    /// share a store should share this directory too; the store keeps each result as well.
    public var outputDirectory: URL
    /// How long a claim lasts without renewal; a worker that dies loses its jobs to others
    /// after this long.
    public var leaseDuration: Duration
    /// How often the worker looks for work, cancel requests and due retries (a PostgreSQL store
    /// also wakes it at once when work appears).
    public var pollInterval: Duration
    /// How long running jobs may go on after a shutdown without an explicit grace period.
    public var shutdownGrace: Duration
    /// The time limit of an attempt whose job sets none, or `nil` for no limit.
    public var defaultTimeout: Duration?
    /// Whether result files are gzip-compressed after a job succeeds.
    public var compressResults: Bool
    /// How long the worker runs.
    public var mode: Mode

    /// Creates options.
    ///
    /// - Parameters:
    ///   - outputDirectory: Where result files go.
    ///   - concurrency: Jobs at once (default: the number of cores).
    ///   - mode: ``Mode/untilShutdown`` (default) or ``Mode/untilDrained``.
    public init(
        outputDirectory: URL, concurrency: Int = ProcessInfo.processInfo.activeProcessorCount,
        mode: Mode = .untilShutdown
    ) {
        self.concurrency = concurrency
        self.outputDirectory = outputDirectory
        self.leaseDuration = .seconds(60)
        self.pollInterval = .seconds(1)
        self.shutdownGrace = .seconds(30)
        self.defaultTimeout = nil
        self.compressResults = false
        self.mode = mode
    }
}

/// A worker that runs hypothesis jobs from a job store, typically one shared by several
/// machines (a ``QEIRBatch/JobStore`` over PostgreSQL): it claims jobs with a lease, runs them
/// with ``HypothesisJobHandler``, writes their result files and stores their outcomes. The
/// `qeir worker` command is a thin wrapper around it.
///
/// ```swift
/// let worker = HypothesisWorker(
///     store: store, source: try EmbeddedSeriesSource(),
///     options: HypothesisWorkerOptions(outputDirectory: results, concurrency: 2, mode: .untilDrained))
/// let summary = try await worker.run()
/// ```
///
/// A shutdown lets running jobs finish for a grace period; jobs still running after it are
/// released to the queue, where another worker (or the next run) picks them up.
public final class HypothesisWorker: Sendable {
    /// The store jobs come from.
    public let store: any JobStore
    /// The settings.
    public let options: HypothesisWorkerOptions
    private let processor: BatchProcessor

    /// Prepares a worker; nothing runs before ``run()``.
    ///
    /// - Parameters:
    ///   - store: The job store.
    ///   - source: Where series come from.
    ///   - options: Concurrency, output directory, lease, poll interval and mode.
    ///   - logger: Where the worker logs.
    public init(
        store: any JobStore, source: any SeriesSource, options: HypothesisWorkerOptions,
        logger: Logger = Logger(label: "qeir.worker")
    ) {
        self.store = store
        self.options = options
        var settings = ProcessorConfiguration()
        settings.maxConcurrentJobs = max(1, options.concurrency)
        settings.outputDirectory = options.outputDirectory
        settings.leaseDuration = options.leaseDuration
        settings.pollInterval = options.pollInterval
        settings.shutdownGrace = options.shutdownGrace
        settings.defaultTimeout = options.defaultTimeout
        settings.compressResults = options.compressResults
        settings.claimBatchSize = max(1, options.concurrency)
        processor = BatchProcessor(
            store: store, handlers: [HypothesisJobs.handlerName: HypothesisJobHandler(source: source)],
            configuration: settings, logger: logger)
    }

    /// A stream of the events of jobs this worker runs (and of jobs it re-queues), from now on;
    /// it ends when ``run()`` returns. Subscribe before ``run()`` to see every event.
    public func events() -> AsyncStream<JobEvent> {
        processor.events()
    }

    /// Runs jobs until the mode says to stop.
    ///
    /// - Returns: The summary: the store's final counts (every worker's jobs) and the attempts
    ///   this worker started.
    /// - Throws: ``QEIRBatch/BatchError`` when the output directory cannot be created or the
    ///   store fails; jobs still running are released to the queue then.
    @discardableResult
    public func run() async throws(BatchError) -> BatchSummary {
        do {
            try FileManager.default.createDirectory(at: options.outputDirectory, withIntermediateDirectories: true)
        } catch {
            throw BatchError(
                .invalidValue,
                "Cannot create the result directory \(options.outputDirectory.path) (\(error.localizedDescription)). Choose a writable directory.",
                context: ["path": options.outputDirectory.path])
        }
        return try await processor.run(until: options.mode == .untilDrained ? .drained : .shutdown)
    }

    /// Stops claiming jobs and gives running ones `grace` to finish (see
    /// ``QEIRBatch/BatchProcessor/shutdown(grace:)``); a second call stops them at once. Jobs
    /// that do not finish go back to the queue.
    ///
    /// - Parameter grace: The grace period, or `nil` for ``HypothesisWorkerOptions/shutdownGrace``.
    public func shutdown(grace: Duration? = nil) async {
        await processor.shutdown(grace: grace)
    }
}
