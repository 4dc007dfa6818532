/// A per-handler rate limit of ``NotifierFanOut``: at most ``count`` notifications per
/// ``interval``, as a token bucket.
///
/// The bucket holds up to `count` tokens and starts full; it refills continuously at
/// `count / interval`. A notification takes one token, or is dropped (and counted) when the
/// bucket is empty. So a burst of `count` passes at once, and over any long stretch no more than
/// `count` per `interval` (plus the first burst) pass.
public struct NotifierRateLimit: Sendable, Hashable {
    /// The bucket size and the number of tokens added per ``interval`` (at least 1).
    public var count: Int
    /// The refill period (positive).
    public var interval: Duration

    /// Creates a limit of `count` notifications per `interval`.
    /// - Parameters:
    ///   - count: the burst size and refill amount (values below 1 are treated as 1).
    ///   - interval: the refill period.
    public init(_ count: Int, per interval: Duration) {
        self.count = count
        self.interval = interval
    }
}

/// The token bucket of one handler. Time is the duration since the fan-out's clock started.
struct TokenBucket: Sendable {
    let limit: NotifierRateLimit
    private var tokens: Double
    private var updated: Duration

    init(_ limit: NotifierRateLimit, now: Duration) {
        self.limit = limit
        self.tokens = Double(max(1, limit.count))
        self.updated = now
    }

    /// Takes a token if one is available at `now`.
    mutating func take(now: Duration) -> Bool {
        let capacity = Double(max(1, limit.count))
        let interval = Self.seconds(limit.interval)
        if now > updated {
            tokens = interval > 0 ? min(capacity, tokens + Self.seconds(now - updated) * capacity / interval) : capacity
            updated = now
        }
        guard tokens >= 1 else { return false }
        tokens -= 1
        return true
    }

    private static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
    }
}
