import Foundation
import QEIRTestSupport
import Testing

/// `qeir threshold` run as a built binary.
struct ThresholdCommandTests {
    static let example = TestPaths.packageRoot().appendingPathComponent("Examples/data/macro_investment.csv").path
    static let base = [
        "threshold", "--data", example, "--y", "inv_growth", "--x", "gdp_growth", "--threshold-var", "tbill_lag",
    ]

    @Test func jsonContract() async throws {
        let out = try await runBuiltExecutableAsync(
            "qeir", Self.base + ["--bootstrap", "50", "--seed", "3", "--format", "json"])
        #expect(out.status == 0, "\(out.stderr)")
        let j = try #require(try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any])
        for key in [
            "threshold", "conf_int", "ssr", "ssr_linear", "test_statistic", "test", "p_value", "bootstrap_reps",
            "regimes", "nobs",
        ] {
            #expect(j[key] != nil, "missing \(key)")
        }
        #expect(j["test"] as? String == "sup_f")
        #expect(j["bootstrap_reps"] as? Int == 50)
        #expect((j["conf_int"] as? [Double])?.count == 2)
        let regimes = try #require(j["regimes"] as? [[String: Any]])
        #expect(regimes.count == 2)
        #expect((regimes[0]["coefficients"] as? [String: Double])?.keys.sorted() == ["const", "gdp_growth"])
        #expect((regimes[0]["nobs"] as? Int ?? 0) + (regimes[1]["nobs"] as? Int ?? 0) == 201)
        #expect(out.stderr.contains("bootstrap: 50/50 (100%)"))
        let split = try #require(j["conf_int_split"] as? [Double])
        let ci = try #require(j["conf_int"] as? [Double])
        #expect(split[0] == ci[0] && split[1] > ci[1])
    }

    @Test func robustCovarianceDefaultsToTheLMTest() async throws {
        let out = try await runBuiltExecutableAsync(
            "qeir", Self.base + ["--bootstrap", "20", "--cov", "hc", "--format", "json"],
            environment: ["QEIR_QUIET": "1"])
        #expect(out.status == 0)
        #expect(out.stderr.isEmpty)
        let j = try #require(try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any])
        #expect(j["test"] as? String == "sup_lm")
        #expect(j["cov_type"] as? String == "hc")
    }

    @Test func sameSeedSameAnswer() async throws {
        let args =
            Self.base + ["--bootstrap", "40", "--seed", "11", "--cov", "hc", "--test", "sup_lm", "--format", "json"]
        let a = try await runBuiltExecutableAsync("qeir", args)
        let b = try await runBuiltExecutableAsync("qeir", args)
        #expect(a.status == 0)
        #expect(a.stdout == b.stdout)
    }

    @Test func constantThresholdVariableIsAnError() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        var csv = "y,x,q\n"
        for i in 0..<30 { csv += "\(i % 7),\(i),1\n" }
        let file = try dir.write(csv, to: "t.csv")
        let out = try await runBuiltExecutableAsync(
            "qeir",
            ["threshold", "--data", file.path, "--y", "y", "--x", "x", "--threshold-var", "q", "--bootstrap", "0"])
        #expect(out.status == 1)
        #expect(out.stderr.contains("The threshold variable 'q' is constant"))
    }

    @Test func badTrimIsAUsageError() async throws {
        let out = try await runBuiltExecutableAsync("qeir", Self.base + ["--trim", "0.7"])
        #expect(out.status == 2)
        #expect(out.stderr.contains("--trim must be in [0, 0.5)"))
    }
}
