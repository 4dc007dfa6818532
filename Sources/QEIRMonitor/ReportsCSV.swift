extension MonitorReport {
    /// The columns of `system_metrics.csv`.
    public static let systemMetricsColumns = [
        "time", "cpu_percent", "memory_percent", "memory_available_gb", "disk_percent", "disk_free_gb",
        "process_count", "load_1", "load_5", "load_15",
    ]
    /// The columns of `job_metrics.csv`.
    public static let jobMetricsColumns = [
        "batch_id", "job_id", "name", "state", "attempts", "started_at", "finished_at", "wall_seconds",
        "cpu_seconds", "peak_rss_mb", "errors", "warnings", "last_error",
    ]
    /// The columns of `batch_metrics.csv`: the batch, the time, the total, one count per job state,
    /// the average duration and the throughput.
    public static let batchMetricsColumns =
        ["batch_id", "time", "total_jobs"] + states + ["average_duration_seconds", "throughput_per_hour"]
    /// The columns of `alerts.csv`.
    public static let alertsColumns = [
        "time", "key", "status", "severity", "subject", "message", "value", "threshold",
    ]

    /// The report as CSV files, one per table, keyed by file name: `system_metrics.csv`,
    /// `job_metrics.csv`, `batch_metrics.csv`, `alerts.csv`.
    ///
    /// Each file follows RFC 4180: a header row of the column names
    /// (``systemMetricsColumns``, ``jobMetricsColumns``, ``batchMetricsColumns``,
    /// ``alertsColumns``), CRLF after every record, and a field that holds `"`, `,`, CR or LF
    /// wrapped in double quotes with inner quotes doubled. Times are ISO-8601 in UTC to the second;
    /// numbers are written in full precision with `.` as separator; a missing or non-finite value is
    /// an empty field.
    ///
    /// Spreadsheet formula injection is neutralised: a field starting with `=`, `+`, `-`, `@`,
    /// tab or CR gets a leading `'` — unless the whole field is a plain number such as `-3.5` or
    /// `1e-05`.
    ///
    /// - Returns: File name → file contents.
    public func csvFiles() -> [String: String] {
        let system = systemSamples.map { sample in
            [
                ReportText.iso(sample.time), Self.csv(sample.cpuPercent), Self.csv(sample.memoryPercent),
                Self.csv(sample.memoryAvailableGB), Self.csv(sample.diskPercent), Self.csv(sample.diskFreeGB),
                String(sample.processCount), Self.csv(sample.loadAverage.first),
                Self.csv(sample.loadAverage.dropFirst().first), Self.csv(sample.loadAverage.dropFirst(2).first),
            ]
        }
        let jobRows = jobs.map { job in
            [
                job.batchID, job.jobID, job.name, job.state, String(job.attempts),
                job.startedAt.map(ReportText.iso) ?? "", job.finishedAt.map(ReportText.iso) ?? "",
                Self.csv(job.wallSeconds), Self.csv(job.cpuSeconds), Self.csv(job.peakRSSMB), String(job.errors),
                String(job.warnings), job.lastError ?? "",
            ]
        }
        let batchRows = batchSnapshots.map { snapshot in
            [snapshot.batchID, ReportText.iso(snapshot.time), String(snapshot.totalJobs)]
                + Self.states.map { String(snapshot.counts[$0] ?? 0) }
                + [Self.csv(snapshot.averageDurationSeconds), Self.csv(snapshot.throughputPerHour)]
        }
        let alertRows = alerts.map { alert in
            [
                ReportText.iso(alert.time), alert.key, alert.status.rawValue, alert.severity.rawValue, alert.subject,
                alert.message, Self.csv(alert.value), Self.csv(alert.threshold),
            ]
        }
        return [
            "system_metrics.csv": CSVText.table(Self.systemMetricsColumns, system),
            "job_metrics.csv": CSVText.table(Self.jobMetricsColumns, jobRows),
            "batch_metrics.csv": CSVText.table(Self.batchMetricsColumns, batchRows),
            "alerts.csv": CSVText.table(Self.alertsColumns, alertRows),
        ]
    }

    /// A number in full (shortest round-trip) precision; empty when missing or not finite.
    private static func csv(_ value: Double?) -> String {
        guard let value, value.isFinite else { return "" }
        return "\(value)"
    }
}

/// RFC 4180 writing with formula-injection neutralisation.
enum CSVText {
    static func table(_ header: [String], _ rows: [[String]]) -> String {
        var text = ""
        for row in [header] + rows {
            text += row.map(field).joined(separator: ",")
            text += "\r\n"
        }
        return text
    }

    /// One field: neutralised, then quoted if it holds a quote, comma, CR or LF.
    static func field(_ value: String) -> String {
        var value = value
        if let first = value.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first), !isPlainNumber(value) {
            value = "'" + value
        }
        let special = value.unicodeScalars.contains { $0 == "\"" || $0 == "," || $0 == "\r" || $0 == "\n" }
        guard special else { return value }
        // Scalar by scalar, so a quote followed by a combining mark is still doubled.
        var quoted = String.UnicodeScalarView()
        quoted.append("\"")
        for scalar in value.unicodeScalars {
            quoted.append(scalar)
            if scalar == "\"" { quoted.append(scalar) }
        }
        quoted.append("\"")
        return String(quoted)
    }

    /// Whether `text` is a plain decimal number: `[+-]digits[.digits][(e|E)[+-]digits]`, or with
    /// the digits only after the point.
    static func isPlainNumber(_ text: String) -> Bool {
        var scalars = Substring(text).unicodeScalars
        func digits() -> Int {
            var count = 0
            while let scalar = scalars.first, ("0"..."9").contains(scalar) {
                scalars.removeFirst()
                count += 1
            }
            return count
        }
        if let sign = scalars.first, sign == "+" || sign == "-" { scalars.removeFirst() }
        var mantissa = digits()
        if scalars.first == "." {
            scalars.removeFirst()
            mantissa += digits()
        }
        guard mantissa > 0 else { return false }
        if let e = scalars.first, e == "e" || e == "E" {
            scalars.removeFirst()
            if let sign = scalars.first, sign == "+" || sign == "-" { scalars.removeFirst() }
            guard digits() > 0 else { return false }
        }
        return scalars.isEmpty
    }
}
