import RealModule

/// A fitted VAR(p): coefficients, residual covariances, likelihood and information
/// criteria, Granger-causality tests, impulse responses and stability — statsmodels 0.15's
/// `VARResults`.
///
/// Notation: k variables, p lags, d deterministic terms, n = T − p observations used,
/// Z the n×(d + kp) regressor matrix [const, trend, yₜ₋₁ᵀ, …, yₜ₋ₚᵀ], B̂ = (ZᵀZ)⁻¹ZᵀY,
/// û = Y − ZB̂.
public struct VARResult: Sendable, Hashable {
    /// The variable names (the equations, in order).
    public let names: [String]
    /// The lag order p.
    public let lags: Int
    /// The deterministic terms.
    public let trend: VARTrend
    /// The number of observations used, n = T − p (less any excluded equation dates).
    public let nobs: Int
    /// The regressor names, statsmodels' labels: `const`, `trend`, `L1.<name>`, …, `L<p>.<name>`.
    public let coefficientNames: [String]
    /// The (d + kp)×k coefficient matrix B̂ (statsmodels' `params`): row = regressor
    /// (``coefficientNames``), column = equation (``names``).
    public let coefficients: Matrix
    /// Standard errors in the layout of ``coefficients`` (statsmodels' `stderr`):
    /// se(B̂ᵢₑ) = √([(ZᵀZ)⁻¹]ᵢᵢ·(Σ̂ᵤ)ₑₑ), from cov(vec B̂ᵀ) = (ZᵀZ)⁻¹ ⊗ Σ̂ᵤ.
    public let standardErrors: Matrix
    /// The n×k residuals û (statsmodels' `resid`).
    public let residuals: Matrix
    /// Σ̂ᵤ = ûᵀû/(n − kp − d), the degrees-of-freedom-adjusted residual covariance
    /// (statsmodels' `sigma_u`).
    public let sigmaU: Matrix
    /// Σ̃ᵤ = ûᵀû/n, the maximum-likelihood residual covariance (statsmodels' `sigma_u_mle`).
    public let sigmaUML: Matrix
    /// The Gaussian log-likelihood −(nk/2)·ln 2π − (n/2)(ln|Σ̃ᵤ| + k) (statsmodels' `llf`).
    public let logLikelihood: Double
    /// The information criteria (statsmodels' `info_criteria`; formulas on
    /// ``VARModel/selectOrder(maxLags:trend:minimumResidualDF:)``).
    public let informationCriteria: VARInformationCriteria
    /// The eigenvalues of the kp×kp companion matrix, largest modulus first (conjugate pairs
    /// with the positive imaginary part first).
    public let companionEigenvalues: [VAREigenvalue]
    /// The 0-based data rows whose equations were left out of the regression
    /// (``VARModel/fit(lags:trend:excluding:)``), ascending; empty for a full fit. ``nobs``,
    /// ``residuals`` and every degree-of-freedom count exclude them.
    public let excludedPositions: [Int]

    let data: Matrix
    let zzInverse: Matrix

    /// AIC = ln|Σ̃ᵤ| + 2m/n, m = pk² + kd (statsmodels' `aic`).
    public var aic: Double { informationCriteria.aic }
    /// BIC = ln|Σ̃ᵤ| + m·ln(n)/n (statsmodels' `bic`).
    public var bic: Double { informationCriteria.bic }
    /// HQIC = ln|Σ̃ᵤ| + 2m·ln(ln n)/n (statsmodels' `hqic`).
    public var hqic: Double { informationCriteria.hqic }
    /// FPE = ((n + kp + d)/(n − kp − d))ᵏ·|Σ̃ᵤ| (statsmodels' `fpe`).
    public var fpe: Double { informationCriteria.fpe }
    /// The number of variables k.
    public var variableCount: Int { names.count }
    /// Regressors per equation, kp + d (statsmodels' `df_model`).
    public var dfModel: Int { variableCount * lags + trend.deterministicCount }
    /// Residual degrees of freedom per equation, n − kp − d (statsmodels' `df_resid`).
    public var dfResid: Int { nobs - dfModel }

    /// Whether the VAR is stable: every companion eigenvalue has modulus ≤ 1 — statsmodels'
    /// `is_stable()` test, `(abs(eigvals) <= 1).all()` (a unit root counts as stable there).
    /// Bootstrap bands demand more: ``maxEigenvalueModulus`` < 1.
    public var isStable: Bool { companionEigenvalues.allSatisfy { $0.modulus <= 1 } }

    /// The largest modulus of a companion eigenvalue (0 for a VAR without lags).
    public var maxEigenvalueModulus: Double { companionEigenvalues.first?.modulus ?? 0 }

    /// The lag coefficient matrices A₁…Aₚ (statsmodels' `coefs`): (Aⱼ)ₑᵥ is the coefficient of
    /// variable v at lag j in equation e.
    public var lagMatrices: [Matrix] {
        let k = variableCount
        let d = trend.deterministicCount
        return (0..<lags).map { j in
            var a = Matrix(rows: k, columns: k)
            for e in 0..<k {
                for v in 0..<k { a[e, v] = coefficients[d + j * k + v, e] }
            }
            return a
        }
    }

    /// The coefficient of regressor `regressor` (e.g. `"L2.realgdp"`) in the equation of `equation`.
    public func coefficient(_ regressor: String, equation: String) -> Double? {
        guard let i = coefficientNames.firstIndex(of: regressor), let e = names.firstIndex(of: equation) else {
            return nil
        }
        return coefficients[i, e]
    }

    init(model: VARModel, estimate: VAREstimate) throws {
        let k = model.variableCount
        names = model.names
        lags = estimate.lags
        trend = estimate.trend
        nobs = estimate.nobs
        var labels = estimate.trend.deterministicNames
        for j in stride(from: 1, through: estimate.lags, by: 1) {
            labels += model.names.map { "L\(j).\($0)" }
        }
        coefficientNames = labels
        coefficients = estimate.coefficients
        residuals = estimate.residuals
        var sigma = estimate.sse
        var sigmaML = estimate.sse
        for i in 0..<sigma.storage.count {
            sigma.storage[i] /= Double(estimate.dfResid)
            sigmaML.storage[i] /= Double(estimate.nobs)
        }
        sigmaU = sigma
        sigmaUML = sigmaML
        var se = Matrix(rows: estimate.coefficients.rows, columns: k)
        for i in 0..<se.rows {
            for e in 0..<k { se[i, e] = (estimate.zzInverse[i, i] * sigma[e, e]).squareRoot() }
        }
        standardErrors = se
        let n = Double(estimate.nobs)
        let ld = estimate.logDeterminantML
        logLikelihood = -(n * Double(k) / 2) * Double.log(2 * Double.pi) - (n / 2) * (ld + Double(k))
        informationCriteria = estimate.informationCriteria
        data = model.data
        zzInverse = estimate.zzInverse
        excludedPositions = estimate.excluded
        companionEigenvalues = try VAREigenvalue.companion(
            coefficients: estimate.coefficients, k: k, lags: estimate.lags,
            deterministic: estimate.trend.deterministicCount)
    }

    // MARK: Granger causality

    /// Tests whether the variables `causing` Granger-cause the variables `caused`, matching
    /// statsmodels' `VARResults.test_causality(caused, causing, kind=)`.
    ///
    /// H₀: the coefficients of every lag of every `causing` variable are zero in the equation of
    /// every `caused` variable — q = |causing|·|caused|·p restrictions Cβ = 0 on
    /// β = vec(B̂ᵀ). W = (Cβ̂)ᵀ[C((ZᵀZ)⁻¹ ⊗ Σ̂ᵤ)Cᵀ]⁻¹(Cβ̂), with the df-adjusted Σ̂ᵤ
    /// (Lütkepohl 2005, §3.6.1 and eq. 3.6.5). `.wald` reports W against χ²(q); `.f` reports
    /// W/q against F(q, k·(n − kp − d)) — statsmodels' denominator, the system's residual
    /// degrees of freedom.
    /// - Parameters:
    ///   - caused: names of the variables whose equations are tested.
    ///   - causing: names of the variables whose lags are excluded under H₀.
    ///   - kind: the statistic to report.
    /// - Throws: ``StatsError/Code/missingColumn`` for an unknown name;
    ///   ``StatsError/Code/invalidArgument`` for an empty list, a repeated name, or a variable
    ///   named on both sides; ``StatsError/Code/singularMatrix`` if the restriction covariance
    ///   cannot be inverted.
    public func grangerCausality(caused: [String], causing: [String], kind: GrangerTestKind = .f) throws
        -> TestResult
    {
        let causedIndices = try indices(of: caused, role: "caused")
        let causingIndices = try indices(of: causing, role: "causing")
        if let both = caused.first(where: causing.contains) {
            throw StatsError(
                .invalidArgument,
                "The variable '\(both)' is named both as caused and as causing; a Granger-causality test needs "
                    + "disjoint sets of variables.", context: ["variable": both])
        }
        let k = variableCount
        let d = trend.deterministicCount
        // Restricted coefficients (regressor row, equation), in statsmodels' order.
        var restricted: [(row: Int, equation: Int)] = []
        for j in 0..<lags {
            for v in causingIndices {
                for e in causedIndices { restricted.append((d + j * k + v, e)) }
            }
        }
        let q = restricted.count
        var middle = Matrix(rows: q, columns: q)
        var cb = [Double](repeating: 0, count: q)
        for (a, ra) in restricted.enumerated() {
            cb[a] = coefficients[ra.row, ra.equation]
            for (b, rb) in restricted.enumerated() {
                middle[a, b] = zzInverse[ra.row, rb.row] * sigmaU[ra.equation, rb.equation]
            }
        }
        let inverse = try middle.symmetricPositiveDefiniteInverse(name: "Granger restriction covariance")
        let w = zip(cb, inverse.multiplied(by: cb)).reduce(0) { $0 + $1.0 * $1.1 }
        let name = "Granger causality: \(causing.joined(separator: ", ")) → \(caused.joined(separator: ", "))"
        switch kind {
        case .wald:
            return TestResult(name: name, statistic: w, distribution: .chiSquared(Double(q)))
        case .f:
            return TestResult(
                name: name, statistic: w / Double(q), distribution: .f(Double(q), Double(k * dfResid)))
        }
    }

    func indices(of list: [String], role: String) throws -> [Int] {
        guard !list.isEmpty else {
            throw StatsError(
                .invalidArgument, "The list of \(role) variables is empty; name at least one of \(names).",
                context: ["role": role])
        }
        var result: [Int] = []
        for name in list {
            guard let i = names.firstIndex(of: name) else {
                throw StatsError(
                    .missingColumn, "The \(role) variable '\(name)' is not in the VAR; its variables are \(names).",
                    context: ["column": name, "role": role])
            }
            guard !result.contains(i) else {
                throw StatsError(
                    .invalidArgument, "The \(role) variable '\(name)' is listed twice; name it once.",
                    context: ["column": name, "role": role])
            }
            result.append(i)
        }
        return result
    }

    // MARK: Impulse responses

    /// Impulse responses to horizon H (statsmodels' `irf(H).irfs` and `.orth_irfs`).
    ///
    /// The MA(∞) matrices Φ₀ = I, Φᵢ = Σⱼ₌₁^min(i,p) Φᵢ₋ⱼAⱼ (Lütkepohl 2005, eq. 2.1.22);
    /// orthogonalised, Θᵢ = ΦᵢP with P the lower Cholesky factor of the df-adjusted Σ̂ᵤ
    /// (PPᵀ = Σ̂ᵤ), so the ordering of ``names`` is the recursive ordering.
    /// - Parameters:
    ///   - horizon: H ≥ 0; H + 1 matrices are returned (i = 0…H).
    ///   - orthogonalized: Θᵢ (`true`) or Φᵢ (`false`).
    /// - Returns: k×k matrices whose element (r, s) is the response of variable r to a shock in
    ///   variable s at horizon i.
    /// - Throws: ``StatsError/Code/invalidArgument`` for a negative horizon;
    ///   ``StatsError/Code/singularMatrix`` when Σ̂ᵤ is not positive definite (orthogonalised only).
    public func impulseResponses(horizon: Int, orthogonalized: Bool = true) throws -> [Matrix] {
        guard horizon >= 0 else {
            throw StatsError(
                .invalidArgument, "The impulse-response horizon must be non-negative, got \(horizon).",
                context: ["horizon": String(horizon)])
        }
        let phis = Self.maRepresentation(lagMatrices: lagMatrices, k: variableCount, horizon: horizon)
        guard orthogonalized else { return phis }
        let p = try sigmaU.choleskyUpper(name: "residual covariance Σ̂ᵤ").transposed
        return phis.map { $0.multiplied(by: p) }
    }

    static func maRepresentation(lagMatrices a: [Matrix], k: Int, horizon: Int) -> [Matrix] {
        var phis = [Matrix.identity(k)]
        if horizon == 0 { return phis }
        for i in 1...horizon {
            var phi = Matrix(rows: k, columns: k)
            for j in stride(from: 1, through: min(i, a.count), by: 1) {
                let term = phis[i - j].multiplied(by: a[j - 1])
                for x in 0..<phi.storage.count { phi.storage[x] += term.storage[x] }
            }
            phis.append(phi)
        }
        return phis
    }
}
