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
    /// response; its inference is `lp_inference` (default lag-augmented LP: one more lag of every
    /// variable, qe_intensity included, HC3 standard errors and t(n − k), Montiel Olea &
    /// Plagborg-Møller 2021, *Econometrica* 89(4), 1789–1823; or EWC, Newey–West fixed-b, or the
    /// former Newey–West with h + 1 lags and normal critical values — see ``LPInference``);
    /// bands are β̂_h ± c·SE at `confidence_level`, every point labelled with its inference,
    /// and horizons with fewer than 10 residual degrees of freedom are warned. The LP-IV variant
    /// (Stock & Watson 2018, *Economic Journal* 128, 917–948; Ramey 2016, *Handbook of Macroeconomics* 2, ch. 2) estimates each horizon by
    /// 2SLS with `h2_instruments` as the excluded instruments of qe_intensityₜ (none by default:
    /// LP-IV runs only when instruments are configured, and the result states the exclusion
    /// restriction it assumes) and reports the first stage's F (HAC Wald / q), partial R²,
    /// Kleibergen–Paap rk Wald F, Cragg–Donald F, Montiel Olea & Pflueger's (2013, *Journal of
    /// Business & Economic Statistics* 31, 358–369) effective F with its critical value, and the
    /// Anderson–Rubin (1949) confidence set; horizons whose effective F does not exceed its
    /// critical value (τ = 10 %, 5 % size) are flagged weak. Every date t lies in the period; lags reach into
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
        var spec = LocalProjectionSpecification(
            horizons: c.lpHorizons, lags: c.lpLags, response: c.lpResponse, levels: [c.confidenceLevel])
        // OLS projections use lp_inference. LP-IV inherits it, unless it augments the shock's lags
        // while an instrument is itself a lag of the shock (they would be collinear): LP-IV then
        // keeps HAC(h + 1), and the extra presample date lag augmentation needs is excluded so
        // both samples start together.
        var olsSpec = spec
        olsSpec.inference = c.localProjectionInference
        let lagsOfShock = c.instruments.contains {
            if case .role(.qeIntensity) = $0.source { true } else { false }
        }
        if !olsSpec.inference.augmentsLags || !lagsOfShock {
            spec.inference = olsSpec.inference
        } else {
            spec.excludedObservations = Set(spec.firstObservation..<olsSpec.firstObservation)
        }
        let data = try await HypothesisData.build(
            .h2, configuration: c, source: source, presample: Self.presample(.h2, c))
        try Task.checkCancellation()
        // exclude_dates: the rows dated in an excluded quarter leave every horizon's regression;
        // the series stay whole, so leads and lags of neighbouring quarters still use them.
        let dropped = data.excludedRows(c.excludedQuarters)
        olsSpec.excludedObservations.formUnion(dropped)
        spec.excludedObservations.formUnion(dropped)
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
            try LocalProjection(y: y, shock: s, controls: controls, yName: response, shockName: shock)
                .estimate(olsSpec)
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
        let ivPoints: [LocalProjectionPoint] =
            iv?.horizons.map { h -> LocalProjectionPoint in
                var p = Self.point(h, level: c.confidenceLevel, shock: shock)
                Self.addWeakInstrumentInference(&p, h, level: c.confidenceLevel)
                return p
            } ?? []
        let weak = ivPoints.filter { !(($0.effectiveF ?? .nan) > ($0.effectiveFCriticalValue ?? .nan)) }.map(\.horizon)
        let unbounded = ivPoints.filter { $0.andersonRubin?.isUnbounded == true }.map(\.horizon)
        var warnings = data.warnings
        if let note = data.exclusionWarning(c.excludedQuarters) { warnings.append(note) }
        warnings += ols.warnings.map { "H2 \($0.message)." }
        if !ivPoints.isEmpty { warnings += Self.laggedRoleWarnings(c.instruments) }
        if !weak.isEmpty {
            warnings.append(
                "H2: the LP-IV effective F (Montiel Olea–Pflueger) does not exceed its critical value for a 10 % "
                    + "worst-case bias at horizon(s) \(weak.map(String.init).joined(separator: ", ")); the instruments "
                    + "\(c.instruments.map(\.description).joined(separator: ", ")) are weak there: rely on the "
                    + "Anderson–Rubin sets, not on the 2SLS bands.")
        }
        if !unbounded.isEmpty {
            warnings.append(
                "H2: the LP-IV Anderson–Rubin set is unbounded at horizon(s) "
                    + "\(unbounded.map(String.init).joined(separator: ", ")) (unbounded: the data cannot rule out any "
                    + "value, or only a bounded range of them).")
        }
        let section = LocalProjectionSection(
            responseVariable: response, response: c.lpResponse.rawValue, shock: shock, controls: controlNames,
            lags: c.lpLags, covariance: Self.inferenceText(olsSpec, iv: spec.inference), ols: olsPoints,
            instruments: c.instruments.map(\.description), iv: ivPoints, weakInstrumentHorizons: weak)
        var sectionWithIV = section
        if !ivPoints.isEmpty {
            sectionWithIV.exclusionRestriction = Self.exclusionRestriction(c.instruments, controls: controlNames)
            sectionWithIV.unboundedAndersonRubinHorizons = unbounded
        }
        var robustness: [RobustnessCheck] = []
        if c.enableRobustnessTests {
            var lagged = olsSpec
            lagged.shockLags = true
            // Lag augmentation already includes the shock's lags: vary the inference instead.
            if olsSpec.inference.augmentsLags { lagged.inference = .ewc() }
            let alt = try context.wrap {
                try LocalProjection(y: y, shock: s, controls: controls, yName: response, shockName: shock)
                    .estimate(lagged)
            }
            robustness.append(
                RobustnessCheck(
                    name: "shock_lags",
                    description: "local projections with lags 1…\(c.lpLags) of qe_intensity added as controls"
                        + (olsSpec.inference.augmentsLags ? ", EWC inference (lag augmentation already has them)" : ""),
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
            HeadlineValue(
                key: "h2.effective_f_min", label: "H2 min F_eff", value: ivPoints.compactMap(\.effectiveF).min()),
        ]
        progress?(HypothesisProgress(hypothesis: .h2, fraction: 1, message: "done"))
        var result = HypothesisResult(
            hypothesis: .h2, title: Hypothesis.h2.title,
            model: "local projections (Jordà 2005) with \(Self.inferenceText(olsSpec, iv: nil)) and LP-IV "
                + "(Stock & Watson 2018)",
            specification: c.specification, periodStart: c.period?.start.description,
            periodEnd: c.period?.end.description, sampleStart: data.sampleStart.description,
            sampleEnd: data.sampleEnd.description, nobs: data.sampleSize, confidenceLevel: c.confidenceLevel,
            seed: c.seed, estimates: estimates, headline: headline, threshold: nil, localProjections: sectionWithIV,
            vectorAutoregression: nil, robustness: robustness, provenance: data.provenance, dataVintage: data.vintage,
            warnings: warnings, summary: "")
        result.localProjections?.inference = c.lpInference.rawValue
        result.attach(
            try context.wrap {
                try InfluenceReport.h2(
                    projection: LocalProjection(y: y, shock: s, controls: controls, yName: response, shockName: shock),
                    spec: olsSpec, result: ols,
                    instrumented: iv.map { ivResult in
                        (
                            try LocalProjection(
                                y: y, shock: s, controls: controls, instruments: instruments, yName: response,
                                shockName: shock), spec, ivResult
                        )
                    }, data: data, level: c.confidenceLevel)
            })
        result.addStationarityChecks(data)
        result.summary = Summaries.h2(result, result.localProjections ?? sectionWithIV)
        result.estimationData = EstimationData(data, excluded: c.excludedQuarters)
        return result
    }

    static func point(_ h: LPHorizon, level: Double, shock: String) -> LocalProjectionPoint {
        let band = h.band(level: level)
        var point = LocalProjectionPoint(
            horizon: h.horizon, nobs: h.nobs, coefficient: h.coefficient, standardError: h.standardError,
            pValue: h.pValue.finite, lower: band?.lower ?? .nan, upper: band?.upper ?? .nan,
            firstStageF: h.firstStageF.finite, partialRSquared: h.firstStage?.partialRSquared.finite,
            kleibergenPaap: h.iv?.kleibergenPaap.finite, craggDonald: h.iv?.craggDonald.finite)
        point.inference = h.inference.description
        point.degreesOfFreedom = h.inference.degreesOfFreedom
        return point
    }

    /// The section's covariance text: the OLS projections' inference (and LP-IV's when it differs).
    static func inferenceText(_ spec: LocalProjectionSpecification, iv: LPInference?) -> String {
        func text(_ inference: LPInference) -> String {
            switch inference.method {
            case .lagAugmented:
                return "lag-augmented LP (p + 1 lags of every variable, qe_intensity included), HC3, t(n − k)"
            case .ewc: return "EWC (B = ⌊0.41·n^{2/3}⌋ cosines), t(B)"
            case .neweyWestFixedB:
                return "Newey–West (S = ⌈1.3·n^{1/2}⌉, Bartlett) with Kiefer–Vogelsang fixed-b critical values"
            case .hacHorizonPlusOne: return "Newey–West HAC with h + 1 lags (Bartlett), normal critical values"
            }
        }
        guard let iv, iv != spec.inference else { return text(spec.inference) }
        return "\(text(spec.inference)); LP-IV: \(text(iv))"
    }
}

extension Double {
    /// The value when finite, else `nil`.
    var finite: Double? { isFinite ? self : nil }
}
