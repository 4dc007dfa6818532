/// Request limits shared by every request of one ``FREDClient``.
///
/// The limiter is a sliding window with reservations: a request is granted the earliest
/// instant at which no more than ``perSecond`` grants fall in any one-second window and no more
/// than ``perMinute`` in any sixty-second window, then waits until that instant. Grants are made
/// in call order, so concurrent callers are served first come, first served.
public struct FREDRateLimit: Sendable, Hashable {
    /// Most requests in any one-second window (default 2).
    public var perSecond: Int
    /// Most requests in any sixty-second window (default 120, FRED's documented limit).
    public var perMinute: Int

    /// Creates limits.
    /// - Parameters:
    ///   - perSecond: most requests per second (at least 1).
    ///   - perMinute: most requests per minute (at least 1).
    public init(perSecond: Int = 2, perMinute: Int = 120) {
        self.perSecond = perSecond
        self.perMinute = perMinute
    }
}

/// A clock reduced to "time since creation" and "sleep", so that any `Clock<Duration>` can be
/// stored without making the client generic.
struct ClockBox: Sendable {
    let now: @Sendable () -> Duration
    let sleep: @Sendable (Duration) async throws -> Void

    init<C: Clock>(_ clock: C) where C.Duration == Duration {
        let start = clock.now
        now = { start.duration(to: clock.now) }
        sleep = { duration in
            if duration > .zero { try await clock.sleep(for: duration, tolerance: nil) }
        }
    }
}

/// The sliding-window limiter (see ``FREDRateLimit``).
actor RateLimiter {
    private let limit: FREDRateLimit
    private let clock: ClockBox
    private var grants: [Duration] = []  // nondecreasing, at most perMinute entries

    init(limit: FREDRateLimit, clock: ClockBox) {
        self.limit = limit
        self.clock = clock
    }

    /// Reserves the next slot and returns when it is reached.
    func acquire() async throws {
        let slot = reserve()
        let wait = slot - clock.now()
        try await clock.sleep(wait)
    }

    private func reserve() -> Duration {
        var slot = clock.now()
        let perSecond = max(1, limit.perSecond)
        let perMinute = max(1, limit.perMinute)
        if grants.count >= perSecond { slot = max(slot, grants[grants.count - perSecond] + .seconds(1)) }
        if grants.count >= perMinute { slot = max(slot, grants[grants.count - perMinute] + .seconds(60)) }
        grants.append(slot)
        if grants.count > max(perSecond, perMinute) { grants.removeFirst(grants.count - max(perSecond, perMinute)) }
        return slot
    }
}
