internal import Foundation

/// One named time series: dates, values and a frequency.
///
/// Missing observations are `nil` (FRED writes them as `"."`); a missing value is never 0
/// and never NaN — `NaN` and infinities are rejected at construction. Dates are strictly
/// increasing and at most one falls in any period of ``frequency``; they need not be
/// consecutive (a gap is simply an absent period) and need not be the period's label (a
/// Wednesday-dated weekly series keeps its Wednesdays until it enters a ``Dataset``).
public struct Series: Sendable, Hashable {
    /// The series name (a FRED id or a column name), used in every message.
    public let name: String
    /// The observation frequency.
    public let frequency: Frequency
    /// Observation dates, strictly increasing, one per period at most.
    public let dates: [SeriesDate]
    /// Values; `nil` means missing.
    public let values: [Double?]
    /// The period index of each date.
    let periods: [Int]

    /// Creates a series, inferring the frequency from the dates when it is not given.
    /// - Parameters:
    ///   - name: the series name.
    ///   - frequency: the frequency, or `nil` to infer it (see ``Frequency/infer(from:series:)``).
    ///   - dates: the observation dates, strictly increasing.
    ///   - values: one value per date; `nil` for missing.
    /// - Throws: ``DataError`` when the counts differ, a value is NaN or infinite, dates are not
    ///   increasing, two dates share a period, a daily date is a weekend day, or the frequency
    ///   cannot be inferred.
    public init(name: String, frequency: Frequency? = nil, dates: [SeriesDate], values: [Double?]) throws {
        guard dates.count == values.count else {
            throw DataError(
                .invalidArgument,
                "Series '\(name)' has \(dates.count) dates but \(values.count) values; give one value per date.",
                context: ["series": name])
        }
        for (date, value) in zip(dates, values) {
            if let v = value, !v.isFinite {
                throw DataError(
                    .invalidArgument,
                    "Series '\(name)' has the non-finite value \(v) at \(date); represent a missing value as nil.",
                    context: ["series": name, "date": date.description, "value": String(v)])
            }
        }
        for i in dates.indices.dropFirst() where dates[i] <= dates[i - 1] {
            throw DataError(
                .duplicateDate,
                "Series '\(name)' has \(dates[i]) after \(dates[i - 1]); dates must be strictly increasing.",
                context: ["series": name, "date": dates[i].description])
        }
        let frequency = try frequency ?? Frequency.infer(from: dates, series: name)
        var periods: [Int] = []
        periods.reserveCapacity(dates.count)
        for (i, date) in dates.enumerated() {
            guard let p = frequency.period(of: date) else {
                throw DataError(
                    .invalidDate,
                    "Series '\(name)' is daily but \(date) is a weekend day; QEIR's daily calendar is "
                        + "Monday-Friday, so drop weekend observations.",
                    context: ["series": name, "date": date.description])
            }
            if let last = periods.last, last == p {
                throw DataError(
                    .duplicateDate,
                    "Series '\(name)' has two \(frequency) observations in the period labelled "
                        + "\(frequency.label(of: p)) (\(dates[i - 1]) and \(date)); keep one observation per period "
                        + "or declare a finer frequency.",
                    context: ["series": name, "date": date.description])
            }
            periods.append(p)
        }
        self.name = name
        self.frequency = frequency
        self.dates = dates
        self.values = values
        self.periods = periods
    }

    /// Creates a series from FRED-style text observations: `"."` (FRED's marker) and the empty
    /// string mean missing; anything else must be a finite number.
    /// - Parameters:
    ///   - name: the series name.
    ///   - frequency: the frequency, or `nil` to infer it.
    ///   - observations: `(date, value)` text pairs, dates as `YYYY-MM-DD`.
    /// - Throws: ``DataError`` naming the series, date and text of a bad date or value, and the
    ///   errors of ``init(name:frequency:dates:values:)``.
    public init(name: String, frequency: Frequency? = nil, observations: [(date: String, value: String)]) throws {
        var dates: [SeriesDate] = []
        var values: [Double?] = []
        for (dateText, valueText) in observations {
            let date: SeriesDate
            do { date = try SeriesDate(dateText) } catch {
                throw DataError(
                    .invalidDate,
                    "Series '\(name)' has the date '\(dateText)', which is not YYYY-MM-DD; fix or remove that row.",
                    context: ["series": name, "date": dateText])
            }
            let text = valueText.trimmingCharacters(in: .whitespaces)
            if text == "." || text.isEmpty {
                values.append(nil)
            } else if let v = Double(text), v.isFinite {
                values.append(v)
            } else {
                throw DataError(
                    .nonNumeric,
                    "Series '\(name)' has the value '\(valueText)' at \(date), which is not a number; "
                        + "write missing values as '.'.",
                    context: ["series": name, "date": date.description, "value": valueText])
            }
            dates.append(date)
        }
        try self.init(name: name, frequency: frequency, dates: dates, values: values)
    }

    init(unchecked name: String, frequency: Frequency, dates: [SeriesDate], values: [Double?], periods: [Int]) {
        self.name = name
        self.frequency = frequency
        self.dates = dates
        self.values = values
        self.periods = periods
    }

    /// The number of observations (missing ones included).
    public var count: Int { dates.count }

    /// The number of non-missing observations.
    public var observedCount: Int { values.count(where: { $0 != nil }) }

    /// The same series under another name.
    public func renamed(_ newName: String) -> Series {
        Series(unchecked: newName, frequency: frequency, dates: dates, values: values, periods: periods)
    }

    /// The series moved to a coarser frequency, each output observation combining the input
    /// observations whose dates fall in that period (see ``Frequency`` for the periods).
    ///
    /// Output dates are period labels (first day of a month/quarter/year, the Friday of a
    /// week). Missing inputs are skipped; a period whose inputs are all missing is missing.
    /// Partial periods at either end are aggregated over the observations present, as FRED does.
    /// Asking for the series' own frequency returns it relabelled.
    /// - Parameters:
    ///   - target: the coarser (or equal) frequency.
    ///   - method: ``Aggregation/average``, ``Aggregation/sum`` or ``Aggregation/endOfPeriod``.
    /// - Throws: ``DataError/Code/upsampling`` naming the series and both frequencies when
    ///   `target` is finer than the series' frequency.
    public func aggregated(to target: Frequency, using method: Aggregation) throws -> Series {
        guard frequency.canAggregate(to: target) else {
            throw DataError(
                .upsampling,
                "Series '\(name)' is \(frequency) and cannot be converted to \(target): QEIR never upsamples. "
                    + "Aggregate the other series to \(frequency) instead.",
                context: ["series": name, "from": frequency.rawValue, "to": target.rawValue])
        }
        var outPeriods: [Int] = []
        var groups: [[Double?]] = []
        for (date, value) in zip(dates, values) {
            let p = target.period(of: date)!  // every weekday lies in a week/month/quarter/year
            if outPeriods.last == p {
                groups[groups.count - 1].append(value)
            } else {
                outPeriods.append(p)
                groups.append([value])
            }
        }
        let outValues: [Double?] = groups.map { group in
            let present = group.compactMap { $0 }
            guard !present.isEmpty else { return nil }
            switch method {
            case .average: return present.reduce(0, +) / Double(present.count)
            case .sum: return present.reduce(0, +)
            case .endOfPeriod: return present.last
            }
        }
        return Series(
            unchecked: name, frequency: target, dates: outPeriods.map(target.label(of:)), values: outValues,
            periods: outPeriods)
    }
}
