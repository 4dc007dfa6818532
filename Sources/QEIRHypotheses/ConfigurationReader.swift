import QEIRBatch
import QEIRData

/// Typed access to configuration members with errors that name the JSON path.
struct Reader {
    let members: [String: ConfigValue]
    /// Names defined by `series_files`, accepted wherever a proxy is (as `.proxy(name)`).
    var fileSeries: Set<String> = []

    func integer(_ key: String, minimum: Int) throws -> Int? {
        guard let value = members[key] else { return nil }
        guard case .integer(let v) = value, v >= minimum else {
            throw HypothesisError.configuration(key, expected: "an integer of at least \(minimum)", found: value.text)
        }
        return v
    }

    func number(_ key: String, open low: Double, _ high: Double) throws -> Double? {
        guard let value = members[key] else { return nil }
        let v: Double
        switch value {
        case .integer(let i): v = Double(i)
        case .number(let d): v = d
        default: v = .nan
        }
        guard v > low, v < high else {
            throw HypothesisError.configuration(
                key, expected: "a number strictly between \(Self.format(low)) and \(Self.format(high))",
                found: value.text)
        }
        return v
    }

    func bool(_ key: String) throws -> Bool? {
        guard let value = members[key] else { return nil }
        guard case .bool(let v) = value else {
            throw HypothesisError.configuration(key, expected: "true or false", found: value.text)
        }
        return v
    }

    func object(_ key: String) throws -> [String: ConfigValue]? {
        guard let value = members[key] else { return nil }
        guard case .object(let v) = value else {
            throw HypothesisError.configuration(key, expected: "a JSON object", found: value.text)
        }
        return v
    }

    func choice<T: RawRepresentable & CaseIterable>(_ key: String, _ type: T.Type) throws -> T?
    where T.RawValue == String {
        guard let value = members[key] else { return nil }
        return try Self.choice(value, path: key, type)
    }

    static func choice<T: RawRepresentable & CaseIterable>(_ value: ConfigValue, path: String, _ type: T.Type) throws
        -> T
    where T.RawValue == String {
        if case .string(let s) = value, let v = T(rawValue: s) { return v }
        let options = T.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
        throw HypothesisError.configuration(path, expected: "one of \(options)", found: value.text)
    }

    func reference(_ key: String, nullable: Bool = false) throws -> SeriesReference? {
        guard let value = members[key] else { return nil }
        guard case .string(let text) = value,
            let reference = SeriesReference(parsing: text) ?? (fileSeries.contains(text) ? .proxy(text) : nil)
        else {
            throw HypothesisError.configuration(
                key,
                expected: "a proxy name (\(ProxyRegistry.defaults.names.joined(separator: ", "))), an upper-case "
                    + "FRED series id or a series_files name" + (nullable ? ", or null to leave the series out" : ""),
                found: value.text)
        }
        return reference
    }

    func hypotheses(_ key: String) throws -> [Hypothesis]? {
        guard let value = members[key] else { return nil }
        guard case .array(let items) = value, !items.isEmpty else {
            throw HypothesisError.configuration(
                key, expected: "a non-empty array of hypothesis numbers (1, 2, 3)", found: value.text)
        }
        var out: [Hypothesis] = []
        for (i, item) in items.enumerated() {
            guard case .integer(let n) = item, let h = Hypothesis(rawValue: n) else {
                throw HypothesisError.configuration("\(key)[\(i)]", expected: "1, 2 or 3", found: item.text)
            }
            guard !out.contains(h) else {
                throw HypothesisError.configuration(
                    "\(key)[\(i)]", expected: "each hypothesis once", found: "\(n) again")
            }
            out.append(h)
        }
        return out.sorted()
    }

    func instruments(_ key: String) throws -> [InstrumentSpecification]? {
        guard let value = members[key] else { return nil }
        guard case .array(let items) = value else {
            throw HypothesisError.configuration(
                key, expected: "an array of instruments such as \"L1.qe_intensity\"", found: value.text)
        }
        return try items.enumerated().map { i, item in
            guard case .string(let text) = item,
                let instrument = InstrumentSpecification(parsing: text, fileSeries: fileSeries)
            else {
                throw HypothesisError.configuration(
                    "\(key)[\(i)]",
                    expected:
                        "a role, proxy name or FRED id, optionally lagged as L<k>.name (e.g. \"L1.qe_intensity\")",
                    found: item.text)
            }
            return instrument
        }
    }

    static func format(_ v: Double) -> String { v == v.rounded() ? String(Int(v)) : String(v) }
}

extension ConfigValue {
    /// A short description for error messages: scalars as JSON, containers by kind and size.
    var text: String {
        switch self {
        case .null: "null"
        case .bool(let value): "\(value)"
        case .integer(let value): "\(value)"
        case .number(let value): "\(value)"
        case .string(let value): "\"\(value)\""
        case .array(let value): "an array of \(value.count) element\(value.count == 1 ? "" : "s")"
        case .object: "an object"
        }
    }
}
