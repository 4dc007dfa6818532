public import QEIRBatch
public import QEIRData
public import QEIRStats

/// Everything that decides what one hypothesis job computes: the knobs of a job's merged
/// configuration (the seed's `base_config` overlaid with `specifications_config[spec]`), its
/// period and its specification name.
///
/// Build it from a job with ``init(parsing:period:specification:)``; every key is optional and
/// every key does something. The specification name picks a **preset** of defaults
/// (``presetKeys(for:)``): `"alternative"` uses the financial stress index as the confidence
/// proxy, the monetary base as the QE proxy and PCE inflation, so its data and results differ
/// from `"default"`; any other name starts from the `"default"` preset. Keys in the
/// configuration override the preset.
///
/// | key | default | unit / values |
/// |---|---|---|
/// | `confidence_level` | 0.95 | in (0, 1): LR interval, coefficient intervals, LP bands, IRF bands |
/// | `bootstrap_iterations` | 1000 | 0 (no bootstrap) or ≥ 2: Hansen test and VAR IRF bands |
/// | `seed` | 0 | integer ≥ 0: every bootstrap |
/// | `hypotheses` | [1, 2, 3] | which hypotheses run |
/// | `enable_robustness_tests` | true | add each hypothesis' robustness checks |
/// | `offline_substitutes` | true | use the documented substitutes for proxies the data source lacks |
/// | `qe_intensity_proxy` | `fed_total_assets` (alternative: `monetary_base`) | proxy or FRED id, divided by GDP |
/// | `gdp_proxy` | `gdp` | denominator of QE intensity and of the fiscal burden |
/// | `h1_yield_proxy` | `ten_year_yield` | H1's dependent variable |
/// | `h1_confidence_proxy` | `consumer_confidence` (alternative: `financial_stress_index`) | H1's confidence proxy |
/// | `h1_threshold_proxy` | `federal_interest_payments` | numerator of the threshold variable (÷ GDP) |
/// | `threshold_trim` | 0.15 | in (0, 0.5): share of observations kept out of each regime's end |
/// | `h1_covariance` | `heteroskedastic` | or `homoskedastic` |
/// | `h1_test_statistic` | `sup_lm` if heteroskedastic, else `sup_f` | `sup_f` or `sup_lm` |
/// | `h1_regime_covariance` | `auto` (HC3 if a regime has leverage > 0.5 or < 10 residual df, else HC1) | `classical`, `hc0`–`hc3` |
/// | `h1_min_regime_size` | k + 1 = 5 | integer ≥ 5: smallest regime of any split |
/// | `h1_eta2_method` | `kernel` | or `quadratic`: Hansen's η² of the LR interval |
/// | `h2_investment_proxy` | `private_fixed_investment` | H2's response |
/// | `h2_distortion_proxy` | `corporate_bond_spreads` | H2's distortion control |
/// | `h2_rate_channel_proxy` | `ten_year_yield` | H2's rate-channel control |
/// | `h2_instruments` | [] (no LP-IV) | LP-IV's excluded instruments; a name from `series_files` is allowed |
/// | `lp_horizons` | 8 | quarters (horizons 0…H) |
/// | `lp_lags` | 2 | quarters of lags of the response and controls |
/// | `lp_response` | `cumulative` | `cumulative`, `level` or `difference` |
/// | `lp_inference` | `lag_augmented` | `lag_augmented`, `ewc`, `newey_west_fixed_b` or `hac_h_plus_one` (H2's LP inference) |
/// | `h3_foreign_holdings_proxy` | `foreign_treasury_holdings` | or `null` to leave it out |
/// | `h3_dollar_proxy` | `eur_usd_rate` | H3's dollar |
/// | `h3_inflation_proxy` | `cpi_all_items` (alternative: `pce_price_index`) | H3's price index |
/// | `var_lags` | 2 | quarters, ≥ 1 (used when `var_lag_selection` is `fixed`) |
/// | `var_lag_selection` | `fixed` | `fixed`, `aic`, `bic`, `hqic`, `fpe` |
/// | `var_max_lags` | 4 | quarters, the largest order the criteria consider |
/// | `var_bands` | `kilian` | IRF bands: `kilian` (Kilian 1998 bias-corrected) or `percentile` |
/// | `irf_horizons` | 8 | quarters (responses 0…H) |
/// | `transforms` | see ``defaultTransforms`` | role or series → `level`, `diff`, `log`, `log_diff`, `pct_change`, `yoy_pct_change` |
/// | `aggregation` | `avg` (foreign holdings `eop`) | role → `avg`, `eop`, `sum` (to quarterly) |
/// | `series_files` | {} | name → CSV file (`date,value`), usable as a proxy or instrument (``SeriesFile``) |
///
/// Wrong types or values throw ``HypothesisError`` (``HypothesisError/Code/invalidConfiguration``)
/// naming the JSON path, the expected value and the value found; unknown keys become
/// ``warnings``. See `Documentation/Hypotheses.md`.
public struct HypothesisConfiguration: Sendable, Hashable {
    /// The specification name (`"default"`, `"alternative"`, …).
    public var specification: String
    /// The analysis period; `nil` uses all the data the series share.
    public var period: BatchPeriod?
    /// Which hypotheses run, in order.
    public var hypotheses: [Hypothesis] = Hypothesis.allCases
    /// Confidence level of every interval and band.
    public var confidenceLevel = 0.95
    /// Bootstrap replications (Hansen's test in H1, IRF bands in H3); 0 skips the bootstraps.
    public var bootstrapIterations = 1000
    /// The seed of every bootstrap.
    public var seed: UInt64 = 0
    /// Whether the configuration set ``seed`` explicitly (otherwise a job's own seed may replace it).
    public var seedIsExplicit = false
    /// Whether each hypothesis adds its robustness checks.
    public var enableRobustnessTests = true
    /// Whether proxies the data source lacks use the documented substitutes (else they fail).
    public var offlineSubstitutes = true

    /// QE intensity's numerator.
    public var qeIntensityProxy: SeriesReference = .proxy("fed_total_assets")
    /// The GDP series dividing QE intensity and the fiscal burden.
    public var gdpProxy: SeriesReference = .proxy("gdp")

    /// H1's dependent variable.
    public var yieldProxy: SeriesReference = .proxy("ten_year_yield")
    /// H1's confidence proxy.
    public var confidenceProxy: SeriesReference = .proxy("consumer_confidence")
    /// The numerator of H1's threshold variable.
    public var thresholdProxy: SeriesReference = .proxy("federal_interest_payments")
    /// Hansen's trimming fraction π.
    public var thresholdTrim = 0.15
    /// H1's covariance treatment (SEs, LR interval, sup statistic).
    public var thresholdCovariance: ThresholdCovariance = .heteroskedastic
    /// H1's test statistic; `nil` picks sup-LM when heteroskedastic, sup-F otherwise.
    public var thresholdStatistic: ThresholdTestStatistic?
    /// H1's regime standard errors (`h1_regime_covariance`).
    public var h1RegimeCovariance: H1RegimeCovariance = .auto
    /// H1's smallest regime (`h1_min_regime_size`); `nil`: k + 1.
    public var h1MinRegimeSize: Int?
    /// H1's η² estimator of the LR interval (`h1_eta2_method`).
    public var h1Eta2Method: ThresholdEta2Method = .kernel

    /// H2's response.
    public var investmentProxy: SeriesReference = .proxy("private_fixed_investment")
    /// H2's distortion-channel control.
    public var distortionProxy: SeriesReference = .proxy("corporate_bond_spreads")
    /// H2's rate-channel control.
    public var rateChannelProxy: SeriesReference = .proxy("ten_year_yield")
    /// H2's LP-IV instruments; empty skips LP-IV.
    public var instruments: [InstrumentSpecification] = []
    /// The last local-projection horizon H (quarters).
    public var lpHorizons = 8
    /// Lags of the response and controls in each projection (quarters).
    public var lpLags = 2
    /// The projections' left-hand side.
    public var lpResponse: LPResponse = .cumulative
    /// H2's local-projection inference (`lp_inference`; see ``LPInference``).
    public var lpInference: LPInference.Method = .lagAugmented

    /// H3's foreign Treasury holdings; `nil` leaves the variable out.
    public var foreignHoldingsProxy: SeriesReference? = .proxy("foreign_treasury_holdings")
    /// H3's dollar.
    public var dollarProxy: SeriesReference = .proxy("eur_usd_rate")
    /// H3's price index.
    public var inflationProxy: SeriesReference = .proxy("cpi_all_items")
    /// The VAR lag order when ``varLagSelection`` is `.fixed`.
    public var varLags = 2
    /// How the VAR lag order is chosen.
    public var varLagSelection: VARLagSelection = .fixed
    /// The largest order the criteria consider.
    public var varMaxLags = 4
    /// How H3's impulse-response bands are formed (`var_bands`).
    public var varBands: VARBandMethod = .kilianBiasCorrected
    /// The last impulse-response horizon (quarters).
    public var irfHorizons = 8

    /// Stationarity transform per role (every role has one).
    public var transforms: [SeriesRole: StationarityTransform] = HypothesisConfiguration.defaultTransforms
    /// Stationarity transforms of instrument series that are not roles, by their text form.
    public var seriesTransforms: [String: StationarityTransform] = [:]
    /// Quarters (their first days) every hypothesis drops from its estimation sample (`exclude_dates`).
    public var excludedQuarters: [SeriesDate] = []
    /// Aggregation to quarterly per role.
    public var aggregation: [SeriesRole: Aggregation] = HypothesisConfiguration.defaultAggregation
    /// Unknown keys and other remarks found while parsing.
    public var warnings: [ConfigurationWarning] = []
    /// Series read from CSV files (`series_files`), by name.
    public var seriesFiles: [String: SeriesFile] = [:]

    /// The default transforms: `diff` for the yield, QE intensity and the rate channel,
    /// `level` for the confidence proxy, the fiscal burden and the distortion spread,
    /// `log_diff` (percent per quarter) for investment, foreign holdings, the dollar and the
    /// price index.
    public static let defaultTransforms: [SeriesRole: StationarityTransform] = [
        .yield: .diff, .qeIntensity: .diff, .confidence: .level, .fiscalBurden: .level, .investment: .logDiff,
        .distortion: .level, .rateChannel: .diff, .foreignHoldings: .logDiff, .dollar: .logDiff, .inflation: .logDiff,
    ]

    /// The default aggregation to quarterly: the quarter's mean (`avg`) for rates, indexes,
    /// prices, exchange rates and the central-bank balance sheet (so QE intensity compares an
    /// average stock with GDP, a flow over the same quarter); the quarter's last value (`eop`)
    /// for foreign holdings, a stock. Quarterly series are unchanged.
    public static let defaultAggregation: [SeriesRole: Aggregation] = Dictionary(
        uniqueKeysWithValues: SeriesRole.allCases.map { ($0, $0 == .foreignHoldings ? .endOfPeriod : .average) })

    /// Every key the configuration understands.
    public static let knownKeys: [String] = [
        "aggregation", "bootstrap_iterations", "confidence_level", "enable_robustness_tests", "exclude_dates",
        "gdp_proxy", "h1_confidence_proxy", "h1_covariance", "h1_eta2_method", "h1_min_regime_size",
        "h1_regime_covariance", "h1_test_statistic", "h1_threshold_proxy", "h1_yield_proxy",
        "h2_distortion_proxy", "h2_instruments", "h2_investment_proxy", "h2_rate_channel_proxy",
        "h3_dollar_proxy", "h3_foreign_holdings_proxy", "h3_inflation_proxy", "hypotheses", "irf_horizons",
        "lp_horizons", "lp_inference", "lp_lags", "lp_response", "offline_substitutes", "qe_intensity_proxy", "seed",
        "series_files", "threshold_trim", "transforms", "var_bands", "var_lag_selection", "var_lags", "var_max_lags",
    ]

    /// The keys a specification preset sets before the configuration is read: `"alternative"`
    /// sets `h1_confidence_proxy` to `financial_stress_index`, `qe_intensity_proxy` to
    /// `monetary_base` and `h3_inflation_proxy` to `pce_price_index`; every other name
    /// (`"default"` included) sets nothing.
    public static func presetKeys(for specification: String) -> [String: ConfigValue] {
        switch specification {
        case "alternative":
            [
                "h1_confidence_proxy": "financial_stress_index", "qe_intensity_proxy": "monetary_base",
                "h3_inflation_proxy": "pce_price_index",
            ]
        default: [:]
        }
    }

    /// The defaults of a specification (its preset applied), with no configuration keys.
    /// - Parameters:
    ///   - specification: the specification name.
    ///   - period: the analysis period.
    public init(specification: String = "default", period: BatchPeriod? = nil) {
        self.specification = specification
        self.period = period
        // The presets hold valid values by construction.
        try? apply(.object(Self.presetKeys(for: specification)), preset: true)
    }

    /// Parses a job's merged configuration.
    /// - Parameters:
    ///   - configuration: the merged configuration, a JSON object.
    ///   - period: the job's period (`nil`: the data's common range).
    ///   - specification: the specification name (`nil`: `"default"`).
    /// - Throws: ``HypothesisError`` (``HypothesisError/Code/invalidConfiguration``) naming the
    ///   JSON path of the first wrong value, what was expected and what was found.
    public init(parsing configuration: ConfigValue, period: BatchPeriod?, specification: String?) throws {
        self.init(specification: specification ?? "default", period: period)
        guard case .object = configuration else {
            throw HypothesisError.configuration("(top level)", expected: "a JSON object", found: configuration.text)
        }
        try apply(configuration, preset: false)
    }

    /// The seed of a run: ``seed`` when the configuration set it, else the job's seed, else 0.
    public func effectiveSeed(jobSeed: UInt64?) -> UInt64 { seedIsExplicit ? seed : (jobSeed ?? seed) }

    private mutating func apply(_ document: ConfigValue, preset: Bool) throws {
        guard case .object(let members) = document else { return }
        for key in members.keys.sorted() where !Self.knownKeys.contains(key) {
            warnings.append(
                ConfigurationWarning(
                    path: key,
                    message: "unknown key '\(key)' ignored; check its spelling (known keys: "
                        + "\(Self.knownKeys.joined(separator: ", ")))."))
        }
        var reader = Reader(members: members)
        try applySeriesFiles(reader)
        reader.fileSeries = Set(seriesFiles.keys)
        if let v = try reader.number("confidence_level", open: 0, 1) { confidenceLevel = v }
        if let v = try reader.integer("bootstrap_iterations", minimum: 0) {
            guard v != 1 else {
                throw HypothesisError.configuration(
                    "bootstrap_iterations", expected: "0 (no bootstrap) or an integer of at least 2", found: "1")
            }
            bootstrapIterations = v
        }
        if let v = try reader.integer("seed", minimum: 0) {
            seed = UInt64(v)
            seedIsExplicit = !preset
        }
        if let v = try reader.bool("enable_robustness_tests") { enableRobustnessTests = v }
        if let v = try reader.bool("offline_substitutes") { offlineSubstitutes = v }
        if let v = try reader.hypotheses("hypotheses") { hypotheses = v }
        if let v = try reader.reference("qe_intensity_proxy") { qeIntensityProxy = v }
        if let v = try reader.reference("gdp_proxy") { gdpProxy = v }
        if let v = try reader.reference("h1_yield_proxy") { yieldProxy = v }
        if let v = try reader.reference("h1_confidence_proxy") { confidenceProxy = v }
        if let v = try reader.reference("h1_threshold_proxy") { thresholdProxy = v }
        if let v = try reader.number("threshold_trim", open: 0, 0.5) { thresholdTrim = v }
        if let v = try reader.choice("h1_covariance", ThresholdCovariance.self) { thresholdCovariance = v }
        if let v = try reader.choice("h1_test_statistic", ThresholdTestStatistic.self) { thresholdStatistic = v }
        try applyThreshold(reader)
        if let v = try reader.reference("h2_investment_proxy") { investmentProxy = v }
        if let v = try reader.reference("h2_distortion_proxy") { distortionProxy = v }
        if let v = try reader.reference("h2_rate_channel_proxy") { rateChannelProxy = v }
        if let v = try reader.instruments("h2_instruments") { instruments = v }
        if let v = try reader.integer("lp_horizons", minimum: 0) { lpHorizons = v }
        if let v = try reader.integer("lp_lags", minimum: 0) { lpLags = v }
        if let v = try reader.choice("lp_response", LPResponse.self) { lpResponse = v }
        try applyLocalProjection(reader)
        if members["h3_foreign_holdings_proxy"] == .null {
            foreignHoldingsProxy = nil
        } else if let v = try reader.reference("h3_foreign_holdings_proxy", nullable: true) {
            foreignHoldingsProxy = v
        }
        if let v = try reader.reference("h3_dollar_proxy") { dollarProxy = v }
        if let v = try reader.reference("h3_inflation_proxy") { inflationProxy = v }
        if let v = try reader.integer("var_lags", minimum: 1) { varLags = v }
        if let v = try reader.choice("var_lag_selection", VARLagSelection.self) { varLagSelection = v }
        if let v = try reader.integer("var_max_lags", minimum: 1) { varMaxLags = v }
        try applyVAR(reader)
        if let v = try reader.integer("irf_horizons", minimum: 0) { irfHorizons = v }
        if let map = try reader.object("transforms") {
            for key in map.keys.sorted() {
                let path = "transforms.\(key)"
                let value = try Reader.choice(map[key]!, path: path, StationarityTransform.self)
                if let role = SeriesRole(rawValue: key) {
                    transforms[role] = value
                } else if SeriesReference(parsing: key) != nil || seriesFiles[key] != nil {
                    seriesTransforms[key] = value
                } else {
                    throw HypothesisError.configuration(
                        path,
                        expected: "a role (\(SeriesRole.allCases.map(\.rawValue).joined(separator: ", "))) "
                            + "or an instrument's proxy name or FRED id as the key", found: "'\(key)'")
                }
            }
        }
        if let map = try reader.object("aggregation") {
            for key in map.keys.sorted() {
                let path = "aggregation.\(key)"
                guard let role = SeriesRole(rawValue: key) else {
                    throw HypothesisError.configuration(
                        path,
                        expected: "a role (\(SeriesRole.allCases.map(\.rawValue).joined(separator: ", "))) "
                            + "as the key", found: "'\(key)'")
                }
                aggregation[role] = try Reader.choice(map[key]!, path: path, Aggregation.self)
            }
        }
        try applyExclusions(reader)
        if !preset { try validateInstruments() }
    }

    private mutating func validateInstruments() throws {
        for (i, instrument) in instruments.enumerated() {
            if case .series = instrument.source, seriesTransforms[instrument.sourceName] == nil,
                seriesFiles[instrument.sourceName] == nil
            {
                throw HypothesisError.configuration(
                    "transforms.\(instrument.sourceName)",
                    expected: "a stationarity transform (level, diff, log, log_diff, pct_change, yoy_pct_change) "
                        + "for the instrument h2_instruments[\(i)] = '\(instrument)'", found: "no entry")
            }
            if case .role(let role) = instrument.source, !SeriesRole.roles(of: .h2).contains(role) {
                throw HypothesisError.configuration(
                    "h2_instruments[\(i)]",
                    expected:
                        "one of H2's roles (\(SeriesRole.roles(of: .h2).map(\.rawValue).joined(separator: ", "))), "
                        + "a proxy name or a FRED id", found: "\"\(instrument)\"")
            }
            if case .role(let role) = instrument.source, role == .qeIntensity, instrument.lag == 0 {
                throw HypothesisError.configuration(
                    "h2_instruments[\(i)]",
                    expected: "an instrument other than the shock itself (use a lag such as L1.qe_intensity)",
                    found: "\"qe_intensity\"")
            }
        }
        let names = instruments.map(\.columnName)
        if let dup = names.first(where: { name in names.count(where: { $0 == name }) > 1 }) {
            let index = names.lastIndex(of: dup)!
            throw HypothesisError.configuration(
                "h2_instruments[\(index)]", expected: "each instrument listed once",
                found: "'\(instruments[index])' again")
        }
        let used = Set(instruments.map(\.sourceName))
        for key in seriesTransforms.keys.sorted() where !used.contains(key) {
            warnings.append(
                ConfigurationWarning(
                    path: "transforms.\(key)",
                    message: "'\(key)' is not a role and no instrument uses it; the entry is ignored."))
        }
    }

    /// The series reference configured for `role`, or `nil` for a role left out (foreign
    /// holdings with `h3_foreign_holdings_proxy: null`).
    public func reference(for role: SeriesRole) -> SeriesReference? {
        switch role {
        case .yield: yieldProxy
        case .qeIntensity: qeIntensityProxy
        case .confidence: confidenceProxy
        case .fiscalBurden: thresholdProxy
        case .investment: investmentProxy
        case .distortion: distortionProxy
        case .rateChannel: rateChannelProxy
        case .foreignHoldings: foreignHoldingsProxy
        case .dollar: dollarProxy
        case .inflation: inflationProxy
        }
    }

    /// The configuration key that selects `role`'s series.
    public static func key(for role: SeriesRole) -> String {
        switch role {
        case .yield: "h1_yield_proxy"
        case .qeIntensity: "qe_intensity_proxy"
        case .confidence: "h1_confidence_proxy"
        case .fiscalBurden: "h1_threshold_proxy"
        case .investment: "h2_investment_proxy"
        case .distortion: "h2_distortion_proxy"
        case .rateChannel: "h2_rate_channel_proxy"
        case .foreignHoldings: "h3_foreign_holdings_proxy"
        case .dollar: "h3_dollar_proxy"
        case .inflation: "h3_inflation_proxy"
        }
    }

    /// The transform of `role` (``transforms``, which holds every role).
    public func transform(for role: SeriesRole) -> StationarityTransform { transforms[role] ?? .level }

    /// The resolved knobs as a JSON-like value, echoed in results so a result says what it used.
    public var resolved: [String: ConfigValue] {
        var out: [String: ConfigValue] = [
            "specification": .string(specification),
            "hypotheses": .array(hypotheses.map { .integer($0.rawValue) }),
            "confidence_level": .number(confidenceLevel),
            "bootstrap_iterations": .integer(bootstrapIterations),
            "enable_robustness_tests": .bool(enableRobustnessTests),
            "offline_substitutes": .bool(offlineSubstitutes),
            "threshold_trim": .number(thresholdTrim),
            "h1_covariance": .string(thresholdCovariance.rawValue),
            "h1_test_statistic": .string(resolvedStatistic.rawValue),
            "h2_instruments": .array(instruments.map { .string($0.description) }),
            "lp_horizons": .integer(lpHorizons), "lp_lags": .integer(lpLags),
            "lp_response": .string(lpResponse.rawValue), "lp_inference": .string(lpInference.rawValue),
            "var_lags": .integer(varLags), "var_lag_selection": .string(varLagSelection.rawValue),
            "var_max_lags": .integer(varMaxLags), "irf_horizons": .integer(irfHorizons),
            "var_bands": .string(varBands.rawValue),
            "gdp_proxy": .string(gdpProxy.description),
            "series_files": .object(seriesFiles.mapValues { .string($0.path) }),
            "transforms": .object(
                Dictionary(uniqueKeysWithValues: transforms.map { ($0.key.rawValue, .string($0.value.rawValue)) })
                    .merging(seriesTransforms.mapValues { .string($0.rawValue) }) { a, _ in a }),
            "aggregation": .object(
                Dictionary(uniqueKeysWithValues: aggregation.map { ($0.key.rawValue, .string($0.value.rawValue)) })),
        ]
        out.merge(resolvedThreshold) { _, new in new }
        for role in SeriesRole.allCases {
            out[Self.key(for: role)] = reference(for: role).map { .string($0.description) } ?? .null
        }
        if let period {
            out["period"] = .array([.string(period.start.description), .string(period.end.description)])
        }
        out["exclude_dates"] = .array(excludedQuarters.map { .string(Summaries.quarter($0)) })
        return out
    }

    /// What the specification's preset changes from the `"default"` specification, in one
    /// sentence naming every series it swaps (only the preset values still in effect, i.e. not
    /// overridden by the configuration); `nil` for a specification without a preset.
    public var presetNote: String? {
        let preset = Self.presetKeys(for: specification)
        guard !preset.isEmpty else { return nil }
        let mine = resolved
        let defaults = Self(specification: "default").resolved
        let changes = preset.keys.sorted().compactMap { key -> String? in
            guard case .string(let value) = preset[key]!, mine[key] == .string(value) else { return nil }
            let base = defaults[key].flatMap { v -> String? in
                if case .string(let s) = v { return s }
                return nil
            }
            return "\(key) \(base ?? "?") → \(value)"
        }
        guard !changes.isEmpty else { return nil }
        return "Specification '\(specification)' is a preset: it changes \(changes.count) series from the default "
            + "specification (\(changes.joined(separator: "; "))); every other setting is the default's. A difference "
            + "between the two specifications mixes these changes."
    }

    /// The test statistic H1 uses.
    public var resolvedStatistic: ThresholdTestStatistic {
        thresholdStatistic ?? (thresholdCovariance == .homoskedastic ? .supF : .supLM)
    }
}
