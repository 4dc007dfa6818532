import ArgumentParser
import Foundation
import QEIRData
import QEIRHypotheses
import QEIRStats

/// `qeir regress`: one OLS or 2SLS regression on a CSV file.
struct Regress: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Fit an OLS or IV/2SLS regression on a CSV file (header row required).",
        discussion: """
            The constant is named `const`. With --endog and --instruments the model is 2SLS \
            (linearmodels conventions); otherwise OLS (statsmodels conventions). JSON numbers \
            carry 17 significant digits. See Documentation/CLI.md for every JSON key.
            """)

    enum Format: String, ExpressibleByArgument, CaseIterable { case table, json }

    @Option(help: "CSV file with a header row.") var data: String
    @Option(help: "Dependent variable column.") var y: String
    @Option(help: "Comma-separated exogenous regressor columns.") var x: String = ""
    @Flag(help: "Do not add a constant.") var noConstant = false
    @Option(help: "Covariance: nonrobust, hc0, hc1, hc2, hc3, hac, cluster.") var cov: String = "nonrobust"
    @Option(help: "HAC lags (default: Newey–West 1994 automatic bandwidth).") var hacLags: Int?
    @Option(help: "Cluster column for --cov cluster.") var cluster: String?
    @Option(help: "Comma-separated endogenous regressor columns (2SLS).") var endog: String = ""
    @Option(help: "Comma-separated excluded instrument columns (2SLS).") var instruments: String = ""
    @Flag(help: "Small-sample convention (OLS HAC/cluster: n/(n−k) factors; 2SLS: debiased, t and F).")
    var smallSample = false
    @Option(help: "Confidence level of the intervals.") var confidence: Double = 0.95
    @Option(help: "Output format: table or json.") var format: Format = .table

    func validate() throws {
        guard CovarianceOptions.Kind(rawValue: cov) != nil else {
            throw ValidationError(
                "Unknown covariance '\(cov)'; use one of \(CovarianceOptions.Kind.allCases.map(\.rawValue).joined(separator: ", "))."
            )
        }
        guard confidence > 0, confidence < 1 else {
            throw ValidationError("--confidence must be strictly between 0 and 1; got \(confidence).")
        }
        if cov == "cluster" && cluster == nil {
            throw ValidationError("--cov cluster needs --cluster COLUMN.")
        }
    }

    static func list(_ s: String) -> [String] {
        s.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    func run() throws {
        let table = try DataTable(contentsOf: URL(fileURLWithPath: data))
        var spec = RegressionSpecification(y: y, x: Self.list(x), constant: !noConstant)
        spec.endogenous = Self.list(endog)
        spec.instruments = Self.list(instruments)
        spec.covariance = CovarianceOptions.Kind(rawValue: cov) ?? .nonrobust
        spec.hacLags = hacLags
        spec.clusterColumn = cluster
        spec.smallSample = smallSample ? true : nil
        let report = try RegressionReport(outcome: try spec.fit(on: table), confidence: confidence)
        switch format {
        case .json: print(try report.json().rendered())
        case .table: print(try report.table())
        }
    }
}
