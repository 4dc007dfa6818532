/// The left-hand side of a local projection at horizon h, for the response series y and
/// date t.
///
/// | case | dependent variable at horizon h | name (for y called `y`) |
/// |---|---|---|
/// | ``difference`` | y_{t+h} − y_{t−1} | `F3.y-L1.y` |
/// | ``level`` | y_{t+h} | `F3.y` |
/// | ``cumulative`` | Σ_{j=0}^{h} y_{t+j} | `sum(F0..F3.y)` |
///
/// `.cumulative` is the cumulative response of a growth rate: with y the growth of log GDP,
/// its coefficient on the shock is the response of the log level h periods ahead relative to
/// t − 1. `.difference` needs y_{t−1}, so its sample starts at t = max(p, 1) even with p = 0.
///
/// With at least one lag of y among the regressors, `.difference` and `.level` give the same
/// coefficient on the shock (subtracting the regressor y_{t−1} only moves the coefficient of
/// `L1.y` by one); they differ when p = 0.
public enum LPResponse: String, Sendable, Hashable, Codable, CaseIterable {
    /// y_{t+h} − y_{t−1}.
    case difference
    /// y_{t+h}.
    case level
    /// Σ_{j=0}^{h} y_{t+j}.
    case cumulative
}

/// How the coefficient covariance of each horizon's regression is estimated.
///
/// The default, ``neweyWestHPlusOne``, is Newey–West (1987) HAC with Bartlett weights and
/// L = h + 1 lags at horizon h: the LP residual at horizon h is a moving average of order h
/// (Jordà 2005), so its autocovariances vanish beyond lag h. As in statsmodels
/// (`cov_type='HAC', cov_kwds={'maxlags': h + 1}`) no small-sample factor n/(n − k) is applied
/// unless asked for (`smallSample: true`, statsmodels' `use_correction=True`); for LP-IV the
/// factor follows linearmodels' `debiased` flag instead. Any fixed ``CovarianceOptions``
/// can be used at every horizon with ``fixed(_:)``.
public struct LPCovariance: Sendable, Hashable {
    enum Rule: Sendable, Hashable {
        case horizonHAC(extraLags: Int, smallSample: Bool?)
        case fixed(CovarianceOptions)
    }

    let rule: Rule

    /// Newey–West HAC with h + 1 lags at horizon h, no small-sample factor (statsmodels' default).
    public static let neweyWestHPlusOne = LPCovariance(rule: .horizonHAC(extraLags: 1, smallSample: nil))

    /// Newey–West HAC with h + `extraLags` lags at horizon h.
    /// - Parameters:
    ///   - extraLags: lags beyond the horizon (1 gives ``neweyWestHPlusOne``); must be ≥ 0.
    ///   - smallSample: multiply by n/(n − k) (statsmodels' `use_correction`); `nil` keeps the
    ///     estimator's convention (off for OLS, `debiased` for LP-IV).
    public static func neweyWest(extraLags: Int = 1, smallSample: Bool? = nil) -> LPCovariance {
        LPCovariance(rule: .horizonHAC(extraLags: extraLags, smallSample: smallSample))
    }

    /// The same covariance options at every horizon. Cluster labels, if any, are given for
    /// the full series (one per date) and restricted to each horizon's sample.
    public static func fixed(_ options: CovarianceOptions) -> LPCovariance { LPCovariance(rule: .fixed(options)) }

    /// The covariance options used at horizon `h` (before cluster labels are restricted to
    /// the horizon's sample).
    public func options(horizon h: Int) -> CovarianceOptions {
        switch rule {
        case let .horizonHAC(extra, small): return .hac(lags: h + extra, smallSample: small)
        case let .fixed(options): return options
        }
    }
}

/// What to estimate: horizons, lags, response transformation, covariance and band levels.
///
/// At horizon h = 0…``horizons`` the regression is
///
///     z_{t,h} = α_h + β_h s_t + Σ_{j=1}^{p} γ_{h,j}′ s_{t−j} + Σ_{j=1}^{p} φ_{h,j} y_{t−j}
///               + Σ_c Σ_{j=1}^{p} δ_{h,c,j} c_{t−j} + u_{t+h}
///
/// with z_{t,h} the ``response`` transformation of y, s the shock, p = ``lags``, the shock lags
/// only when ``shockLags`` is set, and c the controls. β_h is the impulse response at h
/// (Jordà 2005, *American Economic Review* 95(1), 161–182). With instruments, s_t is
/// instrumented by their date-t values and β_h is estimated by 2SLS at each horizon (LP-IV,
/// Stock & Watson 2018, *Economic Journal* 128, 917–948).
public struct LocalProjectionSpecification: Sendable, Hashable {
    /// The last horizon H (horizons 0…H are estimated); must be ≥ 0.
    public var horizons: Int
    /// The number p of lags of y, of every control (and of the shock with ``shockLags``); ≥ 0.
    public var lags: Int
    /// The dependent-variable transformation.
    public var response: LPResponse
    /// Add lags 1…p of the shock as regressors (exogenous regressors in LP-IV).
    public var shockLags: Bool
    /// The covariance at each horizon (default: HAC with h + 1 lags). Used by
    /// ``LPInference/hacHorizonPlusOne`` only; the other inference choices fix their own.
    public var covariance: LPCovariance
    /// How standard errors, reference distribution, p-values and bands are obtained
    /// (default ``LPInference/hacHorizonPlusOne``, the former behaviour; see ``LPInference``).
    public var inference: LPInference
    /// Dates t (0-based positions in the input series) whose rows are dropped from every
    /// horizon's regression after the leads and lags are built: the series stay intact, so
    /// the lags and leads of neighbouring dates are unaffected. Positions must lie in 0..<T.
    public var excludedObservations: Set<Int>
    /// Confidence levels of the pointwise bands, each strictly between 0 and 1.
    public var levels: [Double]
    /// LP-IV only: linearmodels' `debiased` (σ̂² over n − k, robust covariances × n/(n − k),
    /// t inference).
    public var debiased: Bool
    /// Rank-deficiency, refinement and factorization options of each regression.
    public var options: LinearModelOptions

    /// Creates a specification.
    /// - Parameters:
    ///   - horizons: the last horizon H.
    ///   - lags: p, the lags of y and of each control.
    ///   - response: `.difference` (default), `.level` or `.cumulative`.
    ///   - shockLags: include lags 1…p of the shock.
    ///   - covariance: per-horizon covariance (default HAC with h + 1 lags), for `.hacHorizonPlusOne`.
    ///   - inference: the inference choice (default `.hacHorizonPlusOne`).
    ///   - excludedObservations: dates dropped from every horizon's regression.
    ///   - levels: band confidence levels (default 68 %, 90 %, 95 %).
    ///   - debiased: LP-IV small-sample convention.
    ///   - options: linear-model options.
    public init(
        horizons: Int, lags: Int, response: LPResponse = .difference, shockLags: Bool = false,
        covariance: LPCovariance = .neweyWestHPlusOne, inference: LPInference = .hacHorizonPlusOne,
        excludedObservations: Set<Int> = [], levels: [Double] = [0.68, 0.90, 0.95],
        debiased: Bool = false, options: LinearModelOptions = LinearModelOptions()
    ) {
        self.horizons = horizons
        self.lags = lags
        self.response = response
        self.shockLags = shockLags
        self.covariance = covariance
        self.inference = inference
        self.excludedObservations = excludedObservations
        self.levels = levels
        self.debiased = debiased
        self.options = options
    }

    /// The first date t (0-based) of every horizon's sample: max(p′, 1) for `.difference`,
    /// p′ otherwise, with p′ = ``designLags``.
    public var firstObservation: Int { max(designLags, response == .difference ? 1 : 0) }

    /// The lags in the fitted design: p, or p + 1 with lag augmentation.
    public var designLags: Int { lags + (inference.augmentsLags ? 1 : 0) }

    /// Whether the design has lags of the shock: ``shockLags``, or always with lag augmentation
    /// (Montiel Olea & Plagborg-Møller 2021 augment every lagged variable, the shock included).
    public var designShockLags: Bool { shockLags || inference.augmentsLags }
}
