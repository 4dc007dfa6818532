// A custom notifier: a type conforming to `Notifier` that appends one JSON line per
// notification to a file (a stand-in for a chat webhook, a queue or a log shipper).
//
// Registers it in `BatchRunOptions.notifiers`, runs a tiny hypothesis batch (one period, one
// specification, 49 bootstrap iterations) on the embedded FRED snapshot and prints the
// notifications the notifier received — at least the end-of-batch summary.
//
// Run: swift run example-custom-notifier [output-directory]
import Foundation
import QEIRBatch
import QEIRHypotheses
import QEIRNotify

/// Appends each notification to a JSON-lines file; an actor so concurrent sends do not interleave.
actor JSONLinesNotifier: Notifier {
    nonisolated let name = "jsonl"
    let file: URL

    init(file: URL) { self.file = file }

    func send(_ n: NotifyMessage) async throws(NotifyError) {
        var record: [String: String] = n.fields
        record["subject"] = n.subject
        record["message"] = n.message
        record["severity"] = n.severity.rawValue
        record["source"] = n.source
        record["batch_id"] = n.batchID ?? ""
        record["timestamp"] = n.timestamp.formatted(.iso8601)
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = .sortedKeys
            var line = try encoder.encode(record)
            line.append(0x0A)
            if !FileManager.default.fileExists(atPath: file.path) {
                _ = FileManager.default.createFile(atPath: file.path, contents: nil)
            }
            let handle = try FileHandle(forWritingTo: file)
            defer { try? handle.close() }
            try handle.seekToEnd()
            try handle.write(contentsOf: line)
        } catch {
            throw NotifyError(
                .deliveryFailed, "Notifier \(name) could not append to \(file.lastPathComponent): \(error)",
                context: ["notifier": name])
        }
    }
}

let output =
    CommandLine.arguments.count > 1
    ? URL(fileURLWithPath: CommandLine.arguments[1], isDirectory: true)
    : FileManager.default.temporaryDirectory.appendingPathComponent(
        "qeir-notify-\(ProcessInfo.processInfo.processIdentifier)", isDirectory: true)

let config = """
    {
      "batch_processing_config": {"max_concurrent_jobs": 1, "compress_results": false},
      "base_config": {"bootstrap_iterations": 49, "seed": 7},
      "periods": [["2008-01-01", "2015-12-31"]],
      "specifications": ["default"]
    }
    """

do {
    try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
    let log = output.appendingPathComponent("notifications.jsonl")
    let (configuration, _) = try BatchConfiguration.parse(Data(config.utf8))
    let source = try EmbeddedSeriesSource()
    let jobs = try HypothesisJobs.jobSpecs(
        from: configuration.gridJobs(prefix: "hypothesis"), dataVintage: source.vintage)

    var options = BatchRunOptions(outputDirectory: output, batchID: "notifier-demo")
    options.notifiers = [JSONLinesNotifier(file: log)]
    let run = BatchRun(
        configuration: configuration, jobs: jobs,
        handlers: [HypothesisJobs.handlerName: HypothesisJobHandler(source: source)], options: options)
    let result = try await run.run { print("progress: \($0.line)") }

    print("succeeded: \(result.summary.counts[.succeeded] ?? 0), failed: \(result.summary.counts[.failed] ?? 0)")
    for delivery in result.deliveries {
        print("delivery '\(delivery.subject)': all delivered = \(delivery.allDelivered)")
    }
    print("--- \(log.path) ---")
    print((try? String(contentsOf: log, encoding: .utf8)) ?? "(no notifications)", terminator: "")
} catch {
    print("error: \(error)")
    exit(1)
}
