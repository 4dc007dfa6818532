import Foundation
import QEIRTestSupport
import Testing

@testable import QEIRStats

/// Threshold regression against a numpy port of Hansen's own `thr_est` code
/// (Scripts/fixtures/make_threshold_hansen_fixtures.py): his grid (k + 2 observations per regime,
/// no trimming for γ̂), pooled/HC0 regime SEs, kernel and quadratic η². Regime SEs of the other
/// kinds against statsmodels OLS on each regime. Tolerance 1e-9 relative; γ̂ and the interval exact.
struct ThresholdHansenTests {
    final class Fixture: @unchecked Sendable {
        let root: [String: Any]
        init() {
            let data = (try? Data(contentsOf: TestPaths.fixture("threshold_hansen.json"))) ?? Data("{}".utf8)
            root = ((try? JSONSerialization.jsonObject(with: data)) as? [String: Any]) ?? [:]
        }
        var cases: [[String: Any]] { root["cases"] as? [[String: Any]] ?? [] }
        func dataset(_ name: String) -> [String: Any] {
            (root["datasets"] as? [String: Any])?[name] as? [String: Any] ?? [:]
        }
    }
    static let fixture = Fixture()
    static let ids = fixture.cases.compactMap { $0["id"] as? String }

    static func doubles(_ v: Any?) -> [Double] { (v as? [Any] ?? []).compactMap { ($0 as? NSNumber)?.doubleValue } }

    static func model(_ name: String) throws -> ThresholdRegression {
        let d = fixture.dataset(name)
        let columns = (d["x"] as? [Any] ?? []).enumerated().map { ("x\($0.offset + 1)", doubles($0.element)) }
        return try ThresholdRegression(
            y: doubles(d["y"]), design: try DesignMatrix(columns: columns), thresholdVariable: doubles(d["q"]))
    }

    static func hansenOptions(_ c: [String: Any], k: Int) -> ThresholdOptions {
        ThresholdOptions(
            minimumRegimeSize: k + 2, covariance: (c["h"] as? Int) == 0 ? .homoskedastic : .heteroskedastic,
            confidence: 0.95, eta2Method: (c["nonpar"] as? Int) == 1 ? .quadratic : .kernel, estimationGrid: .all)
    }

    static func close(_ a: Double, _ b: Double, _ label: String, tol: Double = 1e-9) {
        #expect(isClose(a, b, relative: tol, absoluteFloor: 1e-9), "\(label): \(a) vs \(b)")
    }

    @Test func fixtureIsPresent() { #expect(Self.ids.count == 12) }

    @Test(arguments: ids)
    func reproducesHansensCode(id: String) throws {
        let c = try #require(Self.fixture.cases.first { $0["id"] as? String == id })
        let model = try Self.model(c["dataset"] as? String ?? "")
        let fit = try model.fit(options: Self.hansenOptions(c, k: model.k))
        #expect(fit.threshold == (c["threshold"] as? NSNumber)?.doubleValue)
        Self.close(fit.ssr, (c["ssr"] as? NSNumber)?.doubleValue ?? .nan, "ssr")
        Self.close(fit.ssrLinear, (c["ssr_linear"] as? NSNumber)?.doubleValue ?? .nan, "ssr_linear")
        Self.close(fit.eta2, (c["eta2"] as? NSNumber)?.doubleValue ?? .nan, "eta2")
        Self.close(fit.criticalValue, (c["critical_value"] as? NSNumber)?.doubleValue ?? .nan, "c(alpha)")
        #expect(fit.profileGamma == Self.doubles(c["profile_gamma"]))
        for (a, b) in zip(fit.profileLR, Self.doubles(c["profile_lr"])) { Self.close(a, b, "LR") }
        let regimes = try #require(c["regimes"] as? [[String: Any]])
        for (r, expected) in zip(fit.regimes, regimes) {
            #expect(r.nobs == (expected["nobs"] as? NSNumber)?.intValue)
            #expect(r.covariance == ((c["h"] as? Int) == 0 ? .pooled : .hc0))
            for (a, b) in zip(r.coefficients, Self.doubles(expected["coefficients"])) { Self.close(a, b, "beta") }
            for (a, b) in zip(r.standardErrors, Self.doubles(expected["std_errors"])) { Self.close(a, b, "SE") }
        }
        // Hansen's code gives the splits it cannot fit S = S0; when the linear model's LR is below
        // c(α) those enter his interval, which then reaches the ends of q. QEIR reads the interval
        // over the admissible splits only and says that it is censored there.
        let edgesBind = c["edges_bind"] as? Bool ?? false
        let ci = Self.doubles(c[edgesBind ? "conf_int_admissible" : "conf_int"])
        #expect([fit.confidenceInterval.lower, fit.confidenceInterval.upper] == ci)
        if edgesBind {
            #expect(fit.diagnostics.contains { $0.code == .intervalAtGridEnd })
            #expect(Self.doubles(c["conf_int"]) != ci)
        }
    }

    @Test(arguments: ids)
    func regimeCovariancesMatchStatsmodels(id: String) throws {
        let c = try #require(Self.fixture.cases.first { $0["id"] as? String == id })
        let model = try Self.model(c["dataset"] as? String ?? "")
        let regimes = try #require(c["regimes"] as? [[String: Any]])
        for kind in [ThresholdRegimeCovariance.classical, .hc0, .hc1, .hc2, .hc3] {
            var options = Self.hansenOptions(c, k: model.k)
            options.regimeCovariance = kind
            let fit = try model.fit(options: options)
            for (r, expected) in zip(fit.regimes, regimes) {
                let se = Self.doubles((expected["statsmodels_se"] as? [String: Any])?[kind.rawValue])
                #expect(se.count == model.k)
                for (a, b) in zip(r.standardErrors, se) { Self.close(a, b, "\(kind) SE") }
                #expect(r.residualDF == r.nobs - model.k)
                #expect(r.maxLeverage > 0 && r.maxLeverage <= 1)
            }
        }
    }

    @Test func stepFunctionAndSmallRegimesAreFlagged() throws {
        let steps = try Self.model("steps")
        let fit = try steps.fit(options: ThresholdOptions(covariance: .heteroskedastic))
        let codes = Set(fit.diagnostics.map(\.code))
        #expect(codes.contains(.stepFunctionThreshold))
        #expect(codes.contains(.fewCandidates))
        #expect(codes.contains(.conditionalOnSplit))
        #expect(fit.distinctThresholdValues < 20)
        let step = try #require(fit.diagnostics.first { $0.code == .stepFunctionThreshold })
        #expect(
            step.message
                == "The threshold variable 'q' takes \(fit.distinctThresholdValues) distinct values in 40 observations "
                + "(a step function); Hansen's asymptotics assume a continuous threshold variable.")
        let weak = try Self.model("weak")
        let all = try weak.fit(options: ThresholdOptions(estimationGrid: .all))
        #expect(all.regimes[0].residualDF < 5)
        #expect(all.diagnostics.contains { $0.code == .fewResidualDF })
        // With the default trimmed search, the better split outside the trimmed range is reported.
        let trimmed = try weak.fit()
        #expect(trimmed.diagnostics.contains { $0.code == .minimumOutsideTrimmedRange })
        #expect(trimmed.profileLR.contains { $0 < 0 })
    }

    @Test func trimmingDoesNotCutTheInterval() throws {
        // threshold_trim 0.49 leaves a few candidates around the median: γ̂ is one of them, but the interval is read over
        // every admissible split, so it is not the degenerate [γ̂, γ̂] of the trimmed grid.
        let model = try Self.model("macro")
        let fit = try model.fit(options: ThresholdOptions(trim: 0.49))
        #expect(fit.candidates.count <= 3)
        #expect(fit.diagnostics.contains { $0.code == .fewCandidates })
        #expect(fit.confidenceInterval.lower < fit.threshold)
        #expect(fit.confidenceInterval.upper > fit.threshold)
        #expect(fit.profileGamma.count == fit.profileLR.count)
        #expect(fit.profileGamma.count > 150)
    }

    @Test func minimumRegimeSizeBelowTheFloorIsRejected() throws {
        let model = try Self.model("synthetic")
        let e = #expect(throws: StatsError.self) { try model.fit(options: ThresholdOptions(minimumRegimeSize: 3)) }
        #expect(
            e?.message
                == "The minimum regime size must be at least the number of regressors + 1 = 4 (a regime needs one residual degree of freedom); got 3."
        )
        let larger = try model.fit(options: ThresholdOptions(minimumRegimeSize: 30))
        #expect(larger.regimes.allSatisfy { $0.nobs >= 30 })
        #expect(larger.profileGamma.count < (try model.fit()).profileGamma.count)
    }
}
