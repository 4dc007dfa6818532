/// A pointwise confidence band for the impulse response at one horizon:
/// β̂_h ± c·SE(β̂_h), with c the two-sided critical value at ``level`` of the horizon's
/// reference distribution (``LPHorizon/inference``: t(n − k) for lag-augmented LP, t(B) for
/// EWC, the fixed-b-matched t for Newey–West fixed-b, normal for HAC(h + 1)).
public struct LPBand: Sendable, Hashable, Codable {
    /// The confidence level (for example 0.90).
    public let level: Double
    /// β̂_h − c·SE.
    public let lower: Double
    /// β̂_h + c·SE.
    public let upper: Double

    /// Creates a band.
    public init(level: Double, lower: Double, upper: Double) {
        self.level = level
        self.lower = lower
        self.upper = upper
    }
}

/// The data of one horizon's regression, exactly as it is fitted: useful to audit which
/// dates and which regressors enter (and that the dependent variable is not among them).
public struct LPHorizonDesign: Sendable, Hashable {
    /// The horizon h.
    public let horizon: Int
    /// The span of dates t (0-based positions in the input series) of the sample:
    /// first observation … T − 1 − h. Nothing outside the data is used or zero-filled.
    public let observations: Range<Int>
    /// The dates actually fitted: ``observations`` without the specification's
    /// ``LocalProjectionSpecification/excludedObservations``, in order (one per row).
    public let dates: [Int]
    /// The dependent variable's name (see ``LPResponse``).
    public let dependentName: String
    /// The dependent variable at each date of ``observations``.
    public let dependent: [Double]
    /// Every regressor in fitting order: `const`, the shock, its lags (`L1.shock`…), the lags
    /// of y (`L1.y`…), then the lags of each control. For LP-IV the shock is the endogenous
    /// regressor and the rest are exogenous.
    public let regressors: DesignMatrix
    /// LP-IV: the excluded instruments at each date; `nil` for OLS.
    public let instruments: DesignMatrix?
}

/// The estimates at one horizon.
public struct LPHorizon: Sendable, Hashable {
    /// The horizon h.
    public let horizon: Int
    /// The number of observations, T − first observation − h.
    public let nobs: Int
    /// The span of dates t of the sample (0-based positions in the input series).
    public let observations: Range<Int>
    /// The dates actually fitted (``observations`` without the excluded ones).
    public let dates: [Int]
    /// The dependent variable's name.
    public let dependentName: String
    /// β̂_h, the coefficient on the shock s_t: the impulse response at h.
    public let coefficient: Double
    /// Its standard error under the horizon's covariance.
    public let standardError: Double
    /// The two-sided p-value of β_h = 0 under ``inference``'s reference distribution.
    public let pValue: Double
    /// Which inference produced the standard error, the p-value and the bands.
    public let inference: LPInferenceLabel
    /// Pointwise bands, one per requested level, in the specification's order.
    public let bands: [LPBand]
    /// The full regression (second stage for LP-IV), every coefficient labelled, with the
    /// covariance, statistics and p-values of ``inference`` (for EWC and Newey–West fixed-b
    /// they replace those of the fitted covariance).
    public let regression: RegressionResult
    /// LP-IV: the complete 2SLS result with its diagnostics, under the covariance it was fitted
    /// with (EHW for lag-augmented LP, classical for EWC, HAC with S − 1 lags for Newey–West
    /// fixed-b, the specification's for HAC(h + 1)); `nil` for OLS.
    public let iv: IVResult?
    /// LP-IV: the first-stage F statistic of the excluded instruments, W/q with W the Wald
    /// statistic under the horizon's fitted covariance (see ``iv``) and q the number of instruments. With
    /// `.nonrobust` it is linearmodels' `f.stat` (already W/q); with robust and HAC kinds
    /// linearmodels reports W itself (``FirstStage/test``) and this is W/q. `nil` for OLS.
    public let firstStageF: Double?

    /// LP-IV: Montiel Olea & Pflueger's (2013) effective F test of the instruments under the
    /// horizon's covariance (τ = 10 %, α = 5 %); `nil` for OLS.
    public var effectiveF: EffectiveFTest? = nil
    /// LP-IV: the Anderson–Rubin (1949) confidence set for β_h under the horizon's covariance,
    /// one per band level in the specification's order; empty for OLS.
    public var andersonRubin: [AndersonRubinSet] = []

    /// LP-IV: the first-stage diagnostics of the shock (test, partial R²); `nil` for OLS.
    public var firstStage: FirstStage? { iv?.firstStage.first }

    /// The Anderson–Rubin set at `level` (matched to 1e-12), if it was computed.
    public func andersonRubin(level: Double) -> AndersonRubinSet? {
        andersonRubin.first { abs($0.level - level) <= 1e-12 }
    }

    /// The band at `level` (matched to 1e-12), if it was requested.
    public func band(level: Double) -> LPBand? { bands.first { abs($0.level - level) <= 1e-12 } }
}

/// Impulse responses from local projections at horizons 0…H.
public struct LocalProjectionResult: Sendable, Hashable {
    /// The specification estimated.
    public let specification: LocalProjectionSpecification
    /// The response series' name.
    public let responseName: String
    /// The shock's name (the coefficient reported at each horizon).
    public let shockName: String
    /// One entry per horizon, h = 0…H.
    public let horizons: [LPHorizon]
    /// Horizons where inference is fragile: fewer than 10 residual degrees of freedom, or a
    /// kernel bandwidth above a quarter of the sample.
    public let warnings: [LPWarning]

    /// β̂_h for h = 0…H: the impulse response function.
    public var coefficients: [Double] { horizons.map(\.coefficient) }
    /// SE(β̂_h) for h = 0…H.
    public var standardErrors: [Double] { horizons.map(\.standardError) }
    /// Observations per horizon.
    public var nobs: [Int] { horizons.map(\.nobs) }

    /// The bands at `level` for h = 0…H, or `nil` when that level was not requested.
    public func bands(level: Double) -> [LPBand]? {
        var out: [LPBand] = []
        for h in horizons {
            guard let b = h.band(level: level) else { return nil }
            out.append(b)
        }
        return out
    }
}
