// Monte Carlo check of QEIR's threshold regression (a benchmark-style script, not a unit test):
//  1. coverage of Hansen's LR confidence interval for γ (should be close to the nominal 95%,
//     conservative in small samples per Hansen 2000);
//  2. size of the fixed-regressor bootstrap test of no threshold at 5% under a linear model.
// Run: swift run -c release threshold-montecarlo [simulations] [bootstrap-replications]
import Foundation
import QEIRStats

@main
struct ThresholdMonteCarlo {
    static func main() async throws {
        let args = CommandLine.arguments
        let sims = args.count > 1 ? Int(args[1]) ?? 500 : 500
        let boots = args.count > 2 ? Int(args[2]) ?? 199 : 199
        let n = 250
        BLASThreads().set(1)

        var covered = 0
        var coveredSplit = 0
        for s in 0..<sims {
            var rng = ReplicateRandom(seed: 2026, stream: UInt64(s))
            let x = (0..<n).map { _ in rng.nextStandardNormal() }
            let q = (0..<n).map { _ in rng.nextStandardNormal() }
            let y = (0..<n).map { i in (q[i] <= 0 ? 1 + x[i] : 2 + 2 * x[i]) + rng.nextStandardNormal() }
            let model = try ThresholdRegression(
                y: y, design: try DesignMatrix(columns: [("x", x)]), thresholdVariable: q)
            let fit = try model.fit()
            if fit.confidenceInterval.lower <= 0 && 0 <= fit.confidenceInterval.upper { covered += 1 }
            // Every γ in [q₍ⱼ₎, q₍ⱼ₊₁₎) gives the same split: the interval extended to the next q.
            let next = fit.candidates.first { $0 > fit.confidenceInterval.upper } ?? .infinity
            if fit.confidenceInterval.lower <= 0 && 0 < next { coveredSplit += 1 }
        }
        print(
            "LR interval coverage of the true threshold (nominal 95%): \(Double(covered) / Double(sims)) over \(sims) samples, n = \(n)"
        )
        print("  counting the split-equivalent range up to the next q: \(Double(coveredSplit) / Double(sims))")

        for (kind, stat) in [
            (ThresholdCovariance.homoskedastic, ThresholdTestStatistic.supF), (.heteroskedastic, .supF),
            (.heteroskedastic, .supLM),
        ] {
            var rejections = 0
            let sizeSims = max(1, sims / 2)
            for s in 0..<sizeSims {
                var rng = ReplicateRandom(seed: 7, stream: UInt64(s))
                let x = (0..<n).map { _ in rng.nextStandardNormal() }
                let q = (0..<n).map { _ in rng.nextStandardNormal() }
                let y = (0..<n).map { i in
                    1 + x[i] + rng.nextStandardNormal() * (kind == .heteroskedastic ? 0.5 + abs(q[i]) : 1)
                }
                let model = try ThresholdRegression(
                    y: y, design: try DesignMatrix(columns: [("x", x)]), thresholdVariable: q)
                let test = try await model.testNoThreshold(
                    statistic: stat, covariance: kind, replications: boots, seed: UInt64(s))
                if test.pValue < 0.05 { rejections += 1 }
            }
            print(
                "Bootstrap \(stat.rawValue) (\(kind.rawValue)) test size at 5%, \(kind.rawValue) errors: \(Double(rejections) / Double(sizeSims)) over \(sizeSims) samples, \(boots) replications"
            )
        }
    }
}
