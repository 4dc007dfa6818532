public import QEIRData

/// The three QE hypotheses.
public enum Hypothesis: Int, Sendable, Hashable, Codable, CaseIterable, Comparable, CustomStringConvertible {
    /// H1 — central-bank reaction and confidence effects: a threshold regression of the 10-year
    /// yield on QE intensity, a confidence proxy and their interaction, split on federal
    /// interest payments / GDP (Hansen 2000).
    case h1 = 1
    /// H2 — QE and private investment: local projections of investment on QE intensity with
    /// distortion and rate-channel controls, and the LP-IV variant (Jordà 2005; Stock–Watson 2018).
    case h2 = 2
    /// H3 — international effects: a VAR of QE intensity, foreign Treasury holdings, the dollar
    /// and inflation with Granger tests and impulse responses (Granger 1969; Lütkepohl 2005).
    case h3 = 3

    /// `H1`, `H2` or `H3`.
    public var description: String { "H\(rawValue)" }

    /// A one-line title.
    public var title: String {
        switch self {
        case .h1: "central-bank reaction and confidence effects"
        case .h2: "QE and private investment"
        case .h3: "international effects of QE"
        }
    }

    /// Orders H1 < H2 < H3.
    public static func < (lhs: Hypothesis, rhs: Hypothesis) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// The part a series plays in a hypothesis; the column name in ``HypothesisData`` and the key
/// of the `transforms` and `aggregation` configuration maps.
public enum SeriesRole: String, Sendable, Hashable, Codable, CaseIterable, Comparable, CustomStringConvertible {
    /// H1's dependent variable: the 10-year Treasury yield (percent).
    case yield
    /// QE intensity: the QE proxy (central-bank assets or money base) as a percent of GDP.
    case qeIntensity = "qe_intensity"
    /// H1's confidence proxy (consumer confidence, or financial stress in the alternative).
    case confidence
    /// H1's threshold variable: federal interest payments as a percent of GDP.
    case fiscalBurden = "fiscal_burden"
    /// H2's response: private investment.
    case investment
    /// H2's distortion-channel control (corporate bond spreads by default).
    case distortion
    /// H2's rate-channel control (the 10-year yield by default).
    case rateChannel = "rate_channel"
    /// H3's foreign holdings of Treasury securities.
    case foreignHoldings = "foreign_holdings"
    /// H3's dollar exchange rate.
    case dollar
    /// H3's inflation.
    case inflation

    /// The role's name, as used in configuration keys and column names.
    public var description: String { rawValue }

    /// Orders roles by declaration order.
    public static func < (lhs: SeriesRole, rhs: SeriesRole) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }

    /// What a higher value of the role means, whatever proxy fills it: a proxy running the
    /// other way (``QEIRData/Proxy/opposes``) enters negated, so results compare like with like
    /// across specifications.
    public var higherMeans: String {
        switch self {
        case .yield: "a higher long-term yield"
        case .qeIntensity: "a larger central-bank balance sheet relative to GDP"
        case .confidence: "more confidence"
        case .fiscalBurden: "a heavier federal interest burden relative to GDP"
        case .investment: "more investment"
        case .distortion: "wider corporate bond spreads"
        case .rateChannel: "a higher long-term rate"
        case .foreignHoldings: "more foreign holdings of Treasury debt"
        case .dollar: "a weaker dollar (more dollars per euro)"
        case .inflation: "higher prices"
        }
    }

    /// The roles a hypothesis uses, in column order.
    public static func roles(of hypothesis: Hypothesis) -> [SeriesRole] {
        switch hypothesis {
        case .h1: [.yield, .qeIntensity, .confidence, .fiscalBurden]
        case .h2: [.investment, .qeIntensity, .distortion, .rateChannel]
        case .h3: [.qeIntensity, .foreignHoldings, .dollar, .inflation]
        }
    }
}

/// Where a series comes from: a QEIR proxy name (``QEIRData/ProxyRegistry/defaults``, mapped to
/// the embedded snapshot offline) or a FRED series id.
///
/// Text form: a proxy name in lower case (`"fed_total_assets"`), or an upper-case FRED id
/// (`"PNFIC1"`, letters, digits and `_`).
public enum SeriesReference: Sendable, Hashable, Codable, CustomStringConvertible {
    /// A proxy name from ``QEIRData/ProxyRegistry/defaults``, or a name the configuration's
    /// `series_files` defines (read by ``SeriesFilesSource``).
    case proxy(String)
    /// A FRED series id.
    case series(String)

    /// Parses the text form.
    /// - Parameter text: a proxy name or an upper-case FRED id.
    /// - Returns: `nil` when the text is neither.
    public init?(parsing text: String) {
        if ProxyRegistry.defaults.names.contains(text) {
            self = .proxy(text)
        } else if !text.isEmpty, text.count <= 64,
            text.unicodeScalars.allSatisfy({ ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "_" })
        {
            self = .series(text)
        } else {
            return nil
        }
    }

    /// The text form.
    public var description: String {
        switch self {
        case .proxy(let name): name
        case .series(let id): id
        }
    }

    /// Encodes the text form.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    /// Decodes the text form.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let value = SeriesReference(parsing: text) else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "'\(text)' is neither a QEIR proxy name nor a FRED series id")
        }
        self = value
    }
}

/// A stationarity transform, stated explicitly per series in the configuration's `transforms`.
///
/// | text | value at quarter t |
/// |---|---|
/// | `level` | xₜ |
/// | `diff` | xₜ − xₜ₋₁ |
/// | `log` | ln xₜ |
/// | `log_diff` | 100·(ln xₜ − ln xₜ₋₁), percent per quarter |
/// | `pct_change` | 100·(xₜ/xₜ₋₁ − 1) |
/// | `yoy_pct_change` | 100·(xₜ/xₜ₋₄ − 1) |
///
/// Transforms are applied on the quarterly calendar after aggregation, to the full series, so
/// the first quarter of a period has its difference (from the quarter before the period).
public enum StationarityTransform: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    /// The series unchanged.
    case level
    /// First difference.
    case diff
    /// Natural logarithm.
    case log
    /// 100 × first difference of the logarithm.
    case logDiff = "log_diff"
    /// Percent change on the previous quarter.
    case pctChange = "pct_change"
    /// Percent change on the same quarter a year earlier.
    case yoyPctChange = "yoy_pct_change"

    /// The text form.
    public var description: String { rawValue }

    /// The QEIRData transform that computes it.
    public var transform: Transform {
        switch self {
        case .level: .level
        case .diff: .difference
        case .log: .log
        case .logDiff: .logDifference100
        case .pctChange: .percentChange
        case .yoyPctChange: .yearOverYearPercentChange
        }
    }

    /// How many earlier quarters the transform reads (0, 1 or 4).
    public var memory: Int {
        switch self {
        case .level, .log: 0
        case .diff, .logDiff, .pctChange: 1
        case .yoyPctChange: 4
        }
    }
}

/// An excluded instrument of H2's LP-IV: a series (a role's transformed column, a proxy or a
/// FRED id) at lag k ≥ 0.
///
/// Text form: `name` (lag 0) or `L<k>.name`, e.g. `L1.qe_intensity` (last quarter's QE
/// intensity, transformed as the `qe_intensity` role) or `L1.monetary_base`. A proxy or FRED id
/// that is not a role needs its own entry in `transforms`.
public struct InstrumentSpecification: Sendable, Hashable, Codable, CustomStringConvertible {
    /// What the instrument is made of.
    public enum Source: Sendable, Hashable, Codable {
        /// A role's column (already transformed).
        case role(SeriesRole)
        /// Another series, transformed by its `transforms` entry.
        case series(SeriesReference)
    }

    /// The series.
    public var source: Source
    /// The lag in quarters (0 = contemporaneous).
    public var lag: Int

    /// Creates an instrument.
    public init(source: Source, lag: Int) {
        self.source = source
        self.lag = lag
    }

    /// Parses the text form.
    /// - Parameters:
    ///   - text: `name` or `L<k>.name`.
    ///   - fileSeries: names defined by `series_files`, accepted as `.series(.proxy(name))`.
    /// - Returns: `nil` when the text is malformed.
    public init?(parsing text: String, fileSeries: Set<String> = []) {
        var name = Substring(text)
        var lag = 0
        if text.hasPrefix("L"), let dot = text.firstIndex(of: ".") {
            let digits = text[text.index(after: text.startIndex)..<dot]
            guard let k = Int(digits), k >= 0, k <= 40, digits.allSatisfy(\.isASCII) else { return nil }
            lag = k
            name = text[text.index(after: dot)...]
        }
        if let role = SeriesRole(rawValue: String(name)) {
            source = .role(role)
        } else if let reference = SeriesReference(parsing: String(name)) {
            source = .series(reference)
        } else if fileSeries.contains(String(name)) {
            source = .series(.proxy(String(name)))
        } else {
            return nil
        }
        self.lag = lag
    }

    /// The name of the source series (a role name, proxy name or FRED id).
    public var sourceName: String {
        switch source {
        case .role(let role): role.rawValue
        case .series(let reference): reference.description
        }
    }

    /// The text form (`L1.qe_intensity`).
    public var description: String { lag == 0 ? sourceName : "L\(lag).\(sourceName)" }

    /// The instrument's column name in ``HypothesisData`` (`iv_qe_intensity_lag1`).
    public var columnName: String { "iv_\(sourceName)" + (lag == 0 ? "" : "_lag\(lag)") }
}

/// How H3's VAR lag order is chosen.
public enum VARLagSelection: String, Sendable, Hashable, Codable, CaseIterable {
    /// `var_lags` as given.
    case fixed
    /// Akaike's criterion over 1…`var_max_lags`.
    case aic
    /// Schwarz's Bayesian criterion.
    case bic
    /// Hannan–Quinn.
    case hqic
    /// Final prediction error.
    case fpe
}
