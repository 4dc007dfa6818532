extension EmbeddedFRED {
    /// How often a series is observed.
    public struct Frequency: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        /// The manifest's name for the frequency (`"monthly"`, `"quarterly"`, `"annual"`).
        public let rawValue: String
        /// Wraps a frequency name.
        public init(rawValue: String) { self.rawValue = rawValue }
        /// The frequency's name.
        public var description: String { rawValue }

        /// One observation per month, dated the first of the month.
        public static let monthly = Self(rawValue: "monthly")
        /// One observation per quarter, dated the first day of the quarter.
        public static let quarterly = Self(rawValue: "quarterly")
        /// One observation per year (or fiscal year), dated January 1.
        public static let annual = Self(rawValue: "annual")
    }

    /// How closely an embedded series matches the FRED series a proxy stands for.
    public struct Match: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        /// The mapping's name for the match (`"exact"`, `"substitute"`, `"none"`).
        public let rawValue: String
        /// Wraps a match name.
        public init(rawValue: String) { self.rawValue = rawValue }
        /// The match's name.
        public var description: String { rawValue }

        /// The embedded series is the proxy's own FRED series.
        public static let exact = Self(rawValue: "exact")
        /// A different series stands in; the mapping's note says how it differs.
        public static let substitute = Self(rawValue: "substitute")
        /// Nothing close enough is embedded; the proxy needs FRED online.
        public static let none = Self(rawValue: "none")
    }

    /// What the manifest records about one embedded series.
    public struct SeriesInfo: Hashable, Sendable {
        /// The gretl name, the FRED id in lower case (`"gs10"`); also the CSV column name.
        public let name: String
        /// The FRED series id (`"GS10"`), or `nil` where none is known.
        public let fredID: String?
        /// The series title as the snapshot gives it.
        public let title: String
        /// Units (`"%"`, `"Bil. of $"`, `"2017=100"`, …).
        public let units: String
        /// Seasonal adjustment (`"SA"`, `"SAAR"`, `"NSA"`).
        public let seasonalAdjustment: String
        /// How often the series is observed.
        public let frequency: Frequency
        /// The resource file holding it (`"monthly.csv"`).
        public let file: String
        /// A topical group (`"rates"`, `"fed_balance_sheet"`, `"investment"`, …).
        public let group: String
        /// The first observation date (ISO, first day of the period).
        public let first: String
        /// The last observation date (ISO, first day of the period).
        public let last: String
        /// The number of periods from ``first`` to ``last``, missing ones included.
        public let observations: Int
        /// How many of those periods are missing.
        public let missing: Int
        /// Where the values came from.
        public let source: String
        /// Caveats (discontinuation, gaps, trimming, derivation), if any.
        public let notes: String?
        /// For a series computed here, the gretl names it is computed from (empty otherwise).
        public let derivedFrom: [String]
    }

    /// Where a series' values came from; reports built on embedded data print it.
    public struct Provenance: Hashable, Sendable, CustomStringConvertible {
        /// Always `"embedded"`: the values come from the offline snapshot, not from FRED online.
        public let origin: String
        /// The data set's source (`"Debian gretl-data 2022c-1, fedstl snapshot"`), or for a
        /// derived series, what it was computed from.
        public let source: String
        /// The gretl name of the series.
        public let name: String
        /// The FRED id of the embedded series, where known.
        public let fredID: String?
        /// The series title.
        public let title: String
        /// Units of the values.
        public let units: String
        /// How often the series is observed.
        public let frequency: Frequency
        /// The first observation date.
        public let first: String
        /// The last observation date.
        public let last: String
        /// The snapshot's end (the latest observation date of any embedded series).
        public let snapshotEnd: String
        /// The QEIR proxy this series was requested for, if it was requested by proxy.
        public internal(set) var proxy: String?
        /// The FRED id the proxy stands for online (for example `"WALCL"`).
        public internal(set) var proxyFREDID: String?
        /// How closely this series matches the proxy's FRED series.
        public internal(set) var match: Match?
        /// How the embedded series differs from the proxy's FRED series, or the series' own
        /// caveats when it was not requested by proxy.
        public internal(set) var note: String?

        init(info: SeriesInfo, snapshotEnd: String) {
            self.origin = "embedded"
            self.source = info.source
            self.name = info.name
            self.fredID = info.fredID
            self.title = info.title
            self.units = info.units
            self.frequency = info.frequency
            self.first = info.first
            self.last = info.last
            self.snapshotEnd = snapshotEnd
            self.note = info.notes
        }

        /// One line for reports, naming the embedded origin and the snapshot end, for example
        /// `embedded offline data (Debian gretl-data 2022c-1, fedstl snapshot, ends 2022-10-01):
        /// GS10, %, monthly, 1953-04-01 to 2022-09-01`, followed for a proxy by its mapping.
        public var description: String {
            var text =
                "embedded offline data (\(source), ends \(snapshotEnd)): \(fredID ?? name), \(units), "
                + "\(frequency), \(first) to \(last)"
            if let proxy, let match {
                text += "; proxy \(proxy)"
                if let proxyFREDID { text += " (FRED \(proxyFREDID))" }
                text += ": \(match)"
                if let note { text += ". \(note)" }
            }
            return text
        }
    }

    /// An embedded series: dates, values and provenance.
    public struct Series: Hashable, Sendable {
        /// ISO dates (`yyyy-mm-dd`), the first day of each period, one per period.
        public let dates: [String]
        /// One value per date; `nil` where the snapshot has no observation.
        public let values: [Double?]
        /// Where the values came from.
        public let provenance: Provenance
    }

    /// How a QEIR proxy name maps to the embedded data set.
    public struct ProxyMapping: Hashable, Sendable {
        /// The proxy name (`"fed_total_assets"`).
        public let proxy: String
        /// The FRED series the proxy stands for online (`"WALCL"`), where one is fixed.
        public let fredID: String?
        /// The gretl name of the embedded series standing in, or `nil` if none does.
        public let embedded: String?
        /// How close the embedded series is.
        public let match: Match
        /// How the embedded series differs from the FRED series, or why nothing is embedded.
        public let note: String
    }
}

// The JSON files as written by Scripts/embedded/make_embedded_fred.py.
struct ManifestFile: Decodable {
    struct Entry: Decodable {
        let name: String
        let fredID: String?
        let title: String
        let units: String
        let seasonalAdjustment: String
        let frequency: String
        let file: String
        let group: String
        let first: String
        let last: String
        let observations: Int
        let missing: Int
        let source: String
        let notes: String?
        let derivedFrom: [String]?

        enum CodingKeys: String, CodingKey {
            case name, title, units, frequency, file, group, first, last, observations, missing, source, notes
            case fredID = "fred_id"
            case seasonalAdjustment = "seasonal_adjustment"
            case derivedFrom = "derived_from"
        }
    }

    let source: String
    let snapshotEnd: String
    let series: [Entry]

    enum CodingKeys: String, CodingKey {
        case source, series
        case snapshotEnd = "snapshot_end"
    }
}

struct ProxyFile: Decodable {
    struct Entry: Decodable {
        let proxy: String
        let fredID: String?
        let embedded: String?
        let match: String
        let note: String

        enum CodingKeys: String, CodingKey {
            case proxy, embedded, match, note
            case fredID = "fred_id"
        }
    }

    let proxies: [Entry]
}
