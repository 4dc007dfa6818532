public import Foundation
public import Logging

/// Runs jobs of one kind. Register handlers with a ``BatchProcessor`` under the names that
/// ``JobSpec/handler`` refers to.
///
/// Execution is at least once: an attempt cut off by a crash runs again, so a handler must be
/// safe to repeat. Results written through ``JobOutput/files`` are written atomically and are
/// idempotent by construction. A handler should check `Task.isCancelled` (or call
/// `Task.checkCancellation()`) in long loops: timeouts and cancels arrive as task cancellation.
public protocol JobHandler: Sendable {
    /// Runs one attempt of a job.
    ///
    /// - Parameter context: The job, its attempt number, progress reporting and a logger.
    /// - Returns: The result and files to keep.
    /// - Throws: Any error fails the attempt (it is retried while retries remain); its
    ///   description becomes the job's `lastError`.
    func run(_ context: JobContext) async throws -> JobOutput
}

/// A handler made from a closure.
public struct ClosureJobHandler: JobHandler {
    private let body: @Sendable (JobContext) async throws -> JobOutput

    /// Wraps `body`.
    ///
    /// - Parameter body: The attempt's work.
    public init(_ body: @escaping @Sendable (JobContext) async throws -> JobOutput) {
        self.body = body
    }

    /// Runs the closure.
    ///
    /// - Parameter context: The attempt's context.
    /// - Returns: What the closure returns.
    /// - Throws: What the closure throws.
    public func run(_ context: JobContext) async throws -> JobOutput {
        try await body(context)
    }
}

/// What a handler gets for one attempt.
public struct JobContext: Sendable {
    /// The job's definition.
    public let job: JobSpec
    /// The attempt number, from 1.
    public let attempt: Int
    /// The job's content hash.
    public let contentHash: String
    /// The job's result directory (created), or `nil` when the processor writes no results.
    public let outputDirectory: URL?
    /// A logger carrying the job id and attempt as metadata.
    public var logger: Logger {
        var logger = baseLogger
        logger[metadataKey: "job"] = "\(job.id)"
        logger[metadataKey: "attempt"] = "\(attempt)"
        return logger
    }
    private let baseLogger: Logger
    private let progressSink: @Sendable (Double, String?) -> Void

    /// Creates a context (the processor does this; tests of handlers may too).
    ///
    /// - Parameters:
    ///   - job: The definition.
    ///   - attempt: The attempt number.
    ///   - contentHash: The content hash.
    ///   - outputDirectory: The result directory.
    ///   - logger: The logger; ``logger`` adds the job id and attempt as metadata.
    ///   - progress: Receives progress reports.
    public init(
        job: JobSpec, attempt: Int, contentHash: String, outputDirectory: URL?, logger: Logger,
        progress: @escaping @Sendable (Double, String?) -> Void = { _, _ in }
    ) {
        self.job = job
        self.attempt = attempt
        self.contentHash = contentHash
        self.outputDirectory = outputDirectory
        self.baseLogger = logger
        self.progressSink = progress
    }

    /// Reports progress; published as a ``JobEvent/Kind/progress(fraction:message:)`` event.
    ///
    /// - Parameters:
    ///   - fraction: Done so far, clamped to 0...1.
    ///   - message: An optional note.
    public func reportProgress(_ fraction: Double, message: String? = nil) {
        progressSink(fraction.isFinite ? min(max(fraction, 0), 1) : 0, message)
    }

    /// Decodes the payload as `type`.
    ///
    /// - Parameter type: The payload type.
    /// - Returns: The decoded payload.
    /// - Throws: ``BatchError`` (``BatchError/Code/invalidJob``) naming the job when the payload
    ///   does not match.
    public func decodePayload<T: Decodable>(_ type: T.Type) throws(BatchError) -> T {
        do {
            let data = try JSONEncoder().encode(job.payload)
            return try JSONDecoder().decode(T.self, from: data)
        } catch {
            throw BatchError(
                .invalidJob, "The payload of job \(job.id) is not a valid \(T.self): \(error).",
                context: ["job": job.id.rawValue])
        }
    }

    /// The scheduled time of a job submitted by a ``ScheduledBatchProcessor``, else `nil`.
    public var scheduledTime: Date? {
        job.inputs[ScheduledRun.scheduledTimeKey].flatMap { try? Date($0, strategy: .iso8601) }
    }

    /// Whether a scheduled job is a catch-up run for a slot missed during downtime.
    public var caughtUp: Bool { job.inputs[ScheduledRun.caughtUpKey] == "true" }
}

/// Input keys a scheduled run adds to its jobs' ``JobSpec/inputs``.
public enum ScheduledRun {
    /// The scheduled time, ISO 8601 (UTC).
    public static let scheduledTimeKey = "scheduled_time"
    /// `"true"` for a catch-up run.
    public static let caughtUpKey = "caught_up"
}

/// What a successful attempt hands back.
public struct JobOutput: Sendable, Hashable {
    /// The result stored with the job (and written to `result.json` when the processor has an
    /// output directory).
    public var result: ConfigValue
    /// Further files for the job's result directory, by plain file name; written atomically.
    public var files: [String: Data]
    /// Where the inputs came from (series ids, vintages, file names), for the manifest.
    public var provenance: [String]
    /// Versions of components that produced the result, for the manifest.
    public var versions: [String: String]

    /// Creates an output.
    ///
    /// - Parameters:
    ///   - result: The result value.
    ///   - files: Files to write.
    ///   - provenance: Input provenance.
    ///   - versions: Component versions.
    public init(
        result: ConfigValue = .null, files: [String: Data] = [:], provenance: [String] = [],
        versions: [String: String] = [:]
    ) {
        self.result = result
        self.files = files
        self.provenance = provenance
        self.versions = versions
    }
}

/// Exponential backoff with jitter for retries.
///
/// The delay before retry `n` (after the `n`-th failure) is
/// `min(maximumDelay, initialDelay × multiplier^(n−1)) × (1 + jitter × u)`, where `u ∈ [0, 1)`
/// is derived from the job id and `n` (so the same job retries at the same offsets on every
/// run, and different jobs spread out). Jitter only lengthens a delay: the first retry never
/// comes sooner than `initialDelay` (the seed's `retry_delay_minutes`).
public struct RetryPolicy: Sendable, Hashable {
    /// The delay before the first retry.
    public var initialDelay: Duration
    /// The growth factor per failure; at least 1.
    public var multiplier: Double
    /// The cap on the delay before jitter.
    public var maximumDelay: Duration
    /// The largest fraction added as jitter, 0...1.
    public var jitter: Double

    /// Creates a policy.
    ///
    /// - Parameters:
    ///   - initialDelay: The first delay.
    ///   - multiplier: The growth factor.
    ///   - maximumDelay: The cap.
    ///   - jitter: The jitter fraction.
    public init(
        initialDelay: Duration = .seconds(300), multiplier: Double = 2, maximumDelay: Duration = .seconds(3600),
        jitter: Double = 0.1
    ) {
        self.initialDelay = initialDelay
        self.multiplier = max(1, multiplier)
        self.maximumDelay = maximumDelay
        self.jitter = min(max(jitter, 0), 1)
    }

    /// The delay before the retry that follows failure number `failure` (from 1).
    ///
    /// - Parameters:
    ///   - failure: The failure count, 1 for the first failure.
    ///   - job: The job, which seeds the jitter.
    /// - Returns: The delay.
    public func delay(afterFailure failure: Int, job: JobID) -> Duration {
        let initial = Self.seconds(initialDelay)
        let cap = max(Self.seconds(maximumDelay), initial)
        let base = min(cap, initial * pow(multiplier, Double(max(failure, 1) - 1)))
        let seconds = base * (1 + jitter * Self.unitJitter(job: job, failure: failure))
        return .nanoseconds(Int64((seconds * 1e9).rounded()))
    }

    static func seconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) + Double(attoseconds) * 1e-18
    }

    /// A number in [0, 1) from the job id and failure count (FNV-1a, then a SplitMix64 finaliser).
    static func unitJitter(job: JobID, failure: Int) -> Double {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in job.rawValue.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        var z = hash ^ UInt64(truncatingIfNeeded: failure) &* 0x9e37_79b9_7f4a_7c15
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        z ^= z >> 31
        return Double(z >> 11) / Double(UInt64(1) << 53)
    }
}
