import RealModule

/// Standard errors of a threshold model's regime coefficients.
///
/// Every kind but ``pooled`` treats each regime as its own regression (nᵣ observations, k
/// regressors, residuals êᵢ, hᵢ = xᵢ′(Xᵣ′Xᵣ)⁻¹xᵢ) with the formulas of MacKinnon & White (1985),
/// "Some heteroskedasticity-consistent covariance matrix estimators with improved finite sample
/// properties", *Journal of Econometrics* 29(3), 305–325. All of them treat the split as known:
/// they are conditional on γ̂ (Hansen 2000, §3.5, shows this is asymptotically valid, but only
/// as n → ∞).
public enum ThresholdRegimeCovariance: String, Sendable, Hashable, Codable, CaseIterable {
    /// σ̂²(Xᵣ′Xᵣ)⁻¹ with the pooled σ̂² = S(γ̂)/(n − 2k), n − 2k residual df (Hansen's code, h = 0).
    case pooled
    /// σ̂ᵣ²(Xᵣ′Xᵣ)⁻¹ with the regime's own σ̂ᵣ² = Sᵣ/(nᵣ − k).
    case classical
    /// White (1980): (Xᵣ′Xᵣ)⁻¹ Σ êᵢ²xᵢxᵢ′ (Xᵣ′Xᵣ)⁻¹ (Hansen's code, h = 1).
    case hc0
    /// HC0 × nᵣ/(nᵣ − k).
    case hc1
    /// êᵢ² replaced by êᵢ²/(1 − hᵢ).
    case hc2
    /// êᵢ² replaced by êᵢ²/(1 − hᵢ)².
    case hc3
}

/// The estimator of η², the heteroskedasticity correction of the LR interval (Hansen 2000, §3.4).
public enum ThresholdEta2Method: String, Sendable, Hashable, Codable, CaseIterable {
    /// Epanechnikov kernel regressions at γ̂ with Hansen's automatic bandwidth (his code's
    /// default, `nonpar = 2`).
    case kernel
    /// Quadratic regressions on q evaluated at γ̂ (his code's `nonpar = 1`).
    case quadratic
}

/// The splits γ̂ is chosen from.
public enum ThresholdGrid: String, Sendable, Hashable, Codable, CaseIterable {
    /// The sup test's candidates: both regimes ≥ max(⌈π·n⌉, minimum regime size).
    case trimmed
    /// Every split with both regimes ≥ the minimum regime size (Hansen's `thr_est`).
    case all
}

/// A typed remark on a threshold fit: what makes its inference fragile.
public struct ThresholdDiagnostic: Sendable, Hashable, Codable {
    /// What the remark is about.
    public struct Code: RawRepresentable, Sendable, Hashable, Codable, CustomStringConvertible {
        /// The stable name (`few_residual_df`, ...).
        public let rawValue: String
        /// Wraps a name.
        public init(rawValue: String) { self.rawValue = rawValue }
        /// The name.
        public var description: String { rawValue }

        /// A regime leaves fewer than 5 residual degrees of freedom.
        public static let fewResidualDF = Code(rawValue: "few_residual_df")
        /// Fewer than 10 candidate thresholds for the sup test.
        public static let fewCandidates = Code(rawValue: "few_candidates")
        /// The threshold variable takes fewer than n/2 distinct values (a step function).
        public static let stepFunctionThreshold = Code(rawValue: "step_function_threshold")
        /// Regime inference treats the estimated split as known.
        public static let conditionalOnSplit = Code(rawValue: "conditional_on_split")
        /// The LR interval reaches the first or last admissible split, so it may be censored.
        public static let intervalAtGridEnd = Code(rawValue: "interval_at_grid_end")
        /// A split outside the trimmed candidates has a smaller SSR than γ̂.
        public static let minimumOutsideTrimmedRange = Code(rawValue: "minimum_outside_trimmed_range")
        /// The η² estimate was not finite and positive; a fallback was used.
        public static let eta2Fallback = Code(rawValue: "eta2_fallback")
    }

    /// What the remark is about.
    public let code: Code
    /// A sentence for people.
    public let message: String

    /// Creates a remark.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }
}

extension ThresholdRegression {
    /// A regime's least-squares fit at γ̂.
    struct RegimeFit {
        let rows: [Int]
        let xr: Matrix
        let coefficients: [Double]
        let residuals: [Double]
        let bread: Matrix
        var ssr: Double { residuals.reduce(0) { $0 + $1 * $1 } }

        /// Leverages hᵢ = xᵢ′(Xᵣ′Xᵣ)⁻¹xᵢ.
        var leverage: [Double] {
            (0..<xr.rows).map { i in
                var s = 0.0
                for a in 0..<xr.columns {
                    var t = 0.0
                    for b in 0..<xr.columns { t += bread[a, b] * xr[i, b] }
                    s += xr[i, a] * t
                }
                return s
            }
        }
    }

    func regimeFit(rows: [Int]) throws -> RegimeFit {
        let xr = x.selectingRows(rows)
        let qr = try QRLeastSquares(xr)
        let (b, e) = try qr.solve(rows.map { y[$0] })
        return RegimeFit(rows: rows, xr: xr, coefficients: b, residuals: e, bread: try qr.xtxInverse())
    }

    /// The covariance of one regime's coefficients (see ``ThresholdRegimeCovariance``).
    /// - Parameter pooledSigma2: S(γ̂)/(n − 2k), for ``ThresholdRegimeCovariance/pooled``.
    static func regimeCovariance(_ f: RegimeFit, kind: ThresholdRegimeCovariance, pooledSigma2: Double) -> Matrix {
        let nr = Double(f.xr.rows)
        let k = Double(f.xr.columns)
        func scaled(_ m: Matrix, _ c: Double) -> Matrix {
            var v = m
            for i in 0..<v.storage.count { v.storage[i] *= c }
            return v
        }
        switch kind {
        case .pooled: return scaled(f.bread, pooledSigma2)
        case .classical: return scaled(f.bread, f.ssr / (nr - k))
        case .hc0, .hc1, .hc2, .hc3:
            var w = f.residuals
            if kind == .hc2 || kind == .hc3 {
                let h = f.leverage
                for i in w.indices { w[i] /= kind == .hc2 ? (1 - h[i]).squareRoot() : 1 - h[i] }
            }
            let meat = Sandwich.scores(f.xr, weights: w).gram()
            return Sandwich.sandwich(bread: f.bread, meat: meat, factor: kind == .hc1 ? nr / (nr - k) : 1)
        }
    }

    /// η̂² of Hansen (2000, §3.4) in the LR statistic's scale: LR(γ) = n(S(γ) − Ŝ)/(Ŝ·η̂²).
    ///
    /// With d̂ᵢ = (δ̂′xᵢ)² (δ̂ = β̂₂ − β̂₁) and êᵢ the threshold model's residuals,
    /// η̂² = E[d̂êᵢ²|q = γ̂] / (E[d̂|q = γ̂]·σ̂²), σ̂² = Ŝ/n, the conditional means estimated by
    ///
    /// - quadratic: least-squares regressions on (1, q, q²), evaluated at γ̂;
    /// - kernel (Hansen's code, `nonpar = 2`): Epanechnikov weights K(u) = ¾(1 − u²)·1{|u| ≤ 1},
    ///   u = (γ̂ − qᵢ)/h. The bandwidth follows his code literally: a pilot h₀ = 2.344·σ_q·n^(−1/5)
    ///   (σ_q with divisor n) gives f̂ = mean(K(u))/h₀ and f̂′ = 1.5·mean(u·1{|u| ≤ 1})/h₀²; with
    ///   the quadratic fit d̂ ≈ m₀ + m₁q + m₂q² and its residual variance s² (divisor n − 3),
    ///   h = s² / (4f̂·(m₂ + (m₁ + 2m₂γ̂)·f̂′/f̂)²), and E[·|γ̂] = mean(K((γ̂ − qᵢ)/h)/h · ·).
    ///   (As written there, f̂′ has the opposite sign of the derivative of f̂ and h carries no
    ///   n^(−1/5); QEIR reproduces the code, not a corrected rule.)
    ///
    /// Returns `nil` when the estimate is not finite and positive.
    static func eta2(
        method: ThresholdEta2Method, q: [Double], dx2: [Double], e2: [Double], gammaHat: Double, ssr: Double
    ) throws -> Double? {
        let n = q.count
        let nd = Double(n)
        let r2 = zip(dx2, e2).map { $0 * $1 }
        let poly = try DesignMatrix(columns: [("q", q), ("q2", q.map { $0 * $0 })])
        let qrq = try QRLeastSquares(poly.matrix)
        let (m1, eps) = try qrq.solve(dx2)
        let g1: Double
        let g2: Double
        switch method {
        case .quadratic:
            let (m2, _) = try qrq.solve(r2)
            let at = [1, gammaHat, gammaHat * gammaHat]
            g1 = zip(m1, at).reduce(0) { $0 + $1.0 * $1.1 }
            g2 = zip(m2, at).reduce(0) { $0 + $1.0 * $1.1 }
        case .kernel:
            let mean = q.reduce(0, +) / nd
            let sigq = (q.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / nd).squareRoot()
            let h0 = 2.344 * sigq / Double.pow(nd, 0.2)
            var f = 0.0
            var df = 0.0
            for v in q {
                let u = (gammaHat - v) / h0
                if u * u <= 1 {
                    f += 1 - u * u
                    df += u
                }
            }
            f = f / nd * 0.75 / h0
            df = df / nd * 1.5 / (h0 * h0)
            let sige = eps.reduce(0) { $0 + $1 * $1 } / (nd - 3)
            let bias = m1[2] + (m1[1] + 2 * m1[2] * gammaHat) * df / f
            let h = sige / (4 * f * bias * bias)
            var s1 = 0.0
            var s2 = 0.0
            for i in 0..<n {
                let u = (gammaHat - q[i]) / h
                guard u * u <= 1 else { continue }
                let kh = (1 - u * u) * 0.75 / h
                s1 += kh * dx2[i]
                s2 += kh * r2[i]
            }
            g1 = s1 / nd
            g2 = s2 / nd
        }
        let eta2 = g2 / g1 / (ssr / nd)
        return eta2.isFinite && eta2 > 0 ? eta2 : nil
    }
}
