import Foundation

/// A single-pass scanner for the common shape of a `fred/series/observations` page: long format,
/// every field a plain string without escapes.
///
/// Why by hand: Foundation's `JSONDecoder` (and `JSONSerialization`) on Linux take about
/// 100 ms for a 10,000-observation page (about 1 MB), which turns a cache hit into the slowest
/// step of a batch; this scanner reads the same page in a fraction of a millisecond (see
/// `Benchmarks/RESULTS.md`, row `fred_cache_hit`). It is deliberately narrow: it accepts only what
/// it can decode exactly as the generic path would, and returns `nil` for anything else — wide
/// (vintage) columns, escaped strings, a non-string field, a missing date or value, a value that
/// is not a number, malformed JSON — so that the caller falls back to `JSONDecoder` and its
/// errors. Values are converted exactly (see ``decimal(_:_:)``), so both paths give the same
/// `Double` to the last bit; a test holds them equal on every shape the fast path accepts.
enum FREDObservationsScanner {
    /// One decoded page.
    struct Page {
        /// FRED's `count`: the total number of observations over all pages.
        var count: Int
        /// The page's observations, in order.
        var observations: [FREDObservation]
    }

    /// Scans one page, or returns `nil` when it is not in the shape the fast path handles.
    static func page(_ data: Data) -> Page? {
        data.withUnsafeBytes { raw -> Page? in
            guard let base = raw.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return nil }
            var cursor = Cursor(p: base, n: raw.count)
            return cursor.page()
        }
    }

    /// Parses a decimal `[-]digits[.digits]` exactly: the significand (at most 15 digits, so
    /// below 2⁵³) and the power of ten (at most 22, so exact in a `Double`) are both exact, and
    /// one IEEE division or multiplication rounds correctly — the same result as `Double(text)`
    /// (Clinger 1990, "How to read floating point numbers accurately", the fast path). Returns
    /// `nil` for anything longer or in another notation (the caller uses `Double(text)` then).
    static func decimal(_ p: UnsafePointer<UInt8>, _ count: Int) -> Double? {
        var i = 0
        var negative = false
        if count > 0 && p[0] == UInt8(ascii: "-") {
            negative = true
            i = 1
        }
        var significand: UInt64 = 0
        var digits = 0
        var fraction = 0
        var sawPoint = false
        var sawDigit = false
        while i < count {
            let c = p[i]
            if c >= 0x30 && c <= 0x39 {
                sawDigit = true
                if significand != 0 || c != 0x30 { digits += 1 }
                guard digits <= 15 else { return nil }
                significand = significand * 10 + UInt64(c - 0x30)
                if sawPoint { fraction += 1 }
            } else if c == UInt8(ascii: ".") && !sawPoint {
                sawPoint = true
            } else {
                return nil
            }
            i += 1
        }
        guard sawDigit, fraction <= 22 else { return nil }
        var value = Double(significand)
        if fraction > 0 { value /= powersOfTen[fraction] }
        return negative ? -value : value
    }

    /// 10⁰ … 10²², each exact in a `Double`.
    static let powersOfTen: [Double] = (0...22).map { e in
        var v = 1.0
        for _ in 0..<e { v *= 10 }
        return v
    }

    /// The fields of a long-format observation.
    private enum Field { case date, value, realtimeStart, realtimeEnd, other }

    /// Little-endian words of the keys' bytes, for ``Cursor/field(_:)``.
    private enum Keys {
        static func word<T: FixedWidthInteger>(_ text: String, from offset: Int, as: T.Type) -> T {
            var value: T = 0
            for (i, byte) in text.utf8.dropFirst(offset).prefix(MemoryLayout<T>.size).enumerated() {
                value |= T(byte) << (8 * i)
            }
            return value
        }
        static let date = word("date", from: 0, as: UInt32.self)
        static let valu = word("valu", from: 0, as: UInt32.self)
        static let realtime = word("realtime", from: 0, as: UInt64.self)
        static let end = word("realtime_end", from: 8, as: UInt32.self)
        static let meStart = word("realtime_start", from: 6, as: UInt64.self)

        /// FRED's own row layout up to the value's text, `*` standing for a date character.
        static let compact =
            #"{"realtime_start":"**********","realtime_end":"**********","#
            + #""date":"**********","value":""#
        /// The layout as little-endian words, with masks selecting its fixed bytes (the
        /// complement selects the 30 date characters).
        static let compactWords: [(word: UInt64, fixed: UInt64)] = {
            let bytes = Array(compact.utf8)
            precondition(bytes.count == 88)
            return stride(from: 0, to: 88, by: 8).map { offset in
                var word: UInt64 = 0
                var fixed: UInt64 = 0
                for lane in 0..<8 {
                    let byte = bytes[offset + lane]
                    guard byte != UInt8(ascii: "*") else { continue }
                    word |= UInt64(byte) << (8 * lane)
                    fixed |= 0xFF << (8 * lane)
                }
                return (word, fixed)
            }
        }()
    }

    private struct Cursor {
        let p: UnsafePointer<UInt8>
        let n: Int
        var i = 0
        /// The last real-time strings seen, reused while the bytes repeat (they nearly always
        /// do), so a page does not build the same string 10,000 times.
        var lastStart: (offset: Int, count: Int, text: String) = (0, -1, "")
        var lastEnd: (offset: Int, count: Int, text: String) = (0, -1, "")
        /// The key words, read once per page rather than through a global accessor per key.
        let keyDate = Keys.date
        let keyValu = Keys.valu
        let keyRealtime = Keys.realtime
        let keyEnd = Keys.end
        let keyMeStart = Keys.meStart
        let compactWords = Keys.compactWords

        init(p: UnsafePointer<UInt8>, n: Int) {
            self.p = p
            self.n = n
        }

        mutating func skipSpace() {
            while i < n {
                let c = p[i]
                guard c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 else { return }
                i += 1
            }
        }

        mutating func take(_ byte: UInt8) -> Bool {
            skipSpace()
            guard i < n, p[i] == byte else { return false }
            i += 1
            return true
        }

        /// A string without escapes or control characters: returns its byte range (after the
        /// opening quote, before the closing one).
        mutating func plainString() -> (start: Int, count: Int)? {
            skipSpace()
            guard i < n, p[i] == UInt8(ascii: "\"") else { return nil }
            i += 1
            let start = i
            // Eight bytes at a time up to the first byte that could end or spoil the string;
            // the byte loop below then decides exactly what that byte is.
            while n - i >= 8 {
                let special = Self.specialBytes(UnsafeRawPointer(p + i).loadUnaligned(as: UInt64.self))
                if special != 0 {
                    i += special.trailingZeroBitCount / 8
                    break
                }
                i += 8
            }
            while i < n {
                let c = p[i]
                if c == UInt8(ascii: "\"") {
                    i += 1
                    return (start, i - 1 - start)
                }
                if c == UInt8(ascii: "\\") || c < 0x20 || c >= 0x80 { return nil }
                i += 1
            }
            return nil
        }

        /// The high bit of each byte lane of `word` (little-endian) that holds a quote, a
        /// backslash, a control character or a non-ASCII byte. Lanes above the lowest flagged one
        /// may be flagged spuriously (borrows propagate upwards); the lowest is exact, which is
        /// all the caller uses.
        static func specialBytes(_ word: UInt64) -> UInt64 {
            let ones: UInt64 = 0x0101_0101_0101_0101
            let high: UInt64 = 0x8080_8080_8080_8080
            let quote = word ^ (ones &* 0x22)
            let backslash = word ^ (ones &* 0x5C)
            let zeroAtQuote = (quote &- ones) & ~quote
            let zeroAtBackslash = (backslash &- ones) & ~backslash
            let control = (word &- ones &* 0x20) & ~word
            return (zeroAtQuote | zeroAtBackslash | control | word) & high
        }

        func equals(_ range: (start: Int, count: Int), _ literal: StaticString) -> Bool {
            guard range.count == literal.utf8CodeUnitCount else { return false }
            return memcmp(p + range.start, literal.utf8Start, range.count) == 0
        }

        func text(_ range: (start: Int, count: Int)) -> String {
            String(decoding: UnsafeBufferPointer(start: p + range.start, count: range.count), as: UTF8.self)
        }

        /// The text of a real-time bound, reusing the previous string when the bytes repeat.
        static func cached(
            _ p: UnsafePointer<UInt8>, _ range: (start: Int, count: Int),
            _ last: inout (offset: Int, count: Int, text: String)
        ) -> String {
            if range.count == last.count && memcmp(p + range.start, p + last.offset, range.count) == 0 {
                return last.text
            }
            let value = String(
                decoding: UnsafeBufferPointer(start: p + range.start, count: range.count), as: UTF8.self)
            last = (range.start, range.count, value)
            return value
        }

        /// Which field of an observation a key names, by exact comparison of its bytes (the
        /// four keys differ in length, so one length test and one or two word loads decide).
        func field(_ key: (start: Int, count: Int)) -> Field {
            let raw = UnsafeRawPointer(p + key.start)
            switch key.count {
            case 4:
                return raw.loadUnaligned(as: UInt32.self) == keyDate ? .date : .other
            case 5:
                return raw.loadUnaligned(as: UInt32.self) == keyValu && p[key.start + 4] == UInt8(ascii: "e")
                    ? .value : .other
            case 12:
                return raw.loadUnaligned(as: UInt64.self) == keyRealtime
                    && raw.loadUnaligned(fromByteOffset: 8, as: UInt32.self) == keyEnd ? .realtimeEnd : .other
            case 14:
                return raw.loadUnaligned(as: UInt64.self) == keyRealtime
                    && raw.loadUnaligned(fromByteOffset: 6, as: UInt64.self) == keyMeStart ? .realtimeStart : .other
            default:
                return .other
            }
        }

        mutating func page() -> Page? {
            guard take(UInt8(ascii: "{")) else { return nil }
            var count: Int?
            var observations: [FREDObservation]?
            if !take(UInt8(ascii: "}")) {
                repeat {
                    guard let key = plainString(), take(UInt8(ascii: ":")) else { return nil }
                    if equals(key, "count") {
                        guard count == nil, let value = integer() else { return nil }
                        count = value
                    } else if equals(key, "observations") {
                        guard observations == nil, let rows = rows() else { return nil }
                        observations = rows
                    } else {
                        guard skipValue(depth: 0) else { return nil }
                    }
                } while take(UInt8(ascii: ","))
                guard take(UInt8(ascii: "}")) else { return nil }
            }
            skipSpace()
            guard i == n, let count, let observations else { return nil }
            return Page(count: count, observations: observations)
        }

        mutating func integer() -> Int? {
            skipSpace()
            let start = i
            var value = 0
            while i < n, p[i] >= 0x30, p[i] <= 0x39 {
                guard i - start < 18 else { return nil }
                value = value * 10 + Int(p[i] - 0x30)
                i += 1
            }
            guard i > start, i == start + 1 || p[start] != 0x30 else { return nil }
            // A fraction or exponent is not an integer: let the generic path decide.
            if i < n, p[i] == UInt8(ascii: ".") || p[i] == UInt8(ascii: "e") || p[i] == UInt8(ascii: "E") {
                return nil
            }
            return value
        }

        mutating func rows() -> [FREDObservation]? {
            guard take(UInt8(ascii: "[")) else { return nil }
            var out: [FREDObservation] = []
            // About 95 bytes per row: reserve once instead of growing the array a dozen times.
            out.reserveCapacity(max(16, (n - i) / 90))
            if take(UInt8(ascii: "]")) { return out }
            repeat {
                guard let row = row() else { return nil }
                out.append(row)
            } while take(UInt8(ascii: ","))
            guard take(UInt8(ascii: "]")) else { return nil }
            return out
        }

        /// A row in FRED's own compact layout (keys in FRED's order, no spaces), matched against
        /// the layout eleven words at a time; `nil`, with the cursor unmoved, for any other shape,
        /// which ``row()`` then reads field by field.
        mutating func compactRow() -> FREDObservation? {
            guard n - i >= 88 + 2 else { return nil }
            let raw = UnsafeRawPointer(p + i)
            var differs: UInt64 = 0
            var special: UInt64 = 0
            for (offset, layout) in compactWords.enumerated() {
                let word = raw.loadUnaligned(fromByteOffset: 8 * offset, as: UInt64.self)
                differs |= (word ^ layout.word) & layout.fixed
                special |= Self.specialBytes(word) & ~layout.fixed
            }
            guard differs == 0, special == 0 else { return nil }
            // The value: plain text up to its closing quote, then the row's closing brace.
            var j = i + 88
            while j < n {
                let c = p[j]
                if c == UInt8(ascii: "\"") { break }
                if c == UInt8(ascii: "\\") || c < 0x20 || c >= 0x80 { return nil }
                j += 1
            }
            guard j + 1 < n, p[j + 1] == UInt8(ascii: "}") else { return nil }
            let value = (start: i + 88, count: j - i - 88)
            guard let number = self.number(value) else { return nil }
            let realtimeStart = Self.cached(p, (i + 19, 10), &lastStart)
            let realtimeEnd = Self.cached(p, (i + 47, 10), &lastEnd)
            let date = text((i + 67, 10))
            i = j + 2
            return FREDObservation(realtimeStart: realtimeStart, realtimeEnd: realtimeEnd, date: date, value: number)
        }

        /// The value of a value field: `nil` inside for FRED's "." (missing), `nil` outside when
        /// the text is not a number.
        func number(_ value: (start: Int, count: Int)) -> Double?? {
            if value.count == 1 && p[value.start] == UInt8(ascii: ".") { return .some(nil) }
            if let exact = FREDObservationsScanner.decimal(p + value.start, value.count) { return exact }
            if let parsed = Double(text(value)) { return parsed }
            return nil
        }

        mutating func row() -> FREDObservation? {
            skipSpace()
            if let row = compactRow() { return row }
            guard take(UInt8(ascii: "{")) else { return nil }
            let none = (start: 0, count: -1)
            var start = none
            var end = none
            var date = none
            var value = none
            if !take(UInt8(ascii: "}")) {
                repeat {
                    guard let key = plainString(), take(UInt8(ascii: ":")), let text = plainString() else { return nil }
                    switch field(key) {
                    case .date:
                        guard date.count < 0 else { return nil }
                        date = text
                    case .value:
                        guard value.count < 0 else { return nil }
                        value = text
                    case .realtimeStart:
                        guard start.count < 0 else { return nil }
                        start = text
                    case .realtimeEnd:
                        guard end.count < 0 else { return nil }
                        end = text
                    case .other:
                        return nil  // a vintage column (wide format) or an unknown field
                    }
                } while take(UInt8(ascii: ","))
                guard take(UInt8(ascii: "}")) else { return nil }
            }
            guard date.count >= 0, value.count >= 0 else { return nil }
            guard let number = self.number(value) else { return nil }  // the generic path reports it
            let realtimeStart = start.count < 0 ? "" : Self.cached(p, start, &lastStart)
            let realtimeEnd = end.count < 0 ? "" : Self.cached(p, end, &lastEnd)
            return FREDObservation(
                realtimeStart: realtimeStart, realtimeEnd: realtimeEnd, date: text(date), value: number)
        }

        /// Skips any JSON value, checking its grammar (nesting up to 64 levels).
        mutating func skipValue(depth: Int) -> Bool {
            guard depth < 64 else { return false }
            skipSpace()
            guard i < n else { return false }
            switch p[i] {
            case UInt8(ascii: "\""):
                i += 1
                while i < n {
                    let c = p[i]
                    if c == UInt8(ascii: "\"") {
                        i += 1
                        return true
                    }
                    if c < 0x20 { return false }
                    i += c == UInt8(ascii: "\\") ? 2 : 1
                }
                return false
            case UInt8(ascii: "{"):
                i += 1
                if take(UInt8(ascii: "}")) { return true }
                repeat {
                    guard skipValue(depth: depth + 1), take(UInt8(ascii: ":")), skipValue(depth: depth + 1) else {
                        return false
                    }
                } while take(UInt8(ascii: ","))
                return take(UInt8(ascii: "}"))
            case UInt8(ascii: "["):
                i += 1
                if take(UInt8(ascii: "]")) { return true }
                repeat {
                    guard skipValue(depth: depth + 1) else { return false }
                } while take(UInt8(ascii: ","))
                return take(UInt8(ascii: "]"))
            case UInt8(ascii: "t"): return literal("true")
            case UInt8(ascii: "f"): return literal("false")
            case UInt8(ascii: "n"): return literal("null")
            default: return number()
            }
        }

        mutating func literal(_ word: StaticString) -> Bool {
            let count = word.utf8CodeUnitCount
            guard n - i >= count, memcmp(p + i, word.utf8Start, count) == 0 else { return false }
            i += count
            return true
        }

        /// A JSON number: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
        mutating func number() -> Bool {
            func digits(_ c: inout Cursor) -> Int {
                let start = c.i
                while c.i < c.n, c.p[c.i] >= 0x30, c.p[c.i] <= 0x39 { c.i += 1 }
                return c.i - start
            }
            if i < n, p[i] == UInt8(ascii: "-") { i += 1 }
            guard i < n else { return false }
            if p[i] == 0x30 {
                i += 1
            } else if digits(&self) == 0 {
                return false
            }
            if i < n, p[i] == UInt8(ascii: ".") {
                i += 1
                guard digits(&self) > 0 else { return false }
            }
            if i < n, p[i] == UInt8(ascii: "e") || p[i] == UInt8(ascii: "E") {
                i += 1
                if i < n, p[i] == UInt8(ascii: "+") || p[i] == UInt8(ascii: "-") { i += 1 }
                guard digits(&self) > 0 else { return false }
            }
            return true
        }
    }
}
