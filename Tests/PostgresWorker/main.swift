// A worker process for the PostgreSQL cluster test (PostgresClusterTests): runs jobs from a
// shared PostgreSQL queue until it is drained; four of these run at once and one is killed
// with SIGKILL in the middle of a job.
//
// Usage: qeir-postgres-test-worker STORE_URL LOG CONCURRENCY LEASE_MILLISECONDS
//
// Every handler start and end is appended to LOG (O_APPEND, fsync) with this process's id, so
// the test can tell which jobs the killed worker was running.

import Foundation
import QEIRBatch
import QEIRPostgres
import QEIRTestSupport

let arguments = CommandLine.arguments
guard arguments.count == 5, let concurrency = Int(arguments[3]), let leaseMilliseconds = Int(arguments[4]) else {
    FileHandle.standardError.write(
        Data("usage: qeir-postgres-test-worker STORE_URL LOG CONCURRENCY LEASE_MILLISECONDS\n".utf8))
    exit(2)
}
let logPath = arguments[2]

let path = logPath
let handler = ClosureJobHandler { context in
    appendDurableLine("start \(context.job.id) \(getpid())", to: path)
    // 20–60 ms of "work", different per job, cancellable; jobs named long… take 4 s.
    let milliseconds =
        context.job.id.rawValue.hasPrefix("long")
        ? 4000 : 20 + (context.job.id.rawValue.utf8.reduce(0) { ($0 &* 31 &+ Int($1)) & 0xffff } % 41)
    try await Task.sleep(for: .milliseconds(milliseconds))
    appendDurableLine("end \(context.job.id) \(getpid())", to: path)
    return JobOutput(result: .string("ok \(context.job.id)"))
}

do {
    let store = try await PostgresJobStore(url: arguments[1])
    var configuration = ProcessorConfiguration()
    configuration.maxConcurrentJobs = concurrency
    configuration.leaseDuration = .milliseconds(leaseMilliseconds)
    configuration.pollInterval = .milliseconds(100)
    let processor = BatchProcessor(store: store, handlers: ["work": handler], configuration: configuration)
    let summary = try await processor.run(until: .drained)
    print("attempts \(summary.attemptsStarted)")
    await store.close()
    exit(0)
} catch {
    FileHandle.standardError.write(Data("postgres worker: \(error)\n".utf8))
    exit(1)
}
