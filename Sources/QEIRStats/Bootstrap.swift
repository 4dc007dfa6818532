/// Settings of a bootstrap run.
public struct BootstrapOptions: Sendable, Hashable {
    /// The number of bootstrap replicates B (at least 1; 999 by default, so that (B+1)·α is an
    /// integer for the usual levels).
    public var replications: Int
    /// The seed. Replicate b draws from `ReplicateRandom(seed: seed, stream: UInt64(b))`, so a
    /// seed gives bit-identical replicates whatever ``maxConcurrency`` is.
    public var seed: UInt64
    /// The most worker tasks to run at once; `nil` = the number of active cores.
    public var maxConcurrency: Int?
    /// Compute the n leave-one-out (jackknife) values of the statistic, which BCa intervals
    /// need for their acceleration. Costs n extra evaluations; turn it off for very large n
    /// when BCa is not wanted.
    public var jackknife: Bool

    /// Creates options (999 replicates, seed 0, one worker per active core, jackknife on).
    public init(replications: Int = 999, seed: UInt64 = 0, maxConcurrency: Int? = nil, jackknife: Bool = true) {
        self.replications = replications
        self.seed = seed
        self.maxConcurrency = maxConcurrency
        self.jackknife = jackknife
    }

    func validate() throws {
        guard replications >= 1 else {
            throw StatsError(
                .invalidArgument,
                "The number of bootstrap replications must be at least 1; got \(replications). "
                    + "Use 999 or more for intervals.", context: ["replications": String(replications)])
        }
        if let m = maxConcurrency, m < 1 {
            throw StatsError(
                .invalidArgument,
                "maxConcurrency must be at least 1 (or nil for one task per active core); got \(m).",
                context: ["max_concurrency": String(m)])
        }
    }

    var workers: Int { maxConcurrency ?? BootstrapPlatform.activeProcessorCount }
}

/// Progress of a bootstrap run.
///
/// `total` counts every evaluation of the statistic after the full-sample one: the B
/// replicates, then the n jackknife evaluations when ``BootstrapOptions/jackknife`` is on.
/// Reports arrive once per finished chunk of work, from the task that called the bootstrap,
/// one at a time and with `completed` increasing; the last one has `completed == total`.
public struct BootstrapProgress: Sendable, Hashable {
    /// Evaluations finished so far.
    public let completed: Int
    /// Evaluations in the whole run.
    public let total: Int
}

/// The progress callback of a bootstrap run. Keep it cheap: it runs between chunks of work.
public typealias BootstrapProgressHandler = @Sendable (BootstrapProgress) -> Void

/// The bootstrap engine: resampling schemes, parallel reproducible replicates, and the inputs
/// of percentile, basic, BCa and studentized intervals (``BootstrapResult``).
///
/// ```swift
/// let result = try await Bootstrap().regression(
///     y: y, design: design, scheme: .wild(.webb), covariance: .hc1,
///     options: BootstrapOptions(replications: 1999, seed: 42))
/// let ci = try result.confidenceIntervals(.studentized, level: 0.95)
/// ```
///
/// **Reproducibility.** Replicate b uses only `ReplicateRandom(seed: seed, stream: UInt64(b))`,
/// so the replicate matrix is bit-identical for a seed whatever the number of worker tasks.
///
/// **Concurrency.** Replicates are split into chunks run by a `TaskGroup` with at most
/// ``BootstrapOptions/maxConcurrency`` chunks in flight. Cancelling the calling task stops the
/// run between two evaluations and throws `CancellationError`.
///
/// References: B. Efron & R. J. Tibshirani (1993), *An Introduction to the Bootstrap*;
/// A. C. Davison & D. V. Hinkley (1997), *Bootstrap Methods and their Application*.
public struct Bootstrap: Sendable {
    /// Creates the engine (it holds no state).
    public init() {}

    /// Bootstraps any statistic of a data set by resampling its rows.
    ///
    /// Each replicate applies `statistic` to the rows of `data` drawn by `scheme` (pairs, moving
    /// block, circular block or stationary). The statistic sees the whole resampled matrix, so
    /// it can be a mean, a correlation, a quantile or the coefficients of any estimator.
    ///
    /// - Parameters:
    ///   - data: the observations, one row each (n × columns). Must be finite.
    ///   - names: a name for each value the statistic returns.
    ///   - scheme: a row-resampling scheme; a `nil` block length is chosen automatically (the
    ///     mean over the non-constant columns of their Politis–White lengths).
    ///   - options: replications, seed, concurrency, jackknife.
    ///   - statistic: θ(data) → p values; called once on `data` and once per replicate, from
    ///     several tasks at once.
    ///   - standardErrors: optional SE(θ)(data) → p values, for studentized intervals.
    ///   - progress: optional callback (see ``BootstrapProgress``).
    /// - Returns: the estimates, the B × p replicate matrix, bootstrap SEs and interval inputs.
    /// - Throws: ``StatsError`` — `invalidArgument` for B < 1, an empty `names` or a model-based
    ///   scheme; `insufficientObservations` for n < 2; `nonFinite` for NaN/∞ in `data` or in
    ///   the statistic's value on it; `invalidBlockLength` for a block length < 1 or ≥ n;
    ///   `replicateFailed` when a replicate's statistic throws (naming the replicate);
    ///   `CancellationError` when the task is cancelled.
    /// - Complexity: B + n evaluations of the statistic (n only with the jackknife), spread over
    ///   the worker tasks.
    public func run(
        data: Matrix, names: [String], scheme: BootstrapScheme = .pairs,
        options: BootstrapOptions = BootstrapOptions(),
        statistic: @escaping @Sendable (Matrix) throws -> [Double],
        standardErrors: (@Sendable (Matrix) throws -> [Double])? = nil,
        progress: BootstrapProgressHandler? = nil
    ) async throws -> BootstrapResult {
        try options.validate()
        guard scheme.resamplesRows else {
            throw StatsError(
                .invalidArgument,
                "The \(scheme.name) scheme rebuilds the dependent variable of a regression and cannot resample "
                    + "a data matrix; use Bootstrap.regression(y:design:…) or a row scheme "
                    + "(pairs, moving block, circular block, stationary).")
        }
        guard !names.isEmpty else {
            throw StatsError(.invalidArgument, "Give a name for each value the statistic returns; names is empty.")
        }
        let n = data.rows
        guard n >= 2 else {
            throw StatsError(
                .insufficientObservations,
                "The bootstrap needs at least 2 observations (rows); the data has \(n).",
                context: ["nobs": String(n)])
        }
        for j in 0..<data.columns {
            for i in 0..<n where !data[i, j].isFinite {
                throw StatsError(
                    .nonFinite,
                    "Column \(j + 1) of the data has a non-finite value (\(data[i, j])) at observation \(i + 1); "
                        + "drop or impute missing values before bootstrapping.",
                    context: ["column": String(j + 1), "observation": String(i + 1), "value": String(data[i, j])])
            }
        }
        try scheme.validate(nobs: n)
        let resolved = try Self.resolve(scheme, data: data)
        let p = names.count
        let estimates = try Self.checked(statistic(data), p: p, what: "The statistic on the full sample")
        let estimateSE = try standardErrors.map {
            try Self.checked($0(data), p: p, what: "The standard errors on the full sample")
        }
        let seed = options.seed
        let draws = try await Self.evaluate(
            count: options.replications, workers: options.workers, label: .replicate,
            progress: progress, offset: 0, total: options.replications + (options.jackknife ? n : 0)
        ) { b in
            var rng = ReplicateRandom(seed: seed, stream: UInt64(b))
            let sample = data.selectingRows(resolved.indices(count: n, using: &rng))
            let theta = try Self.checked(statistic(sample), p: p, what: "The statistic")
            guard let standardErrors else { return theta }
            return theta + (try Self.checked(standardErrors(sample), p: p, what: "The standard errors"))
        }
        var jackknife: [[Double]]?
        if options.jackknife {
            jackknife = try await Self.evaluate(
                count: n, workers: options.workers, label: .jackknife, progress: progress,
                offset: options.replications, total: options.replications + n
            ) { i in
                let rows = Array(0..<i) + Array((i + 1)..<n)
                return try Self.checked(statistic(data.selectingRows(rows)), p: p, what: "The statistic")
            }
        }
        return try BootstrapResult(
            assembling: draws, p: p, names: names, estimates: estimates, estimateStandardErrors: estimateSE,
            jackknife: jackknife, scheme: resolved, seed: seed)
    }

    /// Bootstraps the OLS coefficients of y on a design, with any scheme.
    ///
    /// - Row schemes (pairs, blocks, stationary) resample rows (yᵢ, xᵢ) — and cluster labels,
    ///   when the covariance has them — and refit.
    /// - ``BootstrapScheme/residual``: y* = Xβ̂ + e*, e* drawn with replacement from the centred
    ///   residuals eᵢ − ē; X fixed.
    /// - ``BootstrapScheme/wild(_:)``: y*ᵢ = xᵢβ̂ + eᵢvᵢ with the chosen weights; X fixed.
    ///
    /// Every replicate is an OLS refit of y* on its design; its standard errors under
    /// `covariance` studentize the replicate, and the full-sample ones studentize the
    /// interval (Davison & Hinkley 1997, eq. 5.7). The jackknife deletes one observation at
    /// a time and refits. For nonrobust and HC covariances the refits run in a lean kernel
    /// (rows gathered into a reused per-task buffer, Householder QR, no result assembly) that
    /// computes what `OLS().fit(y:design:covariance:)` computes; replicates it declines
    /// (ill-conditioned or rank-deficient resamples) and HAC or cluster covariances are refit
    /// by `OLS().fit` itself. An automatic block length is the mean Politis–White length over y
    /// and the non-constant regressors.
    ///
    /// - Parameters:
    ///   - y: the dependent variable (n finite values).
    ///   - design: the regressors (full column rank).
    ///   - scheme: any scheme.
    ///   - covariance: the covariance whose standard errors studentize replicates (HC1 by default).
    ///   - options: replications, seed, concurrency, jackknife.
    ///   - progress: optional callback (see ``BootstrapProgress``).
    ///   - yName: the dependent variable's name, for error messages.
    /// - Returns: coefficients, the B × k replicate matrix, replicate standard errors and
    ///   jackknife values, labelled by the design's names.
    /// - Throws: ``StatsError`` from the full-sample fit (non-finite y, n ≤ k, collinearity), as
    ///   ``run(data:names:scheme:options:statistic:standardErrors:progress:)`` for the options and
    ///   block length, and `replicateFailed` when a replicate's fit fails (for example a
    ///   resampled design that is collinear), naming the replicate; `CancellationError` on
    ///   cancellation.
    /// - Complexity: B + n OLS fits, O(n·k²) each.
    public func regression(
        y: [Double], design: DesignMatrix, scheme: BootstrapScheme = .pairs, covariance: CovarianceOptions = .hc1,
        options: BootstrapOptions = BootstrapOptions(), progress: BootstrapProgressHandler? = nil,
        yName: String = "y"
    ) async throws -> BootstrapResult {
        try options.validate()
        let ols = OLS()
        let fit = try ols.fit(y: y, design: design, covariance: covariance, yName: yName)
        let n = design.nobs
        try scheme.validate(nobs: n)
        // The data matrix [y, X] is only needed to choose an automatic block length.
        let resolved: BootstrapScheme
        if scheme.needsAutomaticLength {
            var dataColumns = [y]
            for j in 0..<design.count { dataColumns.append(design.matrix.column(j)) }
            resolved = try Self.resolve(scheme, data: try Matrix(columns: dataColumns))
        } else {
            resolved = scheme
        }
        let k = fit.names.count
        let fitted = fit.fittedValues
        let residuals = fit.residuals
        var meanResidual = 0.0
        for e in residuals { meanResidual += e }
        meanResidual /= Double(n)
        let centred = residuals.map { $0 - meanResidual }
        @Sendable func refit(_ yStar: [Double], _ rows: [Int]?) throws -> RegressionResult {
            guard let rows else { return try ols.fit(y: yStar, design: design, covariance: covariance, yName: yName) }
            var cov = covariance
            if let labels = cov.clusters { cov.clusters = rows.map { labels[$0] } }
            return try ols.fit(y: yStar, design: design.selectingRows(rows), covariance: cov, yName: yName)
        }
        // Lean kernels refit nonrobust/HC replicates of a full-rank design (the Gram kernel for
        // k ≤ 16, Householder above); otherwise (HAC, clusters, dropped columns) and for the
        // replicates a kernel declines (ill-conditioned or rank-deficient resamples) a replicate
        // is an OLS().fit.
        let fullRank = k == design.count
        let gram = fullRank ? ReplicateGramKernel(design: design.matrix, y: y, covariance: covariance) : nil
        let householder =
            fullRank && gram == nil ? ReplicateLeastSquares(design: design.matrix, covariance: covariance) : nil
        let fixedDesign = !resolved.resamplesRows
        let seed = options.seed
        let width = 2 * k
        @Sendable func single(_ b: Int, _ ws: ReplicateWorkspace, _ out: UnsafeMutablePointer<Double>) throws {
            var rng = ReplicateRandom(seed: seed, stream: UInt64(b))
            let yStar = ws.response
            switch resolved {
            case .residual:
                for i in 0..<n { yStar[i] = fitted[i] + centred[rng.nextIndex(below: n)] }
                if let gram, gram.fitFixedDesign(workspace: ws, into: out) { return }
            case let .wild(weights):
                for i in 0..<n { yStar[i] = fitted[i] + residuals[i] * weights.draw(using: &rng) }
                if let gram, gram.fitFixedDesign(workspace: ws, into: out) { return }
            default:
                resolved.fillIndices(ws.rows, count: n, using: &rng)
                for i in 0..<n { yStar[i] = y[ws.rows[i]] }
            }
            if fixedDesign { ws.setIdentityRows(n) }
            if let householder, householder.fit(m: n, workspace: ws, standardErrors: true, into: out) { return }
            let result = try refit(
                Array(UnsafeBufferPointer(start: yStar, count: n)),
                fixedDesign ? nil : Array(UnsafeBufferPointer(start: ws.rows, count: n)))
            for j in 0..<k {
                out[j] = result.coefficients[j]
                out[k + j] = result.standardErrors[j]
            }
        }
        // Row schemes with the Gram kernel go in batches with fixed boundaries (multiples of
        // the batch size from 0, see ReplicateGramKernel); a task takes up to 4 batches.
        let batch = fixedDesign ? nil : gram?.batchSize
        let chunk = batch.map { $0 * max(1, min(4, options.replications / ($0 * options.workers * 4))) }
        let draws = try await Self.evaluateRows(
            count: options.replications, width: width, workers: options.workers, chunk: chunk, progress: progress,
            offset: 0, total: options.replications + (options.jackknife ? n : 0),
            workspace: {
                (
                    ReplicateWorkspace(capacity: n, columns: k),
                    batch.map { ReplicateBatchWorkspace(rows: n, columns: k, batch: $0) }
                )
            }
        ) { range, ws, base in
            if let gram, let batch, let batchWorkspace = ws.1 {
                for start in stride(from: range.lowerBound, to: range.upperBound, by: batch) {
                    try Task.checkCancellation()
                    let part = start..<min(range.upperBound, start + batch)
                    let out = base + (start - range.lowerBound) * width
                    let declined = gram.fitBatch(
                        part, scheme: resolved, seed: seed, workspace: batchWorkspace, into: out)
                    for b in declined {
                        try Self.wrapping(label: .replicate, index: b, count: options.replications) {
                            try single(b, ws.0, base + (b - range.lowerBound) * width)
                        }
                    }
                }
                return
            }
            for b in range {
                try Task.checkCancellation()
                try Self.wrapping(label: .replicate, index: b, count: options.replications) {
                    try single(b, ws.0, base + (b - range.lowerBound) * width)
                }
            }
        }
        var jackknife: [Double]?
        if options.jackknife {
            jackknife = try await Self.evaluateRows(
                count: n, width: k, workers: options.workers, chunk: nil, progress: progress,
                offset: options.replications, total: options.replications + n,
                workspace: { ReplicateWorkspace(capacity: n, columns: k) }
            ) { range, ws, base in
                for i in range {
                    try Task.checkCancellation()
                    try Self.wrapping(label: .jackknife, index: i, count: n) {
                        let out = base + (i - range.lowerBound) * k
                        if let gram, gram.fitLeavingOut(i, workspace: ws, into: out) { return }
                        for r in 0..<(n - 1) {
                            let row = r < i ? r : r + 1
                            ws.rows[r] = row
                            ws.response[r] = y[row]
                        }
                        if let householder, householder.fit(m: n - 1, workspace: ws, standardErrors: false, into: out) {
                            return
                        }
                        let rows = Array(0..<i) + Array((i + 1)..<n)
                        let coefficients = try refit(rows.map { y[$0] }, rows).coefficients
                        for j in 0..<k { out[j] = coefficients[j] }
                    }
                }
            }
        }
        return try BootstrapResult(
            assemblingRows: draws, p: k, names: fit.names, estimates: fit.coefficients,
            estimateStandardErrors: fit.standardErrors, jackknife: jackknife, scheme: resolved, seed: seed)
    }

    /// The row indices of replicate `replicate` under `scheme` — exactly the rows a run with
    /// this seed uses — for inspecting or reproducing one replicate.
    ///
    /// - Parameters:
    ///   - scheme: a row scheme with its block length given (automatic lengths depend on the
    ///     data; take them from ``BootstrapResult/scheme``). ``BootstrapScheme/residual`` draws
    ///     the residual indices it uses.
    ///   - count: n, the number of observations.
    ///   - seed: the run's seed.
    ///   - replicate: the replicate index b (0-based).
    /// - Throws: ``StatsError`` for n < 2, a missing or invalid block length, or the wild scheme
    ///   (which draws weights, not indices).
    public static func resampleIndices(
        scheme: BootstrapScheme, count n: Int, seed: UInt64, replicate: Int
    ) throws -> [Int] {
        guard n >= 2 else {
            throw StatsError(
                .insufficientObservations, "Resampling needs at least 2 observations; got \(n).",
                context: ["nobs": String(n)])
        }
        if case .wild = scheme {
            throw StatsError(.invalidArgument, "The wild bootstrap draws weights, not indices; use WildWeights.draw.")
        }
        guard !scheme.needsAutomaticLength else {
            throw StatsError(
                .invalidBlockLength,
                "Give the block length: the automatic choice depends on the data (see BootstrapResult.scheme).")
        }
        try scheme.validate(nobs: n)
        var rng = ReplicateRandom(seed: seed, stream: UInt64(replicate))
        return scheme.indices(count: n, using: &rng)
    }

    // MARK: - Engine

    enum Phase { case replicate, jackknife }

    /// Checks a statistic's output: p finite values.
    static func checked(_ values: [Double], p: Int, what: String) throws -> [Double] {
        guard values.count == p else {
            throw StatsError(
                .dimensionMismatch,
                "\(what) returned \(values.count) values but \(p) names were given; return one value per name.")
        }
        if let bad = values.firstIndex(where: { !$0.isFinite }) {
            throw StatsError(
                .nonFinite, "\(what) returned a non-finite value (\(values[bad])) at position \(bad + 1).",
                context: ["position": String(bad + 1)])
        }
        return values
    }

    /// Evaluates `body(0..<count)` on at most `workers` concurrent tasks, in chunks, and returns
    /// the results in index order (so the output never depends on scheduling).
    static func evaluate(
        count: Int, workers: Int, label: Phase, progress: BootstrapProgressHandler?, offset: Int, total: Int,
        body: @escaping @Sendable (Int) throws -> [Double]
    ) async throws -> [[Double]] {
        try Task.checkCancellation()
        let chunk = max(1, min(64, count / (workers * 8)))
        var results = [[Double]](repeating: [], count: count)
        var done = 0
        try await forEachChunk(count: count, chunk: chunk, workers: workers) { range in
            var out: [[Double]] = []
            out.reserveCapacity(range.count)
            for i in range {
                try Task.checkCancellation()
                out.append(try wrapping(label: label, index: i, count: count) { try body(i) })
            }
            return out
        } collect: { range, out in
            for (offsetInChunk, value) in out.enumerated() { results[range.lowerBound + offsetInChunk] = value }
            done += out.count
            progress?(BootstrapProgress(completed: offset + done, total: total))
        }
        return results
    }

    /// Evaluates 0..<count in chunks on at most `workers` concurrent tasks and returns a
    /// count × width row-major buffer: `body(range, workspace, rows)` writes the rows of the
    /// evaluations in `range` to `rows` (row i − range.lowerBound for evaluation i). The
    /// output never depends on scheduling.
    ///
    /// Each task makes one workspace with `workspace()` and reuses it for its chunk. `chunk`
    /// fixes the chunk size (and so the chunk boundaries, whatever `workers` is); `nil` picks
    /// up to 256 evaluations, at least 8 chunks per worker, to amortize the task overhead and
    /// balance the load.
    static func evaluateRows<Workspace>(
        count: Int, width: Int, workers: Int, chunk fixedChunk: Int?, progress: BootstrapProgressHandler?,
        offset: Int, total: Int, workspace: @escaping @Sendable () -> Workspace,
        body: @escaping @Sendable (Range<Int>, Workspace, UnsafeMutablePointer<Double>) throws -> Void
    ) async throws -> [Double] {
        try Task.checkCancellation()
        let chunk = fixedChunk ?? max(1, min(256, count / (workers * 8)))
        var results = [Double](repeating: .nan, count: count * width)
        var done = 0
        try await forEachChunk(count: count, chunk: chunk, workers: workers) { range in
            let ws = workspace()
            var out = [Double](repeating: .nan, count: range.count * width)
            try out.withUnsafeMutableBufferPointer { buffer in
                try body(range, ws, buffer.baseAddress!)
            }
            return out
        } collect: { range, out in
            results.withUnsafeMutableBufferPointer { dst in
                for (j, v) in out.enumerated() { dst[range.lowerBound * width + j] = v }
            }
            done += out.count / max(width, 1)
            progress?(BootstrapProgress(completed: offset + done, total: total))
        }
        return results
    }

    /// Runs `work` on the chunks `[start, start + chunk)` of `0..<count`, at most `workers` at a
    /// time, and hands each finished chunk to `collect` on the calling task (in completion
    /// order; callers place results by range, so the output never depends on scheduling).
    static func forEachChunk<Output: Sendable>(
        count: Int, chunk: Int, workers: Int, work: @escaping @Sendable (Range<Int>) throws -> Output,
        collect: (Range<Int>, Output) -> Void
    ) async throws {
        try await withThrowingTaskGroup(of: (Range<Int>, Output).self) { group in
            var next = 0
            var running = 0
            while next < count || running > 0 {
                while next < count && running < workers {
                    let range = next..<min(count, next + chunk)
                    next = range.upperBound
                    running += 1
                    group.addTask { (range, try work(range)) }
                }
                guard let (range, out) = try await group.next() else { break }
                running -= 1
                collect(range, out)
            }
        }
    }

    /// Runs one evaluation, turning its failure into a `replicateFailed` error that names it.
    static func wrapping<Value>(
        label: Phase, index: Int, count: Int, _ work: () throws -> Value
    ) throws -> Value {
        do {
            return try work()
        } catch let error as CancellationError {
            throw error
        } catch {
            let message = (error as? StatsError)?.message ?? String(describing: error)
            let which =
                switch label {
                case .replicate: "Bootstrap replicate \(index + 1) of \(count)"
                case .jackknife: "The jackknife evaluation leaving out observation \(index + 1)"
                }
            throw StatsError(
                .replicateFailed,
                "\(which) failed: \(message) Try another seed, more observations, or a scheme that keeps "
                    + "the design fixed (residual, wild).",
                context: [
                    "phase": label == .replicate ? "replicate" : "jackknife", "index": String(index + 1),
                    "cause": (error as? StatsError)?.code.rawValue ?? String(describing: type(of: error)),
                ])
        }
    }
}
