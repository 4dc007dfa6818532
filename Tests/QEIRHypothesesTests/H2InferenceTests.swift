import QEIRBatch
import QEIRHypotheses
import QEIRStats
import Testing

/// H2's `lp_inference`: parsing, the default (lag-augmented LP), labels on every point, the
/// fragility warnings copied into the result, and the former HAC(h + 1) kept by name.
@Suite("H2 local-projection inference")
struct H2InferenceTests {
    @Test func theKeyIsParsedResolvedAndRefusedWhenUnknown() throws {
        #expect(try Fixtures.configuration().lpInference == .lagAugmented)
        let ewc = try Fixtures.configuration(["lp_inference": "ewc"])
        #expect(ewc.lpInference == .ewc && ewc.resolved["lp_inference"] == "ewc")
        #expect(try Fixtures.configuration(["lp_inference": "hac_h_plus_one"]).lpInference == .hacHorizonPlusOne)
        let error = try #require(throws: HypothesisError.self) {
            try Fixtures.configuration(["lp_inference": "hac"])
        }
        #expect(
            error.message
                == "Invalid hypothesis configuration at lp_inference: expected one of \"lag_augmented\", \"ewc\", "
                + "\"newey_west_fixed_b\", \"hac_h_plus_one\", found \"hac\".")
    }

    @Test func theDefaultIsLagAugmentedWithLabelsAndWarnings() async throws {
        let runner = try Fixtures.runner()
        // LP-IV with lags of the shock as instruments (no longer the default) keeps HAC(h + 1).
        let result = try await runner.runH2(
            try Fixtures.configuration(["h2_instruments": ["L1.qe_intensity", "L2.qe_intensity"]]))
        let lp = try #require(result.localProjections)
        #expect(lp.inference == "lag_augmented")
        #expect(lp.covariance.hasPrefix("lag-augmented LP (p + 1 lags of every variable, qe_intensity included), HC3"))
        #expect(lp.covariance.hasSuffix("; LP-IV: Newey–West HAC with h + 1 lags (Bartlett), normal critical values"))
        for p in lp.ols {
            let df = try #require(p.degreesOfFreedom)
            // k = 2 + 3·(1 + 2 controls) + 3 shock lags = 14 with lp_lags = 2.
            #expect(df == Double(p.nobs - 14))
            #expect(p.inference == "lag-augmented LP, HC3, t(\(p.nobs - 14))")
            #expect(p.pValue.map { (0...1).contains($0) } == true)
        }
        for p in lp.iv { #expect(p.inference?.hasPrefix("HAC(h+1) LP, Newey–West(L=\(p.horizon + 1))") == true) }
        // Both projections use the same dates: the augmented presample date is excluded from LP-IV.
        #expect(lp.ols.map(\.nobs) == lp.iv.map(\.nobs))
        for p in lp.ols where p.nobs - 14 < 10 {
            #expect(
                result.warnings.contains(
                    "H2 h=\(p.horizon): \(p.nobs - 14) residual degrees of freedom (\(p.nobs) observations, 14 "
                        + "coefficients); inference there is fragile."))
        }
        #expect(result.summary.contains("inference at h=8: lag-augmented LP, HC3, t("))
        #expect(result.model.hasPrefix("local projections (Jordà 2005) with lag-augmented LP"))
    }

    @Test func theFormerInferenceIsKeptByName() async throws {
        let runner = try Fixtures.runner()
        let old = try await runner.runH2(try Fixtures.configuration(["lp_inference": "hac_h_plus_one"]))
        let lp = try #require(old.localProjections)
        #expect(lp.covariance == "Newey–West HAC with h + 1 lags (Bartlett), normal critical values")
        #expect(lp.ols.allSatisfy { $0.degreesOfFreedom == nil && $0.inference?.hasSuffix(", normal") == true })
        let augmented = try await runner.runH2(try Fixtures.configuration())
        #expect(augmented.localProjections?.ols.map(\.standardError) != lp.ols.map(\.standardError))
        // LP-IV is unchanged by the OLS inference under lag augmentation.
        #expect(augmented.localProjections?.iv == lp.iv)
    }
}
