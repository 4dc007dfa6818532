public import Foundation

extension MonitorReport {
    /// The report as one JSON document (UTF-8, pretty-printed, keys sorted, `/` unescaped).
    ///
    /// The layout is stable: every key below is always present (`null` when there is no value),
    /// keys are snake_case, times are ISO-8601 strings in UTC to the second
    /// (`2025-06-15T12:00:00Z`), and a number that is not finite (NaN, ±∞) is written as `null`.
    ///
    /// ```text
    /// {
    ///   "format_version": 1,
    ///   "generated_at": time,            // the report time
    ///   "batch_id": string | null,       // the batch reported on; null = every batch
    ///   "summary": {                     // see MonitorReport.summary
    ///     "source": "batch_metrics" | "job_metrics",
    ///     "batch_id": string | null, "time": time, "total_jobs": int,
    ///     "counts": { "pending": int, "retry_wait": int, "running": int, "succeeded": int,
    ///                 "failed": int, "cancelled": int, "skipped": int, ...other states },
    ///     "average_duration_seconds": number | null, "throughput_per_hour": number | null
    ///   },
    ///   "jobs": [ { "batch_id", "job_id", "name", "state": string, "attempts": int,
    ///               "started_at", "finished_at": time | null, "wall_seconds": number | null,
    ///               "cpu_seconds", "peak_rss_mb": number, "errors", "warnings": int,
    ///               "last_error": string | null } ],
    ///   "system_metrics": [ { "time": time, "cpu_percent": number | null, "memory_percent",
    ///               "memory_available_gb": number, "disk_percent", "disk_free_gb": number | null,
    ///               "process_count": int, "load_1", "load_5", "load_15": number | null } ],
    ///   "batch_metrics": [ { "batch_id": string, "time": time, "total_jobs": int,
    ///               "counts": { state: int }, "average_duration_seconds",
    ///               "throughput_per_hour": number | null } ],
    ///   "alerts": [ { "time": time, "key": string, "status": "firing" | "resolved",
    ///               "severity": "info" | "warning" | "critical", "subject", "message": string,
    ///               "value", "threshold": number } ]
    /// }
    /// ```
    ///
    /// Arrays keep the report's order (samples, snapshots and alerts oldest first).
    ///
    /// - Returns: The document.
    /// - Throws: ``MonitorError`` (``MonitorError/Code/reportFailed``) if encoding fails.
    public func json() throws(MonitorError) -> Data {
        let summary = self.summary
        let document: JSONValue = .object([
            "format_version": .int(1),
            "generated_at": .date(generatedAt),
            "batch_id": .string(batchID),
            "summary": .object([
                "source": .string(summary.source.rawValue),
                "batch_id": .string(summary.batchID),
                "time": .date(summary.time),
                "total_jobs": .int(summary.totalJobs),
                "counts": .object(summary.counts.mapValues { .int($0) }),
                "average_duration_seconds": .number(summary.averageDurationSeconds),
                "throughput_per_hour": .number(summary.throughputPerHour),
            ]),
            "jobs": .array(jobs.map(Self.json)),
            "system_metrics": .array(systemSamples.map(Self.json)),
            "batch_metrics": .array(batchSnapshots.map(Self.json)),
            "alerts": .array(alerts.map(Self.json)),
        ])
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        do {
            return try encoder.encode(document)
        } catch {
            throw MonitorError(
                .reportFailed, "Cannot encode the JSON report of batch \(batchID ?? "(all)"): \(error).",
                context: ["format": "json"])
        }
    }

    private static func json(_ job: JobMetrics) -> JSONValue {
        .object([
            "batch_id": .string(job.batchID),
            "job_id": .string(job.jobID),
            "name": .string(job.name),
            "state": .string(job.state),
            "attempts": .int(job.attempts),
            "started_at": .date(job.startedAt),
            "finished_at": .date(job.finishedAt),
            "wall_seconds": .number(job.wallSeconds),
            "cpu_seconds": .number(job.cpuSeconds),
            "peak_rss_mb": .number(job.peakRSSMB),
            "errors": .int(job.errors),
            "warnings": .int(job.warnings),
            "last_error": .string(job.lastError),
        ])
    }

    private static func json(_ sample: SystemSample) -> JSONValue {
        .object([
            "time": .date(sample.time),
            "cpu_percent": .number(sample.cpuPercent),
            "memory_percent": .number(sample.memoryPercent),
            "memory_available_gb": .number(sample.memoryAvailableGB),
            "disk_percent": .number(sample.diskPercent),
            "disk_free_gb": .number(sample.diskFreeGB),
            "process_count": .int(sample.processCount),
            "load_1": .number(sample.loadAverage.first),
            "load_5": .number(sample.loadAverage.dropFirst().first),
            "load_15": .number(sample.loadAverage.dropFirst(2).first),
        ])
    }

    private static func json(_ snapshot: BatchMetrics) -> JSONValue {
        var counts = zeroCounts
        for (state, count) in snapshot.counts { counts[state] = count }
        return .object([
            "batch_id": .string(snapshot.batchID),
            "time": .date(snapshot.time),
            "total_jobs": .int(snapshot.totalJobs),
            "counts": .object(counts.mapValues { .int($0) }),
            "average_duration_seconds": .number(snapshot.averageDurationSeconds),
            "throughput_per_hour": .number(snapshot.throughputPerHour),
        ])
    }

    private static func json(_ alert: Alert) -> JSONValue {
        .object([
            "time": .date(alert.time),
            "key": .string(alert.key),
            "status": .string(alert.status.rawValue),
            "severity": .string(alert.severity.rawValue),
            "subject": .string(alert.subject),
            "message": .string(alert.message),
            "value": .number(alert.value),
            "threshold": .number(alert.threshold),
        ])
    }
}

/// A JSON value whose encoding cannot fail: a non-finite number encodes as `null`.
enum JSONValue: Encodable {
    case null
    case int(Int)
    case finite(Double)
    case text(String)
    case array([JSONValue])
    case object([String: JSONValue])

    static func number(_ value: Double?) -> JSONValue {
        guard let value, value.isFinite else { return .null }
        return .finite(value)
    }

    static func string(_ value: String?) -> JSONValue { value.map(JSONValue.text) ?? .null }

    static func date(_ value: Date?) -> JSONValue { value.map { .text(ReportText.iso($0)) } ?? .null }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .int(let value): try container.encode(value)
        case .finite(let value): try container.encode(value)
        case .text(let value): try container.encode(value)
        case .array(let values): try container.encode(values)
        case .object(let values): try container.encode(values)
        }
    }
}
