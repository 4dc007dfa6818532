import Foundation
import QEIRBatch
import Testing

@Suite("JobGeneration")
struct JobGenerationTests {
    static func seed() throws -> BatchConfiguration {
        try BatchConfiguration.parse(Data(BatchConfigurationTests.seed.utf8)).configuration
    }

    @Test func gridOfTheSeedIsPeriodMajorWithMergedConfigs() throws {
        let configuration = try Self.seed()
        let jobs = try configuration.gridJobs()
        #expect(
            jobs.map(\.id.rawValue) == [
                "batch_default_20080101_20151231",
                "batch_alternative_20080101_20151231",
                "batch_default_20160101_20231231",
                "batch_alternative_20160101_20231231",
            ])
        #expect(jobs.map(\.specification) == ["default", "alternative", "default", "alternative"])
        #expect(
            jobs.map(\.period) == [
                configuration.periods[0], configuration.periods[0], configuration.periods[1], configuration.periods[1],
            ])
        #expect(
            jobs[1].configuration == [
                "confidence_level": 0.95, "bootstrap_iterations": 1000, "enable_robustness_tests": true,
                "h1_confidence_proxy": "financial_stress_index",
            ])
        #expect(jobs[2].configuration["h1_confidence_proxy"] == "consumer_confidence")
    }

    @Test func generationIsDeterministic() throws {
        // Dictionaries hash with a per-process seed, so parse twice and generate twice.
        let first = try Self.seed().gridJobs(prefix: "run1")
        let second = try Self.seed().gridJobs(prefix: "run1")
        #expect(first == second)
        let a = try JSONEncoder.sorted.encode(first.map(\.configuration))
        let b = try JSONEncoder.sorted.encode(second.map(\.configuration))
        #expect(a == b)
        #expect(
            String(decoding: try JSONEncoder.sorted.encode(first[0].configuration), as: UTF8.self)
                == #"{"bootstrap_iterations":1000,"confidence_level":0.95,"enable_robustness_tests":true,"h1_confidence_proxy":"consumer_confidence"}"#
        )
    }

    @Test func periodJobsCarryTheBaseConfigUnchanged() throws {
        let configuration = try Self.seed()
        let jobs = try JobGeneration.createPeriodJobs(
            baseConfig: configuration.baseConfig, periods: configuration.periods)
        #expect(jobs.map(\.id.rawValue) == ["period_analysis_20080101_20151231", "period_analysis_20160101_20231231"])
        #expect(jobs.allSatisfy { $0.configuration == configuration.baseConfig && $0.specification == nil })
        #expect(jobs.map(\.period) == configuration.periods)
    }

    @Test func specificationJobsOverlayTheirConfig() throws {
        let base: ConfigValue = ["a": 1, "nested": ["x": 1, "y": 2], "list": [1, 2]]
        let jobs = try JobGeneration.createSpecificationJobs(
            baseConfig: base, specifications: ["override", "bare"],
            specificationsConfig: ["override": ["a": "one", "nested": ["y": 3, "z": nil], "list": [9]]], prefix: "spec")
        #expect(jobs.map(\.id.rawValue) == ["spec_override", "spec_bare"])
        // Objects merge member by member, recursively; anything else is replaced.
        #expect(jobs[0].configuration == ["a": "one", "nested": ["x": 1, "y": 3, "z": nil], "list": [9]])
        #expect(jobs[1].configuration == base)
        #expect(jobs.allSatisfy { $0.period == nil })
        #expect(jobs.map(\.specification) == ["override", "bare"])
    }

    @Test func overlayReplacesNonObjects() {
        let base: ConfigValue = ["a": ["b": 1]]
        #expect(base.overlaid(with: ["a": 2]) == ["a": 2])
        #expect(base.overlaid(with: "x") == "x")
        #expect(ConfigValue.integer(1).overlaid(with: ["k": true]) == ["k": true])
    }

    @Test func emptyInputsGiveNoJobs() throws {
        #expect(try BatchConfiguration().gridJobs().isEmpty)
        #expect(try JobGeneration.createPeriodJobs(baseConfig: [:], periods: []).isEmpty)
    }

    @Test func badPrefixIsRejectedByJobID() throws {
        let configuration = try Self.seed()
        #expect(
            throws: BatchError(
                .invalidJobID,
                "Job id '../x_default_20080101_20151231' contains '/' at position 3; use only ASCII letters, digits, '.', '_' and '-'.",
                context: ["id": "../x_default_20080101_20151231", "character": "/"])
        ) { try configuration.gridJobs(prefix: "../x") }
        let long = String(repeating: "p", count: 190)
        #expect(throws: BatchError.self) { try configuration.gridJobs(prefix: long) }
    }

    @Test func collidingIdsAreRejected() throws {
        let period = try BatchPeriod(shorthand: "2008-2015")
        #expect(
            throws: BatchError(
                .invalidValue,
                "Job id 'p_20080101_20151231' is generated twice; remove the repeated period or specification.",
                context: ["id": "p_20080101_20151231"])
        ) { try JobGeneration.createPeriodJobs(baseConfig: [:], periods: [period, period], prefix: "p") }
        #expect(throws: BatchError.self) {
            try JobGeneration.createSpecificationJobs(
                baseConfig: [:], specifications: ["x", "x"], specificationsConfig: [:], prefix: "s")
        }
    }

    @Test func configValueRoundTripsJSON() throws {
        let text = #"{"a":[1,2.5,"s",true,null,{"b":-3}],"c":1e3}"#
        let value = try JSONDecoder().decode(ConfigValue.self, from: Data(text.utf8))
        #expect(value == ["a": [1, 2.5, "s", true, nil, ["b": -3]], "c": 1000.0])
        #expect(value["c"] == .integer(1000))
        let eight = try JSONDecoder().decode(ConfigValue.self, from: Data("8.0".utf8))
        #expect(eight == 8.0 && eight == .integer(8))
        #expect(ConfigValue(floatLiteral: 0.5) == .number(0.5))
        let again = try JSONDecoder().decode(ConfigValue.self, from: try JSONEncoder.sorted.encode(value))
        #expect(again == value)
        #expect(value["a"] != nil && value["missing"] == nil && ConfigValue.integer(1)["a"] == nil)
    }
}

extension JSONEncoder {
    static var sorted: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }
}
