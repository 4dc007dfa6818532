public import Foundation

extension BatchError.Code {
    /// The system's resource usage cannot be read or parsed (`/proc/meminfo`, `/proc/stat`).
    public static let resourceProbeFailed = Self(rawValue: "resource_probe_failed")
}

// MARK: - Samples and probes

/// One reading of the machine's memory and CPU use, as seen by a ``ResourceProbe``.
///
/// Memory is measured in GiB (2^30 bytes) for the whole system, not for this process; the
/// configuration key `memory_limit_gb` is compared with ``memoryUsedGB`` in the same unit.
public struct ResourceSample: Sendable, Hashable {
    /// Memory in use by the whole system, in GiB (2^30 bytes).
    ///
    /// ``ProcResourceProbe`` reports `MemTotal − MemAvailable` from `/proc/meminfo`: memory that
    /// the kernel cannot hand to a new process without swapping (page cache it can drop does not
    /// count).
    public var memoryUsedGB: Double
    /// The machine's total memory, in GiB (2^30 bytes).
    public var memoryTotalGB: Double
    /// System-wide CPU use in percent since the previous sample, all cores together = 100 %;
    /// `nil` when there is no previous sample to compare with (the first sample).
    public var cpuPercent: Double?

    /// Creates a sample.
    ///
    /// - Parameters:
    ///   - memoryUsedGB: Memory in use, in GiB.
    ///   - memoryTotalGB: Total memory, in GiB.
    ///   - cpuPercent: CPU use in percent of all cores, or `nil` when unknown.
    public init(memoryUsedGB: Double, memoryTotalGB: Double, cpuPercent: Double?) {
        self.memoryUsedGB = memoryUsedGB
        self.memoryTotalGB = memoryTotalGB
        self.cpuPercent = cpuPercent
    }
}

/// A source of ``ResourceSample``s: the real `/proc` (``ProcResourceProbe``) or a fake in tests.
public protocol ResourceProbe: Sendable {
    /// Reads the current resource use.
    ///
    /// - Returns: The sample; its ``ResourceSample/cpuPercent`` covers the time since the
    ///   previous call on the same probe.
    /// - Throws: ``BatchError`` with code ``BatchError/Code/resourceProbeFailed`` when the usage
    ///   cannot be read.
    func sample() async throws(BatchError) -> ResourceSample
}

/// Reads memory and CPU use from Linux's `/proc/meminfo` and `/proc/stat`.
///
/// Memory used is `MemTotal − MemAvailable` (on kernels before 3.14, which lack `MemAvailable`,
/// `MemFree + Buffers + Cached` stands in for it). CPU use comes from the aggregate `cpu` line of
/// `/proc/stat`: over the time between two samples,
/// `busy % = 100 × (Δtotal − Δidle − Δiowait) / Δtotal`, where `total` sums `user`, `nice`,
/// `system`, `idle`, `iowait`, `irq`, `softirq` and `steal`. Waiting for I/O counts as idle;
/// stolen time (a hypervisor running someone else) counts as busy, because it is CPU this
/// machine cannot use; `guest` and `guest_nice` are left out because the kernel already
/// includes them in `user` and `nice`.
///
/// The first sample has no CPU figure. When no clock tick passed since the previous sample the
/// previous figure is repeated; when the counters went backwards (a different `/proc`, a
/// restored snapshot) the baseline restarts and the figure is `nil` again.
public actor ProcResourceProbe: ResourceProbe {
    /// The CPU counters of the aggregate `cpu` line, in clock ticks.
    struct CPUTimes: Sendable, Hashable {
        /// `user + nice + system + idle + iowait + irq + softirq + steal`.
        var total: UInt64
        /// `total − idle − iowait`.
        var busy: UInt64
    }

    /// The directory that holds `meminfo` and `stat`.
    public let procRoot: URL
    private var previousCPU: CPUTimes?
    private var previousPercent: Double?

    /// Creates a probe reading `meminfo` and `stat` under `procRoot`.
    ///
    /// - Parameter procRoot: The `/proc` directory; tests point it at fixture files.
    public init(procRoot: URL = URL(fileURLWithPath: "/proc")) {
        self.procRoot = procRoot
    }

    /// Reads `meminfo` and `stat` and returns the current use.
    ///
    /// - Returns: Memory in GiB and CPU percent since the previous call (`nil` on the first).
    /// - Throws: ``BatchError`` with code ``BatchError/Code/resourceProbeFailed`` naming the file
    ///   (and line) that is missing or unparsable.
    public func sample() async throws(BatchError) -> ResourceSample {
        let meminfo = procRoot.appendingPathComponent("meminfo", isDirectory: false)
        let stat = procRoot.appendingPathComponent("stat", isDirectory: false)
        let memory = try Self.parseMeminfo(Self.read(meminfo), path: meminfo.path)
        let cpu = try Self.parseStat(Self.read(stat), path: stat.path)
        return ResourceSample(
            memoryUsedGB: memory.usedGB, memoryTotalGB: memory.totalGB, cpuPercent: cpuPercent(cpu))
    }

    /// The CPU use since the previous counters, updating the baseline (see the type's notes).
    private func cpuPercent(_ current: CPUTimes) -> Double? {
        guard let previous = previousCPU, current.total >= previous.total else {
            previousCPU = current
            previousPercent = nil
            return nil
        }
        guard current.total > previous.total else { return previousPercent }
        let elapsed = current.total - previous.total
        // iowait may go backwards on some kernels, so busy can too: clamp to 0...elapsed.
        let busy = min(current.busy > previous.busy ? current.busy - previous.busy : 0, elapsed)
        let percent = 100 * Double(busy) / Double(elapsed)
        previousCPU = current
        previousPercent = percent
        return percent
    }

    /// The whole file as text; `/proc` files report size 0, so read to the end.
    private static func read(_ url: URL) throws(BatchError) -> String {
        do {
            let handle = try FileHandle(forReadingFrom: url)
            defer { try? handle.close() }
            let data = try handle.readToEnd() ?? Data()
            return String(decoding: data, as: UTF8.self)
        } catch {
            throw BatchError(
                .resourceProbeFailed,
                "Cannot read '\(url.path)': \(error.localizedDescription); resource limits need Linux's /proc (on other systems, give ResourceAdmission another ResourceProbe).",
                context: ["file": url.path])
        }
    }

    /// Memory used and total in GiB from the text of `/proc/meminfo`.
    static func parseMeminfo(_ text: String, path: String) throws(BatchError) -> (usedGB: Double, totalGB: Double) {
        let wanted: Set<Substring> = ["MemTotal", "MemAvailable", "MemFree", "Buffers", "Cached"]
        var kib: [Substring: UInt64] = [:]
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let key = line[..<colon]
            guard wanted.contains(key) else { continue }
            let fields = line[line.index(after: colon)...].split(whereSeparator: \.isWhitespace)
            guard (1...2).contains(fields.count), let value = UInt64(fields[0]), fields.count == 1 || fields[1] == "kB"
            else {
                throw unparsable(
                    path, line: index + 1, text: line, expected: "'\(key): <integer> kB'")
            }
            kib[key] = value
        }
        guard let total = kib["MemTotal"], total > 0 else {
            throw BatchError(
                .resourceProbeFailed,
                "Cannot read memory use from '\(path)': no MemTotal line with a positive value; check that the probe reads Linux's /proc/meminfo.",
                context: ["file": path])
        }
        let available: UInt64
        if let value = kib["MemAvailable"] {
            available = value
        } else if let free = kib["MemFree"], let buffers = kib["Buffers"], let cached = kib["Cached"] {
            available = free + buffers + cached
        } else {
            throw BatchError(
                .resourceProbeFailed,
                "Cannot read memory use from '\(path)': no MemAvailable line (nor MemFree, Buffers and Cached); check that the probe reads Linux's /proc/meminfo.",
                context: ["file": path])
        }
        let kibPerGiB = 1_048_576.0
        let used = total > available ? total - available : 0
        return (Double(used) / kibPerGiB, Double(total) / kibPerGiB)
    }

    /// The aggregate CPU counters from the text of `/proc/stat`.
    static func parseStat(_ text: String, path: String) throws(BatchError) -> CPUTimes {
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let fields = line.split(whereSeparator: \.isWhitespace)
            guard fields.first == "cpu" else { continue }
            // user nice system idle [iowait irq softirq steal [guest guest_nice]]
            let fieldsUsed = fields.dropFirst().prefix(8)
            let values = fieldsUsed.compactMap { UInt64($0) }
            guard values.count == fieldsUsed.count, values.count >= 4 else {
                throw unparsable(
                    path, line: index + 1, text: line,
                    expected: "'cpu' followed by at least 4 integer tick counters")
            }
            let (total, overflow) = values.reduce((UInt64(0), false)) { partial, value in
                let (sum, carry) = partial.0.addingReportingOverflow(value)
                return (sum, partial.1 || carry)
            }
            guard !overflow else {
                throw unparsable(path, line: index + 1, text: line, expected: "counters whose sum fits in 64 bits")
            }
            // idle + iowait ≤ total, so this cannot overflow.
            let idle = values[3] + (values.count > 4 ? values[4] : 0)
            return CPUTimes(total: total, busy: total - idle)
        }
        throw BatchError(
            .resourceProbeFailed,
            "Cannot read CPU use from '\(path)': no aggregate 'cpu' line; check that the probe reads Linux's /proc/stat.",
            context: ["file": path])
    }

    private static func unparsable(_ path: String, line: Int, text: Substring, expected: String) -> BatchError {
        BatchError(
            .resourceProbeFailed,
            "Cannot parse '\(path)' line \(line) ('\(text)'): expected \(expected); check that the probe reads Linux's /proc.",
            context: ["file": path, "line": String(line)])
    }
}

// MARK: - Limits and the gate

/// When the batch processor stops starting jobs: the seed's `memory_limit_gb` and
/// `cpu_limit_percent`, with hysteresis so admission does not flap.
///
/// A limit of `nil` is not checked. Memory limits are in GiB (2^30 bytes), the unit of
/// ``ResourceSample/memoryUsedGB``.
public struct AdmissionLimits: Sendable, Hashable {
    /// Above this much system memory in use, in GiB, no new job starts; `nil` = no limit.
    public let memoryLimitGB: Double?
    /// Above this system-wide CPU use, in percent of all cores, no new job starts; `nil` = no
    /// limit.
    public let cpuLimitPercent: Double?
    /// Once holding, admission resumes only when every value is below `limit × resumeFraction`.
    public let resumeFraction: Double
    /// Once holding, hold at least this long, whatever the values do.
    public let minimumHold: Duration

    /// Creates validated limits.
    ///
    /// - Parameters:
    ///   - memoryLimitGB: The memory limit in GiB, greater than 0; `nil` for none.
    ///   - cpuLimitPercent: The CPU limit in percent, greater than 0 and at most 100; `nil` for
    ///     none.
    ///   - resumeFraction: Greater than 0 and at most 1; 1 disables the hysteresis band.
    ///   - minimumHold: At least zero.
    /// - Throws: ``BatchError`` with code ``BatchError/Code/invalidValue`` naming the value at
    ///   fault (`memory_limit_gb`, `cpu_limit_percent`, `resumeFraction` or `minimumHold`).
    public init(
        memoryLimitGB: Double?, cpuLimitPercent: Double?, resumeFraction: Double = 0.9,
        minimumHold: Duration = .seconds(2)
    ) throws(BatchError) {
        if let memoryLimitGB, !(memoryLimitGB > 0 && memoryLimitGB.isFinite) {
            throw Self.invalid("memory_limit_gb", memoryLimitGB, expected: "a finite number of GiB greater than 0")
        }
        if let cpuLimitPercent, !(cpuLimitPercent > 0 && cpuLimitPercent <= 100) {
            throw Self.invalid(
                "cpu_limit_percent", cpuLimitPercent, expected: "a number greater than 0 and at most 100")
        }
        guard resumeFraction > 0 && resumeFraction <= 1 else {
            throw Self.invalid("resumeFraction", resumeFraction, expected: "a number greater than 0 and at most 1")
        }
        guard minimumHold >= .zero else {
            throw BatchError(
                .invalidValue, "Invalid minimumHold: expected a duration of at least zero, found \(minimumHold).",
                context: ["key": "minimumHold", "value": "\(minimumHold)"])
        }
        self.memoryLimitGB = memoryLimitGB
        self.cpuLimitPercent = cpuLimitPercent
        self.resumeFraction = resumeFraction
        self.minimumHold = minimumHold
    }

    /// The limits of a batch configuration's `memory_limit_gb` and `cpu_limit_percent`.
    ///
    /// - Parameters:
    ///   - processing: The engine settings.
    ///   - resumeFraction: See ``resumeFraction``.
    ///   - minimumHold: See ``minimumHold``.
    /// - Throws: ``BatchError`` with code ``BatchError/Code/invalidValue`` when a value is out of
    ///   range (possible only if it was set in code after parsing).
    public init(
        processing: BatchConfiguration.Processing, resumeFraction: Double = 0.9, minimumHold: Duration = .seconds(2)
    ) throws(BatchError) {
        try self.init(
            memoryLimitGB: processing.memoryLimitGB, cpuLimitPercent: processing.cpuLimitPercent,
            resumeFraction: resumeFraction, minimumHold: minimumHold)
    }

    private static func invalid(_ key: String, _ value: Double, expected: String) -> BatchError {
        BatchError(
            .invalidValue, "Invalid \(key): expected \(expected), found \(value).",
            context: ["key": key, "value": "\(value)"])
    }
}

/// Whether a new job may start now.
public enum AdmissionDecision: Sendable, Hashable {
    /// Start jobs.
    case admit
    /// Start no new job; running jobs continue. `reason` names the resource, its value and the
    /// level it is compared with, e.g. `memory 9.1 GiB > limit 8.0 GiB`.
    case hold(reason: String)
}

/// The admission state machine: holds when a value exceeds its limit, resumes only when every
/// value is back below `limit × resumeFraction` and the minimum hold has passed.
///
/// A pure value: it reads no clock and no files; ``ResourceAdmission`` feeds it samples.
/// A `nil` CPU figure (and any NaN value) is ignored: it neither starts nor prolongs a hold.
public struct AdmissionGate: Sendable {
    /// The limits in force.
    public let limits: AdmissionLimits
    /// Whether the gate is holding.
    public private(set) var isHolding = false
    /// How many times the gate went from admitting to holding.
    public private(set) var holdCount = 0
    /// When the current hold started; `nil` while admitting.
    public private(set) var holdingSince: Date?
    /// Why the current hold started.
    private var holdCause = ""

    /// Creates a gate that admits until a sample exceeds a limit.
    ///
    /// - Parameter limits: The limits.
    public init(limits: AdmissionLimits) {
        self.limits = limits
    }

    /// Feeds one sample and returns the decision.
    ///
    /// While admitting, the gate holds as soon as a value is strictly above its limit. While
    /// holding, it admits again only when every value is strictly below
    /// `limit × resumeFraction` *and* `minimumHold` has passed since the hold started. If `now`
    /// is earlier than the hold's start (the wall clock was set back), the hold restarts at
    /// `now`, so a clock change delays admission by at most `minimumHold`.
    ///
    /// - Parameters:
    ///   - sample: The current resource use.
    ///   - now: The sample's time.
    /// - Returns: ``AdmissionDecision/admit`` or ``AdmissionDecision/hold(reason:)`` with the
    ///   reason.
    public mutating func update(_ sample: ResourceSample, at now: Date) -> AdmissionDecision {
        let readings = readings(of: sample)
        let over = readings.filter { $0.value > $0.limit }.map { $0.describe(level: $0.limit, name: "limit") }
        guard isHolding, let since = holdingSince else {
            guard !over.isEmpty else { return .admit }
            isHolding = true
            holdCount += 1
            holdingSince = now
            holdCause = over.joined(separator: "; ")
            return .hold(reason: holdCause)
        }
        if now < since { holdingSince = now }
        let notBelow = readings.filter { !($0.value < $0.limit * limits.resumeFraction) }.map {
            $0.value > $0.limit
                ? $0.describe(level: $0.limit, name: "limit")
                : $0.describe(level: $0.limit * limits.resumeFraction, name: "resume level", symbol: "≥")
        }
        if !notBelow.isEmpty { return .hold(reason: notBelow.joined(separator: "; ")) }
        let held = now.timeIntervalSince(holdingSince ?? now)
        let minimum = Self.seconds(limits.minimumHold)
        if held < minimum {
            return .hold(
                reason: "holding at least \(Self.format(minimum)) s (\(Self.format(held)) s so far) after \(holdCause)")
        }
        isHolding = false
        holdingSince = nil
        holdCause = ""
        return .admit
    }

    /// One checked value and its limit.
    private struct Reading {
        var name: String
        var unit: String
        var value: Double
        var limit: Double

        func describe(level: Double, name levelName: String, symbol: String = ">") -> String {
            let (v, l) = AdmissionGate.formatPair(value, level)
            return "\(name) \(v)\(unit) \(symbol) \(levelName) \(l)\(unit)"
        }
    }

    private func readings(of sample: ResourceSample) -> [Reading] {
        var result: [Reading] = []
        if let limit = limits.memoryLimitGB, !sample.memoryUsedGB.isNaN {
            result.append(Reading(name: "memory", unit: " GiB", value: sample.memoryUsedGB, limit: limit))
        }
        if let limit = limits.cpuLimitPercent, let cpu = sample.cpuPercent, !cpu.isNaN {
            result.append(Reading(name: "cpu", unit: "%", value: cpu, limit: limit))
        }
        return result
    }

    /// Formats `value` and `level` with one decimal, or with two or three when one decimal
    /// would show different numbers as equal.
    static func formatPair(_ value: Double, _ level: Double) -> (String, String) {
        for format in ["%.1f", "%.2f", "%.3f"] {
            let pair = (String(format: format, value), String(format: format, level))
            if pair.0 != pair.1 { return pair }
        }
        return (String(format: "%.1f", value), String(format: "%.1f", level))
    }

    private static func format(_ seconds: Double) -> String { String(format: "%.1f", seconds) }

    static func seconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}

// MARK: - Sampling admission

/// Resource-aware admission for the batch processor: samples a ``ResourceProbe`` at most once
/// per sampling interval and runs the samples through an ``AdmissionGate``.
///
/// A probe that fails (no `/proc`, an unreadable file) never blocks the batch: the decision is
/// ``AdmissionDecision/admit`` and the error is kept in ``lastError`` for monitors. The gate keeps
/// its state across failed samples.
public actor ResourceAdmission {
    /// The probe that reads resource use.
    public let probe: any ResourceProbe
    /// The shortest time between two samples.
    public let samplingInterval: Duration
    private var gate: AdmissionGate
    private var sampledAt: Date?
    private var cached: AdmissionDecision = .admit

    /// The error of the most recent sample, `nil` when it succeeded (or none was taken).
    public private(set) var lastError: BatchError?
    /// How many samples failed since creation.
    public private(set) var errorCount = 0
    /// The most recent successful sample.
    public private(set) var lastSample: ResourceSample?

    /// Creates admission control over `probe`.
    ///
    /// - Parameters:
    ///   - probe: Reads resource use, e.g. ``ProcResourceProbe``.
    ///   - limits: The limits and hysteresis.
    ///   - samplingInterval: The shortest time between two samples; zero or less samples on every
    ///     call.
    public init(probe: any ResourceProbe, limits: AdmissionLimits, samplingInterval: Duration = .seconds(1)) {
        self.probe = probe
        self.gate = AdmissionGate(limits: limits)
        self.samplingInterval = samplingInterval
    }

    /// The limits in force.
    public var limits: AdmissionLimits { gate.limits }
    /// How many times admission went from admitting to holding.
    public var holdCount: Int { gate.holdCount }
    /// Whether admission is holding (by the last successful sample).
    public var isHolding: Bool { gate.isHolding }

    /// Whether a new job may start at `now`.
    ///
    /// Samples the probe when `samplingInterval` has passed since the previous sample (or `now`
    /// is before it); otherwise returns the previous decision. Calls made while a sample is in
    /// flight get the previous decision rather than sampling again.
    ///
    /// - Parameter now: The current time.
    /// - Returns: The decision; ``AdmissionDecision/admit`` when the probe fails.
    public func decision(now: Date = Date()) async -> AdmissionDecision {
        if let sampledAt, now >= sampledAt, now.timeIntervalSince(sampledAt) < AdmissionGate.seconds(samplingInterval) {
            return cached
        }
        sampledAt = now
        do {
            let sample = try await probe.sample()
            lastSample = sample
            lastError = nil
            cached = gate.update(sample, at: now)
        } catch {
            lastError = error
            errorCount += 1
            cached = .admit
        }
        return cached
    }
}

extension ResourceAdmission: JobAdmission {
    /// The reason new jobs are held now, or `nil` when they are admitted (see ``decision(now:)``).
    ///
    /// - Parameter now: The current time.
    public func holdReason(now: Date) async -> String? {
        switch await decision(now: now) {
        case .admit: nil
        case .hold(let reason): reason
        }
    }
}
