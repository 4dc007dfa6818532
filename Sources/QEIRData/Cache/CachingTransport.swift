public import Foundation

/// An ``HTTPTransport`` that answers FRED requests from a ``FREDResponseCache`` and stores the
/// successful answers of the transport it wraps.
///
/// The cache key is the request's endpoint path (from `fred/` on) and query, without the API
/// key (``FREDCacheKey``). A hit is returned as an HTTP 200 whose `x-qeir-source` header holds
/// the entry's provenance ("cache, fetched …"); a miss goes to the wrapped transport, and a 200
/// answer is stored. Offline (``FREDCacheMode/offline``), there is no wrapped transport: a miss
/// is the cache's ``DataError/Code/offlineCacheMiss`` naming the request.
public struct CachingTransport: HTTPTransport {
    /// The cache.
    public let cache: FREDResponseCache
    /// Where misses go (`nil` when offline).
    public let upstream: (any HTTPTransport)?
    /// The current time (injected for tests).
    public let now: @Sendable () -> Date

    /// Creates a caching transport.
    /// - Parameters:
    ///   - cache: the response cache (its mode decides whether misses are an error).
    ///   - upstream: the network transport; `nil` for cache-only (offline) use.
    ///   - now: the clock used for TTLs and fetch times.
    public init(
        cache: FREDResponseCache, upstream: (any HTTPTransport)?, now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.cache = cache
        self.upstream = upstream
        self.now = now
    }

    /// The cache key of a FRED request URL.
    public static func key(for url: URL) -> FREDCacheKey {
        let components = URLComponents(url: url, resolvingAgainstBaseURL: false)
        let fullPath = components?.path ?? url.path
        let path = fullPath.range(of: "fred/").map { String(fullPath[$0.lowerBound...]) } ?? fullPath
        var parameters: [String: String] = [:]
        for item in components?.queryItems ?? [] { parameters[item.name] = item.value ?? "" }
        return FREDCacheKey(path: path, parameters: parameters)
    }

    /// The cached answer, if fresh (or, offline, any cached answer); offline, a miss throws the
    /// cache's error naming the request.
    public func storedResponse(for request: HTTPRequest) async throws -> HTTPResponse? {
        guard let hit = try await cache.get(Self.key(for: request.url), now: now()) else { return nil }
        return HTTPResponse(status: 200, headers: ["x-qeir-source": hit.provenance], body: hit.body)
    }

    /// Answers from the cache, or from the upstream transport (storing a 200 answer).
    public func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        let key = Self.key(for: request.url)
        let time = now()
        if let hit = try await storedResponse(for: request) { return hit }
        guard let upstream else {
            throw DataError(
                .offlineCacheMiss,
                "No cached FRED response for \(key) and no network transport; run once online to fill the cache.",
                context: ["request": key.description])
        }
        let response = try await upstream.send(request)
        if response.status == 200 {
            try await cache.put(key, body: response.body, fetchedAt: time)
        }
        return response
    }
}
