import ArgumentParser
import Foundation
import QEIRData
import QEIRHypotheses
import QEIRStats

/// `qeir threshold`: Hansen (2000) two-regime threshold regression with a bootstrap test.
struct Threshold: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Fit a two-regime threshold regression (Hansen 2000) and test for a threshold.",
        discussion: """
            Regimes are q <= threshold and q > threshold; both use every regressor (the constant \
            `const` unless --no-constant). The test of no threshold is bootstrapped with Hansen's \
            (1996) fixed-regressor bootstrap; progress goes to stderr. See Documentation/CLI.md.
            """)

    enum Format: String, ExpressibleByArgument, CaseIterable { case table, json }
    enum Cov: String, ExpressibleByArgument, CaseIterable { case homoskedastic, hc }
    enum Test: String, ExpressibleByArgument, CaseIterable {
        case supF = "sup_f"
        case supLM = "sup_lm"
    }

    @Option(help: "CSV file with a header row.") var data: String
    @Option(help: "Dependent variable column.") var y: String
    @Option(help: "Comma-separated regressor columns.") var x: String = ""
    @Flag(help: "Do not add a constant.") var noConstant = false
    @Option(name: .customLong("threshold-var"), help: "Threshold variable column.") var thresholdVar: String
    @Option(help: "Fraction trimmed from each end of the sorted threshold variable.") var trim: Double = 0.15
    @Option(help: "homoskedastic or hc (heteroskedasticity-robust SEs, interval and test).") var cov: Cov =
        .homoskedastic
    @Option(help: "Test statistic: sup_f or sup_lm (default: sup_f, or sup_lm with --cov hc).") var test: Test?
    @Option(help: "Bootstrap replications of the test (0: no test).") var bootstrap: Int = 1000
    @Option(help: "Bootstrap seed.") var seed: UInt64 = 0
    @Option(help: "Confidence level of the threshold interval.") var confidence: Double = 0.95
    @Option(help: "Output format: table or json.") var format: Format = .table

    func validate() throws {
        guard confidence > 0, confidence < 1 else {
            throw ValidationError("--confidence must be strictly between 0 and 1; got \(confidence).")
        }
        guard trim >= 0, trim < 0.5 else { throw ValidationError("--trim must be in [0, 0.5); got \(trim).") }
        guard bootstrap >= 0 else { throw ValidationError("--bootstrap must be 0 or more; got \(bootstrap).") }
    }

    func run() async throws {
        let table = try DataTable(contentsOf: URL(fileURLWithPath: data))
        var spec = ThresholdSpecification(y: y, x: Regress.list(x), thresholdVariable: thresholdVar)
        spec.constant = !noConstant
        spec.options = ThresholdOptions(
            trim: trim, covariance: cov == .hc ? .heteroskedastic : .homoskedastic, confidence: confidence)
        spec.test = test.map { $0 == .supF ? .supF : .supLM }
        spec.bootstrapReplications = bootstrap
        spec.seed = seed
        let outcome = try await spec.run(on: table, progress: ProgressLine.reporter(label: "bootstrap"))
        switch format {
        case .json: print(outcome.json().rendered())
        case .table: print(outcome.table())
        }
    }
}
