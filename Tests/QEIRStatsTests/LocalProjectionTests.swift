import QEIRStats
import QEIRTestSupport
import Testing

/// Behaviour of local projections: the three response transformations on a hand-computed
/// example, the estimation sample, guards against leads among the regressors, typed errors,
/// and recovery of a known impulse response on long simulated samples.
struct LocalProjectionTests {
    // y has first differences 1, 2, …, 7; the shock and control are arbitrary but fixed.
    let y: [Double] = [1, 2, 4, 7, 11, 16, 22, 29]
    let s: [Double] = [0.5, -1, 2, 0, 1.5, -0.5, 1, -2]
    let x: [Double] = [3, 1, 4, 1, 5, 9, 2, 6]

    // MARK: response transformations (hand-computed)

    @Test func differenceResponseByHand() throws {
        let lp = try LocalProjection(y: y, shock: s)
        let spec = LocalProjectionSpecification(horizons: 2, lags: 1, response: .difference)
        let h0 = try lp.design(horizon: 0, specification: spec)
        #expect(h0.observations == 1..<8)
        #expect(h0.dependent == [1, 2, 3, 4, 5, 6, 7])  // y_t − y_{t−1}
        #expect(h0.dependentName == "F0.y-L1.y")
        let h2 = try lp.design(horizon: 2, specification: spec)
        #expect(h2.observations == 1..<6)
        #expect(h2.dependent == [6, 9, 12, 15, 18])  // y_{t+2} − y_{t−1}: 7−1, 11−2, 16−4, 22−7, 29−11
        #expect(h2.dependentName == "F2.y-L1.y")
        #expect(h2.regressors.names == ["const", "shock", "L1.y"])
        #expect(try h2.regressors.column(named: "shock") == [-1, 2, 0, 1.5, -0.5])
        #expect(try h2.regressors.column(named: "L1.y") == [1, 2, 4, 7, 11])
    }

    @Test func levelResponseByHand() throws {
        let lp = try LocalProjection(y: y, shock: s)
        let spec = LocalProjectionSpecification(horizons: 2, lags: 1, response: .level)
        #expect(try lp.design(horizon: 0, specification: spec).dependent == [2, 4, 7, 11, 16, 22, 29])
        let h2 = try lp.design(horizon: 2, specification: spec)
        #expect(h2.dependent == [7, 11, 16, 22, 29])  // y_{t+2}, t = 1…5
        #expect(h2.dependentName == "F2.y")
        // With p = 0 the level sample starts at t = 0 (no y_{t−1} needed).
        let p0 = try lp.design(
            horizon: 2, specification: LocalProjectionSpecification(horizons: 2, lags: 0, response: .level))
        #expect(p0.observations == 0..<6)
        #expect(p0.dependent == [4, 7, 11, 16, 22, 29])
        #expect(p0.regressors.names == ["const", "shock"])
    }

    @Test func cumulativeResponseByHand() throws {
        let lp = try LocalProjection(y: y, shock: s)
        let spec = LocalProjectionSpecification(horizons: 2, lags: 1, response: .cumulative)
        #expect(try lp.design(horizon: 0, specification: spec).dependent == [2, 4, 7, 11, 16, 22, 29])
        #expect(try lp.design(horizon: 1, specification: spec).dependent == [6, 11, 18, 27, 38, 51])
        let h2 = try lp.design(horizon: 2, specification: spec)
        #expect(h2.dependent == [13, 22, 34, 49, 67])  // y_t + y_{t+1} + y_{t+2}
        #expect(h2.dependentName == "sum(F0..F2.y)")
    }

    @Test func differenceWithoutLagsStillNeedsThePreviousDate() throws {
        let lp = try LocalProjection(y: y, shock: s)
        let spec = LocalProjectionSpecification(horizons: 1, lags: 0, response: .difference)
        let h1 = try lp.design(horizon: 1, specification: spec)
        #expect(h1.observations == 1..<7)
        #expect(h1.dependent == [3, 5, 7, 9, 11, 13])
        #expect(h1.regressors.names == ["const", "shock"])
    }

    @Test func regressorOrderWithShockLagsAndControls() throws {
        let lp = try LocalProjection(y: y, shock: s, controls: [("x", x)])
        let spec = LocalProjectionSpecification(horizons: 0, lags: 2, response: .level, shockLags: true)
        let d = try lp.design(horizon: 0, specification: spec)
        #expect(d.regressors.names == ["const", "shock", "L1.shock", "L2.shock", "L1.y", "L2.y", "L1.x", "L2.x"])
        #expect(d.observations == 2..<8)
        #expect(try d.regressors.column(named: "L2.x") == [3, 1, 4, 1, 5, 9])
        #expect(try d.regressors.column(named: "L1.shock") == [-1, 2, 0, 1.5, -0.5, 1])
    }

    // MARK: sample and leads

    static func simulated(_ n: Int, seed: UInt64) -> (y: [Double], s: [Double], x: [Double]) {
        var rng = ReplicateRandom(seed: seed)
        var y = [Double](repeating: 0, count: n)
        var s = [Double](repeating: 0, count: n)
        var x = [Double](repeating: 0, count: n)
        for t in 0..<n {
            s[t] = rng.nextStandardNormal()
            x[t] = (t > 0 ? 0.6 * x[t - 1] : 0) + rng.nextStandardNormal()
            y[t] = (t > 0 ? 0.5 * y[t - 1] + 0.3 * x[t - 1] : 0) + s[t] + rng.nextStandardNormal()
        }
        return (y, s, x)
    }

    @Test(arguments: LPResponse.allCases, [0, 1, 3])
    func theResponseAtHorizonHIsNeverARegressor(response: LPResponse, lags: Int) throws {
        let data = Self.simulated(120, seed: 7)
        let lp = try LocalProjection(y: data.y, shock: data.s, controls: [("x", data.x)])
        let spec = LocalProjectionSpecification(horizons: 10, lags: lags, response: response, shockLags: true)
        for h in 0...spec.horizons {
            let d = try lp.design(horizon: h, specification: spec)
            let lead = d.observations.map { data.y[$0 + h] }  // y_{t+h}
            #expect(!d.regressors.names.contains(d.dependentName))
            #expect(!d.regressors.names.contains { $0.hasPrefix("F") })
            for j in 0..<d.regressors.count {
                let column = d.regressors.matrix.column(j)
                #expect(column != lead, "regressor \(d.regressors.names[j]) equals y_{t+\(h)}")
                #expect(column != d.dependent, "regressor \(d.regressors.names[j]) equals the dependent variable")
            }
            // Every y column is a strict lag: L{j}.y at date t is y_{t−j}, j ≥ 1.
            for j in stride(from: 1, through: lags, by: 1) {
                #expect(try d.regressors.column(named: "L\(j).y") == d.observations.map { data.y[$0 - j] })
            }
        }
    }

    @Test(arguments: LPResponse.allCases)
    func sampleShrinksByOnePerHorizonAndNothingIsZeroFilled(response: LPResponse) throws {
        let data = Self.simulated(60, seed: 11)
        let lp = try LocalProjection(y: data.y, shock: data.s, controls: [("x", data.x)])
        let spec = LocalProjectionSpecification(horizons: 12, lags: 2, response: response)
        let fit = try lp.estimate(spec)
        #expect(fit.nobs == (0...12).map { 58 - $0 })
        for h in fit.horizons {
            #expect(h.observations == 2..<(60 - h.horizon))
            #expect(h.regression.nobs == h.nobs)
            // The last date used has y_{t+h} inside the data: t + h = T − 1.
            #expect(h.observations.last! + h.horizon == 59)
        }
    }

    @Test func differenceAndLevelAgreeOnTheShockWhenLagsOfYAreIncluded() throws {
        let data = Self.simulated(200, seed: 3)
        let lp = try LocalProjection(y: data.y, shock: data.s, controls: [("x", data.x)])
        let d = try lp.estimate(LocalProjectionSpecification(horizons: 6, lags: 2, response: .difference))
        let l = try lp.estimate(LocalProjectionSpecification(horizons: 6, lags: 2, response: .level))
        for h in 0...6 {
            #expect(isClose(d.coefficients[h], l.coefficients[h], relative: 1e-10))
            #expect(isClose(d.standardErrors[h], l.standardErrors[h], relative: 1e-10))
            let lagD = try #require(d.horizons[h].regression.coefficient("L1.y"))
            let lagL = try #require(l.horizons[h].regression.coefficient("L1.y"))
            #expect(isClose(lagD + 1, lagL, relative: 1e-10))
        }
    }

    @Test func defaultCovarianceIsHACWithHPlusOneLags() throws {
        let data = Self.simulated(150, seed: 5)
        let lp = try LocalProjection(y: data.y, shock: data.s)
        let fit = try lp.estimate(LocalProjectionSpecification(horizons: 4, lags: 1))
        for h in fit.horizons {
            #expect(h.regression.covarianceOptions == .hac(lags: h.horizon + 1))
            #expect(h.regression.hacBandwidth == Double(h.horizon + 1))
            #expect(h.regression.inference == .normal)
            let c95 = try #require(h.band(level: 0.95))
            #expect(isClose(c95.upper - h.coefficient, 1.959963984540054 * h.standardError, relative: 1e-12))
        }
        #expect(fit.bands(level: 0.90)?.count == 5)
        #expect(fit.bands(level: 0.80) == nil)
    }

    @Test func clusterLabelsAreRestrictedToEachHorizonsSample() throws {
        let data = Self.simulated(80, seed: 9)
        let labels = (0..<80).map { $0 / 8 }
        let lp = try LocalProjection(y: data.y, shock: data.s)
        let fit = try lp.estimate(
            LocalProjectionSpecification(horizons: 3, lags: 1, covariance: .fixed(.cluster(labels))))
        let d = try lp.design(horizon: 3, specification: LocalProjectionSpecification(horizons: 3, lags: 1))
        let direct = try OLS().fit(
            y: d.dependent, design: d.regressors, covariance: .cluster(d.observations.map { labels[$0] }))
        #expect(isClose(fit.horizons[3].standardError, direct.standardError("shock")!, relative: 1e-12))
    }

    // MARK: known truth on long samples

    /// 0.5^h.
    static func half(_ h: Int) -> Double { (0..<h).reduce(1.0) { acc, _ in acc / 2 } }

    /// y_t = 0.5·y_{t−1} + s_t + 0.3·x_{t−1} + e_t: the level response to s at h is 0.5^h and
    /// the cumulative one Σ_{j≤h} 0.5^j. T = 20 000; the largest SE is ≈ 0.013, so the stated
    /// tolerance 0.05 (about 4 SE) holds with room to spare, and each error is also within 4 SE.
    @Test func recoversTheKnownImpulseResponse() throws {
        let data = Self.simulated(20_000, seed: 2025)
        let lp = try LocalProjection(y: data.y, shock: data.s, controls: [("x", data.x)])
        let level = try lp.estimate(LocalProjectionSpecification(horizons: 8, lags: 2, response: .level))
        let cumulative = try lp.estimate(LocalProjectionSpecification(horizons: 8, lags: 2, response: .cumulative))
        for h in 0...8 {
            let truth = Self.half(h)
            let cumulativeTruth = (0...h).reduce(0.0) { $0 + Self.half($1) }
            #expect(abs(level.coefficients[h] - truth) < 0.05, "h=\(h): \(level.coefficients[h]) vs \(truth)")
            #expect(abs(level.coefficients[h] - truth) < 4 * level.standardErrors[h])
            #expect(
                abs(cumulative.coefficients[h] - cumulativeTruth) < 0.1,
                "h=\(h): \(cumulative.coefficients[h]) vs \(cumulativeTruth)")
            #expect(abs(cumulative.coefficients[h] - cumulativeTruth) < 4 * cumulative.standardErrors[h])
        }
    }

    /// s_t = 0.8·z_t + v_t is endogenous (v_t also moves y_t); z_t is a valid instrument.
    /// OLS is biased by 0.8·Var(v)/Var(s) ≈ 0.49 at h = 0; LP-IV recovers 0.5^h within 0.06
    /// (about 4 SE at T = 20 000) at every horizon, with a strong first stage.
    @Test func lpIVRecoversTheResponseWhereOLSIsBiased() throws {
        var rng = ReplicateRandom(seed: 77)
        let n = 20_000
        var y = [Double](repeating: 0, count: n)
        var s = [Double](repeating: 0, count: n)
        var z = [Double](repeating: 0, count: n)
        for t in 0..<n {
            z[t] = rng.nextStandardNormal()
            let v = rng.nextStandardNormal()
            s[t] = 0.8 * z[t] + v
            y[t] = (t > 0 ? 0.5 * y[t - 1] : 0) + s[t] + 0.8 * v + 0.6 * rng.nextStandardNormal()
        }
        let spec = LocalProjectionSpecification(horizons: 6, lags: 2, response: .level)
        let iv = try LocalProjection(y: y, shock: s, instruments: [("z", z)]).estimate(spec)
        let ols = try LocalProjection(y: y, shock: s).estimate(spec)
        #expect(abs(ols.coefficients[0] - 1) > 0.3)
        for h in 0...6 {
            let truth = Self.half(h)
            #expect(abs(iv.coefficients[h] - truth) < 0.06, "h=\(h): \(iv.coefficients[h]) vs \(truth)")
            #expect(iv.horizons[h].firstStageF ?? 0 > 1000)
            #expect(iv.horizons[h].firstStage?.partialRSquared ?? 0 > 0.2)
        }
    }

    // MARK: typed errors (messages verbatim)

    @Test func horizonPastTheSampleEndIsRejected() throws {
        let data = Self.simulated(20, seed: 1)
        let lp = try LocalProjection(y: data.y, shock: data.s)
        let e = #expect(throws: StatsError.self) {
            try lp.estimate(LocalProjectionSpecification(horizons: 18, lags: 2))
        }
        #expect(e?.code == .insufficientObservations)
        #expect(
            e?.message
                == "Horizon 18 runs past the end of the sample: with 20 observations of 'y', p = 2 and the difference response, the sample starts at observation 3 and the last horizon with any data is 17. Ask for fewer horizons or use a longer series."
        )
    }

    @Test func tooFewObservationsAtSomeHorizonNamesTheLargestFeasibleOne() throws {
        let data = Self.simulated(20, seed: 1)
        let lp = try LocalProjection(y: data.y, shock: data.s, controls: [("x", data.x)])
        let spec = LocalProjectionSpecification(horizons: 15, lags: 2, covariance: .fixed(.hc0))
        let e = #expect(throws: StatsError.self) { try lp.estimate(spec) }
        #expect(e?.code == .insufficientObservations)
        #expect(
            e?.message
                == "At horizon 12 only 6 observations remain for 6 coefficients; the largest horizon this sample supports is 11. Ask for fewer horizons or lags, or use a longer series."
        )
        #expect(e?.context["horizon"] == "12")
        // With the default HAC (h + 1 lags) the lags run out first.
        let hac = #expect(throws: StatsError.self) {
            try lp.estimate(LocalProjectionSpecification(horizons: 15, lags: 2))
        }
        #expect(
            hac?.message
                == "At horizon 9 the HAC covariance uses 10 lags but only 9 observations remain; the largest horizon this sample supports is 8. Ask for fewer horizons or use a longer series."
        )
        #expect(try lp.estimate(LocalProjectionSpecification(horizons: 8, lags: 2)).horizons.count == 9)
    }

    @Test func aSeriesShorterThanTheLagsHasNoHorizon() throws {
        let lp = try LocalProjection(y: [1, 2, 3], shock: [0, 1, 0])
        let e = #expect(throws: StatsError.self) {
            try lp.estimate(LocalProjectionSpecification(horizons: 0, lags: 3, response: .level))
        }
        #expect(e?.code == .insufficientObservations)
        #expect(
            e?.message
                == "Horizon 0 runs past the end of the sample: with 3 observations of 'y', p = 3 and the level response, the sample starts at observation 4 and no horizon has any data. Ask for fewer horizons or use a longer series."
        )
    }

    @Test func negativeLagsAndHorizonsAreRejected() throws {
        let lp = try LocalProjection(y: y, shock: s)
        let lags = #expect(throws: StatsError.self) {
            try lp.estimate(LocalProjectionSpecification(horizons: 2, lags: -1))
        }
        #expect(lags?.code == .invalidArgument)
        #expect(
            lags?.message
                == "The number of lags p must be 0 or more; got -1. Use 0 for no lags of 'y' and the controls.")
        let horizon = #expect(throws: StatsError.self) {
            try lp.estimate(LocalProjectionSpecification(horizons: -1, lags: 1))
        }
        #expect(horizon?.message == "The horizon must be 0 or more; got -1.")
        let level = #expect(throws: StatsError.self) {
            try lp.estimate(LocalProjectionSpecification(horizons: 1, lags: 1, levels: [0.9, 1.5]))
        }
        #expect(level?.message == "Every band level must be strictly between 0 and 1; got 1.5.")
    }

    @Test func nonFiniteDataIsRejectedNamingSeriesAndObservation() throws {
        var bad = x
        bad[4] = .nan
        let e = #expect(throws: StatsError.self) { try LocalProjection(y: y, shock: s, controls: [("x", bad)]) }
        #expect(e?.code == .nonFinite)
        #expect(
            e?.message
                == "Column 'x' has a non-finite value (nan) at observation 5; drop or impute missing values before fitting."
        )
        var badY = y
        badY[0] = .infinity
        let ey = #expect(throws: StatsError.self) { try LocalProjection(y: badY, shock: s) }
        #expect(ey?.context["column"] == "y")
    }

    @Test func theShockCannotBeTheResponse() throws {
        let e = #expect(throws: StatsError.self) {
            try LocalProjection(y: y, shock: y, yName: "gdp", shockName: "gdp_shock")
        }
        #expect(e?.code == .invalidArgument)
        #expect(
            e?.message
                == "The shock 'gdp_shock' is identical to the response 'gdp'; a variable cannot be its own shock. Pass the identified shock series (or instrument it)."
        )
    }

    @Test func duplicateAndReservedNamesAreRejected() throws {
        let e = #expect(throws: StatsError.self) {
            try LocalProjection(y: y, shock: s, controls: [("x", x), ("x", s)])
        }
        #expect(e?.code == .duplicateColumn)
        #expect(
            e?.message
                == "The name 'x' is used by both the control and a control series; give every series a unique name.")
        let shockAsControl = #expect(throws: StatsError.self) {
            try LocalProjection(y: y, shock: s, controls: [("shock", x)])
        }
        #expect(
            shockAsControl?.message
                == "The name 'shock' is used by both the shock and a control series; give every series a unique name.")
        let constant = #expect(throws: StatsError.self) {
            try LocalProjection(y: y, shock: s, instruments: [("const", x)])
        }
        #expect(constant?.code == .duplicateColumn)
        #expect(
            constant?.message
                == "The instrument series is called 'const', the name of the constant every local projection includes; rename it."
        )
    }

    @Test func seriesOfDifferentLengthsAreRejected() throws {
        let e = #expect(throws: StatsError.self) {
            try LocalProjection(y: y, shock: s, controls: [("x", Array(x.dropLast()))])
        }
        #expect(e?.code == .dimensionMismatch)
        #expect(
            e?.message
                == "The control series 'x' has 7 observations but the response 'y' has 8; align every series on the same dates."
        )
    }

    @Test func estimationErrorsNameTheHorizon() throws {
        // A control equal to the response duplicates its lags: collinear at every horizon.
        let data = Self.simulated(50, seed: 4)
        let lp = try LocalProjection(y: data.y, shock: data.s, controls: [("y_copy", data.y)])
        let e = #expect(throws: StatsError.self) {
            try lp.estimate(LocalProjectionSpecification(horizons: 2, lags: 1))
        }
        #expect(e?.code == .rankDeficient)
        #expect(e?.context["horizon"] == "0")
        #expect(e?.message.hasPrefix("At horizon 0: Perfect collinearity: regressor column 'L1.y_copy'") == true)
    }
}
