public import Foundation

/// A FRED API key: exactly 32 lower-case letters and digits. Its description is redacted so it
/// cannot leak through string interpolation.
public struct FREDAPIKey: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The key itself; put it only in request URLs.
    public let value: String

    /// Validates a key.
    /// - Parameter value: the key text (surrounding whitespace is ignored).
    /// - Throws: ``DataError/Code/fredInvalidAPIKey`` when it is not 32 lower-case letters and digits.
    public init(_ value: String) throws {
        let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
        let valid =
            trimmed.utf8.count == 32
            && trimmed.utf8.allSatisfy { (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) }
        guard valid else {
            throw DataError(
                .fredInvalidAPIKey,
                "The FRED API key is malformed (\(trimmed.isEmpty ? "empty" : "\(trimmed.count) characters")): it "
                    + "must be 32 lower-case letters and digits; copy it from "
                    + "https://fredaccount.stlouisfed.org/apikeys.")
        }
        self.value = trimmed
    }

    /// Always `<redacted>`.
    public var description: String { "<redacted>" }
    /// Always `FREDAPIKey(<redacted>)`.
    public var debugDescription: String { "FREDAPIKey(<redacted>)" }
}

/// Settings of a ``FREDClient``.
public struct FREDConfiguration: Sendable {
    /// The API key sent with every request.
    public var apiKey: FREDAPIKey
    /// The API root (default `https://api.stlouisfed.org/`); endpoints such as `fred/series`
    /// are resolved against it.
    public var baseURL: URL
    /// The timeout of one HTTP request (default 30 s).
    public var timeout: Duration
    /// Retry and backoff (see ``FREDRetryPolicy``).
    public var retry: FREDRetryPolicy
    /// The request limits shared by all requests of the client (see ``FREDRateLimit``).
    public var rateLimit: FREDRateLimit
    /// Rows asked for per observations page (FRED's maximum and the default: 100000).
    public var observationsPageSize: Int
    /// Most series fetched at once by ``FREDClient/observations(for:request:)`` (default 4).
    public var maxConcurrentSeries: Int

    /// The documented FRED root, `https://api.stlouisfed.org/`.
    public static let defaultBaseURL = URL(string: "https://api.stlouisfed.org/")!

    /// Creates a configuration.
    /// - Parameters:
    ///   - apiKey: the validated key.
    ///   - baseURL: the API root.
    ///   - timeout: the per-request timeout.
    ///   - retry: the retry policy.
    ///   - rateLimit: the request limits.
    ///   - observationsPageSize: rows per observations page.
    ///   - maxConcurrentSeries: series fetched at once.
    public init(
        apiKey: FREDAPIKey, baseURL: URL = FREDConfiguration.defaultBaseURL, timeout: Duration = .seconds(30),
        retry: FREDRetryPolicy = FREDRetryPolicy(), rateLimit: FREDRateLimit = FREDRateLimit(),
        observationsPageSize: Int = 100_000, maxConcurrentSeries: Int = 4
    ) {
        self.apiKey = apiKey
        self.baseURL = baseURL
        self.timeout = timeout
        self.retry = retry
        self.rateLimit = rateLimit
        self.observationsPageSize = observationsPageSize
        self.maxConcurrentSeries = maxConcurrentSeries
    }

    /// Builds a configuration from an environment dictionary (pass
    /// `ProcessInfo.processInfo.environment` from the application; the library never reads
    /// the process environment itself). Reads `FRED_API_KEY` and, optionally, `FRED_BASE_URL`.
    /// - Parameter environment: the variables.
    /// - Returns: the configuration with defaults for everything else.
    /// - Throws: ``DataError/Code/fredInvalidAPIKey`` when `FRED_API_KEY` is unset or malformed;
    ///   ``DataError/Code/fredInvalidArgument`` when `FRED_BASE_URL` is not an http(s) URL.
    public static func fromEnvironment(_ environment: [String: String]) throws -> FREDConfiguration {
        guard let raw = environment["FRED_API_KEY"], !raw.isEmpty else {
            throw DataError(
                .fredInvalidAPIKey,
                "FRED_API_KEY is not set: export FRED_API_KEY with your 32-character key from "
                    + "https://fredaccount.stlouisfed.org/apikeys.")
        }
        var configuration = FREDConfiguration(apiKey: try FREDAPIKey(raw))
        if let base = environment["FRED_BASE_URL"], !base.isEmpty {
            guard let url = URL(string: base), let scheme = url.scheme, ["http", "https"].contains(scheme) else {
                throw DataError(
                    .fredInvalidArgument, "FRED_BASE_URL is not an http(s) URL; unset it or fix it.",
                    context: ["variable": "FRED_BASE_URL"])
            }
            configuration.baseURL = url
        }
        return configuration
    }
}
