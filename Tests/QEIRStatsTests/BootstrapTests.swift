import Foundation
import QEIRStats
import QEIRTestSupport
import Testing

/// The bootstrap engine: arch parity of the automatic block length, reproducibility across
/// worker counts, construction of residual and wild replicates, progress, cancellation and
/// bad input.
struct BootstrapTests {
    /// A heteroskedastic regression: y = 1 + 2x₁ − 0.5x₂ + (0.5 + |x₁|)ε, n = 80.
    static func regressionData(n: Int = 80) throws -> (y: [Double], design: DesignMatrix) {
        var g = ReplicateRandom(seed: 2024)
        let x1 = (0..<n).map { _ in g.nextStandardNormal() }
        let x2 = (0..<n).map { _ in g.nextUniform() * 4 }
        let y = (0..<n).map { 1 + 2 * x1[$0] - 0.5 * x2[$0] + (0.5 + abs(x1[$0])) * g.nextStandardNormal() }
        return (y, try DesignMatrix(columns: [("x1", x1), ("x2", x2)]))
    }

    static func ar1(n: Int, phi: Double, seed: UInt64) -> [Double] {
        var g = ReplicateRandom(seed: seed)
        var x = [Double]()
        var prev = 0.0
        for _ in 0..<n {
            prev = phi * prev + g.nextStandardNormal()
            x.append(prev)
        }
        return x
    }

    static let mean: @Sendable (Matrix) throws -> [Double] = { m in
        (0..<m.columns).map { j in m.column(j).reduce(0, +) / Double(m.rows) }
    }

    // MARK: arch parity

    @Test func optimalBlockLengthMatchesArch() throws {
        let fixture = try BootstrapFixture.load()
        let cases = try #require(fixture["block_lengths"] as? [[String: Any]])
        #expect(cases.count >= 8)
        for c in cases {
            let id = c["id"] as? String ?? "?"
            let series = try #require(c["series"] as? [Double])
            let b = try Bootstrap.optimalBlockLength(series)
            let sb = try #require(c["stationary"] as? Double)
            let cb = try #require(c["circular"] as? Double)
            #expect(isClose(b.stationary, sb, relative: 1e-9), "\(id): b_SB \(b.stationary) vs arch \(sb)")
            #expect(isClose(b.circular, cb, relative: 1e-9), "\(id): b_CB \(b.circular) vs arch \(cb)")
        }
    }

    @Test func automaticLengthIsResolvedAndReported() async throws {
        let x = Self.ar1(n: 300, phi: 0.6, seed: 4)
        let b = try Bootstrap.optimalBlockLength(x)
        let data = try Matrix(columns: [x])
        let options = BootstrapOptions(replications: 20, seed: 1, jackknife: false)
        let circular = try await Bootstrap().run(
            data: data, names: ["mean"], scheme: .circularBlock(length: nil), options: options, statistic: Self.mean)
        #expect(circular.scheme == .circularBlock(length: Int(b.circular.rounded(.up))))
        let stationary = try await Bootstrap().run(
            data: data, names: ["mean"], scheme: .stationary(meanBlockLength: nil), options: options,
            statistic: Self.mean)
        #expect(stationary.blockLength == max(1, b.stationary))
    }

    // MARK: reproducibility

    @Test(arguments: [
        BootstrapScheme.pairs, .residual, .wild(.rademacher), .wild(.mammen), .wild(.webb),
        .movingBlock(length: 5), .circularBlock(length: nil), .stationary(meanBlockLength: 4),
    ])
    func sameSeedGivesIdenticalReplicatesOnOneTwoAndEightWorkers(_ scheme: BootstrapScheme) async throws {
        let (y, design) = try Self.regressionData()
        var results: [BootstrapResult] = []
        for workers in [1, 2, 8] {
            results.append(
                try await Bootstrap().regression(
                    y: y, design: design, scheme: scheme,
                    options: BootstrapOptions(replications: 97, seed: 314, maxConcurrency: workers)))
        }
        #expect(results[0].replicates == results[1].replicates)
        #expect(results[0].replicates == results[2].replicates)
        #expect(results[0].replicateStandardErrors == results[2].replicateStandardErrors)
        #expect(results[0].jackknife == results[2].jackknife)
        #expect(results[0] == results[2])
        let other = try await Bootstrap().regression(
            y: y, design: design, scheme: scheme, options: BootstrapOptions(replications: 97, seed: 315))
        #expect(other.replicates != results[0].replicates)
    }

    @Test func replicateBUsesStreamBOfTheSeed() async throws {
        let x = Self.ar1(n: 40, phi: 0.3, seed: 9)
        let data = try Matrix(columns: [x, x.map { $0 * $0 }])
        let scheme = BootstrapScheme.stationary(meanBlockLength: 3)
        let r = try await Bootstrap().run(
            data: data, names: ["m1", "m2"], scheme: scheme, options: BootstrapOptions(replications: 30, seed: 77),
            statistic: Self.mean)
        for b in [0, 7, 29] {
            let rows = try Bootstrap.resampleIndices(scheme: scheme, count: 40, seed: 77, replicate: b)
            #expect(try Self.mean(data.selectingRows(rows)) == r.replicates.row(b))
        }
    }

    @Test func residualAndWildReplicatesAreBuiltFromFittedValuesAndResiduals() async throws {
        let (y, design) = try Self.regressionData()
        let fit = try OLS().fit(y: y, design: design, covariance: .hc1)
        let n = y.count
        let eBar = fit.residuals.reduce(0, +) / Double(n)
        let options = BootstrapOptions(replications: 5, seed: 21, jackknife: false)
        let residual = try await Bootstrap().regression(y: y, design: design, scheme: .residual, options: options)
        let wild = try await Bootstrap().regression(y: y, design: design, scheme: .wild(.mammen), options: options)
        for b in 0..<5 {
            var rng = ReplicateRandom(seed: 21, stream: UInt64(b))
            let yRes = (0..<n).map { fit.fittedValues[$0] + fit.residuals[rng.nextIndex(below: n)] - eBar }
            let refit = try OLS().fit(y: yRes, design: design, covariance: .hc1)
            for j in 0..<3 {
                #expect(isClose(residual.replicates[b, j], refit.coefficients[j], relative: 1e-12))
                #expect(
                    isClose(residual.replicateStandardErrors?[b, j] ?? .nan, refit.standardErrors[j], relative: 1e-12))
            }
            var rngW = ReplicateRandom(seed: 21, stream: UInt64(b))
            let yWild = (0..<n).map { fit.fittedValues[$0] + fit.residuals[$0] * WildWeights.mammen.draw(using: &rngW) }
            let refitW = try OLS().fit(y: yWild, design: design, covariance: .hc1)
            for j in 0..<3 { #expect(isClose(wild.replicates[b, j], refitW.coefficients[j], relative: 1e-12)) }
        }
        #expect(residual.estimates == fit.coefficients)
        #expect(residual.estimateStandardErrors == fit.standardErrors)
    }

    @Test func jackknifeIsLeaveOneOutRefits() async throws {
        let (y, design) = try Self.regressionData(n: 30)
        let r = try await Bootstrap().regression(
            y: y, design: design, scheme: .pairs, options: BootstrapOptions(replications: 3, seed: 1))
        let jack = try #require(r.jackknife)
        #expect(jack.rows == 30)
        for i in [0, 13, 29] {
            let rows = (0..<30).filter { $0 != i }
            let fit = try OLS().fit(y: rows.map { y[$0] }, design: design.selectingRows(rows), covariance: .hc1)
            for j in 0..<3 { #expect(isClose(jack[i, j], fit.coefficients[j], relative: 1e-12)) }
        }
    }

    @Test func bootstrapStandardErrorsAreSensible() async throws {
        // Wild and pairs bootstraps estimate the heteroskedasticity-robust SE; with B = 999 their
        // Monte Carlo error is about 2.2% (√(1/(2B))), so 15% is a generous bound.
        let (y, design) = try Self.regressionData(n: 200)
        let fit = try OLS().fit(y: y, design: design, covariance: .hc0)
        for scheme in [BootstrapScheme.wild(.rademacher), .pairs] {
            let r = try await Bootstrap().regression(
                y: y, design: design, scheme: scheme, options: BootstrapOptions(replications: 999, seed: 5))
            for j in 0..<3 {
                let ratio = r.standardErrors[j] / fit.standardErrors[j]
                #expect(abs(ratio - 1) < 0.15, "\(scheme) \(r.names[j]): bootstrap/HC0 SE = \(ratio)")
            }
            let ci = try r.confidenceIntervals(.studentized, level: 0.95)
            #expect(ci[1].lower < 2 && ci[1].upper > 2, "the x1 interval covers the true slope 2")
        }
    }

    // MARK: progress and cancellation

    final class Recorder: @unchecked Sendable {
        private let lock = NSLock()
        private var items: [BootstrapProgress] = []
        func add(_ p: BootstrapProgress) { lock.withLock { items.append(p) } }
        var all: [BootstrapProgress] { lock.withLock { items } }
    }

    @Test func progressIsMonotoneAndEndsAtTheTotal() async throws {
        let recorder = Recorder()
        let data = try Matrix(columns: [Self.ar1(n: 50, phi: 0, seed: 3)])
        _ = try await Bootstrap().run(
            data: data, names: ["mean"], options: BootstrapOptions(replications: 300, seed: 2, maxConcurrency: 2),
            statistic: Self.mean, progress: { recorder.add($0) })
        let seen = recorder.all
        #expect(!seen.isEmpty)
        #expect(seen.allSatisfy { $0.total == 350 })
        #expect(zip(seen, seen.dropFirst()).allSatisfy { $0.completed < $1.completed })
        #expect(seen.last?.completed == 350)
    }

    @Test func cancellationStopsTheRunPromptly() async throws {
        let data = try Matrix(columns: [Self.ar1(n: 200, phi: 0, seed: 3)])
        let slow: @Sendable (Matrix) throws -> [Double] = { m in
            var s = 0.0
            for _ in 0..<200 { s += m.column(0).reduce(0, +) }
            return [s]
        }
        let task = Task {
            try await Bootstrap().run(
                data: data, names: ["s"], options: BootstrapOptions(replications: 10_000_000, maxConcurrency: 2),
                statistic: slow)
        }
        try await Task.sleep(for: .milliseconds(100))
        let start = ContinuousClock.now
        task.cancel()
        await #expect(throws: CancellationError.self) { try await task.value }
        // The full run (10 million replicates) would take hours: stopping within 30 s (generous for a
        // loaded CI machine) shows the cancellation is honoured between evaluations.
        #expect(ContinuousClock.now - start < .seconds(30), "cancellation took \(ContinuousClock.now - start)")
    }

    // MARK: bad input

    @Test func blockLengthNotBelowNIsRejected() async throws {
        let data = try Matrix(columns: [Self.ar1(n: 20, phi: 0, seed: 1)])
        let e = await #expect(throws: StatsError.self) {
            try await Bootstrap().run(
                data: data, names: ["mean"], scheme: .movingBlock(length: 20), statistic: Self.mean)
        }
        #expect(e?.code == .invalidBlockLength)
        #expect(
            e?.message
                == "The moving-block length (20) must be smaller than the number of observations (20); use a shorter block or leave it unset for the automatic (Politis–White) choice."
        )
        let s = await #expect(throws: StatsError.self) {
            try await Bootstrap().run(
                data: data, names: ["mean"], scheme: .stationary(meanBlockLength: 0.5), statistic: Self.mean)
        }
        #expect(
            s?.message == "The stationary-bootstrap mean block length must be a finite number of at least 1; got 0.5.")
    }

    @Test func badOptionsAndDataAreRejected() async throws {
        let data = try Matrix(columns: [[1, 2, 3, 4]])
        let reps = await #expect(throws: StatsError.self) {
            try await Bootstrap().run(
                data: data, names: ["mean"], options: BootstrapOptions(replications: 0), statistic: Self.mean)
        }
        #expect(
            reps?.message
                == "The number of bootstrap replications must be at least 1; got 0. Use 999 or more for intervals.")
        let tiny = await #expect(throws: StatsError.self) {
            try await Bootstrap().run(data: try Matrix(columns: [[1]]), names: ["mean"], statistic: Self.mean)
        }
        #expect(tiny?.code == .insufficientObservations)
        #expect(tiny?.message == "The bootstrap needs at least 2 observations (rows); the data has 1.")
        let nan = await #expect(throws: StatsError.self) {
            try await Bootstrap().run(
                data: try Matrix(columns: [[1, 2], [3, .nan]]), names: ["a", "b"], statistic: Self.mean)
        }
        #expect(nan?.code == .nonFinite)
        #expect(
            nan?.message
                == "Column 2 of the data has a non-finite value (nan) at observation 2; drop or impute missing values before bootstrapping."
        )
        let model = await #expect(throws: StatsError.self) {
            try await Bootstrap().run(data: data, names: ["mean"], scheme: .wild(.webb), statistic: Self.mean)
        }
        #expect(model?.code == .invalidArgument)
        let yNaN = await #expect(throws: StatsError.self) {
            let (y, design) = try Self.regressionData(n: 20)
            var bad = y
            bad[4] = .nan
            return try await Bootstrap().regression(y: bad, design: design, yName: "inv")
        }
        #expect(yNaN?.code == .nonFinite)
        #expect(yNaN?.message.hasPrefix("Column 'inv' has a non-finite value (nan) at observation 5") == true)
    }

    @Test func automaticBlockLengthNeedsEnoughObservations() throws {
        let e = #expect(throws: StatsError.self) { try Bootstrap.optimalBlockLength([1, 3, 2, 5, 4, 6, 5, 8, 7, 9]) }
        #expect(e?.code == .insufficientObservations)
        #expect(
            e?.message
                == "The automatic block length needs at least 11 observations to estimate 9 autocovariances; the series has 10. Give the block length explicitly."
        )
        let constant = #expect(throws: StatsError.self) {
            try Bootstrap.optimalBlockLength([Double](repeating: 2, count: 50))
        }
        #expect(constant?.code == .invalidArgument)
        let nan = #expect(throws: StatsError.self) {
            try Bootstrap.optimalBlockLength((0..<50).map { $0 == 7 ? .nan : Double($0 % 3) })
        }
        #expect(nan?.message.contains("observation 8") == true)
    }

    @Test func aFailingReplicateIsNamed() async throws {
        let data = try Matrix(columns: [(0..<10).map(Double.init)])
        let e = await #expect(throws: StatsError.self) {
            try await Bootstrap().run(
                data: data, names: ["max"], options: BootstrapOptions(replications: 50, seed: 1, jackknife: false),
                statistic: { m in
                    let c = m.column(0)
                    guard c.contains(9) else { throw StatsError(.invalidArgument, "No 9 in the sample.") }
                    return [c.max() ?? 0]
                })
        }
        #expect(e?.code == .replicateFailed)
        #expect(e?.message.hasPrefix("Bootstrap replicate ") == true)
        #expect(e?.message.contains("failed: No 9 in the sample.") == true)
    }
}
