import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The workloads of issue 8 by their harness names.
public enum WorkloadID: String, CaseIterable, Sendable {
    /// OLS n = 200, k = 10, HC1.
    case olsSmall = "ols_small"
    /// OLS n = 1,000,000, k = 50.
    case olsLarge = "ols_large"
    /// The normal-equations floor of ols_large.
    case olsLargeFloor = "ols_large_floor"
    /// IV2SLS n = 10,000, robust.
    case iv
    /// Pairs bootstrap, 10,000 replicates, every core.
    case bootstrap
    /// The same bootstrap on one worker task.
    case bootstrapSerial = "bootstrap_1core"
    /// Threshold test with 1,000 bootstrap replicates.
    case threshold
    /// VAR(4) and a Granger F test.
    case varGranger = "var_granger"
    /// 20,000 no-op jobs in memory.
    case batchMemory = "batch_memory"
    /// 5,000 no-op jobs on SQLite (FULL).
    case batchDurable = "batch_durable"
    /// A FRED cache hit of 10,000 observations.
    case fredCacheHit = "fred_cache_hit"
    /// Diagnosis of fred_cache_hit: the cache lookup alone.
    case fredCacheRead = "fred_cache_read"
    /// Diagnosis of fred_cache_hit: the JSON decoding alone.
    case fredDecode = "fred_decode"
}

/// A workload with its data loaded and its set-up done, ready to run repeatedly.
public struct PreparedWorkload: Sendable {
    /// Which workload.
    public let id: WorkloadID
    /// Bytes of the design matrix (0 when there is none).
    public let designBytes: Int
    private let body: @Sendable () async throws -> WorkloadResult

    init(_ id: WorkloadID, designBytes: Int = 0, body: @escaping @Sendable () async throws -> WorkloadResult) {
        self.id = id
        self.designBytes = designBytes
        self.body = body
    }

    /// Runs the workload once.
    /// - Returns: its key numbers.
    /// - Throws: whatever the library call throws.
    public func run() async throws -> WorkloadResult { try await body() }
}

/// Loads and sets up workloads, reusing loaded problems: ols_large and its floor share one
/// design, as do the two bootstrap variants.
public struct WorkloadLoader: Sendable {
    /// The data source.
    public let data: WorkloadData
    private var olsLarge: OLSWorkload?

    /// A loader over a data source.
    public init(data: WorkloadData) { self.data = data }

    /// Loads and sets up one workload.
    /// - Throws: ``WorkloadError`` for missing data; the library's errors from set-up.
    public mutating func prepare(_ id: WorkloadID) async throws -> PreparedWorkload {
        switch id {
        case .olsSmall:
            let w = try OLSWorkload("ols_small", data: data)
            return PreparedWorkload(id, designBytes: w.designBytes) { try w.run() }
        case .olsLarge, .olsLargeFloor:
            let w = try olsLarge ?? OLSWorkload("ols_large", data: data)
            olsLarge = w
            if id == .olsLarge { return PreparedWorkload(id, designBytes: w.designBytes) { try w.run() } }
            let floor = OLSFloorWorkload(w)
            return PreparedWorkload(id, designBytes: w.designBytes) { try floor.run() }
        case .iv:
            let w = try IVWorkload(data: data)
            return PreparedWorkload(id) { try w.run() }
        case .bootstrap, .bootstrapSerial:
            let w = try BootstrapWorkload(data: data, maxConcurrency: id == .bootstrap ? nil : 1)
            return PreparedWorkload(id, designBytes: w.problem.designBytes) { try await w.run() }
        case .threshold:
            let w = try ThresholdWorkload(data: data)
            return PreparedWorkload(id) { try await w.run() }
        case .varGranger:
            let w = try VARGrangerWorkload(data: data)
            return PreparedWorkload(id) { try w.run() }
        case .batchMemory, .batchDurable:
            let w = BatchWorkload(durable: id == .batchDurable, parameters: data.parameters)
            return PreparedWorkload(id) { try await w.run() }
        case .fredCacheHit, .fredCacheRead, .fredDecode:
            let w = try await FREDCacheHitWorkload(observations: data.parameters.fredObservations)
            switch id {
            case .fredCacheRead: return PreparedWorkload(id) { try await w.runCacheRead() }
            case .fredDecode: return PreparedWorkload(id) { try w.runDecode() }
            default: return PreparedWorkload(id) { try await w.run() }
            }
        }
    }
}

/// The peak resident set size of this process so far, in bytes.
///
/// On Linux this is `VmHWM` from `/proc/self/status`, the high-water mark of the current
/// address space. `getrusage`'s `ru_maxrss` is not used there because Linux carries it across
/// `fork` and `execve`: a process started by a parent holding a large array reports at least
/// the parent's size. Elsewhere (and if `/proc` is unreadable) it is `ru_maxrss`.
public func peakResidentBytes() -> Int {
    #if os(Linux)
        if let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
            let field = line.dropFirst("VmHWM:".count).split(whereSeparator: { $0 == " " || $0 == "\t" }).first,
            let kilobytes = Int(field)
        {
            return kilobytes * 1024
        }
    #endif
    var usage = rusage()
    #if canImport(Darwin)
        getrusage(RUSAGE_SELF, &usage)
        return Int(usage.ru_maxrss)  // bytes on Darwin
    #else
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Int(usage.ru_maxrss) * 1024  // kilobytes on Linux
    #endif
}
