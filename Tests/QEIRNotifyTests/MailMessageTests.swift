import Foundation
import Testing

@testable import QEIRNotify

@Suite("MIME rendering")
struct MailMessageTests {
    @Test("Date is RFC 5322 in English and UTC")
    func dateFormat() {
        #expect(MailMessage.rfc5322Date(Date(timeIntervalSince1970: 0)) == "Thu, 01 Jan 1970 00:00:00 +0000")
        #expect(
            MailMessage.rfc5322Date(Date(timeIntervalSince1970: 1_777_982_400)) == "Tue, 05 May 2026 12:00:00 +0000")
    }

    @Test("An ASCII subject stays readable and is folded at spaces")
    func asciiSubjectFolds() {
        let subject = (1...20).map { "word\($0)" }.joined(separator: " ")
        let header = MailMessage.header("Subject", subject)
        let lines = header.components(separatedBy: "\r\n")
        #expect(lines.count == 2)
        #expect(lines.allSatisfy { $0.utf8.count <= 78 })
        #expect(lines.dropFirst().allSatisfy { $0.hasPrefix(" ") })
        #expect(ParsedMail(Data((header + "\r\n\r\n").utf8)).header("Subject") == subject)
        #expect(MailMessage.header("Subject", "Batch done") == "Subject: Batch done")
    }

    @Test("A long non-ASCII subject becomes several encoded-words of whole characters")
    func longUnicodeSubject() {
        let subject = String(repeating: "QE ✓ Ünïcødé — 日本語 👩‍👩‍👧 ", count: 6)
        let header = MailMessage.header("Subject", subject)
        let lines = header.components(separatedBy: "\r\n")
        #expect(lines.count > 3)
        #expect(lines.allSatisfy { $0.utf8.count <= 78 })
        for word in header.matches(of: /=\?UTF-8\?B\?([A-Za-z0-9+\/=]*)\?=/) {
            #expect(word.output.0.count <= 75)
            // Each word decodes on its own: no UTF-8 sequence is split between words.
            let bytes = Data(base64Encoded: String(word.output.1))!
            #expect(String(data: bytes, encoding: .utf8) != nil)
        }
        #expect(ParsedMail(Data((header + "\r\n\r\n").utf8)).header("Subject") == subject)
    }

    @Test("Line breaks in a header value cannot inject headers")
    func noHeaderInjection() {
        let header = MailMessage.header("Subject", "done\r\nBcc: evil@example.org")
        #expect(header == "Subject: done  Bcc: evil@example.org")
        #expect(!header.contains("\n"))
    }

    @Test("A value that looks like an encoded-word is itself encoded")
    func encodedWordLookalike() {
        let header = MailMessage.header("Subject", "=?UTF-8?B?SGk=?=")
        #expect(header.hasPrefix("Subject: =?UTF-8?B?"))
        #expect(ParsedMail(Data((header + "\r\n\r\n").utf8)).header("Subject") == "=?UTF-8?B?SGk=?=")
    }

    @Test("Quoted-printable escapes =, non-ASCII, trailing space and a leading dot, with soft breaks")
    func quotedPrintable() {
        #expect(MailMessage.quotedPrintable("a=b") == "a=3Db")
        #expect(MailMessage.quotedPrintable("end ") == "end=20")
        #expect(MailMessage.quotedPrintable("tab\t") == "tab=09")
        #expect(MailMessage.quotedPrintable(".\n..x") == "=2E\r\n=2E.x")
        #expect(MailMessage.quotedPrintable("β") == "=CE=B2")
        #expect(MailMessage.quotedPrintable("a\r\nb\rc") == "a\r\nb\r\nc")
        let long = String(repeating: "é", count: 40) + String(repeating: "x", count: 100)
        let encoded = MailMessage.quotedPrintable(long)
        #expect(encoded.components(separatedBy: "\r\n").allSatisfy { $0.utf8.count <= 76 })
        #expect(decodeQuotedPrintable(encoded) == long)
    }

    @Test("The rendered message has every required header once, in order, and CRLF line ends")
    func renderedHeaders() {
        let text = MailMessage.render(
            sampleNotification, from: "qeir@example.org", to: ["a@example.org"], messageID: "<id@example.org>")
        let parsed = ParsedMail(Data(text.utf8))
        #expect(
            parsed.headers.map(\.name) == [
                "Date", "From", "To", "Subject", "Message-ID", "MIME-Version", "Content-Type",
                "Content-Transfer-Encoding", "X-QEIR-Severity", "X-QEIR-Source", "X-QEIR-Batch-ID",
            ])
        #expect(!text.replacingOccurrences(of: "\r\n", with: "").contains("\n"))
        #expect(parsed.decodedBody == sampleBody + "\n")
    }
}
