import Foundation
import QEIRTestSupport
import Testing

/// `qeir regress` is run as a built binary: stdout, stderr and exit codes are the contract.
struct RegressCommandTests {
    static let example = TestPaths.packageRoot().appendingPathComponent("Examples/data/macro_investment.csv").path

    func json(_ output: ProcessOutput) async throws -> [String: Any] {
        let object = try JSONSerialization.jsonObject(with: Data(output.stdout.utf8))
        return try #require(object as? [String: Any])
    }

    @Test func olsJSONHasTheContractKeys() async throws {
        let out = try await runBuiltExecutableAsync(
            "qeir",
            [
                "regress", "--data", Self.example, "--y", "inv_growth", "--x", "gdp_growth,real_rate", "--cov", "hc1",
                "--format", "json",
            ])
        #expect(out.status == 0, "stderr: \(out.stderr)")
        let j = try await json(out)
        for key in [
            "model", "nobs", "df_resid", "coefficients", "std_errors", "t_values", "p_values", "conf_int",
            "r_squared", "adj_r_squared", "f_statistic", "f_pvalue", "ssr", "sigma", "cov_type",
        ] {
            #expect(j[key] != nil, "missing key \(key)")
        }
        #expect(j["model"] as? String == "ols")
        #expect(j["cov_type"] as? String == "hc1")
        #expect(j["nobs"] as? Int == 201)
        let coefs = try #require(j["coefficients"] as? [String: Double])
        #expect(Set(coefs.keys) == ["const", "gdp_growth", "real_rate"])
        let ci = try #require(j["conf_int"] as? [String: [Double]])
        #expect(ci["gdp_growth"]?.count == 2)
    }

    @Test func numbersCarrySeventeenSignificantDigits() async throws {
        let out = try await runBuiltExecutableAsync(
            "qeir", ["regress", "--data", Self.example, "--y", "inv_growth", "--x", "gdp_growth", "--format", "json"])
        #expect(out.status == 0)
        let line = try #require(out.stdout.split(separator: "\n").first { $0.contains("\"ssr\"") })
        let digits = line.split(separator: ":")[1].filter(\.isNumber)
        #expect(digits.count >= 17, "ssr printed as \(line)")
    }

    @Test func ivJSONHasDiagnostics() async throws {
        let out = try await runBuiltExecutableAsync(
            "qeir",
            [
                "regress", "--data", Self.example, "--y", "inv_growth", "--x", "real_rate", "--endog", "gdp_growth",
                "--instruments", "gdp_growth_lag,m1_growth,tbill_lag", "--cov", "hc0", "--format", "json",
            ])
        #expect(out.status == 0, "stderr: \(out.stderr)")
        let j = try await json(out)
        #expect(j["model"] as? String == "iv2sls")
        let fs = try #require(j["first_stage"] as? [String: [String: Any]])
        #expect(fs["gdp_growth"]?["f_statistic"] is Double)
        #expect(fs["gdp_growth"]?["partial_r_squared"] is Double)
        #expect(j["j_statistic"] is Double)
        #expect(j["j_pvalue"] is Double)
        #expect(j["wu_hausman"] is [String: Any])
    }

    @Test func tableFormatIsDefault() async throws {
        let out = try await runBuiltExecutableAsync(
            "qeir", ["regress", "--data", Self.example, "--y", "inv_growth", "--x", "gdp_growth"])
        #expect(out.status == 0)
        #expect(out.stdout.contains("OLS Regression Results"))
        #expect(out.stdout.contains("gdp_growth"))
    }

    @Test func missingColumnFailsWithItsName() async throws {
        let out = try await runBuiltExecutableAsync(
            "qeir", ["regress", "--data", Self.example, "--y", "inv_growth", "--x", "nope", "--format", "json"])
        #expect(out.status == 1)
        #expect(out.stdout.isEmpty)
        #expect(out.stderr.contains("has no column 'nope'"))
    }

    @Test func collinearDesignFailsWithTheColumn() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let file = try dir.write("y,a,b,c\n1,1,2,3\n2,2,1,3\n4,3,5,8\n3,4,4,8\n5,5,7,12\n", to: "c.csv")
        let out = try await runBuiltExecutableAsync(
            "qeir", ["regress", "--data", file.path, "--y", "y", "--x", "a,b,c"])
        #expect(out.status == 1)
        #expect(out.stderr.contains("regressor column 'c' is a linear combination"))
    }

    @Test func raggedCSVFailsWithTheRow() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let file = try dir.write("y,a\n1,2\n3\n", to: "r.csv")
        let out = try await runBuiltExecutableAsync("qeir", ["regress", "--data", file.path, "--y", "y", "--x", "a"])
        #expect(out.status == 1)
        #expect(out.stderr.contains("data row 2 has 1 field(s)"))
    }

    @Test func usageErrorsExitWith2() async throws {
        let out = try await runBuiltExecutableAsync(
            "qeir", ["regress", "--data", Self.example, "--y", "inv_growth", "--x", "gdp_growth", "--cov", "hc9"])
        #expect(out.status == 2)
        #expect(out.stderr.contains("Unknown covariance 'hc9'"))
    }

    @Test func endogenousWithoutInstrumentsIsRefused() async throws {
        let out = try await runBuiltExecutableAsync(
            "qeir", ["regress", "--data", Self.example, "--y", "inv_growth", "--endog", "gdp_growth"])
        #expect(out.status == 1)
        #expect(out.stderr.contains("have no instruments"))
    }
}
