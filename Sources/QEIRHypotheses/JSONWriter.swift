import Foundation

/// A JSON value with ordered object keys.
///
/// Written by hand rather than with `JSONEncoder` because the `qeir regress` contract needs
/// two things `JSONEncoder` cannot give: numbers printed with exactly 17 significant digits
/// (`%.17g`) and object keys in a fixed, documented order. Non-finite numbers become `null`.
public indirect enum JSONValue: Sendable, Hashable {
    /// A number, printed with 17 significant digits.
    case number(Double)
    /// An integer.
    case integer(Int)
    /// A string (escaped on output).
    case string(String)
    /// true / false.
    case bool(Bool)
    /// null.
    case null
    /// An array.
    case array([JSONValue])
    /// An object with keys in the given order.
    case object([(String, JSONValue)])

    /// Equality compares objects key by key, in order.
    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool { lhs.rendered() == rhs.rendered() }
    /// Hashes the rendered text.
    public func hash(into hasher: inout Hasher) { hasher.combine(rendered()) }

    /// A number, or `null` when the optional is nil or the value is not finite.
    public static func number(_ value: Double?) -> JSONValue {
        guard let value, value.isFinite else { return .null }
        return .number(value)
    }

    /// The JSON text, pretty-printed with two-space indentation.
    public func rendered(indent: Int = 0) -> String {
        let pad = String(repeating: "  ", count: indent)
        let inner = String(repeating: "  ", count: indent + 1)
        switch self {
        case let .number(v):
            return v.isFinite ? String(format: "%.17g", v) : "null"
        case let .integer(i): return String(i)
        case let .string(s): return Self.escape(s)
        case let .bool(b): return b ? "true" : "false"
        case .null: return "null"
        case let .array(items):
            if items.isEmpty { return "[]" }
            if items.allSatisfy({ if case .number = $0 { true } else { false } }) {
                return "[" + items.map { $0.rendered() }.joined(separator: ", ") + "]"
            }
            return "[\n" + items.map { inner + $0.rendered(indent: indent + 1) }.joined(separator: ",\n") + "\n\(pad)]"
        case let .object(pairs):
            if pairs.isEmpty { return "{}" }
            return "{\n"
                + pairs.map { inner + Self.escape($0.0) + ": " + $0.1.rendered(indent: indent + 1) }.joined(
                    separator: ",\n")
                + "\n\(pad)}"
        }
    }

    static func escape(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case let c where c.value < 0x20: out += String(format: "\\u%04x", c.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
