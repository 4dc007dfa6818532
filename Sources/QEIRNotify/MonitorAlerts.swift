public import QEIRMonitor

extension NotifyMessage {
    /// A notification for a monitor alert notice (firing or resolved).
    ///
    /// The alert's key, status, value and threshold travel as fields, so a webhook receiver can
    /// route on them.
    ///
    /// - Parameters:
    ///   - alert: The notice from a `BatchMonitor`.
    ///   - batchID: The batch it concerns.
    ///   - source: What produced it (default `qeir-monitor`).
    public init(_ alert: Alert, batchID: String? = nil, source: String = "qeir-monitor") {
        let severity: Severity =
            switch (alert.status, alert.severity) {
            case (.resolved, _): .info
            case (_, .info): .info
            case (_, .warning): .warning
            case (_, .critical): .critical
            }
        self.init(
            subject: alert.status == .resolved ? alert.subject : "[\(alert.severity.rawValue)] \(alert.subject)",
            message: alert.message, severity: severity, timestamp: alert.time, source: source, batchID: batchID,
            fields: [
                "alert_key": alert.key, "alert_status": alert.status.rawValue, "value": "\(alert.value)",
                "threshold": "\(alert.threshold)",
            ])
    }
}
