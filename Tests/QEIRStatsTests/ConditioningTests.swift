import Foundation
import QEIRTestSupport
import Testing

@testable import QEIRStats

/// Ill-conditioned but full-rank designs must be solved, not truncated: R's `lm` (rank
/// tolerance 1e-7 on |R_kk/R_11|) drops a column of NIST Filippelli. A degree-9 polynomial
/// on [1, 2] has the same character.
struct ConditioningTests {
    static let x = (0..<60).map { 1 + Double($0) / 59 }
    static let degree = 9

    static func design() throws -> DesignMatrix {
        try DesignMatrix(
            columns: (1...degree).map { d in (name: "x^\(d)", values: x.map { Foundation.pow($0, Double(d)) }) })
    }

    @Test func fullRankDespiteRTolerance() throws {
        let d = try Self.design()
        let qr = try QRLeastSquares(d.matrix)
        #expect(qr.rank == Self.degree + 1, "every column is kept")
        // R's lm would have declared this design rank-deficient:
        #expect(1 / qr.conditionEstimate < 1e-7, "condition estimate \(qr.conditionEstimate)")
    }

    @Test func recoversThePolynomial() throws {
        let d = try Self.design()
        // y = Σ_d x^d exactly up to rounding in y; coefficients are all 1.
        let y = Self.x.map { v in (0...Self.degree).reduce(0.0) { $0 + Foundation.pow(v, Double($1)) } }
        let fit = try OLS().fit(y: y, design: d)
        // The rounding of y (≈1e-16 relative) is amplified by the condition number (~1e9 after
        // equilibration), so agree to 1e-5: what the data determine, not what rank truncation leaves.
        for b in fit.coefficients { #expect(abs(b - 1) < 1e-5, "\(fit.coefficients)") }
        #expect(fit.droppedColumns.isEmpty)
        #expect(fit.rSquared > 1 - 1e-15)
    }

    @Test func refinementImprovesAnExactFit() throws {
        // Integer data with an exact polynomial fit: refinement makes the solution exact.
        let xs = (0...20).map(Double.init)
        let cols = (1...5).map { d in (name: "x^\(d)", values: xs.map { Foundation.pow($0, Double(d)) }) }
        let y = xs.map { v in (0...5).reduce(0.0) { $0 + Foundation.pow(v, Double($1)) } }
        let fit = try OLS().fit(y: y, design: try DesignMatrix(columns: cols))
        #expect(fit.coefficients.allSatisfy { $0 == 1 }, "\(fit.coefficients)")
        #expect(fit.ssr == 0)
    }

    @Test func scaleInvarianceOfTheRankDecision() throws {
        // A column in the 1e-200 range and one in the 1e200 range are still independent.
        let a = Self.x.map { $0 * 1e-200 }
        let b = Self.x.map { $0 * $0 * 1e200 }
        let y = zip(Self.x, Self.x).map { $0 + 2 * $1 * $1 }
        let fit = try OLS().fit(y: y, design: try DesignMatrix(columns: [("tiny", a), ("huge", b)]))
        #expect(isClose(fit.coefficients[1], 1e200, relative: 1e-10))
        #expect(isClose(fit.coefficients[2], 2e-200, relative: 1e-10))
    }
}
