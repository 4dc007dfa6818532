import Foundation
import Testing

@testable import QEIRBatch

@Suite("Stored JSON")
struct StoredJSONTests {
    @Test("hand-written definitions read back with JSONDecoder as the same JobSpec")
    func specRoundTrips() throws {
        let specs = [
            JobSpec(id: JobID(rawValue: "plain")!, handler: "noop"),
            JobSpec(
                id: JobID(rawValue: "full.job-1")!, name: "Name with \"quotes\", \\ and \u{1}\n é 🙂",
                handler: "fit", payload: ["z": [1, "two", nil, true, ["nested": "x/y"]], "a": "b"], priority: -3,
                dependencies: [JobID(rawValue: "a")!, JobID(rawValue: "b")!], maxRetries: 2, tags: ["t1", "t\"2"],
                inputs: ["vintage": "2022-10-01", "key\u{7}": "value\t"], seed: UInt64.max,
                intermediateFiles: ["tmp.csv"]),
        ]
        for spec in specs {
            let text = try #require(StoredJSON.spec(spec))
            #expect(try JSONDecoder().decode(JobSpec.self, from: Data(text.utf8)) == spec)
        }
    }

    @Test("numbers and timeouts are left to JSONEncoder")
    func fallbacks() {
        #expect(StoredJSON.spec(JobSpec(id: JobID(rawValue: "n")!, handler: "h", payload: ["x": 1.5])) == nil)
        #expect(StoredJSON.spec(JobSpec(id: JobID(rawValue: "t")!, handler: "h", timeout: .seconds(3))) == nil)
        #expect(StoredJSON.value(.array([.number(2)])) == nil)
        #expect(StoredJSON.value(.null) == "null")
    }

    @Test("hand-written results read back as the same value")
    func valueRoundTrips() throws {
        let value: ConfigValue = ["list": [1, "a\u{0}b", false, nil], "text": "ü"]
        let text = try #require(StoredJSON.value(value))
        #expect(try JSONDecoder().decode(ConfigValue.self, from: Data(text.utf8)) == value)
    }
}
