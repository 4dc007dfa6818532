import Foundation
import QEIRTestSupport
import Testing

/// `qeir fred` as a built binary against the local fake FRED server (127.0.0.1 only).
struct FREDCommandTests {
    static let key = "abcdefghijklmnopqrstuvwxyz012345"

    func run(_ args: [String], key: String = key) async throws -> (ProcessOutput, FakeFREDServer) {
        let server = FakeFREDServer(acceptedKey: Self.key)
        let url = try await server.start()
        let out = try await runBuiltExecutableAsync(
            "qeir", ["fred"] + args + ["--base-url", url.absoluteString],
            environment: ["FRED_API_KEY": key, "QEIR_LOG_LEVEL": "debug"])
        return (out, server)
    }

    @Test func fetchWritesCSVWithMissingAsEmpty() async throws {
        let (out, server) = try await run(["fetch", "GNPCA", "PAGED"])
        defer { Task { await server.stop() } }
        #expect(out.status == 0, "\(out.stderr)")
        let lines = out.stdout.split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.isEmpty }
        #expect(lines.first == "series_id,date,value")
        #expect(lines.filter { $0.hasPrefix("GNPCA,") }.count == 10)
        #expect(lines.filter { $0.hasPrefix("PAGED,") }.count == 23)
        #expect(lines.contains { $0.hasPrefix("GNPCA,") && $0.hasSuffix(",") }, "the '.' value is an empty field")
        #expect(!out.stdout.contains(Self.key) && !out.stderr.contains(Self.key))
        let requests = await server.requests
        #expect(requests.allSatisfy { $0.query["file_type"] == "json" })
    }

    @Test func fetchJSONCarriesObservations() async throws {
        let (out, server) = try await run(["fetch", "GNPCA", "--start", "2001-01-01", "--format", "json"])
        defer { Task { await server.stop() } }
        #expect(out.status == 0, "\(out.stderr)")
        let j = try #require(try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any])
        let series = try #require(j["series"] as? [String: Any])
        let gnp = try #require(series["GNPCA"] as? [String: Any])
        let provenance = try #require(gnp["provenance"] as? [String: Any])
        #expect(provenance["origin"] as? String == "network")
        #expect(provenance["series_id"] as? String == "GNPCA")
        let requests = await server.requests
        #expect(requests.last?.query["observation_start"] == "2001-01-01")
    }

    @Test func unknownSeriesExitsWithOne() async throws {
        let (out, server) = try await run(["fetch", "NOSUCHSERIES"])
        defer { Task { await server.stop() } }
        #expect(out.status == 1)
        #expect(out.stderr.contains("NOSUCHSERIES"))
        #expect(!out.stderr.contains(Self.key))
    }

    @Test func rejectedKeyExitsWithOneAndIsNotPrinted() async throws {
        let other = "zyxwvutsrqponmlkjihgfedcba543210"
        let (out, server) = try await run(["fetch", "GNPCA"], key: other)
        defer { Task { await server.stop() } }
        #expect(out.status == 1)
        #expect(!out.stderr.contains(other) && !out.stdout.contains(other))
    }

    @Test func usageErrorsExitWithTwo() async throws {
        let (both, s1) = try await run(["fetch", "GNPCA", "--realtime-end", "2020-01-01", "--vintage", "2020-01-01"])
        defer { Task { await s1.stop() } }
        #expect(both.status == 2)
        #expect(both.stderr.contains("Use either --realtime-end or --vintage, not both."))
        let (badUnits, s2) = try await run(["fetch", "GNPCA", "--units", "percent"])
        defer { Task { await s2.stop() } }
        #expect(badUnits.status == 2)
        #expect(badUnits.stderr.contains("Unknown --units 'percent'"))
    }

    @Test func missingKeyIsAClearError() async throws {
        let out = try await runBuiltExecutableAsync(
            "qeir", ["fred", "fetch", "GNPCA"], environment: ["PATH": "/usr/bin"])
        #expect(out.status == 1)
        #expect(out.stderr.contains("FRED_API_KEY is not set"))
    }

    @Test func cacheServesRepeatsAndOfflineNeedsNoKeyOrServer() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let cache = dir.url.path
        let (first, server) = try await run(["fetch", "GNPCA", "--cache", cache])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(await server.requests.count == 2, "metadata and observations")
        let (second, secondServer) = try await run(["fetch", "GNPCA", "--cache", cache])
        #expect(second.stdout == first.stdout)
        #expect(await secondServer.requests.isEmpty, "the repeat must come from the cache")
        await server.stop()
        await secondServer.stop()
        let offline = try await runBuiltExecutableAsync(
            "qeir", ["fred", "fetch", "GNPCA", "--cache", cache, "--offline"], environment: ["PATH": "/usr/bin"])
        #expect(offline.status == 0, "\(offline.stderr)")
        #expect(offline.stdout == first.stdout)
        #expect(offline.stderr.contains("from cache"))
        #expect(first.stderr.contains("from network"))
        let miss = try await runBuiltExecutableAsync(
            "qeir", ["fred", "fetch", "GNPCA", "--start", "1990-01-01", "--cache", cache, "--offline"],
            environment: ["PATH": "/usr/bin"])
        #expect(miss.status == 1)
        #expect(miss.stderr.contains("No cached FRED response for series GNPCA"))
        #expect(miss.stderr.contains("QEIR is offline"))
        let bytes = try Data(contentsOf: dir.url.appendingPathComponent("fred-cache.sqlite"))
        #expect(bytes.range(of: Data(Self.key.utf8)) == nil, "the key must not be stored in the cache")
    }

    @Test func offlineNeedsACache() async throws {
        let out = try await runBuiltExecutableAsync("qeir", ["fred", "fetch", "GNPCA", "--offline"])
        #expect(out.status == 2)
        #expect(out.stderr.contains("--offline needs --cache DIR."))
    }

    @Test func searchListsSeries() async throws {
        let (out, server) = try await run(["search", "gross national product", "--limit", "5"])
        defer { Task { await server.stop() } }
        #expect(out.status == 0, "\(out.stderr)")
        #expect(out.stdout.hasPrefix("id,title,frequency,units,observation_start,observation_end\n"))
        #expect(out.stdout.contains("GNPCA,"))
    }
}
