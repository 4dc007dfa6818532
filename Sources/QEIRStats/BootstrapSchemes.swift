import RealModule

/// How a bootstrap replicate data set is drawn.
///
/// Row-resampling schemes (``pairs``, ``movingBlock(length:)``, ``circularBlock(length:)``,
/// ``stationary(meanBlockLength:)``) draw n row indices and work with any statistic
/// (``Bootstrap/run(data:names:scheme:options:statistic:standardErrors:progress:)``).
/// Model-based schemes (``residual``, ``wild(_:)``) keep the design fixed and rebuild the
/// dependent variable from fitted values and residuals, so they need a regression
/// (``Bootstrap/regression(y:design:scheme:covariance:options:progress:)``).
///
/// A block length of `nil` asks for the automatic choice of Politis & White (2004) with the
/// correction of Patton, Politis & White (2009) — see ``Bootstrap/optimalBlockLength(_:)``.
public enum BootstrapScheme: Sendable, Hashable {
    /// Case (pairs) resampling: n rows drawn independently and uniformly with replacement
    /// (Efron 1979; Freedman 1981 for regression).
    case pairs
    /// Residual resampling for regression: y*ᵢ = xᵢβ̂ + e*ᵢ, the e*ᵢ drawn uniformly with
    /// replacement from the centred OLS residuals eⱼ − ē (Davison & Hinkley 1997, Alg. 6.1).
    case residual
    /// Wild bootstrap for regression: y*ᵢ = xᵢβ̂ + eᵢ·vᵢ with independent weights vᵢ of mean 0
    /// and variance 1 (Wu 1986; Liu 1988; Mammen 1993).
    case wild(WildWeights)
    /// Moving-block bootstrap (Künsch 1989): ⌈n/ℓ⌉ blocks of ℓ consecutive rows, each starting
    /// uniformly in 0…n−ℓ, concatenated and cut to n rows. `nil` = ⌈b̂_CB⌉, the Politis–White
    /// circular-block length.
    case movingBlock(length: Int?)
    /// Circular-block bootstrap (Politis & Romano 1992): as the moving block, but blocks start
    /// uniformly in 0…n−1 and wrap around the end of the sample. `nil` = ⌈b̂_CB⌉.
    case circularBlock(length: Int?)
    /// Stationary bootstrap (Politis & Romano 1994): the first index is uniform; each next
    /// index starts a new block at a uniform position with probability p = 1/m, and otherwise
    /// continues the current block (wrapping around), so block lengths are geometric with mean
    /// m. `nil` = max(1, b̂_SB), the Politis–White stationary length.
    case stationary(meanBlockLength: Double?)

    /// Whether the scheme resamples rows (and so works with any statistic).
    public var resamplesRows: Bool {
        switch self {
        case .pairs, .movingBlock, .circularBlock, .stationary: true
        case .residual, .wild: false
        }
    }

    /// The block length of a block scheme (the mean length for the stationary bootstrap), `nil`
    /// for other schemes or when it is still to be chosen automatically.
    public var blockLength: Double? {
        switch self {
        case let .movingBlock(length), let .circularBlock(length): length.map(Double.init)
        case let .stationary(mean): mean
        case .pairs, .residual, .wild: nil
        }
    }

    /// The scheme's name as the CLI spells it.
    var name: String {
        switch self {
        case .pairs: "pairs"
        case .residual: "residual"
        case .wild: "wild"
        case .movingBlock: "moving-block"
        case .circularBlock: "circular-block"
        case .stationary: "stationary"
        }
    }

    /// Whether the block length is left to the automatic (Politis–White) choice.
    var needsAutomaticLength: Bool {
        switch self {
        case .movingBlock(nil), .circularBlock(nil), .stationary(nil): true
        default: false
        }
    }

    /// Checks a given block length against the sample size.
    func validate(nobs n: Int) throws {
        let length: Double
        let what: String
        switch self {
        case let .movingBlock(l?):
            length = Double(l)
            what = "moving-block length"
        case let .circularBlock(l?):
            length = Double(l)
            what = "circular-block length"
        case let .stationary(m?):
            length = m
            what = "stationary-bootstrap mean block length"
        default: return
        }
        guard length.isFinite, length >= 1 else {
            throw StatsError(
                .invalidBlockLength, "The \(what) must be a finite number of at least 1; got \(length).",
                context: ["block_length": String(length), "nobs": String(n)])
        }
        guard length < Double(n) else {
            throw StatsError(
                .invalidBlockLength,
                "The \(what) (\(Self.format(length))) must be smaller than the number of observations (\(n)); "
                    + "use a shorter block or leave it unset for the automatic (Politis–White) choice.",
                context: ["block_length": String(length), "nobs": String(n)])
        }
    }

    static func format(_ x: Double) -> String {
        x == x.rounded() && abs(x) < 1e15 ? String(Int(x)) : String(x)
    }

    /// Draws the n row indices of one replicate. The scheme must resample rows and carry its
    /// block length.
    func indices(count n: Int, using rng: inout ReplicateRandom) -> [Int] {
        guard n > 0 else { return [] }
        return [Int](unsafeUninitializedCapacity: n) { buffer, count in
            fillIndices(buffer.baseAddress!, count: n, using: &rng)
            count = n
        }
    }

    /// Writes the n row indices of one replicate to `out` (the draws of
    /// ``indices(count:using:)``, without allocating).
    func fillIndices(_ out: UnsafeMutablePointer<Int>, count n: Int, using rng: inout ReplicateRandom) {
        switch self {
        case .pairs, .residual, .wild:
            for i in 0..<n { out[i] = rng.nextIndex(below: n) }
        case let .movingBlock(l):
            let length = l ?? 1
            var i = 0
            while i < n {
                let start = rng.nextIndex(below: n - length + 1)
                var j = 0
                while j < length && i < n {
                    out[i] = start + j
                    i += 1
                    j += 1
                }
            }
        case let .circularBlock(l):
            let length = l ?? 1
            var i = 0
            while i < n {
                let start = rng.nextIndex(below: n)
                var j = 0
                while j < length && i < n {
                    out[i] = (start + j) % n
                    i += 1
                    j += 1
                }
            }
        case let .stationary(m):
            let p = 1 / (m ?? 1)
            out[0] = rng.nextIndex(below: n)
            for i in 1..<max(n, 1) {
                if rng.nextUniform() < p {
                    out[i] = rng.nextIndex(below: n)
                } else {
                    let next = out[i - 1] + 1
                    out[i] = next == n ? 0 : next
                }
            }
        }
    }
}

/// The distribution of the wild-bootstrap weights vᵢ (all have mean 0 and variance 1).
public enum WildWeights: String, Sendable, Hashable, Codable, CaseIterable {
    /// ±1 with probability 1/2 each (Liu 1988; Davidson & Flachaire 2008).
    case rademacher
    /// Mammen's (1993) two-point law: −(√5−1)/2 with probability (√5+1)/(2√5), (√5+1)/2
    /// otherwise; its third moment is 1.
    case mammen
    /// Webb's (2023) six-point law: ±√(1/2), ±1, ±√(3/2), each with probability 1/6.
    case webb

    /// The values a weight can take, in increasing order.
    public var support: [Double] {
        switch self {
        case .rademacher: [-1, 1]
        case .mammen: [-(5.0.squareRoot() - 1) / 2, (5.0.squareRoot() + 1) / 2]
        case .webb:
            [-(1.5.squareRoot()), -1, -(0.5.squareRoot()), 0.5.squareRoot(), 1, 1.5.squareRoot()]
        }
    }

    /// The probability of each value of ``support``.
    public var probabilities: [Double] {
        switch self {
        case .rademacher: [0.5, 0.5]
        case .mammen:
            [(5.0.squareRoot() + 1) / (2 * 5.0.squareRoot()), (5.0.squareRoot() - 1) / (2 * 5.0.squareRoot())]
        case .webb: [Double](repeating: 1.0 / 6, count: 6)
        }
    }

    /// One weight drawn from the law.
    /// - Parameter rng: the generator (one stream per replicate keeps draws reproducible).
    public func draw(using rng: inout ReplicateRandom) -> Double {
        switch self {
        case .rademacher:
            return rng.next() >> 63 == 0 ? -1 : 1
        case .mammen:
            let s5 = 5.0.squareRoot()
            return rng.nextUniform() < (s5 + 1) / (2 * s5) ? -(s5 - 1) / 2 : (s5 + 1) / 2
        case .webb:
            switch rng.nextIndex(below: 6) {
            case 0: return -(1.5.squareRoot())
            case 1: return -1
            case 2: return -(0.5.squareRoot())
            case 3: return 0.5.squareRoot()
            case 4: return 1
            default: return 1.5.squareRoot()
            }
        }
    }
}

extension StatsError.Code {
    /// A bootstrap block length is below 1 or not smaller than the number of observations.
    public static let invalidBlockLength = StatsError.Code(rawValue: "invalid_block_length")
    /// One bootstrap replicate (or jackknife evaluation) of the statistic failed.
    public static let replicateFailed = StatsError.Code(rawValue: "replicate_failed")
    /// A bootstrap interval is undefined for these replicates (for example BCa when every
    /// replicate lies on one side of the estimate).
    public static let degenerateBootstrap = StatsError.Code(rawValue: "degenerate_bootstrap")
}
