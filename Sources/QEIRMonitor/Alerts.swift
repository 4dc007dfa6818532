public import Foundation
public import QEIRBatch

/// How serious an alert is.
public enum AlertSeverity: String, Sendable, Hashable, Codable, Comparable, CaseIterable {
    /// For information only (a resolved notice).
    case info
    /// Something needs attention soon.
    case warning
    /// Something is failing.
    case critical

    private var rank: Int {
        switch self {
        case .info: 0
        case .warning: 1
        case .critical: 2
        }
    }

    /// Orders by seriousness.
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rank < rhs.rank }
}

/// A notice produced by the ``AlertEngine``: a condition started (`firing`) or ended (`resolved`).
public struct Alert: Sendable, Hashable, Codable {
    /// Whether the condition started or ended.
    public enum Status: String, Sendable, Hashable, Codable {
        /// The condition started.
        case firing
        /// The condition ended.
        case resolved
    }

    /// The rule and subject, stable across notices of one condition: `cpu`, `memory`, `disk`,
    /// `failure_rate`, `job_running_long:<job id>`.
    public var key: String
    /// Firing or resolved.
    public var status: Status
    /// How serious.
    public var severity: AlertSeverity
    /// A one-line subject for a notification.
    public var subject: String
    /// The details: value, threshold, what to do.
    public var message: String
    /// The measured value that triggered or cleared the alert.
    public var value: Double
    /// The threshold it was compared with.
    public var threshold: Double
    /// When the notice was produced.
    public var time: Date

    /// Creates an alert notice.
    ///
    /// - Parameters:
    ///   - key: The rule and subject.
    ///   - status: Firing or resolved.
    ///   - severity: How serious.
    ///   - subject: One-line subject.
    ///   - message: Details.
    ///   - value: The measured value.
    ///   - threshold: The threshold.
    ///   - time: When.
    public init(
        key: String, status: Status, severity: AlertSeverity, subject: String, message: String, value: Double,
        threshold: Double, time: Date
    ) {
        self.key = key
        self.status = status
        self.severity = severity
        self.subject = subject
        self.message = message
        self.value = value
        self.threshold = threshold
        self.time = time
    }
}

/// Alert thresholds, from the seed's `resource_monitoring` section, plus the quiet-time rules.
public struct AlertRules: Sendable, Hashable {
    /// CPU use (percent of all cores) above which the `cpu` alert fires.
    public var cpuPercent: Double = 90
    /// Memory use (percent) above which the `memory` alert fires.
    public var memoryPercent: Double = 85
    /// Disk use (percent) of the output file system above which the `disk` alert fires.
    public var diskPercent: Double = 90
    /// A job running longer than this fires a `job_running_long:<id>` alert.
    public var jobRunningLimit: Duration = .seconds(180 * 60)
    /// The share of failed jobs among those that ended within ``failureWindow`` above which the
    /// `failure_rate` alert fires.
    public var failureRate: Double = 0.2
    /// The window over which the failure rate is computed.
    public var failureWindow: Duration = .seconds(3600)
    /// The fewest ended jobs in the window before the failure rate is judged.
    public var failureMinimumJobs = 5
    /// After a notice for a key, no new `firing` notice for the same key is sent for this long;
    /// a condition that comes back within the cooldown is suppressed (and counted).
    public var cooldown: Duration = .seconds(15 * 60)

    /// The seed's defaults.
    public init() {}

    /// Rules from the seed's `resource_monitoring` section.
    ///
    /// - Parameter monitoring: The parsed section.
    public init(_ monitoring: BatchConfiguration.ResourceMonitoring) {
        cpuPercent = monitoring.cpuAlertThreshold
        memoryPercent = monitoring.memoryAlertThreshold
        diskPercent = monitoring.diskAlertThreshold
        jobRunningLimit = .seconds(monitoring.jobTimeoutAlertMinutes * 60)
        failureRate = monitoring.failureRateAlertThreshold
    }
}

/// What the alert engine looks at in one evaluation.
public struct AlertInputs: Sendable {
    /// The latest system sample, if any.
    public var system: SystemSample?
    /// Running jobs and when their current attempt started.
    public var running: [(id: JobID, name: String, since: Date)]
    /// Jobs that ended within the failure window: when, and whether they failed.
    public var recentOutcomes: [(time: Date, failed: Bool)]

    /// Creates inputs.
    ///
    /// - Parameters:
    ///   - system: The latest system sample.
    ///   - running: Running jobs.
    ///   - recentOutcomes: Recent job outcomes.
    public init(
        system: SystemSample? = nil, running: [(id: JobID, name: String, since: Date)] = [],
        recentOutcomes: [(time: Date, failed: Bool)] = []
    ) {
        self.system = system
        self.running = running
        self.recentOutcomes = recentOutcomes
    }
}

/// Turns measurements into deduplicated alert notices.
///
/// A condition that holds produces one `firing` notice, not one per evaluation; when it clears,
/// one `resolved` notice follows. Within ``AlertRules/cooldown`` of a key's last `firing` notice a
/// new firing of the same key is suppressed (counted in ``suppressedCount``), so a value flapping
/// around its threshold cannot flood anyone's inbox; a suppressed firing that clears sends no
/// resolved notice either.
public struct AlertEngine: Sendable {
    private struct Active: Sendable {
        var notified: Bool
    }

    /// The rules.
    public var rules: AlertRules
    private var active: [String: Active] = [:]
    private var lastFired: [String: Date] = [:]
    /// Firings suppressed by the cooldown.
    public private(set) var suppressedCount = 0

    /// Creates an engine.
    ///
    /// - Parameter rules: The thresholds and cooldown.
    public init(rules: AlertRules) {
        self.rules = rules
    }

    /// The keys of the conditions currently holding.
    public var activeKeys: [String] { active.keys.sorted() }

    /// Evaluates every rule at `now` and returns the notices to send.
    ///
    /// - Parameters:
    ///   - inputs: The measurements.
    ///   - now: The current time (injected; the engine never reads a clock).
    /// - Returns: New `firing` and `resolved` notices, ordered by key.
    public mutating func evaluate(_ inputs: AlertInputs, now: Date) -> [Alert] {
        var holding: [String: Alert] = [:]
        if let system = inputs.system {
            if let cpu = system.cpuPercent, cpu > rules.cpuPercent {
                holding["cpu"] = alert(
                    "cpu", .warning, "CPU at \(Self.format(cpu)) %",
                    "CPU use is \(Self.format(cpu)) %, above the alert threshold of \(Self.format(rules.cpuPercent)) %. Lower max_concurrent_jobs or cpu_limit_percent.",
                    cpu, rules.cpuPercent, now)
            }
            if system.memoryPercent > rules.memoryPercent {
                holding["memory"] = alert(
                    "memory", .warning, "Memory at \(Self.format(system.memoryPercent)) %",
                    "Memory use is \(Self.format(system.memoryPercent)) % (\(Self.format(system.memoryAvailableGB)) GB available), above the alert threshold of \(Self.format(rules.memoryPercent)) %. Lower max_concurrent_jobs or memory_limit_gb.",
                    system.memoryPercent, rules.memoryPercent, now)
            }
            if let disk = system.diskPercent, disk > rules.diskPercent {
                holding["disk"] = alert(
                    "disk", .critical, "Disk at \(Self.format(disk)) %",
                    "The output file system is \(Self.format(disk)) % full (\(Self.format(system.diskFreeGB ?? 0)) GB free), above the alert threshold of \(Self.format(rules.diskPercent)) %. Free space or enable compress_results.",
                    disk, rules.diskPercent, now)
            }
        }
        let limit = Self.seconds(rules.jobRunningLimit)
        for job in inputs.running {
            let elapsed = now.timeIntervalSince(job.since)
            if elapsed > limit {
                let key = "job_running_long:\(job.id)"
                holding[key] = alert(
                    key, .warning, "Job \(job.name) running for \(Self.format(elapsed / 60)) min",
                    "Job \(job.id) has been running for \(Self.format(elapsed / 60)) minutes, longer than the alert limit of \(Self.format(limit / 60)) minutes. Check it, or cancel it with `qeir hypothesis batch-manage cancel \(job.id)`.",
                    elapsed / 60, limit / 60, now)
            }
        }
        let windowStart = now.addingTimeInterval(-Self.seconds(rules.failureWindow))
        let recent = inputs.recentOutcomes.filter { $0.time >= windowStart }
        if recent.count >= rules.failureMinimumJobs {
            let rate = Double(recent.filter(\.failed).count) / Double(recent.count)
            if rate > rules.failureRate {
                holding["failure_rate"] = alert(
                    "failure_rate", .critical, "\(Self.format(rate * 100)) % of jobs failing",
                    "\(recent.filter(\.failed).count) of the last \(recent.count) jobs failed (\(Self.format(rate * 100)) %), above the alert threshold of \(Self.format(rules.failureRate * 100)) %. Look at the failed jobs' errors.",
                    rate, rules.failureRate, now)
            }
        }

        var notices: [Alert] = []
        for key in holding.keys.sorted() where active[key] == nil {
            let cooling = lastFired[key].map { now.timeIntervalSince($0) < Self.seconds(rules.cooldown) } ?? false
            if cooling {
                suppressedCount += 1
                active[key] = Active(notified: false)
            } else {
                active[key] = Active(notified: true)
                lastFired[key] = now
                notices.append(holding[key]!)
            }
        }
        for key in active.keys.sorted() where holding[key] == nil {
            let state = active.removeValue(forKey: key)!
            guard state.notified else { continue }
            notices.append(
                Alert(
                    key: key, status: .resolved, severity: .info, subject: "Resolved: \(key)",
                    message: "The \(key) condition has cleared.", value: 0, threshold: 0, time: now))
        }
        return notices.sorted { $0.key < $1.key }
    }

    private func alert(
        _ key: String, _ severity: AlertSeverity, _ subject: String, _ message: String, _ value: Double,
        _ threshold: Double, _ now: Date
    ) -> Alert {
        Alert(
            key: key, status: .firing, severity: severity, subject: subject, message: message, value: value,
            threshold: threshold, time: now)
    }

    static func seconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) + Double(attoseconds) * 1e-18
    }

    static func format(_ value: Double) -> String {
        value.formatted(.number.precision(.fractionLength(0...1)).locale(Locale(identifier: "en_US_POSIX")))
    }
}
