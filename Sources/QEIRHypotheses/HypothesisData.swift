import Foundation
import QEIRBatch
public import QEIRData

/// Where one column of a hypothesis' data came from and how it was built.
public struct ColumnProvenance: Sendable, Hashable, Codable {
    /// The column (a role such as `qe_intensity`, `qe_x_confidence`, or an instrument column).
    public var column: String
    /// The configured reference (`fed_total_assets`, `PNFIC1`), or the columns it is built from.
    public var reference: String
    /// The id of the series read (`RSBKCRNS`), or `nil` for a computed column.
    public var seriesID: String?
    /// The series' title.
    public var title: String?
    /// The series' units as the source states them.
    public var units: String?
    /// `"embedded"`, `"network"`, `"cache"` or `"computed"`.
    public var origin: String
    /// `"exact"`, `"substitute"` (the snapshot's proxy mapping), `"hypothesis_substitute"` (this
    /// layer's documented substitute) or `nil` (a series asked for by FRED id, or FRED online).
    public var match: String?
    /// How a substitute differs, or other caveats.
    public var note: String?
    /// The native frequency (`monthly`, …).
    public var nativeFrequency: String?
    /// How it was put on the quarterly calendar: `avg`, `eop`, `sum`, `native` or
    /// `held within fiscal year` / `held within year` for an annual series.
    public var aggregation: String
    /// The stationarity transform applied last.
    public var transform: String
    /// The construction in one line, e.g. `RSBKCRNS (quarterly avg, Bil. of $) / GDP × 100, then diff`.
    public var construction: String
    /// The source's own provenance line (origin, snapshot end or vintage, range).
    public var sourceLine: String?
    /// What a higher value of the column means (`higher = more confidence`), for a role.
    public var direction: String? = nil
    /// Whether the series entered negated to match the role's direction (a stress index for
    /// confidence, `-UNRATE` for consumer confidence).
    public var negated: Bool? = nil

    enum CodingKeys: String, CodingKey {
        case column, reference, title, units, origin, match, note, aggregation, transform, construction, direction,
            negated
        case seriesID = "series_id"
        case nativeFrequency = "native_frequency"
        case sourceLine = "source_line"
    }
}

/// A series that stands in for a proxy the data source lacks.
public struct DocumentedSubstitute: Sendable, Hashable {
    /// The FRED id of the series read instead.
    public var seriesID: String
    /// The sign applied to it (−1 reverses it, so that higher still means more of the proxy).
    public var sign: Double
    /// Why it stands in and how it differs; recorded in the provenance and the warnings.
    public var note: String
    /// What a higher value means once the sign is applied (`less unemployment`).
    public var higherMeans: String

    /// Creates a substitute.
    public init(seriesID: String, sign: Double, note: String, higherMeans: String = "") {
        self.seriesID = seriesID
        self.sign = sign
        self.note = note
        self.higherMeans = higherMeans
    }
}

/// The aligned, transformed quarterly data of one hypothesis, with provenance.
///
/// Built by ``build(_:configuration:source:presample:)`` from a ``SeriesSource``:
///
/// 1. each role's series (``HypothesisConfiguration/reference(for:)``) is loaded — offline, a
///    proxy with no embedded series takes the documented substitute when
///    ``HypothesisConfiguration/offlineSubstitutes`` is on (consumer confidence: the
///    unemployment rate with its sign reversed; foreign Treasury holdings: left out of H3), or
///    fails with ``HypothesisError/Code/dataUnavailable``;
/// 2. it is put on the quarterly calendar: finer series are aggregated with the role's
///    ``HypothesisConfiguration/aggregation`` (`avg` the quarter's mean, `eop` its last value,
///    `sum` its total); an annual series — only the fiscal-burden numerator may be one, e.g.
///    FYOINT — is held constant within its year (a fiscal year October–September for FRED's
///    `FY*` series), never interpolated;
/// 3. QE intensity and the fiscal burden are divided by GDP (both in billions, units read from
///    the source) and multiplied by 100: percent of GDP;
/// 4. the role's stationarity transform (``HypothesisConfiguration/transforms``) is applied on
///    the full series;
/// 5. H1 adds `qe_x_confidence` = qe_intensity × (confidence − its sample mean); H2 adds its
///    instruments (`iv_<name>[_lag<k>]`);
/// 6. the rows are restricted to the period, extended back by `presample` quarters for the
///    lags a model needs, and cut to the range where every column is observed; a gap inside
///    that range is an error naming the column and quarter.
public struct HypothesisData: Sendable, Hashable {
    /// The hypothesis.
    public let hypothesis: Hypothesis
    /// The quarterly data: ``presampleRows`` rows before the estimation sample, then the sample.
    /// Every column is observed on every row.
    public let dataset: Dataset
    /// Rows before the estimation sample (lags reach into them).
    public let presampleRows: Int
    /// The first quarter of the estimation sample.
    public let sampleStart: SeriesDate
    /// The last quarter of the estimation sample.
    public let sampleEnd: SeriesDate
    /// One entry per column.
    public let provenance: [ColumnProvenance]
    /// Remarks: truncated periods, substitutes, omitted variables.
    public let warnings: [String]
    /// The data source's vintage.
    public let vintage: String
    /// Each role's series before its stationarity transform (after aggregation and the ratio to
    /// GDP), over the estimation sample ``sampleStart``…``sampleEnd``, keyed by column; for the
    /// stationarity checks. A role missing a level value inside the sample is left out.
    public var levels: [String: [Double]] = [:]

    /// Column names in order.
    public var columns: [String] { dataset.columnNames }

    /// The number of quarters in the estimation sample.
    public var sampleSize: Int { dataset.rowCount - presampleRows }

    /// A column's values on every row (presample included).
    /// - Throws: ``QEIRData/DataError/Code/missingColumn`` listing the columns.
    public func values(_ column: String) throws -> [Double] {
        try dataset.column(column).map { $0! }
    }

    /// The rows (positions in ``dataset``, presample included) of the estimation sample whose
    /// quarter is in `quarters` (``HypothesisConfiguration/excludedQuarters``).
    public func excludedRows(_ quarters: [SeriesDate]) -> Set<Int> {
        let wanted = Set(quarters)
        return Set((presampleRows..<dataset.rowCount).filter { wanted.contains(dataset.dates[$0]) })
    }

    /// The warning that says which quarters `exclude_dates` dropped from this hypothesis' sample
    /// (and which it names that lie outside the sample), or `nil` when it names none.
    public func exclusionWarning(_ quarters: [SeriesDate]) -> String? {
        guard !quarters.isEmpty else { return nil }
        let rows = excludedRows(quarters).sorted()
        let dropped = rows.map { Summaries.quarter(dataset.dates[$0]) }
        let outside = quarters.filter { q in !rows.contains { dataset.dates[$0] == q } }.map(Summaries.quarter)
        var text =
            "\(hypothesis): exclude_dates drops \(dropped.isEmpty ? "no quarter" : dropped.joined(separator: ", "))"
            + " from the estimation sample (\(sampleSize - rows.count) of \(sampleSize) quarters remain)"
        if !outside.isEmpty {
            let shown =
                outside.count > 8 ? outside.prefix(8).joined(separator: ", ") + ", …" : outside.joined(separator: ", ")
            text += "; \(outside.count) listed quarter\(outside.count == 1 ? " lies" : "s lie") outside it (\(shown))"
        }
        return text + "."
    }

    /// The data as CSV: a `date` column (first day of the quarter), then the columns, full
    /// precision; presample rows included.
    public func csv() -> String {
        let cols = columns.map { (try? dataset.column($0)) ?? [] }
        let rows = dataset.dates.indices.map { i in
            [dataset.dates[i].description] + cols.map { CSVText.number(i < $0.count ? $0[i] : nil) }
        }
        return CSVText.make(header: ["date"] + columns, rows: rows)
    }

    /// The data as a ``QEIRData/DataTable`` (the CSV of ``csv()``), for the column-name based
    /// specifications (`RegressionSpecification`, `ThresholdSpecification`).
    /// - Throws: ``QEIRData/DataError`` (not expected: the CSV is well formed).
    public func table() throws -> DataTable {
        try DataTable(csv: csv(), source: "\(hypothesis) data (\(vintage))")
    }

    /// Documented substitutes for proxies the data source lacks, by proxy name (used when
    /// ``HypothesisConfiguration/offlineSubstitutes`` is on). Foreign Treasury holdings have none:
    /// H3 leaves them out instead.
    public static let documentedSubstitutes: [String: DocumentedSubstitute] = [
        "consumer_confidence": DocumentedSubstitute(
            seriesID: "UNRATE", sign: -1,
            note: "The snapshot has no consumer sentiment index (FRED UMCSENT); the unemployment rate with its sign "
                + "reversed (-UNRATE, percent, quarterly mean) stands in, because sentiment moves inversely "
                + "with unemployment. Its scale and timing differ from a sentiment index.",
            higherMeans: "less unemployment")
    ]

    /// Builds the data of `hypothesis`.
    /// - Parameters:
    ///   - hypothesis: which hypothesis.
    ///   - configuration: the parsed configuration (series, transforms, aggregation, period).
    ///   - source: where series come from.
    ///   - presample: quarters before the period start to keep for lags.
    /// - Returns: the aligned, complete data.
    /// - Throws: ``HypothesisError`` (``HypothesisError/Code/dataUnavailable`` naming the role, key
    ///   and series; ``HypothesisError/Code/insufficientData`` for a gap or too few quarters),
    ///   ``QEIRData/DataError`` for a transform's domain error (the log of a non-positive value).
    public static func build(
        _ hypothesis: Hypothesis, configuration: HypothesisConfiguration, source: any SeriesSource, presample: Int = 0
    ) async throws -> HypothesisData {
        let reader: any SeriesSource =
            configuration.seriesFiles.isEmpty
            ? source : SeriesFilesSource(base: source, files: configuration.seriesFiles)
        var builder = Builder(
            hypothesis: hypothesis, configuration: configuration, source: reader, presample: max(0, presample))
        return try await builder.build()
    }
}

/// The steps of ``HypothesisData/build(_:configuration:source:presample:)``.
private struct Builder {
    let hypothesis: Hypothesis
    let configuration: HypothesisConfiguration
    let source: any SeriesSource
    let presample: Int
    var provenance: [ColumnProvenance] = []
    var warnings: [String] = []
    var gdp: (series: Series, loaded: LoadedSeries)?
    /// Each role's series before its stationarity transform, by column.
    var levels: [String: Series] = [:]

    init(hypothesis: Hypothesis, configuration: HypothesisConfiguration, source: any SeriesSource, presample: Int) {
        self.hypothesis = hypothesis
        self.configuration = configuration
        self.source = source
        self.presample = presample
    }

    /// The load window hint: five years and the presample before the period, to its end.
    var hint: (SeriesDate?, SeriesDate?) {
        guard let period = configuration.period else { return (nil, nil) }
        let start = try? SeriesDate(year: period.start.year - 5 - (presample + 3) / 4, month: 1, day: 1)
        let end = try? SeriesDate(year: period.end.year, month: period.end.month, day: period.end.day)
        return (start, end)
    }

    mutating func build() async throws -> HypothesisData {
        var columns: [Series] = []
        for role in SeriesRole.roles(of: hypothesis) {
            if let column = try await column(for: role) { columns.append(column) }
        }
        if hypothesis == .h2 {
            for instrument in configuration.instruments {
                columns.append(try await instrumentColumn(instrument, roles: columns))
            }
        }
        var dataset = try Dataset(frequency: .quarterly, series: columns)
        dataset = try window(dataset)
        if hypothesis == .h1 { dataset = try addInteraction(dataset) }
        let (sampleStart, sampleEnd) = try sampleRange(dataset)
        var data = HypothesisData(
            hypothesis: hypothesis, dataset: dataset, presampleRows: presample, sampleStart: sampleStart,
            sampleEnd: sampleEnd, provenance: provenance, warnings: warnings, vintage: source.vintage)
        data.levels = sampleLevels(Array(dataset.dates.dropFirst(presample)))
        return data
    }

    /// The untransformed series on the estimation-sample quarters (complete ones only).
    func sampleLevels(_ dates: [SeriesDate]) -> [String: [Double]] {
        levels.compactMapValues { series in
            let byDate = Dictionary(zip(series.dates, series.values), uniquingKeysWith: { a, _ in a })
            let values = dates.compactMap { byDate[$0] ?? nil }
            return values.count == dates.count ? values : nil
        }
    }

    // MARK: Columns

    mutating func column(for role: SeriesRole) async throws -> Series? {
        let key = HypothesisConfiguration.key(for: role)
        guard let reference = configuration.reference(for: role) else {
            warnings.append("\(hypothesis): \(role) left out (\(key) is null).")
            return nil
        }
        var sign = 1.0
        var substituteMeaning = ""
        var match: String? = nil
        var note: String? = nil
        let loaded: LoadedSeries
        do {
            loaded = try await load(reference, role: role, key: key)
        } catch let error as DataError where error.code == .proxyNotEmbedded {
            guard configuration.offlineSubstitutes, case .proxy(let name) = reference else {
                throw unavailable(role, key: key, reference: reference, error: error, offline: true)
            }
            if role == .foreignHoldings {
                let fred = error.context["fred_id"].map { " (FRED \($0))" } ?? ""
                warnings.append(
                    "\(hypothesis): \(role) left out: the data source has no series for '\(name)'\(fred); the VAR "
                        + "runs without it. Use FRED online for the full model.")
                provenance.append(
                    ColumnProvenance(
                        column: role.rawValue, reference: name, origin: "omitted", match: "none",
                        note: error.message, aggregation: "-", transform: "-",
                        construction: "left out: no series for '\(name)'\(fred) in the data source"))
                return nil
            }
            guard let substitute = HypothesisData.documentedSubstitutes[name] else {
                throw unavailable(role, key: key, reference: reference, error: error, offline: true)
            }
            loaded = try await load(.series(substitute.seriesID), role: role, key: key)
            sign = substitute.sign
            substituteMeaning = substitute.higherMeans
            match = "hypothesis_substitute"
            note = substitute.note
            warnings.append("\(hypothesis): \(role) uses a substitute for '\(name)': \(substitute.note)")
        }
        var series = try quarterly(loaded, role: role)
        var construction = "\(loaded.seriesID) (\(describeAggregation(loaded, role: role)), \(loaded.units))"
        var negation: String? = nil
        if sign != 1 {
            series = try Series(
                name: series.name, frequency: .quarterly, dates: series.dates,
                values: series.values.map { $0.map { -$0 } })
            construction = "-" + construction
            negation = "\(loaded.seriesID), negated: higher = \(substituteMeaning)"
        }
        // A proxy running against the role's direction enters negated, after its transform
        // (a log or growth transform needs the series' own sign).
        var orientation = 1.0
        if case .proxy(let name) = reference, match != "hypothesis_substitute",
            let proxy = try? ProxyRegistry.defaults.proxy(named: name)
        {
            orientation = proxy.sign(forRole: role.rawValue)
            if orientation != 1 {
                negation = "\(loaded.seriesID), negated: higher = \(Self.opposite(proxy.higherMeans))"
            }
        }
        if role == .qeIntensity || role == .fiscalBurden {
            let (ratio, gdpText) = try await percentOfGDP(series, loaded: loaded, role: role)
            series = ratio
            construction += " / \(gdpText) × 100"
        }
        let transform = configuration.transform(for: role)
        levels[role.rawValue] = series
        do {
            series = try series.transformed(transform.transform, name: role.rawValue)
        } catch let error as DataError {
            throw HypothesisError(
                .invalidConfiguration,
                "\(hypothesis)'s \(role) cannot be transformed with transforms.\(role) = \(transform): "
                    + "\(error.message) Choose another transform for \(role).",
                context: error.context.merging(["path": "transforms.\(role)", "found": transform.rawValue]) { _, new in
                    new
                })
        }
        construction += transform == .level ? "" : ", then \(transform)"
        if orientation != 1 {
            series = try Series(
                name: series.name, frequency: .quarterly, dates: series.dates,
                values: series.values.map { $0.map { -$0 } })
            construction += ", negated"
            warnings.append(
                "\(hypothesis): \(role) = \(negation ?? reference.description) (the role reads higher = \(role.higherMeans))."
            )
        }
        var record = ColumnProvenance(
            column: role.rawValue, reference: reference.description, seriesID: loaded.seriesID,
            title: loaded.title, units: loaded.units, origin: loaded.origin, match: match ?? loaded.match,
            note: note ?? loaded.note, nativeFrequency: loaded.series.frequency.name,
            aggregation: aggregationLabel(loaded, role: role), transform: transform.rawValue,
            construction: construction, sourceLine: loaded.provenance)
        record.direction = "higher = \(role.higherMeans)" + (negation.map { " (\($0))" } ?? "")
        record.negated = sign * orientation != 1
        provenance.append(record)
        return series
    }

    mutating func instrumentColumn(_ instrument: InstrumentSpecification, roles: [Series]) async throws -> Series {
        let base: Series
        var record: ColumnProvenance
        switch instrument.source {
        case .role(let role):
            guard let column = roles.first(where: { $0.name == role.rawValue }) else {
                throw HypothesisError(
                    .invalidConfiguration,
                    "Instrument '\(instrument)' uses the role '\(role)', which \(hypothesis) does not have; use one "
                        + "of \(SeriesRole.roles(of: hypothesis).map(\.rawValue).joined(separator: ", ")), a proxy "
                        + "or a FRED id.", context: ["path": "h2_instruments", "found": instrument.description])
            }
            base = column
            record = ColumnProvenance(
                column: instrument.columnName, reference: instrument.description, origin: "computed",
                aggregation: "-", transform: configuration.transform(for: role).rawValue,
                construction: instrument.lag == 0 ? role.rawValue : "lag \(instrument.lag) of \(role)")
        case .series(let reference):
            let key = "h2_instruments"
            let loaded = try await load(reference, role: nil, key: key)
            let transform = configuration.seriesTransforms[reference.description] ?? .level
            let q = try quarterly(loaded, role: nil)
            base = try q.transformed(transform.transform, name: instrument.columnName)
            record = ColumnProvenance(
                column: instrument.columnName, reference: instrument.description, seriesID: loaded.seriesID,
                title: loaded.title, units: loaded.units, origin: loaded.origin, match: loaded.match, note: loaded.note,
                nativeFrequency: loaded.series.frequency.name, aggregation: aggregationLabel(loaded, role: nil),
                transform: transform.rawValue,
                construction: "\(loaded.seriesID) (\(describeAggregation(loaded, role: nil)))"
                    + (transform == .level ? "" : ", then \(transform)")
                    + (instrument.lag == 0 ? "" : ", lag \(instrument.lag)"), sourceLine: loaded.provenance)
        }
        provenance.append(record)
        if instrument.lag == 0 { return base.renamed(instrument.columnName) }
        return try base.transformed(.lag(instrument.lag), name: instrument.columnName)
    }

    func load(_ reference: SeriesReference, role: SeriesRole?, key: String) async throws -> LoadedSeries {
        do {
            return try await source.load(reference, from: hint.0, through: hint.1)
        } catch let error as DataError where error.code == .proxyNotEmbedded {
            throw error
        } catch let error as DataError {
            throw unavailable(role, key: key, reference: reference, error: error, offline: false)
        }
    }

    func unavailable(_ role: SeriesRole?, key: String, reference: SeriesReference, error: DataError, offline: Bool)
        -> HypothesisError
    {
        let what = role.map { "\(hypothesis)'s \($0) series" } ?? "\(hypothesis)'s instrument"
        var advice = "Choose another proxy or FRED id for \(key)"
        if offline, case .proxy(let name) = reference {
            advice +=
                HypothesisData.documentedSubstitutes[name] != nil || name == "foreign_treasury_holdings"
                ? ", set offline_substitutes to true to use the documented substitute, or use FRED online"
                : " or use FRED online"
        }
        return HypothesisError(
            .dataUnavailable, "\(what) '\(reference)' (\(key)) cannot be loaded: \(error.message) \(advice).",
            context: ["key": key, "reference": reference.description, "role": role?.rawValue ?? "instrument"]
                .merging(error.context) { a, _ in a })
    }

    /// The opposite of a "higher means" phrase: `more financial stress` → `less financial stress`,
    /// `a stronger dollar` → `a weaker dollar`, `wider corporate bond spreads` → `narrower …`.
    static func opposite(_ text: String) -> String {
        let pairs = [
            ("more ", "less "), ("a larger ", "a smaller "), ("larger ", "smaller "), ("a stronger ", "a weaker "),
            ("a weaker ", "a stronger "), ("wider ", "narrower "), ("a higher ", "a lower "), ("higher ", "lower "),
        ]
        for (from, to) in pairs where text.hasPrefix(from) { return to + text.dropFirst(from.count) }
        return "less of: " + text
    }

    // MARK: Calendar

    func aggregation(for role: SeriesRole?) -> Aggregation {
        role.flatMap { configuration.aggregation[$0] } ?? .average
    }

    func aggregationLabel(_ loaded: LoadedSeries, role: SeriesRole?) -> String {
        switch loaded.series.frequency {
        case .quarterly: "native"
        case .annual: loaded.seriesID.hasPrefix("FY") ? "held within fiscal year" : "held within year"
        default: aggregation(for: role).rawValue
        }
    }

    func describeAggregation(_ loaded: LoadedSeries, role: SeriesRole?) -> String {
        switch loaded.series.frequency {
        case .quarterly: "quarterly"
        case .annual:
            loaded.seriesID.hasPrefix("FY")
                ? "annual fiscal year Oct-Sep, held within it" : "annual, held within the year"
        default: "\(loaded.series.frequency) → quarterly \(aggregation(for: role).rawValue)"
        }
    }

    /// The series on the quarterly calendar.
    func quarterly(_ loaded: LoadedSeries, role: SeriesRole?) throws -> Series {
        let s = loaded.series
        switch s.frequency {
        case .quarterly: return s
        case .annual:
            guard role == .fiscalBurden else {
                let key = role.map(HypothesisConfiguration.key(for:)) ?? "h2_instruments"
                throw HypothesisError(
                    .dataUnavailable,
                    "\(hypothesis)'s \(role?.rawValue ?? "instrument") series \(loaded.seriesID) (\(key)) is annual; "
                        + "only the threshold numerator (h1_threshold_proxy) may be annual. Choose a monthly or "
                        + "quarterly series.", context: ["key": key, "series": loaded.seriesID])
            }
            return try Self.heldWithinYear(s, fiscal: loaded.seriesID.hasPrefix("FY"))
        default:
            return try s.aggregated(to: .quarterly, using: aggregation(for: role))
        }
    }

    /// An annual series on the quarterly calendar, each quarter taking its year's value. With
    /// `fiscal`, year Y is the U.S. federal fiscal year October Y−1 … September Y.
    static func heldWithinYear(_ s: Series, fiscal: Bool) throws -> Series {
        var dates: [SeriesDate] = []
        var values: [Double?] = []
        for (date, value) in zip(s.dates, s.values) {
            let y = date.year
            let quarters: [(Int, Int)] =
                fiscal ? [(y - 1, 10), (y, 1), (y, 4), (y, 7)] : [(y, 1), (y, 4), (y, 7), (y, 10)]
            for (year, month) in quarters {
                let d = try SeriesDate(year: year, month: month, day: 1)
                if let last = dates.last, d <= last { continue }
                dates.append(d)
                values.append(value)
            }
        }
        return try Series(name: s.name, frequency: .quarterly, dates: dates, values: values)
    }

    /// `series / GDP × 100` with both converted to billions.
    mutating func percentOfGDP(_ series: Series, loaded: LoadedSeries, role: SeriesRole) async throws -> (
        Series, String
    ) {
        if gdp == nil {
            let reference = configuration.gdpProxy
            let loadedGDP: LoadedSeries
            do {
                loadedGDP = try await load(reference, role: nil, key: "gdp_proxy")
            } catch let error as DataError {
                throw unavailable(nil, key: "gdp_proxy", reference: reference, error: error, offline: true)
            }
            gdp = (try quarterly(loadedGDP, role: nil), loadedGDP)
            provenance.append(
                ColumnProvenance(
                    column: "gdp (denominator)", reference: reference.description, seriesID: loadedGDP.seriesID,
                    title: loadedGDP.title, units: loadedGDP.units, origin: loadedGDP.origin, match: loadedGDP.match,
                    note: loadedGDP.note, nativeFrequency: loadedGDP.series.frequency.name,
                    aggregation: aggregationLabel(loadedGDP, role: nil), transform: "level",
                    construction: "\(loadedGDP.seriesID) (\(describeAggregation(loadedGDP, role: nil)), "
                        + "\(loadedGDP.units)): the denominator of qe_intensity and fiscal_burden",
                    sourceLine: loadedGDP.provenance))
        }
        let (gdpSeries, gdpLoaded) = gdp!
        let top = Self.billionsFactor(loaded.units)
        let bottom = Self.billionsFactor(gdpLoaded.units)
        if top == nil || bottom == nil {
            warnings.append(
                "\(hypothesis): cannot read the units of \(top == nil ? loaded.seriesID : gdpLoaded.seriesID) "
                    + "('\(top == nil ? loaded.units : gdpLoaded.units)') as a dollar amount; \(role) is the plain "
                    + "ratio × 100.")
        }
        let factor = (top ?? 1) / (bottom ?? 1)
        let scaled = try Series(
            name: series.name, frequency: .quarterly, dates: series.dates,
            values: series.values.map { $0.map { $0 * factor * 100 } })
        let ratio = try Series.ratio(scaled, gdpSeries, name: role.rawValue)
        return (ratio, "\(gdpLoaded.seriesID) (\(gdpLoaded.units))")
    }

    /// Multiplies a value in `units` into billions, or `nil` when the units are not a dollar scale.
    static func billionsFactor(_ units: String) -> Double? {
        let u = units.lowercased()
        if u.contains("tril") { return 1000 }
        if u.contains("bil") { return 1 }
        if u.contains("mil") { return 0.001 }
        if u.contains("thous") { return 1e-6 }
        return nil
    }

    // MARK: Window

    static func quarterIndex(_ date: SeriesDate) -> Int { date.year * 4 + (date.month - 1) / 3 }

    static func quarterLabel(_ index: Int) -> SeriesDate {
        let year = index >= 0 ? index / 4 : (index - 3) / 4
        let q = index - year * 4
        // Valid by construction: months 1, 4, 7, 10 and day 1.
        return (try? SeriesDate(year: year, month: 3 * q + 1, day: 1)) ?? SeriesDate(dayNumber: 0)
    }

    /// The period's quarters plus the presample, cut to the range every column covers.
    mutating func window(_ dataset: Dataset) throws -> Dataset {
        var data = dataset
        var firstWanted: SeriesDate? = nil
        var lastWanted: SeriesDate? = nil
        if let period = configuration.period {
            let start = try SeriesDate(year: period.start.year, month: period.start.month, day: period.start.day)
            let end = try SeriesDate(year: period.end.year, month: period.end.month, day: period.end.day)
            firstWanted = Self.quarterLabel(Self.quarterIndex(start) - presample)
            lastWanted = Self.quarterLabel(Self.quarterIndex(end))
            do {
                data = try data.window(from: firstWanted, through: lastWanted)
            } catch let error as DataError {
                throw HypothesisError(
                    .insufficientData,
                    "\(hypothesis): the period \(period) has no data: \(error.message) Choose a period the data cover.",
                    context: ["period": period.description])
            }
        }
        let windowed = data
        do {
            data = try data.commonWindow()
        } catch let error as DataError {
            throw HypothesisError(
                .insufficientData,
                "\(hypothesis): the series do not overlap within the period: \(error.message) Choose another period "
                    + "or other series.", context: error.context)
        }
        for name in data.columnNames {
            let values = try data.column(name)
            if let gap = values.firstIndex(where: { $0 == nil }) {
                let date = data.dates[gap]
                throw HypothesisError(
                    .insufficientData,
                    "\(hypothesis): column '\(name)' has no value for the quarter \(date) inside the sample "
                        + "\(data.dates.first!)…\(data.dates.last!); choose a period without the gap or another series.",
                    context: ["column": name, "date": date.description])
            }
        }
        let first = data.dates.first!
        let last = data.dates.last!
        if let firstWanted, first > firstWanted {
            let limiting = limitingColumn(windowed, first: true)
            warnings.append(
                "\(hypothesis): the data start at \(first) (limited by \(limiting)), after the \(firstWanted) the "
                    + "period\(presample > 0 ? " and its \(presample)-quarter presample" : "") asks for; "
                    + "the sample is shorter than the period.")
        }
        if let lastWanted, last < lastWanted {
            let limiting = limitingColumn(windowed, first: false)
            warnings.append(
                "\(hypothesis): the data end at \(last) (limited by \(limiting)), before the period's last quarter "
                    + "\(lastWanted); the sample is truncated there.")
        }
        return data
    }

    /// The column whose observations start latest (`first`) or end earliest, with its series id.
    func limitingColumn(_ data: Dataset, first: Bool) -> String {
        var best: (index: Int, name: String)? = nil
        for name in data.columnNames {
            guard let values = try? data.column(name) else { continue }
            let index = first ? values.firstIndex { $0 != nil } : values.lastIndex { $0 != nil }
            guard let index else { continue }
            if best == nil || (first ? index > best!.index : index < best!.index) { best = (index, name) }
        }
        guard let name = best?.name else { return "the data" }
        if let id = provenance.first(where: { $0.column == name })?.seriesID { return "\(name) = \(id)" }
        return name
    }

    func sampleRange(_ data: Dataset) throws -> (SeriesDate, SeriesDate) {
        guard data.rowCount > presample else {
            throw HypothesisError(
                .insufficientData,
                "\(hypothesis): only \(data.rowCount) quarters of data, none after the \(presample)-quarter presample; "
                    + "choose a longer period.", context: ["rows": String(data.rowCount)])
        }
        return (data.dates[presample], data.dates[data.rowCount - 1])
    }

    /// Adds `qe_x_confidence` = qe_intensity × (confidence − mean over the estimation sample).
    mutating func addInteraction(_ data: Dataset) throws -> Dataset {
        let qe = try data.column(SeriesRole.qeIntensity.rawValue).map { $0! }
        let confidence = try data.column(SeriesRole.confidence.rawValue).map { $0! }
        let sample = confidence.dropFirst(presample)
        let mean = sample.reduce(0, +) / Double(max(sample.count, 1))
        let meanText = String(format: "%.6g", mean)
        let values: [Double?] = zip(qe, confidence).map { $0 * ($1 - mean) }
        provenance.append(
            ColumnProvenance(
                column: "qe_x_confidence", reference: "qe_intensity × (confidence − sample mean)", origin: "computed",
                note:
                    "confidence centred at its estimation-sample mean \(meanText), so the coefficient of qe_intensity "
                    + "is the QE effect at average confidence", aggregation: "-", transform: "-",
                construction: "qe_intensity × (confidence − mean), mean \(meanText)"))
        return try data.adding(
            Series(name: "qe_x_confidence", frequency: .quarterly, dates: data.dates, values: values))
    }
}
