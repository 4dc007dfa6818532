import ArgumentParser
import Foundation
import QEIRBatch
import QEIRHypotheses

/// `qeir config` — check and create batch configuration files (the seed's JSON format).
struct ConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config", abstract: "Validate or create batch configuration files.",
        subcommands: [Validate.self, Create.self])

    struct Validate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check a batch configuration file: errors name the JSON path (exit 2); unknown keys are warnings."
        )
        @Argument(help: "The configuration file.")
        var file: String

        func run() async throws {
            let configuration = try BatchConfigurationFile.load(file)
            print(
                "\(file): valid — \(configuration.periods.count) period(s) × \(max(configuration.specifications.count, 1)) specification(s), \(configuration.processing.maxConcurrentJobs) concurrent job(s)"
            )
        }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print a configuration template.")
        @Option(help: "basic (one period, one specification) or batch (the seed's full example).")
        var template: String = "batch"
        @Option(name: .shortAndLong, help: "Write to this file instead of standard output (never overwrites).")
        var output: String?

        func run() async throws {
            guard let text = BatchConfigurationFile.templates[template] else {
                throw ValidationError("Unknown template '\(template)'; use basic or batch.")
            }
            guard let output else {
                print(text, terminator: "")
                return
            }
            guard !FileManager.default.fileExists(atPath: output) else {
                throw ValidationError("'\(output)' exists; choose another file name or remove it first.")
            }
            try Data(text.utf8).write(to: URL(fileURLWithPath: output), options: .withoutOverwriting)
            print("wrote \(output)")
        }
    }
}

/// Reading configuration files for the CLI: errors become usage errors (exit 2) naming the file.
enum BatchConfigurationFile {
    static func load(_ path: String) throws -> BatchConfiguration {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw ValidationError("Cannot read configuration file '\(path)': \(error.localizedDescription)")
        }
        do {
            var (configuration, warnings) = try BatchConfiguration.parse(data)
            for warning in warnings {
                FileHandle.standardError.write(Data("warning: \(path): \(warning)\n".utf8))
            }
            // series_files paths are relative to the configuration file, whatever the working directory.
            let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
            configuration.baseConfig = HypothesisConfiguration.resolvingSeriesFiles(
                in: configuration.baseConfig, relativeTo: directory)
            configuration.specificationsConfig = configuration.specificationsConfig.mapValues {
                HypothesisConfiguration.resolvingSeriesFiles(in: $0, relativeTo: directory)
            }
            return configuration
        } catch {
            throw ValidationError("\(path): \(error.message)")
        }
    }

    static let templates: [String: String] = [
        "batch": """
        {
          "batch_processing_config": {
            "max_concurrent_jobs": 4,
            "job_timeout_minutes": 120,
            "retry_delay_minutes": 5,
            "memory_limit_gb": 8.0,
            "cpu_limit_percent": 80.0,
            "base_output_directory": "batch_results",
            "compress_results": true,
            "cleanup_intermediate_files": true,
            "enable_progress_monitoring": true,
            "log_level": "INFO"
          },
          "base_config": {
            "confidence_level": 0.95,
            "bootstrap_iterations": 1000,
            "enable_robustness_tests": true
          },
          "periods": [
            ["2008-01-01", "2015-12-31"],
            ["2016-01-01", "2023-12-31"]
          ],
          "specifications": ["default", "alternative"],
          "specifications_config": {
            "default": {
              "h1_confidence_proxy": "consumer_confidence"
            },
            "alternative": {
              "h1_confidence_proxy": "financial_stress_index"
            }
          },
          "resource_monitoring": {
            "enable_system_monitoring": true,
            "monitoring_interval_seconds": 30,
            "cpu_alert_threshold": 90.0,
            "memory_alert_threshold": 85.0,
            "disk_alert_threshold": 90.0,
            "job_timeout_alert_minutes": 180,
            "failure_rate_alert_threshold": 0.2
          }
        }

        """,
        "basic": """
        {
          "batch_processing_config": {
            "max_concurrent_jobs": 2,
            "base_output_directory": "batch_results"
          },
          "base_config": {
            "confidence_level": 0.95,
            "bootstrap_iterations": 200
          },
          "periods": [["2008-01-01", "2015-12-31"]],
          "specifications": ["default"]
        }

        """,
    ]
}
