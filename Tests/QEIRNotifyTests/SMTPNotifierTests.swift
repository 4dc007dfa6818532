import Foundation
import Logging
import QEIRNotify
import QEIRTestSupport
import Testing

/// A notification whose subject and body exercise encoding: non-ASCII, `=`, a line starting
/// with a dot, trailing space, and a line longer than quoted-printable allows.
let sampleNotification = NotifyMessage(
    subject: "QE batch ✓ — 5 jobs",
    message: "All 5 jobs finished.\nThe naïve estimator gave β = 0.42.\n.a line starting with a dot\n"
        + String(repeating: "long-line-", count: 12) + "end \n€ at the end",
    severity: .warning, timestamp: Date(timeIntervalSince1970: 1_777_982_400), source: "qeir.batch",
    batchID: "b-42", fields: ["jobs": "5", "failed": "0"])

let sampleBody =
    sampleNotification.message
    + "\n\nSeverity: warning\nSource: qeir.batch\nBatch: b-42\nTime: 2026-05-05T12:00:00.000Z\nfailed: 0\njobs: 5"

let smtpUser = "qeir"
let smtpPassword = "pw-Sentinel-7f3a9c"

/// A running aiosmtpd server with its certificate and scratch directory.
struct SMTPFixture {
    let directory: URL
    let certificate: SelfSignedCertificate
    let server: LocalSMTPServer

    static func start(_ security: LocalSMTPServer.Security, auth: Bool = false) async throws -> SMTPFixture {
        let directory = try makeTemporaryDirectory()
        let certificate = try await SelfSignedCertificate.make(in: directory)
        let server = try await LocalSMTPServer.start(
            security: security, certificate: security == .plain ? nil : certificate,
            username: auth ? smtpUser : nil, password: auth ? smtpPassword : nil, directory: directory)
        return SMTPFixture(directory: directory, certificate: certificate, server: server)
    }

    func url(_ scheme: String = "smtp", host: String = "localhost") -> URL {
        URL(string: "\(scheme)://\(host):\(server.port)")!
    }

    func configuration(
        scheme: String = "smtp", password: String? = nil, requireTLS: Bool = true, trusted: Bool = true,
        timeout: Duration = .seconds(15)
    ) -> SMTPConfiguration {
        SMTPConfiguration(
            url: url(scheme), from: "qeir@example.org", to: ["ops@example.org", "research@example.org"],
            username: password == nil ? nil : smtpUser, password: password.map(NotifierSecret.init),
            requireTLS: requireTLS, caFile: trusted ? certificate.certificate.path : nil, timeout: timeout)
    }

    func finish() {
        server.stop()
        try? FileManager.default.removeItem(at: directory)
    }
}

/// Sends and returns the error, failing the test when the send succeeds.
func sendExpectingFailure(_ notifier: some Notifier, _ n: NotifyMessage = sampleNotification) async -> NotifyError? {
    do throws(NotifyError) {
        try await notifier.send(n)
        Issue.record("expected \(notifier.name) to fail")
        return nil
    } catch {
        return error
    }
}

@Suite("SMTPNotifier against a real aiosmtpd server")
struct SMTPNotifierTests {
    @Test("STARTTLS required, AUTH, verified certificate: the message arrives intact")
    func startTLSWithAuthDelivers() async throws {
        let fixture = try await SMTPFixture.start(.startTLS, auth: true)
        defer { fixture.finish() }
        let notifier = try SMTPNotifier(configuration: fixture.configuration(password: smtpPassword))
        try await notifier.send(sampleNotification)

        let mail = try #require(try await fixture.server.messages(count: 1).first)
        #expect(mail.tls)
        #expect(mail.login == smtpUser)
        #expect(mail.mailFrom == "qeir@example.org")
        #expect(mail.recipients == ["ops@example.org", "research@example.org"])

        let parsed = ParsedMail(mail.raw)
        #expect(parsed.raw("Date") == "Tue, 05 May 2026 12:00:00 +0000")
        #expect(parsed.raw("From") == "qeir@example.org")
        #expect(parsed.raw("To") == "ops@example.org, research@example.org")
        #expect(parsed.raw("Subject")?.hasPrefix("=?UTF-8?B?") == true)
        #expect(parsed.header("Subject") == "QE batch ✓ — 5 jobs")
        let messageID = try #require(parsed.raw("Message-ID"))
        #expect(messageID.wholeMatch(of: /<[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}@example\.org>/) != nil)
        #expect(parsed.raw("MIME-Version") == "1.0")
        #expect(parsed.raw("Content-Type") == "text/plain; charset=UTF-8")
        #expect(parsed.raw("Content-Transfer-Encoding") == "quoted-printable")
        #expect(parsed.raw("X-QEIR-Severity") == "warning")
        #expect(parsed.raw("X-QEIR-Batch-ID") == "b-42")
        #expect(parsed.decodedBody == sampleBody + "\n")
        #expect(parsed.headerLines.allSatisfy { $0.utf8.count <= 78 })
        #expect(parsed.bodyLines.allSatisfy { $0.utf8.count <= 76 })

        // Python's email package reads the same message independently.
        #expect(mail.decodedSubject == "QE batch ✓ — 5 jobs")
        #expect(mail.decodedBody == sampleBody + "\n")
    }

    @Test("smtps:// (TLS on connect) delivers")
    func implicitTLSDelivers() async throws {
        let fixture = try await SMTPFixture.start(.implicitTLS, auth: true)
        defer { fixture.finish() }
        let notifier = try SMTPNotifier(configuration: fixture.configuration(scheme: "smtps", password: smtpPassword))
        try await notifier.send(sampleNotification)
        let mail = try #require(try await fixture.server.messages(count: 1).first)
        #expect(mail.tls)
        #expect(mail.login == smtpUser)
        #expect(mail.decodedSubject == "QE batch ✓ — 5 jobs")
    }

    @Test("TLS required but the server offers no STARTTLS: the send fails and says what to do")
    func startTLSMissingFails() async throws {
        let fixture = try await SMTPFixture.start(.plain)
        defer { fixture.finish() }
        let notifier = try SMTPNotifier(configuration: fixture.configuration(trusted: false))
        let error = try #require(await sendExpectingFailure(notifier))
        #expect(error.code == .tlsRequired)
        #expect(
            error.message
                == "SMTP notifier smtp could not deliver through smtp://localhost:\(fixture.server.port): Requested "
                + "SSL level failed: STARTTLS not supported; the server does not offer STARTTLS; use smtps:// if it "
                + "speaks TLS on connect, or set requireTLS to false only for a trusted local relay.")
        #expect(error.context["server"] == "smtp://localhost:\(fixture.server.port)")
        #expect(try fixture.server.receivedMessages().isEmpty)
    }

    @Test("requireTLS false sends in the clear to a server without STARTTLS")
    func optionalTLSToPlainServer() async throws {
        let fixture = try await SMTPFixture.start(.plain)
        defer { fixture.finish() }
        let notifier = try SMTPNotifier(configuration: fixture.configuration(requireTLS: false, trusted: false))
        try await notifier.send(sampleNotification)
        let mail = try #require(try await fixture.server.messages(count: 1).first)
        #expect(!mail.tls)
        #expect(mail.decodedSubject == "QE batch ✓ — 5 jobs")
    }

    @Test("An untrusted certificate fails the TLS check")
    func untrustedCertificateFails() async throws {
        let fixture = try await SMTPFixture.start(.startTLS)
        defer { fixture.finish() }
        let notifier = try SMTPNotifier(configuration: fixture.configuration(trusted: false))
        let error = try #require(await sendExpectingFailure(notifier))
        #expect(error.code == .tlsFailed)
        #expect(error.message.contains("set caFile to the CA certificate that signed it"))
        #expect(try fixture.server.receivedMessages().isEmpty)
    }

    @Test("A wrong password fails, and neither the error nor the logs contain it")
    func wrongPasswordIsNotLeaked() async throws {
        let fixture = try await SMTPFixture.start(.startTLS, auth: true)
        defer { fixture.finish() }
        let wrong = "wrong-Sentinel-51d2e8"
        let logs = LogStore()
        let notifier = try SMTPNotifier(
            configuration: fixture.configuration(password: wrong), logger: logs.logger("smtp"))
        let error = try #require(await sendExpectingFailure(notifier))
        #expect(error.code == .authenticationFailed)
        #expect(
            error.message
                == "SMTP notifier smtp could not deliver through smtp://localhost:\(fixture.server.port): Login "
                + "denied (the server's last reply was 535); check username and password and the AUTH methods the "
                + "server allows.")
        #expect(error.context["smtp_reply"] == "535")

        // Through the fan-out too: the failure is reported and logged, never with the password.
        let fanOut = NotifierFanOut(notifiers: [notifier], logger: logs.logger("fan-out"))
        let report = try #require(await fanOut.deliver(sampleNotification))
        #expect(report.outcome("smtp")?.status == .failed)
        #expect(report.outcome("smtp")?.error?.code == .authenticationFailed)
        #expect(logs.text.contains("Notifier smtp failed to deliver"))

        let everything = [
            "\(error)", "\(error.context)", logs.text, "\(notifier.configuration)", "\(report)",
            String(reflecting: notifier.configuration),
        ]
        for text in everything {
            #expect(!text.contains(wrong))
            #expect(!text.contains(smtpPassword))
        }
        var dumped = ""
        dump(notifier.configuration, to: &dumped)
        #expect(!dumped.contains(wrong))
        #expect(try fixture.server.receivedMessages().isEmpty)
    }

    @Test("A closed port fails with connectionFailed naming the server")
    func closedPortFails() async throws {
        let fixture = try await SMTPFixture.start(.plain)
        let url = fixture.url()
        fixture.finish()
        try await Task.sleep(for: .milliseconds(200))
        let notifier = try SMTPNotifier(
            configuration: SMTPConfiguration(url: url, from: "qeir@example.org", to: ["ops@example.org"]))
        let error = try #require(await sendExpectingFailure(notifier))
        #expect(error.code == .connectionFailed)
        #expect(error.message.contains("check the host and port in the URL and that the server is running"))
    }

    @Test("A silent server hits the timeout")
    func silentServerTimesOut() async throws {
        let silent = WebhookReceiver()  // an HTTP server: it waits for a request, never greets
        let http = try await silent.start()
        defer { Task { await silent.stop() } }
        let notifier = try SMTPNotifier(
            configuration: SMTPConfiguration(
                url: URL(string: "smtp://127.0.0.1:\(http.port!)")!, from: "qeir@example.org", to: ["ops@example.org"],
                timeout: .milliseconds(800)))
        let start = ContinuousClock.now
        let error = try #require(await sendExpectingFailure(notifier))
        let elapsed = start.duration(to: .now)
        #expect(error.code == .timedOut)
        #expect(error.message.contains("Timeout was reached: Operation timed out after"))
        // libcurl enforces the 0.8 s itself (its message says how long it waited); the upper
        // bound only rules out a hang, loosely, because the whole suite shares two cores.
        #expect(elapsed >= .milliseconds(700) && elapsed < .seconds(120))
    }

    @Test("Cancelling the task aborts the transfer")
    func cancellationAborts() async throws {
        let silent = WebhookReceiver()
        let http = try await silent.start()
        defer { Task { await silent.stop() } }
        let notifier = try SMTPNotifier(
            configuration: SMTPConfiguration(
                url: URL(string: "smtp://127.0.0.1:\(http.port!)")!, from: "qeir@example.org", to: ["ops@example.org"],
                timeout: .seconds(60)))
        let start = ContinuousClock.now
        let task = Task { await sendExpectingFailure(notifier) }
        try await Task.sleep(for: .milliseconds(300))
        task.cancel()
        let error = try #require(await task.value)
        #expect(error.code == .cancelled)
        // Usually "Operation was aborted by an application callback: Callback aborted"; under
        // load the cancellation can also arrive before the transfer starts.
        #expect(
            error.message.hasPrefix("SMTP notifier smtp could not deliver through smtp://127.0.0.1:\(http.port!): "))
        #expect(error.message.hasSuffix("; the task was cancelled."))
        // Well below the 60 s timeout plus scheduling delays on a loaded machine: the progress
        // callback aborted the transfer (a hang would run into the timeout or forever).
        #expect(start.duration(to: .now) < .seconds(55))
    }
}

@Suite("SMTPConfiguration checks")
struct SMTPConfigurationTests {
    func failure(_ configuration: SMTPConfiguration) -> NotifyError? {
        do throws(NotifyError) {
            _ = try SMTPNotifier(configuration: configuration)
            return nil
        } catch {
            return error
        }
    }

    @Test("User information in the URL is refused without echoing it")
    func userInfoRefused() throws {
        let error = try #require(
            failure(
                SMTPConfiguration(
                    url: URL(string: "smtp://bob:hunter2-secret@mail.example.org:587")!, from: "a@example.org",
                    to: ["b@example.org"])))
        #expect(error.code == .invalidConfiguration)
        #expect(
            error.message
                == "SMTP notifier smtp: the URL smtp://mail.example.org:587 carries user information; remove it and "
                + "set username and password in SMTPConfiguration instead.")
        #expect(!"\(error)".contains("hunter2"))
    }

    @Test("Only smtp:// and smtps:// are accepted")
    func schemeChecked() throws {
        let error = try #require(
            failure(
                SMTPConfiguration(url: URL(string: "http://mail.example.org")!, from: "a@example.org", to: ["b@x.org"]))
        )
        #expect(
            error.message
                == "SMTP notifier smtp: the URL http://mail.example.org is not smtp:// or smtps://; use "
                + "smtp://host:587 (STARTTLS) or smtps://host:465.")
    }

    @Test("An address with a line break is refused (no header injection)")
    func addressChecked() throws {
        let error = try #require(
            failure(
                SMTPConfiguration(
                    url: URL(string: "smtp://mail.example.org")!, from: "a@example.org",
                    to: ["b@example.org\r\nBcc: evil@example.org"])))
        #expect(
            error.message
                == "SMTP notifier smtp: the to address \"b@example.org\\nBcc: evil@example.org\" is not a plain "
                + "address like name@example.org (ASCII, one @, no spaces, brackets or line breaks); fix it.")
    }

    @Test("Credentials without TLS are refused")
    func credentialsNeedTLS() throws {
        let error = try #require(
            failure(
                SMTPConfiguration(
                    url: URL(string: "smtp://mail.example.org")!, from: "a@example.org", to: ["b@example.org"],
                    username: "u", password: NotifierSecret("p"), requireTLS: false)))
        #expect(
            error.message
                == "SMTP notifier smtp: credentials are set but TLS is not required, so the password could travel "
                + "in clear text; set requireTLS to true or use smtps://.")
    }

    @Test("No recipient is refused")
    func recipientsRequired() throws {
        let error = try #require(
            failure(SMTPConfiguration(url: URL(string: "smtps://mail.example.org")!, from: "a@example.org", to: [])))
        #expect(
            error.message
                == "SMTP notifier smtp: there is no recipient; set SMTPConfiguration.to to at least one address.")
    }
}
