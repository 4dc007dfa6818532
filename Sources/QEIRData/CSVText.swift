internal import CSV
import Foundation

/// CSV text written by CSV.swift (RFC 4180: a field is quoted when it holds a comma, a quote
/// or a line break; quotes are doubled), one row per line, `\n` line ends, a final newline.
public enum CSVText {
    /// The CSV text of a header and rows.
    /// - Parameters:
    ///   - header: the column names.
    ///   - rows: the data rows (each as long as the header, not checked).
    /// - Returns: the text.
    public static func make(header: [String], rows: [[String]]) -> String {
        let stream = OutputStream(toMemory: ())
        stream.open()
        // Writing to memory cannot fail; a failure would leave the text short, never wrong.
        if let writer = try? CSVWriter(stream: stream) {
            try? writer.write(row: header)
            for row in rows { try? writer.write(row: row) }
        }
        stream.close()
        let data = stream.property(forKey: .dataWrittenToMemoryStreamKey) as? Data ?? Data()
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    /// A number as CSV text: the shortest decimal that reads back as the same `Double`
    /// (full precision), an empty field for `nil`.
    /// - Parameter value: the value.
    /// - Returns: the text.
    public static func number(_ value: Double?) -> String {
        guard let value else { return "" }
        return "\(value)"
    }
}
