public import Foundation
import Synchronization

/// The wall clock the batch engine reads and sleeps on; injected so tests control time.
///
/// The engine works in wall-clock `Date`s because retry times, leases and schedule slots are
/// stored and compared across processes.
public protocol BatchClock: Sendable {
    /// The current time.
    var now: Date { get }
    /// Suspends until `deadline` (or returns at once when it has passed).
    ///
    /// - Parameter deadline: The time to wake.
    /// - Throws: `CancellationError` when the task is cancelled while sleeping.
    func sleep(until deadline: Date) async throws
}

/// The system clock: `Date()` and `Task.sleep`.
public struct SystemBatchClock: BatchClock {
    /// Creates the system clock.
    public init() {}

    /// The current time.
    public var now: Date { Date() }

    /// Sleeps until `deadline` with `Task.sleep`.
    ///
    /// - Parameter deadline: The time to wake.
    /// - Throws: `CancellationError` when cancelled.
    public func sleep(until deadline: Date) async throws {
        let interval = deadline.timeIntervalSinceNow
        if interval > 0 {
            try await Task.sleep(for: .nanoseconds(Int64((interval * 1e9).rounded(.up))))
        } else {
            try Task.checkCancellation()
        }
    }
}

/// A clock that moves only when told to: for tests of backoff, timeouts and schedules.
///
/// Sleepers wake, in deadline order, when ``advance(by:)`` or ``advance(to:)`` moves the time
/// past their deadline.
public final class ManualBatchClock: BatchClock {
    private struct Sleeper {
        var deadline: Date
        var continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var now: Date
        var sleepers: [UInt64: Sleeper] = [:]
        var nextID: UInt64 = 0
    }

    private let state: Mutex<State>

    /// Creates a clock showing `start`.
    ///
    /// - Parameter start: The initial time.
    public init(start: Date = Date(timeIntervalSince1970: 1_700_000_000)) {
        state = Mutex(State(now: start))
    }

    /// The current (manual) time.
    public var now: Date { state.withLock { $0.now } }

    /// The number of tasks currently sleeping on this clock.
    public var sleeperCount: Int { state.withLock { $0.sleepers.count } }

    /// The earliest deadline of a sleeping task, if any.
    public var nextDeadline: Date? { state.withLock { $0.sleepers.values.map(\.deadline).min() } }

    /// Suspends until the clock has been advanced to `deadline`.
    ///
    /// - Parameter deadline: The time to wake.
    /// - Throws: `CancellationError` when cancelled.
    public func sleep(until deadline: Date) async throws {
        let id = state.withLock { state -> UInt64 in
            defer { state.nextID += 1 }
            return state.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let resumeNow: (any Error)?? = state.withLock { state in
                    if Task.isCancelled { return .some(CancellationError()) }
                    if deadline <= state.now { return .some(nil) }
                    state.sleepers[id] = Sleeper(deadline: deadline, continuation: continuation)
                    return nil
                }
                switch resumeNow {
                case .some(.some(let error)): continuation.resume(throwing: error)
                case .some(.none): continuation.resume()
                case .none: break
                }
            }
        } onCancel: {
            let sleeper = state.withLock { $0.sleepers.removeValue(forKey: id) }
            sleeper?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Moves the time forward by `duration`, waking every sleeper whose deadline has come.
    ///
    /// - Parameter duration: How far to move.
    public func advance(by duration: Duration) {
        advance(to: StoreRules.adding(duration, to: now))
    }

    /// Moves the time to `date` (never backwards), waking every sleeper whose deadline has come.
    ///
    /// - Parameter date: The new time.
    public func advance(to date: Date) {
        let due = state.withLock { state -> [Sleeper] in
            if date > state.now { state.now = date }
            let ids = state.sleepers.filter { $0.value.deadline <= state.now }.map(\.key)
            return ids.compactMap { state.sleepers.removeValue(forKey: $0) }.sorted { $0.deadline < $1.deadline }
        }
        for sleeper in due { sleeper.continuation.resume() }
    }
}
