import QEIRBatch
import QEIRData
import QEIRStats

/// Progress of a hypothesis run.
public struct HypothesisProgress: Sendable, Hashable {
    /// The hypothesis running.
    public var hypothesis: Hypothesis
    /// Done within this hypothesis, 0…1.
    public var fraction: Double
    /// What is happening (`bootstrap 200/1000`).
    public var message: String

    /// Creates a progress report.
    public init(hypothesis: Hypothesis, fraction: Double, message: String) {
        self.hypothesis = hypothesis
        self.fraction = fraction
        self.message = message
    }
}

/// Receives progress reports; called from any task.
public typealias HypothesisProgressHandler = @Sendable (HypothesisProgress) -> Void

/// Runs the QE hypotheses on data from a ``SeriesSource``.
///
/// ```swift
/// let runner = HypothesisRunner(source: try EmbeddedSeriesSource())
/// let configuration = try HypothesisConfiguration(
///     parsing: ["bootstrap_iterations": 499], period: try BatchPeriod(shorthand: "2008-2015"),
///     specification: "alternative")
/// let h1 = try await runner.runH1(configuration) { print($0.message) }
/// print(h1.summary)
/// ```
///
/// Bootstraps run in parallel child tasks, are reproducible bit for bit for a given seed
/// whatever the number of tasks, and stop with `CancellationError` when the calling task is
/// cancelled.
public struct HypothesisRunner: Sendable {
    /// Where series come from.
    public let source: any SeriesSource
    /// The most child tasks a bootstrap uses (`nil`: the estimator's default).
    public var maxConcurrency: Int?
    /// Where the CPU-bound work runs: Dispatch threads, not the cooperative pool.
    let compute = ComputeThreads()

    /// Creates a runner.
    /// - Parameters:
    ///   - source: the data source.
    ///   - maxConcurrency: the most child tasks of a bootstrap.
    public init(source: any SeriesSource, maxConcurrency: Int? = nil) {
        self.source = source
        self.maxConcurrency = maxConcurrency
    }

    /// Runs every hypothesis in ``HypothesisConfiguration/hypotheses``, in order.
    /// - Parameters:
    ///   - configuration: the knobs, period and specification.
    ///   - progress: receives progress per hypothesis.
    /// - Returns: one result per hypothesis.
    /// - Throws: the first hypothesis' error (``HypothesisError``, ``QEIRData/DataError``), or
    ///   `CancellationError`.
    public func run(_ configuration: HypothesisConfiguration, progress: HypothesisProgressHandler? = nil)
        async throws -> [HypothesisResult]
    {
        var results: [HypothesisResult] = []
        for hypothesis in configuration.hypotheses {
            try Task.checkCancellation()
            results.append(try await run(hypothesis, configuration, progress: progress))
        }
        return results
    }

    /// Runs one hypothesis.
    /// - Throws: as ``run(_:progress:)``.
    public func run(
        _ hypothesis: Hypothesis, _ configuration: HypothesisConfiguration, progress: HypothesisProgressHandler? = nil
    ) async throws -> HypothesisResult {
        switch hypothesis {
        case .h1: try await runH1(configuration, progress: progress)
        case .h2: try await runH2(configuration, progress: progress)
        case .h3: try await runH3(configuration, progress: progress)
        }
    }

    /// H1 — central-bank reaction and confidence effects.
    ///
    /// Model (Hansen 2000, *Econometrica* 68(3), 575–603), on quarterly data:
    ///
    ///     Δyieldₜ = x′ₜβ₁·1{qₜ ≤ γ} + x′ₜβ₂·1{qₜ > γ} + eₜ,
    ///     xₜ = (1, qe_intensityₜ, confidenceₜ, qe_intensityₜ·(confidenceₜ − mean)),
    ///     qₜ = federal interest payments / GDP (percent)
    ///
    /// (transforms as configured; the yield and QE intensity in first differences by default).
    /// γ̂ minimises the SSR over candidates trimmed by `threshold_trim`; the interval for γ
    /// inverts the LR statistic at `confidence_level`; "no threshold" is tested with Hansen's
    /// (1996) fixed-regressor bootstrap (`bootstrap_iterations` replicates from `seed`, sup-LM
    /// under heteroskedasticity, sup-F otherwise). The LR interval is read over every split leaving
    /// `h1_min_regime_size` (default k + 1) quarters per regime, not only the trimmed candidates;
    /// η² by `h1_eta2_method`. Regime coefficients get `h1_regime_covariance` standard errors
    /// (`auto`: HC3 when a regime's leverage exceeds 0.5 or it leaves < 10 residual df, else HC1)
    /// and t statistics on each regime's own nᵣ − k degrees of freedom — conditional on the
    /// estimated split, and flagged when the bootstrap test does not reject linearity. The linear
    /// model (no threshold) is reported with Newey–West HAC standard errors (automatic bandwidth). Robustness: the homoskedastic LR interval.
    /// - Parameters:
    ///   - configuration: the knobs, period and specification.
    ///   - progress: receives the bootstrap's progress.
    /// - Returns: the result.
    /// - Throws: ``HypothesisError`` for data or estimation problems, `CancellationError`.
    public func runH1(_ configuration: HypothesisConfiguration, progress: HypothesisProgressHandler? = nil)
        async throws -> HypothesisResult
    {
        try await compute.run { try await h1(configuration, progress: progress) }
    }

    func h1(_ configuration: HypothesisConfiguration, progress: HypothesisProgressHandler?) async throws
        -> HypothesisResult
    {
        let c = configuration
        progress?(HypothesisProgress(hypothesis: .h1, fraction: 0, message: "loading data"))
        let data = try await HypothesisData.build(
            .h1, configuration: c, source: source, presample: Self.presample(.h1, c))
        try Task.checkCancellation()
        let context = EstimationContext(hypothesis: .h1, data: data, model: "threshold regression")
        // exclude_dates: H1 has no lags, so an excluded quarter's row simply leaves the sample.
        let dropped = data.excludedRows(c.excludedQuarters)
        func kept(_ column: String) throws -> [Double] {
            let values = try data.values(column)
            return dropped.isEmpty ? values : values.indices.filter { !dropped.contains($0) }.map { values[$0] }
        }
        let y = try kept(SeriesRole.yield.rawValue)
        let q = try kept(SeriesRole.fiscalBurden.rawValue)
        let names = [SeriesRole.qeIntensity.rawValue, SeriesRole.confidence.rawValue, "qe_x_confidence"]
        let design = try DesignMatrix(columns: try names.map { ($0, try kept($0)) })
        let (model, (fit, options, covarianceReason)) = try context.wrap {
            let model = try ThresholdRegression(
                y: y, design: design, thresholdVariable: q, thresholdName: SeriesRole.fiscalBurden.rawValue)
            return (model, try H1Threshold.fit(model, c))
        }
        progress?(HypothesisProgress(hypothesis: .h1, fraction: 0.05, message: "threshold estimated"))
        var test: ThresholdTest? = nil
        if c.bootstrapIterations > 0 {
            let total = c.bootstrapIterations
            test = try await context.wrapAsync {
                try await model.testNoThreshold(
                    statistic: c.resolvedStatistic, covariance: c.thresholdCovariance, replications: total,
                    seed: c.seed, options: options, maxConcurrency: maxConcurrency
                ) { done, all in
                    progress?(
                        HypothesisProgress(
                            hypothesis: .h1, fraction: 0.05 + 0.9 * Double(done) / Double(all),
                            message: "Hansen bootstrap \(done)/\(all)"))
                }
            }
        }
        try Task.checkCancellation()
        let linear = try context.wrap { try OLS().fit(y: y, design: design, covariance: .hac(lags: nil)) }
        let linearEstimates = try Self.estimates(linear, level: c.confidenceLevel)
        let regimes = H1Threshold.regimes(fit, level: c.confidenceLevel)
        var section = ThresholdSection(
            thresholdVariable: fit.thresholdName, threshold: fit.threshold,
            lrInterval: IntervalValue(
                lower: fit.confidenceInterval.lower, upper: fit.confidenceInterval.upper, level: c.confidenceLevel),
            splitEquivalentInterval: IntervalValue(
                lower: fit.splitEquivalentInterval.lower, upper: fit.splitEquivalentInterval.upper,
                level: c.confidenceLevel),
            criticalValue: fit.criticalValue, eta2: fit.eta2, covariance: c.thresholdCovariance.rawValue,
            trim: c.thresholdTrim, candidates: fit.candidates.count, ssr: fit.ssr, ssrLinear: fit.ssrLinear,
            testStatistic: test?.statistic.rawValue, testValue: test?.value, testPValue: test?.pValue,
            replications: test?.replications ?? 0, regimes: regimes, linear: linearEstimates)
        H1Threshold.annotate(&section, fit: fit, test: test, reason: covarianceReason, level: c.confidenceLevel)
        var robustness: [RobustnessCheck] = []
        if c.enableRobustnessTests && c.thresholdCovariance == .heteroskedastic {
            var homoskedastic = options
            homoskedastic.covariance = .homoskedastic
            let alt = try context.wrap { try model.fit(options: homoskedastic) }
            robustness.append(
                RobustnessCheck(
                    name: "homoskedastic_lr_interval",
                    description: "LR interval for γ without the heteroskedasticity correction (η² = 1)",
                    estimates: [
                        Estimate(
                            name: "threshold", estimate: alt.threshold, lower: alt.confidenceInterval.lower,
                            upper: alt.confidenceInterval.upper)
                    ]))
        } else if c.enableRobustnessTests {
            var robust = options
            robust.covariance = .heteroskedastic
            let alt = try context.wrap { try model.fit(options: robust) }
            robustness.append(
                RobustnessCheck(
                    name: "heteroskedastic_lr_interval",
                    description: "LR interval for γ with Hansen's heteroskedasticity correction η̂²",
                    estimates: [
                        Estimate(
                            name: "threshold", estimate: alt.threshold, lower: alt.confidenceInterval.lower,
                            upper: alt.confidenceInterval.upper)
                    ]))
        }
        let low = regimes[0].coefficients
        let high = regimes[1].coefficients
        func coefficient(_ list: [Estimate], _ name: String) -> Estimate? { list.first { $0.name == name } }
        let headline = [
            HeadlineValue(key: "h1.threshold", label: "H1 threshold", value: fit.threshold),
            HeadlineValue(key: "h1.lr_lower", label: "H1 LR lo", value: fit.confidenceInterval.lower),
            HeadlineValue(key: "h1.lr_upper", label: "H1 LR hi", value: fit.confidenceInterval.upper),
            HeadlineValue(key: "h1.sup_p", label: "H1 sup p", value: test?.pValue),
            HeadlineValue(
                key: "h1.qe_low", label: "H1 QE low", value: coefficient(low, SeriesRole.qeIntensity.rawValue)?.estimate
            ),
            HeadlineValue(
                key: "h1.qe_high", label: "H1 QE high",
                value: coefficient(high, SeriesRole.qeIntensity.rawValue)?.estimate),
            HeadlineValue(
                key: "h1.interaction_low", label: "H1 QE×conf low",
                value: coefficient(low, "qe_x_confidence")?.estimate),
            HeadlineValue(
                key: "h1.interaction_high", label: "H1 QE×conf high",
                value: coefficient(high, "qe_x_confidence")?.estimate),
        ]
        progress?(HypothesisProgress(hypothesis: .h1, fraction: 1, message: "done"))
        var result = HypothesisResult(
            hypothesis: .h1, title: Hypothesis.h1.title,
            model: "two-regime threshold regression with Hansen's bootstrap test and LR interval (Hansen 1996, 2000)",
            specification: c.specification, periodStart: c.period?.start.description,
            periodEnd: c.period?.end.description, sampleStart: data.sampleStart.description,
            sampleEnd: data.sampleEnd.description, nobs: fit.nobs, confidenceLevel: c.confidenceLevel, seed: c.seed,
            estimates: linearEstimates, headline: headline, threshold: section, localProjections: nil,
            vectorAutoregression: nil, robustness: robustness, provenance: data.provenance,
            dataVintage: data.vintage, warnings: data.warnings, summary: "")
        result.warnings += H1Threshold.warnings(fit: fit, test: test, level: c.confidenceLevel)
        if let note = data.exclusionWarning(c.excludedQuarters) { result.warnings.append(note) }
        result.attach(
            try context.wrap {
                try InfluenceReport.h1(
                    y: y, design: design, q: q, thresholdName: fit.thresholdName, options: options, fit: fit,
                    data: data, excludedRows: dropped, level: c.confidenceLevel)
            })
        result.addStationarityChecks(data)
        result.summary = Summaries.h1(result, section)
        result.estimationData = EstimationData(data, excluded: c.excludedQuarters)
        return result
    }

    // MARK: Helpers

    /// The quarters before the period that `hypothesis` keeps for its lags: none for H1, the
    /// local projections' first observation for H2, the largest VAR order considered (plus one
    /// for the robustness VAR) for H3. One rule for the runners and ``estimationData(_:_:)``.
    static func presample(_ hypothesis: Hypothesis, _ c: HypothesisConfiguration) -> Int {
        switch hypothesis {
        case .h1: 0
        case .h2:
            LocalProjectionSpecification(
                horizons: c.lpHorizons, lags: c.lpLags, response: c.lpResponse, inference: c.localProjectionInference
            ).firstObservation
        case .h3: (c.varLagSelection == .fixed ? c.varLags : c.varMaxLags) + (c.enableRobustnessTests ? 1 : 0)
        }
    }

    /// The aligned table `hypothesis` estimates on for `configuration`, built exactly as
    /// ``run(_:_:progress:)`` builds it (the same presample), without estimating anything.
    /// - Throws: as ``HypothesisData/build(_:configuration:source:presample:)``.
    public func estimationData(_ hypothesis: Hypothesis, _ configuration: HypothesisConfiguration) async throws
        -> EstimationData
    {
        let data = try await HypothesisData.build(
            hypothesis, configuration: configuration, source: source,
            presample: Self.presample(hypothesis, configuration))
        return EstimationData(data, excluded: configuration.excludedQuarters)
    }

    /// A coefficient with a t statistic on `df` degrees of freedom and its interval at `level`.
    static func tEstimate(name: String, estimate: Double, standardError: Double, df: Double, level: Double) -> Estimate
    {
        let t = estimate / standardError
        guard df >= 1, standardError > 0, t.isFinite else {
            return Estimate(name: name, estimate: estimate, standardError: standardError)
        }
        let distribution = StudentT(degreesOfFreedom: df)
        let p = 2 * distribution.sf(abs(t))
        let c = distribution.quantile((1 + level) / 2)
        return Estimate(
            name: name, estimate: estimate, standardError: standardError, statistic: t, pValue: p,
            lower: estimate - c * standardError, upper: estimate + c * standardError)
    }

    /// Every coefficient of a regression with its inference at `level`.
    static func estimates(_ fit: RegressionResult, level: Double) throws -> [Estimate] {
        let intervals = try fit.confidenceIntervals(level: level)
        return fit.names.indices.map { j in
            Estimate(
                name: fit.names[j], estimate: fit.coefficients[j], standardError: fit.standardErrors[j],
                statistic: fit.statistics[j], pValue: fit.pValues[j], lower: intervals[j].lower,
                upper: intervals[j].upper)
        }
    }
}

/// Turns estimator errors into ``HypothesisError``s that name the hypothesis and its sample.
struct EstimationContext {
    let hypothesis: Hypothesis
    let data: HypothesisData
    let model: String

    func error(_ error: StatsError) -> HypothesisError {
        HypothesisError(
            .estimationFailed,
            "\(hypothesis) (\(model) on \(Summaries.quarter(data.sampleStart))–\(Summaries.quarter(data.sampleEnd)), "
                + "\(data.sampleSize) quarters): \(error.message) With quarterly data a period of a few years "
                + "supports only small models; lengthen the period or reduce lags and horizons.",
            context: error.context.merging(["hypothesis": hypothesis.description]) { _, new in new })
    }

    func wrap<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let e as StatsError { throw error(e) }
    }

    func wrapAsync<T>(_ body: () async throws -> T) async throws -> T {
        do { return try await body() } catch let e as StatsError { throw error(e) }
    }
}
