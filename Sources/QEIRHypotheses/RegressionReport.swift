import Foundation
import QEIRStats

/// Renders a ``RegressionOutcome`` as the `qeir regress` JSON contract or as a text table.
public struct RegressionReport: Sendable {
    /// The fitted model.
    public let outcome: RegressionOutcome
    /// The confidence level of the reported intervals.
    public let confidence: Double

    /// Creates a report.
    /// - Throws: ``StatsError/Code/invalidArgument`` unless 0 < confidence < 1.
    public init(outcome: RegressionOutcome, confidence: Double = 0.95) throws {
        guard confidence > 0, confidence < 1 else {
            throw StatsError(
                .invalidArgument, "--confidence must be strictly between 0 and 1; got \(confidence).",
                context: ["confidence": String(confidence)])
        }
        self.outcome = outcome
        self.confidence = confidence
    }

    /// The JSON document (keys documented in `Documentation/CLI.md`).
    public func json() throws -> JSONValue {
        let r = outcome.regression
        let ci = try r.confidenceIntervals(level: confidence)
        func labelled(_ values: [Double]) -> JSONValue {
            .object(zip(r.names, values).map { ($0, .number($1)) })
        }
        var pairs: [(String, JSONValue)] = [
            ("model", .string(r.model.rawValue)),
            ("nobs", .integer(r.nobs)),
            ("df_model", .number(r.dfModel)),
            ("df_resid", .number(r.dfResid)),
            ("names", .array(r.names.map { .string($0) })),
            ("coefficients", labelled(r.coefficients)),
            ("std_errors", labelled(r.standardErrors)),
            ("t_values", labelled(r.statistics)),
            ("p_values", labelled(r.pValues)),
            ("conf_int", .object(ci.map { ($0.name, .array([.number($0.lower), .number($0.upper)])) })),
            ("confidence", .number(confidence)),
            ("inference", .string(r.inference.rawValue)),
            ("r_squared", .number(r.rSquared)),
            ("adj_r_squared", .number(r.adjustedRSquared)),
            ("f_statistic", .number(r.fTest?.statistic)),
            ("f_pvalue", .number(r.fTest?.pValue)),
            ("f_distribution", r.fTest.map { Self.distribution($0.distribution) } ?? .null),
            ("ssr", .number(r.ssr)),
            ("sigma", .number(r.sigma)),
            ("log_likelihood", .number(r.logLikelihood)),
            ("aic", .number(r.aic)),
            ("bic", .number(r.bic)),
            ("cov_type", .string(r.covarianceOptions.kind.rawValue)),
        ]
        if let bw = r.hacBandwidth { pairs.append(("hac_bandwidth", .number(bw))) }
        if let g = r.clusterCount { pairs.append(("clusters", .integer(g))) }
        if !r.droppedColumns.isEmpty { pairs.append(("dropped_columns", .array(r.droppedColumns.map { .string($0) }))) }
        if case let .iv(iv) = outcome {
            pairs.append(
                (
                    "first_stage",
                    .object(
                        iv.firstStage.map {
                            (
                                $0.endogenous,
                                .object([
                                    ("f_statistic", .number($0.test.statistic)),
                                    ("f_pvalue", .number($0.test.pValue)),
                                    ("f_distribution", Self.distribution($0.test.distribution)),
                                    ("partial_r_squared", .number($0.partialRSquared)),
                                    ("shea_r_squared", .number($0.sheaRSquared)),
                                    ("r_squared", .number($0.rSquared)),
                                ])
                            )
                        })
                ))
            pairs.append(("j_statistic", .number(iv.hansenJ?.statistic)))
            pairs.append(("j_pvalue", .number(iv.hansenJ?.pValue)))
            pairs.append(("sargan", Self.test(iv.sargan)))
            pairs.append(("wu_hausman", Self.test(iv.wuHausman)))
            pairs.append(("durbin", Self.test(iv.durbin)))
            pairs.append(("cragg_donald", .number(iv.craggDonald)))
            pairs.append(("kleibergen_paap", .number(iv.kleibergenPaap)))
        }
        return .object(pairs)
    }

    static func distribution(_ d: ReferenceDistribution) -> JSONValue {
        switch d {
        case let .f(a, b): .object([("name", .string("F")), ("df", .array([.number(a), .number(b)]))])
        case let .chiSquared(a): .object([("name", .string("chi2")), ("df", .array([.number(a)]))])
        case let .t(a): .object([("name", .string("t")), ("df", .array([.number(a)]))])
        case .normal: .object([("name", .string("normal")), ("df", .array([]))])
        }
    }

    static func test(_ t: TestResult?) -> JSONValue {
        guard let t else { return .null }
        return .object([
            ("statistic", .number(t.statistic)), ("p_value", .number(t.pValue)),
            ("distribution", distribution(t.distribution)),
        ])
    }

    /// A fixed-width text summary in the spirit of statsmodels' `summary()`.
    public func table() throws -> String {
        let r = outcome.regression
        let ci = try r.confidenceIntervals(level: confidence)
        let statName = r.inference == .t ? "t" : "z"
        let width = max(12, (r.names.map(\.count).max() ?? 0) + 2)
        func pad(_ s: String, _ w: Int) -> String {
            s.count >= w ? s : String(repeating: " ", count: w - s.count) + s
        }
        func padRight(_ s: String, _ w: Int) -> String {
            s.count >= w ? s : s + String(repeating: " ", count: w - s.count)
        }
        func num(_ v: Double) -> String { v.isFinite ? String(format: "%.6g", v) : "nan" }
        var lines: [String] = []
        let title = r.model == .ols ? "OLS Regression Results" : "IV-2SLS Regression Results"
        lines.append(title)
        lines.append(String(repeating: "=", count: width + 78))
        lines.append(
            "Observations: \(r.nobs)    Df model: \(num(r.dfModel))    Df resid: \(num(r.dfResid))    Covariance: \(r.covarianceOptions.kind.rawValue)"
                + (r.hacBandwidth.map { " (bandwidth \(num($0)))" } ?? "")
                + (r.clusterCount.map { " (\($0) clusters)" } ?? ""))
        lines.append(
            "R-squared: \(num(r.rSquared))    Adj. R-squared: \(num(r.adjustedRSquared))    "
                + (r.fTest.map { "\($0.name): \(num($0.statistic)) (p = \(num($0.pValue)))" } ?? ""))
        lines.append(
            "SSR: \(num(r.ssr))    Sigma: \(num(r.sigma))    Log-likelihood: \(num(r.logLikelihood))    AIC: \(num(r.aic))    BIC: \(num(r.bic))"
        )
        lines.append(String(repeating: "-", count: width + 78))
        let level = String(format: "%g%%", confidence * 100)
        lines.append(
            padRight("", width) + pad("coef", 14) + pad("std err", 14) + pad(statName, 12) + pad("P>|\(statName)|", 12)
                + pad("[\(level)", 13) + pad("interval]", 13))
        for (j, name) in r.names.enumerated() {
            lines.append(
                padRight(name, width) + pad(num(r.coefficients[j]), 14) + pad(num(r.standardErrors[j]), 14)
                    + pad(num(r.statistics[j]), 12) + pad(num(r.pValues[j]), 12) + pad(num(ci[j].lower), 13)
                    + pad(num(ci[j].upper), 13))
        }
        lines.append(String(repeating: "=", count: width + 78))
        if !r.droppedColumns.isEmpty {
            lines.append("Dropped (collinear): \(r.droppedColumns.joined(separator: ", "))")
        }
        if case let .iv(iv) = outcome {
            lines.append("First stage (excluded instruments: \(iv.instruments.joined(separator: ", ")))")
            for f in iv.firstStage {
                lines.append(
                    "  \(f.endogenous): \(f.test.name) = \(num(f.test.statistic)) (p = \(num(f.test.pValue))), partial R² = \(num(f.partialRSquared)), Shea R² = \(num(f.sheaRSquared))"
                )
            }
            lines.append(
                "Cragg-Donald Wald F: \(num(iv.craggDonald))"
                    + (iv.kleibergenPaap.map { "    Kleibergen-Paap rk Wald F: \(num($0))" } ?? ""))
            if let j = iv.hansenJ { lines.append("Hansen J: \(num(j.statistic)) (p = \(num(j.pValue)))") }
            if let s = iv.sargan { lines.append("Sargan: \(num(s.statistic)) (p = \(num(s.pValue)))") }
            lines.append(
                "Wu-Hausman: \(num(iv.wuHausman.statistic)) (p = \(num(iv.wuHausman.pValue)))    Durbin: \(num(iv.durbin.statistic)) (p = \(num(iv.durbin.pValue)))"
            )
        }
        return lines.joined(separator: "\n")
    }
}
