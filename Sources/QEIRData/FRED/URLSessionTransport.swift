import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// An ``HTTPTransport`` on `URLSession` (libcurl on Linux).
///
/// Linux `URLSession` errors print the full URL, API key included, so this transport never
/// passes one on: it maps them to ``DataError`` values carrying only the `URLError` code.
public struct URLSessionTransport: HTTPTransport {
    private let session: URLSession

    /// Creates a transport with an ephemeral session (no cookies, no URL cache).
    public init() {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.urlCache = nil
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        self.session = URLSession(configuration: configuration)
    }

    /// Sends `request`, failing after `request.timeout`.
    /// - Parameter request: the request.
    /// - Returns: the response, whatever its status.
    /// - Throws: ``DataError/Code/fredTimeout`` or ``DataError/Code/fredNetwork`` (never with
    ///   the URL in the message).
    public func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        var urlRequest = URLRequest(url: request.url)
        urlRequest.httpMethod = "GET"
        let seconds =
            Double(request.timeout.components.seconds) + Double(request.timeout.components.attoseconds) * 1e-18
        // Linux URLSession truncates timeoutInterval to whole seconds (0.3 s times out at once,
        // 1.5 s after 1 s), so the timeout is enforced below with a real clock; URLSession's own
        // is only a backstop one second later.
        urlRequest.timeoutInterval = (seconds + 1).rounded(.up)
        for (name, value) in request.headers { urlRequest.setValue(value, forHTTPHeaderField: name) }
        let data: Data
        let response: URLResponse
        do {
            let prepared = urlRequest
            (data, response) = try await Self.withTimeout(request.timeout) { [session] in
                try await session.data(for: prepared)
            }
        } catch let error as URLError {
            if error.code == .timedOut {
                throw DataError(
                    .fredTimeout,
                    "The FRED request timed out after \(request.timeout); retry later or raise the timeout "
                        + "in FREDConfiguration.",
                    context: ["timeout": "\(request.timeout)"])
            }
            throw DataError(
                .fredNetwork,
                "The FRED request failed with network error \(error.code.rawValue); check the connection "
                    + "and the base URL, then retry.",
                context: ["urlErrorCode": String(error.code.rawValue)])
        } catch is TimeoutReached {
            throw DataError(
                .fredTimeout,
                "The FRED request timed out after \(request.timeout); retry later or raise the timeout "
                    + "in FREDConfiguration.",
                context: ["timeout": "\(request.timeout)"])
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw DataError(
                .fredNetwork,
                "The FRED request failed with a network error; check the connection and the base URL, then retry.")
        }
        guard let http = response as? HTTPURLResponse else {
            throw DataError(.fredNetwork, "The FRED server did not send an HTTP response; check the base URL.")
        }
        var headers: [String: String] = [:]
        for (key, value) in http.allHeaderFields {
            if let key = key as? String, let value = value as? String { headers[key.lowercased()] = value }
        }
        return HTTPResponse(status: http.statusCode, headers: headers, body: data)
    }
}

extension URLSessionTransport {
    struct TimeoutReached: Error {}

    /// Runs `operation`, throwing ``TimeoutReached`` if it has not finished after `timeout`
    /// (measured on the continuous clock); the operation is cancelled either way.
    static func withTimeout<T: Sendable>(
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
