import Foundation
import QEIRTestSupport
import Testing

@testable import QEIRStats

/// Influence diagnostics against statsmodels 0.15 `OLSInfluence` and brute-force leave-one-out
/// refits (statsmodels OLS with HC1 and nonrobust covariances, linearmodels 7.1 IV2SLS robust).
/// Fixture: Tests/QEIRStatsTests/Fixtures/influence.json, written by
/// Scripts/fixtures/make_influence_fixtures.py (synthetic heteroskedastic data, a planted
/// high-leverage point with h ≈ 0.91, and the stack-loss data).
///
/// Tolerance: 1e-9 relative, with an absolute floor of 1e-12 × the largest |value| of the same
/// vector (for entries that are zero up to rounding). Flip positions must match exactly.
struct InfluenceTests {
    static let tolerance = 1e-9

    final class Fixture: @unchecked Sendable {
        let ols: [[String: Any]]
        let iv: [[String: Any]]
        init() {
            let data = (try? Data(contentsOf: TestPaths.fixture("influence.json"))) ?? Data("{}".utf8)
            let root = ((try? JSONSerialization.jsonObject(with: data)) as? [String: Any]) ?? [:]
            ols = root["ols"] as? [[String: Any]] ?? []
            iv = root["iv"] as? [[String: Any]] ?? []
        }
    }

    static let fixture = Fixture()
    static let olsIDs = fixture.ols.compactMap { $0["id"] as? String }

    static func numbers(_ any: Any?) -> [Double] {
        (any as? [Any] ?? []).map { ($0 as? NSNumber)?.doubleValue ?? .nan }
    }
    static func ints(_ any: Any?) -> [Int] { (any as? [Any] ?? []).map { ($0 as? NSNumber)?.intValue ?? -1 } }
    static func matrix(_ any: Any?) -> [[Double]] { (any as? [Any] ?? []).map { numbers($0) } }
    static func column(_ c: [String: Any], _ name: String) -> [Double] {
        numbers((c["columns"] as? [String: Any])?[name])
    }

    static func expectClose(_ actual: [Double?], _ expected: [Double], _ label: String) {
        #expect(actual.count == expected.count, "\(label): count")
        let floor = 1e-12 / tolerance * (expected.map(abs).max() ?? 0)
        for (i, (a, e)) in zip(actual, expected).enumerated() {
            guard let a else {
                Issue.record("\(label)[\(i)] is undefined; expected \(e)")
                continue
            }
            #expect(isClose(a, e, relative: tolerance, absoluteFloor: floor), "\(label)[\(i)]: \(a) vs \(e)")
        }
    }

    static func olsCase(_ id: String) throws -> (c: [String: Any], y: [Double], design: DesignMatrix) {
        let c = try #require(fixture.ols.first { $0["id"] as? String == id })
        let regressors = try #require(c["regressors"] as? [String])
        let design = try DesignMatrix(columns: regressors.map { ($0, column(c, $0)) })
        return (c, column(c, "y"), design)
    }

    @Test func fixtureIsPresent() {
        #expect(Self.olsIDs == ["synthetic", "high_leverage", "stackloss"])
        #expect(Self.fixture.iv.count == 1)
    }

    @Test("OLSInfluence matches statsmodels", arguments: olsIDs)
    func statsmodelsParity(_ id: String) throws {
        let (c, y, design) = try Self.olsCase(id)
        let expected = try #require(c["expected"] as? [String: Any])
        let inf = try OLS().influence(y: y, design: design)
        #expect(inf.conditions.allSatisfy { $0 == .regular })
        Self.expectClose(inf.coefficients, Self.numbers(expected["params"]), "params")
        Self.expectClose(inf.leverage, Self.numbers(expected["hat_matrix_diag"]), "hat_matrix_diag")
        Self.expectClose(
            inf.studentizedInternal, Self.numbers(expected["resid_studentized_internal"]), "studentized internal")
        Self.expectClose(
            inf.studentizedExternal, Self.numbers(expected["resid_studentized_external"]), "studentized external")
        Self.expectClose(inf.cooksDistance, Self.numbers(expected["cooks_distance"]), "cooks_distance")
        Self.expectClose(inf.cooksPValue, Self.numbers(expected["cooks_pvalue"]), "cooks p-value")
        Self.expectClose(inf.dffits, Self.numbers(expected["dffits"]), "dffits")
        Self.expectClose(inf.leaveOneOutScale, Self.numbers(expected["sigma2_not_obsi"]), "sigma2_not_obsi")
        #expect(
            isClose(
                inf.dffitsThreshold, (expected["dffits_threshold"] as? NSNumber)?.doubleValue ?? .nan,
                relative: 1e-15))
        for (label, actual, key) in [
            ("dfbetas", inf.dfbetas, "dfbetas"), ("dfbeta", inf.dfbeta, "dfbeta"),
            ("params_not_obsi", inf.leaveOneOutCoefficients, "params_not_obsi"),
        ] {
            let rows = Self.matrix(expected[key])
            #expect(rows.count == actual.count)
            let k = rows.first?.count ?? 0
            for j in 0..<k {
                Self.expectClose(actual.map { $0?[j] }, rows.map { $0[j] }, "\(label)[:, \(j)]")
            }
        }
    }

    @Test("leave-one-out OLS p-values match brute-force statsmodels refits", arguments: olsIDs)
    func olsLeaveOneOut(_ id: String) throws {
        let (c, y, design) = try Self.olsCase(id)
        let coefficient = try #require(c["coefficient"] as? String)
        let loo = try #require(c["leave_one_out"] as? [String: Any])
        for (key, covariance) in [("hc1", CovarianceOptions.hc1), ("nonrobust", .nonrobust)] {
            let e = try #require(loo[key] as? [String: Any])
            let a = try LeaveOneOutAnalysis.ols(
                y: y, design: design, coefficient: coefficient, covariance: covariance, confidenceLevel: 0.95)
            let label = "\(id) \(key)"
            Self.expectClose([a.estimate], [(e["estimate"] as? NSNumber)?.doubleValue ?? .nan], "\(label) estimate")
            Self.expectClose([a.pValue], [(e["p_value"] as? NSNumber)?.doubleValue ?? .nan], "\(label) p")
            Self.expectClose(a.drops.map(\.estimate), Self.numbers(e["estimates"]), "\(label) estimates")
            Self.expectClose(a.drops.map(\.pValue), Self.numbers(e["p_values"]), "\(label) p-values")
            Self.expectClose([a.minimum?.estimate], [(e["minimum"] as? NSNumber)?.doubleValue ?? .nan], "\(label) min")
            Self.expectClose([a.maximum?.estimate], [(e["maximum"] as? NSNumber)?.doubleValue ?? .nan], "\(label) max")
            #expect(a.minimum?.observation == (e["argmin"] as? NSNumber)?.intValue)
            #expect(a.maximum?.observation == (e["argmax"] as? NSNumber)?.intValue)
            #expect(a.signFlips == Self.ints(e["sign_flips"]), "\(label) sign flips")
            #expect(a.significanceFlips == Self.ints(e["significance_flips"]), "\(label) significance flips")
        }
    }

    @Test("leave-one-out 2SLS p-values match brute-force linearmodels refits")
    func ivLeaveOneOut() throws {
        let c = try #require(Self.fixture.iv.first)
        let e = try #require((c["leave_one_out"] as? [String: Any])?["robust"] as? [String: Any])
        let a = try LeaveOneOutAnalysis.iv2sls(
            y: Self.column(c, "y"), exogenous: try DesignMatrix(columns: [("w", Self.column(c, "w"))]),
            endogenous: try DesignMatrix(columns: [("d", Self.column(c, "d"))], constant: false),
            instruments: try DesignMatrix(
                columns: [("z1", Self.column(c, "z1")), ("z2", Self.column(c, "z2"))], constant: false),
            coefficient: "d", covariance: .hc0, debiased: false)
        Self.expectClose(a.drops.map(\.estimate), Self.numbers(e["estimates"]), "iv estimates")
        Self.expectClose(a.drops.map(\.pValue), Self.numbers(e["p_values"]), "iv p-values")
        #expect(a.signFlips == Self.ints(e["sign_flips"]))
        #expect(a.significanceFlips == Self.ints(e["significance_flips"]))
        #expect(!a.significanceFlips.isEmpty, "the fixture exercises significance flips")
    }

    @Test("an observation alone in its column has full leverage and no deletion diagnostics")
    func fullLeverageIsFlagged() throws {
        let n = 12
        let x = (0..<n).map { Double($0) * 0.7 - 2 }
        var dummy = [Double](repeating: 0, count: n)
        dummy[5] = 1
        let y: [Double] = (0..<n).map { i in
            let noise: Double = (i * 7) % 5 == 0 ? 0.3 : -0.2
            return 1 + 0.5 * x[i] + noise + 40 * dummy[i]
        }
        let design = try DesignMatrix(columns: [("x", x), ("d5", dummy)])
        let inf = try OLS().influence(y: y, design: design)
        #expect(inf.fullLeverageObservations == [5])
        #expect(isClose(inf.leverage[5], 1, relative: 1e-14))
        #expect(inf.oneMinusLeverage[5] <= OLSInfluence.fullLeverageTolerance)
        #expect(inf.studentizedInternal[5] == nil && inf.cooksDistance[5] == nil && inf.dfbetas[5] == nil)
        #expect(inf.leaveOneOutCoefficients[5] == nil)
        for i in 0..<n where i != 5 {
            #expect(inf.conditions[i] == InfluenceCondition.regular)
            #expect(inf.cooksDistance[i]?.isFinite == true)
        }
        // Without that observation the dummy column is all zero: the refit is undefined, and the
        // leave-one-out analysis says so instead of returning NaN.
        let loo = try LeaveOneOutAnalysis.ols(y: y, design: design, coefficient: "d5")
        #expect(loo.undefinedObservations == [5])
        #expect(loo.drops[5].failure?.contains("collinearity") == true)
    }

    @Test("1 − h stays accurate as h → 1 (complement norm, not a difference)")
    func nearFullLeverage() throws {
        let n = 10
        // Nine quarters with x within 2e-6 of each other and one at x = 1: 1 − h ≈ 6e-12, where
        // 1 − ‖Qᵢ‖² would keep only ~5 digits (measured: 2.4e-5 relative error; the complement: 7e-12).
        var x = (0..<n).map { Double($0 % 3) * 1e-6 }
        x[9] = 1
        let y = (0..<n).map { 0.3 * Double($0) + Double($0 % 2) }
        let design = try DesignMatrix(columns: [("x", x)])
        let inf = try OLS().influence(y: y, design: design)
        // Without cancellation: with u the other nine values, S = Σ(uⱼ − ū)² and D = (1 − ū)²,
        // 1 − h = (n − 1)/n · S / (S + (n − 1)/n · D).
        let u = Array(x[0..<9])
        let ubar = u.reduce(0, +) / 9
        let ss = u.reduce(0) { $0 + ($1 - ubar) * ($1 - ubar) }
        let f = Double(n - 1) / Double(n)
        let exact = f * ss / (ss + f * (1 - ubar) * (1 - ubar))
        #expect(exact < 1e-11)
        #expect(isClose(inf.oneMinusLeverage[9], exact, relative: 1e-6), "\(inf.oneMinusLeverage[9]) vs \(exact)")
        #expect(inf.conditions[9] == .regular)
    }

    @Test("the generic entry point records failures and flips")
    func genericEntryPoint() throws {
        let a = try LeaveOneOutAnalysis(name: "b", full: (2, 0.01), observations: 4, confidenceLevel: 0.95) { i in
            switch i {
            case 1: return (-1, 0.2)
            case 2: throw StatsError(.rankDeficient, "collinear without it")
            default: return (2.5, 0.001)
            }
        }
        #expect(a.signFlips == [1])
        #expect(a.significanceFlips == [1])
        #expect(a.undefinedObservations == [2])
        #expect(a.drops[2].failure == "collinear without it")
        #expect(a.minimum?.observation == 1 && a.maximum?.estimate == 2.5)
        #expect(throws: StatsError.self) {
            _ = try LeaveOneOutAnalysis(name: "b", full: (1, nil), observations: 1, confidenceLevel: 1) { _ in (1, nil)
            }
        }
    }

    @Test("VAR: equation influence and leave-one-out Granger tests agree with explicit refits")
    func varLeaveOneOut() throws {
        let t = 40
        var a = [Double](repeating: 0, count: t)
        var b = [Double](repeating: 0, count: t)
        for i in 1..<t {
            let u = sin(Double(i) * 1.7) + (i == 20 ? 6 : 0)
            a[i] = 0.5 * a[i - 1] + u
            b[i] = 0.3 * b[i - 1] + 0.4 * a[i - 1] + cos(Double(i) * 2.3)
        }
        let model = try VARModel(data: try Matrix(columns: [a, b]), names: ["a", "b"])
        let influence = try model.equationInfluence(lags: 2)
        #expect(influence.count == 2)
        #expect(influence[0].leverage == influence[1].leverage, "equations share the design")
        let fit = try model.fit(lags: 2)
        Self.expectClose(influence[1].residuals, fit.residuals.column(1), "VAR residuals")
        let loo = try model.leaveOneOutGranger(lags: 2, tests: [(["b"], ["a"])], kind: .f)
        let analysis = try #require(loo.first)
        #expect(analysis.drops.count == fit.nobs)
        // Row 17 (period 19) refitted by hand: the VAR on explicit regressors without it.
        let row = 17
        let reduced = try model.fit(lags: 2, trend: .constant, droppingRow: row)
        #expect(reduced.nobs == fit.nobs - 1)
        let g = try reduced.grangerCausality(caused: ["b"], causing: ["a"], kind: .f)
        #expect(analysis.drops[row].estimate == g.statistic)
        // And that refit is OLS on the remaining rows of each equation.
        let z = VAREstimate.regressors(data: model.data, offset: 0, lags: 2, trend: .constant)
        let keep = (0..<z.rows).filter { $0 != row }
        let design = try DesignMatrix(
            names: model.coefficientNames(lags: 2, trend: .constant), matrix: z.selectingRows(keep))
        let ols = try OLS().fit(y: keep.map { b[$0 + 2] }, design: design)
        Self.expectClose(reduced.coefficients.column(1), ols.coefficients, "reduced VAR equation b")
    }
}
