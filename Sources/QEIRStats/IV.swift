import RealModule

/// First-stage diagnostics for one endogenous regressor.
public struct FirstStage: Sendable, Hashable {
    /// The endogenous regressor.
    public let endogenous: String
    /// R² of the full first-stage regression on every instrument (exogenous and excluded).
    public let rSquared: Double
    /// Partial R² of the excluded instruments, after partialling out the exogenous regressors.
    public let partialRSquared: Double
    /// Shea's (1997) partial R², which accounts for several endogenous regressors
    /// (Godfrey 1999 form: [(XᵀX)⁻¹]ⱼⱼ / [(X̂ᵀX̂)⁻¹]ⱼⱼ · ...); equals the partial R² when there is one.
    public let sheaRSquared: Double
    /// Test that the excluded instruments' coefficients are all zero in this first stage,
    /// under the model's covariance (see ``IV2SLS`` for the convention).
    public let test: TestResult
    /// First-stage coefficient estimates on the excluded instruments, in instrument order.
    public let coefficients: [Double]
}

/// Estimates and diagnostics of a 2SLS fit.
public struct IVResult: Sendable, Hashable {
    /// Second-stage estimates, inference and fit (``RegressionResult/model`` is `.iv2sls`).
    public let regression: RegressionResult
    /// One entry per endogenous regressor.
    public let firstStage: [FirstStage]
    /// Names of the endogenous regressors.
    public let endogenous: [String]
    /// Names of the excluded instruments.
    public let instruments: [String]
    /// Sargan (1958) over-identification test n·(eᵀP_Z e)/(eᵀe) ~ χ²(L₂ − K₁); `nil` when
    /// exactly identified.
    public let sargan: TestResult?
    /// Basmann's (1960) F-form over-identification test; `nil` when exactly identified.
    public let basmann: TestResult?
    /// Hansen's (1982) J statistic of the two-step efficient GMM estimator whose weight matrix
    /// comes from the 2SLS residuals (the covariance kind sets the weight: robust, HAC or
    /// cluster; classical for `.nonrobust`); `nil` when exactly identified.
    public let hansenJ: TestResult?
    /// Wu–Hausman endogeneity test (regression form, F).
    public let wuHausman: TestResult
    /// Durbin's endogeneity test (χ²).
    public let durbin: TestResult
    /// Cragg–Donald (1993) minimum-eigenvalue Wald F statistic for weak identification.
    public let craggDonald: Double
    /// Kleibergen–Paap (2006) rk Wald F statistic (robust weak-identification test), computed
    /// with the model's robust covariance; `nil` for `.nonrobust`.
    public let kleibergenPaap: Double?
}

/// Two-stage least squares with any number of endogenous regressors and instruments.
///
/// β̂ = (X̂ᵀX)⁻¹X̂ᵀy with X = [W X₂], Z = [W Z₂] and X̂ = P_Z X, computed from the QR
/// factorizations of Z and X̂. Conventions follow linearmodels' `IV2SLS` (see
/// `Documentation/Conventions.md`): with `debiased: false` σ̂² = eᵀe/n, robust and HAC
/// covariances carry no small-sample factor, statistics are z and the model test is a Wald
/// χ²; `debiased: true` divides by n − k, multiplies robust covariances by n/(n − k) and uses
/// t and F.
public struct IV2SLS: Sendable {
    /// Estimation options (refinement, factorization). Collinear instruments or projected
    /// regressors are always an error, whatever ``LinearModelOptions/rankDeficiency`` says:
    /// dropping a column would silently change the model's identification.
    public var options: LinearModelOptions

    /// Creates an estimator.
    public init(options: LinearModelOptions = LinearModelOptions()) { self.options = options }

    /// Fits the model.
    /// - Parameters:
    ///   - y: the dependent variable.
    ///   - exogenous: the included exogenous regressors W (with the constant, if any).
    ///   - endogenous: the endogenous regressors X₂ (at least one).
    ///   - instruments: the excluded instruments Z₂ (at least as many as X₂).
    ///   - covariance: `.nonrobust`, `.hc0` (linearmodels' "robust"), `.hac` ("kernel"),
    ///     `.cluster` ("clustered"); HC1–HC3 are accepted and defined as for OLS.
    ///   - debiased: linearmodels' `debiased` (small-sample convention).
    /// - Throws: ``StatsError`` with `underidentified` when there are fewer instruments than
    ///   endogenous regressors, and the OLS input errors otherwise.
    public func fit(
        y: [Double], exogenous: DesignMatrix, endogenous: DesignMatrix, instruments: DesignMatrix,
        covariance: CovarianceOptions = .nonrobust, debiased: Bool = false, yName: String = "y"
    ) throws -> IVResult {
        let n = y.count
        guard endogenous.count > 0 else {
            throw StatsError(
                .invalidArgument, "2SLS needs at least one endogenous regressor; use OLS for a model without one.")
        }
        guard instruments.count >= endogenous.count else {
            let missing = endogenous.names.joined(separator: ", ")
            throw StatsError(
                .underidentified,
                "The model is under-identified: \(endogenous.count) endogenous regressor(s) (\(missing)) but "
                    + "\(instruments.count) excluded instrument(s). Add at least one instrument per endogenous regressor.",
                context: ["endogenous": missing, "instruments": instruments.names.joined(separator: ",")])
        }
        for d in [exogenous, endogenous, instruments] where d.nobs != n {
            throw StatsError(
                .dimensionMismatch,
                "The dependent variable '\(yName)' has \(n) observations but a regressor block has \(d.nobs); align the data."
            )
        }
        if let bad = y.firstIndex(where: { !$0.isFinite }) {
            throw StatsError.nonFinite(column: yName, index: bad, value: y[bad])
        }
        let x = try exogenous.appending(endogenous)
        let z = try exogenous.appending(instruments)
        guard n > z.count else {
            throw StatsError(
                .insufficientObservations,
                "The model has \(z.count) instruments (exogenous regressors included) but only \(n) observations; "
                    + "it needs more observations than instruments.", context: ["nobs": String(n)])
        }
        try covariance.validate(nobs: n)
        // Instruments must be of full rank; the structural regressors too (checked on X̂).
        let (zqr, _) = try QRLeastSquares.factor(
            z, policy: .error, role: "instrument", strategy: options.factorization)
        let xhat = try zqr.project(x.matrix)
        let xhatDesign = DesignMatrix(uncheckedNames: x.names, matrix: xhat)
        let (xhatQR, kept) = try QRLeastSquares.factor(
            xhatDesign, policy: .drop, role: "regressor", strategy: options.factorization)
        guard kept.count == x.count else {
            // Dropping columns of X̂ in an IV model changes identification: refuse.
            let names = (0..<x.count).filter { !kept.contains($0) }.map { x.names[$0] }
            throw StatsError(
                .rankDeficient,
                "The instruments cannot separate the regressors: the projection of "
                    + names.map { "'\($0)'" }.joined(separator: ", ")
                    + " on the instruments is a linear combination of the other regressors' projections "
                    + "(or the regressors themselves are collinear). Add or change excluded instruments.",
                context: ["columns": names.joined(separator: ",")])
        }
        let k = x.count
        var b = try xhatQR.solveOnce(y)
        // Two refinement steps against the 2SLS normal equations X̂ᵀ(y − Xβ) = 0 with structural
        // residuals (against X, not X̂): the correction solves X̂ᵀX d = X̂ᵀr, and X̂ᵀX = X̂ᵀX̂.
        // Residuals are accumulated in doubled precision when X̂ is ill-conditioned (or refinement
        // is forced); for κ ≤ 10² working precision already gives full accuracy, as in OLS.
        let compensated =
            options.refinement == .always
            || (options.refinement == .automatic && xhatQR.conditionEstimate > 1e2)
        func structuralResiduals(_ b: [Double]) -> [Double] {
            compensated
                ? QRLeastSquares.compensatedResiduals(x.matrix, y, b) : QRLeastSquares.residuals(x.matrix, y, b)
        }
        for _ in 0..<2 {
            let d = try xhatQR.solveOnce(structuralResiduals(b))
            for j in 0..<k { b[j] += d[j] }
        }
        let residuals = structuralResiduals(b)
        let bread = try xhatQR.xtxInverse()
        var ssr = 0.0
        for e in residuals { ssr += e * e }
        let dfResid = Double(n - k)
        let scale = ssr / (debiased ? dfResid : Double(n))
        let factor = Self.factor(covariance, debiased: debiased, n: n, k: k)
        let constantIndex = x.constantIndex
        let cov = try LinearFit.covariance(
            covariance, x: xhat, residuals: residuals, bread: bread, scale: scale, constantIndex: constantIndex,
            qr: xhatQR, factor: factor)
        let inference: Inference = covariance.inference ?? (debiased ? .t : .normal)
        let regression = LinearFit.assemble(
            model: .iv2sls, names: x.names, dropped: [], beta: b, y: y, residuals: residuals, covariance: cov,
            options: covariance, scale: scale, inference: inference, constantIndex: constantIndex,
            classicalF: false, fAsChiSquared: !debiased, clusterInferenceDF: false)

        // First stages and the rank test reuse the model's HAC bandwidth (linearmodels passes its
        // fitted covariance configuration to the first-stage regressions); Hansen's J belongs
        // to a separate GMM fit that chooses its own.
        var diagnosticCovariance = covariance
        if let bw = cov.bandwidth { diagnosticCovariance.hacLags = Int(bw) }
        let diagnostics = try Diagnostics(
            y: y, exogenous: exogenous, endogenous: endogenous, instruments: instruments, x: x, z: z,
            zqr: zqr, residuals: residuals, beta: b, covariance: diagnosticCovariance, gmmCovariance: covariance,
            debiased: debiased, bread: bread, xhat: xhat)
        return IVResult(
            regression: regression, firstStage: diagnostics.firstStage, endogenous: endogenous.names,
            instruments: instruments.names, sargan: diagnostics.sargan, basmann: diagnostics.basmann,
            hansenJ: diagnostics.hansenJ, wuHausman: diagnostics.wuHausman, durbin: diagnostics.durbin,
            craggDonald: diagnostics.craggDonald, kleibergenPaap: diagnostics.kleibergenPaap)
    }

    /// linearmodels' small-sample factors: with `debiased`, n/(n−k) for robust and HAC and
    /// G/(G−1)·(n−1)/(n−k) for clusters; without it, none. HC1–HC3 keep their own definition
    /// (HC1 = n/(n−k)).
    static func factor(_ options: CovarianceOptions, debiased: Bool, n: Int, k: Int) -> (Int?) -> Double {
        { g in
            let dfAdj = Double(n) / Double(n - k)
            switch options.kind {
            case .nonrobust: return 1
            case .hc0, .hc2, .hc3, .hac: return (options.smallSample ?? debiased) ? dfAdj : 1
            case .hc1: return dfAdj
            case .cluster:
                guard let g else { return 1 }
                let gd = Double(g)
                return (options.smallSample ?? debiased) ? gd / (gd - 1) * Double(n - 1) / Double(n - k) : 1
            }
        }
    }
}
