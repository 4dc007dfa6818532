/// Kilian's (1998) bootstrap estimate of the small-sample bias of a VAR's slope coefficients,
/// and the bias-corrected coefficients with his stationarity correction.
///
/// Reference: L. Kilian (1998), "Small-sample confidence intervals for impulse response
/// functions", *Review of Economics and Statistics* 80(2), 218–230.
public struct VARBiasCorrection: Sendable, Hashable {
    /// The stream offset of the bias bootstrap: its replicate i draws from
    /// `ReplicateRandom(seed: seed, stream: VARBiasCorrection.streamOffset + i)`, so it never
    /// shares a stream with the band replicates (streams 0, 1, …) of the same seed.
    public static let streamOffset: UInt64 = 1 << 62

    /// The number of bootstrap replicates B₁ behind the bias estimate.
    public let replications: Int
    /// The seed.
    public let seed: UInt64
    /// The estimated bias Ψ̂ = mean(Â*) − Â, as k×k matrices parallel to
    /// ``VARResult/lagMatrices`` (element (e, v) of matrix j: lag j + 1 of variable v in
    /// equation e).
    public let bias: [Matrix]
    /// δ, the share of the bias correction applied: 1 = full, less when the full correction
    /// would make the VAR non-stationary, 0 = none (also when the OLS VAR itself is not
    /// stable).
    public let shrinkage: Double
    /// The corrected lag matrices Ã = Â − δΨ̂.
    public let correctedLagMatrices: [Matrix]
    /// The corrected coefficients in the layout of ``VARResult/coefficients``: the slopes Ã and
    /// the deterministic terms re-estimated by least squares given Ã (with a constant only,
    /// ν̃ = ȳ₀ − Σⱼ Ãⱼȳⱼ, ȳⱼ the mean of the j-th lag over the sample, so the process keeps
    /// the sample mean).
    public let correctedCoefficients: Matrix
    /// The largest companion-eigenvalue modulus of Ã (< 1 unless the OLS VAR is not stable).
    public let correctedMaxModulus: Double

    /// Ψ̂ in the layout of the slope rows of ``VARResult/coefficients`` (kp×k).
    let biasBlock: Matrix
}

extension VARResult {
    /// Estimates the small-sample bias of the slope coefficients by a residual bootstrap and
    /// corrects it (Kilian 1998, steps 1–2).
    ///
    /// 1. B₁ replicates y* are simulated from the OLS estimate (centred residual rows drawn
    ///    with replacement, the original first p observations as initial values — the
    ///    recursive design of ``impulseResponseBands(horizon:replications:seed:level:method:firstStageReplications:maxConcurrentTasks:progress:)``)
    ///    and refitted; Ψ̂ = (1/B₁)Σᵢ Â*ᵢ − Â, Â the kp×k slope block.
    /// 2. If the OLS VAR is not stable (largest companion modulus m(Â) ≥ 1), nothing is
    ///    corrected (δ = 0). Otherwise Ã = Â − δΨ̂ with δ = 1, 0.99, 0.98, … the first value
    ///    whose companion matrix has m(Ã) < 1 — Kilian's stationarity correction, read as the
    ///    linear steps of δ most implementations use (Kilian's recursion Ψᵢ₊₁ = δᵢΨᵢ compounds
    ///    the steps instead; both stop at the first stationary Ã).
    /// The deterministic terms are then re-estimated by least squares given Ã.
    /// - Parameters:
    ///   - replications: B₁ ≥ 2.
    ///   - seed: replicate i uses `ReplicateRandom(seed: seed, stream: VARBiasCorrection.streamOffset + i)`,
    ///     so the estimate is bit-identical whatever `maxConcurrentTasks` is.
    ///   - maxConcurrentTasks: the most worker tasks at once (≥ 1).
    ///   - progress: optional callback, once per finished chunk of replicates.
    /// - Returns: the bias, δ and the corrected coefficients.
    /// - Throws: ``StatsError/Code/invalidArgument`` for a bad argument;
    ///   ``StatsError/Code/notSupported`` for a fit with excluded rows;
    ///   ``StatsError/Code/replicateFailed`` when a replicate cannot be fitted;
    ///   `CancellationError` when the task is cancelled.
    /// - Complexity: B₁ VAR fits.
    public func biasCorrection(
        replications: Int, seed: UInt64, maxConcurrentTasks: Int = 4, progress: BootstrapProgressHandler? = nil
    ) async throws -> VARBiasCorrection {
        try checkBootstrapArguments(horizon: 0, replications: replications, level: 0.5, workers: maxConcurrentTasks)
        let n = nobs
        return try await biasCorrection(
            replications: replications, seed: seed, workers: maxConcurrentTasks, progress: progress, total: replications
        ) { i in Self.residualDraws(seed: seed, stream: VARBiasCorrection.streamOffset &+ UInt64(i), count: n) }
    }

    /// The bias correction with the residual indices of replicate i given by `draws(i)`
    /// (n indices in 0..<n): the engine behind the public entry point, and the hook by which
    /// tests replay fixed draws.
    package func biasCorrection(
        replications: Int, seed: UInt64, workers: Int, progress: BootstrapProgressHandler?, total: Int,
        draws: @escaping @Sendable (Int) -> [Int]
    ) async throws -> VARBiasCorrection {
        let base = self
        let centred = centredResiduals
        let slopes = try await Bootstrap.evaluate(
            count: replications, workers: workers, label: .replicate, progress: progress,
            offset: 0, total: total
        ) { i in
            let y = base.simulated(coefficients: base.coefficients, centred: centred, draws: draws(i))
            return try base.refit(y).slopeBlock.storage
        }
        let k = variableCount
        let d = trend.deterministicCount
        var bias = slopeBlock
        for x in 0..<bias.storage.count {
            var sum = 0.0
            for r in 0..<replications { sum += slopes[r][x] }
            bias.storage[x] = sum / Double(replications) - bias.storage[x]
        }
        let (b, delta, modulus) = try Self.corrected(coefficients: coefficients, bias: bias, k: k, lags: lags, d: d)
        let full = reestimatedDeterministic(coefficients: b)
        return VARBiasCorrection(
            replications: replications, seed: seed,
            bias: Self.lagMatrices(slopeRows: bias, k: k, lags: lags), shrinkage: delta,
            correctedLagMatrices: Self.lagMatrices(coefficients: full, k: k, lags: lags, d: d),
            correctedCoefficients: full, correctedMaxModulus: modulus, biasBlock: bias)
    }

    /// Ã = Â − δΨ̂ on the slope rows of `b` (deterministic rows unchanged) for the largest
    /// δ ∈ {1, 0.99, …, 0.01} with m(Ã) < 1; `b` itself (δ = 0) when m(Â) ≥ 1 or no step is
    /// stationary. Returns the coefficients, δ and m(Ã).
    static func corrected(coefficients b: Matrix, bias: Matrix, k: Int, lags: Int, d: Int) throws
        -> (Matrix, Double, Double)
    {
        let m0 = try maxModulus(coefficients: b, k: k, lags: lags, d: d)
        guard m0 < 1 else { return (b, 0, m0) }
        for step in 0..<100 {
            let delta = Double(100 - step) / 100
            var c = b
            for r in 0..<(k * lags) {
                for e in 0..<k { c[d + r, e] -= delta * bias[r, e] }
            }
            let m = try maxModulus(coefficients: c, k: k, lags: lags, d: d)
            if m < 1 { return (c, delta, m) }
        }
        return (b, 0, m0)
    }

    static func maxModulus(coefficients b: Matrix, k: Int, lags: Int, d: Int) throws -> Double {
        try VAREigenvalue.companion(coefficients: b, k: k, lags: lags, deterministic: d).first?.modulus ?? 0
    }

    /// `b` with its deterministic rows replaced by the least-squares fit of
    /// wₜ = yₜ − Σⱼ Ãⱼyₜ₋ⱼ on the deterministic regressors (Ã the slope rows of `b`).
    func reestimatedDeterministic(coefficients b: Matrix) -> Matrix {
        let d = trend.deterministicCount
        guard d > 0 else { return b }
        let k = variableCount
        var out = b
        for e in 0..<k {
            // Normal equations of w on [1, t] (or [1]), t = i + 1 + p.
            var s = [0.0, 0.0, 0.0]  // Σ1, Σt, Σt²
            var r = [0.0, 0.0]  // Σw, Σtw
            for i in 0..<(data.rows - lags) {
                let t = lags + i
                var w = data[t, e]
                for j in 0..<lags {
                    for v in 0..<k { w -= b[d + j * k + v, e] * data[t - j - 1, v] }
                }
                let tr = Double(i + 1 + lags)
                s[0] += 1
                s[1] += tr
                s[2] += tr * tr
                r[0] += w
                r[1] += tr * w
            }
            if d == 1 {
                out[0, e] = r[0] / s[0]
            } else {
                let det = s[0] * s[2] - s[1] * s[1]
                out[0, e] = (s[2] * r[0] - s[1] * r[1]) / det
                out[1, e] = (s[0] * r[1] - s[1] * r[0]) / det
            }
        }
        return out
    }

    // MARK: Recursive-design pieces shared with the bands

    /// The kp×k slope rows of ``coefficients``.
    var slopeBlock: Matrix {
        let d = trend.deterministicCount
        return coefficients.selectingRows(Array(d..<(d + variableCount * lags)))
    }

    /// ûₜ − ū.
    var centredResiduals: Matrix {
        var centred = residuals
        let n = residuals.rows
        for v in 0..<variableCount {
            var mean = 0.0
            for t in 0..<n { mean += residuals[t, v] }
            mean /= Double(n)
            for t in 0..<n { centred[t, v] -= mean }
        }
        return centred
    }

    /// The residual indices of one replicate: n draws from `ReplicateRandom(seed:stream:)`.
    static func residualDraws(seed: UInt64, stream: UInt64, count n: Int) -> [Int] {
        var rng = ReplicateRandom(seed: seed, stream: stream)
        return (0..<n).map { _ in rng.nextIndex(below: n) }
    }

    /// y*: the first p rows of the data, then y*ₜ = ν + δt + Σⱼ Aⱼy*ₜ₋ⱼ + u*ₜ with the
    /// coefficients `b` and u*ₜ = `centred[draws[t − p]]` (t the statsmodels trend value p + 1, …).
    func simulated(coefficients b: Matrix, centred: Matrix, draws: [Int]) -> Matrix {
        let k = variableCount
        let d = trend.deterministicCount
        let n = draws.count
        var y = Matrix(rows: n + lags, columns: k)
        for t in 0..<lags {
            for v in 0..<k { y[t, v] = data[t, v] }
        }
        for i in 0..<n {
            let t = lags + i
            let draw = draws[i]
            for e in 0..<k {
                var value = centred[draw, e]
                if d >= 1 { value += b[0, e] }
                if d >= 2 { value += b[1, e] * Double(i + 1 + lags) }
                for j in 0..<lags {
                    for v in 0..<k { value += b[d + j * k + v, e] * y[t - j - 1, v] }
                }
                y[t, e] = value
            }
        }
        return y
    }

    /// A VAR of this order and trend on a simulated series.
    func refit(_ y: Matrix) throws -> VARResult {
        try VARModel(data: y, names: names).fit(lags: lags, trend: trend)
    }

    /// The lag matrices A₁…Aₚ of coefficients in the ``coefficients`` layout.
    static func lagMatrices(coefficients b: Matrix, k: Int, lags: Int, d: Int) -> [Matrix] {
        (0..<lags).map { j in
            var a = Matrix(rows: k, columns: k)
            for e in 0..<k {
                for v in 0..<k { a[e, v] = b[d + j * k + v, e] }
            }
            return a
        }
    }

    /// The lag matrices of a kp×k slope block.
    static func lagMatrices(slopeRows s: Matrix, k: Int, lags: Int) -> [Matrix] {
        lagMatrices(coefficients: s, k: k, lags: lags, d: 0)
    }

    func checkBootstrapArguments(horizon: Int, replications: Int, level: Double, workers: Int) throws {
        guard excludedPositions.isEmpty else {
            throw StatsError(
                .notSupported,
                "Bootstrap bands and bias corrections are not supported for a VAR fitted with excluded rows "
                    + "(\(excludedPositions.map(String.init).joined(separator: ", "))): the recursive-design bootstrap "
                    + "rebuilds every period from the model, so a dropped equation date has no counterpart in the "
                    + "pseudo-data. Bootstrap the fit without exclusions.",
                context: ["excluded": String(excludedPositions.count)])
        }
        guard horizon >= 0 else {
            throw StatsError(
                .invalidArgument, "The impulse-response horizon must be non-negative, got \(horizon).",
                context: ["horizon": String(horizon)])
        }
        guard replications >= 2 else {
            throw StatsError(
                .invalidArgument, "Bootstrap bands need at least 2 replications, got \(replications); use 500 or more.",
                context: ["replications": String(replications)])
        }
        guard level > 0, level < 1 else {
            throw StatsError(
                .invalidArgument, "The band level must lie strictly between 0 and 1 (e.g. 0.95), got \(level).",
                context: ["level": String(level)])
        }
        guard workers >= 1 else {
            throw StatsError(
                .invalidArgument, "maxConcurrentTasks must be at least 1, got \(workers).",
                context: ["maxConcurrentTasks": String(workers)])
        }
    }
}

extension StatsError.Code {
    /// The computation is not defined for this input (for example a bootstrap of a VAR fitted
    /// with excluded rows).
    public static let notSupported = StatsError.Code(rawValue: "not_supported")
}
