import Foundation

/// Renders a ``NotifyMessage`` as an RFC 5322 message with a MIME text part.
///
/// Headers are folded to at most 78 characters per line. A header value that is not printable
/// ASCII (or could not be folded) is written as RFC 2047 encoded-words (`=?UTF-8?B?…?=`), each
/// holding whole characters. The body is UTF-8 text in quoted-printable (RFC 2045 §6.7) with
/// lines of at most 76 characters. Lines end in CRLF.
enum MailMessage {
    /// The longest header line written, as RFC 5322 §2.1.1 recommends.
    static let maxHeaderLine = 78
    /// The longest encoded-word (RFC 2047 §2).
    static let maxEncodedWord = 75
    /// The longest quoted-printable line, soft break included (RFC 2045 §6.7).
    static let maxQuotedPrintableLine = 76

    /// The complete message: headers, a blank line, the quoted-printable body.
    static func render(_ n: NotifyMessage, from: String, to: [String], messageID: String) -> String {
        var headers: [(String, String)] = [
            ("Date", rfc5322Date(n.timestamp)),
            ("From", from),
            ("To", to.joined(separator: ", ")),
            ("Subject", n.subject),
            ("Message-ID", messageID),
            ("MIME-Version", "1.0"),
            ("Content-Type", "text/plain; charset=UTF-8"),
            ("Content-Transfer-Encoding", "quoted-printable"),
            ("X-QEIR-Severity", n.severity.rawValue),
            ("X-QEIR-Source", n.source),
        ]
        if let batch = n.batchID { headers.append(("X-QEIR-Batch-ID", batch)) }
        var text = headers.map { header($0.0, $0.1) }.joined(separator: "\r\n")
        text += "\r\n\r\n"
        text += quotedPrintable(bodyText(n))
        text += "\r\n"
        return text
    }

    /// The body: the message, a blank line, then the notification's metadata and fields.
    static func bodyText(_ n: NotifyMessage) -> String {
        var lines = [n.message, ""]
        lines.append("Severity: \(n.severity.rawValue)")
        lines.append("Source: \(n.source)")
        if let batch = n.batchID { lines.append("Batch: \(batch)") }
        lines.append("Time: \(ConsoleNotifier.timestamp(n.timestamp))")
        for (key, value) in n.fields.sorted(by: { $0.key < $1.key }) { lines.append("\(key): \(value)") }
        return lines.joined(separator: "\n")
    }

    /// `Tue, 05 May 2026 12:00:00 +0000` (RFC 5322 §3.3), always in UTC and English.
    static func rfc5322Date(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.calendar = Calendar(identifier: .gregorian)
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss Z"
        return formatter.string(from: date)
    }

    // MARK: Headers

    /// `Name: value`, folded; line breaks in the value become spaces (no header injection).
    static func header(_ name: String, _ value: String) -> String {
        let flat = String(
            value.unicodeScalars.map { $0 == "\r" || $0 == "\n" || $0 == "\t" ? " " : Character($0) })
        if let folded = foldedASCII(name, flat) { return folded }
        return encodedWords(name, flat)
    }

    /// The value folded at spaces, or `nil` when it must be encoded: it has characters outside
    /// printable ASCII, contains `=?` (which a reader would take for an encoded-word), or has a
    /// word too long for one line.
    static func foldedASCII(_ name: String, _ value: String) -> String? {
        guard value.utf8.allSatisfy({ (0x20...0x7E).contains($0) }), !value.contains("=?") else { return nil }
        let words = value.split(separator: " ", omittingEmptySubsequences: false)
        var lines: [String] = []
        var line = "\(name):"
        for (index, word) in words.enumerated() {
            let candidate = "\(line) \(word)"
            if candidate.utf8.count <= maxHeaderLine || index == 0 {
                line = candidate
            } else {
                lines.append(line)
                line = " \(word)"
            }
            if line.utf8.count > maxHeaderLine { return nil }
        }
        lines.append(line)
        return lines.joined(separator: "\r\n")
    }

    /// The value as RFC 2047 `B` encoded-words, one per line, each holding whole characters
    /// (a character too long for one word is split between Unicode scalars).
    static func encodedWords(_ name: String, _ value: String) -> String {
        let overhead = "=?UTF-8?B??=".utf8.count
        let firstBudget = bytesFor(base64Length: min(maxEncodedWord, maxHeaderLine - name.utf8.count - 2) - overhead)
        let laterBudget = bytesFor(base64Length: min(maxEncodedWord, maxHeaderLine - 1) - overhead)
        var pieces: [[UInt8]] = []
        var current: [UInt8] = []
        func budget() -> Int { pieces.isEmpty ? firstBudget : laterBudget }
        func append(_ bytes: [UInt8]) {
            if !current.isEmpty && current.count + bytes.count > budget() {
                pieces.append(current)
                current = []
            }
            current += bytes
        }
        for character in value {
            let bytes = Array(String(character).utf8)
            if bytes.count <= min(firstBudget, laterBudget) {
                append(bytes)
            } else {
                for scalar in character.unicodeScalars { append(Array(String(scalar).utf8)) }
            }
        }
        if !current.isEmpty || pieces.isEmpty { pieces.append(current) }
        let words = pieces.map { "=?UTF-8?B?\(Data($0).base64EncodedString())?=" }
        return "\(name): " + words.joined(separator: "\r\n ")
    }

    /// How many bytes fit in `base64Length` characters of base64.
    private static func bytesFor(base64Length: Int) -> Int { max(3, base64Length / 4 * 3) }

    // MARK: Body

    /// RFC 2045 quoted-printable of the UTF-8 text, with CRLF line ends and soft breaks keeping
    /// every line at most 76 characters. A line starting with `.` has it encoded, so no line
    /// can be mistaken for the SMTP end of data.
    static func quotedPrintable(_ text: String) -> String {
        let normalized = text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
        let hex = Array("0123456789ABCDEF".utf8)
        func escaped(_ byte: UInt8) -> String {
            String(decoding: [UInt8(ascii: "="), hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]], as: UTF8.self)
        }
        var output: [String] = []
        for sourceLine in normalized.split(separator: "\n", omittingEmptySubsequences: false) {
            let bytes = Array(sourceLine.utf8)
            var line = ""
            for (index, byte) in bytes.enumerated() {
                let isLast = index == bytes.count - 1
                let token: String
                switch byte {
                case UInt8(ascii: " "), UInt8(ascii: "\t"):
                    token = isLast ? escaped(byte) : String(UnicodeScalar(byte))
                case UInt8(ascii: "="):
                    token = escaped(byte)
                case UInt8(ascii: ".") where line.isEmpty:
                    token = escaped(byte)
                case 33...126:
                    token = String(UnicodeScalar(byte))
                default:
                    token = escaped(byte)
                }
                // Room for the token and, unless it ends the line, a soft break `=`.
                let limit = isLast ? maxQuotedPrintableLine : maxQuotedPrintableLine - 1
                if line.utf8.count + token.utf8.count > limit {
                    output.append(line + "=")
                    line = token == "." ? escaped(byte) : token
                } else {
                    line += token
                }
            }
            output.append(line)
        }
        return output.joined(separator: "\r\n")
    }
}
