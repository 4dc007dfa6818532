public import Foundation
public import Logging

/// Settings of an ``SMTPNotifier``.
///
/// TLS is required by default: an `smtp://` server must offer STARTTLS (libcurl's
/// `CURLUSESSL_ALL`) or the send fails with ``NotifyError/Code/tlsRequired``; an `smtps://`
/// server speaks TLS from the first byte. Credentials are refused without TLS.
public struct SMTPConfiguration: Sendable {
    /// The server: `smtp://host[:port]` (STARTTLS, port 25 by default; submission is 587) or
    /// `smtps://host[:port]` (TLS on connect, port 465 by default). It must not carry user
    /// information; put credentials in ``username`` and ``password``. A path sets the name the
    /// client greets with (`smtp://host:587/client.example.org` sends `EHLO client.example.org`;
    /// libcurl's default is `localhost`).
    public var url: URL
    /// The sender address (`From` header and envelope sender), such as `qeir@example.org`.
    public var from: String
    /// The recipient addresses (`To` header and envelope recipients); at least one.
    public var to: [String]
    /// The login name for SMTP AUTH, if the server wants one.
    public var username: String?
    /// The password for SMTP AUTH. Never logged and never put in an error or description.
    public var password: NotifierSecret?
    /// For `smtp://`, whether STARTTLS is required (default `true`). When `false` STARTTLS is
    /// still used if the server offers it. Ignored for `smtps://`.
    public var requireTLS: Bool
    /// A PEM file of CA certificates to trust instead of the system store, for a server with a
    /// private CA or a self-signed certificate.
    public var caFile: String?
    /// Skips certificate and host name checks. Only for tests: anyone on the path can then read
    /// the password and the mail.
    public var insecureSkipVerify: Bool
    /// The limit on one delivery, connection and TLS handshake included (default 30 s).
    public var timeout: Duration
    /// The domain in `Message-ID` headers (default: the domain of ``from``).
    public var messageIDDomain: String?

    /// Creates a configuration.
    /// - Parameters:
    ///   - url: the server URL, `smtp://` or `smtps://`.
    ///   - from: the sender address.
    ///   - to: the recipient addresses.
    ///   - username: the AUTH login name.
    ///   - password: the AUTH password.
    ///   - requireTLS: whether `smtp://` must upgrade with STARTTLS.
    ///   - caFile: a PEM file of CA certificates to trust.
    ///   - insecureSkipVerify: skip certificate checks (tests only).
    ///   - timeout: the limit on one delivery.
    ///   - messageIDDomain: the `Message-ID` domain.
    public init(
        url: URL, from: String, to: [String], username: String? = nil, password: NotifierSecret? = nil,
        requireTLS: Bool = true, caFile: String? = nil, insecureSkipVerify: Bool = false,
        timeout: Duration = .seconds(30), messageIDDomain: String? = nil
    ) {
        self.url = url
        self.from = from
        self.to = to
        self.username = username
        self.password = password
        self.requireTLS = requireTLS
        self.caFile = caFile
        self.insecureSkipVerify = insecureSkipVerify
        self.timeout = timeout
        self.messageIDDomain = messageIDDomain
    }
}

/// A ``Notifier`` that sends each notification as a plain-text mail through an SMTP server,
/// with libcurl.
///
/// The message has `Date` (the notification's timestamp, RFC 5322 format), `Message-ID`,
/// `From`, `To`, a `Subject` encoded per RFC 2047 when it is not ASCII, MIME version 1.0 and a
/// UTF-8 `text/plain` body in quoted-printable; header lines are folded at 78 characters. The
/// notification's severity, source and batch id are repeated in the body and in `X-QEIR-*`
/// headers.
///
/// The transfer runs on its own thread, so it never blocks Swift's cooperative pool; it is
/// bounded by ``SMTPConfiguration/timeout`` and aborted when the calling task is cancelled.
/// There are no retries: a mail server queues and retries by itself once it has the message.
public struct SMTPNotifier: Notifier {
    /// The name given at creation.
    public let name: String
    /// The validated configuration.
    public let configuration: SMTPConfiguration
    private let logger: Logger
    /// The URL handed to libcurl (scheme, host, port, path).
    private let endpoint: String
    /// `scheme://host[:port]`: what logs and errors show of the server.
    private let origin: String

    /// Creates a notifier after checking the configuration.
    /// - Parameters:
    ///   - name: the name in logs and reports (default `smtp`).
    ///   - configuration: the server, addresses and credentials.
    ///   - logger: where each delivery is logged at debug level (never with the password).
    /// - Throws: ``NotifyError/Code/invalidConfiguration`` when the URL is not `smtp://` or
    ///   `smtps://` with a host, carries user information, an address is malformed, there is no
    ///   recipient, the timeout is not positive, or credentials would travel without TLS.
    public init(
        name: String = "smtp", configuration: SMTPConfiguration, logger: Logger = Logger(label: "qeir.notify.smtp")
    ) throws(NotifyError) {
        self.name = name
        self.configuration = configuration
        self.logger = logger
        self.endpoint = try Self.validate(configuration, name: name)
        self.origin = Self.redactedOrigin(configuration.url)
    }

    /// Sends one mail to every recipient.
    /// - Parameter n: the notification.
    /// - Throws: ``NotifyError`` naming the server and libcurl's message:
    ///   ``NotifyError/Code/connectionFailed``, ``NotifyError/Code/tlsRequired``,
    ///   ``NotifyError/Code/tlsFailed``, ``NotifyError/Code/authenticationFailed``,
    ///   ``NotifyError/Code/rejected``, ``NotifyError/Code/timedOut``,
    ///   ``NotifyError/Code/cancelled`` or ``NotifyError/Code/deliveryFailed``.
    public func send(_ n: NotifyMessage) async throws(NotifyError) {
        let messageID = "<\(UUID().uuidString.lowercased())@\(messageIDDomain)>"
        let text = MailMessage.render(n, from: configuration.from, to: configuration.to, messageID: messageID)
        let request = CurlSMTPRequest(
            url: endpoint, mailFrom: configuration.from, recipients: configuration.to,
            username: configuration.username, password: configuration.password,
            requireTLS: configuration.requireTLS, caFile: configuration.caFile,
            insecureSkipVerify: configuration.insecureSkipVerify, timeout: configuration.timeout,
            payload: Array(text.utf8))
        logger.debug(
            "Sending mail", metadata: ["notifier": "\(name)", "server": "\(origin)", "message_id": "\(messageID)"])
        do {
            try await CurlSMTP.send(request)
        } catch {
            throw describe(error).scrubbing([configuration.password])
        }
    }

    /// The `Message-ID` domain: the configured one, or the sender's, or `localhost`.
    var messageIDDomain: String {
        if let domain = configuration.messageIDDomain, !domain.isEmpty { return domain }
        if let at = configuration.from.lastIndex(of: "@") {
            let domain = configuration.from[configuration.from.index(after: at)...]
            if !domain.isEmpty { return String(domain) }
        }
        return "localhost"
    }

    /// The error for a failed transfer: what failed, on which server, and what to do.
    private func describe(_ failure: CurlSMTPFailure) -> NotifyError {
        let reply = failure.responseCode >= 400 ? " (the server's last reply was \(failure.responseCode))" : ""
        let advice: String
        switch failure.code {
        case .connectionFailed:
            advice = "check the host and port in the URL and that the server is running"
        case .tlsRequired:
            advice =
                "the server does not offer STARTTLS; use smtps:// if it speaks TLS on connect, or set requireTLS "
                + "to false only for a trusted local relay"
        case .tlsFailed:
            advice =
                "check the server's certificate and host name, or set caFile to the CA certificate that signed it"
        case .authenticationFailed:
            advice = "check username and password and the AUTH methods the server allows"
        case .timedOut:
            advice = "the server did not finish within \(configuration.timeout); check it or raise the timeout"
        case .cancelled:
            advice = "the task was cancelled"
        case .rejected:
            advice = "check the from and to addresses and the server's relay rules"
        default:
            advice = "check the server and the configuration"
        }
        var context = ["notifier": name, "server": origin, "curl_code": String(failure.curlCode)]
        if failure.responseCode > 0 { context["smtp_reply"] = String(failure.responseCode) }
        return NotifyError(
            failure.code,
            "SMTP notifier \(name) could not deliver through \(origin): \(failure.curlMessage)\(reply); \(advice).",
            context: context)
    }

    /// Checks the configuration; returns the URL libcurl gets (no user information).
    private static func validate(_ configuration: SMTPConfiguration, name: String) throws(NotifyError) -> String {
        func invalid(_ message: String, _ context: [String: String] = [:]) -> NotifyError {
            NotifyError(
                .invalidConfiguration, "SMTP notifier \(name): \(message)",
                context: context.merging(["notifier": name]) { a, _ in a })
        }
        let url = configuration.url
        let shown = redactedOrigin(url)
        guard let scheme = url.scheme?.lowercased(), scheme == "smtp" || scheme == "smtps" else {
            throw invalid(
                "the URL \(shown) is not smtp:// or smtps://; use smtp://host:587 (STARTTLS) or smtps://host:465.")
        }
        guard let host = url.host, !host.isEmpty else {
            throw invalid("the URL \(shown) has no host; use \(scheme)://host[:port].")
        }
        if url.user != nil || url.password != nil {
            throw invalid(
                "the URL \(shown) carries user information; remove it and set username and password in "
                    + "SMTPConfiguration instead.", ["url": shown])
        }
        guard !configuration.to.isEmpty else {
            throw invalid("there is no recipient; set SMTPConfiguration.to to at least one address.")
        }
        for (field, address) in [("from", configuration.from)] + configuration.to.map({ ("to", $0) }) {
            guard isPlainAddress(address) else {
                throw invalid(
                    "the \(field) address \"\(printable(address))\" is not a plain address like name@example.org "
                        + "(ASCII, one @, no spaces, brackets or line breaks); fix it.", [field: printable(address)])
            }
        }
        if let domain = configuration.messageIDDomain, !domain.isEmpty,
            !domain.utf8.allSatisfy({ isAtext($0) || $0 == UInt8(ascii: ".") })
        {
            throw invalid(
                "messageIDDomain \"\(printable(domain))\" is not a domain name; use letters, digits, dots and dashes.")
        }
        guard configuration.timeout > .zero else {
            throw invalid("the timeout \(configuration.timeout) is not positive; use a few seconds or more.")
        }
        let tls = scheme == "smtps" || configuration.requireTLS
        if !tls && (configuration.username != nil || configuration.password != nil) {
            throw invalid(
                "credentials are set but TLS is not required, so the password could travel in clear text; set "
                    + "requireTLS to true or use smtps://.")
        }
        if configuration.password != nil && configuration.username == nil {
            throw invalid("a password is set without a username; set SMTPConfiguration.username too.")
        }
        var components = URLComponents(url: url, resolvingAgainstBaseURL: false) ?? URLComponents()
        components.scheme = scheme
        components.query = nil
        components.fragment = nil
        return components.string ?? "\(scheme)://\(host)"
    }

    /// `scheme://host[:port]` of a URL: what errors and logs may show of it.
    static func redactedOrigin(_ url: URL) -> String {
        let scheme = url.scheme ?? "?"
        let host = url.host ?? ""
        let port = url.port.map { ":\($0)" } ?? ""
        return "\(scheme)://\(host)\(port)"
    }

    /// A value for an error message: line breaks shown as `\n`, at most 100 characters.
    static func printable(_ value: String) -> String {
        let escaped = ConsoleNotifier.escape(value)
        return escaped.count > 100 ? String(escaped.prefix(100)) + "…" : escaped
    }

    /// `local@domain` in printable ASCII without spaces, brackets, quotes or commas.
    static func isPlainAddress(_ address: String) -> Bool {
        let parts = address.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else { return false }
        return address.utf8.allSatisfy { isAtext($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "@") }
    }

    /// RFC 5322 `atext`: letters, digits and ``!#$%&'*+-/=?^_`{|}~``.
    private static func isAtext(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default:
            return "!#$%&'*+-/=?^_`{|}~".utf8.contains(byte)
        }
    }
}
