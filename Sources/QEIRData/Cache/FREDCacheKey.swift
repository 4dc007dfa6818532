public import Foundation

/// The identity of one FRED request in the on-disk cache: an endpoint path and the query
/// parameters that change the response, with every secret removed.
///
/// The canonical form is the path, `?`, and the kept parameters sorted by name, each written
/// `name=value` with `&`, `=`, `%` and non-ASCII characters percent-encoded, joined by `&`:
///
///     fred/series/observations?frequency=q&series_id=GDPC1&units=pch
///
/// Left out of the key:
/// - `api_key` and every parameter whose name looks like a secret (contains `key`, `token`,
///   `secret`, `password`, `passwd` or `auth`, in any case) — so the key, its ``canonical``
///   form, its ``description`` and any error built from it can be printed and stored;
/// - `file_type`: the cache assumes the client always asks for one format (JSON).
///
/// Every other parameter is kept verbatim (no case folding, no date normalisation), so two
/// requests share an entry only when FRED would certainly answer them identically:
/// `series_id`, `observation_start`/`observation_end`, `units`, `frequency`,
/// `aggregation_method`, `output_type`, `realtime_start`/`realtime_end`, `vintage_dates`,
/// `limit`, `offset`, `sort_order` and any parameter QEIR does not know about all count.
public struct FREDCacheKey: Sendable, Hashable, CustomStringConvertible {
    /// The endpoint path without leading or trailing slashes, for example `fred/series/observations`.
    public let path: String
    /// The parameters kept in the key (secrets and `file_type` removed).
    public let parameters: [String: String]

    /// Builds a key from an endpoint path and the request's query parameters.
    ///
    /// - Parameters:
    ///   - path: The endpoint path; leading and trailing `/` are ignored.
    ///   - parameters: All query parameters of the request, secrets included; they are dropped here.
    public init(path: String, parameters: [String: String]) {
        self.path = path.trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        self.parameters = parameters.filter { !Self.isExcluded($0.key) }
    }

    /// Whether a parameter never enters a key: `file_type` and anything named like a secret.
    /// - Parameter name: A query parameter name.
    /// - Returns: `true` for `api_key`, `file_type` and names containing `key`, `token`,
    ///   `secret`, `password`, `passwd` or `auth` (case-insensitive).
    public static func isExcluded(_ name: String) -> Bool {
        let lower = name.lowercased()
        if lower == "file_type" { return true }
        return ["key", "token", "secret", "password", "passwd", "auth"].contains { lower.contains($0) }
    }

    /// The canonical string stored as the cache's primary key (see the type's documentation).
    public var canonical: String {
        let query = parameters.sorted { $0.key < $1.key }
            .map { "\(Self.encode($0.key))=\(Self.encode($0.value))" }
            .joined(separator: "&")
        return query.isEmpty ? path : "\(path)?\(query)"
    }

    /// The `series_id` parameter, if any.
    public var seriesID: String? { parameters["series_id"] }

    /// A readable, secret-free summary naming the series, window, units, frequency and vintage,
    /// for example `series GDPC1, window 2000-01-01 to 2020-12-31, units pch, frequency q,
    /// latest vintage (fred/series/observations)`.
    public var description: String {
        var p = parameters
        var parts: [String] = []
        if let id = p.removeValue(forKey: "series_id") { parts.append("series \(id)") }
        let start = p.removeValue(forKey: "observation_start")
        let end = p.removeValue(forKey: "observation_end")
        switch (start, end) {
        case (let s?, let e?): parts.append("window \(s) to \(e)")
        case (let s?, nil): parts.append("window from \(s)")
        case (nil, let e?): parts.append("window through \(e)")
        case (nil, nil): if parameters["series_id"] != nil { parts.append("full history") }
        }
        let labelled: [(String, String)] = [
            ("units", "units"), ("frequency", "frequency"), ("aggregation_method", "aggregation"),
            ("output_type", "output type"), ("limit", "limit"), ("offset", "offset"),
        ]
        for (name, label) in labelled {
            if let v = p.removeValue(forKey: name) { parts.append("\(label) \(v)") }
        }
        let vintages = p.removeValue(forKey: "vintage_dates")
        let rtStart = p.removeValue(forKey: "realtime_start")
        let rtEnd = p.removeValue(forKey: "realtime_end")
        if let vintages {
            parts.append("vintage dates \(vintages)")
        }
        if rtStart != nil || rtEnd != nil {
            parts.append("real-time period \(rtStart ?? "(today)") to \(rtEnd ?? "(today)")")
        } else if vintages == nil {
            parts.append("latest vintage")
        }
        for (name, value) in p.sorted(by: { $0.key < $1.key }) { parts.append("\(name)=\(value)") }
        return "\(parts.joined(separator: ", ")) (\(path))"
    }

    /// Whether the request is pinned to a past vintage, so its response can never change.
    ///
    /// The rule: if `vintage_dates` is present, the request is pinned when it lists at least one
    /// date and every listed date is a valid `YYYY-MM-DD` strictly before `today`. Otherwise it
    /// is pinned when `realtime_end` is a valid `YYYY-MM-DD` strictly before `today`. Anything
    /// else — no vintage parameters, a date of today or later, an unparsable date — is "latest"
    /// data and expires after the cache's time to live.
    ///
    /// - Parameter today: The current date in FRED's calendar (see ``fredDate(of:)``).
    /// - Returns: `true` when the response is immutable.
    public func isPinned(today: SeriesDate) -> Bool {
        if let vintages = parameters["vintage_dates"] {
            let dates = vintages.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            guard !dates.isEmpty else { return false }
            return dates.allSatisfy { text in (try? SeriesDate(text)).map { $0 < today } ?? false }
        }
        if let end = parameters["realtime_end"], let date = try? SeriesDate(end) {
            return date < today
        }
        return false
    }

    /// The calendar date of an instant in FRED's time zone (US Central, `America/Chicago`;
    /// UTC−6 if the time-zone database is missing), which is how FRED dates its vintages.
    /// - Parameter instant: A moment in time, such as a response's fetch time.
    /// - Returns: The date FRED would call "today" at that moment.
    public static func fredDate(of instant: Date) -> SeriesDate {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "America/Chicago") ?? TimeZone(secondsFromGMT: -6 * 3600)!
        let c = calendar.dateComponents([.year, .month, .day], from: instant)
        // Components of a real instant always form a valid date in 1...9999 for FRED-era times.
        return (try? SeriesDate(year: c.year ?? 1970, month: c.month ?? 1, day: c.day ?? 1))
            ?? SeriesDate(dayNumber: 0)
    }

    private static let unreserved = CharacterSet(
        charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~,:")

    private static func encode(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? text
    }
}
