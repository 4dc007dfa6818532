import Foundation
import QEIRData

/// The short human summaries of hypothesis results.
enum Summaries {
    /// `2008Q1`.
    static func quarter(_ date: SeriesDate) -> String { "\(date.year)Q\((date.month - 1) / 3 + 1)" }

    static func quarter(_ iso: String) -> String {
        guard let date = try? SeriesDate(iso) else { return iso }
        return quarter(date)
    }

    /// Four significant digits; `n/a` for nil or non-finite.
    static func num(_ value: Double?) -> String {
        guard let value, value.isFinite else { return "n/a" }
        return String(format: "%.4g", value)
    }

    static func percent(_ level: Double) -> String { String(format: "%g%%", level * 100) }

    static func header(_ r: HypothesisResult) -> String {
        "\(r.hypothesis) — \(r.title) [specification \(r.specification), \(quarter(r.sampleStart))–"
            + "\(quarter(r.sampleEnd)), \(r.nobs) quarters]"
    }

    static func dataLines(_ r: HypothesisResult) -> [String] {
        var lines = ["  Data (\(r.dataVintage)):"]
        for p in r.provenance {
            var line = "    \(p.column): \(p.construction)"
            if let match = p.match, match != "exact" { line += " [\(match)]" }
            lines.append(line)
        }
        return lines + r.warnings.map { "  Note: \($0)" }
    }

    static func coefficientLine(_ e: Estimate?) -> String {
        guard let e else { return "n/a" }
        return "\(num(e.estimate)) (SE \(num(e.standardError)), p \(num(e.pValue)))"
    }

    static func h1(_ r: HypothesisResult, _ s: ThresholdSection) -> String {
        var lines = [header(r)]
        lines.append(
            "  Threshold on \(s.thresholdVariable) (federal interest payments, % of GDP): γ̂ = \(num(s.threshold)), "
                + "\(percent(r.confidenceLevel)) LR interval [\(num(s.lrInterval.lower)), \(num(s.lrInterval.upper))]")
        if let p = s.testPValue, let name = s.testStatistic {
            lines.append(
                "  No-threshold test: \(name) = \(num(s.testValue)), bootstrap p = \(num(p)) "
                    + "(\(s.replications) replications, seed \(r.seed))")
        } else {
            lines.append("  No-threshold test: not run (bootstrap_iterations = 0)")
        }
        for (i, regime) in s.regimes.enumerated() {
            let label = "\(s.thresholdVariable) \(i == 0 ? "≤" : ">") \(num(s.threshold))"
            let qe = regime.coefficients.first { $0.name == SeriesRole.qeIntensity.rawValue }
            let inter = regime.coefficients.first { $0.name == "qe_x_confidence" }
            lines.append(
                "  Regime \(label) (\(regime.nobs) quarters\(regime.residualDF.map { ", \($0) residual df" } ?? "")): "
                    + "qe_intensity \(coefficientLine(qe)); qe_x_confidence \(coefficientLine(inter))")
        }
        if let cov = s.regimeCovariance {
            lines.append(
                "  Regime inference (\(cov.uppercased()) SEs, t on each regime's n − k df) is conditional on the "
                    + "estimated split"
                    + (s.linearityRejected == false
                        ? "; the bootstrap test does not reject linearity: regime estimates are not evidence of a threshold"
                        : ""))
        }
        return (lines + dataLines(r)).joined(separator: "\n")
    }

    static func h2(_ r: HypothesisResult, _ s: LocalProjectionSection) -> String {
        var lines = [header(r)]
        let first = s.ols.first!
        let last = s.ols.last!
        lines.append(
            "  Local projections (\(s.response) response of \(s.responseVariable) to \(s.shock), \(s.lags) lags, "
                + "HAC): h=0 \(num(first.coefficient)) [\(num(first.lower)), \(num(first.upper))], "
                + "h=\(last.horizon) \(num(last.coefficient)) [\(num(last.lower)), \(num(last.upper))] "
                + "(\(percent(r.confidenceLevel)) bands, p \(num(last.pValue)))")
        if let ivLast = s.iv.last {
            let fs = s.iv.compactMap(\.firstStageF)
            lines.append(
                "  LP-IV (instruments \(s.instruments.joined(separator: ", "))): h=\(ivLast.horizon) "
                    + "\(num(ivLast.coefficient)) [\(num(ivLast.lower)), \(num(ivLast.upper))]; first-stage F "
                    + "\(num(fs.min())) to \(num(fs.max())), Kleibergen–Paap F at h=0 \(num(s.iv.first?.kleibergenPaap))"
                    + (s.weakInstrumentHorizons.isEmpty ? "" : "; weak at h = \(s.weakInstrumentHorizons)"))
        } else {
            lines.append("  LP-IV: not run (h2_instruments is empty)")
        }
        return (lines + dataLines(r)).joined(separator: "\n")
    }

    static func h3(_ r: HypothesisResult, _ s: VARSection) -> String {
        var lines = [header(r)]
        lines.append(
            "  VAR(\(s.lags)) [\(s.lagSelection)] of \(s.variables.joined(separator: ", ")); "
                + (s.stable ? "stable" : "NOT stable") + ", max |eigenvalue| \(num(s.maxEigenvalueModulus))")
        for g in s.granger {
            lines.append(
                "  Granger \(g.causing) → \(g.caused): F = \(num(g.fStatistic)), p = \(num(g.fPValue)); "
                    + "χ² = \(num(g.chiSquaredStatistic)), p = \(num(g.chiSquaredPValue))")
        }
        let horizon = s.impulseResponses.first?.points.count ?? 1
        for response in s.impulseResponses where response.response != response.impulse {
            let p = response.points[min(horizon - 1, 4)]
            var text = "  IRF of \(response.response) to a QE shock at h=\(p.horizon): \(num(p.value))"
            if let lo = p.lower, let hi = p.upper {
                text += " [\(num(lo)), \(num(hi))] (\(s.bandReplications) bootstrap replications)"
            }
            lines.append(text)
        }
        return (lines + dataLines(r)).joined(separator: "\n")
    }
}
