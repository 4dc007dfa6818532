import Foundation
import QEIRBatch
import Testing

@Suite("ContentHash")
struct ContentHashTests {
    let spec = JobSpec(
        id: JobID(rawValue: "any_id")!, name: "ignored", handler: "fit",
        payload: ["c": true, "a": [1, 2.5, "x\"y\n"], "b": nil], priority: 9, maxRetries: 1, tags: ["t"],
        inputs: ["vintage": "2022-10-01", "b": "2"], seed: 42)

    @Test("the hash is SHA-256 of the documented canonical JSON (pinned against Python's hashlib)")
    func pinned() {
        // python3 -c 'import hashlib; print(hashlib.sha256(CANONICAL.encode()).hexdigest())'
        #expect(
            ContentHash.canonicalJSON(spec.payload) == #"{"a":[1,2.5,"x\"y\u000a"],"b":null,"c":true}"#)
        #expect(
            ContentHash.of(spec, libraryVersion: "0.5.0")
                == "sha256:0436c33f2df2f403740e1149f0f1eb68ba1601fe66c38ba16d7de39c40357dc2")
    }

    @Test(
        "id, name, priority, tags, retries and timeout do not change the hash; payload, inputs, seed, handler and version do"
    )
    func whatCounts() throws {
        let base = ContentHash.of(spec, libraryVersion: "0.5.0")
        var same = spec
        same.id = try JobID("other")
        same.name = "other"
        same.priority = 0
        same.tags = []
        same.maxRetries = 7
        same.timeout = .seconds(5)
        #expect(ContentHash.of(same, libraryVersion: "0.5.0") == base)
        var changed = [spec, spec, spec, spec]
        changed[0].payload = ["a": 1]
        changed[1].inputs["vintage"] = "2024-01-01"
        changed[2].seed = 43
        changed[3].handler = "other"
        for variant in changed { #expect(ContentHash.of(variant, libraryVersion: "0.5.0") != base) }
        #expect(ContentHash.of(spec, libraryVersion: "0.6.0") != base)
    }
}
