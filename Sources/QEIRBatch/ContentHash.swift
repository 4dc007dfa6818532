internal import Crypto
import Foundation

/// The content hash of a job: what decides whether two jobs would produce the same result.
///
/// It is `sha256:` followed by the hex SHA-256 of a canonical JSON document (sorted keys, no
/// whitespace) holding the handler name, the payload, the declared inputs, the seed and the
/// library version. The job id, name, priority, tags, retries and timeout are left out: they
/// change how a job runs, not what it computes. A succeeded job with the same hash is reused
/// instead of run again unless the submission is forced.
public enum ContentHash {
    private struct Canonical: Encodable {
        var handler: String
        var payload: ConfigValue
        var inputs: [String: String]
        var seed: UInt64?
        var version: String
    }

    /// Computes a job's content hash.
    ///
    /// - Parameters:
    ///   - spec: The job definition.
    ///   - libraryVersion: The version of the code that will run it.
    /// - Returns: `sha256:<64 hex digits>`.
    public static func of(_ spec: JobSpec, libraryVersion: String) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let document = Canonical(
            handler: spec.handler, payload: spec.payload, inputs: spec.inputs, seed: spec.seed, version: libraryVersion)
        // ConfigValue holds only finite numbers when built by the configuration parser; a
        // non-finite number cannot be encoded, and is hashed through its description instead.
        let data = (try? encoder.encode(document)) ?? Data(String(describing: document).utf8)
        return "sha256:" + SHA256.hash(data: data).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }
}
