import Foundation
import QEIRBatch
public import QEIRData

/// A series the configuration reads from a CSV file (`series_files`): its name, the path as
/// configured, and the path it resolves to.
///
/// File format: a header line `date,value`, then one `date,value` line per observation. Dates
/// are `YYYY-MM-DD` (the first day of the month, quarter or year for monthly, quarterly and
/// annual data, or any business day for daily data) or `YYYY-Qn` (quarter n, dated its first
/// day); values are decimal numbers, and an empty value or `.` is a missing observation. The
/// frequency is inferred from the dates (``QEIRData/Frequency/infer(from:series:)``); finer
/// series are aggregated to quarterly like any other (a role's `aggregation`, instruments by
/// the quarter's mean). Blank lines are ignored; a UTF-8 byte-order mark is skipped.
public struct SeriesFile: Sendable, Hashable {
    /// The series' name in the configuration (`hf_surprise`).
    public var name: String
    /// The path as configured.
    public var path: String
    /// The path read: `path` if absolute, else `path` relative to the working directory of the
    /// process that parsed the configuration (a caller that knows the configuration file's
    /// location makes paths relative to it with
    /// ``HypothesisConfiguration/resolvingSeriesFiles(in:relativeTo:)`` first).
    public var resolvedPath: String

    /// Creates a file reference.
    public init(name: String, path: String, resolvedPath: String) {
        self.name = name
        self.path = path
        self.resolvedPath = resolvedPath
    }

    /// Reads and parses the file.
    /// - Returns: the series (named after ``name``) and the file's SHA-256 (`sha256:<hex>`).
    /// - Throws: ``HypothesisError`` (``HypothesisError/Code/invalidConfiguration``) naming the
    ///   file, the line and the value at fault.
    public func read() throws -> (series: Series, sha256: String) {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: resolvedPath))
        } catch {
            throw fail(
                "the file cannot be read (\(Self.reason(error))); check the path (a relative path is resolved "
                    + "against the working directory)", line: nil, found: nil)
        }
        let hash = ContentHash.sha256(of: data)
        guard var text = String(data: data, encoding: .utf8) else {
            throw fail("the file is not UTF-8 text; save it as a UTF-8 CSV file", line: nil, found: nil)
        }
        if text.hasPrefix("\u{FEFF}") { text.removeFirst() }
        let lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
        var dates: [SeriesDate] = []
        var values: [Double?] = []
        var sawHeader = false
        for (offset, raw) in lines.enumerated() {
            let number = offset + 1
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty { continue }
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map {
                $0.trimmingCharacters(in: .whitespaces)
            }
            if !sawHeader {
                guard fields.map({ $0.lowercased() }) == ["date", "value"] else {
                    throw fail("the file must start with the header line \"date,value\"", line: number, found: line)
                }
                sawHeader = true
                continue
            }
            guard fields.count == 2 else {
                throw fail(
                    "the line has \(fields.count) field\(fields.count == 1 ? "" : "s"); each line is \"date,value\"",
                    line: number, found: line)
            }
            guard let date = Self.date(fields[0]) else {
                throw fail("the date is neither YYYY-MM-DD nor YYYY-Qn", line: number, found: fields[0])
            }
            let value: Double?
            if fields[1].isEmpty || fields[1] == "." {
                value = nil
            } else if let v = Double(fields[1]), v.isFinite {
                value = v
            } else {
                throw fail(
                    "the value is not a finite number (write an empty value or . for a missing one)", line: number,
                    found: fields[1])
            }
            if let last = dates.last, date <= last {
                throw fail(
                    "the date \(date) is not after the previous line's \(last); sort the lines by date, one per date",
                    line: number, found: fields[0])
            }
            dates.append(date)
            values.append(value)
        }
        guard sawHeader else {
            throw fail("the file is empty; write the header \"date,value\" and the data", line: nil, found: nil)
        }
        guard dates.count >= 2 else {
            throw fail("the file has \(dates.count) observation(s); a series needs at least two", line: nil, found: nil)
        }
        do {
            return (try Series(name: name, dates: dates, values: values), hash)
        } catch let error as DataError {
            throw fail("the observations do not form a series: \(error.message)", line: nil, found: nil)
        }
    }

    /// `YYYY-MM-DD` or `YYYY-Qn` (the quarter's first day).
    static func date(_ text: String) -> SeriesDate? {
        let parts = text.split(separator: "-")
        if parts.count == 2, parts[0].count == 4, let year = Int(parts[0]), parts[1].count == 2,
            parts[1].first == "Q" || parts[1].first == "q", let q = Int(parts[1].dropFirst()), (1...4).contains(q)
        {
            return try? SeriesDate(year: year, month: 3 * q - 2, day: 1)
        }
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2 else { return nil }
        return try? SeriesDate(text)
    }

    static func reason(_ error: any Error) -> String {
        if let e = error as? CocoaError {
            if e.code == .fileReadNoSuchFile { return "no such file" }
            if e.code == .fileReadNoPermission { return "permission denied" }
        }
        return (error as NSError).localizedDescription
    }

    func fail(_ what: String, line: Int?, found: String?) -> HypothesisError {
        let location = line.map { ", line \($0)" } ?? ""
        let value = found.map { "; found \"\($0)\"" } ?? ""
        var context = ["path": "series_files.\(name)", "file": resolvedPath]
        if let line { context["line"] = String(line) }
        if let found { context["found"] = found }
        return HypothesisError(
            .invalidConfiguration, "Series file '\(resolvedPath)' (series_files.\(name))\(location): \(what)\(value).",
            context: context)
    }
}

/// A ``SeriesSource`` that reads the configuration's `series_files` and passes every other
/// reference to the source it wraps. A file's series is asked for as `.proxy(name)`; its
/// ``LoadedSeries/origin`` is `"file"` and its provenance names the path and the file's SHA-256.
public struct SeriesFilesSource: SeriesSource {
    /// The wrapped source.
    public let base: any SeriesSource
    /// The files, by series name.
    public let files: [String: SeriesFile]

    /// Wraps `base`.
    public init(base: any SeriesSource, files: [String: SeriesFile]) {
        self.base = base
        self.files = files
    }

    /// The wrapped source's vintage (a file's hash is in its provenance and in the job's inputs).
    public var vintage: String { base.vintage }

    /// Reads a file's series, or asks the wrapped source.
    /// - Throws: ``HypothesisError`` for a bad file; the wrapped source's errors otherwise.
    public func load(_ reference: SeriesReference, from start: SeriesDate?, through end: SeriesDate?) async throws
        -> LoadedSeries
    {
        guard case .proxy(let name) = reference, let file = files[name] else {
            return try await base.load(reference, from: start, through: end)
        }
        let (series, hash) = try file.read()
        let first = series.dates.first.map(\.description) ?? ""
        let last = series.dates.last.map(\.description) ?? ""
        return LoadedSeries(
            series: series, seriesID: name, title: "series file \(file.path)", units: "as in the file",
            origin: "file",
            provenance: "file \(file.resolvedPath) (\(hash)), \(series.dates.count) \(series.frequency) "
                + "observations \(first)..\(last)")
    }
}
