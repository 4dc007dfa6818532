import Foundation
import QEIRBatch
import QEIRHypotheses
import QEIRTestSupport
import Testing

@Suite("HypothesisWorker and BatchRun.submit")
struct HypothesisWorkerTests {
    @Test(
        "BatchRun.submit puts the jobs in the given store (no jobs.sqlite), twice is harmless; a worker drains it and writes the result files"
    )
    func submitThenWork() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let json = """
            {"base_config": {"bootstrap_iterations": 19, "hypotheses": [1]},
             "periods": [["2008-01-01", "2015-12-31"]], "specifications": ["default", "alternative"]}
            """
        let configuration = try BatchConfiguration.parse(Data(json.utf8)).configuration
        let source = try EmbeddedSeriesSource()
        let jobs = try HypothesisJobs.jobSpecs(
            from: try configuration.gridJobs(prefix: "h"), dataVintage: source.vintage, maxRetries: 0)
        let store = InMemoryJobStore()
        let output = directory.url.appendingPathComponent("out")
        var options = BatchRunOptions(outputDirectory: output)
        options.store = store
        let handlers: [String: any JobHandler] = [HypothesisJobs.handlerName: HypothesisJobHandler(source: source)]
        let run = BatchRun(configuration: configuration, jobs: jobs, handlers: handlers, options: options)
        let first = try await run.submit()
        #expect(first.entries.map(\.disposition) == [.created(.pending), .created(.pending)])
        let second = try await run.submit()
        #expect(second.entries.map(\.disposition) == [.existing(.pending), .existing(.pending)])
        #expect(!FileManager.default.fileExists(atPath: output.appendingPathComponent("jobs.sqlite").path))
        #expect(await store.counts()[.pending] == 2)

        let results = directory.url.appendingPathComponent("results")
        let worker = HypothesisWorker(
            store: store, source: source,
            options: HypothesisWorkerOptions(outputDirectory: results, concurrency: 2, mode: .untilDrained))
        let summary = try await worker.run()
        #expect(summary[.succeeded] == 2)
        #expect(summary.attemptsStarted == 2)
        #expect(!summary.interrupted)
        for job in jobs {
            #expect(
                FileManager.default.fileExists(
                    atPath: results.appendingPathComponent("\(job.id.rawValue)/result.json").path))
        }
    }
}
