import Foundation
import QEIRStats

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Sizes and replication counts of the workloads (issue 8); the comparison harness writes them
/// into the data directory's manifest so that both sides run the same problem.
public struct WorkloadParameters: Sendable, Hashable, Codable {
    /// Observations of ols_small (k = 10 with the constant).
    public var olsSmallN = 200
    /// Observations of ols_large.
    public var olsLargeN = 1_000_000
    /// Columns of ols_large, the constant included.
    public var olsLargeK = 50
    /// Observations of iv.
    public var ivN = 10_000
    /// Observations of bootstrap (k = 5 with the constant).
    public var bootstrapN = 200
    /// Bootstrap replicates.
    public var bootstrapReplications = 10_000
    /// Observations of threshold.
    public var thresholdN = 100
    /// Bootstrap replicates of the threshold test.
    public var thresholdReplications = 1000
    /// Observations of var_granger (3 variables, VAR(4)).
    public var varN = 200
    /// No-op jobs of the in-memory batch (8 slots).
    public var batchMemoryJobs = 20_000
    /// No-op jobs of the durable batch (SQLite, synchronous FULL, 64 slots).
    public var batchDurableJobs = 5000
    /// Observations in the cached FRED response.
    public var fredObservations = 10_000

    /// The full sizes of issue 8.
    public init() {}

    /// Smaller sizes for smoke tests (`compare.py --quick`).
    public static var quick: WorkloadParameters {
        var p = WorkloadParameters()
        p.olsLargeN = 100_000
        p.ivN = 2000
        p.bootstrapReplications = 1000
        p.thresholdReplications = 200
        p.batchMemoryJobs = 2000
        p.batchDurableJobs = 500
        p.fredObservations = 1000
        return p
    }

    enum CodingKeys: String, CodingKey {
        case olsSmallN = "ols_small_n"
        case olsLargeN = "ols_large_n"
        case olsLargeK = "ols_large_k"
        case ivN = "iv_n"
        case bootstrapN = "bootstrap_n"
        case bootstrapReplications = "bootstrap_replications"
        case thresholdN = "threshold_n"
        case thresholdReplications = "threshold_replications"
        case varN = "var_n"
        case batchMemoryJobs = "batch_memory_jobs"
        case batchDurableJobs = "batch_durable_jobs"
        case fredObservations = "fred_observations"
    }
}

/// A failure of the benchmark harness: what went wrong and what to do.
public struct WorkloadError: Error, CustomStringConvertible, Sendable {
    /// A stable identifier of the failure.
    public struct Code: RawRepresentable, Hashable, Sendable {
        /// The identifier.
        public let rawValue: String
        /// Wraps an identifier.
        public init(rawValue: String) { self.rawValue = rawValue }
        /// The data directory or one of its files is missing or malformed.
        public static let badData = Code(rawValue: "bad_data")
        /// The workload name is not known.
        public static let unknownWorkload = Code(rawValue: "unknown_workload")
        /// A library call (BLAS/LAPACK, batch, cache) did not do what the workload expects.
        public static let failed = Code(rawValue: "failed")
    }

    /// The kind of failure.
    public let code: Code
    /// What failed, on which input, and what to do.
    public let message: String

    /// Creates an error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// The message, prefixed by the code.
    public var description: String { "\(code.rawValue): \(message)" }
}

/// A column-major matrix of `Double`s read from the data directory.
public struct RawArray: Sendable {
    /// Rows.
    public let rows: Int
    /// Columns.
    public let columns: Int
    /// Column-major values.
    public let values: [Double]
}

/// Where workload data comes from: the directory written by `compare/compare.py` (raw
/// little-endian float64, column-major, described by `manifest.json`), or numbers generated
/// here with a fixed seed, so that the Stats suite runs without Python.
public struct WorkloadData: Sendable {
    /// The sizes and replication counts.
    public let parameters: WorkloadParameters
    private let directory: URL?
    private let manifest: [String: ArrayEntry]
    private let seed: UInt64

    struct ArrayEntry: Codable, Sendable {
        var file: String
        var rows: Int
        var columns: Int
    }

    struct Manifest: Codable {
        var version: Int
        var parameters: WorkloadParameters
        var arrays: [String: ArrayEntry]
    }

    /// Data generated in Swift with a fixed seed (the same shapes and models as the Python
    /// generator, not the same numbers).
    /// - Parameters:
    ///   - parameters: the sizes.
    ///   - seed: the generator's seed.
    public init(synthetic parameters: WorkloadParameters = WorkloadParameters(), seed: UInt64 = 20_261_129) {
        self.parameters = parameters
        self.directory = nil
        self.manifest = [:]
        self.seed = seed
    }

    /// The data directory written by `compare/compare.py`.
    /// - Parameter directory: the directory holding `manifest.json`.
    /// - Throws: ``WorkloadError`` with code `badData` when the manifest is missing or malformed.
    public init(directory: URL) throws {
        let url = directory.appendingPathComponent("manifest.json")
        let manifest: Manifest
        do {
            manifest = try JSONDecoder().decode(Manifest.self, from: Data(contentsOf: url))
        } catch {
            throw WorkloadError(
                .badData,
                "Cannot read the workload manifest \(url.path) (\(error)); run compare/compare.py to generate the data, or unset QEIR_BENCH_DATA."
            )
        }
        guard manifest.version == 1 else {
            throw WorkloadError(
                .badData, "The manifest \(url.path) has version \(manifest.version); this harness reads version 1.")
        }
        self.parameters = manifest.parameters
        self.directory = directory
        self.manifest = manifest.arrays
        self.seed = 0
    }

    /// Data from `QEIR_BENCH_DATA` when set, else generated with a fixed seed.
    /// - Parameter environment: the process environment.
    /// - Throws: ``WorkloadError`` when `QEIR_BENCH_DATA` names an unreadable directory.
    public static func fromEnvironment(_ environment: [String: String]) throws -> WorkloadData {
        if let path = environment["QEIR_BENCH_DATA"], !path.isEmpty {
            return try WorkloadData(directory: URL(fileURLWithPath: path))
        }
        return WorkloadData(synthetic: WorkloadParameters())
    }

    /// Whether the numbers come from the Python side's directory.
    public var isFromDirectory: Bool { directory != nil }

    /// Every array of one workload (for example `"ols_large"` gives `"ols_large.X"` and
    /// `"ols_large.y"`), each read straight into its final storage: a file is read once, with no
    /// intermediate buffer.
    /// - Throws: ``WorkloadError`` with code `badData` for a missing entry or a short file.
    public func arrays(_ workload: String) throws -> [String: RawArray] {
        guard let directory else { return synthetic(workload) }
        var out: [String: RawArray] = [:]
        for (name, entry) in manifest where name.hasPrefix(workload + ".") {
            let path = directory.appendingPathComponent(entry.file).path
            let values = try Self.readDoubles(path: path, count: entry.rows * entry.columns)
            out[name] = RawArray(rows: entry.rows, columns: entry.columns, values: values)
        }
        guard !out.isEmpty else {
            throw WorkloadError(
                .badData, "The manifest has no arrays for '\(workload)'; regenerate the data with compare.py.")
        }
        return out
    }

    /// Reads `count` little-endian float64 values with POSIX `read` into the array's own buffer.
    /// (Foundation's `Data(contentsOf:)` would hold a second copy of a 400 MB design.)
    static func readDoubles(path: String, count: Int) throws -> [Double] {
        precondition(1.0.bitPattern.littleEndian == 1.0.bitPattern, "the data files are little-endian")
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else {
            throw WorkloadError(.badData, "Cannot open \(path) (errno \(errno)); regenerate the data with compare.py.")
        }
        defer { close(fd) }
        var failure: WorkloadError?
        let values = [Double](unsafeUninitializedCapacity: count) { buffer, initialized in
            let raw = UnsafeMutableRawBufferPointer(buffer)
            var done = 0
            while done < raw.count {
                let got = read(fd, raw.baseAddress! + done, raw.count - done)
                if got <= 0 { break }
                done += got
            }
            if done != raw.count {
                failure = WorkloadError(
                    .badData,
                    "\(path) holds \(done) bytes; the manifest says \(raw.count). Regenerate the data with compare.py.")
                initialized = 0
            } else {
                initialized = count
            }
        }
        if let failure { throw failure }
        return values
    }

    // MARK: - Synthetic data (same models as compare/data.py)

    private func synthetic(_ workload: String) -> [String: RawArray] {
        var draws = Draws(rng: ReplicateRandom(seed: seed, stream: workload.hashValueStable))
        return Self.generate(workload, parameters, &draws)
    }

    /// Normal and uniform draws from one stream.
    struct Draws {
        var rng: ReplicateRandom
        mutating func normals(_ count: Int) -> [Double] { (0..<count).map { _ in rng.nextStandardNormal() } }
        mutating func uniforms(_ count: Int) -> [Double] { (0..<count).map { _ in rng.nextUniform() } }
    }

    /// The models of issue 8, written once: given normal and uniform draws, every array of a workload.
    static func generate(
        _ workload: String, _ p: WorkloadParameters, _ draws: inout Draws
    ) -> [String: RawArray] {
        func normals(_ count: Int) -> [Double] { draws.normals(count) }
        func uniforms(_ count: Int) -> [Double] { draws.uniforms(count) }
        func linear(_ x: [Double], n: Int, k: Int, beta: [Double], noise: [Double]) -> [Double] {
            var y = noise
            for j in 0..<k {
                let b = beta[j]
                for i in 0..<n { y[i] += x[i + j * n] * b }
            }
            return y
        }
        func coefficients(_ k: Int) -> [Double] {
            (0..<k).map { (j: Int) -> Double in
                if j == 0 { return 1 }
                let sign: Double = j % 2 == 1 ? 1 : -1
                return sign * 0.5 / Double((j + 1) / 2)
            }
        }
        switch workload {
        case "ols_small", "bootstrap":
            let n = workload == "ols_small" ? p.olsSmallN : p.bootstrapN
            let k = workload == "ols_small" ? 10 : 5
            let x = [Double](repeating: 1, count: n) + normals(n * (k - 1))
            let e = normals(n)
            let noise = (0..<n).map { e[$0] * (1 + abs(x[n + $0])) }
            let y = linear(x, n: n, k: k, beta: coefficients(k), noise: noise)
            return [
                "\(workload).X": RawArray(rows: n, columns: k, values: x),
                "\(workload).y": RawArray(rows: n, columns: 1, values: y),
            ]
        case "ols_large":
            let n = p.olsLargeN
            let k = p.olsLargeK
            var x = [Double](repeating: 1, count: n * k)
            var previous = normals(n)
            for j in 1..<k {
                let z = normals(n)
                for i in 0..<n { x[i + j * n] = z[i] + 0.9 * previous[i] }
                previous = z
            }
            let y = linear(x, n: n, k: k, beta: coefficients(k), noise: normals(n))
            return [
                "ols_large.X": RawArray(rows: n, columns: k, values: x),
                "ols_large.y": RawArray(rows: n, columns: 1, values: y),
            ]
        case "iv":
            let n = p.ivN
            let w = normals(2 * n)
            let z = normals(4 * n)
            let u = normals(n)
            let v = normals(2 * n)
            var exog = [Double](repeating: 1, count: n)
            exog += w
            var endog = [Double](repeating: 0, count: 2 * n)
            var y = [Double](repeating: 0, count: n)
            for i in 0..<n {
                let z1 = z[i]
                let z2 = z[n + i]
                let z3 = z[2 * n + i]
                let z4 = z[3 * n + i]
                endog[i] = 0.5 * z1 + 0.3 * z2 + 0.2 * z3 + 0.2 * w[i] + v[i] + 0.5 * u[i]
                endog[n + i] = 0.2 * z1 + 0.4 * z3 + 0.5 * z4 - 0.1 * w[n + i] + v[n + i] + 0.5 * u[i]
                y[i] = 1 + 0.5 * w[i] - 0.3 * w[n + i] + 1.0 * endog[i] - 0.5 * endog[n + i] + u[i]
            }
            return [
                "iv.y": RawArray(rows: n, columns: 1, values: y),
                "iv.exog": RawArray(rows: n, columns: 3, values: exog),
                "iv.endog": RawArray(rows: n, columns: 2, values: endog),
                "iv.instr": RawArray(rows: n, columns: 4, values: z),
            ]
        case "threshold":
            let n = p.thresholdN
            let x = normals(n)
            let q = uniforms(n)
            let e = normals(n)
            let y = (0..<n).map { (i: Int) -> Double in
                q[i] <= 0.5 ? 1.0 + 1.0 * x[i] + e[i] : 2.0 + 0.2 * x[i] + e[i]
            }
            return [
                "threshold.X": RawArray(rows: n, columns: 2, values: [Double](repeating: 1, count: n) + x),
                "threshold.y": RawArray(rows: n, columns: 1, values: y),
                "threshold.q": RawArray(rows: n, columns: 1, values: q),
            ]
        case "var_granger":
            let n = p.varN
            let burn = 100
            let a = [[0.5, 0.2, 0.0], [0.1, 0.4, 0.1], [0.0, 0.2, 0.3]]
            let shocks = normals(3 * (n + burn))
            var state = [0.0, 0.0, 0.0]
            var data = [Double](repeating: 0, count: 3 * n)
            for t in 0..<(n + burn) {
                var next = [0.0, 0.0, 0.0]
                for r in 0..<3 {
                    next[r] = shocks[3 * t + r]
                    for c in 0..<3 { next[r] += a[r][c] * state[c] }
                }
                state = next
                if t >= burn { for r in 0..<3 { data[(t - burn) + r * n] = state[r] } }
            }
            return ["var_granger.data": RawArray(rows: n, columns: 3, values: data)]
        default:
            return [:]
        }
    }
}

extension String {
    /// FNV-1a of the UTF-8 bytes: a hash that, unlike `hashValue`, is the same in every process.
    fileprivate var hashValueStable: UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in utf8 {
            h ^= UInt64(byte)
            h = h &* 0x100_0000_01b3
        }
        return h
    }
}
