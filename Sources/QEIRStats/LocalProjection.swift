/// Local projections (Jordà 2005) and LP-IV (Stock & Watson 2018): one regression per
/// horizon h = 0…H of a transformation of y_{t+h} on the shock s_t, lags of y and of the
/// controls, each with its own HAC covariance.
///
/// **Estimation sample.** At horizon h the sample is every date t for which y_{t+h}, the
/// y_{t−1} needed by `.difference`, and all p lags exist: t = t₀ … T − 1 − h with
/// t₀ = ``LocalProjectionSpecification/firstObservation`` (max(p, 1) for `.difference`, p
/// otherwise). It loses one observation per horizon; dates past the end of the data are
/// dropped, never zero-filled.
///
/// **Regressors.** `const`, the shock s_t (named after it), optionally its lags
/// `L1.<shock>`…`Lp.<shock>`, then `L1.<y>`…`Lp.<y>`, then `L1.<c>`…`Lp.<c>` for each control
/// c in order. Only lags (dates ≤ t − 1) of y enter, so the dependent variable at horizon h,
/// which involves y_{t+h} with h ≥ 0, is never a regressor. Controls enter only through their
/// lags (dates ≤ t − 1); a contemporaneous control must be passed already shifted by the caller.
///
/// **LP-IV.** With instruments, s_t is the single endogenous regressor, the instruments'
/// date-t values are the excluded instruments and every other regressor is exogenous;
/// β_h is the 2SLS estimate of ``IV2SLS`` (linearmodels' conventions, `debiased: false` by
/// default). Stock & Watson (2018) recommend lags of the instrument as controls: pass the
/// instrument (under another name) as a control too.
///
/// **Inference.** Chosen by ``LocalProjectionSpecification/inference`` (see ``LPInference``):
/// lag-augmented LP with EHW standard errors and t(n − k) (Montiel Olea & Plagborg-Møller
/// 2021), EWC with t(B) or Newey–West with fixed-b critical values (Lazarus, Lewis, Stock &
/// Watson 2018), or the former default, Newey–West HAC with h + 1 lags and normal critical
/// values (statsmodels' convention, no small-sample factor; see ``LPCovariance``). Bands are
/// β̂_h ± c·SE at each level; every horizon carries its ``LPHorizon/inference`` label and the
/// result lists ``LocalProjectionResult/warnings`` where inference is fragile.
///
/// **Excluded dates.** ``LocalProjectionSpecification/excludedObservations`` drops rows after
/// the leads and lags are built (``LPHorizonDesign/dates``).
///
/// Reference: Jordà, Ò. (2005), "Estimation and Inference of Impulse Responses by Local
/// Projections", *American Economic Review* 95(1), 161–182; Stock, J. H. & Watson, M. W.
/// (2018), "Identification and Estimation of Dynamic Causal Effects in Macroeconomics Using
/// External Instruments", *Economic Journal* 128(610), 917–948.
///
/// ```swift
/// let lp = try LocalProjection(y: gdpGrowth, shock: rateShock, controls: [("infl", infl)],
///                              yName: "gdp_growth", shockName: "rate_shock")
/// let irf = try lp.estimate(LocalProjectionSpecification(horizons: 12, lags: 4, response: .cumulative))
/// irf.coefficients; irf.bands(level: 0.90)
/// ```
public struct LocalProjection: Sendable {
    struct Series: Sendable, Hashable {
        var name: String
        var values: [Double]
    }

    let response: Series
    let shock: Series
    let controls: [Series]
    let instruments: [Series]

    /// The number of dates T.
    public var count: Int { response.values.count }
    /// The response's name.
    public var responseName: String { response.name }
    /// The shock's name.
    public var shockName: String { shock.name }
    /// The controls' names, in order.
    public var controlNames: [String] { controls.map(\.name) }
    /// The instruments' names (empty for plain LP).
    public var instrumentNames: [String] { instruments.map(\.name) }
    /// Whether the shock is instrumented (LP-IV).
    public var isInstrumented: Bool { !instruments.isEmpty }

    /// Validates and stores the series (all equally long and aligned by date, oldest first).
    /// - Parameters:
    ///   - y: the response series.
    ///   - shock: the shock s_t.
    ///   - controls: further series whose lags 1…p enter every regression.
    ///   - instruments: excluded instruments of the shock (LP-IV); empty for plain LP.
    ///   - yName: the response's name (regressors `L1.<yName>`…).
    ///   - shockName: the shock's name (its coefficient's label).
    /// - Throws: ``StatsError`` with `duplicateColumn` when two series share a name (or one is
    ///   called `const`), `dimensionMismatch` for series of different lengths, `nonFinite` for
    ///   a NaN or infinite value (naming the series and the observation), `invalidArgument`
    ///   when the shock is identical to the response.
    public init(
        y: [Double], shock: [Double], controls: [(name: String, values: [Double])] = [],
        instruments: [(name: String, values: [Double])] = [], yName: String = "y", shockName: String = "shock"
    ) throws {
        let response = Series(name: yName, values: y)
        let shockSeries = Series(name: shockName, values: shock)
        let controlSeries = controls.map { Series(name: $0.name, values: $0.values) }
        let instrumentSeries = instruments.map { Series(name: $0.name, values: $0.values) }
        let all = [response, shockSeries] + controlSeries + instrumentSeries
        var roles: [String: String] = [:]
        for (i, s) in all.enumerated() {
            let role =
                i == 0 ? "response" : i == 1 ? "shock" : i < 2 + controlSeries.count ? "control" : "instrument"
            guard !s.name.isEmpty else {
                throw StatsError(
                    .invalidArgument, "The \(role) series has an empty name; give every series a name.",
                    context: ["role": role])
            }
            guard s.name != DesignMatrix.constantName else {
                throw StatsError(
                    .duplicateColumn,
                    "The \(role) series is called '\(s.name)', the name of the constant every local projection "
                        + "includes; rename it.", context: ["column": s.name])
            }
            if let other = roles[s.name] {
                throw StatsError(
                    .duplicateColumn,
                    "The name '\(s.name)' is used by both the \(other) and a \(role) series; give every series "
                        + "a unique name.", context: ["column": s.name])
            }
            roles[s.name] = role
            guard s.values.count == y.count else {
                throw StatsError(
                    .dimensionMismatch,
                    "The \(role) series '\(s.name)' has \(s.values.count) observations but the response '\(yName)' "
                        + "has \(y.count); align every series on the same dates.", context: ["column": s.name])
            }
            if let bad = s.values.firstIndex(where: { !$0.isFinite }) {
                throw StatsError.nonFinite(column: s.name, index: bad, value: s.values[bad])
            }
        }
        if !y.isEmpty && y == shock {
            throw StatsError(
                .invalidArgument,
                "The shock '\(shockName)' is identical to the response '\(yName)'; a variable cannot be its own "
                    + "shock. Pass the identified shock series (or instrument it).",
                context: ["column": shockName])
        }
        self.response = response
        self.shock = shockSeries
        self.controls = controlSeries
        self.instruments = instrumentSeries
    }

    /// The number of coefficients of every horizon's regression:
    /// 2 + p′·(1 + #controls) + (p′ with shock lags), p′ = ``LocalProjectionSpecification/designLags``.
    func coefficientCount(_ spec: LocalProjectionSpecification) -> Int {
        2 + spec.designLags * (1 + controls.count) + (spec.designShockLags ? spec.designLags : 0)
    }

    /// The dependent variable's name at horizon h.
    static func dependentName(_ y: String, horizon h: Int, response: LPResponse) -> String {
        switch response {
        case .difference: return "F\(h).\(y)-L1.\(y)"
        case .level: return "F\(h).\(y)"
        case .cumulative: return "sum(F0..F\(h).\(y))"
        }
    }

    /// The regression data at horizon `h`, exactly as ``estimate(_:)`` fits it.
    /// - Throws: ``StatsError`` for a negative horizon or lag count, or when the horizon runs
    ///   past the end of the data (`insufficientObservations`). Whether enough observations
    ///   remain to fit is checked by ``estimate(_:)``, not here.
    public func design(horizon h: Int, specification spec: LocalProjectionSpecification) throws -> LPHorizonDesign {
        try validate(spec, lastHorizon: h, forFitting: false)
        return makeDesign(horizon: h, spec)
    }

    func makeDesign(horizon h: Int, _ spec: LocalProjectionSpecification) -> LPHorizonDesign {
        let y = response.values
        let p = spec.designLags
        let start = spec.firstObservation
        let span = start..<(count - h)
        let dates =
            spec.excludedObservations.isEmpty ? Array(span) : span.filter { !spec.excludedObservations.contains($0) }
        let dependent: [Double] = dates.map { t in
            switch spec.response {
            case .difference: return y[t + h] - y[t - 1]
            case .level: return y[t + h]
            case .cumulative:
                var sum = 0.0
                for j in 0...h { sum += y[t + j] }
                return sum
            }
        }
        func lagged(_ s: Series, _ j: Int) -> (name: String, values: [Double]) {
            ("L\(j).\(s.name)", dates.map { s.values[$0 - j] })
        }
        var columns: [(name: String, values: [Double])] = [(shock.name, dates.map { shock.values[$0] })]
        if spec.designShockLags && p > 0 { columns += (1...p).map { lagged(shock, $0) } }
        if p > 0 {
            columns += (1...p).map { lagged(response, $0) }
            for c in controls { columns += (1...p).map { lagged(c, $0) } }
        }
        let n = dates.count
        var storage = [Double](repeating: 1, count: n)
        storage.reserveCapacity(n * (columns.count + 1))
        for c in columns { storage += c.values }
        let regressors = DesignMatrix(
            uncheckedNames: [DesignMatrix.constantName] + columns.map(\.name),
            matrix: Matrix(uncheckedRows: n, columns: columns.count + 1, storage: storage))
        var instrumentDesign: DesignMatrix? = nil
        if !instruments.isEmpty {
            var zs: [Double] = []
            zs.reserveCapacity(n * instruments.count)
            for z in instruments { zs += dates.map { z.values[$0] } }
            instrumentDesign = DesignMatrix(
                uncheckedNames: instruments.map(\.name),
                matrix: Matrix(uncheckedRows: n, columns: instruments.count, storage: zs))
        }
        return LPHorizonDesign(
            horizon: h, observations: span, dates: dates,
            dependentName: Self.dependentName(response.name, horizon: h, response: spec.response),
            dependent: dependent, regressors: regressors, instruments: instrumentDesign)
    }

    /// Checks the specification against the data for horizons 0…`lastHorizon`.
    /// With `forFitting` false only the data's extent is checked (no degrees of freedom).
    func validate(_ spec: LocalProjectionSpecification, lastHorizon: Int, forFitting: Bool = true) throws {
        guard spec.horizons >= 0, lastHorizon >= 0 else {
            let bad = min(spec.horizons, lastHorizon)
            throw StatsError(
                .invalidArgument, "The horizon must be 0 or more; got \(bad).", context: ["horizon": String(bad)])
        }
        guard spec.lags >= 0 else {
            throw StatsError(
                .invalidArgument,
                "The number of lags p must be 0 or more; got \(spec.lags). Use 0 for no lags of "
                    + "'\(response.name)' and the controls.", context: ["lags": String(spec.lags)])
        }
        if case let .horizonHAC(extra, _) = spec.covariance.rule, extra < 0 {
            throw StatsError(
                .invalidArgument,
                "The HAC lags beyond the horizon must be 0 or more; got \(extra) (the default is 1: h + 1 lags).",
                context: ["hac_extra_lags": String(extra)])
        }
        if let bad = spec.excludedObservations.first(where: { $0 < 0 || $0 >= count }) {
            throw StatsError(
                .invalidArgument,
                "Excluded observation \(bad) is not a date of the series (positions 0…\(count - 1)); pass 0-based "
                    + "positions of dates to drop.", context: ["excluded": String(bad), "nobs": String(count)])
        }
        switch spec.inference.rule {
        case let .lagAugmented(kind) where ![.hc0, .hc1, .hc2, .hc3].contains(kind):
            throw StatsError(
                .invalidArgument,
                "Lag-augmented LP uses heteroskedasticity-robust (EHW) standard errors; got '\(kind.rawValue)'. "
                    + "Use hc0, hc1, hc2 or hc3.", context: ["covariance": kind.rawValue])
        case let .ewc(b?) where b < 1:
            throw StatsError(
                .invalidArgument, "EWC needs at least one cosine term (B ≥ 1); got \(b).",
                context: ["ewc_b": String(b)])
        default: break
        }
        for level in spec.levels where !(level > 0 && level < 1) {
            throw StatsError(
                .invalidArgument, "Every band level must be strictly between 0 and 1; got \(level).",
                context: ["level": String(level)])
        }
        let start = spec.firstObservation
        let k = coefficientCount(spec)
        // Columns the widest regression needs: the structural regressors, or for LP-IV the
        // instrument set (exogenous regressors plus excluded instruments).
        let needed = isInstrumented ? k - 1 + instruments.count : k
        let lastWithData = count - start - 1
        guard lastHorizon <= lastWithData else {
            let last =
                lastWithData >= 0
                ? "the last horizon with any data is \(lastWithData)" : "no horizon has any data"
            throw StatsError(
                .insufficientObservations,
                "Horizon \(lastHorizon) runs past the end of the sample: with \(count) observations of "
                    + "'\(response.name)', p = \(spec.designLags) and the \(spec.response.rawValue) response, the sample "
                    + "starts at observation \(start + 1) and \(last). Ask for fewer horizons or use a longer series.",
                context: ["horizon": String(lastHorizon), "nobs": String(count)])
        }
        guard forFitting else { return }
        for h in 0...lastHorizon {
            let n = count - start - h - spec.excludedObservations.count { $0 >= start && $0 < count - h }
            let supported =
                h > 0 ? "the largest horizon this sample supports is \(h - 1)" : "no horizon can be estimated"
            guard n > needed else {
                throw StatsError(
                    .insufficientObservations,
                    "At horizon \(h) only \(n) observations remain for \(needed) "
                        + "\(isInstrumented ? "instruments (exogenous regressors included)" : "coefficients"); "
                        + "\(supported). Ask for fewer horizons or lags, or use a longer series.",
                    context: ["horizon": String(h), "nobs": String(n), "k": String(needed)])
            }
            let options = fittedCovariance(horizon: h, nobs: n, spec)
            if options.kind == .hac, let l = options.hacLags, l >= n {
                throw StatsError(
                    .insufficientObservations,
                    "At horizon \(h) the HAC covariance uses \(l) lags but only \(n) observations remain; "
                        + "\(supported). Ask for fewer horizons or use a longer series.",
                    context: ["horizon": String(h), "nobs": String(n), "hac_lags": String(l)])
            }
            if spec.inference.method == .hacHorizonPlusOne, options.kind == .cluster, let labels = options.clusters,
                labels.count != count
            {
                throw StatsError(
                    .dimensionMismatch,
                    "There are \(labels.count) cluster labels but \(count) dates; give one label per date of "
                        + "the full series (each horizon uses the labels of its own sample).",
                    context: ["clusters": String(labels.count), "nobs": String(count)])
            }
        }
    }

    /// Estimates the impulse response at horizons 0…H.
    /// - Parameter spec: horizons, lags, response transformation, covariance and band levels.
    /// - Returns: one ``LPHorizon`` per horizon with β̂_h, its standard error, bands and the
    ///   full regression (and 2SLS diagnostics for LP-IV).
    /// - Throws: ``StatsError`` with `invalidArgument` for H < 0, p < 0 or a level outside
    ///   (0, 1); `insufficientObservations` when H runs past the data or too few observations
    ///   remain at some horizon (naming it and the largest feasible horizon); estimation
    ///   errors (for example `rankDeficient`) prefixed with the horizon at fault.
    /// - Complexity: H + 1 regressions of at most T rows and k = 2 + p·(1 + #controls) columns.
    public func estimate(_ spec: LocalProjectionSpecification) throws -> LocalProjectionResult {
        try validate(spec, lastHorizon: spec.horizons)
        var out: [LPHorizon] = []
        out.reserveCapacity(spec.horizons + 1)
        for h in 0...spec.horizons {
            do {
                out.append(try estimateHorizon(h, spec))
            } catch let error as StatsError {
                var context = error.context
                context["horizon"] = String(h)
                throw StatsError(error.code, "At horizon \(h): \(error.message)", context: context)
            }
        }
        return LocalProjectionResult(
            specification: spec, responseName: response.name, shockName: shock.name, horizons: out,
            warnings: out.flatMap { Self.warnings($0, label: $0.inference) })
    }

    func estimateHorizon(_ h: Int, _ spec: LocalProjectionSpecification) throws -> LPHorizon {
        let design = makeDesign(horizon: h, spec)
        var covariance = fittedCovariance(horizon: h, nobs: design.dates.count, spec)
        if covariance.kind == .cluster, let labels = covariance.clusters {
            covariance.clusters = design.dates.map { labels[$0] }
        }
        var regression: RegressionResult
        var iv: IVResult? = nil
        var firstStageF: Double? = nil
        if let instruments = design.instruments {
            let shockIndex = 1
            let exogenous = design.regressors.selecting((0..<design.regressors.count).filter { $0 != shockIndex })
            let endogenous = design.regressors.selecting([shockIndex])
            let fit = try IV2SLS(options: spec.options).fit(
                y: design.dependent, exogenous: exogenous, endogenous: endogenous, instruments: instruments,
                covariance: covariance, debiased: spec.debiased, yName: design.dependentName)
            regression = fit.regression
            iv = fit
            if let test = fit.firstStage.first?.test {
                switch test.distribution {
                case .chiSquared: firstStageF = test.statistic / Double(instruments.count)
                default: firstStageF = test.statistic
                }
            }
        } else {
            regression = try OLS(options: spec.options).fit(
                y: design.dependent, design: design.regressors, covariance: covariance, yName: design.dependentName)
        }
        let (adjusted, label) = try applyInference(regression, design: design, spec)
        regression = adjusted
        guard let j = regression.index(of: shock.name) else {
            throw StatsError(
                .rankDeficient,
                "The shock '\(shock.name)' was dropped as a linear combination of other regressors, so its "
                    + "response cannot be estimated; remove the collinear controls.", context: ["column": shock.name])
        }
        let beta = regression.coefficients[j]
        let se = regression.standardErrors[j]
        let bands = spec.levels.map { level -> LPBand in
            let c = regression.criticalValue(level: level)
            return LPBand(level: level, lower: beta - c * se, upper: beta + c * se)
        }
        var out = LPHorizon(
            horizon: h, nobs: design.dependent.count, observations: design.observations, dates: design.dates,
            dependentName: design.dependentName, coefficient: beta, standardError: se,
            pValue: regression.pValues[j], inference: label, bands: bands,
            regression: regression, iv: iv, firstStageF: firstStageF)
        if design.instruments != nil { try addWeakInstrumentInference(&out, design, covariance, spec) }
        return out
    }
}
