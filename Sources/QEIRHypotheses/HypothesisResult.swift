public import Foundation
public import QEIRBatch

/// One estimated quantity with its inference: a coefficient, a response, a test.
public struct Estimate: Sendable, Hashable, Codable {
    /// What it is (`qe_intensity`, `threshold`, …).
    public var name: String
    /// The point estimate.
    public var estimate: Double
    /// Its standard error, where one exists.
    public var standardError: Double?
    /// The test statistic (t or z for a coefficient).
    public var statistic: Double?
    /// The p-value of the statistic (two-sided for a coefficient).
    public var pValue: Double?
    /// The lower end of the interval at the result's confidence level.
    public var lower: Double?
    /// The upper end of that interval.
    public var upper: Double?

    /// Creates an estimate; non-finite optional values become `nil`.
    public init(
        name: String, estimate: Double, standardError: Double? = nil, statistic: Double? = nil, pValue: Double? = nil,
        lower: Double? = nil, upper: Double? = nil
    ) {
        self.name = name
        self.estimate = estimate
        self.standardError = standardError.finite
        self.statistic = statistic.finite
        self.pValue = pValue.finite
        self.lower = lower.finite
        self.upper = upper.finite
    }

    enum CodingKeys: String, CodingKey {
        case name, estimate, statistic, lower, upper
        case standardError = "std_error"
        case pValue = "p_value"
    }
}

/// A key figure of a result, as it appears in the ``RobustnessTable``.
public struct HeadlineValue: Sendable, Hashable, Codable {
    /// A stable key, e.g. `h1.threshold`, `h2.lp_h8_p`.
    public var key: String
    /// A column heading, e.g. `H1 threshold`.
    public var label: String
    /// The value, `nil` when it could not be computed (for example no bootstrap).
    public var value: Double?

    /// Creates a headline value; a non-finite value becomes `nil`.
    public init(key: String, label: String, value: Double?) {
        self.key = key
        self.label = label
        self.value = value.finite
    }
}

/// An interval at a stated level.
public struct IntervalValue: Sendable, Hashable, Codable {
    /// The lower end.
    public var lower: Double
    /// The upper end.
    public var upper: Double
    /// The confidence level.
    public var level: Double

    /// Creates an interval.
    public init(lower: Double, upper: Double, level: Double) {
        self.lower = lower
        self.upper = upper
        self.level = level
    }
}

/// A robustness variant of a hypothesis' model and what it gives.
public struct RobustnessCheck: Sendable, Hashable, Codable {
    /// A short name (`homoskedastic_interval`, `shock_lags`, `var_one_more_lag`).
    public var name: String
    /// What was changed.
    public var description: String
    /// The variant's key estimates.
    public var estimates: [Estimate]

    /// Creates a check.
    public init(name: String, description: String, estimates: [Estimate]) {
        self.name = name
        self.description = description
        self.estimates = estimates
    }
}

/// H1's threshold regression: estimates, Hansen's test and the LR interval.
public struct ThresholdSection: Sendable, Hashable, Codable {
    /// The threshold variable's name (`fiscal_burden`, percent of GDP).
    public var thresholdVariable: String
    /// γ̂.
    public var threshold: Double
    /// Hansen's LR-inversion interval for γ at the confidence level.
    public var lrInterval: IntervalValue
    /// The same set read in γ-space (upper end extended to the next value of q).
    public var splitEquivalentInterval: IntervalValue
    /// c(α) of the LR interval.
    public var criticalValue: Double
    /// The heteroskedasticity correction η̂² (1 when homoskedastic).
    public var eta2: Double
    /// `heteroskedastic` or `homoskedastic`.
    public var covariance: String
    /// The trimming fraction.
    public var trim: Double
    /// The number of candidate thresholds.
    public var candidates: Int
    /// S(γ̂).
    public var ssr: Double
    /// SSR of the linear model.
    public var ssrLinear: Double
    /// The sup statistic's name (`sup_lm`, `sup_f`), or `nil` without a bootstrap.
    public var testStatistic: String?
    /// The sup statistic on the data.
    public var testValue: Double?
    /// Hansen's (1996) bootstrap p-value of no threshold.
    public var testPValue: Double?
    /// Bootstrap replications (0: no test).
    public var replications: Int
    /// The regimes: q ≤ γ̂, then q > γ̂.
    public var regimes: [Regime]
    /// The linear model (no threshold) with Newey–West HAC standard errors.
    public var linear: [Estimate]
    /// The regime covariance used (`hc1`, `hc3`, ...).
    public var regimeCovariance: String? = nil
    /// Why (`auto`: which regime's leverage or residual df chose HC3).
    public var regimeCovarianceReason: String? = nil
    /// The reference distribution of the regime t statistics (each regime's own nᵣ − k df).
    public var regimeInferenceDF: String? = nil
    /// "conditional on the estimated split": regime SEs treat γ̂ as known.
    public var regimeInference: String? = nil
    /// Whether the bootstrap test rejects linearity at 1 − confidence level (`nil`: not run).
    /// `false` means the regime estimates are not evidence of a threshold.
    public var linearityRejected: Bool? = nil
    /// The η² estimator (`kernel` or `quadratic`).
    public var eta2Method: String? = nil
    /// The smallest regime of any split (LR grid and candidates).
    public var minRegimeSize: Int? = nil
    /// Distinct values of the threshold variable.
    public var distinctThresholdValues: Int? = nil
    /// Every admissible split γ (the LR interval's grid), for charts of LR(γ).
    public var profileGamma: [Double]? = nil
    /// LR(γ) on ``profileGamma``; the interval is {γ : LR(γ) ≤ ``criticalValue``}.
    public var profileLR: [Double]? = nil
    /// The estimator's diagnostic codes (`few_residual_df`, `step_function_threshold`, ...).
    public var diagnostics: [String]? = nil

    /// One regime's estimates.
    public struct Regime: Sendable, Hashable, Codable {
        /// `fiscal_burden <= 2.3` or `fiscal_burden > 2.3`.
        public var label: String
        /// Observations in the regime.
        public var nobs: Int
        /// The regime's coefficients with SEs, t statistics (``residualDF`` degrees of freedom),
        /// p-values and intervals, conditional on the estimated split.
        public var coefficients: [Estimate]
        /// nᵣ − k, the degrees of freedom of the t statistics.
        public var residualDF: Int? = nil
        /// The regime's largest leverage.
        public var maxLeverage: Double? = nil

        enum CodingKeys: String, CodingKey {
            case label, nobs, coefficients
            case residualDF = "residual_df"
            case maxLeverage = "max_leverage"
        }
    }

    enum CodingKeys: String, CodingKey {
        case threshold, eta2, covariance, trim, candidates, ssr, replications, regimes, linear
        case thresholdVariable = "threshold_variable"
        case lrInterval = "lr_interval"
        case splitEquivalentInterval = "split_equivalent_interval"
        case criticalValue = "critical_value"
        case ssrLinear = "ssr_linear"
        case testStatistic = "test_statistic"
        case testValue = "test_value"
        case testPValue = "test_p_value"
        case regimeCovariance = "regime_covariance", regimeCovarianceReason = "regime_covariance_reason",
            regimeInferenceDF = "regime_inference_df", regimeInference = "regime_inference",
            linearityRejected = "linearity_rejected", eta2Method = "eta2_method", minRegimeSize = "min_regime_size",
            distinctThresholdValues = "distinct_threshold_values", profileGamma = "profile_gamma",
            profileLR = "profile_lr", diagnostics
    }
}

/// One horizon of a local projection.
public struct LocalProjectionPoint: Sendable, Hashable, Codable {
    /// The horizon h (quarters).
    public var horizon: Int
    /// Observations at h.
    public var nobs: Int
    /// β̂_h, the response.
    public var coefficient: Double
    /// Its HAC standard error.
    public var standardError: Double
    /// Its p-value.
    public var pValue: Double?
    /// The band's lower end at the confidence level.
    public var lower: Double
    /// The band's upper end.
    public var upper: Double
    /// LP-IV: the first-stage F of the excluded instruments (HAC Wald / q).
    public var firstStageF: Double?
    /// LP-IV: the first stage's partial R².
    public var partialRSquared: Double?
    /// LP-IV: the Kleibergen–Paap rk Wald F.
    public var kleibergenPaap: Double?
    /// LP-IV: the Cragg–Donald F.
    public var craggDonald: Double?
    /// Which inference produced the SE, p-value and band (e.g. "lag-augmented LP, HC3, t(14)").
    public var inference: String? = nil
    /// The degrees of freedom of its t reference (`nil`: normal).
    public var degreesOfFreedom: Double? = nil
    /// LP-IV: Montiel Olea & Pflueger's (2013) effective first-stage F under the horizon's HAC
    /// covariance.
    public var effectiveF: Double? = nil
    /// LP-IV: its critical value (generalized, τ = 10 % worst-case bias, 5 % size); instruments
    /// are weak at this horizon when ``effectiveF`` does not exceed it.
    public var effectiveFCriticalValue: Double? = nil
    /// LP-IV: the simplified (conservative) critical value of the same test.
    public var effectiveFSimplifiedCriticalValue: Double? = nil
    /// LP-IV: the Anderson–Rubin confidence set for β_h at the confidence level, valid however
    /// weak the instruments.
    public var andersonRubin: AndersonRubinReport? = nil

    enum CodingKeys: String, CodingKey {
        case horizon, nobs, coefficient, lower, upper
        case standardError = "std_error"
        case pValue = "p_value"
        case firstStageF = "first_stage_f"
        case partialRSquared = "partial_r_squared"
        case kleibergenPaap = "kleibergen_paap"
        case craggDonald = "cragg_donald"
        case inference
        case degreesOfFreedom = "degrees_of_freedom"
        case effectiveF = "effective_f"
        case effectiveFCriticalValue = "effective_f_critical_value"
        case effectiveFSimplifiedCriticalValue = "effective_f_simplified_critical_value"
        case andersonRubin = "anderson_rubin"
    }
}

/// H2's local projections and LP-IV.
public struct LocalProjectionSection: Sendable, Hashable, Codable {
    /// The response variable (`investment`).
    public var responseVariable: String
    /// The left-hand side (`cumulative`, `level`, `difference`).
    public var response: String
    /// The shock (`qe_intensity`).
    public var shock: String
    /// The controls (`distortion`, `rate_channel`); their lags and the response's enter.
    public var controls: [String]
    /// Lags p.
    public var lags: Int
    /// The covariance at each horizon.
    public var covariance: String
    /// The OLS projections, h = 0…H.
    public var ols: [LocalProjectionPoint]
    /// The instruments of LP-IV (empty: no LP-IV).
    public var instruments: [String]
    /// The LP-IV projections, h = 0…H (empty without instruments).
    public var iv: [LocalProjectionPoint]
    /// Horizons whose effective F (Montiel Olea & Pflueger 2013) does not exceed its critical
    /// value (τ = 10 %, 5 % size): the instruments are weak there.
    public var weakInstrumentHorizons: [Int]
    /// The OLS projections' `lp_inference` (`lag_augmented`, `ewc`, …).
    public var inference: String? = nil
    /// LP-IV: the exclusion restriction the estimates assume, in words; `nil` without LP-IV.
    public var exclusionRestriction: String? = nil
    /// LP-IV: horizons whose Anderson–Rubin set is unbounded (the whole line, a ray or two rays).
    public var unboundedAndersonRubinHorizons: [Int]? = nil

    enum CodingKeys: String, CodingKey {
        case response, shock, controls, lags, covariance, ols, instruments, iv
        case responseVariable = "response_variable"
        case weakInstrumentHorizons = "weak_instrument_horizons"
        case inference
        case exclusionRestriction = "exclusion_restriction"
        case unboundedAndersonRubinHorizons = "unbounded_anderson_rubin_horizons"
    }
}

/// One Granger-causality test.
public struct GrangerTest: Sendable, Hashable, Codable {
    /// The caused variable.
    public var caused: String
    /// The causing variable.
    public var causing: String
    /// W/q.
    public var fStatistic: Double
    /// Its p-value against F(q, k·df_resid).
    public var fPValue: Double
    /// W.
    public var chiSquaredStatistic: Double
    /// Its p-value against χ²(q).
    public var chiSquaredPValue: Double
    /// q, the number of restrictions.
    public var restrictions: Int

    enum CodingKeys: String, CodingKey {
        case caused, causing, restrictions
        case fStatistic = "f_statistic"
        case fPValue = "f_p_value"
        case chiSquaredStatistic = "chi_squared_statistic"
        case chiSquaredPValue = "chi_squared_p_value"
    }
}

/// One point of an impulse response.
public struct ResponsePoint: Sendable, Hashable, Codable {
    /// The horizon (quarters).
    public var horizon: Int
    /// The orthogonalised response.
    public var value: Double
    /// The bootstrap band's lower end, if bootstrapped.
    public var lower: Double?
    /// The band's upper end.
    public var upper: Double?
}

/// The response of one variable to the QE-intensity shock.
public struct ImpulseResponse: Sendable, Hashable, Codable {
    /// The responding variable.
    public var response: String
    /// The shock (`qe_intensity`).
    public var impulse: String
    /// One point per horizon 0…H.
    public var points: [ResponsePoint]
}

/// H3's VAR: lag order, Granger tests, impulse responses.
public struct VARSection: Sendable, Hashable, Codable {
    /// The variables in Cholesky order (QE intensity first).
    public var variables: [String]
    /// The lag order used.
    public var lags: Int
    /// How it was chosen (`fixed`, `aic`, …).
    public var lagSelection: String
    /// The criterion values by order when the order was selected (index = order − first order).
    public var criterionValues: [Double]?
    /// Observations used.
    public var nobs: Int
    /// Whether every companion eigenvalue lies inside the unit circle.
    public var stable: Bool
    /// The largest eigenvalue modulus.
    public var maxEigenvalueModulus: Double
    /// Granger tests of QE intensity on each other variable.
    public var granger: [GrangerTest]
    /// Orthogonalised responses to a one-standard-deviation QE-intensity shock.
    public var impulseResponses: [ImpulseResponse]
    /// The band level (the confidence level), if bootstrapped.
    public var bandLevel: Double?
    /// Bootstrap replications of the bands (0: none).
    public var bandReplications: Int
    /// How the bands were formed (method, level, Kilian's bias correction), or why there are none.
    public var bands: VARBandReport? = nil
    /// How the lag order was chosen: the orders considered and the residual-df cap.
    public var lagOrder: VARLagOrderReport? = nil

    enum CodingKeys: String, CodingKey {
        case variables, lags, nobs, stable, granger
        case lagSelection = "lag_selection"
        case criterionValues = "criterion_values"
        case maxEigenvalueModulus = "max_eigenvalue_modulus"
        case impulseResponses = "impulse_responses"
        case bandLevel = "band_level"
        case bandReplications = "band_replications"
        case bands
        case lagOrder = "lag_order"
    }
}

/// The structured result of one hypothesis on one period and specification.
public struct HypothesisResult: Sendable, Hashable, Codable {
    /// Which hypothesis.
    public var hypothesis: Hypothesis
    /// Its title.
    public var title: String
    /// The model and its reference.
    public var model: String
    /// The specification name.
    public var specification: String
    /// The period asked for (`YYYY-MM-DD`), if any.
    public var periodStart: String?
    /// The period's end.
    public var periodEnd: String?
    /// The first quarter of the estimation sample.
    public var sampleStart: String
    /// The last quarter of the estimation sample.
    public var sampleEnd: String
    /// Quarters in the estimation sample.
    public var nobs: Int
    /// The confidence level of every interval and band.
    public var confidenceLevel: Double
    /// The bootstrap seed.
    public var seed: UInt64
    /// The main coefficients (H1: the linear model's; H2: the responses at h = 0 and H; H3: the
    /// Granger F statistics).
    public var estimates: [Estimate]
    /// Key figures for the robustness table.
    public var headline: [HeadlineValue]
    /// H1's details.
    public var threshold: ThresholdSection?
    /// H2's details.
    public var localProjections: LocalProjectionSection?
    /// H3's details.
    public var vectorAutoregression: VARSection?
    /// Robustness variants (empty when `enable_robustness_tests` is false).
    public var robustness: [RobustnessCheck]
    /// Where every column came from.
    public var provenance: [ColumnProvenance]
    /// The data vintage.
    public var dataVintage: String
    /// Remarks (substitutes, truncation, weak instruments, instability).
    public var warnings: [String]
    /// A short human summary.
    public var summary: String
    /// The aligned table the estimators saw (written as `data/h<N>.csv`, not part of
    /// `result.json`); `nil` for a result read back from JSON.
    public var estimationData: EstimationData? = nil
    /// Influence diagnostics of every estimated regression (see ``InfluenceSection``); set after
    /// construction. Stored optionally so results written before it existed still decode.
    public var influence: [InfluenceSection] {
        get { influenceSections ?? [] }
        set { influenceSections = newValue }
    }
    var influenceSections: [InfluenceSection]? = nil
    /// ADF and KPSS on every role, in levels and as estimated (see ``StationarityCheck``).
    public var stationarity: [StationarityCheck] = []

    enum CodingKeys: String, CodingKey {
        case hypothesis, title, model, specification, nobs, seed, estimates, headline, threshold, robustness,
            provenance, warnings, summary
        case influenceSections = "influence"
        case stationarity
        case periodStart = "period_start"
        case periodEnd = "period_end"
        case sampleStart = "sample_start"
        case sampleEnd = "sample_end"
        case confidenceLevel = "confidence_level"
        case localProjections = "local_projections"
        case vectorAutoregression = "vector_autoregression"
        case dataVintage = "data_vintage"
    }
}

/// What a hypothesis job produces: the results of its hypotheses with the resolved
/// configuration; written as `result.json` (and its ``summary`` as `summary.txt`).
public struct HypothesisJobResult: Sendable, Hashable, Codable {
    /// The job id, if run as a job.
    public var jobID: String?
    /// The specification name.
    public var specification: String
    /// The period asked for, `[start, end]`.
    public var period: [String]?
    /// The data vintage.
    public var dataVintage: String
    /// The bootstrap seed.
    public var seed: UInt64
    /// The resolved configuration (every knob's value).
    public var configuration: [String: ConfigValue]
    /// Configuration warnings (unknown keys) and data remarks.
    public var warnings: [String]
    /// One result per hypothesis, in order.
    public var results: [HypothesisResult]
    /// The summaries of the results, joined.
    public var summary: String

    /// Creates a job result.
    public init(
        jobID: String?, specification: String, period: [String]?, dataVintage: String, seed: UInt64,
        configuration: [String: ConfigValue], warnings: [String], results: [HypothesisResult]
    ) {
        self.jobID = jobID
        self.specification = specification
        self.period = period
        self.dataVintage = dataVintage
        self.seed = seed
        self.configuration = configuration
        self.warnings = warnings
        self.results = results
        let head =
            "QEIR hypotheses — specification \(specification)"
            + (period.map { ", period \($0.joined(separator: " to "))" } ?? "") + "; data \(dataVintage); seed \(seed)"
        var parts = [head] + results.map(\.summary)
        let own = warnings.filter { w in !results.contains { $0.warnings.contains(w) } }
        if !own.isEmpty { parts.append("Warnings:\n" + own.map { "- \($0)" }.joined(separator: "\n")) }
        self.summary = parts.joined(separator: "\n\n") + "\n"
    }

    /// The result as JSON: pretty-printed, keys sorted, numbers written in the shortest form
    /// that reads back exactly (a non-finite number, which no result should hold, is written as
    /// the string `"nan"`, `"inf"` or `"-inf"`). The same result always gives the same bytes.
    /// - Throws: `EncodingError` (not expected).
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        var data = try encoder.encode(self)
        data.append(0x0A)
        return data
    }

    /// Reads a result written by ``jsonData()``.
    /// - Throws: `DecodingError` when the data are not a hypothesis job result.
    public init(jsonData data: Data) throws {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        self = try decoder.decode(HypothesisJobResult.self, from: data)
    }

    /// The result as a batch ``QEIRBatch/ConfigValue`` (the job's stored result).
    /// - Throws: `EncodingError`/`DecodingError` (not expected).
    public func configValue() throws -> ConfigValue {
        try JSONDecoder().decode(ConfigValue.self, from: jsonData())
    }

    enum CodingKeys: String, CodingKey {
        case specification, period, seed, configuration, warnings, results, summary
        case jobID = "job_id"
        case dataVintage = "data_vintage"
    }
}

extension Optional where Wrapped == Double {
    /// The value when it is finite, else `nil`.
    var finite: Double? {
        guard let v = self, v.isFinite else { return nil }
        return v
    }
}
