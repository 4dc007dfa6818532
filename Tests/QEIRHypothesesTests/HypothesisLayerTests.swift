import Foundation
import Logging
import QEIRBatch
import QEIRData
import QEIRHypotheses
import QEIRTestSupport
import Synchronization
import Testing

/// Shared data and helpers. The embedded snapshot is loaded once (it is immutable).
enum Fixtures {
    static let embedded: EmbeddedSeriesSource? = try? EmbeddedSeriesSource()

    static func source() throws -> EmbeddedSeriesSource { try #require(embedded) }

    static func period(_ start: String, _ end: String) throws -> BatchPeriod {
        try BatchPeriod(start: try #require(BatchDate(start)), end: try #require(BatchDate(end)))
    }

    /// 2008-01-01…2015-12-31 and 2016-01-01…2022-09-30 (the snapshot ends 2022-10).
    static func periods() throws -> [BatchPeriod] {
        [try period("2008-01-01", "2015-12-31"), try period("2016-01-01", "2022-09-30")]
    }

    static func configuration(
        _ keys: [String: ConfigValue] = [:], period: BatchPeriod? = nil, specification: String = "default",
        bootstrap: Int = 49
    ) throws -> HypothesisConfiguration {
        var merged = keys
        if merged["bootstrap_iterations"] == nil { merged["bootstrap_iterations"] = .integer(bootstrap) }
        return try HypothesisConfiguration(
            parsing: .object(merged), period: period ?? periods()[0], specification: specification)
    }

    static func runner(maxConcurrency: Int? = nil) throws -> HypothesisRunner {
        HypothesisRunner(source: try source(), maxConcurrency: maxConcurrency)
    }

    static func seriesID(_ result: HypothesisResult, _ column: String) -> String? {
        result.provenance.first { $0.column == column }?.seriesID
    }
}

/// A configuration that must be refused, with the expected message and path.
struct ConfigCase: Sendable, CustomTestStringConvertible {
    let configuration: ConfigValue
    let message: String
    let path: String

    var testDescription: String { path }

    init(_ configuration: ConfigValue, _ message: String, _ path: String) {
        self.configuration = configuration
        self.message = message
        self.path = path
    }

    static let all: [ConfigCase] = [
        ConfigCase(
            ["h2_instruments": ["L1.yield"]],
            "Invalid hypothesis configuration at h2_instruments[0]: expected one of H2's roles (investment, "
                + "qe_intensity, distortion, rate_channel), a proxy name or a FRED id, found \"L1.yield\".",
            "h2_instruments[0]"
        ),
        ConfigCase(
            ["lp_horizons": -1],
            "Invalid hypothesis configuration at lp_horizons: expected an integer of at least 0, found -1.",
            "lp_horizons"
        ),
        ConfigCase(
            ["confidence_level": 1.5],
            "Invalid hypothesis configuration at confidence_level: expected a number strictly between 0 and 1, "
                + "found 1.5.", "confidence_level"
        ),
        ConfigCase(
            ["bootstrap_iterations": "1000"],
            "Invalid hypothesis configuration at bootstrap_iterations: expected an integer of at least 0, "
                + "found \"1000\".", "bootstrap_iterations"
        ),
        ConfigCase(
            ["bootstrap_iterations": 1],
            "Invalid hypothesis configuration at bootstrap_iterations: expected 0 (no bootstrap) or an integer "
                + "of at least 2, found 1.", "bootstrap_iterations"
        ),
        ConfigCase(
            ["threshold_trim": 0.5],
            "Invalid hypothesis configuration at threshold_trim: expected a number strictly between 0 and 0.5, "
                + "found 0.5.", "threshold_trim"
        ),
        ConfigCase(
            ["transforms": ["yield": "logdiff"]],
            "Invalid hypothesis configuration at transforms.yield: expected one of \"level\", \"diff\", \"log\", "
                + "\"log_diff\", \"pct_change\", \"yoy_pct_change\", found \"logdiff\".", "transforms.yield"
        ),
        ConfigCase(
            ["hypotheses": [1, 4]],
            "Invalid hypothesis configuration at hypotheses[1]: expected 1, 2 or 3, found 4.", "hypotheses[1]"
        ),
        ConfigCase(
            ["h2_instruments": ["L1.qe_intensity", "L-1.x"]],
            "Invalid hypothesis configuration at h2_instruments[1]: expected a role, proxy name or FRED id, "
                + "optionally lagged as L<k>.name (e.g. \"L1.qe_intensity\"), found \"L-1.x\".",
            "h2_instruments[1]"
        ),
        ConfigCase(
            ["h2_instruments": ["L1.TOTRESNS"]],
            "Invalid hypothesis configuration at transforms.TOTRESNS: expected a stationarity transform (level, "
                + "diff, log, log_diff, pct_change, yoy_pct_change) for the instrument h2_instruments[0] = "
                + "'L1.TOTRESNS', found no entry.", "transforms.TOTRESNS"
        ),
        ConfigCase(
            ["var_lag_selection": "aicc"],
            "Invalid hypothesis configuration at var_lag_selection: expected one of \"fixed\", \"aic\", \"bic\", "
                + "\"hqic\", \"fpe\", found \"aicc\".", "var_lag_selection"
        ),
        ConfigCase(
            ["aggregation": ["gdp": "avg"]],
            "Invalid hypothesis configuration at aggregation.gdp: expected a role (yield, qe_intensity, "
                + "confidence, fiscal_burden, investment, distortion, rate_channel, foreign_holdings, dollar, "
                + "inflation) as the key, found 'gdp'.", "aggregation.gdp"
        ),
        ConfigCase(
            "not an object",
            "Invalid hypothesis configuration at (top level): expected a JSON object, found \"not an object\".",
            "(top level)"
        ),
    ]
}

@Suite("Hypothesis configuration")
struct HypothesisConfigurationTests {
    @Test("defaults, the alternative preset, and explicit keys over the preset")
    func defaultsAndPresets() throws {
        let base = try HypothesisConfiguration(parsing: [:], period: nil, specification: nil)
        #expect(base.specification == "default")
        #expect(base.confidenceLevel == 0.95)
        #expect(base.bootstrapIterations == 1000)
        #expect(base.thresholdTrim == 0.15)
        #expect(base.lpHorizons == 8 && base.lpLags == 2 && base.varLags == 2 && base.irfHorizons == 8)
        #expect(base.hypotheses == [.h1, .h2, .h3])
        #expect(base.confidenceProxy == .proxy("consumer_confidence"))
        #expect(base.qeIntensityProxy == .proxy("fed_total_assets"))
        #expect(base.transform(for: .yield) == .diff && base.transform(for: .investment) == .logDiff)
        #expect(base.warnings.isEmpty)

        let alternative = try HypothesisConfiguration(parsing: [:], period: nil, specification: "alternative")
        #expect(alternative.confidenceProxy == .proxy("financial_stress_index"))
        #expect(alternative.qeIntensityProxy == .proxy("monetary_base"))
        #expect(alternative.inflationProxy == .proxy("pce_price_index"))

        let overridden = try HypothesisConfiguration(
            parsing: [
                "h1_confidence_proxy": "consumer_confidence", "seed": 7, "h2_instruments": ["L1.qe_intensity"],
                "transforms": ["yield": "level", "TOTRESNS": "log_diff"], "h3_foreign_holdings_proxy": nil,
                "var_lag_selection": "aic", "aggregation": ["qe_intensity": "eop"],
            ], period: nil, specification: "alternative")
        #expect(overridden.confidenceProxy == .proxy("consumer_confidence"), "explicit keys win over the preset")
        #expect(overridden.qeIntensityProxy == .proxy("monetary_base"))
        #expect(overridden.seed == 7 && overridden.effectiveSeed(jobSeed: 99) == 7)
        #expect(base.effectiveSeed(jobSeed: 99) == 99, "a job's seed applies when the configuration sets none")
        #expect(overridden.instruments == [InstrumentSpecification(source: .role(.qeIntensity), lag: 1)])
        #expect(overridden.transform(for: .yield) == .level)
        #expect(overridden.foreignHoldingsProxy == nil)
        #expect(overridden.varLagSelection == .aic)
        #expect(overridden.aggregation[.qeIntensity] == .endOfPeriod)
        #expect(overridden.warnings.map(\.path) == ["transforms.TOTRESNS"], "a transform no instrument uses is flagged")
    }

    @Test("a wrong value names its JSON path, what was expected and what was found", arguments: ConfigCase.all)
    func errorsNameTheJSONPath(_ item: ConfigCase) throws {
        let error = try #require(throws: HypothesisError.self) {
            try HypothesisConfiguration(parsing: item.configuration, period: nil, specification: "default")
        }
        #expect(error.code == .invalidConfiguration)
        #expect(error.message == item.message)
        #expect(error.context["path"] == item.path)
    }

    @Test("a proxy name that does not exist lists the valid ones")
    func unknownProxy() throws {
        let error = try #require(throws: HypothesisError.self) {
            try HypothesisConfiguration(
                parsing: ["h1_confidence_proxy": "consumer confidence"], period: nil, specification: nil)
        }
        #expect(error.context["path"] == "h1_confidence_proxy")
        #expect(error.message.contains("expected a proxy name (consumer_confidence, corporate_bond_spreads,"))
        #expect(
            error.message.hasSuffix(
                "an upper-case FRED series id or a series_files name, found \"consumer confidence\"."))
    }

    @Test("unknown keys are warnings, not errors")
    func unknownKeysWarn() throws {
        let c = try HypothesisConfiguration(
            parsing: ["max_workers": 4, "enable_robustness_tests": false], period: nil, specification: nil)
        #expect(c.warnings.map(\.path) == ["max_workers"])
        #expect(
            c.warnings[0].description.hasPrefix("max_workers: unknown key 'max_workers' ignored; check its spelling"))
        #expect(!c.enableRobustnessTests)
    }
}

@Suite("Hypotheses on the embedded data")
struct EmbeddedHypothesisTests {
    static func checkFinite(_ r: HypothesisResult) {
        for e in r.estimates { #expect(e.estimate.isFinite, "\(r.hypothesis) \(e.name)") }
        switch r.hypothesis {
        case .h1:
            guard let t = r.threshold else { return #expect(Bool(false), "H1 has a threshold section") }
            #expect(t.threshold.isFinite && t.lrInterval.lower <= t.threshold && t.threshold <= t.lrInterval.upper)
            #expect(t.testPValue.map { (0...1).contains($0) } == true)
            for regime in t.regimes {
                #expect(regime.coefficients.count == 4)
                for c in regime.coefficients { #expect(c.estimate.isFinite && c.standardError?.isFinite == true) }
            }
        case .h2:
            guard let lp = r.localProjections else { return #expect(Bool(false), "H2 has projections") }
            #expect(lp.ols.count == 9 && lp.iv.isEmpty, "no LP-IV unless h2_instruments is configured")
            for p in lp.ols {
                #expect(p.coefficient.isFinite && p.standardError.isFinite && p.lower < p.upper)
            }
        case .h3:
            guard let v = r.vectorAutoregression else { return #expect(Bool(false), "H3 has a VAR") }
            #expect(v.variables == ["qe_intensity", "dollar", "inflation"], "foreign holdings are not embedded")
            #expect(v.granger.count == 2)
            for g in v.granger { #expect((0...1).contains(g.fPValue) && (0...1).contains(g.chiSquaredPValue)) }
            for response in v.impulseResponses {
                #expect(response.points.count == 9)
                for p in response.points {
                    #expect(p.value.isFinite && p.lower != nil && p.upper != nil)
                }
            }
        }
    }

    @Test("every hypothesis runs on both periods under both specifications; the alternative differs")
    func bothPeriodsBothSpecifications() async throws {
        let runner = try Fixtures.runner()
        for (index, period) in try Fixtures.periods().enumerated() {
            var bySpecification: [String: [HypothesisResult]] = [:]
            for specification in ["default", "alternative"] {
                let c = try Fixtures.configuration(period: period, specification: specification)
                let results = try await runner.run(c)
                #expect(results.map(\.hypothesis) == [.h1, .h2, .h3])
                for r in results {
                    Self.checkFinite(r)
                    #expect(r.sampleStart == (index == 0 ? "2008-01-01" : "2016-01-01"))
                    #expect(r.sampleEnd == (index == 0 ? "2015-10-01" : "2022-07-01"))
                    #expect(r.nobs == (index == 0 ? 32 : 27))
                    #expect(r.specification == specification)
                    #expect(r.dataVintage.hasPrefix("embedded:"))
                    #expect(r.summary.hasPrefix("\(r.hypothesis) — "))
                }
                bySpecification[specification] = results
            }
            let d = try #require(bySpecification["default"])
            let a = try #require(bySpecification["alternative"])
            // Different series …
            #expect(Fixtures.seriesID(d[0], "confidence") == "UNRATE")
            #expect(d[0].provenance.first { $0.column == "confidence" }?.match == "hypothesis_substitute")
            #expect(Fixtures.seriesID(a[0], "confidence") == "KCFSI")
            for i in 0..<3 {
                #expect(Fixtures.seriesID(d[i], "qe_intensity") == "RSBKCRNS")
                #expect(Fixtures.seriesID(a[i], "qe_intensity") == "mbase_cc_tr")
            }
            #expect(Fixtures.seriesID(d[2], "inflation") == "CPIAUCSL")
            #expect(Fixtures.seriesID(a[2], "inflation") == "PCEPI")
            // … give different results.
            #expect(d[0].threshold?.regimes != a[0].threshold?.regimes)
            #expect(d[1].localProjections?.ols != a[1].localProjections?.ols)
            #expect(d[2].vectorAutoregression?.granger != a[2].vectorAutoregression?.granger)
        }
    }

    @Test("the data step: quarterly rows, presample for lags, fiscal years, percent of GDP")
    func dataStep() async throws {
        let source = try Fixtures.source()
        let c = try Fixtures.configuration(period: try Fixtures.periods()[0])
        let h1 = try await HypothesisData.build(.h1, configuration: c, source: source)
        #expect(h1.columns == ["yield", "qe_intensity", "confidence", "fiscal_burden", "qe_x_confidence"])
        #expect(h1.presampleRows == 0 && h1.sampleSize == 32)
        #expect(h1.dataset.dates.first?.description == "2008-01-01")
        #expect(h1.dataset.dates.last?.description == "2015-10-01")
        // FYOINT is the fiscal year October–September: 2015Q4 takes FY2016, 2015Q3 FY2015.
        let gdp = try source.embedded.series("GDP")
        let fyoint = try source.embedded.series("FYOINT")
        func value(_ s: EmbeddedFRED.Series, _ date: String) throws -> Double {
            let index = try #require(s.dates.firstIndex(of: date))
            return try #require(s.values[index])
        }
        let burden = try h1.values("fiscal_burden")
        let dates = h1.dataset.dates.map(\.description)
        for (quarter, fiscalYear) in [("2015-07-01", "2015-01-01"), ("2015-10-01", "2016-01-01")] {
            let row = try #require(dates.firstIndex(of: quarter))
            let expected = try value(fyoint, fiscalYear) / 1000 / value(gdp, quarter) * 100
            #expect(abs(burden[row] - expected) <= 1e-12 * abs(expected))
        }
        let table = try h1.table()
        #expect(table.columnNames == ["date"] + h1.columns && table.rowCount == 32)

        // No default instruments: configure the lags explicitly to check the instrument columns.
        let lagged = try Fixtures.configuration(
            ["h2_instruments": ["L1.qe_intensity", "L2.qe_intensity"]], period: try Fixtures.periods()[0])
        let h2 = try await HypothesisData.build(.h2, configuration: lagged, source: source, presample: 2)
        #expect(h2.presampleRows == 2 && h2.sampleSize == 32)
        #expect(h2.dataset.dates.first?.description == "2007-07-01", "two presample quarters for the lags")
        #expect(h2.columns.suffix(2) == ["iv_qe_intensity_lag1", "iv_qe_intensity_lag2"])
        let qe = try h2.values("qe_intensity")
        let lag1 = try h2.values("iv_qe_intensity_lag1")
        #expect(Array(lag1.dropFirst()) == Array(qe.dropLast()), "the instrument is last quarter's QE intensity")
    }

    @Test("without substitutes a proxy missing offline is a clear error; the seed's 2016–2023 period is truncated")
    func offlineErrorsAndTruncation() async throws {
        let runner = try Fixtures.runner()
        let strict = try Fixtures.configuration(["offline_substitutes": false])
        let error = try await #require(throws: HypothesisError.self) { try await runner.runH1(strict) }
        #expect(error.code == .dataUnavailable)
        #expect(error.context["key"] == "h1_confidence_proxy")
        #expect(
            error.message.hasPrefix(
                "H1's confidence series 'consumer_confidence' (h1_confidence_proxy) cannot be "
                    + "loaded: Proxy 'consumer_confidence' (FRED UMCSENT) has no series in the embedded offline data set"
            ))
        #expect(
            error.message.hasSuffix(
                "Choose another proxy or FRED id for h1_confidence_proxy, set "
                    + "offline_substitutes to true to use the documented substitute, or use FRED online."))
        let h3Error = try await #require(throws: HypothesisError.self) { try await runner.runH3(strict) }
        #expect(h3Error.context["key"] == "h3_foreign_holdings_proxy")

        let seedPeriod = try Fixtures.configuration(
            ["hypotheses": [2]], period: try Fixtures.period("2016-01-01", "2023-12-31"))
        let h2 = try await runner.runH2(seedPeriod)
        let logOfChange = try Fixtures.configuration(["transforms": ["confidence": "log"]])
        let domain = try await #require(throws: HypothesisError.self) { try await runner.runH1(logOfChange) }
        #expect(domain.context["path"] == "transforms.confidence")
        #expect(domain.message.hasPrefix("H1's confidence cannot be transformed with transforms.confidence = log: "))
        let tooLong = try Fixtures.configuration(["lp_horizons": 20], period: try Fixtures.periods()[1])
        let lpError = try await #require(throws: HypothesisError.self) { try await runner.runH2(tooLong) }
        #expect(lpError.code == .estimationFailed)
        #expect(lpError.message.hasPrefix("H2 (local projections on 2016Q1–2022Q3, 27 quarters): "))
        #expect(lpError.message.hasSuffix("lengthen the period or reduce lags and horizons."))
        #expect(h2.sampleEnd == "2022-07-01")
        #expect(
            h2.warnings.contains { $0.contains("before the period's last quarter 2023-10-01; the sample is truncated") }
        )
    }
}

@Suite("Every knob does something")
struct KnobTests {
    @Test("bootstrap_iterations sets the replications of Hansen's test and of the IRF bands; 0 skips them")
    func bootstrapIterations() async throws {
        let runner = try Fixtures.runner()
        let few = try await runner.runH1(try Fixtures.configuration(bootstrap: 19))
        let more = try await runner.runH1(try Fixtures.configuration(bootstrap: 59))
        #expect(few.threshold?.replications == 19 && more.threshold?.replications == 59)
        let p = try #require(few.threshold?.testPValue)
        #expect(abs(p * 19 - (p * 19).rounded()) < 1e-9, "the p-value is a share of 19 replicates")
        #expect(few.threshold?.testValue == more.threshold?.testValue, "the statistic on the data does not change")
        let none = try await runner.run(try Fixtures.configuration(["hypotheses": [1, 3]], bootstrap: 0))
        #expect(none[0].threshold?.testPValue == nil && none[0].threshold?.replications == 0)
        #expect(none[0].summary.contains("not run (bootstrap_iterations = 0)"))
        #expect(none[1].vectorAutoregression?.bandReplications == 0)
        #expect(none[1].vectorAutoregression?.impulseResponses[0].points.allSatisfy { $0.lower == nil } == true)
        let banded = try await runner.runH3(try Fixtures.configuration(bootstrap: 29))
        #expect(banded.vectorAutoregression?.bandReplications == 29)
    }

    @Test("confidence_level narrows or widens every interval and band")
    func confidenceLevel() async throws {
        let runner = try Fixtures.runner()
        let narrow = try await runner.run(try Fixtures.configuration(["confidence_level": 0.8]))
        let wide = try await runner.run(try Fixtures.configuration(["confidence_level": 0.99]))
        let tn = try #require(narrow[0].threshold)
        let tw = try #require(wide[0].threshold)
        #expect(tn.criticalValue < tw.criticalValue)
        #expect(tw.lrInterval.lower <= tn.lrInterval.lower && tn.lrInterval.upper <= tw.lrInterval.upper)
        #expect(tn.lrInterval.level == 0.8 && tw.lrInterval.level == 0.99)
        let ln = try #require(narrow[1].localProjections)
        let lw = try #require(wide[1].localProjections)
        for (a, b) in zip(ln.ols, lw.ols) {
            #expect(a.coefficient == b.coefficient)
            #expect(a.upper - a.lower < b.upper - b.lower)
        }
        let vn = try #require(narrow[2].vectorAutoregression)
        let vw = try #require(wide[2].vectorAutoregression)
        #expect(vn.bandLevel == 0.8 && vw.bandLevel == 0.99)
        let pn = vn.impulseResponses[1].points[2]
        let pw = vw.impulseResponses[1].points[2]
        let narrowWidth = try #require(pn.upper) - (try #require(pn.lower))
        let wideWidth = try #require(pw.upper) - (try #require(pw.lower))
        #expect(narrowWidth < wideWidth)
    }

    @Test("horizons, lags, lag selection, trims, transforms, aggregation, hypotheses and robustness are honoured")
    func structuralKnobs() async throws {
        let runner = try Fixtures.runner()
        let base = try await runner.run(try Fixtures.configuration())
        let changed = try await runner.run(
            try Fixtures.configuration([
                "lp_horizons": 4, "irf_horizons": 3, "var_lags": 1, "threshold_trim": 0.3, "lp_lags": 1,
            ]))
        #expect(changed[1].localProjections?.ols.count == 5 && changed[1].localProjections?.lags == 1)
        #expect(changed[2].vectorAutoregression?.impulseResponses.allSatisfy { $0.points.count == 4 } == true)
        #expect(changed[2].vectorAutoregression?.lags == 1 && base[2].vectorAutoregression?.lags == 2)
        let fewer = try #require(changed[0].threshold?.candidates)
        let more = try #require(base[0].threshold?.candidates)
        #expect(fewer < more)

        let selected = try await runner.runH3(try Fixtures.configuration(["var_lag_selection": "bic"]))
        #expect(selected.vectorAutoregression?.lagSelection == "bic")
        #expect(selected.vectorAutoregression?.criterionValues?.count == 5, "orders 0…4")

        let levels = try await runner.runH1(try Fixtures.configuration(["transforms": ["yield": "level"]]))
        #expect(levels.provenance.first { $0.column == "yield" }?.transform == "level")
        #expect(levels.threshold?.regimes != base[0].threshold?.regimes)

        let eop = try await runner.runH2(try Fixtures.configuration(["aggregation": ["qe_intensity": "eop"]]))
        #expect(eop.provenance.first { $0.column == "qe_intensity" }?.aggregation == "eop")
        #expect(eop.localProjections?.ols != base[1].localProjections?.ols)

        let noIV = try await runner.runH2(try Fixtures.configuration(["h2_instruments": []]))
        #expect(noIV.localProjections?.iv.isEmpty == true && noIV.summary.contains("LP-IV: not run"))

        let only = try await runner.run(try Fixtures.configuration(["hypotheses": [3, 2]]))
        #expect(only.map(\.hypothesis) == [.h2, .h3])

        #expect(base.allSatisfy { !$0.robustness.isEmpty })
        let bare = try await runner.run(try Fixtures.configuration(["enable_robustness_tests": false]))
        #expect(bare.allSatisfy { $0.robustness.isEmpty })
        #expect(bare[0].threshold == base[0].threshold, "robustness checks do not change the main estimates")
    }
}

@Suite("Reproducibility")
struct ReproducibilityTests {
    static func json(seed: Int, maxConcurrency: Int?) async throws -> Data {
        let handler = HypothesisJobHandler(source: try Fixtures.source(), maxConcurrency: maxConcurrency)
        let payload = HypothesisJobPayload(
            configuration: ["bootstrap_iterations": 59, "seed": .integer(seed)], period: try Fixtures.periods()[1],
            specification: "alternative")
        let (result, _) = try await handler.execute(payload, jobID: "job")
        return try result.jsonData()
    }

    @Test("the same seed gives the same bytes, whatever the number of bootstrap tasks; another seed does not")
    func bitForBit() async throws {
        let a = try await Self.json(seed: 11, maxConcurrency: 1)
        let b = try await Self.json(seed: 11, maxConcurrency: 4)
        let c = try await Self.json(seed: 12, maxConcurrency: 4)
        #expect(a == b)
        #expect(a != c)
        let decoded = try HypothesisJobResult(jsonData: a)
        #expect(try decoded.jsonData() == a, "result.json reads back to the same value")
        #expect(decoded.seed == 11 && decoded.results.allSatisfy { $0.seed == 11 })
    }
}

/// A fake FRED API answering from the embedded snapshot, to run the FRED-backed source offline.
struct EmbeddedFREDTransport: HTTPTransport {
    let embedded: EmbeddedFRED

    func send(_ request: QEIRData.HTTPRequest) async throws -> QEIRData.HTTPResponse {
        let components = URLComponents(url: request.url, resolvingAgainstBaseURL: false)
        let query = Dictionary(
            (components?.queryItems ?? []).map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { a, _ in a })
        let path = (components?.path ?? "").trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        guard let id = query["series_id"], let series = try? embedded.series(id) else {
            let body = #"{"error_code":400,"error_message":"Bad Request.  The series does not exist."}"#
            return HTTPResponse(status: 400, body: Data(body.utf8))
        }
        let p = series.provenance
        let units = p.units == "Bil. of $" ? "Billions of Dollars" : p.units
        func json(_ object: [String: Any]) throws -> Data { try JSONSerialization.data(withJSONObject: object) }
        switch path {
        case "fred/series":
            let meta: [String: Any] = [
                "id": id, "title": p.title, "units": units, "frequency": p.frequency.rawValue.capitalized,
                "realtime_start": "2022-10-31", "realtime_end": "2022-10-31",
            ]
            return HTTPResponse(status: 200, body: try json(["seriess": [meta]]))
        case "fred/series/observations":
            let start = query["observation_start"] ?? "0000-00-00"
            let end = query["observation_end"] ?? "9999-99-99"
            let rows: [[String: String]] = zip(series.dates, series.values).compactMap { date, value in
                guard date >= start, date <= end else { return nil }
                return [
                    "date": date, "value": value.map { "\($0)" } ?? ".", "realtime_start": "2022-10-31",
                    "realtime_end": "2022-10-31",
                ]
            }
            return HTTPResponse(
                status: 200,
                body: try json(["count": rows.count, "offset": 0, "limit": 100_000, "observations": rows]))
        default:
            return HTTPResponse(status: 404, body: Data(#"{"error_code":404,"error_message":"Not Found"}"#.utf8))
        }
    }
}

@Suite("Data sources")
struct SeriesSourceTests {
    @Test("the FRED-backed source plugs in: same series by FRED id give the same estimates as the snapshot")
    func fredSource() async throws {
        let embedded = try Fixtures.source()
        let client = FREDClient(
            configuration: FREDConfiguration(apiKey: try FREDAPIKey("abcdefghijklmnopqrstuvwxyz012345")),
            transport: EmbeddedFREDTransport(embedded: embedded.embedded), logger: Logger(label: "test"))
        let fred = FREDSeriesSource(
            dataSource: FREDDataSource(client: client), request: FREDObservationsRequest(vintageDates: ["2022-10-31"]))
        #expect(fred.vintage == "fred:vintage 2022-10-31")
        let keys: [String: ConfigValue] = [
            "hypotheses": [2], "qe_intensity_proxy": "RSBKCRNS", "gdp_proxy": "GDP", "h2_investment_proxy": "PNFI",
            "h2_distortion_proxy": "BAA10YM", "h2_rate_channel_proxy": "GS10",
        ]
        let c = try Fixtures.configuration(keys, period: try Fixtures.periods()[1])
        let online = try await HypothesisRunner(source: fred).runH2(c)
        let offline = try await HypothesisRunner(source: embedded).runH2(c)
        #expect(online.localProjections == offline.localProjections)
        #expect(online.provenance.allSatisfy { $0.origin == "network" || $0.origin == "computed" })
        #expect(online.dataVintage == "fred:vintage 2022-10-31")
        #expect(offline.provenance.first { $0.column == "qe_intensity" }?.origin == "embedded")
    }

    @Test("jobs declare the data vintage, so their content hash changes with the data")
    func vintageInContentHash() throws {
        let (configuration, _) = try BatchConfiguration.parse(
            Data(
                #"{"base_config": {"bootstrap_iterations": 49}, "periods": [["2008-01-01", "2015-12-31"]], "specifications": ["default"]}"#
                    .utf8))
        let definitions = try configuration.gridJobs()
        let a = try HypothesisJobs.jobSpecs(from: definitions, dataVintage: "embedded:A")
        let b = try HypothesisJobs.jobSpecs(from: definitions, dataVintage: "embedded:B")
        #expect(a[0].handler == "hypothesis" && a[0].inputs["data_vintage"] == "embedded:A")
        #expect(ContentHash.of(a[0], libraryVersion: "1") != ContentHash.of(b[0], libraryVersion: "1"))

        let bad = [JobDefinition(id: try JobID("bad_job"), configuration: ["lp_lags": -2], specification: "default")]
        let error = try #require(throws: HypothesisError.self) {
            try HypothesisJobs.jobSpecs(from: bad, dataVintage: "x")
        }
        #expect(
            error.message
                == "Job bad_job: Invalid hypothesis configuration at lp_lags: expected an integer of at least 0, found -2."
        )
        #expect(error.context["job"] == "bad_job" && error.context["path"] == "lp_lags")
    }
}

/// Collects progress reports across tasks.
final class ProgressLog: Sendable {
    private let entries = Mutex<[HypothesisProgress]>([])
    func append(_ p: HypothesisProgress) { entries.withLock { $0.append(p) } }
    var all: [HypothesisProgress] { entries.withLock { $0 } }
}

@Suite("Batch jobs")
struct HypothesisBatchTests {
    @Test("the seed's grid runs through a BatchProcessor and writes result.json and summary.txt; one robustness table")
    func processorRun() async throws {
        let source = try Fixtures.source()
        let document = """
            {"base_config": {"confidence_level": 0.9, "bootstrap_iterations": 29, "enable_robustness_tests": true},
             "periods": [["2008-01-01", "2015-12-31"], ["2016-01-01", "2022-09-30"]],
             "specifications": ["default", "alternative"],
             "specifications_config": {"default": {"h1_confidence_proxy": "consumer_confidence"},
                                       "alternative": {"h1_confidence_proxy": "financial_stress_index"}}}
            """
        let (configuration, warnings) = try BatchConfiguration.parse(Data(document.utf8))
        #expect(warnings.isEmpty)
        let jobs = try HypothesisJobs.jobSpecs(from: try configuration.gridJobs(), dataVintage: source.vintage)
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        var settings = ProcessorConfiguration()
        settings.outputDirectory = directory.url
        settings.pollInterval = .milliseconds(20)
        settings.maxConcurrentJobs = 2
        let processor = BatchProcessor(
            store: InMemoryJobStore(), handlers: [HypothesisJobs.handlerName: HypothesisJobHandler(source: source)],
            configuration: settings)
        let stream = processor.events()
        let events = Task {
            var progress = 0
            for await event in stream { if case .progress = event.kind { progress += 1 } }
            return progress
        }
        try await processor.submit(jobs)
        let summary = try await processor.run()
        #expect(summary[.succeeded] == 4)
        #expect(await events.value > 4, "handlers report progress")
        var results: [HypothesisJobResult] = []
        for job in jobs {
            let folder = directory.url.appendingPathComponent(job.id.rawValue)
            let json = try Data(contentsOf: folder.appendingPathComponent("result.json"))
            let result = try HypothesisJobResult(jsonData: json)
            #expect(result.jobID == job.id.rawValue)
            #expect(result.results.count == 3 && result.configuration["confidence_level"] == .number(0.9))
            let text = try String(contentsOf: folder.appendingPathComponent("summary.txt"), encoding: .utf8)
            #expect(text == result.summary && text.contains("H1 — ") && text.contains("H3 — "))
            #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("manifest.json").path))
            // Each hypothesis' estimation table, listed in the manifest with its hash.
            let manifest = try ResultFiles(baseDirectory: directory.url).readManifest(job: job.id)
            for n in 1...3 {
                let table = try Data(contentsOf: folder.appendingPathComponent("data/h\(n).csv"))
                #expect(manifest.files["data/h\(n).csv"] == ContentHash.of(data: table))
                #expect(String(decoding: table, as: UTF8.self).hasPrefix("date,"))
            }
            #expect(manifest.files["result.json"] == ContentHash.of(data: json))
            results.append(result)
        }
        let table = RobustnessTable(results: results)
        #expect(
            table.rows.map(\.period) == [
                "2008-01-01..2015-12-31", "2008-01-01..2015-12-31", "2016-01-01..2022-09-30", "2016-01-01..2022-09-30",
            ])
        #expect(table.rows.map(\.specification) == ["default", "alternative", "default", "alternative"])
        let keys = table.columns.map(\.key)
        #expect(keys.first == "h1.nobs" && keys.contains("h1.sup_p") && keys.contains("h2.first_stage_f_min"))
        #expect(keys.contains("h3.granger_p_inflation"))
        #expect(table.rows[0].values != table.rows[1].values, "the alternative specification changes the results")
        let csv = table.csv().split(separator: "\n")
        #expect(csv.count == 5 && csv[0].hasPrefix("job,period,specification,h1.nobs,h1.threshold"))
        let text = table.text()
        #expect(text.contains("H1 — central-bank reaction and confidence effects") && text.contains("alternative"))
        // Both specifications' confidence reads higher = more confidence, and the table says how.
        #expect(
            text.contains(
                "  alternative confidence: higher = more confidence (KCFSI, negated: higher = less financial stress)"))
        #expect(
            text.contains(
                "  default confidence: higher = more confidence (UNRATE, negated: higher = less unemployment)"))
        #expect(table.directions.contains { $0.specification == "default" && $0.role == "dollar" })
        // Batch-level inference: each headline test is one family across the four jobs.
        let families = table.multipleTesting.families
        let sup = try #require(families.first { $0.hypothesis == 1 && $0.test == "sup_test" })
        #expect(sup.tests.count == 4)
        #expect(families.contains { $0.hypothesis == 2 && $0.test == "lp_h8" && $0.tests.count == 4 })
        #expect(families.contains { $0.hypothesis == 3 && $0.test == "granger_dollar" })
        for family in families {
            for t in family.tests { #expect(t.pValue <= t.pBH && t.pBH <= t.pHolm && t.pHolm <= 1) }
        }
        #expect(csv[0].contains(",h1.sup_test.p_holm,h1.sup_test.p_bh"))
        #expect(text.contains("Multiple testing across the jobs"))
        let decoded = try JSONDecoder().decode(RobustnessTable.self, from: try table.jsonData())
        #expect(decoded.rows.count == 4 && decoded.columns == table.columns)
    }

    @Test("cancelling stops a long bootstrap promptly, and progress is reported while it runs")
    func cancellation() async throws {
        let runner = try Fixtures.runner()
        let log = ProgressLog()
        let small = try Fixtures.configuration(["hypotheses": [1]], bootstrap: 200)
        _ = try await runner.runH1(small) { log.append($0) }
        let fractions = log.all.map(\.fraction)
        #expect(fractions.count > 5 && fractions == fractions.sorted() && fractions.last == 1)
        #expect(log.all.contains { $0.message.hasPrefix("Hansen bootstrap ") })

        let huge = try Fixtures.configuration(["hypotheses": [1]], bootstrap: 50_000_000)
        let clock = ContinuousClock()
        let start = clock.now
        let task = Task { try await runner.runH1(huge) }
        try await Task.sleep(for: .milliseconds(300))
        task.cancel()
        await #expect(throws: CancellationError.self) { _ = try await task.value }
        // Loose on purpose (the suite shares two cores): it only proves the run was cut short.
        #expect(clock.now - start < .seconds(120), "50 million replicates would take hours")
    }

    @Test("cancelling a running hypothesis job in the processor stops its bootstrap")
    func cancelRunningJob() async throws {
        let source = try Fixtures.source()
        let definition = JobDefinition(
            id: try JobID("long_bootstrap"), configuration: ["bootstrap_iterations": 50_000_000, "hypotheses": [1]],
            period: try Fixtures.periods()[0], specification: "default")
        let jobs = try HypothesisJobs.jobSpecs(from: [definition], dataVintage: source.vintage, maxRetries: 0)
        let store = InMemoryJobStore()
        var settings = ProcessorConfiguration()
        settings.pollInterval = .milliseconds(20)
        let processor = BatchProcessor(
            store: store, handlers: [HypothesisJobs.handlerName: HypothesisJobHandler(source: source)],
            configuration: settings)
        let stream = processor.events()
        try await processor.submit(jobs)
        let clock = ContinuousClock()
        let start = clock.now
        let run = Task { try await processor.run() }
        for await event in stream {
            if case .started = event.kind { break }
        }
        try await Task.sleep(for: .milliseconds(200))
        try await processor.cancel([jobs[0].id])
        let summary = try await run.value
        #expect(summary[.cancelled] == 1)
        #expect(await store.job(jobs[0].id)?.state == .cancelled)
        // Loose on purpose (the suite shares two cores): 50 million replicates would take hours.
        #expect(clock.now - start < .seconds(120))
    }
}
