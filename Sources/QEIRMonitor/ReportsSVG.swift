import Foundation

/// The report's inline SVG charts. Coordinates come from ``ReportText/coordinate(_:)``; every
/// string from data goes through ``HTMLText/escape(_:)``.
enum SVGChart {
    /// The most points one series of the resource chart draws.
    static let maxPoints = 1000
    /// The most bars the job timeline draws.
    static let maxBars = 500

    static let cpuColor = "#1565c0"
    static let memoryColor = "#c2185b"

    /// A point in time (Unix seconds) and value.
    struct Point {
        var time: Double
        var value: Double
    }

    /// A coordinate (see ``ReportText/coordinate(_:)``).
    static func c(_ value: Double) -> String { ReportText.coordinate(value) }

    // MARK: Resource chart

    /// The CPU % and memory % chart, and a note saying how the samples were drawn.
    static func resources(_ samples: [SystemSample]) -> (svg: String, note: String) {
        let width = 960.0
        let height = 360.0
        let left = 56.0
        let right = width - 28
        let top = 40.0
        let bottom = height - 48
        let sorted = samples.sorted { $0.time < $1.time }
        var svg = "<svg class=\"chart resources\" viewBox=\"0 0 960 360\" role=\"img\" "
        svg += "aria-label=\"CPU and memory use over time\">\n<title>CPU and memory use over time</title>\n"
        // The 0–100 % axis with grid lines.
        for percent in stride(from: 0.0, through: 100, by: 25) {
            let y = c(bottom - percent / 100 * (bottom - top))
            svg +=
                "<line class=\"grid\" x1=\"\(c(left))\" y1=\"\(y)\" x2=\"\(c(right))\" y2=\"\(y)\" stroke=\"#eceff1\"/>"
            svg += "<text x=\"\(c(left - 6))\" y=\"\(y)\" dy=\"4\" text-anchor=\"end\">\(Int(percent)) %</text>\n"
        }
        svg += "<line class=\"axis\" x1=\"\(c(left))\" y1=\"\(c(top))\" x2=\"\(c(left))\" y2=\"\(c(bottom))\" "
        svg += "stroke=\"#90a4ae\"/>"
        svg += "<line class=\"axis\" x1=\"\(c(left))\" y1=\"\(c(bottom))\" x2=\"\(c(right))\" y2=\"\(c(bottom))\" "
        svg += "stroke=\"#90a4ae\"/>\n"
        svg += "<text x=\"\(c((left + right) / 2))\" y=\"\(c(height - 8))\" text-anchor=\"middle\">Time (UTC)</text>\n"
        // Legend.
        svg += "<g class=\"legend\">"
        svg += "<rect x=\"\(c(left))\" y=\"14\" width=\"16\" height=\"4\" fill=\"\(cpuColor)\"/>"
        svg += "<text x=\"\(c(left + 22))\" y=\"20\">CPU %</text>"
        svg += "<rect x=\"\(c(left + 90))\" y=\"14\" width=\"16\" height=\"4\" fill=\"\(memoryColor)\"/>"
        svg += "<text x=\"\(c(left + 112))\" y=\"20\">Memory %</text></g>\n"

        guard let first = sorted.first?.time.timeIntervalSince1970,
            let last = sorted.last?.time.timeIntervalSince1970
        else {
            svg += "<text class=\"empty\" x=\"\(c((left + right) / 2))\" y=\"\(c((top + bottom) / 2))\" "
            svg += "text-anchor=\"middle\">No system samples recorded.</text>\n</svg>\n"
            return (svg, "No system samples were recorded.")
        }
        let (start, end) = last > first ? (first, last) : (first - 60, first + 60)
        let x = { (time: Double) in left + (time - start) / (end - start) * (right - left) }
        let y = { (value: Double) in bottom - min(max(value, 0), 100) / 100 * (bottom - top) }
        svg += timeAxis(start: start, end: end, x: x, top: top, bottom: bottom)

        var bucketed = false
        for (name, color, values) in [
            ("cpu", cpuColor, sorted.map { (time: $0.time.timeIntervalSince1970, value: $0.cpuPercent) }),
            ("memory", memoryColor, sorted.map { (time: $0.time.timeIntervalSince1970, value: $0.memoryPercent) }),
        ] as [(String, String, [(time: Double, value: Double?)])] {
            let line = downsample(values, maxPoints: maxPoints)
            bucketed = bucketed || line.bucketed
            for segment in line.segments {
                if segment.count == 1, let point = segment.first {
                    svg += "<circle class=\"series \(name)\" cx=\"\(c(x(point.time)))\" "
                    svg += "cy=\"\(c(y(point.value)))\" r=\"2.5\" fill=\"\(color)\"/>\n"
                } else {
                    let points = segment.map { "\(c(x($0.time))),\(c(y($0.value)))" }
                    svg +=
                        "<polyline class=\"series \(name)\" points=\"\(points.joined(separator: " "))\" fill=\"none\" "
                    svg += "stroke=\"\(color)\" stroke-width=\"1.5\" stroke-linejoin=\"round\"/>\n"
                }
            }
        }
        svg += "</svg>\n"
        let count = ReportText.number(Double(sorted.count), digits: 0)
        let note =
            bucketed
            ? "\(count) samples, drawn as the minimum and maximum of each of \(maxPoints / 2) equal time buckets."
            : "\(count) sample\(sorted.count == 1 ? "" : "s"), each drawn."
        return (svg, note)
    }

    /// Splits a series into line segments (at missing or non-finite values), downsampling when it has
    /// more than `maxPoints` values: the time range is cut into `maxPoints / 2` equal buckets and each
    /// bucket keeps its minimum and maximum, in time order; an empty bucket breaks the line.
    ///
    /// - Parameter values: The series, sorted by time.
    /// - Returns: The segments (at most `maxPoints` points in all) and whether buckets were used.
    static func downsample(
        _ values: [(time: Double, value: Double?)], maxPoints: Int
    ) -> (segments: [[Point]], bucketed: Bool) {
        var segments: [[Point]] = []
        var current: [Point] = []
        func endSegment() {
            if !current.isEmpty { segments.append(current) }
            current = []
        }
        let finite = values.filter { $0.value?.isFinite == true }.count
        guard finite > maxPoints, let first = values.first?.time, let last = values.last?.time else {
            for entry in values {
                if let value = entry.value, value.isFinite {
                    current.append(Point(time: entry.time, value: value))
                } else {
                    endSegment()
                }
            }
            endSegment()
            return (segments, false)
        }
        let buckets = max(1, maxPoints / 2)
        let span = last - first
        var bucket = -1
        var low: Point?
        var high: Point?
        func endBucket() {
            guard let low, let high else {
                endSegment()
                return
            }
            if low.time == high.time {
                current.append(low)
            } else {
                current += low.time < high.time ? [low, high] : [high, low]
            }
        }
        for entry in values {
            let position = span > 0 ? (entry.time - first) / span * Double(buckets) : 0
            let index = position.isFinite ? Int(min(max(position, 0), Double(buckets - 1))) : 0
            if index != bucket {
                if bucket >= 0 { endBucket() }
                // Buckets skipped over had no sample at all: a gap in sampling.
                if bucket >= 0 && index > bucket + 1 { endSegment() }
                bucket = index
                low = nil
                high = nil
            }
            guard let value = entry.value, value.isFinite else { continue }
            let point = Point(time: entry.time, value: value)
            if low.map({ value < $0.value }) ?? true { low = point }
            if high.map({ value > $0.value }) ?? true { high = point }
        }
        endBucket()
        endSegment()
        return (segments, true)
    }

    // MARK: Job timeline

    /// The job timeline, and notes on jobs not drawn.
    static func timeline(_ jobs: [JobMetrics], now: Date) -> (svg: String, notes: [String]) {
        let width = 960.0
        let labelRight = 212.0
        let left = 222.0
        let right = width - 28
        let top = 36.0
        let row = 18.0
        let started = jobs.compactMap { job in job.startedAt.map { (job: job, start: $0) } }
            .sorted { ($0.start, $0.job.jobID) < ($1.start, $1.job.jobID) }
        let drawn = started.prefix(maxBars).map { entry in
            (job: entry.job, start: entry.start, end: max(entry.job.finishedAt ?? now, entry.start))
        }
        let plotBottom = top + Double(max(drawn.count, 2)) * row
        let height = plotBottom + 44
        var svg = "<svg class=\"chart timeline\" viewBox=\"0 0 960 \(c(height))\" role=\"img\" "
        svg += "aria-label=\"Job timeline\">\n<title>Job timeline</title>\n"
        // Legend: every known state's colour.
        svg += "<g class=\"legend\">"
        var legendX = left
        for state in MonitorReport.states {
            svg += "<rect x=\"\(c(legendX))\" y=\"12\" width=\"10\" height=\"10\" "
            svg += "fill=\"\(HTMLText.color(state))\"/>"
            svg += "<text x=\"\(c(legendX + 14))\" y=\"21\">\(state)</text>"
            legendX += 24 + Double(state.count) * 6.5
        }
        svg += "</g>\n"
        svg += "<text x=\"\(c((left + right) / 2))\" y=\"\(c(height - 8))\" "
        svg += "text-anchor=\"middle\">Time (UTC)</text>\n"
        var notes: [String] = []
        guard let start = drawn.map(\.start).min(), let latest = drawn.map(\.end).max() else {
            svg += "<text class=\"empty\" x=\"\(c((left + right) / 2))\" y=\"\(c(top + row))\" "
            svg += "text-anchor=\"middle\">No job has started.</text>\n</svg>\n"
            if !jobs.isEmpty { notes.append(notStartedNote(jobs.count)) }
            return (svg, notes)
        }
        let t0 = start.timeIntervalSince1970
        let t1 = max(latest.timeIntervalSince1970, t0 + 60)
        let x = { (date: Date) in left + (date.timeIntervalSince1970 - t0) / (t1 - t0) * (right - left) }
        svg += timeAxis(
            start: t0, end: t1, x: { left + ($0 - t0) / (t1 - t0) * (right - left) }, top: top, bottom: plotBottom)
        for (index, entry) in drawn.enumerated() {
            let y = top + Double(index) * row
            let id = HTMLText.escape(entry.job.jobID)
            let label = entry.job.jobID.count > 32 ? HTMLText.escape(String(entry.job.jobID.prefix(31)) + "…") : id
            let ended = entry.job.finishedAt == nil ? "not ended" : "ended \(HTMLText.time(entry.end))"
            let tooltip =
                "\(id) — \(HTMLText.escape(entry.job.name)) — \(HTMLText.escape(entry.job.state)), "
                + "started \(HTMLText.time(entry.start)), \(ended), "
                + ReportText.duration(entry.end.timeIntervalSince(entry.start))
            let barX = x(entry.start)
            let barWidth = max(x(entry.end) - barX, 1.5)
            svg += "<g class=\"job\"><title>\(tooltip)</title>"
            svg += "<text x=\"\(c(labelRight))\" y=\"\(c(y + 13))\" text-anchor=\"end\">\(label)</text>"
            svg += "<rect class=\"bar \(HTMLText.stateClass(entry.job.state))\" x=\"\(c(barX))\" "
            svg += "y=\"\(c(y + 3))\" width=\"\(c(barWidth))\" height=\"12\" rx=\"2\" "
            svg += "fill=\"\(HTMLText.color(entry.job.state))\"/></g>\n"
        }
        svg += "</svg>\n"
        if started.count > maxBars {
            let omitted = ReportText.number(Double(started.count - maxBars), digits: 0)
            notes.append(
                "\(omitted) more started jobs were left out: the timeline draws the first \(maxBars) by start time.")
        }
        if started.count < jobs.count { notes.append(notStartedNote(jobs.count - started.count)) }
        return (svg, notes)
    }

    private static func notStartedNote(_ count: Int) -> String {
        "\(ReportText.number(Double(count), digits: 0)) job\(count == 1 ? " has" : "s have") no start time and no bar."
    }

    // MARK: Time axis

    /// Vertical grid lines and labels at round times between `start` and `end` (Unix seconds).
    static func timeAxis(
        start: Double, end: Double, x: (Double) -> Double, top: Double, bottom: Double
    ) -> String {
        let span = end - start
        let steps: [Double] = [
            1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10_800, 21_600, 43_200, 86_400,
            172_800, 604_800,
        ]
        let step = steps.first { span / $0 <= 6 } ?? (span / 6 / 604_800).rounded(.up) * 604_800
        var svg = ""
        var tick = (start / step).rounded(.up) * step
        while tick <= end {
            let iso = ReportText.iso(Date(timeIntervalSince1970: tick))
            let chars = Array(iso)
            let clock = String(chars[11..<16])
            let label =
                if step < 60 {
                    String(chars[11..<19])
                } else if step >= 86_400 {
                    String(chars[5..<10])
                } else if span > 86_400 {
                    "\(String(chars[5..<10])) \(clock)"
                } else {
                    clock
                }
            let position = c(x(tick))
            svg += "<line class=\"grid\" x1=\"\(position)\" y1=\"\(c(top))\" x2=\"\(position)\" y2=\"\(c(bottom))\" "
            svg += "stroke=\"#eceff1\"/>"
            svg += "<text x=\"\(position)\" y=\"\(c(bottom + 16))\" text-anchor=\"middle\">\(label)</text>\n"
            tick += step
        }
        return svg
    }
}
