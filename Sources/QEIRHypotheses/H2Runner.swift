import QEIRBatch
import QEIRData
import QEIRStats

extension HypothesisRunner {
    /// H2 — QE and private investment.
    ///
    /// Local projections (Jordà 2005, *American Economic Review* 95(1), 161–182) on quarterly
    /// data, for h = 0…`lp_horizons`:
    ///
    ///     z_{t,h} = α_h + β_h·qe_intensityₜ + Σⱼ φ_{h,j}·investmentₜ₋ⱼ
    ///               + Σⱼ δ_{h,j}·distortionₜ₋ⱼ + Σⱼ ρ_{h,j}·rate_channelₜ₋ⱼ + u_{t+h},   j = 1…`lp_lags`
    ///
    /// with z the `lp_response` transformation of investment growth (`cumulative`: Σ_{i≤h}
    /// investmentₜ₊ᵢ, the cumulative percent change of the investment level). β_h is the
    /// response; standard errors are Newey–West HAC with h + 1 lags; bands are β̂_h ± c·SE at
    /// `confidence_level`. The LP-IV variant (Stock & Watson 2018, *Economic Journal* 128,
    /// 917–948; Ramey 2016, *Handbook of Macroeconomics* 2, ch. 2) estimates each horizon by
    /// 2SLS with `h2_instruments` as the excluded instruments of qe_intensityₜ and reports the
    /// first stage's F (HAC Wald / q), partial R², Kleibergen–Paap rk Wald F and Cragg–Donald
    /// F; horizons with F < 10 are flagged weak. Every date t lies in the period; lags reach into
    /// the presample, leads stop at the period's end, so the sample shrinks by one per horizon.
    /// Robustness: the projections with lags of QE intensity added as controls.
    /// - Parameters:
    ///   - configuration: the knobs, period and specification.
    ///   - progress: receives progress.
    /// - Returns: the result.
    /// - Throws: ``HypothesisError`` for data or estimation problems, `CancellationError`.
    public func runH2(_ configuration: HypothesisConfiguration, progress: HypothesisProgressHandler? = nil)
        async throws -> HypothesisResult
    {
        try await compute.run { try await h2(configuration, progress: progress) }
    }

    func h2(_ configuration: HypothesisConfiguration, progress: HypothesisProgressHandler?) async throws
        -> HypothesisResult
    {
        let c = configuration
        progress?(HypothesisProgress(hypothesis: .h2, fraction: 0, message: "loading data"))
        let spec = LocalProjectionSpecification(
            horizons: c.lpHorizons, lags: c.lpLags, response: c.lpResponse, levels: [c.confidenceLevel])
        let data = try await HypothesisData.build(
            .h2, configuration: c, source: source, presample: spec.firstObservation)
        try Task.checkCancellation()
        let context = EstimationContext(hypothesis: .h2, data: data, model: "local projections")
        let response = SeriesRole.investment.rawValue
        let shock = SeriesRole.qeIntensity.rawValue
        let controlNames = [SeriesRole.distortion.rawValue, SeriesRole.rateChannel.rawValue]
        let controls = try controlNames.map { (name: $0, values: try data.values($0)) }
        let instrumentColumns = c.instruments.map(\.columnName)
        let instruments = try instrumentColumns.map { (name: $0, values: try data.values($0)) }
        let y = try data.values(response)
        let s = try data.values(shock)
        let ols = try context.wrap {
            try LocalProjection(y: y, shock: s, controls: controls, yName: response, shockName: shock).estimate(spec)
        }
        progress?(HypothesisProgress(hypothesis: .h2, fraction: 0.4, message: "local projections estimated"))
        try Task.checkCancellation()
        var iv: LocalProjectionResult? = nil
        if !instruments.isEmpty {
            iv = try context.wrap {
                try LocalProjection(
                    y: y, shock: s, controls: controls, instruments: instruments, yName: response, shockName: shock
                ).estimate(spec)
            }
        }
        progress?(HypothesisProgress(hypothesis: .h2, fraction: 0.8, message: "LP-IV estimated"))
        let olsPoints = ols.horizons.map { Self.point($0, level: c.confidenceLevel, shock: shock) }
        let ivPoints = iv?.horizons.map { Self.point($0, level: c.confidenceLevel, shock: shock) } ?? []
        let weak = ivPoints.filter { ($0.firstStageF ?? .infinity) < 10 }.map(\.horizon)
        var warnings = data.warnings
        if !weak.isEmpty {
            warnings.append(
                "H2: the LP-IV first-stage F is below 10 at horizon(s) \(weak.map(String.init).joined(separator: ", ")); "
                    + "the instruments \(c.instruments.map(\.description).joined(separator: ", ")) are weak there.")
        }
        let section = LocalProjectionSection(
            responseVariable: response, response: c.lpResponse.rawValue, shock: shock, controls: controlNames,
            lags: c.lpLags, covariance: "Newey–West HAC with h + 1 lags (Bartlett)", ols: olsPoints,
            instruments: c.instruments.map(\.description), iv: ivPoints, weakInstrumentHorizons: weak)
        var robustness: [RobustnessCheck] = []
        if c.enableRobustnessTests {
            var lagged = spec
            lagged.shockLags = true
            let alt = try context.wrap {
                try LocalProjection(y: y, shock: s, controls: controls, yName: response, shockName: shock)
                    .estimate(lagged)
            }
            robustness.append(
                RobustnessCheck(
                    name: "shock_lags",
                    description: "local projections with lags 1…\(c.lpLags) of qe_intensity added as controls",
                    estimates: alt.horizons.map {
                        let p = Self.point($0, level: c.confidenceLevel, shock: shock)
                        return Estimate(
                            name: "h\(p.horizon)", estimate: p.coefficient, standardError: p.standardError,
                            pValue: p.pValue, lower: p.lower, upper: p.upper)
                    }))
        }
        func estimate(_ p: LocalProjectionPoint, _ prefix: String) -> Estimate {
            Estimate(
                name: "\(prefix)_h\(p.horizon)", estimate: p.coefficient, standardError: p.standardError,
                pValue: p.pValue, lower: p.lower, upper: p.upper)
        }
        let first = olsPoints.first!
        let last = olsPoints.last!
        var estimates = [estimate(first, "lp"), estimate(last, "lp")]
        if let f = ivPoints.first, let l = ivPoints.last { estimates += [estimate(f, "lpiv"), estimate(l, "lpiv")] }
        let h = c.lpHorizons
        let headline = [
            HeadlineValue(key: "h2.lp_h0", label: "H2 LP h0", value: first.coefficient),
            HeadlineValue(key: "h2.lp_hH", label: "H2 LP h\(h)", value: last.coefficient),
            HeadlineValue(key: "h2.lp_hH_p", label: "H2 LP h\(h) p", value: last.pValue),
            HeadlineValue(key: "h2.lpiv_hH", label: "H2 IV h\(h)", value: ivPoints.last?.coefficient),
            HeadlineValue(key: "h2.lpiv_hH_p", label: "H2 IV h\(h) p", value: ivPoints.last?.pValue),
            HeadlineValue(
                key: "h2.first_stage_f_min", label: "H2 min F", value: ivPoints.compactMap(\.firstStageF).min()),
        ]
        progress?(HypothesisProgress(hypothesis: .h2, fraction: 1, message: "done"))
        var result = HypothesisResult(
            hypothesis: .h2, title: Hypothesis.h2.title,
            model: "local projections with HAC bands (Jordà 2005) and LP-IV (Stock & Watson 2018)",
            specification: c.specification, periodStart: c.period?.start.description,
            periodEnd: c.period?.end.description, sampleStart: data.sampleStart.description,
            sampleEnd: data.sampleEnd.description, nobs: data.sampleSize, confidenceLevel: c.confidenceLevel,
            seed: c.seed, estimates: estimates, headline: headline, threshold: nil, localProjections: section,
            vectorAutoregression: nil, robustness: robustness, provenance: data.provenance, dataVintage: data.vintage,
            warnings: warnings, summary: "")
        result.addStationarityChecks(data)
        result.summary = Summaries.h2(result, section)
        return result
    }

    static func point(_ h: LPHorizon, level: Double, shock: String) -> LocalProjectionPoint {
        let band = h.band(level: level)
        let j = h.regression.index(of: shock)
        return LocalProjectionPoint(
            horizon: h.horizon, nobs: h.nobs, coefficient: h.coefficient, standardError: h.standardError,
            pValue: j.map { h.regression.pValues[$0] }.finite, lower: band?.lower ?? .nan, upper: band?.upper ?? .nan,
            firstStageF: h.firstStageF.finite, partialRSquared: h.firstStage?.partialRSquared.finite,
            kleibergenPaap: h.iv?.kleibergenPaap.finite, craggDonald: h.iv?.craggDonald.finite)
    }
}

extension Double {
    /// The value when finite, else `nil`.
    var finite: Double? { isFinite ? self : nil }
}
