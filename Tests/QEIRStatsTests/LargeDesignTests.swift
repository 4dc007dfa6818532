import Foundation
import QEIRTestSupport
import Testing

@testable import QEIRStats

/// The fast paths for many observations (Cholesky R with corrected semi-normal refinement, the
/// fused residual sweep) against the Householder QR of the same design.
struct LargeDesignTests {
    /// n×k design [const, columns zⱼ + ρ·zⱼ₋₁] with z iid N(0, 1) (ρ = 0.9: the benchmark's
    /// mildly correlated design) and y = Xβ + N(0, 1)·(1 + |x₁|).
    static func problem(n: Int, k: Int, rho: Double, seed: UInt64) throws -> (DesignMatrix, [Double]) {
        var rng = ReplicateRandom(seed: seed)
        func normal() -> Double {
            let u1 = Double.random(in: Double.leastNonzeroMagnitude..<1, using: &rng)
            let u2 = Double.random(in: 0..<1, using: &rng)
            return (-2 * Foundation.log(u1)).squareRoot() * Foundation.cos(2 * Double.pi * u2)
        }
        var z = (0..<n).map { _ in normal() }
        var columns: [(name: String, values: [Double])] = []
        for j in 1..<k {
            let next = (0..<n).map { _ in normal() }
            columns.append((name: "x\(j)", values: (0..<n).map { next[$0] + rho * z[$0] }))
            z = next
        }
        let design = try DesignMatrix(columns: columns)
        let beta = (0..<k).map { Double($0 - k / 2) / Double(k) }
        var y = design.matrix.multiplied(by: beta)
        for i in 0..<n { y[i] += normal() * (1 + abs(design.matrix[i, 1])) }
        return (design, y)
    }

    static func expectClose(
        _ a: [Double], _ b: [Double], relative: Double, absolute: Double = 0, _ what: String
    ) {
        #expect(a.count == b.count, "\(what): \(a.count) vs \(b.count) values")
        let bad = zip(a, b).enumerated().filter { !isClose($1.0, $1.1, relative: relative, absoluteFloor: absolute) }
        #expect(bad.isEmpty, "\(what): \(bad.count) differ, first \(bad.first.map { "\($0.element)" } ?? "")")
    }

    /// (covariance, n, k): every covariance on the benchmark's small design, and the cheap ones on
    /// a design large enough (n·k ≥ 2²⁰, n ≥ 16k) for the tall-skinny path to be the fallback
    /// (HC3 and HAC there would cost the shared test machine seconds of CPU in a debug build
    /// and exercise nothing the small design does not).
    static let cases: [(CovarianceOptions, [Int])] = [
        (.nonrobust, [200, 10]), (.hc1, [200, 10]), (.hc3, [200, 10]), (.hac(lags: 3), [200, 10]),
        (.nonrobust, [20_000, 60]), (.hc1, [20_000, 60]),
    ]

    @Test(arguments: cases)
    func automaticChoiceOfAWellConditionedDesignMatchesHouseholder(covariance: CovarianceOptions, size: [Int])
        throws
    {
        let (design, y) = try Self.problem(n: size[0], k: size[1], rho: 0.9, seed: 7)
        let qr = try QRLeastSquares(design.matrix)
        #expect(qr.factorization == .cholesky)
        #expect(qr.rank == size[1] && qr.conditionEstimate <= QRLeastSquares.choleskyConditionLimit)
        let fast = try OLS().fit(y: y, design: design, covariance: covariance)
        let reference = try OLS(options: .init(factorization: .householder)).fit(
            y: y, design: design, covariance: covariance)
        Self.expectClose(fast.coefficients, reference.coefficients, relative: 1e-12, "β")
        Self.expectClose(fast.standardErrors, reference.standardErrors, relative: 1e-11, "SE")
        Self.expectClose(fast.pValues, reference.pValues, relative: 1e-9, "p")
        Self.expectClose(fast.residuals, reference.residuals, relative: 1e-9, absolute: 1, "residuals")
        #expect(isClose(fast.rSquared, reference.rSquared, relative: 1e-13))
        #expect(isClose(fast.ssr, reference.ssr, relative: 1e-13))
    }

    @Test func illConditionedDesignFallsBackToTallSkinny() throws {
        // A column equal to x₁ up to a 10⁻⁶ perturbation: κ₁(R) ≈ 10⁶, far above the Cholesky limit.
        let (base, y) = try Self.problem(n: 2_000, k: 12, rho: 0.5, seed: 11)
        let near = (0..<2_000).map { base.matrix[$0, 1] + 1e-6 * base.matrix[$0, 2] * base.matrix[$0, 3] }
        let design = try base.appending(try DesignMatrix(columns: [(name: "near_x1", values: near)], constant: false))
        let qr = try QRLeastSquares(design.matrix, strategy: .cholesky)
        #expect(qr.factorization == .tallSkinny)
        let fit = try OLS(options: .init(factorization: .cholesky)).fit(y: y, design: design, covariance: .hc1)
        let reference = try OLS(options: .init(factorization: .householder)).fit(
            y: y, design: design, covariance: .hc1)
        Self.expectClose(fit.coefficients, reference.coefficients, relative: 1e-9, "β")
        Self.expectClose(fit.standardErrors, reference.standardErrors, relative: 1e-9, "SE")
    }

    @Test func rankDeficientDesignFallsBackAndDropsTheColumn() throws {
        let (base, y) = try Self.problem(n: 1_000, k: 5, rho: 0.5, seed: 3)
        let doubled = base.matrix.column(1).map { 2 * $0 }
        let design = try base.appending(
            try DesignMatrix(columns: [(name: "twice_x1", values: doubled)], constant: false))
        let qr = try QRLeastSquares(design.matrix, strategy: .cholesky)
        #expect(qr.factorization == .tallSkinny && qr.rank == 5)
        let fit = try OLS(options: .init(rankDeficiency: .drop, factorization: .cholesky)).fit(y: y, design: design)
        #expect(fit.droppedColumns == ["twice_x1"])
        let reference = try OLS().fit(y: y, design: base)
        Self.expectClose(fit.coefficients, reference.coefficients, relative: 1e-11, "β")
    }

    @Test func fusedResidualSweepMatchesTwoPasses() throws {
        // 2,500 rows: two full blocks of 1,024 and a partial one.
        let (design, y) = try Self.problem(n: 2_500, k: 7, rho: 0.3, seed: 5)
        let qr = try QRLeastSquares(design.matrix, strategy: .cholesky)
        let b = (0..<7).map { 0.1 * Double($0) - 0.2 }
        let (r, xtr) = qr.residualsAndTransposeProduct(y, b, blockRows: 1_024)
        let r2 = qr.residuals(y, b)
        let xtr2 = design.matrix.transposeMultiplied(by: r2)
        // Blocked and whole-design dgemv may round differently (kernel blocking), never by more.
        Self.expectClose(r, r2, relative: 1e-13, absolute: 1, "r")
        Self.expectClose(xtr, xtr2, relative: 1e-12, absolute: 1, "Xᵀr")
        Self.expectClose(
            qr.transposeProduct(y, blockRows: 1_000), design.matrix.transposeMultiplied(by: y), relative: 1e-13,
            absolute: 1, "Xᵀy")
    }

    @Test func choleskyProjectionMatchesHouseholder() throws {
        let (design, y) = try Self.problem(n: 1_001, k: 6, rho: 0.6, seed: 9)
        let fast = try QRLeastSquares(design.matrix, strategy: .cholesky)
        let reference = try QRLeastSquares(design.matrix, strategy: .householder)
        #expect(fast.factorization == .cholesky)
        let m = try Matrix(columns: [y, y.map { $0 * $0 }, design.matrix.column(2)])
        let p = try fast.project(m)
        let q = try reference.project(m)
        Self.expectClose(p.storage, q.storage, relative: 1e-12, absolute: 1, "P·M")
    }

    @Test func vectorizedCompensatedResidualsEqualTheScalarRecurrence() throws {
        // 1,003 rows (not a multiple of the SIMD width); lanes must give bit-identical results.
        let (design, y) = try Self.problem(n: 1_003, k: 5, rho: 0.4, seed: 13)
        let b = [0.1, -1.0 / 3, 2.0 / 7, 1e-3, -5.5]
        let r = QRLeastSquares.compensatedResiduals(design.matrix, y, b)
        var hi = y
        var lo = [Double](repeating: 0, count: y.count)
        for j in 0..<5 {
            for i in 0..<y.count {
                let xv = design.matrix[i, j]
                let p = xv * b[j]
                let pe = (-p).addingProduct(xv, b[j])
                let s = hi[i] - p
                let bb = s - hi[i]
                lo[i] += ((hi[i] - (s - bb)) + (-p - bb)) - pe
                hi[i] = s
            }
        }
        for i in 0..<y.count { hi[i] += lo[i] }
        #expect(r == hi)
    }
}
