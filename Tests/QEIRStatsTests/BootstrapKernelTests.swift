import QEIRStats
import QEIRTestSupport
import Testing

/// The lean replicate kernels of `Bootstrap.regression` against the straightforward
/// reference: `OLS().fit` on the rows each replicate drew (`Bootstrap.resampleIndices`).
struct BootstrapKernelTests {
    /// y = 1 + 2x₁ − 0.5x₂ + 0.3x₃ + (0.5 + |x₁|)ε with `extra` more N(0, 1) regressors.
    static func data(n: Int, extra: Int = 0, seed: UInt64 = 99) throws -> (y: [Double], design: DesignMatrix) {
        var g = ReplicateRandom(seed: seed)
        let x1 = (0..<n).map { _ in g.nextStandardNormal() }
        let x2 = (0..<n).map { _ in g.nextUniform() * 4 }
        let x3 = (0..<n).map { _ in g.nextStandardNormal() }
        var columns: [(name: String, values: [Double])] = [("x1", x1), ("x2", x2), ("x3", x3)]
        for j in 0..<extra { columns.append(("z\(j)", (0..<n).map { _ in g.nextStandardNormal() })) }
        let y = (0..<n).map {
            1 + 2 * x1[$0] - 0.5 * x2[$0] + 0.3 * x3[$0] + (0.5 + abs(x1[$0])) * g.nextStandardNormal()
        }
        return (y, try DesignMatrix(columns: columns))
    }

    /// Checks every replicate (coefficients and SEs) and every jackknife value against OLS refits.
    static func expectMatchesReference(
        y: [Double], design: DesignMatrix, scheme: BootstrapScheme, covariance: CovarianceOptions, replications: Int,
        seed: UInt64, tolerance: Double = 1e-10, jackknife: Bool = true
    ) async throws {
        let n = y.count
        let result = try await Bootstrap().regression(
            y: y, design: design, scheme: scheme, covariance: covariance,
            options: BootstrapOptions(replications: replications, seed: seed, maxConcurrency: 2, jackknife: jackknife))
        let ses = try #require(result.replicateStandardErrors)
        let k = design.count
        for b in 0..<replications {
            let rows = try Bootstrap.resampleIndices(scheme: result.scheme, count: n, seed: seed, replicate: b)
            let fit = try OLS().fit(y: rows.map { y[$0] }, design: design.selectingRows(rows), covariance: covariance)
            for j in 0..<k {
                #expect(
                    isClose(result.replicates[b, j], fit.coefficients[j], relative: tolerance),
                    "replicate \(b) β\(j): \(result.replicates[b, j]) vs \(fit.coefficients[j])")
                #expect(
                    isClose(ses[b, j], fit.standardErrors[j], relative: tolerance),
                    "replicate \(b) SE\(j): \(ses[b, j]) vs \(fit.standardErrors[j])")
            }
        }
        guard jackknife else { return }
        let jack = try #require(result.jackknife)
        for i in 0..<n {
            let rows = (0..<n).filter { $0 != i }
            let fit = try OLS().fit(y: rows.map { y[$0] }, design: design.selectingRows(rows), covariance: covariance)
            for j in 0..<k {
                #expect(isClose(jack[i, j], fit.coefficients[j], relative: tolerance), "jackknife \(i) β\(j)")
            }
        }
    }

    @Test(arguments: [CovarianceOptions.nonrobust, .hc0, .hc1, .hc2, .hc3])
    func pairsReplicatesEqualOLSRefitsOfTheirRows(_ covariance: CovarianceOptions) async throws {
        let (y, design) = try Self.data(n: 60)
        // 150 replicates: two full batches of 64 and a partial one.
        try await Self.expectMatchesReference(
            y: y, design: design, scheme: .pairs, covariance: covariance, replications: 150, seed: 5)
    }

    @Test(arguments: [
        BootstrapScheme.movingBlock(length: 4), .circularBlock(length: 7), .stationary(meanBlockLength: 3),
    ])
    func blockReplicatesEqualOLSRefitsOfTheirRows(_ scheme: BootstrapScheme) async throws {
        let (y, design) = try Self.data(n: 45)
        try await Self.expectMatchesReference(
            y: y, design: design, scheme: scheme, covariance: .hc1, replications: 70, seed: 8, jackknife: false)
    }

    @Test(arguments: [CovarianceOptions.nonrobust, .hc1, .hc3])
    func wideDesignsUseTheHouseholderKernelAndMatchOLS(_ covariance: CovarianceOptions) async throws {
        // k = 1 + 3 + 14 = 18 columns, above the Gram kernel's limit of 16.
        let (y, design) = try Self.data(n: 80, extra: 14)
        #expect(design.count == 18)
        try await Self.expectMatchesReference(
            y: y, design: design, scheme: .pairs, covariance: covariance, replications: 20, seed: 3)
    }

    @Test func residualAndWildReplicatesMatchOLSForEveryCovariance() async throws {
        let (y, design) = try Self.data(n: 50)
        for covariance in [CovarianceOptions.nonrobust, .hc0, .hc1, .hc2, .hc3] {
            let fit = try OLS().fit(y: y, design: design, covariance: covariance)
            let eBar = fit.residuals.reduce(0, +) / 50
            let result = try await Bootstrap().regression(
                y: y, design: design, scheme: .residual, covariance: covariance,
                options: BootstrapOptions(replications: 6, seed: 2, jackknife: false))
            let ses = try #require(result.replicateStandardErrors)
            for b in 0..<6 {
                var rng = ReplicateRandom(seed: 2, stream: UInt64(b))
                let yStar = (0..<50).map { fit.fittedValues[$0] + fit.residuals[rng.nextIndex(below: 50)] - eBar }
                let refit = try OLS().fit(y: yStar, design: design, covariance: covariance)
                for j in 0..<design.count {
                    #expect(isClose(result.replicates[b, j], refit.coefficients[j], relative: 1e-10))
                    #expect(isClose(ses[b, j], refit.standardErrors[j], relative: 1e-10))
                }
            }
        }
    }

    @Test func illConditionedReplicatesAreRefitByOLS() async throws {
        // x₂ = 1000 + small noise next to the constant: condition estimate far above 10², so
        // every replicate is declined by the kernel and refit by OLS().fit itself.
        var g = ReplicateRandom(seed: 17)
        let n = 40
        let x1 = (0..<n).map { _ in g.nextStandardNormal() }
        let x2 = (0..<n).map { _ in 1000 + 0.01 * g.nextStandardNormal() }
        let y = (0..<n).map { 2 + x1[$0] + 0.5 * x2[$0] + g.nextStandardNormal() }
        let design = try DesignMatrix(columns: [("x1", x1), ("x2", x2)])
        try await Self.expectMatchesReference(
            y: y, design: design, scheme: .pairs, covariance: .hc1, replications: 30, seed: 4, tolerance: 1e-12)
    }

    @Test func aCollinearResampleIsNamedWithTheOLSMessage() async throws {
        // A dummy that is 1 for one observation: most resamples miss it, so its column is zero.
        let (y, base) = try Self.data(n: 30)
        let dummy = (0..<30).map { $0 == 4 ? 1.0 : 0.0 }
        let design = try base.appending(DesignMatrix(columns: [("d", dummy)], constant: false))
        let e = await #expect(throws: StatsError.self) {
            try await Bootstrap().regression(
                y: y, design: design, scheme: .pairs,
                options: BootstrapOptions(replications: 20, seed: 1, jackknife: false))
        }
        #expect(e?.code == .replicateFailed)
        #expect(e?.message.hasPrefix("Bootstrap replicate ") == true)
        #expect(e?.message.contains("Perfect collinearity") == true)
    }

    @Test func resultsAreIdenticalForOneAndTwoWorkersAcrossBatches() async throws {
        let (y, design) = try Self.data(n: 70)
        var results: [BootstrapResult] = []
        for workers in [1, 2, 3] {
            results.append(
                try await Bootstrap().regression(
                    y: y, design: design, scheme: .pairs, covariance: .hc2,
                    options: BootstrapOptions(replications: 200, seed: 12, maxConcurrency: workers)))
        }
        #expect(results[0] == results[1])
        #expect(results[0] == results[2])
    }
}
