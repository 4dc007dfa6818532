// A child process for the batch crash test (BatchCrashTests): runs a batch on a durable
// SQLite store and is killed with SIGKILL at random points, then started again to resume.
//
// Usage: qeir-batch-crash-worker STORE LOG JOBS CONCURRENCY
//
// Every handler start and end is appended to LOG (O_APPEND, fsync), so the test can tell which
// attempts ran after a job's success was committed.

import Foundation
import QEIRBatch
import QEIRTestSupport

let arguments = CommandLine.arguments
guard arguments.count == 5, let jobCount = Int(arguments[3]), let concurrency = Int(arguments[4]) else {
    FileHandle.standardError.write(Data("usage: qeir-batch-crash-worker STORE LOG JOBS CONCURRENCY\n".utf8))
    exit(2)
}
let storeURL = URL(fileURLWithPath: arguments[1])
let logPath = arguments[2]

let path = logPath
let handler = ClosureJobHandler { context in
    appendDurableLine("start \(context.job.id) \(getpid())", to: path)
    // 30–60 ms of "work", different per job (and the same on every run), cancellable.
    let milliseconds = 30 + (context.job.id.rawValue.utf8.reduce(0) { ($0 &* 31 &+ Int($1)) & 0xffff } % 31)
    try await Task.sleep(for: .milliseconds(milliseconds))
    appendDurableLine("end \(context.job.id) \(getpid())", to: path)
    return JobOutput(result: .string("ok \(context.job.id)"))
}

do {
    let store = try SQLiteJobStore(path: storeURL)
    var jobs: [JobSpec] = []
    for index in 0..<jobCount {
        let id = try JobID(String(format: "job%03d", index))
        // Every fifth job depends on the one before it: dependencies must survive crashes too.
        let dependencies = index % 5 == 4 ? [try JobID(String(format: "job%03d", index - 1))] : []
        jobs.append(
            JobSpec(id: id, handler: "work", payload: .integer(index), priority: index % 3, dependencies: dependencies))
    }
    var configuration = ProcessorConfiguration()
    configuration.maxConcurrentJobs = concurrency
    configuration.pollInterval = .milliseconds(50)
    let processor = BatchProcessor(store: store, handlers: ["work": handler], configuration: configuration)
    // Resubmitting the same jobs after a crash leaves the stored ones as they are.
    try await processor.submit(jobs)
    let summary = try await processor.run()
    print("succeeded \(summary[.succeeded]) of \(jobCount)")
    exit(summary.allSucceeded ? 0 : 1)
} catch {
    FileHandle.standardError.write(Data("crash worker: \(error)\n".utf8))
    exit(1)
}
