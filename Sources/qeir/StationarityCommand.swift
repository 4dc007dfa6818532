import ArgumentParser
import Foundation
import QEIRData
import QEIRHypotheses
import QEIRStats

/// `qeir stationarity`: ADF or KPSS tests of CSV columns.
struct StationarityCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stationarity",
        abstract: "Augmented Dickey–Fuller or KPSS tests of CSV columns (header row required).",
        discussion: """
            ADF (null: a unit root) matches statsmodels' adfuller; KPSS (null: stationarity) matches \
            statsmodels' kpss. By default ADF chooses its lag by AIC up to 12·(n/100)^(1/4) and KPSS \
            uses the Hobijn–Franses–Ooms automatic lag; --lags N fixes the lag. In samples of about \
            30 observations both tests have low power. See Documentation/CLI.md for the JSON keys.
            """)

    enum Format: String, ExpressibleByArgument, CaseIterable { case table, json }
    enum TestKind: String, ExpressibleByArgument, CaseIterable { case adf, kpss }

    @Option(help: "CSV file with a header row.") var data: String
    @Option(help: "Comma-separated columns to test.") var columns: String
    @Option(help: "Test: adf or kpss.") var test: TestKind = .adf
    @Option(help: "Deterministic terms: c (constant) or ct (constant and trend); ADF also n (none).")
    var regression: String = "c"
    @Option(help: "A fixed lag (ADF: lagged differences; KPSS: Bartlett truncation lag).") var lags: Int?
    @Option(help: "Automatic lag: ADF aic (default), bic or t-stat; KPSS auto (default) or legacy.")
    var autolag: String?
    @Option(help: "Output format: table or json.") var format: Format = .table

    func validate() throws {
        let regressions = test == .adf ? ["n", "c", "ct"] : ["c", "ct"]
        guard regressions.contains(regression) else {
            throw ValidationError(
                "Unknown --regression '\(regression)' for \(test.rawValue); use one of \(regressions.joined(separator: ", "))."
            )
        }
        if lags != nil && autolag != nil {
            throw ValidationError("Give either --lags N (a fixed lag) or --autolag, not both.")
        }
        if let lags, lags < 0 { throw ValidationError("--lags must be 0 or more; got \(lags).") }
        if let autolag {
            let allowed = test == .adf ? ["aic", "bic", "t-stat"] : ["auto", "legacy"]
            guard allowed.contains(autolag.lowercased()) else {
                throw ValidationError(
                    "Unknown --autolag '\(autolag)' for \(test.rawValue); use one of \(allowed.joined(separator: ", "))."
                )
            }
        }
        if Regress.list(columns).isEmpty { throw ValidationError("--columns needs at least one column name.") }
    }

    /// One column's outcome in a test-independent form.
    struct Row {
        let column: String
        let statistic: Double
        let pValue: Double
        let pValueBound: KPSSPValueBound?
        let lags: Int
        let nobs: Int
        let criticalValues: [CriticalValue]
    }

    func run() throws {
        let names = Regress.list(columns)
        var series: [(String, [Double])] = []
        do {
            let table = try DataTable(contentsOf: URL(fileURLWithPath: data))
            for name in names { series.append((name, try table.numericColumn(name))) }
        } catch let error as DataError {
            // A column that is not there or a cell that is not a number is the caller's to fix.
            throw ValidationError(error.message)
        }
        let kind = UnitRootRegression(rawValue: regression) ?? .constant
        var rows: [Row] = []
        for (name, values) in series {
            switch test {
            case .adf:
                let selection: ADFLagSelection =
                    lags != nil ? .fixed : ADFLagSelection(rawValue: autolag?.lowercased() ?? "aic") ?? .aic
                let r = try AugmentedDickeyFuller(regression: kind, maxLag: lags, lagSelection: selection)
                    .test(values, name: name)
                rows.append(
                    Row(
                        column: name, statistic: r.statistic, pValue: r.pValue, pValueBound: nil, lags: r.usedLag,
                        nobs: r.nobs, criticalValues: r.criticalValues))
            case .kpss:
                let lagRule: KPSSLags =
                    lags.map { .fixed($0) } ?? (autolag?.lowercased() == "legacy" ? .legacy : .automatic)
                let r = try KPSS(regression: kind, lags: lagRule).test(values, name: name)
                rows.append(
                    Row(
                        column: name, statistic: r.statistic, pValue: r.pValue, pValueBound: r.pValueBound,
                        lags: r.lags,
                        nobs: r.nobs, criticalValues: r.criticalValues))
            }
        }
        switch format {
        case .json: print(json(rows).rendered())
        case .table: print(render(rows))
        }
    }

    func json(_ rows: [Row]) -> JSONValue {
        .array(
            rows.map { row in
                var pairs: [(String, JSONValue)] = [
                    ("column", .string(row.column)), ("test", .string(test.rawValue)),
                    ("regression", .string(regression)), ("statistic", .number(row.statistic)),
                    ("p_value", .number(row.pValue)),
                ]
                if test == .kpss {
                    pairs.append(
                        ("p_value_bound", row.pValueBound.map { JSONValue.string($0.rawValue) } ?? JSONValue.null))
                }
                pairs += [
                    ("lags", .integer(row.lags)), ("nobs", .integer(row.nobs)),
                    ("critical_values", .object(row.criticalValues.map { ($0.label, .number($0.value)) })),
                ]
                return .object(pairs)
            })
    }

    func render(_ rows: [Row]) -> String {
        func num(_ v: Double) -> String { v.isFinite ? String(format: "%.4f", v) : "nan" }
        func pad(_ s: String, _ w: Int) -> String { s.count >= w ? s : String(repeating: " ", count: w - s.count) + s }
        let width = max(8, (rows.map(\.column.count).max() ?? 0) + 2)
        let levels = rows.first?.criticalValues.map(\.label) ?? []
        let title =
            test == .adf
            ? "Augmented Dickey–Fuller test (H0: unit root), regression '\(regression)'"
            : "KPSS test (H0: \(regression == "ct" ? "trend" : "level") stationarity)"
        var lines = [title]
        let header =
            "column".padding(toLength: width, withPad: " ", startingAt: 0) + pad("statistic", 11) + pad("p-value", 10)
            + pad("lags", 6) + pad("nobs", 6) + levels.map { pad("crit \($0)", 11) }.joined()
        lines.append(header)
        lines.append(String(repeating: "-", count: header.count))
        for row in rows {
            let p =
                switch row.pValueBound {
                case .actualSmaller: "< 0.01"
                case .actualGreater: "> 0.10"
                case nil: num(row.pValue)
                }
            lines.append(
                row.column.padding(toLength: width, withPad: " ", startingAt: 0) + pad(num(row.statistic), 11)
                    + pad(p, 10) + pad(String(row.lags), 6) + pad(String(row.nobs), 6)
                    + row.criticalValues.map { pad(num($0.value), 11) }.joined())
        }
        if rows.contains(where: { $0.nobs < 50 }) {
            lines.append(
                "Note: with fewer than 50 observations both tests have low power; read the p-values as indicative.")
        }
        return lines.joined(separator: "\n")
    }
}
