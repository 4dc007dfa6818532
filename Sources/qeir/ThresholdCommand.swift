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
            (1996) fixed-regressor bootstrap; progress goes to stderr. The LR interval is read over \
            every split with --min-regime-size observations per regime (trimming only restricts the \
            test and γ̂); regime SEs and η² default to Hansen's own code. See Documentation/CLI.md.
            """)

    enum Format: String, ExpressibleByArgument, CaseIterable { case table, json }
    enum Cov: String, ExpressibleByArgument, CaseIterable { case homoskedastic, hc }
    enum RegimeCov: String, ExpressibleByArgument, CaseIterable { case pooled, classical, hc0, hc1, hc2, hc3 }
    enum Eta2: String, ExpressibleByArgument, CaseIterable { case kernel, quadratic }
    enum Grid: String, ExpressibleByArgument, CaseIterable { case trimmed, all }
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
    @Option(
        name: .customLong("regime-cov"),
        help:
            "Regime SEs: pooled, classical, hc0, hc1, hc2 or hc3 (default: Hansen's code, pooled or hc0 with --cov hc)."
    )
    var regimeCov: RegimeCov?
    @Option(help: "η² of the heteroskedastic LR interval: kernel (Hansen's default) or quadratic.") var eta2: Eta2 =
        .kernel
    @Option(
        name: .customLong("min-regime-size"),
        help: "Smallest regime of any split, at least the number of regressors + 1 (default).")
    var minRegimeSize: Int?
    @Option(
        name: .customLong("estimate-over"),
        help: "Splits γ̂ is chosen from: trimmed (the test's candidates) or all (Hansen's thr_est).")
    var estimateOver: Grid = .trimmed
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
        if let m = minRegimeSize, m < 2 {
            throw ValidationError("--min-regime-size must be at least 2 (and the number of regressors + 1); got \(m).")
        }
        guard bootstrap >= 0 else { throw ValidationError("--bootstrap must be 0 or more; got \(bootstrap).") }
    }

    func run() async throws {
        let table = try DataTable(contentsOf: URL(fileURLWithPath: data))
        var spec = ThresholdSpecification(y: y, x: Regress.list(x), thresholdVariable: thresholdVar)
        spec.constant = !noConstant
        spec.options = ThresholdOptions(
            trim: trim, minimumRegimeSize: minRegimeSize, covariance: cov == .hc ? .heteroskedastic : .homoskedastic,
            confidence: confidence,
            regimeCovariance: regimeCov.flatMap { ThresholdRegimeCovariance(rawValue: $0.rawValue) },
            eta2Method: eta2 == .kernel ? .kernel : .quadratic, estimationGrid: estimateOver == .all ? .all : .trimmed)
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
