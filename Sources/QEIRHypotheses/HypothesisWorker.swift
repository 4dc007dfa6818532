public import Foundation
public import Logging
public import QEIRBatch
import Synchronization

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
    /// How many times in a row a failing store (``QEIRBatch/BatchError/Code/storeFailed``: the
    /// database restarting, a network cut) is waited out before ``HypothesisWorker/run()``
    /// gives up; `nil` (the default) waits forever. The waits grow from 1 s to 30 s. Jobs this
    /// worker was running when the store failed go back to the queue when their leases expire.
    public var storeFailureRetries: Int?

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
        self.storeFailureRetries = nil
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
    private let logger: Logger
    private let subscribers = Mutex<[AsyncStream<JobEvent>.Continuation]>([])
    private let stopping = Mutex(false)

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
        self.logger = logger
    }

    /// A stream of the events of jobs this worker runs (and of jobs it re-queues), from now on;
    /// it ends when ``run()`` returns (not when the worker waits out a store failure). Subscribe
    /// before ``run()`` to see every event.
    public func events() -> AsyncStream<JobEvent> {
        let (stream, continuation) = AsyncStream.makeStream(of: JobEvent.self, bufferingPolicy: .unbounded)
        subscribers.withLock { $0.append(continuation) }
        return stream
    }

    /// Runs jobs until the mode says to stop. When the store fails, the worker waits (1 s, then
    /// longer, up to 30 s) and starts again, as often as
    /// ``HypothesisWorkerOptions/storeFailureRetries`` allows: a database restart or a network
    /// cut pauses a worker instead of ending it.
    ///
    /// - Returns: The summary: the store's final counts (every worker's jobs) and the attempts
    ///   this worker started (in its last run, after any store failure).
    /// - Throws: ``QEIRBatch/BatchError`` when the output directory cannot be created, or the
    ///   store's error once the retries are used up or the worker was shut down while waiting;
    ///   jobs still running are released to the queue then.
    @discardableResult
    public func run() async throws(BatchError) -> BatchSummary {
        defer { for continuation in subscribers.withLock({ $0 }) { continuation.finish() } }
        do {
            try FileManager.default.createDirectory(at: options.outputDirectory, withIntermediateDirectories: true)
        } catch {
            throw BatchError(
                .invalidValue,
                "Cannot create the result directory \(options.outputDirectory.path) (\(error.localizedDescription)). Choose a writable directory.",
                context: ["path": options.outputDirectory.path])
        }
        var failures = 0
        while true {
            let result = await runOnce()
            switch result {
            case .success(let summary):
                return summary
            case .failure(let error):
                failures += 1
                guard error.code == .storeFailed, !stopping.withLock({ $0 }),
                    options.storeFailureRetries.map({ failures <= $0 }) ?? true
                else { throw error }
                let wait = min(30, 1 << min(failures - 1, 5))
                logger.warning(
                    "The job store failed (\(error.message)); starting again in \(wait) s (failure \(failures)).")
                // Wait in short steps so that a shutdown ends the wait.
                for _ in 0..<(wait * 10) {
                    if stopping.withLock({ $0 }) || Task.isCancelled { throw error }
                    try? await Task.sleep(for: .milliseconds(100))
                }
            }
        }
    }

    /// One run of the processor, its events forwarded to this worker's subscribers.
    private func runOnce() async -> Result<BatchSummary, BatchError> {
        let events = processor.events()
        return await withTaskGroup(of: Void.self) { group in
            group.addTask { [self] in
                for await event in events {
                    for continuation in subscribers.withLock({ $0 }) { continuation.yield(event) }
                }
            }
            do throws(BatchError) {
                return .success(
                    try await processor.run(until: options.mode == .untilDrained ? .drained : .shutdown))
            } catch {
                return .failure(error)
            }
        }
    }

    /// Stops claiming jobs and gives running ones `grace` to finish (see
    /// ``QEIRBatch/BatchProcessor/shutdown(grace:)``); a second call stops them at once. Jobs
    /// that do not finish go back to the queue.
    ///
    /// - Parameter grace: The grace period, or `nil` for ``HypothesisWorkerOptions/shutdownGrace``.
    public func shutdown(grace: Duration? = nil) async {
        stopping.withLock { $0 = true }
        await processor.shutdown(grace: grace)
    }
}
