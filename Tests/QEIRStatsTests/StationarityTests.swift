import Foundation
import QEIRStats
import QEIRTestSupport
import Testing

/// Parity with statsmodels 0.15 `adfuller`, `kpss`, `mackinnonp` and `mackinnoncrit` on random
/// walks, stationary and trend-stationary AR(1)s, short samples (n = 25–40) and log real GDP from
/// the embedded FRED snapshot. Fixture: Fixtures/stationarity.json, written by
/// Scripts/fixtures/make_stationarity_fixtures.py.
///
/// Tolerance: 1e-9 relative for statistics, p-values, critical values and criteria (an absolute
/// floor of 1e-14 for p-values that are 0 up to rounding); lags and nobs exactly.
struct StationarityTests {
    static let tolerance = 1e-9

    final class Fixture: @unchecked Sendable {
        let root: [String: Any]
        init() {
            let data = (try? Data(contentsOf: TestPaths.fixture("stationarity.json"))) ?? Data("{}".utf8)
            root = ((try? JSONSerialization.jsonObject(with: data)) as? [String: Any]) ?? [:]
        }
        func list(_ key: String) -> [[String: Any]] { root[key] as? [[String: Any]] ?? [] }
        func series(_ name: String) -> [Double] {
            ((root["series"] as? [String: Any])?[name] as? [Any] ?? []).map(StationarityTests.num)
        }
    }
    static let fixture = Fixture()
    static let adfIndices = Array(fixture.list("adf").indices)
    static let kpssIndices = Array(fixture.list("kpss").indices)

    static func num(_ any: Any?) -> Double { (any as? NSNumber)?.doubleValue ?? .nan }

    static func regression(_ any: Any?) -> UnitRootRegression {
        UnitRootRegression(rawValue: any as? String ?? "") ?? .constant
    }

    static func expectClose(
        _ label: String, _ actual: Double, _ expected: Double, floor: Double = 0,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(
            isClose(actual, expected, relative: tolerance, absoluteFloor: floor / tolerance),
            "\(label): \(actual) vs \(expected)", sourceLocation: sourceLocation)
    }

    static func criticalValue(_ values: [CriticalValue], _ label: String) -> Double {
        values.first { $0.label == label }?.value ?? .nan
    }

    @Test func fixtureIsPresent() {
        #expect(Self.adfIndices.count >= 400)
        #expect(Self.kpssIndices.count >= 80)
        #expect(Self.fixture.series("log_gdpc1_full").count > 250)
    }

    @Test(arguments: adfIndices)
    func adfMatchesStatsmodels(_ index: Int) throws {
        let case_ = Self.fixture.list("adf")[index]
        let name = case_["series"] as? String ?? ""
        let x = Self.fixture.series(name)
        let selection: ADFLagSelection =
            switch case_["autolag"] as? String {
            case "AIC": .aic
            case "BIC": .bic
            case "t-stat": .tStatistic
            default: .fixed
            }
        let test = AugmentedDickeyFuller(
            regression: Self.regression(case_["regression"]), maxLag: case_["maxlag"] as? Int, lagSelection: selection)
        let label =
            "\(name) \(test.regression.rawValue) \(selection.rawValue) maxlag \(test.maxLag.map(String.init) ?? "default")"
        if case_["error"] as? Bool == true {
            let error = #expect(throws: StatsError.self, "\(label) should be rejected") { try test.test(x, name: name) }
            #expect(error?.code == .insufficientObservations)
            return
        }
        let expected = case_["expected"] as? [String: Any] ?? [:]
        let result = try test.test(x, name: name)
        #expect(result.usedLag == expected["lags"] as? Int, "\(label): lag")
        #expect(result.nobs == expected["nobs"] as? Int, "\(label): nobs")
        Self.expectClose("\(label): statistic", result.statistic, Self.num(expected["statistic"]))
        Self.expectClose("\(label): p-value", result.pValue, Self.num(expected["pvalue"]), floor: 1e-14)
        let critical = expected["critical_values"] as? [String: Any] ?? [:]
        for level in ["1%", "5%", "10%"] {
            Self.expectClose(
                "\(label): critical \(level)", Self.criticalValue(result.criticalValues, level),
                Self.num(critical[level]))
        }
        if selection == .fixed {
            #expect(result.icBest == nil)
        } else {
            Self.expectClose("\(label): icbest", result.icBest ?? .nan, Self.num(expected["icbest"]))
        }
    }

    @Test(arguments: kpssIndices)
    func kpssMatchesStatsmodels(_ index: Int) throws {
        let case_ = Self.fixture.list("kpss")[index]
        let name = case_["series"] as? String ?? ""
        let x = Self.fixture.series(name)
        let lags: KPSSLags =
            switch case_["nlags"] {
            case let s as String where s == "auto": .automatic
            case let s as String where s == "legacy": .legacy
            default: .fixed(case_["nlags"] as? Int ?? -1)
            }
        let test = KPSS(regression: Self.regression(case_["regression"]), lags: lags)
        let label = "\(name) \(test.regression.rawValue) \(lags)"
        let expected = case_["expected"] as? [String: Any] ?? [:]
        let result = try test.test(x, name: name)
        #expect(result.lags == expected["lags"] as? Int, "\(label): lags")
        #expect(result.nobs == x.count)
        Self.expectClose("\(label): statistic", result.statistic, Self.num(expected["statistic"]))
        let p = Self.num(expected["pvalue"])
        Self.expectClose("\(label): p-value", result.pValue, p)
        let bound: KPSSPValueBound? = p == 0.01 ? .actualSmaller : p == 0.10 ? .actualGreater : nil
        #expect(result.pValueBound == bound, "\(label): bound")
        let critical = expected["critical_values"] as? [String: Any] ?? [:]
        #expect(result.criticalValues.map(\.label) == ["1%", "2.5%", "5%", "10%"])
        for level in ["1%", "2.5%", "5%", "10%"] {
            #expect(Self.criticalValue(result.criticalValues, level) == Self.num(critical[level]), "\(label): \(level)")
        }
    }

    @Test func mackinnonPValuesMatchOnAGrid() {
        let cases = Self.fixture.list("mackinnonp")
        #expect(cases.count > 200)
        for c in cases {
            let s = Self.num(c["statistic"])
            let r = Self.regression(c["regression"])
            Self.expectClose(
                "mackinnonp(\(s), \(r.rawValue))", MacKinnon.pValue(s, regression: r), Self.num(c["pvalue"]),
                floor: 1e-300)
        }
    }

    @Test func mackinnonCriticalValuesMatch() {
        let cases = Self.fixture.list("mackinnoncrit")
        #expect(cases.count == 15)
        for c in cases {
            let r = Self.regression(c["regression"])
            let n = c["nobs"] as? Int ?? 0
            let expected = (c["critical_values"] as? [Any] ?? []).map(Self.num)
            let actual = MacKinnon.criticalValues(regression: r, nobs: n).map(\.value)
            for (a, e) in zip(actual, expected) { Self.expectClose("mackinnoncrit(\(r.rawValue), \(n))", a, e) }
        }
        #expect(
            MacKinnon.criticalValues(regression: .constant, nobs: nil).map(\.value) == [-3.43035, -2.86154, -2.56677])
    }

    // MARK: Bad input

    @Test func adfRejectsNaNNamingTheObservation() {
        let error = #expect(throws: StatsError.self) {
            try AugmentedDickeyFuller().test([1, 2, .nan, 3, 4, 5, 6, 7, 8, 9], name: "gdp")
        }
        #expect(error?.code == .nonFinite)
        #expect(
            error?.message
                == "The ADF test of 'gdp' found a non-finite value (nan) at observation 3; drop or impute missing values first."
        )
    }

    @Test func constantSeriesIsRejectedByBothTests() {
        let x = [Double](repeating: 2.5, count: 30)
        let adf = #expect(throws: StatsError.self) { try AugmentedDickeyFuller().test(x, name: "rate") }
        #expect(adf?.code == .invalidArgument)
        #expect(
            adf?.message
                == "The ADF test of 'rate' cannot run on a constant series (every value is 2.5); a constant is "
                + "trivially stationary and has no unit-root test.")
        let kpss = #expect(throws: StatsError.self) { try KPSS().test(x, name: "rate") }
        #expect(kpss?.code == .invalidArgument)
    }

    @Test func tooShortSeriesIsRejected() {
        let short: [Double] = [1, 3, 2, 5]
        let adf = #expect(throws: StatsError.self) {
            try AugmentedDickeyFuller(regression: .constantTrend).test(short, name: "x")
        }
        #expect(adf?.code == .insufficientObservations)
        #expect(
            adf?.message
                == "The ADF test of 'x' needs at least 6 observations with regression 'ct'; it has 4. Use a longer series."
        )
        let tooManyLags = #expect(throws: StatsError.self) {
            try AugmentedDickeyFuller(maxLag: 5, lagSelection: .fixed).test(
                Array(Self.fixture.series("ar1_0.3_25").prefix(12)), name: "x")
        }
        #expect(
            tooManyLags?.message
                == "The ADF test of 'x' cannot use 5 lags: with 12 observations and 1 deterministic term the maximum "
                + "lag is ⌊n/2⌋ − 1 − 1 = 4. Use fewer lags or a longer series.")
        let kpss = #expect(throws: StatsError.self) { try KPSS().test([1, 2], name: "x") }
        #expect(kpss?.code == .insufficientObservations)
        let kpssLags = #expect(throws: StatsError.self) { try KPSS(lags: .fixed(10)).test(short, name: "x") }
        #expect(
            kpssLags?.message
                == "The KPSS test of 'x' cannot use 10 lags with 4 observations; the lag must be less than the number "
                + "of observations.")
    }

    @Test func kpssRejectsTheNoTrendRegression() {
        let error = #expect(throws: StatsError.self) {
            try KPSS(regression: .none).test(Self.fixture.series("ar1_0.3_25"), name: "x")
        }
        #expect(error?.code == .invalidArgument)
    }

    @Test func criticalValueLabels() {
        #expect(CriticalValue(level: 0.025, value: 0).label == "2.5%")
        #expect(CriticalValue(level: 0.10, value: 0).label == "10%")
        #expect([CriticalValue(level: 0.05, value: -2.9)].value(at: 0.05) == -2.9)
    }
}
