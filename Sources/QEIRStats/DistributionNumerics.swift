// Numerical helpers behind the distribution types: tail inversion by Newton's method in log
// space, and a saddle-point gamma density. Pure Swift; the libRmath calls live in
// Distributions.swift.

internal import Foundation

/// Which tail a probability refers to.
enum Tail {
    /// P(X <= x): increasing in x.
    case lower
    /// P(X > x): decreasing in x.
    case upper
}

/// Solves `T(x) = q` for `x > 0`, where `T` is the lower or upper tail probability of a
/// continuous distribution, by Newton's method on `g(u) = log T(e^u) - log q`, `u = log x`.
///
/// Working in logarithms keeps the iteration well scaled from `q = 0.5` down to the smallest
/// positive doubles and for power-law tails, where `log T` is close to linear in `u`. For the
/// distributions used here (`log X` has a log-concave density: Fisher's z, log-gamma, and
/// `log|T|` as a sum of log-concave variables) `g` is concave and monotone in `u`, so Newton's
/// method converges from any start: after at most one overshoot the iterates approach the root
/// monotonically. As a safeguard the root is kept bracketed and a step that leaves the bracket
/// (or a failed evaluation) is replaced by bisection. Iterates stay within the normal double
/// range; a root beyond it gives `0` or `+infinity`.
///
/// - Parameters:
///   - start: a positive first guess.
///   - logTarget: `log q`.
///   - tail: whether `T` is the lower (`cdf`) or upper (`sf`) tail.
///   - logTailProbability: `log T(x)`, computed directly (not as `log(1 - …)`).
///   - logDensity: `log f(x)`.
/// - Returns: the root; `0` or `+infinity` when it underflows or overflows.
func invertTail(
    start: Double,
    logTarget: Double,
    tail: Tail,
    logTailProbability: (Double) -> Double,
    logDensity: (Double) -> Double
) -> Double {
    let sign: Double = tail == .lower ? 1 : -1
    let uMin = log(Double.leastNormalMagnitude)
    let uMax = log(Double.greatestFiniteMagnitude)
    // The root lies in [low, high] (or beyond the double range); the ends are evaluated
    // points once the flags are set.
    var (low, high) = (uMin, uMax)
    var (lowEvaluated, highEvaluated) = (false, false)
    var u = min(max(log(start), uMin), uMax)
    var bestX = exp(u)
    var bestResidual = Double.infinity
    var previousStep = Double.infinity
    for _ in 0..<200 {
        let x = exp(u)
        let logT = logTailProbability(x)
        let g = logT - logTarget
        if g.isNaN { break }
        if abs(g) < bestResidual {
            bestResidual = abs(g)
            bestX = x
        }
        if g == 0 { return x }
        let rootAbove = (g < 0) == (tail == .lower)
        if rootAbove {
            if u >= uMax { return .infinity }
            (low, lowEvaluated) = (u, true)
        } else {
            if u <= uMin { return 0 }
            (high, highEvaluated) = (u, true)
        }
        // d log T / du = ±x f(x) / T(x)
        let slope = sign * exp(u + logDensity(x) - logT)
        let newton = g.isFinite && slope.isFinite && slope != 0 ? u - g / slope : .nan
        // Near the root the error after a Newton step of size s is O(s²): accept a step below
        // 1e-10 and stop if the convergence is quadratic (s ≤ 1e-3 × the previous step), s is
        // at the rounding level of u, or s no longer shrinks (evaluation noise). Otherwise
        // (an inaccurate log density slows convergence to linear) iterate on.
        let size = abs(newton - u)
        if size <= 1e-10 {
            if size <= 1e-3 * previousStep || size <= 1e-15 * max(1, abs(u)) || size >= previousStep {
                return exp(newton)
            }
        }
        var next = newton
        if !(next >= low && next <= high) {
            // Newton left the bracket (an overshoot from the far side) or failed: try the
            // unexplored end of the double range, else bisect.
            if rootAbove && !highEvaluated {
                next = uMax
            } else if !rootAbove && !lowEvaluated {
                next = uMin
            } else {
                next = (low + high) / 2
            }
        }
        if next == u || high - low <= 1e-15 * max(1, abs(u)) { return exp(next) }
        previousStep = abs(next - u)
        u = next
    }
    return bestX
}

/// `log I_z(p, q)`, the logarithm of the regularized incomplete beta function, for `z` below
/// the mean (`z < (p + 1)/(p + q + 2)`, where the continued fraction converges quickly) and
/// `max(p, q) >= 50`; `w = 1 - z` is passed separately so that it keeps full precision.
///
/// Uses the continued fraction of DLMF 8.17.22 (modified Lentz evaluation) with the prefactor
/// `z^p w^q / (p B(p, q))` in logarithms, so it stays accurate far below the double range.
/// QEIRStats uses it only in far tails of F distributions where libRmath 4.2's `pbeta` is
/// inaccurate (see ``FDistribution``).
func logIncompleteBetaLowerTail(z: Double, w: Double, p: Double, q: Double) -> Double {
    let logZ = z > 0.5 ? log1p(-w) : log(z)
    let logW = w > 0.5 ? log1p(-z) : log(w)
    let logFront = p * logZ + q * logW - log(p) - logBetaLargeParameter(p, q)
    // I = front / (1 + d1/(1 + d2/(1 + …))) with d(2m+1) = -(p+m)(p+q+m)z / ((p+2m)(p+2m+1)),
    // d(2m) = m(q-m)z / ((p+2m-1)(p+2m)).
    let tiny = 1e-300
    func term(_ k: Int) -> Double {
        let m = Double(k / 2)
        if k % 2 == 1 { return -(p + m) * (p + q + m) * z / ((p + 2 * m) * (p + 2 * m + 1)) }
        return m * (q - m) * z / ((p + 2 * m - 1) * (p + 2 * m))
    }
    var d = 1 + term(1)
    if abs(d) < tiny { d = tiny }
    d = 1 / d
    var c = 1.0
    var fraction = d
    for k in 2..<200_000 {
        let a = term(k)
        d = 1 + a * d
        if abs(d) < tiny { d = tiny }
        c = 1 + a / c
        if abs(c) < tiny { c = tiny }
        d = 1 / d
        let delta = c * d
        fraction *= delta
        if abs(delta - 1) <= 3e-16 { break }
    }
    return logFront + log(fraction)
}

/// `log B(p, q)` for `max(p, q) >= 50`, without the cancellation of
/// `lgamma(p) + lgamma(q) - lgamma(p + q)`: with `b = max`, `s = min`,
/// `lgamma(b) - lgamma(b + s) = -(b - 1/2) log1p(s/b) - s log(b + s) + s + e(b) - e(b + s)`,
/// `e` the Stirling series error (``stirlingError(_:)``); when `s >= 100` too, `lgamma(s)` is
/// written the same way.
func logBetaLargeParameter(_ p: Double, _ q: Double) -> Double {
    let big = max(p, q)
    let small = min(p, q)
    let sum = big + small
    let powers: Double = -(big - 0.5) * log1p(small / big) - small * log(sum) + small
    let difference: Double = powers + (stirlingError(big) - stirlingError(sum))
    let logGammaSmall: Double
    if small >= 100 {
        let stirling: Double = (small - 0.5) * log(small) - small + 0.5 * log(2 * Double.pi)
        logGammaSmall = stirling + stirlingError(small)
    } else {
        logGammaSmall = lgamma(small)
    }
    return logGammaSmall + difference
}

/// The density of the gamma distribution with shape `shape` (> 1) and scale 1 at `x > 0`,
/// in the saddle-point form of Loader (2000), "Fast and accurate computation of binomial
/// probabilities": with `m = shape - 1`,
///
///     f(x) = exp(-stirlingError(m) - deviance(m, x)) / sqrt(2 pi m),
///     deviance(m, x) = m log(m / x) + x - m.
///
/// R 4.2's `dgamma` (through `dpois_raw`) loses up to ~1e-11 relative for shapes above ~1e4;
/// evaluating the deviance by its atanh series near `x = m` keeps ~1e-13 at any shape. Used
/// for `shape > 500`, where the five-term Stirling series is exact to double precision.
func gammaDensityLargeShape(_ x: Double, shape: Double) -> Double {
    let m = shape - 1
    return exp(-stirlingError(m) - poissonDeviance(m, x)) / (2 * Double.pi * m).squareRoot()
}

/// `log Γ(n + 1) - [(n + 1/2) log n - n + log sqrt(2 pi)]` (equivalently
/// `log Γ(n) - [(n - 1/2) log n - n + log sqrt(2 pi)]`) by its asymptotic series
/// (1/12n - 1/360n^3 + 1/1260n^5 - 1/1680n^7 + 1/1188n^9); exact to double precision for
/// n >= 15 (the next term is below 3e-16).
func stirlingError(_ n: Double) -> Double {
    let nn = n * n
    return (1.0 / 12 - (1.0 / 360 - (1.0 / 1260 - (1.0 / 1680 - 1.0 / (1188 * nn)) / nn) / nn) / nn) / n
}

/// `m log(m / x) + x - m` for `m, x > 0`, without cancellation near `m = x`.
///
/// With `v = (m - x) / (m + x)`, `log(m / x) = 2 atanh(v)`, so the deviance is
/// `(m - x) v + 2m (atanh(v) - v)` and `atanh(v) - v = v^3/3 + v^5/5 + …`; the series is used
/// for `|v| < 1/3`, the direct formula (no serious cancellation) otherwise.
func poissonDeviance(_ m: Double, _ x: Double) -> Double {
    let v = (m - x) / (m + x)
    guard abs(v) < 1.0 / 3 else { return m * log(m / x) + x - m }
    let v2 = v * v
    var power = v
    var sum = 0.0
    var k = 3.0
    while true {
        power *= v2
        let next = sum + power / k
        if next == sum { break }
        sum = next
        k += 2
    }
    return (m - x) * v + 2 * m * sum
}
