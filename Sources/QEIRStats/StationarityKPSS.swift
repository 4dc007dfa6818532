import RealModule

/// The Bartlett-window truncation lag of the KPSS long-run variance.
public enum KPSSLags: Sendable, Hashable, Codable {
    /// Hobijn, Franses & Ooms' data-dependent bandwidth (statsmodels `nlags='auto'`).
    case automatic
    /// ⌈12·(n/100)^{1/4}⌉, capped at n − 1 (statsmodels `nlags='legacy'`).
    case legacy
    /// A given lag, 0 ≤ L < n.
    case fixed(Int)
}

/// Where a KPSS statistic falls outside the table, so the reported p-value is a bound.
public enum KPSSPValueBound: String, Sendable, Hashable, Codable {
    /// η̂ is above the 1 % critical value: the true p-value is smaller than the 0.01 reported.
    case actualSmaller = "smaller"
    /// η̂ is below the 10 % critical value: the true p-value is greater than the 0.10 reported.
    case actualGreater = "greater"
}

/// The result of a KPSS test.
public struct KPSSResult: Sendable, Hashable, Codable {
    /// η̂ = T⁻² Σ S_t² / σ̂²_L.
    public let statistic: Double
    /// The p-value interpolated linearly in the KPSS table, clipped to [0.01, 0.10]
    /// (small: reject stationarity).
    public let pValue: Double
    /// Set when η̂ lies outside the table and ``pValue`` is only a bound.
    public let pValueBound: KPSSPValueBound?
    /// The truncation lag L used.
    public let lags: Int
    /// Observations T.
    public let nobs: Int
    /// The asymptotic critical values at 10 %, 5 %, 2.5 % and 1 % (KPSS 1992, Table 1).
    public let criticalValues: [CriticalValue]
    /// The null: `constant` (level stationarity) or `constantTrend` (trend stationarity).
    public let regression: UnitRootRegression
}

/// The KPSS test of the null of (level or trend) stationarity.
///
/// With e_t the residuals of y on a constant (`c`: e_t = y_t − ȳ) or on a constant and trend
/// t = 1…T (`ct`), partial sums S_t = Σ_{s≤t} e_s and the Bartlett long-run variance
///
///     σ̂²_L = T⁻¹ [Σ e_t² + 2 Σ_{i=1}^{L} (1 − i/(L+1)) Σ_{t>i} e_t e_{t−i}],
///
/// the statistic is η̂ = T⁻² Σ S_t² / σ̂²_L (KPSS eq. 11 and 14). Large η̂ rejects stationarity;
/// the p-value is interpolated in the table of critical values (0.347/0.463/0.574/0.739 for `c`,
/// 0.119/0.146/0.176/0.216 for `ct`) and clipped to [0.01, 0.10], flagged by ``KPSSResult/pValueBound``.
///
/// The automatic lag (``KPSSLags/automatic``) is Hobijn, Franses & Ooms' Newey–West-type
/// bandwidth as statsmodels' `_kpss_autolag` computes it: with m = ⌊T^{2/9}⌋,
/// ŝ₀ = γ̂₀ + 2Σ_{i=1}^{m} γ̂_i, ŝ₁ = 2Σ_{i=1}^{m} i·γ̂_i (γ̂_i = T⁻¹Σ e_t e_{t−i}),
/// L = ⌊1.1447·((ŝ₁/ŝ₀)²)^{1/3}·T^{1/3}⌋, capped at T − 1.
///
/// Matches statsmodels 0.15 `kpss(x, regression, nlags)`.
///
/// References: Kwiatkowski, D., Phillips, P. C. B., Schmidt, P. & Shin, Y. (1992), "Testing the
/// null hypothesis of stationarity against the alternative of a unit root", *Journal of
/// Econometrics* 54(1–3), 159–178. Hobijn, B., Franses, P. H. & Ooms, M. (2004), "Generalizations
/// of the KPSS-test for stationarity", *Statistica Neerlandica* 58(4), 483–502 (Econometric
/// Institute Report 9802, 1998). Newey, W. K. & West, K. D. (1994), *Review of Economic Studies*
/// 61(4), 631–653.
///
/// In short samples (n ≈ 30 quarters) the test has little power and its size depends on the
/// bandwidth: a non-rejection is weak evidence of stationarity.
public struct KPSS: Sendable, Hashable {
    /// The null: `.constant` (level stationarity, default) or `.constantTrend`.
    public var regression: UnitRootRegression
    /// The truncation lag (default: automatic).
    public var lags: KPSSLags

    /// Creates a test.
    /// - Parameters:
    ///   - regression: `.constant` (default) or `.constantTrend`; `.none` is rejected by ``test(_:name:)``.
    ///   - lags: `.automatic` (default), `.legacy` or `.fixed(L)`.
    public init(regression: UnitRootRegression = .constant, lags: KPSSLags = .automatic) {
        self.regression = regression
        self.lags = lags
    }

    /// Runs the test on `x`.
    /// - Parameters:
    ///   - x: the series, oldest first.
    ///   - name: the series' name, for error messages.
    /// - Returns: η̂, its table p-value (with a bound flag), the lag, T and the critical values.
    /// - Throws: ``StatsError`` — `nonFinite` for a NaN or infinite value, `invalidArgument` for a
    ///   constant series, `regression: .none` or a negative lag, `insufficientObservations` for
    ///   fewer than 3 (4 with a trend) observations or a lag ≥ T.
    /// - Complexity: O(n·L).
    public func test(_ x: [Double], name: String = "x") throws -> KPSSResult {
        guard regression != .none else {
            throw StatsError(
                .invalidArgument,
                "The KPSS test needs deterministic terms: use regression 'c' (level stationarity) or 'ct' "
                    + "(trend stationarity), not 'n'.", context: ["column": name, "regression": "n"])
        }
        try Stationarity.validate(x, name: name, test: "KPSS")
        let n = x.count
        if regression == .constantTrend && n < 4 {
            throw StatsError(
                .insufficientObservations,
                "The KPSS test of '\(name)' with a trend needs at least 4 observations; it has \(n).",
                context: ["column": name, "nobs": String(n)])
        }
        let e = try residuals(x, name: name)
        let lag: Int
        switch lags {
        case .legacy:
            lag = min(Int((12.0 * Double.pow(Double(n) / 100.0, 1.0 / 4.0)).rounded(.up)), n - 1)
        case .automatic:
            lag = min(Self.automaticLag(e), n - 1)
        case .fixed(let given):
            guard given >= 0 else {
                throw StatsError(
                    .invalidArgument, "The KPSS lag must be 0 or more; got \(given).",
                    context: ["column": name, "lags": String(given)])
            }
            guard given < n else {
                throw StatsError(
                    .insufficientObservations,
                    "The KPSS test of '\(name)' cannot use \(given) lags with \(n) observations; the lag must be "
                        + "less than the number of observations.",
                    context: ["column": name, "nobs": String(n), "lags": String(given)])
            }
            lag = given
        }
        var partial = 0.0
        var eta = 0.0
        for v in e {
            partial += v
            eta += partial * partial
        }
        eta /= Double(n) * Double(n)
        let statistic = eta / Self.longRunVariance(e, lags: lag)
        let table = KPSSTable.criticalValues(regression)
        let p = KPSSTable.interpolate(statistic, table, KPSSTable.levels)
        let bound: KPSSPValueBound? =
            p == KPSSTable.levels.last ? .actualSmaller : p == KPSSTable.levels.first ? .actualGreater : nil
        let critical = zip(KPSSTable.levels, table).map { CriticalValue(level: $0, value: $1) }
        return KPSSResult(
            statistic: statistic, pValue: p, pValueBound: bound, lags: lag, nobs: n,
            criticalValues: critical.reversed(), regression: regression)
    }

    /// The residuals of x on its deterministic terms.
    func residuals(_ x: [Double], name: String) throws -> [Double] {
        if regression == .constant {
            let mean = x.reduce(0, +) / Double(x.count)
            return x.map { $0 - mean }
        }
        let design = try DesignMatrix(columns: [("trend", (0..<x.count).map { Double($0 + 1) })], constant: true)
        return try OLS().fit(y: x, design: design, yName: name).residuals
    }

    /// Σ_{t≥i} e_t e_{t−i}.
    static func autoproduct(_ e: [Double], _ i: Int) -> Double {
        var s = 0.0
        for t in i..<e.count { s += e[t] * e[t - i] }
        return s
    }

    /// The Bartlett long-run variance σ̂²_L (statsmodels `_sigma_est_kpss`).
    static func longRunVariance(_ e: [Double], lags: Int) -> Double {
        var s = autoproduct(e, 0)
        for i in stride(from: 1, through: lags, by: 1) {
            s += 2 * autoproduct(e, i) * (1.0 - (Double(i) / (Double(lags) + 1.0)))
        }
        return s / Double(e.count)
    }

    /// Hobijn, Franses & Ooms' automatic bandwidth (statsmodels `_kpss_autolag`), before the T − 1 cap.
    static func automaticLag(_ e: [Double]) -> Int {
        let n = Double(e.count)
        let covlags = Int(Double.pow(n, 2.0 / 9.0))
        var s0 = autoproduct(e, 0) / n
        var s1 = 0.0
        for i in stride(from: 1, through: covlags, by: 1) {
            let product = autoproduct(e, i) / (n / 2.0)
            s0 += product
            s1 += Double(i) * product
        }
        let ratio = s1 / s0
        let gamma = 1.1447 * Double.pow(ratio * ratio, 1.0 / 3.0)
        let value = gamma * Double.pow(n, 1.0 / 3.0)
        guard value.isFinite else { return 0 }
        return Int(value)
    }
}
