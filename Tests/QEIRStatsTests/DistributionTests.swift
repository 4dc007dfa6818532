// Tests of Normal, StudentT, FDistribution, ChiSquared and PValue against reference values
// from scipy 1.17 / mpmath (Fixtures/distributions.json, written by
// Scripts/fixtures/make_distribution_fixtures.py; its header says how the references were
// made and when mpmath overrides scipy).
//
// Tolerance: relative error ≤ 1e-12 everywhere, with the relative error defined as
// |got - expected| / max(|expected|, DBL_MIN), so values that underflow to subnormals or 0
// are compared absolutely at the scale of the smallest normal double. The only scaled
// tolerance is in the round-trip test, where the reference itself is a rounded quantile: see
// `quantileRoundTrip`.

import Foundation
import QEIRStats
import Testing

// MARK: - Fixture

struct DistributionFixture: Decodable {
    struct Case: Decodable {
        var mean: Double?
        var sd: Double?
        var df: Double?
        var df1: Double?
        var df2: Double?
        /// [x, pdf, cdf, sf]
        var points: [[Double]]
        /// [p, ppf(p), isf(p)]; null = not representable (overflows, or underflows below 1e-300)
        var quantiles: [[Double?]]
    }

    struct LogTail: Decodable {
        var dist: String
        var params: [Double]
        var x: Double
        var logcdf: Double
        var logsf: Double
        var cdf: Double
        var sf: Double
    }

    var normal: [Case]
    var t: [Case]
    var chi2: [Case]
    var f: [Case]
    var log_tails: [LogTail]

    static let shared: DistributionFixture = {
        let url = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent()
            .appendingPathComponent("Fixtures/distributions.json")
        do {
            return try JSONDecoder().decode(DistributionFixture.self, from: Data(contentsOf: url))
        } catch {
            fatalError("cannot read \(url.path): \(error)")
        }
    }()
}

/// The tolerance of every comparison with a reference value.
private let tolerance = 1e-12

/// |got - expected| / max(|expected|, DBL_MIN); 0 when equal (including equal infinities).
private func relativeError(_ got: Double, _ expected: Double) -> Double {
    if got == expected { return 0 }
    guard got.isFinite, expected.isFinite else { return .infinity }
    return abs(got - expected) / max(abs(expected), Double.leastNormalMagnitude)
}

enum Family: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case normal, t, chi2, f
    var testDescription: String { rawValue }

    var cases: [DistributionFixture.Case] {
        let fixture = DistributionFixture.shared
        switch self {
        case .normal: return fixture.normal
        case .t: return fixture.t
        case .chi2: return fixture.chi2
        case .f: return fixture.f
        }
    }

    func distribution(_ c: DistributionFixture.Case) -> any ContinuousDistribution {
        switch self {
        case .normal: return Normal(mean: c.mean!, standardDeviation: c.sd!)
        case .t: return StudentT(degreesOfFreedom: c.df!)
        case .chi2: return ChiSquared(degreesOfFreedom: c.df!)
        case .f: return FDistribution(numeratorDegreesOfFreedom: c.df1!, denominatorDegreesOfFreedom: c.df2!)
        }
    }
}

/// Largest relative error seen per function, printed once per family for the record.
private struct ErrorTally {
    var worst: [String: (error: Double, at: String)] = [:]

    mutating func record(_ function: String, _ error: Double, _ at: @autoclosure () -> String) {
        if error >= worst[function]?.error ?? 0 { worst[function] = (error, at()) }
    }

    func summary(_ label: String) -> String {
        let parts = worst.keys.sorted().map { key in
            let (error, at) = worst[key]!
            return "\(key) \(String(format: "%.2e", error)) at \(at)"
        }
        return "[DistributionTests] \(label) max relative error: " + parts.joined(separator: "; ")
    }
}

@Suite("Distributions")
struct DistributionTests {
    // MARK: Reference values

    @Test("pdf, cdf, sf, logCDF, logSF, quantile and inverseSF match the fixture", arguments: Family.allCases)
    func fixtureValues(_ family: Family) {
        var tally = ErrorTally()
        for c in family.cases {
            let d = family.distribution(c)
            for row in c.points {
                let (x, pdf, cdf, sf) = (row[0], row[1], row[2], row[3])
                // log references from the smaller, directly computed tail.
                let logCDF = cdf < 0.5 ? log(cdf) : log1p(-sf)
                let logSF = sf < 0.5 ? log(sf) : log1p(-cdf)
                let checks: [(String, Double, Double)] = [
                    ("pdf", d.pdf(x), pdf), ("cdf", d.cdf(x), cdf), ("sf", d.sf(x), sf),
                    ("logCDF", d.logCDF(x), logCDF), ("logSF", d.logSF(x), logSF),
                ]
                for (name, got, expected) in checks {
                    let error = relativeError(got, expected)
                    tally.record(name, error, "\(d) x=\(x)")
                    #expect(error <= tolerance, "\(d).\(name)(\(x)) = \(got), expected \(expected)")
                }
            }
            for row in c.quantiles {
                let p = row[0]!
                for (name, got, expected) in [
                    ("quantile", d.quantile(p), row[1]), ("inverseSF", d.inverseSF(p), row[2]),
                ] {
                    guard let expected else {
                        // Not representable: the answer overflows (±infinity) or is below 1e-300.
                        #expect(!got.isFinite || abs(got) < 1e-300, "\(d).\(name)(\(p)) = \(got)")
                        continue
                    }
                    let error = relativeError(got, expected)
                    tally.record(name, error, "\(d) p=\(p)")
                    #expect(error <= tolerance, "\(d).\(name)(\(p)) = \(got), expected \(expected)")
                }
            }
        }
        print(tally.summary(family.rawValue))
    }

    @Test("logCDF and logSF where the probability underflows; far F tails")
    func logTails() {
        var tally = ErrorTally()
        for row in DistributionFixture.shared.log_tails {
            let d: any ContinuousDistribution
            switch row.dist {
            case "normal": d = Normal(mean: row.params[0], standardDeviation: row.params[1])
            case "t": d = StudentT(degreesOfFreedom: row.params[0])
            case "chi2": d = ChiSquared(degreesOfFreedom: row.params[0])
            default:
                d = FDistribution(numeratorDegreesOfFreedom: row.params[0], denominatorDegreesOfFreedom: row.params[1])
            }
            let checks: [(String, Double, Double)] = [
                ("logCDF", d.logCDF(row.x), row.logcdf), ("logSF", d.logSF(row.x), row.logsf),
                ("cdf", d.cdf(row.x), row.cdf), ("sf", d.sf(row.x), row.sf),
            ]
            for (name, got, expected) in checks {
                tally.record(name, relativeError(got, expected), "\(d) x=\(row.x)")
                #expect(
                    relativeError(got, expected) <= tolerance, "\(d).\(name)(\(row.x)) = \(got), expected \(expected)")
            }
        }
        print(tally.summary("log tails"))
    }

    @Test("p-value helpers equal the fixture's tail probabilities", arguments: Family.allCases)
    func pValues(_ family: Family) {
        for c in family.cases {
            for row in c.points {
                let (x, cdf, sf) = (row[0], row[2], row[3])
                let got: Double
                let expected: Double
                switch family {
                case .normal:
                    guard c.mean == 0, c.sd == 1 else { continue }
                    (got, expected) = (PValue.twoSidedNormal(x), 2 * min(cdf, sf))
                case .t:
                    (got, expected) = (PValue.twoSidedT(x, degreesOfFreedom: c.df!), 2 * min(cdf, sf))
                case .chi2:
                    (got, expected) = (PValue.upperChiSquared(x, degreesOfFreedom: c.df!), sf)
                case .f:
                    (got, expected) = (PValue.upperF(x, c.df1!, c.df2!), sf)
                }
                #expect(
                    relativeError(got, expected) <= tolerance,
                    "\(family) \(c.df ?? 0) p-value at \(x): \(got) vs \(expected)")
            }
        }
    }

    @Test func pValueEdgeCases() {
        #expect(PValue.twoSidedT(0, degreesOfFreedom: 5) == 1)
        #expect(PValue.twoSidedNormal(0) == 1)
        #expect(PValue.twoSidedT(-3.5, degreesOfFreedom: 12) == PValue.twoSidedT(3.5, degreesOfFreedom: 12))
        #expect(PValue.twoSidedT(2, degreesOfFreedom: .infinity) == PValue.twoSidedNormal(2))
        #expect(relativeError(PValue.twoSidedNormal(1.959963984540054), 0.05) <= tolerance)
        // Far tails stay positive and accurate (1 - cdf would be 0).
        #expect(PValue.twoSidedNormal(37) > 1e-300)
        #expect(PValue.twoSidedT(1e100, degreesOfFreedom: 3) > 0)
        #expect(PValue.upperChiSquared(0, degreesOfFreedom: 3) == 1)
        #expect(PValue.upperF(0, 2, 7) == 1)
        #expect(PValue.twoSidedT(.nan, degreesOfFreedom: 3).isNaN)
        #expect(PValue.twoSidedT(2, degreesOfFreedom: 0).isNaN)
        #expect(PValue.twoSidedNormal(.nan).isNaN)
        #expect(PValue.upperF(2, -1, 7).isNaN)
        #expect(PValue.upperChiSquared(2, degreesOfFreedom: .nan).isNaN)
    }

    // MARK: Invalid input

    @Test("invalid parameters give NaN from every function")
    func invalidParameters() {
        let invalid: [any ContinuousDistribution] = [
            Normal(mean: 0, standardDeviation: 0), Normal(mean: 0, standardDeviation: -1),
            Normal(mean: 0, standardDeviation: .nan), Normal(mean: 0, standardDeviation: .infinity),
            Normal(mean: .nan, standardDeviation: 1), Normal(mean: .infinity, standardDeviation: 1),
            StudentT(degreesOfFreedom: 0), StudentT(degreesOfFreedom: -3), StudentT(degreesOfFreedom: .nan),
            StudentT(degreesOfFreedom: -.infinity),
            FDistribution(numeratorDegreesOfFreedom: 0, denominatorDegreesOfFreedom: 5),
            FDistribution(numeratorDegreesOfFreedom: 5, denominatorDegreesOfFreedom: -1),
            FDistribution(numeratorDegreesOfFreedom: .nan, denominatorDegreesOfFreedom: 5),
            FDistribution(numeratorDegreesOfFreedom: 5, denominatorDegreesOfFreedom: .nan),
            FDistribution(numeratorDegreesOfFreedom: .infinity, denominatorDegreesOfFreedom: .infinity),
            ChiSquared(degreesOfFreedom: 0), ChiSquared(degreesOfFreedom: -2), ChiSquared(degreesOfFreedom: .nan),
            ChiSquared(degreesOfFreedom: .infinity),
        ]
        for d in invalid {
            for x in [-1.0, 0, 0.5, 2, .infinity] {
                #expect(d.pdf(x).isNaN, "\(d).pdf(\(x))")
                #expect(d.cdf(x).isNaN, "\(d).cdf(\(x))")
                #expect(d.sf(x).isNaN, "\(d).sf(\(x))")
                #expect(d.logCDF(x).isNaN, "\(d).logCDF(\(x))")
                #expect(d.logSF(x).isNaN, "\(d).logSF(\(x))")
            }
            for p in [0.0, 0.3, 1] {
                #expect(d.quantile(p).isNaN, "\(d).quantile(\(p))")
                #expect(d.inverseSF(p).isNaN, "\(d).inverseSF(\(p))")
            }
        }
    }

    @Test("probabilities outside [0, 1] and NaN arguments give NaN")
    func invalidArguments() {
        for d in Self.valid {
            for p in [-0.1, -1e-300, 1.0000000000000002, 2, .nan, .infinity, -.infinity] {
                #expect(d.quantile(p).isNaN, "\(d).quantile(\(p))")
                #expect(d.inverseSF(p).isNaN, "\(d).inverseSF(\(p))")
            }
            #expect(d.pdf(.nan).isNaN)
            #expect(d.cdf(.nan).isNaN)
            #expect(d.sf(.nan).isNaN)
            #expect(d.logCDF(.nan).isNaN)
            #expect(d.logSF(.nan).isNaN)
        }
    }

    // MARK: Identities

    static let valid: [any ContinuousDistribution] = [
        Normal(), Normal(mean: 1.5, standardDeviation: 2), StudentT(degreesOfFreedom: 0.5),
        StudentT(degreesOfFreedom: 1), StudentT(degreesOfFreedom: 7.5), StudentT(degreesOfFreedom: 1e7),
        StudentT(degreesOfFreedom: .infinity), ChiSquared(degreesOfFreedom: 0.5), ChiSquared(degreesOfFreedom: 3),
        ChiSquared(degreesOfFreedom: 5000), FDistribution(numeratorDegreesOfFreedom: 1, denominatorDegreesOfFreedom: 1),
        FDistribution(numeratorDegreesOfFreedom: 4, denominatorDegreesOfFreedom: 17),
        FDistribution(numeratorDegreesOfFreedom: 7, denominatorDegreesOfFreedom: .infinity),
        FDistribution(numeratorDegreesOfFreedom: .infinity, denominatorDegreesOfFreedom: 9),
        FDistribution(numeratorDegreesOfFreedom: 2e6, denominatorDegreesOfFreedom: 3e5),
    ]

    @Test("cdf + sf = 1 and exp(log) = value in the body of the distribution")
    func complementInBody() {
        for d in Self.valid {
            for p in stride(from: 0.001, through: 0.999, by: 0.007) {
                let x = d.quantile(p)
                #expect(abs(d.cdf(x) + d.sf(x) - 1) <= tolerance, "\(d): cdf + sf at \(x)")
                #expect(relativeError(exp(d.logCDF(x)), d.cdf(x)) <= tolerance, "\(d): logCDF at \(x)")
                #expect(relativeError(exp(d.logSF(x)), d.sf(x)) <= tolerance, "\(d): logSF at \(x)")
            }
        }
    }

    /// `sf(inverseSF(p)) = p` and `cdf(quantile(p)) = p`. The quantile is a double, so even the
    /// exact quantile rounded to 53 bits moves the probability by up to κ·2^-53 relative, with
    /// κ = |x f(x) / p| the condition number of the tail probability (for example κ ≈ 1.4e3
    /// for the normal at p = 1e-300, and ≈ 3e4 for chi-squared(1e6)). The tolerance here is
    /// therefore 1e-12 · max(1, κ).
    @Test("quantile and inverseSF invert cdf and sf")
    func quantileRoundTrip() {
        let probabilities = [1e-300, 1e-200, 1e-100, 1e-30, 1e-12, 1e-6, 0.001, 0.03, 0.2, 0.45, 0.5]
        for d in Self.valid {
            for p in probabilities {
                for (x, back) in [(d.quantile(p), { d.cdf($0) }), (d.inverseSF(p), { d.sf($0) })]
                    as [(Double, (Double) -> Double)]
                {
                    // Skip quantiles that are not representable and the median 0 of symmetric laws.
                    guard x.isFinite, abs(x) > 1e-300 else { continue }
                    let kappa = abs(x * d.pdf(x) / p)
                    #expect(
                        relativeError(back(x), p) <= tolerance * max(1, kappa), "\(d): round trip at p = \(p), x = \(x)"
                    )
                }
            }
        }
    }

    @Test("Student's t is symmetric")
    func tSymmetry() {
        for nu in [0.5, 1, 2.5, 30, 1e6] {
            let d = StudentT(degreesOfFreedom: nu)
            for x in [1e-8, 0.3, 1, 4, 50, 1e30] {
                #expect(d.pdf(-x) == d.pdf(x))
                #expect(relativeError(d.cdf(-x), d.sf(x)) <= tolerance, "t(\(nu)) cdf(-\(x)) vs sf(\(x))")
                #expect(relativeError(d.logCDF(-x), d.logSF(x)) <= tolerance)
            }
            // p and 1 - p exact in binary
            for p in [0.0625, 0.125, 0.3125, 0.375, 0.4375] {
                #expect(relativeError(d.quantile(p), -d.quantile(1 - p)) <= tolerance, "t(\(nu)) quantile(\(p))")
                #expect(relativeError(d.inverseSF(p), -d.quantile(p)) <= tolerance)
            }
            #expect(d.quantile(0.5) == 0)
            #expect(d.inverseSF(0.5) == 0)
        }
    }

    @Test("the normal distribution is symmetric about its mean and scales")
    func normalSymmetryAndScale() {
        let standard = Normal()
        let d = Normal(mean: 1.5, standardDeviation: 2)
        for z in [0.01, 0.7, 3, 12, 38] {
            #expect(relativeError(standard.cdf(-z), standard.sf(z)) <= tolerance)
            #expect(relativeError(d.cdf(1.5 - 2 * z), d.sf(1.5 + 2 * z)) <= tolerance)
            #expect(relativeError(d.sf(1.5 + 2 * z), standard.sf(z)) <= tolerance)
            #expect(relativeError(d.pdf(1.5 + 2 * z), standard.pdf(z) / 2) <= tolerance)
        }
        for p in [1e-300, 1e-10, 0.2, 0.5, 0.8] {
            #expect(relativeError(d.quantile(p), 1.5 + 2 * standard.quantile(p)) <= tolerance)
            #expect(relativeError(standard.inverseSF(p), -standard.quantile(p)) <= tolerance)
        }
    }

    @Test("F(d1, d2) and 1/F(d2, d1); t² and F(1, ν)")
    func fIdentities() {
        for (a, b) in [(1.0, 1.0), (3, 8.5), (30, 2), (1000, 1e6)] {
            let f = FDistribution(numeratorDegreesOfFreedom: a, denominatorDegreesOfFreedom: b)
            let g = FDistribution(numeratorDegreesOfFreedom: b, denominatorDegreesOfFreedom: a)
            for x in [1e-20, 0.05, 0.9, 1, 3, 1e10] {
                #expect(relativeError(f.cdf(x), g.sf(1 / x)) <= tolerance, "F(\(a),\(b)).cdf(\(x))")
                #expect(relativeError(f.sf(x), g.cdf(1 / x)) <= tolerance, "F(\(a),\(b)).sf(\(x))")
            }
            for p in [1e-50, 0.01, 0.5, 0.9] {
                #expect(relativeError(f.quantile(p) * g.inverseSF(p), 1) <= tolerance, "F(\(a),\(b)).quantile(\(p))")
            }
        }
        for nu in [1.0, 4, 60] {
            let t = StudentT(degreesOfFreedom: nu)
            let f = FDistribution(numeratorDegreesOfFreedom: 1, denominatorDegreesOfFreedom: nu)
            for x in [1e-6, 0.5, 2, 25, 1e8] {
                #expect(relativeError(2 * t.sf(x), f.sf(x * x)) <= tolerance, "t(\(nu)) vs F(1,\(nu)) at \(x)")
            }
        }
    }

    @Test("infinite degrees of freedom are the limiting distributions")
    func infiniteDegreesOfFreedom() {
        let t = StudentT(degreesOfFreedom: .infinity)
        let z = Normal()
        for x in [-40.0, -3, -0.2, 0, 1, 8.5, 39] {
            #expect(t.pdf(x) == z.pdf(x))
            #expect(t.cdf(x) == z.cdf(x))
            #expect(t.sf(x) == z.sf(x))
            #expect(t.logCDF(x) == z.logCDF(x))
            #expect(t.logSF(x) == z.logSF(x))
        }
        for p in [1e-300, 1e-5, 0.3, 0.5, 0.9, 1 - 1e-12] {
            #expect(relativeError(t.quantile(p), z.quantile(p)) <= tolerance)
            #expect(relativeError(t.inverseSF(p), z.inverseSF(p)) <= tolerance)
        }
        for k in [1.0, 7, 250] {
            let f = FDistribution(numeratorDegreesOfFreedom: k, denominatorDegreesOfFreedom: .infinity)
            let c = ChiSquared(degreesOfFreedom: k)
            for x in [1e-3, 0.5, 1, 2.5, 40] {
                #expect(relativeError(f.cdf(x), c.cdf(k * x)) <= tolerance)
                #expect(relativeError(f.sf(x), c.sf(k * x)) <= tolerance)
            }
            for p in [1e-100, 0.05, 0.5, 0.95] {
                #expect(relativeError(f.quantile(p) * k, c.quantile(p)) <= tolerance, "F(\(k), inf).quantile(\(p))")
                #expect(relativeError(f.inverseSF(p) * k, c.inverseSF(p)) <= tolerance, "F(\(k), inf).inverseSF(\(p))")
            }
        }
    }

    @Test("closed forms: Cauchy (t with 1 df), t with 2 df, chi-squared with 2 df")
    func closedForms() {
        let cauchy = StudentT(degreesOfFreedom: 1)
        let t2 = StudentT(degreesOfFreedom: 2)
        for x in [0.001, 0.5, 1, 7, 1e5] {
            #expect(relativeError(cauchy.sf(x), atan(1 / x) / Double.pi) <= tolerance, "Cauchy sf(\(x))")
            #expect(relativeError(cauchy.pdf(x), 1 / (Double.pi * (1 + x * x))) <= tolerance)
            // sf = (1 - x/s)/2 with s = sqrt(2 + x²), written without cancellation.
            let s = (2 + x * x).squareRoot()
            #expect(relativeError(t2.sf(x), 1 / (s * (s + x))) <= tolerance, "t2 sf(\(x))")
        }
        for p in [1e-300, 1e-8, 0.1, 0.4] {
            #expect(relativeError(cauchy.inverseSF(p), 1 / tan(Double.pi * p)) <= tolerance, "Cauchy inverseSF(\(p))")
            #expect(
                relativeError(t2.inverseSF(p), (1 - 2 * p) / (2 * p * (1 - p)).squareRoot()) <= tolerance,
                "t2 inverseSF(\(p))")
        }
        let c2 = ChiSquared(degreesOfFreedom: 2)
        for x in [1e-10, 0.3, 2, 50, 1400] {
            #expect(relativeError(c2.sf(x), exp(-x / 2)) <= tolerance)
            #expect(relativeError(c2.logSF(x), -x / 2) <= tolerance)
            #expect(relativeError(c2.pdf(x), exp(-x / 2) / 2) <= tolerance)
            #expect(relativeError(c2.cdf(x), -expm1(-x / 2)) <= tolerance)
        }
        for p in [1e-300, 1e-8, 0.5] {
            #expect(relativeError(c2.inverseSF(p), -2 * log(p)) <= tolerance)
            #expect(relativeError(c2.quantile(p), -2 * log1p(-p)) <= tolerance)
        }
    }

    @Test("ends of the support")
    func supportEnds() {
        for d in Self.valid {
            #expect(d.cdf(.infinity) == 1)
            #expect(d.sf(.infinity) == 0)
            #expect(d.sf(-.infinity) == 1)
            #expect(d.cdf(-.infinity) == 0)
            #expect(d.logCDF(.infinity) == 0)
            #expect(d.logSF(.infinity) == -.infinity)
            #expect(d.quantile(1) == .infinity)
            #expect(d.inverseSF(0) == .infinity)
            let lower = d.quantile(0)
            #expect(lower == -.infinity || lower == 0, "\(d).quantile(0) = \(lower)")
            #expect(d.inverseSF(1) == lower)
        }
        #expect(ChiSquared(degreesOfFreedom: 3).pdf(-1) == 0)
        #expect(ChiSquared(degreesOfFreedom: 3).cdf(-1) == 0)
        #expect(FDistribution(numeratorDegreesOfFreedom: 3, denominatorDegreesOfFreedom: 4).sf(-2) == 1)
    }
}
