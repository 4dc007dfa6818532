public import Foundation

/// An error of the test helpers, with a message that says what to install or fix.
public struct TestSupportError: Error, Sendable, CustomStringConvertible {
    /// What went wrong and what to do.
    public let description: String

    /// Creates an error.
    /// - Parameter description: what went wrong and what to do.
    public init(_ description: String) { self.description = description }
}

/// A real SMTP server on 127.0.0.1 for tests: Python's `aiosmtpd` (Debian package
/// `python3-aiosmtpd`) run as a child process on a free port, writing every message it accepts
/// to a directory.
///
/// Modes: plain SMTP without STARTTLS, STARTTLS required (`require_starttls`), or implicit TLS
/// (SMTPS). With credentials, AUTH (PLAIN or LOGIN) is required and only that user and password
/// are accepted. Each accepted message is written as `NNNN.eml` (the bytes received) beside
/// `NNNN.json` (envelope, TLS and AUTH state, and the subject and body as Python's `email`
/// package decodes them — an independent reading of the same message).
///
/// The server exits when ``stop()`` is called or when the test process ends (it watches its
/// standard input).
public final class LocalSMTPServer: @unchecked Sendable {
    /// How the server secures connections.
    public enum Security: String, Sendable {
        /// No TLS at all; STARTTLS is not offered.
        case plain
        /// STARTTLS offered and required before MAIL and AUTH.
        case startTLS = "starttls"
        /// TLS from the first byte (SMTPS).
        case implicitTLS = "smtps"
    }

    /// One message as the server received it.
    public struct ReceivedMail: Sendable {
        /// The message bytes exactly as received after DATA.
        public let raw: Data
        /// The envelope sender.
        public let mailFrom: String
        /// The envelope recipients.
        public let recipients: [String]
        /// Whether the session was encrypted when the message arrived.
        public let tls: Bool
        /// The login the client authenticated with, if it did.
        public let login: String?
        /// The subject as Python's `email` package decodes it.
        public let decodedSubject: String
        /// The text body as Python's `email` package decodes it, with LF line ends.
        public let decodedBody: String
    }

    /// The port the server listens on (on 127.0.0.1).
    public let port: Int
    /// Where messages are written.
    public let mailDirectory: URL
    private let process: Process
    private let input: FileHandle
    private let errorLog: URL

    private init(port: Int, mailDirectory: URL, process: Process, input: FileHandle, errorLog: URL) {
        self.port = port
        self.mailDirectory = mailDirectory
        self.process = process
        self.input = input
        self.errorLog = errorLog
    }

    deinit { stop() }

    /// Starts a server and waits until it accepts connections.
    /// - Parameters:
    ///   - security: plain, STARTTLS required, or implicit TLS.
    ///   - certificate: the certificate and key for TLS modes (see ``SelfSignedCertificate``).
    ///   - username: when set with `password`, AUTH is required and only these credentials pass.
    ///   - password: the password to accept.
    ///   - directory: a scratch directory for messages and the server's log.
    /// - Returns: the running server.
    /// - Throws: ``TestSupportError`` when `python3-aiosmtpd` is not installed (saying how to
    ///   install it) or the server did not start (with its log).
    public static func start(
        security: Security, certificate: SelfSignedCertificate? = nil, username: String? = nil,
        password: String? = nil, directory: URL
    ) async throws -> LocalSMTPServer {
        let python = try await pythonWithAiosmtpd()
        let mail = directory.appendingPathComponent("mail-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: mail, withIntermediateDirectories: true)
        var settings: [String: String] = ["security": security.rawValue, "maildir": mail.path]
        if let certificate {
            settings["cert"] = certificate.certificate.path
            settings["key"] = certificate.key.path
        }
        if let username, let password {
            settings["user"] = username
            settings["password"] = password
        }
        let json = String(decoding: try JSONSerialization.data(withJSONObject: settings), as: UTF8.self)
        let errorLog = mail.appendingPathComponent("server.log")
        _ = FileManager.default.createFile(atPath: errorLog.path, contents: nil)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["-u", "-c", serverScript, json]
        let stdin = Pipe()
        let stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = try FileHandle(forWritingTo: errorLog)
        try process.run()
        let line = await readLine(stdout.fileHandleForReading)
        let parts = line.split(separator: " ")
        guard parts.count == 2, parts[0] == "READY", let port = Int(parts[1]) else {
            process.terminate()
            let log = (try? String(contentsOf: errorLog, encoding: .utf8)) ?? ""
            throw TestSupportError("The aiosmtpd test server did not start (it said \"\(line)\"). Its log:\n\(log)")
        }
        return LocalSMTPServer(
            port: port, mailDirectory: mail, process: process, input: stdin.fileHandleForWriting, errorLog: errorLog)
    }

    /// Waits until at least `count` messages have arrived and returns them in arrival order.
    /// - Parameters:
    ///   - count: how many messages to wait for.
    ///   - timeout: how long to wait.
    /// - Returns: the messages.
    /// - Throws: ``TestSupportError`` when fewer arrived in time (with the server's log).
    public func messages(count: Int = 1, timeout: Duration = .seconds(10)) async throws -> [ReceivedMail] {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while true {
            let received = try receivedMessages()
            if received.count >= count { return received }
            if clock.now >= deadline {
                throw TestSupportError(
                    "Expected \(count) message(s) at the test SMTP server, got \(received.count). Its log:\n\(log)")
            }
            try await Task.sleep(for: .milliseconds(25))
        }
    }

    /// The messages received so far, in arrival order.
    /// - Returns: the messages.
    /// - Throws: when a message file cannot be read.
    public func receivedMessages() throws -> [ReceivedMail] {
        let names = try FileManager.default.contentsOfDirectory(atPath: mailDirectory.path)
            .filter { $0.hasSuffix(".eml") }.sorted()
        return try names.map { name in
            let base = mailDirectory.appendingPathComponent(String(name.dropLast(4)))
            let raw = try Data(contentsOf: base.appendingPathExtension("eml"))
            let meta = try JSONDecoder().decode(Meta.self, from: Data(contentsOf: base.appendingPathExtension("json")))
            return ReceivedMail(
                raw: raw, mailFrom: meta.mail_from, recipients: meta.rcpt_tos, tls: meta.tls, login: meta.login,
                decodedSubject: meta.subject, decodedBody: meta.body)
        }
    }

    /// The server's log so far (aiosmtpd's own messages and any Python error).
    public var log: String { (try? String(contentsOf: errorLog, encoding: .utf8)) ?? "" }

    /// Stops the server (closing its input makes it exit; it is terminated if it lingers).
    public func stop() {
        try? input.close()
        if process.isRunning { process.terminate() }
    }

    private struct Meta: Decodable {
        var mail_from: String
        var rcpt_tos: [String]
        var tls: Bool
        var login: String?
        var subject: String
        var body: String
    }

    /// Reads one line from `handle` on a Dispatch thread (the read blocks).
    private static func readLine(_ handle: FileHandle) async -> String {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                var bytes = Data()
                while true {
                    let chunk = handle.availableData
                    if chunk.isEmpty { break }
                    bytes.append(chunk)
                    if chunk.contains(UInt8(ascii: "\n")) { break }
                }
                let text = String(decoding: bytes, as: UTF8.self)
                continuation.resume(returning: text.split(separator: "\n").first.map(String.init) ?? "")
            }
        }
    }

    /// The first Python 3 that can import `aiosmtpd`: `$QEIR_PYTHON`, then each `python3` on
    /// `PATH`, then `/usr/bin/python3` (Debian's package installs for the system Python only,
    /// which a pyenv or virtualenv `python3` earlier on `PATH` does not see).
    /// - Returns: the interpreter's path.
    /// - Throws: ``TestSupportError`` saying to `apt-get install python3-aiosmtpd`.
    public static func pythonWithAiosmtpd() async throws -> String {
        // The probe starts Python processes and waits for them: keep that wait (and the wait of
        // concurrent callers on the one-time initialisation) off Swift's cooperative threads,
        // which are only as many as the cores and run every other test meanwhile.
        try await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: discoveredPython) }
        }.get()
    }

    /// The probe's result, computed once per test process.
    private static let discoveredPython: Result<String, TestSupportError> = {
        let environment = ProcessInfo.processInfo.environment
        var candidates: [String] = []
        if let chosen = environment["QEIR_PYTHON"], !chosen.isEmpty { candidates.append(chosen) }
        for directory in (environment["PATH"] ?? "").split(separator: ":") { candidates.append("\(directory)/python3") }
        candidates.append("/usr/bin/python3")
        var tried: [String] = []
        for candidate in candidates
        where !tried.contains(candidate) && FileManager.default.isExecutableFile(atPath: candidate) {
            tried.append(candidate)
            let probe = Process()
            probe.executableURL = URL(fileURLWithPath: candidate)
            probe.arguments = ["-c", "import aiosmtpd.controller"]
            probe.standardOutput = FileHandle.nullDevice
            probe.standardError = FileHandle.nullDevice
            guard (try? probe.run()) != nil else { continue }
            probe.waitUntilExit()
            if probe.terminationStatus == 0 { return .success(candidate) }
        }
        return .failure(
            TestSupportError(
                "The SMTP tests need a real SMTP server, Python's aiosmtpd, and no python3 here can import it "
                    + "(tried: \(tried.isEmpty ? "none found" : tried.joined(separator: ", "))). Install it with "
                    + "`apt-get install python3-aiosmtpd` (or point QEIR_PYTHON at a Python that has it)."))
    }()

    /// The server: aiosmtpd's Controller on a free 127.0.0.1 port; prints `READY <port>`, writes
    /// each message as NNNN.json then NNNN.eml (both renamed into place), and exits when its
    /// standard input closes.
    private static let serverScript = #"""
        import email, email.policy, json, os, socket, ssl, sys
        from aiosmtpd.controller import Controller
        from aiosmtpd.smtp import AuthResult, LoginPassword

        config = json.loads(sys.argv[1])
        maildir = config["maildir"]

        def write(path, data):
            with open(path + ".tmp", "wb") as f:
                f.write(data)
            os.rename(path + ".tmp", path)

        class Handler:
            count = 0
            async def handle_DATA(self, server, session, envelope):
                Handler.count += 1
                base = os.path.join(maildir, "%04d" % Handler.count)
                raw = envelope.original_content
                message = email.message_from_bytes(raw, policy=email.policy.default)
                part = message.get_body(preferencelist=("plain",))
                login = None
                if isinstance(session.auth_data, LoginPassword):
                    login = session.auth_data.login.decode("utf-8")
                meta = {
                    "mail_from": envelope.mail_from,
                    "rcpt_tos": envelope.rcpt_tos,
                    "tls": server.transport.get_extra_info("ssl_object") is not None,
                    "login": login,
                    "subject": str(message["subject"]),
                    "body": part.get_content().replace("\r\n", "\n") if part is not None else "",
                }
                write(base + ".json", json.dumps(meta).encode("utf-8"))
                write(base + ".eml", raw)
                return "250 Message accepted for delivery"

        def authenticator(server, session, envelope, mechanism, auth_data):
            ok = (isinstance(auth_data, LoginPassword)
                  and auth_data.login.decode("utf-8") == config.get("user")
                  and auth_data.password.decode("utf-8") == config.get("password"))
            return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)

        context = None
        if "cert" in config:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(config["cert"], config["key"])
        kwargs = {}
        security = config["security"]
        if security == "starttls":
            kwargs.update(tls_context=context, require_starttls=True)
        elif security == "smtps":
            # aiosmtpd counts only STARTTLS as TLS for AUTH; this connection is TLS from the start.
            kwargs.update(ssl_context=context, auth_require_tls=False)
        if "user" in config:
            kwargs.update(authenticator=authenticator, auth_required=True)

        controller = None
        for _ in range(20):
            probe = socket.socket()
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
            probe.close()
            try:
                controller = Controller(Handler(), hostname="127.0.0.1", port=port, server_hostname="localhost",
                                        **kwargs)
                controller.start()
                break
            except OSError:
                controller = None
        if controller is None:
            print("FAILED no free port")
            sys.exit(1)
        print("READY %d" % port, flush=True)
        sys.stdin.read()
        controller.stop()
        """#
}

/// A throwaway self-signed certificate for `localhost` and `127.0.0.1`, made with `openssl req
/// -x509` and valid for one day.
public struct SelfSignedCertificate: Sendable {
    /// The PEM certificate; also the CA file a client trusts it through.
    public let certificate: URL
    /// The PEM private key (unencrypted).
    public let key: URL

    /// Generates a certificate and key in `directory` on a Dispatch thread (key generation blocks,
    /// and must not hold one of Swift's few cooperative threads).
    /// - Parameter directory: where `cert.pem` and `key.pem` are written.
    /// - Returns: The certificate.
    /// - Throws: ``TestSupportError`` when `openssl` is missing or fails.
    public static func make(in directory: URL) async throws -> SelfSignedCertificate {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result { try SelfSignedCertificate(in: directory) })
            }
        }
    }

    /// Generates a certificate and key in `directory`.
    /// - Parameter directory: where `cert.pem` and `key.pem` are written.
    /// - Throws: ``TestSupportError`` when `openssl` is missing or fails.
    public init(in directory: URL) throws {
        certificate = directory.appendingPathComponent("cert.pem")
        key = directory.appendingPathComponent("key.pem")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost", "-days", "1",
            "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
            "-keyout", key.path, "-out", certificate.path,
        ]
        let errors = Pipe()
        process.standardOutput = FileHandle.nullDevice
        process.standardError = errors
        try process.run()
        let message = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw TestSupportError(
                "openssl could not make a test certificate (install openssl): "
                    + String(decoding: message, as: UTF8.self))
        }
    }
}
