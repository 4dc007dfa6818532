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

/// Which QR factorization a least-squares fit uses.
public enum QRStrategy: String, Sendable, Hashable, Codable {
    /// ``cholesky`` when the design is well-conditioned; otherwise Householder for small
    /// designs and tall-skinny for n·k ≥ 2²⁰ with n ≥ 16k.
    case automatic
    /// Pivoted Householder QR of the whole design (LAPACK dgeqp3).
    case householder
    /// Blocked tall-skinny QR (dgeqrf + dtpqrt) of the design, then pivoted QR of R.
    case tallSkinny
    /// R from the Cholesky factor of the equilibrated Gram matrix X̃ᵀX̃ (one dsyrk pass over the
    /// design), used only when R's condition number κ₁(R) is at most 10² — there R carries a
    /// relative error of order κ²ε ≤ 10⁻¹² and the corrected semi-normal step every solve takes
    /// gives QR accuracy; otherwise (ill-conditioned, rank-deficient, or overflowing column
    /// norms) the design is factored by ``tallSkinny`` instead.
    case cholesky
}

/// A least-squares problem factored once on the column-equilibrated design, ready to solve
/// for any right-hand side.
///
/// Three factorizations, one contract:
/// - **Householder** (ill-conditioned or rank-deficient, n·k < ``tallSkinnyThreshold`` or few
///   rows per column): pivoted QR of the whole design (LAPACK dgeqp3); Q is kept as reflectors.
/// - **Tall-skinny** (ill-conditioned or rank-deficient, large n): R is accumulated block by block — QR of the first block
///   (dgeqrf), then QR of [R; next block] exploiting R's triangle (dtpqrt) — in cache-sized
///   blocks, and a pivoted QR of the small k×k R (dgeqp3) reveals the rank. Q is never formed;
///   Qᵀv is applied as R⁻ᵀ(X̃ᵀv) (semi-normal equations) and every solve takes a corrected
///   semi-normal refinement step (Björck 1987, "Stability analysis of the method of
///   seminormal equations", Linear Algebra Appl. 88/89), which restores QR accuracy. This is
///   several times faster than dgeqp3 on millions of rows and never copies the design.
/// - **Cholesky** (tried first by ``QRStrategy/automatic``): R is the Cholesky factor of the
///   equilibrated Gram matrix D⁻¹XᵀXD⁻¹, formed by one dsyrk pass (half the flops of the
///   tall-skinny QR, at level-3 speed; on small designs it avoids dgeqp3's and dormqr's
///   unblocked overheads). It is accepted only when κ₁(R) ≤ ``choleskyConditionLimit``: the
///   computed R then satisfies RᵀR = X̃ᵀX̃ + E with ‖E‖ ≈ ε, so R⁻¹R⁻ᵀ is accurate to κ²ε ≤ 10⁻¹²
///   relative, and the corrected semi-normal step contracts the solution error by κ²ε per step
///   (Björck 1987; Higham 2002, *Accuracy and Stability of Numerical Algorithms*, §20.4), which
///   gives the same accuracy as QR. Otherwise one of the QR paths runs. No pivoting is needed
///   (the rank is full); Q is applied through the semi-normal equations as above.
///
/// Accuracy: columns are scaled to unit Euclidean norm before factoring (this makes the rank
/// decision scale-invariant and helps polynomial designs such as NIST Wampler); the numerical
/// rank counts the |Rᵢᵢ| above `max(n, k) · ε · |R₁₁|` (the LAPACK/MATLAB convention, far
/// below R's `lm` tolerance of 1e-7, which wrongly drops a column of NIST Filippelli); and
/// solutions of ill-conditioned problems are improved by iterative refinement with residuals
/// accumulated in doubled precision (Ogita, Rump & Oishi 2005, "Accurate sum and dot
/// product", SIAM J. Sci. Comput. 26(6)).
struct QRLeastSquares: Sendable {
    /// Designs with at least this many elements (and ≥ 16 rows per column) use the tall-skinny path.
    static let tallSkinnyThreshold = 1 << 20
    /// Rows per block of the tall-skinny accumulation (fits L2 with k ≤ 64).
    static let tallSkinnyBlockRows = 4096
    /// The largest κ₁(R) of the equilibrated design the Cholesky path accepts.
    static let choleskyConditionLimit = 1e2

    let n: Int
    let k: Int
    /// The original design (needed for residuals).
    let x: Matrix
    /// Column norms used to equilibrate.
    let scale: [Double]
    /// R (k×k, upper triangular, column-major) of the scaled, pivoted design X̃ = X·D⁻¹·P.
    let r: [Double]
    /// Householder reflectors of the whole design (n×k) and their scalars, when kept.
    let householder: (factors: [Double], tau: [Double])?
    /// pivot[j] = the original column placed at position j.
    let pivot: [Int]
    /// Numerical rank.
    let rank: Int
    /// |R₁₁| / |R_rr| of the scaled design, a cheap condition estimate (κ₁(R) on the Cholesky path).
    let conditionEstimate: Double
    /// R⁻¹ when the factorization already computed it (the Cholesky path, for its condition number).
    let knownRInverse: [Double]?
    /// The factorization actually used: `.householder`, `.tallSkinny` or `.cholesky`.
    let factorization: QRStrategy

    /// The rank tolerance relative to |R₁₁|.
    var relativeTolerance: Double { Double(max(n, k)) * Double.ulpOfOne }

    /// Whether Qᵀ is applied through the reflectors (false: semi-normal equations).
    var hasReflectors: Bool { householder != nil }

    init(_ x: Matrix, strategy: QRStrategy = .automatic) throws {
        n = x.rows
        k = x.columns
        self.x = x
        let (rows, cols) = (x.rows, x.columns)
        let large = rows * cols >= Self.tallSkinnyThreshold && rows >= 16 * max(cols, 1)
        if strategy == .cholesky || strategy == .automatic, rows > cols, cols > 0,
            let g = try Self.choleskyR(x)
        {
            scale = g.scale
            r = g.r
            householder = nil
            pivot = Array(0..<cols)
            rank = cols
            conditionEstimate = g.condition
            knownRInverse = g.rInverse
            factorization = .cholesky
            return
        }
        var s = [Double](repeating: 1, count: cols)
        x.storage.withUnsafeBufferPointer { buf in
            for j in 0..<cols {
                let col = UnsafeBufferPointer(rebasing: buf[(j * rows)..<((j + 1) * rows)])
                var sum = 0.0
                for v in col { sum += v * v }
                var norm = sum.squareRoot()
                if !norm.isNormal {
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
            }
        }
        scale = s
        let tallSkinny: Bool
        switch strategy {
        case .householder: tallSkinny = false
        case .tallSkinny, .cholesky: tallSkinny = true
        case .automatic: tallSkinny = large
        }
        var rk: [Double]
        var jpvt: [Int] = []
        if tallSkinny && rows > cols && cols > 0 {
            // Tall-skinny: accumulate R of X·D⁻¹ block by block, then pivot the small R.
            var acc = try Self.tallSkinnyR(x, scale: s)
            var t: [Double] = []
            try LAPACK.geqp3(m: cols, n: cols, a: &acc, jpvt: &jpvt, tau: &t)
            rk = acc
            householder = nil
            factorization = .tallSkinny
        } else {
            var a = x.storage
            a.withUnsafeMutableBufferPointer { buf in
                for j in 0..<cols {
                    let inv = 1 / s[j]
                    for i in (j * rows)..<((j + 1) * rows) { buf[i] *= inv }
                }
            }
            var t: [Double] = []
            try LAPACK.geqp3(m: rows, n: cols, a: &a, jpvt: &jpvt, tau: &t)
            let m = min(rows, cols)
            rk = [Double](repeating: 0, count: cols * cols)
            for j in 0..<cols {
                for i in 0..<min(j + 1, m) { rk[i + j * cols] = a[i + j * rows] }
            }
            householder = (a, t)
            factorization = .householder
        }
        // Keep only the upper triangle of R.
        for j in 0..<cols {
            for i in (j + 1)..<max(j + 1, cols) { rk[i + j * cols] = 0 }
        }
        r = rk
        knownRInverse = nil
        pivot = jpvt
        let r11 = cols > 0 && rows > 0 ? abs(rk[0]) : 0
        let tol = Double(max(rows, cols)) * Double.ulpOfOne * r11
        var rr = 0
        // The diagonal of R from dgeqp3 is non-increasing in magnitude, so rr counts a prefix.
        for j in 0..<min(rows, cols) where abs(rk[j + j * cols]) > tol { rr = j + 1 }
        rank = r11 > 0 ? rr : 0
        conditionEstimate = rank > 0 ? r11 / abs(rk[(rank - 1) + (rank - 1) * cols]) : .infinity
    }

    /// R (k×k, upper, lower triangle zero) of the equilibrated design X̃ = X·D⁻¹ from the Cholesky
    /// factor of X̃ᵀX̃, with the column norms D and κ₁(R) = ‖R‖₁‖R⁻¹‖₁; `nil` when the path does not
    /// apply: a column norm overflows or underflows, the Gram matrix is not numerically positive
    /// definite, or κ₁(R) > ``choleskyConditionLimit``.
    ///
    /// One dsyrk pass forms XᵀX; its diagonal gives the column norms, so equilibrating costs
    /// nothing extra (D⁻¹XᵀXD⁻¹ is scaled after the fact).
    static func choleskyR(_ x: Matrix) throws -> (
        r: [Double], rInverse: [Double], scale: [Double], condition: Double
    )? {
        let k = x.columns
        let gram = x.gram()
        var s = [Double](repeating: 1, count: k)
        for j in 0..<k {
            let d = gram[j, j]
            // Squares of values beyond ~1e154 overflow and below ~1e-154 underflow: the scaled
            // sums of the QR paths handle those.
            guard d.isNormal, d > 0, d < .greatestFiniteMagnitude else { return nil }
            s[j] = d.squareRoot()
        }
        var a = [Double](repeating: 0, count: k * k)
        for j in 0..<k {
            for i in 0...j { a[i + j * k] = gram[i, j] / (s[i] * s[j]) }
        }
        guard try LAPACK.potrfUpper(n: k, a: &a) else { return nil }
        var rinv = a
        try LAPACK.trtriUpper(n: k, a: &rinv)
        // Exact 1-norm condition of the k×k triangle (k is small; R⁻¹ costs k³/3 flops).
        var normR = 0.0
        var normRinv = 0.0
        for j in 0..<k {
            var cr = 0.0
            var ci = 0.0
            for i in 0...j {
                cr += abs(a[i + j * k])
                ci += abs(rinv[i + j * k])
            }
            normR = max(normR, cr)
            normRinv = max(normRinv, ci)
        }
        let condition = normR * normRinv
        guard condition.isFinite, condition <= choleskyConditionLimit else { return nil }
        return (a, rinv, s, condition)
    }

    /// R (k×k) of X·D⁻¹ by blocked tall-skinny QR: dgeqrf on the first block, then dtpqrt
    /// of [R; block] for each further block. The design is read once and never copied whole.
    static func tallSkinnyR(_ x: Matrix, scale: [Double]) throws -> [Double] {
        let n = x.rows
        let k = x.columns
        let b = max(tallSkinnyBlockRows, k)
        let nb = min(16, k)
        var block = [Double](repeating: 0, count: b * k)
        var t = LAPACK.workspace(nb * k)
        var work = LAPACK.workspace(nb * k)
        var r = [Double](repeating: 0, count: k * k)
        func load(_ start: Int, _ m: Int) {
            x.storage.withUnsafeBufferPointer { src in
                block.withUnsafeMutableBufferPointer { dst in
                    for j in 0..<k {
                        let inv = 1 / scale[j]
                        let s = j * n + start
                        let d = j * m
                        for i in 0..<m { dst[d + i] = src[s + i] * inv }
                    }
                }
            }
        }
        let m0 = min(n, b)
        load(0, m0)
        var first = Array(block[0..<(m0 * k)])
        var tau: [Double] = []
        try LAPACK.geqrf(m: m0, n: k, a: &first, tau: &tau)
        for j in 0..<k {
            for i in 0...j { r[i + j * k] = first[i + j * m0] }
        }
        var start = m0
        while start < n {
            let m = min(b, n - start)
            load(start, m)
            try LAPACK.tpqrt(k: k, r: &r, block: &block, rows: m, nb: nb, t: &t, work: &work)
            start += m
        }
        return r
    }

    /// Element (i, j) of R.
    @inline(__always)
    func rElement(_ i: Int, _ j: Int) -> Double { r[i + j * k] }

    /// Original column indices that are linear combinations of earlier columns (R's rule),
    /// found greedily on the small k×k matrix R·Pᵀ, which has the same column dependencies as X.
    func dependentColumns() throws -> [Int] {
        guard rank < k else { return [] }
        let m = k
        // T[:, pivot[j]] = R[:, j].
        var t = [Double](repeating: 0, count: m * k)
        for j in 0..<k {
            for i in 0...j { t[i + pivot[j] * m] = rElement(i, j) }
        }
        let absTol = relativeTolerance * abs(r[0])
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
            var rr = 0
            for j in 0..<min(m, cols.count) where abs(sub[j + j * m]) > absTol { rr = j + 1 }
            if rr == cols.count { kept.append(c) } else { dependent.append(c) }
        }
        return dependent
    }

    /// X̃ᵀv = Pᵀ·D⁻¹·Xᵀv (k values, in pivoted order).
    func scaledTransposeProduct(_ v: [Double]) -> [Double] {
        pivotedScaled(transposeProduct(v))
    }

    /// Pᵀ·D⁻¹·u for u in original columns.
    func pivotedScaled(_ u: [Double]) -> [Double] {
        (0..<k).map { u[pivot[$0]] / scale[pivot[$0]] }
    }

    /// b (original columns) from Xᵀv by the semi-normal equations RᵀR z = X̃ᵀv.
    func seminormalSolve(transposeProduct xtv: [Double]) -> [Double] {
        var z = pivotedScaled(xtv)
        forwardSubstituteTransposed(&z)
        backSubstitute(&z)
        return unpivot(z)
    }

    /// Rows per block of ``residualsAndTransposeProduct(_:_:blockRows:)`` and
    /// ``transposeProduct(_:blockRows:)``: 16,384 rows of a 50-column design are 6.5 MB, which
    /// the second product of the fused sweep reads from the last-level cache.
    static let fusedBlockRows = 16_384

    /// Σᵢ a[i]·v[i] over `m` values with eight lanes (two SIMD4 accumulators) combined in a fixed
    /// order. Written by hand because a threaded BLAS dgemv_t splits the sum over its threads, so
    /// its rounding — and then the coefficients' last bits — would depend on the thread count.
    @inline(__always)
    static func dot(_ a: UnsafePointer<Double>, _ v: UnsafePointer<Double>, _ m: Int) -> Double {
        typealias V = SIMD4<Double>
        let stride = MemoryLayout<Double>.stride
        let ap = UnsafeRawPointer(a)
        let vp = UnsafeRawPointer(v)
        var acc0 = V()
        var acc1 = V()
        var i = 0
        while i + 8 <= m {
            let o = i * stride
            acc0 += ap.loadUnaligned(fromByteOffset: o, as: V.self) * vp.loadUnaligned(fromByteOffset: o, as: V.self)
            acc1 +=
                ap.loadUnaligned(fromByteOffset: o + 4 * stride, as: V.self)
                * vp.loadUnaligned(fromByteOffset: o + 4 * stride, as: V.self)
            i += 8
        }
        let lanes = acc0 + acc1
        var sum = (lanes[0] + lanes[1]) + (lanes[2] + lanes[3])
        while i < m {
            sum += a[i] * v[i]
            i += 1
        }
        return sum
    }

    /// Xᵀv (original columns), accumulated over blocks of rows with ``dot(_:_:_:)``: the same
    /// result for any BLAS thread count, and v's block stays in cache across the k columns.
    func transposeProduct(_ v: [Double], blockRows: Int = fusedBlockRows) -> [Double] {
        var out = [Double](repeating: 0, count: k)
        guard n > 0, k > 0 else { return out }
        let rowsPerBlock = max(1, blockRows)
        x.storage.withUnsafeBufferPointer { a in
            v.withUnsafeBufferPointer { vv in
                var start = 0
                while start < n {
                    let m = min(rowsPerBlock, n - start)
                    for j in 0..<k { out[j] += Self.dot(a.baseAddress! + j * n + start, vv.baseAddress! + start, m) }
                    start += m
                }
            }
        }
        return out
    }

    /// r = y − X b and Xᵀr in one sweep over the design: each block of rows is used for its
    /// residuals (BLAS dgemv, whose threads split the rows, so every rᵢ is the same for any
    /// thread count) and, while still in cache, for its share of Xᵀr (``dot(_:_:_:)``). Two
    /// separate passes would read the design from memory twice — on millions of rows each pass
    /// costs as much as the arithmetic.
    func residualsAndTransposeProduct(
        _ y: [Double], _ b: [Double], blockRows: Int = fusedBlockRows
    ) -> (residuals: [Double], product: [Double]) {
        var r = y
        var xtr = [Double](repeating: 0, count: k)
        guard n > 0, k > 0 else { return (r, xtr) }
        let rowsPerBlock = max(1, blockRows)
        x.storage.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { bb in
                r.withUnsafeMutableBufferPointer { rr in
                    var start = 0
                    while start < n {
                        let m = min(rowsPerBlock, n - start)
                        LAPACK.gemv(
                            transpose: false, m: m, n: k, alpha: -1, a: a.baseAddress! + start, lda: n,
                            x: bb.baseAddress!, beta: 1, y: rr.baseAddress! + start)
                        for j in 0..<k {
                            xtr[j] += Self.dot(a.baseAddress! + j * n + start, rr.baseAddress! + start, m)
                        }
                        start += m
                    }
                }
            }
        }
        return (r, xtr)
    }

    /// Solves R z = c in place (back substitution).
    func backSubstitute(_ c: inout [Double]) {
        for i in stride(from: k - 1, through: 0, by: -1) {
            var acc = c[i]
            for j in (i + 1)..<max(i + 1, k) { acc -= rElement(i, j) * c[j] }
            c[i] = acc / rElement(i, i)
        }
    }

    /// Solves Rᵀ z = c in place (forward substitution).
    func forwardSubstituteTransposed(_ c: inout [Double]) {
        for i in 0..<k {
            var acc = c[i]
            for j in 0..<i { acc -= rElement(j, i) * c[j] }
            c[i] = acc / rElement(i, i)
        }
    }

    /// Maps z (pivoted, scaled coordinates) to b in original columns.
    func unpivot(_ z: [Double]) -> [Double] {
        var b = [Double](repeating: 0, count: k)
        for j in 0..<k { b[pivot[j]] = z[j] / scale[pivot[j]] }
        return b
    }

    /// One solve of min ‖X b − v‖ (full rank assumed), returning b in original columns: through
    /// the reflectors when kept, else by the semi-normal equations RᵀR z = X̃ᵀv.
    func solveOnce(_ v: [Double]) throws -> [Double] {
        var z: [Double]
        if let (factors, tau) = householder {
            var c = v
            try LAPACK.ormqr(transpose: true, m: n, k: k, a: factors, tau: tau, c: &c, columns: 1)
            z = Array(c[0..<k])
        } else {
            z = scaledTransposeProduct(v)
            forwardSubstituteTransposed(&z)
        }
        backSubstitute(&z)
        return unpivot(z)
    }

    /// Solves min ‖X b − y‖ and returns the coefficients and residuals.
    /// - Parameter refinement: when to apply iterative refinement. Without reflectors one
    ///   corrected semi-normal step is always taken.
    func solve(_ y: [Double], refinement: RefinementPolicy = .automatic) throws -> (
        coefficients: [Double], residuals: [Double]
    ) {
        var b = try solveOnce(y)
        let illConditioned: Bool
        switch refinement {
        case .always: illConditioned = true
        case .never: illConditioned = false
        case .automatic: illConditioned = conditionEstimate > 1e2
        }
        let steps = illConditioned ? 3 : (hasReflectors ? 0 : 1)
        for _ in 0..<steps {
            let d: [Double]
            if illConditioned {
                d = try solveOnce(compensatedResiduals(y, b))
            } else if hasReflectors {
                d = try solveOnce(residuals(y, b))
            } else {
                d = seminormalSolve(transposeProduct: residualsAndTransposeProduct(y, b).product)
            }
            var bmax = 0.0
            var dmax = 0.0
            for j in 0..<k {
                b[j] += d[j]
                bmax = max(bmax, abs(b[j]))
                dmax = max(dmax, abs(d[j]))
            }
            if dmax <= Double.ulpOfOne * bmax { break }
        }
        return (b, illConditioned ? compensatedResiduals(y, b) : residuals(y, b))
    }

    /// y − X b in working precision (BLAS dgemv).
    func residuals(_ y: [Double], _ b: [Double]) -> [Double] {
        Self.residuals(x, y, b)
    }

    /// y − X b for any design X in working precision (BLAS dgemv).
    static func residuals(_ x: Matrix, _ y: [Double], _ b: [Double]) -> [Double] {
        let n = x.rows
        let k = x.columns
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

    /// y − X b with every product and sum carried in doubled precision.
    func compensatedResiduals(_ y: [Double], _ b: [Double]) -> [Double] {
        Self.compensatedResiduals(x, y, b)
    }

    /// y − X b for any design X with every product and sum carried in doubled precision
    /// (error-free transformations TwoProduct via FMA and TwoSum; Ogita–Rump–Oishi Dot2).
    static func compensatedResiduals(_ x: Matrix, _ y: [Double], _ b: [Double]) -> [Double] {
        let n = x.rows
        let k = x.columns
        var hi = y
        var lo = [Double](repeating: 0, count: n)
        // Four rows at a time in SIMD registers: the compiler does not vectorize the scalar loop
        // (it cannot prove that the two output buffers do not alias), and the error-free
        // transformations are elementwise, so lanes give exactly the scalar results.
        typealias V = SIMD4<Double>
        let width = V.scalarCount
        let body = n - n % width
        x.storage.withUnsafeBufferPointer { a in
            hi.withUnsafeMutableBufferPointer { h in
                lo.withUnsafeMutableBufferPointer { l in
                    let ap = UnsafeRawPointer(a.baseAddress!)
                    let hp = UnsafeMutableRawPointer(h.baseAddress!)
                    let lp = UnsafeMutableRawPointer(l.baseAddress!)
                    for j in 0..<k {
                        let bj = b[j]
                        let bv = V(repeating: bj)
                        let base = j * n
                        var i = 0
                        while i < body {
                            let off = i * MemoryLayout<Double>.stride
                            let xv = ap.loadUnaligned(
                                fromByteOffset: (base + i) * MemoryLayout<Double>.stride, as: V.self)
                            let hv = hp.loadUnaligned(fromByteOffset: off, as: V.self)
                            let lv = lp.loadUnaligned(fromByteOffset: off, as: V.self)
                            let p = xv * bv
                            let pe = (-p).addingProduct(xv, bv)
                            let s = hv - p
                            let bb = s - hv
                            let err = (hv - (s - bb)) + (-p - bb)
                            hp.storeBytes(of: s, toByteOffset: off, as: V.self)
                            lp.storeBytes(of: lv + (err - pe), toByteOffset: off, as: V.self)
                            i += width
                        }
                        for i in body..<n {
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

    /// R⁻¹ (k×k, upper triangular).
    func rInverse() throws -> Matrix {
        if let known = knownRInverse { return Matrix(uncheckedRows: k, columns: k, storage: known) }
        var rinv = r
        try LAPACK.trtriUpper(n: k, a: &rinv)
        return Matrix(uncheckedRows: k, columns: k, storage: rinv)
    }

    /// P·D⁻¹·M·D⁻¹·Pᵀ for a k×k matrix M in pivoted, scaled coordinates (exactly symmetrized).
    func toOriginalCoordinates(_ m: Matrix) -> Matrix {
        var out = Matrix(rows: k, columns: k)
        for j in 0..<k {
            for i in 0..<k {
                let pi = pivot[i]
                let pj = pivot[j]
                out[pi, pj] = 0.5 * (m[i, j] + m[j, i]) / (scale[pi] * scale[pj])
            }
        }
        return out
    }

    /// (XᵀX)⁻¹ in the original column order, from R⁻¹R⁻ᵀ of the scaled, pivoted factor.
    func xtxInverse() throws -> Matrix {
        let rinv = try rInverse()
        return toOriginalCoordinates(rinv.multiplied(by: rinv, transposeOther: true))
    }

    /// The thin Q factor (n×k) of the scaled, pivoted design: from the reflectors (dorgqr), or
    /// as X̃·R⁻¹ (dtrsm) on the tall-skinny path.
    func thinQ() throws -> Matrix {
        if let (factors, tau) = householder {
            return Matrix(
                uncheckedRows: n, columns: k, storage: try LAPACK.orgqr(m: n, n: k, k: k, a: factors, tau: tau))
        }
        var q = Matrix(rows: n, columns: k)
        x.storage.withUnsafeBufferPointer { src in
            q.storage.withUnsafeMutableBufferPointer { dst in
                for j in 0..<k {
                    let c = pivot[j]
                    let inv = 1 / scale[c]
                    for i in 0..<n { dst[j * n + i] = src[c * n + i] * inv }
                }
            }
        }
        r.withUnsafeBufferPointer { rr in
            q.storage.withUnsafeMutableBufferPointer { qq in
                LAPACK.trsmRightUpper(m: n, k: k, a: rr.baseAddress!, b: qq.baseAddress!)
            }
        }
        return q
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
        let rinv = try rInverse()
        return toOriginalCoordinates(rinv.multiplied(by: meat).multiplied(by: rinv, transposeOther: true))
    }

    /// Orthogonal projection of each column of `m` onto the column space of X (Q Qᵀ M).
    func project(_ m: Matrix) throws -> Matrix {
        if let (factors, tau) = householder {
            var c = m.storage
            try LAPACK.ormqr(transpose: true, m: n, k: k, a: factors, tau: tau, c: &c, columns: m.columns)
            for j in 0..<m.columns {
                for i in k..<max(k, n) { c[i + j * n] = 0 }
            }
            try LAPACK.ormqr(transpose: false, m: n, k: k, a: factors, tau: tau, c: &c, columns: m.columns)
            return Matrix(uncheckedRows: n, columns: m.columns, storage: c)
        }
        if factorization == .cholesky {
            // X·(XᵀX)⁻¹·XᵀM through R, without forming the n×k Q = X̃R⁻¹ (a copy of the design):
            // κ(X̃) ≤ 10² here, so the semi-normal projection is as accurate as Q·QᵀM.
            var c = x.multiplied(by: m, transposeSelf: true)
            for col in 0..<m.columns {
                let b = seminormalSolve(transposeProduct: Array(c.storage[(col * k)..<((col + 1) * k)]))
                c.storage.replaceSubrange((col * k)..<((col + 1) * k), with: b)
            }
            return x.multiplied(by: c)
        }
        let q = try thinQ()
        return q.multiplied(by: q.multiplied(by: m, transposeSelf: true))
    }
}

/// The rounding error of `a * b` given its rounded product `p` (exact: a·b = p + e).
@inline(__always)
func fmaError(_ a: Double, _ b: Double, _ p: Double) -> Double {
    (-p).addingProduct(a, b)
}
