import Foundation
public import QEIRBatch

/// The version of the hypothesis layer, recorded in every job's manifest.
public enum QEIRHypothesesVersion {
    /// The current version string.
    public static let current = "0.7.0"
}

/// The payload of a `"hypothesis"` job.
///
/// ```json
/// { "format": 1,
///   "configuration": { "confidence_level": 0.95, "h1_confidence_proxy": "financial_stress_index" },
///   "period": ["2008-01-01", "2015-12-31"],
///   "specification": "alternative" }
/// ```
///
/// `configuration` is the job's merged configuration (``QEIRBatch/JobDefinition/configuration``:
/// `base_config` overlaid with the specification's object); `period` (`null` for a
/// specification-only job) and `specification` (`null` for a period-only job, read as
/// `"default"`) come from the definition.
public struct HypothesisJobPayload: Sendable, Hashable, Codable {
    /// The payload layout's version (1).
    public var format: Int
    /// The merged configuration.
    public var configuration: ConfigValue
    /// The period as `[start, end]` (`YYYY-MM-DD`), or `nil`.
    public var period: [String]?
    /// The specification name, or `nil`.
    public var specification: String?

    /// Creates a payload.
    public init(configuration: ConfigValue, period: BatchPeriod?, specification: String?) {
        self.format = 1
        self.configuration = configuration
        self.period = period.map { [$0.start.description, $0.end.description] }
        self.specification = specification
    }

    /// The payload of a generated job.
    public init(definition: JobDefinition) {
        self.init(
            configuration: definition.configuration, period: definition.period, specification: definition.specification)
    }

    /// The period, parsed.
    /// - Throws: ``HypothesisError`` (``HypothesisError/Code/invalidPayload``) naming the bad value.
    public func batchPeriod() throws -> BatchPeriod? {
        guard let period else { return nil }
        guard period.count == 2, let start = BatchDate(period[0]), let end = BatchDate(period[1]) else {
            throw HypothesisError(
                .invalidPayload,
                "The job payload's period \(period) is not [start, end] with YYYY-MM-DD dates; regenerate the job.",
                context: ["period": period.joined(separator: ",")])
        }
        do {
            return try BatchPeriod(start: start, end: end)
        } catch {
            throw HypothesisError(.invalidPayload, "The job payload's period is invalid: \(error)")
        }
    }

    /// The parsed configuration of this payload.
    /// - Throws: ``HypothesisError`` for a bad period or configuration value.
    public func hypothesisConfiguration() throws -> HypothesisConfiguration {
        guard format == 1 else {
            throw HypothesisError(
                .invalidPayload,
                "The job payload has format \(format); this QEIR reads format 1. Regenerate the job with this version.",
                context: ["format": String(format)])
        }
        return try HypothesisConfiguration(
            parsing: configuration, period: try batchPeriod(), specification: specification)
    }
}

/// Turns generated job definitions into hypothesis jobs.
public enum HypothesisJobs {
    /// The handler name hypothesis jobs are registered under: `"hypothesis"`.
    public static let handlerName = "hypothesis"
    /// The ``QEIRBatch/JobSpec/inputs`` key of the data vintage.
    public static let dataVintageKey = "data_vintage"

    /// One ``QEIRBatch/JobSpec`` per definition (from ``QEIRBatch/BatchConfiguration/gridJobs(prefix:)``
    /// and friends): handler `"hypothesis"`, payload ``HypothesisJobPayload``, seed the
    /// configuration's `seed`, and `inputs["data_vintage"]` the data source's vintage, so a job's
    /// content hash changes when the data do. Every configuration is parsed first, so a wrong
    /// value fails here, before anything is submitted.
    /// - Parameters:
    ///   - definitions: the generated jobs.
    ///   - dataVintage: the data source's ``SeriesSource/vintage``.
    ///   - maxRetries: retries after a failed attempt.
    ///   - timeout: per-attempt time limit, or `nil` for the processor's.
    /// - Returns: the job specs, in order.
    /// - Throws: ``HypothesisError`` naming the job and the configuration path at fault;
    ///   ``QEIRBatch/BatchError`` for a payload that cannot be encoded.
    public static func jobSpecs(
        from definitions: [JobDefinition], dataVintage: String, maxRetries: Int = 1, timeout: Duration? = nil
    ) throws -> [JobSpec] {
        try definitions.map { definition in
            let payload = HypothesisJobPayload(definition: definition)
            let configuration: HypothesisConfiguration
            do {
                configuration = try payload.hypothesisConfiguration()
            } catch let error as HypothesisError {
                throw HypothesisError(
                    error.code, "Job \(definition.id): \(error.message)",
                    context: error.context.merging(["job": definition.id.rawValue]) { _, new in new })
            }
            var tags = ["hypothesis", "spec:\(configuration.specification)"]
            if let period = definition.period { tags.append("period:\(period.start)..\(period.end)") }
            return try JobSpec(
                id: definition.id, handler: handlerName, encoding: payload, maxRetries: maxRetries, timeout: timeout,
                tags: tags, inputs: try configuration.seriesFileInputs().merging([dataVintageKey: dataVintage]) { $1 },
                seed: configuration.seed)
        }
    }
}

/// Runs `"hypothesis"` jobs: decodes the ``HypothesisJobPayload``, runs the configured
/// hypotheses on the data source, reports progress, and returns the ``HypothesisJobResult``
/// as the job's result, with `result.json` (the same result, written by ``HypothesisJobResult/jsonData()``),
/// `summary.txt` and, per hypothesis, the table it estimated on (`data/h1.csv`…, see
/// ``EstimationData``) as files; the manifest lists each file with its content hash.
///
/// ```swift
/// let source = try EmbeddedSeriesSource()
/// let jobs = try HypothesisJobs.jobSpecs(from: configuration.gridJobs(), dataVintage: source.vintage)
/// let processor = BatchProcessor(store: store, handlers: [HypothesisJobs.handlerName: HypothesisJobHandler(source: source)])
/// try await processor.submit(jobs)
/// ```
///
/// The seed is the configuration's `seed` when set, else the job's ``QEIRBatch/JobSpec/seed``,
/// else 0. A job declared for another data vintage than the source's still runs, with a warning
/// in its result.
public struct HypothesisJobHandler: JobHandler {
    /// The runner (and its data source).
    public let runner: HypothesisRunner

    /// Creates a handler.
    /// - Parameters:
    ///   - source: where series come from.
    ///   - maxConcurrency: the most child tasks of a bootstrap.
    public init(source: any SeriesSource, maxConcurrency: Int? = nil) {
        self.runner = HypothesisRunner(source: source, maxConcurrency: maxConcurrency)
    }

    /// Runs one job.
    /// - Throws: ``QEIRBatch/BatchError`` for a payload that is not a hypothesis payload,
    ///   ``HypothesisError`` for a bad configuration, missing data or a failed estimation,
    ///   `CancellationError` when cancelled (a timeout or a cancel request).
    public func run(_ context: JobContext) async throws -> JobOutput {
        let payload = try context.decodePayload(HypothesisJobPayload.self)
        let (result, _) = try await execute(
            payload, jobID: context.job.id.rawValue, jobSeed: context.job.seed,
            declaredVintage: context.job.inputs[HypothesisJobs.dataVintageKey]
        ) { fraction, message in
            context.reportProgress(fraction, message: message)
        }
        let json = try result.jsonData()
        var provenance = ["data: \(result.dataVintage)"]
        for r in result.results {
            for p in r.provenance {
                let line = "\(r.hypothesis) \(p.column): \(p.construction)" + (p.sourceLine.map { " — \($0)" } ?? "")
                if !provenance.contains(line) { provenance.append(line) }
            }
        }
        var files = ["result.json": json, "summary.txt": Data(result.summary.utf8)]
        for r in result.results {
            if let table = r.estimationData { files[table.fileName] = Data(table.csv().utf8) }
        }
        return JobOutput(
            result: try result.configValue(),
            files: files, provenance: provenance,
            versions: ["qeir-hypotheses": QEIRHypothesesVersion.current, "data": result.dataVintage])
    }

    /// Runs a payload outside a batch (the same work as ``run(_:)``).
    /// - Parameters:
    ///   - payload: the payload.
    ///   - jobID: the job id recorded in the result.
    ///   - jobSeed: the job's seed, used when the configuration sets none.
    ///   - declaredVintage: the data vintage the job was generated for, if any.
    ///   - progress: overall progress 0…1 and a message.
    /// - Returns: the result and the parsed configuration.
    /// - Throws: as ``run(_:)``.
    public func execute(
        _ payload: HypothesisJobPayload, jobID: String? = nil, jobSeed: UInt64? = nil, declaredVintage: String? = nil,
        progress: @escaping @Sendable (Double, String) -> Void = { _, _ in }
    ) async throws -> (HypothesisJobResult, HypothesisConfiguration) {
        var configuration = try payload.hypothesisConfiguration()
        configuration.seed = configuration.effectiveSeed(jobSeed: jobSeed)
        var warnings = configuration.warnings.map(\.description)
        if let note = configuration.presetNote { warnings.append(note) }
        let vintage = runner.source.vintage
        if let declaredVintage, declaredVintage != vintage {
            warnings.append(
                "The job was generated for data vintage '\(declaredVintage)' but ran on '\(vintage)'; regenerate "
                    + "the jobs so their content hashes match the data.")
        }
        let count = Double(configuration.hypotheses.count)
        let order = configuration.hypotheses
        let results = try await runner.run(configuration) { p in
            let index = Double(order.firstIndex(of: p.hypothesis) ?? 0)
            progress((index + p.fraction) / count, "\(p.hypothesis): \(p.message)")
        }
        for r in results { warnings += r.warnings.filter { !warnings.contains($0) } }
        let result = HypothesisJobResult(
            jobID: jobID, specification: configuration.specification, period: payload.period, dataVintage: vintage,
            seed: configuration.seed, configuration: configuration.resolved, warnings: warnings, results: results)
        return (result, configuration)
    }
}
