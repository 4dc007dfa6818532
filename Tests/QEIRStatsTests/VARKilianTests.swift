import Foundation
import QEIRStats
import QEIRTestSupport
import Testing

/// Kilian (1998) bias-corrected bands checked against an independent numpy implementation on
/// fixed residual draws (Fixtures/var_kilian.json, written by
/// Scripts/fixtures/make_var_kilian_fixtures.py), the size of the first-stage bias against the
/// Nicholls–Pope (1988) / Pope (1990) approximation, and a Monte Carlo of the corrected
/// coefficient.
///
/// Tolerance against the fixture: 1e-8 relative with an absolute floor of 1e-11 × the largest
/// magnitude compared (QR in Swift vs lstsq in numpy; bootstrap refits amplify the rounding
/// a little). The stationarity decisions (δ, the shrunk-replicate count) must match exactly.
struct VARKilianTests {
    static let tolerance = 1e-8

    final class Fixture: @unchecked Sendable {
        let root: [String: Any]
        init() {
            let data = (try? Data(contentsOf: TestPaths.fixture("var_kilian.json"))) ?? Data("{}".utf8)
            root = ((try? JSONSerialization.jsonObject(with: data)) as? [String: Any]) ?? [:]
        }
        var cases: [[String: Any]] { root["cases"] as? [[String: Any]] ?? [] }
        var pope: [String: Any] { root["pope"] as? [String: Any] ?? [:] }
    }
    static let fixture = Fixture()
    static let caseIDs = fixture.cases.compactMap { $0["id"] as? String }

    static func num(_ any: Any?) -> Double { (any as? NSNumber)?.doubleValue ?? .nan }
    static func rows(_ any: Any?) -> [[Double]] { (any as? [Any] ?? []).map { ($0 as? [Any] ?? []).map(num) } }
    static func ints(_ any: Any?) -> [[Int]] {
        (any as? [Any] ?? []).map { ($0 as? [Any] ?? []).map { ($0 as? Int) ?? -1 } }
    }
    static func matrices(_ any: Any?) -> [[Double]] { (any as? [Any] ?? []).map { rows($0).flatMap { $0 } } }

    static func expectClose(
        _ label: String, _ actual: [Double], _ expected: [Double], sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(actual.count == expected.count, "\(label): \(actual.count) vs \(expected.count) values")
        let floor = (expected.map(abs).max() ?? 0) * 1e-11 / tolerance
        for (i, (a, e)) in zip(actual, expected).enumerated() {
            #expect(
                isClose(a, e, relative: tolerance, absoluteFloor: floor), "\(label)[\(i)]: \(a) vs \(e)",
                sourceLocation: sourceLocation)
        }
    }

    static func fit(_ c: [String: Any]) throws -> VARResult {
        let model = try VARModel(data: try Matrix(rowMajor: rows(c["data"])), names: c["names"] as? [String] ?? [])
        return try model.fit(
            lags: c["lags"] as? Int ?? 0, trend: VARTrend(rawValue: c["trend"] as? String ?? "") ?? .constant)
    }

    @Test func fixtureLoaded() {
        #expect(Self.caseIDs == ["stable_var2_c", "near_unit_root_var1_c", "var1_ct"])
        #expect(
            Self.fixture.cases.contains { Self.num($0["shrinkage"]) < 1 }, "one case needs the stationarity correction")
    }

    @Test(arguments: caseIDs)
    func fixedDrawsMatchNumpy(id: String) async throws {
        let c = try #require(Self.fixture.cases.first { $0["id"] as? String == id })
        let fit = try Self.fit(c)
        let biasDraws = Self.ints(c["draws_bias"])
        let bandDraws = Self.ints(c["draws_bands"])
        let horizon = c["horizon"] as? Int ?? 0
        let level = Self.num(c["level"])
        Self.expectClose("\(id) OLS modulus", [fit.maxEigenvalueModulus], [Self.num(c["ols_max_modulus"])])
        for method in VARBandMethod.allCases {
            let outcome = try await fit.impulseResponseBands(
                horizon: horizon, replications: bandDraws.count, seed: 0, level: level, method: method,
                firstStageReplications: biasDraws.count, workers: 3, progress: nil
            ) { stage, r in stage == .bias ? biasDraws[r] : bandDraws[r] }
            let bands = try #require(outcome.bands)
            let prefix = method == .percentile ? "percentile" : "kilian"
            Self.expectClose(
                "\(id) \(prefix) lower", bands.lower.flatMap(\.rowArrays).flatMap { $0 },
                Self.matrices(c["\(prefix)_lower"]).flatMap { $0 })
            Self.expectClose(
                "\(id) \(prefix) upper", bands.upper.flatMap(\.rowArrays).flatMap { $0 },
                Self.matrices(c["\(prefix)_upper"]).flatMap { $0 })
            guard method == .kilianBiasCorrected else {
                #expect(bands.biasCorrection == nil && bands.firstStageReplications == 0)
                continue
            }
            let correction = try #require(bands.biasCorrection)
            Self.expectClose(
                "\(id) bias", correction.bias.flatMap(\.rowArrays).flatMap { $0 },
                Self.matrices(c["bias"]).flatMap { $0 })
            #expect(correction.shrinkage == Self.num(c["shrinkage"]), "\(id) δ")
            Self.expectClose(
                "\(id) corrected coefficients", correction.correctedCoefficients.rowArrays.flatMap { $0 },
                Self.rows(c["corrected_coefficients"]).flatMap { $0 })
            Self.expectClose(
                "\(id) corrected modulus", [correction.correctedMaxModulus], [Self.num(c["corrected_max_modulus"])])
            #expect(bands.shrunkReplicates == c["shrunk_replicates"] as? Int, "\(id) shrunk replicates")
            #expect(bands.firstStageReplications == biasDraws.count)
        }
    }

    /// The bootstrap bias of a VAR(1) is the Nicholls–Pope approximation −b/n at the
    /// bootstrap's own data-generating process, up to O(n^(−3/2)) and Monte Carlo error.
    /// With 4000 first-stage replicates on n = 100 the Monte Carlo SE of each element is about
    /// 0.0015; the tolerance 0.006 (a fifth of the largest bias) still fails a bias of the wrong
    /// sign or of twice the size.
    @Test func firstStageBiasMatchesPope() async throws {
        let p = Self.fixture.pope
        let model = try VARModel(data: try Matrix(rowMajor: Self.rows(p["data"])), names: p["names"] as? [String] ?? [])
        let fit = try model.fit(lags: 1)
        let aHat = Self.rows(p["a_hat"]).flatMap { $0 }
        Self.expectClose("Â", fit.lagMatrices[0].rowArrays.flatMap { $0 }, aHat)
        let correction = try await fit.biasCorrection(replications: 4000, seed: 2026)
        let bias = correction.bias[0].rowArrays.flatMap { $0 }
        let pope = Self.rows(p["pope_bias"]).flatMap { $0 }
        for (i, (b, e)) in zip(bias, pope).enumerated() {
            #expect(abs(b - e) < 0.006, "bias[\(i)] \(b) vs Pope \(e)")
        }
        #expect(bias[0] < -0.015 && bias[3] < -0.015, "own-lag slopes are biased down")
        #expect(correction.shrinkage == 1)
        // Ã = Â − Ψ̂ on the slopes.
        for (x, (a, b)) in zip(aHat, bias).enumerated() {
            #expect(abs(correction.correctedLagMatrices[0].rowArrays.flatMap { $0 }[x] - (a - b)) < 1e-12)
        }
    }

    /// For y = 0.9·y₋₁ + e, T = 50, the OLS slope is biased down by about (1 + 3·0.9)/49;
    /// over 200 seeded samples the bias-corrected slope's mean error must be under half of
    /// OLS's, and OLS's mean error must be the expected size (a check on the simulation).
    @Test func biasCorrectionMovesAnAR1SlopeTowardsTheTruth() async throws {
        let truth = 0.9
        var olsError = 0.0
        var correctedError = 0.0
        for s in 0..<200 {
            var rng = ReplicateRandom(seed: 77, stream: UInt64(s))
            var y = Matrix(rows: 50, columns: 1)
            var level = 0.0
            for _ in 0..<50 { level = truth * level + rng.nextStandardNormal() }  // burn-in
            for t in 0..<50 {
                level = truth * level + rng.nextStandardNormal()
                y[t, 0] = level
            }
            let fit = try VARModel(data: y, names: ["y"]).fit(lags: 1)
            let correction = try await fit.biasCorrection(replications: 100, seed: UInt64(s))
            olsError += fit.lagMatrices[0][0, 0] - truth
            correctedError += correction.correctedLagMatrices[0][0, 0] - truth
        }
        olsError /= 200
        correctedError /= 200
        #expect(olsError < -0.04 && olsError > -0.12, "OLS mean error \(olsError)")
        #expect(abs(correctedError) < 0.5 * abs(olsError), "corrected \(correctedError) vs OLS \(olsError)")
    }
}
