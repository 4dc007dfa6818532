public import Foundation

/// The record of one finished job, written beside its results as `manifest.json`.
///
/// Encoded with sorted keys and ISO-8601 dates (whole seconds), so the same manifest always
/// produces the same bytes.
public struct ResultManifest: Sendable, Hashable, Codable {
    /// The job this manifest describes.
    public var jobID: JobID
    /// The job's result payload as a JSON value.
    public var payload: ConfigValue
    /// A content hash of the job's inputs or results (for example `sha256:…`).
    public var contentHash: String
    /// How many attempts the job took, counting the successful one.
    public var attempts: Int
    /// When the first attempt started.
    public var startedAt: Date
    /// When the job finished.
    public var finishedAt: Date
    /// Versions of the software and data that produced the result, by component name.
    public var versions: [String: String]
    /// Where the inputs came from (series ids, vintages, file names), in order.
    public var provenance: [String]
    /// The random seed used, or `nil` for a deterministic job.
    public var seed: UInt64?
    /// The job's result files (as written, before any compression) by path inside the job
    /// directory (`result.json`, `data/h1.csv`), each with its content hash (`sha256:<hex>`),
    /// so a reader can check that a file is the one the job produced. Empty in manifests
    /// written before files were recorded.
    public var files: [String: String] = [:]

    /// Creates a manifest.
    ///
    /// - Parameters:
    ///   - jobID: The job this manifest describes.
    ///   - payload: The job's result payload.
    ///   - contentHash: A content hash of the job's inputs or results.
    ///   - attempts: How many attempts the job took.
    ///   - startedAt: When the first attempt started.
    ///   - finishedAt: When the job finished.
    ///   - versions: Versions of the components that produced the result.
    ///   - provenance: Where the inputs came from.
    ///   - seed: The random seed, if any.
    public init(
        jobID: JobID, payload: ConfigValue, contentHash: String, attempts: Int, startedAt: Date,
        finishedAt: Date, versions: [String: String] = [:], provenance: [String] = [], seed: UInt64? = nil
    ) {
        self.jobID = jobID
        self.payload = payload
        self.contentHash = contentHash
        self.attempts = attempts
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.versions = versions
        self.provenance = provenance
        self.seed = seed
    }

    enum CodingKeys: String, CodingKey {
        case jobID = "job_id"
        case payload
        case contentHash = "content_hash"
        case attempts
        case startedAt = "started_at"
        case finishedAt = "finished_at"
        case versions
        case provenance
        case seed
        case files
    }

    /// Decodes a manifest; `files` may be absent (manifests written before it existed).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        jobID = try c.decode(JobID.self, forKey: .jobID)
        payload = try c.decode(ConfigValue.self, forKey: .payload)
        contentHash = try c.decode(String.self, forKey: .contentHash)
        attempts = try c.decode(Int.self, forKey: .attempts)
        startedAt = try c.decode(Date.self, forKey: .startedAt)
        finishedAt = try c.decode(Date.self, forKey: .finishedAt)
        versions = try c.decode([String: String].self, forKey: .versions)
        provenance = try c.decode([String].self, forKey: .provenance)
        seed = try c.decodeIfPresent(UInt64.self, forKey: .seed)
        files = try c.decodeIfPresent([String: String].self, forKey: .files) ?? [:]
    }

    /// The manifest as pretty-printed JSON with sorted keys and ISO-8601 dates.
    ///
    /// - Returns: The UTF-8 JSON text.
    /// - Throws: `EncodingError` when the payload holds a non-finite number.
    public func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return try encoder.encode(self)
    }

    /// Decodes a manifest written by ``encoded()``.
    ///
    /// - Parameter data: The JSON text.
    /// - Returns: The manifest.
    /// - Throws: `DecodingError` when the text is not a valid manifest.
    public static func decoded(from data: Data) throws -> ResultManifest {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(ResultManifest.self, from: data)
    }
}
