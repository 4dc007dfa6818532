import Foundation
import QEIRNotify
import QEIRTestSupport
import Testing

/// Counts deliveries.
actor Counter {
    private(set) var value = 0
    func increment() { value += 1 }
}

@Suite("NotifierFanOut")
struct NotifierFanOutTests {
    @Test("10 sends with a limit of 3 per minute: 3 delivered, 7 dropped and counted; tokens come back over time")
    func rateLimit() async throws {
        let clock = ManualClock()
        let limited = Counter()
        let unlimited = Counter()
        let logs = LogStore()
        let fanOut = NotifierFanOut(
            [
                NotifierRoute(
                    ClosureNotifier(name: "limited") { _ in await limited.increment() },
                    rateLimit: NotifierRateLimit(3, per: .seconds(60))),
                NotifierRoute(ClosureNotifier(name: "unlimited") { _ in await unlimited.increment() }),
            ], clock: clock, logger: logs.logger())
        var statuses: [DeliveryOutcome.Status] = []
        for index in 0..<10 {
            let report = try #require(await fanOut.deliver(NotifyMessage(subject: "n\(index)", message: "")))
            statuses.append(try #require(report.outcome("limited")).status)
        }
        #expect(statuses == Array(repeating: .delivered, count: 3) + Array(repeating: .dropped, count: 7))
        #expect(await limited.value == 3)
        #expect(await unlimited.value == 10)
        let statistics = await fanOut.statistics
        #expect(statistics.map(\.notifier) == ["limited", "unlimited"])
        #expect(statistics.map { [$0.delivered, $0.failed, $0.dropped] } == [[3, 0, 7], [10, 0, 0]])

        // One drop is logged at notice level, the rest at debug level.
        let noticeDrops = logs.lines.filter { $0.hasPrefix("notice Notifier limited is over its rate limit") }
        #expect(noticeDrops.count == 1)
        #expect(
            noticeDrops.first?.contains(
                "Notifier limited is over its rate limit of 3 per 60.0 seconds; dropped \"n3\"") == true)

        // 3 per 60 s refills one token every 20 s.
        clock.advance(by: .seconds(19))
        #expect(
            await fanOut.deliver(NotifyMessage(subject: "early", message: ""))?.outcome("limited")?.status == .dropped)
        clock.advance(by: .seconds(1))
        #expect(
            await fanOut.deliver(NotifyMessage(subject: "refilled", message: ""))?.outcome("limited")?.status
                == .delivered)
        let dropped = try #require(await fanOut.deliver(NotifyMessage(subject: "again", message: "")))
        #expect(dropped.outcome("limited")?.error?.code == .rateLimited)
        #expect(await limited.value == 4)
    }

    @Test("Handlers run concurrently: each waits for the other to start")
    func concurrentHandlers() async throws {
        let aStarted = Gate()
        let bStarted = Gate()
        let fanOut = NotifierFanOut(notifiers: [
            ClosureNotifier(name: "a") { _ in
                await aStarted.release()
                await bStarted.wait()
            },
            ClosureNotifier(name: "b") { _ in
                await bStarted.release()
                await aStarted.wait()
            },
        ])
        let report = try #require(await fanOut.deliver(sampleNotification))
        #expect(report.allDelivered)
    }

    @Test("Receiver down: the webhook fails after its retries, the other handlers deliver, nothing throws")
    func failingHandlerDoesNotFailBatch() async throws {
        let receiver = WebhookReceiver()
        let url = try await receiver.start()
        await receiver.stop()
        let logs = LogStore()
        let delivered = Counter()
        let webhook = try WebhookNotifier(
            name: "ops-webhook",
            configuration: WebhookConfiguration(
                url: url, secret: NotifierSecret(webhookSecret), timeout: .seconds(60),
                retry: WebhookRetryPolicy(maxAttempts: 3, initialDelay: .milliseconds(20))),
            logger: logs.logger("webhook"))
        let output = Pipe()
        let fanOut = NotifierFanOut(
            notifiers: [
                webhook, ClosureNotifier(name: "memory") { _ in await delivered.increment() },
                ConsoleNotifier(output: output.fileHandleForWriting),
            ], logger: logs.logger("fan-out"))
        let report = try #require(await fanOut.deliver(sampleNotification))

        #expect(report.outcomes.map(\.status) == [.failed, .delivered, .delivered])
        let failure = try #require(report.outcome("ops-webhook")?.error)
        #expect(failure.code == .connectionFailed)
        #expect(failure.context["attempts"] == "3")
        #expect(await delivered.value == 1)
        #expect(await fanOut.statistics.map(\.failed) == [1, 0, 0])
        #expect(logs.text.contains("warning Notifier ops-webhook failed to deliver \"QE batch ✓ — 5 jobs\""))
        #expect(logs.lines.filter { $0.contains("Webhook attempt") }.count == 2)
        #expect(!logs.text.contains(webhookSecret))
        #expect(!"\(report)".contains(webhookSecret))
    }

    @Test("detached: deliver returns before a blocked handler finishes; flush waits and returns the report")
    func detachedDelivery() async throws {
        let gate = Gate()
        let fanOut = NotifierFanOut(notifiers: [
            ClosureNotifier(name: "slow") { _ in await gate.wait() },
            ClosureNotifier(name: "failing") { _ in throw NotifyError(.deliveryFailed, "boom") },
        ])
        let immediate = await fanOut.deliver(sampleNotification, detached: true)
        #expect(immediate == nil)
        #expect(await fanOut.pendingCount == 1)
        await gate.release()
        let reports = await fanOut.flush()
        #expect(reports.count == 1)
        #expect(reports.first?.outcomes.map(\.status) == [.delivered, .failed])
        #expect(await fanOut.pendingCount == 0)
        #expect(await fanOut.flush().isEmpty)
        #expect(await fanOut.statistics.map(\.delivered) == [1, 0])
    }

    @Test("detached: many deliveries, one flush collects them all")
    func detachedMany() async throws {
        let counter = Counter()
        let fanOut = NotifierFanOut(notifiers: [ClosureNotifier { _ in await counter.increment() }])
        for index in 0..<20 { await fanOut.deliver(NotifyMessage(subject: "\(index)", message: ""), detached: true) }
        let reports = await fanOut.flush()
        #expect(reports.count == 20)
        #expect(await counter.value == 20)
    }
}

@Suite("Closure and console notifiers, secrets")
struct SmallNotifierTests {
    @Test("ConsoleNotifier writes one line")
    func consoleLine() async throws {
        let pipe = Pipe()
        let console = ConsoleNotifier(output: pipe.fileHandleForWriting)
        try await console.send(sampleNotification)
        try pipe.fileHandleForWriting.close()
        let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(
            text
                == "2026-05-05T12:00:00.000Z WARNING qeir.batch [batch=b-42]: QE batch ✓ — 5 jobs — All 5 jobs "
                + "finished.\\nThe naïve estimator gave β = 0.42.\\n.a line starting with a dot\\n"
                + String(repeating: "long-line-", count: 12) + "end \\n€ at the end failed=0 jobs=5\n")
    }

    @Test("ConsoleNotifier reports a stream it cannot write")
    func consoleUnwritable() async throws {
        let readOnly = try #require(FileHandle(forReadingAtPath: "/dev/null"))
        let console = ConsoleNotifier(name: "stderr", output: readOnly)
        do throws(NotifyError) {
            try await console.send(sampleNotification)
            Issue.record("expected a write error")
        } catch {
            #expect(error.code == .deliveryFailed)
            #expect(error.message.hasPrefix("Notifier stderr could not write to its output"))
        }
    }

    @Test("ClosureNotifier passes NotifyError through and wraps other errors")
    func closureErrors() async {
        struct Oops: Error, CustomStringConvertible { var description: String { "oops" } }
        let wrapping = ClosureNotifier(name: "c") { _ in throw Oops() }
        do throws(NotifyError) {
            try await wrapping.send(sampleNotification)
        } catch {
            #expect(error.code == .deliveryFailed)
            #expect(error.message == "Notifier c: the closure failed: oops")
        }
        let passing = ClosureNotifier { _ in throw NotifyError(.rejected, "no") }
        do throws(NotifyError) {
            try await passing.send(sampleNotification)
        } catch {
            #expect(error == NotifyError(.rejected, "no"))
        }
    }

    @Test("NotifierSecret never shows its value")
    func secretRedacted() {
        let secret = NotifierSecret("s3cr3t-value")
        var dumped = ""
        dump(secret, to: &dumped)
        let configuration = WebhookConfiguration(url: URL(string: "https://example.org/h")!, secret: secret)
        var dumpedConfiguration = ""
        dump(configuration, to: &dumpedConfiguration)
        for text in ["\(secret)", String(reflecting: secret), dumped, "\(configuration)", dumpedConfiguration] {
            #expect(!text.contains("s3cr3t"))
        }
        #expect("\(secret)" == "<redacted>")
        #expect(NotifyError(.deliveryFailed, "m").description == "m [delivery_failed]")
    }

    @Test("Severities are ordered")
    func severityOrder() {
        #expect(NotifyMessage.Severity.allCases.sorted() == [.info, .warning, .error, .critical])
        #expect(NotifyMessage.Severity.warning < .critical)
    }
}
