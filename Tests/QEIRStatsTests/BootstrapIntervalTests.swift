import Foundation
import QEIRStats
import QEIRTestSupport
import Testing

/// Quantiles, percentile, basic, BCa and studentized intervals against closed forms and
/// independent hand calculations (not against arch, whose BCa averages the acceleration over
/// parameters and whose studentized interval scales by the bootstrap SE).
struct BootstrapIntervalTests {
    static func result(
        _ reps: [Double], estimate: Double, jackknife: [Double]? = nil, se: Double? = nil, repSE: [Double]? = nil
    ) throws -> BootstrapResult {
        try BootstrapResult(
            names: ["theta"], estimates: [estimate], replicates: try Matrix(columns: [reps]),
            estimateStandardErrors: se.map { [$0] },
            replicateStandardErrors: try repSE.map { try Matrix(columns: [$0]) },
            jackknife: try jackknife.map { try Matrix(columns: [$0]) })
    }

    /// Standard normal CDF and quantile through the two methods QEIRStats' Normal provides.
    static func phi(_ x: Double) -> Double { Normal().sf(-x) }
    static func phiInverse(_ p: Double) -> Double { -Normal().inverseSF(p) }

    @Test func quantileIsNumpyLinearInterpolation() throws {
        let fixture = try BootstrapFixture.load()
        let q = try #require(fixture["quantiles"] as? [String: Any])
        let values = try #require(q["values"] as? [Double])
        let probabilities = try #require(q["probabilities"] as? [Double])
        let expected = try #require(q["numpy_percentile"] as? [Double])
        for (p, e) in zip(probabilities, expected) {
            let got = BootstrapResult.quantile(values, p)
            #expect(isClose(got, e, relative: 1e-14, absoluteFloor: 1e-14), "p = \(p): \(got) vs numpy \(e)")
        }
        // By hand: x = 10, 20, 30, 40; h = 3p.
        #expect(BootstrapResult.quantile([40, 10, 30, 20], 0.5) == 25)
        #expect(BootstrapResult.quantile([40, 10, 30, 20], 0.1) == 13)
        #expect(BootstrapResult.quantile([40, 10, 30, 20], 1) == 40)
    }

    @Test func percentileAndBasicOnAKnownGrid() throws {
        // Replicates 0, 1, …, 100: q(p) = 100p exactly.
        let r = try Self.result((0...100).map(Double.init), estimate: 40)
        let p = try #require(try r.confidenceIntervals(.percentile, level: 0.90).first)
        #expect(abs(p.lower - 5) < 1e-12 && abs(p.upper - 95) < 1e-12)
        let b = try #require(try r.confidenceIntervals(.basic, level: 0.90).first)
        #expect(abs(b.lower - (80 - 95)) < 1e-12 && abs(b.upper - (80 - 5)) < 1e-12)
        #expect(abs(r.standardErrors[0] - (101.0 * 102 / 12).squareRoot()) < 1e-12)  // sd of 0…100, B − 1
        #expect(abs(r.bias[0] - 10) < 1e-12)
    }

    @Test func bcaWithKnownAccelerationIsClosedForm() throws {
        // Replicates 0…999 and θ̂ = 499.5: exactly half below, so ẑ₀ = 0 and q(p) = 999p.
        // Jackknife (0, 0, 0, 1): â = −(n−2)/(6√(n(n−1))) = −2/(6√12) in closed form.
        let reps = (0..<1000).map(Double.init)
        let r = try Self.result(reps, estimate: 499.5, jackknife: [0, 0, 0, 1])
        let a = -2 / (6 * 12.0.squareRoot())
        let level = 0.95
        let z = Self.phiInverse(0.025)
        let alpha1 = Self.phi(z / (1 - a * z))
        let alpha2 = Self.phi(-z / (1 + a * z))
        let ci = try #require(try r.confidenceIntervals(.bca, level: level).first)
        #expect(abs(ci.lower - 999 * alpha1) < 1e-9, "\(ci.lower) vs \(999 * alpha1)")
        #expect(abs(ci.upper - 999 * alpha2) < 1e-9, "\(ci.upper) vs \(999 * alpha2)")
        // A negative acceleration moves both ends down relative to the percentile interval.
        #expect(ci.lower < 999 * 0.025 && ci.upper < 999 * 0.975)
    }

    @Test func bcaWithoutBiasOrAccelerationIsThePercentileInterval() throws {
        let reps = (0..<200).map { Double($0) * 0.37 }
        let theta = (reps[99] + reps[100]) / 2
        let r = try Self.result(reps, estimate: theta, jackknife: [-2, -1, 0, 1, 2])
        let bca = try #require(try r.confidenceIntervals(.bca, level: 0.9).first)
        let pct = try #require(try r.confidenceIntervals(.percentile, level: 0.9).first)
        #expect(abs(bca.lower - pct.lower) < 1e-12 && abs(bca.upper - pct.upper) < 1e-12)
    }

    @Test func bcaMatchesAnIndependentHandCalculationOnARealBootstrap() async throws {
        // A skewed statistic (the variance of exponential-like data) bootstrapped by pairs.
        var g = ReplicateRandom(seed: 5)
        let x = (0..<60).map { _ in -log(1 - g.nextUniform()) }
        let data = try Matrix(columns: [x])
        let r = try await Bootstrap().run(
            data: data, names: ["var"], options: BootstrapOptions(replications: 1999, seed: 3),
            statistic: { m in
                let c = m.column(0)
                let mean = c.reduce(0, +) / Double(c.count)
                return [c.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(c.count - 1)]
            })
        let theta = r.estimates[0]
        let reps = r.replicates.column(0)
        let jack = try #require(r.jackknife).column(0)
        #expect(jack.count == 60)
        // Hand calculation, written independently of the library's code path.
        let z0 = Self.phiInverse(Double(reps.filter { $0 < theta }.count) / Double(reps.count))
        let jbar = jack.reduce(0, +) / Double(jack.count)
        let num = jack.reduce(0) { $0 + pow(jbar - $1, 3) }
        let den = 6 * pow(jack.reduce(0) { $0 + pow(jbar - $1, 2) }, 1.5)
        let a = num / den
        func level(_ z: Double) -> Double { Self.phi(z0 + (z0 + z) / (1 - a * (z0 + z))) }
        let sorted = reps.sorted()
        func q(_ p: Double) -> Double {
            let h = Double(sorted.count - 1) * p
            let i = Int(floor(h))
            return sorted[i] + (h - Double(i)) * (sorted[i + 1] - sorted[i])
        }
        let za = Self.phiInverse(0.05)
        let expected = (q(level(za)), q(level(-za)))
        let ci = try #require(try r.confidenceIntervals(.bca, level: 0.90).first)
        #expect(isClose(ci.lower, expected.0, relative: 1e-12))
        #expect(isClose(ci.upper, expected.1, relative: 1e-12))
        #expect(a > 0, "the variance of skewed data has positive acceleration (a = \(a))")
    }

    @Test func studentizedIsBuiltFromTheReplicateTStatistics() throws {
        // θ*_b and ŝ*_b given; t*_b = (θ*_b − θ̂)/ŝ*_b; interval θ̂ − ŝ·q_t(1−α), θ̂ − ŝ·q_t(α).
        var g = ReplicateRandom(seed: 8)
        let reps = (0..<500).map { _ in 2 + g.nextStandardNormal() }
        let ses = (0..<500).map { _ in 0.5 + g.nextUniform() }
        let r = try Self.result(reps, estimate: 2.1, se: 0.8, repSE: ses)
        let t = zip(reps, ses).map { ($0 - 2.1) / $1 }
        let ci = try #require(try r.confidenceIntervals(.studentized, level: 0.8).first)
        #expect(isClose(ci.lower, 2.1 - 0.8 * BootstrapResult.quantile(t, 0.9), relative: 1e-14))
        #expect(isClose(ci.upper, 2.1 - 0.8 * BootstrapResult.quantile(t, 0.1), relative: 1e-14))
    }

    @Test func intervalErrorsAreTyped() throws {
        let r = try Self.result([1, 2, 3], estimate: 2)
        let noJack = #expect(throws: StatsError.self) { try r.confidenceIntervals(.bca) }
        #expect(
            noJack?.message
                == "BCa intervals need the jackknife values; run the bootstrap with options.jackknife = true.")
        let noSE = #expect(throws: StatsError.self) { try r.confidenceIntervals(.studentized) }
        #expect(noSE?.code == .invalidArgument)
        let badLevel = #expect(throws: StatsError.self) { try r.confidenceIntervals(.percentile, level: 1) }
        #expect(badLevel?.message == "The confidence level must be strictly between 0 and 1; got 1.0.")
        let oneSided = try Self.result([3, 4, 5], estimate: 2, jackknife: [1, 2])
        let degenerate = #expect(throws: StatsError.self) { try oneSided.confidenceIntervals(.bca) }
        #expect(degenerate?.code == .degenerateBootstrap)
        #expect(
            degenerate?.message
                == "The BCa interval of 'theta' is undefined: no replicate lies below the estimate 2.0, so the bias correction is infinite. Use more replications or the percentile interval."
        )
    }
}

/// The committed arch fixtures (Scripts/fixtures/make_bootstrap_fixtures.py).
enum BootstrapFixture {
    static func load() throws -> [String: Any] {
        let data = try Data(contentsOf: TestPaths.fixture("bootstrap.json"))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }
}
