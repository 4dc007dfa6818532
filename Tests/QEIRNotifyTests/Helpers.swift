import Foundation
import Logging
import QEIRNotify

/// Collects every log line (message, metadata, error) as text.
final class LogStore: @unchecked Sendable {
    private let lock = NSLock()
    private var storage: [String] = []
    func append(_ line: String) { lock.withLock { storage.append(line) } }
    var lines: [String] { lock.withLock { storage } }
    var text: String { lines.joined(separator: "\n") }

    /// A logger writing into this store at trace level.
    func logger(_ label: String = "notify-test") -> Logger {
        Logger(label: label) { _ in CollectingLogHandler(store: self) }
    }
}

struct CollectingLogHandler: LogHandler {
    let store: LogStore
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }
    func log(event: LogEvent) {
        let all = metadata.merging(event.metadata ?? [:]) { _, new in new }
        let error = event.error.map { " error=\($0)" } ?? ""
        store.append(
            "\(event.level) \(event.message)\(error) \(all.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" })")
    }
}

/// A clock that moves only when told to.
final class ManualClock: Clock, @unchecked Sendable {
    struct Instant: InstantProtocol {
        var offset: Duration
        func advanced(by duration: Duration) -> Instant { Instant(offset: offset + duration) }
        func duration(to other: Instant) -> Duration { other.offset - offset }
        static func < (lhs: Instant, rhs: Instant) -> Bool { lhs.offset < rhs.offset }
    }
    private let lock = NSLock()
    private var current = Instant(offset: .zero)
    var now: Instant { lock.withLock { current } }
    var minimumResolution: Duration { .nanoseconds(1) }
    func advance(by duration: Duration) { lock.withLock { current = current.advanced(by: duration) } }
    func sleep(until deadline: Instant, tolerance: Duration?) async throws {
        while now < deadline { try await Task.sleep(for: .milliseconds(1)) }
    }
}

/// A clock whose time stands still and whose sleeps return at once and are recorded exactly,
/// so backoff can be asserted to the nanosecond.
final class RecordingClock: Clock, @unchecked Sendable {
    typealias Instant = ManualClock.Instant
    private let lock = NSLock()
    private var recorded: [Duration] = []
    var now: Instant { Instant(offset: .zero) }
    var minimumResolution: Duration { .nanoseconds(1) }
    var sleeps: [Duration] { lock.withLock { recorded } }
    func sleep(until deadline: Instant, tolerance: Duration?) async throws {
        lock.withLock { recorded.append(deadline.offset) }
        try Task.checkCancellation()
    }
}

/// A one-shot signal tasks can wait on.
actor Gate {
    private var open = false
    private var waiters: [CheckedContinuation<Void, Never>] = []
    func wait() async {
        if open { return }
        await withCheckedContinuation { waiters.append($0) }
    }
    func release() {
        open = true
        for waiter in waiters { waiter.resume() }
        waiters = []
    }
}

/// A message parsed the way a mail reader would: headers unfolded, encoded-words decoded,
/// quoted-printable body decoded.
struct ParsedMail {
    /// The raw header lines (folded), then the raw body lines.
    let headerLines: [String]
    let bodyLines: [String]
    /// Headers unfolded, in order.
    let headers: [(name: String, value: String)]

    init(_ raw: Data) {
        let text = String(decoding: raw, as: UTF8.self)
        let parts = text.components(separatedBy: "\r\n\r\n")
        headerLines = parts[0].components(separatedBy: "\r\n")
        bodyLines = parts.dropFirst().joined(separator: "\r\n\r\n").components(separatedBy: "\r\n")
        var headers: [(String, String)] = []
        for line in headerLines {
            if line.hasPrefix(" ") || line.hasPrefix("\t"), let last = headers.popLast() {
                headers.append((last.0, last.1 + line))
            } else if let colon = line.firstIndex(of: ":") {
                headers.append((String(line[..<colon]), String(line[line.index(after: colon)...])))
            }
        }
        self.headers = headers.map { ($0.0, $0.1.hasPrefix(" ") ? String($0.1.dropFirst()) : $0.1) }
    }

    /// The unfolded raw value of the first header called `name`.
    func raw(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    /// The decoded value of the first header called `name`.
    func header(_ name: String) -> String? { raw(name).map(decodeEncodedWords) }

    /// The body after quoted-printable decoding, with LF line ends.
    var decodedBody: String {
        decodeQuotedPrintable(bodyLines.joined(separator: "\r\n")).replacingOccurrences(of: "\r\n", with: "\n")
    }
}

/// Decodes RFC 2047 `=?UTF-8?B?…?=` and `=?UTF-8?Q?…?=` words; white space between adjacent
/// encoded-words is dropped, as the RFC says.
func decodeEncodedWords(_ value: String) -> String {
    var output = Data()
    var cursor = value.startIndex
    var previousWasWord = false
    for match in value.matches(of: /=\?([^?]+)\?([BbQq])\?([^?]*)\?=/) {
        let between = value[cursor..<match.range.lowerBound]
        if !(previousWasWord && between.allSatisfy(\.isWhitespace)) { output += Data(between.utf8) }
        let text = String(match.output.3)
        if match.output.2.uppercased() == "B" {
            output += Data(base64Encoded: text) ?? Data()
        } else {
            output += Data(decodeQuotedPrintable(text.replacingOccurrences(of: "_", with: " ")).utf8)
        }
        cursor = match.range.upperBound
        previousWasWord = true
    }
    output += Data(value[cursor...].utf8)
    return String(decoding: output, as: UTF8.self)
}

/// Decodes quoted-printable: `=XX` escapes and `=` soft line breaks.
func decodeQuotedPrintable(_ text: String) -> String {
    var bytes: [UInt8] = []
    let input = Array(text.utf8)
    var index = 0
    func hex(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x30...0x39: byte - 0x30
        case 0x41...0x46: byte - 0x41 + 10
        case 0x61...0x66: byte - 0x61 + 10
        default: nil
        }
    }
    while index < input.count {
        let byte = input[index]
        if byte == UInt8(ascii: "="), index + 2 < input.count {
            if input[index + 1] == 0x0D, input[index + 2] == 0x0A {
                index += 3
                continue
            }
            if let high = hex(input[index + 1]), let low = hex(input[index + 2]) {
                bytes.append(high << 4 | low)
                index += 3
                continue
            }
        }
        bytes.append(byte)
        index += 1
    }
    return String(decoding: bytes, as: UTF8.self)
}

/// A temporary directory for one test.
func makeTemporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("qeir-notify-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}
