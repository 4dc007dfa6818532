/// Percentile bootstrap bands for orthogonalised impulse responses.
public struct VARImpulseResponseBands: Sendable, Hashable {
    /// The coverage of the bands (e.g. 0.95).
    public let level: Double
    /// The number of bootstrap replications.
    public let replications: Int
    /// The seed the replicate streams were derived from.
    public let seed: UInt64
    /// Lower band: H + 1 k×k matrices, the (1 − level)/2 percentile of each response.
    public let lower: [Matrix]
    /// Upper band: H + 1 k×k matrices, the (1 + level)/2 percentile of each response.
    public let upper: [Matrix]
}

extension VARResult {
    /// Residual-bootstrap percentile bands for the orthogonalised impulse responses Θ₀…Θ_H.
    ///
    /// Replicate r draws its own generator `ReplicateRandom(seed: seed, stream: r)`, so the
    /// bands are bit-identical whatever `maxConcurrentTasks` is and in whatever order the
    /// replicates finish. Each replicate (Runkle 1987; Lütkepohl 2005, Appendix D.3):
    /// 1. resamples n rows of the centred residuals ûₜ − ū with replacement (the k residuals of a
    ///    period stay together, preserving their contemporaneous correlation);
    /// 2. rebuilds a series recursively from the original first p observations:
    ///    y*ₜ = ν̂ + δ̂t + Σⱼ Âⱼy*ₜ₋ⱼ + u*ₜ (t the statsmodels trend value p + 1, p + 2, …);
    /// 3. refits a VAR(p) with the same trend and computes Θ*₀…Θ*_H (Cholesky of its own Σ̂*ᵤ).
    /// Bands are the (1 − level)/2 and (1 + level)/2 percentiles of the replicates, with
    /// numpy's default linear interpolation between order statistics (Hyndman–Fan type 7).
    /// These are not statsmodels' `irf_errband_mc` bands, which simulate Gaussian innovations.
    /// - Parameters:
    ///   - horizon: H ≥ 0.
    ///   - replications: the number of bootstrap samples (≥ 2).
    ///   - seed: the seed of every replicate stream.
    ///   - level: the coverage, strictly between 0 and 1.
    ///   - maxConcurrentTasks: how many child tasks run replicates at once (≥ 1); it does not
    ///     change the result.
    /// - Returns: the bands.
    /// - Throws: ``StatsError/Code/invalidArgument`` for a bad argument; a ``StatsError`` if a
    ///   replicate cannot be fitted (for example a collinear resample); `CancellationError`
    ///   when the calling task is cancelled (checked before every replicate).
    /// - Complexity: `replications` VAR fits of n×(kp + d) regressors.
    public func impulseResponseBands(
        horizon: Int, replications: Int, seed: UInt64, level: Double = 0.95, maxConcurrentTasks: Int = 4
    ) async throws -> VARImpulseResponseBands {
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
        guard maxConcurrentTasks >= 1 else {
            throw StatsError(
                .invalidArgument, "maxConcurrentTasks must be at least 1, got \(maxConcurrentTasks).",
                context: ["maxConcurrentTasks": String(maxConcurrentTasks)])
        }
        let base = self
        let workers = min(maxConcurrentTasks, replications)
        // Each replicate's responses flattened: (H + 1)·k² values.
        var draws = [[Double]](repeating: [], count: replications)
        try await withThrowingTaskGroup(of: [(Int, [Double])].self) { group in
            for w in 0..<workers {
                group.addTask {
                    var out: [(Int, [Double])] = []
                    var r = w
                    while r < replications {
                        try Task.checkCancellation()
                        out.append((r, try base.bootstrapReplicate(index: r, seed: seed, horizon: horizon)))
                        r += workers
                    }
                    return out
                }
            }
            for try await chunk in group {
                for (r, values) in chunk { draws[r] = values }
            }
        }
        let k = variableCount
        var lower = [Matrix](repeating: Matrix(rows: k, columns: k), count: horizon + 1)
        var upper = lower
        let lowP = (1 - level) / 2
        let highP = (1 + level) / 2
        var column = [Double](repeating: 0, count: replications)
        for h in 0...horizon {
            for x in 0..<(k * k) {
                for r in 0..<replications { column[r] = draws[r][h * k * k + x] }
                column.sort()
                lower[h].storage[x] = Self.percentile(sorted: column, lowP)
                upper[h].storage[x] = Self.percentile(sorted: column, highP)
            }
        }
        return VARImpulseResponseBands(
            level: level, replications: replications, seed: seed, lower: lower, upper: upper)
    }

    /// numpy's default percentile (linear interpolation at position q·(N − 1)).
    static func percentile(sorted v: [Double], _ q: Double) -> Double {
        let position = q * Double(v.count - 1)
        let i = Int(position.rounded(.down))
        let fraction = position - Double(i)
        if i + 1 >= v.count { return v[v.count - 1] }
        return v[i] + fraction * (v[i + 1] - v[i])
    }

    /// One bootstrap replicate's orthogonalised responses, flattened horizon-major.
    func bootstrapReplicate(index: Int, seed: UInt64, horizon: Int) throws -> [Double] {
        var rng = ReplicateRandom(seed: seed, stream: UInt64(index))
        let k = variableCount
        let d = trend.deterministicCount
        let n = nobs
        var mean = [Double](repeating: 0, count: k)
        for v in 0..<k {
            for t in 0..<n { mean[v] += residuals[t, v] }
            mean[v] /= Double(n)
        }
        var y = Matrix(rows: n + lags, columns: k)
        for t in 0..<lags {
            for v in 0..<k { y[t, v] = data[t, v] }
        }
        for i in 0..<n {
            let t = lags + i
            let draw = rng.nextIndex(below: n)
            for e in 0..<k {
                var value = residuals[draw, e] - mean[e]
                if d >= 1 { value += coefficients[0, e] }
                if d >= 2 { value += coefficients[1, e] * Double(i + 1 + lags) }
                for j in 0..<lags {
                    for v in 0..<k { value += coefficients[d + j * k + v, e] * y[t - j - 1, v] }
                }
                y[t, e] = value
            }
        }
        let model = try VARModel(data: y, names: names)
        let refit = try model.fit(lags: lags, trend: trend)
        let responses = try refit.impulseResponses(horizon: horizon, orthogonalized: true)
        return responses.flatMap(\.storage)
    }
}
