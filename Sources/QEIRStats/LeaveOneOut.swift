/// One observation's deletion: the estimate and p-value of the refit without it.
public struct LeaveOneOutDrop: Sendable, Hashable {
    /// The observation dropped (0-based position in the estimation sample).
    public let observation: Int
    /// The estimate without it; `nil` when the refit is undefined (see ``failure``).
    public let estimate: Double?
    /// Its p-value under the full fit's inference; `nil` when undefined or not reported.
    public let pValue: Double?
    /// Why the refit is undefined (the estimator's message), `nil` when it succeeded.
    public let failure: String?

    /// Creates a drop record.
    public init(observation: Int, estimate: Double?, pValue: Double?, failure: String? = nil) {
        self.observation = observation
        self.estimate = estimate
        self.pValue = pValue
        self.failure = failure
    }
}

/// The sensitivity of one estimate to dropping each observation in turn: the estimates
/// without each observation, their range, and the observations whose removal changes the
/// estimate's sign or its significance.
///
/// A jackknife-style deletion analysis (Belsley, Kuh & Welsch 1980, *Regression Diagnostics*,
/// Wiley, §2.1, "row deletion"): unlike DFBETA it refits with the *same* estimator and
/// covariance as the full fit — a robust (HC, HAC, cluster) p-value is recomputed on the
/// reduced sample, not approximated — so it applies to 2SLS, threshold regimes, local
/// projection horizons and Granger tests as well as OLS.
public struct LeaveOneOutAnalysis: Sendable, Hashable {
    /// What is analysed (a coefficient or test name; rename freely).
    public var name: String
    /// The full-sample estimate.
    public let estimate: Double
    /// The full-sample p-value, if any.
    public let pValue: Double?
    /// The confidence level whose complement α = 1 − level defines significance (p < α).
    public let confidenceLevel: Double
    /// One entry per observation, in order.
    public let drops: [LeaveOneOutDrop]

    /// The significance level α = 1 − ``confidenceLevel``.
    public var alpha: Double { 1 - confidenceLevel }

    /// The drops whose refit succeeded.
    public var defined: [LeaveOneOutDrop] { drops.filter { $0.estimate != nil } }

    /// Observations whose refit is undefined.
    public var undefinedObservations: [Int] { drops.filter { $0.estimate == nil }.map(\.observation) }

    /// The smallest leave-one-out estimate and the observation whose removal gives it.
    public var minimum: (observation: Int, estimate: Double)? {
        defined.min { $0.estimate! < $1.estimate! }.map { ($0.observation, $0.estimate!) }
    }

    /// The largest leave-one-out estimate and the observation whose removal gives it.
    public var maximum: (observation: Int, estimate: Double)? {
        defined.max { $0.estimate! < $1.estimate! }.map { ($0.observation, $0.estimate!) }
    }

    /// Observations whose removal gives an estimate of the opposite sign (a zero estimate on
    /// either side counts as no flip).
    public var signFlips: [Int] {
        defined.filter { $0.estimate! * estimate < 0 }.map(\.observation)
    }

    /// Observations whose removal moves the p-value across α (significant ↔ not significant).
    /// Empty when the full fit has no p-value.
    public var significanceFlips: [Int] {
        guard let p = pValue else { return [] }
        let significant = p < alpha
        return drops.filter { d in d.pValue.map { ($0 < alpha) != significant } ?? false }.map(\.observation)
    }

    /// Runs the analysis.
    /// - Parameters:
    ///   - name: what is analysed.
    ///   - full: the full-sample estimate and p-value.
    ///   - observations: n; `refit` is called for 0…n − 1.
    ///   - confidenceLevel: significance is p < 1 − level.
    ///   - refit: the estimate and p-value without observation i. A ``StatsError`` it throws
    ///     (for example a regime left collinear) marks that drop undefined, with the message;
    ///     any other error (cancellation) is rethrown.
    /// - Throws: ``StatsError/Code/invalidArgument`` for a level outside (0, 1); errors of
    ///   `refit` other than ``StatsError``.
    public init(
        name: String, full: (estimate: Double, pValue: Double?), observations: Int, confidenceLevel: Double = 0.95,
        refit: (Int) throws -> (estimate: Double, pValue: Double?)
    ) throws {
        guard confidenceLevel > 0, confidenceLevel < 1 else {
            throw StatsError(
                .invalidArgument, "The confidence level must be strictly between 0 and 1; got \(confidenceLevel).")
        }
        var drops: [LeaveOneOutDrop] = []
        drops.reserveCapacity(observations)
        for i in 0..<observations {
            do {
                let r = try refit(i)
                if r.estimate.isFinite {
                    drops.append(
                        LeaveOneOutDrop(
                            observation: i, estimate: r.estimate, pValue: r.pValue.flatMap { $0.isFinite ? $0 : nil }))
                } else {
                    drops.append(
                        LeaveOneOutDrop(
                            observation: i, estimate: nil, pValue: nil,
                            failure: "the estimate without this observation is not finite"))
                }
            } catch let error as StatsError {
                drops.append(LeaveOneOutDrop(observation: i, estimate: nil, pValue: nil, failure: error.message))
            }
        }
        self.name = name
        self.estimate = full.estimate
        self.pValue = full.pValue
        self.confidenceLevel = confidenceLevel
        self.drops = drops
    }

    /// Leave-one-out of one OLS coefficient: refits ``OLS`` without each observation under
    /// the same covariance options (cluster labels and HAC lags carried over; an automatic HAC
    /// bandwidth is re-chosen on each reduced sample, as the full fit chose it on its own).
    /// - Parameters:
    ///   - y: the dependent variable.
    ///   - design: the regressors.
    ///   - coefficient: the coefficient's name.
    ///   - covariance: the covariance of the full fit.
    ///   - options: the estimator's options.
    ///   - confidenceLevel: significance is p < 1 − level.
    /// - Throws: ``StatsError`` when the full fit fails or has no such coefficient.
    /// - Complexity: n + 1 OLS fits.
    public static func ols(
        y: [Double], design: DesignMatrix, coefficient: String, covariance: CovarianceOptions = .nonrobust,
        options: LinearModelOptions = LinearModelOptions(), confidenceLevel: Double = 0.95
    ) throws -> LeaveOneOutAnalysis {
        let estimator = OLS(options: options)
        return try Self.coefficient(coefficient, observations: y.count, confidenceLevel: confidenceLevel) { keep in
            guard let keep else { return try estimator.fit(y: y, design: design, covariance: covariance) }
            return try estimator.fit(
                y: keep.map { y[$0] }, design: design.selectingRows(keep),
                covariance: Self.restrict(covariance, to: keep))
        }
    }

    /// Leave-one-out of one 2SLS coefficient: refits ``IV2SLS`` without each observation with
    /// the same covariance options and `debiased` convention.
    /// - Parameters: as ``IV2SLS/fit(y:exogenous:endogenous:instruments:covariance:debiased:yName:)``,
    ///   plus the coefficient's name and the confidence level.
    /// - Throws: ``StatsError`` when the full fit fails or has no such coefficient.
    /// - Complexity: n + 1 2SLS fits.
    public static func iv2sls(
        y: [Double], exogenous: DesignMatrix, endogenous: DesignMatrix, instruments: DesignMatrix,
        coefficient: String, covariance: CovarianceOptions = .nonrobust, debiased: Bool = false,
        options: LinearModelOptions = LinearModelOptions(), confidenceLevel: Double = 0.95
    ) throws -> LeaveOneOutAnalysis {
        let estimator = IV2SLS(options: options)
        return try Self.coefficient(coefficient, observations: y.count, confidenceLevel: confidenceLevel) { keep in
            guard let keep else {
                return try estimator.fit(
                    y: y, exogenous: exogenous, endogenous: endogenous, instruments: instruments,
                    covariance: covariance, debiased: debiased
                ).regression
            }
            return try estimator.fit(
                y: keep.map { y[$0] }, exogenous: exogenous.selectingRows(keep),
                endogenous: endogenous.selectingRows(keep), instruments: instruments.selectingRows(keep),
                covariance: Self.restrict(covariance, to: keep), debiased: debiased
            ).regression
        }
    }

    /// The leave-one-out of one coefficient of a linear model: `fit(nil)` fits the full sample,
    /// `fit(rows)` the sample restricted to `rows` (every observation but one).
    static func coefficient(
        _ name: String, observations n: Int, confidenceLevel: Double, fit: ([Int]?) throws -> RegressionResult
    ) throws -> LeaveOneOutAnalysis {
        let full = try fit(nil)
        let j = try Self.index(name, in: full)
        return try LeaveOneOutAnalysis(
            name: name, full: (full.coefficients[j], full.pValues[j] as Double?), observations: n,
            confidenceLevel: confidenceLevel
        ) { i in
            let reduced = try fit(Self.rows(without: i, of: n))
            let k = try Self.index(name, in: reduced)
            return (estimate: reduced.coefficients[k], pValue: reduced.pValues[k] as Double?)
        }
    }

    static func rows(without i: Int, of n: Int) -> [Int] { (0..<n).filter { $0 != i } }

    static func restrict(_ covariance: CovarianceOptions, to rows: [Int]) -> CovarianceOptions {
        var c = covariance
        if let labels = c.clusters { c.clusters = rows.map { labels[$0] } }
        return c
    }

    static func index(_ name: String, in fit: RegressionResult) throws -> Int {
        guard let j = fit.index(of: name) else {
            throw StatsError(
                .missingColumn,
                "The model has no coefficient '\(name)' (it may have been dropped as collinear); it has "
                    + "\(fit.names.joined(separator: ", ")).", context: ["column": name])
        }
        return j
    }
}
