import ArgumentParser
import Foundation
import Logging
import QEIRStats

/// `qeir` — the composition root: it alone bootstraps logging and picks BLAS threading.
@main
struct QEIRCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "qeir",
        abstract: "Hypothesis tests about quantitative easing and investment, at batch scale.",
        version: "0.1.0",
        subcommands: [
            Regress.self, Threshold.self, BootstrapCommand.self, FRED.self, HypothesisCommand.self, Worker.self,
            ConfigCommand.self, StationarityCommand.self,
        ]
    )

    static func main() async {
        // Swift concurrency owns the cores; BLAS runs single-threaded unless the user chose.
        if ProcessInfo.processInfo.environment["OPENBLAS_NUM_THREADS"] == nil {
            BLASThreads().set(1)
        }
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel =
                ProcessInfo.processInfo.environment["QEIR_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .warning
            return handler
        }
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            // Usage errors exit with 2, as the Python tool's argparse did (argument-parser's
            // default is 64); data and model errors exit with 1; --help and --version with 0.
            if exitCode(for: error) == .validationFailure {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Foundation.exit(2)
            }
            exit(withError: error)
        }
    }
}
