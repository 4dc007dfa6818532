public import QEIRStats

/// What to do with missing values in the columns a model uses.
public enum MissingPolicy: Sendable, Hashable {
    /// Any missing value in a used column is an error naming the column and date (the default).
    case error
    /// Listwise deletion: drop every row with a missing value in any used column, and report
    /// how many rows were dropped.
    case dropRows
    /// Replace a missing value by the column's last observed value at most `limit` periods
    /// earlier; a missing value with no observation within `limit` periods before it is an error.
    case forwardFill(limit: Int)
}

/// Complete columns ready for estimation, with the dates of the rows kept.
public struct PreparedColumns: Sendable, Hashable {
    /// Column names, in the order asked for.
    public let names: [String]
    /// Values by column, every one finite.
    public let values: [[Double]]
    /// The row labels of the rows kept.
    public let dates: [SeriesDate]
    /// Rows dropped by ``MissingPolicy/dropRows`` (0 otherwise).
    public let droppedRows: Int
    /// Values filled by ``MissingPolicy/forwardFill(limit:)`` (0 otherwise).
    public let filledValues: Int

    /// The values of column `name`.
    /// - Throws: ``DataError/Code/missingColumn``.
    public func column(_ name: String) throws -> [Double] {
        guard let j = names.firstIndex(of: name) else {
            throw DataError(
                .missingColumn, "No prepared column '\(name)'; the columns are \(names.joined(separator: ", ")).",
                context: ["column": name])
        }
        return values[j]
    }
}

/// A dependent variable and its design matrix on the same rows.
public struct RegressionData: Sendable, Hashable {
    /// The dependent variable's column name.
    public let yName: String
    /// The dependent variable.
    public let y: [Double]
    /// The regressors (with `const` first when requested).
    public let design: DesignMatrix
    /// The row labels of the observations used.
    public let dates: [SeriesDate]
    /// Rows dropped by ``MissingPolicy/dropRows`` (0 otherwise).
    public let droppedRows: Int
    /// Values filled by ``MissingPolicy/forwardFill(limit:)`` (0 otherwise).
    public let filledValues: Int
}

extension Dataset {
    /// The columns `names` after applying `policy` over every row of the dataset (narrow the rows
    /// first with ``window(from:through:)`` or ``commonWindow(_:)``).
    /// - Throws: ``DataError/Code/missingColumn``; ``DataError/Code/missingValue`` naming the
    ///   column and date of the first missing value under ``MissingPolicy/error``, or of the first
    ///   value that cannot be filled under ``MissingPolicy/forwardFill(limit:)``;
    ///   ``DataError/Code/emptyWindow`` when ``MissingPolicy/dropRows`` drops every row.
    public func prepared(_ names: [String], missing policy: MissingPolicy = .error) throws -> PreparedColumns {
        var raw = try names.map { try column($0) }
        let labels = dates
        var filled = 0
        switch policy {
        case .error:
            for row in 0..<rowCount {
                if let j = raw.firstIndex(where: { $0[row] == nil }) {
                    throw DataError(
                        .missingValue,
                        "Column '\(names[j])' is missing at \(labels[row]); narrow the window or choose the "
                            + "dropRows or forwardFill(limit:) missing-value policy.",
                        context: ["column": names[j], "date": labels[row].description])
                }
            }
        case .dropRows:
            break
        case .forwardFill(let limit):
            guard limit >= 1 else {
                throw DataError(
                    .invalidArgument, "forwardFill(limit: \(limit)) needs a limit of at least 1 period.",
                    context: ["value": String(limit)])
            }
            let original = raw  // the limit counts from the last real observation, not a filled one
            for row in 0..<rowCount {
                for j in raw.indices where raw[j][row] == nil {
                    let lastRow = original[j][..<row].lastIndex(where: { $0 != nil })
                    guard let lastRow, row - lastRow <= limit, let value = original[j][lastRow] else {
                        let why =
                            lastRow.map {
                                "its last observation (\(labels[$0])) is \(row - $0) periods earlier, beyond the limit of \(limit)"
                            } ?? "it has no earlier observation"
                        throw DataError(
                            .missingValue,
                            "Column '\(names[j])' is missing at \(labels[row]) and cannot be forward-filled: \(why). "
                                + "Narrow the window, raise the limit or use dropRows.",
                            context: ["column": names[j], "date": labels[row].description])
                    }
                    raw[j][row] = value
                    filled += 1
                }
            }
        }
        let keep = (0..<rowCount).filter { row in raw.allSatisfy { $0[row] != nil } }
        guard !keep.isEmpty || rowCount == 0 else {
            throw DataError(
                .emptyWindow,
                "Every row has a missing value in \(names.joined(separator: ", ")); dropRows left no observations.",
                context: ["columns": names.joined(separator: ",")])
        }
        return PreparedColumns(
            names: names, values: raw.map { column in keep.map { column[$0]! } }, dates: keep.map { labels[$0] },
            droppedRows: rowCount - keep.count, filledValues: filled)
    }

    /// The dependent variable `y` and a design matrix of `x` on the rows left by `policy`.
    /// - Parameters:
    ///   - y: the dependent variable's column.
    ///   - x: the regressors' columns, in design order.
    ///   - constant: prepend a `const` column of ones.
    ///   - policy: the missing-value policy, applied to `y` and `x` together.
    /// - Throws: the errors of ``prepared(_:missing:)``; ``DataError/Code/duplicateColumn`` when
    ///   a column is named twice.
    public func regressionData(
        y: String, x: [String], constant: Bool = true, missing policy: MissingPolicy = .error
    ) throws -> RegressionData {
        let names = [y] + x
        if let twice = names.enumerated().first(where: { names[..<$0.offset].contains($0.element) })?.element {
            throw DataError(
                .duplicateColumn,
                "Column '\(twice)' is named twice among y and the regressors; each variable may appear once.",
                context: ["column": twice])
        }
        let prepared = try prepared(names, missing: policy)
        let design: DesignMatrix
        do {
            design = try DesignMatrix(
                columns: x.indices.map { (name: x[$0], values: prepared.values[$0 + 1]) }, constant: constant,
                nobs: prepared.dates.count)
        } catch let error as StatsError {
            throw DataError(
                .invalidArgument, "The design matrix could not be built: \(error.message)",
                context: ["columns": x.joined(separator: ",")])
        }
        return RegressionData(
            yName: y, y: prepared.values[0], design: design, dates: prepared.dates,
            droppedRows: prepared.droppedRows, filledValues: prepared.filledValues)
    }
}
