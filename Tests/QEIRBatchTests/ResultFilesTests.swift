import Foundation
import Testing

@testable import QEIRBatch

@Suite("ResultFiles")
struct ResultFilesTests {
    let base: URL
    let files: ResultFiles
    let job: JobID

    init() throws {
        base = FileManager.default.temporaryDirectory
            .appendingPathComponent("qeir-results-\(UUID().uuidString)", isDirectory: true)
        files = ResultFiles(baseDirectory: base)
        job = try JobID("period_2008_2015")
    }

    func names(in directory: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
    }

    func message(_ body: () throws(BatchError) -> Void) -> String? {
        do {
            try body()
            return nil
        } catch {
            return error.message
        }
    }

    @Test func directoryIsPerJobAndCreatedOnDemand() throws {
        defer { try? FileManager.default.removeItem(at: base) }
        let directory = try files.directory(for: job)
        #expect(directory.lastPathComponent == "period_2008_2015")
        #expect(directory.deletingLastPathComponent().standardizedFileURL == base.standardizedFileURL)
        var isDirectory: ObjCBool = false
        #expect(FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory))
        #expect(isDirectory.boolValue)
    }

    @Test func atomicWriteReplacesContentAndLeavesNoTemporaryFiles() throws {
        defer { try? FileManager.default.removeItem(at: base) }
        let first = try files.writeAtomically(Data("old".utf8), to: "estimates.csv", job: job)
        let second = try files.writeAtomically(Data("new content".utf8), to: "estimates.csv", job: job)
        #expect(first == second)
        #expect(try Data(contentsOf: second) == Data("new content".utf8))
        #expect(try names(in: files.directory(for: job)) == ["estimates.csv"])
    }

    @Test(arguments: [
        ("", "Result file name '' is empty; use a plain file name inside the job directory."),
        ("..", "Result file name '..' names a directory; use a plain file name inside the job directory."),
        (".", "Result file name '.' names a directory; use a plain file name inside the job directory."),
        (
            "../escape.csv",
            "Result file path '../escape.csv' has the component '..', which is not a plain name; use names such as "
                + "data/h1.csv inside the job directory."
        ),
        (
            "/etc/passwd",
            "Result file path '/etc/passwd' has the component '', which is not a plain name; use names such as "
                + "data/h1.csv inside the job directory."
        ),
        (
            "data//h1.csv",
            "Result file path 'data//h1.csv' has the component '', which is not a plain name; use names such as "
                + "data/h1.csv inside the job directory."
        ),
        (
            "data/",
            "Result file path 'data/' has the component '', which is not a plain name; use names such as "
                + "data/h1.csv inside the job directory."
        ),
    ])
    func rejectsBadNames(_ name: String, _ expected: String) throws {
        defer { try? FileManager.default.removeItem(at: base) }
        #expect(message { () throws(BatchError) in try files.writeAtomically(Data(), to: name, job: job) } == expected)
        do {
            try files.writeAtomically(Data(), to: name, job: job)
        } catch {
            #expect(error.code == .invalidResultName)
            #expect(error.context == ["name": name])
        }
    }

    @Test(arguments: [
        ("", "Result file name '' is empty; use a plain file name inside the job directory."),
        ("..", "Result file name '..' names a directory; use a plain file name inside the job directory."),
        (
            "../escape.csv",
            "Result file name '../escape.csv' contains '/'; use a plain file name inside the job directory."
        ),
        ("a/b", "Result file name 'a/b' contains '/'; use a plain file name inside the job directory."),
    ])
    func cleanupRejectsNonPlainNames(_ name: String, _ expected: String) throws {
        defer { try? FileManager.default.removeItem(at: base) }
        #expect(
            message { () throws(BatchError) in
                try files.cleanupIntermediates(["ok.tmp", name], job: job, succeeded: true)
            } == expected)
    }

    @Test func writesIntoSubdirectoriesOfTheJobDirectory() throws {
        defer { try? FileManager.default.removeItem(at: base) }
        let url = try files.writeAtomically(Data("date,x\n".utf8), to: "data/h1.csv", job: job)
        let directory = try files.directory(for: job)
        #expect(url.standardizedFileURL == directory.appendingPathComponent("data/h1.csv").standardizedFileURL)
        #expect(try String(contentsOf: url, encoding: .utf8) == "date,x\n")
        #expect(try names(in: directory.appendingPathComponent("data")) == ["h1.csv"])
        try files.writeAtomically(Data("date,y\n".utf8), to: "data/h1.csv", job: job)
        #expect(try String(contentsOf: url, encoding: .utf8) == "date,y\n")
        #expect(try names(in: directory) == ["data"])
    }

    @Test func manifestRoundTripsWithSortedKeysAndISODates() throws {
        defer { try? FileManager.default.removeItem(at: base) }
        let manifest = ResultManifest(
            jobID: job, payload: .object(["beta": .number(0.25), "n": .integer(96)]),
            contentHash: "sha256:abc", attempts: 2,
            startedAt: Date(timeIntervalSince1970: 1_700_000_000),
            finishedAt: Date(timeIntervalSince1970: 1_700_000_060),
            versions: ["qeir": "0.1.0", "fred": "2024-01-01"], provenance: ["FRED:GDP", "FRED:WALCL"],
            seed: 42)
        var withFiles = manifest
        withFiles.files = ["result.json": ContentHash.of(data: Data("{}".utf8))]
        #expect(
            withFiles.files["result.json"] == "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a")
        let url = try files.writeManifest(manifest, job: job)
        #expect(url.lastPathComponent == "manifest.json")
        #expect(try files.readManifest(job: job) == manifest)
        let text = try String(contentsOf: url, encoding: .utf8)
        #expect(text.contains("\"started_at\" : \"2023-11-14T22:13:20Z\""))
        let keys = ["attempts", "content_hash", "files", "finished_at", "job_id", "payload", "provenance", "seed"]
        let positions = keys.compactMap { text.range(of: "\"\($0)\"")?.lowerBound }
        #expect(positions.count == keys.count)
        #expect(positions == positions.sorted())
    }

    @Test func compressProducesVerifiedGzipAndKeepsManifest() throws {
        defer { try? FileManager.default.removeItem(at: base) }
        let big = Data((0..<200_000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 / 7) })
        let small = Data("a,b\n1,2\n".utf8)
        try files.writeAtomically(big, to: "draws.bin", job: job)
        try files.writeAtomically(small, to: "table.csv", job: job)
        try files.writeAtomically(Data(), to: "empty.txt", job: job)
        try files.writeManifest(
            ResultManifest(
                jobID: job, payload: .null, contentHash: "h", attempts: 1, startedAt: Date(timeIntervalSince1970: 0),
                finishedAt: Date(timeIntervalSince1970: 1)),
            job: job)

        let compressed = try files.compress(job: job)
        #expect(compressed.map(\.lastPathComponent) == ["draws.bin.gz", "empty.txt.gz", "table.csv.gz"])
        let directory = try files.directory(for: job)
        #expect(try names(in: directory) == ["draws.bin.gz", "empty.txt.gz", "manifest.json", "table.csv.gz"])
        for (name, original) in [("draws.bin", big), ("table.csv", small), ("empty.txt", Data())] {
            let url = directory.appendingPathComponent(name + ".gz")
            #expect(try Data(contentsOf: url).prefix(2) == Data([0x1f, 0x8b]))
            #expect(try gunzip(url) == original)
        }
        // A second pass finds nothing left to compress.
        #expect(try files.compress(job: job).isEmpty)
    }

    @Test func failedVerificationKeepsOriginal() throws {
        defer { try? FileManager.default.removeItem(at: base) }
        var corrupting = files
        corrupting.beforeVerification = { url in
            var bytes = try Data(contentsOf: url)
            bytes[bytes.count - 6] ^= 0xFF  // inside the CRC-32 trailer
            try bytes.write(to: url)
        }
        let original = Data(repeating: 7, count: 10_000)
        try corrupting.writeAtomically(original, to: "series.csv", job: job)
        do {
            try corrupting.compress(job: job)
            Issue.record("corrupt gzip was accepted")
        } catch {
            #expect(error.code == .compressionFailed)
            #expect(error.context["name"] == "series.csv")
            #expect(error.message.hasPrefix("Cannot compress result file 'series.csv' of job 'period_2008_2015': "))
            #expect(error.message.hasSuffix(" The original is kept."))
        }
        let directory = try files.directory(for: job)
        #expect(try names(in: directory) == ["series.csv"])
        #expect(try Data(contentsOf: directory.appendingPathComponent("series.csv")) == original)
    }

    @Test func nonGzipCopyIsRejected() throws {
        defer { try? FileManager.default.removeItem(at: base) }
        var replacing = files
        replacing.beforeVerification = { url in try Data("plain".utf8).write(to: url) }
        try replacing.writeAtomically(Data("plain".utf8), to: "out.txt", job: job)
        #expect(
            message { () throws(BatchError) in try replacing.compress(job: job) }
                == "Cannot compress result file 'out.txt' of job 'period_2008_2015': the compressed copy does not start with the gzip magic bytes 1f 8b. The original is kept."
        )
        #expect(try names(in: files.directory(for: job)) == ["out.txt"])
    }

    @Test func cleanupRemovesIntermediatesOnlyOnSuccess() throws {
        defer { try? FileManager.default.removeItem(at: base) }
        try files.writeAtomically(Data("x".utf8), to: "work.tmp", job: job)
        try files.writeAtomically(Data("y".utf8), to: "result.csv", job: job)
        let directory = try files.directory(for: job)

        #expect(try files.cleanupIntermediates(["work.tmp"], job: job, succeeded: false).isEmpty)
        #expect(try names(in: directory) == ["result.csv", "work.tmp"])

        #expect(try files.cleanupIntermediates(["work.tmp", "missing.tmp"], job: job, succeeded: true) == ["work.tmp"])
        #expect(try names(in: directory) == ["result.csv"])
    }
}

/// Decompresses a gzip file with the system `gzip` tool, independent of the code under test.
private func gunzip(_ url: URL) throws -> Data {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/gzip")
    process.arguments = ["-dc", url.path]
    let output = Pipe()
    process.standardOutput = output
    try process.run()
    let result = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    #expect(process.terminationStatus == 0)
    return result
}
