import Foundation
public import Logging
public import QEIRBatch

/// Settings of a ``BatchMonitor``.
public struct MonitorConfiguration: Sendable {
    /// Seconds between system samples, alert evaluations and database flushes.
    public var interval: Duration = .seconds(30)
    /// Whether CPU, memory and disk are sampled (`enable_system_monitoring`).
    public var sampleSystem = true
    /// The alert rules.
    public var rules = AlertRules()
    /// How long samples, snapshots and alerts are kept; `nil` keeps everything.
    public var retention: Duration? = .seconds(30 * 86_400)

    /// The defaults.
    public init() {}

    /// Settings from the seed's `resource_monitoring` section.
    ///
    /// - Parameter monitoring: The parsed section.
    public init(_ monitoring: BatchConfiguration.ResourceMonitoring) {
        interval = .seconds(monitoring.monitoringIntervalSeconds)
        sampleSystem = monitoring.enableSystemMonitoring
        rules = AlertRules(monitoring)
    }
}

/// Watches a batch: fed by a ``BatchProcessor``'s event stream (no manual calls), it keeps
/// per-job and batch metrics, samples the system, evaluates alert rules, and writes everything
/// to a ``MetricsDatabase`` in batches.
///
/// ```swift
/// let monitor = BatchMonitor(batchID: "run-1", database: db, configuration: .init(config.resourceMonitoring),
///                            onAlert: { alert in await fanOut.deliver(alert) })
/// async let watching: Void = monitor.watch(processor.events())
/// let summary = try await processor.run()
/// await watching
/// ```
public actor BatchMonitor {
    private struct JobState {
        var name: String
        var state: String = "pending"
        var attempts = 0
        var firstStart: Date?
        var attemptStart: Date?
        var cpuAtStart: Double?
        var cpuSeconds = 0.0
        var finishedAt: Date?
        var errors = 0
        var warnings = 0
        var lastError: String?
    }

    /// The batch this monitor records.
    public nonisolated let batchID: String
    /// The settings.
    public nonisolated let configuration: MonitorConfiguration
    private let database: MetricsDatabase
    private let sampler: SystemSampler?
    private let clock: any BatchClock
    private let logger: Logger
    private let onAlert: @Sendable (Alert) async -> Void
    private var engine: AlertEngine
    private var jobs: [JobID: JobState] = [:]
    private var dirty: Set<JobID> = []
    private var outcomes: [(time: Date, failed: Bool)] = []
    private var pendingSystem: [SystemSample] = []
    private var pendingAlerts: [Alert] = []
    private var firstEvent: Date?
    private var latestSample: SystemSample?
    private var eventsEnded = false
    private let wake = WakeSignal()

    /// Creates a monitor.
    ///
    /// - Parameters:
    ///   - batchID: The batch the rows belong to.
    ///   - database: Where rows go.
    ///   - configuration: Interval, rules, retention.
    ///   - sampler: System sampler (`nil` disables system metrics).
    ///   - clock: The clock (a ``ManualBatchClock`` in tests).
    ///   - logger: Where failures to write are logged.
    ///   - onAlert: Receives every alert notice (firing and resolved); hand it to notifiers.
    public init(
        batchID: String, database: MetricsDatabase, configuration: MonitorConfiguration = .init(),
        sampler: SystemSampler? = SystemSampler(), clock: any BatchClock = SystemBatchClock(),
        logger: Logger = Logger(label: "qeir.monitor"), onAlert: @escaping @Sendable (Alert) async -> Void = { _ in }
    ) {
        self.batchID = batchID
        self.database = database
        self.configuration = configuration
        self.sampler = configuration.sampleSystem ? sampler : nil
        self.clock = clock
        self.logger = logger
        self.onAlert = onAlert
        self.engine = AlertEngine(rules: configuration.rules)
    }

    /// Alerts suppressed by the cooldown so far.
    public var suppressedAlerts: Int { engine.suppressedCount }

    /// Consumes `events` until the stream ends, sampling and evaluating every interval, then
    /// takes a last sample and writes everything.
    ///
    /// - Parameter events: A processor's ``BatchProcessor/events()`` stream.
    public func watch(_ events: AsyncStream<JobEvent>) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for await event in events { await self.record(event) }
                await self.endOfEvents()
            }
            group.addTask { await self.sampleLoop() }
        }
        await tick()
    }

    private func endOfEvents() {
        eventsEnded = true
        wake.signal()
    }

    private func sampleLoop() async {
        while !eventsEnded && !Task.isCancelled {
            await tick()
            let deadline = clock.now.addingTimeInterval(AlertEngine.seconds(configuration.interval))
            await wake.wait(until: deadline, clock: clock)
        }
    }

    /// One monitoring step: sample, evaluate alerts, snapshot the batch, write, apply retention.
    public func tick() async {
        let now = clock.now
        if let sampler {
            do {
                let sample = try await sampler.sample(now: now)
                latestSample = sample
                pendingSystem.append(sample)
            } catch {
                logger.warning("System sampling failed: \(error)")
            }
        }
        let running = jobs.compactMap { id, job -> (id: JobID, name: String, since: Date)? in
            guard job.state == "running", let since = job.attemptStart else { return nil }
            return (id, job.name, since)
        }
        let windowStart = now.addingTimeInterval(-AlertEngine.seconds(configuration.rules.failureWindow))
        outcomes.removeAll { $0.time < windowStart }
        let notices = engine.evaluate(
            AlertInputs(system: latestSample, running: running, recentOutcomes: outcomes), now: now)
        pendingAlerts += notices
        flush(now: now)
        for notice in notices { await onAlert(notice) }
    }

    /// The batch totals now.
    public func snapshot() -> BatchMetrics {
        var counts: [String: Int] = [:]
        for job in jobs.values { counts[job.state, default: 0] += 1 }
        let ended = jobs.values.compactMap { job -> Double? in
            guard let start = job.firstStart, let end = job.finishedAt else { return nil }
            return end.timeIntervalSince(start)
        }
        let now = clock.now
        let finished = jobs.values.filter { $0.finishedAt != nil }.count
        let hours = firstEvent.map { now.timeIntervalSince($0) / 3600 } ?? 0
        return BatchMetrics(
            batchID: batchID, time: now, totalJobs: jobs.count, counts: counts,
            averageDurationSeconds: ended.isEmpty ? nil : ended.reduce(0, +) / Double(ended.count),
            throughputPerHour: hours > 0 ? Double(finished) / hours : nil)
    }

    private func flush(now: Date) {
        let rows = dirty.compactMap { id -> JobMetrics? in
            guard let job = jobs[id] else { return nil }
            return JobMetrics(
                batchID: batchID, jobID: id.rawValue, name: job.name, state: job.state, attempts: job.attempts,
                startedAt: job.firstStart, finishedAt: job.finishedAt,
                wallSeconds: job.firstStart.flatMap { start in job.finishedAt.map { $0.timeIntervalSince(start) } },
                cpuSeconds: job.cpuSeconds, peakRSSMB: ProcessUsage.peakResidentMB(), errors: job.errors,
                warnings: job.warnings, lastError: job.lastError)
        }
        do {
            try database.write(
                system: pendingSystem.map { ($0, batchID) }, jobs: rows.sorted { $0.jobID < $1.jobID },
                batch: jobs.isEmpty ? [] : [snapshot()], alerts: pendingAlerts.map { ($0, batchID) })
            pendingSystem.removeAll()
            pendingAlerts.removeAll()
            dirty.removeAll()
            if let retention = configuration.retention {
                try database.applyRetention(before: now.addingTimeInterval(-AlertEngine.seconds(retention)))
            }
        } catch {
            // Keep the rows and try again next tick; the batch itself is never affected.
            logger.error("Cannot write metrics: \(error)")
        }
    }

    /// Applies one event to the job and batch metrics.
    ///
    /// - Parameter event: The event.
    public func record(_ event: JobEvent) {
        if firstEvent == nil { firstEvent = event.time }
        var job = jobs[event.jobID] ?? JobState(name: event.name)
        switch event.kind {
        case .submitted: job.state = "pending"
        case .started(let attempt):
            job.state = "running"
            job.attempts = max(job.attempts, attempt)
            job.attemptStart = event.time
            if job.firstStart == nil { job.firstStart = event.time }
            job.cpuAtStart = ProcessUsage.cpuSeconds()
        case .progress: return
        case .retryScheduled(_, _, let error):
            closeAttempt(&job)
            job.state = "retry_wait"
            job.errors += 1
            job.warnings += 1
            job.lastError = error
        case .timedOut:
            job.warnings += 1
        case .succeeded(_, let reusedFrom):
            closeAttempt(&job)
            job.state = "succeeded"
            job.finishedAt = event.time
            if reusedFrom != nil, job.firstStart == nil { job.firstStart = event.time }
            outcomes.append((event.time, false))
        case .failed(_, let error):
            closeAttempt(&job)
            job.state = "failed"
            job.errors += 1
            job.lastError = error
            job.finishedAt = event.time
            outcomes.append((event.time, true))
        case .cancelled(let reason):
            closeAttempt(&job)
            job.state = "cancelled"
            job.lastError = reason
            job.finishedAt = event.time
        case .skipped(let reason):
            job.state = "skipped"
            job.lastError = reason
            job.finishedAt = event.time
        case .requeued:
            closeAttempt(&job)
            job.state = "pending"
            job.warnings += 1
        }
        jobs[event.jobID] = job
        dirty.insert(event.jobID)
    }

    private func closeAttempt(_ job: inout JobState) {
        if let start = job.cpuAtStart {
            job.cpuSeconds += max(0, ProcessUsage.cpuSeconds() - start)
            job.cpuAtStart = nil
        }
        job.attemptStart = nil
    }
}

/// CPU time and peak memory of this process (`getrusage`).
enum ProcessUsage {
    static func cpuSeconds() -> Double {
        var usage = rusage()
        guard getrusage(RUSAGE_SELF.rawValue, &usage) == 0 else { return 0 }
        return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6 + Double(usage.ru_stime.tv_sec)
            + Double(usage.ru_stime.tv_usec) / 1e6
    }

    /// Peak resident set size in MB (Linux reports `ru_maxrss` in KiB).
    static func peakResidentMB() -> Double {
        var usage = rusage()
        guard getrusage(RUSAGE_SELF.rawValue, &usage) == 0 else { return 0 }
        return Double(usage.ru_maxrss) / 1024
    }
}
