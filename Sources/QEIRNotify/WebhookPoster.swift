import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// POSTs a body with `URLSession` (libcurl on Linux) under a per-attempt timeout.
///
/// Linux `URLSession` truncates `timeoutInterval` to whole seconds (0.3 s times out at once,
/// 1.5 s after 1 s), so the timeout is enforced by racing the request against a sleep on the
/// continuous clock in a task group; URLSession's own timeout is only a backstop one second
/// later. `URLError`s are reduced to their code, because their descriptions print the URL.
struct WebhookPoster: Sendable {
    /// An HTTP answer.
    struct Response: Sendable {
        /// The status code.
        var status: Int
        /// Headers, names lower-cased.
        var headers: [String: String]
        /// The body.
        var body: Data
    }

    /// Why no answer arrived.
    enum Failure: Error, Sendable {
        /// The per-attempt timeout passed first.
        case timedOut
        /// The calling task was cancelled.
        case cancelled
        /// The connection was refused or the host could not be found (`URLError` code).
        case connection(code: Int)
        /// Any other transport failure (`URLError` code, or -1 when it was not a `URLError`).
        case network(code: Int)
    }

    private let session: URLSession

    /// Creates a poster with an ephemeral session (no cookies, no cache).
    init() {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.urlCache = nil
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        configuration.httpCookieStorage = nil
        self.session = URLSession(configuration: configuration)
    }

    /// Sends `body` to `url` with `headers`; any status is returned, not thrown.
    func post(url: URL, headers: [String: String], body: Data, timeout: Duration) async throws(Failure) -> Response {
        var request = URLRequest(url: url)
        request.httpMethod = "POST"
        request.httpBody = body
        let seconds = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) * 1e-18
        request.timeoutInterval = (seconds + 1).rounded(.up)
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let prepared = request
        let data: Data
        let response: URLResponse
        do {
            (data, response) = try await Self.withTimeout(timeout) { [session] in
                try await session.data(for: prepared)
            }
        } catch is TimeoutReached {
            throw .timedOut
        } catch is CancellationError {
            throw .cancelled
        } catch let error as URLError {
            switch error.code {
            case .timedOut: throw .timedOut
            case .cancelled: throw Task.isCancelled ? .cancelled : .network(code: error.code.rawValue)
            case .cannotConnectToHost, .cannotFindHost, .dnsLookupFailed, .networkConnectionLost,
                .notConnectedToInternet:
                throw .connection(code: error.code.rawValue)
            default: throw .network(code: error.code.rawValue)
            }
        } catch {
            throw .network(code: -1)
        }
        guard let http = response as? HTTPURLResponse else { throw .network(code: -1) }
        var names: [String: String] = [:]
        for (key, value) in http.allHeaderFields {
            if let key = key as? String, let value = value as? String { names[key.lowercased()] = value }
        }
        return Response(status: http.statusCode, headers: names, body: data)
    }

    private struct TimeoutReached: Error {}

    /// Runs `operation`, throwing ``TimeoutReached`` if it has not finished after `timeout`
    /// (continuous clock); the loser of the race is cancelled.
    private static func withTimeout<T: Sendable>(
        _ timeout: Duration, _ operation: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await operation() }
            group.addTask {
                try await Task.sleep(for: timeout)
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let value = first else { throw TimeoutReached() }
            return value
        }
    }
}
