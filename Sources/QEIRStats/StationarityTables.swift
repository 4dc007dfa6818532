/// The deterministic terms of a unit-root or stationarity test regression.
public enum UnitRootRegression: String, Sendable, Hashable, Codable, CaseIterable {
    /// No deterministic terms (ADF only; statsmodels `regression='n'`).
    case none = "n"
    /// A constant (statsmodels `'c'`): ADF's alternative is level stationarity, KPSS's null is.
    case constant = "c"
    /// A constant and a linear trend t = 1, …, n (statsmodels `'ct'`).
    case constantTrend = "ct"

    /// The number of deterministic regressors (0, 1 or 2).
    public var deterministicTerms: Int {
        switch self {
        case .none: 0
        case .constant: 1
        case .constantTrend: 2
        }
    }
}

/// A critical value of a test at one significance level.
public struct CriticalValue: Sendable, Hashable, Codable {
    /// The significance level (0.01 for 1 %).
    public let level: Double
    /// The statistic's critical value at that level.
    public let value: Double

    /// The level as statsmodels labels it: `"1%"`, `"2.5%"`, `"5%"`, `"10%"`.
    public var label: String {
        let percent = level * 100
        return percent == percent.rounded() ? "\(Int(percent))%" : "\(percent)%"
    }

    /// Creates a critical value.
    public init(level: Double, value: Double) {
        self.level = level
        self.value = value
    }
}

extension Array where Element == CriticalValue {
    /// The critical value at `level` (for example 0.05), if tabulated.
    public func value(at level: Double) -> Double? { first { abs($0.level - level) < 1e-12 }?.value }
}

/// MacKinnon's response surfaces for the Dickey–Fuller τ distribution with one variable (N = 1).
///
/// * p-values: MacKinnon, J. G. (1994), "Approximate asymptotic distribution functions for
///   unit-root and cointegration tests", *Journal of Business & Economic Statistics* 12(2),
///   167–176. p = Φ(γ₀ + γ₁τ + γ₂τ²) (the "small-p" surface for τ ≤ τ*, a cubic "large-p" one above),
///   p = 0 below τ_min and 1 above τ_max.
/// * critical values: MacKinnon, J. G. (2010), "Critical values for cointegration tests",
///   Queen's Economics Department Working Paper 1227, Table 2:
///   c(T) = β∞ + β₁/T + β₂/T² + β₃/T³ at the regression's sample size T.
///
/// The coefficients are transcribed from those papers as statsmodels 0.15 tabulates them in
/// `statsmodels/tsa/adfvalues.py` (rows N = 1), and the evaluation order is the same (Horner,
/// highest power first), so values agree with `mackinnonp`/`mackinnoncrit` to rounding.
public enum MacKinnon {
    /// (τ*, τ_min, τ_max) of the N = 1 p-value surfaces.
    static func cutoffs(_ regression: UnitRootRegression) -> (star: Double, min: Double, max: Double) {
        switch regression {
        case .none: (-1.04, -19.04, .infinity)
        case .constant: (-1.61, -18.83, 2.74)
        case .constantTrend: (-2.89, -16.18, 0.7)
        }
    }

    /// γ₀, γ₁, γ₂ of the small-p surface (MacKinnon 1994, Table 3; γ₂ scaled by 10⁻²).
    static func smallP(_ regression: UnitRootRegression) -> [Double] {
        switch regression {
        case .none: [0.6344, 1.2378, 3.2496 * 1e-2]
        case .constant: [2.1659, 1.4412, 3.8269 * 1e-2]
        case .constantTrend: [3.2512, 1.6047, 4.9588 * 1e-2]
        }
    }

    /// γ₀…γ₃ of the large-p surface (MacKinnon 1994, Table 4; scaled by 1, 10⁻¹, 10⁻¹, 10⁻²).
    static func largeP(_ regression: UnitRootRegression) -> [Double] {
        switch regression {
        case .none: [0.4797, 9.3557 * 1e-1, -0.6999 * 1e-1, 3.3066 * 1e-2]
        case .constant: [1.7339, 9.3202 * 1e-1, -1.2745 * 1e-1, -1.0368 * 1e-2]
        case .constantTrend: [2.5261, 6.1654 * 1e-1, -3.7956 * 1e-1, -6.0285 * 1e-2]
        }
    }

    /// β∞, β₁, β₂, β₃ for the 1 %, 5 % and 10 % critical values (MacKinnon 2010, Table 2, N = 1).
    static func criticalSurface(_ regression: UnitRootRegression) -> [[Double]] {
        switch regression {
        case .none:
            [
                [-2.56574, -2.2358, -3.627, 0], [-1.94100, -0.2686, -3.365, 31.223],
                [-1.61682, 0.2656, -2.714, 25.364],
            ]
        case .constant:
            [
                [-3.43035, -6.5393, -16.786, -79.433], [-2.86154, -2.8903, -4.234, -40.040],
                [-2.56677, -1.5384, -2.809, 0],
            ]
        case .constantTrend:
            [
                [-3.95877, -9.0531, -28.428, -134.155], [-3.41049, -4.3904, -9.036, -45.374],
                [-3.12705, -2.5856, -3.925, -22.380],
            ]
        }
    }

    /// Horner evaluation of c₀ + c₁x + … (highest power first, as numpy's `polyval`).
    static func horner(_ coefficients: [Double], _ x: Double) -> Double {
        var y = 0.0
        for c in coefficients.reversed() { y = y * x + c }
        return y
    }

    /// The approximate p-value of a Dickey–Fuller τ statistic (statsmodels `mackinnonp(τ, regression, N=1)`).
    ///
    /// p = Φ(Σ γ_k τ^k) with the small-p surface when τ ≤ τ* and the large-p one otherwise;
    /// 0 below τ_min, 1 above τ_max (MacKinnon 1994).
    /// - Parameters:
    ///   - statistic: the τ statistic.
    ///   - regression: the deterministic terms of the test regression.
    /// - Returns: the left-tail probability of τ under the unit-root null.
    public static func pValue(_ statistic: Double, regression: UnitRootRegression) -> Double {
        guard !statistic.isNaN else { return .nan }
        let cut = cutoffs(regression)
        if statistic > cut.max { return 1 }
        if statistic < cut.min { return 0 }
        let coefficients = statistic <= cut.star ? smallP(regression) : largeP(regression)
        return Normal().cdf(horner(coefficients, statistic))
    }

    /// The 1 %, 5 % and 10 % critical values of τ at sample size `nobs` (statsmodels
    /// `mackinnoncrit(N=1, regression, nobs)`; MacKinnon 2010).
    /// - Parameters:
    ///   - regression: the deterministic terms.
    ///   - nobs: T, the observations of the test regression (`nil`: the asymptotic values β∞).
    /// - Returns: the critical values at 0.01, 0.05 and 0.10.
    public static func criticalValues(regression: UnitRootRegression, nobs: Int?) -> [CriticalValue] {
        let levels = [0.01, 0.05, 0.10]
        return zip(levels, criticalSurface(regression)).map { level, beta in
            guard let nobs else { return CriticalValue(level: level, value: beta[0]) }
            return CriticalValue(level: level, value: horner(beta, 1 / Double(nobs)))
        }
    }
}

/// The KPSS asymptotic critical values (Kwiatkowski, Phillips, Schmidt & Shin 1992, Table 1).
enum KPSSTable {
    /// Upper-tail probabilities of the table, in the order of ``criticalValues(_:)``.
    static let levels = [0.10, 0.05, 0.025, 0.01]

    /// The critical values of η̂_μ (`c`) or η̂_τ (`ct`) at 10 %, 5 %, 2.5 % and 1 %.
    static func criticalValues(_ regression: UnitRootRegression) -> [Double] {
        switch regression {
        case .constantTrend: [0.119, 0.146, 0.176, 0.216]
        default: [0.347, 0.463, 0.574, 0.739]
        }
    }

    /// numpy's `interp(x, xp, fp)`: linear interpolation, clamped to fp's ends outside xp.
    static func interpolate(_ x: Double, _ xp: [Double], _ fp: [Double]) -> Double {
        if x.isNaN { return .nan }
        if x <= xp[0] { return fp[0] }
        if x >= xp[xp.count - 1] { return fp[fp.count - 1] }
        var j = 0
        while j + 1 < xp.count && xp[j + 1] <= x { j += 1 }
        let slope = (fp[j + 1] - fp[j]) / (xp[j + 1] - xp[j])
        return slope * (x - xp[j]) + fp[j]
    }
}
