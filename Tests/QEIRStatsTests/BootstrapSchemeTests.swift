import Foundation
import QEIRStats
import Testing

/// The laws of the drawn indices and wild weights. Statistical checks use many draws and
/// tolerances of at least 5 standard errors (stated at each check), so they fail only when
/// the law is wrong; the seeds are fixed, so they are also deterministic.
struct BootstrapSchemeTests {
    static func indices(_ scheme: BootstrapScheme, n: Int, replicate: Int, seed: UInt64 = 7) throws -> [Int] {
        try Bootstrap.resampleIndices(scheme: scheme, count: n, seed: seed, replicate: replicate)
    }

    @Test func pairsIndicesAreUniform() throws {
        let n = 10
        let reps = 20_000
        var counts = [Int](repeating: 0, count: n)
        for b in 0..<reps {
            let idx = try Self.indices(.pairs, n: n, replicate: b)
            #expect(idx.count == n)
            for i in idx { counts[i] += 1 }
        }
        // Pearson χ² with 9 degrees of freedom: P(χ²₉ > 40) ≈ 7e-6.
        let expected = Double(n * reps) / Double(n)
        let chi2 = counts.reduce(0.0) { $0 + (Double($1) - expected) * (Double($1) - expected) / expected }
        #expect(chi2 < 40, "counts \(counts), χ² = \(chi2)")
    }

    @Test func movingBlocksAreContiguousRunsWithUniformStarts() throws {
        let n = 22
        let length = 4
        var starts = [Int](repeating: 0, count: n - length + 1)
        for b in 0..<5000 {
            let idx = try Self.indices(.movingBlock(length: length), n: n, replicate: b)
            #expect(idx.count == n)
            for blockStart in stride(from: 0, to: n, by: length) {
                let s = idx[blockStart]
                #expect(s >= 0 && s <= n - length, "a moving block must fit inside the sample")
                starts[s] += 1
                for j in 0..<min(length, n - blockStart) { #expect(idx[blockStart + j] == s + j) }
            }
        }
        // 6 blocks × 5000 = 30000 starts over 19 positions; χ²₁₈ > 60 has probability ≈ 2e-6.
        let total = Double(starts.reduce(0, +))
        let expected = total / Double(starts.count)
        let chi2 = starts.reduce(0.0) { $0 + (Double($1) - expected) * (Double($1) - expected) / expected }
        #expect(chi2 < 60, "χ² = \(chi2)")
    }

    @Test func circularBlocksWrapAroundWithUniformStarts() throws {
        let n = 15
        let length = 6
        var starts = [Int](repeating: 0, count: n)
        var wrapped = 0
        for b in 0..<5000 {
            let idx = try Self.indices(.circularBlock(length: length), n: n, replicate: b)
            for blockStart in stride(from: 0, to: n, by: length) {
                let s = idx[blockStart]
                starts[s] += 1
                if s + length > n { wrapped += 1 }
                for j in 0..<min(length, n - blockStart) { #expect(idx[blockStart + j] == (s + j) % n) }
            }
        }
        let total = Double(starts.reduce(0, +))
        let expected = total / Double(n)
        let chi2 = starts.reduce(0.0) { $0 + (Double($1) - expected) * (Double($1) - expected) / expected }
        #expect(chi2 < 55, "χ²₁₄ = \(chi2) (P(χ²₁₄ > 55) ≈ 1e-6)")
        #expect(wrapped > 0, "circular blocks must be able to wrap")
    }

    @Test func stationaryBlockLengthsAreGeometricWithTheGivenMean() throws {
        // A new block starts with probability p = 1/m, at a uniform position (which continues the
        // previous run with probability 1/n), so a run of consecutive indices ends with probability
        // q = p(1 − 1/n) at each step and complete runs are geometric: P(L = k) = q(1 − q)^(k−1).
        // n is large against m so that the run cut off at the end of each replicate (excluded,
        // and longer on average by the inspection paradox) biases the mean by only ≈ m²/n ≈ 0.01.
        let n = 2000
        let m = 5.0
        let q = (1 / m) * (1 - 1 / Double(n))
        var transitions = 0
        var breaks = 0
        var runLengths: [Int: Int] = [:]
        var completeRuns = 0
        for b in 0..<100 {
            let idx = try Self.indices(.stationary(meanBlockLength: m), n: n, replicate: b)
            var run = 1
            for i in 1..<n {
                transitions += 1
                if idx[i] == (idx[i - 1] + 1) % n {
                    run += 1
                } else {
                    breaks += 1
                    runLengths[run, default: 0] += 1
                    completeRuns += 1
                    run = 1
                }
            }
        }
        // Break frequency: SE = √(q(1−q)/199900) ≈ 0.0009; tolerance 0.005.
        #expect(abs(Double(breaks) / Double(transitions) - q) < 0.005)
        // Mean complete-run length 1/q ≈ 5.0: SE ≈ √((1−q)/q²/N) ≈ 0.02 for N ≈ 40000 runs; tolerance 0.15.
        let mean = runLengths.reduce(0.0) { $0 + Double($1.key * $1.value) } / Double(completeRuns)
        #expect(abs(mean - 1 / q) < 0.15, "mean run length \(mean), expected \(1 / q)")
        // Shape: P(L = k), k = 1…6; SE ≤ 0.002 each; tolerance 0.01.
        for k in 1...6 {
            let observed = Double(runLengths[k, default: 0]) / Double(completeRuns)
            let expected = q * pow(1 - q, Double(k - 1))
            #expect(abs(observed - expected) < 0.01, "P(L = \(k)): \(observed) vs \(expected)")
        }
    }

    @Test func wildWeightLawsHaveMeanZeroAndVarianceOne() {
        for w in WildWeights.allCases {
            let support = w.support
            let probabilities = w.probabilities
            #expect(abs(probabilities.reduce(0, +) - 1) < 1e-15)
            let m1 = zip(support, probabilities).reduce(0.0) { $0 + $1.0 * $1.1 }
            let m2 = zip(support, probabilities).reduce(0.0) { $0 + $1.0 * $1.0 * $1.1 }
            #expect(abs(m1) < 1e-15, "\(w) mean")
            #expect(abs(m2 - 1) < 1e-15, "\(w) variance")
            if w == .mammen {
                let m3 = zip(support, probabilities).reduce(0.0) { $0 + $1.0 * $1.0 * $1.0 * $1.1 }
                #expect(abs(m3 - 1) < 1e-14, "Mammen's third moment is 1")
            }
        }
        #expect(WildWeights.rademacher.support == [-1, 1])
        #expect(abs(WildWeights.mammen.support[0] + (5.0.squareRoot() - 1) / 2) == 0)
        #expect(abs(WildWeights.mammen.probabilities[0] - (5.0.squareRoot() + 1) / (2 * 5.0.squareRoot())) == 0)
        #expect(
            WildWeights.webb.support.map { $0 * $0 }.enumerated().allSatisfy {
                abs($0.element - [1.5, 1, 0.5, 0.5, 1, 1.5][$0.offset]) < 1e-15
            })
    }

    @Test(arguments: WildWeights.allCases)
    func wildDrawsFollowTheirLaw(_ w: WildWeights) {
        var rng = ReplicateRandom(seed: 11, stream: 3)
        let n = 200_000
        let support = w.support
        var counts = [Int](repeating: 0, count: support.count)
        var sum = 0.0
        var sumSq = 0.0
        for _ in 0..<n {
            let v = w.draw(using: &rng)
            guard let k = support.firstIndex(of: v) else {
                Issue.record("\(w) drew \(v), outside its support \(support)")
                return
            }
            counts[k] += 1
            sum += v
            sumSq += v * v
        }
        // Mean: SE = 1/√n ≈ 0.0022; tolerance 0.012. E v² = 1: SE ≤ 0.0023 (Mammen); tolerance 0.012.
        #expect(abs(sum / Double(n)) < 0.012)
        #expect(abs(sumSq / Double(n) - 1) < 0.012)
        // Each frequency within 0.005 of its probability (SE ≤ 0.0012).
        for (k, p) in w.probabilities.enumerated() {
            #expect(abs(Double(counts[k]) / Double(n) - p) < 0.005, "\(w) P(v = \(support[k]))")
        }
    }

    @Test func indicesDependOnlyOnSeedAndReplicate() throws {
        let a = try Self.indices(.stationary(meanBlockLength: 3), n: 50, replicate: 12, seed: 99)
        let b = try Self.indices(.stationary(meanBlockLength: 3), n: 50, replicate: 12, seed: 99)
        let c = try Self.indices(.stationary(meanBlockLength: 3), n: 50, replicate: 13, seed: 99)
        #expect(a == b)
        #expect(a != c)
    }
}
