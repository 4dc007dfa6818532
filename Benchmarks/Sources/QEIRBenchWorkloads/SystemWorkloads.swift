import Foundation
import Logging
import QEIRBatch
import QEIRData

/// A directory under the system's temporary directory, removed when the last reference goes.
final class TemporaryDirectory: Sendable {
    let url: URL

    init(prefix: String) throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }
}

/// batch: no-op jobs submitted and run until drained — 20,000 in memory with 8 slots, or 5,000
/// on a durable ``SQLiteJobStore`` (`synchronous = FULL`, in a fresh temporary directory) with
/// 64 slots. The processor is driven as in `Benchmarks/BatchEngine`.
public struct BatchWorkload: Sendable {
    /// Jobs per run.
    public let jobs: Int
    /// Whether the store is the durable SQLite store.
    public let durable: Bool
    /// Jobs run at once.
    public let slots: Int

    /// The in-memory (8 slots) or durable (64 slots) batch of issue 8.
    /// - Parameters:
    ///   - durable: SQLite with `synchronous = FULL` instead of the in-memory store.
    ///   - parameters: the job counts.
    public init(durable: Bool, parameters: WorkloadParameters) {
        self.durable = durable
        jobs = durable ? parameters.batchDurableJobs : parameters.batchMemoryJobs
        slots = durable ? 64 : 8
    }

    /// Runs one fresh batch: `jobs`, `seconds` (submit + run, without creating the store) and
    /// `jobs_per_second`.
    /// - Throws: ``BatchError`` from the store or the processor; ``WorkloadError`` when not
    ///   every job succeeded.
    public func run() async throws -> WorkloadResult {
        let directory = try durable ? TemporaryDirectory(prefix: "qeir-bench-batch") : nil
        // The store's files live in `directory`: keep it until the batch is done.
        defer { withExtendedLifetime(directory) {} }
        let store: any JobStore
        if let directory {
            store = try SQLiteJobStore(
                path: directory.url.appendingPathComponent("jobs.sqlite"),
                configuration: SQLiteJobStore.Configuration(durability: .full))
        } else {
            store = InMemoryJobStore()
        }
        var configuration = ProcessorConfiguration()
        configuration.maxConcurrentJobs = slots
        let processor = BatchProcessor(
            store: store, handlers: ["noop": ClosureJobHandler { _ in JobOutput() }], configuration: configuration)
        var batch: [JobSpec] = []
        batch.reserveCapacity(jobs)
        for index in 0..<jobs {
            batch.append(
                JobSpec(id: try JobID("job\(index)"), handler: "noop", payload: .integer(index), maxRetries: 0))
        }
        let clock = ContinuousClock()
        let start = clock.now
        try await processor.submit(batch)
        let summary = try await processor.run()
        let elapsed = clock.now - start
        guard summary[.succeeded] == jobs else {
            throw WorkloadError(.failed, "The batch did not finish: \(summary.counts) of \(jobs) no-op jobs.")
        }
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        return WorkloadResult([
            "jobs": [Double(jobs)], "seconds": [seconds], "jobs_per_second": [Double(jobs) / seconds],
        ])
    }
}

/// fred_cache_hit: one series of 10,000 observations answered from the on-disk
/// ``FREDResponseCache`` through the path a user takes — ``FREDClient`` over a
/// ``CachingTransport`` — down to parsed ``FREDObservations``.
///
/// Set-up (not timed): a FRED-format JSON body is served once by a stub upstream, so that the
/// ``CachingTransport`` stores it under exactly the key the client asks for; the timed client
/// then reads the same file through an offline cache with no upstream, so a miss would throw
/// instead of quietly going to the stub.
public struct FREDCacheHitWorkload: Sendable {
    /// Observations in the series.
    public let observations: Int
    /// Bytes of the cached JSON body.
    public let bodyBytes: Int
    private let client: FREDClient
    private let cache: FREDResponseCache
    private let body: Data
    private let directory: TemporaryDirectory
    static let seriesID = "QEIRBENCH"

    /// A stub upstream that answers every request with one body.
    struct StubUpstream: HTTPTransport {
        let body: Data
        func send(_ request: HTTPRequest) async throws -> HTTPResponse { HTTPResponse(status: 200, body: body) }
    }

    /// Creates the cache in a temporary directory and stores the series in it.
    /// - Parameter observations: observations in the series.
    /// - Throws: ``DataError`` from the cache or the client.
    public init(observations: Int) async throws {
        self.observations = observations
        directory = try TemporaryDirectory(prefix: "qeir-bench-fred")
        let body = Self.body(observations: observations)
        bodyBytes = body.count
        let configuration = try FREDConfiguration(apiKey: FREDAPIKey(String(repeating: "0123456789abcdef", count: 2)))
        let logger = Logger(label: "qeir-bench") { _ in SwiftLogNoOpLogHandler() }
        var cacheConfiguration = FREDCacheConfiguration(path: directory.url.appendingPathComponent("fred-cache.sqlite"))
        let online = try FREDResponseCache(configuration: cacheConfiguration)
        let filling = FREDClient(
            configuration: configuration,
            transport: CachingTransport(cache: online, upstream: StubUpstream(body: body)),
            logger: logger)
        _ = try await filling.observations(Self.seriesID)
        cacheConfiguration.mode = .offline
        let offline = try FREDResponseCache(configuration: cacheConfiguration)
        cache = offline
        self.body = body
        client = FREDClient(
            configuration: configuration, transport: CachingTransport(cache: offline, upstream: nil), logger: logger)
    }

    /// The cache lookup alone (`FREDResponseCache.get` with the client's key): the SQLite part
    /// of a hit. Returns `bytes`.
    /// - Throws: ``DataError`` — `offlineCacheMiss` if the key were not the client's.
    public func runCacheRead() async throws -> WorkloadResult {
        let key = FREDCacheKey(
            path: "fred/series/observations",
            parameters: ["series_id": Self.seriesID, "limit": "100000", "offset": "0"])
        guard let hit = try await cache.get(key, now: Date()) else {
            throw WorkloadError(.failed, "The cached series is missing; the cache key differs from the client's.")
        }
        return WorkloadResult(["bytes": [Double(hit.body.count)]])
    }

    /// Foundation's `JSONDecoder` on the page in the generic shape (`count` and `observations` as
    /// `[[String: String]]`, the client's fallback for unusual pages; common pages go through
    /// its own scanner), without the cache: what a hit cost before the scanner. Returns
    /// `observations`.
    /// - Throws: `DecodingError` if the body were malformed.
    public func runDecode() throws -> WorkloadResult {
        struct Page: Decodable {
            var count: Int
            var observations: [[String: String]]
        }
        let page = try JSONDecoder().decode(Page.self, from: body)
        return WorkloadResult(["observations": [Double(page.observations.count)]])
    }

    /// A `fred/series/observations` answer as FRED writes it: every value a string.
    static func body(observations: Int) -> Data {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? calendar.timeZone
        let start = calendar.date(from: DateComponents(year: 1990, month: 1, day: 1)) ?? Date(timeIntervalSince1970: 0)
        var rows: [String] = []
        rows.reserveCapacity(observations)
        var level = 100.0
        for i in 0..<observations {
            let date = calendar.date(byAdding: .day, value: i, to: start) ?? start
            let parts = calendar.dateComponents([.year, .month, .day], from: date)
            let day = String(format: "%04d-%02d-%02d", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0)
            level += Double((i * 7919) % 200 - 100) / 1000
            let value = i % 97 == 0 ? "." : String(format: "%.3f", level)
            rows.append(
                "{\"realtime_start\":\"2026-11-29\",\"realtime_end\":\"2026-11-29\",\"date\":\"\(day)\",\"value\":\"\(value)\"}"
            )
        }
        let head =
            "{\"realtime_start\":\"2026-11-29\",\"realtime_end\":\"2026-11-29\",\"observation_start\":\"1600-01-01\","
            + "\"observation_end\":\"9999-12-31\",\"units\":\"lin\",\"output_type\":1,\"file_type\":\"json\","
            + "\"order_by\":\"observation_date\",\"sort_order\":\"asc\",\"count\":\(observations),\"offset\":0,"
            + "\"limit\":100000,\"observations\":["
        return Data((head + rows.joined(separator: ",") + "]}").utf8)
    }

    /// Reads the series once from the cache: `observations` (count), `missing` (`"."` rows) and
    /// `sum` of the values.
    /// - Throws: ``DataError`` — `offlineCacheMiss` if the request were not a hit.
    public func run() async throws -> WorkloadResult {
        let series = try await client.observations(Self.seriesID)
        var sum = 0.0
        var missing = 0
        for observation in series.observations {
            if let value = observation.value { sum += value } else { missing += 1 }
        }
        guard series.observations.count == observations else {
            throw WorkloadError(
                .failed, "The cache returned \(series.observations.count) observations; \(observations) were stored.")
        }
        return WorkloadResult([
            "observations": [Double(series.observations.count)], "missing": [Double(missing)], "sum": [sum],
        ])
    }
}
