import QEIRBatch
import QEIRData
import QEIRStats

extension HypothesisRunner {
    /// H3 — international effects of QE.
    ///
    /// A VAR(p) (Lütkepohl 2005, *New Introduction to Multiple Time Series Analysis*) of
    /// yₜ = (qe_intensity, foreign_holdings, dollar, inflation)′ on quarterly data with a constant,
    /// p = `var_lags` or chosen by `var_lag_selection` over 1…`var_max_lags`. For each other
    /// variable v, the Granger (1969, *Econometrica* 37(3), 424–438) test of H₀: no lag of QE
    /// intensity enters v's equation, as F (W/p against F(p, k·df)) and χ² (W against χ²(p)).
    /// Impulse responses: orthogonalised (Cholesky, QE intensity ordered first) responses of every
    /// variable to a one-standard-deviation QE-intensity shock for horizons 0…`irf_horizons`,
    /// with bootstrap bands at `confidence_level` (`bootstrap_iterations` replicates from `seed`):
    /// by default (`var_bands` = `kilian`) Kilian's (1998, *Review of Economics and Statistics*
    /// 80(2), 218–230) bias-corrected bootstrap-after-bootstrap, with `percentile` the
    /// uncorrected residual-bootstrap percentile bands; none for an unstable VAR (the reason is
    /// a warning and in ``VARSection/bands``). Selected orders are capped so that each equation
    /// keeps ≥ 10 residual degrees of freedom (``VARSection/lagOrder``, with a warning when the
    /// cap binds). Offline, foreign Treasury holdings are not in the snapshot and
    /// the VAR runs without them (see ``HypothesisConfiguration/offlineSubstitutes``). The
    /// estimation sample is the period; the first p lags reach into the presample.
    /// Robustness: the Granger tests in a VAR with one more lag.
    /// - Parameters:
    ///   - configuration: the knobs, period and specification.
    ///   - progress: receives progress.
    /// - Returns: the result.
    /// - Throws: ``HypothesisError`` for data or estimation problems, `CancellationError`.
    public func runH3(_ configuration: HypothesisConfiguration, progress: HypothesisProgressHandler? = nil)
        async throws -> HypothesisResult
    {
        try await compute.run { try await h3(configuration, progress: progress) }
    }

    func h3(_ configuration: HypothesisConfiguration, progress: HypothesisProgressHandler?) async throws
        -> HypothesisResult
    {
        let c = configuration
        progress?(HypothesisProgress(hypothesis: .h3, fraction: 0, message: "loading data"))
        let presample = Self.presample(.h3, c)
        let data = try await HypothesisData.build(.h3, configuration: c, source: source, presample: presample)
        try Task.checkCancellation()
        let context = EstimationContext(hypothesis: .h3, data: data, model: "VAR")
        let variables = SeriesRole.roles(of: .h3).map(\.rawValue).filter(data.columns.contains)
        let columns = try variables.map { try data.values($0) }
        func model(lags: Int) throws -> VARModel {
            let start = presample - lags
            return try VARModel(data: try Matrix(columns: columns.map { Array($0[start...]) }), names: variables)
        }
        // exclude_dates: data row r is position r − (presample − lags) of model(lags:).
        let dropped = data.excludedRows(c.excludedQuarters)
        func fitted(lags: Int) throws -> VARResult {
            let start = presample - lags
            return try model(lags: lags).fit(lags: lags, excluding: Set(dropped.map { $0 - start }))
        }
        var warnings = data.warnings
        if let note = data.exclusionWarning(c.excludedQuarters) { warnings.append(note) }
        var lags = c.varLags
        var criterionValues: [Double]? = nil
        let minimumDF = VARModel.defaultMinimumResidualDF
        var lagOrder = VARLagOrderReport(
            selection: c.varLagSelection.rawValue, minimumResidualDF: minimumDF, consideredOrders: [lags],
            capBinds: false, residualDF: 0)
        if c.varLagSelection != .fixed {
            // Only orders leaving ≥ minimumDF residual df per equation are candidates.
            let selection = try context.wrap { try model(lags: c.varMaxLags).selectOrder(maxLags: c.varMaxLags) }
            let criterion: KeyPath<VARInformationCriteria, Double> =
                switch c.varLagSelection {
                case .aic: \.aic
                case .bic: \.bic
                case .hqic: \.hqic
                default: \.fpe
                }
            let order = selection.selectedOrder(criterion)
            let considered = selection.consideredLags
            criterionValues = selection.criteria.prefix(considered.count).map { $0[keyPath: criterion] }
            lags = max(order, 1)
            let name = c.varLagSelection.rawValue.uppercased()
            if order == 0 { warnings.append("H3: \(name) prefers 0 lags; the VAR uses 1.") }
            let uncapped = selection.selectedOrder(criterion, withinCap: false)
            if selection.capBinds {
                let cap = selection.largestAdmissibleOrder
                let why =
                    "only orders ≤ \(cap) leave ≥ \(minimumDF) residual df per equation on \(selection.nobs) quarters"
                let range = "\(considered.first ?? 0)…\(cap)"
                warnings.append(
                    uncapped > cap
                        ? "H3: \(name) prefers \(uncapped) lags, but \(why); the VAR uses \(lags) (the \(name) "
                            + "minimum over orders \(range))."
                        : "H3: var_max_lags = \(c.varMaxLags), but \(why); \(name) chose \(order) among orders \(range)."
                )
            }
            lagOrder = VARLagOrderReport(
                selection: c.varLagSelection.rawValue, minimumResidualDF: minimumDF, consideredOrders: considered,
                criterionValues: criterionValues, largestAdmissibleOrder: selection.largestAdmissibleOrder,
                capBinds: selection.capBinds, uncappedOrder: uncapped, residualDF: 0)
        }
        let fit = try context.wrap { try fitted(lags: lags) }
        lagOrder.residualDF = fit.dfResid
        if fit.dfResid < minimumDF {
            warnings.append(
                "H3: the VAR(\(lags)) leaves \(fit.dfResid) residual df per equation on \(fit.nobs) quarters (fewer than "
                    + "\(minimumDF)); its Granger tests and bands rest on very few degrees of freedom. Use fewer lags or "
                    + "a longer period.")
        }
        let shock = SeriesRole.qeIntensity.rawValue
        let targets = variables.filter { $0 != shock }
        let granger = try context.wrap { try targets.map { try Self.granger(fit, caused: $0, causing: shock) } }
        if !fit.isStable {
            warnings.append(
                "H3: the VAR is not stable (max eigenvalue modulus \(Summaries.num(fit.maxEigenvalueModulus))); "
                    + "impulse responses do not die out.")
        }
        progress?(HypothesisProgress(hypothesis: .h3, fraction: 0.1, message: "VAR(\(lags)) estimated"))
        let irfs = try context.wrap { try fit.impulseResponses(horizon: c.irfHorizons, orthogonalized: true) }
        var outcome: VARBandOutcome? = nil
        if c.bootstrapIterations >= 2 && !dropped.isEmpty {
            // A residual bootstrap rebuilds every quarter, so a dropped quarter has no counterpart.
            warnings.append(
                "H3: impulse-response bands not computed: the bootstrap regenerates every quarter of the sample, so it "
                    + "cannot honour exclude_dates; run the job without exclude_dates for bands.")
        } else if c.bootstrapIterations >= 2 {
            let kilian = c.varBands == .kilianBiasCorrected
            progress?(
                HypothesisProgress(
                    hypothesis: .h3, fraction: 0.15,
                    message: (kilian ? "Kilian bias-corrected bootstrap bands (2 × " : "bootstrap bands (")
                        + "\(c.bootstrapIterations) replications)"))
            outcome = try await context.wrapAsync {
                try await fit.impulseResponseBands(
                    horizon: c.irfHorizons, replications: c.bootstrapIterations, seed: c.seed,
                    level: c.confidenceLevel, method: c.varBands, maxConcurrentTasks: maxConcurrency ?? 4)
            }
            if let why = outcome?.notComputed { warnings.append("H3: impulse-response bands \(why.message)") }
        }
        let bands = outcome?.bands
        try Task.checkCancellation()
        let responses = variables.enumerated().map { r, name in
            ImpulseResponse(
                response: name, impulse: shock,
                points: (0...c.irfHorizons).map { h in
                    ResponsePoint(
                        horizon: h, value: irfs[h][r, 0], lower: bands?.lower[h][r, 0], upper: bands?.upper[h][r, 0])
                })
        }
        var robustness: [RobustnessCheck] = []
        if c.enableRobustnessTests {
            let more = lags + 1
            if more <= presample, let alt = try? fitted(lags: more) {
                let tests = try context.wrap { try targets.map { try Self.granger(alt, caused: $0, causing: shock) } }
                robustness.append(
                    RobustnessCheck(
                        name: "var_one_more_lag", description: "Granger F tests in a VAR(\(more))",
                        estimates: tests.map {
                            Estimate(
                                name: "granger_\($0.caused)", estimate: $0.fStatistic, statistic: $0.fStatistic,
                                pValue: $0.fPValue)
                        }))
            } else {
                warnings.append("H3: the VAR(\(more)) robustness check does not fit this sample; skipped.")
            }
        }
        var section = VARSection(
            variables: variables, lags: lags, lagSelection: c.varLagSelection.rawValue,
            criterionValues: criterionValues, nobs: fit.nobs, stable: fit.isStable,
            maxEigenvalueModulus: fit.companionEigenvalues.map(\.modulus).max() ?? 0, granger: granger,
            impulseResponses: responses, bandLevel: bands == nil ? nil : c.confidenceLevel,
            bandReplications: bands?.replications ?? 0)
        section.bands = VARBandReport(method: c.varBands, level: c.confidenceLevel, outcome: outcome)
        section.lagOrder = lagOrder
        var headline = [HeadlineValue(key: "h3.lags", label: "H3 lags", value: Double(lags))]
        for role in [SeriesRole.foreignHoldings, .dollar, .inflation] {
            headline.append(
                HeadlineValue(
                    key: "h3.granger_p_\(role.rawValue)", label: "H3 G→\(role.rawValue) p",
                    value: granger.first { $0.caused == role.rawValue }?.fPValue))
        }
        let estimates = granger.map {
            Estimate(
                name: "granger_\($0.caused)", estimate: $0.fStatistic, statistic: $0.fStatistic, pValue: $0.fPValue)
        }
        progress?(HypothesisProgress(hypothesis: .h3, fraction: 1, message: "done"))
        var result = HypothesisResult(
            hypothesis: .h3, title: Hypothesis.h3.title,
            model:
                "VAR with Granger causality tests and orthogonalised impulse responses (Granger 1969; Lütkepohl 2005)",
            specification: c.specification, periodStart: c.period?.start.description,
            periodEnd: c.period?.end.description, sampleStart: data.sampleStart.description,
            sampleEnd: data.sampleEnd.description, nobs: fit.nobs, confidenceLevel: c.confidenceLevel, seed: c.seed,
            estimates: estimates, headline: headline, threshold: nil, localProjections: nil,
            vectorAutoregression: section, robustness: robustness, provenance: data.provenance,
            dataVintage: data.vintage, warnings: warnings, summary: "")
        if dropped.isEmpty {
            result.attach(
                try context.wrap {
                    try InfluenceReport.h3(
                        model: model(lags: lags), lags: lags, shock: shock, targets: targets, data: data,
                        firstRow: presample, level: c.confidenceLevel)
                })
        } else {
            result.warnings.append(
                "H3: influence diagnostics not computed: with exclude_dates the VAR's rows are not consecutive "
                    + "quarters; run the job without exclude_dates for them.")
        }
        result.addStationarityChecks(data)
        result.summary = Summaries.h3(result, section)
        result.estimationData = EstimationData(data, excluded: c.excludedQuarters)
        return result
    }

    static func granger(_ fit: VARResult, caused: String, causing: String) throws -> GrangerTest {
        let f = try fit.grangerCausality(caused: [caused], causing: [causing], kind: .f)
        let w = try fit.grangerCausality(caused: [caused], causing: [causing], kind: .wald)
        return GrangerTest(
            caused: caused, causing: causing, fStatistic: f.statistic, fPValue: f.pValue,
            chiSquaredStatistic: w.statistic,
            chiSquaredPValue: w.pValue, restrictions: fit.lags)
    }
}
