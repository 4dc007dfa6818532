// Batch automation: the seed's batch workflow as a program.
//
// Parses a batch configuration (`Examples/batch_config.json` by default), expands its periods ×
// specifications grid into hypothesis jobs on the embedded FRED snapshot, runs them with
// `BatchRun` (durable SQLite store, monitoring, reports) and prints progress and the summary.
// Exits 1 when any job failed. Running again on the same output directory resumes.
//
// Run: swift run example-batch-automation [config.json] [output-directory]
import Foundation
import QEIRBatch
import QEIRHypotheses

let arguments = CommandLine.arguments
let configPath = arguments.count > 1 ? arguments[1] : "Examples/batch_config.json"
let output =
    arguments.count > 2
    ? URL(fileURLWithPath: arguments[2], isDirectory: true)
    : FileManager.default.temporaryDirectory.appendingPathComponent(
        "qeir-batch-\(ProcessInfo.processInfo.processIdentifier)", isDirectory: true)

do {
    let data = try Data(contentsOf: URL(fileURLWithPath: configPath))
    let (configuration, warnings) = try BatchConfiguration.parse(data)
    for warning in warnings { print("warning: \(warning)") }

    let source = try EmbeddedSeriesSource()
    let jobs = try HypothesisJobs.jobSpecs(
        from: configuration.gridJobs(prefix: "hypothesis"), dataVintage: source.vintage)
    print("\(jobs.count) jobs from \(configPath) on \(source.vintage)")
    print("output: \(output.path)")

    let run = BatchRun(
        configuration: configuration, jobs: jobs,
        handlers: [HypothesisJobs.handlerName: HypothesisJobHandler(source: source)],
        options: BatchRunOptions(outputDirectory: output))
    let started = ContinuousClock.now
    let result = try await run.run { progress in print("progress: \(progress.line)") }

    let summary = result.summary
    print("--- summary ---")
    for state in [JobState.succeeded, .failed, .cancelled, .pending] {
        print("\(state.rawValue): \(summary.counts[state] ?? 0)")
    }
    print("attempts started: \(summary.attemptsStarted), interrupted: \(summary.interrupted)")
    print("elapsed: \(ContinuousClock.now - started)")
    print("store: \(result.layout.store.path)")
    for report in result.reports { print("report: \(report.path)") }
    if (summary.counts[.failed] ?? 0) > 0 {
        print("some jobs failed; see \(result.layout.jobs.path)")
        exit(1)
    }
} catch {
    print("error: \(error)")
    exit(1)
}
