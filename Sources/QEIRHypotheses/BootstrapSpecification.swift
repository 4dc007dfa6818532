import Foundation
public import QEIRData
public import QEIRStats

/// A bootstrap of OLS coefficients described by column names, as `qeir bootstrap` takes it.
///
/// Replicates studentize with HC1 standard errors (``Bootstrap/regression(y:design:scheme:covariance:options:progress:yName:)``
/// with `covariance: .hc1`).
public struct BootstrapSpecification: Sendable, Hashable {
    /// The resampling method, spelled as on the command line.
    public enum Method: String, Sendable, Hashable, Codable, CaseIterable {
        /// Pairs (case) resampling.
        case pairs
        /// Residual resampling.
        case residual
        /// Wild bootstrap (weights: ``BootstrapSpecification/wildWeights``).
        case wild
        /// Moving-block bootstrap.
        case block
        /// Circular-block bootstrap.
        case circular
        /// Stationary bootstrap (Politis–Romano).
        case stationary

        /// Whether the method takes a block length.
        public var usesBlocks: Bool { self == .block || self == .circular || self == .stationary }
    }

    /// The dependent variable's column.
    public var y: String
    /// Regressor columns (the constant `const` is added first unless ``constant`` is false).
    public var x: [String]
    /// Add a constant.
    public var constant: Bool = true
    /// The resampling method.
    public var method: Method = .pairs
    /// Wild-bootstrap weights (used by ``Method/wild`` only).
    public var wildWeights: WildWeights = .rademacher
    /// The block length (block, circular: a whole number; stationary: the mean length);
    /// `nil` = automatic (Politis–White).
    public var blockLength: Double?
    /// Bootstrap options: replications, seed, concurrency, jackknife.
    public var options = BootstrapOptions()

    /// Creates a specification (pairs resampling, 999 replicates, seed 0).
    public init(y: String, x: [String], constant: Bool = true) {
        self.y = y
        self.x = x
        self.constant = constant
    }

    /// The library scheme this specification runs.
    /// - Throws: ``StatsError/Code/invalidBlockLength`` for a fractional block length of a
    ///   block or circular bootstrap.
    public func scheme() throws -> BootstrapScheme {
        func whole() throws -> Int? {
            guard let blockLength else { return nil }
            guard blockLength == blockLength.rounded(), abs(blockLength) < 1e9 else {
                throw StatsError(
                    .invalidBlockLength,
                    "The \(method.rawValue) bootstrap needs a whole-number block length; got \(blockLength).",
                    context: ["block_length": String(blockLength)])
            }
            return Int(blockLength)
        }
        switch method {
        case .pairs: return .pairs
        case .residual: return .residual
        case .wild: return .wild(wildWeights)
        case .block: return .movingBlock(length: try whole())
        case .circular: return .circularBlock(length: try whole())
        case .stationary: return .stationary(meanBlockLength: blockLength)
        }
    }

    /// Runs the bootstrap on `table`.
    /// - Parameter progress: optional progress callback.
    /// - Throws: ``DataError`` for missing or non-numeric columns; ``StatsError`` for the
    ///   regression (collinearity, n ≤ k), the options and block length (for example a block
    ///   length not smaller than the number of rows), or a failing replicate.
    public func run(on table: DataTable, progress: BootstrapProgressHandler? = nil) async throws -> BootstrapResult {
        var seen = Set<String>()
        for name in [y] + x {
            guard seen.insert(name).inserted else {
                throw StatsError(
                    .duplicateColumn,
                    "Column '\(name)' is used twice in the model (as the dependent variable or a regressor); each column may appear once.",
                    context: ["column": name])
            }
        }
        let yValues = try table.numericColumn(y)
        let design = try DesignMatrix(
            columns: try x.map { (name: $0, values: try table.numericColumn($0)) }, constant: constant,
            nobs: table.rowCount)
        return try await Bootstrap().regression(
            y: yValues, design: design, scheme: try scheme(), covariance: .hc1, options: options, progress: progress,
            yName: y)
    }
}

/// The report of a ``BootstrapSpecification`` run: JSON (the `qeir bootstrap` contract) or a
/// text table.
public struct BootstrapReport: Sendable, Hashable {
    /// What was run.
    public let specification: BootstrapSpecification
    /// The bootstrap result.
    public let result: BootstrapResult
    /// The interval kind.
    public let interval: BootstrapInterval
    /// The interval level.
    public let confidence: Double
    /// The intervals, one per coefficient.
    public let intervals: [ConfidenceInterval]
    /// The number of observations.
    public let nobs: Int

    /// Computes the intervals.
    /// - Parameters:
    ///   - specification: what was run.
    ///   - result: its result.
    ///   - interval: the interval kind.
    ///   - confidence: the level, strictly between 0 and 1.
    ///   - nobs: the number of observations.
    /// - Throws: ``StatsError`` when the interval is undefined (see
    ///   ``BootstrapResult/confidenceIntervals(_:level:)``).
    public init(
        specification: BootstrapSpecification, result: BootstrapResult, interval: BootstrapInterval,
        confidence: Double, nobs: Int
    ) throws {
        self.nobs = nobs
        self.specification = specification
        self.result = result
        self.interval = interval
        self.confidence = confidence
        self.intervals = try result.confidenceIntervals(interval, level: confidence)
    }

    /// The JSON report. Top-level keys in order: `method`, `wild_weights` (wild only), `reps`,
    /// `seed`, `block_length` (block methods only: the length used, automatic or given), `ci`,
    /// `confidence`, `cov_type` (`"hc1"`, the studentizing covariance), `nobs`, `names`, and
    /// `coefficients`: name → `{estimate, bootstrap_se, conf_int: [low, high]}`.
    public func json() -> JSONValue {
        var pairs: [(String, JSONValue)] = [("method", .string(specification.method.rawValue))]
        if specification.method == .wild { pairs.append(("wild_weights", .string(specification.wildWeights.rawValue))) }
        pairs.append(("reps", .integer(result.replications)))
        pairs.append(
            ("seed", result.seed <= UInt64(Int.max) ? .integer(Int(result.seed)) : .string(String(result.seed))))
        if specification.method.usesBlocks, let length = result.blockLength {
            pairs.append(("block_length", .number(length)))
        }
        pairs.append(("ci", .string(interval.rawValue)))
        pairs.append(("confidence", .number(confidence)))
        pairs.append(("cov_type", .string("hc1")))
        pairs.append(("nobs", .integer(nobs)))
        pairs.append(("names", .array(result.names.map { .string($0) })))
        pairs.append(
            (
                "coefficients",
                .object(
                    result.names.indices.map { j in
                        (
                            result.names[j],
                            .object([
                                ("estimate", .number(result.estimates[j])),
                                ("bootstrap_se", .number(result.standardErrors[j])),
                                ("conf_int", .array([.number(intervals[j].lower), .number(intervals[j].upper)])),
                            ])
                        )
                    })
            ))
        return .object(pairs)
    }

    /// A fixed-width text table.
    public func table() -> String {
        let width = max(12, (result.names.map(\.count).max() ?? 0) + 2)
        func pad(_ s: String, _ w: Int) -> String { s.count >= w ? s : String(repeating: " ", count: w - s.count) + s }
        func padRight(_ s: String, _ w: Int) -> String {
            s.count >= w ? s : s + String(repeating: " ", count: w - s.count)
        }
        func num(_ v: Double) -> String { v.isFinite ? String(format: "%.6g", v) : "nan" }
        var method = specification.method.rawValue
        if specification.method == .wild { method += " (\(specification.wildWeights.rawValue) weights)" }
        if specification.method.usesBlocks, let length = result.blockLength {
            method += " (block length \(num(length))\(specification.blockLength == nil ? ", automatic" : ""))"
        }
        let level = num(confidence * 100) + "%"
        var lines = [
            "Bootstrap of OLS coefficients", String(repeating: "=", count: width + 56),
            "Method: \(method)    Replications: \(result.replications)    Seed: \(result.seed)",
            "Interval: \(interval.rawValue) at \(level)    Studentizing covariance: hc1",
            String(repeating: "-", count: width + 56),
            padRight("", width) + pad("estimate", 14) + pad("bootstrap se", 14) + pad("[\(level)", 14)
                + pad("interval]", 14),
        ]
        for (j, name) in result.names.enumerated() {
            lines.append(
                padRight(name, width) + pad(num(result.estimates[j]), 14) + pad(num(result.standardErrors[j]), 14)
                    + pad(num(intervals[j].lower), 14) + pad(num(intervals[j].upper), 14))
        }
        lines.append(String(repeating: "=", count: width + 56))
        return lines.joined(separator: "\n")
    }
}
