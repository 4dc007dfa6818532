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
    /// The coefficient indices when every row of R is a unit vector (a plain "these are zero /
    /// equal to r" restriction), else nil.
    static func selectedCoefficients(_ r: Matrix) -> [Int]? {
        var out: [Int] = []
        for i in 0..<r.rows {
            var index: Int? = nil
            for j in 0..<r.columns where r[i, j] != 0 {
                guard r[i, j] == 1, index == nil else { return nil }
                index = j
            }
            guard let index else { return nil }
            out.append(index)
        }
        return out
    }

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
        let q = r.rows
        var diff: [Double]
        var middle: Matrix
        if let selected = Self.selectedCoefficients(r) {
            // R picks coefficients (the usual case): read the sub-vector and sub-covariance.
            diff = selected.enumerated().map { beta[$0.element] - value[$0.offset] }
            middle = Matrix(rows: q, columns: q)
            for (j, cj) in selected.enumerated() {
                for (i, ci) in selected.enumerated() { middle[i, j] = v[ci, cj] }
            }
        } else {
            diff = r.multiplied(by: beta)
            for i in 0..<diff.count { diff[i] -= value[i] }
            middle = r.multiplied(by: v).multiplied(by: r, transposeOther: true)
        }
        // W = dᵀ(RVRᵀ)⁻¹d = ‖U⁻ᵀd‖² with UᵀU = RVRᵀ (Cholesky), without forming the inverse.
        let u = try middle.choleskyUpper(name: "restriction covariance R·V·Rᵀ (redundant restrictions?)")
        var w = 0.0
        for i in 0..<q {
            var acc = diff[i]
            for k in 0..<i { acc -= u[k, i] * diff[k] }
            diff[i] = acc / u[i, i]
            w += diff[i] * diff[i]
        }
        return WaldTest(
            wald: w, restrictions: q,
            f: TestResult(name: "F", statistic: w / Double(q), distribution: .f(Double(q), dfResid)),
            chiSquared: TestResult(name: "Wald chi2", statistic: w, distribution: .chiSquared(Double(q))))
    }
}
