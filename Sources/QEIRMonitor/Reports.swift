public import Foundation
import QEIRBatch

/// A file format a ``MonitorReport`` can be written in.
public enum ReportFormat: String, CaseIterable, Sendable {
    /// `report.json`: one JSON document (see ``MonitorReport/json()``).
    case json
    /// `system_metrics.csv`, `job_metrics.csv`, `batch_metrics.csv`, `alerts.csv` (see
    /// ``MonitorReport/csvFiles()``).
    case csv
    /// `report.html`: one self-contained page (see ``MonitorReport/html(title:)``).
    case html
}

/// A report of a batch's monitoring data — system samples, job metrics, batch snapshots and
/// alert history — rendered as JSON, CSV or a self-contained HTML page.
///
/// Build it from a ``MetricsDatabase`` with ``load(from:batchID:generatedAt:)``, or from arrays
/// with ``init(generatedAt:batchID:systemSamples:jobs:batchSnapshots:alerts:)``. Rendering never
/// reads a clock: the report time is ``generatedAt``.
///
/// ```swift
/// let report = try MonitorReport.load(from: database, batchID: "run-1")
/// let files = try report.write(to: outputDirectory, formats: [.json, .html])
/// ```
public struct MonitorReport: Sendable {
    /// The batch totals shown at the top of a report.
    public struct Summary: Sendable, Hashable {
        /// Where the totals come from.
        public enum Source: String, Sendable, Hashable {
            /// The latest ``BatchMetrics`` snapshot.
            case batchMetrics = "batch_metrics"
            /// Computed from the job rows, because there is no snapshot.
            case jobMetrics = "job_metrics"
        }

        /// Where the totals come from.
        public var source: Source
        /// The batch the totals belong to (`nil` when there is neither a snapshot nor a batch id).
        public var batchID: String?
        /// When the totals were taken: the snapshot's time, or the report time.
        public var time: Date
        /// Jobs known.
        public var totalJobs: Int
        /// Jobs per state: every `JobState` raw value (0 when none), plus any other state found.
        public var counts: [String: Int]
        /// Mean wall time of ended jobs, seconds.
        public var averageDurationSeconds: Double?
        /// Jobs ended per hour.
        public var throughputPerHour: Double?
    }

    /// When the report was made; running jobs' timeline bars end here.
    public var generatedAt: Date
    /// The batch reported on; `nil` reports every batch in the database.
    public var batchID: String?
    /// System samples, oldest first.
    public var systemSamples: [SystemSample]
    /// Job rows, by start time then id.
    public var jobs: [JobMetrics]
    /// Batch snapshots, oldest first.
    public var batchSnapshots: [BatchMetrics]
    /// Alert notices, oldest first.
    public var alerts: [Alert]

    /// Creates a report from rows.
    ///
    /// - Parameters:
    ///   - generatedAt: The report time.
    ///   - batchID: The batch reported on (`nil` for all).
    ///   - systemSamples: System samples (sorted by time when rendered).
    ///   - jobs: Job rows, in the order the status table and timeline show them.
    ///   - batchSnapshots: Batch snapshots (the latest by time is the summary).
    ///   - alerts: Alert notices.
    public init(
        generatedAt: Date, batchID: String? = nil, systemSamples: [SystemSample] = [], jobs: [JobMetrics] = [],
        batchSnapshots: [BatchMetrics] = [], alerts: [Alert] = []
    ) {
        self.generatedAt = generatedAt
        self.batchID = batchID
        self.systemSamples = systemSamples
        self.jobs = jobs
        self.batchSnapshots = batchSnapshots
        self.alerts = alerts
    }

    /// Reads a report's rows from a metrics database.
    ///
    /// - Parameters:
    ///   - database: The metrics database.
    ///   - batchID: The batch to report on; `nil` reads every batch's rows.
    ///   - generatedAt: The report time (now by default).
    /// - Returns: The report.
    /// - Throws: ``MonitorError`` (``MonitorError/Code/databaseFailed``) naming the database.
    public static func load(
        from database: MetricsDatabase, batchID: String?, generatedAt: Date = Date()
    ) throws(MonitorError) -> MonitorReport {
        MonitorReport(
            generatedAt: generatedAt, batchID: batchID, systemSamples: try database.systemSamples(batchID: batchID),
            jobs: try database.jobMetrics(batchID: batchID),
            batchSnapshots: try database.batchMetrics(batchID: batchID),
            alerts: try database.alerts(batchID: batchID))
    }

    /// The batch totals: the latest snapshot by time or, when there is none, totals computed from
    /// the job rows (average over ended jobs' wall time; throughput = ended jobs per hour between
    /// the earliest start and the latest end).
    public var summary: Summary {
        if let latest = batchSnapshots.max(by: { $0.time < $1.time }) {
            var counts = Self.zeroCounts
            for (state, count) in latest.counts { counts[state] = count }
            return Summary(
                source: .batchMetrics, batchID: latest.batchID, time: latest.time, totalJobs: latest.totalJobs,
                counts: counts, averageDurationSeconds: latest.averageDurationSeconds,
                throughputPerHour: latest.throughputPerHour)
        }
        var counts = Self.zeroCounts
        for job in jobs { counts[job.state, default: 0] += 1 }
        let ended = jobs.filter { $0.finishedAt != nil }
        let durations = ended.compactMap(\.wallSeconds).filter(\.isFinite)
        let firstStart = jobs.compactMap(\.startedAt).min()
        let lastEnd = ended.compactMap(\.finishedAt).max()
        var throughput: Double?
        if let firstStart, let lastEnd, lastEnd > firstStart {
            throughput = Double(ended.count) / (lastEnd.timeIntervalSince(firstStart) / 3600)
        }
        return Summary(
            source: .jobMetrics, batchID: batchID ?? jobs.first?.batchID, time: generatedAt, totalJobs: jobs.count,
            counts: counts,
            averageDurationSeconds: durations.isEmpty ? nil : durations.reduce(0, +) / Double(durations.count),
            throughputPerHour: throughput)
    }

    /// Every job state's raw value, in lifecycle order.
    static let states = JobState.allCases.map(\.rawValue)

    static var zeroCounts: [String: Int] {
        Dictionary(uniqueKeysWithValues: states.map { ($0, 0) })
    }

    /// The states in `counts`, known ones first in lifecycle order, then others by name.
    static func orderedStates(_ counts: [String: Int]) -> [String] {
        states + counts.keys.filter { !states.contains($0) }.sorted()
    }

    /// Writes the report's files into `directory` (created if missing), each atomically (written to
    /// a temporary file beside it, then renamed over the old one): `report.json`, the four CSV
    /// files, `report.html` (titled "QEIR batch report").
    ///
    /// - Parameters:
    ///   - directory: The output directory.
    ///   - formats: The formats to write.
    /// - Returns: The files written: JSON first, then CSV by name, then HTML.
    /// - Throws: ``MonitorError`` (``MonitorError/Code/reportFailed``) naming the directory or file
    ///   that cannot be written.
    @discardableResult
    public func write(to directory: URL, formats: Set<ReportFormat>) throws(MonitorError) -> [URL] {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory), !isDirectory.boolValue {
            throw MonitorError(
                .reportFailed,
                "Cannot write the report into \(directory.path): it exists and is not a directory. Choose another output directory.",
                context: ["file": directory.path])
        }
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw MonitorError(
                .reportFailed,
                "Cannot create the report directory \(directory.path): \(error.localizedDescription). Check that its parent is writable.",
                context: ["file": directory.path])
        }
        var files: [(name: String, data: Data)] = []
        if formats.contains(.json) { files.append(("report.json", try json())) }
        if formats.contains(.csv) {
            files += csvFiles().sorted { $0.key < $1.key }.map { ($0.key, Data($0.value.utf8)) }
        }
        if formats.contains(.html) { files.append(("report.html", Data(html(title: "QEIR batch report").utf8))) }
        var written: [URL] = []
        for file in files {
            let url = directory.appendingPathComponent(file.name)
            do {
                try file.data.write(to: url, options: .atomic)
            } catch {
                throw MonitorError(
                    .reportFailed,
                    "Cannot write the report file \(url.path): \(error.localizedDescription). Check that the directory is writable and the disk is not full.",
                    context: ["file": url.path])
            }
            written.append(url)
        }
        return written
    }
}

/// Formatting shared by the report renderers. Every function is pure and locale-independent.
enum ReportText {
    private static let posix = Locale(identifier: "en_US_POSIX")

    /// ISO-8601 in UTC to the second (fractions truncated): `2025-06-15T12:00:00Z`.
    static func iso(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle())
    }

    /// A number for people: en_US_POSIX, at most `digits` decimals.
    static func number(_ value: Double, digits: Int = 1) -> String {
        guard value.isFinite else { return "–" }
        return value.formatted(.number.precision(.fractionLength(0...digits)).locale(posix))
    }

    /// A duration for people: `42.5 s`, `3 min 20 s`, `2 h 05 min`.
    static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "–" }
        // Negative or absurd (beyond a million years) values are shown as plain seconds.
        if seconds < 60 || seconds > 3e13 { return "\(number(seconds)) s" }
        let whole = Int(seconds.rounded())
        if whole < 3600 { return "\(whole / 60) min \(twoDigits(whole % 60)) s" }
        return "\(whole / 3600) h \(twoDigits(whole % 3600 / 60)) min"
    }

    /// A coordinate for SVG: one decimal, `.` separator, no grouping — by construction, not locale;
    /// clamped to ±10⁹ (0 when not finite).
    static func coordinate(_ value: Double) -> String {
        guard value.isFinite else { return "0" }
        let tenths = Int((min(max(value, -1e9), 1e9) * 10).rounded())
        let sign = tenths < 0 ? "-" : ""
        let magnitude = abs(tenths)
        return magnitude % 10 == 0 ? "\(sign)\(magnitude / 10)" : "\(sign)\(magnitude / 10).\(magnitude % 10)"
    }

    static func twoDigits(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
}
