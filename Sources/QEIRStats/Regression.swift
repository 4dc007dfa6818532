import RealModule

/// A confidence interval for one coefficient.
public struct ConfidenceInterval: Sendable, Hashable, Codable {
    /// Coefficient name.
    public let name: String
    /// Lower bound.
    public let lower: Double
    /// Upper bound.
    public let upper: Double
}

/// The estimator that produced a ``RegressionResult``.
public enum ModelKind: String, Sendable, Hashable, Codable {
    /// Ordinary least squares.
    case ols
    /// Two-stage least squares.
    case iv2sls
}

/// Estimates, inference and fit statistics of a linear model, every vector labelled by
/// ``names``.
public struct RegressionResult: Sendable, Hashable {
    /// The estimator.
    public let model: ModelKind
    /// Coefficient names in order (columns dropped for rank deficiency are not included).
    public let names: [String]
    /// Columns dropped as linear combinations of earlier ones (``RankDeficiencyPolicy/drop``).
    public let droppedColumns: [String]
    /// Coefficient estimates β̂.
    public let coefficients: [Double]
    /// Covariance matrix of β̂ under ``covarianceOptions``.
    public let covariance: Matrix
    /// The covariance options used.
    public let covarianceOptions: CovarianceOptions
    /// The HAC bandwidth actually used (given or automatic), for `.hac`.
    public let hacBandwidth: Double?
    /// Number of clusters, for `.cluster`.
    public let clusterCount: Int?
    /// √diag(covariance).
    public let standardErrors: [Double]
    /// β̂/SE: t statistics (``Inference/t``) or z statistics (``Inference/normal``).
    public let statistics: [Double]
    /// Two-sided p-values of the statistics.
    public let pValues: [Double]
    /// The reference distribution of ``statistics``.
    public let inference: Inference
    /// Number of observations n.
    public let nobs: Int
    /// Model degrees of freedom: rank − (1 if there is a constant).
    public let dfModel: Double
    /// Residual degrees of freedom n − rank.
    public let dfResid: Double
    /// Denominator degrees of freedom of t and F inference: ``dfResid``, except G − 1 for
    /// cluster-robust covariances (statsmodels' `df_resid_inference`).
    public let dfInference: Double
    /// R² (centered when the model has a constant, uncentered otherwise, like statsmodels).
    public let rSquared: Double
    /// 1 − (n − k_const)/(n − k)·(1 − R²).
    public let adjustedRSquared: Double
    /// Joint test that every slope (every non-constant coefficient) is zero, under the model's
    /// covariance: F(df_model, df_resid); `nil` when there are no slopes.
    public let fTest: TestResult?
    /// Sum of squared residuals.
    public let ssr: Double
    /// σ̂ = √(SSR/df_resid).
    public let sigma: Double
    /// Gaussian log-likelihood −n/2·(log 2π + log(SSR/n) + 1).
    public let logLikelihood: Double
    /// −2·llf + 2·rank.
    public let aic: Double
    /// −2·llf + log(n)·rank.
    public let bic: Double
    /// y − ŷ.
    public let residuals: [Double]
    /// ŷ.
    public let fittedValues: [Double]

    /// The index of coefficient `name`.
    public func index(of name: String) -> Int? { names.firstIndex(of: name) }

    /// The estimate of coefficient `name`.
    public func coefficient(_ name: String) -> Double? { index(of: name).map { coefficients[$0] } }

    /// The standard error of coefficient `name`.
    public func standardError(_ name: String) -> Double? { index(of: name).map { standardErrors[$0] } }

    /// The critical value for a two-sided interval at `level` under ``inference``.
    public func criticalValue(level: Double) -> Double {
        let alpha = (1 - level) / 2
        switch inference {
        case .t: return StudentT(degreesOfFreedom: dfInference).inverseSF(alpha)
        case .normal: return Normal().inverseSF(alpha)
        }
    }

    /// Two-sided confidence intervals β̂ ± c·SE at `level` (for example 0.95).
    /// - Throws: ``StatsError/Code/invalidArgument`` unless 0 < level < 1.
    public func confidenceIntervals(level: Double = 0.95) throws -> [ConfidenceInterval] {
        guard level > 0, level < 1 else {
            throw StatsError(
                .invalidArgument, "The confidence level must be strictly between 0 and 1; got \(level).",
                context: ["confidence": String(level)])
        }
        let c = criticalValue(level: level)
        return names.indices.map {
            ConfidenceInterval(
                name: names[$0], lower: coefficients[$0] - c * standardErrors[$0],
                upper: coefficients[$0] + c * standardErrors[$0])
        }
    }

    /// Wald test of R·β = r under the model's covariance.
    /// - Parameters:
    ///   - restriction: the q×k matrix R (columns in ``names`` order).
    ///   - value: r (q values; zeros by default).
    /// - Throws: on size mismatch or when R·V·Rᵀ is singular (redundant restrictions).
    public func waldTest(restriction: Matrix, value: [Double]? = nil) throws -> WaldTest {
        try WaldTest.compute(
            restriction: restriction, value: value ?? [Double](repeating: 0, count: restriction.rows),
            beta: coefficients, covariance: covariance, dfResid: dfInference)
    }

    /// Wald test that the named coefficients are jointly equal to `values` (zero by default).
    /// - Throws: ``StatsError/Code/missingColumn`` for an unknown name.
    public func waldTest(coefficients tested: [String], values: [Double]? = nil) throws -> WaldTest {
        var r = Matrix(rows: tested.count, columns: names.count)
        for (row, name) in tested.enumerated() {
            guard let j = index(of: name) else {
                throw StatsError(
                    .missingColumn,
                    "The model has no coefficient '\(name)'; it has \(names.joined(separator: ", ")).",
                    context: ["column": name])
            }
            r[row, j] = 1
        }
        return try waldTest(restriction: r, value: values)
    }
}

/// Options shared by the linear estimators.
public struct LinearModelOptions: Sendable, Hashable {
    /// What to do with linearly dependent columns.
    public var rankDeficiency: RankDeficiencyPolicy = .error
    /// When to refine the least-squares solution.
    public var refinement: RefinementPolicy = .automatic
    /// Which QR factorization to use (the automatic choice is right unless you are testing).
    public var factorization: QRStrategy = .automatic
    /// Creates options with defaults (error on rank deficiency, automatic refinement and factorization).
    public init(
        rankDeficiency: RankDeficiencyPolicy = .error, refinement: RefinementPolicy = .automatic,
        factorization: QRStrategy = .automatic
    ) {
        self.rankDeficiency = rankDeficiency
        self.refinement = refinement
        self.factorization = factorization
    }
}

extension QRLeastSquares {
    /// Factors `design`, applying the rank-deficiency policy. Returns the factorization of the
    /// kept columns and the indices kept.
    static func factor(
        _ design: DesignMatrix, policy: RankDeficiencyPolicy, role: String = "regressor",
        strategy: QRStrategy = .automatic
    ) throws -> (qr: QRLeastSquares, kept: [Int]) {
        let qr = try QRLeastSquares(design.matrix, strategy: strategy)
        if qr.rank == design.count { return (qr, Array(0..<design.count)) }
        let dependent = try qr.dependentColumns()
        let dependentNames = dependent.map { design.names[$0] }
        switch policy {
        case .error:
            let list = dependentNames.map { "'\($0)'" }.joined(separator: ", ")
            let verb = dependent.count == 1 ? "is a linear combination" : "are linear combinations"
            throw StatsError(
                .rankDeficient,
                "Perfect collinearity: \(role) column\(dependent.count == 1 ? "" : "s") \(list) \(verb) of "
                    + "the columns before \(dependent.count == 1 ? "it" : "them"). Remove \(dependent.count == 1 ? "it" : "them") "
                    + "or allow dropping (rankDeficiency: .drop).",
                context: ["columns": dependentNames.joined(separator: ",")])
        case .drop:
            let kept = (0..<design.count).filter { !dependent.contains($0) }
            return (try QRLeastSquares(design.matrix.selectingColumns(kept), strategy: strategy), kept)
        }
    }
}

/// Ordinary least squares.
///
/// β̂ = argmin ‖y − Xβ‖², computed by Householder QR with column pivoting on the
/// column-equilibrated design and refined iteratively when ill-conditioned (see
/// `Documentation/QEIRStats.md`). Certified against every NIST StRD linear regression set to
/// ≥ 9 significant digits.
public struct OLS: Sendable {
    /// Estimation options.
    public var options: LinearModelOptions

    /// Creates an estimator.
    public init(options: LinearModelOptions = LinearModelOptions()) { self.options = options }

    /// Fits y on the design.
    /// - Parameters:
    ///   - y: the dependent variable (n values).
    ///   - design: the regressors, named; add the constant when building it.
    ///   - covariance: the covariance estimator for standard errors and tests.
    /// - Returns: labelled estimates, inference and fit statistics.
    /// - Throws: ``StatsError`` for non-finite y, n ≤ k, rank deficiency (by default), or
    ///   invalid covariance options (for example missing cluster labels).
    /// - Complexity: O(n·k²) for the factorization, O(n·k²) for robust meats, O(n·k²·L) for HAC.
    public func fit(
        y: [Double], design: DesignMatrix, covariance: CovarianceOptions = .nonrobust,
        yName: String = "y"
    ) throws -> RegressionResult {
        let n = design.nobs
        guard y.count == n else {
            throw StatsError(
                .dimensionMismatch,
                "The dependent variable '\(yName)' has \(y.count) observations but the design has \(n).",
                context: ["column": yName])
        }
        if let bad = y.firstIndex(where: { !$0.isFinite }) {
            throw StatsError.nonFinite(column: yName, index: bad, value: y[bad])
        }
        guard design.count > 0 else {
            throw StatsError(.invalidArgument, "The model has no regressors; add a constant or at least one column.")
        }
        guard n > design.count else {
            throw StatsError(
                .insufficientObservations,
                "The model has \(design.count) coefficients but only \(n) observations; it needs more "
                    + "observations than coefficients (n > k). Use a longer sample or fewer regressors.",
                context: ["nobs": String(n), "k": String(design.count)])
        }
        try covariance.validate(nobs: n)
        let (qr, kept) = try QRLeastSquares.factor(
            design, policy: options.rankDeficiency, strategy: options.factorization)
        let used = kept.count == design.count ? design : design.selecting(kept)
        let dropped = (0..<design.count).filter { !kept.contains($0) }.map { design.names[$0] }
        let (beta, resid) = try qr.solve(y, refinement: options.refinement)
        let bread = try qr.xtxInverse()
        var ssr = 0.0
        for e in resid { ssr += e * e }
        let scale = ssr / Double(n - kept.count)
        let constantIndex = used.constantIndex
        let cov = try LinearFit.covariance(
            covariance, x: used.matrix, residuals: resid, bread: bread, scale: scale,
            constantIndex: constantIndex, qr: qr,
            factor: LinearFit.statsmodelsFactor(covariance, n: n, k: kept.count))
        return LinearFit.assemble(
            model: .ols, names: used.names, dropped: dropped, beta: beta, y: y, residuals: resid,
            covariance: cov, options: covariance, scale: scale, inference: covariance.resolvedInference,
            constantIndex: constantIndex, classicalF: covariance.kind == .nonrobust)
    }
}

extension CovarianceOptions {
    func validate(nobs n: Int) throws {
        switch kind {
        case .cluster:
            guard let c = clusters else {
                throw StatsError(
                    .invalidArgument, "Cluster-robust covariance needs a cluster label for every observation.")
            }
            guard c.count == n else {
                throw StatsError(
                    .dimensionMismatch,
                    "There are \(c.count) cluster labels for \(n) observations; give one label per observation.")
            }
            guard Set(c).count >= 2 else {
                throw StatsError(
                    .invalidArgument,
                    "Cluster-robust covariance needs at least two clusters; all observations share one.")
            }
        case .hac:
            if let l = hacLags, l < 0 || l >= n {
                throw StatsError(
                    .invalidArgument, "HAC lags must be between 0 and n−1 = \(n - 1); got \(l).",
                    context: ["hac_lags": String(l)])
            }
        default: break
        }
    }
}

/// Assembly of labelled results from a solved linear model (shared by OLS and 2SLS).
enum LinearFit {
    /// A covariance matrix with the HAC bandwidth / cluster count that produced it.
    struct Covariance {
        var matrix: Matrix
        var bandwidth: Double?
        var clusters: Int?
    }

    /// The sandwich (or classical) covariance for the given options.
    /// - Parameters:
    ///   - x: the design whose rows form the scores (X for OLS, X̂ for 2SLS).
    ///   - scale: σ̂² for the classical covariance.
    ///   - factor: the small-sample factor for a robust kind, given the number of clusters.
    static func covariance(
        _ options: CovarianceOptions, x: Matrix, residuals: [Double], bread: Matrix, scale: Double,
        constantIndex: Int?, qr: QRLeastSquares, factor: (Int?) -> Double
    ) throws -> Covariance {
        let n = x.rows
        let k = x.columns
        // Ill-conditioned designs: scores in the Q basis, then R⁻¹·M·R⁻ᵀ (see sandwichFromQBasis).
        let useQ = qr.prefersQBasis
        var cachedQ: Matrix? = nil
        func thinQ() throws -> Matrix {
            if let q = cachedQ { return q }
            let q = try qr.thinQ()
            cachedQ = q
            return q
        }
        func basis() throws -> Matrix { useQ ? try thinQ() : x }
        func finish(_ meat: Matrix, _ f: Double) throws -> Matrix {
            if useQ {
                var v = try qr.sandwichFromQBasis(meat)
                for i in 0..<v.storage.count { v.storage[i] *= f }
                return v
            }
            return Sandwich.sandwich(bread: bread, meat: meat, factor: f)
        }
        switch options.kind {
        case .nonrobust:
            var v = bread
            for i in 0..<v.storage.count { v.storage[i] *= scale }
            return Covariance(matrix: v)
        case .hc0, .hc1, .hc2, .hc3:
            var w = residuals
            if options.kind == .hc2 || options.kind == .hc3 {
                let h = try qr.leverage(q: try thinQ())
                for i in 0..<n {
                    w[i] = options.kind == .hc2 ? residuals[i] / (1 - h[i]).squareRoot() : residuals[i] / (1 - h[i])
                }
            }
            return Covariance(matrix: try finish(Sandwich.weightedGram(try basis(), weights: w), factor(nil)))
        case .hac:
            let bw =
                try options.hacLags.map(Double.init)
                ?? Sandwich.neweyWestBandwidth(
                    Sandwich.scores(x, weights: residuals), include: (0..<k).filter { $0 != constantIndex })
            let meat = Sandwich.hacMeat(Sandwich.scores(try basis(), weights: residuals), bandwidth: bw)
            return Covariance(matrix: try finish(meat, factor(nil)), bandwidth: bw)
        case .cluster:
            let u = Sandwich.scores(try basis(), weights: residuals)
            let (meat, g) = Sandwich.clusterMeat(u, groups: options.clusters ?? [])
            return Covariance(matrix: try finish(meat, factor(g)), clusters: g)
        }
    }

    /// statsmodels' small-sample factors for OLS: HC1 n/(n−k); HAC n/(n−k) when requested;
    /// clusters G/(G−1)·(n−1)/(n−k) unless switched off.
    static func statsmodelsFactor(_ options: CovarianceOptions, n: Int, k: Int) -> (Int?) -> Double {
        { g in
            let dfResid = Double(n - k)
            switch options.kind {
            case .hc1: return Double(n) / dfResid
            case .hac: return (options.smallSample ?? false) ? Double(n) / dfResid : 1
            case .cluster:
                guard options.smallSample ?? true, let g else { return 1 }
                let gd = Double(g)
                return gd / (gd - 1) * Double(n - 1) / dfResid
            default: return 1
            }
        }
    }

    /// β_sᵀ V_ss⁻¹ β_s for the coefficients `slopes` (‖U⁻ᵀβ_s‖² with UᵀU = V_ss); `nil` when V_ss
    /// is not positive definite.
    static func slopeWald(beta: [Double], covariance v: Matrix, slopes: [Int]) -> Double? {
        let q = slopes.count
        var middle = Matrix(rows: q, columns: q)
        for (j, cj) in slopes.enumerated() {
            for (i, ci) in slopes.enumerated() { middle[i, j] = v[ci, cj] }
        }
        guard let u = try? middle.choleskyUpper(name: "slope covariance") else { return nil }
        var d = slopes.map { beta[$0] }
        var w = 0.0
        for i in 0..<q {
            var acc = d[i]
            for k in 0..<i { acc -= u[k, i] * d[k] }
            d[i] = acc / u[i, i]
            w += d[i] * d[i]
        }
        return w
    }

    // swiftlint:disable:next function_parameter_count
    static func assemble(
        model: ModelKind, names: [String], dropped: [String], beta: [Double], y: [Double],
        residuals: [Double], covariance cov: Covariance, options: CovarianceOptions, scale: Double,
        inference: Inference, constantIndex: Int?, classicalF: Bool, fAsChiSquared: Bool = false,
        clusterInferenceDF: Bool = true
    ) -> RegressionResult {
        let n = y.count
        let k = beta.count
        let dfResid = Double(n - k)
        let dfInference = clusterInferenceDF ? cov.clusters.map { Double($0 - 1) } ?? dfResid : dfResid
        let kConst = constantIndex == nil ? 0 : 1
        let dfModel = Double(k - kConst)
        var ssr = 0.0
        for e in residuals { ssr += e * e }
        var fitted = y
        for i in 0..<n { fitted[i] = y[i] - residuals[i] }
        let tss: Double
        if kConst == 1 {
            let mean = y.reduce(0, +) / Double(n)
            tss = y.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
        } else {
            tss = y.reduce(0) { $0 + $1 * $1 }
        }
        let r2 = 1 - ssr / tss
        let adjR2 = 1 - Double(n - kConst) / dfResid * (1 - r2)
        let se = cov.matrix.diagonal.map { $0.squareRoot() }
        let stats = zip(beta, se).map { $0 / $1 }
        let pv = stats.map {
            inference == .t ? PValue.twoSidedT($0, degreesOfFreedom: dfInference) : PValue.twoSidedNormal($0)
        }
        var fTest: TestResult? = nil
        let slopes = (0..<k).filter { $0 != constantIndex }
        if !slopes.isEmpty {
            if classicalF {
                let f = ((tss - ssr) / dfModel) / (ssr / dfResid)
                fTest = TestResult(name: "F", statistic: f, distribution: .f(dfModel, dfResid))
            } else {
                // W = β_sᵀ V_ss⁻¹ β_s — WaldTest.compute's arithmetic for a coefficient-selecting
                // restriction, inlined so that only the reported statistic's p-value is evaluated.
                let q = Double(slopes.count)
                if let w = Self.slopeWald(beta: beta, covariance: cov.matrix, slopes: slopes) {
                    fTest =
                        fAsChiSquared
                        ? TestResult(name: "Wald chi2", statistic: w, distribution: .chiSquared(q))
                        : TestResult(name: "F", statistic: w / q, distribution: .f(q, dfInference))
                } else {
                    fTest = TestResult(
                        name: "F", statistic: .nan,
                        distribution: fAsChiSquared
                            ? .chiSquared(Double(slopes.count)) : .f(Double(slopes.count), dfInference))
                }
            }
        }
        let nd = Double(n)
        let llf = -nd / 2 * (Double.log(2 * Double.pi) + Double.log(ssr / nd) + 1)
        return RegressionResult(
            model: model, names: names, droppedColumns: dropped, coefficients: beta, covariance: cov.matrix,
            covarianceOptions: options, hacBandwidth: cov.bandwidth, clusterCount: cov.clusters, standardErrors: se,
            statistics: stats, pValues: pv, inference: inference, nobs: n, dfModel: dfModel, dfResid: dfResid,
            dfInference: dfInference,
            rSquared: r2, adjustedRSquared: adjR2, fTest: fTest, ssr: ssr, sigma: scale.squareRoot(),
            logLikelihood: llf, aic: -2 * llf + 2 * Double(k), bic: -2 * llf + Double.log(nd) * Double(k),
            residuals: residuals, fittedValues: fitted)
    }
}
