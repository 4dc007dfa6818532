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
            if let units = units(p) { line += "; in \(units)" }
            if let direction = p.direction { line += "; \(direction)" }
            lines.append(line)
        }
        // Influence notes can run to dozens in a short sample: the summary shows the first few;
        // result.json keeps every one (warnings, influence).
        // Quarters whose removal flips a result come before high-leverage quarters.
        let notes = r.warnings.filter(isInfluenceNote)
        let influence = notes.filter { $0.contains(" flips ") } + notes.filter { !$0.contains(" flips ") }
        let shown = 8
        lines += r.warnings.filter { !isInfluenceNote($0) }.map { "  Note: \($0)" }
        lines += influence.prefix(shown).map { "  Influence: \($0)" }
        if influence.count > shown {
            lines.append(
                "  Influence: … \(influence.count - shown) more (every one in result.json, under warnings and influence)"
            )
        }
        return lines
    }

    /// Whether a warning is one of the influence diagnostics' (a quarter whose removal flips an
    /// estimate, or a high-leverage quarter).
    static func isInfluenceNote(_ text: String) -> Bool {
        text.contains(": dropping ") || text.contains(" has leverage ")
    }

    /// The units of a column as estimated: the source's units after the role's transform
    /// (`percent of GDP` → `percentage points of GDP per quarter` after `diff`).
    static func units(_ p: ColumnProvenance) -> String? {
        guard p.origin != "computed", p.origin != "omitted" else { return nil }
        let base =
            p.column == SeriesRole.qeIntensity.rawValue || p.column == SeriesRole.fiscalBurden.rawValue
            ? "percent of GDP" : (p.units ?? "source units")
        switch p.transform {
        case "level": return base
        case "diff":
            return base.lowercased().hasPrefix("percent")
                ? "percentage-point change per quarter (\(base))"
                : "change per quarter (\(base))"
        case "log": return "log of \(base)"
        case "log_diff": return "percent per quarter (100 × log difference)"
        case "pct_change": return "percent change per quarter"
        case "yoy_pct_change": return "percent change over four quarters"
        default: return nil
        }
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
            "  Local projections (\(s.response) response of \(s.responseVariable) to \(s.shock), \(s.lags) lags): "
                + "h=0 \(num(first.coefficient)) [\(num(first.lower)), \(num(first.upper))], "
                + "h=\(last.horizon) \(num(last.coefficient)) [\(num(last.lower)), \(num(last.upper))] "
                + "(\(percent(r.confidenceLevel)) bands, p \(num(last.pValue)); inference at h=\(last.horizon): "
                + "\(last.inference ?? s.covariance))")
        if let ivLast = s.iv.last {
            let fs = s.iv.compactMap(\.firstStageF)
            lines.append(
                "  LP-IV (instruments \(s.instruments.joined(separator: ", "))): h=\(ivLast.horizon) "
                    + "\(num(ivLast.coefficient)) [\(num(ivLast.lower)), \(num(ivLast.upper))]; first-stage F "
                    + "\(num(fs.min())) to \(num(fs.max())), Kleibergen–Paap F at h=0 \(num(s.iv.first?.kleibergenPaap))"
                    + (s.weakInstrumentHorizons.isEmpty ? "" : "; weak at h = \(s.weakInstrumentHorizons)"))
            lines += lpivInferenceLines(s)
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
        if let l = s.lagOrder, l.capBinds, let cap = l.largestAdmissibleOrder {
            lines.append("  Lag search capped at \(cap) (≥ \(l.minimumResidualDF) residual df per equation)")
        }
        if let b = s.bands {
            let runs =
                b.firstStageReplications > 0
                ? "\(b.firstStageReplications) + \(b.replications) replications" : "\(b.replications) replications"
            lines.append(
                "  IRF bands: " + (b.computed ? "\(b.description), \(percent(b.level)) (\(runs))" : b.reason ?? ""))
        }
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
