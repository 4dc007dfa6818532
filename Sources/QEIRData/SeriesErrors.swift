extension DataError.Code {
    /// A date is malformed or does not exist on the calendar.
    public static let invalidDate = DataError.Code(rawValue: "invalid_date")
    /// A series' dates follow no daily, weekly, monthly, quarterly or annual pattern.
    public static let irregularFrequency = DataError.Code(rawValue: "irregular_frequency")
    /// A series was asked for at a finer frequency than its own (QEIR never upsamples).
    public static let upsampling = DataError.Code(rawValue: "upsampling")
    /// Series of different frequencies were combined without aligning them first.
    public static let frequencyMismatch = DataError.Code(rawValue: "frequency_mismatch")
    /// Dates are out of order, repeated, or two dates fall in one period.
    public static let duplicateDate = DataError.Code(rawValue: "duplicate_date")
    /// A used value is missing under the ``MissingPolicy/error`` policy, or cannot be filled.
    public static let missingValue = DataError.Code(rawValue: "missing_value")
    /// A value lies outside a transform's domain (log of a non-positive number, division by zero).
    public static let domainError = DataError.Code(rawValue: "domain_error")
    /// A window or policy left no observations.
    public static let emptyWindow = DataError.Code(rawValue: "empty_window")
    /// An argument is malformed (an unknown transform, a negative lag, a bad JSON value).
    public static let invalidArgument = DataError.Code(rawValue: "invalid_argument")
    /// A proxy name is not in the registry.
    public static let unknownProxy = DataError.Code(rawValue: "unknown_proxy")
    /// A JSON object has a key QEIR does not know.
    public static let unknownKey = DataError.Code(rawValue: "unknown_key")
}
