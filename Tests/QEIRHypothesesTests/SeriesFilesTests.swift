import Foundation
import QEIRBatch
import QEIRData
import QEIRHypotheses
import QEIRStats
import Testing

/// `series_files` (CSV series usable as proxies and instruments), H2's LP-IV defaults and its
/// weak-instrument reporting.
@Suite("Series files and LP-IV")
struct SeriesFilesTests {
    /// The repository root (this file is Tests/QEIRHypothesesTests/SeriesFilesTests.swift).
    static let root = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent(
            "qeir-series-files-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static func write(_ text: String, _ name: String, in directory: URL) throws -> String {
        let url = directory.appendingPathComponent(name)
        try Data(text.utf8).write(to: url)
        return url.path
    }

    static func configuration(_ keys: [String: ConfigValue]) throws -> HypothesisConfiguration {
        var merged = keys
        merged["bootstrap_iterations"] = .integer(0)
        return try HypothesisConfiguration(
            parsing: .object(merged),
            period: try BatchPeriod(start: #require(BatchDate("2008-01-01")), end: #require(BatchDate("2019-12-31"))),
            specification: "default")
    }

    static func runner() throws -> HypothesisRunner { HypothesisRunner(source: try EmbeddedSeriesSource()) }

    @Test("no LP-IV by default; a series_files name parses as an instrument and a proxy")
    func defaultsAndParsing() throws {
        #expect(HypothesisConfiguration().instruments.isEmpty)
        #expect(HypothesisConfiguration().resolved["h2_instruments"] == .array([]))
        let c = try Self.configuration([
            "series_files": ["hf_surprise": "/data/s.csv", "my_spread": "rel/spread.csv"],
            "h2_instruments": ["hf_surprise", "L1.hf_surprise"], "h2_distortion_proxy": "my_spread",
        ])
        #expect(c.instruments.map(\.description) == ["hf_surprise", "L1.hf_surprise"])
        #expect(c.instruments[0].source == .series(.proxy("hf_surprise")))
        #expect(c.distortionProxy == .proxy("my_spread"))
        #expect(c.seriesFiles["hf_surprise"]?.resolvedPath == "/data/s.csv")
        let relative = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
            .appendingPathComponent("rel/spread.csv").standardizedFileURL.path
        #expect(c.seriesFiles["my_spread"]?.resolvedPath == relative)
        #expect(c.resolved["series_files"] == .object(["hf_surprise": "/data/s.csv", "my_spread": "rel/spread.csv"]))
        #expect(c.warnings.isEmpty)
        let rebased = HypothesisConfiguration.resolvingSeriesFiles(
            in: ["series_files": ["a": "data/a.csv", "b": "/abs/b.csv"], "seed": 1], relativeTo: "/etc/qeir")
        #expect(rebased == ["series_files": ["a": "/etc/qeir/data/a.csv", "b": "/abs/b.csv"], "seed": 1])
    }

    @Test("bad series_files keys name the JSON path")
    func configurationErrors() throws {
        let cases: [(ConfigValue, String)] = [
            (
                ["BadName": "x.csv"],
                "Invalid hypothesis configuration at series_files.BadName: expected a series name of lower-case "
                    + "letters, digits and _ starting with a letter, found 'BadName'."
            ),
            (
                ["gdp": "x.csv"],
                "Invalid hypothesis configuration at series_files.gdp: expected a name that is not a role or a QEIR "
                    + "proxy (choose another name for the file), found 'gdp'."
            ),
            (
                ["s": 3],
                "Invalid hypothesis configuration at series_files.s: expected the path of a CSV file with the header "
                    + "date,value, found 3."
            ),
        ]
        for (value, message) in cases {
            let error = #expect(throws: HypothesisError.self) { try Self.configuration(["series_files": value]) }
            #expect(error?.message == message)
            #expect(error?.code == .invalidConfiguration)
        }
        let unknown = #expect(throws: HypothesisError.self) {
            try Self.configuration(["h2_instruments": ["hf_surprise"]])
        }
        #expect(unknown?.context["path"] == "h2_instruments[0]")
    }

    @Test("bad files give errors naming the file, line and value")
    func fileErrorsVerbatim() async throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let missing = dir.appendingPathComponent("missing.csv").path
        let header = try Self.write("day,value\n2000-01-01,1\n", "header.csv", in: dir)
        let date = try Self.write("date,value\n2000-Q1,1\n2000-13-01,2\n", "date.csv", in: dir)
        let value = try Self.write("date,value\n2000-Q1,1\n2000-Q2,abc\n", "value.csv", in: dir)
        let fields = try Self.write("date,value\n2000-Q1,1,2\n", "fields.csv", in: dir)
        let order = try Self.write("date,value\n2000-Q2,1\n2000-Q1,2\n", "order.csv", in: dir)
        let cases: [(String, String)] = [
            (
                missing,
                "Series file '\(missing)' (series_files.s): the file cannot be read (no such file); check the path "
                    + "(a relative path is resolved against the working directory)."
            ),
            (
                header,
                "Series file '\(header)' (series_files.s), line 1: the file must start with the header line "
                    + "\"date,value\"; found \"day,value\"."
            ),
            (
                date,
                "Series file '\(date)' (series_files.s), line 3: the date is neither YYYY-MM-DD nor YYYY-Qn; found "
                    + "\"2000-13-01\"."
            ),
            (
                value,
                "Series file '\(value)' (series_files.s), line 3: the value is not a finite number (write an empty "
                    + "value or . for a missing one); found \"abc\"."
            ),
            (
                fields,
                "Series file '\(fields)' (series_files.s), line 2: the line has 3 fields; each line is "
                    + "\"date,value\"; found \"2000-Q1,1,2\"."
            ),
            (
                order,
                "Series file '\(order)' (series_files.s), line 3: the date 2000-01-01 is not after the previous "
                    + "line's 2000-04-01; sort the lines by date, one per date; found \"2000-Q1\"."
            ),
        ]
        for (path, message) in cases {
            let file = SeriesFile(name: "s", path: path, resolvedPath: path)
            let error = #expect(throws: HypothesisError.self) { try file.read() }
            #expect(error?.message == message)
            #expect(error?.code == .invalidConfiguration)
            #expect(error?.context["file"] == path)
        }
        // The same error surfaces when a hypothesis runs, and when jobs are generated.
        let c = try Self.configuration(["series_files": ["s": .string(value)], "h2_instruments": ["s"]])
        let runError = await #expect(throws: HypothesisError.self) { try await Self.runner().runH2(c) }
        #expect(runError?.context["line"] == "3")
        let definition = JobDefinition(
            id: try JobID("j"), configuration: ["series_files": ["s": .string(value)], "h2_instruments": ["s"]],
            period: nil, specification: nil)
        let specError = #expect(throws: HypothesisError.self) {
            try HypothesisJobs.jobSpecs(from: [definition], dataVintage: "v")
        }
        #expect(specError?.context["found"] == "abc")
    }

    @Test("a monthly file is inferred as monthly and averaged to quarters; YYYY-Qn dates are quarterly")
    func frequencies() async throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var monthly = "date,value\n"
        for year in 2000...2001 {
            for month in 1...12 { monthly += String(format: "%04d-%02d-01,%d\n", year, month, month) }
        }
        let path = try Self.write(monthly, "monthly.csv", in: dir)
        let file = SeriesFile(name: "m", path: path, resolvedPath: path)
        let (series, hash) = try file.read()
        #expect(series.frequency == .monthly && series.dates.count == 24)
        #expect(hash == ContentHash.sha256(of: Data(monthly.utf8)))
        let loaded = try await SeriesFilesSource(base: try EmbeddedSeriesSource(), files: ["m": file])
            .load(.proxy("m"), from: nil, through: nil)
        #expect(loaded.origin == "file" && loaded.seriesID == "m")
        #expect(loaded.provenance == "file \(path) (\(hash)), 24 monthly observations 2000-01-01..2001-12-01")
        let quarterly = try Self.write("date,value\n2000-Q1,1\n2000-Q2,\n2000-Q3,3\n", "q.csv", in: dir)
        let q = try SeriesFile(name: "q", path: quarterly, resolvedPath: quarterly).read().series
        #expect(q.frequency == .quarterly && q.values == [1, nil, 3])
        #expect(q.dates.map(\.description) == ["2000-01-01", "2000-04-01", "2000-07-01"])
    }

    @Test("LP-IV on the synthetic example file through HypothesisRunner")
    func lpivOnTheSyntheticExample() async throws {
        let configURL = Self.root.appendingPathComponent("Examples/lpiv_config.json")
        let (batch, _) = try BatchConfiguration.parse(try Data(contentsOf: configURL))
        // The example's paths are relative to its own directory, as qeir reads them.
        let base = HypothesisConfiguration.resolvingSeriesFiles(
            in: batch.baseConfig, relativeTo: Self.root.appendingPathComponent("Examples").path)
        let period = try #require(batch.periods.first)
        let c = try HypothesisConfiguration(parsing: base, period: period, specification: "default")
        #expect(c.instruments.map(\.description) == ["hf_surprise"])
        let csv = Self.root.appendingPathComponent("Examples/data/hf_surprise_SYNTHETIC.csv")
        let hash = ContentHash.sha256(of: try Data(contentsOf: csv))

        let r = try await Self.runner().runH2(c)
        let lp = try #require(r.localProjections)
        #expect(lp.instruments == ["hf_surprise"])
        #expect(
            lp.exclusionRestriction
                == "assumes hf_surprise affects investment growth only through qe_intensity, given the controls "
                + "(lags of investment, distortion, rate_channel)")
        #expect(lp.iv.count == c.lpHorizons + 1)
        for p in lp.iv {
            let f = try #require(p.effectiveF)
            let cv = try #require(p.effectiveFCriticalValue)
            let ar = try #require(p.andersonRubin)
            // One instrument: F_eff is the HAC first-stage Wald statistic, and K_eff = 1.
            let wald = try #require(p.firstStageF)
            #expect(abs(f - wald) <= 1e-9 * max(1, wald))
            #expect(abs(cv - 23.1085) < 1e-3, "K = 1, τ = 10 %: χ²₁(10)⁻¹(0.95)")
            #expect(ar.level == 0.95 && ar.method == "exact")
            #expect(lp.weakInstrumentHorizons.contains(p.horizon) == !(f > cv))
            #expect((lp.unboundedAndersonRubinHorizons ?? []).contains(p.horizon) == ar.isUnbounded)
            if ar.kind == "bounded" { #expect(try #require(ar.lower) <= p.coefficient) }
        }
        let column = try #require(r.provenance.first { $0.column == "iv_hf_surprise" })
        #expect(column.origin == "file" && column.nativeFrequency == "quarterly" && column.transform == "level")
        #expect(column.sourceLine?.contains(hash) == true)
        #expect(column.sourceLine?.contains("hf_surprise_SYNTHETIC.csv") == true)
        if !lp.weakInstrumentHorizons.isEmpty {
            #expect(r.warnings.contains { $0.contains("effective F (Montiel Olea–Pflueger) does not exceed") })
        }
        if !(lp.unboundedAndersonRubinHorizons ?? []).isEmpty {
            #expect(r.warnings.contains { $0.contains("unbounded: the data cannot rule out any value") })
        }
        #expect(!r.warnings.contains { $0.contains("lags of the shock are not excluded") })
        #expect(r.summary.contains("LP-IV assumes hf_surprise affects investment growth only through qe_intensity"))
        #expect(r.headline.contains { $0.key == "h2.effective_f_min" && $0.value != nil })

        // The job's inputs pin the file's content.
        let definition = JobDefinition(id: try JobID("lpiv"), configuration: base, period: period, specification: nil)
        let spec = try #require(try HypothesisJobs.jobSpecs(from: [definition], dataVintage: "v").first)
        #expect(spec.inputs["series_file:hf_surprise"] == hash)
    }

    @Test("a lag of the shock as instrument is allowed with a warning")
    func laggedShockWarns() async throws {
        let r = try await Self.runner().runH2(try Self.configuration(["h2_instruments": ["L1.qe_intensity"]]))
        #expect(r.localProjections?.iv.isEmpty == false)
        #expect(
            r.warnings.contains {
                $0.hasPrefix(
                    "H2: the instrument L1.qe_intensity is a lag of the role qe_intensity; lags of the shock "
                        + "are not excluded when they also matter directly")
            })
        #expect(r.localProjections?.exclusionRestriction?.hasPrefix("assumes L1.qe_intensity affects") == true)
    }
}
