// A scheduled batch: `ScheduledBatchProcessor` with a cron schedule (every minute, UTC) that
// submits one small job per slot; the job prints the slot's scheduled time and caught-up flag.
//
// By default it stops after the first slot's job has finished (at most about a minute, since
// slots fall on whole minutes); `--seconds N` keeps it running for N seconds instead, firing a
// slot each minute. Jobs go to an in-memory store, so nothing is left behind.
//
// Run: swift run example-scheduled-batch [--seconds N]
import Foundation
import QEIRBatch

let arguments = CommandLine.arguments
var bound: Int?
if let flag = arguments.firstIndex(of: "--seconds"), flag + 1 < arguments.count {
    bound = Int(arguments[flag + 1])
}

/// One line per finished job: the slot it ran for.
let (finished, finishedContinuation) = AsyncStream<String>.makeStream()

let handler = ClosureJobHandler { context in
    let slot = context.job.inputs[ScheduledRun.scheduledTimeKey] ?? "?"
    let caughtUp = context.job.inputs[ScheduledRun.caughtUpKey] ?? "?"
    let line = "job \(context.job.id.rawValue): scheduled \(slot), caught up: \(caughtUp)"
    finishedContinuation.yield(line)
    return JobOutput(result: .string("ran for \(slot)"))
}

do {
    let schedule = try Schedule(.cron(try CronExpression("*/1 * * * *")), timeZone: "UTC")
    let now = Date()
    var upcoming: [Date] = []
    var cursor = now
    for _ in 0..<3 {
        guard let next = schedule.nextFireDate(after: cursor) else { break }
        upcoming.append(next)
        cursor = next
    }
    print("now: \(now.formatted(.iso8601))")
    print("next slots: \(upcoming.map { $0.formatted(.iso8601) }.joined(separator: ", "))")

    let batch = ScheduledBatch(id: "heartbeat", schedule: schedule, missedRuns: .latest) {
        (slot: ScheduledSlot) throws(BatchError) -> [JobSpec] in
        print("slot \(slot.time.formatted(.iso8601)) fired (caught up: \(slot.caughtUp))")
        return [JobSpec(id: try JobID("tick"), handler: "tick", maxRetries: 0)]
    }
    var settings = ProcessorConfiguration()
    settings.maxConcurrentJobs = 1
    let processor = BatchProcessor(store: InMemoryJobStore(), handlers: ["tick": handler], configuration: settings)
    let scheduler = try ScheduledBatchProcessor(processor: processor, schedules: [batch])

    let running = Task { try await scheduler.run() }
    let started = ContinuousClock.now
    if let bound {
        let stopper = Task {
            try? await Task.sleep(for: .seconds(bound))
            await scheduler.shutdown(grace: .seconds(5))
        }
        for await line in finished { print(line) }
        _ = stopper
    } else {
        let watchdog = Task {
            do { try await Task.sleep(for: .seconds(75)) } catch { return }
            print("no slot finished within 75 s; stopping")
            await scheduler.shutdown(grace: .zero)
            finishedContinuation.finish()
        }
        for await line in finished {
            print(line)
            break
        }
        watchdog.cancel()
        await scheduler.shutdown(grace: .seconds(5))
    }
    let summary = try await running.value
    finishedContinuation.finish()
    print("stopped after \(ContinuousClock.now - started)")
    print("succeeded: \(summary.counts[.succeeded] ?? 0), failed: \(summary.counts[.failed] ?? 0)")
    print("missed slots: \(await scheduler.missedRunCounts)")
} catch {
    print("error: \(error)")
    exit(1)
}
