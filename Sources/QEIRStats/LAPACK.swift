internal import CQEIRLapack

// The only file of QEIRStats that calls BLAS/LAPACK (plus BLASThreads.swift). Every routine
// works on column-major buffers with leading dimension = rows. LAPACK calls are never placed
// inside `precondition` or `assert` (they would be skipped under -Ounchecked): their `info`
// is always checked and turned into a StatsError naming the routine.

enum LAPACK {
    /// A workspace of `count` doubles, not zero-filled (LAPACK writes before it reads).
    @inline(__always)
    static func workspace(_ count: Int) -> [Double] {
        [Double](unsafeUninitializedCapacity: max(1, count)) { _, n in n = max(1, count) }
    }

    /// Pivoted QR (dgeqp3) of the m×n matrix in `a`, in place. `jpvt` gets 0-based pivots.
    static func geqp3(m: Int, n: Int, a: inout [Double], jpvt: inout [Int], tau: inout [Double]) throws {
        var piv = [qeir_int](repeating: 0, count: n)
        tau = [Double](repeating: 0, count: min(m, n))
        var query = 0.0
        var info = qeir_dgeqp3(qeir_int(m), qeir_int(n), &a, qeir_int(max(1, m)), &piv, &tau, &query, -1)
        guard info == 0 else { throw StatsError.lapack("dgeqp3", info: Int(info)) }
        var work = workspace(Int(query))
        info = qeir_dgeqp3(
            qeir_int(m), qeir_int(n), &a, qeir_int(max(1, m)), &piv, &tau, &work, qeir_int(work.count))
        guard info == 0 else { throw StatsError.lapack("dgeqp3", info: Int(info)) }
        jpvt = piv.map { Int($0) - 1 }
    }

    /// Unpivoted QR (dgeqrf) of the m×n matrix in `a`, in place.
    static func geqrf(m: Int, n: Int, a: inout [Double], tau: inout [Double]) throws {
        tau = [Double](repeating: 0, count: min(m, n))
        var query = 0.0
        var info = qeir_dgeqrf(qeir_int(m), qeir_int(n), &a, qeir_int(max(1, m)), &tau, &query, -1)
        guard info == 0 else { throw StatsError.lapack("dgeqrf", info: Int(info)) }
        var work = workspace(Int(query))
        info = qeir_dgeqrf(qeir_int(m), qeir_int(n), &a, qeir_int(max(1, m)), &tau, &work, qeir_int(work.count))
        guard info == 0 else { throw StatsError.lapack("dgeqrf", info: Int(info)) }
    }

    /// C := Q'·C (transpose) or Q·C, with Q from geqp3/geqrf (first `k` reflectors of `a`, m rows).
    ///
    /// LAPACK's unblocked dorm2r temporarily writes 1 into each diagonal element of the
    /// reflector matrix (and restores it), although LAPACKE declares it `const`. Passing a shared
    /// array would race when fits run concurrently (seen as wrong bootstrap replicates under
    /// load), so the reflectors are copied into a private buffer first.
    static func ormqr(
        transpose: Bool, m: Int, k: Int, a: [Double], tau: [Double], c: inout [Double], columns n: Int
    ) throws {
        var reflectors = [Double](unsafeUninitializedCapacity: m * k) { buf, count in
            a.withUnsafeBufferPointer { src in
                _ = buf.initialize(from: src[0..<(m * k)])
            }
            count = m * k
        }
        // One or two right-hand sides: the unblocked path (lwork = n) is fastest and needs no query.
        var query = Double(max(1, n))
        var info: qeir_int = 0
        if n > 2 {
            info = qeir_dormqr(
                transpose ? 1 : 0, qeir_int(m), qeir_int(n), qeir_int(k), &reflectors, qeir_int(max(1, m)), tau, &c,
                qeir_int(max(1, m)), &query, -1)
            guard info == 0 else { throw StatsError.lapack("dormqr", info: Int(info)) }
        }
        var work = workspace(Int(query))
        info = qeir_dormqr(
            transpose ? 1 : 0, qeir_int(m), qeir_int(n), qeir_int(k), &reflectors, qeir_int(max(1, m)), tau, &c,
            qeir_int(max(1, m)), &work, qeir_int(work.count))
        guard info == 0 else { throw StatsError.lapack("dormqr", info: Int(info)) }
    }

    /// The first `n` columns of Q (m×n) from the first `k` reflectors of `a`, returned.
    static func orgqr(m: Int, n: Int, k: Int, a: [Double], tau: [Double]) throws -> [Double] {
        var q = Array(a[0..<(m * n)])
        var query = 0.0
        var info = qeir_dorgqr(qeir_int(m), qeir_int(n), qeir_int(k), &q, qeir_int(max(1, m)), tau, &query, -1)
        guard info == 0 else { throw StatsError.lapack("dorgqr", info: Int(info)) }
        var work = workspace(Int(query))
        info = qeir_dorgqr(
            qeir_int(m), qeir_int(n), qeir_int(k), &q, qeir_int(max(1, m)), tau, &work, qeir_int(work.count))
        guard info == 0 else { throw StatsError.lapack("dorgqr", info: Int(info)) }
        return q
    }

    /// Updates the k×k upper triangular `r` (leading dimension k) with the QR of [r; B], B the
    /// m×k block in `block` (dtpqrt with block size `nb`). `block` is overwritten.
    static func tpqrt(
        k: Int, r: inout [Double], block: inout [Double], rows m: Int, nb: Int, t: inout [Double], work: inout [Double]
    )
        throws
    {
        let info = qeir_dtpqrt(
            qeir_int(m), qeir_int(k), qeir_int(nb), &r, qeir_int(max(1, k)), &block, qeir_int(max(1, m)), &t,
            qeir_int(max(1, nb)), &work)
        guard info == 0 else { throw StatsError.lapack("dtpqrt", info: Int(info)) }
    }

    /// B := B·A⁻¹ (A upper triangular k×k, B m×k), in place.
    static func trsmRightUpper(m: Int, k: Int, a: UnsafePointer<Double>, b: UnsafeMutablePointer<Double>) {
        guard m > 0, k > 0 else { return }
        qeir_dtrsm_right_upper(0, Int32(m), Int32(k), 1, a, Int32(k), b, Int32(m))
    }

    /// In-place inverse of the n×n upper triangular matrix `a` (dtrtri).
    static func trtriUpper(n: Int, a: inout [Double]) throws {
        let info = qeir_dtrtri_upper(qeir_int(n), &a, qeir_int(max(1, n)))
        guard info == 0 else { throw StatsError.lapack("dtrtri", info: Int(info)) }
    }

    /// Cholesky factor (upper) in place; returns false when not positive definite.
    static func potrfUpper(n: Int, a: inout [Double]) throws -> Bool {
        let info = qeir_dpotrf_upper(qeir_int(n), &a, qeir_int(max(1, n)))
        if info > 0 { return false }
        guard info == 0 else { throw StatsError.lapack("dpotrf", info: Int(info)) }
        return true
    }

    /// Inverse from an upper Cholesky factor, in place (upper triangle filled).
    static func potriUpper(n: Int, a: inout [Double]) throws {
        let info = qeir_dpotri_upper(qeir_int(n), &a, qeir_int(max(1, n)))
        guard info == 0 else { throw StatsError.lapack("dpotri", info: Int(info)) }
    }

    /// Eigenvalues (ascending) and, optionally, eigenvectors (in `a`) of a symmetric matrix.
    static func syev(n: Int, a: inout [Double], vectors: Bool) throws -> [Double] {
        var w = [Double](repeating: 0, count: n)
        var query = 0.0
        var info = qeir_dsyev(vectors ? 1 : 0, qeir_int(n), &a, qeir_int(max(1, n)), &w, &query, -1)
        guard info == 0 else { throw StatsError.lapack("dsyev", info: Int(info)) }
        var work = workspace(Int(query))
        info = qeir_dsyev(vectors ? 1 : 0, qeir_int(n), &a, qeir_int(max(1, n)), &w, &work, qeir_int(work.count))
        guard info == 0 else { throw StatsError.lapack("dsyev", info: Int(info)) }
        return w
    }

    /// C := alpha·op(A)·op(B) + beta·C for column-major buffers.
    static func gemm(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Double,
        a: UnsafePointer<Double>, lda: Int, b: UnsafePointer<Double>, ldb: Int,
        beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int
    ) {
        guard m > 0, n > 0 else { return }
        qeir_dgemm(
            transA ? 1 : 0, transB ? 1 : 0, Int32(m), Int32(n), Int32(k), alpha, a, Int32(max(1, lda)),
            b, Int32(max(1, ldb)), beta, c, Int32(max(1, ldc)))
    }

    /// C := alpha·A'·A + beta·C (upper triangle only), A is k×n with leading dimension lda.
    static func syrkTransposed(
        n: Int, k: Int, alpha: Double, a: UnsafePointer<Double>, lda: Int, beta: Double,
        c: UnsafeMutablePointer<Double>, ldc: Int
    ) {
        guard n > 0 else { return }
        qeir_dsyrk(1, Int32(n), Int32(k), alpha, a, Int32(max(1, lda)), beta, c, Int32(max(1, ldc)))
    }

    /// y := alpha·op(A)·x + beta·y.
    static func gemv(
        transpose: Bool, m: Int, n: Int, alpha: Double, a: UnsafePointer<Double>, lda: Int,
        x: UnsafePointer<Double>, beta: Double, y: UnsafeMutablePointer<Double>
    ) {
        guard m > 0, n > 0 else { return }
        qeir_dgemv(transpose ? 1 : 0, Int32(m), Int32(n), alpha, a, Int32(max(1, lda)), x, 1, beta, y, 1)
    }
}

extension Matrix {
    /// The product `op(self) · op(other)` computed with BLAS dgemm.
    /// - Parameters:
    ///   - other: right factor.
    ///   - transposeSelf: use `selfᵀ`.
    ///   - transposeOther: use `otherᵀ`.
    public func multiplied(
        by other: Matrix, transposeSelf: Bool = false, transposeOther: Bool = false
    ) -> Matrix {
        let m = transposeSelf ? columns : rows
        let k = transposeSelf ? rows : columns
        let k2 = transposeOther ? other.columns : other.rows
        let n = transposeOther ? other.rows : other.columns
        precondition(k == k2, "Matrix product: inner dimensions \(k) and \(k2) differ")
        if k == 0 || m == 0 || n == 0 { return Matrix(rows: m, columns: n) }
        // dgemm with beta = 0 writes every element of C without reading it, so the output is not
        // zero-filled first (on n-row products that memset costs as much as a pass of the gemm).
        let storage = [Double](unsafeUninitializedCapacity: m * n) { cc, count in
            self.storage.withUnsafeBufferPointer { a in
                other.storage.withUnsafeBufferPointer { b in
                    LAPACK.gemm(
                        transA: transposeSelf, transB: transposeOther, m: m, n: n, k: k, alpha: 1,
                        a: a.baseAddress!, lda: rows, b: b.baseAddress!, ldb: other.rows, beta: 0,
                        c: cc.baseAddress!, ldc: m)
                }
            }
            count = m * n
        }
        return Matrix(uncheckedRows: m, columns: n, storage: storage)
    }

    /// `selfᵀ · self` (symmetric, both triangles filled) via dsyrk.
    public func gram() -> Matrix {
        var c = Matrix(rows: columns, columns: columns)
        if rows > 0 && columns > 0 {
            storage.withUnsafeBufferPointer { a in
                c.storage.withUnsafeMutableBufferPointer { cc in
                    LAPACK.syrkTransposed(
                        n: columns, k: rows, alpha: 1, a: a.baseAddress!, lda: rows, beta: 0,
                        c: cc.baseAddress!, ldc: columns)
                }
            }
        }
        c.symmetrizeFromUpper()
        return c
    }

    /// `self · x` for a vector `x`.
    public func multiplied(by x: [Double]) -> [Double] {
        precondition(x.count == columns, "Matrix-vector product: sizes differ")
        var y = [Double](repeating: 0, count: rows)
        if rows == 0 || columns == 0 { return y }
        storage.withUnsafeBufferPointer { a in
            x.withUnsafeBufferPointer { xx in
                y.withUnsafeMutableBufferPointer { yy in
                    LAPACK.gemv(
                        transpose: false, m: rows, n: columns, alpha: 1, a: a.baseAddress!, lda: rows,
                        x: xx.baseAddress!, beta: 0, y: yy.baseAddress!)
                }
            }
        }
        return y
    }

    /// `selfᵀ · x` for a vector `x`.
    public func transposeMultiplied(by x: [Double]) -> [Double] {
        precondition(x.count == rows, "Matrix-vector product: sizes differ")
        var y = [Double](repeating: 0, count: columns)
        if rows == 0 || columns == 0 { return y }
        storage.withUnsafeBufferPointer { a in
            x.withUnsafeBufferPointer { xx in
                y.withUnsafeMutableBufferPointer { yy in
                    LAPACK.gemv(
                        transpose: true, m: rows, n: columns, alpha: 1, a: a.baseAddress!, lda: rows,
                        x: xx.baseAddress!, beta: 0, y: yy.baseAddress!)
                }
            }
        }
        return y
    }

    /// Copies the upper triangle onto the lower one.
    mutating func symmetrizeFromUpper() {
        let n = rows
        for j in 0..<n {
            for i in (j + 1)..<max(j + 1, n) { storage[i + j * n] = storage[j + i * n] }
        }
    }

    /// Inverse of a symmetric positive-definite matrix (Cholesky: dpotrf + dpotri).
    /// - Parameter name: what the matrix is, for the error message.
    /// - Throws: ``StatsError/Code/singularMatrix`` when it is not positive definite.
    public func symmetricPositiveDefiniteInverse(name: String = "matrix") throws -> Matrix {
        precondition(rows == columns, "inverse of a non-square matrix")
        var a = storage
        guard try LAPACK.potrfUpper(n: rows, a: &a) else {
            throw StatsError(
                .singularMatrix,
                "The \(name) is singular or not positive definite, so it cannot be inverted; "
                    + "check for redundant restrictions or collinear columns.", context: ["matrix": name])
        }
        try LAPACK.potriUpper(n: rows, a: &a)
        var m = Matrix(uncheckedRows: rows, columns: rows, storage: a)
        m.symmetrizeFromUpper()
        return m
    }

    /// Eigenvalues of a symmetric matrix in ascending order (dsyev).
    public func symmetricEigenvalues() throws -> [Double] {
        precondition(rows == columns, "eigenvalues of a non-square matrix")
        var a = storage
        return try LAPACK.syev(n: rows, a: &a, vectors: false)
    }

    /// Eigen-decomposition of a symmetric matrix: ascending eigenvalues and the matrix whose
    /// columns are the matching orthonormal eigenvectors (dsyev).
    public func symmetricEigen() throws -> (values: [Double], vectors: Matrix) {
        precondition(rows == columns, "eigen-decomposition of a non-square matrix")
        var a = storage
        let w = try LAPACK.syev(n: rows, a: &a, vectors: true)
        return (w, Matrix(uncheckedRows: rows, columns: rows, storage: a))
    }
}

extension LAPACK {
    /// Full SVD (dgesvd, jobu = jobvt = 'A') of an m×n matrix: U (m×m), singular values, Vᵀ (n×n).
    static func svd(m: Int, n: Int, a: [Double]) throws -> (u: [Double], s: [Double], vt: [Double]) {
        var a = a
        var s = [Double](repeating: 0, count: min(m, n))
        var u = [Double](repeating: 0, count: m * m)
        var vt = [Double](repeating: 0, count: n * n)
        var query = 0.0
        var info = qeir_dgesvd(
            CChar(UInt8(ascii: "A")), CChar(UInt8(ascii: "A")), qeir_int(m), qeir_int(n), &a, qeir_int(max(1, m)),
            &s, &u, qeir_int(max(1, m)), &vt, qeir_int(max(1, n)), &query, -1)
        guard info == 0 else { throw StatsError.lapack("dgesvd", info: Int(info)) }
        var work = workspace(Int(query))
        info = qeir_dgesvd(
            CChar(UInt8(ascii: "A")), CChar(UInt8(ascii: "A")), qeir_int(m), qeir_int(n), &a, qeir_int(max(1, m)),
            &s, &u, qeir_int(max(1, m)), &vt, qeir_int(max(1, n)), &work, qeir_int(work.count))
        guard info == 0 else { throw StatsError.lapack("dgesvd", info: Int(info)) }
        return (u, s, vt)
    }
}

extension LAPACK {
    /// Eigenvalues of a general real n×n matrix (dgeev): real and imaginary parts.
    static func geevValues(n: Int, a: [Double]) throws -> (real: [Double], imaginary: [Double]) {
        var a = a
        var wr = [Double](repeating: 0, count: n)
        var wi = [Double](repeating: 0, count: n)
        var query = 0.0
        var info = qeir_dgeev_values(qeir_int(n), &a, qeir_int(max(1, n)), &wr, &wi, &query, -1)
        guard info == 0 else { throw StatsError.lapack("dgeev", info: Int(info)) }
        var work = workspace(Int(query))
        info = qeir_dgeev_values(qeir_int(n), &a, qeir_int(max(1, n)), &wr, &wi, &work, qeir_int(work.count))
        guard info == 0 else { throw StatsError.lapack("dgeev", info: Int(info)) }
        return (wr, wi)
    }
}

extension Matrix {
    /// Full singular value decomposition A = U·diag(s)·Vᵀ (dgesvd).
    public func singularValueDecomposition() throws -> (u: Matrix, singularValues: [Double], vt: Matrix) {
        let (u, s, vt) = try LAPACK.svd(m: rows, n: columns, a: storage)
        return (
            Matrix(uncheckedRows: rows, columns: rows, storage: u), s,
            Matrix(uncheckedRows: columns, columns: columns, storage: vt)
        )
    }

    /// Upper Cholesky factor U with UᵀU = self.
    /// - Throws: ``StatsError/Code/singularMatrix`` when not positive definite.
    public func choleskyUpper(name: String = "matrix") throws -> Matrix {
        var a = storage
        guard try LAPACK.potrfUpper(n: rows, a: &a) else {
            throw StatsError(
                .singularMatrix, "The \(name) is not positive definite, so it has no Cholesky factor.",
                context: ["matrix": name])
        }
        var m = Matrix(uncheckedRows: rows, columns: rows, storage: a)
        for j in 0..<rows {
            for i in (j + 1)..<max(j + 1, rows) { m[i, j] = 0 }
        }
        return m
    }

    /// The inverse of an upper triangular matrix (dtrtri).
    public func upperTriangularInverse() throws -> Matrix {
        var a = storage
        try LAPACK.trtriUpper(n: rows, a: &a)
        var m = Matrix(uncheckedRows: rows, columns: rows, storage: a)
        for j in 0..<rows {
            for i in (j + 1)..<max(j + 1, rows) { m[i, j] = 0 }
        }
        return m
    }
}
