import Foundation
import QEIRBatch
import QEIRHypotheses
import QEIRTestSupport
import Testing

/// The example batch (`Examples/batch_config.json`, every period × specification) under the
/// default inference: no p-value it reports may fall below 1e-12. On 20–40 quarters such a
/// p-value only comes from inference that ignores the sample size (HAC(h + 1) with normal
/// critical values printed p = 2.8e-40 on 27 quarters).
@Suite("The example batch's inference")
struct ExampleBatchInferenceTests {
    /// Every p-value in a result's JSON: keys containing `p_value` (and `p_holm`, `p_bh`), and
    /// headline values whose key marks a p-value (`h1.sup_p`, `h2.lp_hH_p`, `h3.granger_p_…`).
    static func pValues(_ value: Any, path: String = "", into out: inout [(String, Double)]) {
        if let object = value as? [String: Any] {
            if let key = object["key"] as? String, key.hasSuffix("_p") || key.contains("_p_"),
                let v = object["value"] as? Double
            {
                out.append(("\(path).\(key)", v))
            }
            for (key, child) in object {
                if key.contains("p_value") || key == "p_holm" || key == "p_bh", let v = child as? Double {
                    out.append(("\(path).\(key)", v))
                }
                pValues(child, path: "\(path).\(key)", into: &out)
            }
        } else if let array = value as? [Any] {
            for (i, child) in array.enumerated() { pValues(child, path: "\(path)[\(i)]", into: &out) }
        }
    }

    @Test("no p-value below 1e-12 in any job of the example batch")
    func noAstronomicalPValues() async throws {
        let url = TestPaths.packageRoot().appendingPathComponent("Examples/batch_config.json")
        let (configuration, _) = try BatchConfiguration.parse(try Data(contentsOf: url))
        let handler = HypothesisJobHandler(source: try Fixtures.source())
        var checked = 0
        for definition in try configuration.gridJobs(prefix: "hypothesis") {
            var payload = HypothesisJobPayload(definition: definition)
            // A smaller bootstrap keeps the test quick; bootstrap p-values are ≥ 1/(B + 1) anyway.
            if case .object(var members) = payload.configuration {
                members["bootstrap_iterations"] = .integer(99)
                payload.configuration = .object(members)
            }
            let (result, _) = try await handler.execute(payload, jobID: definition.id.rawValue)
            let json = try JSONSerialization.jsonObject(with: try result.jsonData())
            var found: [(String, Double)] = []
            Self.pValues(json, into: &found)
            #expect(!found.isEmpty)
            for (path, p) in found {
                #expect(p >= 1e-12, "\(definition.id)\(path) = \(p)")
                #expect(p <= 1, "\(definition.id)\(path) = \(p)")
            }
            checked += found.count
        }
        #expect(checked > 50)
    }
}
