import RealModule

extension ThresholdRegression {
    /// Estimates γ, the regimes and the LR confidence interval (Hansen 2000).
    ///
    /// S(γ) is computed at every admissible split (both regimes ≥ the minimum regime size,
    /// k + 1 unless set, regimes not collinear): that grid carries the LR profile
    /// LR(γ) = n·(S(γ) − S(γ̂))/(S(γ̂)·η̂²) and the interval {γ : LR(γ) ≤ c(α)}, as in Hansen's
    /// own code; trimming only restricts the sup test's candidates (and γ̂ with
    /// ``ThresholdGrid/trimmed``). Regime coefficients come from each regime's own regression,
    /// with the standard errors of ``ThresholdOptions/resolvedRegimeCovariance`` — conditional on
    /// the estimated split.
    /// - Throws: ``StatsError`` when too few observations remain per regime after trimming,
    ///   when a candidate's regime is collinear, for a minimum regime size below k + 1, or for
    ///   an invalid confidence level.
    public func fit(options: ThresholdOptions = ThresholdOptions()) throws -> ThresholdResult {
        guard options.confidence > 0, options.confidence < 1 else {
            throw StatsError(
                .invalidArgument, "The confidence level must be strictly between 0 and 1; got \(options.confidence).")
        }
        let cands = try candidates(options)
        let minimum = try gridMinimum(options)
        let full = try precompute(splits: splits(minimum: minimum), skipCollinear: true)
        let (_, e0) = try full.qrX.solve(y)
        var s0 = 0.0
        for v in e0 { s0 += v * v }
        let c1 = cumulativeScores(e0, full)
        let fullSSR = (0..<full.cands.count).map { max(0, s0 - Self.quadratic(c1[$0], full.a[$0])) }
        let index = Dictionary(uniqueKeysWithValues: full.cands.enumerated().map { ($0.element.m, $0.offset) })
        var trimmedIndex: [Int] = []
        for (gamma, m) in cands {
            guard let j = index[m] else {
                throw StatsError(
                    .rankDeficient,
                    "At threshold \(thresholdName) = \(gamma) a regime's regressors are collinear (for example a dummy that is constant within the regime); "
                        + "increase the trimming or the minimum regime size.", context: ["threshold": String(gamma)])
            }
            trimmedIndex.append(j)
        }
        let searched = options.estimationGrid == .trimmed ? trimmedIndex : Array(full.cands.indices)
        var best = searched[0]
        for j in searched where fullSSR[j] < fullSSR[best] { best = j }
        let (gammaHat, mHat) = full.cands[best]
        let sHat = fullSSR[best]

        let fits = [try regimeFit(rows: Array(0..<mHat)), try regimeFit(rows: Array(mHat..<n))]
        let ssrHat = fits[0].ssr + fits[1].ssr
        let kind = options.resolvedRegimeCovariance
        let regimes = fits.enumerated().map { r, f in
            let cov = Self.regimeCovariance(f, kind: kind, pooledSigma2: ssrHat / Double(n - 2 * k))
            return ThresholdRegime(
                label: r == 0 ? "\(thresholdName) <= \(gammaHat)" : "\(thresholdName) > \(gammaHat)",
                nobs: f.rows.count, ssr: f.ssr, names: names, coefficients: f.coefficients,
                standardErrors: cov.diagonal.map { $0.squareRoot() }, covariance: kind,
                residualDF: f.rows.count - k, maxLeverage: f.leverage.max() ?? 0)
        }

        var diagnostics: [ThresholdDiagnostic] = []
        var eta2 = 1.0
        if options.covariance == .heteroskedastic {
            let delta = zip(fits[1].coefficients, fits[0].coefficients).map { $0 - $1 }
            let eHat = fits[0].residuals + fits[1].residuals
            var dx2 = [Double](repeating: 0, count: n)
            for i in 0..<n {
                var dx = 0.0
                for j in 0..<k { dx += delta[j] * x[i, j] }
                dx2[i] = dx * dx
            }
            let e2 = eHat.map { $0 * $0 }
            if let v = try Self.eta2(
                method: options.eta2Method, q: q, dx2: dx2, e2: e2, gammaHat: gammaHat, ssr: sHat)
            {
                eta2 = v
            } else if options.eta2Method == .kernel,
                let v = try Self.eta2(method: .quadratic, q: q, dx2: dx2, e2: e2, gammaHat: gammaHat, ssr: sHat)
            {
                eta2 = v
                diagnostics.append(
                    ThresholdDiagnostic(
                        .eta2Fallback,
                        "The kernel estimate of η² is not finite and positive; the quadratic estimate \(v) is used."))
            } else {
                diagnostics.append(
                    ThresholdDiagnostic(
                        .eta2Fallback,
                        "The estimate of η² is not finite and positive; the LR interval uses η² = 1 (homoskedastic)."))
            }
        }
        let crit = -2 * Double.log(1 - options.confidence.squareRoot())
        let profileLR = fullSSR.map { Double(n) * ($0 - sHat) / sHat / eta2 }
        let inside = full.cands.indices.filter { profileLR[$0] <= crit }.map { full.cands[$0].gamma }
        let ci = ConfidenceInterval(
            name: thresholdName, lower: inside.min() ?? gammaHat, upper: inside.max() ?? gammaHat)
        let nextQ = q.first { $0 > ci.upper } ?? ci.upper
        let split = ConfidenceInterval(name: thresholdName, lower: ci.lower, upper: nextQ)

        var distinct = 1
        for i in 1..<n where q[i] != q[i - 1] { distinct += 1 }
        diagnostics += fitDiagnostics(
            regimes: regimes, candidates: cands.count, distinct: distinct, interval: ci, grid: full,
            minimum: minimum,
            outside: options.estimationGrid == .trimmed ? fullSSR.indices.first { fullSSR[$0] < sHat } : nil,
            options: options)
        return ThresholdResult(
            thresholdName: thresholdName, threshold: gammaHat, candidates: cands.map(\.gamma),
            ssrProfile: trimmedIndex.map { fullSSR[$0] }, lrProfile: trimmedIndex.map { profileLR[$0] },
            profileGamma: full.cands.map(\.gamma), profileSSR: fullSSR, profileLR: profileLR,
            minimumRegimeSize: minimum, confidenceInterval: ci, splitEquivalentInterval: split,
            criticalValue: crit, eta2: eta2, ssr: ssrHat, ssrLinear: s0, regimes: regimes, nobs: n,
            distinctThresholdValues: distinct, diagnostics: diagnostics, options: options)
    }

    /// The remarks on a fit (see ``ThresholdDiagnostic/Code``).
    func fitDiagnostics(
        regimes: [ThresholdRegime], candidates: Int, distinct: Int, interval: ConfidenceInterval, grid: Precomputed,
        minimum: Int, outside: Int?, options: ThresholdOptions
    ) -> [ThresholdDiagnostic] {
        var out: [ThresholdDiagnostic] = []
        for r in regimes where r.residualDF < 5 {
            out.append(
                ThresholdDiagnostic(
                    .fewResidualDF,
                    "Regime \(r.label) has \(r.nobs) observations for \(k) coefficients (\(r.residualDF) residual degrees "
                        + "of freedom): its standard errors rest on almost no information."))
        }
        if candidates < 10 {
            out.append(
                ThresholdDiagnostic(
                    .fewCandidates,
                    "Only \(candidates) candidate threshold\(candidates == 1 ? "" : "s") remain after trimming "
                        + "\(options.trim) of n = \(n): the sup test searches almost nothing."))
        }
        if 2 * distinct < n {
            out.append(
                ThresholdDiagnostic(
                    .stepFunctionThreshold,
                    "The threshold variable '\(thresholdName)' takes \(distinct) distinct values in \(n) observations "
                        + "(a step function); Hansen's asymptotics assume a continuous threshold variable."))
        }
        out.append(
            ThresholdDiagnostic(
                .conditionalOnSplit,
                "Regime standard errors treat the split at the estimated threshold as known: regime inference is "
                    + "conditional on the estimated split."))
        if let first = grid.cands.first?.gamma, let last = grid.cands.last?.gamma,
            interval.lower == first || interval.upper == last
        {
            out.append(
                ThresholdDiagnostic(
                    .intervalAtGridEnd,
                    "The LR interval reaches the \(interval.lower == first ? "first" : "last") admissible split "
                        + "(\(minimum) observations in a regime): the set of thresholds not rejected may extend "
                        + "further, so the interval is censored by the sample."))
        }
        if let j = outside {
            out.append(
                ThresholdDiagnostic(
                    .minimumOutsideTrimmedRange,
                    "The split at \(thresholdName) = \(grid.cands[j].gamma), outside the trimmed candidates, has a "
                        + "smaller SSR than the estimate; its LR statistic is negative."))
        }
        return out
    }
}
