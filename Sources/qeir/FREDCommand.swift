import ArgumentParser
import Foundation
import Logging
import QEIRData
import QEIRHypotheses

/// `qeir fred`: fetch and search FRED series (exit 0 success, 1 data/network error, 2 usage).
struct FRED: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fred",
        abstract: "Fetch or search FRED series (key from FRED_API_KEY; never printed).",
        subcommands: [Fetch.self, Search.self])

    enum Format: String, ExpressibleByArgument, CaseIterable { case csv, json }

    /// Options shared by the subcommands.
    struct Connection: ParsableArguments {
        @Option(help: "FRED API base URL (tests point it at a local server).") var baseURL: String?
        @Option(help: "Cache directory: answers are stored in DIR/fred-cache.sqlite and reused.") var cache: String?
        @Flag(help: "Serve only from the cache (needs --cache); no key or network needed.") var offline = false

        func validate() throws {
            if offline && cache == nil { throw ValidationError("--offline needs --cache DIR.") }
            if let baseURL {
                guard let url = URL(string: baseURL), let scheme = url.scheme, ["http", "https"].contains(scheme) else {
                    throw ValidationError("--base-url must be an http(s) URL; got '\(baseURL)'.")
                }
            }
        }

        func client() throws -> FREDClient {
            var environment = ProcessInfo.processInfo.environment
            if offline && environment["FRED_API_KEY"].map({ (try? FREDAPIKey($0)) == nil }) ?? true {
                // Offline, the key is never sent and not part of the cache key: any valid one does.
                environment["FRED_API_KEY"] = String(repeating: "0", count: 32)
            }
            var configuration = try FREDConfiguration.fromEnvironment(environment)
            if let baseURL, let url = URL(string: baseURL) { configuration.baseURL = url }
            var transport: any HTTPTransport = URLSessionTransport()
            if let cache {
                var cacheConfiguration = FREDCacheConfiguration(
                    path: URL(fileURLWithPath: cache).appendingPathComponent("fred-cache.sqlite"))
                cacheConfiguration.mode = offline ? .offline : .online
                transport = CachingTransport(
                    cache: try FREDResponseCache(configuration: cacheConfiguration), upstream: offline ? nil : transport
                )
                if offline {
                    configuration.rateLimit = FREDRateLimit(perSecond: 1_000_000, perMinute: 1_000_000)
                    configuration.retry = FREDRetryPolicy(maxAttempts: 1)
                }
            }
            return FREDClient(configuration: configuration, transport: transport, logger: Logger(label: "qeir.fred"))
        }
    }

    struct Fetch: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Fetch observations of one or more series.")

        @Argument(help: "FRED series ids.") var series: [String]
        @Option(help: "observation_start (YYYY-MM-DD).") var start: String?
        @Option(help: "observation_end (YYYY-MM-DD).") var end: String?
        @Option(help: "units: lin chg ch1 pch pc1 pca cch cca log.") var units: String?
        @Option(help: "frequency: d w bw m q sa a (and the weekly variants).") var frequency: String?
        @Option(help: "aggregation_method: avg sum eop.") var aggregation: String?
        @Option(help: "realtime_end (YYYY-MM-DD).") var realtimeEnd: String?
        @Option(help: "A single vintage date (YYYY-MM-DD).") var vintage: String?
        @OptionGroup var connection: Connection
        @Option(help: "csv or json.") var format: Format = .csv

        func validate() throws {
            guard !series.isEmpty else { throw ValidationError("Name at least one series id.") }
            if realtimeEnd != nil && vintage != nil {
                throw ValidationError("Use either --realtime-end or --vintage, not both.")
            }
            for (flag, value) in [
                ("--start", start), ("--end", end), ("--realtime-end", realtimeEnd), ("--vintage", vintage),
            ] {
                if let value, !Self.isDate(value) {
                    throw ValidationError("\(flag) must be a date YYYY-MM-DD; got '\(value)'.")
                }
            }
            if let units, FREDUnits(rawValue: units) == nil {
                throw ValidationError(
                    "Unknown --units '\(units)'; use one of \(FREDUnits.allCases.map(\.rawValue).joined(separator: ", "))."
                )
            }
            if let frequency, FREDFrequency(rawValue: frequency) == nil {
                throw ValidationError(
                    "Unknown --frequency '\(frequency)'; use one of \(FREDFrequency.allCases.map(\.rawValue).joined(separator: ", "))."
                )
            }
            if let aggregation, FREDAggregationMethod(rawValue: aggregation) == nil {
                throw ValidationError("Unknown --aggregation '\(aggregation)'; use avg, sum or eop.")
            }
        }

        static func isDate(_ s: String) -> Bool { (try? SeriesDate(s)) != nil }

        func run() async throws {
            var request = FREDObservationsRequest()
            request.observationStart = start
            request.observationEnd = end
            request.units = units.flatMap(FREDUnits.init(rawValue:))
            request.frequency = frequency.flatMap(FREDFrequency.init(rawValue:))
            request.aggregationMethod = aggregation.flatMap(FREDAggregationMethod.init(rawValue:))
            request.realtimeEnd = realtimeEnd
            if let vintage { request.vintageDates = [vintage] }
            let source = FREDDataSource(client: try connection.client())
            var fetched: [SourcedSeries] = []
            for id in series { fetched.append(try await source.series(id, request: request)) }
            switch format {
            case .csv:
                print(FREDReport.csv(fetched), terminator: "")
                // Where the numbers came from, beside (not inside) the CSV.
                for s in fetched { FileHandle.standardError.write(Data("provenance: \(s.provenance)\n".utf8)) }
            case .json: print(FREDReport.json(fetched).rendered())
            }
        }
    }

    struct Search: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Search FRED series by text.")

        @Argument(help: "Search text.") var text: String
        @Option(help: "Maximum number of results (1–1000).") var limit: Int = 20
        @OptionGroup var connection: Connection
        @Option(help: "csv or json.") var format: Format = .csv

        func validate() throws {
            guard (1...1000).contains(limit) else {
                throw ValidationError("--limit must be between 1 and 1000; got \(limit).")
            }
        }

        func run() async throws {
            let result = try await connection.client().search(text, limit: limit)
            switch format {
            case .csv: print(FREDReport.searchCSV(result), terminator: "")
            case .json: print(FREDReport.searchJSON(result).rendered())
            }
        }
    }
}
