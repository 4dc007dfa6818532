import ArgumentParser
import Foundation
import QEIRBatch
import QEIRData
import QEIRHypotheses

/// `qeir hypothesis data` — the aligned table one job's hypothesis estimates on.
struct HypothesisDataCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data", abstract: "Print the aligned quarterly table a job's hypothesis estimates on, as CSV.",
        discussion: """
            The same table a batch job writes as data/h<N>.csv: a date column (the quarter's first
            day), one column per role and derived column as named in result.json (after
            aggregation, division by GDP and the stationarity transform), and a sample column
            (presample, estimation or excluded). Data come from the embedded snapshot, or from
            FRED with FRED_API_KEY set (as `qeir hypothesis batch`).
            """)

    @Option(help: "The batch configuration file (the seed's JSON format).") var config: String
    @Option(help: "The period, e.g. 2008-2015 or 2008-01-01:2015-12-31.") var period: String
    @Option(help: "The specification.") var specification: String = "default"
    @Option(help: "1, 2 or 3.") var hypothesis: Int
    @Option(help: "embedded, fred or cache (default: fred when FRED_API_KEY is set, else embedded).")
    var dataSource: HypothesisBatch.DataSourceKind?
    @Option(help: "FRED cache directory (for --data-source fred or cache).") var fredCache: String?

    func run() async throws {
        guard let chosen = Hypothesis(rawValue: hypothesis) else {
            throw ValidationError("--hypothesis must be 1, 2 or 3; got \(hypothesis).")
        }
        let parsedPeriod: BatchPeriod
        do { parsedPeriod = try BatchPeriod(shorthand: period) } catch {
            throw ValidationError("--period: \(error.message)")
        }
        let file = try BatchConfigurationFile.load(config)
        if specification != "default" && file.specificationsConfig[specification] == nil
            && !file.specifications.contains(specification)
        {
            throw ValidationError(
                "--specification: '\(specification)' is not in \(config) (it lists "
                    + "\(file.specifications.joined(separator: ", ")))."
            )
        }
        let merged = file.baseConfig.overlaid(with: file.specificationsConfig[specification] ?? .object([:]))
        let configuration = try HypothesisTest.parsed(
            HypothesisJobPayload(configuration: merged, period: parsedPeriod, specification: specification),
            label: config)
        let source = try HypothesisBatch.makeSource(kind: dataSource, fredCache: fredCache)
        let runner = HypothesisRunner(source: source)
        let table = try await runner.estimationData(chosen, configuration)
        print(table.csv(), terminator: "")
    }
}
