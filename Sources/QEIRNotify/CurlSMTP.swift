internal import CQEIRCurl
import Foundation

// The only file of QEIRNotify that calls libcurl.

/// One SMTP submission as libcurl performs it. Plain Swift values: no C type crosses this file.
struct CurlSMTPRequest: Sendable {
    /// The server URL without user information (`smtp://host:port` or `smtps://host:port`).
    var url: String
    /// The envelope sender address.
    var mailFrom: String
    /// The envelope recipient addresses.
    var recipients: [String]
    /// The login name, if the server wants one.
    var username: String?
    /// The password, if the server wants one. Never logged, never put in an error.
    var password: NotifierSecret?
    /// For `smtp://`: require STARTTLS (`true`) or use it when the server offers it (`false`).
    var requireTLS: Bool
    /// A PEM file of CA certificates to trust instead of the system's.
    var caFile: String?
    /// Skip certificate and host name verification (tests only).
    var insecureSkipVerify: Bool
    /// The limit on the whole transfer, connection included.
    var timeout: Duration
    /// The RFC 5322 message, CRLF line ends.
    var payload: [UInt8]
}

/// What libcurl reported for a transfer that failed.
struct CurlSMTPFailure: Error, Sendable {
    /// How the failure is classified for ``NotifyError``.
    var code: NotifyError.Code
    /// libcurl's numeric result (`CURLcode`).
    var curlCode: Int
    /// libcurl's text for the result and its detailed error buffer, if any.
    var curlMessage: String
    /// The last SMTP reply code (0 when none was received).
    var responseCode: Int
}

/// Runs SMTP transfers with libcurl's easy interface on a dedicated thread, so the blocking
/// `curl_easy_perform` never occupies a thread of Swift's cooperative pool.
enum CurlSMTP {
    /// `curl_global_init`, run once per process before the first handle is created.
    private static let globalInitResult: Int = Int(curl_global_init(qeir_curl_global_default()).rawValue)

    /// Sends the request; returns when the server accepted the message.
    ///
    /// Cancelling the calling task aborts the transfer through libcurl's progress callback
    /// (checked at least once a second) and fails it with ``NotifyError/Code/cancelled``.
    static func send(_ request: CurlSMTPRequest) async throws(CurlSMTPFailure) {
        let flag = CancellationFlag()
        let failure: CurlSMTPFailure? = await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<CurlSMTPFailure?, Never>) in
                let thread = Thread {
                    continuation.resume(returning: perform(request, flag))
                }
                thread.name = "qeir.notify.smtp"
                thread.start()
            }
        } onCancel: {
            flag.cancel()
        }
        if let failure { throw failure }
    }

    /// Runs one transfer synchronously; `nil` on success.
    private static func perform(_ request: CurlSMTPRequest, _ flag: CancellationFlag) -> CurlSMTPFailure? {
        guard globalInitResult == Int(CURLE_OK.rawValue) else {
            return CurlSMTPFailure(
                code: .deliveryFailed, curlCode: globalInitResult, curlMessage: "curl_global_init failed",
                responseCode: 0)
        }
        if flag.isCancelled { return cancelled() }
        guard let handle = curl_easy_init() else {
            return CurlSMTPFailure(
                code: .deliveryFailed, curlCode: -1, curlMessage: "curl_easy_init failed", responseCode: 0)
        }
        defer { curl_easy_cleanup(handle) }

        let errorSize = Int(qeir_curl_error_size())
        let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: errorSize)
        errorBuffer.initialize(repeating: 0, count: errorSize)
        defer { errorBuffer.deallocate() }

        var recipients: UnsafeMutablePointer<curl_slist>?
        for address in request.recipients { recipients = curl_slist_append(recipients, "<\(address)>") }
        defer { curl_slist_free_all(recipients) }

        let upload = UploadSource(request.payload)
        let uploadPointer = Unmanaged.passUnretained(upload).toOpaque()
        let flagPointer = Unmanaged.passUnretained(flag).toOpaque()
        let timeoutMS = max(
            1,
            Int(request.timeout.components.seconds) * 1000
                + Int(request.timeout.components.attoseconds / 1_000_000_000_000_000))

        var result = CURLE_OK
        func set(_ code: CURLcode) { if result == CURLE_OK { result = code } }
        func setString(_ option: CURLoption, _ value: String) {
            // libcurl copies string options, so the temporary C string may go away afterwards.
            value.withCString { set(qeir_curl_easy_setopt_pointer(handle, option, $0)) }
        }

        set(qeir_curl_easy_setopt_pointer(handle, CURLOPT_ERRORBUFFER, errorBuffer))
        setString(CURLOPT_URL, request.url)
        setString(CURLOPT_PROTOCOLS_STR, "smtp,smtps")
        set(qeir_curl_easy_setopt_long(handle, CURLOPT_NOSIGNAL, 1))
        set(qeir_curl_easy_setopt_long(handle, CURLOPT_TIMEOUT_MS, timeoutMS))
        set(qeir_curl_easy_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, timeoutMS))
        let useSSL = request.requireTLS ? CURLUSESSL_ALL : CURLUSESSL_TRY
        set(qeir_curl_easy_setopt_long(handle, CURLOPT_USE_SSL, Int(useSSL.rawValue)))
        if let caFile = request.caFile { setString(CURLOPT_CAINFO, caFile) }
        if request.insecureSkipVerify {
            set(qeir_curl_easy_setopt_long(handle, CURLOPT_SSL_VERIFYPEER, 0))
            set(qeir_curl_easy_setopt_long(handle, CURLOPT_SSL_VERIFYHOST, 0))
        }
        if let username = request.username { setString(CURLOPT_USERNAME, username) }
        if let password = request.password { setString(CURLOPT_PASSWORD, password.value) }
        setString(CURLOPT_MAIL_FROM, "<\(request.mailFrom)>")
        set(qeir_curl_easy_setopt_pointer(handle, CURLOPT_MAIL_RCPT, recipients))
        set(qeir_curl_easy_setopt_long(handle, CURLOPT_UPLOAD, 1))
        set(qeir_curl_easy_setopt_off_t(handle, CURLOPT_INFILESIZE_LARGE, curl_off_t(request.payload.count)))
        set(qeir_curl_easy_setopt_read_callback(handle, readCallback))
        set(qeir_curl_easy_setopt_pointer(handle, CURLOPT_READDATA, uploadPointer))
        set(qeir_curl_easy_setopt_long(handle, CURLOPT_NOPROGRESS, 0))
        set(qeir_curl_easy_setopt_xferinfo_callback(handle, progressCallback))
        set(qeir_curl_easy_setopt_pointer(handle, CURLOPT_XFERINFODATA, flagPointer))
        if result == CURLE_OK { result = curl_easy_perform(handle) }
        withExtendedLifetime((upload, flag)) {}
        if result == CURLE_OK { return nil }

        var responseCode = 0
        _ = qeir_curl_easy_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &responseCode)
        let summary = String(cString: curl_easy_strerror(result))
        var detail = String(cString: errorBuffer).trimmingCharacters(in: .whitespacesAndNewlines)
        if detail.hasSuffix(".") { detail.removeLast() }
        let message = detail.isEmpty || detail == summary ? summary : "\(summary): \(detail)"
        return CurlSMTPFailure(
            code: classify(result, responseCode: responseCode), curlCode: Int(result.rawValue), curlMessage: message,
            responseCode: responseCode)
    }

    private static func cancelled() -> CurlSMTPFailure {
        CurlSMTPFailure(
            code: .cancelled, curlCode: Int(CURLE_ABORTED_BY_CALLBACK.rawValue),
            curlMessage: "cancelled before the transfer started",
            responseCode: 0)
    }

    /// Maps libcurl's result (and the SMTP reply) to an error category.
    private static func classify(_ code: CURLcode, responseCode: Int) -> NotifyError.Code {
        switch code {
        case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_PROXY:
            return .connectionFailed
        case CURLE_USE_SSL_FAILED:
            return .tlsRequired
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CACERT_BADFILE,
            CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER, CURLE_SSL_ISSUER_ERROR, CURLE_SSL_PINNEDPUBKEYNOTMATCH:
            return .tlsFailed
        case CURLE_LOGIN_DENIED:
            return .authenticationFailed
        case CURLE_OPERATION_TIMEDOUT:
            return .timedOut
        case CURLE_ABORTED_BY_CALLBACK:
            return .cancelled
        default:
            if responseCode == 530 || responseCode == 534 || responseCode == 535 { return .authenticationFailed }
            if responseCode >= 400 { return .rejected }
            return .deliveryFailed
        }
    }
}

/// Set from any thread when the task is cancelled; read by libcurl's progress callback.
private final class CancellationFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var cancelled = false

    var isCancelled: Bool { lock.withLock { cancelled } }

    func cancel() { lock.withLock { cancelled = true } }
}

/// The message bytes, handed to libcurl's read callback piece by piece (used on one thread).
private final class UploadSource {
    let bytes: [UInt8]
    var offset = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }
}

/// `CURLOPT_READFUNCTION`: copies the next piece of the message into libcurl's buffer.
private let readCallback: qeir_curl_read_callback = { buffer, size, count, userdata in
    guard let buffer, let userdata else { return qeir_curl_readfunc_abort() }
    let source = Unmanaged<UploadSource>.fromOpaque(userdata).takeUnretainedValue()
    let length = min(size * count, source.bytes.count - source.offset)
    if length > 0 {
        source.bytes.withUnsafeBufferPointer { all in
            UnsafeMutableRawPointer(buffer).copyMemory(from: all.baseAddress! + source.offset, byteCount: length)
        }
        source.offset += length
    }
    return length
}

/// `CURLOPT_XFERINFOFUNCTION`: a non-zero answer aborts the transfer once the task is cancelled.
private let progressCallback: qeir_curl_xferinfo_callback = { clientp, _, _, _, _ in
    guard let clientp else { return 0 }
    return Unmanaged<CancellationFlag>.fromOpaque(clientp).takeUnretainedValue().isCancelled ? 1 : 0
}
