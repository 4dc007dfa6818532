public import Foundation
import QEIRData

/// One comparison table across jobs: a row per period × specification, a column per key
/// estimate or p-value of each hypothesis (the results' ``HypothesisResult/headline`` values
/// and sample sizes).
///
/// ```swift
/// let table = RobustnessTable(results: jobResults)
/// print(table.text())
/// try table.csv().write(to: url, atomically: true, encoding: .utf8)
/// ```
///
/// Rows are ordered by period start, then period end, then specification in order of first
/// appearance; columns by hypothesis, then as each result lists its headline. A value a job does
/// not have (a hypothesis not run, a test not bootstrapped) is empty in CSV, `null` in JSON and
/// `-` in text.
public struct RobustnessTable: Sendable, Hashable, Codable {
    /// A column: a stable key (`h1.threshold`) and a heading (`H1 threshold`).
    public struct Column: Sendable, Hashable, Codable {
        /// The headline key.
        public var key: String
        /// The heading.
        public var label: String
    }

    /// A row: one job.
    public struct Row: Sendable, Hashable, Codable {
        /// The job id, when known.
        public var job: String?
        /// `start..end`, or `all` for a job without a period.
        public var period: String
        /// The specification name.
        public var specification: String
        /// One value per column (`nil`: not available).
        public var values: [Double?]
    }

    /// What a higher value of a role means in one specification, and the series behind it.
    public struct Direction: Sendable, Hashable, Codable {
        /// The specification name.
        public var specification: String
        /// The role (`confidence`, `dollar`, …).
        public var role: String
        /// Its direction and series, e.g. `higher = more confidence (KCFSI, negated: higher = less
        /// financial stress)`.
        public var meaning: String
    }

    /// The columns.
    public var columns: [Column]
    /// The rows.
    public var rows: [Row]
    /// The direction of every role per specification (from the results' provenance), so columns
    /// such as "QE×conf" are read with the same sign across specifications.
    public var directions: [Direction] = []
    /// Holm and Benjamini–Hochberg adjusted p-values of each hypothesis' headline tests across
    /// the jobs (see ``MultipleTestingReport``).
    public var multipleTesting: MultipleTestingReport

    enum CodingKeys: String, CodingKey {
        case columns, rows, directions
        case multipleTesting = "multiple_testing"
    }

    /// Builds the table from job results.
    /// - Parameter results: one result per job.
    public init(results: [HypothesisJobResult]) {
        var columns: [Column] = []
        var seen = Set<String>()
        for hypothesis in Hypothesis.allCases {
            for result in results {
                for r in result.results where r.hypothesis == hypothesis {
                    let items =
                        [
                            HeadlineValue(
                                key: "\(hypothesis.description.lowercased()).nobs", label: "\(hypothesis) n", value: nil
                            )
                        ]
                        + r.headline
                    for item in items where seen.insert(item.key).inserted {
                        columns.append(Column(key: item.key, label: item.label))
                    }
                }
            }
        }
        let specOrder = results.map(\.specification).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        let sorted = results.enumerated().sorted { a, b in
            let pa = a.element.period ?? []
            let pb = b.element.period ?? []
            if pa != pb { return pa.lexicographicallyPrecedes(pb) }
            let sa = specOrder.firstIndex(of: a.element.specification)!
            let sb = specOrder.firstIndex(of: b.element.specification)!
            return sa != sb ? sa < sb : a.offset < b.offset
        }.map(\.element)
        self.columns = columns
        var directions: [Direction] = []
        for result in sorted {
            for r in result.results {
                for p in r.provenance {
                    guard let meaning = p.direction,
                        !directions.contains(where: { $0.specification == result.specification && $0.role == p.column })
                    else { continue }
                    directions.append(Direction(specification: result.specification, role: p.column, meaning: meaning))
                }
            }
        }
        self.directions = directions
        self.multipleTesting = MultipleTestingReport(results: sorted)
        self.rows = sorted.map { result in
            var values: [String: Double] = [:]
            for r in result.results {
                values["\(r.hypothesis.description.lowercased()).nobs"] = Double(r.nobs)
                for item in r.headline { values[item.key] = item.value }
            }
            return Row(
                job: result.jobID, period: result.period?.joined(separator: "..") ?? "all",
                specification: result.specification, values: columns.map { values[$0.key] })
        }
    }

    /// Formats a value: integers as such, others with 4 significant digits.
    static func format(_ value: Double?) -> String {
        guard let value, value.isFinite else { return "-" }
        if value == value.rounded(), abs(value) < 1e9 { return String(Int(value)) }
        return String(format: "%.4g", value)
    }

    /// The table as text: a block per hypothesis, each with the period and specification columns.
    public func text() -> String {
        var out = ["Robustness comparison (\(rows.count) job\(rows.count == 1 ? "" : "s"))"]
        for hypothesis in Hypothesis.allCases {
            let prefix = hypothesis.description.lowercased() + "."
            let indices = columns.indices.filter { columns[$0].key.hasPrefix(prefix) }
            guard !indices.isEmpty else { continue }
            let header = ["period", "specification"] + indices.map { columns[$0].label }
            let body = rows.map { row in [row.period, row.specification] + indices.map { Self.format(row.values[$0]) } }
            let widths = header.indices.map { j in ([header[j]] + body.map { $0[j] }).map(\.count).max()! }
            func line(_ cells: [String]) -> String {
                cells.enumerated().map { j, cell in
                    j < 2
                        ? cell.padding(toLength: widths[j], withPad: " ", startingAt: 0)
                        : String(repeating: " ", count: widths[j] - cell.count) + cell
                }.joined(separator: "  ")
            }
            out.append("")
            out.append("\(hypothesis) — \(hypothesis.title)")
            out.append(line(header))
            out.append(widths.map { String(repeating: "-", count: $0) }.joined(separator: "  "))
            out += body.map(line)
        }
        if !multipleTesting.families.isEmpty {
            out.append("")
            out.append("Multiple testing across the jobs (p / Holm / Benjamini–Hochberg)")
            out.append("  " + MultipleTestingReport.definition)
            for family in multipleTesting.families {
                let cells = family.tests.map {
                    "\($0.jobID): \(Self.format($0.pValue)) / \(Self.format($0.pHolm)) / \(Self.format($0.pBH))"
                }
                out.append("  H\(family.hypothesis) \(family.test): " + cells.joined(separator: "; "))
            }
        }
        if !directions.isEmpty {
            out.append("")
            out.append("Directions of the roles (what a higher value means, per specification)")
            for d in directions { out.append("  \(d.specification) \(d.role): \(d.meaning)") }
        }
        return out.joined(separator: "\n") + "\n"
    }

    /// The table as CSV: `job,period,specification`, then one column per key (full precision),
    /// then the adjusted p-values of ``multipleTesting``; written by QEIRData's ``QEIRData/CSVText``.
    public func csv() -> String {
        let adjusted = multipleTesting.columnNames
        let body = rows.map { row in
            let extra = multipleTesting.columns(job: row.job ?? "\(row.period)/\(row.specification)")
            return [row.job ?? "", row.period, row.specification] + row.values.map(CSVText.number)
                + adjusted.map { CSVText.number(extra[$0]) }
        }
        return CSVText.make(header: ["job", "period", "specification"] + columns.map(\.key) + adjusted, rows: body)
    }

    /// The table as JSON (`columns`, `rows`), keys sorted.
    /// - Throws: `EncodingError` (not expected).
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try encoder.encode(self)
    }
}
