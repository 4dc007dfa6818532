public import Foundation

extension BatchError.Code {
    /// A period (a pair of dates or the CLI's year shorthand) is malformed or reversed.
    public static let invalidPeriod = Self(rawValue: "invalid_period")
}

/// A calendar day in the proleptic Gregorian calendar, written `YYYY-MM-DD`.
public struct BatchDate: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The year, 1 through 9999.
    public let year: Int
    /// The month, 1 through 12.
    public let month: Int
    /// The day of the month, 1 through the month's length.
    public let day: Int

    /// Creates a day, or `nil` when the fields do not name one (e.g. February 30).
    ///
    /// - Parameters:
    ///   - year: 1 through 9999.
    ///   - month: 1 through 12.
    ///   - day: 1 through the length of the month.
    public init?(year: Int, month: Int, day: Int) {
        guard (1...9999).contains(year), (1...12).contains(month),
            (1...Self.daysIn(month: month, year: year)).contains(day)
        else { return nil }
        self.year = year
        self.month = month
        self.day = day
    }

    /// Parses exactly `YYYY-MM-DD`, or returns `nil`.
    ///
    /// - Parameter text: The date text, e.g. `2008-01-01`.
    public init?(_ text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            parts.allSatisfy({ $0.allSatisfy { $0.isASCII && $0.isNumber } }),
            let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2])
        else { return nil }
        self.init(year: year, month: month, day: day)
    }

    /// The number of days in `month` of `year`.
    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    private static func padded(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return String(repeating: "0", count: max(0, width - text.count)) + text
    }

    /// The date as `YYYY-MM-DD`.
    public var description: String { "\(Self.padded(year, 4))-\(Self.padded(month, 2))-\(Self.padded(day, 2))" }

    /// The date as `YYYYMMDD`, the form used inside job ids.
    public var compact: String { "\(Self.padded(year, 4))\(Self.padded(month, 2))\(Self.padded(day, 2))" }

    /// Orders days chronologically.
    public static func < (lhs: BatchDate, rhs: BatchDate) -> Bool {
        (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day)
    }
}

/// An analysis period: an inclusive range of days with `start <= end`.
public struct BatchPeriod: Hashable, Sendable, CustomStringConvertible {
    /// The first day.
    public let start: BatchDate
    /// The last day (inclusive).
    public let end: BatchDate

    /// Creates a period.
    ///
    /// - Parameters:
    ///   - start: The first day.
    ///   - end: The last day; must not precede `start`.
    /// - Throws: ``BatchError`` with code ``BatchError/Code/invalidPeriod`` when `end < start`.
    public init(start: BatchDate, end: BatchDate) throws(BatchError) {
        guard start <= end else {
            throw BatchError(
                .invalidPeriod, "Period \(start)…\(end) starts after it ends; swap the dates.",
                context: ["start": start.description, "end": end.description])
        }
        self.start = start
        self.end = end
    }

    /// Parses the CLI's shorthand: `YYYY-YYYY` (January 1 of the first year to December 31 of
    /// the second), a single `YYYY` (that whole year), or `YYYY-MM-DD:YYYY-MM-DD` (exact dates,
    /// as a configuration file's period).
    ///
    /// - Parameter shorthand: e.g. `2008-2015`; surrounding spaces are ignored.
    /// - Throws: ``BatchError`` with code ``BatchError/Code/invalidPeriod``.
    public init(shorthand: String) throws(BatchError) {
        let text = shorthand.trimmingCharacters(in: .whitespaces)
        // START:END with full dates, the form a configuration file's period takes.
        if text.contains(":") {
            let ends = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
            guard ends.count == 2, let start = BatchDate(ends[0]), let end = BatchDate(ends[1]) else {
                throw BatchError(
                    .invalidPeriod,
                    "Period '\(JobID.printable(text))' is not YYYY-MM-DD:YYYY-MM-DD; write e.g. 2016-01-01:2022-09-30.",
                    context: ["period": text])
            }
            guard start <= end else {
                throw BatchError(
                    .invalidPeriod,
                    "Period '\(JobID.printable(text))' starts after it ends; write the earlier date first.",
                    context: ["period": text])
            }
            self.start = start
            self.end = end
            return
        }
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        let years = parts.map { part -> Int? in
            guard part.count == 4, part.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
            return Int(part)
        }
        guard (1...2).contains(years.count), let first = years.first ?? nil, let last = years.last ?? nil,
            let start = BatchDate(year: first, month: 1, day: 1), let end = BatchDate(year: last, month: 12, day: 31)
        else {
            throw BatchError(
                .invalidPeriod,
                "Period '\(JobID.printable(text))' is not YYYY-YYYY or YYYY; write e.g. 2008-2015.",
                context: ["period": text])
        }
        guard first <= last else {
            throw BatchError(
                .invalidPeriod, "Period '\(text)' starts after it ends; write the earlier year first.",
                context: ["period": text])
        }
        self.start = start
        self.end = end
    }

    /// Parses a comma-separated list of shorthand periods, e.g. `2008-2015,2016-2023`.
    ///
    /// - Parameter list: The list; spaces around items are ignored.
    /// - Returns: The periods in the order written.
    /// - Throws: ``BatchError`` with code ``BatchError/Code/invalidPeriod`` for an empty item or
    ///   the first malformed one.
    public static func parseList(_ list: String) throws(BatchError) -> [BatchPeriod] {
        var periods: [BatchPeriod] = []
        for (index, item) in list.split(separator: ",", omittingEmptySubsequences: false).enumerated() {
            if item.trimmingCharacters(in: .whitespaces).isEmpty {
                throw BatchError(
                    .invalidPeriod,
                    "Period list '\(JobID.printable(list))' has an empty item at position \(index + 1); separate periods with single commas.",
                    context: ["periods": list])
            }
            periods.append(try BatchPeriod(shorthand: String(item)))
        }
        return periods
    }

    /// The period as `start…end`.
    public var description: String { "\(start)…\(end)" }
}

/// Something in a configuration that was accepted but deserves attention (e.g. an unknown key).
public struct ConfigurationWarning: Hashable, Sendable, CustomStringConvertible {
    /// The JSON path of the value, e.g. `batch_processing_config.max_workers`.
    public let path: String
    /// What was noticed and what to do.
    public let message: String

    /// Creates a warning.
    ///
    /// - Parameters:
    ///   - path: The JSON path.
    ///   - message: What was noticed.
    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }

    /// `path: message`.
    public var description: String { "\(path): \(message)" }
}

/// The batch configuration file: engine settings, the hypothesis base configuration, periods,
/// specifications and monitoring thresholds.
///
/// The JSON layout is the seed project's, unchanged (see `Documentation/BatchConfiguration.md`).
/// Every section and field is optional and defaults to the seed's values.
public struct BatchConfiguration: Hashable, Sendable {
    /// Engine settings (`batch_processing_config`).
    public struct Processing: Hashable, Sendable {
        /// How many jobs run at once; at least 1.
        public var maxConcurrentJobs: Int = 4
        /// A job's time limit in minutes; at least 1.
        public var jobTimeoutMinutes: Int = 120
        /// Minutes to wait before retrying a failed job; at least 0.
        public var retryDelayMinutes: Int = 5
        /// Memory limit per batch in GB; greater than 0.
        public var memoryLimitGB: Double = 8.0
        /// CPU limit in percent; greater than 0 and at most 100.
        public var cpuLimitPercent: Double = 80.0
        /// The directory job outputs go under; not empty.
        public var baseOutputDirectory: String = "batch_results"
        /// Whether results are compressed.
        public var compressResults: Bool = true
        /// Whether intermediate files are deleted after a job.
        public var cleanupIntermediateFiles: Bool = true
        /// Whether progress is reported while the batch runs.
        public var enableProgressMonitoring: Bool = true
        /// One of ``BatchConfiguration/logLevels``.
        public var logLevel: String = "INFO"

        /// Creates settings with the seed's defaults; set the fields to change them.
        public init() {}
    }

    /// Monitoring thresholds (`resource_monitoring`).
    public struct ResourceMonitoring: Hashable, Sendable {
        /// Whether CPU, memory and disk are sampled.
        public var enableSystemMonitoring: Bool = true
        /// Seconds between samples; at least 1.
        public var monitoringIntervalSeconds: Int = 30
        /// CPU alert threshold in percent, 0 through 100.
        public var cpuAlertThreshold: Double = 90.0
        /// Memory alert threshold in percent, 0 through 100.
        public var memoryAlertThreshold: Double = 85.0
        /// Disk alert threshold in percent, 0 through 100.
        public var diskAlertThreshold: Double = 90.0
        /// Minutes after which a running job raises an alert; at least 1.
        public var jobTimeoutAlertMinutes: Int = 180
        /// Failure-rate alert threshold as a fraction, 0 through 1.
        public var failureRateAlertThreshold: Double = 0.2

        /// Creates thresholds with the seed's defaults; set the fields to change them.
        public init() {}
    }

    /// The accepted `log_level` values.
    public static let logLevels = ["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]

    /// Engine settings.
    public var processing: Processing
    /// The hypothesis configuration every job starts from; a JSON object.
    public var baseConfig: ConfigValue
    /// The analysis periods, in file order, without duplicates.
    public var periods: [BatchPeriod]
    /// The specification names, in file order, without duplicates; each is a valid ``JobID``.
    public var specifications: [String]
    /// Per-specification overlays on ``baseConfig``; each value is a JSON object.
    public var specificationsConfig: [String: ConfigValue]
    /// Monitoring thresholds.
    public var resourceMonitoring: ResourceMonitoring

    /// Creates a configuration; every argument defaults to the seed's value.
    ///
    /// - Parameters:
    ///   - processing: Engine settings.
    ///   - baseConfig: The base hypothesis configuration (an object).
    ///   - periods: The periods.
    ///   - specifications: The specification names.
    ///   - specificationsConfig: Per-specification overlays.
    ///   - resourceMonitoring: Monitoring thresholds.
    public init(
        processing: Processing = Processing(), baseConfig: ConfigValue = .object([:]), periods: [BatchPeriod] = [],
        specifications: [String] = [], specificationsConfig: [String: ConfigValue] = [:],
        resourceMonitoring: ResourceMonitoring = ResourceMonitoring()
    ) {
        self.processing = processing
        self.baseConfig = baseConfig
        self.periods = periods
        self.specifications = specifications
        self.specificationsConfig = specificationsConfig
        self.resourceMonitoring = resourceMonitoring
    }

    /// Parses a configuration file's bytes.
    ///
    /// - Parameter data: UTF-8 JSON whose top level is an object.
    /// - Returns: The configuration and the warnings (unknown keys, overlays for unlisted
    ///   specifications), sorted by path.
    /// - Throws: ``BatchError`` with code ``BatchError/Code/invalidConfiguration`` naming the
    ///   JSON path of the first wrong value and what was expected there.
    public static func parse(_ data: Data) throws(BatchError) -> (
        configuration: BatchConfiguration, warnings: [ConfigurationWarning]
    ) {
        let document: ConfigValue
        do {
            document = try JSONDecoder().decode(ConfigValue.self, from: data)
        } catch {
            throw BatchError(
                .invalidConfiguration, "Batch configuration is not valid JSON: \(error); fix the file's syntax.")
        }
        return try parse(document)
    }

    /// Parses an already decoded configuration document.
    ///
    /// - Parameter document: The JSON document; its top level must be an object.
    /// - Returns: The configuration and the warnings, sorted by path.
    /// - Throws: ``BatchError`` with code ``BatchError/Code/invalidConfiguration``.
    public static func parse(_ document: ConfigValue) throws(BatchError) -> (
        configuration: BatchConfiguration, warnings: [ConfigurationWarning]
    ) {
        var reader = Reader()
        let configuration = try reader.configuration(document)
        return (configuration, reader.warnings.sorted { $0.path < $1.path })
    }
}

/// Walks a configuration document, keeping the JSON path for messages.
private struct Reader {
    var warnings: [ConfigurationWarning] = []

    static let topLevelKeys = [
        "batch_processing_config", "base_config", "periods", "specifications", "specifications_config",
        "resource_monitoring",
    ]
    static let processingKeys = [
        "max_concurrent_jobs", "job_timeout_minutes", "retry_delay_minutes", "memory_limit_gb", "cpu_limit_percent",
        "base_output_directory", "compress_results", "cleanup_intermediate_files", "enable_progress_monitoring",
        "log_level",
    ]
    static let monitoringKeys = [
        "enable_system_monitoring", "monitoring_interval_seconds", "cpu_alert_threshold", "memory_alert_threshold",
        "disk_alert_threshold", "job_timeout_alert_minutes", "failure_rate_alert_threshold",
    ]

    func failure(_ path: String, _ expected: String, _ found: String) -> BatchError {
        BatchError(
            .invalidConfiguration, "Invalid batch configuration at \(path): expected \(expected), found \(found).",
            context: ["path": path, "expected": expected, "found": found])
    }

    func join(_ parent: String, _ key: String) -> String { parent.isEmpty ? key : "\(parent).\(key)" }

    func object(_ value: ConfigValue, _ path: String) throws(BatchError) -> [String: ConfigValue] {
        guard case .object(let members) = value else { throw failure(path, "an object", value.summary) }
        return members
    }

    mutating func warnUnknown(_ members: [String: ConfigValue], known: [String], at path: String) {
        for key in members.keys where !known.contains(key) {
            warnings.append(
                ConfigurationWarning(
                    path: join(path, key), message: "unknown key '\(JobID.printable(key))' ignored; check its spelling."
                ))
        }
    }

    func integer(
        _ members: [String: ConfigValue], _ key: String, _ parent: String, atLeast minimum: Int, default value: Int
    )
        throws(BatchError) -> Int
    {
        guard let raw = members[key] else { return value }
        guard case .integer(let number) = raw, number >= minimum else {
            throw failure(join(parent, key), "an integer of at least \(minimum)", raw.summary)
        }
        return number
    }

    func double(
        _ members: [String: ConfigValue], _ key: String, _ parent: String, in range: ClosedRange<Double>,
        excludingLower: Bool = false, expected: String, default value: Double
    ) throws(BatchError) -> Double {
        guard let raw = members[key] else { return value }
        let number: Double
        switch raw {
        case .integer(let whole): number = Double(whole)
        case .number(let fraction): number = fraction
        default: throw failure(join(parent, key), expected, raw.summary)
        }
        guard range.contains(number), !(excludingLower && number == range.lowerBound) else {
            throw failure(join(parent, key), expected, raw.summary)
        }
        return number
    }

    func bool(_ members: [String: ConfigValue], _ key: String, _ parent: String, default value: Bool)
        throws(BatchError) -> Bool
    {
        guard let raw = members[key] else { return value }
        guard case .bool(let flag) = raw else { throw failure(join(parent, key), "true or false", raw.summary) }
        return flag
    }

    func string(_ members: [String: ConfigValue], _ key: String, _ parent: String, expected: String)
        throws(BatchError) -> String?
    {
        guard let raw = members[key] else { return nil }
        guard case .string(let text) = raw, !text.isEmpty else {
            throw failure(join(parent, key), expected, raw.summary)
        }
        return text
    }

    mutating func configuration(_ document: ConfigValue) throws(BatchError) -> BatchConfiguration {
        let top = try object(document, "(top level)")
        warnUnknown(top, known: Self.topLevelKeys, at: "")
        var result = BatchConfiguration()
        if let section = top["batch_processing_config"] {
            result.processing = try processing(section)
        }
        if let base = top["base_config"] {
            _ = try object(base, "base_config")
            result.baseConfig = base
        }
        if let periods = top["periods"] {
            result.periods = try self.periods(periods)
        }
        if let specifications = top["specifications"] {
            result.specifications = try self.specifications(specifications)
        }
        if let overlays = top["specifications_config"] {
            let members = try object(overlays, "specifications_config")
            for name in members.keys.sorted() {
                let path = "specifications_config.\(name)"
                _ = try object(members[name]!, path)
                if !result.specifications.contains(name) {
                    warnings.append(
                        ConfigurationWarning(
                            path: path,
                            message:
                                "configuration for specification '\(JobID.printable(name))', which 'specifications' does not list, is ignored; list it or remove it."
                        ))
                }
            }
            result.specificationsConfig = members
        }
        if let section = top["resource_monitoring"] {
            result.resourceMonitoring = try monitoring(section)
        }
        return result
    }

    mutating func processing(_ section: ConfigValue) throws(BatchError) -> BatchConfiguration.Processing {
        let path = "batch_processing_config"
        let members = try object(section, path)
        warnUnknown(members, known: Self.processingKeys, at: path)
        var p = BatchConfiguration.Processing()
        p.maxConcurrentJobs = try integer(
            members, "max_concurrent_jobs", path, atLeast: 1, default: p.maxConcurrentJobs)
        p.jobTimeoutMinutes = try integer(
            members, "job_timeout_minutes", path, atLeast: 1, default: p.jobTimeoutMinutes)
        p.retryDelayMinutes = try integer(
            members, "retry_delay_minutes", path, atLeast: 0, default: p.retryDelayMinutes)
        p.memoryLimitGB = try double(
            members, "memory_limit_gb", path, in: 0...Double.greatestFiniteMagnitude, excludingLower: true,
            expected: "a number greater than 0", default: p.memoryLimitGB)
        p.cpuLimitPercent = try double(
            members, "cpu_limit_percent", path, in: 0...100, excludingLower: true,
            expected: "a number greater than 0 and at most 100", default: p.cpuLimitPercent)
        p.baseOutputDirectory =
            try string(members, "base_output_directory", path, expected: "a non-empty string")
            ?? p.baseOutputDirectory
        p.compressResults = try bool(members, "compress_results", path, default: p.compressResults)
        p.cleanupIntermediateFiles = try bool(
            members, "cleanup_intermediate_files", path, default: p.cleanupIntermediateFiles)
        p.enableProgressMonitoring = try bool(
            members, "enable_progress_monitoring", path, default: p.enableProgressMonitoring)
        let levels = "one of " + BatchConfiguration.logLevels.map { "\"\($0)\"" }.joined(separator: ", ")
        if let level = try string(members, "log_level", path, expected: levels) {
            guard BatchConfiguration.logLevels.contains(level) else {
                throw failure("\(path).log_level", levels, ConfigValue.string(level).summary)
            }
            p.logLevel = level
        }
        return p
    }

    mutating func monitoring(_ section: ConfigValue) throws(BatchError) -> BatchConfiguration.ResourceMonitoring {
        let path = "resource_monitoring"
        let members = try object(section, path)
        warnUnknown(members, known: Self.monitoringKeys, at: path)
        var m = BatchConfiguration.ResourceMonitoring()
        let percent = "a number from 0 to 100"
        m.enableSystemMonitoring = try bool(
            members, "enable_system_monitoring", path, default: m.enableSystemMonitoring)
        m.monitoringIntervalSeconds = try integer(
            members, "monitoring_interval_seconds", path, atLeast: 1, default: m.monitoringIntervalSeconds)
        m.cpuAlertThreshold = try double(
            members, "cpu_alert_threshold", path, in: 0...100, expected: percent, default: m.cpuAlertThreshold)
        m.memoryAlertThreshold = try double(
            members, "memory_alert_threshold", path, in: 0...100, expected: percent, default: m.memoryAlertThreshold)
        m.diskAlertThreshold = try double(
            members, "disk_alert_threshold", path, in: 0...100, expected: percent, default: m.diskAlertThreshold)
        m.jobTimeoutAlertMinutes = try integer(
            members, "job_timeout_alert_minutes", path, atLeast: 1, default: m.jobTimeoutAlertMinutes)
        m.failureRateAlertThreshold = try double(
            members, "failure_rate_alert_threshold", path, in: 0...1, expected: "a number from 0 to 1",
            default: m.failureRateAlertThreshold)
        return m
    }

    func periods(_ value: ConfigValue) throws(BatchError) -> [BatchPeriod] {
        let pairExpected = "a [start, end] pair of YYYY-MM-DD dates"
        guard case .array(let items) = value else {
            throw failure("periods", "an array of [start, end] pairs of YYYY-MM-DD dates", value.summary)
        }
        var result: [BatchPeriod] = []
        for (index, item) in items.enumerated() {
            let path = "periods[\(index)]"
            guard case .array(let pair) = item, pair.count == 2 else { throw failure(path, pairExpected, item.summary) }
            var dates: [BatchDate] = []
            for (position, raw) in pair.enumerated() {
                guard case .string(let text) = raw, let date = BatchDate(text) else {
                    throw failure("\(path)[\(position)]", "a YYYY-MM-DD date", raw.summary)
                }
                dates.append(date)
            }
            guard dates[0] <= dates[1] else {
                throw failure(path, "a start date on or before the end date", "\(dates[0]) after \(dates[1])")
            }
            let period = try BatchPeriod(start: dates[0], end: dates[1])
            if let first = result.firstIndex(of: period) {
                throw failure(path, "a period not listed before", "\(period), already at periods[\(first)]")
            }
            result.append(period)
        }
        return result
    }

    func specifications(_ value: ConfigValue) throws(BatchError) -> [String] {
        guard case .array(let items) = value else {
            throw failure("specifications", "an array of specification names", value.summary)
        }
        var result: [String] = []
        for (index, item) in items.enumerated() {
            let path = "specifications[\(index)]"
            guard case .string(let name) = item, JobID(rawValue: name) != nil else {
                throw failure(
                    path, "a specification name of 1 to \(JobID.maximumLength) \(JobID.allowedDescription)",
                    item.summary)
            }
            if let first = result.firstIndex(of: name) {
                throw failure(path, "a name not listed before", "\(item.summary), already at specifications[\(first)]")
            }
            result.append(name)
        }
        return result
    }
}
