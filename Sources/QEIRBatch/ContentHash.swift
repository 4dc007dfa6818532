internal import Crypto
public import Foundation

/// The content hash of a job: what decides whether two jobs would produce the same result.
///
/// It is `sha256:` followed by the hex SHA-256 of a canonical JSON document holding the handler
/// name, the declared inputs, the library version, the payload and the seed:
/// `{"handler":…,"inputs":{…},"payload":…,"seed":…,"version":…}` — object keys sorted by their
/// UTF-8 bytes, no whitespace, strings escaped as JSON requires (`"`, `\`, control characters as
/// `\u00XX`, everything else verbatim UTF-8), integers in decimal, other numbers in Swift's
/// shortest round-trip form (`1.5`, `1e-05`), `null` for a missing seed. The job id, name,
/// priority, tags, retries and timeout are left out: they change how a job runs, not what it
/// computes. A succeeded job with the same hash is reused instead of run again unless the
/// submission is forced.
public enum ContentHash {
    /// Computes a job's content hash.
    ///
    /// - Parameters:
    ///   - spec: The job definition.
    ///   - libraryVersion: The version of the code that will run it.
    /// - Returns: `sha256:<64 hex digits>`.
    public static func of(_ spec: JobSpec, libraryVersion: String) -> String {
        // Written by hand rather than with JSONEncoder: this is a fixed canonical form that must
        // never change with Foundation's formatting choices, and it is an order of magnitude
        // faster, which matters when a batch of 100,000 jobs is submitted.
        var bytes: [UInt8] = []
        bytes.reserveCapacity(256)
        bytes.append(contentsOf: #"{"handler":"#.utf8)
        appendString(spec.handler, to: &bytes)
        bytes.append(contentsOf: #","inputs":{"#.utf8)
        for (index, key) in spec.inputs.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }).enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            appendString(key, to: &bytes)
            bytes.append(UInt8(ascii: ":"))
            appendString(spec.inputs[key]!, to: &bytes)
        }
        bytes.append(contentsOf: #"},"payload":"#.utf8)
        append(spec.payload, to: &bytes)
        bytes.append(contentsOf: #","seed":"#.utf8)
        bytes.append(contentsOf: (spec.seed.map { String($0) } ?? "null").utf8)
        bytes.append(contentsOf: #","version":"#.utf8)
        appendString(libraryVersion, to: &bytes)
        bytes.append(UInt8(ascii: "}"))
        return hex(SHA256.hash(data: bytes))
    }

    /// The canonical JSON bytes of a value (exposed for tests and for reproducing a hash).
    ///
    /// - Parameter value: The value.
    /// - Returns: Its canonical UTF-8 JSON text.
    public static func canonicalJSON(_ value: ConfigValue) -> String {
        var bytes: [UInt8] = []
        append(value, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    static func append(_ value: ConfigValue, to bytes: inout [UInt8]) {
        switch value {
        case .null: bytes.append(contentsOf: "null".utf8)
        case .bool(let flag): bytes.append(contentsOf: (flag ? "true" : "false").utf8)
        case .integer(let number): bytes.append(contentsOf: String(number).utf8)
        case .number(let number):
            // Non-finite numbers are not JSON; they cannot come from a parsed file, and hash as
            // strings so that a hash is still defined.
            bytes.append(contentsOf: (number.isFinite ? "\(number)" : "\"\(number)\"").utf8)
        case .string(let text): appendString(text, to: &bytes)
        case .array(let elements):
            bytes.append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                append(element, to: &bytes)
            }
            bytes.append(UInt8(ascii: "]"))
        case .object(let members):
            bytes.append(UInt8(ascii: "{"))
            for (index, key) in members.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }).enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                appendString(key, to: &bytes)
                bytes.append(UInt8(ascii: ":"))
                append(members[key]!, to: &bytes)
            }
            bytes.append(UInt8(ascii: "}"))
        }
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    static func appendString(_ text: String, to bytes: inout [UInt8]) {
        bytes.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): bytes.append(contentsOf: #"\""#.utf8)
            case UInt8(ascii: "\\"): bytes.append(contentsOf: #"\\"#.utf8)
            case 0..<0x20:
                bytes.append(contentsOf: #"\u00"#.utf8)
                bytes.append(hexDigits[Int(byte >> 4)])
                bytes.append(hexDigits[Int(byte & 0xf)])
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    /// The SHA-256 of raw bytes as `sha256:<64 hex digits>` (the form of every QEIR content hash).
    /// - Parameter data: The bytes.
    /// - Returns: The hash text.
    public static func of(data: Data) -> String { hex(SHA256.hash(data: data)) }

    private static func hex(_ digest: SHA256.Digest) -> String {
        var text: [UInt8] = Array("sha256:".utf8)
        text.reserveCapacity(7 + 64)
        for byte in digest {
            text.append(hexDigits[Int(byte >> 4)])
            text.append(hexDigits[Int(byte & 0xf)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
