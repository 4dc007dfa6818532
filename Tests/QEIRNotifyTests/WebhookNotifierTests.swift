import Crypto
import Foundation
import QEIRNotify
import QEIRTestSupport
import Testing

/// The per-attempt timeout of tests that are not about timeouts: the receiver runs in this
/// test process, whose two cooperative threads other suites can keep busy for many seconds on a
/// loaded two-core machine (the default 10 s was exceeded once in a full run).
private let patient: Duration = .seconds(60)

let webhookSecret = "whsec-Sentinel-0c7e21"

/// The body `WebhookNotifier` must send for ``sampleNotification``, byte for byte.
let sampleJSON =
    #"{"batch_id":"b-42","fields":{"failed":"0","jobs":"5"},"message":"All 5 jobs finished.\nThe naïve "#
    + #"estimator gave β = 0.42.\n.a line starting with a dot\n"#
    + String(repeating: "long-line-", count: 12)
    + #"end \n€ at the end","severity":"warning","source":"qeir.batch","subject":"QE batch ✓ — 5 jobs","#
    + #""timestamp":"2026-05-05T12:00:00.000Z"}"#

/// Sends and returns the error, failing the test when the send succeeds.
func webhookFailure(_ notifier: WebhookNotifier) async -> NotifyError? {
    do throws(NotifyError) {
        try await notifier.send(sampleNotification)
        Issue.record("expected the webhook to fail")
        return nil
    } catch {
        return error
    }
}

@Suite("WebhookNotifier against a local receiver")
struct WebhookNotifierTests {
    @Test("The body is sorted JSON with every field, signed with HMAC-SHA256 of the exact bytes")
    func bodyAndSignature() async throws {
        let receiver = WebhookReceiver()
        let url = try await receiver.start()
        defer { Task { await receiver.stop() } }
        let notifier = try WebhookNotifier(
            configuration: WebhookConfiguration(
                url: url, secret: NotifierSecret(webhookSecret), headers: ["Authorization": "Bearer t0ken"],
                timeout: patient))
        try await notifier.send(sampleNotification)

        let request = try #require(await receiver.requests.first)
        #expect(request.method == "POST")
        #expect(request.path == "/hooks/qeir")
        #expect(String(decoding: request.body, as: UTF8.self) == sampleJSON)
        let object = try #require(try JSONSerialization.jsonObject(with: request.body) as? [String: Any])
        #expect(object["subject"] as? String == "QE batch ✓ — 5 jobs")
        #expect(object["severity"] as? String == "warning")
        #expect(object["source"] as? String == "qeir.batch")
        #expect(object["batch_id"] as? String == "b-42")
        #expect(object["timestamp"] as? String == "2026-05-05T12:00:00.000Z")
        #expect(object["fields"] as? [String: String] == ["jobs": "5", "failed": "0"])

        // The receiver's check: HMAC-SHA256 over the raw body it read, under the shared secret.
        let mac = HMAC<SHA256>.authenticationCode(
            for: request.body, using: SymmetricKey(data: Data(webhookSecret.utf8)))
        let expected = "sha256=" + mac.map { String(format: "%02x", $0) }.joined()
        #expect(request.header("X-QEIR-Signature") == expected)
        #expect(request.header("content-type") == "application/json")
        #expect(request.header("authorization") == "Bearer t0ken")
        #expect(request.header("x-qeir-attempt") == "1")
        let stamp = try #require(request.header("X-QEIR-Timestamp").flatMap(Int.init))
        #expect(abs(Double(stamp) - Date().timeIntervalSince1970) < 60)
    }

    @Test("The signature matches RFC 4231 test case 2")
    func signatureVector() {
        let body = Data("what do ya want for nothing?".utf8)
        #expect(
            WebhookNotifier.signature(of: body, secret: NotifierSecret("Jefe"))
                == "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    }

    @Test("batch_id is null when absent; no secret means no signature header")
    func unsignedAndNullBatch() async throws {
        let receiver = WebhookReceiver()
        let url = try await receiver.start()
        defer { Task { await receiver.stop() } }
        let notifier = try WebhookNotifier(configuration: WebhookConfiguration(url: url, timeout: patient))
        try await notifier.send(
            NotifyMessage(subject: "s", message: "m", timestamp: Date(timeIntervalSince1970: 0), source: "t"))
        let request = try #require(await receiver.requests.first)
        #expect(
            String(decoding: request.body, as: UTF8.self)
                == #"{"batch_id":null,"fields":{},"message":"m","severity":"info","source":"t","subject":"s","#
                + #""timestamp":"1970-01-01T00:00:00.000Z"}"#)
        #expect(request.header("X-QEIR-Signature") == nil)
    }

    @Test("500, 500, 200: delivered on the third attempt after backing off 100 ms then 200 ms")
    func retriesWithBackoff() async throws {
        let receiver = WebhookReceiver()
        let url = try await receiver.start()
        defer { Task { await receiver.stop() } }
        await receiver.enqueue([.status(500), .status(500)])
        let clock = RecordingClock()
        let logs = LogStore()
        let notifier = try WebhookNotifier(
            configuration: WebhookConfiguration(
                url: url, secret: NotifierSecret(webhookSecret), timeout: patient,
                retry: WebhookRetryPolicy(maxAttempts: 3, initialDelay: .milliseconds(100))),
            clock: clock, logger: logs.logger())
        try await notifier.send(sampleNotification)

        let requests = await receiver.requests
        #expect(requests.count == 3)
        #expect(requests.map { $0.header("X-QEIR-Attempt") } == ["1", "2", "3"])
        #expect(Set(requests.compactMap { $0.header("X-QEIR-Delivery") }).count == 1)
        #expect(Set(requests.map(\.body)).count == 1)
        #expect(Set(requests.compactMap { $0.header("X-QEIR-Signature") }).count == 1)
        #expect(clock.sleeps == [.milliseconds(100), .milliseconds(200)])
        #expect(logs.text.contains("Webhook attempt 1 of 3 failed (HTTP 500 \"status 500\"); retrying in 0.1 seconds"))
        #expect(!logs.text.contains(webhookSecret))
        #expect(!logs.text.contains("/hooks/qeir"))
    }

    @Test("A 404 is not retried; the error names the status and the origin only")
    func clientErrorNotRetried() async throws {
        let receiver = WebhookReceiver()
        let url = try await receiver.start(path: "/hooks/T0KEN-in-path")
        defer { Task { await receiver.stop() } }
        await receiver.enqueue([.status(404)])
        let notifier = try WebhookNotifier(
            configuration: WebhookConfiguration(url: url, secret: NotifierSecret(webhookSecret), timeout: patient),
            clock: RecordingClock())
        let error = try #require(await webhookFailure(notifier))
        #expect(await receiver.requests.count == 1)
        #expect(error.code == .httpStatus)
        #expect(error.context["status"] == "404")
        #expect(
            error.message
                == "Webhook notifier webhook gave up on http://127.0.0.1:\(url.port!) after 1 attempt: HTTP 404 "
                + "\"status 404\"; the receiver refused the request; check the URL, the secret and the receiver's logs."
        )
        #expect(!"\(error)".contains("T0KEN"))
    }

    @Test("A receiver echoing the secret or a header value in its error body: both are redacted")
    func echoedSecretsRedacted() async throws {
        let receiver = WebhookReceiver()
        let url = try await receiver.start()
        defer { Task { await receiver.stop() } }
        await receiver.enqueue([
            .body(status: 503, text: "bad key \(webhookSecret) for Bearer t0ken-Sentinel"),
            .body(status: 400, text: "bad key \(webhookSecret) for Bearer t0ken-Sentinel"),
        ])
        let logs = LogStore()
        let notifier = try WebhookNotifier(
            configuration: WebhookConfiguration(
                url: url, secret: NotifierSecret(webhookSecret), headers: ["Authorization": "Bearer t0ken-Sentinel"],
                timeout: patient),
            clock: RecordingClock(), logger: logs.logger())
        let error = try #require(await webhookFailure(notifier))
        #expect(error.context["status"] == "400")
        #expect(
            error.message
                == "Webhook notifier webhook gave up on http://127.0.0.1:\(url.port!) after 2 attempts: HTTP 400 "
                + "\"bad key <redacted> for <redacted>\"; the receiver refused the request; check the URL, the secret "
                + "and the receiver's logs.")
        #expect(logs.text.contains("failed (HTTP 503 \"bad key <redacted> for <redacted>\")"))
        #expect(!logs.text.contains(webhookSecret) && !logs.text.contains("t0ken"))
    }

    @Test("429 with Retry-After is retried after the server's delay")
    func retryAfterHonoured() async throws {
        let receiver = WebhookReceiver()
        let url = try await receiver.start()
        defer { Task { await receiver.stop() } }
        await receiver.enqueue([.retryAfter(status: 429, seconds: 2)])
        let clock = RecordingClock()
        let notifier = try WebhookNotifier(
            configuration: WebhookConfiguration(
                url: url, timeout: patient, retry: WebhookRetryPolicy(initialDelay: .milliseconds(10))),
            clock: clock)
        try await notifier.send(sampleNotification)
        #expect(await receiver.requests.count == 2)
        #expect(clock.sleeps == [.seconds(2)])
    }

    @Test("Receiver down: gives up after the maximum attempts with connectionFailed")
    func receiverDown() async throws {
        let receiver = WebhookReceiver()
        let url = try await receiver.start()
        await receiver.stop()
        let clock = RecordingClock()
        let notifier = try WebhookNotifier(
            configuration: WebhookConfiguration(
                url: url, timeout: patient, retry: WebhookRetryPolicy(maxAttempts: 4, initialDelay: .milliseconds(50))),
            clock: clock)
        let error = try #require(await webhookFailure(notifier))
        #expect(error.code == .connectionFailed)
        #expect(error.context["attempts"] == "4")
        #expect(
            error.message.hasPrefix(
                "Webhook notifier webhook gave up on http://127.0.0.1:\(url.port!) after 4 attempts"))
        #expect(clock.sleeps == [.milliseconds(50), .milliseconds(100), .milliseconds(200)])
    }

    @Test("A receiver slower than the timeout: each attempt is cut at the timeout, the reply is not awaited")
    func perAttemptTimeout() async throws {
        let receiver = WebhookReceiver()
        let url = try await receiver.start()
        defer { Task { await receiver.stop() } }
        await receiver.enqueue([.delayed(.seconds(300), status: 200), .delayed(.seconds(300), status: 200)])
        let notifier = try WebhookNotifier(
            configuration: WebhookConfiguration(
                url: url, timeout: .milliseconds(300), retry: WebhookRetryPolicy(maxAttempts: 2)),
            clock: RecordingClock())
        let start = ContinuousClock.now
        let error = try #require(await webhookFailure(notifier))
        let elapsed = start.duration(to: .now)
        #expect(error.code == .timedOut)
        #expect(error.context["attempts"] == "2")
        // Under a loaded test run an attempt can time out before the receiver has even read the
        // request, so the receiver may have seen fewer than two; never more.
        #expect(await receiver.requests.count <= 2)
        #expect(
            error.message
                == "Webhook notifier webhook gave up on http://127.0.0.1:\(url.port!) after 2 attempts: timed out; "
                + "the receiver did not answer within 0.3 seconds; check it or raise the timeout.")
        // Two 0.3 s attempts: about 0.6 s alone, 0.65 s measured. The upper bound only proves
        // that no reply (300 s away) was awaited; it is loose because the whole test suite shares
        // two cores and the cooperative pool.
        #expect(elapsed >= .milliseconds(600))
        #expect(elapsed < .seconds(150))
    }

    @Test("Backoff delays grow by the multiplier up to the cap")
    func policyDelays() {
        let policy = WebhookRetryPolicy(
            maxAttempts: 10, initialDelay: .seconds(1), multiplier: 3, maxDelay: .seconds(20))
        #expect(
            (1...5).map { policy.delay(afterAttempt: $0) } == [
                .seconds(1), .seconds(3), .seconds(9), .seconds(20), .seconds(20),
            ])
        #expect(policy.delay(afterAttempt: 1, retryAfter: .seconds(7)) == .seconds(7))
        #expect(policy.delay(afterAttempt: 1, retryAfter: .seconds(700)) == .seconds(20))
    }

    @Test("Configuration checks")
    func configurationChecks() throws {
        do throws(NotifyError) {
            _ = try WebhookNotifier(
                configuration: WebhookConfiguration(url: URL(string: "ftp://user:pw@example.org/x?token=abc")!))
            Issue.record("expected an error")
        } catch {
            #expect(error.code == .invalidConfiguration)
            #expect(
                error.message
                    == "Webhook notifier webhook: the URL ftp://example.org is not an http:// or https:// URL with a "
                    + "host; fix it.")
        }
    }
}
