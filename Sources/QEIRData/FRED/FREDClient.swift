import Foundation
public import Logging

/// A client of the FRED/ALFRED web API (`https://api.stlouisfed.org/`), always asking for
/// `file_type=json`.
///
/// Every request goes through one shared rate limiter (``FREDRateLimit``) and is retried on
/// 429, 5xx, timeouts and network failures (``FREDRetryPolicy``). The API key never appears in
/// a log line, error or description: logs name the endpoint and series only.
public struct FREDClient: Sendable {
    /// The configuration.
    public let configuration: FREDConfiguration
    private let transport: any HTTPTransport
    private let logger: Logger
    private let clock: ClockBox
    private let limiter: RateLimiter

    /// FRED's limit on vintage dates in one observations request.
    public static let maxVintageDatesPerRequest = 2000
    /// Vintage dates sent per request when an explicit `vintage_dates` list is split: 500 keeps
    /// the URL near 5.5 KB (2000 dates would make a 22 KB URL, more than many servers accept).
    public static let vintageDatesPerListRequest = 500

    /// Creates a client.
    /// - Parameters:
    ///   - configuration: key, base URL, timeout, retry and limits.
    ///   - transport: the HTTP implementation (default ``URLSessionTransport``).
    ///   - clock: the clock used for rate limiting and backoff.
    ///   - logger: where request events are logged (without the key).
    public init(
        configuration: FREDConfiguration, transport: any HTTPTransport = URLSessionTransport(),
        clock: some Clock<Duration> = ContinuousClock(), logger: Logger
    ) {
        self.configuration = configuration
        self.transport = transport
        self.logger = logger
        let box = ClockBox(clock)
        self.clock = box
        self.limiter = RateLimiter(limit: configuration.rateLimit, clock: box)
    }

    // MARK: Endpoints

    /// Metadata of one series (`fred/series`).
    /// - Parameter id: the series id.
    /// - Returns: the metadata.
    /// - Throws: ``DataError`` (for example ``DataError/Code/fredSeriesNotFound``).
    public func series(_ id: String) async throws -> FREDSeries {
        struct Body: Decodable { var seriess: [FREDSeries] }
        let body: Body = try decode(try await get("fred/series", [("series_id", id)], series: id), "fred/series")
        guard let first = body.seriess.first else {
            throw DataError(
                .fredSeriesNotFound, "FRED returned no metadata for series \(id); check the series id.",
                context: ["series": id])
        }
        return first
    }

    /// Searches series (`fred/series/search`), one page.
    /// - Parameters:
    ///   - text: the search words.
    ///   - limit: the page size (1–1000).
    ///   - offset: the first result.
    /// - Returns: the total count and this page.
    /// - Throws: ``DataError``.
    public func search(_ text: String, limit: Int = 1000, offset: Int = 0) async throws -> FREDSearchResult {
        struct Body: Decodable {
            var count: Int
            var seriess: [FREDSeries]
        }
        let data = try await get(
            "fred/series/search", [("search_text", text), ("limit", String(limit)), ("offset", String(offset))],
            series: nil)
        let body: Body = try decode(data, "fred/series/search")
        return FREDSearchResult(count: body.count, series: body.seriess)
    }

    /// The release a series belongs to (`fred/series/release`).
    /// - Parameter id: the series id.
    /// - Returns: the release.
    /// - Throws: ``DataError``.
    public func release(ofSeries id: String) async throws -> FREDRelease {
        struct Body: Decodable { var releases: [FREDRelease] }
        let body: Body = try decode(
            try await get("fred/series/release", [("series_id", id)], series: id), "fred/series/release")
        guard let first = body.releases.first else {
            throw DataError(
                .fredMalformedResponse, "FRED returned no release for series \(id); retry later.",
                context: ["series": id])
        }
        return first
    }

    /// All vintage dates of a series (`fred/series/vintagedates`), every page fetched.
    /// - Parameters:
    ///   - id: the series id.
    ///   - realtimeStart: first real-time date, or `nil` for FRED's default (1776-07-04).
    ///   - realtimeEnd: last real-time date, or `nil` for FRED's default (9999-12-31).
    /// - Returns: the vintage dates, ascending.
    /// - Throws: ``DataError``.
    public func vintageDates(_ id: String, realtimeStart: String? = nil, realtimeEnd: String? = nil) async throws
        -> [String]
    {
        struct Body: Decodable {
            var count: Int
            var vintageDates: [String]
            enum CodingKeys: String, CodingKey {
                case count
                case vintageDates = "vintage_dates"
            }
        }
        var dates: [String] = []
        let pageSize = 10_000
        while true {
            var params: [(String, String)] = [
                ("series_id", id), ("limit", String(pageSize)), ("offset", String(dates.count)),
            ]
            if let realtimeStart { params.append(("realtime_start", realtimeStart)) }
            if let realtimeEnd { params.append(("realtime_end", realtimeEnd)) }
            let body: Body = try decode(
                try await get("fred/series/vintagedates", params, series: id), "fred/series/vintagedates")
            dates += body.vintageDates
            if body.vintageDates.isEmpty || dates.count >= body.count { return dates }
        }
    }

    /// Observations of one series (`fred/series/observations`), every page fetched (paging by
    /// `limit`/`offset` until `count` rows are read). A real-time period spanning more than
    /// 2000 vintage dates (counted with ``vintageDates(_:realtimeStart:realtimeEnd:)``) and a
    /// `vintageDates` list longer than ``vintageDatesPerListRequest`` are split into several
    /// requests and merged.
    /// - Parameters:
    ///   - id: the series id.
    ///   - request: the parameters.
    /// - Returns: the merged observations; `"."` becomes `nil`.
    /// - Throws: ``DataError``.
    public func observations(_ id: String, request: FREDObservationsRequest = FREDObservationsRequest())
        async throws -> FREDObservations
    {
        let limit = Self.maxVintageDatesPerRequest
        let listLimit = Self.vintageDatesPerListRequest
        if request.vintageDates.count > listLimit {
            var parts: [FREDObservations] = []
            for start in stride(from: 0, to: request.vintageDates.count, by: listLimit) {
                var part = request
                part.vintageDates = Array(
                    request.vintageDates[start..<min(start + listLimit, request.vintageDates.count)])
                parts.append(try await observationsPages(id, part))
            }
            return Self.merge(id, parts)
        }
        if request.vintageDates.isEmpty, request.realtimeStart != nil || request.realtimeEnd != nil {
            let vintages = try await vintageDates(
                id, realtimeStart: request.realtimeStart, realtimeEnd: request.realtimeEnd)
            if vintages.count > limit {
                logger.debug(
                    "Splitting FRED observations request by vintage",
                    metadata: ["series": "\(id)", "vintages": "\(vintages.count)"])
                var parts: [FREDObservations] = []
                for start in stride(from: 0, to: vintages.count, by: limit) {
                    var part = request
                    let end = min(start + limit, vintages.count)
                    part.realtimeStart = start == 0 ? request.realtimeStart : vintages[start]
                    part.realtimeEnd = end == vintages.count ? request.realtimeEnd : Self.dayBefore(vintages[end])
                    parts.append(try await observationsPages(id, part))
                }
                return Self.merge(id, parts)
            }
        }
        return try await observationsPages(id, request)
    }

    /// Observations of several series, fetched concurrently (at most
    /// ``FREDConfiguration/maxConcurrentSeries`` at once, all within the shared rate limit).
    /// - Parameters:
    ///   - ids: the series ids.
    ///   - request: the parameters applied to each.
    /// - Returns: the observations by series id.
    /// - Throws: the first ``DataError`` met; the other fetches are cancelled.
    public func observations(for ids: [String], request: FREDObservationsRequest = FREDObservationsRequest())
        async throws -> [String: FREDObservations]
    {
        let unique = Array(Set(ids)).sorted()
        return try await withThrowingTaskGroup(of: (String, FREDObservations).self) { group in
            var results: [String: FREDObservations] = [:]
            var next = 0
            let width = max(1, configuration.maxConcurrentSeries)
            while next < unique.count && next < width {
                let id = unique[next]
                group.addTask { (id, try await self.observations(id, request: request)) }
                next += 1
            }
            while let (id, result) = try await group.next() {
                results[id] = result
                if next < unique.count {
                    let id = unique[next]
                    group.addTask { (id, try await self.observations(id, request: request)) }
                    next += 1
                }
            }
            return results
        }
    }

    // MARK: Observations internals

    private struct ObservationsPage: Decodable {
        var count: Int
        var observations: [[String: String]]
    }

    private func observationsPages(_ id: String, _ request: FREDObservationsRequest) async throws
        -> FREDObservations
    {
        var params: [(String, String)] = [("series_id", id)]
        if let v = request.observationStart { params.append(("observation_start", v)) }
        if let v = request.observationEnd { params.append(("observation_end", v)) }
        if let v = request.realtimeStart { params.append(("realtime_start", v)) }
        if let v = request.realtimeEnd { params.append(("realtime_end", v)) }
        if !request.vintageDates.isEmpty {
            params.append(("vintage_dates", request.vintageDates.joined(separator: ",")))
        }
        if let v = request.units { params.append(("units", v.rawValue)) }
        if let v = request.frequency { params.append(("frequency", v.rawValue)) }
        if let v = request.aggregationMethod { params.append(("aggregation_method", v.rawValue)) }
        if let v = request.outputType { params.append(("output_type", String(v.rawValue))) }
        let pageSize = max(1, configuration.observationsPageSize)
        // Pages in the common long format go through the fast scanner; the first page it
        // declines (wide format, escapes, anything unusual) switches to JSONDecoder rows.
        var fast: [FREDObservation] = []
        var rows: [[String: String]]? = nil
        var fetched = 0
        while true {
            let body = try await get(
                "fred/series/observations",
                params + [("limit", String(pageSize)), ("offset", String(fetched))], series: id)
            let pageCount: Int
            let total: Int
            if rows == nil, let page = FREDObservationsScanner.page(body) {
                if fast.isEmpty { fast = page.observations } else { fast += page.observations }
                (pageCount, total) = (page.observations.count, page.count)
            } else {
                let page: ObservationsPage = try decode(body, "fred/series/observations")
                rows = (rows ?? fast.map(Self.row)) + page.observations
                (pageCount, total) = (page.observations.count, page.count)
            }
            fetched += pageCount
            if pageCount == 0 || fetched >= total { break }
        }
        guard let rows else { return FREDObservations(seriesID: id, observations: fast) }
        return try Self.assemble(id, rows)
    }

    /// A long-format observation as the generic path's row (empty real-time bounds are absent).
    private static func row(_ observation: FREDObservation) -> [String: String] {
        var row = ["date": observation.date, "value": observation.value.map { "\($0)" } ?? "."]
        if !observation.realtimeStart.isEmpty { row["realtime_start"] = observation.realtimeStart }
        if !observation.realtimeEnd.isEmpty { row["realtime_end"] = observation.realtimeEnd }
        return row
    }

    private static func number(_ text: String?) -> Double? {
        guard let text, text != "." else { return nil }
        return Double(text)
    }

    static func assemble(_ id: String, _ rows: [[String: String]]) throws -> FREDObservations {
        var result = FREDObservations(seriesID: id)
        let wide = rows.contains { $0["value"] == nil }
        if !wide {
            result.observations = try rows.map { row in
                guard let date = row["date"], let raw = row["value"] else {
                    throw DataError(
                        .fredMalformedResponse,
                        "FRED returned an observation of \(id) without date or value; retry later.",
                        context: ["series": id])
                }
                let value = number(raw)
                if value == nil && raw != "." {
                    throw DataError(
                        .fredMalformedResponse,
                        "FRED returned the non-numeric value '\(raw)' for \(id) on \(date); retry later or "
                            + "report the series.", context: ["series": id, "date": date])
                }
                return FREDObservation(
                    realtimeStart: row["realtime_start"] ?? "", realtimeEnd: row["realtime_end"] ?? "", date: date,
                    value: value)
            }
            return result
        }
        var table: [String: [String: Double?]] = [:]  // vintage -> date -> value
        var dates = Set<String>()
        for row in rows {
            guard let date = row["date"] else {
                throw DataError(
                    .fredMalformedResponse, "FRED returned a row of \(id) without a date; retry later.",
                    context: ["series": id])
            }
            dates.insert(date)
            for (key, raw) in row where key != "date" && key != "realtime_start" && key != "realtime_end" {
                table[vintageName(key), default: [:]][date] = number(raw)
            }
        }
        result.dates = dates.sorted()
        result.vintages = table.keys.sorted().map { vintage in
            FREDVintageColumn(vintage: vintage, values: result.dates.map { table[vintage]?[$0] ?? nil })
        }
        return result
    }

    /// `GDP_20090730` → `2009-07-30`; other keys unchanged.
    static func vintageName(_ key: String) -> String {
        guard let underscore = key.lastIndex(of: "_") else { return key }
        let suffix = key[key.index(after: underscore)...]
        guard suffix.count == 8, suffix.allSatisfy(\.isASCII), suffix.allSatisfy(\.isNumber) else { return key }
        let s = Array(suffix)
        return "\(String(s[0..<4]))-\(String(s[4..<6]))-\(String(s[6..<8]))"
    }

    static func merge(_ id: String, _ parts: [FREDObservations]) -> FREDObservations {
        var result = FREDObservations(seriesID: id)
        // Long rows: concatenate, then join a row with the previous one of the same date and value
        // when the split cut its real-time period in two.
        for row in parts.flatMap(\.observations) {
            if let last = result.observations.lastIndex(where: { $0.date == row.date }),
                result.observations[last].value == row.value,
                dayBefore(row.realtimeStart) == result.observations[last].realtimeEnd
            {
                result.observations[last].realtimeEnd = row.realtimeEnd
            } else {
                result.observations.append(row)
            }
        }
        result.observations.sort { ($0.date, $0.realtimeStart) < ($1.date, $1.realtimeStart) }
        var table: [String: [String: Double?]] = [:]
        var dates = Set<String>()
        for part in parts {
            dates.formUnion(part.dates)
            for column in part.vintages {
                for (date, value) in zip(part.dates, column.values) {
                    table[column.vintage, default: [:]][date] = value
                }
            }
        }
        result.dates = dates.sorted()
        result.vintages = table.keys.sorted().map { vintage in
            FREDVintageColumn(vintage: vintage, values: result.dates.map { table[vintage]?[$0] ?? nil })
        }
        return result
    }

    /// The day before a `YYYY-MM-DD` date (proleptic Gregorian, UTC).
    static func dayBefore(_ date: String) -> String {
        let parts = date.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3 else { return date }
        var (y, m, d) = (parts[0], parts[1], parts[2] - 1)
        if d == 0 {
            m -= 1
            if m == 0 {
                m = 12
                y -= 1
            }
            let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
            d = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]
        }
        func pad(_ n: Int, _ width: Int) -> String {
            let s = String(n)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        return "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))"
    }

    // MARK: Requests

    private func decode<T: Decodable>(_ data: Data, _ endpoint: String) throws -> T {
        do {
            return try JSONDecoder().decode(T.self, from: data)
        } catch {
            throw DataError(
                .fredMalformedResponse,
                "FRED's \(endpoint) response is not the expected JSON (\(data.count) bytes, malformed or "
                    + "truncated); retry later.", context: ["endpoint": endpoint, "bytes": String(data.count)])
        }
    }

    private func url(_ path: String, _ params: [(String, String)]) throws -> URL {
        guard var components = URLComponents(url: configuration.baseURL, resolvingAgainstBaseURL: false) else {
            throw DataError(
                .fredInvalidArgument, "The FRED base URL is not a valid URL; fix FREDConfiguration.baseURL.")
        }
        var basePath = components.path
        if !basePath.hasSuffix("/") { basePath += "/" }
        components.path = basePath + path
        components.queryItems =
            params.map { URLQueryItem(name: $0.0, value: $0.1) } + [
                URLQueryItem(name: "api_key", value: configuration.apiKey.value),
                URLQueryItem(name: "file_type", value: "json"),
            ]
        // '+' and ',' are left alone by URLComponents; encode '+' so FRED does not read a space.
        components.percentEncodedQuery = components.percentEncodedQuery?.replacingOccurrences(of: "+", with: "%2B")
        guard let url = components.url else {
            throw DataError(
                .fredInvalidArgument, "Cannot build the FRED URL for \(path); check the base URL and arguments.",
                context: ["endpoint": path])
        }
        return url
    }

    /// Sends one GET with rate limiting and retries; returns the 200 body.
    private func get(_ path: String, _ params: [(String, String)], series: String?) async throws -> Data {
        let request = HTTPRequest(url: try url(path, params), timeout: configuration.timeout)
        var metadata: Logger.Metadata = ["endpoint": "\(path)"]
        if let series { metadata["series"] = "\(series)" }
        // A stored (cached) answer costs FRED nothing: no rate limiting, no retries.
        if let stored = try await transport.storedResponse(for: request), (200..<300).contains(stored.status) {
            Self.originLog?.record(stored.header("x-qeir-source") ?? "cache")
            logger.debug("FRED answer from the cache", metadata: metadata)
            return stored.body
        }
        let attempts = max(1, configuration.retry.maxAttempts)
        var attempt = 0
        while true {
            try await limiter.acquire()
            metadata["attempt"] = "\(attempt + 1)"
            logger.debug("FRED request", metadata: metadata)
            var failure: DataError
            var retryAfter: Int? = nil
            do {
                let response = try await transport.send(request)
                if (200..<300).contains(response.status) {
                    Self.originLog?.record(response.header("x-qeir-source") ?? "network")
                    return response.body
                }
                failure = classify(response, path: path, series: series)
                if let header = response.header("retry-after") {
                    retryAfter = Int(header.trimmingCharacters(in: .whitespaces))
                }
                guard response.status == 429 || response.status >= 500 else { throw failure }
            } catch let error as DataError where error.code == .fredTimeout || error.code == .fredNetwork {
                failure = redacted(error)
            }
            attempt += 1
            var failed = metadata
            failed["code"] = "\(failure.code)"
            guard attempt < attempts else {
                logger.warning("FRED request failed", metadata: failed)
                throw DataError(
                    failure.code, failure.message + " (gave up after \(attempts) attempt(s))",
                    context: failure.context.merging(["attempts": String(attempts)]) { _, new in new })
            }
            let delay = configuration.retry.delay(
                afterAttempt: attempt - 1, retryAfter: retryAfter, random: Double.random(in: 0..<1))
            failed["delay"] = "\(delay)"
            logger.notice("FRED request failed; retrying", metadata: failed)
            try await clock.sleep(delay)
        }
    }

    private func redacted(_ error: DataError) -> DataError {
        let key = configuration.apiKey.value
        return DataError(
            error.code, error.message.replacingOccurrences(of: key, with: "<redacted>"),
            context: error.context.mapValues { $0.replacingOccurrences(of: key, with: "<redacted>") })
    }

    private func classify(_ response: HTTPResponse, path: String, series: String?) -> DataError {
        struct FREDErrorBody: Decodable {
            var errorCode: Int?
            var errorMessage: String?
            enum CodingKeys: String, CodingKey {
                case errorCode = "error_code"
                case errorMessage = "error_message"
            }
        }
        let key = configuration.apiKey.value
        let fredMessage = (try? JSONDecoder().decode(FREDErrorBody.self, from: response.body))?.errorMessage?
            .replacingOccurrences(of: key, with: "<redacted>")
        let status = response.status
        let lower = (fredMessage ?? "").lowercased()
        let name = series.map { "series \($0)" } ?? path
        var context = ["endpoint": path, "status": String(status)]
        if let series { context["series"] = series }
        if let fredMessage { context["fredMessage"] = fredMessage }
        let quoted = fredMessage.map { " FRED says: \"\($0)\"" } ?? ""
        if status == 429 {
            return DataError(
                .fredRateLimited,
                "FRED rate-limited the request for \(name) (HTTP 429).\(quoted) Wait a minute, or lower "
                    + "FREDConfiguration.rateLimit.", context: context)
        }
        if status >= 500 {
            let head = String(decoding: response.body.prefix(256), as: UTF8.self).lowercased()
            let kind =
                head.contains("<html") || head.contains("<!doctype html")
                ? "an HTML" : head.hasPrefix("<?xml") || head.hasPrefix("<") ? "an XML" : "a"
            return DataError(
                .fredServerError,
                "FRED answered \(name) with server error HTTP \(status) and \(kind) body; FRED may be down, "
                    + "retry later.", context: context)
        }
        if lower.contains("api_key") {
            if lower.contains("not registered") {
                return DataError(
                    .fredAPIKeyRejected,
                    "FRED rejected the API key (not registered).\(quoted) Check FRED_API_KEY against "
                        + "https://fredaccount.stlouisfed.org/apikeys.", context: context)
            }
            return DataError(
                .fredInvalidAPIKey,
                "FRED reports the API key missing or malformed.\(quoted) Set FRED_API_KEY to your 32-character "
                    + "key.", context: context)
        }
        if lower.contains("alfred") {
            return DataError(
                .fredNotInALFRED,
                "\(name) has no vintages in ALFRED for this real-time period.\(quoted) Omit realtime_start/"
                    + "realtime_end or use today's date.", context: context)
        }
        if lower.contains("vintage")
            && (lower.contains("2000") || lower.contains("maximum") || lower.contains("too many"))
        {
            return DataError(
                .fredTooManyVintageDates,
                "The request for \(name) spans too many vintage dates.\(quoted) Ask for at most 2000 vintage dates "
                    + "per request.", context: context)
        }
        if status == 404 || lower.contains("does not exist") {
            return DataError(
                .fredSeriesNotFound,
                "FRED has no \(name) (HTTP \(status)).\(quoted) Check the series id on https://fred.stlouisfed.org.",
                context: context)
        }
        return DataError(
            .fredBadRequest,
            "FRED rejected the request for \(name) (HTTP \(status)).\(quoted) Check the request parameters.",
            context: context)
    }
}
