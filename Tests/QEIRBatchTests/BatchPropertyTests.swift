import Foundation
import QEIRBatch
import Synchronization
import Testing

/// Property tests: random DAGs with random priorities and failures, checked against the rules.
@Suite("BatchProcessor properties")
struct BatchPropertyTests: ProcessorFixtures {

    /// A random DAG: job i may depend on any earlier job (ids shuffled so order proves nothing).
    func randomBatch(seed: UInt64, size: Int, failing: Set<Int>) -> [JobSpec] {
        var generator = SeededGenerator(state: seed)
        let names = (0..<size).map { "n\($0)" }.shuffled(using: &generator)
        var specs: [JobSpec] = []
        for index in 0..<size {
            var dependencies: [String] = []
            for earlier in 0..<index where Int.random(in: 0..<100, using: &generator) < 8 {
                dependencies.append(names[earlier])
            }
            let payload: ConfigValue = failing.contains(index) ? "fail" : "ok"
            specs.append(
                job(
                    names[index], priority: Int.random(in: 0..<3, using: &generator), dependsOn: dependencies,
                    payload: payload))
        }
        return specs.shuffled(using: &generator)
    }

    @Test(
        "random DAGs: dependencies end before dependents start; failures skip exactly their descendants",
        arguments: [(UInt64(1), 1), (2, 2), (3, 4), (4, 3), (5, 1), (6, 4)])
    func randomDAGs(seed: UInt64, concurrency: Int) async throws {
        var generator = SeededGenerator(state: seed &* 7919)
        let failing = Set((0..<4).map { _ in Int.random(in: 0..<60, using: &generator) })
        let specs = randomBatch(seed: seed, size: 60, failing: failing)
        let log = ExecutionLog()
        let handler = ClosureJobHandler { context in
            log.enter()
            defer { log.leave() }
            log.append("start \(context.job.id)")
            try await Task.sleep(for: .microseconds(Int.random(in: 0...300)))
            log.append("end \(context.job.id)")
            if context.job.payload == "fail" { throw BatchError(.invalidValue, "planned failure") }
            return JobOutput()
        }
        let processor = BatchProcessor(
            store: InMemoryJobStore(), handlers: ["work": handler],
            configuration: fastConfiguration(concurrency: concurrency))
        try await processor.submit(specs)
        let summary = try await processor.run()
        #expect(log.peak <= concurrency)

        // Expected final states: a job fails if planned; it is skipped if any ancestor did not succeed.
        let byID = Dictionary(uniqueKeysWithValues: specs.map { ($0.id, $0) })
        var expected: [JobID: JobState] = [:]
        func state(_ id: JobID) -> JobState {
            if let known = expected[id] { return known }
            let spec = byID[id]!
            let result: JobState =
                spec.dependencies.contains { state($0) != .succeeded }
                ? .skipped : (spec.payload == "fail" ? .failed : .succeeded)
            expected[id] = result
            return result
        }
        for spec in specs {
            let record = try #require(await processor.store.job(spec.id))
            #expect(record.state == state(spec.id), "job \(spec.id)")
        }
        #expect(summary[.succeeded] + summary[.failed] + summary[.skipped] == specs.count)

        let entries = log.all
        for spec in specs {
            guard let start = entries.firstIndex(of: "start \(spec.id)") else {
                #expect(state(spec.id) == .skipped)
                continue
            }
            #expect(entries.filter { $0 == "start \(spec.id)" }.count == 1)
            for dependency in spec.dependencies {
                let end = try #require(entries.firstIndex(of: "end \(dependency)"))
                #expect(end < start, "\(dependency) must end before \(spec.id) starts")
            }
        }
    }

    @Test(
        "with one slot, every start is the best ready job: highest priority, then submission order",
        arguments: [UInt64(11), 12, 13])
    func priorityOrder(seed: UInt64) async throws {
        let specs = randomBatch(seed: seed, size: 40, failing: [])
        let log = ExecutionLog()
        let processor = BatchProcessor(
            store: InMemoryJobStore(), handlers: ["work": loggingHandler(log)],
            configuration: fastConfiguration(concurrency: 1))
        try await processor.submit(specs)
        try await processor.run()
        let order = log.all.filter { $0.hasPrefix("start ") }.map { try! JobID(String($0.dropFirst(6))) }
        #expect(order.count == specs.count)
        let position = Dictionary(uniqueKeysWithValues: specs.enumerated().map { ($1.id, $0) })
        let byID = Dictionary(uniqueKeysWithValues: specs.map { ($0.id, $0) })
        var done = Set<JobID>()
        for next in order {
            let ready = specs.filter { !done.contains($0.id) && $0.dependencies.allSatisfy(done.contains) }
            let best = ready.max { a, b in
                a.priority != b.priority ? a.priority < b.priority : position[a.id]! > position[b.id]!
            }
            #expect(best?.id == next, "started \(next) (priority \(byID[next]!.priority)) but \(best!.id) was best")
            done.insert(next)
        }
    }
}
