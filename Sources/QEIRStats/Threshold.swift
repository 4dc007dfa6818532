import RealModule

/// How the threshold model's inference treats the error variance.
public enum ThresholdCovariance: String, Sendable, Hashable, Codable, CaseIterable {
    /// Homoskedastic errors: classical SEs, LR interval with η² = 1, homoskedastic sup statistics.
    case homoskedastic
    /// Heteroskedastic errors: HC1 SEs, Hansen's (2000) η²-corrected LR interval,
    /// heteroskedasticity-robust sup statistics.
    case heteroskedastic
}

/// The test statistic of "no threshold".
public enum ThresholdTestStatistic: String, Sendable, Hashable, Codable, CaseIterable {
    /// sup over γ of the F (homoskedastic: n·(S₀ − S(γ))/S(γ)) or of the HC Wald statistic of
    /// β₁ = β₂ (heteroskedastic).
    case supF = "sup_f"
    /// sup over γ of the LM statistic (homoskedastic: n·(S₀ − S(γ))/S₀; heteroskedastic: the
    /// robust score statistic with null-model residuals, Hansen 1996).
    case supLM = "sup_lm"
}

/// Options of a threshold regression.
public struct ThresholdOptions: Sendable, Hashable {
    /// Fraction of observations trimmed from each end of the sorted threshold variable (Hansen's π).
    /// Trimming restricts the candidates of the sup test (and of γ̂ with ``ThresholdGrid/trimmed``),
    /// never the LR interval.
    public var trim: Double = 0.15
    /// Smallest number of observations in a regime, for every split considered (the LR profile
    /// and interval, the candidates); `nil` means the number of regressors k + 1, the floor:
    /// a smaller value is rejected.
    public var minimumRegimeSize: Int?
    /// Covariance treatment of the LR interval (η²) and the default of ``regimeCovariance``.
    public var covariance: ThresholdCovariance = .homoskedastic
    /// Confidence level of the LR-inversion interval for γ.
    public var confidence: Double = 0.95
    /// Standard errors of the regime coefficients; `nil` follows Hansen's own code:
    /// ``ThresholdRegimeCovariance/pooled`` when homoskedastic, ``ThresholdRegimeCovariance/hc0``
    /// when heteroskedastic.
    public var regimeCovariance: ThresholdRegimeCovariance?
    /// Estimator of the heteroskedasticity correction η² of the LR interval (ignored when
    /// homoskedastic): Hansen's kernel regression at γ̂ (his code's default) or his quadratic.
    public var eta2Method: ThresholdEta2Method = .kernel
    /// The splits γ̂ is chosen from: the trimmed candidates (default) or every split leaving
    /// ``minimumRegimeSize`` observations per regime (Hansen's `thr_est`).
    public var estimationGrid: ThresholdGrid = .trimmed

    /// Options with the defaults of Hansen (2000): 15% trimming, homoskedastic, 95%, regime SEs
    /// and η² as in his code.
    public init(
        trim: Double = 0.15, minimumRegimeSize: Int? = nil, covariance: ThresholdCovariance = .homoskedastic,
        confidence: Double = 0.95, regimeCovariance: ThresholdRegimeCovariance? = nil,
        eta2Method: ThresholdEta2Method = .kernel, estimationGrid: ThresholdGrid = .trimmed
    ) {
        self.trim = trim
        self.minimumRegimeSize = minimumRegimeSize
        self.covariance = covariance
        self.confidence = confidence
        self.regimeCovariance = regimeCovariance
        self.eta2Method = eta2Method
        self.estimationGrid = estimationGrid
    }

    /// The regime covariance actually used.
    public var resolvedRegimeCovariance: ThresholdRegimeCovariance {
        regimeCovariance ?? (covariance == .homoskedastic ? .pooled : .hc0)
    }
}

/// Two-regime threshold regression y = x′β₁·1{q ≤ γ} + x′β₂·1{q > γ} + e (Hansen 2000,
/// "Sample splitting and threshold estimation", Econometrica 68(3)), with Hansen's (1996)
/// fixed-regressor bootstrap test of no threshold.
///
/// Speed: observations are sorted by q once; the SSR profile, the sup statistics and every
/// bootstrap replicate use cumulative cross-products along that order. Regime SSRs are
/// computed from the linear model's residuals ẽ (S₀ − S(γ) = c₁′(M₁⁻¹ + M₂⁻¹)c₁ with
/// c₁ = Σ_{q≤γ} xᵢẽᵢ and Mᵣ = Σ_{regime r} xᵢxᵢ′), so no large sums cancel.
public struct ThresholdRegression: Sendable {
    let names: [String]
    let thresholdName: String
    /// Data sorted by q.
    let y: [Double]
    let x: Matrix
    let q: [Double]
    let n: Int
    let k: Int

    /// Prepares a threshold regression.
    /// - Parameters:
    ///   - y: the dependent variable.
    ///   - design: the regressors x (with the constant, if wanted); both regimes use all of them.
    ///   - thresholdVariable: q.
    ///   - thresholdName: q's name, for messages.
    /// - Throws: ``StatsError`` for mismatched lengths, non-finite values, or a constant q.
    public init(y: [Double], design: DesignMatrix, thresholdVariable q: [Double], thresholdName: String = "q") throws {
        let n = design.nobs
        guard y.count == n, q.count == n else {
            throw StatsError(
                .dimensionMismatch,
                "y has \(y.count) observations, the threshold variable '\(thresholdName)' \(q.count) and the design \(n); align them."
            )
        }
        if let bad = y.firstIndex(where: { !$0.isFinite }) {
            throw StatsError.nonFinite(column: "y", index: bad, value: y[bad])
        }
        if let bad = q.firstIndex(where: { !$0.isFinite }) {
            throw StatsError.nonFinite(column: thresholdName, index: bad, value: q[bad])
        }
        guard let qmin = q.min(), let qmax = q.max(), qmin < qmax else {
            throw StatsError(
                .invalidArgument,
                "The threshold variable '\(thresholdName)' is constant, so it cannot split the sample; choose a variable that varies.",
                context: ["column": thresholdName])
        }
        let order = (0..<n).sorted { q[$0] < q[$1] || (q[$0] == q[$1] && $0 < $1) }
        self.y = order.map { y[$0] }
        self.q = order.map { q[$0] }
        self.x = design.matrix.selectingRows(order)
        self.names = design.names
        self.thresholdName = thresholdName
        self.n = n
        self.k = design.count
    }

    /// The smallest regime of any split: ``ThresholdOptions/minimumRegimeSize`` or k + 1.
    /// - Throws: ``StatsError`` when the option is below k + 1.
    func gridMinimum(_ options: ThresholdOptions) throws -> Int {
        let floor = k + 1
        if let m = options.minimumRegimeSize, m < floor {
            throw StatsError(
                .invalidArgument,
                "The minimum regime size must be at least the number of regressors + 1 = \(floor) (a regime needs one "
                    + "residual degree of freedom); got \(m).",
                context: ["minimum_regime": String(m), "regressors": String(k)])
        }
        return options.minimumRegimeSize ?? floor
    }

    /// Every split point: `m` = number of sorted observations in regime 1 for each distinct q
    /// value, keeping those with both regimes ≥ `minimum`.
    func splits(minimum: Int) -> [(gamma: Double, m: Int)] {
        var out: [(Double, Int)] = []
        var i = 0
        while i < n {
            var j = i
            while j + 1 < n && q[j + 1] == q[i] { j += 1 }
            let m = j + 1
            if m >= minimum && n - m >= minimum { out.append((q[i], m)) }
            i = j + 1
        }
        return out
    }

    /// Candidate split points of the sup test: the splits with both regimes ≥ max(⌈π·n⌉, minimum size).
    func candidates(_ options: ThresholdOptions) throws -> [(gamma: Double, m: Int)] {
        guard options.trim >= 0, options.trim < 0.5 else {
            throw StatsError(
                .invalidArgument, "The trimming fraction must be in [0, 0.5); got \(options.trim).",
                context: ["trim": String(options.trim)])
        }
        let minimum = max(Int((options.trim * Double(n)).rounded(.up)), try gridMinimum(options))
        let out = splits(minimum: minimum)
        guard !out.isEmpty else {
            throw StatsError(
                .insufficientObservations,
                "No threshold candidate leaves at least \(minimum) observations in each regime (n = \(n), \(k) regressors, trim = \(options.trim)); "
                    + "use more data, fewer regressors or less trimming.",
                context: ["nobs": String(n), "minimum_regime": String(minimum)])
        }
        return out
    }

    /// Cumulative M₁ = Σ_{i<m} xᵢxᵢ′ at each candidate, Cholesky-free inverses of M₁ and M₂,
    /// and A(γ) = M₁⁻¹ + M₂⁻¹, for fixed regressors.
    struct Precomputed: Sendable {
        let cands: [(gamma: Double, m: Int)]
        let m1Inverse: [Matrix]
        let m2Inverse: [Matrix]
        let a: [Matrix]
        let m1: [Matrix]
        let mInverse: Matrix
        let qrX: QRLeastSquares
    }

    func precompute(_ options: ThresholdOptions) throws -> Precomputed {
        try precompute(splits: try candidates(options), skipCollinear: false)
    }

    /// Cross-products at `splits`; with `skipCollinear`, splits where a regime's regressors are
    /// collinear are dropped (the full LR grid), otherwise they are an error (the candidates).
    func precompute(splits: [(gamma: Double, m: Int)], skipCollinear: Bool) throws -> Precomputed {
        var cands: [(gamma: Double, m: Int)] = []
        let total = x.gram()
        var m1s: [Matrix] = []
        var inv1: [Matrix] = []
        var inv2: [Matrix] = []
        var a: [Matrix] = []
        var acc = Matrix(rows: k, columns: k)
        var row = 0
        for (gamma, m) in splits {
            while row < m {
                for c in 0..<k {
                    let xc = x[row, c]
                    for r in 0..<k { acc[r, c] += x[row, r] * xc }
                }
                row += 1
            }
            var m2 = total
            for i in 0..<m2.storage.count { m2.storage[i] -= acc.storage[i] }
            do {
                let i1 = try acc.symmetricPositiveDefiniteInverse(name: "regime cross-product")
                let i2 = try m2.symmetricPositiveDefiniteInverse(name: "regime cross-product")
                var s = i1
                for i in 0..<s.storage.count { s.storage[i] += i2.storage[i] }
                cands.append((gamma, m))
                m1s.append(acc)
                inv1.append(i1)
                inv2.append(i2)
                a.append(s)
            } catch {
                if skipCollinear { continue }
                throw StatsError(
                    .rankDeficient,
                    "At threshold \(thresholdName) = \(gamma) a regime's regressors are collinear (for example a dummy that is constant within the regime); "
                        + "increase the trimming or the minimum regime size.", context: ["threshold": String(gamma)])
            }
        }
        let qr = try QRLeastSquares(x)
        guard qr.rank == k else {
            throw StatsError(
                .rankDeficient, "The regressors of the threshold model are collinear; remove the redundant columns.")
        }
        return Precomputed(
            cands: cands, m1Inverse: inv1, m2Inverse: inv2, a: a, m1: m1s, mInverse: try qr.xtxInverse(), qrX: qr)
    }

    /// c₁(γ) = Σ_{i<m} xᵢeᵢ at every candidate.
    func cumulativeScores(_ e: [Double], _ pre: Precomputed) -> [[Double]] {
        var out: [[Double]] = []
        out.reserveCapacity(pre.cands.count)
        var acc = [Double](repeating: 0, count: k)
        var row = 0
        for (_, m) in pre.cands {
            while row < m {
                for c in 0..<k { acc[c] += x[row, c] * e[row] }
                row += 1
            }
            out.append(acc)
        }
        return out
    }

    static func quadratic(_ v: [Double], _ m: Matrix) -> Double {
        var s = 0.0
        for j in 0..<v.count {
            var t = 0.0
            for i in 0..<v.count { t += m[i, j] * v[i] }
            s += t * v[j]
        }
        return s
    }

    /// The sup statistic of no threshold for null-model residuals `e` (of y or of a bootstrap y*).
    func supStatistic(
        _ e: [Double], _ pre: Precomputed, statistic: ThresholdTestStatistic, covariance: ThresholdCovariance
    ) throws -> Double {
        var s0 = 0.0
        for v in e { s0 += v * v }
        let nd = Double(n)
        if covariance == .homoskedastic {
            // Streams the cumulative scores c₁(γ) (same sums, same order as cumulativeScores)
            // instead of storing one array per candidate: the bootstrap calls this per replicate.
            var acc = [Double](repeating: 0, count: k)
            var row = 0
            var best = -Double.infinity
            for (j, cand) in pre.cands.enumerated() {
                while row < cand.m {
                    for c in 0..<k { acc[c] += x[row, c] * e[row] }
                    row += 1
                }
                let gain = Self.quadratic(acc, pre.a[j])
                best = max(
                    best, statistic == .supF ? nd * gain / max(s0 - gain, .leastNormalMagnitude) : nd * gain / s0)
            }
            return best
        }
        let c1 = cumulativeScores(e, pre)
        switch statistic {
        case .supLM:
            // Score s = c₁, Var(s) = V₁ − M₁M⁻¹V₁ − V₁M⁻¹M₁ + M₁M⁻¹VM⁻¹M₁ with V's from ẽ².
            var vTotal = Matrix(rows: k, columns: k)
            for i in 0..<n {
                let w = e[i] * e[i]
                for c in 0..<k {
                    for r in 0..<k { vTotal[r, c] += w * x[i, r] * x[i, c] }
                }
            }
            var v1 = Matrix(rows: k, columns: k)
            var row = 0
            var best = -Double.infinity
            let mInv = pre.mInverse
            let middle = mInv.multiplied(by: vTotal).multiplied(by: mInv)
            for (j, cand) in pre.cands.enumerated() {
                while row < cand.m {
                    let w = e[row] * e[row]
                    for c in 0..<k {
                        for r in 0..<k { v1[r, c] += w * x[row, r] * x[row, c] }
                    }
                    row += 1
                }
                let m1 = pre.m1[j]
                let p = m1.multiplied(by: mInv).multiplied(by: v1)
                var varS = m1.multiplied(by: middle).multiplied(by: m1)
                for i in 0..<varS.storage.count {
                    varS.storage[i] += v1.storage[i] - p.storage[i]
                }
                // − V₁M⁻¹M₁ = −(M₁M⁻¹V₁)ᵀ
                let pt = p.transposed
                for i in 0..<varS.storage.count { varS.storage[i] -= pt.storage[i] }
                guard let inv = try? varS.symmetricPositiveDefiniteInverse(name: "score covariance") else { continue }
                best = max(best, Self.quadratic(c1[j], inv))
            }
            return best
        case .supF:
            // sup of the HC0 Wald statistic of δ = β₂ − β₁ (regressions of ẽ within each regime).
            var best = -Double.infinity
            for (j, cand) in pre.cands.enumerated() {
                let b1 = pre.m1Inverse[j].multiplied(by: c1[j])
                let b2 = pre.m2Inverse[j].multiplied(by: c1[j].map { -$0 })
                var meat1 = Matrix(rows: k, columns: k)
                var meat2 = Matrix(rows: k, columns: k)
                for i in 0..<n {
                    let b = i < cand.m ? b1 : b2
                    var fit = 0.0
                    for c in 0..<k { fit += x[i, c] * b[c] }
                    let r = e[i] - fit
                    let w = r * r
                    if i < cand.m {
                        for c in 0..<k { for rr in 0..<k { meat1[rr, c] += w * x[i, rr] * x[i, c] } }
                    } else {
                        for c in 0..<k { for rr in 0..<k { meat2[rr, c] += w * x[i, rr] * x[i, c] } }
                    }
                }
                var v = pre.m1Inverse[j].multiplied(by: meat1).multiplied(by: pre.m1Inverse[j])
                let v2 = pre.m2Inverse[j].multiplied(by: meat2).multiplied(by: pre.m2Inverse[j])
                for i in 0..<v.storage.count { v.storage[i] += v2.storage[i] }
                let delta = zip(b2, b1).map { $0 - $1 }
                guard let inv = try? v.symmetricPositiveDefiniteInverse(name: "HC covariance of δ") else { continue }
                best = max(best, Self.quadratic(delta, inv))
            }
            return best
        }
    }

    /// Residuals of y on X by corrected semi-normal equations with the precomputed R, in plain
    /// loops (for the bootstrap hot path: no allocation-heavy LAPACK calls per replicate).
    func nullResiduals(_ v: [Double], _ pre: Precomputed) -> [Double] {
        let qr = pre.qrX
        var e = v
        for _ in 0..<2 {
            var z = [Double](repeating: 0, count: k)
            for j in 0..<k {
                let c = qr.pivot[j]
                var acc = 0.0
                for i in 0..<n { acc += x[i, c] * e[i] }
                z[j] = acc / qr.scale[c]
            }
            qr.forwardSubstituteTransposed(&z)
            qr.backSubstitute(&z)
            let b = qr.unpivot(z)
            for i in 0..<n {
                var fit = 0.0
                for c in 0..<k { fit += x[i, c] * b[c] }
                e[i] -= fit
            }
        }
        return e
    }

    /// Tests H₀: no threshold with Hansen's (1996) fixed-regressor bootstrap.
    ///
    /// Each replicate b draws y*ᵢ = zᵢ (homoskedastic) or y*ᵢ = ẽᵢzᵢ (heteroskedastic), zᵢ ~ N(0, 1)
    /// from `ReplicateRandom(seed: seed, stream: b)`, keeps the regressors and q fixed, and
    /// recomputes the sup statistic; the p-value is the share of replicates with a statistic
    /// ≥ the observed one. Replicates run in parallel; the result does not depend on the number
    /// of tasks.
    /// - Parameters:
    ///   - progress: called with (completed, total) replicates as chunks finish.
    /// - Throws: ``StatsError`` (bad options), `CancellationError` when cancelled.
    public func testNoThreshold(
        statistic: ThresholdTestStatistic = .supF, covariance: ThresholdCovariance = .homoskedastic,
        replications: Int = 1000, seed: UInt64 = 0, options: ThresholdOptions = ThresholdOptions(),
        maxConcurrency: Int? = nil, progress: (@Sendable (Int, Int) -> Void)? = nil
    ) async throws -> ThresholdTest {
        guard replications >= 1 else {
            throw StatsError(
                .invalidArgument, "The number of bootstrap replications must be at least 1; got \(replications).")
        }
        let pre = try precompute(options)
        let (_, e0) = try pre.qrX.solve(y)
        let observed = try supStatistic(e0, pre, statistic: statistic, covariance: covariance)
        let workers = max(1, min(maxConcurrency ?? 8, replications))
        let chunk = (replications + workers * 4 - 1) / (workers * 4)
        let this = self
        var stats = [Double](repeating: .nan, count: replications)
        try await withThrowingTaskGroup(of: (Int, [Double]).self) { group in
            var next = 0
            var running = 0
            var done = 0
            func launch() {
                let start = next
                let end = min(replications, start + chunk)
                next = end
                running += 1
                group.addTask {
                    var out: [Double] = []
                    out.reserveCapacity(end - start)
                    for b in start..<end {
                        try Task.checkCancellation()
                        var rng = ReplicateRandom(seed: seed, stream: UInt64(b))
                        var ystar = [Double](repeating: 0, count: this.n)
                        for i in 0..<this.n {
                            let z = rng.nextStandardNormal()
                            ystar[i] = covariance == .homoskedastic ? z : e0[i] * z
                        }
                        let estar = this.nullResiduals(ystar, pre)
                        out.append(try this.supStatistic(estar, pre, statistic: statistic, covariance: covariance))
                    }
                    return (start, out)
                }
            }
            while next < replications && running < workers { launch() }
            while let (start, values) = try await group.next() {
                running -= 1
                for (i, v) in values.enumerated() { stats[start + i] = v }
                done += values.count
                progress?(done, replications)
                if next < replications { launch() }
            }
        }
        let exceed = stats.filter { $0 >= observed }.count
        return ThresholdTest(
            statistic: statistic, covariance: covariance, value: observed,
            pValue: Double(exceed) / Double(replications), replications: replications, seed: seed,
            bootstrapStatistics: stats)
    }
}
