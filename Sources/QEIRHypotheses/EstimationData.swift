import QEIRBatch
public import QEIRData

/// The aligned quarterly table one hypothesis estimated on, exactly as its estimators saw it:
/// the presample rows its lags reach into, then the estimation sample.
///
/// Written with every job as `data/h1.csv`, `data/h2.csv`, `data/h3.csv` (listed with its content
/// hash in the job's manifest) and printed by `qeir hypothesis data`, so anyone can replicate a
/// job with any regression package without re-deriving the transforms. The CSV's first column is
/// `date` (the quarter's first day, `YYYY-MM-DD`), then one column per role and derived column,
/// named as in `result.json` (`qe_intensity`, `qe_x_confidence`, instrument columns…), each
/// after aggregation, division by GDP and the stationarity transform, and a last column
/// `sample`: `presample` (only lags reach into the row), `estimation`, or `excluded` (dropped by
/// `exclude_dates`).
public struct EstimationData: Sendable, Hashable {
    /// The hypothesis.
    public var hypothesis: Hypothesis
    /// The quarters, oldest first.
    public var dates: [SeriesDate]
    /// The column names, in order.
    public var columns: [String]
    /// The values, `values[column][row]`.
    public var values: [[Double]]
    /// Each row's role: `presample`, `estimation` or `excluded`.
    public var sample: [String]

    /// The table of built hypothesis data.
    /// - Parameters:
    ///   - data: the data as built for the estimators.
    ///   - excluded: quarters dropped from the estimation sample (`exclude_dates`).
    public init(_ data: HypothesisData, excluded: [SeriesDate] = []) {
        hypothesis = data.hypothesis
        dates = data.dataset.dates
        columns = data.columns
        values = data.columns.map { name in (try? data.values(name)) ?? [] }
        let rows = data.excludedRows(excluded)
        sample = dates.indices.map { row in
            row < data.presampleRows ? "presample" : rows.contains(row) ? "excluded" : "estimation"
        }
    }

    /// The file name inside a job directory: `data/h1.csv`.
    public var fileName: String { "data/h\(hypothesis.rawValue).csv" }

    /// The table as CSV (full precision, see the type's description).
    public func csv() -> String {
        let rows = dates.indices.map { row in
            [dates[row].description] + values.map { CSVText.number(row < $0.count ? $0[row] : nil) } + [sample[row]]
        }
        return CSVText.make(header: ["date"] + columns + ["sample"], rows: rows)
    }
}
