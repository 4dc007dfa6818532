import QEIRStats

/// H1's threshold inference: the regime covariance choice, regime t statistics on each regime's
/// own residual df, and the warnings that keep regime estimates from reading as evidence of a
/// threshold they do not establish.
enum H1Threshold {
    /// The options of H1's threshold model from the configuration (regime covariance left to ``fit``).
    static func makeOptions(_ c: HypothesisConfiguration) -> ThresholdOptions {
        ThresholdOptions(
            trim: c.thresholdTrim, minimumRegimeSize: c.h1MinRegimeSize, covariance: c.thresholdCovariance,
            confidence: c.confidenceLevel, regimeCovariance: c.h1RegimeCovariance.fixed ?? .hc1,
            eta2Method: c.h1Eta2Method)
    }

    /// Fits with the configured regime covariance; `auto` refits with HC3 when a regime's largest
    /// leverage exceeds 0.5 or it leaves fewer than 10 residual df (HC1 otherwise).
    /// - Returns: the fit, the options used and why that covariance.
    static func fit(_ model: ThresholdRegression, _ c: HypothesisConfiguration) throws -> (
        fit: ThresholdResult, options: ThresholdOptions, reason: String
    ) {
        var options = makeOptions(c)
        let first = try model.fit(options: options)
        guard c.h1RegimeCovariance == .auto else {
            return (first, options, "h1_regime_covariance = \(c.h1RegimeCovariance.rawValue)")
        }
        let small = first.regimes.filter { $0.maxLeverage > 0.5 || $0.residualDF < 10 }
        guard !small.isEmpty else {
            return (first, options, "auto: HC1 (every regime has leverage ≤ 0.5 and at least 10 residual df)")
        }
        options.regimeCovariance = .hc3
        let reasons = small.map { r in
            "regime \(r.label): \(r.residualDF) residual df, max leverage \(Summaries.num(r.maxLeverage))"
        }
        return (try model.fit(options: options), options, "auto: HC3 (\(reasons.joined(separator: "; ")))")
    }

    /// The regimes with t statistics on nᵣ − k degrees of freedom.
    static func regimes(_ fit: ThresholdResult, level: Double) -> [ThresholdSection.Regime] {
        fit.regimes.map { regime in
            ThresholdSection.Regime(
                label: regime.label, nobs: regime.nobs,
                coefficients: zip(regime.names, zip(regime.coefficients, regime.standardErrors)).map { name, bs in
                    HypothesisRunner.tEstimate(
                        name: name, estimate: bs.0, standardError: bs.1, df: Double(regime.residualDF), level: level)
                }, residualDF: regime.residualDF, maxLeverage: regime.maxLeverage)
        }
    }

    /// Adds the inference facts to the section.
    static func annotate(
        _ section: inout ThresholdSection, fit: ThresholdResult, test: ThresholdTest?, reason: String, level: Double
    ) {
        section.regimeCovariance = fit.options.resolvedRegimeCovariance.rawValue
        section.regimeCovarianceReason = reason
        section.regimeInferenceDF = "t with each regime's own residual df (n_r − k), not n − 2k"
        section.regimeInference = "conditional on the estimated split"
        section.linearityRejected = test.map { $0.pValue <= 1 - level }
        section.eta2Method = fit.options.covariance == .heteroskedastic ? fit.options.eta2Method.rawValue : nil
        section.minRegimeSize = fit.minimumRegimeSize
        section.distinctThresholdValues = fit.distinctThresholdValues
        section.profileGamma = fit.profileGamma
        section.profileLR = fit.profileLR
        section.diagnostics = fit.diagnostics.map(\.code.rawValue)
    }

    /// The warnings of H1's threshold inference.
    static func warnings(fit: ThresholdResult, test: ThresholdTest?, level: Double) -> [String] {
        var out = fit.diagnostics.filter { $0.code != .conditionalOnSplit }.map { "H1: \($0.message)" }
        if let t = test, t.pValue > 1 - level {
            out.append(
                "H1: the bootstrap test does not reject linearity (p = \(Summaries.num(t.pValue))): regime estimates "
                    + "are not evidence of a threshold (regime inference is conditional on the estimated split).")
        }
        // η̂² scales the LR statistic by 1/η̂²: an extreme estimate (seen at 0.003 on 32 quarters,
        // where a regime is nearly saturated) collapses or inflates the interval for γ.
        if fit.options.covariance == .heteroskedastic,
            fit.eta2 < extremeEta2.lowerBound || fit.eta2 > extremeEta2.upperBound
        {
            out.append(
                "H1: the heteroskedasticity correction η̂² = \(Summaries.num(fit.eta2)) (\(fit.options.eta2Method.rawValue)) "
                    + "is extreme: LR(γ) is divided by it, so the \(Summaries.percent(level)) interval for γ "
                    + "[\(Summaries.num(fit.confidenceInterval.lower)), \(Summaries.num(fit.confidenceInterval.upper))] "
                    + "reflects the correction more than the data; compare the homoskedastic interval (robustness) "
                    + "and h1_eta2_method = \"quadratic\".")
        }
        return out
    }

    /// η̂² outside this range is reported as extreme (a tenfold correction either way).
    static let extremeEta2: ClosedRange<Double> = 0.1...10
}
