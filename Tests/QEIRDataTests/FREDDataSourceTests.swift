import Foundation
import Logging
import QEIRData
import QEIRTestSupport
import Testing

/// Provenance of series read through the FRED client (network or cache) and from the embedded
/// snapshot.
struct FREDDataSourceTests {
    static let key = "abcdefghijklmnopqrstuvwxyz012345"

    /// A fake FRED server and a client that caches its answers in a temporary directory.
    static func cachedClient(rateLimit: FREDRateLimit) async throws -> (FakeFREDServer, FREDClient, TemporaryDirectory)
    {
        let server = FakeFREDServer(acceptedKey: key)
        let url = try await server.start()
        let dir = try TemporaryDirectory()
        let cache = try FREDResponseCache(
            configuration: FREDCacheConfiguration(path: dir.url.appendingPathComponent("c.sqlite")))
        var configuration = FREDConfiguration(apiKey: try FREDAPIKey(key), baseURL: url)
        configuration.rateLimit = rateLimit
        let client = FREDClient(
            configuration: configuration, transport: CachingTransport(cache: cache, upstream: URLSessionTransport()),
            logger: Logger(label: "test"))
        return (server, client, dir)
    }

    @Test func networkThenCacheProvenance() async throws {
        let (server, client, dir) = try await Self.cachedClient(
            rateLimit: FREDRateLimit(perSecond: 1000, perMinute: 100_000))
        defer { dir.remove() }
        // The fake server knows GNPCA: point the gdp proxy at it, as a user's JSON override would.
        let registry = try ProxyRegistry.defaults.overriding(
            json: Data(#"{"overrides": {"gdp": {"series_id": "GNPCA"}}}"#.utf8))
        let source = FREDDataSource(client: client, registry: registry)
        let first = try await source.series("GNPCA")
        #expect(first.provenance.origin == .network)
        #expect(first.provenance.seriesID == "GNPCA")
        #expect(!first.provenance.title.isEmpty)
        #expect(first.values.contains { $0 == nil }, "FRED's '.' stays missing")
        let second = try await source.series("GNPCA")
        #expect(second.provenance.origin == .cache)
        #expect(second.provenance.detail?.hasPrefix("cache, fetched ") == true)
        #expect(second.values == first.values)
        let viaProxy = try await source.proxy("gdp")
        #expect(viaProxy.provenance.proxy == "gdp")
        #expect(viaProxy.provenance.seriesID == "GNPCA", "changing the proxy really changes the data")
        #expect(!viaProxy.provenance.description.contains(Self.key))
        await server.stop()
    }

    @Test func cacheHitsAreNotRateLimited() async throws {
        let (server, client, dir) = try await Self.cachedClient(rateLimit: FREDRateLimit(perSecond: 1, perMinute: 60))
        defer { dir.remove() }
        let source = FREDDataSource(client: client)
        _ = try await source.series("GNPCA")  // two network requests, paced one second apart
        let start = ContinuousClock.now
        for _ in 0..<5 { _ = try await source.series("GNPCA") }  // ten cached answers
        // Rate-limited, the ten answers would take about ten seconds (one request per second);
        // the bound leaves room for a loaded two-core CI machine.
        #expect(start.duration(to: .now) < .seconds(6), "cached answers must not wait for the FRED rate limit")
        await server.stop()
    }

    @Test func embeddedProvenanceNamesTheSnapshot() async throws {
        let source = FREDDataSource(client: nil, embedded: try EmbeddedFRED())
        let assets = try await source.proxy("fed_total_assets")
        #expect(assets.provenance.origin == .embedded)
        #expect(assets.provenance.proxy == "fed_total_assets")
        #expect(assets.provenance.detail?.contains("2022-10-01") == true)
        #expect(!assets.dates.isEmpty && assets.dates.count == assets.values.count)
        let error = await #expect(throws: DataError.self) { try await source.proxy("consumer_confidence") }
        #expect(error?.message.contains("Proxy 'consumer_confidence'") == true)
        let unknown = await #expect(throws: DataError.self) { try await source.proxy("moon_phase") }
        #expect(unknown?.code == .unknownProxy)
        #expect(unknown?.message.contains("fed_total_assets") == true)
    }
}
