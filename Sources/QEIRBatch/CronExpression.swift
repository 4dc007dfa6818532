/// A five-field cron expression: `minute hour day-of-month month day-of-week`.
///
/// Each field accepts `*`, a value, a range `a-b`, a step `*/n`, `a-b/n` or `a/n` (from `a` to the end
/// of the field's range), and comma-separated lists of these. Months accept `JAN`–`DEC` and weekdays
/// `SUN`–`SAT` (case-insensitive, also inside ranges such as `MON-FRI`); weekday `0` and `7` are both
/// Sunday.
///
/// Days follow Vixie cron: when both day-of-month and day-of-week are restricted (neither field
/// starts with `*`), a day matches if **either** matches; otherwise both must match. So
/// `0 9 13 * FRI` fires on every 13th and on every Friday, while `0 9 */2 * FRI` fires on odd-numbered
/// days that are Fridays. A day-of-month that a month lacks (31 in April, 30 in February) never
/// matches that month — nothing is moved to another day.
///
/// ```swift
/// let every15 = try CronExpression("*/15 9-17 * * MON-FRI")
/// ```
public struct CronExpression: Sendable, Hashable, CustomStringConvertible {
    /// The expression as written, with runs of whitespace collapsed to one space.
    public let source: String
    let minuteMask: UInt64
    let hourMask: UInt64
    let dayOfMonthMask: UInt64
    let monthMask: UInt64
    let dayOfWeekMask: UInt64
    /// Whether the day-of-month field starts with `*` (Vixie's "unrestricted" test).
    public let isDayOfMonthUnrestricted: Bool
    /// Whether the day-of-week field starts with `*` (Vixie's "unrestricted" test).
    public let isDayOfWeekUnrestricted: Bool

    /// Parses a five-field cron expression.
    ///
    /// - Parameter text: fields separated by whitespace, e.g. `"30 2 * * SUN"`.
    /// - Throws: ``BatchError`` with code ``BatchError/Code/invalidValue`` naming the field and the
    ///   offending token, e.g. `Cron field 'hour' value '25' is out of range 0–23.`
    public init(_ text: String) throws(BatchError) {
        let fields = text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).map(String.init)
        source = fields.joined(separator: " ")
        guard fields.count == 5 else {
            throw BatchError(
                .invalidValue,
                "Cron expression '\(source)' has \(fields.count) field\(fields.count == 1 ? "" : "s"); "
                    + "expected 5: minute hour day-of-month month day-of-week.",
                context: ["expression": source])
        }
        minuteMask = try Self.parse(fields[0], .minute).mask
        hourMask = try Self.parse(fields[1], .hour).mask
        let dom = try Self.parse(fields[2], .dayOfMonth)
        monthMask = try Self.parse(fields[3], .month).mask
        let dow = try Self.parse(fields[4], .dayOfWeek)
        dayOfMonthMask = dom.mask
        dayOfWeekMask = dow.mask
        isDayOfMonthUnrestricted = dom.star
        isDayOfWeekUnrestricted = dow.star
    }

    /// The expression as written (normalized whitespace).
    public var description: String { source }

    /// Minutes (0–59) the expression fires at, ascending.
    public var minutes: [Int] { Self.values(minuteMask) }
    /// Hours (0–23) the expression fires at, ascending.
    public var hours: [Int] { Self.values(hourMask) }
    /// Days of the month (1–31) the day-of-month field lists, ascending.
    public var daysOfMonth: [Int] { Self.values(dayOfMonthMask) }
    /// Months (1 = January … 12 = December) the expression fires in, ascending.
    public var months: [Int] { Self.values(monthMask) }
    /// Weekdays (0 = Sunday … 6 = Saturday) the day-of-week field lists, ascending.
    public var daysOfWeek: [Int] { Self.values(dayOfWeekMask) }

    /// Two expressions are equal when they fire at the same times, however they are written.
    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.minuteMask == rhs.minuteMask && lhs.hourMask == rhs.hourMask && lhs.dayOfMonthMask == rhs.dayOfMonthMask
            && lhs.monthMask == rhs.monthMask && lhs.dayOfWeekMask == rhs.dayOfWeekMask
            && lhs.isDayOfMonthUnrestricted == rhs.isDayOfMonthUnrestricted
            && lhs.isDayOfWeekUnrestricted == rhs.isDayOfWeekUnrestricted
    }

    /// Hashes the fields that decide equality.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(minuteMask)
        hasher.combine(hourMask)
        hasher.combine(dayOfMonthMask)
        hasher.combine(monthMask)
        hasher.combine(dayOfWeekMask)
        hasher.combine(isDayOfMonthUnrestricted)
        hasher.combine(isDayOfWeekUnrestricted)
    }

    /// Whether the expression fires on a calendar day, with Vixie's day-of-month/day-of-week rule.
    ///
    /// - Parameters:
    ///   - month: 1–12.
    ///   - day: 1–31.
    ///   - weekday: 0 = Sunday … 6 = Saturday.
    public func matchesDay(month: Int, day: Int, weekday: Int) -> Bool {
        guard monthMask & (1 << UInt64(month)) != 0 else { return false }
        let domOK = dayOfMonthMask & (1 << UInt64(day)) != 0
        let dowOK = dayOfWeekMask & (1 << UInt64(weekday)) != 0
        if isDayOfMonthUnrestricted || isDayOfWeekUnrestricted { return domOK && dowOK }
        return domOK || dowOK
    }

    /// Minutes of the day (hour × 60 + minute) the expression fires at, ascending.
    var minutesOfDay: [Int] {
        let ms = minutes
        return hours.flatMap { h in ms.map { h * 60 + $0 } }
    }

    // MARK: - Parsing

    struct Field {
        let name: String
        let range: ClosedRange<Int>
        /// The range `*` and `a/n` cover (weekday 7 is an alias, not part of it).
        let starRange: ClosedRange<Int>
        let names: [String]
        let nameOffset: Int
        let nameHint: String

        static let minute = Field(
            name: "minute", range: 0...59, starRange: 0...59, names: [], nameOffset: 0, nameHint: "")
        static let hour = Field(name: "hour", range: 0...23, starRange: 0...23, names: [], nameOffset: 0, nameHint: "")
        static let dayOfMonth = Field(
            name: "day-of-month", range: 1...31, starRange: 1...31, names: [], nameOffset: 0, nameHint: "")
        static let month = Field(
            name: "month", range: 1...12, starRange: 1...12,
            names: ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"],
            nameOffset: 1, nameHint: " or a month name (JAN–DEC)")
        static let dayOfWeek = Field(
            name: "day-of-week", range: 0...7, starRange: 0...6,
            names: ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"], nameOffset: 0,
            nameHint: " or a weekday name (SUN–SAT)")

        func error(_ message: String, token: some StringProtocol) -> BatchError {
            BatchError(
                .invalidValue, "Cron field '\(name)' \(message)", context: ["field": name, "token": String(token)])
        }

        func value(_ token: Substring) throws(BatchError) -> Int {
            if !token.isEmpty, token.allSatisfy({ $0.isASCII && $0.isNumber }) {
                guard let v = Int(token), range.contains(v) else {
                    throw error(
                        "value '\(token)' is out of range \(range.lowerBound)–\(range.upperBound).", token: token)
                }
                return v
            }
            if let i = names.firstIndex(of: token.uppercased()) { return i + nameOffset }
            throw error("value '\(token)' is not a number\(nameHint).", token: token)
        }
    }

    static func parse(_ text: String, _ field: Field) throws(BatchError) -> (mask: UInt64, star: Bool) {
        var mask: UInt64 = 0
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            guard !item.isEmpty else {
                throw field.error("has an empty list item in '\(text)'.", token: text)
            }
            let parts = item.split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count <= 2 else {
                throw field.error("item '\(item)' has more than one step ('/').", token: item)
            }
            var step = 1
            if parts.count == 2 {
                let s = parts[1]
                guard !s.isEmpty, s.allSatisfy({ $0.isASCII && $0.isNumber }), let n = Int(s), n >= 1 else {
                    throw field.error("step '\(s)' in '\(item)' must be a whole number of at least 1.", token: item)
                }
                step = n
            }
            let base = parts[0]
            let low: Int
            let high: Int
            if base == "*" {
                (low, high) = (field.starRange.lowerBound, field.starRange.upperBound)
            } else if base.contains("-") {
                let bounds = base.split(separator: "-", omittingEmptySubsequences: false)
                guard bounds.count == 2, !bounds[0].isEmpty, !bounds[1].isEmpty else {
                    throw field.error("range '\(base)' needs one value on each side of '-'.", token: base)
                }
                low = try field.value(bounds[0])
                high = try field.value(bounds[1])
                guard low <= high else {
                    throw field.error("range '\(base)' is reversed; write the lower bound first.", token: base)
                }
            } else {
                low = try field.value(base)
                high = parts.count == 2 ? max(low, field.starRange.upperBound) : low
            }
            for v in stride(from: low, through: high, by: step) {
                mask |= 1 << UInt64(field.name == "day-of-week" && v == 7 ? 0 : v)
            }
        }
        return (mask, text.hasPrefix("*"))
    }

    static func values(_ mask: UInt64) -> [Int] {
        (0..<64).filter { mask & (1 << UInt64($0)) != 0 }
    }
}
