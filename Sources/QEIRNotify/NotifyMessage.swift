public import Foundation

/// One notification to deliver through ``Notifier``s: a subject, a body, a severity and where it
/// came from.
///
/// The value is independent of the batch engine; the monitoring layer turns its events into
/// notifications. (It is not called `Notification` because Foundation has a type of that name,
/// and every file importing both modules would have to qualify it.)
public struct NotifyMessage: Sendable, Hashable {
    /// How serious the notified event is, from least to most.
    public enum Severity: String, Sendable, Hashable, CaseIterable, Comparable {
        /// Routine information, such as a batch that finished.
        case info
        /// Something needs attention but nothing failed for good.
        case warning
        /// Something failed.
        case error
        /// Something failed and needs action now.
        case critical

        /// Orders severities from ``info`` to ``critical``.
        /// - Parameters:
        ///   - lhs: a severity.
        ///   - rhs: another severity.
        /// - Returns: whether `lhs` is less severe than `rhs`.
        public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs.rank < rhs.rank }

        private var rank: Int {
            switch self {
            case .info: 0
            case .warning: 1
            case .error: 2
            case .critical: 3
            }
        }
    }

    /// A one-line summary (the mail subject). Line breaks are turned into spaces when it is put
    /// in a header.
    public var subject: String
    /// The body text; may span several lines.
    public var message: String
    /// How serious the event is.
    public var severity: Severity
    /// When the event happened; also the mail's `Date` header.
    public var timestamp: Date
    /// What produced the event, such as `qeir.batch` or a host name.
    public var source: String
    /// The batch the event belongs to, if any.
    public var batchID: String?
    /// Further named values (job counts, durations, a report path), delivered as they are.
    public var fields: [String: String]

    /// Creates a notification.
    /// - Parameters:
    ///   - subject: a one-line summary.
    ///   - message: the body text.
    ///   - severity: how serious the event is (default ``Severity/info``).
    ///   - timestamp: when the event happened (default now).
    ///   - source: what produced the event (default `qeir`).
    ///   - batchID: the batch the event belongs to.
    ///   - fields: further named values.
    public init(
        subject: String, message: String, severity: Severity = .info, timestamp: Date = Date(),
        source: String = "qeir", batchID: String? = nil, fields: [String: String] = [:]
    ) {
        self.subject = subject
        self.message = message
        self.severity = severity
        self.timestamp = timestamp
        self.source = source
        self.batchID = batchID
        self.fields = fields
    }
}
