import QEIRStats
import Testing

/// Bad input to the VAR: typed errors with verbatim messages.
struct VARInputErrorTests {
    static func series(_ n: Int, _ k: Int) throws -> Matrix {
        var rng = ReplicateRandom(seed: 7)
        var m = Matrix(rows: n, columns: k)
        for i in 0..<n {
            for j in 0..<k { m[i, j] = (i > 0 ? 0.5 * m[i - 1, j] : 0) + rng.nextStandardNormal() }
        }
        return m
    }

    static func expectError(
        _ code: StatsError.Code, _ message: String, sourceLocation: SourceLocation = #_sourceLocation,
        _ body: () throws -> Void
    ) {
        do {
            try body()
            Issue.record("expected \(code)", sourceLocation: sourceLocation)
        } catch let error as StatsError {
            #expect(error.code == code, sourceLocation: sourceLocation)
            #expect(error.message == message, sourceLocation: sourceLocation)
        } catch {
            Issue.record("unexpected \(error)", sourceLocation: sourceLocation)
        }
    }

    @Test func construction() throws {
        let data = try Self.series(20, 2)
        Self.expectError(
            .duplicateColumn, "The variable name 'a' appears more than once; give every VAR variable a distinct name."
        ) { _ = try VARModel(data: data, names: ["a", "a"]) }
        Self.expectError(
            .dimensionMismatch, "The VAR data has 2 columns but 3 names were given; pass one name per column."
        ) { _ = try VARModel(data: data, names: ["a", "b", "c"]) }
        var bad = data
        bad[4, 1] = .nan
        Self.expectError(
            .nonFinite,
            "Column 'b' has a non-finite value (nan) at observation 5; drop or impute missing values before fitting."
        ) { _ = try VARModel(data: bad, names: ["a", "b"]) }
    }

    @Test func lagsAndSampleSize() throws {
        let model = try VARModel(data: try Self.series(20, 2), names: ["a", "b"])
        Self.expectError(.invalidArgument, "The VAR lag order must be at least 1, got 0.") {
            _ = try model.fit(lags: 0)
        }
        #expect(model.maximumLags(trend: .constant) == 5)
        _ = try model.fit(lags: 5)
        Self.expectError(
            .insufficientObservations,
            "lags = 6 is too large for 20 observations of 2 variables with trend 'c': at most 5 lags leave enough "
                + "observations (T − p − (kp + 1) ≥ k). Use fewer lags or a longer sample."
        ) { _ = try model.fit(lags: 6) }
        Self.expectError(
            .insufficientObservations,
            "maxLags = 6 is too large for 20 observations of 2 variables with trend 'ct': at most 5 lags leave enough "
                + "observations (T − p − (kp + 2) ≥ k). Use fewer lags or a longer sample."
        ) { _ = try model.selectOrder(maxLags: 6, trend: .constantAndTrend, minimumResidualDF: nil) }
        Self.expectError(.invalidArgument, "maxLags must be at least 1 for trend 'n', got 0.") {
            _ = try model.selectOrder(maxLags: 0, trend: .none)
        }
    }

    @Test func collinearVariables() throws {
        var data = try Self.series(40, 2)
        for i in 0..<40 { data[i, 1] = 2 * data[i, 0] }
        let model = try VARModel(data: data, names: ["a", "b"])
        #expect(throws: StatsError.self) { _ = try model.fit(lags: 1) }
    }

    @Test func causalityArguments() throws {
        let r = try VARModel(data: try Self.series(60, 3), names: ["a", "b", "c"]).fit(lags: 2)
        Self.expectError(
            .missingColumn, "The causing variable 'z' is not in the VAR; its variables are [\"a\", \"b\", \"c\"]."
        ) {
            _ = try r.grangerCausality(caused: ["a"], causing: ["z"])
        }
        Self.expectError(
            .invalidArgument,
            "The variable 'a' is named both as caused and as causing; a Granger-causality test needs disjoint sets of variables."
        ) { _ = try r.grangerCausality(caused: ["a"], causing: ["b", "a"]) }
        Self.expectError(.invalidArgument, "The caused variable 'a' is listed twice; name it once.") {
            _ = try r.grangerCausality(caused: ["a", "a"], causing: ["b"])
        }
        Self.expectError(
            .invalidArgument, "The list of causing variables is empty; name at least one of [\"a\", \"b\", \"c\"]."
        ) { _ = try r.grangerCausality(caused: ["a"], causing: []) }
        Self.expectError(.invalidArgument, "The impulse-response horizon must be non-negative, got -1.") {
            _ = try r.impulseResponses(horizon: -1)
        }
    }

    @Test func explosiveSeriesIsUnstable() throws {
        var rng = ReplicateRandom(seed: 5)
        var m = Matrix(rows: 80, columns: 2)
        m[0, 0] = 1
        for t in 1..<80 {
            m[t, 0] = 1.08 * m[t - 1, 0] + rng.nextStandardNormal()
            m[t, 1] = 0.3 * m[t - 1, 1] + rng.nextStandardNormal()
        }
        let r = try VARModel(data: m, names: ["boom", "calm"]).fit(lags: 1)
        #expect(!r.isStable)
        #expect(r.companionEigenvalues[0].modulus > 1)
        #expect(abs(r.companionEigenvalues[0].real - r.coefficient("L1.boom", equation: "boom")!) < 0.05)
    }
}
