public import Foundation
import Synchronization

/// Something that happened to a job, as published by ``BatchProcessor/events()``.
///
/// State-changing events are published after the store committed the change, so a consumer
/// never hears of a transition that a crash could undo.
public struct JobEvent: Sendable, Hashable {
    /// What happened.
    public enum Kind: Sendable, Hashable {
        /// The job was accepted by the store (`reused` when an identical result already existed).
        case submitted
        /// An attempt started.
        case started(attempt: Int)
        /// The running job reported progress (`fraction` in 0...1).
        case progress(fraction: Double, message: String?)
        /// An attempt failed or timed out and the job will run again at `at`.
        case retryScheduled(attempt: Int, at: Date, error: String)
        /// The job succeeded; `reusedFrom` names the job whose identical result was reused.
        case succeeded(attempt: Int, reusedFrom: JobID?)
        /// The job failed with no retries left.
        case failed(attempt: Int, error: String)
        /// An attempt exceeded its timeout and was cancelled (a retry or failure follows).
        case timedOut(attempt: Int, timeout: Duration)
        /// The job was cancelled.
        case cancelled(reason: String)
        /// The job will not run because a dependency did not succeed.
        case skipped(reason: String)
        /// A running job went back to the queue: its worker shut down or its lease lapsed.
        case requeued(reason: String)
    }

    /// The job.
    public var jobID: JobID
    /// The job's display name.
    public var name: String
    /// The job's tags.
    public var tags: [String]
    /// When it happened.
    public var time: Date
    /// What happened.
    public var kind: Kind

    /// Creates an event.
    ///
    /// - Parameters:
    ///   - jobID: The job.
    ///   - name: Its name.
    ///   - tags: Its tags.
    ///   - time: When.
    ///   - kind: What.
    public init(jobID: JobID, name: String, tags: [String] = [], time: Date, kind: Kind) {
        self.jobID = jobID
        self.name = name
        self.tags = tags
        self.time = time
        self.kind = kind
    }

    /// Whether the event ends the job (succeeded, failed, cancelled, skipped).
    public var isTerminal: Bool {
        switch kind {
        case .succeeded, .failed, .cancelled, .skipped: true
        default: false
        }
    }
}

/// Fans events out to any number of subscribers, each with its own unbounded buffer.
///
/// A subscriber that stops iterating is removed when its stream terminates.
final class EventBroadcaster: Sendable {
    private let subscribers = Mutex<[UInt64: AsyncStream<JobEvent>.Continuation]>([:])
    private let nextID = Atomic<UInt64>(0)

    func subscribe() -> AsyncStream<JobEvent> {
        let (stream, continuation) = AsyncStream.makeStream(of: JobEvent.self, bufferingPolicy: .unbounded)
        let id = nextID.wrappingAdd(1, ordering: .relaxed).oldValue
        continuation.onTermination = { [weak self] _ in
            _ = self?.subscribers.withLock { $0.removeValue(forKey: id) }
        }
        subscribers.withLock { $0[id] = continuation }
        return stream
    }

    var hasSubscribers: Bool { subscribers.withLock { !$0.isEmpty } }

    func publish(_ event: JobEvent) {
        subscribers.withLock { all in
            for continuation in all.values { continuation.yield(event) }
        }
    }

    func publish(_ events: [JobEvent]) {
        guard !events.isEmpty else { return }
        subscribers.withLock { all in
            for continuation in all.values {
                for event in events { continuation.yield(event) }
            }
        }
    }

    func finish() {
        let all = subscribers.withLock { all in
            defer { all.removeAll() }
            return Array(all.values)
        }
        for continuation in all { continuation.finish() }
    }
}
