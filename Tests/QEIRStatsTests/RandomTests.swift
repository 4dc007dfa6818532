import QEIRStats
import Testing

struct RandomTests {
    @Test func sameSeedAndStreamGiveTheSameSequence() {
        var a = ReplicateRandom(seed: 42, stream: 7)
        var b = ReplicateRandom(seed: 42, stream: 7)
        for _ in 0..<1000 { #expect(a.next() == b.next()) }
    }

    @Test func streamsAndSeedsDiffer() {
        var a = ReplicateRandom(seed: 42, stream: 0)
        var b = ReplicateRandom(seed: 42, stream: 1)
        var c = ReplicateRandom(seed: 43, stream: 0)
        let xa = (0..<8).map { _ in a.next() }
        let xb = (0..<8).map { _ in b.next() }
        let xc = (0..<8).map { _ in c.next() }
        #expect(xa != xb)
        #expect(xa != xc)
    }

    @Test func uniformMomentsAndRange() {
        var g = ReplicateRandom(seed: 1)
        let n = 200_000
        var sum = 0.0
        var sumSq = 0.0
        for _ in 0..<n {
            let u = g.nextUniform()
            #expect(u >= 0 && u < 1)
            sum += u
            sumSq += u * u
        }
        // Mean 1/2 (SE 0.00065) and variance 1/12 within 5 standard errors.
        #expect(abs(sum / Double(n) - 0.5) < 0.0033)
        #expect(abs(sumSq / Double(n) - sum * sum / Double(n * n) - 1.0 / 12) < 0.002)
    }

    @Test func normalMoments() {
        var g = ReplicateRandom(seed: 2)
        let n = 200_000
        var m1 = 0.0
        var m2 = 0.0
        for _ in 0..<n {
            let z = g.nextStandardNormal()
            m1 += z
            m2 += z * z
        }
        #expect(abs(m1 / Double(n)) < 0.012)  // SE 0.0022
        #expect(abs(m2 / Double(n) - 1) < 0.016)  // SE 0.0032
    }

    @Test func knownOutputsArePinned() {
        // Literal values from an independent Python implementation of the same algorithm, so a
        // change of generator (which would change every result computed with a given seed)
        // cannot go unnoticed.
        var g = ReplicateRandom(seed: 0, stream: 0)
        #expect(
            (0..<3).map { _ in g.next() } == [
                12_084_230_680_871_363_765, 2_759_707_729_674_885_413, 112_172_662_091_109_123,
            ])
        var h = ReplicateRandom(seed: 42, stream: 7)
        #expect(
            (0..<3).map { _ in h.next() } == [
                5_973_608_606_847_610_184, 9_497_570_955_153_838_770, 6_178_552_559_345_429_271,
            ])
    }
}
