/// The reference distribution of a test statistic.
public enum ReferenceDistribution: Sendable, Hashable, Codable {
    /// F with numerator and denominator degrees of freedom.
    case f(Double, Double)
    /// χ² with the given degrees of freedom.
    case chiSquared(Double)
    /// Student t with the given degrees of freedom.
    case t(Double)
    /// Standard normal.
    case normal

    /// The upper-tail probability of `x` (two-sided for t and normal).
    func pValue(_ x: Double) -> Double {
        switch self {
        case let .f(d1, d2): PValue.upperF(x, d1, d2)
        case let .chiSquared(d): PValue.upperChiSquared(x, degreesOfFreedom: d)
        case let .t(d): PValue.twoSidedT(x, degreesOfFreedom: d)
        case .normal: PValue.twoSidedNormal(x)
        }
    }
}

/// A test statistic with its reference distribution and p-value.
public struct TestResult: Sendable, Hashable, Codable {
    /// What was tested (for reports).
    public let name: String
    /// The statistic's value.
    public let statistic: Double
    /// Its reference distribution under the null.
    public let distribution: ReferenceDistribution
    /// The p-value (upper tail; two-sided for t and normal).
    public let pValue: Double

    /// Creates a result, computing the p-value from the distribution.
    public init(name: String, statistic: Double, distribution: ReferenceDistribution) {
        self.name = name
        self.statistic = statistic
        self.distribution = distribution
        self.pValue = statistic.isNaN ? .nan : distribution.pValue(statistic)
    }
}

/// A Wald test of the linear restrictions R·β = r.
///
/// W = (Rβ̂ − r)ᵀ (R V Rᵀ)⁻¹ (Rβ̂ − r) with V the estimator's covariance. ``f`` reports W/q
/// against F(q, df_resid) (statsmodels' `f_test`, also under a robust covariance); ``chiSquared``
/// reports W against χ²(q) (statsmodels' `wald_test(use_f=False)`).
public struct WaldTest: Sendable, Hashable, Codable {
    /// The Wald statistic W.
    public let wald: Double
    /// The number of restrictions q.
    public let restrictions: Int
    /// W/q against F(q, df_resid).
    public let f: TestResult
    /// W against χ²(q).
    public let chiSquared: TestResult
}

extension WaldTest {
    /// Computes the test.
    /// - Parameters:
    ///   - r: restriction matrix q×k; `value`: right-hand side (q).
    ///   - beta: estimates; `covariance`: their covariance; `dfResid`: denominator df for F.
    static func compute(
        restriction r: Matrix, value: [Double], beta: [Double], covariance v: Matrix, dfResid: Double
    ) throws -> WaldTest {
        guard r.columns == beta.count else {
            throw StatsError(
                .dimensionMismatch,
                "The restriction matrix has \(r.columns) columns but the model has \(beta.count) coefficients.")
        }
        guard value.count == r.rows, r.rows > 0 else {
            throw StatsError(
                .dimensionMismatch,
                "The restriction right-hand side has \(value.count) values for \(r.rows) restrictions.")
        }
        var diff = r.multiplied(by: beta)
        for i in 0..<diff.count { diff[i] -= value[i] }
        let middle = r.multiplied(by: v).multiplied(by: r, transposeOther: true)
        let inv = try middle.symmetricPositiveDefiniteInverse(name: "restriction covariance R·V·Rᵀ")
        let w = zip(diff, inv.multiplied(by: diff)).reduce(0) { $0 + $1.0 * $1.1 }
        let q = r.rows
        return WaldTest(
            wald: w, restrictions: q,
            f: TestResult(name: "F", statistic: w / Double(q), distribution: .f(Double(q), dfResid)),
            chiSquared: TestResult(name: "Wald chi2", statistic: w, distribution: .chiSquared(Double(q))))
    }
}
