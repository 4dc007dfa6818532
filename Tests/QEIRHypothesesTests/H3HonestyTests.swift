import QEIRBatch
import QEIRHypotheses
import QEIRStats
import Testing

@Suite("H3: Kilian bands, the stability rule and the lag cap")
struct H3HonestyTests {
    @Test("var_bands: Kilian by default, percentile on request; method and level in the section and the summary")
    func bandMethods() async throws {
        let runner = try Fixtures.runner()
        let kilian = try await runner.runH3(try Fixtures.configuration(bootstrap: 29))
        let v = try #require(kilian.vectorAutoregression)
        let b = try #require(v.bands)
        #expect(b.method == "kilian" && b.computed && b.reason == nil)
        #expect(b.replications == 29 && b.firstStageReplications == 29 && v.bandReplications == 29)
        #expect(b.level == 0.95 && v.bandLevel == 0.95)
        let delta = try #require(b.biasCorrectionShrinkage)
        #expect(delta > 0 && delta <= 1 && (b.correctedMaxModulus ?? 1) < 1)
        #expect(
            kilian.summary.contains(
                "  IRF bands: Kilian (1998) bias-corrected bootstrap-after-bootstrap percentile bands, 95% "
                    + "(29 + 29 replications)"))
        let percentile = try await runner.runH3(try Fixtures.configuration(["var_bands": "percentile"], bootstrap: 29))
        let p = try #require(percentile.vectorAutoregression)
        #expect(p.bands?.method == "percentile" && p.bands?.firstStageReplications == 0)
        #expect(p.bands?.biasCorrectionShrinkage == nil && p.bands?.shrunkReplicates == nil)
        #expect(
            percentile.summary.contains(
                "  IRF bands: residual-bootstrap percentile bands (not bias-corrected), 95% (29 replications)"))
        // Same point responses, different bands.
        #expect(p.impulseResponses.map { $0.points.map(\.value) } == v.impulseResponses.map { $0.points.map(\.value) })
        #expect(p.impulseResponses.map { $0.points.map(\.lower) } != v.impulseResponses.map { $0.points.map(\.lower) })
        let none = try await runner.runH3(try Fixtures.configuration(bootstrap: 0))
        #expect(none.vectorAutoregression?.bands?.computed == false)
        #expect(none.vectorAutoregression?.bands?.reason == "not computed: bootstrap_iterations = 0")
    }

    @Test("var_bands is parsed, echoed in the resolved configuration, and a wrong value is refused")
    func configuration() throws {
        #expect(try Fixtures.configuration().varBands == .kilianBiasCorrected)
        let percentile = try Fixtures.configuration(["var_bands": "percentile"])
        #expect(percentile.varBands == .percentile && percentile.resolved["var_bands"] == .string("percentile"))
        let error = try #require(throws: HypothesisError.self) {
            _ = try Fixtures.configuration(["var_bands": "bootstrap"])
        }
        #expect(
            error.message
                == "Invalid hypothesis configuration at var_bands: expected one of \"percentile\", \"kilian\", "
                + "found \"bootstrap\".")
    }

    @Test("AIC over 8 lags on 32 quarters is capped at the orders leaving 10 residual df, with a warning")
    func lagCap() async throws {
        let runner = try Fixtures.runner()
        let r = try await runner.runH3(
            try Fixtures.configuration(["var_lag_selection": "aic", "var_max_lags": 8], bootstrap: 0))
        let v = try #require(r.vectorAutoregression)
        let lag = try #require(v.lagOrder)
        let k = v.variables.count
        let cap = (v.nobs - 1 - 10) / k
        #expect(v.nobs == 32)
        #expect(lag.capBinds && lag.largestAdmissibleOrder == cap && cap < 8)
        #expect(lag.consideredOrders == Array(0...cap))
        #expect(lag.criterionValues?.count == cap + 1 && v.criterionValues == lag.criterionValues)
        #expect(v.lags <= cap && lag.residualDF == v.nobs - 1 - k * v.lags && lag.residualDF >= 10)
        let uncapped = try #require(lag.uncappedOrder)
        let warning = try #require(r.warnings.first { $0.contains("residual df per equation on 32 quarters") })
        let expected =
            uncapped > cap
            ? "H3: AIC prefers \(uncapped) lags, but only orders ≤ \(cap) leave ≥ 10 residual df per equation on 32 "
                + "quarters; the VAR uses \(v.lags) (the AIC minimum over orders 0…\(cap))."
            : "H3: var_max_lags = 8, but only orders ≤ \(cap) leave ≥ 10 residual df per equation on 32 quarters; "
                + "AIC chose \(v.lags) among orders 0…\(cap)."
        #expect(warning == expected)
        #expect(r.summary.contains("  Lag search capped at \(cap) (≥ 10 residual df per equation)"))

        let roomy = try await runner.runH3(try Fixtures.configuration(["var_lag_selection": "bic"], bootstrap: 0))
        #expect(roomy.vectorAutoregression?.lagOrder?.capBinds == false)
        #expect(roomy.vectorAutoregression?.lagOrder?.consideredOrders == Array(0...4))
    }

    @Test("an unstable VAR gets no bands; the warnings, the section and the summary say why")
    func unstableVARHasNoBands() async throws {
        let runner = try Fixtures.runner()
        // The log price level on 2016–2022 gives an explosive root.
        let r = try await runner.runH3(
            try Fixtures.configuration(
                ["transforms": ["inflation": "log"]], period: try Fixtures.periods()[1], bootstrap: 19))
        let v = try #require(r.vectorAutoregression)
        #expect(!v.stable && v.maxEigenvalueModulus > 1)
        let modulus = ModulusText.twoDecimals(v.maxEigenvalueModulus)
        let reason =
            "not computed: the VAR is not stable (max modulus \(modulus)); bootstrap percentiles of explosive "
            + "responses do not measure sampling uncertainty. Transform the data to stationarity, use fewer lags or "
            + "another period."
        #expect(v.bands?.computed == false && v.bands?.reason == reason && v.bands?.method == "kilian")
        #expect(v.bandReplications == 0 && v.bandLevel == nil)
        #expect(v.impulseResponses.allSatisfy { $0.points.allSatisfy { $0.lower == nil && $0.upper == nil } })
        #expect(r.warnings.contains("H3: impulse-response bands \(reason)"))
        #expect(r.summary.contains("  IRF bands: \(reason)"))
    }

    @Test("a fixed order leaving fewer than 10 residual df is used, with a warning")
    func fixedOrderFewDF() async throws {
        let runner = try Fixtures.runner()
        let r = try await runner.runH3(
            try Fixtures.configuration(["var_lags": 7], period: try Fixtures.periods()[1], bootstrap: 0))
        let v = try #require(r.vectorAutoregression)
        let df = v.nobs - 1 - v.variables.count * 7
        #expect(v.lags == 7 && v.lagOrder?.residualDF == df && df < 10)
        #expect(v.lagOrder?.consideredOrders == [7] && v.lagOrder?.capBinds == false)
        #expect(
            r.warnings.contains(
                "H3: the VAR(7) leaves \(df) residual df per equation on \(v.nobs) quarters (fewer than 10); its "
                    + "Granger tests and bands rest on very few degrees of freedom. Use fewer lags or a longer period.")
        )
    }
}

/// The message's rounding of a modulus (two decimals).
enum ModulusText {
    static func twoDecimals(_ x: Double) -> String {
        let cents = Int((x * 100).rounded())
        return "\(cents / 100).\(cents % 100 < 10 ? "0" : "")\(cents % 100)"
    }
}
