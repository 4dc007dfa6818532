/// An error raised by the batch engine: configuration, job definitions, schedules, the store.
///
/// The message names the value at fault (a JSON path, a job id, a cron field) and says what
/// to do; `code` is stable for programs.
public struct BatchError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A stable, machine-readable error category.
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        /// The code's stable string form.
        public let rawValue: String
        /// Wraps a raw code string.
        public init(rawValue: String) { self.rawValue = rawValue }
        /// The code's string form.
        public var description: String { rawValue }

        /// A value is malformed or out of range.
        public static let invalidValue = Code(rawValue: "invalid_value")
        /// A configuration file or document cannot be read or parsed.
        public static let invalidConfiguration = Code(rawValue: "invalid_configuration")
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
