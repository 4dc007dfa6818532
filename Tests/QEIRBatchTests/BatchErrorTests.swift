import QEIRBatch
import Testing

struct BatchErrorTests {
    @Test func descriptionCarriesMessageAndCode() {
        let e = BatchError(.invalidValue, "Job id 'a/b' contains '/'.", context: ["id": "a/b"])
        #expect(e.description == "Job id 'a/b' contains '/'. [invalid_value]")
        #expect(e.context["id"] == "a/b")
    }
}
