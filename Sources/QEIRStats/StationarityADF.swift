import RealModule

/// How the augmented Dickey–Fuller test chooses its number of lagged differences.
public enum ADFLagSelection: String, Sendable, Hashable, Codable, CaseIterable {
    /// Use the maximum lag (statsmodels `autolag=None`).
    case fixed
    /// Minimise the Akaike criterion −2ℓ + 2k (statsmodels `autolag='AIC'`).
    case aic
    /// Minimise the Schwarz criterion −2ℓ + k·log T (statsmodels `autolag='BIC'`).
    case bic
    /// General-to-specific: start at the maximum lag and drop the last lag while its |t| < 1.645
    /// (statsmodels `autolag='t-stat'`; Ng & Perron 1995).
    case tStatistic = "t-stat"
}

/// The result of an augmented Dickey–Fuller test.
public struct ADFResult: Sendable, Hashable, Codable {
    /// τ, the t statistic of the lagged level.
    public let statistic: Double
    /// MacKinnon's (1994) approximate p-value of τ (small: reject the unit root).
    public let pValue: Double
    /// The number of lagged differences in the final regression.
    public let usedLag: Int
    /// The largest lag considered.
    public let maxLag: Int
    /// Observations of the final regression (n − 1 − usedLag).
    public let nobs: Int
    /// MacKinnon's (2010) critical values at 1 %, 5 % and 10 % for ``nobs``.
    public let criticalValues: [CriticalValue]
    /// The best criterion value of the lag search (AIC, BIC or |t| of the last lag); `nil` for a fixed lag.
    public let icBest: Double?
    /// The deterministic terms.
    public let regression: UnitRootRegression
    /// How the lag was chosen.
    public let lagSelection: ADFLagSelection
}

/// The augmented Dickey–Fuller unit-root test.
///
/// Regresses Δy_t on the lagged level, p lagged differences and the deterministic terms d_t:
///
///     Δy_t = d_t'δ + ρ·y_{t−1} + Σ_{j=1}^{p} φ_j Δy_{t−j} + ε_t,
///
/// and reports τ = ρ̂/se(ρ̂) (homoskedastic OLS standard error). Under H₀: ρ = 0 (a unit root)
/// τ has the Dickey–Fuller distribution; the p-value and critical values are MacKinnon's
/// response surfaces (``MacKinnon``). Small p rejects the unit root.
///
/// The lag search follows statsmodels 0.15 `adfuller` exactly: the maximum lag defaults to
/// ⌈12·(n/100)^{1/4}⌉ (Schwert 1989), capped at ⌊n/2⌋ − k_d − 1 (k_d deterministic terms); every
/// candidate p = 0…maxlag is fitted on the same observations (those the maximum lag leaves), the
/// criterion picks p (ties: the smaller p), and the chosen model is refitted on all
/// n − 1 − p observations it allows.
///
/// References: Dickey, D. A. & Fuller, W. A. (1979), "Distribution of the estimators for
/// autoregressive time series with a unit root", *Journal of the American Statistical
/// Association* 74(366), 427–431. Said, S. E. & Dickey, D. A. (1984), "Testing for unit roots in
/// autoregressive-moving average models of unknown order", *Biometrika* 71(3), 599–607.
/// MacKinnon, J. G. (1994), *Journal of Business & Economic Statistics* 12(2), 167–176;
/// MacKinnon, J. G. (2010), Queen's Economics Department Working Paper 1227.
///
/// In short samples (n ≈ 30 quarters) the test has little power against persistent stationary
/// alternatives: failing to reject is weak evidence of a unit root.
public struct AugmentedDickeyFuller: Sendable, Hashable {
    /// The deterministic terms (default: a constant).
    public var regression: UnitRootRegression
    /// The maximum lag; `nil` for ⌈12·(n/100)^{1/4}⌉ capped at ⌊n/2⌋ − k_d − 1.
    public var maxLag: Int?
    /// How the lag is chosen (default: AIC).
    public var lagSelection: ADFLagSelection

    /// Creates a test.
    /// - Parameters:
    ///   - regression: deterministic terms (`.constant` by default).
    ///   - maxLag: the largest lag (`nil`: the statsmodels default).
    ///   - lagSelection: `.aic` (default), `.bic`, `.tStatistic` or `.fixed` (use `maxLag`).
    public init(regression: UnitRootRegression = .constant, maxLag: Int? = nil, lagSelection: ADFLagSelection = .aic) {
        self.regression = regression
        self.maxLag = maxLag
        self.lagSelection = lagSelection
    }

    /// Runs the test on `x`.
    /// - Parameters:
    ///   - x: the series, oldest first.
    ///   - name: the series' name, for error messages.
    /// - Returns: τ, its p-value, the lag used, the regression's observations and critical values.
    /// - Throws: ``StatsError`` — `nonFinite` for a NaN or infinite value, `invalidArgument` for a
    ///   constant series or a negative lag, `insufficientObservations` when the series is too short
    ///   for the deterministic terms or the maximum lag exceeds ⌊n/2⌋ − k_d − 1.
    /// - Complexity: O((maxlag + 1)·n·maxlag²).
    public func test(_ x: [Double], name: String = "x") throws -> ADFResult {
        try Stationarity.validate(x, name: name, test: "ADF")
        let n = x.count
        let kd = regression.deterministicTerms
        let cap = n / 2 - kd - 1
        let maxlag: Int
        if let given = maxLag {
            guard given >= 0 else {
                throw StatsError(
                    .invalidArgument, "The ADF maximum lag must be 0 or more; got \(given).",
                    context: ["column": name, "lags": String(given)])
            }
            guard given <= cap else {
                throw StatsError(
                    .insufficientObservations,
                    "The ADF test of '\(name)' cannot use \(given) lags: with \(n) observations and "
                        + "\(kd) deterministic term\(kd == 1 ? "" : "s") the maximum lag is ⌊n/2⌋ − \(kd) − 1 = \(cap). "
                        + "Use fewer lags or a longer series.",
                    context: ["column": name, "nobs": String(n), "lags": String(given), "max_lags": String(cap)])
            }
            maxlag = given
        } else {
            let schwert = Int((12.0 * Double.pow(Double(n) / 100.0, 1.0 / 4.0)).rounded(.up))
            maxlag = min(cap, schwert)
            guard maxlag >= 0 else {
                throw StatsError(
                    .insufficientObservations,
                    "The ADF test of '\(name)' needs at least \(2 * (kd + 1)) observations with regression "
                        + "'\(regression.rawValue)'; it has \(n). Use a longer series.",
                    context: ["column": name, "nobs": String(n)])
            }
        }
        var usedLag = maxlag
        var icBest: Double? = nil
        if lagSelection != .fixed {
            // Every candidate on the sample the maximum lag leaves, so the criteria are comparable.
            var fits: [RegressionResult] = []
            for lag in 0...maxlag {
                fits.append(try fit(x, lags: lag, sampleLag: maxlag, name: name))
            }
            switch lagSelection {
            case .aic, .bic:
                var best = 0
                func ic(_ f: RegressionResult) -> Double { lagSelection == .aic ? f.aic : f.bic }
                for lag in fits.indices.dropFirst() where ic(fits[lag]) < ic(fits[best]) { best = lag }
                usedLag = best
                icBest = ic(fits[best])
            default:
                // statsmodels stops at the first lag, from the top, whose last coefficient has
                // |t| ≥ Φ⁻¹(0.95); at lag 0 the "last coefficient" is the level's.
                let stop = 1.6448536269514722
                usedLag = 0
                icBest = 0
                for lag in stride(from: maxlag, through: 0, by: -1) {
                    let t = abs(fits[lag].statistics[fits[lag].statistics.count - 1 - regression.deterministicTerms])
                    icBest = t
                    usedLag = lag
                    if t >= stop { break }
                }
            }
        }
        let final = try fit(x, lags: usedLag, sampleLag: usedLag, name: name)
        let tau = final.statistics[final.index(of: "level")!]
        return ADFResult(
            statistic: tau, pValue: MacKinnon.pValue(tau, regression: regression), usedLag: usedLag, maxLag: maxlag,
            nobs: final.nobs, criticalValues: MacKinnon.criticalValues(regression: regression, nobs: final.nobs),
            icBest: icBest, regression: regression, lagSelection: lagSelection)
    }

    /// OLS of Δy_t on y_{t−1}, Δy_{t−1…t−lags} and the deterministic terms, over t whose
    /// lags up to `sampleLag` exist (rows t = sampleLag + 1 … n − 1, 0-based).
    ///
    /// Columns: `level`, `lag1`…`lagL`, then `const` and `trend` (t = 1…T). The t statistic of
    /// the last lag is at `statistics.count − 1 − k_d` (or the level's when lags = 0).
    func fit(_ x: [Double], lags: Int, sampleLag: Int, name: String) throws -> RegressionResult {
        let n = x.count
        let rows = n - 1 - sampleLag
        var dx = [Double](repeating: 0, count: n - 1)
        for t in 0..<(n - 1) { dx[t] = x[t + 1] - x[t] }
        let y = (0..<rows).map { dx[sampleLag + $0] }
        var columns: [(name: String, values: [Double])] = [("level", (0..<rows).map { x[sampleLag + $0] })]
        for j in stride(from: 1, through: lags, by: 1) {
            columns.append(("lag\(j)", (0..<rows).map { dx[sampleLag + $0 - j] }))
        }
        var design = try DesignMatrix(columns: columns, constant: false)
        if regression != .none {
            var deterministic: [(name: String, values: [Double])] = [
                (DesignMatrix.constantName, [Double](repeating: 1, count: rows))
            ]
            if regression == .constantTrend { deterministic.append(("trend", (0..<rows).map { Double($0 + 1) })) }
            design = try design.appending(try DesignMatrix(columns: deterministic, constant: false))
        }
        do {
            return try OLS().fit(y: y, design: design, yName: "Δ\(name)")
        } catch let error as StatsError where error.code == .rankDeficient {
            throw StatsError(
                .rankDeficient,
                "The ADF regression of '\(name)' with \(lags) lag\(lags == 1 ? "" : "s") is collinear (\(error.message)); "
                    + "the series' differences are (nearly) constant or repeat. Use fewer lags or check the series.",
                context: error.context.merging(["column": name]) { _, new in new })
        }
    }
}

/// Shared input checks of the stationarity tests.
enum Stationarity {
    /// Rejects NaN/∞ and constant series, naming the series and observation.
    static func validate(_ x: [Double], name: String, test: String) throws {
        if let bad = x.firstIndex(where: { !$0.isFinite }) {
            throw StatsError(
                .nonFinite,
                "The \(test) test of '\(name)' found a non-finite value (\(x[bad])) at observation \(bad + 1); "
                    + "drop or impute missing values first.",
                context: ["column": name, "observation": String(bad + 1), "value": String(x[bad])])
        }
        guard x.count >= 3 else {
            throw StatsError(
                .insufficientObservations,
                "The \(test) test of '\(name)' needs at least 3 observations; it has \(x.count).",
                context: ["column": name, "nobs": String(x.count)])
        }
        if let first = x.first, x.allSatisfy({ $0 == first }) {
            throw StatsError(
                .invalidArgument,
                "The \(test) test of '\(name)' cannot run on a constant series (every value is \(first)); "
                    + "a constant is trivially stationary and has no unit-root test.",
                context: ["column": name])
        }
    }
}
