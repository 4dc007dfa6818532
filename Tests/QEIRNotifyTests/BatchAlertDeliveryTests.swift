import Foundation
import QEIRBatch
import QEIRMonitor
import QEIRNotify
import QEIRTestSupport
import Synchronization
import Testing

/// The whole chain: processor events → monitor → alert → fan-out → notifiers.
@Suite("Batch alerts reach notifiers")
struct BatchAlertDeliveryTests {
    @Test("a failing batch raises a failure-rate alert that reaches a working notifier; a broken one changes nothing")
    func endToEnd() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let received = Mutex<[NotifyMessage]>([])
        let working = ClosureNotifier(name: "inbox") { message in received.withLock { $0.append(message) } }
        let broken = ClosureNotifier(name: "broken") { _ in
            try await Task.sleep(for: .milliseconds(200))
            throw NotifyError(.deliveryFailed, "smtp down")
        }
        let fanOut = NotifierFanOut(notifiers: [working, broken])
        let handler = ClosureJobHandler { context in
            if context.job.payload == "fail" { throw BatchError(.invalidValue, "model did not converge") }
            return JobOutput()
        }
        var settings = ProcessorConfiguration()
        settings.pollInterval = .milliseconds(20)
        let processor = BatchProcessor(store: InMemoryJobStore(), handlers: ["fit": handler], configuration: settings)
        var monitoring = MonitorConfiguration()
        monitoring.interval = .milliseconds(20)
        monitoring.rules.failureMinimumJobs = 4
        monitoring.rules.failureRate = 0.2
        let monitor = BatchMonitor(
            batchID: "run-7",
            database: try MetricsDatabase(path: directory.url.appendingPathComponent("monitoring.db")),
            configuration: monitoring, sampler: nil,
            onAlert: { alert in _ = await fanOut.deliver(NotifyMessage(alert, batchID: "run-7"), detached: true) })
        let watching = Task { await monitor.watch(processor.events()) }
        try await processor.submit(
            (0..<6).map { index in
                JobSpec(
                    id: try! JobID("job\(index)"), handler: "fit", payload: index < 3 ? "fail" : "ok", maxRetries: 0)
            })
        let summary = try await processor.run()
        await watching.value
        #expect(summary[.failed] == 3)
        #expect(summary[.succeeded] == 3)
        let reports = await fanOut.flush()
        let messages = received.withLock { $0 }
        #expect(
            messages.contains {
                $0.fields["alert_key"] == "failure_rate" && $0.severity == .critical && $0.batchID == "run-7"
            })
        #expect(reports.contains { $0.outcome("broken")?.status == .failed })
    }
}
