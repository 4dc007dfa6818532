/// How bootstrap bands for impulse responses are formed.
public enum VARBandMethod: String, Sendable, Hashable, Codable, CaseIterable {
    /// Runkle's (1987) residual-bootstrap percentile bands of the OLS VAR, uncorrected for the
    /// small-sample bias of Â.
    case percentile
    /// Kilian's (1998) bootstrap-after-bootstrap: bias-corrected data-generating process and
    /// bias-corrected replicates, then percentile bands (the default).
    case kilianBiasCorrected = "kilian"
}

/// Bootstrap bands for orthogonalised impulse responses.
public struct VARImpulseResponseBands: Sendable, Hashable {
    /// How the bands were formed.
    public let method: VARBandMethod
    /// The coverage of the bands (e.g. 0.95).
    public let level: Double
    /// The number of band replications (Kilian: the second stage).
    public let replications: Int
    /// The replications of Kilian's first (bias) stage; 0 for percentile bands.
    public let firstStageReplications: Int
    /// The seed the replicate streams were derived from.
    public let seed: UInt64
    /// Lower band: H + 1 k×k matrices, the (1 − level)/2 percentile of each response.
    public let lower: [Matrix]
    /// Upper band: H + 1 k×k matrices, the (1 + level)/2 percentile of each response.
    public let upper: [Matrix]
    /// Kilian's first-stage bias estimate and the corrected data-generating process; `nil`
    /// for percentile bands.
    public let biasCorrection: VARBiasCorrection?
    /// Band replicates whose own bias correction was shrunk (δ < 1) or skipped (their Â* not
    /// stable) to keep them stationary; 0 for percentile bands.
    public let shrunkReplicates: Int
}

/// Why bootstrap bands were not computed.
public struct VARBandsNotComputed: Sendable, Hashable, CustomStringConvertible {
    /// A stable, machine-readable reason.
    public struct Reason: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        /// The reason's stable string form.
        public let rawValue: String
        /// Wraps a raw reason string.
        public init(rawValue: String) { self.rawValue = rawValue }
        /// The reason's string form.
        public var description: String { rawValue }
        /// The OLS VAR has a companion eigenvalue of modulus ≥ 1.
        public static let unstable = Reason(rawValue: "unstable_var")
    }

    /// The reason.
    public let reason: Reason
    /// The largest companion-eigenvalue modulus of the fit.
    public let maxEigenvalueModulus: Double
    /// A sentence saying why and what to do.
    public let message: String

    /// The message.
    public var description: String { message }
}

/// The outcome of a band computation: the bands, or why there are none.
public enum VARBandOutcome: Sendable, Hashable {
    /// The bands.
    case computed(VARImpulseResponseBands)
    /// No bands, and why.
    case notComputed(VARBandsNotComputed)

    /// The bands, if computed.
    public var bands: VARImpulseResponseBands? {
        if case .computed(let b) = self { return b }
        return nil
    }

    /// Why the bands were not computed, if so.
    public var notComputed: VARBandsNotComputed? {
        if case .notComputed(let why) = self { return why }
        return nil
    }
}

extension VARResult {
    /// Residual-bootstrap bands for the orthogonalised impulse responses Θ₀…Θ_H, Kilian's
    /// bias-corrected bootstrap-after-bootstrap by default.
    ///
    /// **No bands for an unstable VAR.** When the largest companion-eigenvalue modulus is ≥ 1
    /// the responses do not die out and bootstrap percentiles of explosive paths say nothing
    /// about sampling uncertainty; the result is ``VARBandOutcome/notComputed(_:)`` with
    /// ``VARBandsNotComputed/Reason/unstable``.
    ///
    /// **Percentile** (``VARBandMethod/percentile``; Runkle 1987, Lütkepohl 2005, App. D.3):
    /// each replicate resamples n rows of the centred residuals ûₜ − ū with replacement (a
    /// period's k residuals stay together), rebuilds the series recursively from the original
    /// first p observations, y*ₜ = ν̂ + δ̂t + Σⱼ Âⱼy*ₜ₋ⱼ + u*ₜ, refits a VAR(p) and computes
    /// Θ*₀…Θ*_H (Cholesky of its own Σ̂*ᵤ).
    ///
    /// **Kilian** (``VARBandMethod/kilianBiasCorrected``; L. Kilian 1998, "Small-sample
    /// confidence intervals for impulse response functions", *Review of Economics and
    /// Statistics* 80(2), 218–230): OLS slopes are biased towards zero in small samples, and
    /// percentile bands inherit the bias. Stage 1 (``biasCorrection(replications:seed:maxConcurrentTasks:progress:)``)
    /// estimates Ψ̂ = mean(Â*) − Â from `firstStageReplications` replicates and forms
    /// Ã = Â − δΨ̂ with the stationarity correction. Stage 2 generates each replicate from Ã
    /// (deterministic terms re-estimated given Ã, the same centred OLS residuals), refits it
    /// and corrects the replicate's slopes with the **first-stage** Ψ̂ by the same rule
    /// (Ã* = Â* − δ*Ψ̂, δ* the largest of 1, 0.99, … with m(Ã*) < 1; Ã* = Â* when
    /// m(Â*) ≥ 1); Θ*ᵢ comes from Ã* and the replicate's Σ̂*ᵤ.
    ///
    /// Bands are the (1 − level)/2 and (1 + level)/2 percentiles of the replicates, with
    /// numpy's default linear interpolation between order statistics (Hyndman–Fan type 7).
    /// These are not statsmodels' `irf_errband_mc` bands, which simulate Gaussian innovations.
    ///
    /// **Reproducibility.** Band replicate r draws from `ReplicateRandom(seed: seed, stream: r)`
    /// (the same draws under both methods), first-stage replicate i from stream
    /// ``VARBiasCorrection/streamOffset`` + i; the bands are bit-identical whatever
    /// `maxConcurrentTasks` is and in whatever order the replicates finish.
    /// - Parameters:
    ///   - horizon: H ≥ 0.
    ///   - replications: the number of band replicates (≥ 2).
    ///   - seed: the seed of every replicate stream.
    ///   - level: the coverage, strictly between 0 and 1.
    ///   - method: Kilian (default) or percentile.
    ///   - firstStageReplications: Kilian's first-stage replicates (≥ 2); `nil` = `replications`.
    ///   - maxConcurrentTasks: how many child tasks run replicates at once (≥ 1); it does not
    ///     change the result.
    ///   - progress: optional callback, once per finished chunk (the total counts both stages).
    /// - Returns: the bands, or why they were not computed.
    /// - Throws: ``StatsError/Code/invalidArgument`` for a bad argument;
    ///   ``StatsError/Code/notSupported`` for a fit with excluded rows
    ///   (``VARModel/fit(lags:trend:excluding:)``); ``StatsError/Code/replicateFailed`` when a
    ///   replicate cannot be fitted (for example a collinear resample); `CancellationError`
    ///   when the calling task is cancelled (checked before every replicate).
    /// - Complexity: `replications` (+ `firstStageReplications`) VAR fits of n×(kp + d)
    ///   regressors.
    public func impulseResponseBands(
        horizon: Int, replications: Int, seed: UInt64, level: Double = 0.95,
        method: VARBandMethod = .kilianBiasCorrected, firstStageReplications: Int? = nil, maxConcurrentTasks: Int = 4,
        progress: BootstrapProgressHandler? = nil
    ) async throws -> VARBandOutcome {
        let first = firstStageReplications ?? replications
        try checkBootstrapArguments(
            horizon: horizon, replications: replications, level: level, workers: maxConcurrentTasks)
        if method == .kilianBiasCorrected {
            try checkBootstrapArguments(
                horizon: horizon, replications: first, level: level, workers: maxConcurrentTasks)
        }
        let n = nobs
        return try await impulseResponseBands(
            horizon: horizon, replications: replications, seed: seed, level: level, method: method,
            firstStageReplications: first, workers: maxConcurrentTasks, progress: progress
        ) { stage, r in
            let stream = stage == .bias ? VARBiasCorrection.streamOffset &+ UInt64(r) : UInt64(r)
            return Self.residualDraws(seed: seed, stream: stream, count: n)
        }
    }

    /// The band engine with the residual indices of each replicate given by
    /// `draws(stage, replicate)` (n indices in 0..<n); tests replay fixed draws through it.
    package func impulseResponseBands(
        horizon: Int, replications: Int, seed: UInt64, level: Double, method: VARBandMethod,
        firstStageReplications first: Int, workers: Int, progress: BootstrapProgressHandler?,
        draws: @escaping @Sendable (VARBootstrapStage, Int) -> [Int]
    ) async throws -> VARBandOutcome {
        let modulus = maxEigenvalueModulus
        guard modulus < 1 else {
            return .notComputed(
                VARBandsNotComputed(
                    reason: .unstable, maxEigenvalueModulus: modulus,
                    message: "not computed: the VAR is not stable (max modulus \(Self.twoDecimals(modulus))); "
                        + "bootstrap percentiles of explosive responses do not measure sampling uncertainty. "
                        + "Transform the data to stationarity, use fewer lags or another period."))
        }
        let kilian = method == .kilianBiasCorrected
        let total = replications + (kilian ? first : 0)
        var correction: VARBiasCorrection? = nil
        if kilian {
            correction = try await biasCorrection(
                replications: first, seed: seed, workers: workers, progress: progress, total: total
            ) { draws(.bias, $0) }
        }
        let base = self
        let centred = centredResiduals
        let k = variableCount
        let d = trend.deterministicCount
        let generator = correction?.correctedCoefficients ?? coefficients
        let bias = correction?.biasBlock
        let width = (horizon + 1) * k * k
        let values = try await Bootstrap.evaluate(
            count: replications, workers: workers, label: .replicate, progress: progress,
            offset: kilian ? first : 0, total: total
        ) { r in
            let refit = try base.refit(
                base.simulated(coefficients: generator, centred: centred, draws: draws(.bands, r)))
            var b = refit.coefficients
            var delta = 1.0
            if let bias { (b, delta, _) = try Self.corrected(coefficients: b, bias: bias, k: k, lags: base.lags, d: d) }
            let phis = Self.maRepresentation(
                lagMatrices: Self.lagMatrices(coefficients: b, k: k, lags: base.lags, d: d), k: k, horizon: horizon)
            let p = try refit.sigmaU.choleskyUpper(name: "replicate residual covariance Σ̂*ᵤ").transposed
            return phis.flatMap { $0.multiplied(by: p).storage } + [delta]
        }
        var lower = [Matrix](repeating: Matrix(rows: k, columns: k), count: horizon + 1)
        var upper = lower
        let lowP = (1 - level) / 2
        let highP = (1 + level) / 2
        var column = [Double](repeating: 0, count: replications)
        for h in 0...horizon {
            for x in 0..<(k * k) {
                for r in 0..<replications { column[r] = values[r][h * k * k + x] }
                column.sort()
                lower[h].storage[x] = Self.percentile(sorted: column, lowP)
                upper[h].storage[x] = Self.percentile(sorted: column, highP)
            }
        }
        return .computed(
            VARImpulseResponseBands(
                method: method, level: level, replications: replications, firstStageReplications: kilian ? first : 0,
                seed: seed, lower: lower, upper: upper, biasCorrection: correction,
                shrunkReplicates: kilian ? values.count { $0[width] < 1 } : 0))
    }

    /// `1.03`: a modulus for messages.
    static func twoDecimals(_ x: Double) -> String {
        let scaled = (x * 100).rounded()
        let whole = Int(scaled / 100)
        let cents = Int(abs(scaled).truncatingRemainder(dividingBy: 100))
        return "\(whole).\(cents < 10 ? "0" : "")\(cents)"
    }

    /// numpy's default percentile (linear interpolation at position q·(N − 1)).
    static func percentile(sorted v: [Double], _ q: Double) -> Double {
        let position = q * Double(v.count - 1)
        let i = Int(position.rounded(.down))
        let fraction = position - Double(i)
        if i + 1 >= v.count { return v[v.count - 1] }
        return v[i] + fraction * (v[i + 1] - v[i])
    }
}

/// The two bootstraps of Kilian's bands; each has its own family of random streams.
package enum VARBootstrapStage: Sendable, Hashable {
    /// The first stage, estimating the bias.
    case bias
    /// The band replicates.
    case bands
}
