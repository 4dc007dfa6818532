import Foundation
import QEIRStats
import QEIRTestSupport
import Testing

/// Montiel Olea & Pflueger's effective F, its critical values, and Anderson–Rubin sets.
///
/// Fixture: Tests/QEIRStatsTests/Fixtures/weak_iv.json, written by
/// Scripts/fixtures/make_weak_iv_fixtures.py: F_eff and critical values reproduced in numpy
/// from Stata `weakivtest`'s formulas (scipy's `ncx2.ppf` for the Patnaik quantile, a dense
/// grid plus `minimize_scalar` for B_TSLS), Anderson–Rubin end points found by `brentq` on
/// statsmodels' Wald test of the instruments in OLS(y − β₀s, [W Z]), and linearmodels'
/// robust first-stage statistics.
///
/// Tolerances: F_eff and first-stage statistics 1e-9 relative (the same linear algebra);
/// K_eff 1e-9; critical values 1e-7 relative (R's and scipy's noncentral χ² quantiles);
/// B_TSLS and the generalized critical value 1e-6 relative (two independent maximisations);
/// Anderson–Rubin end points 1e-8 relative (two root finders on the same statistic).
struct WeakInstrumentTests {
    final class Fixture: @unchecked Sendable {
        let root: [String: Any]
        let cases: [[String: Any]]
        init() {
            let data = (try? Data(contentsOf: TestPaths.fixture("weak_iv.json"))) ?? Data("{}".utf8)
            root = ((try? JSONSerialization.jsonObject(with: data)) as? [String: Any]) ?? [:]
            cases = root["cases"] as? [[String: Any]] ?? []
        }
    }

    static let fixture = Fixture()
    static let ids = fixture.cases.compactMap { $0["id"] as? String }

    static func num(_ any: Any?) -> Double { (any as? NSNumber)?.doubleValue ?? .nan }
    static func nums(_ any: Any?) -> [Double] { (any as? [Any] ?? []).map { num($0) } }

    static func close(_ a: Double, _ b: Double, _ rel: Double) -> Bool {
        abs(a - b) <= rel * max(abs(a), abs(b), 1e-300)
    }

    struct Sample {
        var y: [Double]
        var s: [Double]
        var exogenous: DesignMatrix
        var instruments: DesignMatrix
    }

    static func sample(_ c: [String: Any]) throws -> Sample {
        let d = try #require(c["data"] as? [String: Any])
        let zs = (d["z"] as? [Any] ?? []).map { nums($0) }
        return Sample(
            y: nums(d["y"]), s: nums(d["s"]),
            exogenous: try DesignMatrix(columns: [("w", nums(d["w"]))]),
            instruments: try DesignMatrix(
                columns: zs.enumerated().map { ("z\($0.offset)", $0.element) }, constant: false))
    }

    static func testCase(_ id: String) throws -> [String: Any] {
        try #require(fixture.cases.first { $0["id"] as? String == id })
    }

    @Test func fixtureIsPresent() {
        #expect(Self.ids.count == 5)
    }

    @Test(arguments: ids)
    func effectiveFMatchesWeakivtestFormulas(id: String) throws {
        let c = try Self.testCase(id)
        let d = try Self.sample(c)
        let lags = try #require((c["hac_lags"] as? NSNumber)?.intValue)
        let all = try #require(c["effective_f"] as? [String: Any])
        for (key, options) in [("hc0", CovarianceOptions.hc0), ("hac", .hac(lags: lags))] {
            var o = options
            o.smallSample = true  // weakivtest's N/(N − K − L − 1)
            let e = try #require(all[key] as? [String: Any])
            let t = try WeakInstruments.effectiveF(
                y: d.y, exogenous: d.exogenous, endogenous: d.s, instruments: d.instruments, covariance: o)
            #expect(Self.close(t.statistic, Self.num(e["f_eff"]), 1e-9), "\(id) \(key) F_eff \(t.statistic)")
            let simp = try #require(e["simplified"] as? [String: Any])
            #expect(Self.close(t.simplified.value, Self.num(simp["c"]), 1e-7), "\(id) \(key) c_simp")
            #expect(Self.close(t.simplified.effectiveDegreesOfFreedom, Self.num(simp["k_eff"]), 1e-9))
            let gen = try #require(e["generalized"] as? [String: Any])
            let g = try #require(t.generalized)
            #expect(Self.close(g.biasBound, Self.num(gen["b_tsls"]), 1e-6), "\(id) \(key) B \(g.biasBound)")
            #expect(Self.close(g.value, Self.num(gen["c"]), 1e-6), "\(id) \(key) c_gen \(g.value)")
            #expect(g.value <= t.simplified.value * (1 + 1e-12))
            #expect(t.isWeak == !(t.statistic > g.value))
        }
    }

    @Test(arguments: ids)
    func andersonRubinMatchesStatsmodelsWaldInversion(id: String) throws {
        let c = try Self.testCase(id)
        let d = try Self.sample(c)
        let lags = try #require((c["hac_lags"] as? NSNumber)?.intValue)
        let all = try #require(c["anderson_rubin"] as? [String: Any])
        for (key, options) in [("hc0", CovarianceOptions.hc0), ("hac", .hac(lags: lags))] {
            let e = try #require(all[key] as? [String: Any])
            let set = try WeakInstruments.andersonRubin(
                y: d.y, exogenous: d.exogenous, endogenous: d.s, instruments: d.instruments, covariance: options)
            #expect(set.kind.rawValue == e["kind"] as? String, "\(id) \(key) kind \(set.kind)")
            #expect(set.method == (d.instruments.count == 1 ? .exact : .grid))
            #expect(Self.close(set.criticalValue, Self.num(e["critical_value"]), 1e-12))
            let pieces = e["intervals"] as? [[Any]] ?? []
            try #require(set.intervals.count == pieces.count, "\(id) \(key) \(set.intervals)")
            for (mine, theirs) in zip(set.intervals, pieces) {
                for (a, b) in [(mine.lower, theirs[0]), (mine.upper, theirs[1])] {
                    if b is NSNull {
                        #expect(a == nil)
                    } else {
                        let v = try #require(a)
                        #expect(Self.close(v, Self.num(b), 1e-8), "\(id) \(key) end \(v) vs \(Self.num(b))")
                    }
                }
            }
        }
    }

    @Test(arguments: ids)
    func firstStageMatchesLinearmodels(id: String) throws {
        let c = try Self.testCase(id)
        let d = try Self.sample(c)
        let e = try #require(c["first_stage"] as? [String: Any])
        let fit = try IV2SLS().fit(
            y: d.y, exogenous: d.exogenous, endogenous: try DesignMatrix(columns: [("s", d.s)], constant: false),
            instruments: d.instruments, covariance: .hc0)
        let fs = try #require(fit.firstStage.first)
        #expect(Self.close(fs.partialRSquared, Self.num(e["partial_rsquared"]), 1e-9))
        #expect(Self.close(fs.rSquared, Self.num(e["rsquared"]), 1e-9))
        #expect(Self.close(fs.test.statistic, Self.num(e["f_stat"]), 1e-9))
        // One instrument: F_eff is the robust first-stage Wald statistic itself.
        if d.instruments.count == 1 {
            let t = try WeakInstruments.effectiveF(
                y: d.y, exogenous: d.exogenous, endogenous: d.s, instruments: d.instruments, covariance: .hc0)
            #expect(Self.close(t.statistic, fs.test.statistic, 1e-10))
        }
    }

    /// Hand-worked case: n = 6, no exogenous regressors, one instrument z = (1, −1, 2, 0, 1, −2)
    /// (z′z = 11), s = (2, −1, 3, 1, 1, −3): z′s = 2 + 1 + 6 + 0 + 1 + 6 = 16, π̂ = 16/11;
    /// residuals v = s − π̂z, SSR = s′s − (z′s)²/z′z = 25 − 256/11 = 19/11. Classical
    /// covariance with σ̂² = SSR/(n − 1) = 19/55: F = π̂²z′z/σ̂² = (256/11)/(19/55) = 1280/19,
    /// the usual first-stage F, and F_eff must equal it. With K = 1, K_eff = 1 and the 10 %
    /// simplified critical value is χ²₁(10)⁻¹(0.95) = 23.1085 (MOP 2013, Table 1).
    @Test func handWorkedOneInstrument() throws {
        let z = [1.0, -1, 2, 0, 1, -2]
        let s = [2.0, -1, 3, 1, 1, -3]
        let y = [1.0, 0, 2, 1, 0, -2]
        let empty = try DesignMatrix(names: [], matrix: Matrix(rows: 6, columns: 0))
        let instruments = try DesignMatrix(columns: [("z", z)], constant: false)
        let t = try WeakInstruments.effectiveF(
            y: y, exogenous: empty, endogenous: s, instruments: instruments, covariance: .nonrobust, debiased: true)
        #expect(Self.close(t.statistic, 1280.0 / 19.0, 1e-12), "\(t.statistic)")
        #expect(t.simplified.effectiveDegreesOfFreedom == 1)
        #expect(abs(t.simplified.value - 23.1085) < 5e-4, "\(t.simplified.value)")
        #expect(Self.close(t.simplified.value, Self.num(Self.fixture.root["k1_tau10_critical_value"]), 1e-9))
        #expect(Self.close(try #require(t.generalized).biasBound, 1, 1e-12))
        #expect(!t.isWeak)
    }

    /// Homoskedastic covariance: F_eff = ((SSR_r − SSR_u)/K)/(SSR_u/(n − k_Z)), the classical
    /// F of the instruments, for any K.
    @Test(arguments: ids)
    func homoskedasticEffectiveFIsTheUsualF(id: String) throws {
        let d = try Self.sample(try Self.testCase(id))
        let t = try WeakInstruments.effectiveF(
            y: d.y, exogenous: d.exogenous, endogenous: d.s, instruments: d.instruments, covariance: .nonrobust,
            debiased: true)
        let restricted = try OLS().fit(y: d.s, design: d.exogenous)
        let unrestricted = try OLS().fit(y: d.s, design: try d.exogenous.appending(d.instruments))
        let k = Double(d.instruments.count)
        let n = Double(d.y.count)
        let dfU = n - Double(d.exogenous.count) - k
        let f = ((restricted.ssr - unrestricted.ssr) / k) / (unrestricted.ssr / dfU)
        #expect(Self.close(t.statistic, f, 1e-9), "\(t.statistic) vs \(f)")
    }

    /// A strong instrument gives a bounded set around the 2SLS estimate; an irrelevant one an
    /// unbounded set (whole line or two rays) — at every level, whatever the covariance.
    @Test func setKindsFollowInstrumentStrength() throws {
        var state: UInt64 = 42
        func normal() -> Double {
            func u() -> Double {
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                return (Double(state >> 11) + 0.5) / 9_007_199_254_740_992
            }
            return (-2 * Foundation.log(u())).squareRoot() * Foundation.cos(2 * .pi * u())
        }
        let n = 300
        let z = (0..<n).map { _ in normal() }
        let z2 = (0..<n).map { _ in normal() }
        let v = (0..<n).map { _ in normal() }
        let e = (0..<n).map { _ in normal() }
        let strong = (0..<n).map { 1.5 * z[$0] + v[$0] }
        let irrelevant = (0..<n).map { v[$0] + 0 * z[$0] }
        let exogenous = try DesignMatrix(columns: [], nobs: n)
        for (s, expectBounded) in [(strong, true), (irrelevant, false)] {
            let y = (0..<n).map { 2 * s[$0] + 0.8 * v[$0] + e[$0] }
            for instruments in [
                try DesignMatrix(columns: [("z", z)], constant: false),
                try DesignMatrix(columns: [("z", z), ("z2", z2)], constant: false),
            ] {
                let set = try WeakInstruments.andersonRubin(
                    y: y, exogenous: exogenous, endogenous: s, instruments: instruments, covariance: .hc0, level: 0.95)
                if expectBounded {
                    #expect(set.kind == .bounded, "\(set)")
                    #expect(set.contains(2))
                    let lower = try #require(set.lower)
                    let upper = try #require(set.upper)
                    #expect(lower < 2 && upper > 2)
                } else {
                    #expect(set.kind == .unbounded || set.kind == .unionOfRays, "\(set)")
                }
            }
        }
    }

    /// With one instrument the grid search reproduces the exact solution.
    @Test(arguments: ids.filter { $0.hasPrefix("k1") })
    func gridAgreesWithExactSolution(id: String) throws {
        let d = try Self.sample(try Self.testCase(id))
        let exact = try WeakInstruments.andersonRubin(
            y: d.y, exogenous: d.exogenous, endogenous: d.s, instruments: d.instruments, covariance: .hc0)
        let grid = try WeakInstruments.andersonRubin(
            y: d.y, exogenous: d.exogenous, endogenous: d.s, instruments: d.instruments, covariance: .hc0,
            method: .grid)
        #expect(exact.kind == grid.kind)
        #expect(exact.intervals.count == grid.intervals.count)
        for (a, b) in zip(exact.intervals, grid.intervals) {
            #expect((a.lower == nil) == (b.lower == nil) && (a.upper == nil) == (b.upper == nil))
            if let x = a.lower, let y = b.lower { #expect(Self.close(x, y, 1e-9)) }
            if let x = a.upper, let y = b.upper { #expect(Self.close(x, y, 1e-9)) }
        }
    }

    @Test func rejectsBadArguments() throws {
        let d = try Self.sample(try Self.testCase("k1_strong"))
        #expect(throws: StatsError.self) {
            try WeakInstruments.effectiveF(
                y: d.y, exogenous: d.exogenous, endogenous: d.s, instruments: d.instruments, threshold: 1.5)
        }
        #expect(throws: StatsError.self) {
            try WeakInstruments.andersonRubin(
                y: d.y, exogenous: d.exogenous, endogenous: d.s, instruments: d.instruments, level: 1)
        }
    }

    @Test func noncentralChiSquaredQuantileInvertsItsCDF() {
        for (k, lambda, p) in [(1.0, 10.0, 0.95), (1.69, 16.9, 0.95), (3.5, 0.0, 0.5), (2.3, 50.0, 0.01)] {
            let d = NoncentralChiSquared(degreesOfFreedom: k, noncentrality: lambda)
            let x = d.quantile(p)
            #expect(abs(d.cdf(x) - p) < 1e-12, "\(k) \(lambda) \(p)")
            #expect(Self.close(d.inverseSF(1 - p), x, 1e-10))
        }
        #expect(NoncentralChiSquared(degreesOfFreedom: 0, noncentrality: 1).quantile(0.5).isNaN)
    }
}
