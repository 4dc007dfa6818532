import Foundation

/// An error raised by a notifier or while configuring one.
///
/// The message says what failed, for which notifier and host, and what to do. It never contains
/// a secret: no SMTP password, no webhook secret, no URL user information, and no webhook URL
/// path or query (chat webhooks carry their token there) — only scheme, host and port.
public struct NotifyError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A stable, machine-readable error category.
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        /// The code's stable string form.
        public let rawValue: String
        /// Wraps a raw code string.
        /// - Parameter rawValue: the code string.
        public init(rawValue: String) { self.rawValue = rawValue }
        /// The code's string form.
        public var description: String { rawValue }

        /// A configuration value is missing, malformed or unsafe (checked before anything is sent).
        public static let invalidConfiguration = Code(rawValue: "invalid_configuration")
        /// The host could not be resolved or did not accept the connection.
        public static let connectionFailed = Code(rawValue: "connection_failed")
        /// TLS is required but the SMTP server does not offer STARTTLS.
        public static let tlsRequired = Code(rawValue: "tls_required")
        /// The TLS handshake or the certificate check failed.
        public static let tlsFailed = Code(rawValue: "tls_failed")
        /// The server refused the credentials, or offers no authentication method that works.
        public static let authenticationFailed = Code(rawValue: "authentication_failed")
        /// The SMTP server refused the sender, a recipient or the message.
        public static let rejected = Code(rawValue: "rejected")
        /// The webhook answered with a status other than 2xx.
        public static let httpStatus = Code(rawValue: "http_status")
        /// The delivery did not finish within its timeout.
        public static let timedOut = Code(rawValue: "timed_out")
        /// The fan-out dropped the notification because the handler's rate limit was reached.
        public static let rateLimited = Code(rawValue: "rate_limited")
        /// The delivery was cancelled.
        public static let cancelled = Code(rawValue: "cancelled")
        /// Any other delivery failure (a closure handler's error, a write error, an unexpected
        /// transport failure).
        public static let deliveryFailed = Code(rawValue: "delivery_failed")
    }

    /// The error category.
    public let code: Code
    /// What failed, where, and what to do.
    public let message: String
    /// Names and values at fault (notifier name, host, attempt count, status, libcurl code).
    public let context: [String: String]

    /// Creates an error.
    /// - Parameters:
    ///   - code: the category.
    ///   - message: what failed, where, and what to do; must not contain secrets.
    ///   - context: names and values at fault; must not contain secrets.
    public init(_ code: Code, _ message: String, context: [String: String] = [:]) {
        self.code = code
        self.message = message
        self.context = context
    }

    /// The message, followed by the code in brackets.
    public var description: String { "\(message) [\(code)]" }
}

extension NotifyError {
    /// A copy with every occurrence of each secret replaced by `<redacted>` in the message and
    /// the context: a last line of defence for text that came from a server or a library.
    func scrubbing(_ secrets: [NotifierSecret?]) -> NotifyError {
        NotifyError(
            code, NotifierSecret.scrub(message, secrets),
            context: context.mapValues { NotifierSecret.scrub($0, secrets) })
    }
}

extension NotifierSecret {
    /// `text` with every occurrence of each non-empty secret replaced by `<redacted>`.
    static func scrub(_ text: String, _ secrets: [NotifierSecret?]) -> String {
        secrets.reduce(text) { text, secret in
            guard let value = secret?.value, !value.isEmpty else { return text }
            return text.replacingOccurrences(of: value, with: "<redacted>")
        }
    }
}
