/// The observation frequency of a series, and the calendar QEIR puts it on.
///
/// Every frequency divides time into consecutive **periods**, each labelled by one date
/// (FRED's convention):
///
/// | frequency | period | label |
/// |---|---|---|
/// | ``daily`` | one business day, Monday–Friday (FRED's daily series are business-daily; holidays are periods whose value is missing) | the day |
/// | ``weekly`` | Saturday–Friday | the Friday (FRED's "Weekly, Ending Friday") |
/// | ``monthly`` | calendar month | its first day, e.g. 2020-04-01 |
/// | ``quarterly`` | calendar quarter | its first day, e.g. 2020-04-01 for 2020Q2 |
/// | ``annual`` | calendar year | 1 January |
///
/// An observation belongs to the period containing its date: a weekly observation dated
/// Wednesday 2020-04-01 (WALCL is dated Wednesdays) falls in April, and in the week ending
/// Friday 2020-04-03.
public enum Frequency: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    /// Business days (Monday–Friday).
    case daily = "d"
    /// Weeks ending Friday.
    case weekly = "w"
    /// Calendar months.
    case monthly = "m"
    /// Calendar quarters.
    case quarterly = "q"
    /// Calendar years.
    case annual = "a"

    /// Parses FRED's codes (`d`, `w`, `m`, `q`, `a`) or the words (`daily` ... `annual`).
    /// - Throws: ``DataError/Code/invalidArgument`` naming the text and the accepted values.
    public init(code: String) throws {
        if let f = Frequency(rawValue: code.lowercased())
            ?? Frequency.allCases.first(where: { $0.name == code.lowercased() })
        {
            self = f
        } else {
            throw DataError(
                .invalidArgument,
                "'\(code)' is not a frequency; use one of d, w, m, q, a (daily, weekly, monthly, quarterly, annual).",
                context: ["value": code])
        }
    }

    /// The English name: `daily`, `weekly`, `monthly`, `quarterly` or `annual`.
    public var name: String {
        switch self {
        case .daily: "daily"
        case .weekly: "weekly"
        case .monthly: "monthly"
        case .quarterly: "quarterly"
        case .annual: "annual"
        }
    }

    /// The English name.
    public var description: String { name }

    /// Periods per year, used by year-over-year changes: 260 business days and 52 weeks are
    /// approximations; 12, 4 and 1 are exact.
    public var periodsPerYear: Int {
        switch self {
        case .daily: 260
        case .weekly: 52
        case .monthly: 12
        case .quarterly: 4
        case .annual: 1
        }
    }

    /// 0 for daily up to 4 for annual.
    var rank: Int {
        switch self {
        case .daily: 0
        case .weekly: 1
        case .monthly: 2
        case .quarterly: 3
        case .annual: 4
        }
    }

    /// Whether every period of `self` lies within one period of `other` or equals it
    /// (so `other` can be reached by aggregation).
    public func canAggregate(to other: Frequency) -> Bool { other.rank >= rank }

    /// The index of the period containing `date` (consecutive periods have consecutive
    /// indices), or `nil` for a Saturday or Sunday at daily frequency.
    func period(of date: SeriesDate) -> Int? {
        switch self {
        case .daily:
            let n = date.dayNumber + 3  // 1970-01-05, a Monday, is n = 7
            let weekday = SeriesDate.floorModulo(n, 7)  // 0 = Monday
            guard weekday < 5 else { return nil }
            return 5 * SeriesDate.floorDivide(n, 7) + weekday
        case .weekly:
            return SeriesDate.floorDivide(date.dayNumber + 5, 7)  // Saturday ... Friday
        case .monthly:
            return date.year * 12 + date.month - 1
        case .quarterly:
            return date.year * 4 + (date.month - 1) / 3
        case .annual:
            return date.year
        }
    }

    /// The label of period `index`.
    func label(of index: Int) -> SeriesDate {
        switch self {
        case .daily:
            let week = SeriesDate.floorDivide(index, 5)
            return SeriesDate(dayNumber: 7 * week + SeriesDate.floorModulo(index, 5) - 3)
        case .weekly:
            return SeriesDate(dayNumber: 7 * index + 1)
        case .monthly:
            return .unchecked(SeriesDate.floorDivide(index, 12), SeriesDate.floorModulo(index, 12) + 1, 1)
        case .quarterly:
            return .unchecked(SeriesDate.floorDivide(index, 4), 3 * SeriesDate.floorModulo(index, 4) + 1, 1)
        case .annual:
            return .unchecked(index, 1, 1)
        }
    }

    /// The label of the period containing `date` (for example 2020-05-17 → 2020-04-01 at
    /// quarterly frequency), or `nil` for a weekend day at daily frequency.
    public func label(for date: SeriesDate) -> SeriesDate? { period(of: date).map(label(of:)) }

    /// The period containing `date`, or the next business day's when `date` is a weekend day.
    func period(onOrAfter date: SeriesDate) -> Int {
        period(of: date) ?? period(of: date.adding(days: date.weekday == 6 ? 2 : 1))!
    }

    /// The period containing `date`, or the previous business day's when `date` is a weekend day.
    func period(onOrBefore date: SeriesDate) -> Int {
        period(of: date) ?? period(of: date.adding(days: date.weekday == 6 ? -1 : -2))!
    }

    /// Infers the frequency of strictly increasing dates, preferring the coarsest pattern they
    /// fit: annual (all 1 January), quarterly (all first days of January, April, July or
    /// October), monthly (all first days of a month), weekly (one weekday, gaps that are
    /// multiples of 7 days), daily (no weekend dates, gaps of at most 7 days).
    /// - Parameters:
    ///   - dates: the dates, strictly increasing.
    ///   - series: the series name, for messages.
    /// - Throws: ``DataError/Code/irregularFrequency`` naming the series and the dates that fit
    ///   no pattern, or when fewer than two dates are given.
    public static func infer(from dates: [SeriesDate], series: String) throws -> Frequency {
        guard dates.count >= 2 else {
            throw DataError(
                .irregularFrequency,
                "Cannot infer the frequency of series '\(series)' from \(dates.count) date(s); "
                    + "pass the frequency explicitly.", context: ["series": series])
        }
        if dates.allSatisfy({ $0.day == 1 }) {
            if dates.allSatisfy({ $0.month == 1 }) { return .annual }
            if dates.allSatisfy({ ($0.month - 1) % 3 == 0 }) { return .quarterly }
            return .monthly
        }
        let days = dates.map(\.dayNumber)
        let gaps = zip(days.dropFirst(), days).map { $0 - $1 }
        if Set(dates.map(\.weekday)).count == 1 && gaps.allSatisfy({ $0 % 7 == 0 }) { return .weekly }
        if let weekend = dates.first(where: { $0.weekday >= 6 }) {
            throw DataError(
                .irregularFrequency,
                "Cannot infer the frequency of series '\(series)': \(weekend) is a weekend day, but its dates "
                    + "are not weekly; QEIR's daily calendar is Monday-Friday. Pass the frequency explicitly "
                    + "or remove weekend dates.", context: ["series": series, "date": weekend.description])
        }
        if let i = gaps.firstIndex(where: { $0 > 7 }) {
            throw DataError(
                .irregularFrequency,
                "Cannot infer the frequency of series '\(series)': \(dates[i]) and \(dates[i + 1]) are "
                    + "\(gaps[i]) days apart and the dates follow no daily, weekly, monthly (first of month), "
                    + "quarterly or annual pattern; pass the frequency explicitly.",
                context: ["series": series, "date": dates[i + 1].description])
        }
        return .daily
    }
}

/// How observations in one period are combined when a series is moved to a coarser frequency.
public enum Aggregation: String, Sendable, Hashable, Codable, CaseIterable {
    /// Mean of the period's non-missing observations (FRED's default, "avg").
    case average = "avg"
    /// Sum of the period's non-missing observations ("sum"), for flows.
    case sum = "sum"
    /// End of period: the period's last non-missing observation ("eop"), for stocks and rates.
    case endOfPeriod = "eop"
}
