/// An eigenvalue λ = a + bi of a VAR's companion matrix.
public struct VAREigenvalue: Sendable, Hashable, Codable {
    /// The real part a.
    public let real: Double
    /// The imaginary part b.
    public let imaginary: Double
    /// |λ| = √(a² + b²).
    public var modulus: Double { (real * real + imaginary * imaginary).squareRoot() }

    /// Creates an eigenvalue.
    public init(real: Double, imaginary: Double) {
        self.real = real
        self.imaginary = imaginary
    }

    /// Eigenvalues of the companion matrix
    /// F = [A₁ A₂ … Aₚ; I 0 … 0; …; 0 … I 0] (kp×kp), sorted by decreasing modulus, then by
    /// decreasing imaginary part.
    static func companion(coefficients b: Matrix, k: Int, lags: Int, deterministic d: Int) throws -> [VAREigenvalue] {
        let n = k * lags
        guard n > 0 else { return [] }
        var f = Matrix(rows: n, columns: n)
        for e in 0..<k {
            for c in 0..<n { f[e, c] = b[d + c, e] }
        }
        for i in k..<max(k, n) { f[i, i - k] = 1 }
        return try eigenvalues(of: f).sorted {
            let (m0, m1) = ($0.modulus, $1.modulus)
            return m0 != m1 ? m0 > m1 : $0.imaginary > $1.imaginary
        }
    }

    /// The eigenvalues of a general real square matrix (LAPACK dgeev: Hessenberg reduction and
    /// the Francis double-shift QR algorithm).
    static func eigenvalues(of a: Matrix) throws -> [VAREigenvalue] {
        let (wr, wi) = try LAPACK.geevValues(n: a.rows, a: a.storage)
        return zip(wr, wi).map { VAREigenvalue(real: $0, imaginary: $1) }
    }
}
