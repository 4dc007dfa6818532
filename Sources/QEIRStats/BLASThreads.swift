internal import CQEIRLapack

/// Control of the OpenBLAS thread pool.
///
/// QEIR parallelises at the task level (bootstrap replicates, batch jobs) with Swift
/// structured concurrency, so BLAS running its own threads underneath would oversubscribe
/// the cores. The library never changes the BLAS thread count by itself; the `qeir`
/// executable (the composition root) sets it to 1 at start-up unless the user exported
/// `OPENBLAS_NUM_THREADS`. Programs that embed QEIR make the same choice through this type.
public struct BLASThreads: Sendable {
    /// Creates a handle; it holds no state.
    public init() {}

    /// The number of threads OpenBLAS uses for level-3 operations.
    public var count: Int { Int(qeir_blas_get_threads()) }

    /// Sets the number of OpenBLAS threads for the whole process.
    /// - Parameter n: at least 1.
    public func set(_ n: Int) { qeir_blas_set_threads(Int32(max(1, n))) }
}
