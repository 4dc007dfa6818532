import Foundation

/// Progress of long work, written to standard error at every 10% (so stdout stays clean for
/// JSON). Quiet when QEIR_QUIET is set.
enum ProgressLine {
    static func reporter(label: String) -> (@Sendable (Int, Int) -> Void)? {
        if ProcessInfo.processInfo.environment["QEIR_QUIET"] != nil { return nil }
        let state = State()
        return { done, total in
            let decile = total > 0 ? done * 10 / total : 10
            guard state.advance(to: decile) else { return }
            FileHandle.standardError.write(Data("\(label): \(done)/\(total) (\(decile * 10)%)\n".utf8))
        }
    }

    final class State: @unchecked Sendable {
        private let lock = NSLock()
        private var last = -1
        func advance(to decile: Int) -> Bool {
            lock.withLock {
                guard decile > last else { return false }
                last = decile
                return true
            }
        }
    }
}
