import QEIRStats

/// Batch-level inference: the headline tests of each hypothesis adjusted for being run once per
/// job of the batch.
///
/// A **family** is one test of one hypothesis across every job of the batch (periods ×
/// specifications) that reports it: H1's no-threshold test (`sup_test`), H2's response at each
/// horizon (`lp_h<k>`, and `lpiv_h<k>` with LP-IV), H3's Granger test of each variable
/// (`granger_<variable>`). Within a family the p-values get Holm's (1979) family-wise and
/// Benjamini–Hochberg's (1995) false-discovery-rate adjustments (``QEIRStats/MultipleTesting``).
/// Jobs whose test has no p-value (not run, not bootstrapped) are left out of the family.
public struct MultipleTestingReport: Sendable, Hashable, Codable {
    /// One adjusted test.
    public struct Test: Sendable, Hashable, Codable {
        /// The job (`job_id`), or `period/specification` when the result has none.
        public var jobID: String
        /// The unadjusted p-value.
        public var pValue: Double
        /// Holm's adjusted p-value.
        public var pHolm: Double
        /// Benjamini–Hochberg's adjusted p-value.
        public var pBH: Double

        enum CodingKeys: String, CodingKey {
            case jobID = "job_id"
            case pValue = "p_value"
            case pHolm = "p_holm"
            case pBH = "p_bh"
        }
    }

    /// One family: a test of a hypothesis across the batch's jobs.
    public struct Family: Sendable, Hashable, Codable {
        /// The hypothesis number (1, 2, 3).
        public var hypothesis: Int
        /// The test (`sup_test`, `lp_h8`, `granger_dollar`).
        public var test: String
        /// Its tests, one per job, in the table's row order.
        public var tests: [Test]
    }

    /// How a family is defined, stated in every report.
    public static let definition =
        "A family is one test of one hypothesis across every job of the batch (periods × specifications) that "
        + "reports it: H1's no-threshold test, H2's response at each horizon, H3's Granger test of each variable. "
        + "Holm (1979) controls the family-wise error rate under any dependence; Benjamini–Hochberg (1995) controls "
        + "the false discovery rate for independent or positively dependent tests."

    /// The families, by hypothesis then in the order first seen.
    public var families: [Family]

    /// The families of `results` (in the table's row order).
    /// - Parameter results: one result per job.
    public init(results: [HypothesisJobResult]) {
        var order: [String] = []
        var raw: [String: (hypothesis: Int, test: String, entries: [(String, Double)])] = [:]
        func add(_ hypothesis: Hypothesis, _ test: String, _ job: String, _ p: Double?) {
            guard let p, p.isFinite, p >= 0, p <= 1 else { return }
            let key = "\(hypothesis.rawValue)|\(test)"
            if raw[key] == nil {
                order.append(key)
                raw[key] = (hypothesis.rawValue, test, [])
            }
            raw[key]!.entries.append((job, p))
        }
        for result in results {
            let job = result.jobID ?? "\(result.period?.joined(separator: "..") ?? "all")/\(result.specification)"
            for r in result.results {
                add(r.hypothesis, "sup_test", job, r.threshold?.testPValue)
                for p in r.localProjections?.ols ?? [] { add(r.hypothesis, "lp_h\(p.horizon)", job, p.pValue) }
                for p in r.localProjections?.iv ?? [] { add(r.hypothesis, "lpiv_h\(p.horizon)", job, p.pValue) }
                for g in r.vectorAutoregression?.granger ?? [] {
                    add(r.hypothesis, "granger_\(g.caused)", job, g.fPValue)
                }
            }
        }
        let sortedKeys = order.enumerated().sorted { a, b in
            let ha = raw[a.element]!.hypothesis
            let hb = raw[b.element]!.hypothesis
            return ha != hb ? ha < hb : a.offset < b.offset
        }.map(\.element)
        families = sortedKeys.map { key in
            let entry = raw[key]!
            let p = entry.entries.map(\.1)
            // Valid by construction (checked in add), so the adjustments cannot throw.
            let holm = (try? MultipleTesting.holm(p)) ?? p
            let bh = (try? MultipleTesting.benjaminiHochberg(p)) ?? p
            return Family(
                hypothesis: entry.hypothesis, test: entry.test,
                tests: entry.entries.indices.map {
                    Test(jobID: entry.entries[$0].0, pValue: p[$0], pHolm: holm[$0], pBH: bh[$0])
                })
        }
    }

    /// The adjusted p-values of `job` as CSV columns: `h<N>.<test>.p_holm` and `.p_bh` → value.
    func columns(job: String) -> [String: Double] {
        var out: [String: Double] = [:]
        for family in families {
            guard let t = family.tests.first(where: { $0.jobID == job }) else { continue }
            out["h\(family.hypothesis).\(family.test).p_holm"] = t.pHolm
            out["h\(family.hypothesis).\(family.test).p_bh"] = t.pBH
        }
        return out
    }

    /// Every column name of ``columns(job:)`` over all families, in family order.
    var columnNames: [String] {
        families.flatMap { ["h\($0.hypothesis).\($0.test).p_holm", "h\($0.hypothesis).\($0.test).p_bh"] }
    }
}
