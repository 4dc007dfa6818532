import Foundation
import QEIRData
import QEIRTestSupport
import Testing

private let observations = "fred/series/observations"
private let gdp: [String: String] = [
    "series_id": "GDPC1", "observation_start": "2000-01-01", "observation_end": "2020-12-31", "units": "pch",
    "frequency": "q",
]

private func instant(_ text: String) throws -> Date { try Date(text, strategy: .iso8601) }

/// A cache in a fresh temporary directory, removed by `dir.remove()`.
private func makeCache(
    ttl: Duration = .seconds(24 * 3600), mode: FREDCacheMode = .online, file: String = "fred.sqlite"
) throws -> (FREDResponseCache, TemporaryDirectory) {
    let dir = try TemporaryDirectory()
    var config = FREDCacheConfiguration(path: dir.url.appendingPathComponent(file))
    config.timeToLive = ttl
    config.mode = mode
    return (try FREDResponseCache(configuration: config), dir)
}

private func reopen(_ cache: FREDResponseCache, mode: FREDCacheMode) throws -> FREDResponseCache {
    var config = cache.configuration
    config.mode = mode
    return try FREDResponseCache(configuration: config)
}

@Suite("FRED cache keys")
struct FREDCacheKeyTests {
    @Test("parameter order is irrelevant and the canonical form is sorted by name")
    func canonicalOrder() {
        let a = FREDCacheKey(path: "/fred/series/observations/", parameters: gdp)
        var reversed: [String: String] = [:]
        for (k, v) in gdp.sorted(by: { $0.key > $1.key }) { reversed[k] = v }
        let b = FREDCacheKey(path: observations, parameters: reversed)
        #expect(a == b)
        #expect(
            a.canonical
                == "fred/series/observations?frequency=q&observation_end=2020-12-31&observation_start=2000-01-01"
                + "&series_id=GDPC1&units=pch")
    }

    @Test("api_key, file_type and secret-like names are excluded")
    func secretsExcluded() {
        var withSecrets = gdp
        withSecrets["api_key"] = "abc"
        withSecrets["file_type"] = "json"
        withSecrets["AUTH_TOKEN"] = "t"
        withSecrets["client_secret"] = "s"
        let key = FREDCacheKey(path: observations, parameters: withSecrets)
        #expect(key == FREDCacheKey(path: observations, parameters: gdp))
        #expect(key.parameters.keys.sorted() == gdp.keys.sorted())
    }

    @Test("each data-changing parameter changes the key")
    func dataParametersDistinguish() {
        let base = FREDCacheKey(path: observations, parameters: gdp)
        let changes: [(String, String)] = [
            ("series_id", "GDP"), ("observation_start", "2001-01-01"), ("observation_end", "2019-12-31"),
            ("units", "lin"), ("frequency", "a"), ("aggregation_method", "eop"), ("output_type", "2"),
            ("realtime_start", "2010-01-01"), ("realtime_end", "2010-12-31"), ("vintage_dates", "2010-06-30"),
            ("limit", "10"), ("offset", "5"),
        ]
        var seen: Set<String> = [base.canonical]
        for (name, value) in changes {
            var p = gdp
            p[name] = value
            let key = FREDCacheKey(path: observations, parameters: p)
            #expect(key != base, "\(name) must change the key")
            #expect(key.description != base.description, "\(name) must show in the description")
            seen.insert(key.canonical)
        }
        #expect(seen.count == changes.count + 1)
        #expect(FREDCacheKey(path: "fred/series", parameters: gdp) != base)
    }

    @Test("special characters are percent-encoded so values cannot forge parameters")
    func encoding() {
        let a = FREDCacheKey(path: observations, parameters: ["series_id": "A&units=lin"])
        let b = FREDCacheKey(path: observations, parameters: ["series_id": "A", "units": "lin"])
        #expect(a.canonical != b.canonical)
        #expect(a.canonical == "fred/series/observations?series_id=A%26units%3Dlin")
    }

    @Test("description names series, window, units, frequency and vintage")
    func description() {
        #expect(
            FREDCacheKey(path: observations, parameters: gdp).description
                == "series GDPC1, window 2000-01-01 to 2020-12-31, units pch, frequency q, latest vintage "
                + "(fred/series/observations)")
        var vintage = gdp
        vintage["vintage_dates"] = "2020-06-30"
        vintage["sort_order"] = "desc"
        #expect(
            FREDCacheKey(path: observations, parameters: vintage).description
                == "series GDPC1, window 2000-01-01 to 2020-12-31, units pch, frequency q, vintage dates 2020-06-30, "
                + "sort_order=desc (fred/series/observations)")
    }

    @Test("pinned only when realtime_end or every vintage date is strictly before today")
    func pinning() throws {
        let today = try SeriesDate("2026-11-28")
        func pinned(_ extra: [String: String]) -> Bool {
            FREDCacheKey(path: observations, parameters: gdp.merging(extra) { $1 }).isPinned(today: today)
        }
        #expect(!pinned([:]))
        #expect(pinned(["realtime_end": "2026-11-27"]))
        #expect(!pinned(["realtime_end": "2026-11-28"]))
        #expect(!pinned(["realtime_end": "9999-12-31"]))
        #expect(!pinned(["realtime_end": "yesterday"]))
        #expect(!pinned(["realtime_start": "2020-01-01"]))
        #expect(pinned(["vintage_dates": "2019-01-01,2020-01-01"]))
        #expect(!pinned(["vintage_dates": "2019-01-01,2026-11-28"]))
        #expect(!pinned(["vintage_dates": ""]))
        // vintage_dates decides when present, whatever realtime_end says.
        #expect(!pinned(["vintage_dates": "2030-01-01", "realtime_end": "2020-01-01"]))
        // FRED's date is US Central: 03:00 UTC on the 29th is still the 28th in Chicago.
        #expect(try FREDCacheKey.fredDate(of: instant("2026-11-29T03:00:00Z")) == today)
        #expect(try FREDCacheKey.fredDate(of: instant("2026-11-29T07:00:00Z")) == SeriesDate("2026-11-29"))
    }
}

@Suite("FRED response cache")
struct FREDResponseCacheTests {
    let t0: Date
    init() throws { t0 = try instant("2026-11-28T12:00:00Z") }

    @Test("a miss, then a hit after put, with provenance")
    func hitAfterMiss() async throws {
        let (cache, dir) = try makeCache()
        defer { dir.remove() }
        let key = FREDCacheKey(path: observations, parameters: gdp)
        #expect(try await cache.get(key, now: t0) == nil)
        let body = Data(#"{"observations":[{"date":"2000-01-01","value":"1.2"}]}"#.utf8)
        try await cache.put(key, body: body, fetchedAt: t0)
        let hit = try #require(try await cache.get(key, now: t0.addingTimeInterval(60)))
        #expect(hit.body == body)
        #expect(hit.fetchedAt == t0)
        #expect(!hit.immutable && !hit.expired)
        #expect(hit.provenance == "cache, fetched 2026-11-28T12:00:00Z")
        let entries = try await cache.entries()
        #expect(entries.count == 1)
        #expect(entries.first?.seriesID == "GDPC1")
        #expect(entries.first?.byteCount == body.count)
        #expect(entries.first?.expiresAt == t0.addingTimeInterval(24 * 3600))
        #expect(try await cache.remove(key))
        #expect(try await cache.get(key, now: t0) == nil)
        #expect(try await cache.entries().isEmpty)
    }

    @Test("entries expire after the TTL and purgeExpired deletes them")
    func ttlExpiry() async throws {
        let (cache, dir) = try makeCache(ttl: .seconds(3600))
        defer { dir.remove() }
        let key = FREDCacheKey(path: observations, parameters: gdp)
        try await cache.put(key, body: Data("x".utf8), fetchedAt: t0)
        #expect(try await cache.get(key, now: t0.addingTimeInterval(3599)) != nil)
        #expect(try await cache.get(key, now: t0.addingTimeInterval(3600)) == nil)
        #expect(try await cache.purgeExpired(now: t0.addingTimeInterval(3599)) == 0)
        #expect(try await cache.purgeExpired(now: t0.addingTimeInterval(3600)) == 1)
        #expect(try await cache.entries().isEmpty)
    }

    @Test("responses pinned to a past vintage are kept past the TTL")
    func immutableVintages() async throws {
        let (cache, dir) = try makeCache(ttl: .seconds(3600))
        defer { dir.remove() }
        let pinned = FREDCacheKey(path: observations, parameters: gdp.merging(["realtime_end": "2020-06-30"]) { $1 })
        let vintage = FREDCacheKey(path: observations, parameters: gdp.merging(["vintage_dates": "2015-01-01"]) { $1 })
        let current = FREDCacheKey(path: observations, parameters: gdp.merging(["realtime_end": "2026-11-28"]) { $1 })
        for key in [pinned, vintage, current] {
            try await cache.put(key, body: Data(key.canonical.utf8), fetchedAt: t0)
        }
        let later = t0.addingTimeInterval(10 * 365 * 24 * 3600)
        let hit = try #require(try await cache.get(pinned, now: later))
        #expect(hit.immutable && !hit.expired)
        #expect(hit.provenance == "cache, fetched 2026-11-28T12:00:00Z, pinned vintage")
        #expect(try await cache.get(vintage, now: later) != nil)
        #expect(try await cache.get(current, now: later) == nil)
        #expect(try await cache.purgeExpired(now: later) == 1)
        #expect(try await cache.entries().map(\.key).sorted() == [pinned.canonical, vintage.canonical].sorted())
        #expect(try await cache.entries().allSatisfy { $0.immutable && $0.expiresAt == nil })
    }

    @Test("offline, a miss names the request and says what to do")
    func offlineMissMessage() async throws {
        let (cache, dir) = try makeCache(mode: .offline)
        defer { dir.remove() }
        let path = cache.configuration.path.path
        let error = try await #require(throws: DataError.self) {
            try await cache.get(FREDCacheKey(path: observations, parameters: gdp), now: t0)
        }
        #expect(error.code == .offlineCacheMiss)
        #expect(
            error.message
                == "No cached FRED response for series GDPC1, window 2000-01-01 to 2020-12-31, units pch, "
                + "frequency q, latest vintage (fred/series/observations) in \(path), and QEIR is offline. "
                + "Run once online to fill the cache, or use the embedded data set (EmbeddedFRED).")
    }

    @Test("offline serves expired entries and says so")
    func offlineServesExpired() async throws {
        let (online, dir) = try makeCache(ttl: .seconds(3600))
        defer { dir.remove() }
        let key = FREDCacheKey(path: observations, parameters: gdp)
        try await online.put(key, body: Data("old".utf8), fetchedAt: t0)
        let later = t0.addingTimeInterval(7 * 24 * 3600)
        #expect(try await online.get(key, now: later) == nil)
        let offline = try reopen(online, mode: .offline)
        let hit = try #require(try await offline.get(key, now: later))
        #expect(hit.body == Data("old".utf8))
        #expect(hit.expired)
        #expect(hit.provenance == "cache, fetched 2026-11-28T12:00:00Z, expired, served offline")
    }

    @Test("the API key appears nowhere: not in the file, keys, descriptions or errors")
    func sentinelKeyAbsent() async throws {
        let sentinel = "SENTINEL0123456789abcdefFREDKEY"
        let (cache, dir) = try makeCache()
        defer { dir.remove() }
        var keys: [FREDCacheKey] = []
        for i in 0..<20 {
            let key = FREDCacheKey(
                path: observations,
                parameters: gdp.merging(["api_key": sentinel, "offset": "\(i)", "file_type": "json"]) { $1 })
            keys.append(key)
            try await cache.put(key, body: Data("body \(i)".utf8), fetchedAt: t0)
        }
        for key in keys {
            #expect(!key.canonical.contains(sentinel) && !key.description.contains(sentinel))
            #expect(!"\(key.parameters)".contains(sentinel))
        }
        for entry in try await cache.entries() {
            #expect(!entry.key.contains(sentinel) && !entry.summary.contains(sentinel))
        }
        let offline = try reopen(cache, mode: .offline)
        let missing = FREDCacheKey(path: observations, parameters: ["series_id": "NOPE", "api_key": sentinel])
        let error = try await #require(throws: DataError.self) { try await offline.get(missing, now: t0) }
        #expect(!"\(error)".contains(sentinel) && !"\(error.context)".contains(sentinel))
        // The database, its WAL and shared-memory files.
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.url.path)
        #expect(files.contains("fred.sqlite"))
        let needle = Data(sentinel.utf8)
        for name in files {
            let bytes = try Data(contentsOf: dir.url.appendingPathComponent(name))
            #expect(bytes.range(of: needle) == nil, "\(name) contains the API key")
        }
    }

    @Test("a corrupt file gives an error naming it and is left untouched")
    func corruptFile() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let garbage = String(repeating: "this is not a SQLite database\n", count: 200)
        let file = try dir.write(garbage, to: "fred.sqlite")
        let error = try #require(throws: DataError.self) {
            try FREDResponseCache(configuration: FREDCacheConfiguration(path: file))
        }
        #expect(error.code == .corruptCache)
        #expect(error.message.hasPrefix("The FRED cache \(file.path) is corrupt or not a QEIR cache ("))
        #expect(
            error.message.hasSuffix(
                "). Delete \(file.path) (and \(file.path)-wal, \(file.path)-shm if present); "
                    + "QEIR recreates it on the next run. Nothing else is affected."))
        #expect(try String(contentsOf: file, encoding: .utf8) == garbage)
    }

    @Test("damage found after opening gives the same corrupt-cache error")
    func damagedPages() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let file = dir.url.appendingPathComponent("fred.sqlite")
        do {
            let cache = try FREDResponseCache(configuration: FREDCacheConfiguration(path: file))
            for i in 0..<40 {
                let key = FREDCacheKey(path: observations, parameters: ["series_id": "S\(i)"])
                try await cache.put(key, body: Data(repeating: UInt8(i), count: 3000), fetchedAt: t0)
            }
        }
        // Closing the last connection checkpoints the WAL into the file; then damage every page
        // after the first (the header and schema page stay valid, so opening still succeeds).
        var bytes = try Data(contentsOf: file)
        #expect(bytes.count > 8192)
        bytes.replaceSubrange(4096..<bytes.count, with: Data(repeating: 0xA5, count: bytes.count - 4096))
        try bytes.write(to: file)
        let error = try await #require(throws: DataError.self) {
            let cache = try FREDResponseCache(configuration: FREDCacheConfiguration(path: file))
            _ = try await cache.entries()
        }
        #expect(error.code == .corruptCache)
        #expect(error.message.hasPrefix("The FRED cache \(file.path) is corrupt or not a QEIR cache ("))
    }

    @Test("the directory is created when missing")
    func createsDirectory() async throws {
        let (cache, dir) = try makeCache(file: "a/b/c/fred.sqlite")
        defer { dir.remove() }
        try await cache.put(
            FREDCacheKey(path: "fred/series", parameters: ["series_id": "X"]), body: Data(), fetchedAt: t0)
        #expect(FileManager.default.fileExists(atPath: dir.url.appendingPathComponent("a/b/c/fred.sqlite").path))
    }

    @Test("two processes write and read the same file at once")
    func twoProcesses() async throws {
        let (cache, dir) = try makeCache()
        defer { dir.remove() }
        // Two writer processes (B and C) pausing 10 ms between entries run for seconds each and
        // overlap in time whatever this test process is doing; they report their time spans,
        // and this process writes its own entries (A) meanwhile.
        let count = 300
        func body(_ prefix: String, _ i: Int) -> Data { Data(String(repeating: "\(prefix)-\(i)|", count: 500).utf8) }
        func key(_ prefix: String, _ i: Int) -> FREDCacheKey {
            FREDCacheKey(path: observations, parameters: ["series_id": "\(prefix)-\(i)", "api_key": "unused"])
        }
        let path = cache.configuration.path.path
        let writerB = Task { try await runBuiltExecutableAsync("qeir-cache-writer", [path, "B", "\(count)", "10"]) }
        let writerC = Task { try await runBuiltExecutableAsync("qeir-cache-writer", [path, "C", "\(count)", "10"]) }
        let now = Date()
        var written = 0
        for _ in 0..<100 {
            try await cache.put(key("A", written), body: body("A", written), fetchedAt: now)
            #expect(try await cache.get(key("A", written), now: now)?.body == body("A", written))
            written += 1
        }
        var spans: [(Int, Int)] = []
        for writer in [writerB, writerC] {
            let output = try await writer.value
            #expect(output.status == 0, "writer failed: \(output.stdout) \(output.stderr)")
            let lines = output.stdout.split(separator: "\n")
            #expect(lines.first == "ok \(count)")
            let span = lines.last?.split(separator: " ").compactMap { Int($0) } ?? []
            if span.count == 2 { spans.append((span[0], span[1])) }
        }
        #expect(spans.count == 2)
        if spans.count == 2 {
            #expect(
                spans[0].0 < spans[1].1 && spans[1].0 < spans[0].1,
                "the two writer processes did not overlap in time: \(spans)")
        }
        #expect(try await cache.entries().count == written + 2 * count)
        for (prefix, n) in [("A", written), ("B", count), ("C", count)] {
            for i in 0..<n {
                #expect(try await cache.get(key(prefix, i), now: now)?.body == body(prefix, i), "\(prefix)-\(i)")
            }
        }
    }
}
