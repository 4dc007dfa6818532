import Foundation
import QEIRBatch
import Testing

@Suite("JobID")
struct JobIDTests {
    @Test(arguments: ["a", "period_analysis_20080101_20151231", "A-b.c_9", "..a", "a..", ".hidden", "-"])
    func acceptsSafeIDs(_ text: String) throws {
        #expect(try JobID(text).rawValue == text)
        #expect(JobID(rawValue: text)?.description == text)
    }

    @Test func acceptsMaximumLength() throws {
        let text = String(repeating: "x", count: JobID.maximumLength)
        #expect(try JobID(text).rawValue == text)
    }

    func message(_ text: String) -> String? {
        do {
            _ = try JobID(text)
            return nil
        } catch {
            #expect(error.code == .invalidJobID)
            #expect(error.context["id"] == text)
            return error.message
        }
    }

    @Test func rejectsEmpty() {
        #expect(message("") == "Job id is empty; use 1 to 200 ASCII letters, digits, '.', '_' and '-'.")
    }

    @Test func rejectsDotAndDotDot() {
        #expect(
            message(".")
                == "Job id '.' is reserved (it names a directory); use ASCII letters, digits, '.', '_' and '-' and at least one other character."
        )
        #expect(
            message("..")
                == "Job id '..' is reserved (it names a directory); use ASCII letters, digits, '.', '_' and '-' and at least one other character."
        )
        #expect(JobID(rawValue: "..") == nil)
    }

    @Test func rejectsPathTraversal() throws {
        #expect(
            message("../etc/passwd")
                == "Job id '../etc/passwd' contains '/' at position 3; use only ASCII letters, digits, '.', '_' and '-'."
        )
        #expect(
            message("/abs")
                == "Job id '/abs' contains '/' at position 1; use only ASCII letters, digits, '.', '_' and '-'.")
        #expect(
            message("a\\..\\b")
                == "Job id 'a\\..\\b' contains '\\' at position 2; use only ASCII letters, digits, '.', '_' and '-'.")
        #expect(
            message("~root")
                == "Job id '~root' contains '~' at position 1; use only ASCII letters, digits, '.', '_' and '-'.")
        do {
            _ = try JobID("a/b")
            Issue.record("expected an error")
        } catch {
            #expect(error.context["character"] == "/")
        }
    }

    @Test func namesInvisibleAndNonASCIICharacters() {
        #expect(
            message("a b")
                == "Job id 'a b' contains U+0020 at position 2; use only ASCII letters, digits, '.', '_' and '-'.")
        #expect(
            message("a\nb")
                == "Job id 'a\\u{A}b' contains U+000A at position 2; use only ASCII letters, digits, '.', '_' and '-'.")
        #expect(
            message("a\u{0}")
                == "Job id 'a\\u{0}' contains U+0000 at position 2; use only ASCII letters, digits, '.', '_' and '-'.")
        #expect(
            message("café")
                == "Job id 'caf\\u{E9}' contains U+00E9 at position 4; use only ASCII letters, digits, '.', '_' and '-'."
        )
        // A full-width solidus must not slip through as a "letter".
        #expect(
            message("a\u{FF0F}b")
                == "Job id 'a\\u{FF0F}b' contains U+FF0F at position 2; use only ASCII letters, digits, '.', '_' and '-'."
        )
    }

    @Test func rejectsTooLong() {
        let text = String(repeating: "y", count: 201)
        #expect(
            message(text) == "Job id '\(String(repeating: "y", count: 40))…' is 201 characters long; use at most 200.")
    }

    @Test func decodesAndValidates() throws {
        let ids = try JSONDecoder().decode([JobID].self, from: Data(#"["a_1","b.2"]"#.utf8))
        #expect(ids.map(\.rawValue) == ["a_1", "b.2"])
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([JobID].self, from: Data(#"["../x"]"#.utf8)) }
        let encoded = try JSONEncoder().encode(ids)
        #expect(String(decoding: encoded, as: UTF8.self) == #"["a_1","b.2"]"#)
    }

    @Test func ordersByText() throws {
        #expect(try [JobID("b"), JobID("B"), JobID("a")].sorted().map(\.rawValue) == ["B", "a", "b"])
    }
}
