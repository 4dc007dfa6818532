internal import Crypto

extension ContentHash {
    /// The SHA-256 of raw bytes in the form content hashes use: `sha256:` and 64 lower-case
    /// hex digits. For recording what an input file held (a series file's provenance).
    /// - Parameter bytes: the content.
    /// - Returns: `sha256:<64 hex digits>`.
    public static func sha256<Bytes: Sequence<UInt8>>(of bytes: Bytes) -> String {
        let digest = SHA256.hash(data: Array(bytes))
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = Array("sha256:".utf8)
        for byte in digest {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0xf)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
