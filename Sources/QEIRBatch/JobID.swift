extension BatchError.Code {
    /// A job id is empty, reserved, too long or contains a character outside the allowed set.
    public static let invalidJobID = Self(rawValue: "invalid_job_id")
}

/// A validated job identifier that is safe to use as a file or directory name.
///
/// A job id is 1 to ``maximumLength`` ASCII letters, digits, `.`, `_` or `-`, and is neither
/// `.` nor `..`. It therefore never contains a path separator, never names the current or
/// parent directory, and can never escape the output directory it is joined to.
public struct JobID: RawRepresentable, Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    /// The longest accepted id, in characters.
    public static let maximumLength = 200

    /// The id's text.
    public let rawValue: String

    /// Validates `rawValue`, returning `nil` when it is not a valid job id.
    ///
    /// - Parameter rawValue: The candidate id.
    public init?(rawValue: String) {
        guard Self.problem(in: rawValue) == nil else { return nil }
        self.rawValue = rawValue
    }

    /// Validates `id`.
    ///
    /// - Parameter id: The candidate id.
    /// - Throws: ``BatchError`` with code ``BatchError/Code/invalidJobID`` naming the id and the
    ///   offending character.
    public init(_ id: String) throws(BatchError) {
        if let error = Self.problem(in: id) { throw error }
        self.rawValue = id
    }

    /// Decodes a string and validates it as a job id.
    ///
    /// - Parameter decoder: The decoder to read from.
    /// - Throws: `DecodingError.dataCorrupted` carrying the ``BatchError`` message.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        if let error = Self.problem(in: text) {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.message)
        }
        self.rawValue = text
    }

    /// Encodes the id as a string.
    ///
    /// - Parameter encoder: The encoder to write to.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    /// The id's text.
    public var description: String { rawValue }

    /// Orders ids by their text (Unicode scalar order, which for valid ids is ASCII order).
    public static func < (lhs: JobID, rhs: JobID) -> Bool {
        lhs.rawValue.unicodeScalars.lexicographicallyPrecedes(rhs.rawValue.unicodeScalars)
    }

    /// Whether `scalar` may appear in a job id.
    ///
    /// - Parameter scalar: The character to test.
    /// - Returns: `true` for ASCII letters, digits, `.`, `_` and `-`.
    public static func isAllowed(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "a"..."z", "A"..."Z", "0"..."9", ".", "_", "-": true
        default: false
        }
    }

    static let allowedDescription = "ASCII letters, digits, '.', '_' and '-'"

    /// The reason `id` is invalid, or `nil` when it is valid.
    static func problem(in id: String) -> BatchError? {
        if id.isEmpty {
            return BatchError(
                .invalidJobID, "Job id is empty; use 1 to \(maximumLength) \(allowedDescription).",
                context: ["id": id])
        }
        if id == "." || id == ".." {
            return BatchError(
                .invalidJobID,
                "Job id '\(id)' is reserved (it names a directory); use \(allowedDescription) and at least one other character.",
                context: ["id": id])
        }
        for (offset, scalar) in id.unicodeScalars.enumerated() where !isAllowed(scalar) {
            let character = displayed(scalar)
            return BatchError(
                .invalidJobID,
                "Job id '\(printable(id))' contains \(character) at position \(offset + 1); use only \(allowedDescription).",
                context: ["id": id, "character": String(scalar)])
        }
        let count = id.unicodeScalars.count
        if count > maximumLength {
            return BatchError(
                .invalidJobID,
                "Job id '\(id.prefix(40))…' is \(count) characters long; use at most \(maximumLength).",
                context: ["id": id])
        }
        return nil
    }

    /// A character as shown in messages: `'/'` when printable ASCII, `U+000A` otherwise.
    static func displayed(_ scalar: Unicode.Scalar) -> String {
        if scalar.value >= 0x21 && scalar.value <= 0x7E { return "'\(scalar)'" }
        let hex = String(scalar.value, radix: 16, uppercase: true)
        return "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    }

    /// `text` with every character outside printable ASCII written as `\u{…}`.
    static func printable(_ text: String) -> String {
        var result = ""
        for scalar in text.unicodeScalars {
            if scalar.value >= 0x20 && scalar.value <= 0x7E {
                result.unicodeScalars.append(scalar)
            } else {
                result += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
            }
        }
        return result
    }
}
