import Foundation
public import QEIRData

/// One series as a ``SeriesSource`` delivers it: the observations at their native frequency,
/// and where they came from.
public struct LoadedSeries: Sendable, Hashable {
    /// The observations, named after the reference asked for, at the series' own frequency.
    public var series: Series
    /// The id of the series actually read (`RSBKCRNS` when `fed_total_assets` is read offline).
    public var seriesID: String
    /// Its title.
    public var title: String
    /// Its units as the source states them (`"Bil. of $"`, `"Millions of U.S. Dollars"`).
    public var units: String
    /// `"embedded"`, `"network"` or `"cache"`.
    public var origin: String
    /// For a proxy read from the embedded snapshot: `"exact"` or `"substitute"`; else `nil`.
    public var match: String?
    /// How a substitute differs from the proxy's FRED series, if it is one.
    public var note: String?
    /// One line for reports: origin, snapshot or vintage, series, units, frequency, substitution.
    public var provenance: String

    /// Creates a loaded series.
    public init(
        series: Series, seriesID: String, title: String, units: String, origin: String, match: String? = nil,
        note: String? = nil, provenance: String
    ) {
        self.series = series
        self.seriesID = seriesID
        self.title = title
        self.units = units
        self.origin = origin
        self.match = match
        self.note = note
        self.provenance = provenance
    }
}

/// Where the hypothesis layer reads series from.
///
/// Two implementations ship: ``EmbeddedSeriesSource`` (the offline FRED snapshot bundled with
/// QEIRData) and ``FREDSeriesSource`` (the FRED API through a ``QEIRData/FREDClient``, with its
/// cache). The composition root (the `qeir` executable) picks one.
public protocol SeriesSource: Sendable {
    /// The data vintage: which snapshot or FRED vintage the numbers come from. Jobs declare it in
    /// ``QEIRBatch/JobSpec/inputs`` so their content hash changes when the data change.
    var vintage: String { get }

    /// Loads one series.
    /// - Parameters:
    ///   - reference: a proxy name or FRED id.
    ///   - start: the earliest date needed (a hint; a source may return more).
    ///   - end: the latest date needed (a hint).
    /// - Returns: the series at its native frequency with its provenance.
    /// - Throws: ``QEIRData/DataError`` — offline, ``QEIRData/DataError/Code/proxyNotEmbedded`` for
    ///   a proxy the snapshot lacks (the hypothesis layer may then use a documented substitute).
    func load(_ reference: SeriesReference, from start: SeriesDate?, through end: SeriesDate?) async throws
        -> LoadedSeries
}

/// Series from the embedded offline FRED snapshot (``QEIRData/EmbeddedFRED``): no key, no network.
///
/// Proxies map to embedded series as `proxies.json` says (see `Documentation/EmbeddedData.md`);
/// the ``LoadedSeries/match`` and ``LoadedSeries/note`` say when a substitute stands in.
public struct EmbeddedSeriesSource: SeriesSource {
    /// The snapshot.
    public let embedded: EmbeddedFRED

    /// Wraps a loaded snapshot.
    public init(embedded: EmbeddedFRED) { self.embedded = embedded }

    /// Loads the snapshot bundled with QEIRData.
    /// - Throws: ``QEIRData/DataError/Code/embeddedDataUnavailable``.
    public init() throws { self.embedded = try EmbeddedFRED() }

    /// `embedded:<source>, ends <snapshot end>`.
    public var vintage: String { "embedded:\(embedded.source), ends \(embedded.snapshotEnd)" }

    /// Reads a proxy (through the snapshot's proxy mapping) or a series by FRED id.
    /// - Throws: ``QEIRData/DataError`` with ``QEIRData/DataError/Code/proxyNotEmbedded``,
    ///   ``QEIRData/DataError/Code/unknownEmbeddedSeries`` or ``QEIRData/DataError/Code/unknownProxy``.
    public func load(_ reference: SeriesReference, from start: SeriesDate?, through end: SeriesDate?) async throws
        -> LoadedSeries
    {
        let raw: EmbeddedFRED.Series
        switch reference {
        case .proxy(let name): raw = try embedded.series(forProxy: name)
        case .series(let id): raw = try embedded.series(id)
        }
        let p = raw.provenance
        let frequency: Frequency
        switch p.frequency {
        case .monthly: frequency = .monthly
        case .quarterly: frequency = .quarterly
        case .annual: frequency = .annual
        default: frequency = try Frequency(code: p.frequency.rawValue)
        }
        let dates = try raw.dates.map { try SeriesDate($0) }
        let series = try Series(name: reference.description, frequency: frequency, dates: dates, values: raw.values)
        return LoadedSeries(
            series: series, seriesID: p.fredID ?? p.name, title: p.title, units: p.units, origin: p.origin,
            match: p.match?.rawValue, note: p.match != nil ? p.note : nil, provenance: p.description)
    }
}

/// Series from the FRED API through a ``QEIRData/FREDDataSource`` whose client is set (its
/// transport may be the SQLite cache, including offline mode).
///
/// Proxies resolve through the data source's ``QEIRData/ProxyRegistry`` (WALCL for
/// `fed_total_assets`, …). The observation request (real-time period or vintage) is applied to
/// every series, and the ``vintage`` says which.
public struct FREDSeriesSource: SeriesSource {
    /// The data source; its client must be set.
    public let dataSource: FREDDataSource
    /// The observation request template (vintage, real-time period); the observation window is
    /// set per call.
    public let request: FREDObservationsRequest

    /// Creates a source.
    /// - Parameters:
    ///   - dataSource: a data source with a FRED client.
    ///   - request: vintage or real-time settings applied to every series.
    public init(dataSource: FREDDataSource, request: FREDObservationsRequest = FREDObservationsRequest()) {
        self.dataSource = dataSource
        self.request = request
    }

    /// `fred:vintage <date>`, `fred:real-time <start>..<end>`, or `fred:latest as of <today>` (the
    /// day of the data source's clock, so a job's hash changes daily while FRED revises).
    public var vintage: String {
        if request.vintageDates.count == 1 { return "fred:vintage \(request.vintageDates[0])" }
        if !request.vintageDates.isEmpty { return "fred:vintages \(request.vintageDates.joined(separator: ","))" }
        if request.realtimeStart != nil || request.realtimeEnd != nil {
            return "fred:real-time \(request.realtimeStart ?? "")..\(request.realtimeEnd ?? "")"
        }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withFullDate]
        return "fred:latest as of \(formatter.string(from: dataSource.now()))"
    }

    /// Fetches a proxy's FRED series or a series by id, restricted to the window.
    /// - Throws: ``QEIRData/DataError`` from the client (unknown series, network, key) or for
    ///   observations that do not form a series.
    public func load(_ reference: SeriesReference, from start: SeriesDate?, through end: SeriesDate?) async throws
        -> LoadedSeries
    {
        var request = self.request
        request.observationStart = start?.description
        request.observationEnd = end?.description
        let sourced: SourcedSeries
        var nativeFrequency: Frequency? = nil
        switch reference {
        case .proxy(let name):
            sourced = try await dataSource.proxy(name, request: request)
            nativeFrequency = try? dataSource.registry.proxy(named: name).frequency
        case .series(let id):
            sourced = try await dataSource.series(id, request: request)
        }
        let p = sourced.provenance
        let frequency = nativeFrequency ?? Self.frequency(fromFRED: p.frequency)
        let series = try Series(
            name: reference.description, frequency: frequency, dates: try sourced.dates.map { try SeriesDate($0) },
            values: sourced.values)
        return LoadedSeries(
            series: series, seriesID: p.seriesID, title: p.title, units: p.units, origin: p.origin.rawValue,
            match: nil, note: nil, provenance: p.description)
    }

    /// The frequency of FRED's long form (`"Weekly, Ending Wednesday"` → weekly), or `nil` to
    /// infer it from the dates.
    static func frequency(fromFRED text: String) -> Frequency? {
        let lower = text.lowercased()
        if lower.hasPrefix("daily") { return .daily }
        if lower.hasPrefix("weekly") { return .weekly }
        if lower.hasPrefix("monthly") { return .monthly }
        if lower.hasPrefix("quarterly") { return .quarterly }
        if lower.hasPrefix("annual") { return .annual }
        return nil
    }
}
