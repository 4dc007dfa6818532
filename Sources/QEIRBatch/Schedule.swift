public import Foundation

/// A day of the week, numbered as in cron (0 = Sunday).
public enum Weekday: Int, Sendable, Hashable, CaseIterable {
    /// Sunday (cron 0 or 7).
    case sunday = 0
    /// Monday.
    case monday
    /// Tuesday.
    case tuesday
    /// Wednesday.
    case wednesday
    /// Thursday.
    case thursday
    /// Friday.
    case friday
    /// Saturday.
    case saturday
}

/// A wall-clock time of day, to the minute.
public struct TimeOfDay: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Hour, 0–23.
    public let hour: Int
    /// Minute, 0–59.
    public let minute: Int

    /// Creates a time of day.
    ///
    /// - Throws: ``BatchError`` (``BatchError/Code/invalidValue``) when the hour is outside 0–23 or the
    ///   minute outside 0–59.
    public init(hour: Int, minute: Int = 0) throws(BatchError) {
        guard (0...23).contains(hour) else {
            throw BatchError(
                .invalidValue, "Schedule hour \(hour) is out of range 0–23.", context: ["hour": String(hour)])
        }
        guard (0...59).contains(minute) else {
            throw BatchError(
                .invalidValue, "Schedule minute \(minute) is out of range 0–59.", context: ["minute": String(minute)])
        }
        self.hour = hour
        self.minute = minute
    }

    /// `HH:MM`.
    public var description: String {
        (hour < 10 ? "0" : "") + "\(hour):" + (minute < 10 ? "0" : "") + "\(minute)"
    }

    /// Orders by hour, then minute.
    public static func < (lhs: Self, rhs: Self) -> Bool {
        (lhs.hour, lhs.minute) < (rhs.hour, rhs.minute)
    }
}

/// When a job runs: a recurrence evaluated on the wall clock of a named IANA time zone.
///
/// Rules (see `Documentation/Schedules.md`):
/// - **Spring forward.** A wall-clock time that the zone skips fires at the first instant after the
///   gap (02:30 on a New York spring-forward day fires at 03:00 EDT). Several skipped times collapse
///   into that one firing.
/// - **Fall back.** A wall-clock time that occurs twice fires once, at its first occurrence.
///
///   Both rules are one rule: a wall time *w* fires at the earliest instant whose local clock reads
///   *w* or later.
/// - **Month ends.** ``Recurrence/monthly(day:at:)`` with a day the month lacks fires on the month's
///   last day (31 → 30 April, 29/30/31 → 28 February, or 29 in a leap year). Cron does not clamp:
///   day 31 never matches a 30-day month, as in Vixie cron.
public struct Schedule: Sendable, Hashable {
    /// How a schedule recurs.
    public enum Recurrence: Sendable, Hashable {
        /// Every day at a time.
        case daily(at: TimeOfDay)
        /// Every week on a weekday at a time.
        case weekly(Weekday, at: TimeOfDay)
        /// Every month on a day (1–31, clamped to the month's last day) at a time.
        case monthly(day: Int, at: TimeOfDay)
        /// Whenever a cron expression matches.
        case cron(CronExpression)
    }

    /// The recurrence.
    public let recurrence: Recurrence
    /// The zone whose wall clock the recurrence reads.
    public let timeZone: TimeZone
    /// Fire times of a matching day (hour × 60 + minute), ascending; derived from `recurrence`.
    private let minutesOfDay: [Int]

    /// Creates a schedule in a named time zone.
    ///
    /// - Parameters:
    ///   - recurrence: when to fire.
    ///   - timeZoneIdentifier: an IANA zone name such as `"America/New_York"` or `"UTC"`.
    /// - Throws: ``BatchError`` (``BatchError/Code/invalidValue``) for an unknown zone or a monthly
    ///   day outside 1–31.
    public init(_ recurrence: Recurrence, timeZone timeZoneIdentifier: String) throws(BatchError) {
        guard let zone = TimeZone(identifier: timeZoneIdentifier) else {
            throw BatchError(
                .invalidValue,
                "Time zone '\(timeZoneIdentifier)' is not a known IANA time zone; "
                    + "use a name such as 'America/New_York' or 'UTC'.",
                context: ["timeZone": timeZoneIdentifier])
        }
        if case .monthly(let day, _) = recurrence, !(1...31).contains(day) {
            throw BatchError(
                .invalidValue, "Monthly schedule day \(day) is out of range 1–31.", context: ["day": String(day)])
        }
        self.recurrence = recurrence
        self.timeZone = zone
        switch recurrence {
        case .daily(let t), .weekly(_, let t), .monthly(_, let t): minutesOfDay = [t.hour * 60 + t.minute]
        case .cron(let c): minutesOfDay = c.minutesOfDay
        }
    }

    /// The first fire date strictly after `date`, or `nil` if the recurrence never fires again
    /// (a cron expression such as `0 0 30 2 *`).
    ///
    /// - Complexity: proportional to the days searched; gives up after 400 years.
    public func nextFireDate(after date: Date) -> Date? {
        let after = date.timeIntervalSince1970
        let afterSecond = Int(after.rounded(.down))
        let startMinute = Civil.floorDiv(afterSecond + offset(afterSecond), 60) + 1
        var day = Civil.floorDiv(startMinute, 1440)
        var fromMinute = startMinute - day * 1440
        for _ in 0..<(400 * 366) {
            if matches(day: day) {
                for m in minutesOfDay where m >= fromMinute {
                    let instant = firstInstant(atOrAfterWall: (day * 1440 + m) * 60)
                    if Double(instant) > after { return Date(timeIntervalSince1970: Double(instant)) }
                }
            }
            day += 1
            fromMinute = 0
        }
        return nil
    }

    /// The fire dates strictly after `date`, in order.
    public func fireDates(after date: Date) -> FireDates {
        FireDates(schedule: self, last: date)
    }

    /// An endless (or, for a cron expression that stops matching, finite) sequence of fire dates.
    public struct FireDates: Sequence, IteratorProtocol, Sendable {
        let schedule: Schedule
        var last: Date?

        /// The next fire date, or `nil` when there is none.
        public mutating func next() -> Date? {
            guard let current = last else { return nil }
            last = schedule.nextFireDate(after: current)
            return last
        }
    }

    // MARK: - Wall-clock arithmetic

    private func matches(day: Int) -> Bool {
        switch recurrence {
        case .daily: return true
        case .weekly(let w, _): return Civil.weekday(day) == w.rawValue
        case .monthly(let d, _):
            let (y, m, dd) = Civil.date(day)
            return dd == min(d, Civil.daysIn(year: y, month: m))
        case .cron(let c):
            let (_, m, dd) = Civil.date(day)
            return c.matchesDay(month: m, day: dd, weekday: Civil.weekday(day))
        }
    }

    private func offset(_ second: Int) -> Int {
        timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(second)))
    }

    /// The earliest instant (seconds since 1970) whose local wall clock reads `wall` or later, where
    /// `wall` is the local date-time counted in seconds as if it were UTC.
    func firstInstant(atOrAfterWall wall: Int) -> Int {
        let dayBefore = offset(wall - 86_400)
        let dayAfter = offset(wall + 86_400)
        if dayBefore == dayAfter, offset(wall - dayBefore) == dayBefore {
            return wall - dayBefore  // no transition nearby: the common, allocation-free path
        }
        let offsets = Set([dayBefore, offset(wall), dayAfter])
        let valid = offsets.map { wall - $0 }.filter { offset($0) == wall - $0 }
        if let first = valid.min() { return first }
        // In a gap: the zone jumps from below `wall` to above it between these two instants.
        var low = wall - offsets.max()!
        var high = wall - offsets.min()!
        let before = offset(low)
        while high - low > 1 {
            let mid = low + (high - low) / 2
            if offset(mid) == before { low = mid } else { high = mid }
        }
        return high
    }
}

/// Proleptic Gregorian day arithmetic (days since 1970-01-01), after H. Hinnant's `chrono` algorithms.
enum Civil {
    static func floorDiv(_ a: Int, _ b: Int) -> Int {
        a >= 0 ? a / b : -((-a + b - 1) / b)
    }

    static func days(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = floorDiv(y, 400)
        let yoe = y - era * 400
        let doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func date(_ days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = floorDiv(z, 146_097)
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }

    /// 0 = Sunday.
    static func weekday(_ days: Int) -> Int { ((days + 4) % 7 + 7) % 7 }

    static func daysIn(year: Int, month: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }
}
