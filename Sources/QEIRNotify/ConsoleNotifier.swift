public import Foundation

/// A ``Notifier`` that writes each notification as one line of text to a file handle (standard
/// error by default): for interactive runs and for logs collected from a container's output.
///
/// The line reads `<timestamp> <SEVERITY> <source> [batch=<id>]: <subject> — <message>` followed
/// by ` key=value` for each field in key order. Line breaks inside the subject, message or
/// fields are written as `\n`, so one notification is always one line.
public struct ConsoleNotifier: Notifier {
    /// The name given at creation.
    public let name: String
    private let output: FileHandle

    /// Creates a notifier.
    /// - Parameters:
    ///   - name: the name in logs and reports (default `console`).
    ///   - output: where lines go (default standard error); tests pass a pipe.
    public init(name: String = "console", output: FileHandle = .standardError) {
        self.name = name
        self.output = output
    }

    /// The line written for `n`, without the trailing newline.
    /// - Parameter n: the notification.
    /// - Returns: the one-line rendering.
    public static func line(for n: NotifyMessage) -> String {
        var line = "\(Self.timestamp(n.timestamp)) \(n.severity.rawValue.uppercased()) \(escape(n.source))"
        if let batch = n.batchID { line += " [batch=\(escape(batch))]" }
        line += ": \(escape(n.subject))"
        if !n.message.isEmpty { line += " — \(escape(n.message))" }
        for (key, value) in n.fields.sorted(by: { $0.key < $1.key }) { line += " \(escape(key))=\(escape(value))" }
        return line
    }

    /// Writes the line and a newline in one write.
    /// - Parameter n: the notification.
    /// - Throws: ``NotifyError/Code/deliveryFailed`` when the handle cannot be written (closed
    ///   pipe, full disk).
    public func send(_ n: NotifyMessage) async throws(NotifyError) {
        do {
            try output.write(contentsOf: Data((Self.line(for: n) + "\n").utf8))
        } catch {
            throw NotifyError(
                .deliveryFailed,
                "Notifier \(name) could not write to its output (\(error)); check that the stream is open "
                    + "and writable.",
                context: ["notifier": name])
        }
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "\r\n", with: "\\n").replacingOccurrences(of: "\n", with: "\\n")
            .replacingOccurrences(of: "\r", with: "\\n")
    }

    static func timestamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: date)
    }
}
