/// A JSON value kept as data: the free-form parts of a batch configuration.
///
/// Numbers are classified by value, as Foundation's `JSONDecoder` reads them: a number with an
/// integral value that fits in `Int` (`1000`, `8.0`, `1e3`) is ``integer(_:)``, any other is
/// ``number(_:)``. Float literals follow the same rule, so `8.0 as ConfigValue` equals the
/// decoded `8.0`. Object keys are unordered; encode with `.sortedKeys` for a deterministic text.
public enum ConfigValue: Sendable, Hashable, Codable {
    /// JSON `null`.
    case null
    /// `true` or `false`.
    case bool(Bool)
    /// A number whose value is integral and fits in `Int`.
    case integer(Int)
    /// A number with a fractional part or outside `Int`'s range.
    case number(Double)
    /// A string.
    case string(String)
    /// An array.
    case array([ConfigValue])
    /// An object.
    case object([String: ConfigValue])

    /// Decodes any JSON value.
    ///
    /// - Parameter decoder: The decoder to read from.
    /// - Throws: `DecodingError` when the input is not JSON.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int.self) {
            self = .integer(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([ConfigValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: ConfigValue].self))
        }
    }

    /// Encodes the value as JSON.
    ///
    /// - Parameter encoder: The encoder to write to.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .integer(let value): try container.encode(value)
        case .number(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }

    /// The members of an object, or `nil` for any other value.
    public var objectValue: [String: ConfigValue]? {
        if case .object(let members) = self { members } else { nil }
    }

    /// The member named `key` of an object; `nil` when absent or when this is not an object.
    ///
    /// - Parameter key: The member name.
    public subscript(key: String) -> ConfigValue? {
        objectValue?[key]
    }

    /// This value with `overlay` laid over it.
    ///
    /// When both are objects the result holds every member of both; a member present in both is
    /// itself overlaid recursively. Otherwise the result is `overlay`.
    ///
    /// - Parameter overlay: The value whose members win.
    /// - Returns: The merged value.
    /// - Complexity: O(*n*) in the total number of members.
    public func overlaid(with overlay: ConfigValue) -> ConfigValue {
        guard case .object(var base) = self, case .object(let top) = overlay else { return overlay }
        for (key, value) in top {
            base[key] = base[key].map { $0.overlaid(with: value) } ?? value
        }
        return .object(base)
    }

    /// A short description for error messages: scalars as JSON, containers by kind and size.
    var summary: String {
        switch self {
        case .null: "null"
        case .bool(let value): "\(value)"
        case .integer(let value): "\(value)"
        case .number(let value): "\(value)"
        case .string(let value): "\"\(JobID.printable(value))\""
        case .array(let value): "an array of \(value.count) element\(value.count == 1 ? "" : "s")"
        case .object: "an object"
        }
    }
}

extension ConfigValue: ExpressibleByNilLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByFloatLiteral, ExpressibleByStringLiteral, ExpressibleByArrayLiteral,
    ExpressibleByDictionaryLiteral
{
    /// Creates ``null``.
    public init(nilLiteral: ()) { self = .null }
    /// Creates ``bool(_:)``.
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    /// Creates ``integer(_:)``.
    public init(integerLiteral value: Int) { self = .integer(value) }
    /// Creates ``integer(_:)`` when `value` is integral and fits in `Int`, else ``number(_:)``.
    public init(floatLiteral value: Double) {
        if let whole = Int(exactly: value) { self = .integer(whole) } else { self = .number(value) }
    }
    /// Creates ``string(_:)``.
    public init(stringLiteral value: String) { self = .string(value) }
    /// Creates ``array(_:)``.
    public init(arrayLiteral elements: ConfigValue...) { self = .array(elements) }
    /// Creates ``object(_:)``; a repeated key keeps its last value.
    public init(dictionaryLiteral elements: (String, ConfigValue)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }
}
