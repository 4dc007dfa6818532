import ArgumentParser

/// `qeir hypothesis` — run and manage hypothesis batches.
struct HypothesisCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hypothesis", abstract: "Run the QE hypotheses in batches and manage batch output.",
        subcommands: [HypothesisBatch.self, BatchManage.self, HypothesisTest.self, HypothesisDataCommand.self])
}
