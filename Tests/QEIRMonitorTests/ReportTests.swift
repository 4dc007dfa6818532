import Foundation
import QEIRMonitor
import QEIRTestSupport
import Testing

@Suite("Reports")
struct ReportTests {
    /// 2025-06-15T12:00:00Z.
    static let t0 = Date(timeIntervalSince1970: 1_749_988_800)
    static let xssName = "<script>alert(1)</script>"
    static let xssError = "\"><img src=x onerror=alert(1)>"
    static let awkwardName = "Rates, \"QE\" and\nlending"
    static let formulaName = "=HYPERLINK(\"http://evil.example\",\"click\")"
    static let urlError = "Cannot fetch https://api.stlouisfed.org/fred/series: timed out"

    // MARK: Fixture

    static func at(_ seconds: Double) -> Date { t0.addingTimeInterval(seconds) }

    static func sample(_ seconds: Double, cpu: Double?, memory: Double) -> SystemSample {
        SystemSample(
            time: at(seconds), cpuPercent: cpu, memoryPercent: memory, memoryAvailableGB: 16 - memory / 10,
            diskPercent: 55, diskFreeGB: 420.5, processCount: 310, loadAverage: [1.5, 1.25, 0.75])
    }

    /// A batch `run-1` observed for an hour: a sample every 30 s (the first without CPU), a job in
    /// every state, snapshots, a CPU alert that fires and resolves and a failure-rate alert; plus
    /// one row of another batch that a `run-1` report must leave out.
    static func realisticDatabase(in directory: TemporaryDirectory) throws -> MetricsDatabase {
        let database = try MetricsDatabase(path: directory.url.appendingPathComponent("metrics.sqlite"))
        let samples = (0...120).map { step -> (SystemSample, batchID: String?) in
            let seconds = Double(step) * 30
            let cpu: Double? = step == 0 ? nil : (40...50).contains(step) ? 95.5 : 20 + Double(step % 7) * 5
            return (sample(seconds, cpu: cpu, memory: 40 + Double(step) * 0.25), "run-1")
        }
        let jobs = [
            JobMetrics(
                batchID: "run-1", jobID: "h1_default_20080101_20151231", name: "H1 default", state: "succeeded",
                attempts: 1, startedAt: at(60), finishedAt: at(600), wallSeconds: 540, cpuSeconds: 120.5,
                peakRSSMB: 512.25),
            JobMetrics(
                batchID: "run-1", jobID: "h1_comma", name: awkwardName, state: "succeeded", attempts: 1,
                startedAt: at(120), finishedAt: at(420), wallSeconds: 300, cpuSeconds: 60, peakRSSMB: 480),
            JobMetrics(
                batchID: "run-1", jobID: "h2_failed", name: "H2 failing", state: "failed", attempts: 3,
                startedAt: at(900), finishedAt: at(1300), wallSeconds: 400, cpuSeconds: 33.25, peakRSSMB: 500,
                errors: 3, warnings: 2, lastError: xssError),
            JobMetrics(
                batchID: "run-1", jobID: "h2_xss", name: xssName, state: "running", attempts: 1, startedAt: at(3000),
                cpuSeconds: 10, peakRSSMB: 530),
            JobMetrics(batchID: "run-1", jobID: "h3_formula", name: formulaName, state: "pending"),
            JobMetrics(
                batchID: "run-1", jobID: "h3_retry", name: "H3 retrying", state: "retry_wait", attempts: 1,
                startedAt: at(1200), cpuSeconds: 5, peakRSSMB: 500, errors: 1, warnings: 1, lastError: urlError),
            JobMetrics(
                batchID: "run-1", jobID: "h4_cancelled", name: "H4", state: "cancelled", attempts: 1,
                startedAt: at(1800), finishedAt: at(2000), wallSeconds: 200, cpuSeconds: 12, peakRSSMB: 500,
                lastError: "@SUM(A1:A9)"),
            JobMetrics(
                batchID: "run-1", jobID: "h5_skipped", name: "H5", state: "skipped", finishedAt: at(2100),
                lastError: "-2+3 dependency h2_failed did not succeed"),
            JobMetrics(
                batchID: "run-1", jobID: "h6_negative", name: "-42.5", state: "succeeded", attempts: 2,
                startedAt: at(2200), finishedAt: at(2600), wallSeconds: 400, cpuSeconds: 80, peakRSSMB: 520,
                warnings: 1),
            JobMetrics(batchID: "other", jobID: "other_job", name: "Other", state: "pending"),
        ]
        let counts = [
            "pending": 1, "retry_wait": 1, "running": 1, "succeeded": 3, "failed": 1, "cancelled": 1, "skipped": 1,
        ]
        let snapshots = [
            BatchMetrics(
                batchID: "run-1", time: at(1800), totalJobs: 9, counts: ["pending": 5, "running": 2, "succeeded": 2],
                averageDurationSeconds: 420, throughputPerHour: 4),
            BatchMetrics(
                batchID: "run-1", time: at(3600), totalJobs: 9, counts: counts, averageDurationSeconds: 367.5,
                throughputPerHour: 5.5),
        ]
        let alerts: [(Alert, batchID: String?)] = [
            (
                Alert(
                    key: "cpu", status: .firing, severity: .warning, subject: "CPU at 95.5 %",
                    message: "CPU use is 95.5 %, above the alert threshold of 90 %. Lower max_concurrent_jobs.",
                    value: 95.5, threshold: 90, time: at(1200)), "run-1"
            ),
            (
                Alert(
                    key: "cpu", status: .resolved, severity: .info, subject: "Resolved: cpu",
                    message: "The cpu condition has cleared.", value: 0, threshold: 0, time: at(1530)), "run-1"
            ),
            (
                Alert(
                    key: "failure_rate", status: .firing, severity: .critical, subject: "40 % of jobs failing",
                    message: "2 of the last 5 jobs failed (40 %), e.g. \(xssError)", value: 0.4, threshold: 0.2,
                    time: at(3000)), "run-1"
            ),
            (
                Alert(
                    key: "disk", status: .firing, severity: .critical, subject: "other batch", message: "x", value: 99,
                    threshold: 90, time: at(10)), "other"
            ),
        ]
        try database.write(
            system: samples + [(sample(15, cpu: 1, memory: 1), "other")], jobs: jobs, batch: snapshots,
            alerts: alerts)
        return database
    }

    static func realisticReport(_ directory: TemporaryDirectory) throws -> MonitorReport {
        try MonitorReport.load(from: realisticDatabase(in: directory), batchID: "run-1", generatedAt: at(3600))
    }

    // MARK: JSON

    @Test("JSON has the documented keys and values, sorted, with ISO-8601 times and nulls")
    func json() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let report = try Self.realisticReport(directory)
        let data = try report.json()
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.hasPrefix("{\n  \"alerts\" : ["))
        #expect(try report.json() == data)

        let document = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(
            Set(document.keys) == [
                "format_version", "generated_at", "batch_id", "summary", "jobs", "system_metrics", "batch_metrics",
                "alerts",
            ])
        #expect(int(document["format_version"]) == 1)
        #expect(document["generated_at"] as? String == "2025-06-15T13:00:00Z")
        #expect(document["batch_id"] as? String == "run-1")

        let summary = try #require(document["summary"] as? [String: Any])
        #expect(
            Set(summary.keys) == [
                "source", "batch_id", "time", "total_jobs", "counts", "average_duration_seconds",
                "throughput_per_hour",
            ])
        #expect(summary["source"] as? String == "batch_metrics")
        #expect(summary["time"] as? String == "2025-06-15T13:00:00Z")
        #expect(int(summary["total_jobs"]) == 9)
        #expect(double(summary["average_duration_seconds"]) == 367.5)
        #expect(double(summary["throughput_per_hour"]) == 5.5)
        let counts = try #require(summary["counts"] as? [String: Any]).mapValues { int($0) }
        #expect(
            counts == [
                "pending": 1, "retry_wait": 1, "running": 1, "succeeded": 3, "failed": 1, "cancelled": 1,
                "skipped": 1,
            ])

        let jobs = try #require(document["jobs"] as? [[String: Any]])
        #expect(jobs.count == 9)
        #expect(!jobs.contains { $0["job_id"] as? String == "other_job" })
        for job in jobs {
            #expect(
                Set(job.keys) == [
                    "batch_id", "job_id", "name", "state", "attempts", "started_at", "finished_at", "wall_seconds",
                    "cpu_seconds", "peak_rss_mb", "errors", "warnings", "last_error",
                ])
        }
        let first = try #require(jobs.first)
        #expect(first["job_id"] as? String == "h1_default_20080101_20151231")
        #expect(first["started_at"] as? String == "2025-06-15T12:01:00Z")
        #expect(first["finished_at"] as? String == "2025-06-15T12:10:00Z")
        #expect(double(first["wall_seconds"]) == 540)
        #expect(double(first["peak_rss_mb"]) == 512.25)
        #expect(first["last_error"] is NSNull)
        let awkward = try #require(jobs.first { $0["job_id"] as? String == "h1_comma" })
        #expect(awkward["name"] as? String == Self.awkwardName)
        let pending = try #require(jobs.first { $0["job_id"] as? String == "h3_formula" })
        #expect(pending["started_at"] is NSNull)
        #expect(pending["wall_seconds"] is NSNull)
        let failed = try #require(jobs.first { $0["job_id"] as? String == "h2_failed" })
        #expect(failed["last_error"] as? String == Self.xssError)
        #expect(int(failed["errors"]) == 3)

        let system = try #require(document["system_metrics"] as? [[String: Any]])
        #expect(system.count == 121)
        #expect(system[0]["cpu_percent"] is NSNull)
        #expect(system[0]["time"] as? String == "2025-06-15T12:00:00Z")
        #expect(double(system[1]["cpu_percent"]) == 25)
        #expect(double(system[120]["memory_percent"]) == 70)
        #expect(double(system[1]["load_15"]) == 0.75)
        #expect(int(system[1]["process_count"]) == 310)

        let snapshots = try #require(document["batch_metrics"] as? [[String: Any]])
        #expect(snapshots.count == 2)
        #expect((snapshots[0]["counts"] as? [String: Any])?.count == 7)

        let alerts = try #require(document["alerts"] as? [[String: Any]])
        #expect(alerts.map { $0["status"] as? String } == ["firing", "resolved", "firing"])
        #expect(alerts.map { $0["key"] as? String } == ["cpu", "cpu", "failure_rate"])
        #expect(alerts[0]["time"] as? String == "2025-06-15T12:20:00Z")
        #expect(double(alerts[2]["value"]) == 0.4)
        #expect(alerts[2]["severity"] as? String == "critical")
    }

    @Test("non-finite numbers become null in JSON, empty in CSV, and never reach the SVG")
    func nonFinite() throws {
        let report = MonitorReport(
            generatedAt: Self.at(100), batchID: nil,
            systemSamples: [
                SystemSample(
                    time: Self.at(0), cpuPercent: .nan, memoryPercent: .infinity, memoryAvailableGB: -.infinity,
                    diskPercent: .nan, diskFreeGB: nil, processCount: 1, loadAverage: [.nan]),
                Self.sample(30, cpu: 50, memory: 50),
            ],
            jobs: [
                JobMetrics(
                    batchID: "b", jobID: "j", name: "n", state: "failed", startedAt: Self.at(0), finishedAt: Self.at(5),
                    wallSeconds: -.infinity, cpuSeconds: .nan)
            ],
            batchSnapshots: [
                BatchMetrics(
                    batchID: "b", time: Self.at(5), totalJobs: 1, counts: ["failed": 1], averageDurationSeconds: .nan,
                    throughputPerHour: .infinity)
            ],
            alerts: [
                Alert(
                    key: "cpu", status: .firing, severity: .warning, subject: "s", message: "m", value: .nan,
                    threshold: .infinity, time: Self.at(1))
            ])
        let document = try #require(try JSONSerialization.jsonObject(with: report.json()) as? [String: Any])
        let system = try #require(document["system_metrics"] as? [[String: Any]])
        for key in ["cpu_percent", "memory_percent", "memory_available_gb", "disk_percent", "disk_free_gb", "load_1"] {
            #expect(system[0][key] is NSNull, "\(key)")
        }
        let summary = try #require(document["summary"] as? [String: Any])
        #expect(summary["average_duration_seconds"] is NSNull)
        #expect(summary["throughput_per_hour"] is NSNull)
        #expect(document["batch_id"] is NSNull)
        let job = try #require((document["jobs"] as? [[String: Any]])?.first)
        #expect(job["wall_seconds"] is NSNull)
        #expect(job["cpu_seconds"] is NSNull)
        let alert = try #require((document["alerts"] as? [[String: Any]])?.first)
        #expect(alert["value"] is NSNull)

        let csv = report.csvFiles()
        #expect(
            try parseCSV(#require(csv["system_metrics.csv"]))[1] == [
                "2025-06-15T12:00:00Z", "", "", "", "", "", "1", "", "", "",
            ])
        #expect(try parseCSV(#require(csv["alerts.csv"]))[1].suffix(2) == ["", ""])

        let html = report.html(title: "t")
        for svg in svgElements(in: html) {
            #expect(!svg.lowercased().contains("nan") && !svg.lowercased().contains("inf"))
        }
        #expect(html.contains("<td class=\"num\">–</td><td class=\"num\">–</td>"))
        // The first sample has no drawable value, the second one draws a dot per series.
        #expect(seriesPointCount(in: html, series: "cpu") == 1)
        #expect(seriesPointCount(in: html, series: "memory") == 1)
    }

    @Test("absurd times and values render without trapping")
    func absurdValues() throws {
        var samples = (0..<1100).map { Self.sample(Double($0), cpu: Double($0 % 150) - 20, memory: 1e300) }
        samples.append(
            SystemSample(
                time: Date(timeIntervalSince1970: 1e12), cpuPercent: -.infinity, memoryPercent: 50,
                memoryAvailableGB: 1, diskPercent: nil, diskFreeGB: nil, processCount: 0, loadAverage: []))
        let report = MonitorReport(
            generatedAt: Self.t0, systemSamples: samples,
            jobs: [
                JobMetrics(
                    batchID: "b", jobID: String(repeating: "x", count: 100), name: "", state: "mystery",
                    startedAt: Self.at(0), finishedAt: Self.at(-50), wallSeconds: 1e300, cpuSeconds: -1)
            ])
        let html = report.html(title: "")
        #expect(svgElements(in: html).count == 2)
        #expect(svgElements(in: html).allSatisfy(tagsBalance))
        #expect(seriesPointCount(in: html, series: "cpu") <= 1000)
        #expect(html.contains("<span class=\"badge state-other\">mystery</span>"))
        #expect(html.contains("<rect class=\"bar state-other\""))
        #expect(html.contains(">\(String(repeating: "x", count: 31))…</text>"))
        #expect(try JSONSerialization.jsonObject(with: report.json()) is [String: Any])
    }

    // MARK: CSV

    @Test("CSV files parse back to the same values, with RFC 4180 quoting and formula neutralising")
    func csv() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let report = try Self.realisticReport(directory)
        let files = report.csvFiles()
        #expect(Set(files.keys) == ["system_metrics.csv", "job_metrics.csv", "batch_metrics.csv", "alerts.csv"])

        let jobsText = try #require(files["job_metrics.csv"])
        #expect(
            jobsText.hasPrefix(
                "batch_id,job_id,name,state,attempts,started_at,finished_at,wall_seconds,cpu_seconds,peak_rss_mb,"
                    + "errors,warnings,last_error\r\n"))
        #expect(jobsText.contains("\"Rates, \"\"QE\"\" and\nlending\""))
        #expect(jobsText.hasSuffix("\r\n"))
        let jobs = parseCSV(jobsText)
        #expect(jobs[0] == MonitorReport.jobMetricsColumns)
        #expect(jobs.count == 10)
        #expect(jobs.allSatisfy { $0.count == 13 })
        let byID = Dictionary(uniqueKeysWithValues: jobs.dropFirst().map { ($0[1], $0) })
        #expect(
            byID["h1_default_20080101_20151231"] == [
                "run-1", "h1_default_20080101_20151231", "H1 default", "succeeded", "1", "2025-06-15T12:01:00Z",
                "2025-06-15T12:10:00Z", "540.0", "120.5", "512.25", "0", "0", "",
            ])
        #expect(byID["h1_comma"]?[2] == Self.awkwardName)
        #expect(byID["h2_failed"]?[12] == Self.xssError)
        #expect(byID["h3_retry"]?[12] == Self.urlError)
        // Formula injection: =, @ and - get a leading apostrophe; a plain negative number does not.
        #expect(byID["h3_formula"]?[2] == "'" + Self.formulaName)
        #expect(byID["h4_cancelled"]?[12] == "'@SUM(A1:A9)")
        #expect(byID["h5_skipped"]?[12] == "'-2+3 dependency h2_failed did not succeed")
        #expect(byID["h6_negative"]?[2] == "-42.5")
        #expect(byID["h3_formula"]?[5] == "")

        let system = try parseCSV(#require(files["system_metrics.csv"]))
        #expect(system[0] == MonitorReport.systemMetricsColumns)
        #expect(system.count == 122)
        #expect(
            system[1] == ["2025-06-15T12:00:00Z", "", "40.0", "12.0", "55.0", "420.5", "310", "1.5", "1.25", "0.75"])
        #expect(system[42][0] == "2025-06-15T12:20:30Z")
        #expect(Double(system[42][1]) == 95.5)

        let batch = try parseCSV(#require(files["batch_metrics.csv"]))
        #expect(
            batch[0] == [
                "batch_id", "time", "total_jobs", "pending", "retry_wait", "running", "succeeded", "failed",
                "cancelled", "skipped", "average_duration_seconds", "throughput_per_hour",
            ])
        #expect(batch[2] == ["run-1", "2025-06-15T13:00:00Z", "9", "1", "1", "1", "3", "1", "1", "1", "367.5", "5.5"])

        let alerts = try parseCSV(#require(files["alerts.csv"]))
        #expect(alerts[0] == ["time", "key", "status", "severity", "subject", "message", "value", "threshold"])
        #expect(alerts.count == 4)
        #expect(
            alerts[3] == [
                "2025-06-15T12:50:00Z", "failure_rate", "firing", "critical", "40 % of jobs failing",
                "2 of the last 5 jobs failed (40 %), e.g. \(Self.xssError)", "0.4", "0.2",
            ])
    }

    @Test("formula injection is neutralised for = + - @ tab and CR, but not for plain numbers")
    func formulaInjection() throws {
        let messages = [
            "=1+2", "+SUM(1)", "-cmd|' /C calc'!A0", "@x", "\tx", "\rx", "-3.5", "+7", "1e-05", "-2.5E+3", "-", "+.",
            "plain", "",
        ]
        let report = MonitorReport(
            generatedAt: Self.t0,
            alerts: messages.map {
                Alert(
                    key: "k", status: .firing, severity: .info, subject: "s", message: $0, value: 1, threshold: 1,
                    time: Self.t0)
            })
        let rows = try parseCSV(#require(report.csvFiles()["alerts.csv"])).dropFirst().map { $0[5] }
        #expect(
            rows == [
                "'=1+2", "'+SUM(1)", "'-cmd|' /C calc'!A0", "'@x", "'\tx", "'\rx", "-3.5", "+7", "1e-05", "-2.5E+3",
                "'-",
                "'+.", "plain", "",
            ])
    }

    // MARK: HTML

    @Test("HTML shows hostile strings only escaped: no live script, handler or URL")
    func htmlEscaping() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let report = try Self.realisticReport(directory)
        let html = report.html(title: "Batch <b>\"run-1\"</b> & 'friends'")
        let lower = html.lowercased()
        #expect(html.hasPrefix("<!DOCTYPE html>\n<html lang=\"en\">"))
        #expect(html.hasSuffix("</html>\n"))
        #expect(!lower.contains("<script"))
        #expect(!lower.contains("onerror="))
        #expect(!lower.contains("javascript:"))
        #expect(!lower.contains("http://"))
        #expect(!lower.contains("https://"))
        #expect(!lower.contains("<img"))
        #expect(!lower.contains("src="))
        #expect(!lower.contains("href"))
        #expect(!lower.contains("url("))
        #expect(html.contains("<title>Batch &lt;b&gt;&quot;run-1&quot;&lt;/b&gt; &amp; &#39;friends&#39;</title>"))
        #expect(html.contains("<td class=\"text\">&lt;script&gt;alert(1)&lt;/script&gt;</td>"))
        #expect(html.contains("&quot;&gt;&lt;img src&#61;x onerror&#61;alert(1)&gt;"))
        #expect(html.contains("Cannot fetch https&#58;//api.stlouisfed.org/fred/series&#58; timed out"))
        #expect(html.contains("Content-Security-Policy"))

        // Exactly one chart of each kind, and every element inside them closes.
        #expect(occurrences(of: "<svg", in: html) == 2)
        #expect(occurrences(of: "<svg class=\"chart resources\"", in: html) == 1)
        #expect(occurrences(of: "<svg class=\"chart timeline\"", in: html) == 1)
        for svg in svgElements(in: html) { #expect(tagsBalance(svg), "\(svg.prefix(80))") }
        #expect(svgElements(in: html).count == 2)
        for tag in ["html", "head", "body", "main", "section", "table", "thead", "tbody", "tr", "header"] {
            #expect(
                occurrences(of: "<\(tag)>", in: html) + occurrences(of: "<\(tag) ", in: html)
                    == occurrences(of: "</\(tag)>", in: html), "\(tag)")
        }
    }

    @Test("HTML has the status table, summary cards, alert history, chart axes and the job timeline")
    func htmlContent() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let report = try Self.realisticReport(directory)
        let html = report.html(title: "Run 1")
        // Status table: one row per job, a coloured badge per state.
        #expect(occurrences(of: "<span class=\"badge state-", in: html) == 9)
        #expect(html.contains("<span class=\"badge state-retry_wait\">retry_wait</span>"))
        #expect(
            html.contains(
                "<tr><td><code>h1_default_20080101_20151231</code></td><td class=\"text\">H1 default</td>"
                    + "<td><span class=\"badge state-succeeded\">succeeded</span></td><td class=\"num\">1</td>"
                    + "<td>2025-06-15 12:01:00</td><td class=\"num\">9 min 00 s</td><td class=\"num\">120.5</td>"
                    + "<td class=\"num\">0</td><td class=\"text error\"></td></tr>"))
        #expect(html.contains("<td class=\"num\">10 min 00 s so far</td>"))
        // Summary cards.
        #expect(html.contains("<div class=\"label\">Jobs</div><div class=\"value\">9</div>"))
        #expect(html.contains("<span class=\"dot state-succeeded\"></span>succeeded</div><div class=\"value\">3</div>"))
        #expect(html.contains("<div class=\"label\">Average duration</div><div class=\"value\">6 min 08 s</div>"))
        #expect(html.contains("<div class=\"label\">Throughput</div><div class=\"value\">5.5 jobs/h</div>"))
        #expect(html.contains("<div class=\"label\">Alerts fired</div><div class=\"value\">2</div>"))
        #expect(html.contains("From the batch snapshot taken at 2025-06-15 13:00:00."))
        // Alert history.
        #expect(occurrences(of: "<span class=\"badge alert-", in: html) == 3)
        #expect(html.contains("<td class=\"num\">95.5</td><td class=\"num\">90</td>"))
        // Resource chart: 0–100 % axis, 10-minute time labels, legend, both series.
        for label in [
            "0 %", "25 %", "50 %", "75 %", "100 %", "12:00", "12:10", "12:20", "12:30", "12:40", "12:50", "13:00",
        ] {
            #expect(html.contains(">\(label)</text>"), "\(label)")
        }
        #expect(html.contains(">CPU %</text>") && html.contains(">Memory %</text>"))
        #expect(seriesPointCount(in: html, series: "cpu") == 120)
        #expect(seriesPointCount(in: html, series: "memory") == 121)
        #expect(html.contains("121 samples, each drawn."))
        // Timeline: a bar per started job, the running one reaching the report time (the right edge).
        #expect(occurrences(of: "<rect class=\"bar ", in: html) == 7)
        #expect(
            html.contains(
                "<title>h2_xss — &lt;script&gt;alert(1)&lt;/script&gt; — running, started 2025-06-15 12:50:00"))
        #expect(html.contains("2 jobs have no start time and no bar."))
        let running = try #require(attributes(ofFirst: "<rect class=\"bar state-running\"", in: html))
        let end = try #require(Double(running["x"] ?? "")) + #require(Double(running["width"] ?? ""))
        #expect(abs(end - 932) <= 0.2)
    }

    @Test("an empty database renders every format")
    func emptyDatabase() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let database = try MetricsDatabase(path: directory.url.appendingPathComponent("empty.sqlite"))
        let report = try MonitorReport.load(from: database, batchID: nil, generatedAt: Self.t0)
        let html = report.html(title: "Empty")
        #expect(occurrences(of: "<svg", in: html) == 2)
        #expect(svgElements(in: html).allSatisfy(tagsBalance))
        #expect(html.contains("No system samples recorded."))
        #expect(html.contains("No job has started."))
        #expect(html.contains("No jobs recorded."))
        #expect(html.contains("No alerts."))
        #expect(html.contains("Computed from the job rows: no batch snapshot was recorded."))
        #expect(seriesPointCount(in: html, series: "cpu") == 0)

        let document = try #require(try JSONSerialization.jsonObject(with: report.json()) as? [String: Any])
        for key in ["jobs", "system_metrics", "batch_metrics", "alerts"] {
            #expect((document[key] as? [Any])?.isEmpty == true, "\(key)")
        }
        let summary = try #require(document["summary"] as? [String: Any])
        #expect(summary["source"] as? String == "job_metrics")
        #expect(summary["batch_id"] is NSNull)
        #expect(int(summary["total_jobs"]) == 0)
        #expect((summary["counts"] as? [String: Any])?.values.allSatisfy { int($0) == 0 } == true)
        #expect((summary["counts"] as? [String: Any])?.count == 7)
        #expect(summary["average_duration_seconds"] is NSNull)

        let csv = report.csvFiles()
        #expect(csv["alerts.csv"] == "time,key,status,severity,subject,message,value,threshold\r\n")
        #expect(csv["system_metrics.csv"]?.components(separatedBy: "\r\n").count == 2)
        #expect(csv["job_metrics.csv"]?.components(separatedBy: "\r\n").count == 2)
        #expect(csv["batch_metrics.csv"]?.components(separatedBy: "\r\n").count == 2)
    }

    @Test("one sample draws a dot per series")
    func oneSample() {
        let report = MonitorReport(generatedAt: Self.t0, systemSamples: [Self.sample(0, cpu: 50, memory: 60)])
        let html = report.html(title: "One")
        #expect(occurrences(of: "<circle class=\"series cpu\"", in: html) == 1)
        #expect(occurrences(of: "<circle class=\"series memory\"", in: html) == 1)
        #expect(!html.contains("<polyline"))
        #expect(html.contains("1 sample, each drawn."))
        #expect(svgElements(in: html).allSatisfy(tagsBalance))
    }

    @Test("5,000 samples are downsampled to at most 1,000 points per series, keeping a spike")
    func thousandsOfSamples() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let database = try MetricsDatabase(path: directory.url.appendingPathComponent("big.sqlite"))
        let samples = (0..<5000).map { step -> (SystemSample, batchID: String?) in
            let cpu = step == 2500 ? 99.0 : 20 + Double(step % 10)
            return (Self.sample(Double(step) * 2, cpu: cpu, memory: 50 + Double(step % 3)), "big")
        }
        try database.write(system: samples)
        let report = try MonitorReport.load(from: database, batchID: "big", generatedAt: Self.at(10_000))
        let html = report.html(title: "Big")
        let cpu = seriesPointCount(in: html, series: "cpu")
        let memory = seriesPointCount(in: html, series: "memory")
        #expect(cpu <= 1000 && cpu >= 900)
        #expect(memory <= 1000 && memory >= 900)
        // 99 % is drawn at y = 312 − 0.99 × 272 = 42.7: the bucket maximum survives.
        #expect(html.contains(",42.7 "))
        #expect(html.contains("5000 samples, drawn as the minimum and maximum of each of 500 equal time buckets."))
        #expect(svgElements(in: html).allSatisfy(tagsBalance))
    }

    @Test("the timeline draws at most 500 bars and says how many were left out")
    func timelineLimit() {
        let jobs = (0..<600).map { index in
            JobMetrics(
                batchID: "b", jobID: "job_\(1000 + index)", name: "Job \(index)",
                state: index % 2 == 0 ? "succeeded" : "failed",
                attempts: 1, startedAt: Self.at(Double(index) * 10), finishedAt: Self.at(Double(index) * 10 + 30),
                wallSeconds: 30)
        }
        let html = MonitorReport(generatedAt: Self.at(7000), jobs: jobs).html(title: "Many")
        #expect(occurrences(of: "<rect class=\"bar ", in: html) == 500)
        #expect(html.contains("<title>job_1499 — "))
        #expect(!html.contains("<title>job_1500 — "))
        #expect(html.contains("100 more started jobs were left out: the timeline draws the first 500 by start time."))
        #expect(occurrences(of: "<span class=\"badge state-", in: html) == 600)
    }

    // MARK: Writing

    @Test("write puts every format's files in the directory, atomically, and names the file on failure")
    func write() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let report = try Self.realisticReport(directory)
        let output = directory.url.appendingPathComponent("out/nested")
        let urls = try report.write(to: output, formats: Set(ReportFormat.allCases))
        #expect(
            urls.map(\.lastPathComponent) == [
                "report.json", "alerts.csv", "batch_metrics.csv", "job_metrics.csv", "system_metrics.csv",
                "report.html",
            ])
        let listing = try FileManager.default.contentsOfDirectory(atPath: output.path).sorted()
        #expect(listing == urls.map(\.lastPathComponent).sorted())
        #expect(try Data(contentsOf: output.appendingPathComponent("report.json")) == report.json())
        #expect(
            try String(contentsOf: output.appendingPathComponent("report.html"), encoding: .utf8)
                == report.html(title: "QEIR batch report"))
        #expect(
            try String(contentsOf: output.appendingPathComponent("job_metrics.csv"), encoding: .utf8)
                == report.csvFiles()["job_metrics.csv"])
        // Rewriting replaces the files.
        #expect(try report.write(to: output, formats: [.csv]).count == 4)

        let notADirectory = try directory.write("x", to: "plain-file")
        let error = #expect(throws: MonitorError.self) { try report.write(to: notADirectory, formats: [.json]) }
        #expect(error?.code == .reportFailed)
        #expect(
            error?.message
                == "Cannot write the report into \(notADirectory.path): it exists and is not a directory. Choose another output directory."
        )
        #expect(error?.context == ["file": notADirectory.path])

        let blocked = directory.url.appendingPathComponent("blocked")
        try FileManager.default.createDirectory(
            at: blocked.appendingPathComponent("report.json/inside"), withIntermediateDirectories: true)
        let fileError = #expect(throws: MonitorError.self) { try report.write(to: blocked, formats: [.json]) }
        let file = blocked.appendingPathComponent("report.json").path
        #expect(fileError?.message.hasPrefix("Cannot write the report file \(file): ") == true)
        #expect(fileError?.context == ["file": file])
    }
}

// MARK: Helpers

private func int(_ value: Any?) -> Int? { (value as? NSNumber)?.intValue }

private func double(_ value: Any?) -> Double? { (value as? NSNumber)?.doubleValue }

private func occurrences(of needle: String, in text: String) -> Int {
    text.components(separatedBy: needle).count - 1
}

/// An RFC 4180 reader: records end with CRLF; a quoted field may hold commas, CR, LF and doubled
/// quotes. Works on Unicode scalars, so CRLF inside a quoted field stays two characters.
private func parseCSV(_ text: String) -> [[String]] {
    var records: [[String]] = []
    var record: [String] = []
    var field = String.UnicodeScalarView()
    var quoted = false
    var scalars = Array(text.unicodeScalars)[...]
    while let scalar = scalars.popFirst() {
        if quoted {
            if scalar == "\"" {
                if scalars.first == "\"" {
                    scalars.removeFirst()
                    field.append("\"")
                } else {
                    quoted = false
                }
            } else {
                field.append(scalar)
            }
        } else if scalar == "\"" && field.isEmpty {
            quoted = true
        } else if scalar == "," {
            record.append(String(field))
            field = String.UnicodeScalarView()
        } else if scalar == "\r" && scalars.first == "\n" {
            scalars.removeFirst()
            record.append(String(field))
            records.append(record)
            record = []
            field = String.UnicodeScalarView()
        } else {
            field.append(scalar)
        }
    }
    if !field.isEmpty || !record.isEmpty { records.append(record + [String(field)]) }
    return records
}

/// The `<svg>…</svg>` elements of a page.
private func svgElements(in html: String) -> [Substring] {
    var result: [Substring] = []
    var rest = html[...]
    while let start = rest.range(of: "<svg") {
        guard let end = rest.range(of: "</svg>", range: start.upperBound..<rest.endIndex) else {
            result.append(rest[start.lowerBound...])
            break
        }
        result.append(rest[start.lowerBound..<end.upperBound])
        rest = rest[end.upperBound...]
    }
    return result
}

/// Whether every opening tag in `markup` is closed, in order (self-closing tags count as closed).
private func tagsBalance(_ markup: Substring) -> Bool {
    var stack: [String] = []
    var rest = markup
    while let open = rest.firstIndex(of: "<") {
        guard let close = rest[open...].firstIndex(of: ">") else { return false }
        let tag = rest[rest.index(after: open)..<close]
        rest = rest[rest.index(after: close)...]
        if tag.hasPrefix("/") {
            guard stack.popLast() == String(tag.dropFirst()) else { return false }
        } else if !tag.hasSuffix("/") {
            stack.append(String(tag.prefix { $0 != " " }))
        }
    }
    return stack.isEmpty
}

/// Points drawn for a series of the resource chart: polyline vertices plus single-point dots.
private func seriesPointCount(in html: String, series: String) -> Int {
    var count = occurrences(of: "<circle class=\"series \(series)\"", in: html)
    for chunk in html.components(separatedBy: "<polyline class=\"series \(series)\" points=\"").dropFirst() {
        let points = chunk.prefix { $0 != "\"" }
        count += points.split(separator: " ").count
    }
    return count
}

/// The attributes of the first tag starting with `prefix`.
private func attributes(ofFirst prefix: String, in html: String) -> [String: String]? {
    guard let start = html.range(of: prefix) else { return nil }
    let tag = html[start.lowerBound...].prefix { $0 != ">" }
    var result: [String: String] = [:]
    for part in tag.split(separator: " ") {
        let pieces = part.split(separator: "=", maxSplits: 1)
        guard pieces.count == 2 else { continue }
        result[String(pieces[0])] = String(pieces[1].trimmingCharacters(in: CharacterSet(charactersIn: "\"/")))
    }
    return result
}
