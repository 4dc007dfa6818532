internal import Dispatch
import Synchronization

#if canImport(Glibc)
    internal import Glibc
#elseif canImport(Musl)
    internal import Musl
#elseif canImport(Darwin)
    internal import Darwin
#endif

extension BatchError.Code {
    /// A signal cannot be watched: not a valid signal number, uncatchable, or its delivery
    /// cannot be routed to the watcher.
    public static let signalUnavailable = Self(rawValue: "signal_unavailable")
}

/// Graceful shutdown on SIGINT and SIGTERM: calls a handler for every signal received instead
/// of letting the default disposition end the process.
///
/// - Important: Signal dispositions are **process-wide**. While an instance is active, the
///   signals it watches no longer terminate the process, whoever sends them and whatever
///   thread receives them; ``cancel()`` (or dropping the last reference) puts back the
///   disposition each signal had before. Watch each signal with one instance at a time, and
///   create instances only in the executable (the composition root), never inside a library
///   call.
///
/// The handler receives the signal number and how many watched signals arrived so far, all
/// signals counted together: 1 asks for a graceful shutdown, 2 or more means the user
/// insists. Each delivery runs the handler in a new task, so a second Ctrl-C is reported while
/// the first call is still draining jobs; calls can therefore overlap.
///
/// Each signal is first set to `SIG_IGN`, so its default disposition cannot end the process
/// while the watcher starts, then watched with `DispatchSource.makeSignalSource`. On Darwin it
/// stays `SIG_IGN`, because kqueue reports ignored signals too. On Linux libdispatch reads
/// signals from a `signalfd` and, the first time a signal gets a dispatch source in the
/// process, replaces the disposition with a handler that forwards the signal to its manager
/// thread (an ignored signal would be discarded by the kernel). libdispatch installs that
/// handler once per process, so an instance created after an earlier one was cancelled
/// reinstalls it (remembered per signal) and watching works again after ``cancel()``.
/// A process spawned while a signal is `SIG_IGN` inherits that (handlers are reset by `exec`):
/// on Darwin, children started while watching ignore the watched signals unless the spawner
/// resets them.
public final class ShutdownSignals: Sendable {
    /// The signals watched by default: SIGINT (Ctrl-C) and SIGTERM (`kill`, service managers).
    public static var defaultSignals: [Int32] { [SIGINT, SIGTERM] }

    /// The watched signals, without duplicates, in the order given.
    public let signals: [Int32]

    private struct State: ~Copyable {
        var sources: [any DispatchSourceSignal]
        var previous: [(signal: Int32, action: sigaction)]
        var cancelled = false
    }

    private let state: Mutex<State>
    private let received: Counter

    /// Counts deliveries; shared with the dispatch event handlers, which must not retain the
    /// ``ShutdownSignals`` itself (its `deinit` cancels the sources).
    private final class Counter: Sendable {
        let count = Mutex(0)
    }

    /// Libdispatch's forwarding handler per signal, captured when libdispatch installs it
    /// (Linux only). Process-wide on purpose: it mirrors libdispatch's own process-wide record
    /// of which signals it has set up, which never resets.
    private static let dispatchForwarders = Mutex<[Int32: sigaction]>([:])

    /// Starts watching `signals` and returns once every signal source is registered, so no
    /// signal sent afterwards is missed.
    ///
    /// - Parameters:
    ///   - signals: The signals to watch; duplicates are ignored. Defaults to
    ///     ``defaultSignals``.
    ///   - handler: Called with the signal number and the number of watched signals received
    ///     so far (1 = graceful, 2+ = the user insists), on a new task for each signal.
    /// - Throws: ``BatchError`` with code ``BatchError/Code/signalUnavailable`` naming a signal
    ///   that is out of range, cannot be caught (SIGKILL, SIGSTOP), or whose delivery cannot be
    ///   routed (Linux, when another component reset libdispatch's handler); nothing is left
    ///   installed then.
    public init(
        signals: [Int32] = ShutdownSignals.defaultSignals,
        handler: @escaping @Sendable (Int32, Int) async -> Void
    ) async throws(BatchError) {
        var unique: [Int32] = []
        for number in signals where !unique.contains(number) {
            guard number > 0 && number < Self.signalLimit else {
                throw BatchError(
                    .signalUnavailable,
                    "Cannot watch signal \(number): not a signal number (1..<\(Self.signalLimit)).",
                    context: ["signal": String(number)])
            }
            guard number != SIGKILL && number != SIGSTOP else {
                throw BatchError(
                    .signalUnavailable, "Cannot watch signal \(number): SIGKILL and SIGSTOP cannot be caught.",
                    context: ["signal": String(number)])
            }
            unique.append(number)
        }
        self.signals = unique
        let received = Counter()
        self.received = received
        let queue = DispatchQueue(label: "qeir.shutdown-signals")
        var sources: [any DispatchSourceSignal] = []
        var previous: [(signal: Int32, action: sigaction)] = []
        for number in unique {
            previous.append((number, Self.action(of: number)))
            _ = signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler {
                let deliveries = max(Int(source.data), 1)
                for _ in 0..<deliveries {
                    let count = received.count.withLock { count in
                        count += 1
                        return count
                    }
                    Task { await handler(number, count) }
                }
            }
            await withCheckedContinuation { (registered: CheckedContinuation<Void, Never>) in
                source.setRegistrationHandler { registered.resume() }
                source.resume()
            }
            sources.append(source)
        }
        self.state = Mutex(State(sources: sources, previous: previous))
        for number in unique {
            do {
                try Self.routeToDispatch(number)
            } catch {
                cancel()
                throw error
            }
        }
    }

    deinit {
        cancel()
    }

    /// How many watched signals arrived so far.
    public var receivedCount: Int { received.count.withLock { $0 } }

    /// Stops watching and restores each signal's disposition from before ``init(signals:handler:)``
    /// (normally the default, which terminates the process). Calling it again does nothing.
    ///
    /// Handler calls already started run to completion.
    public func cancel() {
        state.withLock { state in
            guard !state.cancelled else { return }
            state.cancelled = true
            for source in state.sources { source.cancel() }
            for (number, action) in state.previous.reversed() {
                var action = action
                _ = sigaction(number, &action, nil)
            }
        }
    }

    // MARK: Dispositions (the only libc signal calls in the package)

    /// What a signal's disposition is, for tests and diagnostics.
    enum Disposition: Equatable {
        /// `SIG_DFL`.
        case standard
        /// `SIG_IGN`.
        case ignored
        /// A handler function.
        case handled
    }

    /// The current disposition of `signal`.
    static func disposition(of signal: Int32) -> Disposition {
        switch handlerBits(action(of: signal)) {
        case 0: return .standard
        case 1: return .ignored
        default: return .handled
        }
    }

    private static var signalLimit: Int32 { Int32(NSIG) }

    private static func action(of signal: Int32) -> sigaction {
        var current = sigaction()
        _ = sigaction(signal, nil, &current)
        return current
    }

    /// The handler field as an integer: 0 = `SIG_DFL`, 1 = `SIG_IGN`, else a function.
    private static func handlerBits(_ action: sigaction) -> Int {
        #if canImport(Darwin)
            return unsafeBitCast(action.__sigaction_u.__sa_handler, to: Int.self)
        #else
            return unsafeBitCast(action.__sigaction_handler.sa_handler, to: Int.self)
        #endif
    }

    /// After registration: makes sure a delivered `signal` reaches the dispatch source.
    ///
    /// Darwin's kqueue sees signals whatever their disposition, so `SIG_IGN` is right there. On
    /// Linux libdispatch reads signals from a `signalfd` and installs, the first time only, a
    /// handler that forwards a signal caught by any thread to its manager thread; with `SIG_IGN`
    /// the kernel would discard the signal instead. So remember that handler when libdispatch
    /// has just installed it, and put it back when it has not.
    private static func routeToDispatch(_ signal: Int32) throws(BatchError) {
        #if os(Linux)
            let current = action(of: signal)
            if handlerBits(current) > 1 {
                dispatchForwarders.withLock { forwarders in
                    if forwarders[signal] == nil { forwarders[signal] = current }
                }
                return
            }
            guard var forwarder = dispatchForwarders.withLock({ $0[signal] }) else {
                throw BatchError(
                    .signalUnavailable,
                    "Cannot watch signal \(signal): libdispatch set it up earlier in this process and its handler has since been replaced, so deliveries would be lost; watch the signal with a single ShutdownSignals created before any other signal handling.",
                    context: ["signal": String(signal)])
            }
            _ = sigaction(signal, &forwarder, nil)
        #endif
    }
}
