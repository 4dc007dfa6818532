import RealModule

/// A critical value of Montiel Olea & Pflueger's (2013) effective F test.
///
/// Under the null hypothesis that the Nagar bias of 2SLS exceeds a fraction τ of the
/// worst-case ("benchmark") bias, F_eff is approximately distributed as χ²_{K_eff}(x·K_eff)/K_eff
/// (Patnaik's 1949 approximation by a scaled noncentral chi-squared). The critical value is
/// its 1 − α quantile, with x = B/τ and
///
///     K_eff = 2(1 + 2x)·tr(W₂)² / (2·tr(W₂²) + 4x·tr(W₂)·λ_max(W₂))
///
/// (computed from the eigenvalues of W₂ normalised to sum to one).
public struct WeakInstrumentCriticalValue: Sendable, Hashable, Codable {
    /// The critical value c: reject weak instruments when F_eff > c.
    public let value: Double
    /// The effective degrees of freedom K_eff.
    public let effectiveDegreesOfFreedom: Double
    /// x = B/τ, the noncentrality per effective degree of freedom.
    public let noncentrality: Double
    /// B, the bound on the Nagar bias relative to the benchmark: 1 for the simplified
    /// (conservative) test, B_TSLS(W) ≤ 1 for the generalized one.
    public let biasBound: Double

    /// Creates a critical value.
    public init(value: Double, effectiveDegreesOfFreedom: Double, noncentrality: Double, biasBound: Double) {
        self.value = value
        self.effectiveDegreesOfFreedom = effectiveDegreesOfFreedom
        self.noncentrality = noncentrality
        self.biasBound = biasBound
    }
}

/// Montiel Olea & Pflueger's (2013) robust test for weak instruments with one endogenous
/// regressor: the effective first-stage F statistic and its critical values.
///
///     F_eff = π̂′ Q̂_ZZ π̂ / tr(Σ̂_π̂ Q̂_ZZ)
///
/// with Z̃ the excluded instruments partialled out of the exogenous regressors,
/// Q̂_ZZ = Z̃′Z̃, π̂ the first-stage coefficients of the instruments and Σ̂_π̂ their covariance
/// under the model's covariance (HC, HAC, cluster or classical). In the paper's normalisation
/// (Z̃′Z̃/n = I) this is F_eff = n·π̂′π̂/tr(Ŵ₂), Ŵ₂ the estimated asymptotic covariance of
/// √n(π̂ − π); the n cancels. With one instrument F_eff is the robust first-stage Wald
/// statistic; with the classical covariance σ̂²(Z̃′Z̃)⁻¹ it is the usual first-stage F.
///
/// Reference: Montiel Olea, J. L. & Pflueger, C. (2013), "A Robust Test for Weak Instruments",
/// *Journal of Business & Economic Statistics* 31(3), 358–369; the generalized bound B_TSLS
/// follows their Theorem 1 as implemented in Pflueger & Wang's (2015) Stata `weakivtest`
/// ("A robust test for weak instruments in Stata", *Stata Journal* 15(1), 216–225).
public struct EffectiveFTest: Sendable, Hashable, Codable {
    /// F_eff.
    public let statistic: Double
    /// The number K of excluded instruments.
    public let instruments: Int
    /// τ, the tolerated fraction of the worst-case bias (0.10 = 10 %).
    public let threshold: Double
    /// α, the size of the test (0.05).
    public let size: Double
    /// The simplified (conservative, B = 1) critical value.
    public let simplified: WeakInstrumentCriticalValue
    /// The generalized critical value with B = B_TSLS(Ŵ); `nil` when it could not be computed
    /// (a non-finite covariance).
    public let generalized: WeakInstrumentCriticalValue?

    /// The critical value used for the verdict: the generalized one when available, else the
    /// simplified one.
    public var criticalValue: Double { generalized?.value ?? simplified.value }

    /// Whether the instruments are weak: F_eff does not exceed ``criticalValue`` (H₀ of weak
    /// instruments not rejected at size α).
    public var isWeak: Bool { !(statistic > criticalValue) }
}

/// Weak-instrument diagnostics and weak-instrument-robust inference for one endogenous
/// regressor: ``effectiveF(y:exogenous:endogenous:instruments:covariance:debiased:threshold:size:)``
/// and ``andersonRubin(y:exogenous:endogenous:instruments:covariance:debiased:level:method:)``.
///
/// Both use the same covariance (and small-sample factor) as ``IV2SLS``'s first stage, so they
/// agree with its ``FirstStage/test``.
public enum WeakInstruments {
    /// Montiel Olea & Pflueger's effective F test (see ``EffectiveFTest``).
    /// - Parameters:
    ///   - y: the dependent variable (used for the generalized critical value's B_TSLS).
    ///   - exogenous: the included exogenous regressors (with the constant, if any).
    ///   - endogenous: the single endogenous regressor.
    ///   - instruments: the K ≥ 1 excluded instruments.
    ///   - covariance: the covariance of the first-stage coefficients (as for ``IV2SLS``). A HAC
    ///     covariance with automatic bandwidth uses the first stage's Newey–West bandwidth,
    ///     truncated to an integer, for every block.
    ///   - debiased: linearmodels' small-sample convention (as for ``IV2SLS``).
    ///   - threshold: τ in (0, 1), the worst-case bias fraction (default 10 %).
    ///   - size: α in (0, 1) (default 5 %).
    /// - Returns: F_eff with simplified and generalized critical values.
    /// - Throws: ``StatsError`` for mismatched lengths, collinear instruments, or τ, α outside (0, 1).
    public static func effectiveF(
        y: [Double], exogenous: DesignMatrix, endogenous: [Double], instruments: DesignMatrix,
        covariance: CovarianceOptions = .hc0, debiased: Bool = false, threshold: Double = 0.10, size: Double = 0.05
    ) throws -> EffectiveFTest {
        for (name, v) in [("threshold τ", threshold), ("size α", size)] where !(v > 0 && v < 1) {
            throw StatsError(.invalidArgument, "The \(name) must be strictly between 0 and 1; got \(v).")
        }
        let m = try IVMoments(
            y: y, exogenous: exogenous, endogenous: endogenous, instruments: instruments, covariance: covariance,
            debiased: debiased)
        return try effectiveF(moments: m, threshold: threshold, size: size)
    }

    static func effectiveF(moments m: IVMoments, threshold: Double, size: Double) throws -> EffectiveFTest {
        let k = m.instruments
        var num = 0.0
        let qb = m.q.multiplied(by: m.b)
        for i in 0..<k { num += m.b[i] * qb[i] }
        let vq = m.vss.multiplied(by: m.q)
        var den = 0.0
        for i in 0..<k { den += vq[i, i] }
        let statistic = num / den
        // The paper's coordinates: Z̃ orthonormalised, W = Q^{1/2} V Q^{1/2} (n drops out of
        // every ratio below).
        let root = try Diagnostics.symmetricPower(m.q, power: 0.5)
        func orth(_ v: Matrix) -> Matrix { root.multiplied(by: v).multiplied(by: root) }
        let w2 = orth(m.vss)
        let eigen = try w2.symmetricEigenvalues()
        let simplified = criticalValue(eigenvalues: eigen, biasBound: 1, threshold: threshold, size: size)
        var generalized: WeakInstrumentCriticalValue? = nil
        let bound = try tslsBiasBound(w1: orth(m.vyy), w12: orth(m.vys), w2: w2)
        if bound.isFinite {
            generalized = criticalValue(eigenvalues: eigen, biasBound: bound, threshold: threshold, size: size)
        }
        return EffectiveFTest(
            statistic: statistic, instruments: k, threshold: threshold, size: size, simplified: simplified,
            generalized: generalized)
    }

    /// The Patnaik critical value of the effective F test from the eigenvalues of W₂ (any
    /// positive scale): x = B/τ, K_eff as in ``WeakInstrumentCriticalValue``, and
    /// c = χ²_{K_eff}(x·K_eff)⁻¹(1 − α)/K_eff.
    /// - Parameters:
    ///   - eigenvalues: the eigenvalues of W₂ (non-negative, not all zero).
    ///   - biasBound: B (1 for the simplified test).
    ///   - threshold: τ.
    ///   - size: α.
    /// - Returns: the critical value and K_eff.
    public static func criticalValue(
        eigenvalues: [Double], biasBound: Double = 1, threshold: Double = 0.10, size: Double = 0.05
    ) -> WeakInstrumentCriticalValue {
        let total = eigenvalues.reduce(0, +)
        let w = eigenvalues.map { $0 / total }
        let x = biasBound / threshold
        let variance = 2 * w.reduce(0) { $0 + $1 * $1 } + 4 * x * (w.max() ?? .nan)
        let keff = 2 * (1 + 2 * x) / variance
        let c = NoncentralChiSquared(degreesOfFreedom: keff, noncentrality: x * keff).quantile(1 - size) / keff
        return WeakInstrumentCriticalValue(
            value: c, effectiveDegreesOfFreedom: keff, noncentrality: x, biasBound: biasBound)
    }

    /// B_TSLS(W) = sup_β max over λ ∈ {λ_min, λ_max} of |tr S₁₂ − 2λ| / √(tr S₁·tr S₂) with
    /// S₁ = W₁ − 2βW₁₂ + β²W₂, S₁₂ = W₁₂ − βW₂, S₂ = W₂ and λ the extreme eigenvalues of S₁₂'s
    /// symmetric part (Montiel Olea & Pflueger 2013, Theorem 1): the worst-case Nagar bias of
    /// 2SLS relative to the benchmark, ≤ 1. Found on a 4,001-point grid of β = c + d·tan θ
    /// (θ ∈ (−π/2, π/2), c = tr W₁₂/tr W₂, d = √(tr W₁/tr W₂)), the limit β → ±∞
    /// (1 − 2λ_min(W₂)/tr W₂ for K ≥ 2, 1 for K = 1) included, and refined by golden-section search around the best
    /// grid point.
    static func tslsBiasBound(w1: Matrix, w12: Matrix, w2: Matrix) throws -> Double {
        let k = w2.rows
        func trace(_ m: Matrix) -> Double { (0..<k).reduce(0) { $0 + m[$1, $1] } }
        let t1 = trace(w1)
        let t2 = trace(w2)
        let t12 = trace(w12)
        var sym12 = w12
        for j in 0..<k {
            for i in 0..<k { sym12[i, j] = 0.5 * (w12[i, j] + w12[j, i]) }
        }
        guard t2 > 0, t1.isFinite, t12.isFinite else { return .nan }
        let ev2 = try w2.symmetricEigenvalues()
        // β → ±∞: max(|1 − 2λ_min(W₂)/tr W₂|, |1 − 2λ_max(W₂)/tr W₂|) (1 with one instrument).
        let limit = max(abs(1 - 2 * (ev2.first ?? 0) / t2), abs(1 - 2 * (ev2.last ?? 0) / t2))
        func bias(_ beta: Double) -> Double {
            var s12 = sym12
            for i in 0..<s12.storage.count { s12.storage[i] -= beta * w2.storage[i] }
            let tr12 = t12 - beta * t2
            let tr1 = t1 - 2 * beta * t12 + beta * beta * t2
            guard tr1 > 0, let ev = try? s12.symmetricEigenvalues(), let lo = ev.first, let hi = ev.last else {
                return .nan
            }
            return max(abs(tr12 - 2 * lo), abs(tr12 - 2 * hi)) / (tr1 * t2).squareRoot()
        }
        let center = t12 / t2
        let spread = max((t1 / t2).squareRoot(), 1e-12 * max(1, abs(center)))
        func beta(_ theta: Double) -> Double { center + spread * Double.tan(theta) }
        let points = 4001
        var best = limit.isFinite ? limit : 0
        var bestIndex = -1
        var thetas: [Double] = []
        thetas.reserveCapacity(points)
        for i in 0..<points {
            let theta = -Double.pi / 2 + Double.pi * (Double(i) + 0.5) / Double(points)
            thetas.append(theta)
            let b = bias(beta(theta))
            if b.isFinite, b > best {
                best = b
                bestIndex = i
            }
        }
        if bestIndex >= 0 {
            var lo = thetas[max(bestIndex - 1, 0)]
            var hi = thetas[min(bestIndex + 1, points - 1)]
            let g = (5.0.squareRoot() - 1) / 2
            var c = hi - g * (hi - lo)
            var d = lo + g * (hi - lo)
            var fc = bias(beta(c))
            var fd = bias(beta(d))
            for _ in 0..<100 where hi - lo > 1e-15 {
                if fc > fd {
                    hi = d
                    d = c
                    fd = fc
                    c = hi - g * (hi - lo)
                    fc = bias(beta(c))
                } else {
                    lo = c
                    c = d
                    fc = fd
                    d = lo + g * (hi - lo)
                    fd = bias(beta(d))
                }
            }
            for v in [fc, fd] where v.isFinite && v > best { best = v }
        }
        return min(best, 1)
    }
}

/// The partialled reduced-form and first-stage moments of a model with one endogenous
/// regressor s, exogenous regressors W and excluded instruments Z₂: the coefficients of Z₂ in
/// the regressions of y and of s on Z = [W Z₂] (a and b = π̂), the blocks of their joint
/// covariance under the model's covariance (V_yy, V_ys, V_ss; V_ys symmetric), and
/// Q = Z̃′Z̃ = ([(ZᵀZ)⁻¹]₂₂)⁻¹. Every covariance is a quadratic form in the residuals, so the
/// covariance of a − β₀b, the coefficients of Z₂ in the regression of y − β₀s on Z, is
/// V_yy − 2β₀V_ys + β₀²V_ss exactly.
struct IVMoments {
    var n: Int
    var columns: Int
    var instruments: Int
    var a: [Double]
    var b: [Double]
    var vyy: Matrix
    var vys: Matrix
    var vss: Matrix
    var q: Matrix
    var covariance: CovarianceOptions

    init(
        y: [Double], exogenous: DesignMatrix, endogenous s: [Double], instruments z2: DesignMatrix,
        covariance: CovarianceOptions, debiased: Bool
    ) throws {
        let n = y.count
        guard z2.count > 0 else {
            throw StatsError(.underidentified, "Weak-instrument statistics need at least one excluded instrument.")
        }
        guard s.count == n, exogenous.nobs == n, z2.nobs == n else {
            throw StatsError(
                .dimensionMismatch,
                "The dependent variable has \(n) observations, the endogenous regressor \(s.count), the exogenous "
                    + "regressors \(exogenous.nobs) and the instruments \(z2.nobs); align the data.")
        }
        for (name, v) in [("dependent variable", y), ("endogenous regressor", s)] {
            if let bad = v.firstIndex(where: { !$0.isFinite }) {
                throw StatsError.nonFinite(column: name, index: bad, value: v[bad])
            }
        }
        let z = try exogenous.appending(z2)
        guard n > z.count else {
            throw StatsError(
                .insufficientObservations,
                "There are \(z.count) instruments (exogenous regressors included) but only \(n) observations; "
                    + "weak-instrument statistics need more observations than instruments.")
        }
        try covariance.validate(nobs: n)
        let (qr, _) = try QRLeastSquares.factor(z, policy: .error, role: "instrument")
        let bread = try qr.xtxInverse()
        let kz = z.count
        let idx = Array(exogenous.count..<kz)
        let (cy, ey) = try qr.solve(y)
        let (cs, es) = try qr.solve(s)
        let factor = IV2SLS.factor(covariance, debiased: debiased, n: n, k: kz)
        var options = covariance
        func block(_ e: [Double]) throws -> Matrix {
            var ssr = 0.0
            for v in e { ssr += v * v }
            let cov = try LinearFit.covariance(
                options, x: z.matrix, residuals: e, bread: bread, scale: ssr / Double(debiased ? n - kz : n),
                constantIndex: z.constantIndex, qr: qr, factor: factor)
            if options.kind == .hac, options.hacLags == nil, let bw = cov.bandwidth {
                options.hacLags = Int(bw)
                return try block(e)
            }
            var out = Matrix(rows: idx.count, columns: idx.count)
            for (j, cj) in idx.enumerated() {
                for (i, ci) in idx.enumerated() { out[i, j] = cov.matrix[ci, cj] }
            }
            return out
        }
        let vss = try block(es)
        let vyy = try block(ey)
        var sum = ey
        for i in 0..<n { sum[i] += es[i] }
        let vsum = try block(sum)
        var vys = vsum
        for i in 0..<vys.storage.count { vys.storage[i] = 0.5 * (vsum.storage[i] - vyy.storage[i] - vss.storage[i]) }
        var inverseQ = Matrix(rows: idx.count, columns: idx.count)
        for (j, cj) in idx.enumerated() {
            for (i, ci) in idx.enumerated() { inverseQ[i, j] = bread[ci, cj] }
        }
        self.n = n
        self.columns = kz
        self.instruments = idx.count
        self.a = idx.map { cy[$0] }
        self.b = idx.map { cs[$0] }
        self.vyy = vyy
        self.vys = vys
        self.vss = vss
        self.q = try inverseQ.symmetricPositiveDefiniteInverse(name: "partialled instrument cross-product")
        self.covariance = options
    }

    /// The covariance of a − β₀b: V_yy − 2β₀V_ys + β₀²V_ss.
    func covariance(at beta: Double) -> Matrix {
        var v = vyy
        for i in 0..<v.storage.count {
            v.storage[i] += -2 * beta * vys.storage[i] + beta * beta * vss.storage[i]
        }
        return v
    }
}
