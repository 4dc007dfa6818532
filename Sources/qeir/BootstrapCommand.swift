import ArgumentParser
import Foundation
import QEIRData
import QEIRHypotheses
import QEIRStats

/// `qeir bootstrap`: bootstrap confidence intervals for the OLS coefficients of a CSV file.
struct BootstrapCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bootstrap",
        abstract: "Bootstrap the OLS coefficients of a CSV file (header row required).",
        discussion: """
            Methods: pairs (case resampling), residual, wild (--wild-weights rademacher, mammen \
            or webb), block (moving block), circular (circular block), stationary (Politis–Romano). \
            Without --block-length the block methods use the Politis–White (2004/2009) automatic \
            length. Studentized intervals use HC1 standard errors. The same --seed gives the same \
            numbers on any number of cores. JSON keys: method, wild_weights (wild), reps, seed, \
            block_length (block methods), ci, confidence, cov_type, nobs, names, and coefficients: \
            name -> {estimate, bootstrap_se, conf_int: [low, high]}; numbers carry 17 significant \
            digits.
            """)

    enum Format: String, ExpressibleByArgument, CaseIterable { case table, json }

    @Option(help: "CSV file with a header row.") var data: String
    @Option(help: "Dependent variable column.") var y: String
    @Option(help: "Comma-separated regressor columns.") var x: String = ""
    @Flag(help: "Do not add a constant.") var noConstant = false
    @Option(help: "Resampling: pairs, residual, wild, block, circular, stationary.") var method: String = "pairs"
    @Option(help: "Wild weights: rademacher, mammen, webb.") var wildWeights: String?
    @Option(help: "Bootstrap replications.") var reps: Int = 999
    @Option(help: "Random seed.") var seed: UInt64 = 0
    @Option(help: "Block length (block, circular: whole number; stationary: mean). Default: automatic.")
    var blockLength: Double?
    @Option(help: "Interval: percentile, basic, bca, studentized.") var ci: String = "percentile"
    @Option(help: "Confidence level of the intervals.") var confidence: Double = 0.95
    @Option(help: "Output format: table or json.") var format: Format = .table

    func validate() throws {
        guard let m = BootstrapSpecification.Method(rawValue: method) else {
            throw ValidationError(
                "Unknown method '\(method)'; use one of \(BootstrapSpecification.Method.allCases.map(\.rawValue).joined(separator: ", "))."
            )
        }
        if let wildWeights {
            guard WildWeights(rawValue: wildWeights) != nil else {
                throw ValidationError(
                    "Unknown wild weights '\(wildWeights)'; use one of \(WildWeights.allCases.map(\.rawValue).joined(separator: ", "))."
                )
            }
            guard m == .wild else { throw ValidationError("--wild-weights applies only to --method wild.") }
        }
        if let blockLength {
            guard m.usesBlocks else {
                throw ValidationError("--block-length applies only to --method block, circular or stationary.")
            }
            guard blockLength >= 1, blockLength.isFinite else {
                throw ValidationError("--block-length must be at least 1; got \(blockLength).")
            }
        }
        guard BootstrapInterval(rawValue: ci) != nil else {
            throw ValidationError(
                "Unknown interval '\(ci)'; use one of \(BootstrapInterval.allCases.map(\.rawValue).joined(separator: ", "))."
            )
        }
        guard reps >= 1 else { throw ValidationError("--reps must be at least 1; got \(reps).") }
        guard confidence > 0, confidence < 1 else {
            throw ValidationError("--confidence must be strictly between 0 and 1; got \(confidence).")
        }
    }

    func run() async throws {
        let table = try DataTable(contentsOf: URL(fileURLWithPath: data))
        var spec = BootstrapSpecification(y: y, x: Regress.list(x), constant: !noConstant)
        spec.method = BootstrapSpecification.Method(rawValue: method) ?? .pairs
        spec.wildWeights = wildWeights.flatMap(WildWeights.init(rawValue:)) ?? .rademacher
        spec.blockLength = blockLength
        spec.options.replications = reps
        spec.options.seed = seed
        let interval = BootstrapInterval(rawValue: ci) ?? .percentile
        spec.options.jackknife = interval == .bca
        var handler: BootstrapProgressHandler? = nil
        if let report = ProgressLine.reporter(label: "bootstrap") {
            handler = { (p: BootstrapProgress) in report(p.completed, p.total) }
        }
        let result = try await spec.run(on: table, progress: handler)
        let report = try BootstrapReport(
            specification: spec, result: result, interval: interval, confidence: confidence, nobs: table.rowCount)
        switch format {
        case .json: print(report.json().rendered())
        case .table: print(report.table())
        }
    }
}
