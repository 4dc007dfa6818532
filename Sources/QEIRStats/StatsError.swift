/// An error raised by a QEIRStats computation.
///
/// Every error has a stable ``Code`` for programs, a human ``message`` that says what failed,
/// on which input, and what to do, and a ``context`` with the names and values at fault.
/// New codes may be added in any release, so match on the codes you handle and treat the
/// rest generically.
public struct StatsError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A stable, machine-readable error category.
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        /// The code's stable string form (for logs and JSON).
        public let rawValue: String
        /// Wraps a raw code string.
        public init(rawValue: String) { self.rawValue = rawValue }
        /// The code's string form.
        public var description: String { rawValue }

        /// Two or more columns are (numerically) linearly dependent.
        public static let rankDeficient = Code(rawValue: "rank_deficient")
        /// There are not more observations than parameters.
        public static let insufficientObservations = Code(rawValue: "insufficient_observations")
        /// A value is NaN or infinite.
        public static let nonFinite = Code(rawValue: "non_finite")
        /// The same column name appears twice.
        public static let duplicateColumn = Code(rawValue: "duplicate_column")
        /// A named column does not exist.
        public static let missingColumn = Code(rawValue: "missing_column")
        /// Arrays or matrices have incompatible sizes.
        public static let dimensionMismatch = Code(rawValue: "dimension_mismatch")
        /// An argument is outside its valid range.
        public static let invalidArgument = Code(rawValue: "invalid_argument")
        /// An IV model has fewer instruments than endogenous regressors.
        public static let underidentified = Code(rawValue: "underidentified")
        /// A LAPACK routine reported failure.
        public static let lapackFailure = Code(rawValue: "lapack_failure")
        /// A matrix that must be inverted is singular.
        public static let singularMatrix = Code(rawValue: "singular_matrix")
    }

    /// The error category.
    public let code: Code
    /// What failed, on which input, and what to do about it.
    public let message: String
    /// Names and values at fault (for example `["column": "x3"]`).
    public let context: [String: String]

    /// Creates an error.
    /// - Parameters:
    ///   - code: the category.
    ///   - message: a sentence that names the input at fault and says what to do.
    ///   - context: names and values at fault.
    public init(_ code: Code, _ message: String, context: [String: String] = [:]) {
        self.code = code
        self.message = message
        self.context = context
    }

    /// The message, prefixed by the code.
    public var description: String { "\(message) [\(code)]" }
}

extension StatsError {
    /// A LAPACK failure, naming the routine and decoding `info`.
    static func lapack(_ routine: String, info: Int) -> StatsError {
        let meaning: String
        if info < 0 {
            meaning = "argument \(-info) had an illegal value (a bug in QEIR: please report it)"
        } else {
            meaning = "the computation did not complete (info = \(info): singular or not positive definite)"
        }
        return StatsError(
            .lapackFailure, "LAPACK \(routine) failed: \(meaning).",
            context: ["routine": routine, "info": String(info)])
    }
}
