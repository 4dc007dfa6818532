import FlyingFox
import FlyingSocks
public import Foundation

/// A webhook endpoint on 127.0.0.1 for tests: records every request it receives and answers
/// with scripted replies (200 once the script is used up).
public actor WebhookReceiver {
    /// A request as the receiver got it.
    public struct Request: Sendable {
        /// The method, such as `POST`.
        public let method: String
        /// The path, such as `/hooks/qeir`.
        public let path: String
        /// Headers, names lower-cased.
        public let headers: [String: String]
        /// The exact body bytes.
        public let body: Data
        /// When it arrived.
        public let received: ContinuousClock.Instant

        /// The value of header `name` (case-insensitive).
        /// - Parameter name: the header name.
        /// - Returns: its value, or `nil`.
        public func header(_ name: String) -> String? { headers[name.lowercased()] }
    }

    /// One scripted reply.
    public enum Reply: Sendable {
        /// Answer with this status (and a short text body).
        case status(Int)
        /// Wait, then answer with the status.
        case delayed(Duration, status: Int)
        /// Answer with the status and a `Retry-After: <seconds>` header.
        case retryAfter(status: Int, seconds: Int)
        /// Answer with the status and this text as the body.
        case body(status: Int, text: String)
    }

    private var script: [Reply] = []
    private var recorded: [Request] = []
    private var server: HTTPServer?
    private var runTask: Task<Void, any Error>?

    /// Creates a stopped receiver.
    public init() {}

    /// Starts listening and returns the endpoint URL (`http://127.0.0.1:<port><path>`).
    /// - Parameter path: the path to put in the URL (any path is accepted).
    /// - Returns: the URL.
    public func start(path: String = "/hooks/qeir") async throws -> URL {
        let address = try sockaddr_in.inet(ip4: "127.0.0.1", port: 0)
        let server = HTTPServer(address: address, timeout: 30, logger: .disabled, handler: Handler(owner: self))
        self.server = server
        runTask = Task { try await server.run() }
        // FlyingFox waits 5 s by default; a test process whose two cores are busy with estimation
        // may not schedule the listening task that soon (seen in full runs).
        try await server.waitUntilListening(timeout: 60)
        guard case .ip4(_, let port) = await server.listeningAddress else {
            throw URLError(.cannotConnectToHost)
        }
        return URL(string: "http://127.0.0.1:\(port)\(path)")!
    }

    /// Stops listening.
    public func stop() async {
        await server?.stop()
        runTask?.cancel()
    }

    /// Queues replies, played one per request in order.
    /// - Parameter replies: the replies.
    public func enqueue(_ replies: [Reply]) {
        script += replies
    }

    /// Every request received so far, in arrival order.
    public var requests: [Request] { recorded }

    private func next(_ request: Request) -> Reply {
        recorded.append(request)
        return script.isEmpty ? .status(200) : script.removeFirst()
    }

    private struct Handler: HTTPHandler {
        let owner: WebhookReceiver

        func handleRequest(_ request: FlyingFox.HTTPRequest) async throws -> FlyingFox.HTTPResponse {
            var received: [String: String] = [:]
            for (name, value) in request.headers { received[name.rawValue.lowercased()] = value }
            let body = try await request.bodyData
            let reply = await owner.next(
                Request(
                    method: request.method.rawValue, path: request.path, headers: received, body: body,
                    received: .now))
            let status: Int
            var text: String?
            var headers: HTTPHeaders = [.contentType: "text/plain"]
            switch reply {
            case .status(let code):
                status = code
            case .delayed(let delay, let code):
                try await Task.sleep(for: delay)
                status = code
            case .retryAfter(let code, let seconds):
                status = code
                headers[HTTPHeader("Retry-After")] = String(seconds)
            case .body(let code, let body):
                status = code
                text = body
            }
            return HTTPResponse(
                statusCode: HTTPStatusCode(status, phrase: status < 300 ? "OK" : "Error"), headers: headers,
                body: Data((text ?? "status \(status)").utf8))
        }
    }
}
