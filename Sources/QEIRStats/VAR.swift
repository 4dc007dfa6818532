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
        try fit(lags: lags, trend: trend, excluding: [])
    }

    /// Fits a VAR(p) by equation-wise OLS with some equation dates left out of the regression.
    ///
    /// The regressors are built on the full data first, so the lags of the dates next to an
    /// excluded one are the observed values; only the equations (rows of Y and Z) of the
    /// excluded dates are dropped. With E the excluded set, the fit is OLS of
    /// {yₜ : t ∉ E} on {zₜ : t ∉ E}; n = T − p − |E| and every degree-of-freedom count
    /// (Σ̂ᵤ, the Granger F denominator k·(n − kp − d), the criteria) uses that n. The trend
    /// regressor keeps each date's own value (statsmodels' t = p + 1, p + 2, … of the full
    /// sample). This is the building block of leave-one-out influence diagnostics.
    /// Bootstrap bands are not supported on such a fit (see
    /// ``VARResult/impulseResponseBands(horizon:replications:seed:level:method:firstStageReplications:maxConcurrentTasks:progress:)``).
    /// - Parameters:
    ///   - lags: the lag order p ≥ 1.
    ///   - trend: the deterministic terms.
    ///   - excluding: 0-based row positions in ``data`` of equation dates to drop; every position
    ///     must lie in p..<T (the first p rows are initial values, not equations).
    /// - Returns: the estimates; ``VARResult/excludedPositions`` lists the dropped rows.
    /// - Throws: as ``fit(lags:trend:)``; ``StatsError/Code/invalidArgument`` for a position
    ///   outside p..<T; ``StatsError/Code/insufficientObservations`` when fewer than k residual
    ///   degrees of freedom remain.
    public func fit(lags: Int, trend: VARTrend = .constant, excluding: Set<Int>) throws -> VARResult {
        guard lags >= 1 else {
            throw StatsError(
                .invalidArgument, "The VAR lag order must be at least 1, got \(lags).",
                context: ["lags": String(lags)])
        }
        try checkEstimable(lags: lags, trend: trend, argument: "lags")
        let excluded = excluding.sorted()
        if let bad = excluded.first(where: { $0 < lags || $0 >= data.rows }) {
            throw StatsError(
                .invalidArgument,
                "Cannot exclude row \(bad): a VAR(\(lags)) on \(data.rows) rows has equations at rows \(lags)…"
                    + "\(data.rows - 1) (0-based; the first \(lags) rows are initial values). Exclude equation dates only.",
                context: ["position": String(bad), "lags": String(lags), "rows": String(data.rows)])
        }
        let k = variableCount
        let kept = data.rows - lags - excluded.count
        guard kept - (k * lags + trend.deterministicCount) >= k else {
            throw StatsError(
                .insufficientObservations,
                "Excluding \(excluded.count) of \(data.rows - lags) equation dates leaves \(kept) observations, too few "
                    + "for a VAR(\(lags)) of \(k) variables (at least \(k * lags + trend.deterministicCount + k) are "
                    + "needed). Exclude fewer dates or use fewer lags.",
                context: ["excluded": String(excluded.count), "lags": String(lags)])
        }
        let estimate = try VAREstimate(data: data, offset: 0, lags: lags, trend: trend, excluding: excluded)
        return try VARResult(model: self, estimate: estimate)
    }

    /// The default floor on the residual degrees of freedom per equation that
    /// ``selectOrder(maxLags:trend:minimumResidualDF:)`` demands of an order: 10.
    public static let defaultMinimumResidualDF = 10

    /// Selects the lag order by AIC, BIC, HQIC and FPE as statsmodels'
    /// `VAR.select_order(maxlags, trend)`, searching only orders that leave enough residual
    /// degrees of freedom per equation.
    ///
    /// Every order p = p₀…maxLags (p₀ = 0 with deterministic terms, 1 with ``VARTrend/none``)
    /// is fitted on the **same** effective sample: the first `maxLags − p` rows are dropped
    /// before a VAR(p) is fitted, so each fit has n = T − maxLags observations. With
    /// Σ̃ = ûᵀû/n (the ML covariance) and m = p·k² + k·d free parameters:
    /// AIC = ln|Σ̃| + 2m/n, BIC = ln|Σ̃| + m·ln n/n, HQIC = ln|Σ̃| + 2m·ln ln n/n,
    /// FPE = ((n + kp + d)/(n − kp − d))ᵏ·|Σ̃| (Lütkepohl 2005, §4.3). The selected order
    /// minimises each criterion (first minimum on ties).
    ///
    /// **The cap.** On a short sample the criteria favour the largest order: ln|Σ̃| of an
    /// overfitted VAR falls faster than the penalty rises (AIC's small-sample overfitting,
    /// Lütkepohl 2005, §4.3.2). With `minimumResidualDF` = m₀ only orders with
    /// df(p) = n − (d + k·p) ≥ m₀ are candidates; the search is capped at the largest such
    /// order, p̄ = ⌊(n − d − m₀)/k⌋. Orders above p̄ that can still be fitted (df ≥ k) are
    /// fitted too and reported in ``VARLagOrderSelection/lags`` so a caller can say what the
    /// uncapped criterion would have chosen (``VARLagOrderSelection/selectedOrder(_:withinCap:)``),
    /// but the ``VARLagOrderSelection/aicOrder``… properties only choose among
    /// ``VARLagOrderSelection/consideredLags``. With the cap on, `maxLags` may exceed
    /// ``maximumLags(trend:)``: it only fixes the common sample. `nil` turns the cap off and
    /// reproduces statsmodels exactly (including its error for an inestimable `maxLags`).
    /// - Parameters:
    ///   - maxLags: the largest order asked for; it fixes the common sample n = T − maxLags.
    ///   - trend: the deterministic terms of every fit.
    ///   - minimumResidualDF: the floor m₀ ≥ 1 on n − (d + k·p) (default
    ///     ``defaultMinimumResidualDF``), or `nil` for no cap.
    /// - Throws: ``StatsError/Code/invalidArgument`` when `maxLags < p₀` or m₀ < 1;
    ///   ``StatsError/Code/insufficientObservations`` when no order p ≥ p₀ leaves m₀ residual
    ///   degrees of freedom (with the cap), or when `maxLags` exceeds ``maximumLags(trend:)``
    ///   (without it).
    public func selectOrder(
        maxLags: Int, trend: VARTrend = .constant, minimumResidualDF: Int? = VARModel.defaultMinimumResidualDF
    ) throws -> VARLagOrderSelection {
        let minLags = trend == .none ? 1 : 0
        guard maxLags >= minLags else {
            throw StatsError(
                .invalidArgument,
                "maxLags must be at least \(minLags) for trend '\(trend.rawValue)', got \(maxLags).",
                context: ["maxLags": String(maxLags)])
        }
        let k = variableCount
        let d = trend.deterministicCount
        let n = data.rows - maxLags
        var largestFitted = maxLags
        var largestAdmissible = maxLags
        if let floor = minimumResidualDF {
            guard floor >= 1 else {
                throw StatsError(
                    .invalidArgument, "minimumResidualDF must be at least 1 (or nil for no cap), got \(floor).",
                    context: ["minimumResidualDF": String(floor)])
            }
            // Largest p with n − d − k·p ≥ m (floor division that rounds towards −∞).
            func largest(leaving m: Int) -> Int {
                let room = n - d - m
                return room >= 0 ? room / k : -((-room + k - 1) / k)
            }
            largestFitted = min(maxLags, largest(leaving: k))
            largestAdmissible = min(largestFitted, largest(leaving: floor))
            guard largestAdmissible >= minLags else {
                let first = minLags == 0 ? "n − \(d)" : "n − \(d + k)"
                throw StatsError(
                    .insufficientObservations,
                    "No lag order leaves \(floor) residual degrees of freedom per equation: the common sample of "
                        + "maxLags = \(maxLags) has n = \(n) observations of \(k) variables with trend '\(trend.rawValue)', "
                        + "so even order \(minLags) leaves \(first) = \(n - d - k * minLags). Use a longer sample, "
                        + "fewer variables or a smaller maxLags.",
                    context: [
                        "maxLags": String(maxLags), "observations": String(n), "variables": String(k),
                        "minimumResidualDF": String(floor),
                    ])
            }
        } else {
            try checkEstimable(lags: maxLags, trend: trend, argument: "maxLags")
        }
        var criteria: [VARInformationCriteria] = []
        for p in minLags...largestFitted {
            let estimate = try VAREstimate(data: data, offset: maxLags - p, lags: p, trend: trend)
            criteria.append(estimate.informationCriteria)
        }
        return VARLagOrderSelection(
            maxLags: maxLags, trend: trend, nobs: n, variableCount: k, minimumResidualDF: minimumResidualDF,
            largestAdmissibleOrder: largestAdmissible, lags: Array(minLags...largestFitted), criteria: criteria)
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
    /// Row positions of the equations left out (sorted; empty for a full fit).
    let excluded: [Int]
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

    /// Fits rows `offset + lags..<T` of `data`, leaving out the equations at the row positions
    /// `excluding` (sorted, each in that range) after the regressors are built.
    init(data: Matrix, offset: Int, lags: Int, trend: VARTrend, excluding: [Int] = []) throws {
        let k = data.columns
        var z = Self.regressors(data: data, offset: offset, lags: lags, trend: trend)
        var rows = Array((offset + lags)..<data.rows)
        if !excluding.isEmpty {
            let dropped = Set(excluding)
            let keep = rows.indices.filter { !dropped.contains(rows[$0]) }
            z = z.selectingRows(keep)
            rows = keep.map { rows[$0] }
        }
        let n = rows.count
        let y = data.selectingRows(rows)
        let (b, zzInverse) = try Self.leastSquares(z: z, y: y, lags: lags)
        var residuals = y
        let fitted = z.multiplied(by: b)
        for i in 0..<residuals.storage.count { residuals.storage[i] -= fitted.storage[i] }
        self.lags = lags
        self.trend = trend
        self.excluded = excluding
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
