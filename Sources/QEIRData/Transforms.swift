internal import Foundation

/// A transformation of one series, computed on the series' own period calendar.
///
/// "Previous period" means the period immediately before on the frequency's calendar (see
/// ``Frequency``), not the previous row: when that period is absent or its value is missing,
/// the result is missing. Results keep the input's dates; observations where the transform
/// is undefined (the first period of a difference, the last `k` of a lead) are missing.
///
/// | transform | text form | value at period t |
/// |---|---|---|
/// | ``level`` | `level` | xₜ |
/// | ``log`` | `log` | ln xₜ (xₜ > 0) |
/// | ``difference`` | `diff` | xₜ − xₜ₋₁ |
/// | ``logDifference100`` | `log_diff_100` | 100·(ln xₜ − ln xₜ₋₁) |
/// | ``percentChange`` | `pct_change` | 100·(xₜ/xₜ₋₁ − 1) |
/// | ``yearOverYearPercentChange`` | `yoy_pct_change` | 100·(xₜ/xₜ₋ₚ − 1), p = ``Frequency/periodsPerYear`` |
/// | ``lag(_:)`` | `lag:k` | xₜ₋ₖ |
/// | ``lead(_:)`` | `lead:k` | xₜ₊ₖ |
/// | ``standardize`` | `standardize` | (xₜ − x̄)/s, s the sample standard deviation (n − 1) of the non-missing values |
public enum Transform: Sendable, Hashable, CustomStringConvertible {
    /// The series unchanged.
    case level
    /// Natural logarithm.
    case log
    /// First difference.
    case difference
    /// 100 × first difference of the natural logarithm (approximate percent growth).
    case logDifference100
    /// Percent change from the previous period.
    case percentChange
    /// Percent change from the same period a year earlier.
    case yearOverYearPercentChange
    /// The value `k` periods earlier (k ≥ 1).
    case lag(Int)
    /// The value `k` periods later (k ≥ 1).
    case lead(Int)
    /// z-score with the sample mean and standard deviation.
    case standardize

    /// Parses the text form (see the table above), e.g. `log_diff_100` or `lag:4`.
    /// - Throws: ``DataError/Code/invalidArgument`` naming the text and listing the accepted forms.
    public init(parsing text: String) throws {
        switch text {
        case "level": self = .level
        case "log": self = .log
        case "diff": self = .difference
        case "log_diff_100": self = .logDifference100
        case "pct_change": self = .percentChange
        case "yoy_pct_change": self = .yearOverYearPercentChange
        case "standardize": self = .standardize
        default:
            let parts = text.split(separator: ":", omittingEmptySubsequences: false)
            if parts.count == 2, let k = Int(parts[1]), k >= 1 {
                if parts[0] == "lag" {
                    self = .lag(k)
                    return
                }
                if parts[0] == "lead" {
                    self = .lead(k)
                    return
                }
            }
            throw DataError(
                .invalidArgument,
                "'\(text)' is not a transform; use one of level, log, diff, log_diff_100, pct_change, "
                    + "yoy_pct_change, standardize, lag:k or lead:k (k ≥ 1).", context: ["value": text])
        }
    }

    /// The text form, e.g. `log_diff_100` or `lag:4`.
    public var description: String {
        switch self {
        case .level: "level"
        case .log: "log"
        case .difference: "diff"
        case .logDifference100: "log_diff_100"
        case .percentChange: "pct_change"
        case .yearOverYearPercentChange: "yoy_pct_change"
        case .lag(let k): "lag:\(k)"
        case .lead(let k): "lead:\(k)"
        case .standardize: "standardize"
        }
    }

    /// The default name of the transformed series: `name` for ``level``, otherwise `name`
    /// with a suffix: `_log`, `_diff`, `_dlog100`, `_pct`, `_yoy`, `_lagK`, `_leadK`, `_z`.
    public func defaultName(for name: String) -> String {
        switch self {
        case .level: name
        case .log: "\(name)_log"
        case .difference: "\(name)_diff"
        case .logDifference100: "\(name)_dlog100"
        case .percentChange: "\(name)_pct"
        case .yearOverYearPercentChange: "\(name)_yoy"
        case .lag(let k): "\(name)_lag\(k)"
        case .lead(let k): "\(name)_lead\(k)"
        case .standardize: "\(name)_z"
        }
    }
}

extension Series {
    /// The series transformed (see ``Transform``).
    /// - Parameters:
    ///   - transform: what to compute.
    ///   - name: the result's name; `nil` for ``Transform/defaultName(for:)``.
    /// - Throws: ``DataError/Code/domainError`` naming the series, date and value for the log
    ///   of a non-positive value or a percent change from 0;
    ///   ``DataError/Code/invalidArgument`` for a lag or lead below 1, or standardizing a
    ///   series with fewer than two observed values or no variation.
    public func transformed(_ transform: Transform, name: String? = nil) throws -> Series {
        let outName = name ?? transform.defaultName(for: self.name)
        var byPeriod: [Int: Double] = [:]
        for (p, v) in zip(periods, values) { byPeriod[p] = v }
        func positive(_ i: Int, _ v: Double, _ what: String) throws -> Double {
            guard v > 0 else {
                throw DataError(
                    .domainError,
                    "Cannot take \(what) of series '\(self.name)': its value at \(dates[i]) is \(v), not positive. "
                        + "Use diff or pct_change, or shift the series.",
                    context: ["series": self.name, "date": dates[i].description, "value": String(v)])
            }
            return Foundation.log(v)
        }
        /// Applies `f(current, earlier)` with the value `shift` periods before.
        func withEarlier(_ shift: Int, _ f: (Int, Double, Double) throws -> Double) rethrows -> [Double?] {
            try periods.indices.map { i in
                guard let x = values[i], let earlier = byPeriod[periods[i] - shift] else { return nil }
                return try f(i, x, earlier)
            }
        }
        func percent(_ i: Int, _ x: Double, _ earlier: Double, _ shift: Int) throws -> Double {
            guard earlier != 0 else {
                let earlierDate = frequency.label(of: periods[i] - shift)
                throw DataError(
                    .domainError,
                    "Cannot compute the percent change of series '\(self.name)' at \(dates[i]): the base value "
                        + "in the period labelled \(earlierDate) is 0. Use diff instead.",
                    context: ["series": self.name, "date": dates[i].description, "value": "0"])
            }
            return 100 * (x / earlier - 1)
        }
        let out: [Double?]
        switch transform {
        case .level:
            out = values
        case .log:
            out = try values.enumerated().map { i, v in try v.map { try positive(i, $0, "the log") } }
        case .difference:
            out = withEarlier(1) { _, x, earlier in x - earlier }
        case .logDifference100:
            _ = try values.enumerated().map { i, v in try v.map { try positive(i, $0, "the log-difference") } }
            out = withEarlier(1) { _, x, earlier in 100 * (Foundation.log(x) - Foundation.log(earlier)) }
        case .percentChange:
            out = try withEarlier(1) { i, x, earlier in try percent(i, x, earlier, 1) }
        case .yearOverYearPercentChange:
            let p = frequency.periodsPerYear
            out = try withEarlier(p) { i, x, earlier in try percent(i, x, earlier, p) }
        case .lag(let k), .lead(let k):
            guard k >= 1 else {
                throw DataError(
                    .invalidArgument,
                    "A \(transform) of series '\(self.name)' needs k ≥ 1; use level for k = 0 or the opposite "
                        + "direction for negative k.", context: ["series": self.name, "value": String(k)])
            }
            let shift: Int
            if case .lag = transform { shift = k } else { shift = -k }
            out = periods.map { byPeriod[$0 - shift] }
        case .standardize:
            let present = values.compactMap { $0 }
            let n = Double(present.count)
            let mean = present.reduce(0, +) / n
            let variance = present.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (n - 1)
            guard present.count >= 2, variance > 0 else {
                throw DataError(
                    .invalidArgument,
                    "Cannot standardize series '\(self.name)': it has \(present.count) observed value(s) and "
                        + "needs at least two that differ.", context: ["series": self.name])
            }
            let sd = variance.squareRoot()
            out = values.map { $0.map { ($0 - mean) / sd } }
        }
        return Series(unchecked: outName, frequency: frequency, dates: dates, values: out, periods: periods)
    }

    /// The ratio `numerator / denominator`, period by period, over the periods both series have
    /// (dated as in `numerator`); missing where either value is missing.
    /// - Parameters:
    ///   - numerator: the series on top.
    ///   - denominator: the series below, of the same frequency.
    ///   - name: the result's name; `nil` for `numerator_over_denominator`.
    /// - Throws: ``DataError/Code/frequencyMismatch`` naming both series and frequencies;
    ///   ``DataError/Code/domainError`` naming the denominator and date where it is 0.
    public static func ratio(_ numerator: Series, _ denominator: Series, name: String? = nil) throws -> Series {
        guard numerator.frequency == denominator.frequency else {
            throw DataError(
                .frequencyMismatch,
                "Cannot divide series '\(numerator.name)' (\(numerator.frequency)) by '\(denominator.name)' "
                    + "(\(denominator.frequency)); aggregate both to one frequency first.",
                context: ["series": numerator.name, "other": denominator.name])
        }
        var below: [Int: Double?] = [:]
        for (p, v) in zip(denominator.periods, denominator.values) { below[p] = v }
        var dates: [SeriesDate] = []
        var values: [Double?] = []
        var periods: [Int] = []
        for i in numerator.periods.indices {
            guard let d = below[numerator.periods[i]] else { continue }
            if let x = numerator.values[i], let d {
                guard d != 0 else {
                    throw DataError(
                        .domainError,
                        "Cannot divide series '\(numerator.name)' by '\(denominator.name)': the denominator is 0 "
                            + "at \(numerator.dates[i]). Remove that observation or choose another denominator.",
                        context: ["series": denominator.name, "date": numerator.dates[i].description, "value": "0"])
                }
                values.append(x / d)
            } else {
                values.append(nil)
            }
            dates.append(numerator.dates[i])
            periods.append(numerator.periods[i])
        }
        return Series(
            unchecked: name ?? "\(numerator.name)_over_\(denominator.name)", frequency: numerator.frequency,
            dates: dates, values: values, periods: periods)
    }
}
