public import QEIRStats

/// The Anderson–Rubin confidence set of one LP-IV horizon, as results report it (see
/// ``QEIRStats/AndersonRubinSet``): Anderson & Rubin (1949, *Annals of Mathematical
/// Statistics* 20, 46–63), robust form as in Andrews, Stock & Sun (2019, *Annual Review of
/// Economics* 11, 727–753).
public struct AndersonRubinReport: Sendable, Hashable, Codable {
    /// `bounded`, `union_of_rays`, `unbounded` or `empty`.
    public var kind: String
    /// The confidence level.
    public var level: Double
    /// `bounded`: the smallest value; `union_of_rays`: the end of the lower ray
    /// ((−∞, lower] ∪ [upper, ∞)); otherwise `nil`.
    public var lower: Double?
    /// `bounded`: the largest value; `union_of_rays`: the start of the upper ray; otherwise `nil`.
    public var upper: Double?
    /// Every piece as `[lower, upper]`, `null` for an infinite end.
    public var intervals: [[Double?]]
    /// `exact` (one instrument) or `grid` (several).
    public var method: String
    /// The critical value of the AR statistic.
    public var criticalValue: Double

    /// The report of a set.
    public init(_ set: AndersonRubinSet) {
        kind = set.kind.rawValue
        level = set.level
        lower = set.lower
        upper = set.upper
        intervals = set.intervals.map { [$0.lower, $0.upper] }
        method = set.method.rawValue
        criticalValue = set.criticalValue
    }

    /// Whether the set is unbounded (the whole line, a ray, or two rays).
    public var isUnbounded: Bool { kind == "unbounded" || kind == "union_of_rays" }

    enum CodingKeys: String, CodingKey {
        case kind, level, lower, upper, intervals, method
        case criticalValue = "critical_value"
    }
}

extension HypothesisRunner {
    /// The exclusion restriction H2's LP-IV assumes, in words.
    static func exclusionRestriction(_ instruments: [InstrumentSpecification], controls: [String]) -> String {
        let names = instruments.map(\.description)
        let list =
            names.count <= 1
            ? (names.first ?? "") : names.dropLast().joined(separator: ", ") + " and " + names.last!
        let verb = names.count == 1 ? "affects" : "affect"
        return "assumes \(list) \(verb) investment growth only through qe_intensity, given the controls "
            + "(lags of investment, \(controls.joined(separator: ", ")))"
    }

    /// Warnings about instruments that are lags of an H2 role: a lag of the shock (or of a
    /// control) is excluded only if it has no direct effect on investment growth.
    static func laggedRoleWarnings(_ instruments: [InstrumentSpecification]) -> [String] {
        instruments.compactMap { instrument in
            guard case .role(let role) = instrument.source, instrument.lag > 0 else { return nil }
            return "H2: the instrument \(instrument) is a lag of the role \(role); lags of the shock are not "
                + "excluded when they also matter directly (past \(role) moving investment growth given the "
                + "controls), and then LP-IV is inconsistent. Prefer an external instrument (series_files, e.g. "
                + "a high-frequency monetary-policy surprise)."
        }
    }

    /// Adds the effective F, its critical values and the Anderson–Rubin set at `level` to an
    /// LP-IV point.
    static func addWeakInstrumentInference(_ point: inout LocalProjectionPoint, _ h: LPHorizon, level: Double) {
        if let test = h.effectiveF {
            point.effectiveF = test.statistic.finite
            point.effectiveFCriticalValue = test.criticalValue.finite
            point.effectiveFSimplifiedCriticalValue = test.simplified.value.finite
        }
        point.andersonRubin = h.andersonRubin(level: level).map(AndersonRubinReport.init)
    }
}

extension Summaries {
    /// The LP-IV lines on weak-instrument inference: the exclusion restriction, the effective F
    /// range against its critical value, and the Anderson–Rubin set at the last horizon.
    static func lpivInferenceLines(_ s: LocalProjectionSection) -> [String] {
        var lines: [String] = []
        if let restriction = s.exclusionRestriction { lines.append("  LP-IV \(restriction)") }
        let fs = s.iv.compactMap(\.effectiveF)
        let cs = s.iv.compactMap(\.effectiveFCriticalValue)
        if !fs.isEmpty {
            lines.append(
                "  LP-IV effective F (Montiel Olea–Pflueger) \(num(fs.min())) to \(num(fs.max())) against critical "
                    + "values \(num(cs.min())) to \(num(cs.max())) (τ = 10 %, 5 % size)")
        }
        if let last = s.iv.last, let ar = last.andersonRubin {
            let text: String
            switch ar.kind {
            case "bounded": text = "[\(num(ar.lower)), \(num(ar.upper))]"
            case "union_of_rays": text = "(−∞, \(num(ar.lower))] ∪ [\(num(ar.upper)), ∞)"
            case "empty": text = "empty"
            default: text = "unbounded: the data cannot rule out any value"
            }
            lines.append("  LP-IV Anderson–Rubin \(percent(ar.level)) set at h=\(last.horizon): \(text)")
        }
        return lines
    }
}
