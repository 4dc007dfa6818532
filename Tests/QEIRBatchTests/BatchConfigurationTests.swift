import Foundation
import QEIRBatch
import Testing

@Suite("BatchConfiguration")
struct BatchConfigurationTests {
    /// The seed's two configuration examples (original-python-design.md, "Configuration"), joined.
    static let seed = #"""
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
        """#

    static func date(_ text: String) -> BatchDate { BatchDate(text)! }

    static func parse(_ json: String) throws(BatchError) -> (
        configuration: BatchConfiguration, warnings: [ConfigurationWarning]
    ) {
        try BatchConfiguration.parse(Data(json.utf8))
    }

    /// The message of the error parsing `json` throws; records an issue when it does not throw.
    static func failure(_ json: String, sourceLocation: SourceLocation = #_sourceLocation) -> BatchError? {
        do {
            _ = try parse(json)
            Issue.record("expected an error", sourceLocation: sourceLocation)
            return nil
        } catch {
            #expect(error.code == .invalidConfiguration, sourceLocation: sourceLocation)
            return error
        }
    }

    @Test func seedExampleParsesExactly() throws {
        let (configuration, warnings) = try Self.parse(Self.seed)
        #expect(warnings.isEmpty)
        var processing = BatchConfiguration.Processing()
        processing.maxConcurrentJobs = 4
        var expected = BatchConfiguration(
            processing: processing,
            baseConfig: ["confidence_level": 0.95, "bootstrap_iterations": 1000, "enable_robustness_tests": true],
            periods: [
                try BatchPeriod(start: Self.date("2008-01-01"), end: Self.date("2015-12-31")),
                try BatchPeriod(start: Self.date("2016-01-01"), end: Self.date("2023-12-31")),
            ],
            specifications: ["default", "alternative"],
            specificationsConfig: [
                "default": ["h1_confidence_proxy": "consumer_confidence"],
                "alternative": ["h1_confidence_proxy": "financial_stress_index"],
            ])
        #expect(configuration == expected)
        // Field by field, so a changed default cannot hide behind an equal default.
        let p = configuration.processing
        #expect(p.maxConcurrentJobs == 4 && p.jobTimeoutMinutes == 120 && p.retryDelayMinutes == 5)
        #expect(p.memoryLimitGB == 8.0 && p.cpuLimitPercent == 80.0)
        #expect(p.baseOutputDirectory == "batch_results" && p.logLevel == "INFO")
        #expect(p.compressResults && p.cleanupIntermediateFiles && p.enableProgressMonitoring)
        let m = configuration.resourceMonitoring
        #expect(m.enableSystemMonitoring && m.monitoringIntervalSeconds == 30)
        #expect(m.cpuAlertThreshold == 90.0 && m.memoryAlertThreshold == 85.0 && m.diskAlertThreshold == 90.0)
        #expect(m.jobTimeoutAlertMinutes == 180 && m.failureRateAlertThreshold == 0.2)
        #expect(configuration.baseConfig["bootstrap_iterations"] == .integer(1000))
        #expect(configuration.baseConfig["confidence_level"] == .number(0.95))
        expected.processing.maxConcurrentJobs = 5
        #expect(configuration != expected)
    }

    @Test func emptyObjectGivesSeedDefaults() throws {
        let (configuration, warnings) = try Self.parse("{}")
        #expect(warnings.isEmpty)
        #expect(configuration == BatchConfiguration())
        #expect(configuration.processing.maxConcurrentJobs == 4)
        #expect(configuration.resourceMonitoring.failureRateAlertThreshold == 0.2)
        #expect(configuration.baseConfig == [:])
        #expect(configuration.periods.isEmpty && configuration.specifications.isEmpty)
    }

    @Test func integersAreAcceptedForNumbers() throws {
        let (configuration, _) = try Self.parse(
            #"{"batch_processing_config": {"memory_limit_gb": 16, "cpu_limit_percent": 100}}"#)
        #expect(configuration.processing.memoryLimitGB == 16 && configuration.processing.cpuLimitPercent == 100)
    }

    @Test func unknownKeysAreWarningsWithPaths() throws {
        let (configuration, warnings) = try Self.parse(
            #"""
            {"batch_processing_config": {"max_workers": 2, "max_concurrent_jobs": 3},
             "resource_monitoring": {"cpu_threshold": 1},
             "extra": null,
             "base_config": {"anything": {"goes": [1]}},
             "specifications": ["default"],
             "specifications_config": {"default": {"free": "form"}, "ghost": {"x": 1}}}
            """#)
        #expect(configuration.processing.maxConcurrentJobs == 3)
        #expect(
            warnings.map(\.description) == [
                "batch_processing_config.max_workers: unknown key 'max_workers' ignored; check its spelling.",
                "extra: unknown key 'extra' ignored; check its spelling.",
                "resource_monitoring.cpu_threshold: unknown key 'cpu_threshold' ignored; check its spelling.",
                "specifications_config.ghost: configuration for specification 'ghost', which 'specifications' does not list, is ignored; list it or remove it.",
            ])
        #expect(warnings[0].path == "batch_processing_config.max_workers")
    }

    @Test func specificationWithoutConfigIsFine() throws {
        let (configuration, warnings) = try Self.parse(#"{"specifications": ["default", "bare"]}"#)
        #expect(warnings.isEmpty)
        #expect(configuration.specifications == ["default", "bare"])
        #expect(configuration.specificationsConfig.isEmpty)
    }

    @Test func notJSON() {
        let error = Self.failure("{")
        #expect(error?.message.hasPrefix("Batch configuration is not valid JSON: ") == true)
        #expect(error?.message.hasSuffix("; fix the file's syntax.") == true)
    }

    @Test(arguments: [
        (
            "[]",
            "Invalid batch configuration at (top level): expected an object, found an array of 0 elements."
        ),
        (
            #"{"batch_processing_config": 1}"#,
            "Invalid batch configuration at batch_processing_config: expected an object, found 1."
        ),
        (
            #"{"batch_processing_config": {"max_concurrent_jobs": -1}}"#,
            "Invalid batch configuration at batch_processing_config.max_concurrent_jobs: expected an integer of at least 1, found -1."
        ),
        (
            #"{"batch_processing_config": {"max_concurrent_jobs": 0}}"#,
            "Invalid batch configuration at batch_processing_config.max_concurrent_jobs: expected an integer of at least 1, found 0."
        ),
        (
            #"{"batch_processing_config": {"max_concurrent_jobs": "4"}}"#,
            "Invalid batch configuration at batch_processing_config.max_concurrent_jobs: expected an integer of at least 1, found \"4\"."
        ),
        (
            #"{"batch_processing_config": {"max_concurrent_jobs": 2.5}}"#,
            "Invalid batch configuration at batch_processing_config.max_concurrent_jobs: expected an integer of at least 1, found 2.5."
        ),
        (
            #"{"batch_processing_config": {"job_timeout_minutes": null}}"#,
            "Invalid batch configuration at batch_processing_config.job_timeout_minutes: expected an integer of at least 1, found null."
        ),
        (
            #"{"batch_processing_config": {"retry_delay_minutes": -5}}"#,
            "Invalid batch configuration at batch_processing_config.retry_delay_minutes: expected an integer of at least 0, found -5."
        ),
        (
            #"{"batch_processing_config": {"memory_limit_gb": 0}}"#,
            "Invalid batch configuration at batch_processing_config.memory_limit_gb: expected a number greater than 0, found 0."
        ),
        (
            #"{"batch_processing_config": {"cpu_limit_percent": 100.5}}"#,
            "Invalid batch configuration at batch_processing_config.cpu_limit_percent: expected a number greater than 0 and at most 100, found 100.5."
        ),
        (
            #"{"batch_processing_config": {"base_output_directory": ""}}"#,
            "Invalid batch configuration at batch_processing_config.base_output_directory: expected a non-empty string, found \"\"."
        ),
        (
            #"{"batch_processing_config": {"compress_results": "yes"}}"#,
            "Invalid batch configuration at batch_processing_config.compress_results: expected true or false, found \"yes\"."
        ),
        (
            #"{"batch_processing_config": {"cleanup_intermediate_files": 1}}"#,
            "Invalid batch configuration at batch_processing_config.cleanup_intermediate_files: expected true or false, found 1."
        ),
        (
            #"{"batch_processing_config": {"log_level": "info"}}"#,
            "Invalid batch configuration at batch_processing_config.log_level: expected one of \"DEBUG\", \"INFO\", \"WARNING\", \"ERROR\", \"CRITICAL\", found \"info\"."
        ),
        (
            #"{"base_config": [1, 2]}"#,
            "Invalid batch configuration at base_config: expected an object, found an array of 2 elements."
        ),
        (
            #"{"periods": {"a": 1}}"#,
            "Invalid batch configuration at periods: expected an array of [start, end] pairs of YYYY-MM-DD dates, found an object."
        ),
    ])
    func wrongValuesNameTheirPath(json: String, message: String) {
        #expect(Self.failure(json)?.message == message)
    }

    @Test(arguments: [
        (
            #"{"periods": [["2008-01-01"]]}"#,
            "Invalid batch configuration at periods[0]: expected a [start, end] pair of YYYY-MM-DD dates, found an array of 1 element."
        ),
        (
            #"{"periods": ["2008-2015"]}"#,
            "Invalid batch configuration at periods[0]: expected a [start, end] pair of YYYY-MM-DD dates, found \"2008-2015\"."
        ),
        (
            #"{"periods": [["2008-01-01", "2015-12-31"], ["2016-01-01", "2023-13-01"]]}"#,
            "Invalid batch configuration at periods[1][1]: expected a YYYY-MM-DD date, found \"2023-13-01\"."
        ),
        (
            #"{"periods": [["2015-02-29", "2015-12-31"]]}"#,
            "Invalid batch configuration at periods[0][0]: expected a YYYY-MM-DD date, found \"2015-02-29\"."
        ),
        (
            #"{"periods": [["2008-1-1", "2015-12-31"]]}"#,
            "Invalid batch configuration at periods[0][0]: expected a YYYY-MM-DD date, found \"2008-1-1\"."
        ),
        (
            #"{"periods": [[20080101, "2015-12-31"]]}"#,
            "Invalid batch configuration at periods[0][0]: expected a YYYY-MM-DD date, found 20080101."
        ),
        (
            #"{"periods": [["2016-01-01", "2015-12-31"]]}"#,
            "Invalid batch configuration at periods[0]: expected a start date on or before the end date, found 2016-01-01 after 2015-12-31."
        ),
        (
            #"{"periods": [["2008-01-01", "2015-12-31"], ["2008-01-01", "2015-12-31"]]}"#,
            "Invalid batch configuration at periods[1]: expected a period not listed before, found 2008-01-01…2015-12-31, already at periods[0]."
        ),
        (
            #"{"specifications": "default"}"#,
            "Invalid batch configuration at specifications: expected an array of specification names, found \"default\"."
        ),
        (
            #"{"specifications": ["default", "../x"]}"#,
            "Invalid batch configuration at specifications[1]: expected a specification name of 1 to 200 ASCII letters, digits, '.', '_' and '-', found \"../x\"."
        ),
        (
            #"{"specifications": [".."]}"#,
            "Invalid batch configuration at specifications[0]: expected a specification name of 1 to 200 ASCII letters, digits, '.', '_' and '-', found \"..\"."
        ),
        (
            #"{"specifications": ["default", "default"]}"#,
            "Invalid batch configuration at specifications[1]: expected a name not listed before, found \"default\", already at specifications[0]."
        ),
        (
            #"{"specifications": ["a"], "specifications_config": {"a": "x"}}"#,
            "Invalid batch configuration at specifications_config.a: expected an object, found \"x\"."
        ),
        (
            #"{"specifications_config": []}"#,
            "Invalid batch configuration at specifications_config: expected an object, found an array of 0 elements."
        ),
        (
            #"{"resource_monitoring": {"monitoring_interval_seconds": 0}}"#,
            "Invalid batch configuration at resource_monitoring.monitoring_interval_seconds: expected an integer of at least 1, found 0."
        ),
        (
            #"{"resource_monitoring": {"cpu_alert_threshold": 101}}"#,
            "Invalid batch configuration at resource_monitoring.cpu_alert_threshold: expected a number from 0 to 100, found 101."
        ),
        (
            #"{"resource_monitoring": {"memory_alert_threshold": -1.5}}"#,
            "Invalid batch configuration at resource_monitoring.memory_alert_threshold: expected a number from 0 to 100, found -1.5."
        ),
        (
            #"{"resource_monitoring": {"disk_alert_threshold": true}}"#,
            "Invalid batch configuration at resource_monitoring.disk_alert_threshold: expected a number from 0 to 100, found true."
        ),
        (
            #"{"resource_monitoring": {"failure_rate_alert_threshold": 20}}"#,
            "Invalid batch configuration at resource_monitoring.failure_rate_alert_threshold: expected a number from 0 to 1, found 20."
        ),
        (
            #"{"resource_monitoring": {"job_timeout_alert_minutes": -180}}"#,
            "Invalid batch configuration at resource_monitoring.job_timeout_alert_minutes: expected an integer of at least 1, found -180."
        ),
        (
            #"{"resource_monitoring": {"enable_system_monitoring": "true"}}"#,
            "Invalid batch configuration at resource_monitoring.enable_system_monitoring: expected true or false, found \"true\"."
        ),
    ])
    func wrongPeriodsSpecificationsAndMonitoring(json: String, message: String) {
        #expect(Self.failure(json)?.message == message)
    }

    @Test func errorContextCarriesPathAndExpectation() {
        let error = Self.failure(#"{"batch_processing_config": {"max_concurrent_jobs": -1}}"#)
        #expect(error?.context["path"] == "batch_processing_config.max_concurrent_jobs")
        #expect(error?.context["expected"] == "an integer of at least 1")
        #expect(error?.context["found"] == "-1")
        #expect(
            error?.description
                == "Invalid batch configuration at batch_processing_config.max_concurrent_jobs: expected an integer of at least 1, found -1. [invalid_configuration]"
        )
    }

    @Test func leapDayIsADate() throws {
        let (configuration, _) = try Self.parse(#"{"periods": [["2016-02-29", "2016-02-29"]]}"#)
        #expect(configuration.periods.first?.start == BatchDate(year: 2016, month: 2, day: 29))
        #expect(BatchDate("1900-02-29") == nil && BatchDate("2000-02-29") != nil)
    }

    @Test func shorthandPeriods() throws {
        let period = try BatchPeriod(shorthand: "2008-2015")
        #expect(period.start.description == "2008-01-01" && period.end.description == "2015-12-31")
        #expect(try BatchPeriod(shorthand: " 2020 ").description == "2020-01-01…2020-12-31")
        let list = try BatchPeriod.parseList("2008-2015, 2016-2023")
        #expect(list.map(\.description) == ["2008-01-01…2015-12-31", "2016-01-01…2023-12-31"])
        #expect(list[1].end.compact == "20231231")
    }

    @Test(arguments: [
        ("2015-2008", "Period '2015-2008' starts after it ends; write the earlier year first."),
        ("2008-15", "Period '2008-15' is not YYYY-YYYY or YYYY; write e.g. 2008-2015."),
        ("2008-01-01", "Period '2008-01-01' is not YYYY-YYYY or YYYY; write e.g. 2008-2015."),
        ("", "Period '' is not YYYY-YYYY or YYYY; write e.g. 2008-2015."),
        ("abcd-efgh", "Period 'abcd-efgh' is not YYYY-YYYY or YYYY; write e.g. 2008-2015."),
        ("0000-2000", "Period '0000-2000' is not YYYY-YYYY or YYYY; write e.g. 2008-2015."),
    ])
    func badShorthand(text: String, message: String) {
        #expect(throws: BatchError(.invalidPeriod, message, context: ["period": text])) {
            try BatchPeriod(shorthand: text)
        }
    }

    @Test func badShorthandList() {
        #expect(
            throws: BatchError(
                .invalidPeriod,
                "Period list '2008-2015,,2016-2023' has an empty item at position 2; separate periods with single commas.",
                context: ["periods": "2008-2015,,2016-2023"])
        ) { try BatchPeriod.parseList("2008-2015,,2016-2023") }
        #expect(throws: BatchError.self) { try BatchPeriod.parseList("") }
        #expect(
            throws: BatchError(
                .invalidPeriod, "Period '2016-20x3' is not YYYY-YYYY or YYYY; write e.g. 2008-2015.",
                context: ["period": "2016-20x3"])
        ) { try BatchPeriod.parseList("2008-2015,2016-20x3") }
    }

    @Test func reversedPeriodIsRejected() throws {
        #expect(
            throws: BatchError(
                .invalidPeriod, "Period 2016-01-01…2015-12-31 starts after it ends; swap the dates.",
                context: ["start": "2016-01-01", "end": "2015-12-31"])
        ) { try BatchPeriod(start: Self.date("2016-01-01"), end: Self.date("2015-12-31")) }
    }
}
