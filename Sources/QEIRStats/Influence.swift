import RealModule

/// Why an observation's deletion diagnostics are (or are not) defined.
public enum InfluenceCondition: String, Sendable, Hashable, Codable, CaseIterable {
    /// Every diagnostic is defined.
    case regular
    /// hᵢᵢ = 1: the observation alone spans a direction of the column space (for example a
    /// dummy that is 1 only there), so its residual is 0 and without it the model is not
    /// identified — b₍ᵢ₎, the studentized residuals, Cook's D, DFFITS and DFBETA(S) do not exist.
    case fullLeverage
    /// n − k − 1 = 0: without the observation no residual degrees of freedom remain, so
    /// s₍ᵢ₎ and everything scaled by it (external studentized residual, DFFITS, DFBETAS) are
    /// undefined; b₍ᵢ₎, DFBETA and Cook's D are defined.
    case noDegreesOfFreedomWithout
    /// s₍ᵢ₎ = 0: the other observations are fitted exactly, so the external studentized
    /// residual, DFFITS and DFBETAS are undefined; b₍ᵢ₎, DFBETA and Cook's D are defined.
    case exactFitWithout
}

/// Regression influence diagnostics of an OLS fit: leverage, studentized residuals, Cook's
/// distance, DFFITS and DFBETA(S), each for every observation — statsmodels 0.15's
/// `OLSInfluence` (`statsmodels.stats.outliers_influence`) to 1e-9 relative.
///
/// With X the n×k design, b the OLS estimate, e = y − Xb, s² = eᵀe/(n − k) and
/// H = X(XᵀX)⁻¹Xᵀ:
///
/// - leverage hᵢ = Hᵢᵢ = ‖Qᵢ‖² for the thin Q of X (Hoaglin & Welsch 1978);
/// - deletion estimates b₍ᵢ₎ = b − (XᵀX)⁻¹xᵢeᵢ/(1 − hᵢ) and
///   s²₍ᵢ₎ = (eᵀe − eᵢ²/(1 − hᵢ))/(n − k − 1) (Belsley, Kuh & Welsch 1980, eqs. 2.1, 2.8);
/// - internally studentized residual rᵢ = eᵢ/(s√(1 − hᵢ)), externally studentized
///   tᵢ = eᵢ/(s₍ᵢ₎√(1 − hᵢ)) (BKW 1980, eq. 2.6);
/// - Cook's distance Dᵢ = rᵢ²/k · hᵢ/(1 − hᵢ) (Cook 1977), with statsmodels' p-value
///   P(F(k, n − k) > Dᵢ);
/// - DFFITSᵢ = tᵢ√(hᵢ/(1 − hᵢ)) (BKW 1980, eq. 2.11; statsmodels' threshold 2√(k/n));
/// - DFBETAᵢ = b − b₍ᵢ₎ and DFBETASᵢⱼ = DFBETAᵢⱼ/(s₍ᵢ₎√[(XᵀX)⁻¹]ⱼⱼ) (BKW 1980, eq. 2.7).
///
/// Numerics: everything comes from one Householder QR of the column-equilibrated design
/// X̃ = XD⁻¹P = QR — (XᵀX)⁻¹xᵢ = D⁻¹P·R⁻¹Qᵢᵀ by one triangular solve, no inverse of XᵀX. For
/// observations with hᵢ > ½, 1 − hᵢ is recomputed as ‖(Qᵀeᵢ)ₖ…ₙ₋₁‖², the squared norm of
/// the row of the orthogonal complement, which keeps its relative accuracy as hᵢ → 1 (the
/// difference 1 − ‖Qᵢ‖² would lose it). An observation with 1 − hᵢ ≤ ``fullLeverageTolerance``
/// is flagged ``InfluenceCondition/fullLeverage`` and its deletion diagnostics are `nil`,
/// never NaN. Close to that limit the deletion quantities lose about ε‖y‖/(1 − hᵢ) relative.
///
/// References: Cook, R. D. (1977), "Detection of Influential Observation in Linear
/// Regression", *Technometrics* 19(1), 15–18; Belsley, D. A., Kuh, E. & Welsch, R. E. (1980),
/// *Regression Diagnostics: Identifying Influential Data and Sources of Collinearity*, Wiley,
/// ch. 2; Hoaglin, D. C. & Welsch, R. E. (1978), "The Hat Matrix in Regression and ANOVA",
/// *The American Statistician* 32(1), 17–22.
public struct OLSInfluence: Sendable, Hashable {
    /// The largest 1 − hᵢᵢ treated as hᵢᵢ = 1.
    public static let fullLeverageTolerance = 1e-12

    /// Coefficient names (the columns kept by the rank-deficiency policy).
    public let names: [String]
    /// The full-sample estimate b.
    public let coefficients: [Double]
    /// The residuals e = y − Xb.
    public let residuals: [Double]
    /// s² = eᵀe/(n − k).
    public let scale: Double
    /// The leverages hᵢᵢ (statsmodels' `hat_matrix_diag`).
    public let leverage: [Double]
    /// 1 − hᵢᵢ, accurate to full relative precision (see the type's numerics note).
    public let oneMinusLeverage: [Double]
    /// Which diagnostics are defined, per observation.
    public let conditions: [InfluenceCondition]
    /// rᵢ = eᵢ/(s√(1 − hᵢ)) (`resid_studentized_internal`); `nil` at full leverage.
    public let studentizedInternal: [Double?]
    /// tᵢ = eᵢ/(s₍ᵢ₎√(1 − hᵢ)) (`resid_studentized_external`).
    public let studentizedExternal: [Double?]
    /// Cook's Dᵢ (`cooks_distance[0]`).
    public let cooksDistance: [Double?]
    /// P(F(k, n − k) > Dᵢ) (`cooks_distance[1]`).
    public let cooksPValue: [Double?]
    /// DFFITSᵢ (`dffits[0]`).
    public let dffits: [Double?]
    /// s²₍ᵢ₎, the residual variance without observation i (`sigma2_not_obsi`).
    public let leaveOneOutScale: [Double?]
    /// b₍ᵢ₎, the estimate without observation i (`params_not_obsi`).
    public let leaveOneOutCoefficients: [[Double]?]
    /// DFBETAᵢ = b − b₍ᵢ₎ (`dfbeta`).
    public let dfbeta: [[Double]?]
    /// DFBETASᵢ (`dfbetas`).
    public let dfbetas: [[Double]?]

    /// Number of observations n.
    public var nobs: Int { leverage.count }
    /// Number of coefficients k.
    public var parameterCount: Int { names.count }
    /// statsmodels' DFFITS threshold 2√(k/n).
    public var dffitsThreshold: Double { 2 * (Double(parameterCount) / Double(nobs)).squareRoot() }
    /// The conventional Cook's distance cut-off 4/n.
    public var cooksThreshold: Double { 4 / Double(nobs) }
    /// Observations with hᵢᵢ = 1.
    public var fullLeverageObservations: [Int] { conditions.indices.filter { conditions[$0] == .fullLeverage } }
    /// The observation with the largest leverage and that leverage.
    public var maximumLeverage: (observation: Int, value: Double) {
        var best = 0
        for i in leverage.indices where leverage[i] > leverage[best] { best = i }
        return (best, leverage.isEmpty ? .nan : leverage[best])
    }

    /// Observations whose Cook's distance exceeds `threshold` (default 4/n), in order.
    public func influentialObservations(cooksAbove threshold: Double? = nil) -> [Int] {
        let t = threshold ?? cooksThreshold
        return cooksDistance.indices.filter { (cooksDistance[$0] ?? -.infinity) > t }
    }

    /// Computes the diagnostics of the OLS fit of `y` on `design`.
    /// - Parameters:
    ///   - y: the dependent variable (n values).
    ///   - design: the regressors (with the constant, if any).
    ///   - options: the rank-deficiency policy and refinement of ``OLS``; columns dropped for
    ///     collinearity are left out and k counts the kept columns.
    /// - Throws: ``StatsError`` for the inputs ``OLS/fit(y:design:covariance:yName:)`` rejects.
    /// - Complexity: O(n·k²) plus O(n·k) per observation with hᵢᵢ > ½ (at most 2k of them).
    public init(y: [Double], design: DesignMatrix, options: LinearModelOptions = LinearModelOptions()) throws {
        let n = design.nobs
        guard y.count == n else {
            throw StatsError(
                .dimensionMismatch, "The dependent variable has \(y.count) observations but the design has \(n).")
        }
        if let bad = y.firstIndex(where: { !$0.isFinite }) {
            throw StatsError.nonFinite(column: "y", index: bad, value: y[bad])
        }
        guard design.count > 0, n > design.count else {
            throw StatsError(
                .insufficientObservations,
                "Influence diagnostics need more observations (\(n)) than coefficients (\(design.count)).",
                context: ["nobs": String(n), "k": String(design.count)])
        }
        let (qr, kept) = try QRLeastSquares.factor(design, policy: options.rankDeficiency, strategy: .householder)
        let k = kept.count
        let (b, e) = try qr.solve(y, refinement: options.refinement)
        let q = try qr.thinQ()
        var h = try qr.leverage(q: q)
        var oneMinus = h.map { 1 - $0 }
        let high = (0..<n).filter { h[$0] > 0.5 }
        if !high.isEmpty, let (factors, tau) = qr.householder {
            // Qᵀeᵢ for the high-leverage rows: its first k entries give hᵢ, the rest 1 − hᵢ.
            var c = [Double](repeating: 0, count: n * high.count)
            for (col, i) in high.enumerated() { c[i + col * n] = 1 }
            try LAPACK.ormqr(transpose: true, m: n, k: k, a: factors, tau: tau, c: &c, columns: high.count)
            for (col, i) in high.enumerated() {
                var top = 0.0
                var rest = 0.0
                for r in 0..<k { top += c[r + col * n] * c[r + col * n] }
                for r in k..<n { rest += c[r + col * n] * c[r + col * n] }
                h[i] = top
                oneMinus[i] = rest
            }
        }
        var ssr = 0.0
        for v in e { ssr += v * v }
        let dfResid = Double(n - k)
        let s2 = ssr / dfResid
        let xtxDiagonal = try qr.xtxInverse().diagonal
        let cooksF = FDistribution(numeratorDegreesOfFreedom: Double(k), denominatorDegreesOfFreedom: dfResid)
        var conditions = [InfluenceCondition](repeating: .regular, count: n)
        var inner = [Double?](repeating: nil, count: n)
        var external = [Double?](repeating: nil, count: n)
        var cooks = [Double?](repeating: nil, count: n)
        var cooksP = [Double?](repeating: nil, count: n)
        var dffits = [Double?](repeating: nil, count: n)
        var s2Without = [Double?](repeating: nil, count: n)
        var bWithout = [[Double]?](repeating: nil, count: n)
        var dfbeta = [[Double]?](repeating: nil, count: n)
        var dfbetas = [[Double]?](repeating: nil, count: n)
        for i in 0..<n {
            let m = oneMinus[i]
            guard m > Self.fullLeverageTolerance else {
                conditions[i] = .fullLeverage
                continue
            }
            let r = e[i] / (s2 * m).squareRoot()
            inner[i] = r
            let d = r * r / Double(k) * h[i] / m
            cooks[i] = d
            cooksP[i] = cooksF.sf(d)
            // (XᵀX)⁻¹xᵢ = D⁻¹P·R⁻¹Qᵢᵀ.
            var z = (0..<k).map { q[i, $0] }
            qr.backSubstitute(&z)
            let direction = qr.unpivot(z)
            let shift = direction.map { $0 * e[i] / m }
            dfbeta[i] = shift
            bWithout[i] = zip(b, shift).map { $0 - $1 }
            guard n - k - 1 > 0 else {
                conditions[i] = .noDegreesOfFreedomWithout
                continue
            }
            let s2i = max(0, (ssr - e[i] * e[i] / m) / Double(n - k - 1))
            s2Without[i] = s2i
            guard s2i > 0 else {
                conditions[i] = .exactFitWithout
                continue
            }
            let t = e[i] / (s2i * m).squareRoot()
            external[i] = t
            dffits[i] = t * (h[i] / m).squareRoot()
            dfbetas[i] = (0..<k).map { shift[$0] / (s2i.squareRoot() * xtxDiagonal[$0].squareRoot()) }
        }
        names = kept.map { design.names[$0] }
        coefficients = b
        residuals = e
        scale = s2
        leverage = h
        oneMinusLeverage = oneMinus
        self.conditions = conditions
        studentizedInternal = inner
        studentizedExternal = external
        cooksDistance = cooks
        cooksPValue = cooksP
        self.dffits = dffits
        leaveOneOutScale = s2Without
        leaveOneOutCoefficients = bWithout
        self.dfbeta = dfbeta
        self.dfbetas = dfbetas
    }
}

extension OLS {
    /// Influence diagnostics of the fit of `y` on `design` (see ``OLSInfluence``), with this
    /// estimator's options.
    /// - Throws: ``StatsError`` for the inputs ``fit(y:design:covariance:yName:)`` rejects.
    public func influence(y: [Double], design: DesignMatrix) throws -> OLSInfluence {
        try OLSInfluence(y: y, design: design, options: options)
    }
}
