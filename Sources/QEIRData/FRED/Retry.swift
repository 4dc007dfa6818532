/// How the FRED client retries rate-limited (429), server-error (5xx), timed-out and failed
/// requests.
///
/// Attempt `n` (0-based) that fails waits a uniformly random delay in
/// `0 ... min(maxDelay, baseDelay · 2ⁿ)` ("full jitter"), unless the response carries
/// `Retry-After: <seconds>`, in which case exactly that many seconds are waited (capped at
/// ``maxRetryAfter``). Client errors (400, 404) and malformed responses are not retried.
public struct FREDRetryPolicy: Sendable, Hashable {
    /// Total attempts including the first (at least 1; default 4).
    public var maxAttempts: Int
    /// The backoff base (default 0.5 s).
    public var baseDelay: Duration
    /// The largest backoff delay (default 30 s).
    public var maxDelay: Duration
    /// The largest `Retry-After` honoured (default 120 s); longer values are cut to this.
    public var maxRetryAfter: Duration

    /// Creates a policy.
    /// - Parameters:
    ///   - maxAttempts: total attempts including the first.
    ///   - baseDelay: the backoff base.
    ///   - maxDelay: the cap on a backoff delay.
    ///   - maxRetryAfter: the cap on an honoured `Retry-After`.
    public init(
        maxAttempts: Int = 4, baseDelay: Duration = .milliseconds(500), maxDelay: Duration = .seconds(30),
        maxRetryAfter: Duration = .seconds(120)
    ) {
        self.maxAttempts = maxAttempts
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.maxRetryAfter = maxRetryAfter
    }

    /// The delay before retrying after failed attempt `attempt` (0-based).
    /// - Parameters:
    ///   - attempt: the index of the attempt that failed.
    ///   - retryAfter: the server's `Retry-After` seconds, if any.
    ///   - random: a uniform random number in `[0, 1)`.
    /// - Returns: the delay.
    public func delay(afterAttempt attempt: Int, retryAfter: Int? = nil, random: Double) -> Duration {
        if let retryAfter, retryAfter >= 0 { return min(.seconds(retryAfter), maxRetryAfter) }
        var ceiling = baseDelay
        for _ in 0..<min(attempt, 62) {
            ceiling = ceiling * 2
            if ceiling >= maxDelay { break }
        }
        ceiling = min(ceiling, maxDelay)
        return ceiling * min(max(random, 0), 1)
    }
}
