/// Influence diagnostics of a VAR: every equation's OLS influence and the leave-one-out
/// sensitivity of Granger-causality tests.
extension VARModel {
    /// The OLS influence diagnostics (``OLSInfluence``) of each equation of the VAR(p).
    ///
    /// All equations share the regressors [deterministic terms, yₜ₋₁, …, yₜ₋ₚ], so the leverages
    /// are the same in every equation; residual-based measures (studentized residuals, Cook's D,
    /// DFFITS, DFBETAS) differ. Row i is the period `lags + i` of ``data``.
    /// - Parameters:
    ///   - lags: p ≥ 1.
    ///   - trend: the deterministic terms.
    /// - Returns: one entry per variable, in ``names`` order; coefficient names as
    ///   ``VARResult/coefficientNames``.
    /// - Throws: as ``fit(lags:trend:)``.
    public func equationInfluence(lags: Int, trend: VARTrend = .constant) throws -> [OLSInfluence] {
        _ = try fit(lags: lags, trend: trend)
        let z = VAREstimate.regressors(data: data, offset: 0, lags: lags, trend: trend)
        let design = try DesignMatrix(names: coefficientNames(lags: lags, trend: trend), matrix: z)
        return try (0..<variableCount).map { e in
            try OLSInfluence(y: Array(data.column(e)[lags...]), design: design)
        }
    }

    /// Leave-one-out analysis of Granger-causality tests: for each regression row (period
    /// `lags + i`), the VAR is refitted without that row — the other rows keep their own lagged
    /// regressors and trend values, so only the equation-row is deleted — and every test is
    /// recomputed (``VARResult/grangerCausality(caused:causing:kind:)``, with the reduced
    /// sample's Σ̂ᵤ and degrees of freedom).
    /// - Parameters:
    ///   - lags: p ≥ 1.
    ///   - trend: the deterministic terms.
    ///   - tests: the (caused, causing) variable lists of each test.
    ///   - kind: F or Wald.
    ///   - confidenceLevel: significance is p < 1 − level.
    /// - Returns: one analysis per test; the "estimate" is the test statistic.
    /// - Throws: as ``fit(lags:trend:)`` and ``VARResult/grangerCausality(caused:causing:kind:)``
    ///   for the full sample; a failing reduced fit marks that row undefined.
    /// - Complexity: n + 1 VAR fits.
    public func leaveOneOutGranger(
        lags: Int, trend: VARTrend = .constant, tests: [(caused: [String], causing: [String])],
        kind: GrangerTestKind = .f, confidenceLevel: Double = 0.95
    ) throws -> [LeaveOneOutAnalysis] {
        let full = try fit(lags: lags, trend: trend)
        let fullTests = try tests.map { try full.grangerCausality(caused: $0.caused, causing: $0.causing, kind: kind) }
        // One reduced fit per row, shared by every test.
        var reduced: [Result<VARResult, StatsError>] = []
        for i in 0..<full.nobs {
            do {
                reduced.append(.success(try fit(lags: lags, trend: trend, droppingRow: i)))
            } catch let error as StatsError {
                reduced.append(.failure(error))
            }
        }
        return try zip(tests, fullTests).map { test, value in
            try LeaveOneOutAnalysis(
                name: value.name, full: (value.statistic, value.pValue as Double?), observations: full.nobs,
                confidenceLevel: confidenceLevel
            ) { i in
                let r = try reduced[i].get().grangerCausality(caused: test.caused, causing: test.causing, kind: kind)
                return (estimate: r.statistic, pValue: r.pValue as Double?)
            }
        }
    }

    /// The VAR(p) fitted without regression row `row` (period `lags + row` of ``data``).
    package func fit(lags: Int, trend: VARTrend, droppingRow row: Int) throws -> VARResult {
        try checkEstimable(lags: lags, trend: trend, argument: "lags")
        let z = VAREstimate.regressors(data: data, offset: 0, lags: lags, trend: trend)
        guard row >= 0, row < z.rows else {
            throw StatsError(
                .invalidArgument, "Row \(row) is outside the VAR's \(z.rows) regression rows.",
                context: ["row": String(row)])
        }
        let keep = (0..<z.rows).filter { $0 != row }
        let y = data.selectingRows(keep.map { $0 + lags })
        guard keep.count - (variableCount * lags + trend.deterministicCount) >= 1 else {
            throw StatsError(
                .insufficientObservations,
                "Without row \(row) the VAR(\(lags)) has no residual degrees of freedom left.",
                context: ["row": String(row)])
        }
        let estimate = try VAREstimate(regressors: z.selectingRows(keep), responses: y, lags: lags, trend: trend)
        return try VARResult(model: self, estimate: estimate)
    }

    func coefficientNames(lags: Int, trend: VARTrend) -> [String] {
        var labels = trend.deterministicNames
        for j in stride(from: 1, through: lags, by: 1) { labels += names.map { "L\(j).\($0)" } }
        return labels
    }
}

extension VAREstimate {
    /// An estimate from given regressor rows Z and responses Y (the same arithmetic as the
    /// data-based initializer, for a sample with rows removed).
    init(regressors z: Matrix, responses y: Matrix, lags: Int, trend: VARTrend) throws {
        let (b, zzInverse) = try Self.leastSquares(z: z, y: y, lags: lags)
        var residuals = y
        let fitted = z.multiplied(by: b)
        for i in 0..<residuals.storage.count { residuals.storage[i] -= fitted.storage[i] }
        self.lags = lags
        self.trend = trend
        // The caller removed the rows from Z and Y itself; no positions are recorded.
        self.excluded = []
        self.k = y.columns
        self.nobs = z.rows
        self.coefficients = b
        self.zzInverse = zzInverse
        self.residuals = residuals
        self.sse = residuals.gram()
    }
}
