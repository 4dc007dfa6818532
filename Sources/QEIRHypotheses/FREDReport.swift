import Foundation
public import QEIRData

/// Renders fetched FRED observations and search results for `qeir fred` (CSV or JSON).
public enum FREDReport {
    /// Long-format CSV `series_id,date,value[,realtime_start,realtime_end]`; a missing value
    /// (FRED's ".") is an empty field. Wide (vintage) results get one column per vintage.
    public static func csv(_ results: [FREDObservations], realtime: Bool = false) -> String {
        var lines: [String] = []
        let wide = results.contains { !$0.vintages.isEmpty }
        if wide {
            for r in results {
                lines.append(
                    (["series_id", "date"] + r.vintages.map { "\(r.seriesID)_\($0.vintage)" }).joined(separator: ","))
                for (i, date) in r.dates.enumerated() {
                    let cells = r.vintages.map { $0.values.indices.contains(i) ? format($0.values[i]) : "" }
                    lines.append(([r.seriesID, date] + cells).joined(separator: ","))
                }
            }
            return lines.joined(separator: "\n") + "\n"
        }
        lines.append(realtime ? "series_id,date,value,realtime_start,realtime_end" : "series_id,date,value")
        for r in results {
            for o in r.observations {
                var row = [r.seriesID, o.date, format(o.value)]
                if realtime { row += [o.realtimeStart, o.realtimeEnd] }
                lines.append(row.joined(separator: ","))
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// JSON: `{"series": {ID: {"observations": [{date, value, realtime_start, realtime_end}],
    /// "vintages": {VINTAGE: [values]}, "dates": [...]}}}`.
    public static func json(_ results: [FREDObservations]) -> JSONValue {
        .object([
            (
                "series",
                .object(
                    results.map { r in
                        var pairs: [(String, JSONValue)] = [
                            (
                                "observations",
                                .array(
                                    r.observations.map { o in
                                        .object([
                                            ("date", .string(o.date)), ("value", .number(o.value)),
                                            ("realtime_start", .string(o.realtimeStart)),
                                            ("realtime_end", .string(o.realtimeEnd)),
                                        ])
                                    })
                            )
                        ]
                        if !r.vintages.isEmpty {
                            pairs.append(("dates", .array(r.dates.map { .string($0) })))
                            pairs.append(
                                (
                                    "vintages",
                                    .object(r.vintages.map { v in (v.vintage, .array(v.values.map { .number($0) })) })
                                ))
                        }
                        return (r.seriesID, .object(pairs))
                    })
            )
        ])
    }

    /// Long CSV `series_id,date,value` of series with provenance (missing values empty).
    public static func csv(_ series: [SourcedSeries]) -> String {
        var lines = ["series_id,date,value"]
        for s in series {
            for (date, value) in zip(s.dates, s.values) {
                lines.append([s.provenance.seriesID, date, format(value)].joined(separator: ","))
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// JSON `{"series": {ID: {"provenance": {...}, "observations": [{date, value}]}}}`.
    public static func json(_ series: [SourcedSeries]) -> JSONValue {
        .object([
            (
                "series",
                .object(
                    series.map { s in
                        let p = s.provenance
                        let provenance: JSONValue = .object([
                            ("origin", .string(p.origin.rawValue)), ("series_id", .string(p.seriesID)),
                            ("title", .string(p.title)), ("units", .string(p.units)),
                            ("frequency", .string(p.frequency)),
                            ("realtime_start", p.realtimeStart.map(JSONValue.string) ?? .null),
                            ("realtime_end", p.realtimeEnd.map(JSONValue.string) ?? .null),
                            ("vintage", p.vintage.map(JSONValue.string) ?? .null),
                            ("retrieved_at", .string(ISO8601DateFormatter().string(from: p.retrievedAt))),
                            ("detail", p.detail.map(JSONValue.string) ?? .null),
                            ("proxy", p.proxy.map(JSONValue.string) ?? .null),
                        ])
                        let observations: JSONValue = .array(
                            zip(s.dates, s.values).map { .object([("date", .string($0)), ("value", .number($1))]) })
                        return (p.seriesID, .object([("provenance", provenance), ("observations", observations)]))
                    })
            )
        ])
    }

    /// Search results as CSV `id,title,frequency,units,observation_start,observation_end`.
    public static func searchCSV(_ result: FREDSearchResult) -> String {
        var lines = ["id,title,frequency,units,observation_start,observation_end"]
        for s in result.series {
            lines.append(
                [
                    s.id, quote(s.title), s.frequencyShort ?? s.frequency ?? "", quote(s.units ?? ""),
                    s.observationStart ?? "", s.observationEnd ?? "",
                ].joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Search results as JSON.
    public static func searchJSON(_ result: FREDSearchResult) -> JSONValue {
        .object([
            ("count", .integer(result.count)),
            (
                "series",
                .array(
                    result.series.map { s in
                        .object([
                            ("id", .string(s.id)), ("title", .string(s.title)),
                            ("frequency", s.frequencyShort.map(JSONValue.string) ?? .null),
                            ("units", s.units.map(JSONValue.string) ?? .null),
                            ("observation_start", s.observationStart.map(JSONValue.string) ?? .null),
                            ("observation_end", s.observationEnd.map(JSONValue.string) ?? .null),
                        ])
                    })
            ),
        ])
    }

    static func format(_ v: Double?) -> String {
        guard let v, v.isFinite else { return "" }
        return "\(v)"
    }

    static func quote(_ s: String) -> String {
        s.contains(",") || s.contains("\"") ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }
}
