/// One job produced from a batch configuration: an id, the merged hypothesis configuration, and
/// the period and specification it covers.
public struct JobDefinition: Hashable, Sendable {
    /// The job's id, unique within one generated list.
    public var id: JobID
    /// The base configuration with the specification's overlay laid over it (a JSON object).
    public var configuration: ConfigValue
    /// The period analysed, or `nil` for a specification-only job.
    public var period: BatchPeriod?
    /// The specification name, or `nil` for a period-only job.
    public var specification: String?

    /// Creates a job definition.
    ///
    /// - Parameters:
    ///   - id: The job id.
    ///   - configuration: The merged configuration.
    ///   - period: The period, if any.
    ///   - specification: The specification name, if any.
    public init(id: JobID, configuration: ConfigValue, period: BatchPeriod? = nil, specification: String? = nil) {
        self.id = id
        self.configuration = configuration
        self.period = period
        self.specification = specification
    }
}

/// Deterministic job lists built from periods and specifications.
///
/// Ids are `<prefix>_<start>_<end>` (period jobs), `<prefix>_<specification>` (specification
/// jobs) and `<prefix>_<specification>_<start>_<end>` (grid jobs), with dates as `YYYYMMDD`.
/// Every id is validated as a ``JobID``. The same input always gives the same list in the same
/// order.
public enum JobGeneration {
    /// One job per period, each carrying `baseConfig` unchanged.
    ///
    /// - Parameters:
    ///   - baseConfig: The configuration every job carries.
    ///   - periods: The periods, in the order the jobs are wanted.
    ///   - prefix: The id prefix.
    /// - Returns: The jobs, in the order of `periods`.
    /// - Throws: ``BatchError`` with code ``BatchError/Code/invalidJobID`` when an id is
    ///   invalid, or ``BatchError/Code/invalidValue`` when two jobs would share an id.
    public static func createPeriodJobs(
        baseConfig: ConfigValue, periods: [BatchPeriod], prefix: String = "period_analysis"
    ) throws(BatchError) -> [JobDefinition] {
        var jobs: [JobDefinition] = []
        for period in periods {
            jobs.append(
                JobDefinition(
                    id: try JobID("\(prefix)_\(period.start.compact)_\(period.end.compact)"), configuration: baseConfig,
                    period: period))
        }
        return try unique(jobs)
    }

    /// One job per specification, each carrying `baseConfig` overlaid with the specification's
    /// configuration (see ``ConfigValue/overlaid(with:)``).
    ///
    /// - Parameters:
    ///   - baseConfig: The configuration every job starts from.
    ///   - specifications: The specification names, in the order the jobs are wanted.
    ///   - specificationsConfig: Overlays by name; a name without one gets `baseConfig`.
    ///   - prefix: The id prefix.
    /// - Returns: The jobs, in the order of `specifications`.
    /// - Throws: ``BatchError`` as for ``createPeriodJobs(baseConfig:periods:prefix:)``.
    public static func createSpecificationJobs(
        baseConfig: ConfigValue, specifications: [String], specificationsConfig: [String: ConfigValue],
        prefix: String = "specification_analysis"
    ) throws(BatchError) -> [JobDefinition] {
        var jobs: [JobDefinition] = []
        for name in specifications {
            jobs.append(
                JobDefinition(
                    id: try JobID("\(prefix)_\(name)"),
                    configuration: merged(baseConfig, specificationsConfig[name]), specification: name))
        }
        return try unique(jobs)
    }

    /// The full grid: one job per period and specification, period-major (all specifications of
    /// the first period, then the second period, …).
    ///
    /// - Parameters:
    ///   - baseConfig: The configuration every job starts from.
    ///   - periods: The periods.
    ///   - specifications: The specification names.
    ///   - specificationsConfig: Overlays by name.
    ///   - prefix: The id prefix.
    /// - Returns: `periods.count × specifications.count` jobs.
    /// - Throws: ``BatchError`` as for ``createPeriodJobs(baseConfig:periods:prefix:)``.
    /// - Complexity: O(*p* × *s*) jobs.
    public static func createGridJobs(
        baseConfig: ConfigValue, periods: [BatchPeriod], specifications: [String],
        specificationsConfig: [String: ConfigValue], prefix: String = "batch"
    ) throws(BatchError) -> [JobDefinition] {
        var jobs: [JobDefinition] = []
        for period in periods {
            for name in specifications {
                jobs.append(
                    JobDefinition(
                        id: try JobID("\(prefix)_\(name)_\(period.start.compact)_\(period.end.compact)"),
                        configuration: merged(baseConfig, specificationsConfig[name]), period: period,
                        specification: name))
            }
        }
        return try unique(jobs)
    }

    static func merged(_ base: ConfigValue, _ overlay: ConfigValue?) -> ConfigValue {
        overlay.map { base.overlaid(with: $0) } ?? base
    }

    static func unique(_ jobs: [JobDefinition]) throws(BatchError) -> [JobDefinition] {
        var seen: Set<JobID> = []
        for job in jobs where !seen.insert(job.id).inserted {
            throw BatchError(
                .invalidValue,
                "Job id '\(job.id)' is generated twice; remove the repeated period or specification.",
                context: ["id": job.id.rawValue])
        }
        return jobs
    }
}

extension BatchConfiguration {
    /// The full period × specification grid of this configuration.
    ///
    /// - Parameter prefix: The id prefix.
    /// - Returns: The jobs, as ``JobGeneration/createGridJobs(baseConfig:periods:specifications:specificationsConfig:prefix:)``.
    /// - Throws: ``BatchError`` when an id is invalid (e.g. a prefix with `/`).
    public func gridJobs(prefix: String = "batch") throws(BatchError) -> [JobDefinition] {
        try JobGeneration.createGridJobs(
            baseConfig: baseConfig, periods: periods, specifications: specifications,
            specificationsConfig: specificationsConfig, prefix: prefix)
    }
}
