import Foundation
import QEIRStats
import QEIRTestSupport
import Testing

/// Parity of local projections with regressions built independently, horizon by horizon, in
/// pandas (shift + dropna) and fitted by statsmodels 0.15 (OLS, HAC with h + 1 lags) and
/// linearmodels 7.1 (IV2SLS, Bartlett kernel with bandwidth h + 1, first-stage diagnostics).
/// Fixture: Tests/QEIRStatsTests/Fixtures/local_projections.json, written by
/// Scripts/fixtures/make_lp_fixtures.py on a seeded synthetic sample and statsmodels' macrodata.
///
/// Tolerance: 1e-9 relative for coefficients, standard errors, band limits and first-stage
/// statistics, with an absolute floor of 1e-12 × the largest |value| of the same vector (for
/// coefficients that are zero up to rounding); band limits use SE(β̂_h) as the floor's scale.
/// nobs and sample dates must match exactly.
struct LocalProjectionParityTests {
    static let tolerance = 1e-9

    final class Fixture: @unchecked Sendable {
        let cases: [[String: Any]]
        let datasets: [String: [String: Any]]
        init() {
            let url = TestPaths.fixture("local_projections.json")
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

    /// The model and specification a fixture case describes.
    static func model(_ c: [String: Any]) throws -> (LocalProjection, LocalProjectionSpecification) {
        let ds = try #require(c["data"] as? String)
        let yName = try #require(c["y"] as? String)
        let shockName = try #require(c["shock"] as? String)
        let controls = (c["controls"] as? [String] ?? []).map { (name: $0, values: fixture.column(ds, $0)) }
        let instruments = (c["instruments"] as? [String] ?? []).map { (name: $0, values: fixture.column(ds, $0)) }
        let lp = try LocalProjection(
            y: fixture.column(ds, yName), shock: fixture.column(ds, shockName), controls: controls,
            instruments: instruments, yName: yName, shockName: shockName)
        let cov = try #require(c["cov"] as? [String: Any])
        let covariance: LPCovariance
        switch cov["type"] as? String {
        case "hac":
            if let lags = (cov["lags"] as? NSNumber)?.intValue {
                covariance = .fixed(.hac(lags: lags, smallSample: cov["small_sample"] as? Bool))
            } else {
                covariance = .neweyWest(extraLags: 1, smallSample: cov["small_sample"] as? Bool)
            }
        case "hc1": covariance = .fixed(.hc1)
        case "nonrobust": covariance = .fixed(.nonrobust)
        default: throw StatsError(.invalidArgument, "unknown covariance in fixture")
        }
        let spec = LocalProjectionSpecification(
            horizons: try #require((c["horizons"] as? NSNumber)?.intValue),
            lags: try #require((c["lags"] as? NSNumber)?.intValue),
            response: try #require(LPResponse(rawValue: c["response"] as? String ?? "")),
            shockLags: c["shock_lags"] as? Bool ?? false, covariance: covariance, inference: .hacHorizonPlusOne,
            debiased: c["debiased"] as? Bool ?? false)
        return (lp, spec)
    }

    @Test func fixtureIsPresentAndComplete() {
        #expect(Self.ids.count == 16)
        let models = Set(Self.fixture.cases.compactMap { $0["model"] as? String })
        #expect(models == ["ols", "iv2sls"])
    }

    @Test(arguments: ids)
    func matchesIndependentHorizonRegressions(id: String) throws {
        let c = try #require(Self.fixture.testCase(id))
        let expected = try #require(c["expected"] as? [[String: Any]])
        let (lp, spec) = try Self.model(c)
        let result = try lp.estimate(spec)
        #expect(result.horizons.count == expected.count)
        for (fit, e) in zip(result.horizons, expected) {
            let h = fit.horizon
            #expect(h == (e["h"] as? NSNumber)?.intValue)
            #expect(fit.nobs == (e["nobs"] as? NSNumber)?.intValue, "\(id) h=\(h) nobs")
            #expect(fit.observations.first == (e["first_t"] as? NSNumber)?.intValue, "\(id) h=\(h) first date")
            #expect(fit.observations.last == (e["last_t"] as? NSNumber)?.intValue, "\(id) h=\(h) last date")
            #expect(fit.regression.names == e["names"] as? [String] ?? [], "\(id) h=\(h) regressor names")

            let params = try #require(e["params"] as? [String: Any])
            let bse = try #require(e["bse"] as? [String: Any])
            let paramScale = params.values.map { abs(Self.num($0)) }.max() ?? 1
            let bseScale = bse.values.map { abs(Self.num($0)) }.max() ?? 1
            for (j, name) in fit.regression.names.enumerated() {
                let b = Self.num(params[name])
                let s = Self.num(bse[name])
                #expect(
                    isClose(
                        fit.regression.coefficients[j], b, relative: Self.tolerance,
                        absoluteFloor: paramScale * 1e-12 / Self.tolerance),
                    "\(id) h=\(h) coefficient \(name): \(fit.regression.coefficients[j]) vs \(b)")
                #expect(
                    isClose(
                        fit.regression.standardErrors[j], s, relative: Self.tolerance,
                        absoluteFloor: bseScale * 1e-12 / Self.tolerance),
                    "\(id) h=\(h) SE \(name): \(fit.regression.standardErrors[j]) vs \(s)")
            }
            let se = Self.num(e["se"])
            #expect(isClose(fit.coefficient, Self.num(e["coefficient"]), relative: Self.tolerance, absoluteFloor: se))
            #expect(isClose(fit.standardError, se, relative: Self.tolerance))

            let bands = try #require(e["bands"] as? [String: [String: Any]])
            #expect(fit.bands.count == 3)
            for band in fit.bands {
                let eb = try #require(bands[String(format: "%.2f", band.level)])
                #expect(
                    isClose(band.lower, Self.num(eb["lower"]), relative: Self.tolerance, absoluteFloor: se),
                    "\(id) h=\(h) lower \(band.level): \(band.lower) vs \(Self.num(eb["lower"]))")
                #expect(
                    isClose(band.upper, Self.num(eb["upper"]), relative: Self.tolerance, absoluteFloor: se),
                    "\(id) h=\(h) upper \(band.level): \(band.upper) vs \(Self.num(eb["upper"]))")
            }

            if let fs = e["first_stage"] as? [String: Any] {
                let first = try #require(fit.firstStage)
                let q = Double((fs["f_df"] as? NSNumber)?.intValue ?? 0)
                #expect(first.endogenous == lp.shockName)
                #expect(isClose(first.test.statistic, Self.num(fs["f_stat"]), relative: Self.tolerance))
                #expect(isClose(first.test.pValue, Self.num(fs["f_pvalue"]), relative: 1e-7, absoluteFloor: 1e-300))
                #expect(isClose(first.partialRSquared, Self.num(fs["partial_rsquared"]), relative: Self.tolerance))
                #expect(isClose(first.rSquared, Self.num(fs["rsquared"]), relative: Self.tolerance))
                #expect(isClose(fit.firstStageF ?? .nan, Self.num(fs["f_stat"]) / q, relative: Self.tolerance))
                #expect(fit.regression.model == .iv2sls)
            } else {
                #expect(fit.iv == nil && fit.firstStageF == nil)
                #expect(fit.regression.model == .ols)
            }
        }
    }
}
