import Foundation
import QEIRTestSupport
import Testing

/// `qeir bootstrap` run as a built binary: JSON keys, determinism, exit codes and messages.
struct BootstrapCommandTests {
    static let example = TestPaths.packageRoot().appendingPathComponent("Examples/data/macro_investment.csv").path

    func json(_ output: ProcessOutput) async throws -> [String: Any] {
        let object = try JSONSerialization.jsonObject(with: Data(output.stdout.utf8))
        return try #require(object as? [String: Any])
    }

    func bootstrap(_ extra: [String]) async throws -> ProcessOutput {
        try await runBuiltExecutableAsync(
            "qeir",
            ["bootstrap", "--data", Self.example, "--y", "inv_growth", "--x", "gdp_growth,real_rate"] + extra)
    }

    @Test func jsonHasTheContractKeys() async throws {
        let out = try await bootstrap([
            "--method", "stationary", "--reps", "199", "--seed", "7", "--ci", "bca", "--confidence", "0.9",
            "--format", "json",
        ])
        #expect(out.status == 0, "stderr: \(out.stderr)")
        let j = try await json(out)
        #expect(j["method"] as? String == "stationary")
        #expect(j["reps"] as? Int == 199)
        #expect(j["seed"] as? Int == 7)
        #expect(j["ci"] as? String == "bca")
        #expect(j["confidence"] as? Double == 0.9)
        #expect(j["nobs"] as? Int == 201)
        let length = try #require(j["block_length"] as? Double)
        #expect(length >= 1 && length < 201)
        let coefficients = try #require(j["coefficients"] as? [String: [String: Any]])
        #expect(Set(coefficients.keys) == ["const", "gdp_growth", "real_rate"])
        for (name, c) in coefficients {
            #expect(c["estimate"] is Double, "\(name) estimate")
            let se = try #require(c["bootstrap_se"] as? Double)
            #expect(se > 0)
            let ci = try #require(c["conf_int"] as? [Double])
            #expect(ci.count == 2 && ci[0] < ci[1], "\(name) interval \(ci)")
        }
    }

    @Test func sameSeedGivesTheSameOutput() async throws {
        let args = ["--method", "wild", "--wild-weights", "webb", "--reps", "99", "--seed", "42", "--format", "json"]
        let a = try await bootstrap(args)
        let b = try await bootstrap(args)
        #expect(a.status == 0, "stderr: \(a.stderr)")
        #expect(a.stdout == b.stdout)
        let j = try await json(a)
        #expect(j["wild_weights"] as? String == "webb")
        #expect(j["block_length"] == nil)
        let c = try await bootstrap([
            "--method", "wild", "--wild-weights", "webb", "--reps", "99", "--seed", "43", "--format", "json",
        ])
        #expect(c.stdout != a.stdout)
    }

    @Test func blockLengthNotBelowNFailsWithExitCodeOne() async throws {
        let out = try await bootstrap(["--method", "block", "--block-length", "201", "--reps", "9", "--format", "json"])
        #expect(out.status == 1)
        #expect(out.stdout.isEmpty)
        #expect(
            out.stderr.contains(
                "The moving-block length (201) must be smaller than the number of observations (201); use a shorter block or leave it unset for the automatic (Politis–White) choice."
            ), "stderr: \(out.stderr)")
    }

    @Test func tableFormatIsDefault() async throws {
        let out = try await bootstrap([
            "--method", "circular", "--block-length", "4", "--reps", "49", "--ci", "studentized",
        ])
        #expect(out.status == 0, "stderr: \(out.stderr)")
        #expect(out.stdout.contains("Bootstrap of OLS coefficients"))
        #expect(out.stdout.contains("circular (block length 4)"))
        #expect(out.stdout.contains("real_rate"))
    }

    @Test func usageErrorsExitWith2() async throws {
        let method = try await bootstrap(["--method", "jackknife"])
        #expect(method.status == 2)
        #expect(method.stderr.contains("Unknown method 'jackknife'"))
        let weights = try await bootstrap(["--method", "pairs", "--wild-weights", "webb"])
        #expect(weights.status == 2)
        #expect(weights.stderr.contains("--wild-weights applies only to --method wild."))
    }
}
