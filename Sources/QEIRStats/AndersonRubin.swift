import RealModule

/// One piece of an ``AndersonRubinSet``: the closed interval [lower, upper], `nil` ends being
/// −∞ (lower) or +∞ (upper).
public struct AndersonRubinInterval: Sendable, Hashable, Codable {
    /// The lower end; `nil` for −∞.
    public let lower: Double?
    /// The upper end; `nil` for +∞.
    public let upper: Double?

    /// Creates an interval.
    public init(lower: Double?, upper: Double?) {
        self.lower = lower
        self.upper = upper
    }

    /// Whether β₀ lies in the interval.
    public func contains(_ beta: Double) -> Bool {
        (lower.map { beta >= $0 } ?? true) && (upper.map { beta <= $0 } ?? true)
    }
}

/// The Anderson–Rubin confidence set for the coefficient β of the single endogenous regressor
/// s in y = βs + Wγ + u with excluded instruments Z₂:
///
///     CS = { β₀ : AR(β₀) ≤ c },   AR(β₀) = δ̂(β₀)′ V̂(β₀)⁻¹ δ̂(β₀)
///
/// with δ̂(β₀) the coefficients of Z₂ in the regression of y − β₀s on [W Z₂], V̂(β₀) their
/// covariance under the model's covariance (HC, HAC, cluster or classical: the robust AR test),
/// and c the 1 − α quantile of χ²_K (K·F(K, n − k_Z) with the classical covariance or
/// linearmodels' `debiased`). Its coverage does not depend on the strength of the
/// instruments, so the set stays valid however weak they are — it is then wide or unbounded.
///
/// With one instrument AR(β₀) ≤ c is the quadratic inequality
/// (b² − cv_ss)β₀² − 2(ab − cv_ys)β₀ + (a² − cv_yy) ≤ 0 (a, b the reduced-form and first-stage
/// coefficients, v their covariances), solved exactly: a bounded interval when the first stage
/// is significant at level α (b²/v_ss > c), otherwise two rays or the whole line; empty only
/// when no β₀ fits. With several instruments the set is found numerically (``Method/grid``).
///
/// References: Anderson, T. W. & Rubin, H. (1949), "Estimation of the Parameters of a Single
/// Equation in a Complete System of Stochastic Equations", *Annals of Mathematical Statistics*
/// 20(1), 46–63; the robust version: Andrews, I., Stock, J. H. & Sun, L. (2019), "Weak
/// Instruments in Instrumental Variables Regression: Theory and Practice", *Annual Review of
/// Economics* 11, 727–753.
public struct AndersonRubinSet: Sendable, Hashable, Codable {
    /// The shape of the set.
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
        /// Non-empty and bounded: [lower, upper] (with several instruments possibly several
        /// bounded pieces, see ``AndersonRubinSet/intervals``).
        case bounded
        /// The complement of a bounded open interval: (−∞, lower] ∪ [upper, ∞).
        case unionOfRays = "union_of_rays"
        /// Unbounded otherwise — the whole line, or a ray: the data cannot rule out
        /// arbitrarily large values.
        case unbounded
        /// No value of β is compatible with the data at this level (evidence against the
        /// model's over-identifying restrictions).
        case empty
    }

    /// How the set was computed.
    public enum Method: String, Sendable, Hashable, Codable {
        /// The closed-form solution of the quadratic inequality (one instrument).
        case exact
        /// A 4,001-point grid in β = m + s·tan θ (θ ∈ (−π/2, π/2), m the 2SLS estimate, s its
        /// scale) with the limits β → ±∞, local extrema between grid points searched by
        /// golden-section, and every sign change of AR(β) − c refined by the Illinois method
        /// to full precision (several instruments).
        case grid
    }

    /// The shape.
    public let kind: Kind
    /// The confidence level 1 − α.
    public let level: Double
    /// The number K of excluded instruments.
    public let instruments: Int
    /// The critical value c the statistic is compared with.
    public let criticalValue: Double
    /// How it was computed.
    public let method: Method
    /// The disjoint pieces of the set, in increasing order.
    public let intervals: [AndersonRubinInterval]

    /// ``Kind/bounded``: the smallest value in the set; ``Kind/unionOfRays``: the upper end of
    /// the lower ray (the set is (−∞, lower] ∪ [upper, ∞)); `nil` otherwise.
    public var lower: Double? {
        switch kind {
        case .bounded: intervals.first?.lower
        case .unionOfRays: intervals.first?.upper
        default: nil
        }
    }

    /// ``Kind/bounded``: the largest value in the set; ``Kind/unionOfRays``: the lower end of
    /// the upper ray; `nil` otherwise.
    public var upper: Double? {
        switch kind {
        case .bounded: intervals.last?.upper
        case .unionOfRays: intervals.last?.lower
        default: nil
        }
    }

    /// Whether β₀ is in the set (not rejected by the AR test).
    public func contains(_ beta: Double) -> Bool { intervals.contains { $0.contains(beta) } }

    /// Creates a set, classifying its pieces.
    public init(
        level: Double, instruments: Int, criticalValue: Double, method: Method, intervals: [AndersonRubinInterval]
    ) {
        self.level = level
        self.instruments = instruments
        self.criticalValue = criticalValue
        self.method = method
        self.intervals = intervals
        if intervals.isEmpty {
            kind = .empty
        } else if intervals.allSatisfy({ $0.lower != nil && $0.upper != nil }) {
            kind = .bounded
        } else if intervals.count == 2, intervals[0].lower == nil, intervals[0].upper != nil,
            intervals[1].lower != nil, intervals[1].upper == nil
        {
            kind = .unionOfRays
        } else {
            kind = .unbounded
        }
    }
}

extension WeakInstruments {
    /// The Anderson–Rubin confidence set for the endogenous regressor's coefficient (see
    /// ``AndersonRubinSet``), under the same covariance as ``IV2SLS``'s first stage.
    /// - Parameters:
    ///   - y: the dependent variable.
    ///   - exogenous: the included exogenous regressors (with the constant, if any).
    ///   - endogenous: the single endogenous regressor.
    ///   - instruments: the K ≥ 1 excluded instruments.
    ///   - covariance: as for ``IV2SLS`` (HAC with automatic bandwidth: the first stage's, fixed).
    ///   - debiased: linearmodels' small-sample convention; with it (or `.nonrobust`) the
    ///     statistic is compared with K·F(K, n − k_Z).
    ///   - level: the confidence level 1 − α in (0, 1).
    ///   - method: `nil` (default) solves exactly with one instrument and on the grid with
    ///     several; `.grid` forces the numerical search (to check it against the exact solution).
    /// - Returns: the set: exact with one instrument, numerical with several.
    /// - Throws: ``StatsError`` for mismatched lengths, collinear instruments or a level
    ///   outside (0, 1).
    public static func andersonRubin(
        y: [Double], exogenous: DesignMatrix, endogenous: [Double], instruments: DesignMatrix,
        covariance: CovarianceOptions = .hc0, debiased: Bool = false, level: Double = 0.95,
        method: AndersonRubinSet.Method? = nil
    ) throws -> AndersonRubinSet {
        let m = try IVMoments(
            y: y, exogenous: exogenous, endogenous: endogenous, instruments: instruments, covariance: covariance,
            debiased: debiased)
        return try andersonRubin(moments: m, debiased: debiased, level: level, method: method)
    }

    static func andersonRubin(moments m: IVMoments, debiased: Bool, level: Double, method: AndersonRubinSet.Method?)
        throws -> AndersonRubinSet
    {
        guard level > 0 && level < 1 else {
            throw StatsError(.invalidArgument, "The confidence level must be strictly between 0 and 1; got \(level).")
        }
        let k = m.instruments
        let useF = debiased || m.covariance.kind == .nonrobust
        let c =
            useF
            ? Double(k)
                * FDistribution(
                    numeratorDegreesOfFreedom: Double(k), denominatorDegreesOfFreedom: Double(m.n - m.columns)
                ).quantile(level)
            : ChiSquared(degreesOfFreedom: Double(k)).quantile(level)
        let chosen = method ?? (k == 1 ? .exact : .grid)
        let intervals = chosen == .exact && k == 1 ? exactSet(m, c) : try gridSet(m, c)
        return AndersonRubinSet(level: level, instruments: k, criticalValue: c, method: chosen, intervals: intervals)
    }

    /// One instrument: {β₀ : Aβ₀² + Bβ₀ + C ≤ 0} with A = b² − cv_ss, B = −2(ab − cv_ys),
    /// C = a² − cv_yy, roots by the cancellation-free quadratic formula.
    static func exactSet(_ m: IVMoments, _ c: Double) -> [AndersonRubinInterval] {
        let a = m.a[0]
        let b = m.b[0]
        let qa = b * b - c * m.vss[0, 0]
        let qb = -2 * (a * b - c * m.vys[0, 0])
        let qc = a * a - c * m.vyy[0, 0]
        let scale = max(b * b, c * abs(m.vss[0, 0]))
        if abs(qa) <= 1e-14 * scale {
            // Linear: qb·β₀ + qc ≤ 0.
            if qb == 0 { return qc <= 0 ? [AndersonRubinInterval(lower: nil, upper: nil)] : [] }
            let r = -qc / qb
            return qb > 0
                ? [AndersonRubinInterval(lower: nil, upper: r)] : [AndersonRubinInterval(lower: r, upper: nil)]
        }
        let disc = qb * qb - 4 * qa * qc
        if disc < 0 { return qa > 0 ? [] : [AndersonRubinInterval(lower: nil, upper: nil)] }
        let t = -0.5 * (qb + (qb >= 0 ? 1 : -1) * disc.squareRoot())
        var r1 = t / qa
        var r2 = t != 0 ? qc / t : r1
        if r1 > r2 { swap(&r1, &r2) }
        if qa > 0 { return [AndersonRubinInterval(lower: r1, upper: r2)] }
        return [AndersonRubinInterval(lower: nil, upper: r1), AndersonRubinInterval(lower: r2, upper: nil)]
    }

    /// AR(β₀) − c, +∞ where V(β₀) is not positive definite.
    static func arExcess(_ m: IVMoments, _ c: Double, _ beta: Double) -> Double {
        let v = m.covariance(at: beta)
        var d = m.a
        for i in 0..<d.count { d[i] -= beta * m.b[i] }
        guard let inverse = try? v.symmetricPositiveDefiniteInverse(name: "AR covariance") else { return .infinity }
        let vd = inverse.multiplied(by: d)
        var w = 0.0
        for i in 0..<d.count { w += d[i] * vd[i] }
        return w.isFinite ? w - c : .infinity
    }

    /// Several instruments: the grid search described in ``AndersonRubinSet/Method/grid``.
    static func gridSet(_ m: IVMoments, _ c: Double) throws -> [AndersonRubinInterval] {
        let k = m.instruments
        let qb = m.q.multiplied(by: m.b)
        let qa = m.q.multiplied(by: m.a)
        var bqb = 0.0
        var bqa = 0.0
        for i in 0..<k {
            bqb += m.b[i] * qb[i]
            bqa += m.b[i] * qa[i]
        }
        let center = bqb > 0 ? bqa / bqb : 0
        // Scale: the 2SLS standard error in these moments, √(b′Q V(m) Q b)/(b′Q b).
        let vm = m.covariance(at: center).multiplied(by: qb)
        var bvb = 0.0
        for i in 0..<k { bvb += qb[i] * vm[i] }
        var spread = bqb > 0 ? bvb.squareRoot() / bqb : 1
        if !(spread.isFinite && spread > 1e-12 * max(1, abs(center))) { spread = max(1, abs(center)) }
        func beta(_ theta: Double) -> Double { center + spread * Double.tan(theta) }
        func f(_ theta: Double) -> Double { arExcess(m, c, beta(theta)) }
        // The limit β₀ → ±∞: b′V_ss⁻¹b − c, the same at both ends.
        let limit: Double
        if let inverse = try? m.vss.symmetricPositiveDefiniteInverse(name: "first-stage covariance") {
            let vb = inverse.multiplied(by: m.b)
            var w = 0.0
            for i in 0..<k { w += m.b[i] * vb[i] }
            limit = w - c
        } else {
            limit = .infinity
        }
        let points = 4001
        var thetas = [-Double.pi / 2]
        var values = [limit]
        for i in 0..<points {
            let theta = -Double.pi / 2 + Double.pi * (Double(i) + 0.5) / Double(points)
            thetas.append(theta)
            values.append(f(theta))
        }
        thetas.append(Double.pi / 2)
        values.append(limit)
        func value(_ theta: Double) -> Double {
            abs(theta) >= Double.pi / 2 ? limit : f(theta)
        }
        var roots: [Double] = []
        let last = thetas.count - 1
        for i in 0..<last {
            let (t0, t1, f0, f1) = (thetas[i], thetas[i + 1], values[i], values[i + 1])
            if (f0 <= 0) != (f1 <= 0) {
                roots.append(refine(t0, t1, f0, f1, value))
            } else if i > 0, i + 1 < last {
                // A local extremum between grid points may cross zero twice.
                let f2 = values[i + 2]
                let dip = f0 > 0 && f1 < f0 && f1 <= f2 && f1 > 0
                let peak = f0 <= 0 && f1 > f0 && f1 >= f2 && f1 <= 0
                if dip || peak {
                    let (tm, fm) = extremum(thetas[i], thetas[i + 2], minimum: dip, value)
                    if (fm <= 0) != (f1 <= 0) {
                        let l = tm < thetas[i + 1] ? (t0, f0) : (thetas[i + 1], f1)
                        let r = tm < thetas[i + 1] ? (thetas[i + 1], f1) : (thetas[i + 2], f2)
                        roots.append(refine(l.0, tm, l.1, fm, value))
                        roots.append(refine(tm, r.0, fm, r.1, value))
                    }
                }
            }
        }
        roots.sort()
        // Walk the roots: membership flips at each.
        var inside = limit <= 0
        var start: Double? = nil
        var out: [AndersonRubinInterval] = []
        for r in roots {
            let b = abs(r) >= Double.pi / 2 ? nil : beta(r)
            if inside {
                out.append(AndersonRubinInterval(lower: start, upper: b))
            } else {
                start = b
            }
            inside.toggle()
        }
        if inside { out.append(AndersonRubinInterval(lower: start, upper: nil)) }
        return out
    }

    /// A root of `g` in [t0, t1] with g(t0), g(t1) of opposite membership (≤ 0 vs > 0), by the
    /// Illinois method.
    static func refine(
        _ t0: Double, _ t1: Double, _ f0: Double, _ f1: Double, _ g: (Double) -> Double
    ) -> Double {
        var (a, b) = (t0, t1)
        var (fa, fb) = (f0.isFinite ? f0 : 1e300, f1.isFinite ? f1 : 1e300)
        var side = 0
        for _ in 0..<200 {
            var x = (a * fb - b * fa) / (fb - fa)
            if !(x > min(a, b) && x < max(a, b)) { x = (a + b) / 2 }
            var fx = g(x)
            if !fx.isFinite { fx = 1e300 }
            if abs(b - a) <= 4 * Double.ulpOfOne * max(1, abs(x)) || fx == 0 { return x }
            if (fx <= 0) == (fa <= 0) {
                a = x
                fa = fx
                if side == -1 { fb /= 2 }
                side = -1
            } else {
                b = x
                fb = fx
                if side == 1 { fa /= 2 }
                side = 1
            }
        }
        return (a + b) / 2
    }

    /// The minimum (or maximum) of `g` on [lo, hi] by golden-section search.
    static func extremum(_ lo: Double, _ hi: Double, minimum: Bool, _ g: (Double) -> Double) -> (Double, Double) {
        let s: Double = minimum ? 1 : -1
        let r = (5.0.squareRoot() - 1) / 2
        var (a, b) = (lo, hi)
        var c = b - r * (b - a)
        var d = a + r * (b - a)
        var fc = s * g(c)
        var fd = s * g(d)
        for _ in 0..<200 where b - a > 4 * Double.ulpOfOne * max(1, abs(a)) {
            if fc < fd {
                b = d
                d = c
                fd = fc
                c = b - r * (b - a)
                fc = s * g(c)
            } else {
                a = c
                c = d
                fc = fd
                d = a + r * (b - a)
                fd = s * g(d)
            }
        }
        return fc < fd ? (c, s * fc) : (d, s * fd)
    }
}
