import RealModule

/// The automatic block lengths of one series (Politis & White 2004, corrected by Patton,
/// Politis & White 2009).
public struct OptimalBlockLength: Sendable, Hashable, Codable {
    /// b̂_SB: the optimal mean block length of the stationary bootstrap.
    public let stationary: Double
    /// b̂_CB: the optimal block length of the circular-block bootstrap (also used for the
    /// moving-block bootstrap, whose optimal length is asymptotically the same).
    public let circular: Double
}

extension Bootstrap {
    /// The Politis–White automatic block lengths of a series, exactly as arch 8.0.0's
    /// `arch.bootstrap.optimal_block_length` computes them.
    ///
    /// With ε = x − x̄, γ̂ₖ = n⁻¹Σₜ εₜεₜ₋ₖ, kₙ = max(5, ⌊log₁₀ n⌋) and m_max = ⌈√n⌉ + kₙ:
    /// the tuning lag m̂ is the first lag after which kₙ consecutive absolute autocorrelations
    /// lie inside ±2√(log₁₀ n / n), and M = min(2·max(m̂, 1), m_max) (M = m_max when there is
    /// no such lag). With the flat-top weights λ(s) = 1 for |s| ≤ ½, 2(1 − |s|) otherwise,
    ///
    ///   Ĝ = Σ_{|k|≤M} λ(k/M)|k|γ̂ₖ,   σ̂² = Σ_{|k|≤M} λ(k/M)γ̂ₖ,
    ///   b̂_SB = (2Ĝ²/D_SB)^{1/3} n^{1/3}, D_SB = 2(σ̂²)²,
    ///   b̂_CB = (2Ĝ²/D_CB)^{1/3} n^{1/3}, D_CB = (4/3)(σ̂²)²,
    ///
    /// each capped at ⌈min(3√n, n/3)⌉. D_SB = 2(σ̂²)² is the Patton–Politis–White (2009)
    /// correction of the original paper's constant. Like arch, the autocorrelation used for
    /// m̂ at lag k is |Σₜ εₜεₜ₋ₖ| / √(Σ_{t>k} εₜ² · Σ_{t<n−k} εₜ²) (arch's normalisation), so
    /// the results match arch to rounding error rather than Patton's MATLAB code.
    ///
    /// References: D. N. Politis & H. White (2004), "Automatic block-length selection for the
    /// dependent bootstrap", Econometric Reviews 23(1), 53–70; A. Patton, D. N. Politis &
    /// H. White (2009), "Correction to …", Econometric Reviews 28(4), 372–375.
    ///
    /// - Parameter series: the observations, in time order.
    /// - Returns: b̂_SB and b̂_CB (real numbers, possibly below 1 for series without
    ///   dependence).
    /// - Throws: ``StatsError`` — `nonFinite` for a NaN or infinite value (naming its position),
    ///   `insufficientObservations` when the series is shorter than the ⌈√n⌉ + kₙ + 2 values
    ///   the autocorrelations need (at least 11), `invalidArgument` for a constant series.
    /// - Complexity: O(n·√n).
    public static func optimalBlockLength(_ series: [Double]) throws -> OptimalBlockLength {
        let n = series.count
        if let bad = series.firstIndex(where: { !$0.isFinite }) {
            throw StatsError(
                .nonFinite,
                "The series has a non-finite value (\(series[bad])) at observation \(bad + 1); "
                    + "drop or impute missing values before choosing a block length.",
                context: ["observation": String(bad + 1), "value": String(series[bad])])
        }
        let nd = Double(n)
        let kn = n > 0 ? max(5, Int(Double.log10(nd))) : 5
        let mMax = Int(nd.squareRoot().rounded(.up)) + kn
        guard n >= mMax + 2 else {
            throw StatsError(
                .insufficientObservations,
                "The automatic block length needs at least \(max(11, mMax + 2)) observations to estimate "
                    + "\(mMax) autocovariances; the series has \(n). Give the block length explicitly.",
                context: ["nobs": String(n)])
        }
        var mean = 0.0
        for x in series { mean += x }
        mean /= nd
        let eps = series.map { $0 - mean }
        var ss = 0.0
        for e in eps { ss += e * e }
        guard ss > 0 else {
            throw StatsError(
                .invalidArgument,
                "The series is constant, so it has no autocorrelation to choose a block length from; "
                    + "give the block length explicitly.", context: ["nobs": String(n)])
        }
        let bMax = min(3 * nd.squareRoot(), nd / 3).rounded(.up)
        let cv = 2 * (Double.log10(nd) / nd).squareRoot()
        var acv = [Double](repeating: 0, count: mMax + 1)
        var absCorr = [Double](repeating: 0, count: mMax + 1)
        var optM: Int?
        // Running sums of squares: v1 = Σ_{t ≥ i+1} εₜ², v2 = Σ_{t < n−i−1} εₜ².
        for i in 0...mMax {
            var v1 = 0.0
            for t in (i + 1)..<n { v1 += eps[t] * eps[t] }
            var v2 = 0.0
            for t in 0..<(n - i - 1) { v2 += eps[t] * eps[t] }
            var cross = 0.0
            for t in i..<n { cross += eps[t] * eps[t - i] }
            acv[i] = cross / nd
            absCorr[i] = abs(cross) / (v1 * v2).squareRoot()
            if i >= kn && optM == nil && absCorr[(i - kn)..<i].allSatisfy({ $0 < cv }) {
                optM = i - kn
            }
        }
        let m = min(optM.map { 2 * max($0, 1) } ?? mMax, mMax)
        var g = 0.0
        var lrAcv = acv[0]
        for k in 1...m {
            let s = Double(k) / Double(m)
            let lambda = s <= 0.5 ? 1 : 2 * (1 - s)
            g += 2 * lambda * Double(k) * acv[k]
            lrAcv += 2 * lambda * acv[k]
        }
        let dSB = 2 * lrAcv * lrAcv
        let dCB = 4.0 / 3 * lrAcv * lrAcv
        let n13 = Double.pow(nd, 1.0 / 3)
        let bSB = Double.pow(2 * g * g / dSB, 1.0 / 3) * n13
        let bCB = Double.pow(2 * g * g / dCB, 1.0 / 3) * n13
        return OptimalBlockLength(
            stationary: bSB.isNaN ? bMax : min(bSB, bMax), circular: bCB.isNaN ? bMax : min(bCB, bMax))
    }

    /// The automatic block length for a multi-column data set: the mean over the non-constant
    /// columns of each column's b̂ (stationary or circular).
    static func automaticLength(of data: Matrix) throws -> OptimalBlockLength {
        var sb = 0.0
        var cb = 0.0
        var used = 0
        for j in 0..<data.columns {
            let column = data.column(j)
            guard let first = column.first, column.contains(where: { $0 != first }) else { continue }
            let b = try optimalBlockLength(column)
            sb += b.stationary
            cb += b.circular
            used += 1
        }
        guard used > 0 else {
            throw StatsError(
                .invalidArgument,
                "Every column of the data is constant, so no block length can be chosen automatically; "
                    + "give the block length explicitly.")
        }
        return OptimalBlockLength(stationary: sb / Double(used), circular: cb / Double(used))
    }

    /// The scheme with an automatic block length filled in from `data`.
    static func resolve(_ scheme: BootstrapScheme, data: Matrix) throws -> BootstrapScheme {
        guard scheme.needsAutomaticLength else { return scheme }
        let b = try automaticLength(of: data)
        let n = data.rows
        let integer = min(max(1, Int(b.circular.rounded(.up))), max(1, n - 1))
        switch scheme {
        case .movingBlock: return .movingBlock(length: integer)
        case .circularBlock: return .circularBlock(length: integer)
        case .stationary: return .stationary(meanBlockLength: min(max(1, b.stationary), Double(max(1, n - 1))))
        default: return scheme
        }
    }
}
