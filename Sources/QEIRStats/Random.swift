import RealModule

/// A seeded, splittable pseudo-random generator for reproducible resampling.
///
/// The bootstrap derives one independent stream per replicate from `(seed, stream)`, so the
/// replicates are bit-identical whatever the number of worker tasks or the order they run in.
/// The generator is xoshiro256** (Blackman & Vigna 2021, "Scrambled linear pseudorandom number
/// generators", ACM TOMS 47(4)); its 256-bit state is filled by SplitMix64 (Steele, Lea &
/// Flood 2014) from a 64-bit key that mixes the seed and the stream index through two
/// SplitMix64 finalizer rounds. Written here (not taken from a package) because no package
/// available to QEIR offers a seedable, stream-splittable generator.
public struct ReplicateRandom: RandomNumberGenerator, Sendable, Hashable {
    private var s0: UInt64
    private var s1: UInt64
    private var s2: UInt64
    private var s3: UInt64

    /// The generator of stream `stream` under `seed`.
    public init(seed: UInt64, stream: UInt64 = 0) {
        var key = Self.mix(seed &+ 0x9E37_79B9_7F4A_7C15) ^ Self.mix(stream &+ 0xD1B5_4A32_D192_ED03)
        func next() -> UInt64 {
            key &+= 0x9E37_79B9_7F4A_7C15
            return Self.mix(key)
        }
        s0 = next()
        s1 = next()
        s2 = next()
        s3 = next()
        if s0 | s1 | s2 | s3 == 0 { s0 = 1 }  // the all-zero state is a fixed point
    }

    /// SplitMix64's finalizer.
    static func mix(_ z0: UInt64) -> UInt64 {
        var z = z0
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        let result = ((s1 &* 5) << 7 | (s1 &* 5) >> 57) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = (s3 << 45) | (s3 >> 19)
        return result
    }

    /// A uniform double in [0, 1) with 53 random bits.
    public mutating func nextUniform() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// A uniform integer in 0..<bound (unbiased, Lemire's method via the standard library).
    public mutating func nextIndex(below bound: Int) -> Int {
        Int.random(in: 0..<bound, using: &self)
    }

    /// A standard normal draw (Marsaglia's polar method; deterministic given the stream).
    public mutating func nextStandardNormal() -> Double {
        while true {
            let u = 2 * nextUniform() - 1
            let v = 2 * nextUniform() - 1
            let s = u * u + v * v
            if s > 0 && s < 1 {
                return u * (-2 * Double.log(s) / s).squareRoot()
            }
        }
    }
}
