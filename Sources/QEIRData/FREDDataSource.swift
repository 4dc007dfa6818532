public import Foundation
import Synchronization

/// Where the answers of FRED requests made in a scope came from ("network", or the cache's
/// provenance such as "cache, fetched 2026-11-28T12:00:00Z").
///
/// Bound with `FREDClient.$originLog.withValue(log) { … }`; child tasks inherit it, so every
/// page and every series fetched in the scope is recorded.
public final class FREDOriginLog: Sendable {
    private let origins = Mutex<[String]>([])

    /// An empty log.
    public init() {}

    /// Records one answer's origin.
    public func record(_ origin: String) { origins.withLock { $0.append(origin) } }

    /// Every origin recorded, in order.
    public var all: [String] { origins.withLock { $0 } }
}

extension FREDClient {
    /// The origin log of the current task, if one is bound (see ``FREDOriginLog``).
    @TaskLocal public static var originLog: FREDOriginLog?
}

/// Where a series' numbers came from, and which real-time window they reflect.
public struct SeriesProvenance: Sendable, Hashable, CustomStringConvertible {
    /// The three places QEIR reads series from.
    public enum Origin: String, Sendable, Hashable, Codable {
        /// Fetched from the FRED API now.
        case network
        /// Answered from the on-disk response cache.
        case cache
        /// Read from the embedded offline snapshot.
        case embedded
    }

    /// The FRED series id (or the embedded series' id).
    public var seriesID: String
    /// The series title.
    public var title: String
    /// Units as FRED states them.
    public var units: String
    /// Frequency as FRED states it.
    public var frequency: String
    /// The real-time window requested (`nil`: FRED's default, today).
    public var realtimeStart: String?
    /// The real-time window's end (`nil`: today).
    public var realtimeEnd: String?
    /// The vintage date requested, if any.
    public var vintage: String?
    /// When QEIR obtained the numbers.
    public var retrievedAt: Date
    /// Network, cache or embedded.
    public var origin: Origin
    /// Details: the cache entry's fetch time, or the embedded snapshot, its end date and any
    /// proxy substitution.
    public var detail: String?
    /// The proxy this series stands for, when it was asked for by proxy name.
    public var proxy: String?

    /// One line for reports and logs.
    public var description: String {
        var parts = ["\(seriesID) (\(title); \(units); \(frequency))", "from \(origin.rawValue)"]
        if let vintage { parts.append("vintage \(vintage)") }
        if let realtimeEnd { parts.append("real time to \(realtimeEnd)") }
        if let proxy { parts.append("as proxy '\(proxy)'") }
        if let detail { parts.append(detail) }
        return parts.joined(separator: ", ")
    }
}

/// A series with its provenance.
public struct SourcedSeries: Sendable, Hashable {
    /// Observation dates (YYYY-MM-DD).
    public var dates: [String]
    /// Values; `nil` is missing (FRED's ".").
    public var values: [Double?]
    /// Where they came from.
    public var provenance: SeriesProvenance
}

/// Series by FRED id or by proxy name, from the FRED API (through whatever transport the
/// client has — network, cache or cache-only) or from the embedded offline snapshot, always
/// with provenance.
public struct FREDDataSource: Sendable {
    /// The FRED client; `nil` uses the embedded snapshot only.
    public let client: FREDClient?
    /// The embedded snapshot, used when there is no client.
    public let embedded: EmbeddedFRED?
    /// Proxy names → series.
    public let registry: ProxyRegistry
    /// The clock for `retrievedAt`.
    public let now: @Sendable () -> Date

    /// Creates a data source.
    public init(
        client: FREDClient?, embedded: EmbeddedFRED? = nil, registry: ProxyRegistry = .defaults,
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.client = client
        self.embedded = embedded
        self.registry = registry
        self.now = now
    }

    /// A series by FRED id (metadata and observations).
    /// - Throws: ``DataError`` from the client, or when there is no client and no embedded series.
    public func series(_ id: String, request: FREDObservationsRequest = FREDObservationsRequest()) async throws
        -> SourcedSeries
    {
        guard let client else {
            guard let embedded else {
                throw DataError(
                    .fredInvalidArgument,
                    "No FRED client and no embedded data set to read series \(id) from; configure one of them.")
            }
            return Self.sourced(try embedded.series(id), proxy: nil, retrievedAt: now())
        }
        let log = FREDOriginLog()
        let (metadata, observations) = try await FREDClient.$originLog.withValue(log) {
            (try await client.series(id), try await client.observations(id, request: request))
        }
        let origins = log.all
        let fromCache = !origins.isEmpty && origins.allSatisfy { $0.hasPrefix("cache") }
        let cacheDetails = Array(Set(origins.filter { $0.hasPrefix("cache") })).sorted()
        let provenance = SeriesProvenance(
            seriesID: metadata.id, title: metadata.title, units: metadata.units ?? "",
            frequency: metadata.frequency ?? "", realtimeStart: request.realtimeStart, realtimeEnd: request.realtimeEnd,
            vintage: request.vintageDates.count == 1 ? request.vintageDates[0] : nil, retrievedAt: now(),
            origin: fromCache ? .cache : .network,
            detail: cacheDetails.isEmpty ? nil : cacheDetails.joined(separator: "; "))
        return SourcedSeries(
            dates: observations.observations.map(\.date), values: observations.observations.map(\.value),
            provenance: provenance)
    }

    /// The series behind a proxy name: from FRED when there is a client, else the embedded
    /// series mapped to the proxy (its provenance says which, and how close the match is).
    /// - Throws: ``DataError/Code/unknownProxy`` listing the valid names; offline, the embedded
    ///   set's error naming a proxy that has no embedded series.
    public func proxy(_ name: String, request: FREDObservationsRequest = FREDObservationsRequest()) async throws
        -> SourcedSeries
    {
        let proxy = try registry.proxy(named: name)
        if client != nil {
            var result = try await series(proxy.seriesID, request: request)
            result.provenance.proxy = name
            return result
        }
        guard let embedded else {
            throw DataError(
                .fredInvalidArgument,
                "No FRED client and no embedded data set to read proxy '\(name)' from; configure one of them.")
        }
        return Self.sourced(try embedded.series(forProxy: name), proxy: name, retrievedAt: now())
    }

    static func sourced(_ s: EmbeddedFRED.Series, proxy: String?, retrievedAt: Date) -> SourcedSeries {
        let p = s.provenance
        return SourcedSeries(
            dates: s.dates, values: s.values,
            provenance: SeriesProvenance(
                seriesID: p.fredID ?? p.name, title: p.title, units: p.units, frequency: p.frequency.description,
                realtimeStart: nil, realtimeEnd: nil, vintage: nil, retrievedAt: retrievedAt, origin: .embedded,
                detail: p.description, proxy: proxy))
    }
}
