import Foundation
import QEIRStats
import Testing

/// Holm and Benjamini–Hochberg against hand-computed cases and statsmodels' `multipletests`
/// (Fixtures/multiple_testing.json, written by Scripts/fixtures/make_multitest_fixtures.py).
@Suite("Multiple testing")
struct MultipleTestingTests {
    struct Case: Decodable {
        var name: String
        var p: [Double]
        var holm: [Double]
        var bh: [Double]
    }
    struct Fixture: Decodable { var cases: [Case] }

    static func fixture() throws -> Fixture {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/multiple_testing.json")
        return try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url))
    }

    @Test("hand-computed: three tests")
    func handComputed() throws {
        // Sorted 0.01, 0.02, 0.04 (m = 3): Holm 0.03, max(0.03, 0.04), max(0.04, 0.04);
        // BH min(…, 3·0.04/3 = 0.04), min(0.04, 3·0.02/2 = 0.03), min(0.03, 3·0.01 = 0.03).
        let p = [0.04, 0.01, 0.02]
        #expect(try MultipleTesting.holm(p) == [0.04, 0.03, 0.04])
        let bh = try MultipleTesting.benjaminiHochberg(p)
        for (a, b) in zip(bh, [0.04, 0.03, 0.03]) { #expect(abs(a - b) <= 1e-15) }
    }

    @Test("statsmodels multipletests, ties, p = 1 and a single test")
    func matchesStatsmodels() throws {
        let cases = try Self.fixture().cases
        #expect(Set(cases.map(\.name)).isSuperset(of: ["single", "ties", "with_one"]))
        for c in cases {
            for (a, b) in zip(try MultipleTesting.holm(c.p), c.holm) { #expect(abs(a - b) <= 1e-15, "\(c.name)") }
            for (a, b) in zip(try MultipleTesting.benjaminiHochberg(c.p), c.bh) {
                #expect(abs(a - b) <= 1e-15, "\(c.name)")
            }
        }
    }

    @Test("an empty family gives nothing; a bad p-value is refused naming its position")
    func edges() throws {
        #expect(try MultipleTesting.holm([]).isEmpty)
        let error = try #require(throws: StatsError.self) { try MultipleTesting.benjaminiHochberg([0.1, .nan]) }
        #expect(error.message == "p-value 2 of the family is nan; every p-value must lie in [0, 1].")
        #expect(throws: StatsError.self) { try MultipleTesting.holm([1.5]) }
    }
}
