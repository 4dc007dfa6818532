import Foundation
import QEIRTestSupport
import Testing

/// `qeir hypothesis batch` end to end on the embedded data, through the built executable.
@Suite("qeir hypothesis batch", .serialized)
struct HypothesisBatchCommandTests {
    var environment: [String: String] { quietCLIEnvironment }

    func qeir(_ arguments: [String]) async throws -> ProcessOutput { try await runQEIR(arguments) }

    func writeConfiguration(_ directory: TemporaryDirectory) throws -> URL {
        try writeSmallBatchConfiguration(directory)
    }

    @Test(
        "a 2 × 2 batch on the embedded data: results, manifests, metrics, reports; the specifications differ; a rerun refuses, --resume repeats nothing"
    )
    func batch() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let config = try writeConfiguration(directory)
        let output = directory.url.appendingPathComponent("out")
        let first = try await qeir(["hypothesis", "batch", "--config", config.path, "--output", output.path])
        #expect(first.status == 0, "stderr: \(first.stderr)")
        #expect(first.stderr.contains("embedded offline FRED snapshot"))
        #expect(first.stdout.contains("4 succeeded, 0 failed"))

        let ids = try FileManager.default.contentsOfDirectory(atPath: output.appendingPathComponent("jobs").path)
            .sorted()
        #expect(
            ids == [
                "hypothesis_alternative_20080101_20151231", "hypothesis_alternative_20160101_20220930",
                "hypothesis_default_20080101_20151231", "hypothesis_default_20160101_20220930",
            ])
        func result(_ id: String) throws -> [String: Any] {
            let data = try Data(contentsOf: output.appendingPathComponent("jobs/\(id)/result.json"))
            return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        }
        let manifestData = try Data(contentsOf: output.appendingPathComponent("jobs/\(ids[0])/manifest.json"))
        let manifest = try #require(try JSONSerialization.jsonObject(with: manifestData) as? [String: Any])
        #expect((manifest["content_hash"] as? String)?.hasPrefix("sha256:") == true)
        #expect(manifest["attempts"] as? Int == 1)
        #expect((manifest["provenance"] as? [String])?.isEmpty == false)
        // The default and alternative specifications use different data and give different results.
        let defaultResult = try result("hypothesis_default_20080101_20151231")
        let alternativeResult = try result("hypothesis_alternative_20080101_20151231")
        let defaultText = String(
            decoding: try JSONSerialization.data(withJSONObject: defaultResult["results"]!), as: UTF8.self)
        let alternativeText = String(
            decoding: try JSONSerialization.data(withJSONObject: alternativeResult["results"]!), as: UTF8.self)
        #expect(defaultText != alternativeText)
        #expect(defaultText.contains("UNRATE") || defaultText.contains("unemployment"))
        #expect(alternativeText.contains("KCFSI"))

        for name in [
            "monitoring.db", "reports/report.html", "reports/report.json", "reports/job_metrics.csv",
            "reports/comparison.txt",
        ] {
            #expect(FileManager.default.fileExists(atPath: output.appendingPathComponent(name).path), "\(name)")
        }
        let report = try String(contentsOf: output.appendingPathComponent("reports/report.json"), encoding: .utf8)
        #expect(report.contains("hypothesis_default_20080101_20151231"))

        // The comparison carries the Holm and Benjamini–Hochberg adjusted p-values.
        let comparison = try #require(
            try JSONSerialization.jsonObject(
                with: try Data(contentsOf: output.appendingPathComponent("reports/comparison.json"))) as? [String: Any])
        let families = try #require((comparison["multiple_testing"] as? [String: Any])?["families"] as? [[String: Any]])
        let lp8 = try #require(families.first { $0["test"] as? String == "lp_h8" })
        #expect(lp8["hypothesis"] as? Int == 2)
        let tests = try #require(lp8["tests"] as? [[String: Any]])
        #expect(tests.count == 4 && tests.allSatisfy { $0["p_holm"] is Double && $0["p_bh"] is Double })

        // `hypothesis data` prints exactly the table the job wrote as data/h2.csv.
        let written = try String(
            contentsOf: output.appendingPathComponent("jobs/hypothesis_default_20160101_20220930/data/h2.csv"),
            encoding: .utf8)
        let printed = try await qeir([
            "hypothesis", "data", "--config", config.path, "--period", "2016-01-01:2022-09-30", "--specification",
            "default", "--hypothesis", "2",
        ])
        #expect(printed.status == 0, "stderr: \(printed.stderr)")
        #expect(printed.stdout == written)
        #expect(written.hasPrefix("date,investment,qe_intensity,distortion,rate_channel"))

        let list = try await qeir([
            "hypothesis", "batch-manage", "list", "--output", output.path, "--status", "succeeded",
        ])
        #expect(list.status == 0)
        #expect(list.stdout.split(separator: "\n").count == 5)

        // Running again without --resume is refused (exit 2); with --resume nothing repeats.
        let again = try await qeir(["hypothesis", "batch", "--config", config.path, "--output", output.path])
        #expect(again.status == 2)
        #expect(again.stderr.contains("--resume"))
        let resumed = try await qeir([
            "hypothesis", "batch", "--config", config.path, "--output", output.path, "--resume",
        ])
        #expect(resumed.status == 0, "stderr: \(resumed.stderr)")
        let after = try Data(contentsOf: output.appendingPathComponent("jobs/\(ids[0])/manifest.json"))
        #expect(after == manifestData)
    }

    @Test(
        "killing the CLI mid-batch (SIGKILL) and re-running with --resume finishes the batch without repeating finished jobs"
    )
    func killAndResume() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let seed = try String(
            contentsOf: TestPaths.packageRoot().appendingPathComponent("Examples/batch_config.json"), encoding: .utf8)
        let config = try directory.write(
            seed.replacingOccurrences(of: "\"bootstrap_iterations\": 499", with: "\"bootstrap_iterations\": 3999"),
            to: "batch_config.json")
        let output = directory.url.appendingPathComponent("out")
        let process = Process()
        process.executableURL = builtExecutableURL("qeir")
        process.arguments = [
            "hypothesis", "batch", "--config", config.path, "--output", output.path, "--max-workers", "1",
        ]
        process.environment = environment
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let jobs = output.appendingPathComponent("jobs")
        @Sendable func finished() -> [String] {
            let ids = (try? FileManager.default.contentsOfDirectory(atPath: jobs.path)) ?? []
            return ids.filter {
                FileManager.default.fileExists(atPath: jobs.appendingPathComponent("\($0)/manifest.json").path)
            }.sorted()
        }
        // Kill soon after the first job has written its results (off the cooperative pool: this
        // polls); a little later most of the time, so that its success is usually committed.
        let killedAfter: [String] = await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                while process.isRunning && finished().isEmpty { usleep(2_000) }
                usleep(100_000)
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
                continuation.resume(returning: finished())
            }
        }
        #expect(!killedAfter.isEmpty && killedAfter.count < 4, "killed after \(killedAfter)")
        // Finished = success committed in the store (a manifest written just before the kill
        // whose commit was cut off belongs to a job that rightly runs again: at-least-once).
        let list = try await qeir([
            "hypothesis", "batch-manage", "list", "--output", output.path, "--status", "succeeded", "--format", "json",
        ])
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: String]])
        let committed = rows.compactMap { $0["job_id"] }.sorted()
        #expect(!committed.isEmpty && committed.count < 4, "committed before the kill: \(committed)")
        let before = try committed.map { try Data(contentsOf: jobs.appendingPathComponent("\($0)/manifest.json")) }

        let resumed = try await qeir([
            "hypothesis", "batch", "--config", config.path, "--output", output.path, "--resume",
        ])
        #expect(resumed.status == 0, "stderr: \(resumed.stderr)")
        #expect(resumed.stdout.contains("4 succeeded"))
        #expect(finished().count == 4)
        // Jobs finished before the kill were not run again: their manifests are byte-identical.
        let after = try committed.map { try Data(contentsOf: jobs.appendingPathComponent("\($0)/manifest.json")) }
        #expect(after == before)
    }

    @Test("batch-manage cancel, from another process, stops a running job; its batch ends and exits 1")
    func cancelFromAnotherProcess() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        // One job whose bootstrap would run for hours.
        let config = try directory.write(
            #"{"base_config": {"bootstrap_iterations": 50000000, "hypotheses": [1]}, "periods": [["2008-01-01", "2015-12-31"]]}"#,
            to: "long.json")
        let output = directory.url.appendingPathComponent("out")
        let process = Process()
        process.executableURL = builtExecutableURL("qeir")
        process.arguments = ["hypothesis", "batch", "--config", config.path, "--output", output.path]
        process.environment = environment
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer { if process.isRunning { process.terminate() } }
        // Wait until the job runs.
        var running = false
        for _ in 0..<600 where !running {
            try await Task.sleep(for: .milliseconds(100))
            let list = try await qeir([
                "hypothesis", "batch-manage", "list", "--output", output.path, "--status", "running",
            ])
            running = list.stdout.contains("hypothesis_default_20080101_20151231")
        }
        #expect(running)
        let cancel = try await qeir([
            "hypothesis", "batch-manage", "cancel", "--output", output.path, "hypothesis_default_20080101_20151231",
        ])
        #expect(cancel.status == 0, "stderr: \(cancel.stderr)")
        #expect(cancel.stdout.contains("cancel requested"))
        let status: Int32 = await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                process.waitUntilExit()
                continuation.resume(returning: process.terminationStatus)
            }
        }
        #expect(status == 1)
        let cancelled = try await qeir([
            "hypothesis", "batch-manage", "list", "--output", output.path, "--status", "cancelled",
        ])
        #expect(cancelled.stdout.contains("hypothesis_default_20080101_20151231"))
    }

    @Test("configuration errors exit 2 and name the JSON path; config validate accepts the seed's format")
    func configurationErrors() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let bad = try directory.write(
            #"{"base_config": {"confidence_level": 1.5}, "periods": [["2008-01-01", "2015-12-31"]]}"#, to: "bad.json")
        let run = try await qeir([
            "hypothesis", "batch", "--config", bad.path, "--output", directory.url.appendingPathComponent("o").path,
        ])
        #expect(run.status == 2)
        #expect(run.stderr.contains("confidence_level"))
        // `hypothesis test` and `hypothesis data`: configuration errors exit 2 too.
        let badHypotheses = try directory.write(
            #"{"base_config": {"hypotheses": [4]}, "periods": [["2008-01-01", "2015-12-31"]]}"#, to: "h.json")
        for arguments in [
            ["hypothesis", "test", "--hypothesis", "1", "--config", bad.path],
            ["hypothesis", "test", "--hypothesis", "2", "--config", badHypotheses.path],
            ["hypothesis", "data", "--hypothesis", "1", "--period", "2008-2015", "--config", bad.path],
        ] {
            let refused = try await qeir(arguments)
            #expect(refused.status == 2, "\(arguments): \(refused.stderr)")
        }
        let refused = try await qeir(["hypothesis", "test", "--hypothesis", "2", "--config", badHypotheses.path])
        #expect(refused.stderr.contains("hypotheses[0]: expected 1, 2 or 3, found 4"))
        let seed = try await qeir(["config", "create", "--template", "batch"])
        let file = try directory.write(seed.stdout, to: "seed.json")
        let valid = try await qeir(["config", "validate", file.path])
        #expect(valid.status == 0)
        #expect(valid.stdout.contains("2 period(s) × 2 specification(s)"))
    }
}
