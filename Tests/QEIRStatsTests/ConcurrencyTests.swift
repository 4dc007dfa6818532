import Testing

@testable import QEIRStats

/// Fits that share one factorization must be safe to run concurrently. LAPACK's dorm2r writes
/// (and restores) the reflectors' diagonal; before the fix, concurrent solves sharing the
/// reflectors returned wrong answers under load.
struct ConcurrencyTests {
    @Test func concurrentSolvesOnASharedFactorizationAreExact() async throws {
        var rng = ReplicateRandom(seed: 5)
        let n = 240
        let cols = (0..<3).map { _ in (0..<n).map { _ in rng.nextStandardNormal() } }
        let qr = try QRLeastSquares(try Matrix(columns: cols), strategy: .householder)
        let ys = (0..<64).map { s -> [Double] in
            var g = ReplicateRandom(seed: 9, stream: UInt64(s))
            return (0..<n).map { _ in g.nextStandardNormal() }
        }
        let expected = try ys.map { try qr.solveOnce($0) }
        let mismatches = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    var bad = 0
                    for _ in 0..<40 {
                        for (i, y) in ys.enumerated() where try qr.solveOnce(y) != expected[i] { bad += 1 }
                    }
                    return bad
                }
            }
            return try await group.reduce(0, +)
        }
        #expect(mismatches == 0)
    }
}

/// The blocked weighted Gram matrix (used for HC meats of large designs) equals the direct one.
struct WeightedGramTests {
    @Test func blockedEqualsDirect() throws {
        var rng = ReplicateRandom(seed: 11)
        let n = 5003
        let x = try Matrix(columns: (0..<4).map { _ in (0..<n).map { _ in rng.nextStandardNormal() } })
        let w = (0..<n).map { _ in rng.nextStandardNormal() }
        let blocked = Sandwich.weightedGram(x, weights: w)
        let direct = Sandwich.scores(x, weights: w).gram()
        for i in 0..<16 {
            #expect(abs(blocked.storage[i] - direct.storage[i]) <= 1e-12 * abs(direct.storage[i]) + 1e-9)
        }
    }
}
