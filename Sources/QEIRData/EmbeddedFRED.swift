public import Foundation

/// The embedded offline data set: a selection of real FRED series taken from the FRED
/// snapshot in Debian's `gretl-data` package (2022c-1), shipped as a SwiftPM resource so
/// that QEIR runs with no FRED API key and no network.
///
/// ```swift
/// let embedded = try EmbeddedFRED()
/// let tenYear = try embedded.series("GS10")            // by FRED id or gretl name
/// let assets = try embedded.series(forProxy: "fed_total_assets")
/// print(assets.provenance)                             // says "embedded" and the snapshot end
/// ```
///
/// Dates are ISO `yyyy-mm-dd` strings following FRED: an observation is dated the first day
/// of its period (2022-07-01 for 2022Q3). Missing observations are `nil`, never 0.
///
/// The files are written by `Scripts/embedded/make_embedded_fred.py`; see
/// `Documentation/EmbeddedData.md` for the series list and the proxy mapping.
public struct EmbeddedFRED: Sendable, Hashable {
    /// Where the data came from: `"Debian gretl-data 2022c-1, fedstl snapshot"`.
    public let source: String
    /// The latest observation date of any embedded series (`"2022-10-01"`); results built
    /// on embedded data must quote it.
    public let snapshotEnd: String
    /// Every embedded series, in manifest order.
    public let series: [SeriesInfo]
    /// The QEIR proxy names and the embedded series that stands in for each, if any.
    public let proxies: [ProxyMapping]
    private let tables: [String: DataTable]  // keyed by file name

    /// Loads the data set bundled with QEIRData (`Bundle.module`).
    ///
    /// SwiftPM's accessor looks for the `qeir_QEIRData.resources` folder next to the
    /// executable, then in the build folder; if neither exists it stops the program, so ship
    /// that folder beside a relocated binary (or use ``init(directory:)``).
    /// - Throws: ``DataError/Code/embeddedDataUnavailable`` if the bundle lacks the resource
    ///   or a file is malformed.
    public init() throws {
        guard let directory = Bundle.module.url(forResource: "EmbeddedFRED", withExtension: nil) else {
            throw DataError(
                .embeddedDataUnavailable,
                "The embedded FRED data set (resource EmbeddedFRED) is missing from the QEIRData bundle; "
                    + "rebuild QEIR with SwiftPM so the resource is copied, or use a FRED API key.",
                context: ["resource": "EmbeddedFRED"])
        }
        try self.init(directory: directory)
    }

    /// Loads a data set laid out as the bundled one: `manifest.json`, `proxies.json` and the
    /// CSV files the manifest names.
    /// - Parameter directory: the folder holding the files.
    /// - Throws: ``DataError/Code/embeddedDataUnavailable`` naming the file at fault.
    public init(directory: URL) throws {
        let manifest = try Self.decode(ManifestFile.self, from: directory.appendingPathComponent("manifest.json"))
        let proxyFile = try Self.decode(ProxyFile.self, from: directory.appendingPathComponent("proxies.json"))
        var tables = [String: DataTable]()
        for file in Set(manifest.series.map(\.file)).sorted() {
            let url = directory.appendingPathComponent(file)
            do {
                tables[file] = try DataTable(contentsOf: url)
            } catch let error as DataError {
                throw DataError(
                    .embeddedDataUnavailable,
                    "The embedded FRED file \(file) cannot be read (\(error.message)); "
                        + "regenerate it with Scripts/embedded/make_embedded_fred.py.",
                    context: ["file": url.path])
            }
        }
        self.source = manifest.source
        self.snapshotEnd = manifest.snapshotEnd
        self.series = manifest.series.map { entry in
            SeriesInfo(
                name: entry.name, fredID: entry.fredID, title: entry.title, units: entry.units,
                seasonalAdjustment: entry.seasonalAdjustment, frequency: Frequency(rawValue: entry.frequency),
                file: entry.file, group: entry.group, first: entry.first, last: entry.last,
                observations: entry.observations, missing: entry.missing, source: entry.source,
                notes: entry.notes, derivedFrom: entry.derivedFrom ?? [])
        }
        self.proxies = proxyFile.proxies.map { entry in
            ProxyMapping(
                proxy: entry.proxy, fredID: entry.fredID, embedded: entry.embedded,
                match: Match(rawValue: entry.match), note: entry.note)
        }
        self.tables = tables
        for mapping in proxies {
            if let name = mapping.embedded, !series.contains(where: { $0.name == name }) {
                throw DataError(
                    .embeddedDataUnavailable,
                    "proxies.json maps proxy '\(mapping.proxy)' to '\(name)', which manifest.json does not list; "
                        + "regenerate both with Scripts/embedded/make_embedded_fred.py.",
                    context: ["proxy": mapping.proxy, "series": name])
            }
        }
    }

    /// The manifest entry of a series.
    /// - Parameter id: a FRED id (`"GS10"`) or gretl name (`"gs10"`), in either case.
    /// - Throws: ``DataError/Code/unknownEmbeddedSeries`` listing what is embedded.
    public func info(_ id: String) throws -> SeriesInfo {
        let upper = id.uppercased()
        let lower = id.lowercased()
        guard let info = series.first(where: { $0.fredID == upper || $0.name == lower }) else {
            throw DataError(
                .unknownEmbeddedSeries,
                "Series '\(id)' is not in the embedded offline data set (\(source), ends \(snapshotEnd)); "
                    + "the embedded series are \(series.map { $0.fredID ?? $0.name }.joined(separator: ", ")). "
                    + "Other series need a FRED API key and network access.",
                context: ["series": id])
        }
        return info
    }

    /// The observations of a series, from its first to its last date, with provenance.
    /// - Parameter id: a FRED id (`"GS10"`) or gretl name (`"gs10"`), in either case.
    /// - Returns: one date and one value per period; missing observations are `nil`.
    /// - Throws: ``DataError/Code/unknownEmbeddedSeries``, or
    ///   ``DataError/Code/embeddedDataUnavailable`` if the file disagrees with the manifest.
    /// - Complexity: O(rows of the series' CSV file).
    public func series(_ id: String) throws -> Series {
        let info = try info(id)
        return try load(info, provenance: Provenance(info: info, snapshotEnd: snapshotEnd))
    }

    /// The mapping of a QEIR proxy name to the embedded data set.
    /// - Parameter proxy: a proxy name such as `"fed_total_assets"`.
    /// - Throws: ``DataError/Code/unknownProxy`` listing the known proxies.
    public func mapping(forProxy proxy: String) throws -> ProxyMapping {
        guard let mapping = proxies.first(where: { $0.proxy == proxy }) else {
            throw DataError(
                .unknownProxy,
                "Proxy '\(proxy)' is unknown to the embedded offline data set; the known proxies are "
                    + "\(proxies.map(\.proxy).joined(separator: ", ")).",
                context: ["proxy": proxy])
        }
        return mapping
    }

    /// The embedded series standing in for a QEIR proxy, with the mapping recorded in its
    /// provenance (``Provenance/proxy``, ``Provenance/match``, ``Provenance/note``).
    /// - Parameter proxy: a proxy name such as `"fed_total_assets"`.
    /// - Throws: ``DataError/Code/proxyNotEmbedded`` when no embedded series stands in for the
    ///   proxy (it needs a FRED API key and network access), ``DataError/Code/unknownProxy``.
    public func series(forProxy proxy: String) throws -> Series {
        let mapping = try mapping(forProxy: proxy)
        guard let name = mapping.embedded else {
            let fred = mapping.fredID.map { " (FRED \($0))" } ?? ""
            throw DataError(
                .proxyNotEmbedded,
                "Proxy '\(proxy)'\(fred) has no series in the embedded offline data set (\(source), "
                    + "ends \(snapshotEnd)): \(mapping.note) It needs a FRED API key and network access; "
                    + "supply a key or leave '\(proxy)' out of the job.",
                context: ["proxy": proxy, "fred_id": mapping.fredID ?? ""])
        }
        let info = try info(name)
        var provenance = Provenance(info: info, snapshotEnd: snapshotEnd)
        provenance.proxy = mapping.proxy
        provenance.proxyFREDID = mapping.fredID
        provenance.match = mapping.match
        provenance.note = mapping.note
        return try load(info, provenance: provenance)
    }

    private func load(_ info: SeriesInfo, provenance: Provenance) throws -> Series {
        func corrupt(_ what: String) -> DataError {
            DataError(
                .embeddedDataUnavailable,
                "The embedded file \(info.file) \(what) for series '\(info.name)'; "
                    + "regenerate it with Scripts/embedded/make_embedded_fred.py.",
                context: ["file": info.file, "series": info.name])
        }
        guard let table = tables[info.file] else { throw corrupt("is not loaded") }
        guard table.hasColumn("date"), table.hasColumn(info.name) else {
            throw corrupt("has no 'date' or '\(info.name)' column")
        }
        let allDates = try table.textColumn("date")
        let cells = try table.textColumn(info.name)
        guard let lo = allDates.firstIndex(of: info.first), let hi = allDates.firstIndex(of: info.last), lo <= hi
        else { throw corrupt("lacks the dates \(info.first) to \(info.last) of the manifest") }
        var values = [Double?]()
        values.reserveCapacity(hi - lo + 1)
        for row in lo...hi {
            let cell = cells[row]
            if cell.isEmpty {
                values.append(nil)
            } else if let v = Double(cell), v.isFinite {
                values.append(v)
            } else {
                throw corrupt("has the non-numeric value '\(cell)' on \(allDates[row])")
            }
        }
        let missing = values.count(where: { $0 == nil })
        guard values.count == info.observations, missing == info.missing else {
            throw corrupt(
                "has \(values.count) observations (\(missing) missing) where the manifest says "
                    + "\(info.observations) (\(info.missing) missing)")
        }
        return Series(dates: Array(allDates[lo...hi]), values: values, provenance: provenance)
    }

    private static func decode<T: Decodable>(_ type: T.Type, from url: URL) throws -> T {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw DataError(
                .embeddedDataUnavailable,
                "Cannot read the embedded FRED file \(url.path); rebuild QEIR with SwiftPM so the "
                    + "EmbeddedFRED resource is copied, or use a FRED API key.",
                context: ["file": url.path])
        }
        do {
            return try JSONDecoder().decode(T.self, from: data)
        } catch {
            throw DataError(
                .embeddedDataUnavailable,
                "The embedded FRED file \(url.lastPathComponent) is malformed (\(error)); "
                    + "regenerate it with Scripts/embedded/make_embedded_fred.py.",
                context: ["file": url.path])
        }
    }
}

extension DataError.Code {
    /// The embedded offline data set is missing from the bundle or does not match its manifest.
    public static let embeddedDataUnavailable = Self(rawValue: "embedded_data_unavailable")
    /// A series was asked for that the embedded offline data set does not hold.
    public static let unknownEmbeddedSeries = Self(rawValue: "unknown_embedded_series")
    /// A proxy has no embedded series; it needs a FRED API key and network access.
    public static let proxyNotEmbedded = Self(rawValue: "proxy_not_embedded")
    // `unknownProxy` (a proxy name nobody knows) is declared with the proxy registry.
}
