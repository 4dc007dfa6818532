/// Named columns on one date index of a single frequency.
///
/// The index is **contiguous**: every period of ``frequency`` from the earliest to the latest
/// observation of any column is a row (labelled as in ``Frequency``), and a column without an
/// observation in a period is missing there. So a gap in the data is a visible missing value,
/// lags and leads are exact on the calendar, and nothing is dropped without a
/// ``MissingPolicy`` saying so.
public struct Dataset: Sendable, Hashable {
    /// The frequency of every column.
    public let frequency: Frequency
    /// Column names, in insertion order.
    public private(set) var columnNames: [String]
    /// Period index of the first row.
    private var firstPeriod: Int
    /// Number of rows.
    public private(set) var rowCount: Int
    /// Values by column, then row.
    private var columns: [[Double?]]

    /// Combines series that already share `frequency` (no aggregation).
    /// - Throws: ``DataError/Code/frequencyMismatch`` naming a series of another frequency (align
    ///   with ``init(aligning:to:aggregation:overrides:)``), ``DataError/Code/duplicateColumn``
    ///   for a repeated name, ``DataError/Code/emptyData`` when no series or no dates are given.
    public init(frequency: Frequency, series: [Series]) throws {
        guard !series.isEmpty, series.contains(where: { !$0.dates.isEmpty }) else {
            throw DataError(
                .emptyData, "A \(frequency) dataset needs at least one series with at least one date.",
                context: [:])
        }
        for s in series where s.frequency != frequency {
            throw DataError(
                .frequencyMismatch,
                "Series '\(s.name)' is \(s.frequency) but the dataset is \(frequency); align it with "
                    + "Dataset(aligning:to:aggregation:) to aggregate it.",
                context: ["series": s.name, "from": s.frequency.rawValue, "to": frequency.rawValue])
        }
        self.frequency = frequency
        let first = series.compactMap(\.periods.first).min()!
        let last = series.compactMap(\.periods.last).max()!
        self.firstPeriod = first
        self.rowCount = last - first + 1
        self.columnNames = []
        self.columns = []
        for s in series { try insert(s) }
    }

    /// Aggregates each series to `frequency` and combines them.
    /// - Parameters:
    ///   - series: the series, of `frequency` or finer.
    ///   - frequency: the common frequency.
    ///   - aggregation: the method for every series not in `overrides` (default ``Aggregation/average``).
    ///   - overrides: per-series methods, by series name.
    /// - Throws: ``DataError/Code/upsampling`` naming the series and both frequencies when a
    ///   series is coarser than `frequency`; ``DataError/Code/missingColumn`` when `overrides`
    ///   names no given series; the errors of ``init(frequency:series:)``.
    public init(
        aligning series: [Series], to frequency: Frequency, aggregation: Aggregation = .average,
        overrides: [String: Aggregation] = [:]
    ) throws {
        let names = Set(series.map(\.name))
        for name in overrides.keys.sorted() where !names.contains(name) {
            throw DataError(
                .missingColumn,
                "The aggregation override names series '\(name)', which is not among the series being aligned "
                    + "(\(series.map(\.name).joined(separator: ", "))); fix the name.", context: ["series": name])
        }
        let aligned = try series.map { try $0.aggregated(to: frequency, using: overrides[$0.name] ?? aggregation) }
        try self.init(frequency: frequency, series: aligned)
    }

    /// The row labels (one per period, see ``Frequency``).
    public var dates: [SeriesDate] { (0..<rowCount).map { frequency.label(of: firstPeriod + $0) } }

    /// Whether there is a column called `name`.
    public func hasColumn(_ name: String) -> Bool { columnNames.contains(name) }

    /// The values of column `name`, one per row; `nil` is missing.
    /// - Throws: ``DataError/Code/missingColumn`` listing the columns.
    public func column(_ name: String) throws -> [Double?] { columns[try columnIndex(name)] }

    /// Column `name` as a series on the row labels.
    /// - Throws: ``DataError/Code/missingColumn`` listing the columns.
    public func series(_ name: String) throws -> Series {
        let j = try columnIndex(name)
        let periods = Array(firstPeriod..<(firstPeriod + rowCount))
        return Series(
            unchecked: name, frequency: frequency, dates: periods.map(frequency.label(of:)), values: columns[j],
            periods: periods)
    }

    /// This dataset with `series` added as a column; the index grows if the series reaches
    /// beyond it.
    /// - Throws: ``DataError/Code/frequencyMismatch`` or ``DataError/Code/duplicateColumn``
    ///   naming the series.
    public func adding(_ series: Series) throws -> Dataset {
        guard series.frequency == frequency else {
            throw DataError(
                .frequencyMismatch,
                "Series '\(series.name)' is \(series.frequency) but the dataset is \(frequency); aggregate it with "
                    + "aggregated(to:using:) first.",
                context: ["series": series.name, "from": series.frequency.rawValue, "to": frequency.rawValue])
        }
        var copy = self
        if let first = series.periods.first, let last = series.periods.last {
            let newFirst = min(first, firstPeriod)
            let newLast = max(last, firstPeriod + rowCount - 1)
            let before = firstPeriod - newFirst
            let after = newLast - (firstPeriod + rowCount - 1)
            copy.columns = columns.map {
                Array(repeating: nil, count: before) + $0 + Array(repeating: nil, count: after)
            }
            copy.firstPeriod = newFirst
            copy.rowCount = newLast - newFirst + 1
        }
        try copy.insert(series)
        return copy
    }

    /// This dataset with column `column` transformed and added as a new column.
    /// - Parameters:
    ///   - transform: the transform (see ``Transform``).
    ///   - column: the source column.
    ///   - name: the new column's name; `nil` for ``Transform/defaultName(for:)``.
    /// - Throws: ``DataError/Code/missingColumn``, ``DataError/Code/duplicateColumn`` and the
    ///   transform's errors.
    public func adding(_ transform: Transform, of column: String, as name: String? = nil) throws -> Dataset {
        try adding(series(column).transformed(transform, name: name))
    }

    /// This dataset with the ratio of two columns added.
    /// - Throws: ``DataError/Code/missingColumn``, ``DataError/Code/duplicateColumn`` and the
    ///   errors of ``Series/ratio(_:_:name:)``.
    public func addingRatio(of numerator: String, to denominator: String, as name: String? = nil) throws -> Dataset {
        try adding(Series.ratio(series(numerator), series(denominator), name: name))
    }

    /// The rows whose periods lie between the period containing `start` and the period
    /// containing `end`, inclusive (a weekend day at daily frequency moves to the next/previous
    /// business day). `nil` leaves that end open.
    /// - Throws: ``DataError/Code/emptyWindow`` naming both dates when no row remains.
    public func window(from start: SeriesDate? = nil, through end: SeriesDate? = nil) throws -> Dataset {
        let lastPeriod = firstPeriod + rowCount - 1
        let lo = max(start.map(frequency.period(onOrAfter:)) ?? firstPeriod, firstPeriod)
        let hi = min(end.map(frequency.period(onOrBefore:)) ?? lastPeriod, lastPeriod)
        guard lo <= hi else {
            let range = "\(start?.description ?? "the start") through \(end?.description ?? "the end")"
            throw DataError(
                .emptyWindow,
                "The window \(range) leaves no \(frequency) rows; the data run from "
                    + "\(frequency.label(of: firstPeriod)) to \(frequency.label(of: lastPeriod)).",
                context: ["start": start?.description ?? "", "end": end?.description ?? ""])
        }
        var copy = self
        copy.firstPeriod = lo
        copy.rowCount = hi - lo + 1
        copy.columns = columns.map { Array($0[(lo - firstPeriod)...(hi - firstPeriod)]) }
        return copy
    }

    /// The rows from the latest first observation to the earliest last observation of
    /// `columns` (all columns when `nil`): the intersection of their observed date ranges.
    /// Missing values inside the window remain (see ``MissingPolicy``).
    /// - Throws: ``DataError/Code/missingColumn``; ``DataError/Code/emptyWindow`` naming a column
    ///   with no observations or the two columns whose ranges do not overlap.
    public func commonWindow(_ columns: [String]? = nil) throws -> Dataset {
        let names = columns ?? columnNames
        var lo: (row: Int, name: String)? = nil
        var hi: (row: Int, name: String)? = nil
        for name in names {
            let values = try column(name)
            guard let first = values.firstIndex(where: { $0 != nil }), let last = values.lastIndex(where: { $0 != nil })
            else {
                throw DataError(
                    .emptyWindow, "Column '\(name)' has no observations, so there is no common window; drop it.",
                    context: ["series": name])
            }
            if lo == nil || first > lo!.row { lo = (first, name) }
            if hi == nil || last < hi!.row { hi = (last, name) }
        }
        guard let lo, let hi else { return self }
        guard lo.row <= hi.row else {
            throw DataError(
                .emptyWindow,
                "Columns '\(lo.name)' (from \(frequency.label(of: firstPeriod + lo.row))) and '\(hi.name)' "
                    + "(through \(frequency.label(of: firstPeriod + hi.row))) do not overlap; there is no common window.",
                context: ["series": lo.name, "other": hi.name])
        }
        return try window(
            from: frequency.label(of: firstPeriod + lo.row), through: frequency.label(of: firstPeriod + hi.row))
    }

    func columnIndex(_ name: String) throws -> Int {
        guard let j = columnNames.firstIndex(of: name) else {
            throw DataError(
                .missingColumn,
                "The dataset has no column '\(name)'; its columns are \(columnNames.joined(separator: ", ")).",
                context: ["column": name])
        }
        return j
    }

    private mutating func insert(_ s: Series) throws {
        guard !columnNames.contains(s.name) else {
            throw DataError(
                .duplicateColumn,
                "The dataset already has a column '\(s.name)'; rename the series (renamed(_:)) before adding it.",
                context: ["column": s.name])
        }
        var values = [Double?](repeating: nil, count: rowCount)
        for (p, v) in zip(s.periods, s.values) { values[p - firstPeriod] = v }
        columnNames.append(s.name)
        columns.append(values)
    }
}
