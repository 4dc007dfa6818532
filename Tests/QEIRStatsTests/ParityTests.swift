import Foundation
import QEIRStats
import QEIRTestSupport
import Testing

/// Parity with statsmodels 0.15 (OLS) and linearmodels 7.1 (IV2SLS) on real and seeded
/// synthetic data. Fixtures: Tests/QEIRStatsTests/Fixtures/regression_parity.json, written by
/// Scripts/fixtures/make_regression_fixtures.py. Tolerance: 1e-9 relative (with an absolute
/// floor of 1e-12 × the scale of the quantity compared, for values that are zero up to rounding).
///
/// One exception, Longley (condition number ~5e9): statsmodels' own sandwich covariances there
/// are only accurate to ~3e-8 (it forms pinv(X)·pinv(X)ᵀ), so for the cases whose fixture
/// carries 50-digit mpmath values (`highprec`), coefficients, standard errors and the
/// covariance are checked against those at 1e-9, and the statsmodels values at 1e-7.
struct ParityTests {
    static let tolerance = 1e-9

    final class Fixture: @unchecked Sendable {
        let root: [String: Any]
        let cases: [[String: Any]]
        let datasets: [String: [String: Any]]
        init() {
            let url = TestPaths.fixture("regression_parity.json")
            let data = (try? Data(contentsOf: url)) ?? Data("{}".utf8)
            root = ((try? JSONSerialization.jsonObject(with: data)) as? [String: Any]) ?? [:]
            cases = root["cases"] as? [[String: Any]] ?? []
            var ds: [String: [String: Any]] = [:]
            for (name, value) in root["datasets"] as? [String: Any] ?? [:] {
                ds[name] = (value as? [String: Any])?["columns"] as? [String: Any]
            }
            datasets = ds
        }
        func column(_ dataset: String, _ name: String) -> [Double] {
            (datasets[dataset]?[name] as? [Any] ?? []).map { ($0 as? NSNumber)?.doubleValue ?? .nan }
        }
        func testCase(_ id: String) -> [String: Any]? { cases.first { $0["id"] as? String == id } }
    }
    static let fixture = Fixture()
    static let olsIDs = fixture.cases.filter { $0["model"] as? String == "ols" }.compactMap { $0["id"] as? String }
    static let ivIDs = fixture.cases.filter { $0["model"] as? String == "iv2sls" }.compactMap { $0["id"] as? String }

    static func num(_ any: Any?) -> Double? { (any as? NSNumber)?.doubleValue }

    /// Compares labelled values.
    static func expectClose(
        _ label: String, _ actual: [Double], names: [String], expected: Any?, scale: Double? = nil,
        tolerance: Double = tolerance, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        guard let dict = expected as? [String: Any] else {
            Issue.record("\(label): no expected values", sourceLocation: sourceLocation)
            return
        }
        let expectedValues = names.map { num(dict[$0]) ?? .nan }
        let floor = (scale ?? expectedValues.map(abs).max() ?? 0) * 1e-12
        for (j, name) in names.enumerated() {
            #expect(
                isClose(actual[j], expectedValues[j], relative: tolerance, absoluteFloor: floor / tolerance),
                "\(label)[\(name)]: \(actual[j]) vs \(expectedValues[j])", sourceLocation: sourceLocation)
        }
    }

    static func expectClose(
        _ label: String, _ actual: Double?, _ expected: Any?, tolerance: Double = tolerance, floor: Double = 1e-300,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        guard let e = num(expected) else {
            #expect(
                actual == nil || actual!.isNaN, "\(label): expected none, got \(String(describing: actual))",
                sourceLocation: sourceLocation)
            return
        }
        guard let a = actual else {
            Issue.record("\(label): missing, expected \(e)", sourceLocation: sourceLocation)
            return
        }
        #expect(
            isClose(a, e, relative: tolerance, absoluteFloor: floor), "\(label): \(a) vs \(e)",
            sourceLocation: sourceLocation)
    }

    static func expectCovariance(
        _ actual: Matrix, _ expected: Any?, tolerance: Double, sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        guard let rows = expected as? [[Any]] else { return }
        let scale = rows.flatMap { $0.compactMap(num) }.map(abs).max() ?? 1
        for i in 0..<rows.count {
            for j in 0..<rows.count {
                let ev = num(rows[i][j]) ?? .nan
                #expect(
                    isClose(actual[i, j], ev, relative: tolerance, absoluteFloor: scale * 1e-12 / tolerance),
                    "cov[\(i),\(j)] \(actual[i, j]) vs \(ev)", sourceLocation: sourceLocation)
            }
        }
    }

    static func design(_ dataset: String, _ names: [Any]?, constant: Bool) throws -> DesignMatrix {
        let cols = (names as? [String] ?? []).map { (name: $0, values: fixture.column(dataset, $0)) }
        let n = fixture.column(dataset, (fixture.datasets[dataset]?.keys.first) ?? "").count
        return try DesignMatrix(columns: cols, constant: constant, nobs: n)
    }

    @Test func fixtureIsPresentAndComplete() {
        #expect(Self.olsIDs.count >= 30)
        #expect(Self.ivIDs.count >= 30)
    }

    @Test(arguments: olsIDs, [QRStrategy.householder, .tallSkinny, .cholesky])
    func olsMatchesStatsmodels(id: String, strategy: QRStrategy) throws {
        let c = try #require(Self.fixture.testCase(id))
        let e = try #require(c["expected"] as? [String: Any])
        let ds = try #require(c["dataset"] as? String)
        let y = Self.fixture.column(ds, try #require(c["y"] as? String))
        let design = try Self.design(ds, c["x"] as? [Any], constant: c["constant"] as? Bool ?? true)
        let cov = try #require(c["cov"] as? [String: Any])
        let kind = try #require(CovarianceOptions.Kind(rawValue: cov["type"] as? String ?? ""))
        let small = cov["small_sample"] as? Bool ?? false
        var options: CovarianceOptions
        switch kind {
        case .hac: options = .hac(lags: (cov["lags"] as? NSNumber)?.intValue, smallSample: small)
        case .cluster:
            let labels = Self.fixture.column(ds, cov["cluster"] as? String ?? "").map { Int($0) }
            options = .cluster(labels, smallSample: small)
        default: options = CovarianceOptions(kind: kind)
        }
        if cov["use_t"] as? Bool == true { options.inference = .t }
        let fit = try OLS(options: .init(factorization: strategy)).fit(y: y, design: design, covariance: options)
        let names = try #require(e["names"] as? [String])
        #expect(fit.names == names)
        let highprec = e["highprec"] as? [String: Any]
        let tol = highprec == nil ? Self.tolerance : 1e-7
        if let highprec {
            Self.expectClose("params (50 digits)", fit.coefficients, names: names, expected: highprec["params"])
            Self.expectClose("bse (50 digits)", fit.standardErrors, names: names, expected: highprec["bse"])
            try Self.expectCovariance(fit.covariance, highprec["cov_params"], tolerance: Self.tolerance)
        }
        Self.expectClose("params", fit.coefficients, names: names, expected: e["params"], tolerance: tol)
        Self.expectClose("bse", fit.standardErrors, names: names, expected: e["bse"], tolerance: tol)
        Self.expectClose("tvalues", fit.statistics, names: names, expected: e["tvalues"], tolerance: tol)
        Self.expectClose("pvalues", fit.pValues, names: names, expected: e["pvalues"], scale: 1, tolerance: tol)
        #expect(fit.inference == ((e["use_t"] as? Bool ?? true) ? .t : .normal))
        for (key, level) in [("conf_int_95", 0.95), ("conf_int_90", 0.90)] {
            let ci = try fit.confidenceIntervals(level: level)
            let exp = try #require(e[key] as? [String: [Any]])
            for (j, name) in names.enumerated() {
                let bounds = (exp[name] ?? []).compactMap(Self.num)
                // A bound near zero is a cancellation of β̂ and c·SE: compare on the interval's scale.
                let width = ci[j].upper - ci[j].lower
                Self.expectClose("\(key)[\(name)].lower", ci[j].lower, bounds.first, tolerance: tol, floor: width)
                Self.expectClose("\(key)[\(name)].upper", ci[j].upper, bounds.last, tolerance: tol, floor: width)
            }
        }
        try Self.expectCovariance(fit.covariance, e["cov_params"], tolerance: tol)
        Self.expectClose("nobs", Double(fit.nobs), e["nobs"])
        Self.expectClose("df_model", fit.dfModel, e["df_model"])
        Self.expectClose("df_resid", fit.dfResid, e["df_resid"])
        Self.expectClose("rsquared", fit.rSquared, e["rsquared"])
        Self.expectClose("rsquared_adj", fit.adjustedRSquared, e["rsquared_adj"])
        Self.expectClose("fvalue", fit.fTest?.statistic, e["fvalue"], tolerance: tol)
        Self.expectClose("f_pvalue", fit.fTest?.pValue, e["f_pvalue"], tolerance: tol)
        if let df = e["f_df"] as? [Any], case let .f(d1, d2)? = fit.fTest?.distribution {
            Self.expectClose("f_df1", d1, df.first)
            Self.expectClose("f_df2", d2, df.last)
        }
        Self.expectClose("ssr", fit.ssr, e["ssr"])
        Self.expectClose("scale", fit.sigma * fit.sigma, e["scale"])
        Self.expectClose("llf", fit.logLikelihood, e["llf"])
        Self.expectClose("aic", fit.aic, e["aic"])
        Self.expectClose("bic", fit.bic, e["bic"])
        if kind == .hac { Self.expectClose("bandwidth", fit.hacBandwidth, e["bandwidth"]) }
        for test in e["wald_tests"] as? [[String: Any]] ?? [] {
            let r = try Matrix(rowMajor: (test["R"] as? [[Any]] ?? []).map { $0.compactMap(Self.num) })
            let value = (test["r"] as? [Any] ?? []).compactMap(Self.num)
            let w = try fit.waldTest(restriction: r, value: value)
            Self.expectClose("wald F", w.f.statistic, test["F"], tolerance: tol)
            Self.expectClose("wald F p", w.f.pValue, test["pvalue"], tolerance: tol)
            Self.expectClose("wald chi2", w.chiSquared.statistic, test["chi2"], tolerance: tol)
            Self.expectClose("wald chi2 p", w.chiSquared.pValue, test["chi2_pvalue"], tolerance: tol)
        }
    }

    @Test(arguments: ivIDs, [QRStrategy.householder, .tallSkinny, .cholesky])
    func ivMatchesLinearmodels(id: String, strategy: QRStrategy) throws {
        let c = try #require(Self.fixture.testCase(id))
        let e = try #require(c["expected"] as? [String: Any])
        let ds = try #require(c["dataset"] as? String)
        let y = Self.fixture.column(ds, try #require(c["y"] as? String))
        let exog = try Self.design(ds, c["exog"] as? [Any], constant: c["constant"] as? Bool ?? true)
        let endog = try Self.design(ds, c["endog"] as? [Any], constant: false)
        let instruments = try Self.design(ds, c["instruments"] as? [Any], constant: false)
        let cov = try #require(c["cov"] as? [String: Any])
        let debiased = cov["debiased"] as? Bool ?? false
        let options: CovarianceOptions
        switch cov["type"] as? String {
        case "robust": options = .hc0
        case "kernel": options = .hac(lags: (cov["bandwidth"] as? NSNumber)?.intValue)  // smallSample from `debiased`
        case "clustered":
            options = CovarianceOptions(
                kind: .cluster, clusters: Self.fixture.column(ds, cov["cluster"] as? String ?? "").map { Int($0) })
        default: options = .nonrobust
        }
        let iv = try IV2SLS(options: .init(factorization: strategy)).fit(
            y: y, exogenous: exog, endogenous: endog, instruments: instruments, covariance: options, debiased: debiased)
        let fit = iv.regression
        let names = try #require(e["names"] as? [String])
        #expect(fit.names == names)
        Self.expectClose("params", fit.coefficients, names: names, expected: e["params"])
        Self.expectClose("bse", fit.standardErrors, names: names, expected: e["bse"])
        Self.expectClose("tstats", fit.statistics, names: names, expected: e["tstats"])
        Self.expectClose("pvalues", fit.pValues, names: names, expected: e["pvalues"], scale: 1)
        let ci = try fit.confidenceIntervals(level: 0.95)
        let exp = try #require(e["conf_int_95"] as? [String: [Any]])
        for (j, name) in names.enumerated() {
            let bounds = (exp[name] ?? []).compactMap(Self.num)
            let width = ci[j].upper - ci[j].lower
            Self.expectClose("ci[\(name)].lower", ci[j].lower, bounds.first, floor: width)
            Self.expectClose("ci[\(name)].upper", ci[j].upper, bounds.last, floor: width)
        }
        Self.expectClose("rsquared", fit.rSquared, e["rsquared"])
        Self.expectClose("rsquared_adj", fit.adjustedRSquared, e["rsquared_adj"])
        Self.expectClose("ssr", fit.ssr, e["ssr"])
        if let f = e["f_statistic"] as? [String: Any] {
            Self.expectClose("f_statistic", fit.fTest?.statistic, f["stat"])
            Self.expectClose("f_pvalue", fit.fTest?.pValue, f["pval"])
        }
        if options.kind == .hac { Self.expectClose("bandwidth", fit.hacBandwidth, e["bandwidth"]) }
        let fs = try #require(e["first_stage"] as? [String: [String: Any]])
        for stage in iv.firstStage {
            let ef = try #require(fs[stage.endogenous])
            Self.expectClose("\(stage.endogenous) partial R2", stage.partialRSquared, ef["partial_rsquared"])
            Self.expectClose("\(stage.endogenous) R2", stage.rSquared, ef["rsquared"])
            Self.expectClose("\(stage.endogenous) Shea R2", stage.sheaRSquared, ef["shea_rsquared"])
            Self.expectClose("\(stage.endogenous) F", stage.test.statistic, ef["f_stat"])
            Self.expectClose("\(stage.endogenous) F p", stage.test.pValue, ef["f_pval"])
        }
        func test(_ label: String, _ t: TestResult?, _ expected: Any?) {
            guard let ex = expected as? [String: Any] else {
                #expect(t == nil, "\(label) should be absent")
                return
            }
            Self.expectClose(label, t?.statistic, ex["stat"])
            Self.expectClose("\(label) p", t?.pValue, ex["pval"])
        }
        test("sargan", iv.sargan, e["sargan"])
        test("basmann", iv.basmann, e["basmann"])
        test("wu_hausman", iv.wuHausman, e["wu_hausman"])
        test("durbin", iv.durbin, e["durbin"])
        // Hansen J's weight follows the covariance kind: robust for unadjusted/robust
        // (IVGMM's default), kernel or clustered weights otherwise (`j_stat_matched`).
        test("j_stat", iv.hansenJ, options.kind == .hac || options.kind == .cluster ? e["j_stat_matched"] : e["j_stat"])
        Self.expectClose("cragg_donald", iv.craggDonald, e["cragg_donald"])
        Self.expectClose("kleibergen_paap", iv.kleibergenPaap, e["kleibergen_paap"])
    }
}
