/// An error raised while reading or preparing data.
///
/// The message names the file, column, row and value at fault and says what to do.
public struct DataError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A stable, machine-readable error category.
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        /// The code's stable string form.
        public let rawValue: String
        /// Wraps a raw code string.
        public init(rawValue: String) { self.rawValue = rawValue }
        /// The code's string form.
        public var description: String { rawValue }

        /// The file does not exist or cannot be read.
        public static let unreadableFile = Code(rawValue: "unreadable_file")
        /// The file has no header or no data rows.
        public static let emptyData = Code(rawValue: "empty_data")
        /// A row has a different number of fields than the header.
        public static let raggedRow = Code(rawValue: "ragged_row")
        /// The CSV text is malformed (for example an unterminated quote).
        public static let malformedCSV = Code(rawValue: "malformed_csv")
        /// Two header fields share a name.
        public static let duplicateColumn = Code(rawValue: "duplicate_column")
        /// A requested column does not exist.
        public static let missingColumn = Code(rawValue: "missing_column")
        /// A value that must be numeric is not (or is missing).
        public static let nonNumeric = Code(rawValue: "non_numeric")
    }

    /// The error category.
    public let code: Code
    /// What failed, where, and what to do.
    public let message: String
    /// Names and values at fault.
    public let context: [String: String]

    /// Creates an error.
    public init(_ code: Code, _ message: String, context: [String: String] = [:]) {
        self.code = code
        self.message = message
        self.context = context
    }

    /// The message, prefixed by the code.
    public var description: String { "\(message) [\(code)]" }
}
