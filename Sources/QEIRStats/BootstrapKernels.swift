// The lean replicate kernel of `Bootstrap.regression`: one least-squares refit per replicate
// without the allocations and the result assembly of `OLS().fit` (p-values, R², F test…),
// which dominate the cost of small refits.
//
// Written by hand rather than with LAPACK because the problems are tiny (n rows × k ≤ a few
// dozen columns): per-call overhead of dgeqp3/dormqr (workspace queries, allocations, the
// private reflector copy LAPACK.ormqr needs) costs more than the arithmetic, and the refits
// of one worker reuse one set of buffers.

/// The per-worker buffers of ``ReplicateLeastSquares`` (sized for `capacity` rows).
///
/// One workspace belongs to one task at a time; it is never shared, so it needs no locking.
final class ReplicateWorkspace {
    let capacity: Int
    let k: Int
    /// Row indices of the replicate (filled by the caller).
    let rows: UnsafeMutablePointer<Int>
    /// The replicate's response (filled by the caller).
    let response: UnsafeMutablePointer<Double>
    /// The gathered design rows, column-major (m × k); kept intact for residuals and meats.
    let gathered: UnsafeMutablePointer<Double>
    /// Householder factors of the gathered design (m × k).
    let factors: UnsafeMutablePointer<Double>
    /// Qᵀy during the factorization, then residuals.
    let work: UnsafeMutablePointer<Double>
    /// Row weights for the meat (squared residuals, possibly leverage-adjusted).
    let weights: UnsafeMutablePointer<Double>
    /// k × k scratch: R⁻¹, the bread (XᵀX)⁻¹ and the meat; then 3k more values.
    let small: UnsafeMutablePointer<Double>
    /// Per-row weights of a single Gram-kernel fit (draw counts; 0 leaves a row out).
    let multiplicity: UnsafeMutablePointer<Double>
    /// Packed k(k+1)/2 accumulators (Gram, meat) of a single Gram-kernel fit.
    let packed: UnsafeMutablePointer<Double>

    init(capacity: Int, columns k: Int) {
        self.capacity = max(1, capacity)
        self.k = max(1, k)
        rows = .allocate(capacity: self.capacity)
        rows.initialize(repeating: 0, count: self.capacity)
        response = Self.doubles(self.capacity)
        gathered = Self.doubles(self.capacity * self.k)
        factors = Self.doubles(self.capacity * self.k)
        work = Self.doubles(self.capacity)
        weights = Self.doubles(self.capacity)
        small = Self.doubles(4 * self.k * self.k + 6 * self.k)
        multiplicity = Self.doubles(self.capacity)
        packed = Self.doubles(2 * self.k * (self.k + 1) / 2 + 2)
    }

    private static func doubles(_ count: Int) -> UnsafeMutablePointer<Double> {
        let p = UnsafeMutablePointer<Double>.allocate(capacity: count)
        p.initialize(repeating: 0, count: count)
        return p
    }

    deinit {
        rows.deallocate()
        response.deallocate()
        gathered.deallocate()
        factors.deallocate()
        work.deallocate()
        weights.deallocate()
        small.deallocate()
        multiplicity.deallocate()
        packed.deallocate()
    }

    /// The rows 0..<m in order (for schemes that keep the design fixed).
    func setIdentityRows(_ m: Int) {
        for i in 0..<m { rows[i] = i }
    }
}

/// One least-squares refit per bootstrap replicate, for the covariance kinds whose standard
/// errors need only the replicate's own rows (nonrobust, HC0–HC3).
///
/// Per replicate: gather the m rows of X into a reused buffer, Householder QR (unpivoted) of
/// that buffer with Qᵀy carried along, back substitution for β, residuals e = y − Xβ from the
/// gathered rows, and the standard errors √diag(V):
/// - nonrobust: V = σ̂²(XᵀX)⁻¹, σ̂² = eᵀe/(m − k);
/// - HC0–HC3: V = c·B·(Σᵢ wᵢ xᵢxᵢᵀ)·B with B = (XᵀX)⁻¹ = R⁻¹R⁻ᵀ, wᵢ = eᵢ², eᵢ²/(1 − hᵢ),
///   eᵢ²/(1 − hᵢ)² and c = m/(m − k) for HC1 (1 otherwise), hᵢ = ‖R⁻ᵀxᵢ‖².
///
/// These are the formulas `OLS().fit` uses. The kernel declines a replicate (returns `false`,
/// and the caller refits it with `OLS().fit`) when m ≤ k, when a value is not finite, or when
/// the scaled condition estimate max_j dⱼ / min_j dⱼ, dⱼ = |Rⱼⱼ|/‖xⱼ‖, exceeds
/// ``conditionLimit`` — the point where `OLS().fit` starts refining its solution and forming
/// sandwiches in the Q basis. Below it both compute a single Householder solve, so they agree
/// to rounding (about κ·ε); above it (and for rank-deficient replicates, with their error
/// message) the replicate gets exactly the `OLS().fit` treatment.
struct ReplicateLeastSquares: Sendable {
    /// Scaled condition estimate above which a replicate is refit by `OLS().fit` (its own
    /// refinement threshold, ``RefinementPolicy/automatic``).
    static let conditionLimit = 1e2

    /// The design (n × k, column-major); shared with the caller's matrix, never copied.
    let design: Matrix
    let k: Int
    let kind: CovarianceOptions.Kind

    /// A kernel for `design`, or `nil` when the covariance needs more than the replicate's rows
    /// (HAC needs their order and a bandwidth rule, clusters need the labels).
    init?(design: Matrix, covariance: CovarianceOptions) {
        switch covariance.kind {
        case .nonrobust, .hc0, .hc1, .hc2, .hc3: break
        case .hac, .cluster: return nil
        }
        guard design.columns > 0 else { return nil }
        self.design = design
        self.k = design.columns
        self.kind = covariance.kind
    }

    /// Fits the replicate whose m row indices and response are in `ws.rows` and `ws.response`.
    ///
    /// Writes the k coefficients to `out`, then (when `standardErrors`) the k standard errors.
    /// - Returns: `false` when the replicate must be refit by `OLS().fit` (see the type's
    ///   documentation); `out` is then unspecified.
    func fit(m: Int, workspace ws: ReplicateWorkspace, standardErrors: Bool, into out: UnsafeMutablePointer<Double>)
        -> Bool
    {
        let k = self.k
        guard m > k, m <= ws.capacity, ws.k >= k else { return false }
        let n = design.rows
        let g = ws.gathered
        let a = ws.factors
        let c = ws.work
        let yv = ws.response
        let rows = ws.rows
        let small = ws.small
        let norms = small + 3 * k * k  // k column norms
        let beta = norms + k  // k coefficients
        let extra = beta + k  // k scratch values

        // Gather the rows (and their column norms, for the condition estimate).
        let ok = design.storage.withUnsafeBufferPointer { src -> Bool in
            let x = src.baseAddress!
            for j in 0..<k {
                let col = x + j * n
                let dst = g + j * m
                for i in 0..<m { dst[i] = col[rows[i]] }
                let s = Self.dot(dst, dst, m).squareRoot()
                guard s.isNormal else { return false }
                norms[j] = s
            }
            return true
        }
        guard ok else { return false }
        a.update(from: g, count: m * k)
        c.update(from: yv, count: m)

        // Householder QR, Qᵀy carried along (LAPACK dgeqr2's reflector convention).
        var dMax = 0.0
        var dMin = Double.infinity
        for j in 0..<k {
            let col = a + j * m
            let alpha = col[j]
            let tail = m - j - 1
            let sigma = Self.dot(col + j + 1, col + j + 1, tail)
            let norm = (alpha * alpha + sigma).squareRoot()
            guard norm.isNormal else { return false }
            let rjj = alpha >= 0 ? -norm : norm
            let tau = (rjj - alpha) / rjj
            let scale = 1 / (alpha - rjj)
            for i in (j + 1)..<m { col[i] *= scale }
            col[j] = rjj
            let d = norm / norms[j]
            dMax = max(dMax, d)
            dMin = min(dMin, d)
            for t in (j + 1)...k {
                let target = t < k ? a + t * m : c
                let w = tau * (target[j] + Self.dot(col + j + 1, target + j + 1, tail))
                target[j] -= w
                Self.axpy(-w, col + j + 1, target + j + 1, tail)
            }
        }
        guard dMin > 0, dMax / dMin <= Self.conditionLimit else { return false }

        // β = R⁻¹(Qᵀy)[0..<k].
        for i in stride(from: k - 1, through: 0, by: -1) {
            var acc = c[i]
            for j in (i + 1)..<k { acc -= a[i + j * m] * beta[j] }
            beta[i] = acc / a[i + i * m]
        }
        guard (0..<k).allSatisfy({ beta[$0].isFinite }) else { return false }
        out.update(from: beta, count: k)
        guard standardErrors else { return true }

        // Residuals from the gathered rows.
        let e = c
        e.update(from: yv, count: m)
        for j in 0..<k { Self.axpy(-beta[j], g + j * m, e, m) }

        // R⁻¹ (upper triangular, k × k column-major) and the bread B = R⁻¹R⁻ᵀ.
        let rinv = small
        let bread = small + k * k
        let meat = small + 2 * k * k
        ReplicateGramKernel.inverseUpper(a, k: k, leadingDimension: m, into: rinv)
        for j in 0..<k {
            for l in 0...j {
                var acc = 0.0
                for p in j..<k { acc += rinv[l + p * k] * rinv[j + p * k] }
                bread[l + j * k] = acc
                bread[j + l * k] = acc
            }
        }

        let mk = Double(m - k)
        if kind == .nonrobust {
            let s2 = Self.dot(e, e, m) / mk
            for j in 0..<k { out[k + j] = (s2 * bread[j + j * k]).squareRoot() }
            return true
        }

        // Row weights wᵢ (squared residuals, leverage-adjusted for HC2/HC3).
        let w = ws.weights
        for i in 0..<m { w[i] = e[i] * e[i] }
        if kind == .hc2 || kind == .hc3 {
            // hᵢ = ‖uᵢ‖², uᵢ = R⁻ᵀxᵢ: u_p = Σ_{j ≤ p} R⁻¹[j, p]·x_ij.
            for i in 0..<m {
                var h = 0.0
                for p in 0..<k {
                    var u = 0.0
                    for j in 0...p { u += rinv[j + p * k] * g[i + j * m] }
                    h += u * u
                }
                guard h < 1 else { return false }
                w[i] /= kind == .hc2 ? (1 - h) : (1 - h) * (1 - h)
            }
        }
        // Meat Σᵢ wᵢxᵢxᵢᵀ (upper triangle, mirrored); the factors' buffer holds the scaled column.
        let scaled = ws.factors
        for j in 0..<k {
            let col = g + j * m
            for i in 0..<m { scaled[i] = w[i] * col[i] }
            for l in 0...j {
                let v = Self.dot(scaled, g + l * m, m)
                meat[l + j * k] = v
                meat[j + l * k] = v
            }
        }
        // diag(B·M·B)ⱼ = bⱼᵀ M bⱼ, bⱼ the j-th column of B.
        let factor = kind == .hc1 ? Double(m) / mk : 1
        let t = extra
        for j in 0..<k {
            let bj = bread + j * k
            for p in 0..<k { t[p] = Self.dot(meat + p * k, bj, k) }
            let v = factor * Self.dot(t, bj, k)
            guard v >= 0, v.isFinite else { return false }
            out[k + j] = v.squareRoot()
        }
        return true
    }

    /// Σ aᵢbᵢ over `count` values, in eight interleaved partial sums (four 2-lane vectors) so
    /// the additions do not wait on each other; the summation order is fixed, so the result
    /// never depends on threads or scheduling.
    @inline(__always)
    static func dot(_ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, _ count: Int) -> Double {
        let ra = UnsafeRawPointer(a)
        let rb = UnsafeRawPointer(b)
        var s0 = SIMD2<Double>()
        var s1 = SIMD2<Double>()
        var s2 = SIMD2<Double>()
        var s3 = SIMD2<Double>()
        var i = 0
        while i + 8 <= count {
            let o = i * 8
            s0 +=
                ra.loadUnaligned(fromByteOffset: o, as: SIMD2<Double>.self)
                * rb.loadUnaligned(fromByteOffset: o, as: SIMD2<Double>.self)
            s1 +=
                ra.loadUnaligned(fromByteOffset: o + 16, as: SIMD2<Double>.self)
                * rb.loadUnaligned(fromByteOffset: o + 16, as: SIMD2<Double>.self)
            s2 +=
                ra.loadUnaligned(fromByteOffset: o + 32, as: SIMD2<Double>.self)
                * rb.loadUnaligned(fromByteOffset: o + 32, as: SIMD2<Double>.self)
            s3 +=
                ra.loadUnaligned(fromByteOffset: o + 48, as: SIMD2<Double>.self)
                * rb.loadUnaligned(fromByteOffset: o + 48, as: SIMD2<Double>.self)
            i += 8
        }
        var s = ((s0 + s1) + (s2 + s3)).sum()
        while i < count {
            s += a[i] * b[i]
            i += 1
        }
        return s
    }

    /// y += α·x over `count` values.
    @inline(__always)
    static func axpy(_ alpha: Double, _ x: UnsafePointer<Double>, _ y: UnsafeMutablePointer<Double>, _ count: Int) {
        for i in 0..<count { y[i] += alpha * x[i] }
    }
}

/// The replicate refit of `Bootstrap.regression` for small k (≤ ``maximumColumns``), built on
/// cross-products: a replicate's XᵀX, Xᵀy and meat are sums over its rows weighted by how
/// often each row was drawn, so nothing is gathered, and many replicates are done at once
/// with matrix products (BLAS dgemm).
///
/// A replicate of a row scheme is the multiset of rows {xᵢ, yᵢ} drawn cᵢ times. OLS and its
/// nonrobust/HC standard errors depend on the rows only through XᵀX = Σ cᵢxᵢxᵢᵀ,
/// Xᵀy = Σ cᵢyᵢxᵢ and the meat Σ cᵢwᵢxᵢxᵢᵀ — not on their order. With P the n × (k(k+1)/2 + k)
/// matrix of row products [vech(xᵢxᵢᵀ), yᵢxᵢ] and C the n × R matrix of draw counts of R
/// replicates, PᵀC holds the cross-products of all R replicates (one dgemm); residuals
/// y − XB and the meats PᵀW, W = C∘E², are two more.
///
/// Solve: each Gram matrix is equilibrated to unit diagonal (D⁻¹XᵀXD⁻¹, D = √diag),
/// Cholesky factored (R̃ᵀR̃), and β from the normal equations is improved by one step of
/// iterative refinement, β += (XᵀX)⁻¹XᵀC(y − Xβ), which brings its accuracy to that of a QR
/// solve while κ²ε ≪ 1 (Björck 1996, *Numerical Methods for Least Squares Problems*, §2.9).
/// A replicate whose condition estimate max R̃ⱼⱼ / min R̃ⱼⱼ (the same quantity as
/// |R₁₁/R_kk| of the unpivoted QR of the scaled design) exceeds
/// ``ReplicateLeastSquares/conditionLimit`` = 10² (so κ²ε ≤ 2·10⁻¹² where it is accepted) is
/// declined and refit by `OLS().fit`. Standard errors use the formulas of
/// ``ReplicateLeastSquares``.
///
/// Batches have a fixed size and fixed boundaries (``batchSize``), so a replicate always
/// sits in the same column of the same products and the results are identical for any
/// number of worker tasks.
struct ReplicateGramKernel: Sendable {
    /// Largest k handled (the row products grow as k²).
    static let maximumColumns = 16
    /// Replicates per batch: 64, fewer when n is large so that the n × batch count and
    /// residual buffers stay within 2¹⁹ values (4 MB) each. It depends only on n, so batch
    /// boundaries never depend on the number of tasks.
    var batchSize: Int { max(1, min(64, (1 << 19) / max(n, 1))) }

    let n: Int
    let k: Int
    /// Packed size k(k+1)/2.
    let s: Int
    let kind: CovarianceOptions.Kind
    let y: [Double]
    /// The design, column-major (shared with the caller's matrix, not copied).
    let design: [Double]
    /// P, column-major n × (s + k): column j(j+1)/2 + l holds x_l∘x_j (l ≤ j), column s + j
    /// holds y∘x_j.
    let products: [Double]

    /// A kernel for `design` and `y`, or `nil` when k is too large or the covariance is not
    /// nonrobust/HC.
    init?(design: Matrix, y: [Double], covariance: CovarianceOptions) {
        switch covariance.kind {
        case .nonrobust, .hc0, .hc1, .hc2, .hc3: break
        case .hac, .cluster: return nil
        }
        let n = design.rows
        let k = design.columns
        guard k > 0, k <= Self.maximumColumns, y.count == n, n > 0 else { return nil }
        let s = k * (k + 1) / 2
        self.n = n
        self.k = k
        self.s = s
        self.kind = covariance.kind
        self.y = y
        self.design = design.storage
        var products = [Double](repeating: 0, count: n * (s + k))
        design.storage.withUnsafeBufferPointer { x in
            for j in 0..<k {
                for l in 0...j {
                    let dst = (j * (j + 1) / 2 + l) * n
                    for i in 0..<n { products[dst + i] = x[i + l * n] * x[i + j * n] }
                }
                let dst = (s + j) * n
                for i in 0..<n { products[dst + i] = y[i] * x[i + j * n] }
            }
        }
        self.products = products
    }

    /// Index of (l, j), l ≤ j, in a packed upper triangle.
    @inline(__always)
    static func packed(_ l: Int, _ j: Int) -> Int { l <= j ? j * (j + 1) / 2 + l : l * (l + 1) / 2 + j }

    // MARK: Batches of a row scheme

    /// Fits replicates `range` of a row scheme (at most `batchSize`), drawing each one's rows
    /// from `ReplicateRandom(seed: seed, stream: b)`. Writes 2k values per replicate (β, then
    /// SEs) to `out`, row by row.
    /// - Returns: the replicates (absolute indices) the kernel declined; their rows of `out`
    ///   are unspecified.
    func fitBatch(
        _ range: Range<Int>, scheme: BootstrapScheme, seed: UInt64, workspace bw: ReplicateBatchWorkspace,
        into out: UnsafeMutablePointer<Double>
    ) -> [Int] {
        let rCount = range.count
        let n = self.n
        let k = self.k
        let s = self.s
        let w = s + k
        let counts = bw.counts
        let resid = bw.residuals
        counts.update(repeating: 0, count: n * rCount)
        for (r, b) in range.enumerated() {
            var rng = ReplicateRandom(seed: seed, stream: UInt64(b))
            scheme.fillIndices(bw.rows, count: n, using: &rng)
            let col = counts + r * n
            for i in 0..<n { col[bw.rows[i]] += 1 }
        }
        var declined = [Bool](repeating: false, count: rCount)
        let beta = bw.beta
        let factors = bw.factors
        let scales = bw.scales
        let t = bw.correction
        return design.withUnsafeBufferPointer { xx -> [Int] in
            products.withUnsafeBufferPointer { pp -> [Int] in
                y.withUnsafeBufferPointer { yy -> [Int] in
                    let x = xx.baseAddress!
                    let p = pp.baseAddress!
                    // [vech(XᵀCX); XᵀCy] for every replicate.
                    LAPACK.gemm(
                        transA: true, transB: false, m: w, n: rCount, k: n, alpha: 1, a: p, lda: n, b: counts,
                        ldb: n, beta: 0, c: bw.cross, ldc: w)
                    for r in 0..<rCount {
                        let g = bw.cross + r * w
                        let f = factors + r * k * k
                        let d = scales + r * k
                        let b = beta + r * k
                        if Self.factor(gram: g, k: k, scales: d, factor: f) {
                            b.update(from: g + s, count: k)
                            Self.gramSolve(b, k: k, scales: d, factor: f)
                        } else {
                            declined[r] = true
                            b.update(repeating: 0, count: k)
                        }
                    }
                    // One refinement step: β += (XᵀCX)⁻¹XᵀC(y − Xβ).
                    residuals(x: x, y: yy.baseAddress!, count: rCount, into: resid, beta: beta)
                    for i in 0..<(n * rCount) { resid[i] *= counts[i] }
                    LAPACK.gemm(
                        transA: true, transB: false, m: k, n: rCount, k: n, alpha: 1, a: x, lda: n, b: resid,
                        ldb: n, beta: 0, c: t, ldc: k)
                    for r in 0..<rCount where !declined[r] {
                        let c = t + r * k
                        Self.gramSolve(c, k: k, scales: scales + r * k, factor: factors + r * k * k)
                        let b = beta + r * k
                        for j in 0..<k { b[j] += c[j] }
                        if !(0..<k).allSatisfy({ b[$0].isFinite }) {
                            declined[r] = true
                            b.update(repeating: 0, count: k)
                        }
                    }
                    // Final residuals → weights W = C∘E² (leverage-adjusted for HC2/HC3).
                    residuals(x: x, y: yy.baseAddress!, count: rCount, into: resid, beta: beta)
                    let rinv = bw.small
                    let bread = bw.breads
                    for r in 0..<rCount {
                        let e = resid + r * n
                        let c = counts + r * n
                        for i in 0..<n { e[i] = c[i] * e[i] * e[i] }
                        guard !declined[r] else { continue }
                        let f = factors + r * k * k
                        let d = scales + r * k
                        Self.inverseUpper(f, k: k, into: rinv)
                        Self.bread(rinv, k: k, scales: d, into: bread + r * k * k)
                        if kind == .hc2 || kind == .hc3 {
                            for i in 0..<n where c[i] > 0 {
                                let h = Self.leverage(row: i, x: x, n: n, rinv: rinv, k: k, scales: d)
                                guard h < 1 else {
                                    declined[r] = true
                                    break
                                }
                                e[i] /= kind == .hc2 ? (1 - h) : (1 - h) * (1 - h)
                            }
                        }
                    }
                    let mk = Double(n - k)
                    if kind == .nonrobust {
                        for r in 0..<rCount where !declined[r] {
                            let e = resid + r * n
                            var ssr = 0.0
                            for i in 0..<n { ssr += e[i] }
                            let s2 = ssr / mk
                            let row = out + r * 2 * k
                            row.update(from: beta + r * k, count: k)
                            let br = bread + r * k * k
                            for j in 0..<k { row[k + j] = (s2 * br[j + j * k]).squareRoot() }
                        }
                    } else {
                        // Meats vech(XᵀWX) = P[:, 0..<s]ᵀW.
                        LAPACK.gemm(
                            transA: true, transB: false, m: s, n: rCount, k: n, alpha: 1, a: p, lda: n, b: resid,
                            ldb: n, beta: 0, c: bw.cross, ldc: s)
                        let factor = kind == .hc1 ? Double(n) / mk : 1
                        for r in 0..<rCount where !declined[r] {
                            let row = out + r * 2 * k
                            row.update(from: beta + r * k, count: k)
                            if !Self.sandwichDiagonal(
                                meat: bw.cross + r * s, bread: bread + r * k * k, k: k, factor: factor,
                                scratch: bw.small, into: row + k)
                            {
                                declined[r] = true
                            }
                        }
                    }
                    return (0..<rCount).filter { declined[$0] }.map { range.lowerBound + $0 }
                }
            }
        }
    }

    /// E = y·1ᵀ − X·B for the `count` coefficient columns in `beta` (k × count).
    private func residuals(
        x: UnsafePointer<Double>, y: UnsafePointer<Double>, count: Int, into e: UnsafeMutablePointer<Double>,
        beta: UnsafePointer<Double>
    ) {
        for r in 0..<count { (e + r * n).update(from: y, count: n) }
        LAPACK.gemm(
            transA: false, transB: false, m: n, n: count, k: k, alpha: -1, a: x, lda: n, b: beta, ldb: k, beta: 1,
            c: e, ldc: n)
    }

    // MARK: Single fits (fixed designs, jackknife)

    /// Fits one replicate given per-row weights cᵢ (draw counts; 0 leaves a row out) and
    /// responses vᵢ, with m = Σcᵢ rows. Writes β (and, when `standardErrors`, the SEs) to `out`.
    /// - Returns: `false` when declined.
    func fitWeighted(
        weights c: UnsafePointer<Double>, response v: UnsafePointer<Double>, m: Int, workspace ws: ReplicateWorkspace,
        standardErrors: Bool, into out: UnsafeMutablePointer<Double>
    ) -> Bool {
        let k = self.k
        let s = self.s
        let n = self.n
        guard m > k, ws.capacity >= n, ws.k >= k else { return false }
        let small = ws.small
        let f = small
        let rinv = small + k * k
        let bread = small + 2 * k * k
        let d = small + 3 * k * k
        let b = d + k
        let scratch = b + k
        let gram = ws.packed
        let meat = ws.packed + s
        return design.withUnsafeBufferPointer { xx -> Bool in
            products.withUnsafeBufferPointer { pp -> Bool in
                let x = xx.baseAddress!
                let p = pp.baseAddress!
                // Weighted cross-products column by column (vectorized along the rows).
                for t in 0..<s { gram[t] = ReplicateLeastSquares.dot(p + t * n, c, n) }
                let cv = ws.weights
                for i in 0..<n { cv[i] = c[i] * v[i] }
                for j in 0..<k { b[j] = ReplicateLeastSquares.dot(x + j * n, cv, n) }
                guard Self.factor(gram: gram, k: k, scales: d, factor: f) else { return false }
                Self.gramSolve(b, k: k, scales: d, factor: f)
                // One refinement step.
                let e = ws.work
                func residuals() {
                    e.update(from: v, count: n)
                    for j in 0..<k { ReplicateLeastSquares.axpy(-b[j], x + j * n, e, n) }
                }
                residuals()
                for i in 0..<n { cv[i] = c[i] * e[i] }
                for j in 0..<k { scratch[j] = ReplicateLeastSquares.dot(x + j * n, cv, n) }
                Self.gramSolve(scratch, k: k, scales: d, factor: f)
                for j in 0..<k {
                    b[j] += scratch[j]
                    guard b[j].isFinite else { return false }
                }
                out.update(from: b, count: k)
                guard standardErrors else { return true }
                residuals()
                Self.inverseUpper(f, k: k, into: rinv)
                Self.bread(rinv, k: k, scales: d, into: bread)
                let wts = ws.weights
                for i in 0..<n { wts[i] = c[i] * e[i] * e[i] }
                let mk = Double(m - k)
                if kind == .nonrobust {
                    var ssr = 0.0
                    for i in 0..<n { ssr += wts[i] }
                    let s2 = ssr / mk
                    for j in 0..<k { out[k + j] = (s2 * bread[j + j * k]).squareRoot() }
                    return true
                }
                if kind == .hc2 || kind == .hc3 {
                    for i in 0..<n where c[i] > 0 {
                        let h = Self.leverage(row: i, x: x, n: n, rinv: rinv, k: k, scales: d)
                        guard h < 1 else { return false }
                        wts[i] /= kind == .hc2 ? (1 - h) : (1 - h) * (1 - h)
                    }
                }
                for t in 0..<s { meat[t] = ReplicateLeastSquares.dot(p + t * n, wts, n) }
                return Self.sandwichDiagonal(
                    meat: meat, bread: bread, k: k, factor: kind == .hc1 ? Double(m) / mk : 1, scratch: scratch,
                    into: out + k)
            }
        }
    }

    /// Fits y* (in `ws.response`) on the whole, fixed design (residual and wild schemes).
    func fitFixedDesign(workspace ws: ReplicateWorkspace, into out: UnsafeMutablePointer<Double>) -> Bool {
        let ones = ws.multiplicity
        for i in 0..<n { ones[i] = 1 }
        return fitWeighted(weights: ones, response: ws.response, m: n, workspace: ws, standardErrors: true, into: out)
    }

    /// Fits the sample without row `left` (a jackknife evaluation); coefficients only.
    func fitLeavingOut(_ left: Int, workspace ws: ReplicateWorkspace, into out: UnsafeMutablePointer<Double>) -> Bool {
        let c = ws.multiplicity
        for i in 0..<n { c[i] = i == left ? 0 : 1 }
        return y.withUnsafeBufferPointer { yy in
            fitWeighted(
                weights: c, response: yy.baseAddress!, m: n - 1, workspace: ws, standardErrors: false, into: out)
        }
    }

    // MARK: Small dense steps (k × k)

    /// Equilibrates the packed Gram matrix (scales dⱼ = √Gⱼⱼ) and Cholesky-factors it into the
    /// upper triangle of `factor` (k × k, column-major). Returns `false` when a scale is not a
    /// normal number, the matrix is not positive definite, or max R̃ⱼⱼ / min R̃ⱼⱼ exceeds the
    /// condition limit.
    static func factor(
        gram: UnsafePointer<Double>, k: Int, scales d: UnsafeMutablePointer<Double>,
        factor r: UnsafeMutablePointer<Double>
    ) -> Bool {
        for j in 0..<k {
            let g = gram[j * (j + 1) / 2 + j].squareRoot()
            guard g.isNormal else { return false }
            d[j] = g
        }
        var rMax = 0.0
        var rMin = Double.infinity
        for j in 0..<k {
            for l in 0..<j {
                var acc = gram[j * (j + 1) / 2 + l] / (d[l] * d[j])
                for q in 0..<l { acc -= r[q + l * k] * r[q + j * k] }
                r[l + j * k] = acc / r[l + l * k]
            }
            var diag = 1.0
            for q in 0..<j { diag -= r[q + j * k] * r[q + j * k] }
            guard diag > 0 else { return false }
            let rjj = diag.squareRoot()
            r[j + j * k] = rjj
            for q in (j + 1)..<k { r[q + j * k] = 0 }
            rMax = max(rMax, rjj)
            rMin = min(rMin, rjj)
        }
        return rMin > 0 && rMax / rMin <= ReplicateLeastSquares.conditionLimit
    }

    /// v := (XᵀX)⁻¹v = D⁻¹R̃⁻¹R̃⁻ᵀD⁻¹v in place.
    static func gramSolve(
        _ v: UnsafeMutablePointer<Double>, k: Int, scales d: UnsafePointer<Double>, factor r: UnsafePointer<Double>
    ) {
        for j in 0..<k { v[j] /= d[j] }
        for j in 0..<k {
            var acc = v[j]
            for q in 0..<j { acc -= r[q + j * k] * v[q] }
            v[j] = acc / r[j + j * k]
        }
        for j in stride(from: k - 1, through: 0, by: -1) {
            var acc = v[j]
            for q in (j + 1)..<k { acc -= r[j + q * k] * v[q] }
            v[j] = acc / r[j + j * k]
        }
        for j in 0..<k { v[j] /= d[j] }
    }

    /// R̃⁻¹ of an upper triangular k × k factor stored column-major with leading dimension
    /// `leadingDimension` (k by default); R̃⁻¹ is k × k and its lower part is zeroed.
    static func inverseUpper(
        _ r: UnsafePointer<Double>, k: Int, leadingDimension: Int? = nil, into rinv: UnsafeMutablePointer<Double>
    ) {
        let ld = leadingDimension ?? k
        for j in 0..<k {
            rinv[j + j * k] = 1 / r[j + j * ld]
            for i in stride(from: j - 1, through: 0, by: -1) {
                var acc = 0.0
                for q in (i + 1)...j { acc += r[i + q * ld] * rinv[q + j * k] }
                rinv[i + j * k] = -acc / r[i + i * ld]
            }
            for i in (j + 1)..<k { rinv[i + j * k] = 0 }
        }
    }

    /// The bread B = (XᵀX)⁻¹ = D⁻¹R̃⁻¹R̃⁻ᵀD⁻¹ (k × k, full).
    /// The leverage hᵢ = ‖R̃⁻ᵀD⁻¹xᵢ‖² of row `i` of the n-row column-major design `x`, from
    /// R̃⁻¹ (k × k, upper triangular) and the column scales D.
    static func leverage(
        row i: Int, x: UnsafePointer<Double>, n: Int, rinv: UnsafePointer<Double>, k: Int,
        scales d: UnsafePointer<Double>
    ) -> Double {
        var h = 0.0
        for q in 0..<k {
            var u = 0.0
            for j in 0...q { u += rinv[j + q * k] * x[i + j * n] / d[j] }
            h += u * u
        }
        return h
    }

    static func bread(
        _ rinv: UnsafePointer<Double>, k: Int, scales d: UnsafePointer<Double>, into b: UnsafeMutablePointer<Double>
    ) {
        for j in 0..<k {
            for l in 0...j {
                var acc = 0.0
                for q in j..<k { acc += rinv[l + q * k] * rinv[j + q * k] }
                acc /= d[l] * d[j]
                b[l + j * k] = acc
                b[j + l * k] = acc
            }
        }
    }

    /// √diag(c·B·M·B) for a packed meat M. Returns `false` when a variance is negative or not
    /// finite.
    static func sandwichDiagonal(
        meat: UnsafePointer<Double>, bread: UnsafePointer<Double>, k: Int, factor: Double,
        scratch: UnsafeMutablePointer<Double>, into se: UnsafeMutablePointer<Double>
    ) -> Bool {
        for j in 0..<k {
            let bj = bread + j * k
            for q in 0..<k {
                var acc = 0.0
                for l in 0..<k { acc += meat[packed(l, q)] * bj[l] }
                scratch[q] = acc
            }
            var v = 0.0
            for q in 0..<k { v += scratch[q] * bj[q] }
            v *= factor
            guard v >= 0, v.isFinite else { return false }
            se[j] = v.squareRoot()
        }
        return true
    }
}

/// The per-task buffers of ``ReplicateGramKernel/fitBatch(_:scheme:seed:workspace:into:)``.
final class ReplicateBatchWorkspace {
    /// Draw counts C (n × batch).
    let counts: UnsafeMutablePointer<Double>
    /// Residuals, then weights (n × batch).
    let residuals: UnsafeMutablePointer<Double>
    /// Cross-products (s + k per replicate), later the meats.
    let cross: UnsafeMutablePointer<Double>
    /// Coefficients (k × batch) and refinement corrections (k × batch).
    let beta: UnsafeMutablePointer<Double>
    let correction: UnsafeMutablePointer<Double>
    /// Cholesky factors (k × k per replicate), scales (k per replicate), breads (k × k each).
    let factors: UnsafeMutablePointer<Double>
    let scales: UnsafeMutablePointer<Double>
    let breads: UnsafeMutablePointer<Double>
    /// k × k scratch.
    let small: UnsafeMutablePointer<Double>
    /// One replicate's row indices (n).
    let rows: UnsafeMutablePointer<Int>
    private let buffers: [UnsafeMutablePointer<Double>]

    init(rows n: Int, columns k: Int, batch: Int) {
        let s = k * (k + 1) / 2
        // Not zero-filled: every value is written (counts zeroed per batch, dgemm with β = 0)
        // before it is read.
        func make(_ count: Int) -> UnsafeMutablePointer<Double> {
            UnsafeMutablePointer<Double>.allocate(capacity: max(1, count))
        }
        counts = make(n * batch)
        residuals = make(n * batch)
        cross = make((s + k) * batch)
        beta = make(k * batch)
        correction = make(k * batch)
        factors = make(k * k * batch)
        scales = make(k * batch)
        breads = make(k * k * batch)
        small = make(k * k + k)
        buffers = [counts, residuals, cross, beta, correction, factors, scales, breads, small]
        rows = .allocate(capacity: max(1, n))
        rows.initialize(repeating: 0, count: max(1, n))
    }

    deinit {
        for b in buffers { b.deallocate() }
        rows.deallocate()
    }
}
