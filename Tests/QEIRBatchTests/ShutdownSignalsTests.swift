import Foundation
import Synchronization
import Testing

@testable import QEIRBatch

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// The handler calls a test observed.
private final class Calls: Sendable {
    private let calls = Mutex<[Call]>([])

    struct Call: Hashable {
        var signal: Int32
        var count: Int
    }

    func append(_ signal: Int32, _ count: Int) {
        calls.withLock { $0.append(Call(signal: signal, count: count)) }
    }

    var all: [Call] { calls.withLock { $0 } }

    /// Waits until at least `count` calls arrived, for at most 5 seconds.
    func wait(for count: Int) async throws {
        let deadline = ContinuousClock.now + .seconds(5)
        while all.count < count && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(10))
        }
    }
}

/// Signal dispositions are process-wide: these tests run one at a time and are the only ones
/// in the test process that use SIGUSR2. No fatal signal is ever delivered.
///
/// Signals are sent with `kill(getpid(), _)`, process-directed like Ctrl-C or a service
/// manager's SIGTERM. `raise` is thread-directed, and test bodies run on libdispatch worker
/// threads that block SIGUSR2, so a `raise` from the test body stays pending on that thread
/// forever; ``raiseFromAThreadThatDoesNotBlockTheSignal()`` raises from a thread of its own.
@Suite("ShutdownSignals", .serialized)
struct ShutdownSignalsTests {
    func send() {
        _ = kill(getpid(), SIGUSR2)
    }

    /// Raises SIGUSR2 on a new thread that unblocks it first, and waits for the thread.
    func raiseOnUnblockedThread() async {
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            let thread = Thread {
                var set = sigset_t()
                sigemptyset(&set)
                sigaddset(&set, SIGUSR2)
                pthread_sigmask(SIG_UNBLOCK, &set, nil)
                raise(SIGUSR2)
                done.resume()
            }
            thread.start()
        }
    }

    fileprivate func install(_ calls: Calls, _ signals: [Int32] = [SIGUSR2]) async throws -> ShutdownSignals {
        try await ShutdownSignals(signals: signals) { signal, count in calls.append(signal, count) }
    }

    func failure(_ signals: [Int32]) async -> BatchError? {
        do {
            _ = try await ShutdownSignals(signals: signals) { _, _ in }
            return nil
        } catch {
            return error
        }
    }

    @Test func handlerGetsCountsOneThenTwoAndCancelRestoresTheDisposition() async throws {
        #expect(ShutdownSignals.disposition(of: SIGUSR2) == .standard)
        let calls = Calls()
        let watcher = try await install(calls)
        #expect(ShutdownSignals.disposition(of: SIGUSR2) != .standard)

        send()
        try await calls.wait(for: 1)
        #expect(calls.all == [.init(signal: SIGUSR2, count: 1)])
        send()
        try await calls.wait(for: 2)
        #expect(calls.all == [.init(signal: SIGUSR2, count: 1), .init(signal: SIGUSR2, count: 2)])
        #expect(watcher.receivedCount == 2)

        watcher.cancel()
        #expect(ShutdownSignals.disposition(of: SIGUSR2) == .standard)
        watcher.cancel()
        #expect(ShutdownSignals.disposition(of: SIGUSR2) == .standard)
    }

    /// On Linux libdispatch installs its forwarding handler only for a signal's first source in
    /// the process; a later watcher must reinstall it or every signal would be lost.
    @Test func aNewWatcherAfterCancelStillReceives() async throws {
        for round in 1...3 {
            let calls = Calls()
            let watcher = try await install(calls)
            send()
            try await calls.wait(for: 1)
            #expect(calls.all == [.init(signal: SIGUSR2, count: 1)], "round \(round)")
            watcher.cancel()
            #expect(ShutdownSignals.disposition(of: SIGUSR2) == .standard)
        }
    }

    /// The brief's `raise(SIGUSR2)`, from a thread where the signal is not blocked: the thread
    /// catches it and libdispatch's handler forwards it to the dispatch source.
    @Test func raiseFromAThreadThatDoesNotBlockTheSignal() async throws {
        let calls = Calls()
        let watcher = try await install(calls)
        await raiseOnUnblockedThread()
        try await calls.wait(for: 1)
        await raiseOnUnblockedThread()
        try await calls.wait(for: 2)
        #expect(calls.all == [.init(signal: SIGUSR2, count: 1), .init(signal: SIGUSR2, count: 2)])
        watcher.cancel()
        #expect(ShutdownSignals.disposition(of: SIGUSR2) == .standard)
    }

    @Test func droppingTheWatcherRestoresTheDisposition() async throws {
        do {
            let watcher = try await install(Calls())
            #expect(ShutdownSignals.disposition(of: SIGUSR2) != .standard)
            _ = watcher
        }
        #expect(ShutdownSignals.disposition(of: SIGUSR2) == .standard)
    }

    @Test func duplicatesAreWatchedOnceAndDefaultsAreIntAndTerm() async throws {
        let calls = Calls()
        let watcher = try await install(calls, [SIGUSR2, SIGUSR2])
        defer { watcher.cancel() }
        #expect(watcher.signals == [SIGUSR2])
        #expect(ShutdownSignals.defaultSignals == [SIGINT, SIGTERM])
    }

    @Test func uncatchableAndInvalidSignalsAreRejected() async throws {
        let kill = try #require(await failure([SIGUSR2, SIGKILL]))
        #expect(kill.code == .signalUnavailable)
        #expect(kill.message == "Cannot watch signal \(SIGKILL): SIGKILL and SIGSTOP cannot be caught.")
        #expect(kill.context == ["signal": String(SIGKILL)])
        let zero = try #require(await failure([0]))
        #expect(zero.message == "Cannot watch signal 0: not a signal number (1..<\(NSIG)).")
        #expect(await failure([1000])?.code == .signalUnavailable)
        // Validation happens before anything is installed.
        #expect(ShutdownSignals.disposition(of: SIGUSR2) == .standard)
    }
}
