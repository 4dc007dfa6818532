/// How an estimator treats (numerically) linearly dependent columns.
public enum RankDeficiencyPolicy: String, Sendable, Hashable, Codable {
    /// Throw ``StatsError/Code/rankDeficient`` naming the dependent columns (the default).
    case error
    /// Drop each column that is a linear combination of the columns before it, like R's `lm`,
    /// and report the dropped names in the result.
    case drop
}

/// When the least-squares solution is improved by iterative refinement.
public enum RefinementPolicy: String, Sendable, Hashable, Codable {
    /// Refine when the scaled design's estimated condition number |R₁₁/R_kk| exceeds 10²
    /// (well-conditioned problems gain nothing from it).
    case automatic
    /// Always refine (up to three steps with compensated residuals).
    case always
    /// Never refine: a single Householder QR solve.
    case never
}

/// A least-squares problem factored once by Householder QR with column pivoting (LAPACK
/// dgeqp3) on the column-equilibrated design, ready to solve for any right-hand side.
///
/// Accuracy: columns are scaled to unit Euclidean norm before factoring (this makes the rank
/// decision scale-invariant and helps polynomial designs such as NIST Wampler); the numerical
/// rank counts the |Rᵢᵢ| above `max(n, k) · ε · |R₁₁|` (the LAPACK/MATLAB convention, far
/// below R's `lm` tolerance of 1e-7, which wrongly drops a column of NIST Filippelli); and
/// solutions of ill-conditioned problems are improved by iterative refinement with residuals
/// accumulated in doubled precision (Ogita, Rump & Oishi 2005, "Accurate sum and dot
/// product", SIAM J. Sci. Comput. 26(6)).
struct QRLeastSquares: Sendable {
    let n: Int
    let k: Int
    /// The original design (needed for residuals).
    var x: Matrix
    /// Column norms used to equilibrate.
    let scale: [Double]
    /// Factored scaled design: R in the upper triangle, Householder vectors below.
    let factors: [Double]
    let tau: [Double]
    /// pivot[j] = the original column placed at position j.
    let pivot: [Int]
    /// Numerical rank.
    let rank: Int
    /// |R₁₁| / |R_rr| of the scaled design, a cheap condition estimate.
    let conditionEstimate: Double

    /// The rank tolerance relative to |R₁₁|.
    var relativeTolerance: Double { Double(max(n, k)) * Double.ulpOfOne }

    init(_ x: Matrix) throws {
        n = x.rows
        k = x.columns
        self.x = x
        let (rows, cols) = (x.rows, x.columns)
        var s = [Double](repeating: 1, count: cols)
        var a = x.storage
        a.withUnsafeMutableBufferPointer { buf in
            for j in 0..<cols {
                let col = UnsafeMutableBufferPointer(rebasing: buf[(j * rows)..<((j + 1) * rows)])
                var sum = 0.0
                for v in col { sum += v * v }
                var norm = sum.squareRoot()
                if !(norm.isNormal) {
                    // Overflow or underflow of the plain sum: redo it scaled by the largest |value|.
                    var big = 0.0
                    for v in col { big = max(big, abs(v)) }
                    if big > 0 {
                        let inv = 1 / big
                        var scaled = 0.0
                        for v in col { scaled += (v * inv) * (v * inv) }
                        norm = big * scaled.squareRoot()
                    } else {
                        norm = 0
                    }
                }
                s[j] = norm > 0 ? norm : 1
                let inv = 1 / s[j]
                for i in col.indices { col[i] *= inv }
            }
        }
        var jpvt: [Int] = []
        var t: [Double] = []
        try LAPACK.geqp3(m: n, n: k, a: &a, jpvt: &jpvt, tau: &t)
        scale = s
        factors = a
        tau = t
        pivot = jpvt
        let r11 = k > 0 && n > 0 ? abs(a[0]) : 0
        let tol = Double(max(n, k)) * Double.ulpOfOne * r11
        var r = 0
        for j in 0..<min(n, k) where abs(a[j + j * n]) > tol { r = j + 1 }
        // Diagonal of R from dgeqp3 is non-increasing in magnitude, so r counts a prefix.
        rank = r11 > 0 ? r : 0
        conditionEstimate = rank > 0 ? r11 / abs(a[(rank - 1) + (rank - 1) * n]) : .infinity
    }

    /// Original column indices that are linear combinations of earlier columns (R's rule),
    /// found greedily on the small k×k matrix R·Pᵀ, which has the same column dependencies as X.
    func dependentColumns() throws -> [Int] {
        guard rank < k else { return [] }
        let m = min(n, k)
        // T[:, pivot[j]] = R[:, j] (rows 0..<m).
        var t = [Double](repeating: 0, count: m * k)
        for j in 0..<k {
            for i in 0...min(j, m - 1) { t[i + pivot[j] * m] = factors[i + j * n] }
        }
        let absTol = relativeTolerance * abs(factors[0])
        var kept: [Int] = []
        var dependent: [Int] = []
        for c in 0..<k {
            let cols = kept + [c]
            var sub = [Double](repeating: 0, count: m * cols.count)
            for (jj, j) in cols.enumerated() {
                for i in 0..<m { sub[i + jj * m] = t[i + j * m] }
            }
            var piv: [Int] = []
            var tt: [Double] = []
            try LAPACK.geqp3(m: m, n: cols.count, a: &sub, jpvt: &piv, tau: &tt)
            var r = 0
            for j in 0..<min(m, cols.count) where abs(sub[j + j * m]) > absTol { r = j + 1 }
            if r == cols.count { kept.append(c) } else { dependent.append(c) }
        }
        return dependent
    }

    /// One QR solve of min ‖X b − v‖ (full rank assumed), returning b in original columns.
    func solveOnce(_ v: [Double]) throws -> [Double] {
        var c = v
        try LAPACK.ormqr(transpose: true, m: n, k: k, a: factors, tau: tau, c: &c, columns: 1)
        // Back substitution R z = c[0..<k].
        var z = [Double](repeating: 0, count: k)
        for i in stride(from: k - 1, through: 0, by: -1) {
            var acc = c[i]
            for j in (i + 1)..<max(i + 1, k) { acc -= factors[i + j * n] * z[j] }
            z[i] = acc / factors[i + i * n]
        }
        var b = [Double](repeating: 0, count: k)
        for j in 0..<k { b[pivot[j]] = z[j] / scale[pivot[j]] }
        return b
    }

    /// Solves min ‖X b − y‖ and returns the coefficients and residuals.
    /// - Parameter refinement: when to apply iterative refinement.
    func solve(_ y: [Double], refinement: RefinementPolicy = .automatic) throws -> (
        coefficients: [Double], residuals: [Double]
    ) {
        var b = try solveOnce(y)
        let refine: Bool
        switch refinement {
        case .always: refine = true
        case .never: refine = false
        case .automatic: refine = conditionEstimate > 1e2
        }
        if refine {
            for _ in 0..<3 {
                let r = compensatedResiduals(y, b)
                let d = try solveOnce(r)
                var bmax = 0.0
                var dmax = 0.0
                for j in 0..<k {
                    b[j] += d[j]
                    bmax = max(bmax, abs(b[j]))
                    dmax = max(dmax, abs(d[j]))
                }
                if dmax <= Double.ulpOfOne * bmax { break }
            }
            return (b, compensatedResiduals(y, b))
        }
        return (b, residuals(y, b))
    }

    /// y − X b in working precision (BLAS dgemv).
    func residuals(_ y: [Double], _ b: [Double]) -> [Double] {
        var r = y
        guard n > 0, k > 0 else { return r }
        x.storage.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { bb in
                r.withUnsafeMutableBufferPointer { rr in
                    LAPACK.gemv(
                        transpose: false, m: n, n: k, alpha: -1, a: a.baseAddress!, lda: n,
                        x: bb.baseAddress!, beta: 1, y: rr.baseAddress!)
                }
            }
        }
        return r
    }

    /// y − X b with every product and sum carried in doubled precision (error-free
    /// transformations TwoProduct via FMA and TwoSum; Ogita–Rump–Oishi Dot2).
    func compensatedResiduals(_ y: [Double], _ b: [Double]) -> [Double] {
        var hi = y
        var lo = [Double](repeating: 0, count: n)
        x.storage.withUnsafeBufferPointer { a in
            hi.withUnsafeMutableBufferPointer { h in
                lo.withUnsafeMutableBufferPointer { l in
                    for j in 0..<k {
                        let bj = b[j]
                        let base = j * n
                        for i in 0..<n {
                            let xv = a[base + i]
                            let p = xv * bj
                            let pe = fmaError(xv, bj, p)
                            let s = h[i] - p
                            let bb = s - h[i]
                            let err = (h[i] - (s - bb)) + (-p - bb)
                            h[i] = s
                            l[i] += err - pe
                        }
                    }
                }
            }
        }
        for i in 0..<n { hi[i] += lo[i] }
        return hi
    }

    /// (XᵀX)⁻¹ in the original column order, from R⁻¹R⁻ᵀ of the scaled, pivoted factor.
    func xtxInverse() throws -> Matrix {
        var rinv = [Double](repeating: 0, count: k * k)
        for j in 0..<k {
            for i in 0...j { rinv[i + j * k] = factors[i + j * n] }
        }
        try LAPACK.trtriUpper(n: k, a: &rinv)
        var m = [Double](repeating: 0, count: k * k)
        rinv.withUnsafeBufferPointer { r in
            m.withUnsafeMutableBufferPointer { mm in
                LAPACK.gemm(
                    transA: false, transB: true, m: k, n: k, k: k, alpha: 1, a: r.baseAddress!, lda: k,
                    b: r.baseAddress!, ldb: k, beta: 0, c: mm.baseAddress!, ldc: k)
            }
        }
        var out = Matrix(rows: k, columns: k)
        for j in 0..<k {
            for i in 0..<k {
                let pi = pivot[i]
                let pj = pivot[j]
                out[pi, pj] = m[i + j * k] / (scale[pi] * scale[pj])
            }
        }
        return out
    }

    /// The thin Q factor (n×k) of the scaled, pivoted design (LAPACK dorgqr).
    func thinQ() throws -> Matrix {
        Matrix(uncheckedRows: n, columns: k, storage: try LAPACK.orgqr(m: n, n: k, k: k, a: factors, tau: tau))
    }

    /// The diagonal of the hat matrix, hᵢ = ‖Qᵢ,·‖² over the thin Q.
    func leverage(q: Matrix? = nil) throws -> [Double] {
        let q = try q ?? thinQ()
        var h = [Double](repeating: 0, count: n)
        for j in 0..<k {
            for i in 0..<n {
                let v = q[i, j]
                h[i] += v * v
            }
        }
        return h
    }

    /// Whether sandwich covariances should be formed in the Q basis (see ``sandwichFromQBasis(_:)``).
    var prefersQBasis: Bool { conditionEstimate > 1e2 }

    /// The covariance P·D⁻¹·R⁻¹·M·R⁻ᵀ·D⁻¹·Pᵀ in original coordinates from a meat matrix M
    /// computed with scores in the Q basis (qᵢ·wᵢ instead of xᵢ·wᵢ).
    ///
    /// Mathematically equal to (XᵀX)⁻¹·(Σ xᵢxᵢᵀwᵢ²)·(XᵀX)⁻¹, but only triangular, backward-stable
    /// operations meet the ill-conditioning: on Longley (condition number ~5e9) it keeps HC
    /// standard errors to 1e-12 where the X-basis sandwich (and statsmodels) loses 1e-8.
    func sandwichFromQBasis(_ meat: Matrix) throws -> Matrix {
        var rinv = [Double](repeating: 0, count: k * k)
        for j in 0..<k {
            for i in 0...j { rinv[i + j * k] = factors[i + j * n] }
        }
        try LAPACK.trtriUpper(n: k, a: &rinv)
        let r = Matrix(uncheckedRows: k, columns: k, storage: rinv)
        let t = r.multiplied(by: meat).multiplied(by: r, transposeOther: true)
        var out = Matrix(rows: k, columns: k)
        for j in 0..<k {
            for i in 0..<k {
                let pi = pivot[i]
                let pj = pivot[j]
                out[pi, pj] = 0.5 * (t[i, j] + t[j, i]) / (scale[pi] * scale[pj])
            }
        }
        return out
    }

    /// Orthogonal projection of each column of `m` onto the column space of X (Q Qᵀ M).
    func project(_ m: Matrix) throws -> Matrix {
        var c = m.storage
        try LAPACK.ormqr(transpose: true, m: n, k: k, a: factors, tau: tau, c: &c, columns: m.columns)
        for j in 0..<m.columns {
            for i in k..<max(k, n) { c[i + j * n] = 0 }
        }
        try LAPACK.ormqr(transpose: false, m: n, k: k, a: factors, tau: tau, c: &c, columns: m.columns)
        return Matrix(uncheckedRows: n, columns: m.columns, storage: c)
    }
}

/// The rounding error of `a * b` given its rounded product `p` (exact: a·b = p + e).
@inline(__always)
func fmaError(_ a: Double, _ b: Double, _ p: Double) -> Double {
    (-p).addingProduct(a, b)
}
