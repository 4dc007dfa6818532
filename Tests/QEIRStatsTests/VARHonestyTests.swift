import QEIRStats
import QEIRTestSupport
import Testing

/// The VAR's small-sample guards: the lag-selection cap, excluded equation dates, no bands for
/// an unstable VAR, and Kilian bands around the point estimate.
struct VARHonestyTests {
    static func series(_ n: Int, _ k: Int, seed: UInt64 = 3, root: Double = 0.5) throws -> Matrix {
        var rng = ReplicateRandom(seed: seed)
        var m = Matrix(rows: n, columns: k)
        for i in 0..<n {
            for j in 0..<k {
                m[i, j] = (i > 0 ? root * m[i - 1, j] + 0.1 * m[i - 1, (j + 1) % k] : 0) + rng.nextStandardNormal()
            }
        }
        return m
    }

    static func expectError(
        _ code: StatsError.Code, _ message: String, sourceLocation: SourceLocation = #_sourceLocation,
        _ body: () async throws -> Void
    ) async {
        do {
            try await body()
            Issue.record("expected \(code)", sourceLocation: sourceLocation)
        } catch let error as StatsError {
            #expect(error.code == code, sourceLocation: sourceLocation)
            #expect(error.message == message, sourceLocation: sourceLocation)
        } catch {
            Issue.record("unexpected \(error)", sourceLocation: sourceLocation)
        }
    }

    // MARK: Lag cap

    @Test func capKeepsTenResidualDegreesOfFreedom() throws {
        // 32 rows, k = 3, maxLags 8: n = 24, df(p) = 23 − 3p ≥ 10 up to p = 4; orders up to 6
        // still leave df ≥ k and are fitted for the record.
        let model = try VARModel(data: try Self.series(32, 3), names: ["a", "b", "c"])
        let s = try model.selectOrder(maxLags: 8)
        #expect(s.nobs == 24 && s.minimumResidualDF == 10)
        #expect(s.largestAdmissibleOrder == 4 && s.capBinds)
        #expect(s.lags == Array(0...6))
        #expect(s.consideredLags == Array(0...4))
        #expect(s.residualDegreesOfFreedom(lags: 4) == 11 && s.residualDegreesOfFreedom(lags: 5) == 8)
        for order in [s.aicOrder, s.bicOrder, s.hqicOrder, s.fpeOrder] { #expect(order <= 4) }
        // The uncapped AIC overfits this short sample.
        #expect(s.selectedOrder(\.aic, withinCap: false) == 6)
        #expect(s.aicOrder == s.selectedOrder(\.aic))
    }

    @Test func capMatchesTheUncappedTableWhereBothFit() throws {
        let model = try VARModel(data: try Self.series(60, 3), names: ["a", "b", "c"])
        let free = try model.selectOrder(maxLags: 8, minimumResidualDF: nil)
        let loose = try model.selectOrder(maxLags: 8)
        #expect(!loose.capBinds && loose.lags == free.lags && loose.criteria == free.criteria)
        #expect(loose.aicOrder == free.aicOrder && loose.bicOrder == free.bicOrder)
        // n = 52: df(p) = 51 − 3p ≥ 30 up to p = 7.
        let tight = try model.selectOrder(maxLags: 8, minimumResidualDF: 30)
        #expect(tight.largestAdmissibleOrder == 7 && tight.capBinds)
        #expect(tight.criteria == free.criteria)
        #expect(tight.aicOrder == free.selectedOrder(\.aic) || free.aicOrder == 8)
    }

    @Test func capWithNoAdmissibleOrderThrows() async throws {
        let model = try VARModel(data: try Self.series(14, 4), names: ["a", "b", "c", "d"])
        await Self.expectError(
            .insufficientObservations,
            "No lag order leaves 10 residual degrees of freedom per equation: the common sample of maxLags = 4 has "
                + "n = 10 observations of 4 variables with trend 'c', so even order 0 leaves n − 1 = 9. Use a longer "
                + "sample, fewer variables or a smaller maxLags."
        ) { _ = try model.selectOrder(maxLags: 4) }
        await Self.expectError(.invalidArgument, "minimumResidualDF must be at least 1 (or nil for no cap), got 0.") {
            _ = try model.selectOrder(maxLags: 1, minimumResidualDF: 0)
        }
    }

    // MARK: Excluded equation dates

    @Test func excludingRowsIsOLSWithoutThoseEquations() throws {
        let data = try Self.series(40, 2)
        let model = try VARModel(data: data, names: ["a", "b"])
        let full = try model.fit(lags: 2)
        #expect(try model.fit(lags: 2, excluding: []) == full)
        let drop: Set<Int> = [5, 17, 39]
        let fit = try model.fit(lags: 2, excluding: drop)
        #expect(fit.excludedPositions == [5, 17, 39])
        #expect(fit.nobs == 35 && fit.dfResid == 30 && fit.residuals.rows == 35)
        // Independent construction: the regressors of every kept equation date, lags taken
        // from the full data (so dates 6, 7, 18, 19 keep the observed lags of 5 and 17).
        let kept = (2..<40).filter { !drop.contains($0) }
        var columns: [(name: String, values: [Double])] = []
        for lag in 1...2 {
            for v in 0..<2 { columns.append(("L\(lag).\(["a", "b"][v])", kept.map { data[$0 - lag, v] })) }
        }
        let design = try DesignMatrix(columns: columns)
        for e in 0..<2 {
            let ols = try OLS().fit(y: kept.map { data[$0, e] }, design: design, covariance: .nonrobust)
            for i in 0..<5 {
                #expect(isClose(fit.coefficients[i, e], ols.coefficients[i], relative: 1e-10))
                #expect(isClose(fit.standardErrors[i, e], ols.standardErrors[i], relative: 1e-10))
            }
        }
        let g = try fit.grangerCausality(caused: ["a"], causing: ["b"])
        #expect(g.distribution == .f(2, Double(2 * 30)))
        #expect(try fit.impulseResponses(horizon: 3).count == 4)
    }

    @Test func excludingBadPositionsThrows() async throws {
        let model = try VARModel(data: try Self.series(40, 2), names: ["a", "b"])
        await Self.expectError(
            .invalidArgument,
            "Cannot exclude row 1: a VAR(2) on 40 rows has equations at rows 2…39 (0-based; the first 2 rows are "
                + "initial values). Exclude equation dates only."
        ) { _ = try model.fit(lags: 2, excluding: [1, 10]) }
        await Self.expectError(
            .invalidArgument,
            "Cannot exclude row 40: a VAR(2) on 40 rows has equations at rows 2…39 (0-based; the first 2 rows are "
                + "initial values). Exclude equation dates only."
        ) { _ = try model.fit(lags: 2, excluding: [40]) }
        let fit = try model.fit(lags: 1, excluding: [3])
        await Self.expectError(
            .notSupported,
            "Bootstrap bands and bias corrections are not supported for a VAR fitted with excluded rows (3): the "
                + "recursive-design bootstrap rebuilds every period from the model, so a dropped equation date has no "
                + "counterpart in the pseudo-data. Bootstrap the fit without exclusions."
        ) { _ = try await fit.impulseResponseBands(horizon: 2, replications: 10, seed: 1) }
    }

    // MARK: Bands

    @Test func unstableVARGetsNoBands() async throws {
        var rng = ReplicateRandom(seed: 5)
        var m = Matrix(rows: 80, columns: 2)
        m[0, 0] = 1
        for t in 1..<80 {
            m[t, 0] = 1.05 * m[t - 1, 0] + rng.nextStandardNormal()
            m[t, 1] = 0.3 * m[t - 1, 1] + rng.nextStandardNormal()
        }
        let fit = try VARModel(data: m, names: ["boom", "calm"]).fit(lags: 1)
        #expect(fit.maxEigenvalueModulus > 1)
        for method in VARBandMethod.allCases {
            let outcome = try await fit.impulseResponseBands(horizon: 4, replications: 20, seed: 1, method: method)
            let why = try #require(outcome.notComputed)
            #expect(outcome.bands == nil)
            #expect(why.reason == .unstable && why.maxEigenvalueModulus == fit.maxEigenvalueModulus)
            let modulus = (fit.maxEigenvalueModulus * 100).rounded() / 100
            #expect(why.message.hasPrefix("not computed: the VAR is not stable (max modulus \(modulus)); "))
        }
    }

    /// Kilian bands of a stable VAR on 120 periods cover the OLS point responses at short
    /// horizons, are ordered, keep the Cholesky zero, and sit around the bias-corrected
    /// responses rather than the OLS ones: they are shifted away from zero relative to the
    /// percentile bands for the persistent own response.
    @Test func kilianBandsSurroundThePointEstimate() async throws {
        let fit = try VARModel(data: try Self.series(120, 2, seed: 8, root: 0.8), names: ["x", "y"]).fit(lags: 1)
        let point = try fit.impulseResponses(horizon: 6)
        let kilian = try #require(
            try await fit.impulseResponseBands(horizon: 6, replications: 300, seed: 4, level: 0.9).bands)
        let percentile = try #require(
            try await fit.impulseResponseBands(horizon: 6, replications: 300, seed: 4, level: 0.9, method: .percentile)
                .bands)
        for h in 0...2 {
            for i in 0..<2 {
                #expect(kilian.lower[h][i, i] <= point[h][i, i] && point[h][i, i] <= kilian.upper[h][i, i], "h=\(h)")
            }
        }
        for h in 0...6 {
            for x in 0..<4 { #expect(kilian.lower[h].storage[x] <= kilian.upper[h].storage[x]) }
        }
        #expect(kilian.lower[0][0, 1] == 0 && kilian.upper[0][0, 1] == 0)
        let correction = try #require(kilian.biasCorrection)
        #expect(correction.bias[0][0, 0] < 0, "the own-lag slope is biased down")
        let mid = { (b: VARImpulseResponseBands) in b.lower[4][0, 0] + b.upper[4][0, 0] }
        #expect(mid(kilian) > mid(percentile), "bias correction raises the persistent response")
    }
}
