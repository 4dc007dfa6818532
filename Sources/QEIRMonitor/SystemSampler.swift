public import Foundation
import QEIRBatch

/// An error of the monitor: reading system metrics, the metrics database, a report.
public struct MonitorError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A stable, machine-readable error category.
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        /// The code's string form.
        public let rawValue: String
        /// Wraps a raw code string.
        public init(rawValue: String) { self.rawValue = rawValue }
        /// The code's string form.
        public var description: String { rawValue }

        /// A system metric cannot be read.
        public static let samplingFailed = Code(rawValue: "sampling_failed")
        /// The metrics database cannot be opened, read or written.
        public static let databaseFailed = Code(rawValue: "database_failed")
        /// A report cannot be written.
        public static let reportFailed = Code(rawValue: "report_failed")
    }

    /// The error category.
    public let code: Code
    /// What failed, where, and what to do.
    public let message: String
    /// Names and values at fault.
    public let context: [String: String]

    /// Creates an error.
    public init(_ code: Code, _ message: String, context: [String: String] = [:]) {
        self.code = code
        self.message = message
        self.context = context
    }

    /// The message, prefixed by the code.
    public var description: String { "\(message) [\(code)]" }
}

/// One sample of the machine's state.
public struct SystemSample: Sendable, Hashable, Codable {
    /// When it was taken.
    public var time: Date
    /// CPU busy percent of all cores since the previous sample (`nil` on the first).
    public var cpuPercent: Double?
    /// Memory in use (MemTotal − MemAvailable) as a percent of MemTotal.
    public var memoryPercent: Double
    /// Memory available, in GB (10⁹ bytes).
    public var memoryAvailableGB: Double
    /// Disk use of the watched file system, percent (`nil` when it cannot be read).
    public var diskPercent: Double?
    /// Free disk space for unprivileged users, GB (10⁹ bytes).
    public var diskFreeGB: Double?
    /// Processes on the machine (`/proc/loadavg`'s total).
    public var processCount: Int
    /// The 1-, 5- and 15-minute load averages.
    public var loadAverage: [Double]

    /// Creates a sample.
    public init(
        time: Date, cpuPercent: Double?, memoryPercent: Double, memoryAvailableGB: Double, diskPercent: Double?,
        diskFreeGB: Double?, processCount: Int, loadAverage: [Double]
    ) {
        self.time = time
        self.cpuPercent = cpuPercent
        self.memoryPercent = memoryPercent
        self.memoryAvailableGB = memoryAvailableGB
        self.diskPercent = diskPercent
        self.diskFreeGB = diskFreeGB
        self.processCount = processCount
        self.loadAverage = loadAverage
    }
}

/// Reads CPU, memory, process count and load from `/proc`, and disk use from `statvfs`.
///
/// CPU and memory come from QEIRBatch's ``ProcResourceProbe`` (the same figures admission
/// control uses): CPU percent is the busy share (everything but idle and iowait) of the
/// `/proc/stat` tick deltas since the previous sample, over all cores; memory in use is
/// `MemTotal − MemAvailable`.
public actor SystemSampler {
    /// The `/proc` directory (a fixture directory in tests).
    public let procRoot: URL
    /// A path on the file system whose use is reported (the output directory).
    public let diskPath: String
    private let probe: ProcResourceProbe

    /// Creates a sampler.
    ///
    /// - Parameters:
    ///   - procRoot: The `/proc` directory.
    ///   - diskPath: A path on the watched file system.
    public init(procRoot: URL = URL(fileURLWithPath: "/proc"), diskPath: String = ".") {
        self.procRoot = procRoot
        self.diskPath = diskPath
        self.probe = ProcResourceProbe(procRoot: procRoot)
    }

    /// Takes a sample.
    ///
    /// - Parameter now: The time stamped on the sample.
    /// - Returns: The sample.
    /// - Throws: ``MonitorError`` (``MonitorError/Code/samplingFailed``) naming the file that cannot
    ///   be read or parsed.
    public func sample(now: Date = Date()) async throws(MonitorError) -> SystemSample {
        let resources: ResourceSample
        do {
            resources = try await probe.sample()
        } catch {
            throw MonitorError(.samplingFailed, error.message, context: error.context)
        }
        // The probe works in GiB (2^30 bytes); samples report available memory in GB (10^9).
        let availableGiB = resources.memoryTotalGB - resources.memoryUsedGB

        let loadavg = try read("loadavg").split(separator: " ")
        let load = loadavg.prefix(3).compactMap { Double($0) }
        let processes = loadavg.count > 3 ? Int(loadavg[3].split(separator: "/").last ?? "") ?? 0 : 0

        var diskPercent: Double?
        var diskFree: Double?
        var info = statvfs()
        if statvfs(diskPath, &info) == 0, info.f_blocks > 0 {
            let size = Double(info.f_frsize)
            let totalBytes = Double(info.f_blocks) * size
            let freeForUsers = Double(info.f_bavail) * size
            let used = totalBytes - Double(info.f_bfree) * size
            // As df: used / (used + available to unprivileged users).
            diskPercent = 100 * used / max(used + freeForUsers, 1)
            diskFree = freeForUsers / 1e9
        }
        return SystemSample(
            time: now, cpuPercent: resources.cpuPercent,
            memoryPercent: 100 * resources.memoryUsedGB / resources.memoryTotalGB,
            memoryAvailableGB: availableGiB * 1_073_741_824 / 1e9, diskPercent: diskPercent, diskFreeGB: diskFree,
            processCount: processes, loadAverage: load)
    }

    private func read(_ name: String) throws(MonitorError) -> String {
        let url = procRoot.appendingPathComponent(name)
        do {
            return try String(contentsOf: url, encoding: .utf8)
        } catch {
            throw MonitorError(
                .samplingFailed, "Cannot read \(url.path): \(error.localizedDescription). Is /proc mounted?",
                context: ["file": url.path])
        }
    }
}
