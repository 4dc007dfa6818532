import RealModule

/// The deterministic terms of a VAR, as statsmodels' `trend` argument names them.
public enum VARTrend: String, Sendable, Hashable, Codable, CaseIterable {
    /// No deterministic terms (statsmodels `"n"`).
    case none = "n"
    /// A constant in every equation (statsmodels `"c"`, the default).
    case constant = "c"
    /// A constant and a linear trend (statsmodels `"ct"`).
    case constantAndTrend = "ct"

    /// The number of deterministic regressors per equation (0, 1 or 2).
    public var deterministicCount: Int {
        switch self {
        case .none: 0
        case .constant: 1
        case .constantAndTrend: 2
        }
    }

    /// The names of the deterministic regressors, as statsmodels labels them (`const`, `trend`).
    public var deterministicNames: [String] { Array(["const", "trend"].prefix(deterministicCount)) }
}

/// A vector autoregression on a fixed data set, ready to be fitted or to have its lag order
/// selected.
///
/// The VAR(p) model is yₜ = ν + δ·t + A₁yₜ₋₁ + … + Aₚyₜ₋ₚ + uₜ, with yₜ a vector of the k
/// variables and the deterministic terms chosen by ``VARTrend``. Each equation is estimated
/// by OLS on the same regressors, which is the Gaussian maximum-likelihood (and GLS)
/// estimator of the whole system (Lütkepohl 2005, *New Introduction to Multiple Time Series
/// Analysis*, §3.2). Conventions are statsmodels 0.15's `statsmodels.tsa.api.VAR`.
public struct VARModel: Sendable, Hashable {
    /// The observations: one row per period (oldest first), one column per variable.
    public let data: Matrix
    /// The variable names, one per column of ``data``.
    public let names: [String]

    /// Creates a model.
    /// - Parameters:
    ///   - data: T×k observations, oldest period first.
    ///   - names: the k variable names (distinct).
    /// - Throws: ``StatsError/Code/dimensionMismatch`` when `names` does not match the columns
    ///   or there are no variables; ``StatsError/Code/duplicateColumn`` for a repeated name;
    ///   ``StatsError/Code/nonFinite`` for a NaN or infinite observation (naming the variable
    ///   and the row).
    public init(data: Matrix, names: [String]) throws {
        guard data.columns > 0 else {
            throw StatsError(.dimensionMismatch, "A VAR needs at least one variable; the data matrix has no columns.")
        }
        guard names.count == data.columns else {
            throw StatsError(
                .dimensionMismatch,
                "The VAR data has \(data.columns) columns but \(names.count) names were given; "
                    + "pass one name per column.",
                context: ["columns": String(data.columns), "names": String(names.count)])
        }
        var seen = Set<String>()
        for name in names where !seen.insert(name).inserted {
            throw StatsError(
                .duplicateColumn,
                "The variable name '\(name)' appears more than once; give every VAR variable a distinct name.",
                context: ["column": name])
        }
        for j in 0..<data.columns {
            for i in 0..<data.rows where !data[i, j].isFinite {
                throw StatsError.nonFinite(column: names[j], index: i, value: data[i, j])
            }
        }
        self.data = data
        self.names = names
    }

    /// The number of variables k.
    public var variableCount: Int { data.columns }

    /// The largest lag order that can be estimated with `trend`: statsmodels'
    /// `max_estimable = (T − k − d) // (1 + k)`, d the number of deterministic terms. At that
    /// order the residual degrees of freedom T − p − (kp + d) are still at least k, so Σ̂ᵤ
    /// can be nonsingular.
    public func maximumLags(trend: VARTrend = .constant) -> Int {
        (data.rows - variableCount - trend.deterministicCount) / (1 + variableCount)
    }

    /// Fits a VAR(p) by equation-wise OLS.
    /// - Parameters:
    ///   - lags: the lag order p ≥ 1.
    ///   - trend: the deterministic terms (statsmodels' `trend`).
    /// - Returns: the estimates; see ``VARResult``.
    /// - Throws: ``StatsError/Code/invalidArgument`` when `lags < 1`;
    ///   ``StatsError/Code/insufficientObservations`` when p exceeds ``maximumLags(trend:)``;
    ///   ``StatsError/Code/rankDeficient`` when the lagged regressors are collinear.
    public func fit(lags: Int, trend: VARTrend = .constant) throws -> VARResult {
        guard lags >= 1 else {
            throw StatsError(
                .invalidArgument, "The VAR lag order must be at least 1, got \(lags).",
                context: ["lags": String(lags)])
        }
        try checkEstimable(lags: lags, trend: trend, argument: "lags")
        let estimate = try VAREstimate(data: data, offset: 0, lags: lags, trend: trend)
        return try VARResult(model: self, estimate: estimate)
    }

    /// Selects the lag order by AIC, BIC, HQIC and FPE exactly as statsmodels'
    /// `VAR.select_order(maxlags, trend)`.
    ///
    /// Every order p = p₀…maxLags (p₀ = 0 with deterministic terms, 1 with ``VARTrend/none``)
    /// is fitted on the **same** effective sample: the first `maxLags − p` rows are dropped
    /// before a VAR(p) is fitted, so each fit has n = T − maxLags observations. With
    /// Σ̃ = ûᵀû/n (the ML covariance) and m = p·k² + k·d free parameters:
    /// AIC = ln|Σ̃| + 2m/n, BIC = ln|Σ̃| + m·ln n/n, HQIC = ln|Σ̃| + 2m·ln ln n/n,
    /// FPE = ((n + kp + d)/(n − kp − d))ᵏ·|Σ̃| (Lütkepohl 2005, §4.3). The selected order
    /// minimises each criterion (first minimum on ties).
    /// - Throws: ``StatsError/Code/invalidArgument`` when `maxLags < p₀`;
    ///   ``StatsError/Code/insufficientObservations`` when `maxLags` exceeds
    ///   ``maximumLags(trend:)``.
    public func selectOrder(maxLags: Int, trend: VARTrend = .constant) throws -> VARLagOrderSelection {
        let minLags = trend == .none ? 1 : 0
        guard maxLags >= minLags else {
            throw StatsError(
                .invalidArgument,
                "maxLags must be at least \(minLags) for trend '\(trend.rawValue)', got \(maxLags).",
                context: ["maxLags": String(maxLags)])
        }
        try checkEstimable(lags: maxLags, trend: trend, argument: "maxLags")
        var criteria: [VARInformationCriteria] = []
        for p in minLags...maxLags {
            let estimate = try VAREstimate(data: data, offset: maxLags - p, lags: p, trend: trend)
            criteria.append(estimate.informationCriteria)
        }
        return VARLagOrderSelection(
            maxLags: maxLags, trend: trend, lags: Array(minLags...maxLags), criteria: criteria)
    }

    func checkEstimable(lags: Int, trend: VARTrend, argument: String) throws {
        let maximum = maximumLags(trend: trend)
        guard lags <= maximum else {
            let k = variableCount
            throw StatsError(
                .insufficientObservations,
                "\(argument) = \(lags) is too large for \(data.rows) observations of \(k) variables with trend "
                    + "'\(trend.rawValue)': at most \(max(maximum, 0)) lags leave enough observations "
                    + "(T − p − (kp + \(trend.deterministicCount)) ≥ k). Use fewer lags or a longer sample.",
                context: [argument: String(lags), "observations": String(data.rows), "variables": String(k)])
        }
    }
}

/// AIC, BIC, HQIC and FPE of one fitted VAR (statsmodels' `VARResults.info_criteria`).
public struct VARInformationCriteria: Sendable, Hashable, Codable {
    /// ln|Σ̃| + 2m/n.
    public let aic: Double
    /// ln|Σ̃| + m·ln(n)/n.
    public let bic: Double
    /// ln|Σ̃| + 2m·ln(ln n)/n.
    public let hqic: Double
    /// ((n + kp + d)/(n − kp − d))ᵏ·|Σ̃|.
    public let fpe: Double
}

/// The lag-order selection table of ``VARModel/selectOrder(maxLags:trend:)``.
public struct VARLagOrderSelection: Sendable, Hashable {
    /// The largest order considered.
    public let maxLags: Int
    /// The deterministic terms of every fit.
    public let trend: VARTrend
    /// The orders considered, ascending (from 0, or 1 without deterministic terms).
    public let lags: [Int]
    /// The criteria of each order, parallel to ``lags``.
    public let criteria: [VARInformationCriteria]

    /// AIC per order, parallel to ``lags``.
    public var aic: [Double] { criteria.map(\.aic) }
    /// BIC per order, parallel to ``lags``.
    public var bic: [Double] { criteria.map(\.bic) }
    /// HQIC per order, parallel to ``lags``.
    public var hqic: [Double] { criteria.map(\.hqic) }
    /// FPE per order, parallel to ``lags``.
    public var fpe: [Double] { criteria.map(\.fpe) }

    /// The order minimising AIC (the first on ties, as numpy's `argmin`).
    public var aicOrder: Int { argmin(aic) }
    /// The order minimising BIC.
    public var bicOrder: Int { argmin(bic) }
    /// The order minimising HQIC.
    public var hqicOrder: Int { argmin(hqic) }
    /// The order minimising FPE.
    public var fpeOrder: Int { argmin(fpe) }

    func argmin(_ values: [Double]) -> Int {
        var best = 0
        for i in values.indices where values[i] < values[best] { best = i }
        return lags[best]
    }
}

/// The kind of Granger-causality test statistic.
public enum GrangerTestKind: String, Sendable, Hashable, Codable {
    /// W/q against F(q, k·(n − kp − d)) (statsmodels `kind='f'`).
    case f
    /// W against χ²(q) (statsmodels `kind='wald'`).
    case wald
}

/// The pieces of one VAR fit shared by ``VARModel/fit(lags:trend:)`` and lag selection.
struct VAREstimate: Sendable, Hashable {
    let lags: Int
    let trend: VARTrend
    let k: Int
    let nobs: Int
    /// m×k coefficients, rows [deterministic, L1 vars, L2 vars, …], columns equations.
    let coefficients: Matrix
    /// (ZᵀZ)⁻¹, m×m.
    let zzInverse: Matrix
    /// nobs×k residuals.
    let residuals: Matrix
    /// ûᵀû.
    let sse: Matrix

    var dfModel: Int { k * lags + trend.deterministicCount }
    var dfResid: Int { nobs - dfModel }

    /// The regressor matrix of statsmodels' `get_var_endog` for rows `offset...` of `data`:
    /// [const, trend, yₜ₋₁ᵀ, …, yₜ₋ₚᵀ]; the trend is t = p + 1, p + 2, … (statsmodels adds
    /// `lags` to a 1-based counter for JMulTi compatibility).
    static func regressors(data: Matrix, offset: Int, lags: Int, trend: VARTrend) -> Matrix {
        let k = data.columns
        let n = data.rows - offset - lags
        let d = trend.deterministicCount
        var z = Matrix(rows: n, columns: d + k * lags)
        for i in 0..<n {
            if d >= 1 { z[i, 0] = 1 }
            if d >= 2 { z[i, 1] = Double(i + 1 + lags) }
            let t = offset + lags + i
            for j in 0..<lags {
                for v in 0..<k { z[i, d + j * k + v] = data[t - j - 1, v] }
            }
        }
        return z
    }

    init(data: Matrix, offset: Int, lags: Int, trend: VARTrend) throws {
        let k = data.columns
        let n = data.rows - offset - lags
        let z = Self.regressors(data: data, offset: offset, lags: lags, trend: trend)
        let y = data.selectingRows(Array((offset + lags)..<data.rows))
        let (b, zzInverse) = try Self.leastSquares(z: z, y: y, lags: lags)
        var residuals = y
        let fitted = z.multiplied(by: b)
        for i in 0..<residuals.storage.count { residuals.storage[i] -= fitted.storage[i] }
        self.lags = lags
        self.trend = trend
        self.k = k
        self.nobs = n
        self.coefficients = b
        self.zzInverse = zzInverse
        self.residuals = residuals
        self.sse = residuals.gram()
    }

    /// B = (ZᵀZ)⁻¹ZᵀY by Householder QR of the column-equilibrated Z, and (ZᵀZ)⁻¹ = R⁻¹R⁻ᵀ.
    static func leastSquares(z: Matrix, y: Matrix, lags: Int) throws -> (Matrix, Matrix) {
        let n = z.rows
        let m = z.columns
        let k = y.columns
        if m == 0 { return (Matrix(rows: 0, columns: k), Matrix(rows: 0, columns: 0)) }
        var scale = [Double](repeating: 1, count: m)
        var a = z.storage
        for j in 0..<m {
            var s = 0.0
            for i in 0..<n { s += a[i + j * n] * a[i + j * n] }
            let norm = s.squareRoot()
            scale[j] = norm > 0 ? norm : 1
            for i in 0..<n { a[i + j * n] /= scale[j] }
        }
        var tau: [Double] = []
        try LAPACK.geqrf(m: n, n: m, a: &a, tau: &tau)
        var r = [Double](repeating: 0, count: m * m)
        var maxDiagonal = 0.0
        for j in 0..<m {
            for i in 0...j { r[i + j * m] = a[i + j * n] }
            maxDiagonal = max(maxDiagonal, abs(r[j + j * m]))
        }
        let tolerance = Double(max(n, m)) * Double.ulpOfOne * maxDiagonal
        for j in 0..<m where abs(r[j + j * m]) <= tolerance {
            throw StatsError(
                .rankDeficient,
                "The VAR(\(lags)) regressors are collinear (regressor \(j) depends on the ones before it); "
                    + "remove a variable that is a combination of others or a constant series.",
                context: ["regressor": String(j)])
        }
        var qty = y.storage
        try LAPACK.ormqr(transpose: true, m: n, k: m, a: a, tau: tau, c: &qty, columns: k)
        try LAPACK.trtriUpper(n: m, a: &r)
        for j in 0..<m {
            for i in (j + 1)..<max(j + 1, m) { r[i + j * m] = 0 }
        }
        let rInverse = Matrix(uncheckedRows: m, columns: m, storage: r)
        var top = Matrix(rows: m, columns: k)
        for c in 0..<k {
            for i in 0..<m { top[i, c] = qty[i + c * n] }
        }
        var b = rInverse.multiplied(by: top)
        var zz = rInverse.multiplied(by: rInverse, transposeOther: true)
        for i in 0..<m {
            for c in 0..<k { b[i, c] /= scale[i] }
            for j in 0..<m { zz[i, j] /= scale[i] * scale[j] }
        }
        return (b, zz)
    }

    /// ln|ûᵀû/n| by Cholesky; −∞ when there are no residual degrees of freedom (statsmodels).
    var logDeterminantML: Double {
        guard dfResid != 0 else { return -.infinity }
        var ml = sse
        for i in 0..<ml.storage.count { ml.storage[i] /= Double(nobs) }
        guard let u = try? ml.choleskyUpper(name: "ML residual covariance") else { return -.infinity }
        return u.diagonal.reduce(0) { $0 + 2 * Double.log($1) }
    }

    var informationCriteria: VARInformationCriteria {
        let n = Double(nobs)
        let free = Double(lags * k * k + k * trend.deterministicCount)
        let ld = logDeterminantML
        let fpe =
            dfResid != 0
            ? Double.pow((n + Double(dfModel)) / Double(dfResid), Double(k)) * Double.exp(ld) : .infinity
        return VARInformationCriteria(
            aic: ld + 2 / n * free, bic: ld + Double.log(n) / n * free,
            hqic: ld + 2 * Double.log(Double.log(n)) / n * free, fpe: fpe)
    }
}
