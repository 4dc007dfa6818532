internal import CSV
public import Foundation

/// A table of named columns read from CSV (header row required), kept as text until a column
/// is asked for as numbers, so that a bad cell is reported only if it is used and always by
/// file, column, row and value.
public struct DataTable: Sendable, Hashable {
    /// Where the table came from (a file path, or a label for in-memory text), used in errors.
    public let source: String
    /// Column names in file order.
    public let columnNames: [String]
    /// Number of data rows (excluding the header).
    public let rowCount: Int
    private let cells: [[String]]  // column-major: cells[column][row]

    /// Parses CSV text with a header row (RFC 4180 quoting; comma separated).
    /// - Parameters:
    ///   - text: the CSV text.
    ///   - source: a label for error messages (for example the file path).
    /// - Throws: ``DataError`` for an empty table, malformed CSV, ragged rows or repeated or
    ///   empty header names.
    public init(csv text: String, source: String = "<csv>") throws {
        self.source = source
        guard !text.allSatisfy(\.isWhitespace) else {
            throw DataError(
                .emptyData, "\(source) is empty: a header row naming the columns is required.",
                context: ["file": source])
        }
        let reader: CSVReader
        do {
            reader = try CSVReader(string: text, hasHeaderRow: true, trimFields: true)
        } catch {
            throw DataError(
                .malformedCSV,
                "\(source): the CSV header could not be read (\(error)); check the file is comma-separated text.",
                context: ["file": source])
        }
        guard let header = reader.headerRow, !(header.count == 1 && header[0].isEmpty) else {
            throw DataError(
                .emptyData, "\(source) is empty: a header row naming the columns is required.",
                context: ["file": source])
        }
        var seen = Set<String>()
        for (j, name) in header.enumerated() {
            guard !name.isEmpty else {
                throw DataError(
                    .malformedCSV, "\(source): header field \(j + 1) is empty; every column needs a name.",
                    context: ["file": source, "field": String(j + 1)])
            }
            guard seen.insert(name).inserted else {
                throw DataError(
                    .duplicateColumn,
                    "\(source): column '\(name)' appears twice in the header; column names must be unique.",
                    context: ["file": source, "column": name])
            }
        }
        var columns = [[String]](repeating: [], count: header.count)
        var row = 0
        while let fields = reader.next() {
            row += 1
            if fields.count == 1 && fields[0].isEmpty { continue }  // blank line
            guard fields.count == header.count else {
                throw DataError(
                    .raggedRow,
                    "\(source): data row \(row) has \(fields.count) field(s) but the header has \(header.count); "
                        + "fix the row so every row has one value per column.",
                    context: ["file": source, "row": String(row)])
            }
            for j in 0..<fields.count { columns[j].append(fields[j]) }
        }
        if let error = reader.error {
            throw DataError(
                .malformedCSV, "\(source): malformed CSV after data row \(row) (\(error)); check quoting.",
                context: ["file": source, "row": String(row)])
        }
        guard let count = columns.first?.count, count > 0 else {
            throw DataError(.emptyData, "\(source) has a header but no data rows.", context: ["file": source])
        }
        self.columnNames = header
        self.rowCount = count
        self.cells = columns
    }

    /// Reads a CSV file.
    /// - Throws: ``DataError/Code/unreadableFile`` when it cannot be read, and the parsing errors.
    public init(contentsOf url: URL) throws {
        let text: String
        do {
            text = try String(contentsOf: url, encoding: .utf8)
        } catch {
            throw DataError(
                .unreadableFile, "Cannot read \(url.path): check the path exists and is UTF-8 text.",
                context: ["file": url.path])
        }
        try self.init(csv: text, source: url.path)
    }

    /// Whether the table has a column called `name`.
    public func hasColumn(_ name: String) -> Bool { columnNames.contains(name) }

    /// The raw text of column `name`.
    /// - Throws: ``DataError/Code/missingColumn``.
    public func textColumn(_ name: String) throws -> [String] {
        guard let j = columnNames.firstIndex(of: name) else {
            throw DataError(
                .missingColumn,
                "\(source) has no column '\(name)'; its columns are \(columnNames.joined(separator: ", ")).",
                context: ["file": source, "column": name])
        }
        return cells[j]
    }

    /// Column `name` parsed as numbers.
    /// - Throws: ``DataError/Code/missingColumn``, or ``DataError/Code/nonNumeric`` naming the
    ///   row and value of the first cell that is empty, `NA`, `.` or not a finite number.
    public func numericColumn(_ name: String) throws -> [Double] {
        let text = try textColumn(name)
        var out = [Double]()
        out.reserveCapacity(text.count)
        for (i, cell) in text.enumerated() {
            guard let v = Double(cell), v.isFinite else {
                let what =
                    cell.isEmpty || cell == "NA" || cell == "." || cell.lowercased() == "nan"
                    ? "a missing value" : "a non-numeric value"
                throw DataError(
                    .nonNumeric,
                    "\(source): column '\(name)' has \(what) ('\(cell)') at data row \(i + 1); "
                        + "QEIR never drops rows silently: remove or impute it.",
                    context: ["file": source, "column": name, "row": String(i + 1), "value": cell])
            }
            out.append(v)
        }
        return out
    }
}
