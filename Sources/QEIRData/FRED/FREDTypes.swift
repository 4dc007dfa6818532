/// FRED's `units` transformation.
public enum FREDUnits: String, Sendable, Hashable, CaseIterable {
    /// Levels (no transformation).
    case lin
    /// Change.
    case chg
    /// Change from a year ago.
    case ch1
    /// Percent change.
    case pch
    /// Percent change from a year ago.
    case pc1
    /// Compounded annual rate of change.
    case pca
    /// Continuously compounded rate of change.
    case cch
    /// Continuously compounded annual rate of change.
    case cca
    /// Natural log.
    case log
}

/// FRED's `frequency` aggregation target.
public enum FREDFrequency: String, Sendable, Hashable, CaseIterable {
    /// Daily.
    case daily = "d"
    /// Weekly.
    case weekly = "w"
    /// Biweekly.
    case biweekly = "bw"
    /// Monthly.
    case monthly = "m"
    /// Quarterly.
    case quarterly = "q"
    /// Semiannual.
    case semiannual = "sa"
    /// Annual.
    case annual = "a"
    /// Weekly, ending Friday.
    case weeklyEndingFriday = "wef"
    /// Weekly, ending Thursday.
    case weeklyEndingThursday = "weth"
    /// Weekly, ending Wednesday.
    case weeklyEndingWednesday = "wew"
    /// Weekly, ending Tuesday.
    case weeklyEndingTuesday = "wetu"
    /// Weekly, ending Monday.
    case weeklyEndingMonday = "wem"
    /// Weekly, ending Sunday.
    case weeklyEndingSunday = "wesu"
    /// Weekly, ending Saturday.
    case weeklyEndingSaturday = "wesa"
    /// Biweekly, ending Wednesday.
    case biweeklyEndingWednesday = "bwew"
    /// Biweekly, ending Monday.
    case biweeklyEndingMonday = "bwem"
}

/// FRED's `aggregation_method` for frequency aggregation.
public enum FREDAggregationMethod: String, Sendable, Hashable, CaseIterable {
    /// Average.
    case average = "avg"
    /// Sum.
    case sum
    /// End of period.
    case endOfPeriod = "eop"
}

/// FRED's `output_type`.
public enum FREDOutputType: Int, Sendable, Hashable, CaseIterable {
    /// Observations by real-time period (long format).
    case realtimePeriod = 1
    /// Observations by vintage date, all observations (wide format, one column per vintage).
    case vintageAll = 2
    /// Observations by vintage date, new and revised observations only (wide format).
    case vintageNewAndRevised = 3
    /// Initial release only.
    case initialRelease = 4
}

/// The parameters of a `fred/series/observations` request (the series id is given separately).
/// Dates are `YYYY-MM-DD`; `nil` leaves FRED's default.
public struct FREDObservationsRequest: Sendable, Hashable {
    /// `observation_start`.
    public var observationStart: String?
    /// `observation_end`.
    public var observationEnd: String?
    /// `realtime_start`.
    public var realtimeStart: String?
    /// `realtime_end`.
    public var realtimeEnd: String?
    /// `vintage_dates` (split into groups of 2000 automatically).
    public var vintageDates: [String]
    /// `units`.
    public var units: FREDUnits?
    /// `frequency`.
    public var frequency: FREDFrequency?
    /// `aggregation_method`.
    public var aggregationMethod: FREDAggregationMethod?
    /// `output_type`.
    public var outputType: FREDOutputType?

    /// Creates a request; every parameter defaults to FRED's default.
    /// - Parameters:
    ///   - observationStart: first observation date.
    ///   - observationEnd: last observation date.
    ///   - realtimeStart: start of the real-time period.
    ///   - realtimeEnd: end of the real-time period.
    ///   - vintageDates: explicit vintage dates.
    ///   - units: the transformation.
    ///   - frequency: the aggregation frequency.
    ///   - aggregationMethod: how to aggregate.
    ///   - outputType: the output layout.
    public init(
        observationStart: String? = nil, observationEnd: String? = nil, realtimeStart: String? = nil,
        realtimeEnd: String? = nil, vintageDates: [String] = [], units: FREDUnits? = nil,
        frequency: FREDFrequency? = nil, aggregationMethod: FREDAggregationMethod? = nil,
        outputType: FREDOutputType? = nil
    ) {
        self.observationStart = observationStart
        self.observationEnd = observationEnd
        self.realtimeStart = realtimeStart
        self.realtimeEnd = realtimeEnd
        self.vintageDates = vintageDates
        self.units = units
        self.frequency = frequency
        self.aggregationMethod = aggregationMethod
        self.outputType = outputType
    }
}

/// One long-format observation. `value` is `nil` where FRED reports `"."` (missing).
public struct FREDObservation: Sendable, Hashable {
    /// Start of the real-time period.
    public var realtimeStart: String
    /// End of the real-time period.
    public var realtimeEnd: String
    /// The observation date.
    public var date: String
    /// The value, or `nil` when missing.
    public var value: Double?

    /// Creates an observation.
    /// - Parameters:
    ///   - realtimeStart: start of the real-time period.
    ///   - realtimeEnd: end of the real-time period.
    ///   - date: the date.
    ///   - value: the value or `nil`.
    public init(realtimeStart: String, realtimeEnd: String, date: String, value: Double?) {
        self.realtimeStart = realtimeStart
        self.realtimeEnd = realtimeEnd
        self.date = date
        self.value = value
    }
}

/// One vintage column of wide output (output types 2 and 3): values aligned with
/// ``FREDObservations/dates``, `nil` where missing or absent.
public struct FREDVintageColumn: Sendable, Hashable {
    /// The vintage date `YYYY-MM-DD` (from the `SERIES_YYYYMMDD` key), or the raw key when it has
    /// no date suffix.
    public var vintage: String
    /// Values aligned with the dates.
    public var values: [Double?]

    /// Creates a column.
    /// - Parameters:
    ///   - vintage: the vintage date.
    ///   - values: the values.
    public init(vintage: String, values: [Double?]) {
        self.vintage = vintage
        self.values = values
    }
}

/// The observations of one series, all pages (and all vintage groups) merged.
public struct FREDObservations: Sendable, Hashable {
    /// The series id.
    public var seriesID: String
    /// Long-format rows (output types 1 and 4), in FRED's order.
    public var observations: [FREDObservation]
    /// Observation dates of the wide format (output types 2 and 3), ascending.
    public var dates: [String]
    /// Vintage columns of the wide format, by ascending vintage.
    public var vintages: [FREDVintageColumn]

    /// Creates a result.
    /// - Parameters:
    ///   - seriesID: the series id.
    ///   - observations: long-format rows.
    ///   - dates: wide-format dates.
    ///   - vintages: wide-format columns.
    public init(
        seriesID: String, observations: [FREDObservation] = [], dates: [String] = [],
        vintages: [FREDVintageColumn] = []
    ) {
        self.seriesID = seriesID
        self.observations = observations
        self.dates = dates
        self.vintages = vintages
    }
}

/// Series metadata from `fred/series` or `fred/series/search`.
public struct FREDSeries: Sendable, Hashable, Decodable {
    /// The series id.
    public var id: String
    /// Start of the real-time period.
    public var realtimeStart: String?
    /// End of the real-time period.
    public var realtimeEnd: String?
    /// The title.
    public var title: String
    /// First observation date.
    public var observationStart: String?
    /// Last observation date.
    public var observationEnd: String?
    /// Frequency, long form.
    public var frequency: String?
    /// Frequency, short form.
    public var frequencyShort: String?
    /// Units, long form.
    public var units: String?
    /// Units, short form.
    public var unitsShort: String?
    /// Seasonal adjustment, long form.
    public var seasonalAdjustment: String?
    /// Seasonal adjustment, short form.
    public var seasonalAdjustmentShort: String?
    /// Last update time.
    public var lastUpdated: String?
    /// Popularity (0–100).
    public var popularity: Int?
    /// Notes.
    public var notes: String?

    enum CodingKeys: String, CodingKey {
        case id, title, frequency, units, popularity, notes
        case realtimeStart = "realtime_start"
        case realtimeEnd = "realtime_end"
        case observationStart = "observation_start"
        case observationEnd = "observation_end"
        case frequencyShort = "frequency_short"
        case unitsShort = "units_short"
        case seasonalAdjustment = "seasonal_adjustment"
        case seasonalAdjustmentShort = "seasonal_adjustment_short"
        case lastUpdated = "last_updated"
    }
}

/// One page of `fred/series/search` results.
public struct FREDSearchResult: Sendable, Hashable {
    /// Total matches.
    public var count: Int
    /// The matches on this page.
    public var series: [FREDSeries]

    /// Creates a result.
    /// - Parameters:
    ///   - count: total matches.
    ///   - series: this page.
    public init(count: Int, series: [FREDSeries]) {
        self.count = count
        self.series = series
    }
}

/// A release from `fred/series/release`.
public struct FREDRelease: Sendable, Hashable, Decodable {
    /// The release id.
    public var id: Int
    /// The name.
    public var name: String
    /// Whether it is a press release.
    public var pressRelease: Bool?
    /// The release's web page.
    public var link: String?
    /// Start of the real-time period.
    public var realtimeStart: String?
    /// End of the real-time period.
    public var realtimeEnd: String?

    enum CodingKeys: String, CodingKey {
        case id, name, link
        case pressRelease = "press_release"
        case realtimeStart = "realtime_start"
        case realtimeEnd = "realtime_end"
    }
}
