public import Foundation

/// An economic concept measured by one FRED series and a transform.
public struct Proxy: Sendable, Hashable {
    /// The concept's name, e.g. `ten_year_yield`.
    public let name: String
    /// The FRED series id, e.g. `DGS10`.
    public var seriesID: String
    /// The transform applied after download (see ``Transform``).
    public var transform: Transform
    /// One line saying what the series measures.
    public var description: String
    /// The series' native FRED frequency.
    public var frequency: Frequency
    /// What a higher value of the series means, in words (`more financial stress`, `a stronger
    /// dollar`); empty when not recorded.
    public var higherMeans: String
    /// The roles (by name, e.g. `confidence`, `dollar`) whose direction this series runs
    /// against: where a role is defined as "higher = more confidence", a stress index that
    /// rises as confidence falls is listed here, and a study entering it for that role negates
    /// it so that every proxy of a role means the same thing.
    public var opposes: Set<String>

    /// Creates a proxy.
    /// - Parameters:
    ///   - name: the concept's name.
    ///   - seriesID: the FRED series id.
    ///   - transform: the transform applied after download.
    ///   - description: what the series measures.
    ///   - frequency: its native frequency.
    ///   - higherMeans: what a higher value means, in words.
    ///   - opposes: the roles whose direction the series runs against.
    public init(
        name: String, seriesID: String, transform: Transform, description: String, frequency: Frequency,
        higherMeans: String = "", opposes: Set<String> = []
    ) {
        self.name = name
        self.seriesID = seriesID
        self.transform = transform
        self.description = description
        self.frequency = frequency
        self.higherMeans = higherMeans
        self.opposes = opposes
    }

    /// The sign with which this proxy enters `role`: −1 when it runs against the role's
    /// direction (``opposes``), else +1.
    public func sign(forRole role: String) -> Double { opposes.contains(role) ? -1 : 1 }
}

/// Named economic concepts mapped to FRED series, used by hypothesis specifications to ask
/// for data by concept rather than by series id.
///
/// Start from ``defaults`` and override entries from JSON (format in
/// `Documentation/SeriesAlgebra.md`):
///
/// ```json
/// {
///   "overrides": { "gdp": { "series_id": "GDPC1", "transform": "log_diff_100" } },
///   "additions": { "mortgage_rate": { "series_id": "MORTGAGE30US", "frequency": "w",
///                                     "transform": "level", "description": "30-year mortgage rate" } }
/// }
/// ```
public struct ProxyRegistry: Sendable, Hashable {
    private var entries: [String: Proxy]

    /// A registry of `proxies`.
    /// - Throws: ``DataError/Code/duplicateColumn`` naming a repeated proxy name.
    public init(_ proxies: [Proxy]) throws {
        entries = [:]
        for proxy in proxies {
            guard entries[proxy.name] == nil else {
                throw DataError(
                    .duplicateColumn, "The proxy '\(proxy.name)' is defined twice; give each proxy one entry.",
                    context: ["proxy": proxy.name])
            }
            entries[proxy.name] = proxy
        }
    }

    /// The proxy names, sorted.
    public var names: [String] { entries.keys.sorted() }

    /// The proxies, sorted by name.
    public var proxies: [Proxy] { names.map { entries[$0]! } }

    /// The proxy called `name`.
    /// - Throws: ``DataError/Code/unknownProxy`` listing the valid names.
    public func proxy(named name: String) throws -> Proxy {
        guard let proxy = entries[name] else {
            throw DataError(
                .unknownProxy,
                "Unknown proxy '\(name)'; the registry has \(names.joined(separator: ", ")).",
                context: ["proxy": name])
        }
        return proxy
    }

    /// This registry with the entries of a JSON override document applied.
    ///
    /// The document is an object with optional keys `overrides` (changes to existing proxies:
    /// any of `series_id`, `transform`, `description`, `frequency`) and `additions` (new
    /// proxies: `series_id` and `frequency` required, `transform` defaulting to `level`,
    /// `description` to empty). Every value is a string.
    /// - Parameters:
    ///   - json: the JSON document.
    ///   - source: a label for messages (for example the file path).
    /// - Throws: ``DataError`` naming the source and, as applicable, the key, proxy or value at
    ///   fault: ``DataError/Code/unknownKey`` for a key QEIR does not know,
    ///   ``DataError/Code/unknownProxy`` for an override of a proxy that does not exist (listing
    ///   the valid names), ``DataError/Code/duplicateColumn`` for an addition that already
    ///   exists, ``DataError/Code/invalidArgument`` for malformed JSON or values.
    public func overriding(json: Data, source: String = "<json>") throws -> ProxyRegistry {
        let object: Any
        do { object = try JSONSerialization.jsonObject(with: json) } catch {
            throw DataError(
                .invalidArgument, "\(source) is not valid JSON; check its syntax.", context: ["file": source])
        }
        let top = try Self.object(object, at: "the top level", source: source)
        try Self.checkKeys(top, allowed: ["overrides", "additions"], at: "the top level", source: source)
        var copy = self
        let overrides = try top["overrides"].map { try Self.object($0, at: "'overrides'", source: source) } ?? [:]
        for name in overrides.keys.sorted() {
            guard var proxy = copy.entries[name] else {
                throw DataError(
                    .unknownProxy,
                    "\(source): 'overrides' names the unknown proxy '\(name)'; the registry has "
                        + "\(names.joined(separator: ", ")). To define a new proxy put it under 'additions'.",
                    context: ["file": source, "proxy": name])
            }
            let fields = try Self.fields(overrides[name]!, proxy: name, source: source)
            if let v = fields["series_id"] { proxy.seriesID = v }
            if let v = fields["description"] { proxy.description = v }
            if let v = fields["transform"] {
                proxy.transform = try Self.parse(v, proxy: name, source: source, Transform.init(parsing:))
            }
            if let v = fields["frequency"] {
                proxy.frequency = try Self.parse(v, proxy: name, source: source, Frequency.init(code:))
            }
            if let v = fields["higher_means"] { proxy.higherMeans = v }
            if let v = fields["opposes"] { proxy.opposes = Self.roleList(v) }
            copy.entries[name] = proxy
        }
        let additions = try top["additions"].map { try Self.object($0, at: "'additions'", source: source) } ?? [:]
        for name in additions.keys.sorted() {
            guard copy.entries[name] == nil else {
                throw DataError(
                    .duplicateColumn,
                    "\(source): 'additions' defines '\(name)', which already exists; change it under 'overrides'.",
                    context: ["file": source, "proxy": name])
            }
            let fields = try Self.fields(additions[name]!, proxy: name, source: source)
            guard let id = fields["series_id"], let frequency = fields["frequency"] else {
                let absent = fields["series_id"] == nil ? "series_id" : "frequency"
                throw DataError(
                    .invalidArgument,
                    "\(source): the new proxy '\(name)' has no '\(absent)'; additions need series_id and frequency.",
                    context: ["file": source, "proxy": name, "key": absent])
            }
            copy.entries[name] = Proxy(
                name: name, seriesID: id,
                transform: try Self.parse(
                    fields["transform"] ?? "level", proxy: name, source: source, Transform.init(parsing:)),
                description: fields["description"] ?? "",
                frequency: try Self.parse(frequency, proxy: name, source: source, Frequency.init(code:)),
                higherMeans: fields["higher_means"] ?? "", opposes: Self.roleList(fields["opposes"] ?? ""))
        }
        return copy
    }

    private static let entryKeys = ["description", "frequency", "higher_means", "opposes", "series_id", "transform"]

    /// `"confidence, dollar"` → the role names.
    private static func roleList(_ text: String) -> Set<String> {
        Set(text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty })
    }

    private static func object(_ value: Any, at place: String, source: String) throws -> [String: Any] {
        guard let dict = value as? [String: Any] else {
            throw DataError(
                .invalidArgument, "\(source): \(place) must be a JSON object.", context: ["file": source])
        }
        return dict
    }

    private static func checkKeys(_ dict: [String: Any], allowed: [String], at place: String, source: String) throws {
        for key in dict.keys.sorted() where !allowed.contains(key) {
            throw DataError(
                .unknownKey,
                "\(source): unknown key '\(key)' at \(place); the allowed keys are \(allowed.joined(separator: ", ")).",
                context: ["file": source, "key": key])
        }
    }

    private static func fields(_ value: Any, proxy: String, source: String) throws -> [String: String] {
        let dict = try object(value, at: "proxy '\(proxy)'", source: source)
        try checkKeys(dict, allowed: entryKeys, at: "proxy '\(proxy)'", source: source)
        var out: [String: String] = [:]
        for (key, v) in dict {
            guard let s = v as? String else {
                throw DataError(
                    .invalidArgument, "\(source): '\(key)' of proxy '\(proxy)' must be a string.",
                    context: ["file": source, "proxy": proxy, "key": key])
            }
            out[key] = s
        }
        return out
    }

    private static func parse<T>(_ text: String, proxy: String, source: String, _ make: (String) throws -> T) throws
        -> T
    {
        do { return try make(text) } catch let error as DataError {
            throw DataError(
                error.code, "\(source): proxy '\(proxy)': \(error.message)",
                context: error.context.merging(["file": source, "proxy": proxy]) { $1 })
        }
    }
}

extension ProxyRegistry {
    /// QEIR's default proxies. `equipment_investment` uses Y033RC1Q027SBEA (nominal private
    /// nonresidential fixed investment in equipment).
    ///
    /// | name | series | native | transform |
    /// |---|---|---|---|
    /// | `fed_total_assets` | WALCL | w (Wednesday) | log |
    /// | `monetary_base` | BOGMBASE | m | log |
    /// | `ten_year_yield` | DGS10 | d | level |
    /// | `consumer_confidence` | UMCSENT | m | level |
    /// | `financial_stress_index` | STLFSI4 | w | level |
    /// | `federal_interest_payments` | A091RC1Q027SBEA | q | log |
    /// | `gdp` | GDP | q | log |
    /// | `private_fixed_investment` | PNFI | q | log |
    /// | `equipment_investment` | Y033RC1Q027SBEA | q | log |
    /// | `corporate_bond_spreads` | BAMLC0A0CM | d | level |
    /// | `fed_funds` | FEDFUNDS | m | level |
    /// | `trade_weighted_dollar` | DTWEXBGS | d | log |
    /// | `eur_usd_rate` | DEXUSEU | d | log |
    /// | `cpi_all_items` | CPIAUCSL | m | yoy_pct_change |
    /// | `pce_price_index` | PCEPI | m | yoy_pct_change |
    /// | `foreign_treasury_holdings` | FDHBFIN | q | log |
    ///
    /// Directions (``Proxy/higherMeans``, ``Proxy/opposes``): the financial stress index and
    /// corporate bond spreads rise as confidence falls (they oppose `confidence`); the broad
    /// trade-weighted dollar index rises as the dollar strengthens, against the `dollar` role's
    /// direction (more dollars per euro: a weaker dollar).
    public static let defaults: ProxyRegistry = {
        func p(_ name: String, _ id: String, _ f: Frequency, _ t: Transform, _ d: String) -> Proxy {
            let (higher, opposes) = directions[name] ?? ("", [])
            return Proxy(
                name: name, seriesID: id, transform: t, description: d, frequency: f, higherMeans: higher,
                opposes: opposes)
        }
        let all = [
            p(
                "fed_total_assets", "WALCL", .weekly, .log,
                "Federal Reserve total assets, millions of dollars, Wednesday level"),
            p("monetary_base", "BOGMBASE", .monthly, .log, "Monetary base, billions of dollars"),
            p("ten_year_yield", "DGS10", .daily, .level, "10-year Treasury constant-maturity yield, percent"),
            p("consumer_confidence", "UMCSENT", .monthly, .level, "University of Michigan consumer sentiment index"),
            p("financial_stress_index", "STLFSI4", .weekly, .level, "St. Louis Fed financial stress index"),
            p(
                "federal_interest_payments", "A091RC1Q027SBEA", .quarterly, .log,
                "Federal government current expenditures: interest payments, billions of dollars, SAAR"),
            p("gdp", "GDP", .quarterly, .log, "Nominal gross domestic product, billions of dollars, SAAR"),
            p(
                "private_fixed_investment", "PNFI", .quarterly, .log,
                "Private nonresidential fixed investment, billions of dollars, SAAR"),
            p(
                "equipment_investment", "Y033RC1Q027SBEA", .quarterly, .log,
                "Private fixed investment in equipment (nonresidential), billions of dollars, SAAR"),
            p(
                "corporate_bond_spreads", "BAMLC0A0CM", .daily, .level,
                "ICE BofA US corporate index option-adjusted spread, percent"),
            p("fed_funds", "FEDFUNDS", .monthly, .level, "Effective federal funds rate, percent"),
            p("trade_weighted_dollar", "DTWEXBGS", .daily, .log, "Nominal broad U.S. dollar index"),
            p("eur_usd_rate", "DEXUSEU", .daily, .log, "U.S. dollars to one euro, noon buying rate"),
            p(
                "cpi_all_items", "CPIAUCSL", .monthly, .yearOverYearPercentChange,
                "CPI for all urban consumers, all items, SA"),
            p("pce_price_index", "PCEPI", .monthly, .yearOverYearPercentChange, "PCE chain-type price index, SA"),
            p(
                "foreign_treasury_holdings", "FDHBFIN", .quarterly, .log,
                "Federal debt held by foreign and international investors, billions of dollars"),
        ]
        // The names are distinct by construction; the tests check every entry.
        guard let registry = try? ProxyRegistry(all) else { preconditionFailure("duplicate default proxy") }
        return registry
    }()
}

extension ProxyRegistry {
    /// What a higher value of each default proxy means, and the roles it runs against.
    static let directions: [String: (String, Set<String>)] = [
        "fed_total_assets": ("a larger Federal Reserve balance sheet", []),
        "monetary_base": ("a larger monetary base", []),
        "ten_year_yield": ("a higher 10-year Treasury yield", []),
        "consumer_confidence": ("more consumer confidence", []),
        "financial_stress_index": ("more financial stress", ["confidence"]),
        "federal_interest_payments": ("larger federal interest payments", []),
        "gdp": ("higher nominal GDP", []),
        "private_fixed_investment": ("more private nonresidential investment", []),
        "equipment_investment": ("more equipment investment", []),
        "corporate_bond_spreads": ("wider corporate bond spreads", ["confidence"]),
        "fed_funds": ("a higher federal funds rate", []),
        "trade_weighted_dollar": ("a stronger dollar", ["dollar"]),
        "eur_usd_rate": ("more dollars per euro: a weaker dollar", []),
        "cpi_all_items": ("higher consumer prices", []),
        "pce_price_index": ("higher PCE prices", []),
        "foreign_treasury_holdings": ("more foreign holdings of Treasury debt", []),
    ]
}
