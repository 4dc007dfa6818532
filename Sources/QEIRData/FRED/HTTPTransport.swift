public import Foundation

/// An HTTP GET request as the FRED client hands it to an ``HTTPTransport``.
///
/// The URL carries the API key in its query, so a transport must never print, log or put it in
/// an error.
public struct HTTPRequest: Sendable, Hashable {
    /// The full request URL, including the query (and therefore the API key).
    public var url: URL
    /// Request headers.
    public var headers: [String: String]
    /// How long to wait for the whole response before failing with
    /// ``DataError/Code/fredTimeout``.
    public var timeout: Duration

    /// Creates a request.
    /// - Parameters:
    ///   - url: the full URL.
    ///   - headers: request headers.
    ///   - timeout: the request timeout.
    public init(url: URL, headers: [String: String] = [:], timeout: Duration) {
        self.url = url
        self.headers = headers
        self.timeout = timeout
    }
}

/// An HTTP response: status, headers (names lower-cased) and body.
public struct HTTPResponse: Sendable, Hashable {
    /// The HTTP status code.
    public var status: Int
    /// Response headers with lower-cased names.
    public var headers: [String: String]
    /// The response body.
    public var body: Data

    /// Creates a response; header names are lower-cased.
    /// - Parameters:
    ///   - status: the status code.
    ///   - headers: the headers.
    ///   - body: the body bytes.
    public init(status: Int, headers: [String: String] = [:], body: Data = Data()) {
        self.status = status
        self.headers = Dictionary(headers.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { a, _ in a })
        self.body = body
    }

    /// The value of header `name` (case-insensitive).
    /// - Parameter name: the header name.
    /// - Returns: the value, or `nil` when absent.
    public func header(_ name: String) -> String? { headers[name.lowercased()] }
}

/// Sends HTTP requests. ``URLSessionTransport`` is the production implementation; tests may
/// substitute another.
///
/// Implementations throw ``DataError`` with code ``DataError/Code/fredTimeout`` when the request
/// timed out and ``DataError/Code/fredNetwork`` for other transport failures, and must never
/// include the request URL (which carries the API key) in an error, log line or description.
/// Non-2xx statuses are returned, not thrown.
public protocol HTTPTransport: Sendable {
    /// Sends `request` and returns the response, whatever its status.
    /// - Parameter request: the request.
    /// - Returns: the response.
    /// - Throws: ``DataError`` for timeouts and network failures.
    func send(_ request: HTTPRequest) async throws -> HTTPResponse

    /// A stored answer to `request`, if the transport keeps one (a cache); `nil` otherwise.
    /// The client asks this first and skips rate limiting and retries for a stored answer.
    func storedResponse(for request: HTTPRequest) async throws -> HTTPResponse?
}

extension HTTPTransport {
    /// Transports without a store have no stored answers.
    public func storedResponse(for request: HTTPRequest) async throws -> HTTPResponse? { nil }
}
