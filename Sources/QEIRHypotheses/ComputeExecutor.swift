import Dispatch

/// Runs the hypothesis layer's CPU-bound work — fits and bootstraps — on Dispatch worker threads
/// instead of Swift's cooperative thread pool.
///
/// A bootstrap chunk computes for a long time without suspending. On the cooperative pool
/// (one thread per core) a few such chunks would occupy every thread, and nothing else could
/// run until they end: not the task that wants to cancel the bootstrap, not the batch
/// processor's timeouts, lease renewals and cancel requests. With this executor as the task
/// executor preference (inherited by the bootstrap's child tasks) the computation runs on
/// Dispatch's own workers, the cooperative pool stays free, and a cancellation reaches the
/// replicate loop at once. Results do not change: every replicate draws from its own stream.
@available(macOS 15.0, *)
final class ComputeExecutor: TaskExecutor {
    private let queue: DispatchQueue

    /// Wraps a concurrent queue.
    init(queue: DispatchQueue) { self.queue = queue }

    /// Runs the job on one of the queue's threads.
    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        queue.async { job.runSynchronously(on: executor) }
    }
}

/// The concurrent queue the hypothesis layer computes on (see ``ComputeExecutor``).
struct ComputeThreads: Sendable {
    let queue = DispatchQueue(label: "qeir.hypotheses.compute", qos: .userInitiated, attributes: .concurrent)

    /// Runs `body` with the compute executor as the task executor preference.
    func run<T>(_ body: () async throws -> T) async throws -> T {
        if #available(macOS 15.0, *) {
            return try await withTaskExecutorPreference(ComputeExecutor(queue: queue)) { try await body() }
        }
        return try await body()
    }
}
