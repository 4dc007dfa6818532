public import Foundation

/// What to do with fire times that passed while the scheduler was not running.
///
/// A fire time is *missed* when it is older than the grace window at the moment the scheduler looks;
/// fire times within the grace window are on time and always run.
public enum MissedRunPolicy: Sendable, Hashable {
    /// Drop missed fire times; run only those within the grace window.
    case skip
    /// Coalesce missed fire times into one run at the latest of them — unless an on-time run exists,
    /// which already covers them. The default.
    case latest
    /// Run missed fire times, oldest first, but at most the `cap` most recent ones (`cap` below 0
    /// counts as 0).
    case all(cap: Int)

    /// ``latest``.
    public static let `default` = MissedRunPolicy.latest
}

/// What to do when a job's fire time comes while its previous run is still going.
///
/// A value only: the processor that starts runs applies it.
public enum OverlapPolicy: Sendable, Hashable {
    /// Drop the new fire time. The default.
    case skip
    /// Keep one pending run, started when the current run ends; further fire times meanwhile are
    /// dropped.
    case queueOne

    /// ``skip``.
    public static let `default` = OverlapPolicy.skip
}

/// The fire times to run now after a pause, from ``Schedule/catchUp(lastRun:now:policy:grace:)``.
public struct CatchUp: Sendable, Hashable {
    /// Fire times to run now, oldest first.
    public let runTimes: [Date]
    /// How many fire times were missed (older than the grace window), whether run or dropped.
    public let missedCount: Int
    /// How many missed fire times the policy dropped.
    public let droppedCount: Int
    /// Whether ``runTimes`` includes at least one missed fire time, i.e. this is a catch-up run.
    public let caughtUp: Bool

    /// Creates a result.
    public init(runTimes: [Date], missedCount: Int, droppedCount: Int, caughtUp: Bool) {
        self.runTimes = runTimes
        self.missedCount = missedCount
        self.droppedCount = droppedCount
        self.caughtUp = caughtUp
    }
}

extension Schedule {
    /// The fire times to run now, given the last fire time that ran.
    ///
    /// The due fire times are those in `(lastRun, now]`. Those no older than `grace` (`now - t ≤ grace`)
    /// are on time and always run; older ones are missed, and `policy` decides:
    /// - ``MissedRunPolicy/skip``: run none of them.
    /// - ``MissedRunPolicy/latest``: run the latest one, only if no fire time is on time.
    /// - ``MissedRunPolicy/all(cap:)``: run the `cap` most recent ones.
    ///
    /// - Parameters:
    ///   - lastRun: the fire time of the last run (not its start or end time).
    ///   - now: the current time.
    ///   - policy: what to do with missed fire times.
    ///   - grace: how late a fire time may run and still count as on time.
    /// - Complexity: proportional to the number of due fire times.
    public func catchUp(
        lastRun: Date, now: Date, policy: MissedRunPolicy = .default, grace: Duration = .seconds(60)
    ) -> CatchUp {
        let (seconds, attoseconds) = grace.components
        let cutoff = now.addingTimeInterval(-(Double(seconds) + Double(attoseconds) / 1e18))
        var missed: [Date] = []
        var onTime: [Date] = []
        for t in fireDates(after: lastRun) {
            if t > now { break }
            if t < cutoff { missed.append(t) } else { onTime.append(t) }
        }
        let catchUpRuns: [Date]
        switch policy {
        case .skip: catchUpRuns = []
        case .latest: catchUpRuns = onTime.isEmpty ? Array(missed.suffix(1)) : []
        case .all(let cap): catchUpRuns = Array(missed.suffix(max(cap, 0)))
        }
        return CatchUp(
            runTimes: catchUpRuns + onTime, missedCount: missed.count,
            droppedCount: missed.count - catchUpRuns.count, caughtUp: !catchUpRuns.isEmpty)
    }
}
