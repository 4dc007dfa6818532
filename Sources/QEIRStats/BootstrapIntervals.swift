import RealModule

/// The kind of a bootstrap confidence interval.
///
/// Notation: level 1 − 2α, θ̂ the full-sample estimate, θ*₁…θ*_B the replicates, q(·) their
/// empirical quantile (``BootstrapResult/quantile(_:_:)``), Φ the standard normal CDF.
public enum BootstrapInterval: String, Sendable, Hashable, Codable, CaseIterable {
    /// [q(α), q(1 − α)] (Efron 1979).
    case percentile
    /// The basic (reverse-percentile) interval [2θ̂ − q(1 − α), 2θ̂ − q(α)]
    /// (Davison & Hinkley 1997, eq. 5.6).
    case basic
    /// Bias-corrected and accelerated (Efron 1987), per parameter: [q(α₁), q(α₂)] with
    /// αⱼ = Φ(ẑ₀ + (ẑ₀ + z)/(1 − â(ẑ₀ + z))) for z = Φ⁻¹(α), Φ⁻¹(1 − α);
    /// ẑ₀ = Φ⁻¹(#{θ*_b < θ̂}/B); â = Σᵢ(θ̄ − θ₍ᵢ₎)³ / (6[Σᵢ(θ̄ − θ₍ᵢ₎)²]^{3/2}) from the
    /// leave-one-out values θ₍ᵢ₎ and their mean θ̄. arch 8.0.0 averages â over the
    /// parameters, so its BCa intervals differ from these when there are several.
    case bca
    /// Studentized (bootstrap-t): t*_b = (θ*_b − θ̂)/ŝ*_b and
    /// [θ̂ − ŝ·qₜ(1 − α), θ̂ − ŝ·qₜ(α)], ŝ the full-sample standard error, qₜ the quantile of the
    /// t*_b (Davison & Hinkley 1997, eq. 5.7). arch scales by the bootstrap standard error
    /// instead of ŝ.
    case studentized
}

/// The outcome of a bootstrap run: estimates, the replicate matrix and what the intervals need.
public struct BootstrapResult: Sendable, Hashable {
    /// Names of the statistic's values.
    public let names: [String]
    /// θ̂: the statistic on the full sample.
    public let estimates: [Double]
    /// The B × p replicates θ*_b (row b is replicate b, drawn from stream b of the seed).
    public let replicates: Matrix
    /// Bootstrap standard errors √(Σ_b(θ*_b − θ̄*)²/(B − 1)) (NaN when B = 1).
    public let standardErrors: [Double]
    /// Bootstrap bias estimates θ̄* − θ̂.
    public let bias: [Double]
    /// ŝ: the full-sample standard errors, when the run had a standard-error function.
    public let estimateStandardErrors: [Double]?
    /// The B × p replicate standard errors ŝ*_b, when the run had a standard-error function.
    public let replicateStandardErrors: Matrix?
    /// The n × p leave-one-out values θ₍ᵢ₎, when the jackknife was computed.
    public let jackknife: Matrix?
    /// The scheme, with an automatic block length replaced by the length used.
    public let scheme: BootstrapScheme
    /// The seed of the run.
    public let seed: UInt64

    /// B, the number of replicates.
    public var replications: Int { replicates.rows }
    /// The block length used (the mean length for the stationary bootstrap), if any.
    public var blockLength: Double? { scheme.blockLength }

    /// A result from its parts — also for replicates computed elsewhere whose intervals you
    /// want.
    /// - Parameters:
    ///   - names: p names.
    ///   - estimates: θ̂ (p values).
    ///   - replicates: B × p, B ≥ 1.
    ///   - estimateStandardErrors: ŝ (p values), for studentized intervals.
    ///   - replicateStandardErrors: B × p ŝ*_b, for studentized intervals.
    ///   - jackknife: n × p leave-one-out values, for BCa.
    ///   - scheme: the scheme that drew the replicates.
    ///   - seed: its seed.
    /// - Throws: ``StatsError/Code/dimensionMismatch`` when the sizes disagree.
    public init(
        names: [String], estimates: [Double], replicates: Matrix, estimateStandardErrors: [Double]? = nil,
        replicateStandardErrors: Matrix? = nil, jackknife: Matrix? = nil, scheme: BootstrapScheme = .pairs,
        seed: UInt64 = 0
    ) throws {
        let p = names.count
        guard estimates.count == p, replicates.columns == p, replicates.rows >= 1 else {
            throw StatsError(
                .dimensionMismatch,
                "A bootstrap result needs p = \(p) estimates and a B × p replicate matrix with B ≥ 1; got "
                    + "\(estimates.count) estimates and a \(replicates.rows) × \(replicates.columns) matrix.")
        }
        if (estimateStandardErrors == nil) != (replicateStandardErrors == nil)
            || (estimateStandardErrors.map { $0.count != p } ?? false)
            || (replicateStandardErrors.map { $0.rows != replicates.rows || $0.columns != p } ?? false)
        {
            throw StatsError(
                .dimensionMismatch,
                "Standard errors must be given both for the estimate (p = \(p) values) and for every replicate "
                    + "(a \(replicates.rows) × \(p) matrix), or not at all.")
        }
        if let jackknife, jackknife.columns != p || jackknife.rows < 2 {
            throw StatsError(
                .dimensionMismatch,
                "The jackknife values must form an n × \(p) matrix with n ≥ 2; got \(jackknife.rows) × \(jackknife.columns)."
            )
        }
        self.names = names
        self.estimates = estimates
        self.replicates = replicates
        self.estimateStandardErrors = estimateStandardErrors
        self.replicateStandardErrors = replicateStandardErrors
        self.jackknife = jackknife
        self.scheme = scheme
        self.seed = seed
        let b = Double(replicates.rows)
        var se: [Double] = []
        var bias: [Double] = []
        for j in 0..<p {
            var mean = 0.0
            for i in 0..<replicates.rows { mean += replicates[i, j] }
            mean /= b
            var ss = 0.0
            for i in 0..<replicates.rows { ss += (replicates[i, j] - mean) * (replicates[i, j] - mean) }
            se.append(replicates.rows > 1 ? (ss / (b - 1)).squareRoot() : .nan)
            bias.append(mean - estimates[j])
        }
        self.standardErrors = se
        self.bias = bias
    }

    /// Assembles a result from the engine's rows: θ* (p values), followed by ŝ* when given.
    init(
        assembling draws: [[Double]], p: Int, names: [String], estimates: [Double], estimateStandardErrors: [Double]?,
        jackknife: [[Double]]?, scheme: BootstrapScheme, seed: UInt64
    ) throws {
        let b = draws.count
        var reps = Matrix(rows: b, columns: p)
        var ses = estimateStandardErrors == nil ? nil : Matrix(rows: b, columns: p)
        for (i, row) in draws.enumerated() {
            for j in 0..<p { reps[i, j] = row[j] }
            if ses != nil { for j in 0..<p { ses?[i, j] = row[p + j] } }
        }
        var jack: Matrix?
        if let jackknife {
            var m = Matrix(rows: jackknife.count, columns: p)
            for (i, row) in jackknife.enumerated() { for j in 0..<p { m[i, j] = row[j] } }
            jack = m
        }
        try self.init(
            names: names, estimates: estimates, replicates: reps, estimateStandardErrors: estimateStandardErrors,
            replicateStandardErrors: ses, jackknife: jack, scheme: scheme, seed: seed)
    }

    /// Assembles a result from the flat output of `Bootstrap.evaluateRows`: B rows of θ*
    /// (p values) followed by ŝ* (p values) when `estimateStandardErrors` is given; `jackknife`
    /// holds n rows of p values.
    init(
        assemblingRows draws: [Double], p: Int, names: [String], estimates: [Double],
        estimateStandardErrors: [Double]?, jackknife: [Double]?, scheme: BootstrapScheme, seed: UInt64
    ) throws {
        let width = estimateStandardErrors == nil ? p : 2 * p
        let b = draws.count / width
        var reps = Matrix(rows: b, columns: p)
        var ses = estimateStandardErrors == nil ? nil : Matrix(rows: b, columns: p)
        for i in 0..<b {
            for j in 0..<p { reps[i, j] = draws[i * width + j] }
            if ses != nil { for j in 0..<p { ses?[i, j] = draws[i * width + p + j] } }
        }
        let jack = jackknife.map { values in
            var m = Matrix(rows: values.count / p, columns: p)
            for i in 0..<m.rows { for j in 0..<p { m[i, j] = values[i * p + j] } }
            return m
        }
        try self.init(
            names: names, estimates: estimates, replicates: reps, estimateStandardErrors: estimateStandardErrors,
            replicateStandardErrors: ses, jackknife: jack, scheme: scheme, seed: seed)
    }

    /// The replicates of the value called `name`, if there is one.
    public func replicates(of name: String) -> [Double]? {
        names.firstIndex(of: name).map { replicates.column($0) }
    }

    /// The empirical p-quantile of `values`, by linear interpolation between order statistics
    /// (Hyndman & Fan 1996 type 7; numpy's default `percentile`, which arch uses): with the
    /// values sorted x₍₀₎ ≤ … ≤ x₍B−1₎ and h = (B − 1)p, q = x₍⌊h⌋₎ + (h − ⌊h⌋)(x₍⌊h⌋+1₎ − x₍⌊h⌋₎).
    /// - Parameters:
    ///   - values: at least one value.
    ///   - p: the probability, clamped to [0, 1].
    public static func quantile(_ values: [Double], _ p: Double) -> Double {
        quantile(sorted: values.sorted(), p)
    }

    static func quantile(sorted x: [Double], _ p: Double) -> Double {
        let h = Double(x.count - 1) * min(max(p, 0), 1)
        let lo = Int(h.rounded(.down))
        guard lo + 1 < x.count else { return x[x.count - 1] }
        let frac = h - Double(lo)
        return frac == 0 ? x[lo] : x[lo] + frac * (x[lo + 1] - x[lo])
    }

    /// Two-sided confidence intervals for every value of the statistic.
    ///
    /// See ``BootstrapInterval`` for the formulas; quantiles follow ``quantile(_:_:)``.
    /// - Parameters:
    ///   - kind: percentile, basic, BCa or studentized.
    ///   - level: the coverage 1 − 2α, strictly between 0 and 1.
    /// - Throws: ``StatsError`` — `invalidArgument` for a level outside (0, 1), for BCa without
    ///   jackknife values or studentized without standard errors; `degenerateBootstrap` when
    ///   BCa's bias correction is infinite (every replicate on one side of θ̂) or its adjusted
    ///   level is undefined, or a replicate standard error is zero.
    public func confidenceIntervals(_ kind: BootstrapInterval = .percentile, level: Double = 0.95) throws
        -> [ConfidenceInterval]
    {
        guard level > 0, level < 1 else {
            throw StatsError(
                .invalidArgument, "The confidence level must be strictly between 0 and 1; got \(level).",
                context: ["confidence": String(level)])
        }
        let alpha = (1 - level) / 2
        let normal = Normal()
        return try names.indices.map { j in
            let theta = estimates[j]
            let sorted = replicates.column(j).sorted()
            let bounds: (Double, Double)
            switch kind {
            case .percentile:
                bounds = (Self.quantile(sorted: sorted, alpha), Self.quantile(sorted: sorted, 1 - alpha))
            case .basic:
                bounds = (
                    2 * theta - Self.quantile(sorted: sorted, 1 - alpha),
                    2 * theta - Self.quantile(sorted: sorted, alpha)
                )
            case .bca:
                guard let jackknife else {
                    throw StatsError(
                        .invalidArgument,
                        "BCa intervals need the jackknife values; run the bootstrap with options.jackknife = true.")
                }
                let below = sorted.prefix { $0 < theta }.count
                guard below > 0, below < sorted.count else {
                    throw StatsError(
                        .degenerateBootstrap,
                        "The BCa interval of '\(names[j])' is undefined: \(below == 0 ? "no" : "every") replicate lies "
                            + "below the estimate \(theta), so the bias correction is infinite. Use more replications "
                            + "or the percentile interval.", context: ["name": names[j]])
                }
                let z0 = -normal.inverseSF(Double(below) / Double(sorted.count))
                let a = Self.acceleration(jackknife.column(j))
                func adjusted(_ z: Double) throws -> Double {
                    let denominator = 1 - a * (z0 + z)
                    guard denominator > 0 else {
                        throw StatsError(
                            .degenerateBootstrap,
                            "The BCa interval of '\(names[j])' is undefined: the acceleration \(a) is too large for the "
                                + "level \(level). Use a lower level or the percentile interval.",
                            context: ["name": names[j]])
                    }
                    return normal.sf(-(z0 + (z0 + z) / denominator))
                }
                let zLow = -normal.inverseSF(alpha)
                let zHigh = normal.inverseSF(alpha)
                bounds = (
                    Self.quantile(sorted: sorted, try adjusted(zLow)),
                    Self.quantile(sorted: sorted, try adjusted(zHigh))
                )
            case .studentized:
                guard let s = estimateStandardErrors?[j], let seStar = replicateStandardErrors else {
                    throw StatsError(
                        .invalidArgument,
                        "Studentized intervals need standard errors; pass a standardErrors function to "
                            + "Bootstrap.run or use Bootstrap.regression.")
                }
                var t: [Double] = []
                t.reserveCapacity(replicates.rows)
                for b in 0..<replicates.rows {
                    let sb = seStar[b, j]
                    guard sb > 0, sb.isFinite else {
                        throw StatsError(
                            .degenerateBootstrap,
                            "Replicate \(b + 1) has standard error \(sb) for '\(names[j])', so it cannot be "
                                + "studentized. Use the percentile or BCa interval.",
                            context: ["name": names[j], "replicate": String(b + 1)])
                    }
                    t.append((replicates[b, j] - theta) / sb)
                }
                t.sort()
                bounds = (theta - s * Self.quantile(sorted: t, 1 - alpha), theta - s * Self.quantile(sorted: t, alpha))
            }
            return ConfidenceInterval(name: names[j], lower: bounds.0, upper: bounds.1)
        }
    }

    /// Efron's jackknife acceleration â = Σ(θ̄ − θ₍ᵢ₎)³ / (6[Σ(θ̄ − θ₍ᵢ₎)²]^{3/2}); 0 when the
    /// leave-one-out values are all equal.
    static func acceleration(_ values: [Double]) -> Double {
        var mean = 0.0
        for v in values { mean += v }
        mean /= Double(values.count)
        var s2 = 0.0
        var s3 = 0.0
        for v in values {
            let d = mean - v
            s2 += d * d
            s3 += d * d * d
        }
        guard s2 > 0 else { return 0 }
        return s3 / (6 * Double.pow(s2, 1.5))
    }
}
