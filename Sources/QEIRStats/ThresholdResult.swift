/// Estimates of one regime of a threshold model.
public struct ThresholdRegime: Sendable, Hashable {
    /// "q <= threshold" or "q > threshold".
    public let label: String
    /// Observations in the regime.
    public let nobs: Int
    /// Sum of squared residuals within the regime.
    public let ssr: Double
    /// Regressor names (the design's names).
    public let names: [String]
    /// Regime coefficients.
    public let coefficients: [Double]
    /// Their standard errors (``covariance``), conditional on the estimated split.
    public let standardErrors: [Double]
    /// The covariance estimator of ``standardErrors``.
    public let covariance: ThresholdRegimeCovariance
    /// Residual degrees of freedom of the regime's own regression, nᵣ − k.
    public let residualDF: Int
    /// The largest leverage hᵢ = xᵢ′(Xᵣ′Xᵣ)⁻¹xᵢ in the regime (HC2/HC3 divide by 1 − hᵢ).
    public let maxLeverage: Double
}

/// A fitted two-regime threshold regression (Hansen 2000).
public struct ThresholdResult: Sendable, Hashable {
    /// The threshold variable's name.
    public let thresholdName: String
    /// γ̂ = argmin S(γ) over the candidates (or over every split, ``ThresholdGrid/all``).
    public let threshold: Double
    /// Candidate thresholds of the sup test (distinct sorted values of q that leave
    /// max(⌈π·n⌉, minimum regime size) observations in each regime).
    public let candidates: [Double]
    /// S(γ) at every candidate.
    public let ssrProfile: [Double]
    /// LR(γ) = n·(S(γ) − S(γ̂))/S(γ̂) at every candidate (divided by η̂² when heteroskedastic).
    public let lrProfile: [Double]
    /// Every admissible split (distinct sorted q leaving at least ``minimumRegimeSize``
    /// observations in each regime and non-collinear regimes): the grid of the LR interval.
    public let profileGamma: [Double]
    /// S(γ) on ``profileGamma``.
    public let profileSSR: [Double]
    /// LR(γ) on ``profileGamma`` (negative where a split outside the trimmed candidates fits
    /// better than γ̂; see ``ThresholdDiagnostic/Code/minimumOutsideTrimmedRange``).
    public let profileLR: [Double]
    /// The smallest regime of any split in ``profileGamma`` (k + 1 unless set).
    public let minimumRegimeSize: Int
    /// The LR-inversion interval [min, max] of {γ ∈ ``profileGamma`` : LR(γ) ≤ c(α)} (Hansen's
    /// convention: an interval of observed values of q; trimming does not cut it).
    public let confidenceInterval: ConfidenceInterval
    /// The same set read in γ-space: every γ in [q₍ⱼ₎, q₍ⱼ₊₁₎) splits the sample like the
    /// candidate q₍ⱼ₎, so the upper end extends to the next distinct value of q (exclusive).
    /// With a large regime shift Hansen's interval is a single point that the true γ, lying
    /// between two observations, almost never hits: in the `threshold-montecarlo` example
    /// (n = 250) it covers 86.5% at 95% while this one covers 98%.
    public let splitEquivalentInterval: ConfidenceInterval
    /// c(α) = −2·log(1 − √(1 − α)) at significance α = 1 − confidence (Hansen 2000, eq. 22):
    /// 5.94, 7.35 and 10.59 for 90%, 95% and 99%.
    public let criticalValue: Double
    /// The heteroskedasticity correction η̂² (1 when homoskedastic).
    public let eta2: Double
    /// S(γ̂).
    public let ssr: Double
    /// SSR of the linear (no threshold) model.
    public let ssrLinear: Double
    /// Regime q ≤ γ̂, then q > γ̂.
    public let regimes: [ThresholdRegime]
    /// Number of observations.
    public let nobs: Int
    /// Distinct values of the threshold variable.
    public let distinctThresholdValues: Int
    /// What makes this fit's inference fragile (always includes
    /// ``ThresholdDiagnostic/Code/conditionalOnSplit``).
    public let diagnostics: [ThresholdDiagnostic]
    /// The options used.
    public let options: ThresholdOptions
}

/// The bootstrap test of no threshold.
public struct ThresholdTest: Sendable, Hashable {
    /// Which statistic.
    public let statistic: ThresholdTestStatistic
    /// Homoskedastic or heteroskedasticity-robust.
    public let covariance: ThresholdCovariance
    /// The sup statistic on the data.
    public let value: Double
    /// Share of bootstrap statistics ≥ the observed one (Hansen 1996).
    public let pValue: Double
    /// Number of bootstrap replications.
    public let replications: Int
    /// The seed (replicate b uses `ReplicateRandom(seed: seed, stream: b)`).
    public let seed: UInt64
    /// The bootstrap distribution, in replicate order.
    public let bootstrapStatistics: [Double]
}
