import Foundation
import QEIRTestSupport
import Testing

@testable import QEIRStats

/// Threshold regression against an independent brute-force numpy implementation
/// (Scripts/fixtures/make_threshold_fixtures.py: per-candidate lstsq fits, explicit matrices).
/// Tolerance 1e-9 relative (sup statistics and SEs), exact for the chosen threshold and interval.
/// That fixture predates the per-regime covariances and the kernel η²: its cases run with
/// `eta2Method: .quadratic`, and its heteroskedastic SEs (HC1 of the joint model, factor
/// n/(n − 2k)) are compared with per-regime HC0 × √(n/(n − 2k)), the same matrix.
struct ThresholdTests {
    final class Fixture: @unchecked Sendable {
        let root: [String: Any]
        init() {
            let data = (try? Data(contentsOf: TestPaths.fixture("threshold.json"))) ?? Data("{}".utf8)
            root = ((try? JSONSerialization.jsonObject(with: data)) as? [String: Any]) ?? [:]
        }
        var cases: [[String: Any]] { root["cases"] as? [[String: Any]] ?? [] }
        func column(_ ds: String, _ name: String) -> [Double] {
            (((root["datasets"] as? [String: Any])?[ds] as? [String: Any])?[name] as? [Any] ?? []).compactMap {
                ($0 as? NSNumber)?.doubleValue
            }
        }
    }
    static let fixture = Fixture()
    static let ids = fixture.cases.compactMap { $0["id"] as? String }

    static func model(_ ds: String) throws -> ThresholdRegression {
        let f = fixture
        return try ThresholdRegression(
            y: f.column(ds, "y"), design: try DesignMatrix(columns: [("x1", f.column(ds, "x1"))]),
            thresholdVariable: f.column(ds, "q"))
    }

    static func close(_ a: Double, _ b: Any?, _ label: String, tol: Double = 1e-9) {
        let e = (b as? NSNumber)?.doubleValue ?? .nan
        #expect(isClose(a, e, relative: tol, absoluteFloor: 1e-12 / tol), "\(label): \(a) vs \(e)")
    }

    @Test func fixtureIsPresent() { #expect(Self.ids.count >= 7) }

    @Test(arguments: ids)
    func matchesBruteForce(id: String) async throws {
        let c = try #require(Self.fixture.cases.first { $0["id"] as? String == id })
        let cov = try #require(ThresholdCovariance(rawValue: c["cov"] as? String ?? ""))
        let options = ThresholdOptions(
            trim: (c["trim"] as? NSNumber)?.doubleValue ?? 0.15, covariance: cov,
            confidence: (c["confidence"] as? NSNumber)?.doubleValue ?? 0.95, eta2Method: .quadratic)
        let model = try Self.model(c["dataset"] as? String ?? "")
        let jointFactor = cov == .homoskedastic ? 1 : (Double(model.n) / Double(model.n - 2 * model.k)).squareRoot()
        let fit = try model.fit(options: options)
        #expect(fit.candidates == (c["candidates"] as? [NSNumber])?.map(\.doubleValue))
        #expect(fit.threshold == (c["threshold"] as? NSNumber)?.doubleValue)
        let profile = try #require(c["ssr_profile"] as? [NSNumber])
        for (a, b) in zip(fit.ssrProfile, profile) { Self.close(a, b, "ssr profile") }
        let lr = try #require(c["lr_profile"] as? [NSNumber])
        for (a, b) in zip(fit.lrProfile, lr) {
            #expect(abs(a - b.doubleValue) <= 1e-7 * max(1, abs(b.doubleValue)), "LR \(a) vs \(b)")
        }
        // The interval is read over every split with k + 1 observations per regime ...
        #expect(fit.profileGamma == (c["profile_gamma"] as? [NSNumber])?.map(\.doubleValue))
        let lrAll = try #require(c["profile_lr"] as? [NSNumber])
        for (a, b) in zip(fit.profileLR, lrAll) {
            #expect(abs(a - b.doubleValue) <= 1e-7 * max(1, abs(b.doubleValue)), "LR (all splits) \(a) vs \(b)")
        }
        let ci = try #require(c["conf_int"] as? [NSNumber])
        #expect(fit.confidenceInterval.lower == ci[0].doubleValue)
        #expect(fit.confidenceInterval.upper == ci[1].doubleValue)
        // ... and over the trimmed candidates it would be the old interval (cut at the trimming bounds).
        let trimmed = try #require(c["conf_int_trimmed"] as? [NSNumber])
        let insideTrimmed = fit.candidates.indices.filter { fit.lrProfile[$0] <= fit.criticalValue }
        #expect(fit.candidates[insideTrimmed.first ?? 0] == trimmed[0].doubleValue)
        #expect(fit.candidates[insideTrimmed.last ?? 0] == trimmed[1].doubleValue)
        Self.close(fit.criticalValue, c["critical_value"], "c(alpha)")
        Self.close(fit.eta2, c["eta2"], "eta2")
        Self.close(fit.ssr, c["ssr"], "ssr")
        Self.close(fit.ssrLinear, c["ssr_linear"], "ssr_linear")
        let regimes = try #require(c["regimes"] as? [[String: Any]])
        for (r, expected) in zip(fit.regimes, regimes) {
            #expect(r.nobs == (expected["nobs"] as? NSNumber)?.intValue)
            Self.close(r.ssr, expected["ssr"], "regime ssr")
            let b = try #require(expected["coefficients"] as? [String: NSNumber])
            let se = try #require(expected["std_errors"] as? [String: NSNumber])
            for (j, name) in r.names.enumerated() {
                Self.close(r.coefficients[j], b[name], "\(name) coefficient")
                Self.close(r.standardErrors[j] * jointFactor, se[name], "\(name) SE")
            }
        }
        let sup = try #require(c["sup"] as? [String: NSNumber])
        let pre = try model.precompute(options)
        let (_, e0) = try pre.qrX.solve(model.y)
        for stat in ThresholdTestStatistic.allCases {
            for kind in ThresholdCovariance.allCases {
                let v = try model.supStatistic(e0, pre, statistic: stat, covariance: kind)
                Self.close(v, sup["\(stat.rawValue)_\(kind.rawValue)"], "\(stat) \(kind)", tol: 1e-8)
            }
        }
    }

    @Test func bootstrapIsDeterministicAcrossWorkerCounts() async throws {
        let model = try Self.model("synthetic")
        let one = try await model.testNoThreshold(replications: 60, seed: 7, maxConcurrency: 1)
        let two = try await model.testNoThreshold(replications: 60, seed: 7, maxConcurrency: 2)
        let eight = try await model.testNoThreshold(replications: 60, seed: 7, maxConcurrency: 8)
        #expect(one.bootstrapStatistics == two.bootstrapStatistics)
        #expect(one.bootstrapStatistics == eight.bootstrapStatistics)
        let other = try await model.testNoThreshold(replications: 60, seed: 8, maxConcurrency: 2)
        #expect(other.bootstrapStatistics != one.bootstrapStatistics)
    }

    @Test func bootstrapStatisticsEqualBruteForceRefits() async throws {
        // Replicate b: y* = z (sorted-q order) from stream b; sup-F by per-candidate regime fits.
        let model = try Self.model("synthetic")
        let test = try await model.testNoThreshold(replications: 12, seed: 3, maxConcurrency: 2)
        let cands = try model.candidates(ThresholdOptions())
        let design = try DesignMatrix(names: ["const", "x1"], matrix: model.x)
        let n = model.n
        for b in [0, 5, 11] {
            var rng = ReplicateRandom(seed: 3, stream: UInt64(b))
            let z = (0..<n).map { _ in rng.nextStandardNormal() }
            let s0 = try OLS().fit(y: z, design: design).ssr
            var best = Double.infinity
            for (_, m) in cands {
                let low = Array(0..<m)
                let high = Array(m..<n)
                let s1 =
                    try OLS().fit(y: low.map { z[$0] }, design: design.selectingRows(low)).ssr
                    + OLS().fit(y: high.map { z[$0] }, design: design.selectingRows(high)).ssr
                best = min(best, s1)
            }
            let f = Double(n) * (s0 - best) / best
            #expect(
                isClose(test.bootstrapStatistics[b], f, relative: 1e-8),
                "replicate \(b): \(test.bootstrapStatistics[b]) vs \(f)")
        }
    }

    @Test func strongThresholdIsDetected() async throws {
        // The synthetic data have a large regime shift: every statistic rejects.
        let model = try Self.model("synthetic")
        for kind in ThresholdCovariance.allCases {
            for stat in ThresholdTestStatistic.allCases {
                let t = try await model.testNoThreshold(statistic: stat, covariance: kind, replications: 49, seed: 1)
                #expect(t.pValue == 0, "\(stat) \(kind): p = \(t.pValue)")
            }
        }
    }

    @Test func noThresholdIsNotRejectedTooOften() async throws {
        // Linear data: the test should not reject at 1% on this seeded sample.
        var rng = ReplicateRandom(seed: 99)
        let n = 150
        let x = (0..<n).map { _ in rng.nextStandardNormal() }
        let q = (0..<n).map { _ in rng.nextStandardNormal() }
        let y = x.map { 1 + 0.5 * $0 + rng.nextStandardNormal() }
        let model = try ThresholdRegression(y: y, design: try DesignMatrix(columns: [("x", x)]), thresholdVariable: q)
        let t = try await model.testNoThreshold(replications: 199, seed: 3)
        #expect(t.pValue > 0.01)
    }

    @Test func progressIsReportedAndCancellationHonoured() async throws {
        let model = try Self.model("synthetic")
        let seen = Counter()
        _ = try await model.testNoThreshold(
            replications: 40, seed: 1,
            progress: { done, total in
                seen.record(done, total)
            })
        #expect(seen.last == 40)
        let task = Task { try await model.testNoThreshold(replications: 100_000, seed: 1) }
        task.cancel()
        await #expect(throws: CancellationError.self) { try await task.value }
    }

    final class Counter: @unchecked Sendable {
        private let lock = NSLock()
        private var value = 0
        func record(_ done: Int, _ total: Int) { lock.withLock { value = max(value, done) } }
        var last: Int { lock.withLock { value } }
    }

    @Test func criticalValuesAreHansens() throws {
        // Hansen (2000), Table 1: 90% 5.94, 95% 7.35, 99% 10.59.
        let model = try Self.model("synthetic")
        for (level, c) in [(0.90, 5.94), (0.95, 7.35), (0.99, 10.59)] {
            let fit = try model.fit(options: ThresholdOptions(confidence: level))
            #expect(abs(fit.criticalValue - c) < 0.005, "\(level): \(fit.criticalValue)")
        }
    }

    @Test func constantThresholdVariableIsRejected() throws {
        let e = #expect(throws: StatsError.self) {
            try ThresholdRegression(
                y: [1, 2, 3, 4], design: try DesignMatrix(columns: [("x", [1, 2, 3, 5])]),
                thresholdVariable: [2, 2, 2, 2], thresholdName: "rate")
        }
        #expect(
            e?.message
                == "The threshold variable 'rate' is constant, so it cannot split the sample; choose a variable that varies."
        )
    }

    @Test func tooFewObservationsPerRegime() throws {
        let x: [Double] = (0..<5).map(Double.init)
        let model = try ThresholdRegression(
            y: x.map { $0 * 2 + 1 }, design: try DesignMatrix(columns: [("x", x.map { $0 * $0 })]),
            thresholdVariable: x)
        let e = #expect(throws: StatsError.self) { try model.fit() }
        #expect(e?.code == .insufficientObservations)
        #expect(
            e?.message
                == "No threshold candidate leaves at least 3 observations in each regime (n = 5, 2 regressors, trim = 0.15); use more data, fewer regressors or less trimming."
        )
        let bad = #expect(throws: StatsError.self) { try model.fit(options: ThresholdOptions(trim: 0.6)) }
        #expect(bad?.message == "The trimming fraction must be in [0, 0.5); got 0.6.")
    }
}
