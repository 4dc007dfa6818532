import QEIRStats

extension InfluenceReport {
    /// H1's influence: each regime regression (hat values of the regime's own OLS fit) and the
    /// linear model; leave-one-out refits the whole threshold model without each quarter (γ
    /// re-estimated, the regime's coefficient and its t p-value on the regime's own residual degrees
    /// of freedom under the configured covariance, as the headline) for `qe_intensity` and `qe_x_confidence`.
    /// - Parameters:
    ///   - y, design, q: the threshold model's data (rows = the sample quarters).
    ///   - thresholdName: q's name.
    ///   - options: the threshold options of the headline fit.
    ///   - fit: the headline fit.
    ///   - data: the hypothesis data (for the quarter labels; H1 has no presample).
    ///   - excludedRows: the data rows `exclude_dates` took out of the model's rows.
    ///   - level: `confidence_level`.
    /// - Throws: ``QEIRStats/StatsError`` when a full-sample diagnostic cannot be computed.
    static func h1(
        y: [Double], design: DesignMatrix, q: [Double], thresholdName: String, options: ThresholdOptions,
        fit: ThresholdResult, data: HypothesisData, excludedRows: Set<Int> = [], level: Double
    ) throws -> InfluenceReport {
        // The model's rows are the data's rows without the excluded ones (H1 has no presample).
        let all = labels(data)
        let dates = all.indices.filter { $0 >= data.presampleRows && !excludedRows.contains($0) }.map { all[$0] }
        let n = y.count
        let headline = [SeriesRole.qeIntensity.rawValue, "qe_x_confidence"]
        // Every threshold refit once, shared by the regimes and coefficients.
        var refits: [Result<ThresholdResult, StatsError>] = []
        for t in 0..<n {
            let keep = (0..<n).filter { $0 != t }
            do {
                let model = try ThresholdRegression(
                    y: keep.map { y[$0] }, design: design.selectingRows(keep), thresholdVariable: keep.map { q[$0] },
                    thresholdName: thresholdName)
                refits.append(.success(try model.fit(options: options)))
            } catch let error as StatsError {
                refits.append(.failure(error))
            }
        }
        func coefficient(_ r: ThresholdResult, regime: Int, _ name: String, nobs: Int) throws -> (Double, Double?) {
            let reg = r.regimes[regime]
            guard let j = reg.names.firstIndex(of: name) else {
                throw StatsError(.missingColumn, "The threshold model has no coefficient '\(name)'.")
            }
            let b = reg.coefficients[j]
            let se = reg.standardErrors[j]
            // The headline's rule: t with the regime's own residual df (n_r − k).
            let df = Double(reg.residualDF)
            guard df >= 1, se > 0 else { return (b, nil) }
            return (b, PValue.twoSidedT(b / se, degreesOfFreedom: df))
        }
        var report = InfluenceReport()
        let low = (0..<n).filter { q[$0] <= fit.threshold }
        let regimeRows = [low, (0..<n).filter { q[$0] > fit.threshold }]
        for (r, rows) in regimeRows.enumerated() {
            let influence = try OLSInfluence(y: rows.map { y[$0] }, design: design.selectingRows(rows))
            // Hat values are the regime's; the leave-one-out drops quarters of the whole sample.
            let analyses = try headline.map { name in
                try LeaveOneOutAnalysis(
                    name: name, full: try coefficient(fit, regime: r, name, nobs: n), observations: n,
                    confidenceLevel: level
                ) { t in try coefficient(try refits[t].get(), regime: r, name, nobs: n - 1) }
            }
            report.addMixed(
                "H1 \(r == 0 ? "low" : "high") regime", nobs: rows.count, influence: influence,
                influenceDates: rows.map {
                    dates[$0]
                }, analyses: analyses, dates: dates, level: level)
        }
        let linearCovariance = CovarianceOptions.hac(lags: nil)
        let linear = try OLSInfluence(y: y, design: design)
        let analyses = try headline.map {
            try LeaveOneOutAnalysis.ols(
                y: y, design: design, coefficient: $0, covariance: linearCovariance, confidenceLevel: level)
        }
        report.add("H1 linear model", nobs: n, influence: linear, analyses: analyses, dates: dates, level: level)
        return report
    }

    /// H2's influence: each local-projection horizon (and LP-IV horizon, when instrumented):
    /// the horizon's fitted design (``QEIRStats/LocalProjection/design(horizon:specification:)``,
    /// lag augmentation and excluded dates included), its OLS hat values and Cook's D, and the
    /// leave-one-out of β_h: the whole projection re-estimated with one more date excluded
    /// (``QEIRStats/LocalProjectionSpecification/excludedObservations``), so each drop's estimate
    /// and p-value come from exactly the inference of the headline (its covariance, critical
    /// values and degrees of freedom).
    /// - Parameters:
    ///   - projection: the OLS local projection.
    ///   - spec: the OLS projections' specification.
    ///   - result: their estimates.
    ///   - instrumented: the LP-IV projection with its specification and estimates, if any.
    ///   - data: the hypothesis data (the projection's series are its full columns).
    ///   - level: `confidence_level`.
    /// - Throws: ``QEIRStats/StatsError`` when a full-sample diagnostic fails.
    static func h2(
        projection: LocalProjection, spec: LocalProjectionSpecification, result: LocalProjectionResult,
        instrumented: (LocalProjection, LocalProjectionSpecification, LocalProjectionResult)?, data: HypothesisData,
        level: Double
    ) throws -> InfluenceReport {
        let all = labels(data)
        var report = InfluenceReport()
        try addProjection(
            "H2", projection: projection, spec: spec, result: result, all: all, level: level, hatValues: true,
            into: &report)
        if let (iv, ivSpec, ivResult) = instrumented {
            try addProjection(
                "H2 LP-IV", projection: iv, spec: ivSpec, result: ivResult, all: all, level: level, hatValues: false,
                into: &report)
        }
        return report
    }

    /// One projection's sections (see ``h2(projection:spec:result:instrumented:data:level:)``).
    static func addProjection(
        _ label: String, projection: LocalProjection, spec: LocalProjectionSpecification,
        result: LocalProjectionResult, all: [String], level: Double, hatValues: Bool, into report: inout InfluenceReport
    ) throws {
        // One re-estimation per date that any horizon uses, shared by all horizons.
        var refits: [Int: Result<LocalProjectionResult, StatsError>] = [:]
        func refit(_ date: Int) -> Result<LocalProjectionResult, StatsError> {
            if let done = refits[date] { return done }
            var reduced = spec
            reduced.excludedObservations.insert(date)
            let outcome: Result<LocalProjectionResult, StatsError>
            do { outcome = .success(try projection.estimate(reduced)) } catch let error as StatsError {
                outcome = .failure(error)
            } catch {
                outcome = .failure(StatsError(.invalidArgument, "\(error)"))
            }
            refits[date] = outcome
            return outcome
        }
        for horizon in result.horizons {
            let h = horizon.horizon
            let design = try projection.design(horizon: h, specification: spec)
            let rows = design.dates
            let dates = rows.map { all[$0] }
            let influence =
                hatValues
                ? try OLSInfluence(y: design.dependent, design: design.regressors, options: spec.options) : nil
            let loo = try LeaveOneOutAnalysis(
                name: projection.shockName, full: (horizon.coefficient, horizon.pValue), observations: rows.count,
                confidenceLevel: level
            ) { i in
                let reduced = try refit(rows[i]).get()
                guard let point = reduced.horizons.first(where: { $0.horizon == h }) else {
                    throw StatsError(.insufficientObservations, "Horizon \(h) cannot be estimated without this date.")
                }
                return (point.coefficient, point.pValue)
            }
            report.add(
                "\(label) h=\(h)", nobs: design.dependent.count, influence: influence, analyses: [loo], dates: dates,
                level: level)
        }
    }

    /// H3's influence: each VAR equation's hat values (shared) and Cook's D, and the
    /// leave-one-out of each Granger F test's p-value, refitting the VAR without each date's row.
    /// - Parameters:
    ///   - model: the VAR data (its regression row i is data row `firstRow + i`).
    ///   - lags: the VAR's lag order.
    ///   - shock: the causing variable.
    ///   - targets: the caused variables tested.
    ///   - data: the hypothesis data.
    ///   - firstRow: the data row of the VAR's first regression row.
    ///   - level: `confidence_level`.
    /// - Throws: ``QEIRStats/StatsError`` when the full-sample VAR fails.
    static func h3(
        model: VARModel, lags: Int, shock: String, targets: [String], data: HypothesisData, firstRow: Int,
        level: Double
    ) throws -> InfluenceReport {
        let all = labels(data)
        let equations = try model.equationInfluence(lags: lags)
        let dates = (0..<(equations.first?.nobs ?? 0)).map { all[firstRow + $0] }
        let tests = try model.leaveOneOutGranger(
            lags: lags, tests: targets.map { (caused: [$0], causing: [shock]) }, kind: .f, confidenceLevel: level)
        var report = InfluenceReport()
        for (e, name) in model.names.enumerated() {
            let analyses = zip(targets, tests).filter { $0.0 == name }.map { target, test in
                var a = test
                a.name = "granger \(shock) → \(target)"
                return a
            }
            report.add(
                "H3 \(name) equation", nobs: equations[e].nobs, influence: equations[e], analyses: analyses,
                dates: dates, level: level)
        }
        return report
    }

    /// ``add(_:nobs:influence:analyses:dates:level:)`` for a regression whose rows (the
    /// influence's dates) are a subset of the quarters the leave-one-out drops.
    mutating func addMixed(
        _ label: String, nobs: Int, influence: OLSInfluence, influenceDates: [String], analyses: [LeaveOneOutAnalysis],
        dates: [String], level: Double
    ) {
        var part = InfluenceReport()
        part.add(label, nobs: nobs, influence: influence, analyses: [], dates: influenceDates, level: level)
        var full = InfluenceReport()
        full.add(label, nobs: nobs, influence: nil, analyses: analyses, dates: dates, level: level)
        guard var section = part.sections.first, let loo = full.sections.first else { return }
        section.leaveOneOut = loo.leaveOneOut
        sections.append(section)
        warnings += part.warnings + full.warnings
    }
}
