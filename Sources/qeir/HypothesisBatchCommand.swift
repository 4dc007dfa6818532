import ArgumentParser
import Foundation
import Logging
import QEIRBatch
import QEIRData
import QEIRHypotheses
import QEIRMonitor
import QEIRNotify
import QEIRPostgres
import Synchronization

/// `qeir hypothesis batch` — the seed's batch command: every period × specification job of a
/// configuration file, durable, monitored, resumable.
struct HypothesisBatch: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "batch",
        abstract: "Run every period × specification hypothesis job of a batch configuration.",
        discussion: """
            Results go to OUTPUT/jobs/<job id>/ (result.json, summary.txt, manifest.json), the job
            store to OUTPUT/jobs.sqlite, metrics to OUTPUT/monitoring.db and reports (HTML, JSON,
            CSV, the robustness comparison) to OUTPUT/reports/. --store postgres://… puts the jobs
            in a PostgreSQL store instead (shared with `qeir worker` on other machines; the
            password may come from PGPASSWORD and is never printed); --submit-only submits the
            jobs there and exits. Exit status: 0 when every job succeeded (or was submitted),
            1 when some did not, 2 for a usage or configuration error.
            """)

    enum DataSourceKind: String, ExpressibleByArgument, CaseIterable { case embedded, fred, cache }

    @Option(help: "The batch configuration file (the seed's JSON format).") var config: String
    @Option(help: "The output directory.") var output: String?
    @Option(help: "Periods overriding the file's, e.g. \"2008-2015,2016-2022\".") var periods: String?
    @Option(help: "Specifications to run (comma-separated), from the file's.") var specifications: String?
    @Option(help: "Jobs running at once (overrides max_concurrent_jobs).") var maxWorkers: Int?
    @Flag(help: "Sample CPU, memory and disk while the batch runs (also on when the file enables it).")
    var enableMonitoring = false
    @Option(help: "Seconds between monitoring samples.") var monitoringInterval: Int?
    @Flag(help: "Retry failed jobs (3 retries unless --max-retries).") var autoRetry = false
    @Option(help: "Retries after a failed attempt.") var maxRetries: Int?
    @Flag(help: "gzip result files (overrides compress_results).") var compressResults = false
    @Flag(help: "Remove intermediate files after success.") var cleanupIntermediate = false
    @Option(help: "POST a JSON notification here when the batch ends or an alert fires.") var notificationWebhook:
        String?
    @Option(help: "Environment variable holding the webhook's HMAC secret.") var webhookSecretEnv: String?
    @Option(help: "E-mail notifications to this address (needs --smtp-url and --smtp-from).") var notificationEmail:
        String?
    @Option(help: "SMTP server, smtp://host:587 (STARTTLS required) or smtps://host:465.") var smtpUrl: String?
    @Option(help: "Sender address.") var smtpFrom: String?
    @Option(help: "SMTP user; the password is read from QEIR_SMTP_PASSWORD, never from a flag.") var smtpUser: String?
    @Flag(help: "Keep running and start the batch on a schedule (see --schedule).") var enableScheduling = false
    @Option(help: "daily, weekly, monthly (at 02:00) or a five-field cron expression.") var schedule: String?
    @Option(help: "IANA time zone of the schedule.") var timezone: String = "UTC"
    @Flag(help: "Continue the batch already in the output directory.") var resume = false
    @Flag(help: "Run jobs again even when identical results exist.") var force = false
    @Option(help: "embedded, fred or cache (default: fred when FRED_API_KEY is set, else embedded).")
    var dataSource: DataSourceKind?
    @Option(help: "FRED cache directory (for --data-source fred or cache).") var fredCache: String?
    @Option(
        help:
            "The job store instead of OUTPUT/jobs.sqlite: postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?schema=NAME] or a SQLite file."
    )
    var store: String?
    @Flag(help: "Submit the jobs to the store and exit without running them (for `qeir worker`).")
    var submitOnly = false

    func validate() throws {
        if submitOnly && enableScheduling {
            throw ValidationError("--submit-only and --enable-scheduling exclude each other; choose one.")
        }
        if let maxWorkers, maxWorkers < 1 {
            throw ValidationError("--max-workers must be at least 1; got \(maxWorkers).")
        }
        if let maxRetries, maxRetries < 0 {
            throw ValidationError("--max-retries must be 0 or more; got \(maxRetries).")
        }
        if let monitoringInterval, monitoringInterval < 1 {
            throw ValidationError("--monitoring-interval must be at least 1 second; got \(monitoringInterval).")
        }
        if enableScheduling && schedule == nil { throw ValidationError("--enable-scheduling needs --schedule.") }
        if notificationEmail != nil && (smtpUrl == nil || smtpFrom == nil) {
            throw ValidationError("--notification-email needs --smtp-url and --smtp-from.")
        }
        if dataSource == .cache && fredCache == nil {
            throw ValidationError("--data-source cache needs --fred-cache DIR.")
        }
    }

    func run() async throws {
        var configuration = try BatchConfigurationFile.load(config)
        if let periods {
            do { configuration.periods = try BatchPeriod.parseList(periods) } catch {
                throw ValidationError("--periods: \(error.message)")
            }
        }
        if let specifications {
            let wanted = specifications.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            for name in wanted
            where !configuration.specifications.contains(name) && configuration.specificationsConfig[name] == nil
                && name != "default"
            {
                throw ValidationError(
                    "--specifications: '\(name)' is not in \(config) (it lists \(configuration.specifications.joined(separator: ", ")))."
                )
            }
            configuration.specifications = wanted
        }
        // A file without specifications runs the default one, as the seed did.
        if configuration.specifications.isEmpty { configuration.specifications = ["default"] }
        guard !configuration.periods.isEmpty else {
            throw ValidationError(
                "\(config) defines no periods, so there are no jobs to run. Add \"periods\": [[\"2008-01-01\", \"2015-12-31\"]] or pass --periods 2008-2015."
            )
        }
        let outputDirectory = URL(
            fileURLWithPath: output ?? configuration.processing.baseOutputDirectory, isDirectory: true)
        let layout = BatchRunLayout(root: outputDirectory)
        // With --store, jobs already in the store are simply left as they are: no --resume needed.
        let exists = store == nil && FileManager.default.fileExists(atPath: layout.store.path)
        if exists && !resume {
            throw ValidationError(
                "'\(outputDirectory.path)' already holds a batch. Pass --resume to continue it, or choose another --output."
            )
        }
        if resume && store == nil && !exists {
            FileHandle.standardError.write(
                Data("note: nothing to resume in \(outputDirectory.path); starting a new batch\n".utf8))
        }

        let source = try Self.makeSource(kind: dataSource, fredCache: fredCache)
        FileHandle.standardError.write(Data("data: \(source.vintage)\n".utf8))
        let definitions = try configuration.gridJobs(prefix: "hypothesis")
        let jobs: [JobSpec]
        do {
            jobs = try HypothesisJobs.jobSpecs(
                from: definitions, dataVintage: source.vintage,
                maxRetries: maxRetries ?? (autoRetry ? 3 : 0))
        } catch let error as HypothesisError {
            throw ValidationError("\(config): \(error.message)")
        }

        var options = BatchRunOptions(outputDirectory: outputDirectory)
        options.maxWorkers = maxWorkers
        options.compressResults = compressResults ? true : nil
        options.cleanupIntermediate = cleanupIntermediate ? true : nil
        options.enableMonitoring = true
        if enableMonitoring { configuration.resourceMonitoring.enableSystemMonitoring = true }
        options.monitoringInterval = monitoringInterval.map { .seconds($0) }
        options.force = force
        options.notifiers = try notifiers()
        let handlers: [String: any JobHandler] = [HypothesisJobs.handlerName: HypothesisJobHandler(source: source)]
        if store == nil || !submitOnly {
            try FileManager.default.createDirectory(at: layout.root, withIntermediateDirectories: true)
        }
        try await JobStoreAddress.withStore(store ?? layout.store.path) { jobStore in
            try await execute(
                configuration: configuration, jobs: jobs, handlers: handlers, options: options, layout: layout,
                store: jobStore)
        }
    }

    /// Submits, schedules or runs the batch on `jobStore`.
    func execute(
        configuration: BatchConfiguration, jobs: [JobSpec], handlers: [String: any JobHandler],
        options: BatchRunOptions, layout: BatchRunLayout, store jobStore: any JobStore
    ) async throws {
        var options = options
        options.store = jobStore
        if submitOnly {
            let report = try await BatchRun(
                configuration: configuration, jobs: jobs, handlers: handlers, options: options
            ).submit()
            printSubmission(report, to: store.map(JobStoreAddress.redacted) ?? layout.store.path)
            return
        }
        if enableScheduling, let schedule {
            try await runScheduled(
                schedule, configuration: configuration, jobs: jobs, handlers: handlers, options: options)
            return
        }

        let run = BatchRun(configuration: configuration, jobs: jobs, handlers: handlers, options: options)
        let signals = try await ShutdownSignals { _, count in
            FileHandle.standardError.write(
                Data(
                    (count == 1
                        ? "\nstopping: running jobs get a grace period (Ctrl-C again to stop now)\n"
                        : "\nstopping now\n").utf8))
            await run.shutdown(grace: count == 1 ? nil : .zero)
        }
        defer { signals.cancel() }
        let line = LiveProgress()
        let result = try await run.run { progress in line.show(progress) }
        line.finish()

        // The robustness comparison across every job of the batch.
        let comparison = try await writeComparison(layout: layout, store: jobStore)
        let summary = result.summary
        print(
            "\(summary[.succeeded]) succeeded, \(summary[.failed]) failed, \(summary[.skipped]) skipped, \(summary[.cancelled]) cancelled\(summary.interrupted ? " (interrupted; --resume continues)" : "")"
        )
        for record in try await jobStore.jobs(in: [.failed]) {
            print("failed: \(record.id): \(record.lastError ?? "no reason recorded")")
        }
        print("results: \(layout.jobs.path)")
        for url in result.reports + comparison
        where url.lastPathComponent.hasSuffix(".html") || url.lastPathComponent.hasPrefix("comparison.txt") {
            print("report: \(url.path)")
        }
        if !summary.allSucceeded || summary.interrupted { throw ExitCode(1) }
    }

    /// Prints one line per submitted job and the totals.
    func printSubmission(_ report: SubmitReport, to shown: String) {
        var created = 0
        var existing = 0
        var reused = 0
        var reset = 0
        for (id, disposition) in report.entries {
            switch disposition {
            case .created(let state):
                created += 1
                print("\(id): created (\(state))")
            case .existing(let state):
                existing += 1
                print("\(id): already there (\(state)), left as it is")
            case .reused(let from):
                reused += 1
                print("\(id): reused the identical result of \(from)")
            case .reset:
                reset += 1
                print("\(id): queued again (--force)")
            }
        }
        print(
            "submitted \(report.entries.count) job(s) to \(shown): \(created) created, \(existing) existing, \(reused) reused\(reset > 0 ? ", \(reset) queued again" : ""); run them with `qeir worker --store …`"
        )
    }

    /// The series source the data-source flags select.
    static func makeSource(kind chosen: DataSourceKind?, fredCache: String?) throws -> any SeriesSource {
        let key =
            ProcessInfo.processInfo.environment["FRED_API_KEY"].map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
        let kind = chosen ?? (key.isEmpty ? .embedded : .fred)
        switch kind {
        case .embedded:
            FileHandle.standardError.write(
                Data(
                    "data source: the embedded offline FRED snapshot (no API key needed; set FRED_API_KEY for live FRED data)\n"
                        .utf8))
            return try EmbeddedSeriesSource()
        case .fred, .cache:
            let connection = try FRED.Connection.parse(
                (fredCache.map { ["--cache", $0] } ?? []) + (kind == .cache ? ["--offline"] : []))
            try connection.validate()
            FileHandle.standardError.write(Data("data source: FRED\(kind == .cache ? " (cache only)" : "")\n".utf8))
            return FREDSeriesSource(dataSource: FREDDataSource(client: try connection.client()))
        }
    }

    func notifiers() throws -> [any Notifier] {
        var list: [any Notifier] = []
        if let notificationWebhook {
            guard let url = URL(string: notificationWebhook), url.scheme == "http" || url.scheme == "https" else {
                throw ValidationError("--notification-webhook must be an http(s) URL.")
            }
            var configuration = WebhookConfiguration(url: url)
            if let name = webhookSecretEnv {
                guard let secret = ProcessInfo.processInfo.environment[name], !secret.isEmpty else {
                    throw ValidationError("--webhook-secret-env \(name): the variable is not set.")
                }
                configuration.secret = NotifierSecret(secret)
            }
            list.append(try WebhookNotifier(configuration: configuration))
        }
        if let notificationEmail, let smtpUrl, let smtpFrom, let url = URL(string: smtpUrl) {
            var configuration = SMTPConfiguration(url: url, from: smtpFrom, to: [notificationEmail])
            configuration.username = smtpUser
            if let password = ProcessInfo.processInfo.environment["QEIR_SMTP_PASSWORD"] {
                configuration.password = NotifierSecret(password)
            }
            do { list.append(try SMTPNotifier(configuration: configuration)) } catch {
                throw ValidationError("SMTP settings: \(error.message)")
            }
        }
        return list
    }

    func writeComparison(layout: BatchRunLayout, store: any JobStore) async throws -> [URL] {
        var results: [HypothesisJobResult] = []
        for record in try await store.jobs(in: [.succeeded]) {
            let file = layout.jobs.appendingPathComponent(record.id.rawValue).appendingPathComponent("result.json")
            if let data = try? Data(contentsOf: file), let result = try? HypothesisJobResult(jsonData: data) {
                results.append(result)
            } else if let value = record.result, let data = try? JSONEncoder().encode(value),
                let result = try? HypothesisJobResult(jsonData: data)
            {
                results.append(result)
            }
        }
        guard !results.isEmpty else { return [] }
        let table = RobustnessTable(results: results)
        try FileManager.default.createDirectory(at: layout.reports, withIntermediateDirectories: true)
        let files: [(String, Data)] = [
            ("comparison.txt", Data(table.text().utf8)), ("comparison.csv", Data(table.csv().utf8)),
            ("comparison.json", try table.jsonData()),
        ]
        return try files.map { name, data in
            let url = layout.reports.appendingPathComponent(name)
            try data.write(to: url, options: .atomic)
            return url
        }
    }

    func runScheduled(
        _ text: String, configuration: BatchConfiguration, jobs: [JobSpec], handlers: [String: any JobHandler],
        options: BatchRunOptions
    ) async throws {
        let at = try TimeOfDay(hour: 2)
        let recurrence: Schedule.Recurrence =
            switch text {
            case "daily": .daily(at: at)
            case "weekly": .weekly(.monday, at: at)
            case "monthly": .monthly(day: 1, at: at)
            default: .cron(try CronExpression(text))
            }
        let schedule = try Schedule(recurrence, timeZone: timezone)
        let layout = BatchRunLayout(root: options.outputDirectory)
        try FileManager.default.createDirectory(at: layout.jobs, withIntermediateDirectories: true)
        var settings = ProcessorConfiguration(configuration.processing)
        settings.outputDirectory = layout.jobs
        if let workers = options.maxWorkers { settings.maxConcurrentJobs = workers }
        let processor = BatchProcessor(
            store: try options.store ?? SQLiteJobStore(path: layout.store), handlers: handlers, configuration: settings)
        let batch = ScheduledBatch(id: "hypothesis", schedule: schedule) {
            (_: ScheduledSlot) throws(BatchError) -> [JobSpec] in jobs
        }
        let scheduler = try ScheduledBatchProcessor(processor: processor, schedules: [batch])
        let signals = try await ShutdownSignals { _, count in await scheduler.shutdown(grace: count == 1 ? nil : .zero)
        }
        defer { signals.cancel() }
        if let next = schedule.nextFireDate(after: Date()) {
            FileHandle.standardError.write(Data("scheduled: next run \(next.formatted(.iso8601)); Ctrl-C stops\n".utf8))
        }
        try await scheduler.run()
    }
}

/// One progress line on a terminal (rewritten in place), plain lines otherwise.
final class LiveProgress: Sendable {
    private let terminal = isatty(STDERR_FILENO) != 0
    private let quiet = ProcessInfo.processInfo.environment["QEIR_QUIET"] != nil
    private let last = Mutex("")

    func show(_ progress: BatchProgress) {
        guard !quiet else { return }
        // Plain logs get a line per change of the counts, not per event.
        let counts = "\(progress.done) \(progress.running) \(progress.failed)"
        guard
            terminal
                || last.withLock({ previous in
                    defer { previous = counts }; return previous != counts
                })
        else { return }
        if terminal {
            FileHandle.standardError.write(Data("\r\u{1B}[K\(progress.line)".utf8))
        } else {
            FileHandle.standardError.write(Data("progress: \(progress.line)\n".utf8))
        }
    }

    func finish() {
        if terminal && !quiet { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}

/// `qeir hypothesis test` — one hypothesis run, printed.
struct HypothesisTest: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test", abstract: "Run one hypothesis once and print its result.")

    @Option(help: "1 (threshold: central-bank reaction), 2 (local projections: investment) or 3 (VAR: international).")
    var hypothesis: Int
    @Option(help: "A batch configuration file; its base_config (and --specification's overlay) is used.") var config:
        String?
    @Option(help: "The period, e.g. 2008-2015.") var period: String = "2008-2015"
    @Option(help: "The specification.") var specification: String = "default"
    @Option(help: "text or json.") var format: String = "text"

    func run() async throws {
        guard let chosen = Hypothesis(rawValue: hypothesis) else {
            throw ValidationError("--hypothesis must be 1, 2 or 3; got \(hypothesis).")
        }
        let parsedPeriod: BatchPeriod
        do { parsedPeriod = try BatchPeriod(shorthand: period) } catch {
            throw ValidationError("--period: \(error.message)")
        }
        var base: ConfigValue = .object([:])
        if let config {
            let file = try BatchConfigurationFile.load(config)
            base = file.baseConfig.overlaid(with: file.specificationsConfig[specification] ?? .object([:]))
        }
        guard case .object(var members) = base else { throw ValidationError("base_config must be an object.") }
        // The file's own configuration must be valid as written (its `hypotheses` entry
        // included) before --hypothesis replaces that entry.
        let label = config ?? "the configuration"
        _ = try HypothesisTest.parsed(
            HypothesisJobPayload(configuration: .object(members), period: parsedPeriod, specification: specification),
            label: label)
        members["hypotheses"] = .array([.integer(chosen.rawValue)])
        let payload = HypothesisJobPayload(
            configuration: .object(members), period: parsedPeriod, specification: specification)
        let handler = HypothesisJobHandler(source: try EmbeddedSeriesSource())
        let result: HypothesisJobResult
        do {
            (result, _) = try await handler.execute(payload)
        } catch let error as HypothesisError where error.code == .invalidConfiguration {
            throw ValidationError("\(label): \(error.message)")
        }
        switch format {
        case "json": FileHandle.standardOutput.write(try result.jsonData())
        case "text": print(result.summary, terminator: "")
        default: throw ValidationError("--format must be text or json.")
        }
    }

    /// The payload's configuration, or a usage error (exit 2) naming `label` and the JSON path.
    static func parsed(_ payload: HypothesisJobPayload, label: String) throws -> HypothesisConfiguration {
        do { return try payload.hypothesisConfiguration() } catch let error as HypothesisError {
            throw ValidationError("\(label): \(error.message)")
        }
    }
}
