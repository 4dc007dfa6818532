import Foundation
import QEIRTestSupport
import Testing

/// `qeir stationarity` is run as a built binary: stdout, stderr and exit codes are the contract.
///
/// Expected numbers are statsmodels 0.15 on Examples/data/macro_investment.csv
/// (`adfuller(x, regression='c', autolag='AIC')`, `adfuller(x, maxlag=3, regression='ct',
/// autolag=None)`, `kpss(x, 'c', nlags='auto')`, `kpss(x, 'ct', nlags=4)`), to 1e-9 relative.
struct StationarityCommandTests {
    static let example = TestPaths.packageRoot().appendingPathComponent("Examples/data/macro_investment.csv").path

    func array(_ output: ProcessOutput) throws -> [[String: Any]] {
        let object = try JSONSerialization.jsonObject(with: Data(output.stdout.utf8))
        return try #require(object as? [[String: Any]])
    }

    func close(_ a: Any?, _ b: Double) -> Bool {
        guard let a = (a as? NSNumber)?.doubleValue else { return false }
        return isClose(a, b, relative: 1e-9)
    }

    @Test func adfJSONHasTheContractKeysAndStatsmodelsNumbers() async throws {
        let out = try await runQEIR([
            "stationarity", "--data", Self.example, "--columns", "tbill,unemp,inv_growth", "--format", "json",
        ])
        #expect(out.status == 0, "stderr: \(out.stderr)")
        let rows = try array(out)
        #expect(rows.map { $0["column"] as? String } == ["tbill", "unemp", "inv_growth"])
        for row in rows {
            for key in ["column", "test", "statistic", "p_value", "lags", "nobs", "critical_values"] {
                #expect(row[key] != nil, "missing key \(key)")
            }
            #expect(row["test"] as? String == "adf")
        }
        #expect(close(rows[0]["statistic"], -1.9916126948613344))
        #expect(close(rows[0]["p_value"], 0.29026270589505093))
        #expect(rows[0]["lags"] as? Int == 7)
        #expect(rows[0]["nobs"] as? Int == 193)
        let critical = try #require(rows[0]["critical_values"] as? [String: Any])
        #expect(Set(critical.keys) == ["1%", "5%", "10%"])
        #expect(close(critical["1%"], -3.4646940755442612))
        #expect(close(critical["5%"], -2.8766348847254934))
        #expect(close(critical["10%"], -2.5748163958763994))
        #expect(close(rows[1]["statistic"], -2.536758880809449))
        #expect(rows[1]["lags"] as? Int == 9)
        #expect(close(rows[2]["p_value"], 3.0449616798820144e-22))
    }

    @Test func adfWithATrendAndAFixedLag() async throws {
        let out = try await runQEIR([
            "stationarity", "--data", Self.example, "--columns", "tbill", "--regression", "ct", "--lags", "3",
            "--format", "json",
        ])
        #expect(out.status == 0, "stderr: \(out.stderr)")
        let row = try #require(try array(out).first)
        #expect(close(row["statistic"], -2.627376835260672))
        #expect(close(row["p_value"], 0.2674532079614139))
        #expect(row["lags"] as? Int == 3)
        #expect(row["nobs"] as? Int == 197)
    }

    @Test func kpssReportsTheTableBound() async throws {
        let auto = try await runQEIR([
            "stationarity", "--data", Self.example, "--columns", "tbill,unemp", "--test", "kpss", "--format", "json",
        ])
        #expect(auto.status == 0, "stderr: \(auto.stderr)")
        let rows = try array(auto)
        #expect(rows[0]["test"] as? String == "kpss")
        #expect(close(rows[0]["statistic"], 0.45863353467605883))
        #expect(close(rows[0]["p_value"], 0.05188209712238845))
        #expect(rows[0]["p_value_bound"] is NSNull)
        #expect(rows[0]["lags"] as? Int == 9)
        #expect(close(rows[1]["statistic"], 0.23137299261855965))
        #expect(close(rows[1]["p_value"], 0.1))
        #expect(rows[1]["p_value_bound"] as? String == "greater")
        let critical = try #require(rows[0]["critical_values"] as? [String: Any])
        #expect(Set(critical.keys) == ["1%", "2.5%", "5%", "10%"])
        #expect(close(critical["5%"], 0.463))
        let trend = try await runQEIR([
            "stationarity", "--data", Self.example, "--columns", "unemp", "--test", "kpss", "--regression", "ct",
            "--lags", "4",
        ])
        #expect(trend.status == 0, "stderr: \(trend.stderr)")
        #expect(trend.stdout.contains("KPSS test (H0: trend stationarity)"))
        #expect(trend.stdout.contains("0.3931"))
        #expect(trend.stdout.contains("< 0.01"))
    }

    @Test func tableNamesEveryColumn() async throws {
        let out = try await runQEIR(["stationarity", "--data", Self.example, "--columns", "tbill,inv_growth"])
        #expect(out.status == 0, "stderr: \(out.stderr)")
        #expect(out.stdout.hasPrefix("Augmented Dickey–Fuller test (H0: unit root), regression 'c'"))
        #expect(out.stdout.contains("tbill"))
        #expect(out.stdout.contains("-1.9916"))
        #expect(out.stdout.contains("inv_growth"))
        #expect(!out.stdout.contains("low power"))
    }

    @Test func missingColumnExitsWith2NamingIt() async throws {
        let out = try await runQEIR(["stationarity", "--data", Self.example, "--columns", "tbill,nope"])
        #expect(out.status == 2)
        #expect(out.stdout.isEmpty)
        #expect(out.stderr.contains("has no column 'nope'"))
    }

    @Test func nonNumericCellExitsWith2NamingColumnAndRow() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let rows = (1...30).map { "\($0),\(Double($0 % 7) * 0.5)" }
        var lines = ["t,x"] + rows
        lines[12] = "12,oops"
        let file = try dir.write(lines.joined(separator: "\n") + "\n", to: "bad.csv")
        let out = try await runQEIR(["stationarity", "--data", file.path, "--columns", "x"])
        #expect(out.status == 2)
        #expect(out.stderr.contains("column 'x' has a non-numeric value ('oops') at data row 12"))
    }

    @Test func aConstantColumnIsAModelErrorWithExit1() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let file = try dir.write("x\n" + String(repeating: "2.5\n", count: 30), to: "flat.csv")
        let out = try await runQEIR(["stationarity", "--data", file.path, "--columns", "x", "--test", "kpss"])
        #expect(out.status == 1)
        #expect(out.stderr.contains("The KPSS test of 'x' cannot run on a constant series"))
    }

    @Test func shortSamplesCarryTheLowPowerNote() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        // A random walk from a fixed linear congruential generator (no exact recurrences, so no collinear lags).
        var state: UInt64 = 20_261_207
        var level = 0.0
        let values = (0..<30).map { _ in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            level += Double(state >> 11) / 9_007_199_254_740_992 - 0.5
            return String(level)
        }
        let file = try dir.write("x\n" + values.joined(separator: "\n") + "\n", to: "short.csv")
        let out = try await runQEIR(["stationarity", "--data", file.path, "--columns", "x"])
        #expect(out.status == 0, "stderr: \(out.stderr)")
        #expect(out.stdout.contains("low power"))
    }

    @Test func usageErrorsExitWith2() async throws {
        let both = try await runQEIR([
            "stationarity", "--data", Self.example, "--columns", "tbill", "--lags", "2", "--autolag", "bic",
        ])
        #expect(both.status == 2)
        #expect(both.stderr.contains("Give either --lags N (a fixed lag) or --autolag, not both."))
        let kpssNone = try await runQEIR([
            "stationarity", "--data", Self.example, "--columns", "tbill", "--test", "kpss", "--regression", "n",
        ])
        #expect(kpssNone.status == 2)
        #expect(kpssNone.stderr.contains("Unknown --regression 'n' for kpss; use one of c, ct."))
    }
}
