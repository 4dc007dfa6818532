import Foundation
public import QEIRStats

/// One unit-root or stationarity test of one series, as a result reports it.
public struct StationarityTestSummary: Sendable, Hashable, Codable {
    /// `"adf"` or `"kpss"`.
    public var test: String
    /// The deterministic terms (`"c"`).
    public var regression: String
    /// ADF's τ or KPSS's η̂.
    public var statistic: Double
    /// ADF: MacKinnon's approximate p-value; KPSS: the table p-value clipped to [0.01, 0.10].
    public var pValue: Double
    /// KPSS only, when η̂ is outside the table: `"smaller"` (the true p-value is below 0.01) or
    /// `"greater"` (above 0.10).
    public var pValueBound: String?
    /// ADF: the lagged differences chosen by AIC; KPSS: the Bartlett truncation lag.
    public var lags: Int
    /// Observations of the test regression (ADF: n − 1 − lags; KPSS: n).
    public var nobs: Int
    /// Critical values by level label (`"1%"`, `"5%"`, `"10%"`; KPSS also `"2.5%"`).
    public var criticalValues: [String: Double]

    /// Summarises an ADF result.
    public init(_ r: ADFResult) {
        test = "adf"
        regression = r.regression.rawValue
        statistic = r.statistic
        pValue = r.pValue
        pValueBound = nil
        lags = r.usedLag
        nobs = r.nobs
        criticalValues = Dictionary(uniqueKeysWithValues: r.criticalValues.map { ($0.label, $0.value) })
    }

    /// Summarises a KPSS result.
    public init(_ r: KPSSResult) {
        test = "kpss"
        regression = r.regression.rawValue
        statistic = r.statistic
        pValue = r.pValue
        pValueBound = r.pValueBound?.rawValue
        lags = r.lags
        nobs = r.nobs
        criticalValues = Dictionary(uniqueKeysWithValues: r.criticalValues.map { ($0.label, $0.value) })
    }

    enum CodingKeys: String, CodingKey {
        case test, regression, statistic, lags, nobs
        case pValue = "p_value"
        case pValueBound = "p_value_bound"
        case criticalValues = "critical_values"
    }
}

/// What an ADF and a KPSS test say together about one series.
///
/// The rule ("confirmatory analysis", Maddala & Kim 1998, *Unit Roots, Cointegration and
/// Structural Change*, §4.6): ADF's null is a unit root, KPSS's is stationarity, so
/// * ADF rejects at 10 % (p ≤ 0.10) and KPSS does not at 5 % → ``stationary``;
/// * ADF does not reject and KPSS rejects → ``nonStationary``;
/// * both reject → ``conflicting``; neither → ``inconclusive`` (the usual outcome at n ≈ 30,
///   where both tests have little power).
public enum StationarityVerdict: String, Sendable, Hashable, Codable {
    /// ADF rejects a unit root and KPSS does not reject stationarity.
    case stationary
    /// ADF does not reject a unit root and KPSS rejects stationarity.
    case nonStationary = "non_stationary"
    /// Both tests reject their nulls.
    case conflicting
    /// Neither test rejects: the sample cannot tell.
    case inconclusive
    /// A test could not run (see ``StationarityCheck/note``).
    case unavailable

    /// The verdict of an ADF p-value and a KPSS statistic (ADF at 10 %, KPSS at 5 %).
    public init(adf: StationarityTestSummary?, kpss: StationarityTestSummary?) {
        guard let adf, let kpss, let critical = kpss.criticalValues["5%"] else {
            self = .unavailable
            return
        }
        let unitRootRejected = adf.pValue <= 0.10
        let stationarityRejected = kpss.statistic > critical
        switch (unitRootRejected, stationarityRejected) {
        case (true, false): self = .stationary
        case (false, true): self = .nonStationary
        case (true, true): self = .conflicting
        case (false, false): self = .inconclusive
        }
    }
}

/// The stationarity diagnostics of one column of a hypothesis: ADF (constant, lag by AIC) and
/// KPSS (constant, Hobijn–Franses–Ooms lag) on the series in levels (before its stationarity
/// transform) and as estimated (after it), over the estimation sample.
///
/// In samples of about 30 quarters both tests have low power: ADF rarely rejects a unit root
/// for a persistent stationary series and KPSS rarely rejects stationarity for a random walk, so
/// ``StationarityVerdict/inconclusive`` is common and a verdict is indicative only.
public struct StationarityCheck: Sendable, Hashable, Codable {
    /// The column (role).
    public var column: String
    /// The stationarity transform the model applies (`level`, `diff`, …).
    public var transform: String
    /// Quarters tested (the estimation sample).
    public var nobs: Int
    /// ADF on the untransformed series.
    public var levelADF: StationarityTestSummary?
    /// KPSS on the untransformed series.
    public var levelKPSS: StationarityTestSummary?
    /// ADF on the series as estimated.
    public var transformedADF: StationarityTestSummary?
    /// KPSS on the series as estimated.
    public var transformedKPSS: StationarityTestSummary?
    /// The verdict on the untransformed series.
    public var levelVerdict: StationarityVerdict
    /// The verdict on the series as estimated.
    public var verdict: StationarityVerdict
    /// Caveats: low power in a short sample, or why a test could not run.
    public var note: String?

    enum CodingKeys: String, CodingKey {
        case column, transform, nobs, verdict, note
        case levelADF = "level_adf"
        case levelKPSS = "level_kpss"
        case transformedADF = "transformed_adf"
        case transformedKPSS = "transformed_kpss"
        case levelVerdict = "level_verdict"
    }

    /// Samples shorter than this get the low-power note.
    public static let shortSample = 50

    /// Runs both tests on a column's levels and transformed values.
    /// - Parameters:
    ///   - column: the column name.
    ///   - transform: the transform the model applies.
    ///   - level: the untransformed values over the estimation sample (`nil` when unavailable).
    ///   - transformed: the values as estimated over the same sample.
    public init(column: String, transform: StationarityTransform, level: [Double]?, transformed: [Double]) {
        self.column = column
        self.transform = transform.rawValue
        self.nobs = transformed.count
        var notes: [String] = []
        func run(_ values: [Double]?, _ what: String) -> (StationarityTestSummary?, StationarityTestSummary?) {
            guard let values else {
                notes.append("\(what): no complete series over the sample")
                return (nil, nil)
            }
            var adf: StationarityTestSummary? = nil
            var kpss: StationarityTestSummary? = nil
            do { adf = StationarityTestSummary(try AugmentedDickeyFuller().test(values, name: column)) } catch let e
                as StatsError
            {
                notes.append("\(what) ADF: \(e.message)")
            } catch { notes.append("\(what) ADF: \(error)") }
            do { kpss = StationarityTestSummary(try KPSS().test(values, name: column)) } catch let e as StatsError {
                notes.append("\(what) KPSS: \(e.message)")
            } catch { notes.append("\(what) KPSS: \(error)") }
            return (adf, kpss)
        }
        // A series that enters in levels is its own level series.
        (levelADF, levelKPSS) = run(level ?? (transform == .level ? transformed : nil), "levels")
        (transformedADF, transformedKPSS) =
            transform == .level ? (levelADF, levelKPSS) : run(transformed, "transformed")
        levelVerdict = StationarityVerdict(adf: levelADF, kpss: levelKPSS)
        verdict = StationarityVerdict(adf: transformedADF, kpss: transformedKPSS)
        if nobs < Self.shortSample {
            notes.insert(
                "n = \(nobs): ADF and KPSS have low power in samples this short (a unit root and a persistent "
                    + "stationary series are hard to tell apart); treat the verdict as indicative", at: 0)
        }
        note = notes.isEmpty ? nil : notes.joined(separator: "; ") + "."
    }
}

extension HypothesisResult {
    /// Runs the stationarity checks on every role of `data` and adds a warning for each role that
    /// enters in levels (transform `level` or `log`) yet looks non-stationary as estimated
    /// (ADF p > 0.10 and KPSS above its 5 % critical value).
    /// The transform of each role is read from the data's provenance.
    public mutating func addStationarityChecks(_ data: HypothesisData) {
        let columns = Set(data.columns)
        let span = "\(Summaries.quarter(data.sampleStart))–\(Summaries.quarter(data.sampleEnd))"
        for role in SeriesRole.roles(of: data.hypothesis) where columns.contains(role.rawValue) {
            guard let values = try? data.values(role.rawValue) else { continue }
            let recorded = data.provenance.first { $0.column == role.rawValue }?.transform
            let transform = recorded.flatMap(StationarityTransform.init(rawValue:)) ?? .level
            let check = StationarityCheck(
                column: role.rawValue, transform: transform, level: data.levels[role.rawValue],
                transformed: Array(values.dropFirst(data.presampleRows)))
            stationarity.append(check)
            guard transform == .level || transform == .log, check.verdict == .nonStationary,
                let adf = check.transformedADF, let kpss = check.transformedKPSS
            else { continue }
            let how = transform == .level ? "levels" : "log levels"
            let advice = transform == .level ? "diff" : "log_diff"
            warnings.append(
                "\(data.hypothesis): \(role) enters in \(how) but looks non-stationary over \(span) (ADF p "
                    + "\(String(format: "%.2f", adf.pValue)), KPSS \(String(format: "%.2f", kpss.statistic)) > "
                    + "\(String(format: "%.3f", kpss.criticalValues["5%"] ?? .nan)) at 5%); consider "
                    + "transforms.\(role) = \(advice)."
                    + (check.nobs < StationarityCheck.shortSample
                        ? " With \(check.nobs) quarters both tests have low power." : ""))
        }
    }
}

extension KeyedDecodingContainer {
    /// Decodes ``HypothesisResult/stationarity`` as empty when the key is absent, so results
    /// written before the stationarity checks existed still read back (the synthesized
    /// `init(from:)` picks this overload over the generic one).
    func decode(_ type: [StationarityCheck].Type, forKey key: Key) throws -> [StationarityCheck] {
        try decodeIfPresent(type, forKey: key) ?? []
    }
}
