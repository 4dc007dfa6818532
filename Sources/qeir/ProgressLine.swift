import Foundation
import Synchronization

/// Progress of long work, written to standard error at every 10% (so stdout stays clean for
/// JSON). Quiet when QEIR_QUIET is set.
enum ProgressLine {
    static func reporter(label: String) -> (@Sendable (Int, Int) -> Void)? {
        if ProcessInfo.processInfo.environment["QEIR_QUIET"] != nil { return nil }
        let lastDecile = Progress()
        return { done, total in
            let decile = total > 0 ? done * 10 / total : 10
            guard lastDecile.advance(to: decile) else { return }
            FileHandle.standardError.write(Data("\(label): \(done)/\(total) (\(decile * 10)%)\n".utf8))
        }
    }

    /// The last decile printed, shared by the worker tasks that report.
    final class Progress: Sendable {
        private let last = Mutex(-1)
        func advance(to decile: Int) -> Bool {
            last.withLock { value in
                guard decile > value else { return false }
                value = decile
                return true
            }
        }
    }
}
