// The noncentral chi-squared distribution, for the critical values of Montiel Olea &
// Pflueger's (2013) effective F test (see WeakInstruments.swift). Like Distributions.swift it
// calls R's standalone math library through the CQEIRRmath shim.

internal import CQEIRRmath

/// The noncentral chi-squared distribution χ²_k(λ) with k > 0 degrees of freedom (not
/// necessarily an integer) and noncentrality λ ≥ 0: the law of Σᵢ (Zᵢ + μᵢ)² with Σ μᵢ² = λ
/// for integer k, and the Poisson(λ/2) mixture of central χ²_{k+2j} in general.
///
/// Algorithms (R's nmath): `cdf` and `sf` sum the Poisson mixture (Ding 1992, *Applied
/// Statistics* 41, 478–482, with R's upper-tail refinements); `quantile` and `inverseSF` start
/// from R's `qnchisq` (Pearson's approximation bracketed and bisected) and are then polished
/// by a safeguarded secant iteration on the requested tail probability, so that the returned
/// quantile reproduces the probability to about 1e-12 relative. With λ = 0 it is the central
/// ``ChiSquared``.
///
/// Parameters are valid when k > 0 and λ ≥ 0, both finite; otherwise every function returns NaN.
public struct NoncentralChiSquared: Sendable, Hashable {
    /// The degrees of freedom k.
    public let degreesOfFreedom: Double
    /// The noncentrality λ.
    public let noncentrality: Double

    /// Creates the distribution.
    /// - Parameters:
    ///   - degreesOfFreedom: k > 0.
    ///   - noncentrality: λ ≥ 0.
    public init(degreesOfFreedom: Double, noncentrality: Double) {
        self.degreesOfFreedom = degreesOfFreedom
        self.noncentrality = noncentrality
    }

    private var isValid: Bool {
        degreesOfFreedom > 0 && degreesOfFreedom.isFinite && noncentrality >= 0 && noncentrality.isFinite
    }

    /// P(X ≤ x).
    /// - Parameter x: the upper limit.
    /// - Returns: the lower tail probability; NaN for invalid parameters.
    public func cdf(_ x: Double) -> Double {
        guard isValid, !x.isNaN else { return .nan }
        return qeir_pnchisq(x, degreesOfFreedom, noncentrality, 1, 0)
    }

    /// P(X > x), computed in the upper tail.
    /// - Parameter x: the lower limit.
    /// - Returns: the upper tail probability; NaN for invalid parameters.
    public func sf(_ x: Double) -> Double {
        guard isValid, !x.isNaN else { return .nan }
        return qeir_pnchisq(x, degreesOfFreedom, noncentrality, 0, 0)
    }

    /// The p-quantile.
    /// - Parameter p: a probability in `[0, 1]`.
    /// - Returns: x with P(X ≤ x) = p (0 at p = 0, `+infinity` at 1); NaN for p outside `[0, 1]`.
    public func quantile(_ p: Double) -> Double {
        guard isValid, p >= 0, p <= 1 else { return .nan }
        if p == 0 { return 0 }
        if p == 1 { return .infinity }
        return p <= 0.5 ? solve(p, lower: true) : solve(1 - p, lower: false)
    }

    /// The x with P(X > x) = p.
    /// - Parameter p: a probability in `[0, 1]`.
    /// - Returns: the upper quantile (`+infinity` at 0, 0 at 1); NaN for p outside `[0, 1]`.
    public func inverseSF(_ p: Double) -> Double {
        guard isValid, p >= 0, p <= 1 else { return .nan }
        if p == 0 { return .infinity }
        if p == 1 { return 0 }
        return p <= 0.5 ? solve(p, lower: false) : solve(1 - p, lower: true)
    }

    /// Solves tail(x) = p, the tail being the lower one when `lower`, by R's `qnchisq` and a
    /// bracketed secant (Illinois) polish on log x.
    private func solve(_ p: Double, lower: Bool) -> Double {
        let k = degreesOfFreedom
        let lambda = noncentrality
        let flag: Int32 = lower ? 1 : 0
        func g(_ x: Double) -> Double {
            // Increasing in x for both tails once the sign is fixed.
            let t = qeir_pnchisq(x, k, lambda, flag, 0)
            return lower ? t - p : p - t
        }
        var x0 = qeir_qnchisq(p, k, lambda, flag, 0)
        if !(x0 > 0) || !x0.isFinite { x0 = max(k + lambda, 1e-300) }
        // Bracket [a, b] with g(a) ≤ 0 ≤ g(b).
        var a = x0
        var b = x0
        var ga = g(a)
        var gb = ga
        if ga == 0 { return x0 }
        if ga > 0 {
            gb = ga
            repeat {
                b = a
                gb = ga
                a = a / 1.25
                ga = g(a)
            } while ga > 0 && a > 1e-300
        } else {
            repeat {
                a = b
                ga = gb
                b = b * 1.25
                gb = g(b)
            } while gb < 0 && b < 1e300
        }
        guard ga <= 0, gb >= 0 else { return x0 }
        // Illinois iteration on [a, b].
        var side = 0
        for _ in 0..<200 {
            let c = gb - ga != 0 ? (a * gb - b * ga) / (gb - ga) : (a + b) / 2
            let x = c > a && c < b ? c : (a + b) / 2
            let gx = g(x)
            if gx == 0 || abs(b - a) <= 4 * Double.ulpOfOne * x { return x }
            if gx < 0 {
                a = x
                ga = gx
                if side == -1 { gb /= 2 }
                side = -1
            } else {
                b = x
                gb = gx
                if side == 1 { ga /= 2 }
                side = 1
            }
        }
        return (a + b) / 2
    }
}
