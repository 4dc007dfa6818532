import Foundation
import QEIRStats
import QEIRTestSupport
import Testing

/// Parity with statsmodels 0.15 `VAR` on log-differences of macrodata (realgdp, realcons,
/// realinv) and a seeded synthetic 4-variable VAR(2). Fixture: Fixtures/var.json, written by
/// Scripts/fixtures/make_var_fixtures.py.
///
/// Tolerance: 1e-9 relative, with an absolute floor of 1e-12 × the largest magnitude of the
/// quantity compared (residuals, coefficients, IRF matrices), for entries that are zero up to
/// rounding. Companion eigenvalues (from QEIR's own Hessenberg–QR solver vs LAPACK dgeev in
/// numpy) use the same tolerance.
struct VARParityTests {
    static let tolerance = 1e-9

    final class Fixture: @unchecked Sendable {
        let root: [String: Any]
        init() {
            let data = (try? Data(contentsOf: TestPaths.fixture("var.json"))) ?? Data("{}".utf8)
            root = ((try? JSONSerialization.jsonObject(with: data)) as? [String: Any]) ?? [:]
        }
        var fits: [[String: Any]] { root["fits"] as? [[String: Any]] ?? [] }
        var selections: [[String: Any]] { root["select_order"] as? [[String: Any]] ?? [] }
        func model(_ name: String) throws -> VARModel {
            let ds = (root["datasets"] as? [String: Any])?[name] as? [String: Any] ?? [:]
            let names = ds["names"] as? [String] ?? []
            return try VARModel(data: try Matrix(rowMajor: VARParityTests.rows(ds["data"])), names: names)
        }
    }
    static let fixture = Fixture()
    static let fitIDs = fixture.fits.compactMap { $0["id"] as? String }
    static let selectionIDs = fixture.selections.compactMap { $0["id"] as? String }

    static func num(_ any: Any?) -> Double { (any as? NSNumber)?.doubleValue ?? .nan }
    static func rows(_ any: Any?) -> [[Double]] { (any as? [Any] ?? []).map { ($0 as? [Any] ?? []).map(num) } }
    static func vector(_ any: Any?) -> [Double] { (any as? [Any] ?? []).map(num) }

    static func expectClose(
        _ label: String, _ actual: [Double], _ expected: [Double], tolerance: Double = tolerance,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(
            actual.count == expected.count, "\(label): \(actual.count) vs \(expected.count) values",
            sourceLocation: sourceLocation)
        let floor = (expected.map(abs).max() ?? 0) * 1e-12 / tolerance
        for (i, (a, e)) in zip(actual, expected).enumerated() {
            #expect(
                isClose(a, e, relative: tolerance, absoluteFloor: floor), "\(label)[\(i)]: \(a) vs \(e)",
                sourceLocation: sourceLocation)
        }
    }

    static func expectMatrix(
        _ label: String, _ actual: Matrix, _ expected: Any?, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let e = rows(expected)
        #expect(actual.rows == e.count, "\(label): rows", sourceLocation: sourceLocation)
        expectClose(label, actual.rowArrays.flatMap { $0 }, e.flatMap { $0 }, sourceLocation: sourceLocation)
    }

    static func trend(_ s: Any?) -> VARTrend { VARTrend(rawValue: s as? String ?? "c") ?? .constant }

    @Test func fixtureLoaded() {
        #expect(Self.fitIDs.count == 9)
        #expect(Self.selectionIDs.count == 5)
    }

    @Test(arguments: fitIDs)
    func fit(id: String) throws {
        let c = try #require(Self.fixture.fits.first { $0["id"] as? String == id })
        let model = try Self.fixture.model(c["dataset"] as? String ?? "")
        let r = try model.fit(lags: c["lags"] as? Int ?? 0, trend: Self.trend(c["trend"]))
        #expect(r.coefficientNames == c["coef_names"] as? [String])
        #expect(r.nobs == c["nobs"] as? Int)
        #expect(r.dfResid == c["df_resid"] as? Int)
        Self.expectMatrix("\(id) params", r.coefficients, c["params"])
        Self.expectMatrix("\(id) stderr", r.standardErrors, c["stderr"])
        Self.expectMatrix("\(id) sigma_u", r.sigmaU, c["sigma_u"])
        Self.expectMatrix("\(id) sigma_u_mle", r.sigmaUML, c["sigma_u_mle"])
        Self.expectMatrix("\(id) resid", r.residuals, c["resid"])
        Self.expectClose("\(id) llf", [r.logLikelihood], [Self.num(c["llf"])])
        Self.expectClose(
            "\(id) ic", [r.aic, r.bic, r.hqic, r.fpe], ["aic", "bic", "hqic", "fpe"].map { Self.num(c[$0]) })
        #expect(r.isStable == c["is_stable"] as? Bool)
        let eig = r.companionEigenvalues
        Self.expectClose("\(id) |eig|", eig.map(\.modulus), Self.vector(c["eigenvalue_moduli"]))
        let moduli = Self.vector(c["eigenvalue_moduli"])
        let scale = moduli.max() ?? 1
        for (i, (re, im)) in zip(Self.vector(c["eigenvalues_real"]), Self.vector(c["eigenvalues_imag"])).enumerated()
        where i < eig.count {
            #expect(abs(eig[i].real - re) <= Self.tolerance * scale, "\(id) eig[\(i)].re \(eig[i].real) vs \(re)")
            #expect(
                abs(eig[i].imaginary - im) <= Self.tolerance * scale, "\(id) eig[\(i)].im \(eig[i].imaginary) vs \(im)")
        }
        for (key, orth) in [("irfs", false), ("orth_irfs", true)] {
            let expected = c[key] as? [Any] ?? []
            let actual = try r.impulseResponses(horizon: 10, orthogonalized: orth)
            #expect(actual.count == expected.count)
            let all = expected.flatMap { Self.rows($0).flatMap { $0 } }
            let floor = (all.map(abs).max() ?? 0) * 1e-12 / Self.tolerance
            for (h, m) in zip(actual, expected) {
                for (a, e) in zip(h.rowArrays.flatMap { $0 }, Self.rows(m).flatMap { $0 }) {
                    #expect(isClose(a, e, relative: Self.tolerance, absoluteFloor: floor), "\(id) \(key): \(a) vs \(e)")
                }
            }
        }
        for t in c["causality"] as? [[String: Any]] ?? [] {
            let kind: GrangerTestKind = t["kind"] as? String == "wald" ? .wald : .f
            let caused = t["caused"] as? [String] ?? []
            let causing = t["causing"] as? [String] ?? []
            let result = try r.grangerCausality(caused: caused, causing: causing, kind: kind)
            let label = "\(id) \(causing)→\(caused) \(kind)"
            Self.expectClose(
                label, [result.statistic, result.pValue], [Self.num(t["statistic"]), Self.num(t["pvalue"])])
            let df = Self.vector(t["df"])
            switch result.distribution {
            case let .f(d1, d2): #expect(kind == .f && [d1, d2] == df, "\(label) df")
            case let .chiSquared(d1): #expect(kind == .wald && [d1] == df, "\(label) df")
            default: Issue.record("\(label): unexpected distribution")
            }
        }
    }

    @Test(arguments: selectionIDs)
    func selectOrder(id: String) throws {
        let c = try #require(Self.fixture.selections.first { $0["id"] as? String == id })
        let model = try Self.fixture.model(c["dataset"] as? String ?? "")
        let s = try model.selectOrder(
            maxLags: c["maxlags"] as? Int ?? 0, trend: Self.trend(c["trend"]), minimumResidualDF: nil)
        #expect(s.lags == c["lags"] as? [Int])
        let ics = c["ics"] as? [String: Any] ?? [:]
        Self.expectClose("\(id) aic", s.aic, Self.vector(ics["aic"]))
        Self.expectClose("\(id) bic", s.bic, Self.vector(ics["bic"]))
        Self.expectClose("\(id) hqic", s.hqic, Self.vector(ics["hqic"]))
        Self.expectClose("\(id) fpe", s.fpe, Self.vector(ics["fpe"]))
        let selected = c["selected"] as? [String: Int] ?? [:]
        #expect(s.aicOrder == selected["aic"])
        #expect(s.bicOrder == selected["bic"])
        #expect(s.hqicOrder == selected["hqic"])
        #expect(s.fpeOrder == selected["fpe"])
    }
}
