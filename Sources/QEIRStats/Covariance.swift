import RealModule

/// How coefficient standard errors are computed.
///
/// The defaults follow statsmodels' `OLS.fit(cov_type=...)` exactly (see
/// `Documentation/Conventions.md`): no small-sample factor for HC0/HAC, `n/(n−k)` for HC1,
/// `G/(G−1)·(n−1)/(n−k)` for clusters, and normal (z) inference whenever the covariance is
/// robust. Set ``smallSample`` and ``inference`` to choose the other convention.
public struct CovarianceOptions: Sendable, Hashable {
    /// The covariance estimator.
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
        /// σ̂²(XᵀX)⁻¹ with σ̂² = SSR/(n−k).
        case nonrobust
        /// White (1980): (XᵀX)⁻¹ Xᵀdiag(eᵢ²)X (XᵀX)⁻¹.
        case hc0
        /// HC0 × n/(n−k) (MacKinnon & White 1985).
        case hc1
        /// eᵢ² replaced by eᵢ²/(1−hᵢ).
        case hc2
        /// eᵢ² replaced by eᵢ²/(1−hᵢ)².
        case hc3
        /// Newey–West (1987) with Bartlett weights 1 − j/(L+1); L given or chosen by
        /// Newey & West (1994).
        case hac
        /// One-way cluster-robust (Liang & Zeger 1986; Arellano 1987).
        case cluster
    }

    /// The estimator.
    public var kind: Kind
    /// HAC only: the number of lags L; `nil` picks the Newey–West (1994) plug-in bandwidth.
    public var hacLags: Int?
    /// Cluster only: the group code of each observation.
    public var clusters: [Int]?
    /// Apply the small-sample factor: HAC × n/(n−k); cluster × G/(G−1)·(n−1)/(n−k).
    /// `nil` means statsmodels' default (off for HAC, on for clusters). Ignored by the HC kinds,
    /// whose factors are part of their definition.
    public var smallSample: Bool?
    /// t or normal reference distribution for tests and intervals; `nil` means statsmodels'
    /// default (t for nonrobust, normal for every robust kind).
    public var inference: Inference?

    /// A fully specified set of options.
    public init(
        kind: Kind, hacLags: Int? = nil, clusters: [Int]? = nil, smallSample: Bool? = nil,
        inference: Inference? = nil
    ) {
        self.kind = kind
        self.hacLags = hacLags
        self.clusters = clusters
        self.smallSample = smallSample
        self.inference = inference
    }

    /// Classical σ̂²(XᵀX)⁻¹.
    public static let nonrobust = CovarianceOptions(kind: .nonrobust)
    /// White's heteroskedasticity-consistent covariance.
    public static let hc0 = CovarianceOptions(kind: .hc0)
    /// HC0 with the n/(n−k) degrees-of-freedom factor.
    public static let hc1 = CovarianceOptions(kind: .hc1)
    /// Leverage-adjusted HC2.
    public static let hc2 = CovarianceOptions(kind: .hc2)
    /// Jackknife-like HC3.
    public static let hc3 = CovarianceOptions(kind: .hc3)

    /// Newey–West HAC covariance.
    /// - Parameters:
    ///   - lags: the truncation lag L (weights 1 − j/(L+1)); `nil` for the automatic bandwidth.
    ///   - smallSample: multiply by n/(n−k) (statsmodels' `use_correction=True`); `nil` keeps the
    ///     estimator's convention (off for OLS, `debiased` for 2SLS).
    public static func hac(lags: Int? = nil, smallSample: Bool? = nil) -> CovarianceOptions {
        CovarianceOptions(kind: .hac, hacLags: lags, smallSample: smallSample)
    }

    /// One-way cluster-robust covariance.
    /// - Parameters:
    ///   - labels: the cluster of each observation (any hashable label).
    ///   - smallSample: multiply by G/(G−1)·(n−1)/(n−k); `nil` keeps the estimator's convention
    ///     (on for OLS, as statsmodels; `debiased` for 2SLS, as linearmodels).
    public static func cluster<Label: Hashable>(_ labels: [Label], smallSample: Bool? = nil) -> CovarianceOptions {
        var codes: [Label: Int] = [:]
        let ids = labels.map { label -> Int in
            if let c = codes[label] { return c }
            let c = codes.count
            codes[label] = c
            return c
        }
        return CovarianceOptions(kind: .cluster, clusters: ids, smallSample: smallSample)
    }

    /// The reference distribution actually used.
    var resolvedInference: Inference { inference ?? (kind == .nonrobust ? .t : .normal) }
}

/// The reference distribution of coefficient tests and confidence intervals.
public enum Inference: String, Sendable, Hashable, Codable {
    /// Student t with the residual degrees of freedom.
    case t
    /// Standard normal (z statistics).
    case normal
}

/// Sandwich covariance building blocks shared by OLS and IV.
enum Sandwich {
    /// Scores uᵢ = xᵢ·wᵢ (row-scaled copy of `x`).
    static func scores(_ x: Matrix, weights w: [Double]) -> Matrix {
        let n = x.rows
        let count = x.storage.count
        // Written in one pass into fresh storage (copying x first, then scaling, reads it twice).
        let storage = [Double](unsafeUninitializedCapacity: count) { dst, initialized in
            x.storage.withUnsafeBufferPointer { src in
                w.withUnsafeBufferPointer { ww in
                    for j in 0..<x.columns {
                        let base = j * n
                        for i in 0..<n { dst[base + i] = src[base + i] * ww[i] }
                    }
                }
            }
            initialized = count
        }
        return Matrix(uncheckedRows: n, columns: x.columns, storage: storage)
    }

    /// Σᵢ wᵢ²·xᵢxᵢᵀ = (X∘w)ᵀ(X∘w) without materializing the n×k scores: rows are scaled in
    /// cache-sized blocks and accumulated with dsyrk (same result as `scores(x, w).gram()` up to
    /// the order of the sums).
    static func weightedGram(_ x: Matrix, weights w: [Double]) -> Matrix {
        let n = x.rows
        let k = x.columns
        let blockRows = 2048
        if n <= blockRows { return scores(x, weights: w).gram() }
        var out = Matrix(rows: k, columns: k)
        var block = [Double](repeating: 0, count: blockRows * k)
        var start = 0
        x.storage.withUnsafeBufferPointer { src in
            block.withUnsafeMutableBufferPointer { buf in
                out.storage.withUnsafeMutableBufferPointer { c in
                    while start < n {
                        let m = min(blockRows, n - start)
                        for j in 0..<k {
                            let s = j * n + start
                            let d = j * m
                            for i in 0..<m { buf[d + i] = src[s + i] * w[start + i] }
                        }
                        LAPACK.syrkTransposed(
                            n: k, k: m, alpha: 1, a: buf.baseAddress!, lda: m, beta: start == 0 ? 0 : 1,
                            c: c.baseAddress!, ldc: k)
                        start += m
                    }
                }
            }
        }
        out.symmetrizeFromUpper()
        return out
    }

    /// B·M·B for symmetric B, M.
    static func sandwich(bread b: Matrix, meat m: Matrix, factor: Double = 1) -> Matrix {
        var v = b.multiplied(by: m).multiplied(by: b)
        // Exact symmetry (BLAS rounding can differ between the two triangles).
        let k = v.rows
        for j in 0..<k {
            for i in 0..<j {
                let avg = 0.5 * (v[i, j] + v[j, i])
                v[i, j] = avg * factor
                v[j, i] = avg * factor
            }
            v[j, j] *= factor
        }
        return v
    }

    /// Σᵢ uᵢuᵢᵀ + Σⱼ₌₁ᴸ wⱼ(Γⱼ + Γⱼᵀ), Γⱼ = Σₜ uₜuₜ₋ⱼᵀ, with Bartlett weights wⱼ = 1 − j/(bandwidth+1)
    /// for every j < bandwidth + 1.
    static func hacMeat(_ u: Matrix, bandwidth: Double) -> Matrix {
        let n = u.rows
        let k = u.columns
        var meat = u.gram()
        let maxLag = min(n - 1, Int((bandwidth).rounded(.down)))
        guard maxLag >= 1 else { return meat }
        var gamma = [Double](repeating: 0, count: k * k)
        u.storage.withUnsafeBufferPointer { s in
            gamma.withUnsafeMutableBufferPointer { g in
                for lag in 1...maxLag {
                    let w = 1 - Double(lag) / (bandwidth + 1)
                    if w <= 0 { break }
                    // Γ = U[lag..<n]ᵀ · U[0..<n-lag]
                    LAPACK.gemm(
                        transA: true, transB: false, m: k, n: k, k: n - lag, alpha: 1,
                        a: s.baseAddress! + lag, lda: n, b: s.baseAddress!, ldb: n, beta: 0,
                        c: g.baseAddress!, ldc: k)
                    for j in 0..<k {
                        for i in 0..<k { meat[i, j] += w * (g[i + j * k] + g[j + i * k]) }
                    }
                }
            }
        }
        return meat
    }

    /// Newey & West (1994) plug-in bandwidth for the Bartlett kernel, exactly as linearmodels
    /// 7.1 `kernel_optimal_bandwidth` computes it, on the aggregated score fₜ = Σⱼ uₜⱼ over the
    /// columns in `include` (every column but the constant):
    /// pilot lags m = ⌈4·(n/100)^(2/9)⌉, σⱼ = Σₜ fₜfₜ₋ⱼ / n, s⁽⁰⁾ = σ₀ + 2Σⱼ₌₁ᵐ σⱼ,
    /// s⁽¹⁾ = 2Σⱼ₌₁ᵐ jσⱼ, γ = 1.1447·((s⁽¹⁾/s⁽⁰⁾)²)^(1/3), bandwidth = min(⌈γ·n^(1/3)⌉, n − 1).
    /// - Throws: ``StatsError/Code/invalidArgument`` with fewer than 4 observations or when the
    ///   long-run variance estimate is 0 (the bandwidth is then undefined: pass lags explicitly).
    /// With `standardize`, each column is divided by its (population) standard deviation
    /// first — the aggregation linearmodels' GMM kernel weight matrix uses.
    static func neweyWestBandwidth(_ u: Matrix, include: [Int], standardize: Bool = false) throws -> Double {
        let n = u.rows
        var f = [Double](repeating: 0, count: n)
        for j in include {
            var scale = 1.0
            if standardize {
                var mean = 0.0
                for i in 0..<n { mean += u[i, j] }
                mean /= Double(n)
                var ss = 0.0
                for i in 0..<n { ss += (u[i, j] - mean) * (u[i, j] - mean) }
                scale = 1 / (ss / Double(n)).squareRoot()
            }
            for i in 0..<n { f[i] += u[i, j] * scale }
        }
        let m = Int((4 * Double.pow(Double(n) / 100, 2.0 / 9.0)).rounded(.up))
        guard m < n - 1 else {
            throw StatsError(
                .invalidArgument,
                "The automatic Newey–West bandwidth needs at least 4 observations (got \(n)); pass the HAC lags explicitly."
            )
        }
        var sigma = [Double](repeating: 0, count: m + 1)
        for j in 0...m {
            var acc = 0.0
            for t in j..<n { acc += f[t] * f[t - j] }
            sigma[j] = acc / Double(n)
        }
        var s0 = sigma[0]
        var s1 = 0.0
        for j in 1...m {
            s0 += 2 * sigma[j]
            s1 += 2 * Double(j) * sigma[j]
        }
        let gamma = 1.1447 * Double.pow((s1 / s0) * (s1 / s0), 1.0 / 3.0)
        let bw = gamma * Double.pow(Double(n), 1.0 / 3.0)
        guard bw.isFinite else {
            throw StatsError(
                .invalidArgument,
                "The automatic Newey–West bandwidth is undefined because the scores' long-run variance estimate is 0; pass the HAC lags explicitly."
            )
        }
        return min(bw.rounded(.up), Double(n - 1))
    }

    /// Σ_g (Σ_{i∈g} uᵢ)(Σ_{i∈g} uᵢ)ᵀ and the number of groups.
    static func clusterMeat(_ u: Matrix, groups: [Int]) -> (meat: Matrix, groups: Int) {
        let n = u.rows
        let k = u.columns
        var index: [Int: Int] = [:]
        var gid = [Int](repeating: 0, count: n)
        for i in 0..<n {
            if let g = index[groups[i]] {
                gid[i] = g
            } else {
                let g = index.count
                index[groups[i]] = g
                gid[i] = g
            }
        }
        let g = index.count
        var sums = Matrix(rows: g, columns: k)
        for j in 0..<k {
            for i in 0..<n { sums[gid[i], j] += u[i, j] }
        }
        return (sums.gram(), g)
    }
}
