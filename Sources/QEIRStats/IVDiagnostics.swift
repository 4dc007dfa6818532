import RealModule

/// Identification, over-identification and endogeneity diagnostics of a 2SLS fit.
struct Diagnostics {
    var firstStage: [FirstStage] = []
    var sargan: TestResult?
    var basmann: TestResult?
    var hansenJ: TestResult?
    var wuHausman: TestResult
    var durbin: TestResult
    var craggDonald: Double
    var kleibergenPaap: Double?

    // swiftlint:disable:next function_body_length
    init(
        y: [Double], exogenous w: DesignMatrix, endogenous x2: DesignMatrix, instruments z2: DesignMatrix,
        x: DesignMatrix, z: DesignMatrix, zqr: QRLeastSquares, residuals e: [Double], beta: [Double],
        covariance: CovarianceOptions, gmmCovariance: CovarianceOptions, debiased: Bool, bread: Matrix, xhat: Matrix
    ) throws {
        let n = y.count
        let k = x.count
        let kz = z.count
        let k1 = x2.count
        let l2 = z2.count
        let overid = l2 - k1
        let wqr: QRLeastSquares? = w.count > 0 ? try QRLeastSquares(w.matrix) : nil
        func partialled(_ m: Matrix) throws -> Matrix {
            guard let wqr else { return m }
            let p = try wqr.project(m)
            var r = m
            for i in 0..<r.storage.count { r.storage[i] -= p.storage[i] }
            return r
        }
        let xbar = try partialled(x2.matrix)  // M_W X₂
        let zbar = try partialled(z2.matrix)  // M_W Z₂
        let zConst = z.constantIndex

        // First stages: X₂ on Z.
        let zBread = try zqr.xtxInverse()
        var fsResiduals = Matrix(rows: n, columns: k1)
        let instrumentIdx = Array(w.count..<kz)
        let fsFactor = IV2SLS.factor(covariance, debiased: debiased, n: n, k: kz)
        var partialR2s: [Double] = []
        for j in 0..<k1 {
            let xj = x2.matrix.column(j)
            let (pi, v) = try zqr.solve(xj)
            for i in 0..<n { fsResiduals[i, j] = v[i] }
            var ssr = 0.0
            for r in v { ssr += r * r }
            let tss: Double
            if zConst != nil {
                let mean = xj.reduce(0, +) / Double(n)
                tss = xj.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
            } else {
                tss = xj.reduce(0) { $0 + $1 * $1 }
            }
            var ssrRestricted = 0.0
            for i in 0..<n { ssrRestricted += xbar[i, j] * xbar[i, j] }
            let partial = 1 - ssr / ssrRestricted
            partialR2s.append(partial)
            let scale = ssr / (debiased ? Double(n - kz) : Double(n))
            let cov = try LinearFit.covariance(
                covariance, x: z.matrix, residuals: v, bread: zBread, scale: scale, constantIndex: zConst,
                qr: zqr, factor: fsFactor)
            var r = Matrix(rows: l2, columns: kz)
            for (row, col) in instrumentIdx.enumerated() { r[row, col] = 1 }
            let wald = try WaldTest.compute(
                restriction: r, value: [Double](repeating: 0, count: l2), beta: pi, covariance: cov.matrix,
                dfResid: Double(n - kz))
            firstStage.append(
                FirstStage(
                    endogenous: x2.names[j], rSquared: 1 - ssr / tss, partialRSquared: partial, sheaRSquared: .nan,
                    test: covariance.kind == .nonrobust ? wald.f : wald.chiSquared,
                    coefficients: instrumentIdx.map { pi[$0] }))
        }
        // Shea partial R² (Godfrey 1999): [(XᵀX)⁻¹]ⱼⱼ / [(X̂ᵀX̂)⁻¹]ⱼⱼ for each endogenous column.
        let xqr = try QRLeastSquares(x.matrix)
        let olsBread = try xqr.xtxInverse()
        for j in 0..<k1 {
            let c = w.count + j
            let f = firstStage[j]
            firstStage[j] = FirstStage(
                endogenous: f.endogenous, rSquared: f.rSquared, partialRSquared: f.partialRSquared,
                sheaRSquared: olsBread[c, c] / bread[c, c], test: f.test, coefficients: f.coefficients)
        }

        // Over-identification.
        var eNorm = 0.0
        for v in e { eNorm += v * v }
        let pe = try zqr.project(Matrix(uncheckedRows: n, columns: 1, storage: e)).storage
        var ePe = 0.0
        for i in 0..<n { ePe += e[i] * pe[i] }
        if overid > 0 {
            sargan = TestResult(
                name: "Sargan", statistic: Double(n) * ePe / eNorm, distribution: .chiSquared(Double(overid)))
            basmann = TestResult(
                name: "Basmann", statistic: Double(n - kz) * ePe / (eNorm - ePe),
                distribution: .chiSquared(Double(overid)))
            hansenJ = try Self.hansenJ(
                y: y, x: x.matrix, z: z.matrix, e: e, covariance: gmmCovariance, constantIndex: zConst, df: overid)
        }

        // Endogeneity: control-function regression y on [X, V̂].
        let (_, er) = try xqr.solve(y)  // xqr: the QR of X factored for Shea's R² above
        let augmented = try QRLeastSquares(x.matrix.appendingColumns(fsResiduals))
        let (_, eu) = try augmented.solve(y)
        var ssrR = 0.0
        var ssrU = 0.0
        for i in 0..<n {
            ssrR += er[i] * er[i]
            ssrU += eu[i] * eu[i]
        }
        let dfU = Double(n - k - k1)
        wuHausman = TestResult(
            name: "Wu-Hausman", statistic: ((ssrR - ssrU) / Double(k1)) / (ssrU / dfU),
            distribution: .f(Double(k1), dfU))
        durbin = TestResult(
            name: "Durbin", statistic: Double(n) * (ssrR - ssrU) / ssrR, distribution: .chiSquared(Double(k1)))

        // Cragg–Donald: min eig(Σ_VV^{-1/2} X̄ᵀP_Z̄X̄ Σ_VV^{-1/2}) / L₂, Σ_VV = V̂ᵀV̂/(n − L).
        var pzx = Matrix(rows: n, columns: k1)  // P_Z̄ X̄ = P_Z X₂ − P_W X₂ = X̂₂ − (X₂ − X̄)
        for j in 0..<k1 {
            for i in 0..<n { pzx[i, j] = xhat[i, w.count + j] - (x2.matrix[i, j] - xbar[i, j]) }
        }
        let a = pzx.gram()
        var sigmaVV = fsResiduals.gram()
        for i in 0..<sigmaVV.storage.count { sigmaVV.storage[i] /= Double(n - kz) }
        let sInvHalf = try Self.inverseSquareRoot(sigmaVV)
        let g = sInvHalf.multiplied(by: a).multiplied(by: sInvHalf)
        craggDonald = (try g.symmetricEigenvalues().first ?? .nan) / Double(l2)

        if covariance.kind != .nonrobust {
            // ivreg2's scaling of the rk statistic into a Wald F: rk/L₂·(n − L)/n, and for
            // clusters rk/L₂·(n − L)/(n − 1)·(G − 1)/G. It does not depend on `debiased`.
            let (rk, groups) = try Self.kleibergenPaap(xbar: xbar, zbar: zbar, v: fsResiduals, covariance: covariance)
            let nd = Double(n)
            let nl = Double(n - kz)
            if let g = groups.map(Double.init) {
                kleibergenPaap = rk / Double(l2) * nl / (nd - 1) * (g - 1) / g
            } else {
                kleibergenPaap = rk / Double(l2) * nl / nd
            }
        }
    }

    /// Σ^{-1/2} of a symmetric positive-definite matrix by eigen-decomposition.
    static func inverseSquareRoot(_ s: Matrix) throws -> Matrix {
        try symmetricPower(s, power: -0.5)
    }

    static func symmetricPower(_ s: Matrix, power: Double) throws -> Matrix {
        let (values, vectors) = try s.symmetricEigen()
        var scaled = vectors
        let n = s.rows
        for j in 0..<n {
            let f = values[j] > 0 ? Double.pow(values[j], power) : (power > 0 ? 0 : .nan)
            for i in 0..<n { scaled[i, j] *= f }
        }
        return scaled.multiplied(by: vectors, transposeOther: true)
    }

    /// Hansen's J of two-step GMM with the weight matrix from 2SLS residuals: heteroskedasticity-
    /// robust for the classical and HC kinds (Hansen's J is robust by definition; Sargan is the
    /// classical one), Bartlett-kernel for HAC, cluster sums for clusters.
    static func hansenJ(
        y: [Double], x: Matrix, z: Matrix, e: [Double], covariance: CovarianceOptions, constantIndex: Int?, df: Int
    ) throws -> TestResult {
        let n = Double(y.count)
        // S = meat / n with scores zᵢeᵢ (classical: σ̂²ZᵀZ/n).
        var s: Matrix
        switch covariance.kind {
        case .hac:
            let u = Sandwich.scores(z, weights: e)
            let bw =
                try covariance.hacLags.map(Double.init)
                ?? (try Sandwich.neweyWestBandwidth(u, include: Array(0..<z.columns), standardize: true))
            s = Sandwich.hacMeat(u, bandwidth: bw)
            for i in 0..<s.storage.count { s.storage[i] /= n }
        case .cluster:
            let u = Sandwich.scores(z, weights: e)
            s = Sandwich.clusterMeat(u, groups: covariance.clusters ?? []).meat
            for i in 0..<s.storage.count { s.storage[i] /= n }
        default:
            s = Sandwich.weightedGram(z, weights: e)  // Σ eᵢ²zᵢzᵢᵀ without an n×L scores copy
            for i in 0..<s.storage.count { s.storage[i] /= n }
        }
        let wInv = try s.symmetricPositiveDefiniteInverse(name: "GMM moment covariance S")
        let zx = z.multiplied(by: x, transposeSelf: true)  // ZᵀX
        let zy = z.transposeMultiplied(by: y)
        let xzw = zx.multiplied(by: wInv, transposeSelf: true)  // XᵀZ W
        let lhs = xzw.multiplied(by: zx)
        let rhs = xzw.multiplied(by: zy)
        let lhsInv = try lhs.symmetricPositiveDefiniteInverse(name: "GMM normal matrix XᵀZ·W·ZᵀX")
        let bGMM = lhsInv.multiplied(by: rhs)
        var resid = y
        let fit = x.multiplied(by: bGMM)
        for i in 0..<resid.count { resid[i] -= fit[i] }
        var gbar = z.transposeMultiplied(by: resid)
        for i in 0..<gbar.count { gbar[i] /= n }
        let wg = wInv.multiplied(by: gbar)
        var j = 0.0
        for i in 0..<gbar.count { j += gbar[i] * wg[i] }
        return TestResult(name: "Hansen J", statistic: n * j, distribution: .chiSquared(Double(df)))
    }

    /// Kleibergen–Paap (2006) rk Wald statistic for H₀: rank(Π) = K₁ − 1, with Π the L₂×K₁
    /// first-stage coefficients of X̄ on Z̄ (both partialled on W), normalized as in Stata's
    /// `ranktest` (Θ = F·Π·G⁻¹, F = chol(Z̄ᵀZ̄), G = chol(X̄ᵀX̄)), and a robust covariance of
    /// vec(Π) of the model's kind.
    static func kleibergenPaap(
        xbar: Matrix, zbar: Matrix, v: Matrix, covariance: CovarianceOptions
    ) throws -> (rk: Double, clusters: Int?) {
        let n = xbar.rows
        let k = xbar.columns
        let l = zbar.columns
        let zz = zbar.gram()
        let zzInv = try zz.symmetricPositiveDefiniteInverse(name: "partialled instrument cross-product")
        let pi = zzInv.multiplied(by: zbar.multiplied(by: xbar, transposeSelf: true))  // L×K
        let fMat = try zz.choleskyUpper(name: "partialled instrument cross-product")
        let gMat = try xbar.gram().choleskyUpper(name: "partialled endogenous cross-product")
        let gInv = try gMat.upperTriangularInverse()
        let theta = fMat.multiplied(by: pi).multiplied(by: gInv)  // L×K
        let (u, _, vt) = try theta.singularValueDecomposition()
        // a_qq = U[:, K−1..<L] · (U₂₂⁻¹ · (U₂₂U₂₂ᵀ)^{1/2}), b_qq = sign(v_KK)·(last column of V)ᵀ.
        let tail = Array((k - 1)..<l)
        let u2 = u.selectingColumns(tail)  // L×(L−K+1)
        let u22 = u2.selectingRows(tail)  // (L−K+1)²
        let root = try symmetricPower(u22.multiplied(by: u22, transposeOther: true), power: 0.5)
        let u22Inv = try Self.generalInverse(u22)
        let aqq = u2.multiplied(by: u22Inv.multiplied(by: root))  // L×(L−K+1)
        let vKK = vt[k - 1, k - 1]
        let sign: Double = vKK >= 0 ? 1 : -1
        let bqq = (0..<k).map { sign * vt[k - 1, $0] }  // K: the last column of V
        // λ = a_qqᵀ Θ b_qqᵀ  (= (b_qq ⊗ a_qqᵀ) vec Θ).
        let lambda = aqq.transposed.multiplied(by: theta.multiplied(by: bqq))
        let m = lambda.count
        let kron = kronecker(row: bqq, aqq.transposed)  // m × (K·L)
        // Robust covariance of vec(Π): (I⊗(Z̄ᵀZ̄)⁻¹) Ω (I⊗(Z̄ᵀZ̄)⁻¹), Ω from scores v_ik·z̄_il.
        var scores = Matrix(rows: n, columns: k * l)
        for kk in 0..<k {
            for ll in 0..<l {
                for i in 0..<n { scores[i, kk * l + ll] = v[i, kk] * zbar[i, ll] }
            }
        }
        let omega: Matrix
        var clusterCount: Int? = nil
        switch covariance.kind {
        case .hac:
            let bw =
                try covariance.hacLags.map(Double.init)
                ?? (try Sandwich.neweyWestBandwidth(scores, include: Array(0..<(k * l))))
            omega = Sandwich.hacMeat(scores, bandwidth: bw)
        case .cluster:
            let c = Sandwich.clusterMeat(scores, groups: covariance.clusters ?? [])
            omega = c.meat
            clusterCount = c.groups
        default:
            omega = scores.gram()
        }
        let blockInv = kroneckerIdentity(k, zzInv)
        let vPi = blockInv.multiplied(by: omega).multiplied(by: blockInv)
        // vec(FΠG⁻¹) = (G⁻ᵀ ⊗ F) vec Π.
        let t = kronecker(gInv.transposed, fMat)
        let vTheta = t.multiplied(by: vPi).multiplied(by: t, transposeOther: true)
        let vlab = kron.multiplied(by: vTheta).multiplied(by: kron, transposeOther: true)
        let vlabInv = try vlab.symmetricPositiveDefiniteInverse(name: "rank-test covariance")
        let q = vlabInv.multiplied(by: lambda)
        var rk = 0.0
        for i in 0..<m { rk += lambda[i] * q[i] }
        return (rk, clusterCount)
    }

    static func generalInverse(_ a: Matrix) throws -> Matrix {
        // Small square matrix inverse via SVD (U₂₂ is square and, generically, non-singular).
        let (u, s, vt) = try a.singularValueDecomposition()
        var vs = vt.transposed
        for j in 0..<s.count {
            let inv = s[j] > 0 ? 1 / s[j] : 0
            for i in 0..<vs.rows { vs[i, j] *= inv }
        }
        return vs.multiplied(by: u, transposeOther: true)
    }

    static func kronecker(_ a: Matrix, _ b: Matrix) -> Matrix {
        var out = Matrix(rows: a.rows * b.rows, columns: a.columns * b.columns)
        for ja in 0..<a.columns {
            for ia in 0..<a.rows {
                let s = a[ia, ja]
                if s == 0 { continue }
                for jb in 0..<b.columns {
                    for ib in 0..<b.rows { out[ia * b.rows + ib, ja * b.columns + jb] = s * b[ib, jb] }
                }
            }
        }
        return out
    }

    static func kronecker(row: [Double], _ b: Matrix) -> Matrix {
        kronecker(Matrix(uncheckedRows: 1, columns: row.count, storage: row), b)
    }

    static func kroneckerIdentity(_ k: Int, _ b: Matrix) -> Matrix {
        kronecker(Matrix.identity(k), b)
    }
}
