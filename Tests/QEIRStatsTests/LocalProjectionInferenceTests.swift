import Foundation
import QEIRStats
import QEIRTestSupport
import Testing

/// Small-sample LP inference (``LPInference``): parity of every option with independent
/// computations (statsmodels 0.15 OLS HC1/HC3/HAC, linearmodels 7.1 IV2SLS robust/kernel, EWC
/// in numpy from the LLSW formula, Kiefer–Vogelsang fixed-b critical value, scipy t) on
/// designs built with pandas shift/dropna and excluded dates dropped by hand.
/// Fixture: Tests/QEIRStatsTests/Fixtures/lp_inference.json from
/// Scripts/fixtures/make_lp_inference_fixtures.py. Tolerance 1e-9 relative (absolute floor
/// 1e-12 × the vector's largest |value| for coefficients and SEs; SE(β̂_h) for band limits;
/// 1e-300 for p-values); nobs, dates, names and degrees of freedom (1e-9) must match.
/// Also: the fragility warnings, refusal of a horizon without residual degrees of freedom,
/// and exclusion against dropping the row from the design by hand.
struct LocalProjectionInferenceTests {
    static let tolerance = 1e-9

    final class Fixture: @unchecked Sendable {
        let cases: [[String: Any]]
        let datasets: [String: [String: Any]]
        init() {
            let url = TestPaths.fixture("lp_inference.json")
            let data = (try? Data(contentsOf: url)) ?? Data("{}".utf8)
            let root = ((try? JSONSerialization.jsonObject(with: data)) as? [String: Any]) ?? [:]
            cases = root["cases"] as? [[String: Any]] ?? []
            datasets = root["datasets"] as? [String: [String: Any]] ?? [:]
        }
        func column(_ dataset: String, _ name: String) -> [Double] {
            (datasets[dataset]?[name] as? [Any] ?? []).map { ($0 as? NSNumber)?.doubleValue ?? .nan }
        }
        func testCase(_ id: String) -> [String: Any]? { cases.first { $0["id"] as? String == id } }
    }

    static let fixture = Fixture()
    static let ids = fixture.cases.compactMap { $0["id"] as? String }

    static func num(_ any: Any?) -> Double { (any as? NSNumber)?.doubleValue ?? .nan }

    static func model(_ c: [String: Any]) throws -> (LocalProjection, LocalProjectionSpecification) {
        let ds = try #require(c["data"] as? String)
        let yName = try #require(c["y"] as? String)
        let shockName = try #require(c["shock"] as? String)
        let controls = (c["controls"] as? [String] ?? []).map { (name: $0, values: fixture.column(ds, $0)) }
        let instruments = (c["instruments"] as? [String] ?? []).map { (name: $0, values: fixture.column(ds, $0)) }
        let lp = try LocalProjection(
            y: fixture.column(ds, yName), shock: fixture.column(ds, shockName), controls: controls,
            instruments: instruments, yName: yName, shockName: shockName)
        let inference: LPInference
        switch c["inference"] as? String {
        case "lag_augmented":
            inference = c["robust"] as? String == "hc1" ? .lagAugmented(robust: .hc1) : .lagAugmented
        case "ewc": inference = .ewc()
        case "newey_west_fixed_b": inference = .neweyWestFixedB
        case "hac_h_plus_one": inference = .hacHorizonPlusOne
        default: throw StatsError(.invalidArgument, "unknown inference in fixture")
        }
        let excluded = (c["excluded"] as? [NSNumber] ?? []).map(\.intValue)
        let spec = LocalProjectionSpecification(
            horizons: try #require((c["horizons"] as? NSNumber)?.intValue),
            lags: try #require((c["lags"] as? NSNumber)?.intValue),
            response: try #require(LPResponse(rawValue: c["response"] as? String ?? "")),
            shockLags: c["shock_lags"] as? Bool ?? false, inference: inference,
            excludedObservations: Set(excluded))
        return (lp, spec)
    }

    @Test func fixtureIsPresentAndCoversEveryOption() {
        #expect(Self.ids.count == 13)
        let methods = Set(Self.fixture.cases.compactMap { $0["inference"] as? String })
        #expect(methods == Set(LPInference.Method.allCases.map(\.rawValue)))
    }

    @Test(arguments: ids)
    func matchesIndependentComputation(id: String) throws {
        let c = try #require(Self.fixture.testCase(id))
        let expected = try #require(c["expected"] as? [[String: Any]])
        let (lp, spec) = try Self.model(c)
        let result = try lp.estimate(spec)
        #expect(result.horizons.count == expected.count)
        for (fit, e) in zip(result.horizons, expected) {
            let h = fit.horizon
            #expect(fit.nobs == (e["nobs"] as? NSNumber)?.intValue, "\(id) h=\(h) nobs")
            #expect(fit.dates == (e["dates"] as? [NSNumber] ?? []).map(\.intValue), "\(id) h=\(h) dates")
            #expect(fit.regression.names == e["names"] as? [String] ?? [], "\(id) h=\(h) names")
            let params = try #require(e["params"] as? [String: Any])
            let bse = try #require(e["bse"] as? [String: Any])
            let paramScale = params.values.map { abs(Self.num($0)) }.max() ?? 1
            let bseScale = bse.values.map { abs(Self.num($0)) }.max() ?? 1
            for (j, name) in fit.regression.names.enumerated() {
                #expect(
                    isClose(
                        fit.regression.coefficients[j], Self.num(params[name]), relative: Self.tolerance,
                        absoluteFloor: paramScale * 1e-12 / Self.tolerance), "\(id) h=\(h) coefficient \(name)")
                #expect(
                    isClose(
                        fit.regression.standardErrors[j], Self.num(bse[name]), relative: Self.tolerance,
                        absoluteFloor: bseScale * 1e-12 / Self.tolerance),
                    "\(id) h=\(h) SE \(name): \(fit.regression.standardErrors[j]) vs \(Self.num(bse[name]))")
            }
            let se = Self.num(e["se"])
            #expect(isClose(fit.standardError, se, relative: Self.tolerance), "\(id) h=\(h) SE")
            #expect(
                isClose(fit.pValue, Self.num(e["pvalue"]), relative: Self.tolerance, absoluteFloor: 1e-300),
                "\(id) h=\(h) p: \(fit.pValue) vs \(Self.num(e["pvalue"]))")
            if let df = e["df"] as? NSNumber {
                #expect(fit.inference.distribution == "t")
                #expect(
                    isClose(fit.inference.degreesOfFreedom ?? .nan, df.doubleValue, relative: Self.tolerance),
                    "\(id) h=\(h) df")
            } else {
                #expect(fit.inference.distribution == "normal" && fit.inference.degreesOfFreedom == nil)
            }
            if let b = e["B"] as? NSNumber { #expect(fit.inference.bandwidth == b.doubleValue) }
            if let s = e["S"] as? NSNumber {
                #expect(fit.inference.bandwidth == s.doubleValue)
                let n = Double(fit.nobs)
                #expect(
                    isClose(
                        LPInference.fixedBCriticalValue5Percent(b: s.doubleValue / n), Self.num(e["critical_value_05"]),
                        relative: 1e-14))
            }
            #expect(fit.inference.method.rawValue == c["inference"] as? String)
            let bands = try #require(e["bands"] as? [String: [String: Any]])
            for band in fit.bands {
                let eb = try #require(bands[String(format: "%.2f", band.level)])
                #expect(
                    isClose(band.lower, Self.num(eb["lower"]), relative: Self.tolerance, absoluteFloor: se),
                    "\(id) h=\(h) lower \(band.level)")
                #expect(
                    isClose(band.upper, Self.num(eb["upper"]), relative: Self.tolerance, absoluteFloor: se),
                    "\(id) h=\(h) upper \(band.level)")
            }
        }
    }

    // MARK: labels

    @Test func everyHorizonSaysWhichInferenceProducedIt() throws {
        let c = try #require(Self.fixture.testCase("lag_augmented_hc3_cumulative"))
        let (lp, spec) = try Self.model(c)
        let fit = try lp.estimate(spec)
        #expect(fit.horizons[8].inference.description == "lag-augmented LP, HC3, t(22)")
        #expect(fit.horizons[8].regression.names.contains("L3.s") && fit.horizons[8].regression.names.contains("L3.x"))
        var ewc = spec
        ewc.inference = .ewc(B: 3)
        #expect(try lp.estimate(ewc).horizons[0].inference.description == "EWC LP, B=3, t(3)")
        var hac = spec
        hac.inference = .hacHorizonPlusOne
        let h = try lp.estimate(hac).horizons[2]
        #expect(h.inference.description == "HAC(h+1) LP, Newey–West(L=3), normal")
        #expect(h.regression.covarianceOptions == .hac(lags: 3))
        var nw = spec
        nw.inference = .neweyWestFixedB
        let n = try lp.estimate(nw).horizons[8]
        #expect(n.inference.description.hasPrefix("Newey–West fixed-b LP, S=8, b=0.235"))
        // The 95 % band uses exactly the Kiefer–Vogelsang critical value.
        let c05 = LPInference.fixedBCriticalValue5Percent(b: 8.0 / 34.0)
        let band = try #require(n.band(level: 0.95))
        #expect(isClose(band.upper - n.coefficient, c05 * n.standardError, relative: 1e-10))
    }

    // MARK: feasibility

    static func shortSample(_ n: Int) throws -> LocalProjection {
        var rng = ReplicateRandom(seed: 99)
        var y = [Double](repeating: 0, count: n)
        var s = [Double](repeating: 0, count: n)
        var x = [Double](repeating: 0, count: n)
        for t in 1..<n {
            s[t] = 0.9 * s[t - 1] + rng.nextStandardNormal()
            x[t] = 0.5 * x[t - 1] + rng.nextStandardNormal()
            y[t] = 0.5 * y[t - 1] + s[t] + rng.nextStandardNormal()
        }
        return try LocalProjection(y: y, shock: s, controls: [("x", x)])
    }

    @Test func fewDegreesOfFreedomAndWideBandwidthsAreWarnedPerHorizon() throws {
        // T = 30, p = 2 lag-augmented: k = 2 + 3·2 + 3 = 11, sample 27 − h at h: df = 16 − h.
        let lp = try Self.shortSample(30)
        let spec = LocalProjectionSpecification(horizons: 8, lags: 2, inference: .lagAugmented)
        let fit = try lp.estimate(spec)
        let few = fit.warnings.filter { $0.kind == .fewDegreesOfFreedom }
        #expect(few.map(\.horizon) == [7, 8])
        #expect(
            few.last?.message
                == "h=8: 8 residual degrees of freedom (19 observations, 11 coefficients); inference there is fragile")
        #expect(fit.warnings.allSatisfy { $0.kind != .wideBandwidth }, "EHW has no bandwidth")
        // NW fixed-b: S = ⌈1.3·√n⌉ > n/4 for these small samples.
        var nw = spec
        nw.inference = .neweyWestFixedB
        let wide = try lp.estimate(nw).warnings.filter { $0.kind == .wideBandwidth }
        // h = 0: S = 7 is exactly 28/4, not above it.
        #expect(wide.map(\.horizon) == Array(1...8))
        #expect(
            wide.first?.message
                == "h=1: the kernel bandwidth 7 exceeds a quarter of the 27 observations; inference there is fragile")
    }

    @Test func aHorizonWithoutResidualDegreesOfFreedomIsRefused() throws {
        let lp = try Self.shortSample(20)
        // Lag-augmented p = 2: k = 11, the sample at h is 17 − h; h = 6 leaves 0 df.
        let spec = LocalProjectionSpecification(horizons: 6, lags: 2, inference: .lagAugmented)
        let error = try #require(throws: StatsError.self) { try lp.estimate(spec) }
        #expect(error.code == .insufficientObservations)
        #expect(error.context["horizon"] == "6")
        #expect(
            error.message
                == "At horizon 6 only 11 observations remain for 11 coefficients; the largest horizon this sample supports is 5. Ask for fewer horizons or lags, or use a longer series."
        )
        // Excluding a date inside the sample takes one more degree of freedom.
        var excluded = spec
        excluded.horizons = 5
        excluded.excludedObservations = [4]
        let e2 = try #require(throws: StatsError.self) { try lp.estimate(excluded) }
        #expect(e2.context["horizon"] == "5")
        excluded.excludedObservations = [19]  // past the last date of h = 5: no effect
        #expect(try lp.estimate(excluded).horizons[5].nobs == 12)
    }

    // MARK: exclusion

    @Test func excludedDatesAreDroppedAfterLeadsAndLagsAreBuilt() throws {
        let lp = try Self.shortSample(40)
        let base = LocalProjectionSpecification(horizons: 4, lags: 2, response: .cumulative, inference: .lagAugmented)
        var spec = base
        spec.excludedObservations = [10, 11, 25]
        let fit = try lp.estimate(spec)
        for h in 0...4 {
            let full = try lp.design(horizon: h, specification: base)
            let rows = full.observations.enumerated().filter { !spec.excludedObservations.contains($0.element) }
            let byHand = try OLS().fit(
                y: rows.map { full.dependent[$0.offset] }, design: full.regressors.selectingRows(rows.map(\.offset)),
                covariance: CovarianceOptions(kind: .hc3, inference: .t), yName: full.dependentName)
            let horizon = fit.horizons[h]
            #expect(horizon.dates == rows.map(\.element))
            #expect(horizon.observations == full.observations)
            #expect(isClose(horizon.coefficient, byHand.coefficients[1], relative: 1e-12))
            #expect(isClose(horizon.standardError, byHand.standardErrors[1], relative: 1e-12))
            #expect(isClose(horizon.pValue, byHand.pValues[1], relative: 1e-10))
            let design = try lp.design(horizon: h, specification: spec)
            #expect(design.dates == horizon.dates && design.dependent == rows.map { full.dependent[$0.offset] })
        }
        spec.excludedObservations = [40]
        let error = try #require(throws: StatsError.self) { try lp.estimate(spec) }
        #expect(error.code == .invalidArgument && error.context["excluded"] == "40")
    }

    @Test func invalidChoicesAreRefused() throws {
        let lp = try Self.shortSample(40)
        var spec = LocalProjectionSpecification(horizons: 2, lags: 1, inference: .lagAugmented(robust: .hac))
        let e1 = try #require(throws: StatsError.self) { try lp.estimate(spec) }
        #expect(e1.code == .invalidArgument && e1.message.hasPrefix("Lag-augmented LP uses heteroskedasticity-robust"))
        spec.inference = .ewc(B: 0)
        let e2 = try #require(throws: StatsError.self) { try lp.estimate(spec) }
        #expect(e2.message == "EWC needs at least one cosine term (B ≥ 1); got 0.")
    }

    @Test func bandwidthRulesAndFixedBCriticalValue() {
        #expect(LPInference.ewcDefaultB(sampleSize: 19) == 2)  // ⌊0.41·7.12⌋
        #expect(LPInference.ewcDefaultB(sampleSize: 200) == 14)  // ⌊0.41·34.2⌋
        #expect(LPInference.neweyWestBandwidth(sampleSize: 19) == 6)  // ⌈5.67⌉
        #expect(LPInference.neweyWestBandwidth(sampleSize: 100) == 13)
        #expect(LPInference.fixedBCriticalValue5Percent(b: 0) == 1.96)
        #expect(
            isClose(LPInference.fixedBCriticalValue5Percent(b: 1), 1.96 + 2.9694 + 0.4160 - 0.5324, relative: 1e-15))
    }
}
