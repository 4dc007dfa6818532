import QEIRStats
import Testing

/// Residual-bootstrap IRF bands (percentile and Kilian): determinism across task counts, and
/// sanity. Not compared with statsmodels, whose `irf_errband_mc` simulates Gaussian innovations
/// instead of resampling; Kilian's algorithm is checked against fixed draws in VARKilianTests.
struct VARBootstrapTests {
    /// A stable bivariate VAR(1) simulated with a fixed seed.
    static func model(_ n: Int) throws -> VARModel {
        var rng = ReplicateRandom(seed: 42, stream: 9)
        var m = Matrix(rows: n, columns: 2)
        for t in 1..<n {
            let e1 = rng.nextStandardNormal()
            let e2 = 0.5 * e1 + rng.nextStandardNormal()
            m[t, 0] = 0.2 + 0.5 * m[t - 1, 0] + 0.1 * m[t - 1, 1] + e1
            m[t, 1] = -0.1 + 0.3 * m[t - 1, 0] + 0.4 * m[t - 1, 1] + e2
        }
        return try VARModel(data: m, names: ["x", "y"])
    }

    static func bands(
        _ fit: VARResult, horizon: Int, replications: Int, seed: UInt64, level: Double = 0.95,
        method: VARBandMethod = .percentile, tasks: Int = 4
    ) async throws -> VARImpulseResponseBands {
        let outcome = try await fit.impulseResponseBands(
            horizon: horizon, replications: replications, seed: seed, level: level, method: method,
            maxConcurrentTasks: tasks)
        return try #require(outcome.bands)
    }

    @Test(arguments: [VARBandMethod.percentile, .kilianBiasCorrected])
    func sameSeedSameBandsWhateverTheTaskCount(method: VARBandMethod) async throws {
        let fit = try Self.model(200).fit(lags: 2)
        let one = try await Self.bands(
            fit, horizon: 6, replications: 60, seed: 11, level: 0.9, method: method, tasks: 1)
        let four = try await Self.bands(
            fit, horizon: 6, replications: 60, seed: 11, level: 0.9, method: method, tasks: 4)
        let seven = try await Self.bands(
            fit, horizon: 6, replications: 60, seed: 11, level: 0.9, method: method, tasks: 7)
        #expect(one == four)  // bit-identical, bias estimate included
        #expect(one == seven)
        #expect(one.method == method && one.firstStageReplications == (method == .percentile ? 0 : 60))
        let other = try await Self.bands(fit, horizon: 6, replications: 60, seed: 12, level: 0.9, method: method)
        #expect(other.lower != one.lower)
    }

    @Test func bandsCoverTheImpactResponseAndWidenInSmallSamples() async throws {
        let large = try Self.model(400).fit(lags: 1, trend: .constant)
        let small = try VARModel(
            data: try Self.model(400).data.selectingRows(Array(0..<60)), names: ["x", "y"]
        ).fit(lags: 1)
        func meanWidth(_ b: VARImpulseResponseBands) -> Double {
            var total = 0.0
            for h in 0..<b.lower.count {
                for x in 0..<4 { total += b.upper[h].storage[x] - b.lower[h].storage[x] }
            }
            return total / Double(4 * b.lower.count)
        }
        let bandsLarge = try await Self.bands(large, horizon: 8, replications: 200, seed: 3, level: 0.9)
        let bandsSmall = try await Self.bands(small, horizon: 8, replications: 200, seed: 3, level: 0.9)
        for (fit, bands) in [(large, bandsLarge), (small, bandsSmall)] {
            let point = try fit.impulseResponses(horizon: 8, orthogonalized: true)
            #expect(bands.lower.count == 9)
            for i in 0..<2 {
                #expect(bands.lower[0][i, i] <= point[0][i, i] && point[0][i, i] <= bands.upper[0][i, i])
            }
            // The Cholesky impact matrix is lower triangular in every replicate.
            #expect(bands.lower[0][0, 1] == 0 && bands.upper[0][0, 1] == 0)
            for h in 0...8 {
                for x in 0..<4 { #expect(bands.lower[h].storage[x] <= bands.upper[h].storage[x]) }
            }
        }
        #expect(meanWidth(bandsSmall) > 1.5 * meanWidth(bandsLarge))
    }

    @Test func cancellationStopsTheReplicates() async throws {
        let fit = try Self.model(200).fit(lags: 1)
        let task = Task {
            try await fit.impulseResponseBands(horizon: 4, replications: 100_000, seed: 1, maxConcurrentTasks: 2)
        }
        task.cancel()
        await #expect(throws: CancellationError.self) { _ = try await task.value }
        let percentile = Task {
            try await fit.impulseResponseBands(
                horizon: 4, replications: 100_000, seed: 1, method: .percentile, maxConcurrentTasks: 2)
        }
        percentile.cancel()
        await #expect(throws: CancellationError.self) { _ = try await percentile.value }
    }

    @Test func badArguments() async throws {
        let fit = try Self.model(100).fit(lags: 1)
        await #expect(throws: StatsError.self) {
            _ = try await fit.impulseResponseBands(horizon: 4, replications: 1, seed: 1)
        }
        await #expect(throws: StatsError.self) {
            _ = try await fit.impulseResponseBands(horizon: 4, replications: 50, seed: 1, level: 1)
        }
    }
}
