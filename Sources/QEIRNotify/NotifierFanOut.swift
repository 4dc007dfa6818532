public import Logging

/// One handler of a ``NotifierFanOut`` and its optional rate limit.
public struct NotifierRoute: Sendable {
    /// The handler.
    public var notifier: any Notifier
    /// The handler's own limit; `nil` for none.
    public var rateLimit: NotifierRateLimit?

    /// Creates a route.
    /// - Parameters:
    ///   - notifier: the handler.
    ///   - rateLimit: its limit, or `nil`.
    public init(_ notifier: any Notifier, rateLimit: NotifierRateLimit? = nil) {
        self.notifier = notifier
        self.rateLimit = rateLimit
    }
}

/// What happened to one notification at one handler.
public struct DeliveryOutcome: Sendable {
    /// The three possible results.
    public enum Status: String, Sendable, Hashable {
        /// The handler delivered it.
        case delivered
        /// The handler threw; see ``DeliveryOutcome/error``.
        case failed
        /// The handler's rate limit was reached, so it was not attempted.
        case dropped
    }

    /// The handler's name.
    public let notifier: String
    /// The result.
    public let status: Status
    /// The handler's error when ``status`` is ``Status/failed``; a
    /// ``NotifyError/Code/rateLimited`` error when it is ``Status/dropped``; otherwise `nil`.
    public let error: NotifyError?
    /// How long the handler took (zero when dropped).
    public let duration: Duration
}

/// The outcomes of one notification at every handler of a ``NotifierFanOut``, in route order.
public struct DeliveryReport: Sendable {
    /// The notification's subject.
    public let subject: String
    /// One outcome per route, in the order the routes were given.
    public let outcomes: [DeliveryOutcome]

    /// Whether every handler delivered.
    public var allDelivered: Bool { outcomes.allSatisfy { $0.status == .delivered } }

    /// The outcome of the first handler called `name`.
    /// - Parameter name: a notifier name.
    /// - Returns: its outcome, or `nil` when no handler has that name.
    public func outcome(_ name: String) -> DeliveryOutcome? { outcomes.first { $0.notifier == name } }
}

/// Running totals of one handler of a ``NotifierFanOut``.
public struct NotifierStatistics: Sendable, Hashable {
    /// The handler's name.
    public let notifier: String
    /// Notifications delivered.
    public internal(set) var delivered: Int
    /// Notifications the handler failed to deliver.
    public internal(set) var failed: Int
    /// Notifications dropped by the rate limit.
    public internal(set) var dropped: Int
}

/// Sends each notification to many ``Notifier``s at once, with a rate limit per handler, and
/// never fails: a handler's failure is returned in the ``DeliveryReport`` and logged.
///
/// ```swift
/// let fanOut = NotifierFanOut(
///     [NotifierRoute(smtp, rateLimit: NotifierRateLimit(10, per: .seconds(3600))), NotifierRoute(webhook)],
///     logger: logger)
/// await fanOut.deliver(notification, detached: true)   // returns at once; the batch goes on
/// …
/// let reports = await fanOut.flush()                   // before exit: wait for detached deliveries
/// ```
///
/// Handlers run concurrently, each in its own child task, so a slow handler delays only its own
/// outcome. The rate limit is checked when `deliver` is called: a handler over its limit is
/// skipped and the drop counted. Failures are logged at warning level with the handler's
/// ``NotifyError`` message, which never carries a password, a signing secret or a tokenised URL.
public actor NotifierFanOut {
    private let routes: [NotifierRoute]
    private var buckets: [TokenBucket?]
    private var counts: [NotifierStatistics]
    private var dropping: [Bool]
    private let now: @Sendable () -> Duration
    private let logger: Logger
    private var pending: [Int: Task<Void, Never>] = [:]
    private var nextTaskID = 0
    private var finished: [DeliveryReport] = []

    /// Creates a fan-out over routes.
    /// - Parameters:
    ///   - routes: the handlers with their limits; names need not be unique, but reports are
    ///     easier to read when they are.
    ///   - clock: the clock the rate limits read (tests pass a manual clock).
    ///   - logger: where failures and drops are logged.
    public init(
        _ routes: [NotifierRoute], clock: some Clock<Duration> = ContinuousClock(),
        logger: Logger = Logger(label: "qeir.notify")
    ) {
        let start = clock.now
        let now: @Sendable () -> Duration = { start.duration(to: clock.now) }
        self.routes = routes
        self.now = now
        self.logger = logger
        self.buckets = routes.map { route in route.rateLimit.map { TokenBucket($0, now: now()) } }
        self.counts = routes.map { NotifierStatistics(notifier: $0.notifier.name, delivered: 0, failed: 0, dropped: 0) }
        self.dropping = routes.map { _ in false }
    }

    /// Creates a fan-out in which every handler gets its own bucket with the same limit.
    /// - Parameters:
    ///   - notifiers: the handlers.
    ///   - rateLimit: the limit of each handler, or `nil` for none.
    ///   - clock: the clock the rate limits read.
    ///   - logger: where failures and drops are logged.
    public init(
        notifiers: [any Notifier], rateLimit: NotifierRateLimit? = nil, clock: some Clock<Duration> = ContinuousClock(),
        logger: Logger = Logger(label: "qeir.notify")
    ) {
        self.init(notifiers.map { NotifierRoute($0, rateLimit: rateLimit) }, clock: clock, logger: logger)
    }

    /// Sends `n` to every handler whose rate limit allows it.
    ///
    /// Never throws and never fails because of a handler. With `detached: false` it returns when
    /// every handler has finished, with their outcomes. With `detached: true` it returns at once
    /// with `nil`: the deliveries run in a task the fan-out keeps, and ``flush()`` waits for them
    /// and returns their reports. Rate limits are applied at the call either way.
    /// - Parameters:
    ///   - n: the notification.
    ///   - detached: whether to return before the handlers finish.
    /// - Returns: the report, or `nil` when detached.
    @discardableResult
    public func deliver(_ n: NotifyMessage, detached: Bool = false) async -> DeliveryReport? {
        let admitted = admit(n)
        if detached {
            let id = nextTaskID
            nextTaskID += 1
            let routes = self.routes
            let logger = self.logger
            pending[id] = Task {
                let report = await Self.send(n, routes: routes, admitted: admitted, logger: logger)
                self.complete(id, report)
            }
            return nil
        }
        let report = await Self.send(n, routes: routes, admitted: admitted, logger: logger)
        record(report)
        return report
    }

    /// Waits for every detached delivery, including those started while waiting.
    /// - Returns: the reports of detached deliveries finished since the last flush, in the
    ///   order they finished.
    public func flush() async -> [DeliveryReport] {
        while let (id, task) = pending.first {
            await task.value
            pending[id] = nil
        }
        defer { finished = [] }
        return finished
    }

    /// Totals per handler, in route order.
    public var statistics: [NotifierStatistics] { counts }

    /// The number of detached deliveries still running.
    public var pendingCount: Int { pending.count }

    // MARK: Internals

    /// Takes a token from each limited handler; logs the first drop of a run of drops at
    /// notice level and the rest at debug level.
    private func admit(_ n: NotifyMessage) -> [Bool] {
        let instant = now()
        var admitted: [Bool] = []
        for index in routes.indices {
            guard var bucket = buckets[index] else {
                admitted.append(true)
                continue
            }
            let ok = bucket.take(now: instant)
            buckets[index] = bucket
            admitted.append(ok)
            if ok {
                dropping[index] = false
                continue
            }
            counts[index].dropped += 1
            let name = routes[index].notifier.name
            let limit = bucket.limit
            let level: Logger.Level = dropping[index] ? .debug : .notice
            dropping[index] = true
            logger.log(
                level: level,
                "Notifier \(name) is over its rate limit of \(limit.count) per \(limit.interval); dropped \"\(n.subject)\"",
                metadata: ["notifier": "\(name)", "dropped_total": "\(counts[index].dropped)"])
        }
        return admitted
    }

    private func complete(_ id: Int, _ report: DeliveryReport) {
        pending[id] = nil
        record(report)
        finished.append(report)
    }

    private func record(_ report: DeliveryReport) {
        for (index, outcome) in report.outcomes.enumerated() {
            switch outcome.status {
            case .delivered: counts[index].delivered += 1
            case .failed: counts[index].failed += 1
            case .dropped: break  // counted when admitted
            }
        }
    }

    /// Runs the admitted handlers concurrently and collects their outcomes in route order.
    private static func send(
        _ n: NotifyMessage, routes: [NotifierRoute], admitted: [Bool], logger: Logger
    ) async -> DeliveryReport {
        var outcomes: [DeliveryOutcome?] = routes.indices.map { index in
            guard !admitted[index] else { return nil }
            let name = routes[index].notifier.name
            let limit = routes[index].rateLimit.map { "\($0.count) per \($0.interval)" } ?? "?"
            return DeliveryOutcome(
                notifier: name, status: .dropped,
                error: NotifyError(
                    .rateLimited,
                    "Notifier \(name) dropped \"\(n.subject)\": its rate limit of \(limit) was reached; raise the "
                        + "limit if these notifications matter.",
                    context: ["notifier": name]),
                duration: .zero)
        }
        await withTaskGroup(of: (Int, DeliveryOutcome).self) { group in
            for (index, route) in routes.enumerated() where admitted[index] {
                group.addTask {
                    let notifier = route.notifier
                    let clock = ContinuousClock()
                    let start = clock.now
                    do throws(NotifyError) {
                        try await notifier.send(n)
                        let outcome = DeliveryOutcome(
                            notifier: notifier.name, status: .delivered, error: nil,
                            duration: start.duration(to: clock.now))
                        return (index, outcome)
                    } catch {
                        let outcome = DeliveryOutcome(
                            notifier: notifier.name, status: .failed, error: error,
                            duration: start.duration(to: clock.now))
                        return (index, outcome)
                    }
                }
            }
            for await (index, outcome) in group { outcomes[index] = outcome }
        }
        let report = DeliveryReport(subject: n.subject, outcomes: outcomes.map { $0! })
        for outcome in report.outcomes where outcome.status == .failed {
            guard let error = outcome.error else { continue }
            logger.warning(
                "Notifier \(outcome.notifier) failed to deliver \"\(n.subject)\": \(error.message)",
                metadata: ["notifier": "\(outcome.notifier)", "code": "\(error.code)"])
        }
        return report
    }
}
