import Foundation
import QEIRBatch
import QEIRData
import QEIRHypotheses
import Testing

/// The embedded snapshot with one series raised by a permanent step from a given date on (the
/// step is `multiple` × the series' value there): after the hypotheses' first difference a single
/// quarter carries a huge shock.
struct PlantedStepSource: SeriesSource {
    let base: EmbeddedSeriesSource
    let reference: SeriesReference
    let from: SeriesDate
    let multiple: Double

    var vintage: String { base.vintage + ", planted step" }

    func load(_ reference: SeriesReference, from start: SeriesDate?, through end: SeriesDate?) async throws
        -> LoadedSeries
    {
        var loaded = try await base.load(reference, from: start, through: end)
        guard reference == self.reference else { return loaded }
        let s = loaded.series
        let at = try #require(zip(s.dates, s.values).first { $0.0 >= from }?.1)
        let step = multiple * at
        let values = zip(s.dates, s.values).map { date, value in value.map { date >= from ? $0 + step : $0 } }
        loaded.series = try Series(name: s.name, frequency: s.frequency, dates: s.dates, values: values)
        return loaded
    }
}

/// Influence diagnostics of the hypothesis runs: a planted outlier quarter must be named, and on
/// the embedded data the H2 2008–2015 headline is carried by 2008Q4.
struct InfluenceReportTests {
    @Test("a planted QE shock in one quarter is named by the influence warnings")
    func plantedOutlier() async throws {
        let planted = PlantedStepSource(
            base: try Fixtures.source(), reference: .proxy("fed_total_assets"), from: try SeriesDate("2018-07-01"),
            multiple: 5)
        let configuration = try Fixtures.configuration(
            ["h2_instruments": .array([])], period: try Fixtures.period("2016-01-01", "2022-09-30"))
        let result = try await HypothesisRunner(source: planted).runH2(configuration)
        let named = result.warnings.filter { $0.contains("2018Q3") }
        #expect(!named.isEmpty, "warnings: \(result.warnings)")
        #expect(named.contains { $0.hasPrefix("H2 h=0: 2018Q3 has leverage 0.9") }, "\(named)")
        let h0 = try #require(result.influence.first { $0.regression == "H2 h=0" })
        // Lag augmentation puts the step into three lags too, so its quarter need not be the
        // single most leveraged one; it must be flagged.
        #expect((h0.maxLeverage ?? 0) > 0.9)
        #expect(h0.influential.contains { $0.date == "2018Q3" } || (h0.maxLeverage ?? 0) > 0.99)
        #expect(result.summary.contains("2018Q3"), "the warnings reach the summary")
        // Without the planted step the quarter is unremarkable.
        let clean = try await Fixtures.runner().runH2(configuration)
        #expect(!clean.warnings.contains { $0.hasPrefix("H2 h=0: 2018Q3 has leverage") })
    }

    @Test("H2 2008–2015 under the former HAC(h+1) inference: dropping 2008Q4 flips the sign of the h=8 response")
    func embeddedH2NamesLehmanQuarter() async throws {
        // The issue's case: the former inference and instruments (lags of QE intensity).
        let result = try await Fixtures.runner().runH2(
            try Fixtures.configuration([
                "lp_inference": "hac_h_plus_one", "h2_instruments": ["L1.qe_intensity", "L2.qe_intensity"],
            ]))
        let h8 = try #require(result.influence.first { $0.regression == "H2 h=8" })
        let loo = try #require(h8.leaveOneOut.first)
        #expect(loo.name == "qe_intensity")
        #expect(roughly(loo.estimate, -2.709, 1e-3), "\(loo.estimate)")
        let flip = try #require(loo.signFlips.first { $0.date == "2008Q4" })
        #expect(flip.estimate > 0)
        #expect(loo.significanceFlips.contains { $0.date == "2008Q4" })
        #expect(loo.maximumDate == "2008Q4")
        #expect(
            result.warnings.contains("H2 h=8: dropping 2008Q4 flips the sign of qe_intensity (−2.71 → +1.61)"),
            "\(result.warnings.filter { $0.contains("2008Q4") })")
        #expect(
            result.warnings.contains(
                "H2 h=8: dropping 2008Q4 flips significance at 95% of qe_intensity (p 0.00001 → 0.55)"))
        #expect(result.influence.contains { $0.regression == "H2 LP-IV h=8" }, "LP-IV horizons are covered")
        let json = try HypothesisJobResult(
            jobID: nil, specification: "default", period: nil, dataVintage: "test", seed: 0, configuration: [:],
            warnings: [], results: [result]
        ).jsonData()
        let decoded = try HypothesisJobResult(jsonData: json)
        #expect(decoded.results[0].influence == result.influence)
        // A result written before influence sections existed still decodes, with none.
        var object = try #require(try JSONSerialization.jsonObject(with: json) as? [String: Any])
        var results = try #require(object["results"] as? [[String: Any]])
        #expect(results[0]["influence"] != nil)
        results[0]["influence"] = nil
        object["results"] = results
        let old = try HypothesisJobResult(jsonData: try JSONSerialization.data(withJSONObject: object))
        #expect(old.results[0].influence.isEmpty)
    }

    @Test("H1 and H3 carry influence sections for every regression")
    func h1AndH3Sections() async throws {
        let c = try Fixtures.configuration(bootstrap: 0)
        let h1 = try await Fixtures.runner().runH1(c)
        #expect(h1.influence.map(\.regression) == ["H1 low regime", "H1 high regime", "H1 linear model"])
        let low = h1.influence[0]
        #expect(low.nobs == h1.threshold?.regimes[0].nobs)
        #expect(low.leaveOneOut.map(\.name) == ["qe_intensity", "qe_x_confidence"])
        #expect(low.leaveOneOut[0].undefinedDates.count < h1.nobs)
        #expect(low.maxLeverageDate == "2008Q4")
        #expect(h1.warnings.contains("H1 low regime: 2008Q4 has leverage 0.999"), "\(h1.warnings)")
        let h3 = try await Fixtures.runner().runH3(c)
        let variables = try #require(h3.vectorAutoregression?.variables)
        #expect(h3.influence.map(\.regression) == variables.map { "H3 \($0) equation" })
        #expect(h3.influence.allSatisfy { $0.nobs == h3.nobs })
        let tested = h3.influence.flatMap(\.leaveOneOut).map(\.name)
        #expect(tested.count == variables.count - 1)
        #expect(tested.allSatisfy { $0.hasPrefix("granger qe_intensity → ") })
    }
}

private func roughly(_ a: Double, _ b: Double, _ tol: Double) -> Bool { abs(a - b) <= tol * max(abs(b), 1) }
