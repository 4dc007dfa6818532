import ArgumentParser
import Foundation
import QEIRBatch
import QEIRHypotheses
import QEIRMonitor
import QEIRPostgres

/// `qeir hypothesis batch-manage` — inspect and steer a batch's output directory.
struct BatchManage: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "batch-manage",
        abstract: "List, watch, report on or cancel the jobs of a batch output directory.",
        subcommands: [List.self, Monitor.self, Report.self, Cancel.self])

    /// The output directory and store options shared by every subcommand.
    struct Output: ParsableArguments {
        @Option(name: .long, help: "The batch output directory (the one given to `hypothesis batch --output`).")
        var output: String = "batch_results"
        @Option(
            name: .long,
            help:
                "The job store, overriding OUTPUT/jobs.sqlite: postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?schema=NAME] or a SQLite file."
        )
        var store: String?

        var layout: BatchRunLayout { BatchRunLayout(root: URL(fileURLWithPath: output, isDirectory: true)) }

        /// The store as messages name it (a URL without its password).
        var shown: String { store.map(JobStoreAddress.redacted) ?? "'\(output)'" }

        /// Opens the job store (--store, else the directory's), passes it to `body` and closes it;
        /// fails with a message naming the directory when it holds no batch.
        func withStore<Result>(_ body: (any JobStore) async throws -> Result) async throws -> Result {
            if let store {
                if !JobStoreAddress.isPostgres(store) && !FileManager.default.fileExists(atPath: store) {
                    throw ValidationError(
                        "No job store at '\(store)'. Pass the --store given to `qeir hypothesis batch`.")
                }
                return try await JobStoreAddress.withStore(store, body)
            }
            guard FileManager.default.fileExists(atPath: layout.store.path) else {
                throw ValidationError(
                    "No batch in '\(output)': \(layout.store.path) does not exist. Pass the directory given to `qeir hypothesis batch --output`, or its --store."
                )
            }
            return try await JobStoreAddress.withStore(layout.store.path, body)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the batch's jobs.")
        @OptionGroup var output: Output
        @Option(
            help:
                "Only jobs in these states (comma-separated: pending, retry_wait, running, succeeded, failed, cancelled, skipped)."
        )
        var status: String?
        @Option(help: "Output format: table or json.")
        var format: String = "table"

        func run() async throws {
            var states: Set<JobState>?
            if let status {
                states = []
                for name in status.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) {
                    guard let state = JobState(rawValue: name) else {
                        throw ValidationError(
                            "Unknown status '\(name)'; use \(JobState.allCases.map(\.rawValue).joined(separator: ", "))."
                        )
                    }
                    states?.insert(state)
                }
            }
            let records = try await output.withStore { store in try await store.jobs(in: states) }
            switch format {
            case "json":
                let rows = records.map { record -> [String: String] in
                    [
                        "job_id": record.id.rawValue, "name": record.spec.name, "state": record.state.rawValue,
                        "attempts": "\(record.attempts)", "last_error": record.lastError ?? "",
                    ]
                }
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                print(String(decoding: try encoder.encode(rows), as: UTF8.self))
            case "table":
                print(Self.table(records))
            default:
                throw ValidationError("Unknown format '\(format)'; use table or json.")
            }
        }

        static func table(_ records: [JobRecord]) -> String {
            let width = max(6, records.map(\.id.rawValue.count).max() ?? 0)
            var lines = [
                "\("job id".padding(toLength: width, withPad: " ", startingAt: 0))  state       attempts  last error"
            ]
            for record in records {
                let error = (record.lastError ?? "").replacingOccurrences(of: "\n", with: " ").prefix(80)
                lines.append(
                    "\(record.id.rawValue.padding(toLength: width, withPad: " ", startingAt: 0))  \(record.state.rawValue.padding(toLength: 10, withPad: " ", startingAt: 0))  \(String(record.attempts).padding(toLength: 8, withPad: " ", startingAt: 0))  \(error)"
                )
            }
            return lines.joined(separator: "\n")
        }
    }

    struct Monitor: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Watch the batch live (Ctrl-C to stop).")
        @OptionGroup var output: Output
        @Option(help: "Seconds between refreshes.")
        var refresh: Double = 10
        @Option(help: "Stop after this many refreshes (0: until every job has ended).")
        var iterations: Int = 0

        func validate() throws {
            guard refresh > 0, refresh.isFinite else {
                throw ValidationError("--refresh must be a positive number of seconds.")
            }
        }

        func run() async throws {
            try await output.withStore { store in try await watch(store) }
        }

        func watch(_ store: any JobStore) async throws {
            let terminal = isatty(STDOUT_FILENO) != 0
            var count = 0
            while true {
                count += 1
                let counts = try await store.counts()
                let total = counts.values.reduce(0, +)
                let done = counts.filter { $0.key.isTerminal }.values.reduce(0, +)
                let running = try await store.jobs(in: [.running])
                var lines = [
                    "\(Date().formatted(.iso8601)) — \(done)/\(total) done, \(counts[.running] ?? 0) running, \(counts[.pending] ?? 0) pending, \(counts[.retryWait] ?? 0) waiting to retry, \(counts[.failed] ?? 0) failed"
                ]
                for record in running.prefix(20) {
                    let since = record.lease.map { _ in record.updatedAt } ?? record.updatedAt
                    lines.append(
                        "  running \(record.id) (attempt \(record.attempts), since \(since.formatted(.iso8601)))")
                }
                if terminal { print("\u{1B}[2J\u{1B}[H", terminator: "") }
                print(lines.joined(separator: "\n"))
                if (iterations > 0 && count >= iterations) || (iterations == 0 && total > 0 && done == total) { break }
                try await Task.sleep(for: .milliseconds(Int(refresh * 1000)))
            }
        }
    }

    struct Report: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write the batch report from its monitoring database (into <output>/reports).")
        @OptionGroup var output: Output
        @Option(help: "json, html or csv (csv writes one file per table).")
        var format: String = "html"

        func run() async throws {
            guard let reportFormat = ReportFormat(rawValue: format) else {
                throw ValidationError("Unknown format '\(format)'; use json, html or csv.")
            }
            let layout = output.layout
            guard FileManager.default.fileExists(atPath: layout.monitoring.path) else {
                throw ValidationError(
                    "No monitoring database in '\(output.output)' (\(layout.monitoring.path)); run the batch with --enable-monitoring."
                )
            }
            let report = try MonitorReport.load(from: try MetricsDatabase(path: layout.monitoring), batchID: nil)
            for url in try report.write(to: layout.reports, formats: [reportFormat]) { print(url.path) }
        }
    }

    struct Cancel: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Cancel jobs: pending ones at once, running ones (in any process) within a second.")
        @OptionGroup var output: Output
        @Argument(help: "The job ids to cancel.")
        var jobIDs: [String]

        func run() async throws {
            var ids: [JobID] = []
            for text in jobIDs {
                do { ids.append(try JobID(text)) } catch { throw ValidationError(error.message) }
            }
            let before = try await output.withStore { store in
                let before = Dictionary(uniqueKeysWithValues: try await store.jobs(in: nil).map { ($0.id, $0.state) })
                for id in ids where before[id] == nil {
                    throw ValidationError("No job '\(id)' in \(output.shown). `batch-manage list` shows the ids.")
                }
                _ = try await store.cancel(
                    ids, reason: "cancelled with `qeir hypothesis batch-manage cancel`", now: Date())
                return before
            }
            for id in ids {
                switch before[id]! {
                case .running: print("\(id): cancel requested; the worker running it stops it within a second")
                case let state where state.isTerminal: print("\(id): already \(state), left as it is")
                default: print("\(id): cancelled")
                }
            }
        }
    }
}
