import RealModule

/// How the standard error, the reference distribution, the p-value and the bands of every
/// horizon's impulse response are obtained.
///
/// | choice | design | covariance | reference distribution |
/// |---|---|---|---|
/// | ``lagAugmented`` | p + 1 lags of y, every control **and the shock** | EHW (HC3 by default) | t(n − k) |
/// | ``ewc(B:)`` | p lags | equal-weighted cosine, B = ⌊0.41·T^{2/3}⌋ | t(B) |
/// | ``neweyWestFixedB`` | p lags | Newey–West, S = ⌈1.3·T^{1/2}⌉ | fixed-b (Kiefer–Vogelsang 2005) |
/// | ``hacHorizonPlusOne`` | p lags | the specification's ``LPCovariance`` (NW with h + 1 lags) | normal |
///
/// **Lag-augmented LP** (Montiel Olea, J. L. & Plagborg-Møller, M. (2021), "Local Projection
/// Inference Is Simpler and More Robust Than You Think", *Econometrica* 89(4), 1789–1823):
/// with one lag more than the dynamics need among the controls, the LP regression score is
/// serially uncorrelated, so heteroskedasticity-robust (Eicker–Huber–White) standard errors
/// are valid at every horizon, uniformly over persistent (even unit-root) regressors and
/// longer horizons. No HAC is used. QEIR uses Student t with n − k degrees of freedom, the
/// conservative small-sample reference (the paper's theory is normal). HC3 is the default
/// EHW variant: in `Examples/LPMonteCarlo` (see `Documentation/QEIRStats.md`) HC1 under-covers
/// at n = 30–40 while HC3 is closest to the nominal level.
///
/// **EWC** (Lazarus, E., Lewis, D. J., Stock, J. H. & Watson, M. W. (2018), "HAR Inference:
/// Recommendations for Practice", *Journal of Business & Economic Statistics* 36(4),
/// 541–559; Müller, U. K. (2004), "A theory of robust long-run variance estimation", working
/// paper, and (2014), "HAC Corrections for Strongly Autocorrelated Time Series", *JBES* 32(3),
/// 311–322): with scores ẑ_t = x_t·û_t, t = 1…T,
/// Ω̂ = (1/B) Σ_{j=1}^{B} Λ̂_j Λ̂_j′, Λ̂_j = √(2/T) Σ_t cos(πj(t − ½)/T) ẑ_t, and
/// Var(β̂) = (X′X)⁻¹ T·Ω̂ (X′X)⁻¹; t-statistics are t(B) under fixed-b asymptotics.
///
/// **Newey–West fixed-b** (LLSW 2018 rule S = ⌈1.3·T^{1/2}⌉; Kiefer, N. M. & Vogelsang, T. J.
/// (2005), "A new asymptotic theory for heteroskedasticity-autocorrelation robust tests",
/// *Econometric Theory* 21, 1130–1164): Bartlett weights 1 − j/S for j < S (statsmodels'
/// `maxlags = S − 1`), no small-sample factor, and the fixed-b two-sided 5 % critical value of
/// Kiefer & Vogelsang (2005), c(b) = 1.9600 + 2.9694 b + 0.4160 b² − 0.5324 b³, b = S/T.
/// P-values and bands at other levels use the Student t whose 97.5 % quantile equals c(b)
/// (ν solved numerically): exact at the 5 % level, an approximation elsewhere — the label
/// says so.
///
/// **HAC(h + 1)** is the former behaviour, kept for statsmodels parity: it applies the
/// specification's ``LocalProjectionSpecification/covariance`` (by default Newey–West with
/// h + 1 lags, no small-sample factor, normal critical values). It is the specification's
/// default so that existing callers keep their numbers; QEIR's H2 defaults to
/// ``lagAugmented``.
///
/// With ``LocalProjectionSpecification/excludedObservations`` the kernel and cosine weights
/// treat the remaining rows as consecutive.
public struct LPInference: Sendable, Hashable {
    /// The family of the inference, as a stable name (`lp_inference` in QEIR's configuration).
    public enum Method: String, Sendable, Hashable, Codable, CaseIterable {
        /// Lag-augmented LP with EHW standard errors.
        case lagAugmented = "lag_augmented"
        /// Equal-weighted cosine HAR.
        case ewc
        /// Newey–West with the LLSW bandwidth and fixed-b critical values.
        case neweyWestFixedB = "newey_west_fixed_b"
        /// The specification's covariance (NW with h + 1 lags), normal critical values.
        case hacHorizonPlusOne = "hac_h_plus_one"
    }

    enum Rule: Sendable, Hashable {
        case lagAugmented(CovarianceOptions.Kind)
        case ewc(Int?)
        case neweyWestFixedB
        case hacHorizonPlusOne
    }

    let rule: Rule

    /// Lag-augmented LP with HC3 standard errors and t(n − k) (Montiel Olea & Plagborg-Møller 2021).
    public static let lagAugmented = LPInference(rule: .lagAugmented(.hc3))

    /// Lag-augmented LP with the given EHW variant.
    /// - Parameter robust: `.hc0`, `.hc1`, `.hc2` or `.hc3`; any other kind is refused by
    ///   ``LocalProjection/estimate(_:)``.
    public static func lagAugmented(robust: CovarianceOptions.Kind) -> LPInference {
        LPInference(rule: .lagAugmented(robust))
    }

    /// Equal-weighted cosine HAR with B cosines (LLSW 2018).
    /// - Parameter B: the number of cosine terms (≥ 1); `nil` uses LLSW's rule
    ///   B = ⌊0.41·T^{2/3}⌋ (at least 1) with T each horizon's sample size.
    public static func ewc(B: Int? = nil) -> LPInference { LPInference(rule: .ewc(B)) }

    /// Newey–West with S = ⌈1.3·T^{1/2}⌉ and Kiefer–Vogelsang (2005) fixed-b critical values.
    public static let neweyWestFixedB = LPInference(rule: .neweyWestFixedB)

    /// The specification's ``LPCovariance`` (default NW with h + 1 lags), normal critical values
    /// unless the covariance says otherwise; no small-sample factor (statsmodels' convention).
    public static let hacHorizonPlusOne = LPInference(rule: .hacHorizonPlusOne)

    /// The family.
    public var method: Method {
        switch rule {
        case .lagAugmented: return .lagAugmented
        case .ewc: return .ewc
        case .neweyWestFixedB: return .neweyWestFixedB
        case .hacHorizonPlusOne: return .hacHorizonPlusOne
        }
    }

    /// Whether the design carries one extra lag of every lagged variable, the shock included.
    public var augmentsLags: Bool {
        if case .lagAugmented = rule { return true }
        return false
    }

    /// LLSW's EWC rule B = ⌊0.41·T^{2/3}⌋, at least 1.
    public static func ewcDefaultB(sampleSize t: Int) -> Int {
        max(1, Int((0.41 * Double.pow(Double(t), 2.0 / 3.0)).rounded(.down)))
    }

    /// LLSW's Newey–West rule S = ⌈1.3·T^{1/2}⌉ (weights 1 − j/S, j < S).
    public static func neweyWestBandwidth(sampleSize t: Int) -> Int {
        Int((1.3 * Double(t).squareRoot()).rounded(.up))
    }

    /// Kiefer & Vogelsang's (2005) fixed-b two-sided 5 % critical value of a Bartlett-kernel
    /// t-test, c(b) = 1.9600 + 2.9694 b + 0.4160 b² − 0.5324 b³ with b = S/T (their cubic fit
    /// of the 97.5 % quantile).
    public static func fixedBCriticalValue5Percent(b: Double) -> Double {
        1.9600 + 2.9694 * b + 0.4160 * b * b - 0.5324 * b * b * b
    }

    /// The degrees of freedom ν of the Student t whose 97.5 % quantile equals `critical`
    /// (> 1.96), found by bisection on log ν; `.infinity` at or below the normal value.
    static func matchedDegreesOfFreedom(criticalValue critical: Double) -> Double {
        let z = Normal().inverseSF(0.025)
        guard critical > z + 1e-12 else { return .infinity }
        var lo = Double.log(0.05)
        var hi = Double.log(1e8)
        for _ in 0..<200 {
            let mid = 0.5 * (lo + hi)
            let q = StudentT(degreesOfFreedom: Double.exp(mid)).inverseSF(0.025)
            if q > critical { lo = mid } else { hi = mid }
            if hi - lo < 1e-14 { break }
        }
        return Double.exp(0.5 * (lo + hi))
    }
}

/// Which inference produced a horizon's standard error, p-value and bands, in words and in
/// fields — every reported number carries one.
public struct LPInferenceLabel: Sendable, Hashable, Codable {
    /// The inference family.
    public let method: LPInference.Method
    /// The covariance estimator, for example `HC3`, `EWC(B=3)`, `Newey–West(S=6)`.
    public let covariance: String
    /// `t` or `normal`.
    public let distribution: String
    /// The degrees of freedom of the t reference (`nil` for normal).
    public let degreesOfFreedom: Double?
    /// The kernel bandwidth (NW: S, i.e. lags + 1; HAC(h+1): the lags) or the number of
    /// cosines B (EWC); `nil` for EHW.
    public let bandwidth: Double?
    /// One line, for example "lag-augmented LP, HC3, t(14)".
    public let description: String
}

/// A per-horizon warning that inference there is fragile.
public struct LPWarning: Sendable, Hashable, Codable {
    /// What is fragile.
    public enum Kind: String, Sendable, Hashable, Codable {
        /// Fewer than 10 residual degrees of freedom.
        case fewDegreesOfFreedom = "few_degrees_of_freedom"
        /// The kernel bandwidth exceeds a quarter of the horizon's sample.
        case wideBandwidth = "wide_bandwidth"
    }

    /// The horizon h.
    public let horizon: Int
    /// The kind of warning.
    public let kind: Kind
    /// Observations at the horizon.
    public let nobs: Int
    /// Coefficients at the horizon.
    public let coefficients: Int
    /// The bandwidth (for ``Kind/wideBandwidth``).
    public let bandwidth: Double?
    /// A human sentence, for example "h=8: 9 residual degrees of freedom (19 observations,
    /// 10 coefficients); inference there is fragile".
    public let message: String
}

extension LocalProjection {
    /// The covariance options fitted at horizon `h` with `n` observations under the
    /// specification's inference (before cluster labels are restricted).
    func fittedCovariance(horizon h: Int, nobs n: Int, _ spec: LocalProjectionSpecification) -> CovarianceOptions {
        switch spec.inference.rule {
        case .hacHorizonPlusOne: return spec.covariance.options(horizon: h)
        case let .lagAugmented(kind): return CovarianceOptions(kind: kind, inference: .t)
        case .neweyWestFixedB:
            return .hac(lags: LPInference.neweyWestBandwidth(sampleSize: n) - 1, smallSample: false)
        case .ewc: return .nonrobust
        }
    }

    /// Replaces the regression's inference by the specification's and returns the label.
    /// - Parameters:
    ///   - regression: the fit with ``fittedCovariance(horizon:nobs:_:)``.
    ///   - design: the horizon's design (for EWC scores).
    func applyInference(
        _ regression: RegressionResult, design: LPHorizonDesign, _ spec: LocalProjectionSpecification
    ) throws -> (RegressionResult, LPInferenceLabel) {
        let n = regression.nobs
        let df = regression.dfResid
        switch spec.inference.rule {
        case .hacHorizonPlusOne:
            let o = regression.covarianceOptions
            let cov: String
            switch o.kind {
            case .hac: cov = "Newey–West(L=\(Int(regression.hacBandwidth ?? 0)))"
            default: cov = o.kind.rawValue.uppercased()
            }
            let isT = regression.inference == .t
            let dist = isT ? "t(\(Self.format(regression.dfInference)))" : "normal"
            return (
                regression,
                LPInferenceLabel(
                    method: .hacHorizonPlusOne, covariance: cov, distribution: isT ? "t" : "normal",
                    degreesOfFreedom: isT ? regression.dfInference : nil, bandwidth: regression.hacBandwidth,
                    description: "HAC(h+1) LP, \(cov), \(dist)")
            )
        case let .lagAugmented(kind):
            guard [.hc0, .hc1, .hc2, .hc3].contains(kind) else {
                throw StatsError(
                    .invalidArgument,
                    "Lag-augmented LP uses heteroskedasticity-robust (EHW) standard errors; got '\(kind.rawValue)'. "
                        + "Use hc0, hc1, hc2 or hc3.", context: ["covariance": kind.rawValue])
            }
            let name = kind.rawValue.uppercased()
            return (
                regression,
                LPInferenceLabel(
                    method: .lagAugmented, covariance: name, distribution: "t", degreesOfFreedom: df, bandwidth: nil,
                    description: "lag-augmented LP, \(name), t(\(Self.format(df)))")
            )
        case .neweyWestFixedB:
            let s = LPInference.neweyWestBandwidth(sampleSize: n)
            let b = Double(s) / Double(n)
            let c = LPInference.fixedBCriticalValue5Percent(b: b)
            let nu = LPInference.matchedDegreesOfFreedom(criticalValue: c)
            let out = regression.replacingInference(covariance: nil, dfInference: nu, fTest: nil)
            return (
                out,
                LPInferenceLabel(
                    method: .neweyWestFixedB, covariance: "Newey–West(S=\(s))", distribution: "t",
                    degreesOfFreedom: nu, bandwidth: Double(s),
                    description:
                        "Newey–West fixed-b LP, S=\(s), b=\(Self.format(b)), KV(2005) c₀.₀₅=\(Self.format(c)), "
                        + "t(\(Self.format(nu))) matched at 5%")
            )
        case let .ewc(given):
            let bCount = given ?? LPInference.ewcDefaultB(sampleSize: n)
            guard bCount >= 1 else {
                throw StatsError(
                    .invalidArgument, "EWC needs at least one cosine term (B ≥ 1); got \(bCount).",
                    context: ["ewc_b": String(bCount)])
            }
            let v = try ewcCovariance(regression, design: design, cosines: bCount)
            let slopes = regression.names.indices.filter { regression.names[$0] != DesignMatrix.constantName }
            var fTest: TestResult? = nil
            let q = slopes.count
            if q >= 1, q <= bCount,
                let w = LinearFit.slopeWald(beta: regression.coefficients, covariance: v, slopes: slopes)
            {
                // LLSW (2018) eq. (12): F = (B − q + 1)/(B q)·W ~ F(q, B − q + 1).
                let f = Double(bCount - q + 1) / Double(bCount * q) * w
                fTest = TestResult(name: "F", statistic: f, distribution: .f(Double(q), Double(bCount - q + 1)))
            }
            let out = regression.replacingInference(covariance: v, dfInference: Double(bCount), fTest: fTest)
            return (
                out,
                LPInferenceLabel(
                    method: .ewc, covariance: "EWC(B=\(bCount))", distribution: "t", degreesOfFreedom: Double(bCount),
                    bandwidth: Double(bCount), description: "EWC LP, B=\(bCount), t(\(bCount))")
            )
        }
    }

    /// (X′X)⁻¹·(2/B)Σ_j Λ_jΛ_j′·(X′X)⁻¹ with Λ_j = Σ_t cos(πj(t − ½)/T)·x_t û_t (X̂ for LP-IV).
    func ewcCovariance(_ regression: RegressionResult, design: LPHorizonDesign, cosines bCount: Int) throws -> Matrix {
        let n = regression.nobs
        let k = regression.names.count
        // The columns of the fitted model, in its order (X̂ replaces the shock for 2SLS).
        var x = Matrix(rows: n, columns: k)
        var fittedShock: [Double]? = nil
        if let z = design.instruments, regression.model == .iv2sls {
            let exogenous = design.regressors.selecting(
                design.regressors.names.indices.filter { design.regressors.names[$0] != shock.name })
            let all = try exogenous.appending(z)
            let first = try OLS(options: LinearModelOptions(rankDeficiency: .drop)).fit(
                y: try design.regressors.column(named: shock.name), design: all, yName: shock.name)
            fittedShock = first.fittedValues
        }
        for (j, name) in regression.names.enumerated() {
            let column: [Double]
            if name == shock.name, let fitted = fittedShock {
                column = fitted
            } else {
                column = try design.regressors.column(named: name)
            }
            for i in 0..<n { x[i, j] = column[i] }
        }
        // The nonrobust fit's covariance is σ̂²·(X′X)⁻¹ (OLS) or (e′e/n)·(X̂′X̂)⁻¹ (2SLS, δ = 1).
        let scale = regression.model == .iv2sls ? regression.ssr / Double(n) : regression.sigma * regression.sigma
        let debiasFactor =
            regression.model == .iv2sls && regression.inference == .t ? Double(n) / regression.dfResid : 1
        var bread = regression.covariance
        for i in 0..<bread.storage.count { bread.storage[i] /= scale * debiasFactor }
        let u = Sandwich.scores(x, weights: regression.residuals)
        var meat = Matrix(rows: k, columns: k)
        var lambda = [Double](repeating: 0, count: k)
        let nd = Double(n)
        for j in 1...bCount {
            for c in 0..<k { lambda[c] = 0 }
            for t in 0..<n {
                let w = Double.cos(Double.pi * Double(j) * (Double(t) + 0.5) / nd)
                for c in 0..<k { lambda[c] += w * u[t, c] }
            }
            for b in 0..<k {
                for a in 0..<k { meat[a, b] += lambda[a] * lambda[b] }
            }
        }
        let factor = 2 / Double(bCount)
        return Sandwich.sandwich(bread: bread, meat: meat, factor: factor)
    }

    static func format(_ x: Double) -> String {
        if x.isInfinite { return "∞" }
        if x == x.rounded() && abs(x) < 1e9 { return String(Int(x)) }
        let rounded = (x * 1000).rounded() / 1000
        return "\(rounded)"
    }

    /// The fragility warnings of one horizon.
    static func warnings(_ h: LPHorizon, label: LPInferenceLabel) -> [LPWarning] {
        var out: [LPWarning] = []
        let n = h.nobs
        let k = h.regression.names.count
        let df = n - k
        if df < 10 {
            out.append(
                LPWarning(
                    horizon: h.horizon, kind: .fewDegreesOfFreedom, nobs: n, coefficients: k, bandwidth: nil,
                    message:
                        "h=\(h.horizon): \(df) residual degrees of freedom (\(n) observations, \(k) coefficients); "
                        + "inference there is fragile"))
        }
        let kernel: Double? =
            switch label.method {
            case .neweyWestFixedB, .hacHorizonPlusOne: label.bandwidth
            default: nil
            }
        if let bw = kernel, bw > Double(n) / 4 {
            out.append(
                LPWarning(
                    horizon: h.horizon, kind: .wideBandwidth, nobs: n, coefficients: k, bandwidth: bw,
                    message:
                        "h=\(h.horizon): the kernel bandwidth \(format(bw)) exceeds a quarter of the \(n) observations; "
                        + "inference there is fragile"))
        }
        return out
    }
}

extension RegressionResult {
    /// The same fit with another coefficient covariance (or the same) and t(`dfInference`)
    /// statistics, p-values and critical values.
    func replacingInference(covariance: Matrix?, dfInference: Double, fTest: TestResult?) -> RegressionResult {
        let v = covariance ?? self.covariance
        let se = v.diagonal.map { $0.squareRoot() }
        let stats = zip(coefficients, se).map { $0 / $1 }
        let pv = stats.map { PValue.twoSidedT($0, degreesOfFreedom: dfInference) }
        return RegressionResult(
            model: model, names: names, droppedColumns: droppedColumns, coefficients: coefficients, covariance: v,
            covarianceOptions: covarianceOptions, hacBandwidth: hacBandwidth, clusterCount: clusterCount,
            standardErrors: se, statistics: stats, pValues: pv, inference: .t, nobs: nobs, dfModel: dfModel,
            dfResid: dfResid, dfInference: dfInference, rSquared: rSquared, adjustedRSquared: adjustedRSquared,
            fTest: fTest, ssr: ssr, sigma: sigma, logLikelihood: logLikelihood, aic: aic, bic: bic,
            residuals: residuals, fittedValues: fittedValues)
    }
}
