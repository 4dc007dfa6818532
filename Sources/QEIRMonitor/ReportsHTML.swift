import Foundation

extension MonitorReport {
    /// The report as one self-contained HTML5 page.
    ///
    /// The page has inline CSS and inline SVG only — no script, no external URL, no image, no
    /// font — and a Content-Security-Policy of `default-src 'none'; style-src 'unsafe-inline'`, so
    /// a browser would refuse a script even if one got in. It shows:
    /// - summary cards: jobs in total and per state, average duration, throughput per hour,
    ///   alert notices (from ``summary``);
    /// - a line chart of CPU % and memory % over time (0–100 % axis, UTC time axis, legend).
    ///   Up to 1,000 samples per series are drawn as they are; beyond that the time range is cut
    ///   into 500 equal buckets and each bucket draws its minimum and maximum in time order (so
    ///   spikes survive and a series never exceeds 1,000 points); a missing value (the first CPU
    ///   sample after a restart) or, when bucketing, an empty bucket breaks the line;
    /// - a job timeline: one bar per started job, from its first start to its end (or to
    ///   ``generatedAt`` if it has not ended), coloured by state, labelled and with a tooltip
    ///   holding the job id; at most 500 bars (the earliest starts), then a note with how many were
    ///   left out;
    /// - a status table of every job and a table of the alert history.
    ///
    /// Every string that comes from data — `title`, batch id, job ids, names, states, errors,
    /// alert keys, subjects and messages — is escaped for HTML text and attribute contexts:
    /// `&` `<` `>` `"` `'` `` ` `` `=` `:` become character references, and C0 control characters
    /// other than tab, LF and CR become U+FFFD. Escaping `=` and `:` keeps data from ever reading
    /// like an attribute (`onerror=`) or a URL (`https:`, `javascript:`) in the page's source.
    /// Numbers use the en_US_POSIX locale; times are UTC.
    ///
    /// - Parameter title: The page title (escaped).
    /// - Returns: The page.
    /// - Complexity: O(*n*) in samples, jobs and alerts.
    public func html(title: String) -> String {
        let escapedTitle = HTMLText.escape(title)
        let summary = self.summary
        var page = """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
            <title>\(escapedTitle)</title>
            <style>
            \(HTMLText.css)
            </style>
            </head>
            <body>
            <header>
            <h1>\(escapedTitle)</h1>

            """
        let batch = batchID.map { "Batch <code>\(HTMLText.escape($0))</code>" } ?? "All batches"
        page += "<p class=\"meta\">\(batch) · generated \(HTMLText.time(generatedAt)) · times are UTC</p>\n"
        page += "</header>\n<main>\n"
        page += summaryCards(summary)
        page += "<section>\n<h2>CPU and memory</h2>\n"
        let chart = SVGChart.resources(systemSamples)
        page += chart.svg
        page += "<p class=\"note\">\(chart.note)</p>\n</section>\n"
        page += "<section>\n<h2>Job timeline</h2>\n"
        let timeline = SVGChart.timeline(jobs, now: generatedAt)
        page += timeline.svg
        for note in timeline.notes { page += "<p class=\"note\">\(note)</p>\n" }
        page += "</section>\n"
        page += statusTable()
        page += alertTable()
        page += "</main>\n</body>\n</html>\n"
        return page
    }

    private func summaryCards(_ summary: Summary) -> String {
        var html = "<section>\n<h2>Summary</h2>\n<div class=\"cards\">\n"
        func card(_ label: String, _ value: String, _ badge: String? = nil) {
            let swatch = badge.map { "<span class=\"dot \($0)\"></span>" } ?? ""
            html += "<div class=\"card\"><div class=\"label\">\(swatch)\(label)</div>"
            html += "<div class=\"value\">\(value)</div></div>\n"
        }
        card("Jobs", ReportText.number(Double(summary.totalJobs), digits: 0))
        for state in Self.orderedStates(summary.counts) {
            let count = summary.counts[state] ?? 0
            card(HTMLText.escape(state), ReportText.number(Double(count), digits: 0), HTMLText.stateClass(state))
        }
        card("Average duration", summary.averageDurationSeconds.map(ReportText.duration) ?? "–")
        let throughput = summary.throughputPerHour.flatMap { $0.isFinite ? "\(ReportText.number($0)) jobs/h" : nil }
        card("Throughput", throughput ?? "–")
        card("Alerts fired", ReportText.number(Double(alerts.filter { $0.status == .firing }.count), digits: 0))
        html += "</div>\n"
        let source =
            switch summary.source {
            case .batchMetrics: "From the batch snapshot taken at \(HTMLText.time(summary.time))."
            case .jobMetrics: "Computed from the job rows: no batch snapshot was recorded."
            }
        html += "<p class=\"note\">\(source)</p>\n</section>\n"
        return html
    }

    private func statusTable() -> String {
        var html = """
            <section>
            <h2>Jobs</h2>
            <table class="jobs">
            <thead><tr><th>Job</th><th>Name</th><th>State</th><th>Attempts</th><th>Start</th><th>Duration</th>\
            <th>CPU s</th><th>Errors</th><th>Last error</th></tr></thead>
            <tbody>

            """
        if jobs.isEmpty { html += "<tr><td colspan=\"9\" class=\"empty\">No jobs recorded.</td></tr>\n" }
        for job in jobs {
            var duration = "–"
            if let wall = job.wallSeconds {
                duration = ReportText.duration(wall)
            } else if let start = job.startedAt, job.finishedAt == nil {
                duration = "\(ReportText.duration(max(0, generatedAt.timeIntervalSince(start)))) so far"
            }
            let cells = [
                "<td><code>\(HTMLText.escape(job.jobID))</code></td>",
                "<td class=\"text\">\(HTMLText.escape(job.name))</td>",
                "<td><span class=\"badge \(HTMLText.stateClass(job.state))\">\(HTMLText.escape(job.state))</span></td>",
                "<td class=\"num\">\(job.attempts)</td>",
                "<td>\(job.startedAt.map(HTMLText.time) ?? "–")</td>",
                "<td class=\"num\">\(duration)</td>",
                "<td class=\"num\">\(ReportText.number(job.cpuSeconds, digits: 2))</td>",
                "<td class=\"num\">\(job.errors)</td>",
                "<td class=\"text error\">\(HTMLText.escape(job.lastError ?? ""))</td>",
            ]
            html += "<tr>\(cells.joined())</tr>\n"
        }
        html += "</tbody>\n</table>\n</section>\n"
        return html
    }

    private func alertTable() -> String {
        var html = """
            <section>
            <h2>Alert history</h2>
            <table class="alerts">
            <thead><tr><th>Time</th><th>Status</th><th>Severity</th><th>Key</th><th>Subject</th><th>Message</th>\
            <th>Value</th><th>Threshold</th></tr></thead>
            <tbody>

            """
        if alerts.isEmpty { html += "<tr><td colspan=\"8\" class=\"empty\">No alerts.</td></tr>\n" }
        for alert in alerts {
            let cells = [
                "<td>\(HTMLText.time(alert.time))</td>",
                "<td><span class=\"badge alert-\(alert.status.rawValue)\">\(alert.status.rawValue)</span></td>",
                "<td><span class=\"badge severity-\(alert.severity.rawValue)\">\(alert.severity.rawValue)</span></td>",
                "<td><code>\(HTMLText.escape(alert.key))</code></td>",
                "<td class=\"text\">\(HTMLText.escape(alert.subject))</td>",
                "<td class=\"text\">\(HTMLText.escape(alert.message))</td>",
                "<td class=\"num\">\(ReportText.number(alert.value, digits: 2))</td>",
                "<td class=\"num\">\(ReportText.number(alert.threshold, digits: 2))</td>",
            ]
            html += "<tr>\(cells.joined())</tr>\n"
        }
        html += "</tbody>\n</table>\n</section>\n"
        return html
    }
}

/// HTML escaping, state colours and the page's style sheet.
enum HTMLText {
    /// Escapes `text` for HTML text and (double- or single-quoted) attribute values.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            case "`": out += "&#96;"
            case "=": out += "&#61;"
            case ":": out += "&#58;"
            case "\t", "\n", "\r": out.unicodeScalars.append(scalar)
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    out += "\u{FFFD}"
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }

    /// A time for a table cell: `2025-06-15 12:00:00`.
    static func time(_ date: Date) -> String {
        String(ReportText.iso(date).replacingOccurrences(of: "T", with: " ").dropLast())
    }

    /// Each known state's colour.
    static let stateColors: [String: String] = [
        "pending": "#757575", "retry_wait": "#ef6c00", "running": "#1565c0", "succeeded": "#2e7d32",
        "failed": "#c62828", "cancelled": "#6d4c41", "skipped": "#546e7a",
    ]
    /// The colour of states QEIR does not know.
    static let otherColor = "#9e9e9e"

    /// The CSS class of a state: `state-<raw value>` for a known state, `state-other` for anything
    /// else (data never reaches a class name).
    static func stateClass(_ state: String) -> String {
        stateColors[state] == nil ? "state-other" : "state-\(state)"
    }

    static func color(_ state: String) -> String { stateColors[state] ?? otherColor }

    static var css: String {
        let states = (stateColors.sorted { $0.key < $1.key } + [("other", otherColor)])
            .map { ".state-\($0.0){background:\($0.1);fill:\($0.1)}" }
            .joined(separator: "\n")
        return """
            *{box-sizing:border-box}
            body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#212121;\
            background:#f5f6f8}
            header{background:#263238;color:#fff;padding:16px 24px}
            header h1{margin:0;font-size:22px;font-weight:600}
            header .meta{margin:4px 0 0;color:#cfd8dc}
            main{padding:8px 24px 32px;max-width:1280px}
            h2{font-size:17px;margin:24px 0 8px}
            code{font:12px ui-monospace,Menlo,Consolas,monospace}
            .cards{display:flex;flex-wrap:wrap;gap:10px}
            .card{background:#fff;border:1px solid #dde1e6;border-radius:6px;padding:10px 14px;min-width:120px}
            .card .label{color:#546e7a;font-size:12px;text-transform:uppercase;letter-spacing:.04em}
            .card .value{font-size:22px;font-weight:600}
            .dot{display:inline-block;width:9px;height:9px;border-radius:50%;margin-right:6px}
            .note{color:#546e7a;font-size:12px;margin:4px 0}
            svg.chart{display:block;width:100%;height:auto;background:#fff;border:1px solid #dde1e6;border-radius:6px}
            svg text{font:11px system-ui,sans-serif;fill:#455a64}
            svg .empty{font-size:14px}
            table{border-collapse:collapse;width:100%;background:#fff;border:1px solid #dde1e6}
            th,td{padding:5px 8px;border-bottom:1px solid #eceff1;text-align:left;vertical-align:top}
            th{background:#eceff1;font-weight:600;font-size:12px}
            td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
            td.text{white-space:pre-wrap;word-break:break-word}
            td.error{color:#b71c1c;max-width:420px}
            td.empty{color:#78909c;text-align:center}
            .badge{display:inline-block;padding:1px 8px;border-radius:10px;color:#fff;font-size:12px;white-space:nowrap}
            .alert-firing{background:#c62828}
            .alert-resolved{background:#2e7d32}
            .severity-info{background:#607d8b}
            .severity-warning{background:#ef6c00}
            .severity-critical{background:#b71c1c}
            \(states)
            """
    }
}
