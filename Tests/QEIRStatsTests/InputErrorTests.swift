import QEIRStats
import QEIRTestSupport
import Testing

/// Bad input gets a typed error whose message names the column or value at fault.
struct InputErrorTests {
    let x1: [Double] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
    let x2: [Double] = [2, 1, 4, 3, 6, 5, 8, 7, 10, 9.5]
    var y: [Double] { zip(x1, x2).map { 1 + 2 * $0 - $1 + ($0.truncatingRemainder(dividingBy: 3) - 1) * 0.1 } }

    @Test func perfectCollinearityNamesTheColumn() throws {
        let x3 = zip(x1, x2).map { $0 + 2 * $1 }
        let design = try DesignMatrix(columns: [("x1", x1), ("x2", x2), ("x3", x3)])
        let e = #expect(throws: StatsError.self) { try OLS().fit(y: y, design: design) }
        #expect(e?.code == .rankDeficient)
        #expect(
            e?.message
                == "Perfect collinearity: regressor column 'x3' is a linear combination of the columns before it. Remove it or allow dropping (rankDeficiency: .drop)."
        )
    }

    @Test func dropPolicyDropsLaterColumnsLikeR() throws {
        let x3 = zip(x1, x2).map { $0 + 2 * $1 }
        let design = try DesignMatrix(columns: [("x1", x1), ("x2", x2), ("x3", x3)])
        let dropped = try OLS(options: .init(rankDeficiency: .drop)).fit(y: y, design: design)
        let reference = try OLS().fit(y: y, design: try DesignMatrix(columns: [("x1", x1), ("x2", x2)]))
        #expect(dropped.droppedColumns == ["x3"])
        #expect(dropped.names == ["const", "x1", "x2"])
        for j in 0..<3 {
            #expect(isClose(dropped.coefficients[j], reference.coefficients[j], relative: 1e-12))
            #expect(isClose(dropped.standardErrors[j], reference.standardErrors[j], relative: 1e-12))
        }
    }

    @Test func dummyTrapIsDetected() throws {
        let d1: [Double] = x1.map { $0 <= 5 ? 1 : 0 }
        let d2: [Double] = d1.map { 1 - $0 }
        let design = try DesignMatrix(columns: [("x1", x1), ("d1", d1), ("d2", d2)])
        let e = #expect(throws: StatsError.self) { try OLS().fit(y: y, design: design) }
        #expect(e?.context["columns"] == "d2")
    }

    @Test func tooFewObservations() throws {
        let design = try DesignMatrix(columns: [("x1", Array(x1[0..<2])), ("x2", Array(x2[0..<2]))])
        let e = #expect(throws: StatsError.self) { try OLS().fit(y: [1, 2], design: design) }
        #expect(e?.code == .insufficientObservations)
        #expect(
            e?.message
                == "The model has 3 coefficients but only 2 observations; it needs more observations than coefficients (n > k). Use a longer sample or fewer regressors."
        )
    }

    @Test func nonFiniteRegressorNamesColumnAndObservation() throws {
        var bad = x2
        bad[6] = .nan
        let e = #expect(throws: StatsError.self) { try DesignMatrix(columns: [("x1", x1), ("x2", bad)]) }
        #expect(e?.code == .nonFinite)
        #expect(
            e?.message
                == "Column 'x2' has a non-finite value (nan) at observation 7; drop or impute missing values before fitting."
        )
    }

    @Test func nonFiniteDependentVariable() throws {
        var yy = y
        yy[0] = .infinity
        let design = try DesignMatrix(columns: [("x1", x1)])
        let e = #expect(throws: StatsError.self) { try OLS().fit(y: yy, design: design, yName: "inv") }
        #expect(e?.context["column"] == "inv")
        #expect(e?.context["observation"] == "1")
    }

    @Test func duplicateAndConstantNameClash() throws {
        let e1 = #expect(throws: StatsError.self) { try DesignMatrix(columns: [("x1", x1), ("x1", x2)]) }
        #expect(e1?.code == .duplicateColumn)
        #expect(e1?.message == "Column 'x1' appears more than once in the design. Give each regressor a unique name.")
        let e2 = #expect(throws: StatsError.self) { try DesignMatrix(columns: [("const", x1)]) }
        #expect(
            e2?.message
                == "Column 'const' appears more than once in the design. The constant is added automatically; drop your own 'const' column or pass constant: false."
        )
    }

    @Test func raggedColumns() throws {
        let e = #expect(throws: StatsError.self) {
            try DesignMatrix(columns: [("x1", x1), ("x2", Array(x2.dropLast()))])
        }
        #expect(e?.code == .dimensionMismatch)
        #expect(e?.message == "Column 'x2' has 9 observations but the design has 10; align the series before fitting.")
    }

    @Test func ivWithoutInstrumentsIsUnderidentified() throws {
        let exog = try DesignMatrix(columns: [("x1", x1)])
        let endog = try DesignMatrix(columns: [("x2", x2)], constant: false)
        let none = try DesignMatrix(columns: [], constant: false, nobs: 10)
        let e = #expect(throws: StatsError.self) {
            try IV2SLS().fit(y: y, exogenous: exog, endogenous: endog, instruments: none)
        }
        #expect(e?.code == .underidentified)
        #expect(
            e?.message
                == "The model is under-identified: 1 endogenous regressor(s) (x2) but 0 excluded instrument(s). Add at least one instrument per endogenous regressor."
        )
    }

    @Test func collinearInstrumentsAreNamed() throws {
        let exog = try DesignMatrix(columns: [("x1", x1)])
        let endog = try DesignMatrix(columns: [("d", zip(x1, x2).map { $0 * $1 })], constant: false)
        let z = try DesignMatrix(columns: [("z1", x1.map { 2 * $0 + 1 })], constant: false)
        let e = #expect(throws: StatsError.self) {
            try IV2SLS().fit(y: y, exogenous: exog, endogenous: endog, instruments: z)
        }
        #expect(
            e?.message
                == "Perfect collinearity: instrument column 'z1' is a linear combination of the columns before it. Remove it or allow dropping (rankDeficiency: .drop)."
        )
    }

    @Test func instrumentsThatCannotSeparateTheRegressors() throws {
        // d2 − d1 is orthogonal to every instrument, so their projections coincide.
        let z1 = x2
        let z2 = x1.map { $0 * $0 }
        let instruments = try DesignMatrix(columns: [("z1", z1), ("z2", z2)], constant: false)
        let zFull = try DesignMatrix(columns: [("z1", z1), ("z2", z2)])
        let v: [Double] = [3, -1, 4, 1, -5, 9, -2, 6, 5, -3]
        let orthogonal = try OLS().fit(y: v, design: zFull).residuals
        let d1 = zip(x1, x2).map { $0 + 0.5 * $1 }
        let d2 = zip(d1, orthogonal).map { $0 + $1 }
        let endog = try DesignMatrix(columns: [("d1", d1), ("d2", d2)], constant: false)
        let e = #expect(throws: StatsError.self) {
            try IV2SLS().fit(
                y: y, exogenous: try DesignMatrix(columns: [], constant: true, nobs: 10), endogenous: endog,
                instruments: instruments)
        }
        #expect(e?.code == .rankDeficient)
        #expect(e?.context["columns"] == "d2")
        #expect(
            e?.message
                == "The instruments cannot separate the regressors: the projection of 'd2' on the instruments is a linear combination of the other regressors' projections (or the regressors themselves are collinear). Add or change excluded instruments."
        )
    }

    @Test func clusterOptionsAreValidated() throws {
        let design = try DesignMatrix(columns: [("x1", x1)])
        let one = #expect(throws: StatsError.self) {
            try OLS().fit(y: y, design: design, covariance: .cluster([Int](repeating: 1, count: 10)))
        }
        #expect(one?.message == "Cluster-robust covariance needs at least two clusters; all observations share one.")
        let short = #expect(throws: StatsError.self) {
            try OLS().fit(y: y, design: design, covariance: .cluster([1, 2, 3]))
        }
        #expect(short?.code == .dimensionMismatch)
        let lags = #expect(throws: StatsError.self) {
            try OLS().fit(y: y, design: design, covariance: .hac(lags: 10))
        }
        #expect(lags?.message == "HAC lags must be between 0 and n−1 = 9; got 10.")
    }

    @Test func invalidConfidenceLevel() throws {
        let fit = try OLS().fit(y: y, design: try DesignMatrix(columns: [("x1", x1)]))
        let e = #expect(throws: StatsError.self) { try fit.confidenceIntervals(level: 1.5) }
        #expect(e?.message == "The confidence level must be strictly between 0 and 1; got 1.5.")
    }
}
