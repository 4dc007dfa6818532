import Crypto
public import Foundation
public import Logging

/// How a ``WebhookNotifier`` retries a failed POST.
///
/// After failed attempt `n` (1-based) it waits `min(maxDelay, initialDelay · multiplierⁿ⁻¹)`,
/// or the server's `Retry-After: <seconds>` (capped at `maxDelay`) on a 429 or 503.
/// Timeouts, connection failures, 408, 429 and 5xx are retried; other 4xx and 3xx answers are
/// not, since sending the same request again cannot change them.
public struct WebhookRetryPolicy: Sendable, Hashable {
    /// Total attempts including the first (at least 1; default 3).
    public var maxAttempts: Int
    /// The wait after the first failed attempt (default 1 s).
    public var initialDelay: Duration
    /// The factor by which each wait grows (default 2).
    public var multiplier: Int
    /// The longest wait (default 30 s).
    public var maxDelay: Duration

    /// Creates a policy.
    /// - Parameters:
    ///   - maxAttempts: total attempts including the first.
    ///   - initialDelay: the wait after the first failure.
    ///   - multiplier: the growth factor of the wait.
    ///   - maxDelay: the cap on a wait.
    public init(
        maxAttempts: Int = 3, initialDelay: Duration = .seconds(1), multiplier: Int = 2,
        maxDelay: Duration = .seconds(30)
    ) {
        self.maxAttempts = maxAttempts
        self.initialDelay = initialDelay
        self.multiplier = multiplier
        self.maxDelay = maxDelay
    }

    /// The wait after failed attempt `attempt` (1-based).
    /// - Parameters:
    ///   - attempt: the number of the attempt that failed, from 1.
    ///   - retryAfter: the server's `Retry-After`, if it sent one.
    /// - Returns: the wait, at most ``maxDelay``.
    public func delay(afterAttempt attempt: Int, retryAfter: Duration? = nil) -> Duration {
        if let retryAfter, retryAfter >= .zero { return min(retryAfter, maxDelay) }
        var delay = initialDelay
        for _ in 1..<max(1, attempt) {
            delay = delay * max(1, multiplier)
            if delay >= maxDelay { break }
        }
        return min(delay, maxDelay)
    }
}

/// Settings of a ``WebhookNotifier``.
public struct WebhookConfiguration: Sendable {
    /// The `http://` or `https://` endpoint. Its path and query may hold a token (chat webhooks
    /// do), so logs and errors show only scheme, host and port.
    public var url: URL
    /// The signing secret. When set, every request carries
    /// `X-QEIR-Signature: sha256=<hex HMAC-SHA256 of the exact body bytes>`.
    public var secret: NotifierSecret?
    /// Extra request headers (for example an authorization token); never logged. They cannot
    /// replace `Content-Type`, `User-Agent` or the `X-QEIR-*` headers.
    public var headers: [String: String]
    /// The limit on one attempt (default 10 s); enforced exactly, not in whole seconds.
    public var timeout: Duration
    /// Retries and backoff.
    public var retry: WebhookRetryPolicy

    /// Creates a configuration.
    /// - Parameters:
    ///   - url: the endpoint.
    ///   - secret: the signing secret.
    ///   - headers: extra request headers.
    ///   - timeout: the limit on one attempt.
    ///   - retry: retries and backoff.
    public init(
        url: URL, secret: NotifierSecret? = nil, headers: [String: String] = [:], timeout: Duration = .seconds(10),
        retry: WebhookRetryPolicy = WebhookRetryPolicy()
    ) {
        self.url = url
        self.secret = secret
        self.headers = headers
        self.timeout = timeout
        self.retry = retry
    }
}

/// A ``Notifier`` that POSTs each notification as JSON to an HTTP endpoint, optionally signed.
///
/// The body is one JSON object with sorted keys:
///
/// ```json
/// {"batch_id":"b-42","fields":{"failed":"2"},"message":"…","severity":"error",
///  "source":"qeir.batch","subject":"…","timestamp":"2026-05-05T12:00:00.000Z"}
/// ```
///
/// `batch_id` is `null` when absent; `fields` holds the notification's extra values. Headers:
/// `Content-Type: application/json`, `X-QEIR-Timestamp` (Unix seconds when the attempt was
/// sent), `X-QEIR-Delivery` (a UUID shared by all attempts of one notification, for
/// de-duplication), `X-QEIR-Attempt`, and with a secret `X-QEIR-Signature: sha256=<hex>`, the
/// HMAC-SHA256 of the exact body bytes under the secret. A receiver recomputes the HMAC over
/// the raw body it read and compares in constant time.
///
/// Any status other than 2xx is a failure; see ``WebhookRetryPolicy`` for what is retried.
/// Backoff waits use the injected clock; the per-attempt timeout always runs on the real
/// (continuous) clock, since it bounds real network I/O.
public struct WebhookNotifier: Notifier {
    /// The name given at creation.
    public let name: String
    /// The validated configuration.
    public let configuration: WebhookConfiguration
    private let poster = WebhookPoster()
    private let sleep: @Sendable (Duration) async throws -> Void
    private let logger: Logger
    private let origin: String

    /// Creates a notifier after checking the configuration.
    /// - Parameters:
    ///   - name: the name in logs and reports (default `webhook`).
    ///   - configuration: the endpoint, secret, timeout and retries.
    ///   - clock: the clock backoff waits on (tests pass a fast or recording clock).
    ///   - logger: where failed attempts are logged (never with the secret, the URL path or
    ///     the extra headers).
    /// - Throws: ``NotifyError/Code/invalidConfiguration`` when the URL is not http(s) with a
    ///   host, the timeout is not positive, or the retry policy allows no attempt.
    public init(
        name: String = "webhook", configuration: WebhookConfiguration, clock: some Clock<Duration> = ContinuousClock(),
        logger: Logger = Logger(label: "qeir.notify.webhook")
    ) throws(NotifyError) {
        let origin = SMTPNotifier.redactedOrigin(configuration.url)
        func invalid(_ message: String) -> NotifyError {
            NotifyError(
                .invalidConfiguration, "Webhook notifier \(name): \(message)",
                context: ["notifier": name, "url": origin])
        }
        guard let scheme = configuration.url.scheme?.lowercased(), scheme == "http" || scheme == "https",
            let host = configuration.url.host, !host.isEmpty
        else {
            throw invalid("the URL \(origin) is not an http:// or https:// URL with a host; fix it.")
        }
        guard configuration.timeout > .zero else {
            throw invalid("the timeout \(configuration.timeout) is not positive; use a few seconds.")
        }
        guard configuration.retry.maxAttempts >= 1 else {
            throw invalid("retry.maxAttempts is \(configuration.retry.maxAttempts); it must be at least 1.")
        }
        self.name = name
        self.configuration = configuration
        self.logger = logger
        self.origin = origin
        self.sleep = { duration in
            if duration > .zero { try await clock.sleep(for: duration, tolerance: nil) }
        }
    }

    /// The request body for `n`: JSON with sorted keys, as documented on the type.
    /// - Parameter n: the notification.
    /// - Returns: the UTF-8 JSON bytes.
    public static func body(for n: NotifyMessage) -> Data {
        let payload = Payload(
            subject: n.subject, message: n.message, severity: n.severity.rawValue,
            timestamp: ConsoleNotifier.timestamp(n.timestamp), source: n.source, batchID: n.batchID, fields: n.fields)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding strings and a string dictionary cannot fail.
        return (try? encoder.encode(payload)) ?? Data("{}".utf8)
    }

    /// `sha256=` followed by the lower-case hex HMAC-SHA256 of `body` under `secret`.
    /// - Parameters:
    ///   - body: the exact request body bytes.
    ///   - secret: the signing secret.
    /// - Returns: the `X-QEIR-Signature` header value.
    public static func signature(of body: Data, secret: NotifierSecret) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Data(secret.value.utf8)))
        return "sha256=" + mac.map { String(format: "%02x", $0) }.joined()
    }

    /// POSTs the notification, retrying as the policy says.
    /// - Parameter n: the notification.
    /// - Throws: ``NotifyError`` naming the endpoint's origin and the number of attempts:
    ///   ``NotifyError/Code/httpStatus`` (non-2xx), ``NotifyError/Code/timedOut``,
    ///   ``NotifyError/Code/connectionFailed``, ``NotifyError/Code/deliveryFailed`` or
    ///   ``NotifyError/Code/cancelled``.
    public func send(_ n: NotifyMessage) async throws(NotifyError) {
        let body = Self.body(for: n)
        // The notifier's own headers win over configured ones, whatever their case.
        let reserved: Set = [
            "content-type", "user-agent", "x-qeir-delivery", "x-qeir-signature", "x-qeir-attempt",
            "x-qeir-timestamp",
        ]
        var headers = configuration.headers.filter { !reserved.contains($0.key.lowercased()) }
        headers["Content-Type"] = "application/json"
        headers["User-Agent"] = "QEIR-Notify"
        headers["X-QEIR-Delivery"] = UUID().uuidString.lowercased()
        if let secret = configuration.secret { headers["X-QEIR-Signature"] = Self.signature(of: body, secret: secret) }
        let policy = configuration.retry
        var attempt = 0
        while true {
            attempt += 1
            if Task.isCancelled { throw cancelled(attempt: attempt - 1) }
            headers["X-QEIR-Attempt"] = String(attempt)
            headers["X-QEIR-Timestamp"] = String(Int(Date().timeIntervalSince1970))
            let failure: AttemptFailure
            do {
                let response = try await poster.post(
                    url: configuration.url, headers: headers, body: body, timeout: configuration.timeout)
                if (200..<300).contains(response.status) {
                    if attempt > 1 {
                        logger.info(
                            "Webhook delivered after \(attempt) attempts",
                            metadata: ["notifier": "\(name)", "url": "\(origin)"])
                    }
                    return
                }
                failure = AttemptFailure(response: response)
            } catch .cancelled {
                throw cancelled(attempt: attempt)
            } catch {
                failure = AttemptFailure(error)
            }
            guard failure.retryable, attempt < policy.maxAttempts else {
                throw finalError(failure, attempts: attempt).scrubbing(secrets)
            }
            let delay = policy.delay(afterAttempt: attempt, retryAfter: failure.retryAfter)
            let summary = NotifierSecret.scrub(failure.summary, secrets)
            logger.notice(
                "Webhook attempt \(attempt) of \(policy.maxAttempts) failed (\(summary)); retrying in \(delay)",
                metadata: ["notifier": "\(name)", "url": "\(origin)"])
            do {
                try await sleep(delay)
            } catch {
                throw cancelled(attempt: attempt)
            }
        }
    }

    /// What must never appear in logs or errors: the signing secret and the extra header values
    /// (a receiver might echo them in an error body).
    private var secrets: [NotifierSecret?] {
        [configuration.secret] + configuration.headers.values.map { NotifierSecret($0) }
    }

    private func cancelled(attempt: Int) -> NotifyError {
        NotifyError(
            .cancelled, "Webhook notifier \(name): delivery to \(origin) was cancelled after \(attempt) attempt(s).",
            context: ["notifier": name, "url": origin, "attempts": String(attempt)])
    }

    private func finalError(_ failure: AttemptFailure, attempts: Int) -> NotifyError {
        let tries = attempts == 1 ? "1 attempt" : "\(attempts) attempts"
        var context = ["notifier": name, "url": origin, "attempts": String(attempts)]
        let advice: String
        switch failure.code {
        case .httpStatus:
            context["status"] = String(failure.status ?? 0)
            advice =
                failure.retryable
                ? "the endpoint kept failing; check the receiver's logs"
                : "the receiver refused the request; check the URL, the secret and the receiver's logs"
        case .timedOut:
            advice = "the receiver did not answer within \(configuration.timeout); check it or raise the timeout"
        case .connectionFailed:
            advice = "check that the receiver is running and the host and port are right"
        default:
            advice = "check the network and the receiver"
        }
        return NotifyError(
            failure.code,
            "Webhook notifier \(name) gave up on \(origin) after \(tries): \(failure.summary); \(advice).",
            context: context)
    }

    /// The JSON body's shape; `batch_id` is written as `null` when absent.
    private struct Payload: Encodable {
        var subject: String
        var message: String
        var severity: String
        var timestamp: String
        var source: String
        var batchID: String?
        var fields: [String: String]

        enum CodingKeys: String, CodingKey {
            case subject, message, severity, timestamp, source, fields
            case batchID = "batch_id"
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(subject, forKey: .subject)
            try container.encode(message, forKey: .message)
            try container.encode(severity, forKey: .severity)
            try container.encode(timestamp, forKey: .timestamp)
            try container.encode(source, forKey: .source)
            try container.encode(batchID, forKey: .batchID)
            try container.encode(fields, forKey: .fields)
        }
    }

    /// One failed attempt, classified.
    private struct AttemptFailure {
        var code: NotifyError.Code
        var summary: String
        var retryable: Bool
        var status: Int?
        var retryAfter: Duration?

        init(response: WebhookPoster.Response) {
            let status = response.status
            code = .httpStatus
            self.status = status
            retryable = status == 408 || status == 429 || (500..<600).contains(status)
            let snippet = String(decoding: response.body.prefix(200), as: UTF8.self)
                .replacingOccurrences(of: "\r", with: " ").replacingOccurrences(of: "\n", with: " ")
            summary = "HTTP \(status)" + (snippet.isEmpty ? "" : " \"\(snippet)\"")
            if status == 429 || status == 503, let value = response.headers["retry-after"],
                let seconds = Int(value.trimmingCharacters(in: .whitespaces)), seconds >= 0
            {
                retryAfter = .seconds(seconds)
            }
        }

        init(_ failure: WebhookPoster.Failure) {
            retryable = true
            switch failure {
            case .timedOut:
                code = .timedOut
                summary = "timed out"
            case .connection(let code):
                self.code = .connectionFailed
                summary = "could not connect (URLError \(code))"
            case .network(let code):
                self.code = .deliveryFailed
                summary = "network error (URLError \(code))"
            case .cancelled:
                code = .cancelled
                summary = "cancelled"
                retryable = false
            }
        }
    }
}
