/// A calendar date (proleptic Gregorian, no time of day, no time zone), as FRED dates its
/// observations.
///
/// Written and parsed as `YYYY-MM-DD`; encoded in JSON as that string. Ordering is
/// chronological.
public struct SeriesDate: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// The year, 1...9999.
    public let year: Int
    /// The month, 1...12.
    public let month: Int
    /// The day of the month, 1...28/29/30/31.
    public let day: Int

    /// Creates a date, checking it exists.
    /// - Throws: ``DataError/Code/invalidDate`` naming the date when the month or day is out of
    ///   range (for example 2021-02-29) or the year is outside 1...9999.
    public init(year: Int, month: Int, day: Int) throws {
        let text = Self.format(year, month, day)
        guard (1...9999).contains(year), (1...12).contains(month),
            (1...Self.daysInMonth(year: year, month: month)).contains(day)
        else {
            throw DataError(
                .invalidDate,
                "The date \(text) does not exist; give a real calendar date as YYYY-MM-DD (years 1-9999).",
                context: ["date": text])
        }
        self.year = year
        self.month = month
        self.day = day
    }

    /// Parses `YYYY-MM-DD` (exactly four, two and two digits).
    /// - Throws: ``DataError/Code/invalidDate`` naming the text.
    public init(_ text: String) throws {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            parts.allSatisfy({ $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }),
            let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2])
        else {
            throw DataError(
                .invalidDate, "'\(text)' is not a date; write dates as YYYY-MM-DD, for example 2020-04-01.",
                context: ["date": text])
        }
        try self.init(year: y, month: m, day: d)
    }

    private init(unchecked year: Int, _ month: Int, _ day: Int) {
        self.year = year
        self.month = month
        self.day = day
    }

    /// Whether `year` has 29 February.
    public static func isLeapYear(_ year: Int) -> Bool {
        (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
    }

    /// The number of days in `month` of `year`.
    public static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: return isLeapYear(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days since 1970-01-01 (negative before it).
    public var dayNumber: Int {
        let leapDays = Self.leapYears(before: year) - Self.leapYears(before: 1970)
        var days = 365 * (year - 1970) + leapDays
        for m in 1..<month { days += Self.daysInMonth(year: year, month: m) }
        return days + day - 1
    }

    /// The date `dayNumber` days after 1970-01-01.
    /// - Precondition: the result lies in years 1...9999.
    public init(dayNumber: Int) {
        var y = 1970 + Self.floorDivide(dayNumber, 365)
        while Self.firstDay(of: y) > dayNumber { y -= 1 }
        while Self.firstDay(of: y + 1) <= dayNumber { y += 1 }
        precondition((1...9999).contains(y), "SeriesDate(dayNumber:) out of range: \(dayNumber)")
        var rest = dayNumber - Self.firstDay(of: y)
        var m = 1
        while rest >= Self.daysInMonth(year: y, month: m) {
            rest -= Self.daysInMonth(year: y, month: m)
            m += 1
        }
        self.init(unchecked: y, m, rest + 1)
    }

    /// The ISO weekday: 1 = Monday ... 7 = Sunday.
    public var weekday: Int { Self.floorModulo(dayNumber + 3, 7) + 1 }

    /// The date `days` days later (earlier when negative).
    public func adding(days: Int) -> SeriesDate { SeriesDate(dayNumber: dayNumber + days) }

    /// Chronological order.
    public static func < (lhs: SeriesDate, rhs: SeriesDate) -> Bool {
        (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day)
    }

    /// `YYYY-MM-DD`.
    public var description: String { Self.format(year, month, day) }

    /// Decodes a `YYYY-MM-DD` string.
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        try self.init(text)
    }

    /// Encodes as a `YYYY-MM-DD` string.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    static func unchecked(_ year: Int, _ month: Int, _ day: Int) -> SeriesDate {
        SeriesDate(unchecked: year, month, day)
    }

    private static func format(_ y: Int, _ m: Int, _ d: Int) -> String {
        func pad(_ v: Int, _ width: Int) -> String {
            let s = String(v)
            return s.count >= width || v < 0 ? s : String(repeating: "0", count: width - s.count) + s
        }
        return "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))"
    }

    /// Leap years in 1 ... year−1 (proleptic Gregorian; valid for year ≥ 1).
    private static func leapYears(before year: Int) -> Int {
        let p = year - 1
        return p / 4 - p / 100 + p / 400
    }

    private static func firstDay(of year: Int) -> Int {
        365 * (year - 1970) + leapYears(before: year) - leapYears(before: 1970)
    }

    static func floorDivide(_ a: Int, _ b: Int) -> Int {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
    }

    static func floorModulo(_ a: Int, _ b: Int) -> Int { a - b * floorDivide(a, b) }
}
