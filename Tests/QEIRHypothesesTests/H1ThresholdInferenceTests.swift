import Foundation
import QEIRBatch
import QEIRStats
import Testing

@testable import QEIRHypotheses

/// H1's regime inference: cautious covariances, each regime's own df, and the warnings that
/// keep conditional regime estimates from reading as evidence of a threshold.
struct H1ThresholdInferenceTests {
    @Test("2016–2022: auto picks HC3, t uses each regime's n − k df, the LR grid is exported")
    func shortSampleIsCautious() async throws {
        let runner = try Fixtures.runner()
        let r = try await runner.runH1(try Fixtures.configuration(period: try Fixtures.periods()[1]))
        let t = try #require(r.threshold)
        #expect(t.regimeCovariance == "hc3")
        #expect(t.regimeCovarianceReason?.hasPrefix("auto: HC3 (regime fiscal_burden") == true)
        #expect(t.regimeInference == "conditional on the estimated split")
        for regime in t.regimes {
            let df = try #require(regime.residualDF)
            #expect(df == regime.nobs - 4)
            for c in regime.coefficients {
                guard let stat = c.statistic, let p = c.pValue else { continue }
                let expected = 2 * StudentT(degreesOfFreedom: Double(df)).sf(abs(stat))
                #expect(abs(p - expected) <= 1e-12, "\(c.name): p on \(df) df")
            }
            if df < 5 {
                #expect(r.warnings.contains { $0.contains("\(df) residual degrees of freedom") })
            }
        }
        let gamma = try #require(t.profileGamma)
        let lr = try #require(t.profileLR)
        #expect(gamma.count == lr.count && gamma.count >= t.candidates)
        let inside = gamma.indices.filter { lr[$0] <= t.criticalValue }.map { gamma[$0] }
        #expect(inside.min() == t.lrInterval.lower && inside.max() == t.lrInterval.upper)
        if let p = t.testPValue {
            #expect(t.linearityRejected == (p <= 0.05))
            if p > 0.05 {
                #expect(
                    r.warnings.contains {
                        $0.contains("the bootstrap test does not reject linearity (p = ")
                            && $0.contains("regime estimates are not evidence of a threshold")
                    })
                #expect(r.summary.contains("regime estimates are not evidence of a threshold"))
            }
        }
        #expect(r.summary.contains("conditional on the estimated split"))
    }

    @Test("threshold_trim 0.49 warns of few candidates and does not collapse the interval to a point")
    func heavyTrimming() async throws {
        let runner = try Fixtures.runner()
        let r = try await runner.runH1(try Fixtures.configuration(["threshold_trim": 0.49]))
        let t = try #require(r.threshold)
        #expect(t.candidates < 10)
        #expect(r.warnings.contains { $0.contains("candidate threshold") && $0.contains("after trimming 0.49") })
        #expect((t.profileGamma?.count ?? 0) > t.candidates)
    }

    @Test("the threshold-inference keys are honoured and echoed")
    func keys() async throws {
        let runner = try Fixtures.runner()
        let c = try Fixtures.configuration([
            "h1_regime_covariance": "hc0", "h1_eta2_method": "quadratic", "h1_min_regime_size": 8,
        ])
        #expect(c.resolved["h1_regime_covariance"] == .string("hc0"))
        #expect(c.resolved["h1_eta2_method"] == .string("quadratic"))
        #expect(c.resolved["h1_min_regime_size"] == .integer(8))
        let r = try await runner.runH1(c)
        let t = try #require(r.threshold)
        #expect(t.regimeCovariance == "hc0")
        #expect(t.regimeCovarianceReason == "h1_regime_covariance = hc0")
        #expect(t.eta2Method == "quadratic")
        #expect(t.minRegimeSize == 8)
        #expect(t.regimes.allSatisfy { $0.nobs >= 8 })
        let defaults = try Fixtures.configuration()
        #expect(defaults.resolved["h1_regime_covariance"] == .string("auto"))
        #expect(defaults.resolved["h1_min_regime_size"] == .null)
        #expect(defaults.resolved["h1_eta2_method"] == .string("kernel"))
    }

    @Test("bad threshold-inference values are refused with the key's path")
    func badValues() throws {
        let small = #expect(throws: HypothesisError.self) {
            try Fixtures.configuration(["h1_min_regime_size": 4])
        }
        #expect(small?.message.contains("h1_min_regime_size") == true)
        #expect(small?.message.contains("an integer of at least 5") == true)
        let kind = #expect(throws: HypothesisError.self) {
            try Fixtures.configuration(["h1_regime_covariance": "hc4"])
        }
        #expect(kind?.message.contains("\"auto\", \"classical\", \"hc0\", \"hc1\", \"hc2\", \"hc3\"") == true)
        #expect(throws: HypothesisError.self) { try Fixtures.configuration(["h1_eta2_method": "lowess"]) }
    }

    @Test("an extreme η̂² (0.003 on 2008–2015) is reported, naming the interval it collapses")
    func extremeEta2IsReported() async throws {
        let c = try Fixtures.configuration(["hypotheses": [1]], bootstrap: 0)
        let result = try await Fixtures.runner().runH1(c)
        let section = try #require(result.threshold)
        #expect(section.eta2 < 0.1)
        #expect(
            result.warnings.contains {
                $0.hasPrefix("H1: the heteroskedasticity correction η̂² = ") && $0.contains("(kernel) is extreme")
            }, "\(result.warnings)")
        let quadratic = try await Fixtures.runner().runH1(
            try Fixtures.configuration(["hypotheses": [1], "h1_eta2_method": "quadratic"], bootstrap: 0))
        #expect(!quadratic.warnings.contains { $0.contains("is extreme") } || (quadratic.threshold?.eta2 ?? 1) < 0.1)
    }
}
