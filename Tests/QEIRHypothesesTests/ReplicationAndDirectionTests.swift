import Foundation
import QEIRBatch
import QEIRData
import QEIRHypotheses
import QEIRStats
import Testing

@Suite("Estimation data, directions of roles, exclude_dates")
struct ReplicationAndDirectionTests {
    @Test("data/h1.csv is the table H1 estimated on: re-fitting it reproduces the threshold estimate")
    func h1TableReplicates() async throws {
        let c = try Fixtures.configuration(["hypotheses": [1]], bootstrap: 0)
        let result = try await Fixtures.runner().runH1(c)
        let data = try #require(result.estimationData)
        #expect(data.fileName == "data/h1.csv")
        #expect(data.columns == ["yield", "qe_intensity", "confidence", "fiscal_burden", "qe_x_confidence"])
        let table = try DataTable(csv: data.csv(), source: "h1.csv")
        #expect(table.columnNames == ["date"] + data.columns + ["sample"])
        #expect(table.rowCount == result.nobs)
        #expect(try table.textColumn("date").first == "2008-01-01")
        #expect(try table.textColumn("sample").allSatisfy { $0 == "estimation" })
        let x = try DesignMatrix(
            columns: try ["qe_intensity", "confidence", "qe_x_confidence"].map {
                ($0, try table.numericColumn($0))
            })
        let fit = try ThresholdRegression(
            y: try table.numericColumn("yield"), design: x, thresholdVariable: try table.numericColumn("fiscal_burden")
        ).fit(options: ThresholdOptions(trim: c.thresholdTrim, covariance: c.thresholdCovariance))
        let section = try #require(result.threshold)
        #expect(fit.threshold == section.threshold)
        #expect(abs(fit.ssr - section.ssr) <= 1e-12 * section.ssr)
    }

    @Test("the H2 table holds the presample rows its lags reach into")
    func h2TableMarksPresample() async throws {
        let runner = try Fixtures.runner()
        let c = try Fixtures.configuration(["hypotheses": [2]], bootstrap: 0)
        let data = try await runner.estimationData(.h2, c)
        let result = try await runner.runH2(c)
        #expect(result.estimationData == data)
        let presample = data.sample.prefix { $0 == "presample" }.count
        #expect(presample >= c.lpLags)
        #expect(data.sample.count - presample == result.nobs)
        #expect(data.dates[presample].description == "2008-01-01")
    }

    @Test("a stress index entering for confidence is negated, and provenance and warnings say so")
    func stressIndexIsNegatedForConfidence() async throws {
        let runner = try Fixtures.runner()
        let alternative = try Fixtures.configuration(["hypotheses": [1]], specification: "alternative", bootstrap: 0)
        let raw = try Fixtures.configuration(["hypotheses": [1], "h1_confidence_proxy": "KCFSI"], bootstrap: 0)
        let a = try await runner.estimationData(.h1, alternative)
        let b = try await runner.estimationData(.h1, raw)
        let ia = try #require(a.columns.firstIndex(of: "confidence"))
        let ib = try #require(b.columns.firstIndex(of: "confidence"))
        #expect(a.dates == b.dates)
        #expect(a.values[ia] == b.values[ib].map { -$0 })
        let result = try await runner.runH1(alternative)
        let p = try #require(result.provenance.first { $0.column == "confidence" })
        #expect(p.negated == true)
        #expect(p.direction == "higher = more confidence (KCFSI, negated: higher = less financial stress)")
        #expect(result.warnings.contains { $0.hasPrefix("H1: confidence = KCFSI, negated") })
        #expect(result.summary.contains("higher = more confidence (KCFSI, negated"))
        let plain = try await runner.runH1(raw)
        #expect(plain.provenance.first { $0.column == "confidence" }?.negated == false)
    }

    @Test("the unemployment substitute reads higher = less unemployment")
    func substituteDirection() async throws {
        let result = try await Fixtures.runner().runH1(try Fixtures.configuration(["hypotheses": [1]], bootstrap: 0))
        let p = try #require(result.provenance.first { $0.column == "confidence" })
        #expect(p.negated == true)
        #expect(p.direction == "higher = more confidence (UNRATE, negated: higher = less unemployment)")
    }

    @Test("the registry records directions; overrides can change them")
    func registryDirections() throws {
        let registry = ProxyRegistry.defaults
        #expect(try registry.proxy(named: "financial_stress_index").sign(forRole: "confidence") == -1)
        #expect(try registry.proxy(named: "consumer_confidence").sign(forRole: "confidence") == 1)
        #expect(try registry.proxy(named: "trade_weighted_dollar").sign(forRole: "dollar") == -1)
        #expect(try registry.proxy(named: "eur_usd_rate").higherMeans == "more dollars per euro: a weaker dollar")
        let changed = try registry.overriding(
            json: Data(#"{"overrides": {"consumer_confidence": {"opposes": "confidence, dollar"}}}"#.utf8))
        #expect(try changed.proxy(named: "consumer_confidence").opposes == ["confidence", "dollar"])
    }

    @Test("the alternative preset says exactly which series it changes")
    func presetNote() throws {
        let all = try Fixtures.configuration(specification: "alternative")
        #expect(
            all.presetNote
                == "Specification 'alternative' is a preset: it changes 3 series from the default specification "
                + "(h1_confidence_proxy consumer_confidence → financial_stress_index; h3_inflation_proxy "
                + "cpi_all_items → pce_price_index; qe_intensity_proxy fed_total_assets → monetary_base); every "
                + "other setting is the default's. A difference between the two specifications mixes these changes.")
        let one = try Fixtures.configuration(
            ["qe_intensity_proxy": "fed_total_assets", "h3_inflation_proxy": "cpi_all_items"],
            specification: "alternative")
        #expect(one.presetNote?.contains("changes 1 series") == true)
        #expect(try Fixtures.configuration().presetNote == nil)
    }

    @Test(
        "exclude_dates takes quarters, ranges and dates",
        arguments: [
            (["2008Q4"], ["2008-10-01"]),
            (["2020Q1-2020Q3"], ["2020-01-01", "2020-04-01", "2020-07-01"]),
            (["2008-11-25", "2008q4"], ["2008-10-01"]),
        ] as [([String], [String])])
    func excludeDatesParses(_ items: [String], _ expected: [String]) throws {
        let c = try Fixtures.configuration(["exclude_dates": .array(items.map { .string($0) })])
        #expect(c.excludedQuarters.map(\.description) == expected)
    }

    @Test(
        "exclude_dates errors name the entry",
        arguments: [
            (
                ConfigValue.array(["2008Q5"]),
                "Invalid hypothesis configuration at exclude_dates[0]: expected a quarter (2008Q4), a range of quarters "
                    + "(2020Q1-2020Q2) or a date (2008-11-25), found \"2008Q5\"."
            ),
            (
                ConfigValue.array(["2008Q4", "2020Q2-2020Q1"]),
                "Invalid hypothesis configuration at exclude_dates[1]: expected a range whose first quarter is not "
                    + "after its last, found \"2020Q2-2020Q1\"."
            ),
            (
                ConfigValue.string("2008Q4"),
                "Invalid hypothesis configuration at exclude_dates: expected an array of quarters such as "
                    + "[\"2008Q4\", \"2020Q1-2020Q2\"], found \"2008Q4\"."
            ),
        ])
    func excludeDatesErrors(_ value: ConfigValue, _ message: String) throws {
        #expect {
            try Fixtures.configuration(["exclude_dates": value])
        } throws: { error in
            (error as? HypothesisError)?.message == message
        }
    }

    @Test("H1 without 2008Q4: one quarter fewer, the row marked excluded, a warning says so")
    func h1Exclusion() async throws {
        let c = try Fixtures.configuration(["hypotheses": [1], "exclude_dates": ["2008Q4", "1999Q1"]], bootstrap: 0)
        let full = try await Fixtures.runner().runH1(try Fixtures.configuration(["hypotheses": [1]], bootstrap: 0))
        let result = try await Fixtures.runner().runH1(c)
        #expect(result.nobs == full.nobs - 1)
        #expect(
            result.warnings.contains(
                "H1: exclude_dates drops 2008Q4 from the estimation sample (31 of 32 quarters remain); 1 listed quarter "
                    + "lies outside it (1999Q1)."))
        let data = try #require(result.estimationData)
        let row = try #require(data.dates.firstIndex { $0.description == "2008-10-01" })
        #expect(data.sample[row] == "excluded")
        #expect(data.sample.filter { $0 == "estimation" }.count == 31)
    }
}
