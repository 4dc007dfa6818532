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
            "regimes", "nobs", "regime_cov", "eta2_method", "min_regime_size", "estimate_over", "profile_gamma",
            "profile_lr", "diagnostics", "distinct_threshold_values",
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
        #expect(regimes.allSatisfy { ($0["residual_df"] as? Int) == ($0["nobs"] as? Int ?? 0) - 2 })
        #expect(j["regime_cov"] as? String == "pooled")
        #expect(j["min_regime_size"] as? Int == 3)
        let gamma = try #require(j["profile_gamma"] as? [Double])
        #expect(gamma.count == (j["profile_lr"] as? [Double])?.count && gamma.count > 150)
        let codes = (j["diagnostics"] as? [[String: Any]] ?? []).compactMap { $0["code"] as? String }
        #expect(codes.contains("conditional_on_split"))
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

    /// Hansen's `thr_est` (his grid of k + 2 per regime, γ̂ over every split, HC0 regime SEs,
    /// kernel η²) as ported in Scripts/fixtures/make_threshold_hansen_fixtures.py.
    @Test func reproducesHansensCode() async throws {
        let out = try await runBuiltExecutableAsync(
            "qeir",
            Self.base + [
                "--bootstrap", "0", "--cov", "hc", "--estimate-over", "all", "--min-regime-size", "4", "--format",
                "json",
            ])
        #expect(out.status == 0, "\(out.stderr)")
        let j = try #require(try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any])
        let fixtureURL = TestPaths.packageRoot().appendingPathComponent(
            "Tests/QEIRStatsTests/Fixtures/threshold_hansen.json")
        let fixture = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: fixtureURL)) as? [String: Any])
        let hansen = try #require(
            (fixture["cases"] as? [[String: Any]])?.first { $0["id"] as? String == "macro_kernel" })
        #expect(j["regime_cov"] as? String == "hc0")
        #expect(j["eta2_method"] as? String == "kernel")
        // Compared to 1e-12: the CSV reader returns 0.9400000000000001 for "0.94" (one ulp).
        let threshold = try #require(j["threshold"] as? Double)
        #expect(abs(threshold - (try #require(hansen["threshold"] as? Double))) <= 1e-12)
        let eta2 = try #require(j["eta2"] as? Double)
        let expectedEta2 = try #require(hansen["eta2"] as? Double)
        #expect(abs(eta2 - expectedEta2) <= 1e-9 * expectedEta2)
        // Hansen's interval here reaches the ends of q (his code scores unfittable splits with the
        // linear SSR); QEIR's is read over the admissible splits and says it is censored.
        #expect(j["conf_int"] as? [Double] == hansen["conf_int_admissible"] as? [Double])
        let codes = (j["diagnostics"] as? [[String: Any]] ?? []).compactMap { $0["code"] as? String }
        #expect(codes.contains("interval_at_grid_end"))
        let regimes = try #require(j["regimes"] as? [[String: Any]])
        let expected = try #require(hansen["regimes"] as? [[String: Any]])
        for (r, e) in zip(regimes, expected) {
            let se = try #require(r["std_errors"] as? [String: Double])
            let want = try #require(e["std_errors"] as? [Double])
            for (name, w) in zip(["const", "gdp_growth"], want) {
                let got = try #require(se[name])
                #expect(abs(got - w) <= 1e-9 * w, "\(name): \(got) vs \(w)")
            }
        }
    }

    @Test func regimeCovarianceAndEta2AreSelectable() async throws {
        let out = try await runBuiltExecutableAsync(
            "qeir",
            Self.base + [
                "--bootstrap", "0", "--cov", "hc", "--regime-cov", "hc3", "--eta2", "quadratic", "--format", "json",
            ])
        #expect(out.status == 0, "\(out.stderr)")
        let j = try #require(try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any])
        #expect(j["regime_cov"] as? String == "hc3")
        #expect(j["eta2_method"] as? String == "quadratic")
        let regimes = try #require(j["regimes"] as? [[String: Any]])
        #expect(regimes.allSatisfy { $0["covariance"] as? String == "hc3" })
        let table = try await runBuiltExecutableAsync("qeir", Self.base + ["--bootstrap", "0", "--regime-cov", "hc1"])
        #expect(table.status == 0)
        #expect(table.stdout.contains("residual df), SSR"))
        #expect(table.stdout.contains("hc1 SEs"))
        #expect(
            table.stdout.contains("Note: Regime standard errors treat the split at the estimated threshold as known"))
    }

    @Test func minimumRegimeSizeBelowTheFloorIsAnError() async throws {
        let out = try await runBuiltExecutableAsync(
            "qeir", Self.base + ["--bootstrap", "0", "--min-regime-size", "2"])
        #expect(out.status == 1)
        #expect(
            out.stderr.contains(
                "The minimum regime size must be at least the number of regressors + 1 = 3 (a regime needs one residual degree of freedom); got 2."
            ))
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
