import Foundation
import QEIRStats
import QEIRTestSupport
import Testing

/// Certified accuracy on every NIST StRD linear regression set in ../shared/testdata/nist.
/// Requirement: log relative error (LRE) ≥ 9 on every coefficient, every standard error, the
/// residual standard deviation and R². Measured minimum LREs (2026-11, OpenBLAS 0.3.21):
/// Longley 11.1, Wampler3 10.5, Norris 13.9, Pontius 13.5, Wampler2 13.2, NoInt1/2 14.7,
/// Wampler1 15 (exact).
struct NISTTests {
    struct Certified: Decodable {
        let params: [Double]
        let se: [Double]
        let resid_sd: Double
        let r2: Double
    }
    struct DataSet: Decodable {
        let name: String
        let n: Int
        let y: [Double]
        let x: [[Double]]
        let intercept: Bool
        let polynomial_degree: Int
        let certified: Certified
    }

    static func load() throws -> [DataSet] {
        let url = TestPaths.sharedTestData().appendingPathComponent("nist/certified.json")
        let data = try Data(contentsOf: url)
        let decoder = JSONDecoder()
        decoder.allowsJSON5 = true  // the certified F of exact fits is written as Infinity
        let sets = try decoder.decode([String: DataSet].self, from: data)
        return sets.values.sorted { $0.name < $1.name }
    }

    static let names: [String] = ((try? load()) ?? []).map(\.name)

    @Test func everyCertifiedSetIsPresent() throws {
        let sets = try Self.load()
        #expect(sets.count >= 8, "expected the NIST StRD linear sets in ../shared/testdata/nist")
    }

    @Test(arguments: names, [QRStrategy.householder, .tallSkinny, .cholesky])
    func certifiedAccuracy(name: String, strategy: QRStrategy) throws {
        let set = try #require(try Self.load().first { $0.name == name })
        var columns: [(name: String, values: [Double])] = []
        if set.polynomial_degree > 1 {
            let x = set.x.map { $0[0] }
            for d in 1...set.polynomial_degree {
                columns.append((name: "x^\(d)", values: x.map { Foundation.pow($0, Double(d)) }))
            }
        } else {
            for j in 0..<set.x[0].count { columns.append((name: "x\(j + 1)", values: set.x.map { $0[j] })) }
        }
        let design = try DesignMatrix(columns: columns, constant: set.intercept)
        let fit = try OLS(options: .init(factorization: strategy)).fit(y: set.y, design: design)
        let minimum = 9.0
        for j in 0..<set.certified.params.count {
            let lreB = logRelativeError(fit.coefficients[j], certified: set.certified.params[j])
            let lreSE = logRelativeError(fit.standardErrors[j], certified: set.certified.se[j])
            #expect(lreB >= minimum, "\(name) \(strategy) B\(j): LRE \(lreB)")
            #expect(lreSE >= minimum, "\(name) SE\(j): LRE \(lreSE)")
        }
        let lreSD = logRelativeError(fit.sigma, certified: set.certified.resid_sd)
        let lreR2 = logRelativeError(fit.rSquared, certified: set.certified.r2)
        #expect(lreSD >= minimum, "\(name) residual SD: LRE \(lreSD)")
        #expect(lreR2 >= minimum, "\(name) R²: LRE \(lreR2)")
    }
}
