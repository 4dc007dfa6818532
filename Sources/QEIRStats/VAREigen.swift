import RealModule

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
    static func companion(coefficients b: Matrix, k: Int, lags: Int, deterministic d: Int) -> [VAREigenvalue] {
        let n = k * lags
        guard n > 0 else { return [] }
        var f = Matrix(rows: n, columns: n)
        for e in 0..<k {
            for c in 0..<n { f[e, c] = b[d + c, e] }
        }
        for i in k..<max(k, n) { f[i, i - k] = 1 }
        return eigenvalues(of: f).sorted {
            let (m0, m1) = ($0.modulus, $1.modulus)
            return m0 != m1 ? m0 > m1 : $0.imaginary > $1.imaginary
        }
    }

    /// The eigenvalues of a general real square matrix: Householder reduction to upper
    /// Hessenberg form, then Francis implicit double-shift QR iterations with deflation on the
    /// active block (Golub & Van Loan 2013, *Matrix Computations*, 4th ed., Algorithms 7.4.2
    /// and 7.5.1). Only eigenvalues are needed, so transformations are confined to the active
    /// block. Written here because the LAPACK shim exposes no nonsymmetric eigensolver
    /// (`dgeev`).
    static func eigenvalues(of a: Matrix) -> [VAREigenvalue] {
        let n = a.rows
        var h = a
        // Hessenberg reduction.
        if n > 2 {
            for c in 0..<(n - 2) {
                var v = (c + 1..<n).map { h[$0, c] }
                let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
                if norm == 0 { continue }
                v[0] += v[0] >= 0 ? norm : -norm
                let vv = v.reduce(0) { $0 + $1 * $1 }
                for col in c..<n {
                    var s = 0.0
                    for (r, vr) in v.enumerated() { s += vr * h[c + 1 + r, col] }
                    s *= 2 / vv
                    for (r, vr) in v.enumerated() { h[c + 1 + r, col] -= s * vr }
                }
                for row in 0..<n {
                    var s = 0.0
                    for (r, vr) in v.enumerated() { s += vr * h[row, c + 1 + r] }
                    s *= 2 / vv
                    for (r, vr) in v.enumerated() { h[row, c + 1 + r] -= s * vr }
                }
                for r in (c + 2)..<n { h[r, c] = 0 }
            }
        }
        var result: [VAREigenvalue] = []
        var hi = n - 1
        var iterations = 0
        while hi >= 0 {
            // Find the start of the active unreduced block.
            var lo = hi
            while lo > 0 {
                let s = abs(h[lo - 1, lo - 1]) + abs(h[lo, lo])
                if abs(h[lo, lo - 1]) <= Double.ulpOfOne * (s == 0 ? 1 : s) {
                    h[lo, lo - 1] = 0
                    break
                }
                lo -= 1
            }
            if lo == hi {
                result.append(VAREigenvalue(real: h[hi, hi], imaginary: 0))
                hi -= 1
                iterations = 0
                continue
            }
            if lo == hi - 1 {
                result.append(contentsOf: twoByTwo(h[hi - 1, hi - 1], h[hi - 1, hi], h[hi, hi - 1], h[hi, hi]))
                hi -= 2
                iterations = 0
                continue
            }
            iterations += 1
            if iterations > 100 * n {
                // Not converged (never observed for companion matrices): report NaNs honestly.
                for _ in lo...hi { result.append(VAREigenvalue(real: .nan, imaginary: .nan)) }
                hi = lo - 1
                continue
            }
            francisStep(&h, lo: lo, hi: hi, exceptional: iterations % 11 == 10)
        }
        return result
    }

    /// The eigenvalues of [[a, b], [c, d]], computed without cancellation.
    static func twoByTwo(_ a: Double, _ b: Double, _ c: Double, _ d: Double) -> [VAREigenvalue] {
        let mean = (a + d) / 2
        let half = (a - d) / 2
        let disc = half * half + b * c
        if disc >= 0 {
            let root = disc.squareRoot()
            let l1 = mean + (half >= 0 ? root : -root)
            let det = a * d - b * c
            let l2 = l1 != 0 ? det / l1 : mean - (half >= 0 ? root : -root)
            return [VAREigenvalue(real: l1, imaginary: 0), VAREigenvalue(real: l2, imaginary: 0)]
        }
        let im = (-disc).squareRoot()
        return [VAREigenvalue(real: mean, imaginary: im), VAREigenvalue(real: mean, imaginary: -im)]
    }

    /// One implicit double-shift QR step on the unreduced Hessenberg block lo…hi.
    static func francisStep(_ h: inout Matrix, lo: Int, hi: Int, exceptional: Bool) {
        var s: Double
        var t: Double
        if exceptional {
            let w = abs(h[hi, hi - 1]) + abs(h[hi - 1, hi - 2])
            s = 1.5 * w
            t = w * w
        } else {
            s = h[hi - 1, hi - 1] + h[hi, hi]
            t = h[hi - 1, hi - 1] * h[hi, hi] - h[hi - 1, hi] * h[hi, hi - 1]
        }
        var x = h[lo, lo] * h[lo, lo] + h[lo, lo + 1] * h[lo + 1, lo] - s * h[lo, lo] + t
        var y = h[lo + 1, lo] * (h[lo, lo] + h[lo + 1, lo + 1] - s)
        var z = h[lo + 1, lo] * h[lo + 2, lo + 1]
        for kk in lo...(hi - 1) {
            let size = kk < hi - 1 ? 3 : 2
            var v = size == 3 ? [x, y, z] : [x, y]
            let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
            if norm > 0 {
                v[0] += v[0] >= 0 ? norm : -norm
                let vv = v.reduce(0) { $0 + $1 * $1 }
                for col in max(lo, kk - 1)...hi {
                    var dot = 0.0
                    for r in 0..<size { dot += v[r] * h[kk + r, col] }
                    dot *= 2 / vv
                    for r in 0..<size { h[kk + r, col] -= dot * v[r] }
                }
                for row in lo...min(kk + 3, hi) {
                    var dot = 0.0
                    for r in 0..<size { dot += v[r] * h[row, kk + r] }
                    dot *= 2 / vv
                    for r in 0..<size { h[row, kk + r] -= dot * v[r] }
                }
            }
            if kk < hi - 1 {
                x = h[kk + 1, kk]
                y = h[kk + 2, kk]
                if kk < hi - 2 { z = h[kk + 3, kk] }
            }
        }
        // Clean the bulge's round-off below the subdiagonal.
        for c in lo..<hi {
            for r in (c + 2)...max(c + 2, hi) where r <= hi { h[r, c] = 0 }
        }
    }
}
