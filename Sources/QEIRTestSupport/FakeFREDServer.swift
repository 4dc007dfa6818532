import FlyingFox
import FlyingSocks
public import Foundation

/// A local stand-in for the FRED API, listening on 127.0.0.1 on an ephemeral port.
///
/// It serves FRED-shaped JSON (`file_type=json`) for a few canned series, honours
/// `limit`/`offset` paging, rejects real-time periods spanning more than 2000 vintages as FRED
/// does, plays injected faults per path in order, and records every request it receives.
///
/// Canned series: `GNPCA` (10 annual values, one missing `"."`), `PAGED` (23 monthly values),
/// `BIGV` (2500 daily vintages from 2000-01-01; output types 2 and 3 give one
/// `BIGV_YYYYMMDD` column per vintage in the real-time period).
public actor FakeFREDServer {
    /// A request as the server received it.
    public struct RecordedRequest: Sendable {
        /// The path without the leading slash, e.g. `fred/series/observations`.
        public var path: String
        /// The query parameters (decoded), including `api_key`.
        public var query: [String: String]
        /// When it arrived.
        public var received: ContinuousClock.Instant
    }

    /// A fault played once, instead of (or before) the normal answer.
    public enum Fault: Sendable {
        /// HTTP 429 with an optional `Retry-After` in seconds.
        case rateLimited(retryAfter: Int?)
        /// HTTP 500 with an HTML body.
        case serverErrorHTML
        /// HTTP 503 with an XML body.
        case serverErrorXML
        /// The normal answer, after a delay.
        case slow(Duration)
        /// HTTP 200 with the normal JSON cut in half.
        case truncatedJSON
        /// HTTP 400 "Bad Request.  The series does not exist."
        case seriesDoesNotExist
        /// HTTP 400 with FRED's "api_key is not registered" message.
        case apiKeyNotRegistered
        /// HTTP 400: the real-time period has more than 2000 vintage dates.
        case tooManyVintageDates
        /// HTTP 400: the series does not exist in ALFRED.
        case notInALFRED
    }

    /// The key the server accepts; any other key gets FRED's "not registered" answer.
    public let acceptedKey: String
    private var faults: [String: [Fault]] = [:]
    private var recorded: [RecordedRequest] = []
    private var server: HTTPServer?
    private var runTask: Task<Void, any Error>?

    /// Creates a stopped server.
    /// - Parameter acceptedKey: the API key to accept.
    public init(acceptedKey: String) {
        self.acceptedKey = acceptedKey
    }

    /// Starts listening and returns the base URL (`http://127.0.0.1:<port>/`).
    public func start() async throws -> URL {
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
        return URL(string: "http://127.0.0.1:\(port)/")!
    }

    /// Stops the server.
    public func stop() async {
        await server?.stop()
        runTask?.cancel()
    }

    /// Queues faults for requests to `path` (e.g. `fred/series/observations`), played in order.
    /// - Parameters:
    ///   - faults: the faults.
    ///   - path: the path without leading slash.
    public func inject(_ faults: [Fault], path: String) {
        self.faults[path, default: []] += faults
    }

    /// Every request received so far, in arrival order.
    public var requests: [RecordedRequest] { recorded }

    private struct Handler: HTTPHandler {
        let owner: FakeFREDServer
        func handleRequest(_ request: FlyingFox.HTTPRequest) async throws -> FlyingFox.HTTPResponse {
            var query: [String: String] = [:]
            for item in request.query { query[item.name] = item.value.removingPercentEncoding ?? item.value }
            var path = request.path
            while path.hasPrefix("/") { path.removeFirst() }
            let (fault, answer) = await owner.handle(path: path, query: query)
            switch fault {
            case .rateLimited(let retryAfter)?:
                var headers: HTTPHeaders = [.contentType: "application/json"]
                if let retryAfter { headers[HTTPHeader("Retry-After")] = String(retryAfter) }
                return HTTPResponse(
                    statusCode: HTTPStatusCode(429, phrase: "Too Many Requests"), headers: headers,
                    body: Data(#"{"error_code":429,"error_message":"Too Many Requests.  Exceeded Rate Limit"}"#.utf8))
            case .serverErrorHTML?:
                return HTTPResponse(
                    statusCode: .internalServerError, headers: [.contentType: "text/html"],
                    body: Data("<!DOCTYPE html><html><body><h1>500 Internal Server Error</h1></body></html>".utf8))
            case .serverErrorXML?:
                return HTTPResponse(
                    statusCode: HTTPStatusCode(503, phrase: "Service Unavailable"),
                    headers: [.contentType: "text/xml"],
                    body: Data(#"<?xml version="1.0" encoding="utf-8"?><error code="503" message="Down"/>"#.utf8))
            case .slow(let delay)?:
                try await Task.sleep(for: delay)
            case .truncatedJSON?:
                return HTTPResponse(
                    statusCode: .ok, headers: [.contentType: "application/json"],
                    body: answer.body.prefix(answer.body.count / 2))
            case .seriesDoesNotExist?:
                return Self.error(400, "Bad Request.  The series does not exist.")
            case .apiKeyNotRegistered?:
                return Self.notRegistered()
            case .tooManyVintageDates?:
                return Self.error(
                    400, "Bad Request.  The number of vintage dates (2500) exceeds the maximum of 2000.")
            case .notInALFRED?:
                return Self.error(
                    400,
                    "Bad Request.  The series does not exist in ALFRED but may exist in FRED by omitting "
                        + "realtime_start and realtime_end or setting them to today's date.")
            case nil:
                break
            }
            return HTTPResponse(
                statusCode: HTTPStatusCode(answer.status, phrase: answer.status == 200 ? "OK" : "Bad Request"),
                headers: [.contentType: "application/json"], body: answer.body)
        }

        static func error(_ status: Int, _ message: String) -> HTTPResponse {
            let body = try? JSONSerialization.data(withJSONObject: ["error_code": status, "error_message": message])
            return HTTPResponse(
                statusCode: HTTPStatusCode(status, phrase: "Bad Request"), headers: [.contentType: "application/json"],
                body: body ?? Data())
        }

        static func notRegistered() -> HTTPResponse {
            error(
                400,
                "Bad Request.  The value for variable api_key is not registered.  Read "
                    + "https://fred.stlouisfed.org/docs/api/api_key.html for more information.")
        }
    }

    private func handle(path: String, query: [String: String]) -> (Fault?, (status: Int, body: Data)) {
        recorded.append(RecordedRequest(path: path, query: query, received: .now))
        var fault: Fault?
        if var queue = faults[path], !queue.isEmpty {
            fault = queue.removeFirst()
            faults[path] = queue
        }
        return (fault, Self.answer(path: path, query: query, acceptedKey: acceptedKey))
    }

    // MARK: Canned data

    static let vintageCount = 2500

    static func day(_ offset: Int, from start: String = "2000-01-01") -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withFullDate]
        formatter.timeZone = TimeZone(identifier: "UTC")
        let base = formatter.date(from: start)!
        return formatter.string(from: base.addingTimeInterval(Double(offset) * 86_400))
    }

    static let bigVintages: [String] = (0..<vintageCount).map { day($0) }

    static func cannedValues(_ id: String) -> [(String, String)]? {
        switch id {
        case "GNPCA":
            return (0..<10).map { i in
                ("\(2010 + i)-01-01", i == 3 ? "." : String(format: "%.3f", 15000.5 + Double(i) * 250))
            }
        case "PAGED":
            return (0..<23).map { i in
                let y = 2020 + i / 12
                let m = i % 12 + 1
                return ("\(y)-\(m < 10 ? "0" : "")\(m)-01", String(Double(i) + 0.5))
            }
        case "BIGV":
            return [("2000-01-01", "1.0"), ("2000-02-01", "2.0"), ("2000-03-01", "3.0")]
        default:
            return nil
        }
    }

    static func json(_ object: [String: Any]) -> Data {
        (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
    }

    static func failure(_ message: String) -> (Int, Data) {
        (400, json(["error_code": 400, "error_message": message]))
    }

    static func answer(path: String, query: [String: String], acceptedKey: String) -> (status: Int, body: Data) {
        guard let key = query["api_key"], !key.isEmpty else {
            return failure("Bad Request.  Variable api_key has not been set.")
        }
        guard key == acceptedKey else {
            return failure(
                "Bad Request.  The value for variable api_key is not registered.  Read "
                    + "https://fred.stlouisfed.org/docs/api/api_key.html for more information.")
        }
        let rtStart = query["realtime_start"] ?? "2026-01-01"
        let rtEnd = query["realtime_end"] ?? "2026-01-01"
        let limit = Int(query["limit"] ?? "") ?? 100_000
        let offset = Int(query["offset"] ?? "") ?? 0
        if path == "fred/series/search" {
            let hits = [series("GNPCA")]
            return (
                200,
                json([
                    "realtime_start": rtStart, "realtime_end": rtEnd, "order_by": "search_rank",
                    "sort_order": "desc", "count": hits.count, "offset": offset, "limit": limit, "seriess": hits,
                ])
            )
        }
        let id = query["series_id"] ?? ""
        guard let values = cannedValues(id) else { return failure("Bad Request.  The series does not exist.") }
        switch path {
        case "fred/series":
            return (200, json(["realtime_start": rtStart, "realtime_end": rtEnd, "seriess": [series(id)]]))
        case "fred/series/release":
            return (
                200,
                json([
                    "realtime_start": rtStart, "realtime_end": rtEnd,
                    "releases": [
                        [
                            "id": 53, "realtime_start": rtStart, "realtime_end": rtEnd,
                            "name": "Gross Domestic Product",
                            "press_release": true, "link": "https://www.bea.gov/data/gdp/gross-domestic-product",
                        ]
                    ],
                ])
            )
        case "fred/series/vintagedates":
            let all =
                id == "BIGV"
                ? bigVintages.filter {
                    $0 >= (query["realtime_start"] ?? "1776-07-04") && $0 <= (query["realtime_end"] ?? "9999-12-31")
                } : ["2026-01-01"]
            let page = Array(all.dropFirst(offset).prefix(limit))
            return (
                200,
                json([
                    "realtime_start": rtStart, "realtime_end": rtEnd, "order_by": "vintage_date",
                    "sort_order": "asc", "count": all.count, "offset": offset, "limit": limit, "vintage_dates": page,
                ])
            )
        case "fred/series/observations":
            let outputType = Int(query["output_type"] ?? "1") ?? 1
            var rows: [[String: String]]
            if id == "BIGV" && (outputType == 2 || outputType == 3) {
                let listed = query["vintage_dates"].map { Set($0.split(separator: ",").map(String.init)) }
                let vintages = bigVintages.filter { listed?.contains($0) ?? ($0 >= rtStart && $0 <= rtEnd) }
                if vintages.count > 2000 {
                    return failure(
                        "Bad Request.  The number of vintage dates (\(vintages.count)) in the real-time period exceeds "
                            + "the maximum of 2000.")
                }
                rows = values.map { date, value in
                    var row = ["date": date]
                    for v in vintages { row["BIGV_" + v.replacingOccurrences(of: "-", with: "")] = value }
                    return row
                }
            } else {
                rows = values.map { ["realtime_start": rtStart, "realtime_end": rtEnd, "date": $0.0, "value": $0.1] }
            }
            let page = Array(rows.dropFirst(offset).prefix(limit))
            return (
                200,
                json([
                    "realtime_start": rtStart, "realtime_end": rtEnd,
                    "observation_start": query["observation_start"] ?? "1600-01-01",
                    "observation_end": query["observation_end"] ?? "9999-12-31",
                    "units": query["units"] ?? "lin", "output_type": outputType, "file_type": "json",
                    "order_by": "observation_date", "sort_order": "asc", "count": rows.count, "offset": offset,
                    "limit": limit, "observations": page,
                ])
            )
        default:
            return (404, json(["error_code": 404, "error_message": "Not Found"]))
        }
    }

    static func series(_ id: String) -> [String: Any] {
        [
            "id": id, "realtime_start": "2026-01-01", "realtime_end": "2026-01-01",
            "title": "Real Gross National Product",
            "observation_start": "1929-01-01", "observation_end": "2025-01-01", "frequency": "Annual",
            "frequency_short": "A", "units": "Billions of Chained 2017 Dollars", "units_short": "Bil. of Chn. 2017 $",
            "seasonal_adjustment": "Not Seasonally Adjusted", "seasonal_adjustment_short": "NSA",
            "last_updated": "2025-09-25 07:52:02-05", "popularity": 13, "notes": "BEA Account Code: A001RX",
        ]
    }
}
