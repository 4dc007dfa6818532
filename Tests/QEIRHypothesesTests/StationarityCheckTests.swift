import Foundation
import QEIRBatch
import QEIRData
import QEIRHypotheses
import QEIRStats
import QEIRTestSupport
import Testing

@Suite("Stationarity checks of hypothesis jobs")
struct StationarityCheckTests {
    @Test("every job reports ADF and KPSS per role, in levels and as estimated, over the estimation sample")
    func everyJobReportsTheChecks() async throws {
        let c = try Fixtures.configuration(bootstrap: 0)
        let results = try await Fixtures.runner().run(c)
        #expect(results.count == 3)
        for r in results {
            let roles = SeriesRole.roles(of: r.hypothesis).map(\.rawValue).filter { role in
                r.provenance.contains { $0.column == role && $0.origin != "omitted" }
            }
            #expect(r.stationarity.map(\.column) == roles, "\(r.hypothesis)")
            // The estimation sample starts at the period's start whatever the presample.
            let data = try await HypothesisData.build(r.hypothesis, configuration: c, source: try Fixtures.source())
            for check in r.stationarity {
                #expect(check.nobs == 32, "\(r.hypothesis) \(check.column)")
                #expect(check.note?.hasPrefix("n = 32: ADF and KPSS have low power") == true)
                let level = try #require(data.levels[check.column], "\(check.column) levels")
                #expect(level.count == 32)
                let adf = try AugmentedDickeyFuller().test(level, name: check.column)
                let kpss = try KPSS().test(level, name: check.column)
                #expect(check.levelADF?.statistic == adf.statistic)
                #expect(check.levelADF?.lags == adf.usedLag)
                #expect(check.levelKPSS?.statistic == kpss.statistic)
                #expect(check.levelKPSS?.pValueBound == kpss.pValueBound?.rawValue)
                #expect(check.levelVerdict == StationarityVerdict(adf: check.levelADF, kpss: check.levelKPSS))
                if check.transform == "level" {
                    #expect(check.transformedADF == check.levelADF)
                }
            }
        }
    }

    @Test("levels are captured before the transform: the transformed series is their difference")
    func levelsAreBeforeTheTransform() async throws {
        let c = try Fixtures.configuration(["transforms": ["confidence": "diff"]], bootstrap: 0)
        let data = try await HypothesisData.build(.h1, configuration: c, source: try Fixtures.source())
        let level = try #require(data.levels["confidence"])
        let transformed = Array(try data.values("confidence").dropFirst(data.presampleRows))
        #expect(level.count == transformed.count)
        for t in 1..<level.count {
            #expect(isClose(transformed[t], level[t] - level[t - 1], relative: 1e-12, absoluteFloor: 1e-12))
        }
        // −UNRATE is the substitute: the level is negative.
        #expect(level.allSatisfy { $0 < 0 })
    }

    @Test("a role entering in levels that looks non-stationary gets a warning naming the transform to use")
    func nonStationaryLevelsAreWarned() async throws {
        // The 10-year yield in levels over 2008–2015 (statsmodels: ADF p 0.176, KPSS 0.622 with 3 lags).
        let c = try Fixtures.configuration(["transforms": ["yield": "level"]], bootstrap: 0)
        let results = try await Fixtures.runner().run(c)
        var warned = 0
        for r in results {
            for check in r.stationarity {
                let enteringInLevels = check.transform == "level" || check.transform == "log"
                let warning = r.warnings.first { $0.hasPrefix("\(r.hypothesis): \(check.column) enters in ") }
                if enteringInLevels && check.verdict == .nonStationary {
                    let w = try #require(warning, "\(r.hypothesis) \(check.column)")
                    let adf = try #require(check.transformedADF)
                    let kpss = try #require(check.transformedKPSS)
                    #expect(
                        w == "\(r.hypothesis): \(check.column) enters in levels but looks non-stationary over "
                            + "2008Q1–2015Q4 (ADF p \(String(format: "%.2f", adf.pValue)), KPSS "
                            + "\(String(format: "%.2f", kpss.statistic)) > 0.463 at 5%); consider "
                            + "transforms.\(check.column) = diff. With 32 quarters both tests have low power.")
                    #expect(r.summary.contains(w))
                    warned += 1
                } else {
                    #expect(warning == nil, "\(r.hypothesis) \(check.column): \(warning ?? "")")
                }
            }
        }
        let yield = try #require(results[0].stationarity.first { $0.column == "yield" })
        #expect(yield.verdict == .nonStationary)
        #expect(isClose(yield.levelADF?.pValue ?? .nan, 0.17641901369101337, relative: 1e-9))
        #expect(isClose(yield.levelKPSS?.statistic ?? .nan, 0.6215399195090702, relative: 1e-9))
        #expect(
            results[0].warnings.contains {
                $0.hasPrefix(
                    "H1: yield enters in levels but looks non-stationary over 2008Q1–2015Q4 (ADF p 0.18, KPSS 0.62 > 0.463 at 5%); consider transforms.yield = diff."
                )
            })
        // −UNRATE (confidence, in levels) is inconclusive in 32 quarters (ADF p 0.286, KPSS 0.375): no warning.
        let confidence = try #require(results[0].stationarity.first { $0.column == "confidence" })
        #expect(confidence.verdict == .inconclusive)
        #expect(isClose(confidence.levelADF?.pValue ?? .nan, 0.2864346230966278, relative: 1e-9))
        #expect(warned >= 1)
    }

    @Test("the verdict combines ADF at 10% and KPSS at 5%")
    func verdictRule() throws {
        let template = StationarityTestSummary(try KPSS().test([1, 3, 2, 4, 3, 5, 2, 6, 1, 4], name: "x"))
        func summary(_ test: String, _ statistic: Double, _ p: Double) -> StationarityTestSummary {
            var s = template
            s.test = test
            s.statistic = statistic
            s.pValue = p
            return s
        }
        let adfReject = summary("adf", -4, 0.01)
        let adfKeep = summary("adf", -1, 0.62)
        let kpssReject = summary("kpss", 0.74, 0.02)
        let kpssKeep = summary("kpss", 0.2, 0.10)
        #expect(StationarityVerdict(adf: adfReject, kpss: kpssKeep) == .stationary)
        #expect(StationarityVerdict(adf: adfKeep, kpss: kpssReject) == .nonStationary)
        #expect(StationarityVerdict(adf: adfReject, kpss: kpssReject) == .conflicting)
        #expect(StationarityVerdict(adf: adfKeep, kpss: kpssKeep) == .inconclusive)
        #expect(StationarityVerdict(adf: nil, kpss: kpssKeep) == .unavailable)
    }

    @Test("a constant series is reported as unavailable with the reason, not an error")
    func constantSeriesIsUnavailable() {
        let check = StationarityCheck(
            column: "rate", transform: .diff, level: [Double](repeating: 0.1, count: 30),
            transformed: [Double](repeating: 0, count: 30))
        #expect(check.levelVerdict == .unavailable)
        #expect(check.verdict == .unavailable)
        #expect(check.note?.contains("levels ADF: The ADF test of 'rate' cannot run on a constant series") == true)
    }

    @Test("results written before the checks existed still read back, with no checks")
    func oldResultsDecode() async throws {
        let c = try Fixtures.configuration(["hypotheses": [1]], bootstrap: 0)
        let results = try await Fixtures.runner().run(c)
        let job = HypothesisJobResult(
            jobID: nil, specification: "default", period: nil, dataVintage: "v", seed: 1, configuration: [:],
            warnings: [], results: results)
        let data = try job.jsonData()
        let decoded = try HypothesisJobResult(jsonData: data)
        #expect(decoded.results[0].stationarity == results[0].stationarity)
        #expect(!results[0].stationarity.isEmpty)
        var object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        var list = try #require(object["results"] as? [[String: Any]])
        list[0]["stationarity"] = nil
        object["results"] = list
        let old = try HypothesisJobResult(jsonData: try JSONSerialization.data(withJSONObject: object))
        #expect(old.results[0].stationarity.isEmpty)
    }
}
