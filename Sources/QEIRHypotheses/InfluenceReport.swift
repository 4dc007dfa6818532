import Foundation
import QEIRData
import QEIRStats

/// A quarter whose removal changes a headline estimate, with the estimate without it.
public struct DroppedQuarter: Sendable, Hashable, Codable {
    /// The quarter dropped (`2008Q4`).
    public var date: String
    /// The estimate without it.
    public var estimate: Double
    /// Its p-value without it, under the full fit's inference.
    public var pValue: Double?

    enum CodingKeys: String, CodingKey {
        case date, estimate
        case pValue = "p_value"
    }
}

/// How one headline estimate moves when each quarter is dropped in turn.
public struct LeaveOneOutSummary: Sendable, Hashable, Codable {
    /// The coefficient or test (`qe_intensity`, `granger qe_intensity → dollar`).
    public var name: String
    /// The full-sample estimate (a Granger test's F statistic).
    public var estimate: Double
    /// The full-sample p-value.
    public var pValue: Double?
    /// The smallest estimate over single-quarter deletions.
    public var minimum: Double?
    /// The quarter whose removal gives ``minimum``.
    public var minimumDate: String?
    /// The largest estimate over single-quarter deletions.
    public var maximum: Double?
    /// The quarter whose removal gives ``maximum``.
    public var maximumDate: String?
    /// Quarters whose removal flips the estimate's sign.
    public var signFlips: [DroppedQuarter]
    /// Quarters whose removal moves the p-value across 1 − `confidence_level`.
    public var significanceFlips: [DroppedQuarter]
    /// Quarters without which the model cannot be estimated (for example a regime left collinear).
    public var undefinedDates: [String]

    enum CodingKeys: String, CodingKey {
        case name, estimate, minimum, maximum
        case pValue = "p_value"
        case minimumDate = "minimum_date"
        case maximumDate = "maximum_date"
        case signFlips = "sign_flips"
        case significanceFlips = "significance_flips"
        case undefinedDates = "undefined_dates"
    }
}

/// A quarter with a large Cook's distance.
public struct InfluentialQuarter: Sendable, Hashable, Codable {
    /// The quarter.
    public var date: String
    /// Its leverage hᵢᵢ.
    public var leverage: Double
    /// Its Cook's distance Dᵢ.
    public var cooksDistance: Double
    /// Its externally studentized residual, when defined.
    public var studentizedResidual: Double?

    enum CodingKeys: String, CodingKey {
        case date, leverage
        case cooksDistance = "cooks_distance"
        case studentizedResidual = "studentized_residual"
    }
}

/// Influence diagnostics of one estimated regression of a hypothesis (see
/// `Documentation/Hypotheses.md`, "Influence").
public struct InfluenceSection: Sendable, Hashable, Codable {
    /// Which regression (`H1 low regime`, `H2 h=8`, `H2 LP-IV h=8`, `H3 dollar equation`).
    public var regression: String
    /// Its number of observations.
    public var nobs: Int
    /// The largest leverage hᵢᵢ; `nil` for 2SLS regressions (no OLS hat matrix).
    public var maxLeverage: Double?
    /// The quarter with the largest leverage.
    public var maxLeverageDate: String?
    /// Quarters with hᵢᵢ = 1 (each alone spans a regressor direction).
    public var fullLeverageDates: [String]
    /// The Cook's distance cut-off 4/n; `nil` without an OLS hat matrix.
    public var cooksThreshold: Double?
    /// Quarters with Cook's D above 4/n, in date order.
    public var influential: [InfluentialQuarter]
    /// Leave-one-out analyses of the headline estimates.
    public var leaveOneOut: [LeaveOneOutSummary]

    enum CodingKeys: String, CodingKey {
        case regression, nobs, influential
        case maxLeverage = "max_leverage"
        case maxLeverageDate = "max_leverage_date"
        case fullLeverageDates = "full_leverage_dates"
        case cooksThreshold = "cooks_threshold"
        case leaveOneOut = "leave_one_out"
    }
}

/// The influence sections of one hypothesis run and the warnings they raise.
///
/// For every estimated regression: leverages hᵢᵢ, Cook's (1977) distances and the quarters above
/// 4/n (``OLSInfluence``), and for each headline estimate a leave-one-out analysis
/// (``LeaveOneOutAnalysis``) that refits the model without each quarter under the same
/// inference. Warnings name every quarter whose removal flips a headline's sign or its
/// significance at `confidence_level`, and every quarter with leverage ≥ ``highLeverage``.
public struct InfluenceReport: Sendable, Hashable {
    /// Leverage at or above which a quarter is named in a warning: it nearly determines the fit
    /// in its own direction.
    public static let highLeverage = 0.9

    /// One section per regression.
    public var sections: [InfluenceSection] = []
    /// Warnings naming the quarters that carry the results.
    public var warnings: [String] = []

    /// Adds a regression's section and its warnings.
    mutating func add(
        _ label: String, nobs: Int, influence: OLSInfluence?, analyses: [LeaveOneOutAnalysis], dates: [String],
        level: Double
    ) {
        var section = InfluenceSection(
            regression: label, nobs: nobs, maxLeverage: nil, maxLeverageDate: nil, fullLeverageDates: [],
            cooksThreshold: nil, influential: [], leaveOneOut: [])
        if let inf = influence {
            let top = inf.maximumLeverage
            section.maxLeverage = top.value
            section.maxLeverageDate = dates[top.observation]
            section.fullLeverageDates = inf.fullLeverageObservations.map { dates[$0] }
            section.cooksThreshold = inf.cooksThreshold
            section.influential = inf.influentialObservations().map { i in
                InfluentialQuarter(
                    date: dates[i], leverage: inf.leverage[i], cooksDistance: inf.cooksDistance[i] ?? .nan,
                    studentizedResidual: inf.studentizedExternal[i])
            }
            for i in inf.leverage.indices {
                if inf.conditions[i] == .fullLeverage {
                    warnings.append(
                        "\(label): \(dates[i]) has leverage 1 (it alone spans a regressor direction; "
                            + "leave-one-out is undefined)")
                } else if inf.leverage[i] >= Self.highLeverage {
                    warnings.append("\(label): \(dates[i]) has leverage \(String(format: "%.3f", inf.leverage[i]))")
                }
            }
        }
        for a in analyses {
            func dropped(_ i: Int) -> DroppedQuarter {
                DroppedQuarter(date: dates[i], estimate: a.drops[i].estimate ?? .nan, pValue: a.drops[i].pValue)
            }
            let summary = LeaveOneOutSummary(
                name: a.name, estimate: a.estimate, pValue: a.pValue, minimum: a.minimum?.estimate,
                minimumDate: a.minimum.map { dates[$0.observation] }, maximum: a.maximum?.estimate,
                maximumDate: a.maximum.map { dates[$0.observation] }, signFlips: a.signFlips.map(dropped),
                significanceFlips: a.significanceFlips.map(dropped),
                undefinedDates: a.undefinedObservations.map { dates[$0] })
            for d in summary.signFlips {
                warnings.append(
                    "\(label): dropping \(d.date) flips the sign of \(a.name) "
                        + "(\(Self.signed(a.estimate)) → \(Self.signed(d.estimate)))")
            }
            for d in summary.significanceFlips {
                warnings.append(
                    "\(label): dropping \(d.date) flips significance at \(Summaries.percent(level)) of \(a.name) "
                        + "(p \(Self.probability(a.pValue)) → \(Self.probability(d.pValue)))")
            }
            section.leaveOneOut.append(summary)
        }
        sections.append(section)
    }

    /// `+1.61`, `−2.71`: three significant digits with an explicit sign (a true minus sign).
    static func signed(_ v: Double) -> String {
        let s = String(format: "%+.3g", v)
        return s.hasPrefix("-") ? "−" + s.dropFirst() : s
    }

    /// `0.55`, `0.003`, `0.00001`, `<0.00001`.
    static func probability(_ p: Double?) -> String {
        guard let p, p.isFinite else { return "n/a" }
        switch p {
        case 0.01...: return String(format: "%.2f", p)
        case 0.001..<0.01: return String(format: "%.3f", p)
        case 0.000005..<0.001: return String(format: "%.5f", p)
        default: return "<0.00001"
        }
    }

    /// The quarter labels (`2008Q4`) of every row of the data, presample included.
    static func labels(_ data: HypothesisData) -> [String] { data.dataset.dates.map(Summaries.quarter) }
}

extension HypothesisResult {
    /// Attaches an influence report: its sections become ``influence`` and its warnings are
    /// appended to ``warnings``.
    mutating func attach(_ report: InfluenceReport) {
        influence = report.sections
        warnings += report.warnings
    }
}
