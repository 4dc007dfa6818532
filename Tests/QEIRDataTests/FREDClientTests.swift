import Foundation
import Logging
import QEIRData
import QEIRTestSupport
import Testing

/// Collects every log message and metadata value as text.
final class LogStore: @unchecked Sendable {
    private let lock = NSLock()
    private var storage: [String] = []
    func append(_ line: String) { lock.withLock { storage.append(line) } }
    var lines: [String] { lock.withLock { storage } }
}

struct CollectingLogHandler: LogHandler {
    let store: LogStore
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }
    func log(event: LogEvent) {
        let all = metadata.merging(event.metadata ?? [:]) { _, new in new }
        let error = event.error.map { " error=\($0)" } ?? ""
        store.append(
            "\(event.level) \(event.message)\(error) \(all.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" })")
    }
}

/// A clock running `factor` times faster than real time, so that backoff of seconds takes
/// milliseconds.
struct FastClock: Clock {
    struct Instant: InstantProtocol {
        var offset: Duration
        func advanced(by duration: Duration) -> Instant { Instant(offset: offset + duration) }
        func duration(to other: Instant) -> Duration { other.offset - offset }
        static func < (lhs: Instant, rhs: Instant) -> Bool { lhs.offset < rhs.offset }
    }
    let base = ContinuousClock.now
    let factor = 100
    var now: Instant { Instant(offset: base.duration(to: .now) * factor) }
    var minimumResolution: Duration { .nanoseconds(1) }
    func sleep(until deadline: Instant, tolerance: Duration?) async throws {
        let wait = now.duration(to: deadline)
        if wait > .zero { try await Task.sleep(for: wait / factor) }
    }
}

let sentinelKey = "abcdefghijklmnopqrstuvwxyz012345"

/// A fake server, a client pointed at it, and the captured log.
struct Harness {
    let server: FakeFREDServer
    let client: FREDClient
    let logs: LogStore

    /// `timeout` is long by default: the fake server runs in this test process, whose two
    /// cooperative threads other suites can keep busy for many seconds on a loaded two-core
    /// machine (a 10 s default cut a page request once and the client asked for it again).
    static func make(
        key: String = sentinelKey, pageSize: Int = 100_000, timeout: Duration = .seconds(60),
        retry: FREDRetryPolicy = FREDRetryPolicy(baseDelay: .milliseconds(10), maxDelay: .milliseconds(50)),
        rateLimit: FREDRateLimit = FREDRateLimit(perSecond: 1000, perMinute: 100_000),
        fast: Bool = false
    ) async throws -> Harness {
        let server = FakeFREDServer(acceptedKey: sentinelKey)
        let url = try await server.start()
        let logs = LogStore()
        let logger = Logger(label: "fred-test") { _ in CollectingLogHandler(store: logs) }
        let configuration = FREDConfiguration(
            apiKey: try FREDAPIKey(key), baseURL: url, timeout: timeout, retry: retry, rateLimit: rateLimit,
            observationsPageSize: pageSize)
        let client =
            fast
            ? FREDClient(configuration: configuration, clock: FastClock(), logger: logger)
            : FREDClient(configuration: configuration, logger: logger)
        return Harness(server: server, client: client, logs: logs)
    }

    /// Asserts the key is absent from logs (and that something was logged), then stops the server.
    func finish(errors: [any Error] = []) async {
        let lines = logs.lines
        #expect(!lines.isEmpty)
        for line in lines { #expect(!line.contains(sentinelKey), "key leaked in log: \(line)") }
        for error in errors {
            #expect(!"\(error)".contains(sentinelKey))
            #expect(!String(reflecting: error).contains(sentinelKey))
        }
        #expect(!"\(client.configuration)".contains(sentinelKey))
        #expect(!String(reflecting: client.configuration).contains(sentinelKey))
        await server.stop()
    }
}

func captureError(_ body: () async throws -> Void) async -> DataError? {
    do {
        try await body()
        return nil
    } catch let error as DataError {
        return error
    } catch {
        Issue.record("unexpected error type \(type(of: error))")
        return nil
    }
}

@Suite("FRED client", .serialized)
struct FREDClientTests {
    @Test func pagingFetchesEveryPageAndMissingIsNil() async throws {
        let h = try await Harness.make(pageSize: 5)
        let result = try await h.client.observations("PAGED", request: FREDObservationsRequest(units: .lin))
        #expect(result.observations.count == 23)
        #expect(result.observations.first?.date == "2020-01-01")
        #expect(result.observations.last?.value == 22.5)
        let requests = await h.server.requests.filter { $0.path == "fred/series/observations" }
        #expect(requests.map { $0.query["offset"] } == ["0", "5", "10", "15", "20"])
        #expect(requests.allSatisfy { $0.query["file_type"] == "json" && $0.query["limit"] == "5" })
        #expect(requests.allSatisfy { $0.query["api_key"] == sentinelKey && $0.query["units"] == "lin" })

        let gnp = try await h.client.observations("GNPCA")
        #expect(gnp.observations.count == 10)
        #expect(gnp.observations[3].value == nil)
        #expect(gnp.observations[2].value == 15500.5)
        #expect(gnp.observations.filter { $0.value == nil }.count == 1)
        await h.finish()
    }

    @Test func everyObservationParameterIsSent() async throws {
        let h = try await Harness.make()
        _ = try await h.client.observations(
            "GNPCA",
            request: FREDObservationsRequest(
                observationStart: "2010-01-01", observationEnd: "2019-01-01",
                vintageDates: ["2020-01-01", "2021-01-01"],
                units: .pc1, frequency: .weeklyEndingWednesday, aggregationMethod: .endOfPeriod,
                outputType: .initialRelease))
        let query = try #require(await h.server.requests.last?.query)
        #expect(query["observation_start"] == "2010-01-01")
        #expect(query["observation_end"] == "2019-01-01")
        #expect(query["vintage_dates"] == "2020-01-01,2021-01-01")
        #expect(query["units"] == "pc1")
        #expect(query["frequency"] == "wew")
        #expect(query["aggregation_method"] == "eop")
        #expect(query["output_type"] == "4")
        await h.finish()
    }

    @Test func metadataEndpoints() async throws {
        let h = try await Harness.make()
        let series = try await h.client.series("GNPCA")
        #expect(series.id == "GNPCA")
        #expect(series.frequencyShort == "A")
        #expect(series.popularity == 13)
        let search = try await h.client.search("gross national product")
        #expect(search.count == 1)
        #expect(search.series.first?.id == "GNPCA")
        let release = try await h.client.release(ofSeries: "GNPCA")
        #expect(release.id == 53)
        #expect(release.pressRelease == true)
        let vintages = try await h.client.vintageDates("BIGV")
        #expect(vintages.count == 2500)
        #expect(vintages.first == "2000-01-01")
        await h.finish()
    }

    @Test func vintageSplitAcrossMoreThan2000Vintages() async throws {
        let h = try await Harness.make()
        let result = try await h.client.observations(
            "BIGV",
            request: FREDObservationsRequest(
                realtimeStart: "2000-01-01", realtimeEnd: "2010-12-31", outputType: .vintageAll))
        #expect(result.dates == ["2000-01-01", "2000-02-01", "2000-03-01"])
        #expect(result.vintages.count == 2500)
        #expect(result.vintages.first?.vintage == "2000-01-01")
        #expect(Set(result.vintages.map(\.vintage)).count == 2500)
        #expect(result.vintages.last?.values == [1.0, 2.0, 3.0])
        let observationRequests = await h.server.requests.filter { $0.path == "fred/series/observations" }
        #expect(observationRequests.count == 2)
        #expect(observationRequests.map { $0.query["realtime_end"] } == [FREDClientTests.day2000, "2010-12-31"])
        let counted = await h.server.requests.filter { $0.path == "fred/series/vintagedates" }
        #expect(counted.count == 1)
        await h.finish()
    }

    @Test func longVintageDateListsAreSplitAndMerged() async throws {
        let h = try await Harness.make()
        let all = try await h.client.vintageDates("BIGV")
        let wanted = Array(all.prefix(1200))
        let result = try await h.client.observations(
            "BIGV", request: FREDObservationsRequest(vintageDates: wanted, outputType: .vintageAll))
        #expect(result.vintages.map(\.vintage) == wanted)
        let requests = await h.server.requests.filter { $0.path == "fred/series/observations" }
        #expect(requests.map { $0.query["vintage_dates"]?.split(separator: ",").count } == [500, 500, 200])
        await h.finish()
    }

    /// The day before the 2001st vintage (2000-01-01 + 2000 days = 2005-06-23).
    static let day2000 = "2005-06-22"

    @Test func alfredErrorsAreTyped() async throws {
        let h = try await Harness.make()
        await h.server.inject([.tooManyVintageDates], path: "fred/series/observations")
        let tooMany = await captureError { _ = try await h.client.observations("GNPCA") }
        #expect(tooMany?.code == .fredTooManyVintageDates)
        await h.server.inject([.notInALFRED], path: "fred/series/observations")
        let notInALFRED = await captureError { _ = try await h.client.observations("GNPCA") }
        #expect(notInALFRED?.code == .fredNotInALFRED)
        #expect(notInALFRED?.message.hasPrefix("series GNPCA has no vintages in ALFRED") == true)
        await h.server.inject([.seriesDoesNotExist], path: "fred/series/vintagedates")
        let counting = await captureError {
            _ = try await h.client.observations(
                "BIGV", request: FREDObservationsRequest(realtimeStart: "2000-01-01", outputType: .vintageAll))
        }
        #expect(counting?.code == .fredSeriesNotFound)
        await h.finish(errors: [tooMany, notInALFRED, counting].compactMap { $0 })
    }

    @Test func rateLimitedThenSuccessHonoursRetryAfter() async throws {
        let h = try await Harness.make(fast: true)
        await h.server.inject([.rateLimited(retryAfter: 3)], path: "fred/series")
        let series = try await h.client.series("GNPCA")
        #expect(series.id == "GNPCA")
        let requests = await h.server.requests
        #expect(requests.count == 2)
        let gap = requests[0].received.duration(to: requests[1].received)
        #expect(gap >= .milliseconds(28))  // 3 s on a 100× clock
        #expect(h.logs.lines.contains { $0.contains("retrying") && $0.contains("delay=3.0 seconds") })
        await h.finish()
    }

    @Test func rateLimitedEveryTimeIsTyped() async throws {
        let h = try await Harness.make(retry: FREDRetryPolicy(maxAttempts: 2, baseDelay: .milliseconds(1)))
        await h.server.inject([.rateLimited(retryAfter: nil), .rateLimited(retryAfter: nil)], path: "fred/series")
        let error = await captureError { _ = try await h.client.series("GNPCA") }
        #expect(error?.code == .fredRateLimited)
        #expect(error?.message.contains("HTTP 429") == true)
        #expect(await h.server.requests.count == 2)
        await h.finish(errors: error.map { [$0] } ?? [])
    }

    @Test func serverErrorsAreRetriedThenTyped() async throws {
        let h = try await Harness.make(retry: FREDRetryPolicy(maxAttempts: 2, baseDelay: .milliseconds(1)))
        await h.server.inject([.serverErrorHTML], path: "fred/series")
        #expect(try await h.client.series("GNPCA").id == "GNPCA")
        await h.server.inject([.serverErrorHTML, .serverErrorXML], path: "fred/series")
        let error = await captureError { _ = try await h.client.series("GNPCA") }
        #expect(error?.code == .fredServerError)
        #expect(
            error?.message
                == "FRED answered series GNPCA with server error HTTP 503 and an XML body; FRED may be down, retry "
                + "later. (gave up after 2 attempt(s))")
        await h.server.inject([.serverErrorHTML, .serverErrorHTML], path: "fred/series")
        let html = await captureError { _ = try await h.client.series("GNPCA") }
        #expect(html?.message.contains("HTTP 500 and an HTML body") == true)
        await h.finish(errors: [error, html].compactMap { $0 })
    }

    @Test func slowResponseTimesOut() async throws {
        let h = try await Harness.make(timeout: .milliseconds(300), retry: FREDRetryPolicy(maxAttempts: 1))
        await h.server.inject([.slow(.seconds(3))], path: "fred/series")
        let start = ContinuousClock.now
        let error = await captureError { _ = try await h.client.series("GNPCA") }
        #expect(error?.code == .fredTimeout)
        // Neither early (Linux URLSession alone truncates 0.3 s to 0 s) nor waiting for the server.
        #expect(start.duration(to: .now) >= .milliseconds(300))
        #expect(start.duration(to: .now) < .seconds(2.5))
        await h.finish(errors: error.map { [$0] } ?? [])
    }

    @Test func timeoutThenSuccessIsRetried() async throws {
        let h = try await Harness.make(
            timeout: .milliseconds(400),
            retry: FREDRetryPolicy(maxAttempts: 3, baseDelay: .milliseconds(10), maxDelay: .milliseconds(20)))
        await h.server.inject([.slow(.seconds(3))], path: "fred/series")
        let start = ContinuousClock.now
        let series = try await h.client.series("GNPCA")
        #expect(series.id == "GNPCA")
        #expect(start.duration(to: .now) < .seconds(2.5))
        await h.finish()
    }

    @Test func truncatedJSONIsMalformed() async throws {
        let h = try await Harness.make()
        await h.server.inject([.truncatedJSON], path: "fred/series/observations")
        let error = await captureError { _ = try await h.client.observations("GNPCA") }
        #expect(error?.code == .fredMalformedResponse)
        #expect(error?.message.hasPrefix("FRED's fred/series/observations response is not the expected JSON") == true)
        await h.finish(errors: error.map { [$0] } ?? [])
    }

    @Test func seriesDoesNotExist() async throws {
        let h = try await Harness.make()
        let natural = await captureError { _ = try await h.client.observations("NOSUCH") }
        #expect(natural?.code == .fredSeriesNotFound)
        #expect(
            natural?.message
                == "FRED has no series NOSUCH (HTTP 400). FRED says: \"Bad Request.  The series does not exist.\" "
                + "Check the series id on https://fred.stlouisfed.org.")
        await h.server.inject([.seriesDoesNotExist], path: "fred/series")
        let injected = await captureError { _ = try await h.client.series("GNPCA") }
        #expect(injected?.code == .fredSeriesNotFound)
        await h.finish(errors: [natural, injected].compactMap { $0 })
    }

    @Test func apiKeyRejected() async throws {
        let h = try await Harness.make(key: "0123456789abcdef0123456789abcdef")
        let error = await captureError { _ = try await h.client.series("GNPCA") }
        #expect(error?.code == .fredAPIKeyRejected)
        #expect(await h.server.requests.count == 1)  // not retried
        await h.finish(errors: error.map { [$0] } ?? [])

        let h2 = try await Harness.make()
        await h2.server.inject([.apiKeyNotRegistered], path: "fred/series")
        let injected = await captureError { _ = try await h2.client.series("GNPCA") }
        #expect(injected?.code == .fredAPIKeyRejected)
        await h2.finish(errors: injected.map { [$0] } ?? [])
    }

    @Test func keyValidationAndEnvironment() async throws {
        for bad in [
            "", "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345", "abc", sentinelKey + "6", "abcdefghijklmnopqrstuvwxyz01234-",
        ] {
            let error = await captureError { _ = try FREDAPIKey(bad) }
            #expect(error?.code == .fredInvalidAPIKey)
            #expect(error.map { !"\($0)".contains(sentinelKey) } ?? false)
        }
        let missing = await captureError { _ = try FREDConfiguration.fromEnvironment([:]) }
        #expect(missing?.code == .fredInvalidAPIKey)
        let configuration = try FREDConfiguration.fromEnvironment([
            "FRED_API_KEY": sentinelKey, "FRED_BASE_URL": "http://127.0.0.1:1/",
        ])
        #expect(configuration.apiKey.value == sentinelKey)
        #expect(configuration.baseURL.absoluteString == "http://127.0.0.1:1/")
        #expect("\(configuration.apiKey)" == "<redacted>")
        #expect(!"\(configuration)".contains(sentinelKey))
        #expect(FREDConfiguration.defaultBaseURL.absoluteString == "https://api.stlouisfed.org/")
    }

    @Test func limiterSpacesRequests() async throws {
        let h = try await Harness.make(rateLimit: FREDRateLimit(perSecond: 2, perMinute: 120))
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<6 { group.addTask { _ = try await h.client.series("GNPCA") } }
            try await group.waitForAll()
        }
        let times = await h.server.requests.map(\.received).sorted()
        #expect(times.count == 6)
        for i in 2..<times.count {
            // No more than 2 requests in any one-second window (small allowance for scheduling).
            #expect(times[i - 2].duration(to: times[i]) >= .milliseconds(950))
        }
        await h.finish()
    }

    @Test func perMinuteLimitOnFastClock() async throws {
        let h = try await Harness.make(rateLimit: FREDRateLimit(perSecond: 100, perMinute: 3), fast: true)
        for _ in 0..<4 { _ = try await h.client.series("GNPCA") }
        let times = await h.server.requests.map(\.received)
        #expect(times[0].duration(to: times[3]) >= .milliseconds(580))  // 60 s on a 100× clock
        await h.finish()
    }

    @Test func manySeriesConcurrently() async throws {
        let h = try await Harness.make(pageSize: 7)
        let all = try await h.client.observations(for: ["GNPCA", "PAGED", "GNPCA"])
        #expect(all.keys.sorted() == ["GNPCA", "PAGED"])
        #expect(all["PAGED"]?.observations.count == 23)
        #expect(all["GNPCA"]?.observations.count == 10)
        let failing = await captureError { _ = try await h.client.observations(for: ["GNPCA", "NOSUCH"]) }
        #expect(failing?.code == .fredSeriesNotFound)
        await h.finish(errors: failing.map { [$0] } ?? [])
    }

    @Test func backoffIsFullJitterWithCap() {
        let policy = FREDRetryPolicy(baseDelay: .seconds(1), maxDelay: .seconds(10))
        #expect(policy.delay(afterAttempt: 0, random: 0.5) == .milliseconds(500))
        #expect(policy.delay(afterAttempt: 2, random: 0.5) == .seconds(2))
        #expect(policy.delay(afterAttempt: 10, random: 0.999_999) <= .seconds(10))
        #expect(policy.delay(afterAttempt: 3, retryAfter: 7, random: 0) == .seconds(7))
        #expect(policy.delay(afterAttempt: 3, random: 0) == .zero)
    }
}
