/// A design (regressor) matrix whose columns carry names, so every estimate is labelled.
///
/// Build one from named columns; the optional constant is named ``constantName`` (`"const"`)
/// and placed first, as statsmodels' `add_constant` does. Construction validates the input:
/// duplicate names, ragged columns and non-finite values are reported by column name and
/// observation.
public struct DesignMatrix: Sendable, Hashable {
    /// The name given to the constant column.
    public static let constantName = "const"

    /// Column names, in column order.
    public let names: [String]
    /// The values, `nobs × names.count`, column-major.
    public let matrix: Matrix

    /// Number of observations (rows).
    public var nobs: Int { matrix.rows }
    /// Number of columns.
    public var count: Int { matrix.columns }

    /// Builds a design matrix from named columns.
    /// - Parameters:
    ///   - columns: name and values of each regressor, in order.
    ///   - constant: prepend a column of ones named `"const"`.
    ///   - nobs: the number of observations, needed only when `columns` is empty.
    /// - Throws: ``StatsError`` with code `duplicateColumn`, `dimensionMismatch` or `nonFinite`,
    ///   naming the column (and observation) at fault.
    public init(columns: [(name: String, values: [Double])], constant: Bool = true, nobs: Int? = nil) throws {
        guard let n = columns.first?.values.count ?? nobs else {
            throw StatsError(
                .invalidArgument,
                "A design matrix needs at least one column or an explicit number of observations.")
        }
        var names: [String] = []
        var storage: [Double] = []
        storage.reserveCapacity(n * (columns.count + (constant ? 1 : 0)))
        if constant {
            names.append(Self.constantName)
            storage.append(contentsOf: repeatElement(1.0, count: n))
        }
        var seen = Set(names)
        for (name, values) in columns {
            guard !seen.contains(name) else {
                let hint =
                    name == Self.constantName
                    ? " The constant is added automatically; drop your own '\(name)' column or pass constant: false."
                    : " Give each regressor a unique name."
                throw StatsError(
                    .duplicateColumn, "Column '\(name)' appears more than once in the design.\(hint)",
                    context: ["column": name])
            }
            seen.insert(name)
            guard values.count == n else {
                throw StatsError(
                    .dimensionMismatch,
                    "Column '\(name)' has \(values.count) observations but the design has \(n); "
                        + "align the series before fitting.", context: ["column": name])
            }
            if let bad = values.firstIndex(where: { !$0.isFinite }) {
                throw StatsError.nonFinite(column: name, index: bad, value: values[bad])
            }
            names.append(name)
            storage.append(contentsOf: values)
        }
        self.names = names
        self.matrix = Matrix(uncheckedRows: n, columns: names.count, storage: storage)
    }

    /// Wraps an existing matrix with column names.
    /// - Throws: ``StatsError`` when the name count differs from the column count, names repeat,
    ///   or a value is not finite.
    public init(names: [String], matrix: Matrix) throws {
        guard names.count == matrix.columns else {
            throw StatsError(
                .dimensionMismatch, "\(names.count) names were given for \(matrix.columns) columns.")
        }
        var seen = Set<String>()
        for name in names {
            guard seen.insert(name).inserted else {
                throw StatsError(
                    .duplicateColumn,
                    "Column '\(name)' appears more than once in the design; give each regressor a unique name.",
                    context: ["column": name])
            }
        }
        if let bad = matrix.storage.withUnsafeBufferPointer({ $0.firstIndex { !$0.isFinite } }) {
            let (j, i) = bad.quotientAndRemainder(dividingBy: max(matrix.rows, 1))
            throw StatsError.nonFinite(column: names[j], index: i, value: matrix.storage[bad])
        }
        self.names = names
        self.matrix = matrix
    }

    init(uncheckedNames names: [String], matrix: Matrix) {
        self.names = names
        self.matrix = matrix
    }

    /// The position of the column called `name`, if any.
    public func index(of name: String) -> Int? { names.firstIndex(of: name) }

    /// The values of column `name`.
    /// - Throws: ``StatsError/Code/missingColumn`` when there is no such column.
    public func column(named name: String) throws -> [Double] {
        guard let j = index(of: name) else {
            throw StatsError(
                .missingColumn, "The design has no column '\(name)'; it has \(names.joined(separator: ", ")).",
                context: ["column": name])
        }
        return matrix.column(j)
    }

    /// The design restricted to the columns at `indices`.
    public func selecting(_ indices: [Int]) -> DesignMatrix {
        DesignMatrix(uncheckedNames: indices.map { names[$0] }, matrix: matrix.selectingColumns(indices))
    }

    /// The design restricted to the observations at `rows`.
    public func selectingRows(_ rows: [Int]) -> DesignMatrix {
        DesignMatrix(uncheckedNames: names, matrix: matrix.selectingRows(rows))
    }

    /// This design with `other`'s columns appended (names must stay unique).
    /// - Throws: ``StatsError`` on a repeated name or a different number of observations.
    public func appending(_ other: DesignMatrix) throws -> DesignMatrix {
        guard other.nobs == nobs else {
            throw StatsError(
                .dimensionMismatch,
                "Cannot combine designs with \(nobs) and \(other.nobs) observations; align the data first.")
        }
        for name in other.names where names.contains(name) {
            throw StatsError(
                .duplicateColumn,
                "Column '\(name)' appears in both parts of the design; each variable may appear once.",
                context: ["column": name])
        }
        return DesignMatrix(uncheckedNames: names + other.names, matrix: matrix.appendingColumns(other.matrix))
    }

    /// The index of a constant column (all values equal and non-zero), if there is one;
    /// statsmodels' `k_constant` rule.
    public var constantIndex: Int? {
        guard nobs > 0 else { return nil }
        for j in 0..<count {
            let first = matrix[0, j]
            if first == 0 { continue }
            var constant = true
            for i in 1..<nobs where matrix[i, j] != first {
                constant = false
                break
            }
            if constant { return j }
        }
        return nil
    }
}

extension StatsError {
    static func nonFinite(column: String, index: Int, value: Double) -> StatsError {
        StatsError(
            .nonFinite,
            "Column '\(column)' has a non-finite value (\(value)) at observation \(index + 1); "
                + "drop or impute missing values before fitting.",
            context: ["column": column, "observation": String(index + 1), "value": String(value)])
    }
}
