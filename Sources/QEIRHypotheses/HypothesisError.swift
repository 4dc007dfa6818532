/// An error of the hypothesis layer: a configuration value, a job payload, or data that cannot
/// support a hypothesis.
///
/// Like the other QEIR errors it carries a stable ``Code``, a message that names the key or
/// series at fault and says what to do, and a `context` dictionary (for configuration errors:
/// `path`, `expected`, `found`). Errors of the layers below (``QEIRData/DataError``,
/// ``QEIRStats/StatsError``) pass through unchanged, except where the hypothesis layer can say
/// more (which role of which hypothesis a series plays).
public struct HypothesisError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A stable, machine-readable error category.
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        /// The code's stable string form.
        public let rawValue: String
        /// Wraps a raw code string.
        public init(rawValue: String) { self.rawValue = rawValue }
        /// The code's string form.
        public var description: String { rawValue }

        /// A configuration value has the wrong type or is out of range; `context["path"]` is its
        /// JSON path.
        public static let invalidConfiguration = Code(rawValue: "invalid_hypothesis_configuration")
        /// A job's payload is not a hypothesis payload.
        public static let invalidPayload = Code(rawValue: "invalid_hypothesis_payload")
        /// A series a hypothesis needs cannot be obtained from the data source.
        public static let dataUnavailable = Code(rawValue: "hypothesis_data_unavailable")
        /// The aligned data leave too few observations, or have a gap, for the model.
        public static let insufficientData = Code(rawValue: "hypothesis_insufficient_data")
        /// An estimator failed on the hypothesis' data (collinear regressors, too few observations
        /// for the lags or horizons asked for); the message names the hypothesis, sample and cause.
        public static let estimationFailed = Code(rawValue: "hypothesis_estimation_failed")
    }

    /// The error category.
    public let code: Code
    /// What failed, where, and what to do.
    public let message: String
    /// Names and values at fault.
    public let context: [String: String]

    /// Creates an error.
    /// - Parameters:
    ///   - code: the category.
    ///   - message: the human message.
    ///   - context: names and values at fault.
    public init(_ code: Code, _ message: String, context: [String: String] = [:]) {
        self.code = code
        self.message = message
        self.context = context
    }

    /// The message, followed by the code in brackets.
    public var description: String { "\(message) [\(code)]" }

    /// The error for a configuration value at `path` that is not what was `expected`.
    static func configuration(_ path: String, expected: String, found: String) -> HypothesisError {
        HypothesisError(
            .invalidConfiguration,
            "Invalid hypothesis configuration at \(path): expected \(expected), found \(found).",
            context: ["path": path, "expected": expected, "found": found])
    }
}
