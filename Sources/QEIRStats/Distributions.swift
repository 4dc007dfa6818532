// Continuous distributions used for inference: normal, Student's t, F and chi-squared.
//
// Densities, distribution functions and quantiles come from R's standalone math library
// (libRmath, "nmath"; Debian package r-mathlib) through the CQEIRRmath shim. This file and
// NoncentralChiSquared.swift are the only files of QEIRStats that call it. Where libRmath 4.2
// was measured (against mpmath) to be
// inaccurate or to print on stdout — t, F and chi-squared quantiles, chi-squared densities for
// df > 1000, far F tails — values are computed or refined here; each type's documentation
// says how. libRmath's qf and its log-scale pf in the affected region are never called.

internal import CQEIRRmath
internal import Foundation

/// A continuous probability distribution on the real line.
///
/// Every function is total: an invalid parameter of the distribution (see each type), a NaN
/// argument, or a probability outside `[0, 1]` gives `Double.nan`, as in scipy.stats. Nothing
/// traps or prints.
///
/// The upper tail is always computed directly: `sf(x)` keeps full relative accuracy when it is
/// far below `1e-16`, where `1 - cdf(x)` would be `0`.
public protocol ContinuousDistribution: Sendable {
    /// The probability density function.
    /// - Parameter x: the point at which to evaluate the density.
    /// - Returns: f(x), or NaN when `x` or the distribution's parameters are invalid.
    func pdf(_ x: Double) -> Double

    /// The cumulative distribution function P(X ≤ x).
    /// - Parameter x: the upper limit; `±infinity` gives 0 or 1.
    /// - Returns: P(X ≤ x), or NaN when `x` or the parameters are invalid.
    func cdf(_ x: Double) -> Double

    /// The survival function P(X > x), computed directly in the upper tail (never `1 - cdf`).
    /// - Parameter x: the lower limit; `±infinity` gives 1 or 0.
    /// - Returns: P(X > x), or NaN when `x` or the parameters are invalid.
    func sf(_ x: Double) -> Double

    /// The natural logarithm of the distribution function, log P(X ≤ x), accurate where
    /// P(X ≤ x) underflows.
    /// - Parameter x: the upper limit.
    /// - Returns: log P(X ≤ x) (`-infinity` where the probability is exactly 0), or NaN.
    func logCDF(_ x: Double) -> Double

    /// The natural logarithm of the survival function, log P(X > x), accurate where
    /// P(X > x) underflows.
    /// - Parameter x: the lower limit.
    /// - Returns: log P(X > x) (`-infinity` where the probability is exactly 0), or NaN.
    func logSF(_ x: Double) -> Double

    /// The quantile function, the inverse of `cdf`: the x with P(X ≤ x) = p.
    /// - Parameter p: a probability in `[0, 1]`; 0 and 1 give the ends of the support.
    /// - Returns: the p-quantile, or NaN when `p` is outside `[0, 1]` or the parameters are invalid.
    func quantile(_ p: Double) -> Double

    /// The inverse of the survival function: the x with P(X > x) = p, accurate for tiny `p`
    /// (down to the smallest normal double); `inverseSF(p)` is `quantile(1 - p)` without the
    /// rounding of `1 - p`.
    /// - Parameter p: a probability in `[0, 1]`; 0 gives the upper end of the support and 1 the
    ///   lower end.
    /// - Returns: the upper p-quantile, or NaN when `p` is outside `[0, 1]` or the parameters
    ///   are invalid.
    func inverseSF(_ p: Double) -> Double
}

/// R's `lower_tail` and `log_p` flags.
private let lowerTail: Int32 = 1
private let upperTail: Int32 = 0
private let notLog: Int32 = 0
private let onLogScale: Int32 = 1

extension Double {
    /// Whether `self` is a probability (in `[0, 1]`, not NaN).
    fileprivate var isProbability: Bool { self >= 0 && self <= 1 }
}

// MARK: - Normal

/// The normal (Gaussian) distribution N(μ, σ²).
///
/// Density `exp(-z²/2) / (σ sqrt(2π))` with `z = (x - μ)/σ`.
///
/// Algorithms (R's nmath): `cdf`, `sf` and their logarithms use W. J. Cody's rational Chebyshev
/// approximations of the error function (Cody 1993, ACM TOMS 19, Algorithm 715), with an
/// asymptotic series for the log-scale far tails; `quantile` and `inverseSF` use Wichura's
/// algorithm AS 241 (Applied Statistics 37, 1988), accurate to about 1e-16 relative, with R's
/// extension for tiny probabilities.
///
/// Parameters are valid when `mean` is finite and `standardDeviation` is finite and positive;
/// otherwise every function returns NaN.
public struct Normal: ContinuousDistribution, Hashable {
    /// The mean μ.
    public let mean: Double
    /// The standard deviation σ.
    public let standardDeviation: Double

    /// Creates a normal distribution.
    /// - Parameters:
    ///   - mean: the mean μ; must be finite.
    ///   - standardDeviation: the standard deviation σ; must be finite and positive.
    public init(mean: Double = 0, standardDeviation: Double = 1) {
        self.mean = mean
        self.standardDeviation = standardDeviation
    }

    private var isValid: Bool {
        mean.isFinite && standardDeviation.isFinite && standardDeviation > 0
    }

    /// The normal density at `x`.
    /// - Parameter x: the point.
    /// - Returns: `exp(-z²/2) / (σ sqrt(2π))`, `z = (x - μ)/σ`; NaN for invalid parameters.
    public func pdf(_ x: Double) -> Double {
        guard isValid else { return .nan }
        return qeir_dnorm(x, mean, standardDeviation, notLog)
    }

    /// P(X ≤ x) by Cody's approximation of the error function.
    /// - Parameter x: the upper limit.
    /// - Returns: Φ((x - μ)/σ); NaN for invalid parameters.
    public func cdf(_ x: Double) -> Double {
        guard isValid else { return .nan }
        return qeir_pnorm(x, mean, standardDeviation, lowerTail, notLog)
    }

    /// P(X > x), computed as Φ(-(x - μ)/σ) directly.
    /// - Parameter x: the lower limit.
    /// - Returns: the upper tail probability; NaN for invalid parameters.
    public func sf(_ x: Double) -> Double {
        guard isValid else { return .nan }
        return qeir_pnorm(x, mean, standardDeviation, upperTail, notLog)
    }

    /// log P(X ≤ x), with R's asymptotic expansion where Φ underflows.
    /// - Parameter x: the upper limit.
    /// - Returns: log Φ((x - μ)/σ); NaN for invalid parameters.
    public func logCDF(_ x: Double) -> Double {
        guard isValid else { return .nan }
        return qeir_pnorm(x, mean, standardDeviation, lowerTail, onLogScale)
    }

    /// log P(X > x), with R's asymptotic expansion where the tail underflows.
    /// - Parameter x: the lower limit.
    /// - Returns: log(1 - Φ((x - μ)/σ)) computed without cancellation; NaN for invalid parameters.
    public func logSF(_ x: Double) -> Double {
        guard isValid else { return .nan }
        return qeir_pnorm(x, mean, standardDeviation, upperTail, onLogScale)
    }

    /// The p-quantile μ + σ Φ⁻¹(p) by Wichura's AS 241.
    /// - Parameter p: a probability in `[0, 1]`.
    /// - Returns: the quantile (`-infinity` at 0, `+infinity` at 1); NaN for p outside `[0, 1]`.
    public func quantile(_ p: Double) -> Double {
        guard isValid, p.isProbability else { return .nan }
        return qeir_qnorm(p, mean, standardDeviation, lowerTail, notLog)
    }

    /// The x with P(X > x) = p, μ - σ Φ⁻¹(p), by AS 241 on the upper tail.
    /// - Parameter p: a probability in `[0, 1]`.
    /// - Returns: the upper quantile (`+infinity` at 0, `-infinity` at 1); NaN for p outside `[0, 1]`.
    public func inverseSF(_ p: Double) -> Double {
        guard isValid, p.isProbability else { return .nan }
        return qeir_qnorm(p, mean, standardDeviation, upperTail, notLog)
    }
}

// MARK: - Student's t

/// Student's t distribution with ν degrees of freedom.
///
/// Density `Γ((ν+1)/2) / (sqrt(νπ) Γ(ν/2)) · (1 + x²/ν)^(-(ν+1)/2)`. With ν = `.infinity` it is
/// the standard normal distribution (every function delegates to ``Normal``'s algorithms).
///
/// Algorithms (R's nmath): `pdf` uses Loader's saddle-point form (Loader 2000, "Fast and accurate
/// computation of binomial probabilities"); `cdf`, `sf` and their logarithms use the incomplete
/// beta ratio `P(|T| > |x|) = I_{ν/(ν+x²)}(ν/2, 1/2)` by Didonato & Morris (1992, ACM TOMS 18,
/// Algorithm 708) with an asymptotic formula where `1 + x²/ν` overflows. Quantiles start from
/// R's `qt` (Hill 1970, CACM Algorithm 396, with Taylor-series refinement) and are then refined
/// by Newton's method on the logarithm of the smaller tail probability (in log |x|), so they are
/// accurate to about 1e-13 relative from the centre to tail probabilities of 1e-300 (R's `qt`
/// alone is off by up to 1e-5 there for ν ≤ 5, and returns infinity for ν < 1). In the central
/// region (tail probability above 1/4) the quantile is found from the equivalent F(1, ν) lower
/// tail, `P(|T| ≤ x) = P(F ≤ x²)`, which keeps relative accuracy for quantiles near 0.
///
/// The parameter is valid when ν > 0 (including `.infinity`); ν ≤ 0 or NaN makes every
/// function return NaN.
public struct StudentT: ContinuousDistribution, Hashable {
    /// The degrees of freedom ν.
    public let degreesOfFreedom: Double

    /// Creates a t distribution.
    /// - Parameter degreesOfFreedom: ν > 0; `.infinity` gives the standard normal distribution.
    public init(degreesOfFreedom: Double) {
        self.degreesOfFreedom = degreesOfFreedom
    }

    private var isValid: Bool { degreesOfFreedom > 0 }

    /// The t density at `x`.
    /// - Parameter x: the point.
    /// - Returns: f(x); NaN for invalid ν.
    public func pdf(_ x: Double) -> Double {
        guard isValid else { return .nan }
        return qeir_dt(x, degreesOfFreedom, notLog)
    }

    /// P(T ≤ x) via the incomplete beta ratio (TOMS 708).
    /// - Parameter x: the upper limit.
    /// - Returns: the lower tail probability; NaN for invalid ν.
    public func cdf(_ x: Double) -> Double {
        guard isValid else { return .nan }
        return qeir_pt(x, degreesOfFreedom, lowerTail, notLog)
    }

    /// P(T > x) via the incomplete beta ratio, computed directly in the upper tail.
    /// - Parameter x: the lower limit.
    /// - Returns: the upper tail probability; NaN for invalid ν.
    public func sf(_ x: Double) -> Double {
        guard isValid else { return .nan }
        return qeir_pt(x, degreesOfFreedom, upperTail, notLog)
    }

    /// log P(T ≤ x), accurate where the probability underflows.
    /// - Parameter x: the upper limit.
    /// - Returns: the log lower tail probability; NaN for invalid ν.
    public func logCDF(_ x: Double) -> Double {
        guard isValid else { return .nan }
        return qeir_pt(x, degreesOfFreedom, lowerTail, onLogScale)
    }

    /// log P(T > x), accurate where the probability underflows.
    /// - Parameter x: the lower limit.
    /// - Returns: the log upper tail probability; NaN for invalid ν.
    public func logSF(_ x: Double) -> Double {
        guard isValid else { return .nan }
        return qeir_pt(x, degreesOfFreedom, upperTail, onLogScale)
    }

    /// The p-quantile: R's `qt` refined by Newton's method (see the type's documentation).
    /// - Parameter p: a probability in `[0, 1]`.
    /// - Returns: the quantile (`-infinity` at 0, `0` at 1/2, `+infinity` at 1; `±infinity` also
    ///   when it exceeds the double range, as for ν < 1 and tiny p); NaN for p outside `[0, 1]`.
    public func quantile(_ p: Double) -> Double {
        guard isValid, p.isProbability else { return .nan }
        // p < 1/2: lower tail, negative quantile; p > 1/2: upper tail 1 - p (exact for p >= 1/2).
        return p < 0.5 ? -upperQuantile(p) : upperQuantile(1 - p)
    }

    /// The x with P(T > x) = p, accurate for tiny p.
    /// - Parameter p: a probability in `[0, 1]`.
    /// - Returns: the upper quantile (`+infinity` at 0, `0` at 1/2, `-infinity` at 1); NaN for
    ///   p outside `[0, 1]`.
    public func inverseSF(_ p: Double) -> Double {
        guard isValid, p.isProbability else { return .nan }
        return p <= 0.5 ? upperQuantile(p) : -upperQuantile(1 - p)
    }

    /// The x >= 0 with P(T > x) = q, for q in [0, 1/2].
    private func upperQuantile(_ q: Double) -> Double {
        let nu = degreesOfFreedom
        if q == 0 { return .infinity }
        if q == 0.5 { return 0 }
        if nu == .infinity { return qeir_qnorm(q, 0, 1, upperTail, notLog) }
        if q > 0.25 {
            // Central region: P(|T| <= x) = 1 - 2q (exact here) = P(F(1, ν) <= x²).
            let f = FDistribution(numeratorDegreesOfFreedom: 1, denominatorDegreesOfFreedom: nu)
            return f.quantile(1 - 2 * q).squareRoot()
        }
        // libRmath's qt overflows to infinity for ν < 1 and tiny q even where the quantile is
        // finite; from the largest double the iteration comes back (or confirms the overflow).
        let rough = qeir_qt(q, nu, upperTail, notLog)
        let start = rough.isFinite && rough > 0 ? rough : Double.greatestFiniteMagnitude
        return invertTail(
            start: start,
            logTarget: log(q),
            tail: .upper,
            logTailProbability: { qeir_pt($0, nu, upperTail, onLogScale) },
            logDensity: { qeir_dt($0, nu, onLogScale) }
        )
    }
}

// MARK: - F

/// Snedecor's F distribution with (d₁, d₂) degrees of freedom, the law of
/// `(χ²_{d₁}/d₁) / (χ²_{d₂}/d₂)`.
///
/// Algorithms (R's nmath): `pdf` uses Loader's saddle-point binomial form (Loader 2000);
/// `cdf`, `sf` and their logarithms use the incomplete beta ratio
/// `P(F ≤ x) = I_{d₁x/(d₂+d₁x)}(d₁/2, d₂/2)` by Didonato & Morris (1992, ACM TOMS 18,
/// Algorithm 708), evaluating whichever tail is requested directly; `logCDF`/`logSF` take the
/// logarithm of those where the probability is representable and use R's log-scale `pbeta`
/// beyond. In far tails (below 1e-240) with one degree of freedom below 80 and the other at
/// least 100, where R 4.2's TOMS 708 code is wrong (0, errors up to 1e-3 relative, or -infinity
/// with a message on stdout on the log scale), both scales use this module's log-space
/// continued fraction (DLMF 8.17.22) instead. Quantiles are computed here by
/// Newton's method on the logarithm of the smaller tail probability in log x (converging for
/// any start, since log F has a log-concave density), from the χ²(d₁)/d₁ quantile; they are
/// accurate to about 1e-13 relative down to tail probabilities of 1e-300. (R's `qf` is not
/// used: it is off by up to 1e-3 for d₁ or d₂ > 4e5, returns 0 for small lower quantiles, and
/// prints warnings on stdout for some inputs.)
///
/// Parameters are valid when both degrees of freedom are positive and at most one is
/// `.infinity`; `F(d₁, ∞)` is `χ²_{d₁}/d₁` and `F(∞, d₂)` is `d₂/χ²_{d₂}` (as in R). Otherwise
/// (a degree of freedom ≤ 0 or NaN, or both infinite: a point mass at 1) every function
/// returns NaN.
public struct FDistribution: ContinuousDistribution, Hashable {
    /// The numerator degrees of freedom d₁.
    public let numeratorDegreesOfFreedom: Double
    /// The denominator degrees of freedom d₂.
    public let denominatorDegreesOfFreedom: Double

    /// Creates an F distribution.
    /// - Parameters:
    ///   - numeratorDegreesOfFreedom: d₁ > 0 (may be `.infinity` when d₂ is finite).
    ///   - denominatorDegreesOfFreedom: d₂ > 0 (may be `.infinity` when d₁ is finite).
    public init(numeratorDegreesOfFreedom: Double, denominatorDegreesOfFreedom: Double) {
        self.numeratorDegreesOfFreedom = numeratorDegreesOfFreedom
        self.denominatorDegreesOfFreedom = denominatorDegreesOfFreedom
    }

    private var d1: Double { numeratorDegreesOfFreedom }
    private var d2: Double { denominatorDegreesOfFreedom }
    private var isValid: Bool { d1 > 0 && d2 > 0 && (d1.isFinite || d2.isFinite) }

    /// The F density at `x` (0 for x < 0).
    /// - Parameter x: the point.
    /// - Returns: f(x); NaN for invalid parameters.
    public func pdf(_ x: Double) -> Double {
        guard isValid else { return .nan }
        return density(x, notLog)
    }

    /// P(F ≤ x) via the incomplete beta ratio (TOMS 708).
    /// - Parameter x: the upper limit.
    /// - Returns: the lower tail probability; NaN for invalid parameters.
    public func cdf(_ x: Double) -> Double {
        guard isValid else { return .nan }
        return tailProbability(x, .lower)
    }

    /// P(F > x) via the incomplete beta ratio, computed directly in the upper tail.
    /// - Parameter x: the lower limit.
    /// - Returns: the upper tail probability; NaN for invalid parameters.
    public func sf(_ x: Double) -> Double {
        guard isValid else { return .nan }
        return tailProbability(x, .upper)
    }

    /// log P(F ≤ x), accurate where the probability underflows.
    /// - Parameter x: the upper limit.
    /// - Returns: the log lower tail probability; NaN for invalid parameters.
    public func logCDF(_ x: Double) -> Double {
        guard isValid else { return .nan }
        return logTail(x, .lower)
    }

    /// log P(F > x), accurate where the probability underflows.
    /// - Parameter x: the lower limit.
    /// - Returns: the log upper tail probability; NaN for invalid parameters.
    public func logSF(_ x: Double) -> Double {
        guard isValid else { return .nan }
        return logTail(x, .upper)
    }

    /// The p-quantile by Newton's method on the log tail probability (see the type's
    /// documentation).
    /// - Parameter p: a probability in `[0, 1]`.
    /// - Returns: the quantile (0 at p = 0, `+infinity` at 1); NaN for p outside `[0, 1]`.
    public func quantile(_ p: Double) -> Double {
        guard isValid, p.isProbability else { return .nan }
        return p <= 0.5 ? solve(p, .lower) : solve(1 - p, .upper)
    }

    /// The x with P(F > x) = p, accurate for tiny p.
    /// - Parameter p: a probability in `[0, 1]`.
    /// - Returns: the upper quantile (`+infinity` at 0, 0 at 1); NaN for p outside `[0, 1]`.
    public func inverseSF(_ p: Double) -> Double {
        guard isValid, p.isProbability else { return .nan }
        return p <= 0.5 ? solve(p, .upper) : solve(1 - p, .lower)
    }

    /// P(F ≤ x) or P(F > x): libRmath's pf, except in far tails where its TOMS 708 code is
    /// inaccurate (see ``logFarTail(_:_:)``).
    private func tailProbability(_ x: Double, _ tail: Tail) -> Double {
        let value = probability(x, tail == .lower ? lowerTail : upperTail, notLog)
        if value < 1e-240, let logValue = logFarTail(x, tail) { return exp(logValue) }
        return value
    }

    /// log P(F ≤ x) or log P(F > x).
    ///
    /// Where the probability is a normal double its logarithm is taken (`log1p` of the
    /// complement for probabilities above 1/2); below the double range libRmath's log-scale
    /// `pbeta` is used, except in the far tails covered by ``logFarTail(_:_:)``.
    private func logTail(_ x: Double, _ tail: Tail) -> Double {
        let flag = tail == .lower ? lowerTail : upperTail
        let value = probability(x, flag, notLog)
        if value.isNaN { return value }
        if value < 1e-240, let logValue = logFarTail(x, tail) { return logValue }
        if value >= Double.leastNormalMagnitude {
            return value <= 0.5 ? log(value) : log1p(-tailProbability(x, tail == .lower ? .upper : .lower))
        }
        return probability(x, flag, onLogScale)
    }

    /// The log tail probability by this module's continued fraction, for far tails (callers
    /// use it once libRmath's value is below 1e-240) when one of d₁/2, d₂/2 is below 40 and the
    /// other at least 50; `nil` elsewhere.
    ///
    /// There R 4.2's TOMS 708 `bratio` takes its `bup`/`bgrat` and `bpser` branches outside
    /// their safe range: measured against mpmath, its pf is off by up to 1e-3 relative or
    /// returns 0 for tail probabilities below ~1e-250 (one df below 80, the other above ~1000),
    /// and its log-scale pf returns values off by up to 15% or -infinity, printing a message on
    /// stdout.
    private func logFarTail(_ x: Double, _ tail: Tail) -> Double? {
        let (p, q) = (d1 / 2, d2 / 2)
        guard x > 0, x.isFinite, p.isFinite, q.isFinite, min(p, q) < 40, max(p, q) >= 50 else { return nil }
        // P(F <= x) = I_z(d1/2, d2/2), P(F > x) = I_w(d2/2, d1/2), z = d1x/(d1x + d2), w = 1 - z.
        let r = d1 * x / d2
        let (z, w): (Double, Double)
        if r.isFinite {
            (z, w) = (r / (1 + r), 1 / (1 + r))
        } else {
            let s = d2 / d1 / x
            (z, w) = (1 / (1 + s), s / (1 + s))
        }
        return tail == .lower
            ? logIncompleteBetaLowerTail(z: z, w: w, p: p, q: q)
            : logIncompleteBetaLowerTail(z: w, w: z, p: q, q: p)
    }

    /// Whether libRmath would overflow forming d₁x + d₂ (finite d₁, d₂); it then returns the
    /// x → ∞ limit.
    private func overflows(_ x: Double) -> Bool {
        x.isFinite && d1.isFinite && d2.isFinite && !(d1 * x + d2).isFinite
    }

    /// libRmath's pf, using P(F(d₁, d₂) ≤ x) = P(F(d₂, d₁) ≥ 1/x) where d₁x + d₂ overflows.
    private func probability(_ x: Double, _ flag: Int32, _ logScale: Int32) -> Double {
        guard overflows(x) else { return qeir_pf(x, d1, d2, flag, logScale) }
        return qeir_pf(1 / x, d2, d1, flag == lowerTail ? upperTail : lowerTail, logScale)
    }

    /// libRmath's df, using f(x) = g(1/x)/x², g the F(d₂, d₁) density, where d₁x + d₂ overflows.
    private func density(_ x: Double, _ logScale: Int32) -> Double {
        if d1 == .infinity && x > 0 && x.isFinite {
            // F(∞, d₂) = d₂/χ²(d₂): f(x) = g(d₂/x)·(d₂/x)/x, g the χ²(d₂) density (libRmath's
            // df divides by x², which underflows to 0/0 for tiny x).
            let y = d2 / x
            guard y.isFinite else { return logScale == onLogScale ? -.infinity : 0 }
            return logScale == onLogScale
                ? qeir_dchisq(y, d2, onLogScale) + log(y) - log(x)
                : ChiSquared(degreesOfFreedom: d2).pdf(y) * y / x
        }
        guard overflows(x) else { return qeir_df(x, d1, d2, logScale) }
        let g = qeir_df(1 / x, d2, d1, logScale)
        return logScale == onLogScale ? g - 2 * log(x) : g / x / x
    }

    /// The x with P(F ≤ x) = q (`.lower`) or P(F > x) = q (`.upper`), q in [0, 1/2].
    private func solve(_ q: Double, _ tail: Tail) -> Double {
        if q == 0 { return tail == .lower ? 0 : .infinity }
        let flag = tail == .lower ? lowerTail : upperTail
        // The limits are exact: F(d1, ∞) = χ²(d1)/d1 and F(∞, d2) = d2/χ²(d2).
        if d2 == .infinity {
            let chi = ChiSquared(degreesOfFreedom: d1)
            return (tail == .lower ? chi.quantile(q) : chi.inverseSF(q)) / d1
        }
        if d1 == .infinity {
            let chi = ChiSquared(degreesOfFreedom: d2)
            return d2 / (tail == .lower ? chi.inverseSF(q) : chi.quantile(q))
        }
        // Start from the χ²(d1)/d1 quantile (the d2 → ∞ limit; it has the same power-law lower
        // tail). libRmath's qf is not used: its qbeta prints warnings on stdout for some inputs.
        let rough = qeir_qchisq(q, d1, flag, notLog) / d1
        let start = rough.isFinite && rough > 0 ? rough : 1
        return invertTail(
            start: start,
            logTarget: log(q),
            tail: tail,
            logTailProbability: { self.logTail($0, tail) },
            logDensity: { self.density($0, onLogScale) }
        )
    }
}

// MARK: - Chi-squared

/// The chi-squared distribution with k degrees of freedom (a gamma distribution with shape
/// k/2 and scale 2).
///
/// Algorithms (R's nmath): `cdf`, `sf` and their logarithms use R's `pgamma`, Morten Welinder's
/// algorithm (series, continued fraction and the Temme-style asymptotic expansion, with both
/// tails computed directly; R 2.1.1+). Measured against mpmath these are accurate to ~2e-13
/// relative except in far tails (below ~1e-100) for k ≈ 1e4–1e5, where libRmath 4.2 is off by
/// up to ~2e-12. `quantile`/`inverseSF` start from R's `qgamma` (the
/// Best & Roberts 1975 AS 91 approximation and Newton steps) and are refined here by Newton's
/// method on the logarithm of the smaller tail probability, in log x, which makes them accurate
/// to ~1e-13 relative down to tail probabilities of 1e-300 (R's `qgamma` alone is off by up to
/// ~1e-10 for k < 1 in the upper tail). `pdf` uses R's `dchisq` (Loader's
/// saddle-point form) for k ≤ 1000; for k > 1000, where R 4.2 loses up to ~1e-11 (k = 1e6) or
/// more, the same saddle-point formula is evaluated here with a cancellation-free deviance.
///
/// The parameter is valid when k is finite and positive; otherwise every function returns NaN.
public struct ChiSquared: ContinuousDistribution, Hashable {
    /// The degrees of freedom k.
    public let degreesOfFreedom: Double

    /// Creates a chi-squared distribution.
    /// - Parameter degreesOfFreedom: k > 0, finite.
    public init(degreesOfFreedom: Double) {
        self.degreesOfFreedom = degreesOfFreedom
    }

    private var isValid: Bool { degreesOfFreedom > 0 && degreesOfFreedom.isFinite }

    /// The chi-squared density at `x` (0 for x < 0).
    /// - Parameter x: the point.
    /// - Returns: `x^(k/2-1) e^(-x/2) / (2^(k/2) Γ(k/2))`; NaN for invalid k.
    public func pdf(_ x: Double) -> Double {
        guard isValid else { return .nan }
        if degreesOfFreedom > 1000 && x > 0 && x.isFinite {
            // dgamma(x; k/2, scale 2) = dgamma(x/2; k/2, scale 1) / 2
            return gammaDensityLargeShape(x / 2, shape: degreesOfFreedom / 2) / 2
        }
        return qeir_dchisq(x, degreesOfFreedom, notLog)
    }

    /// P(X ≤ x) via the regularized lower incomplete gamma function.
    /// - Parameter x: the upper limit.
    /// - Returns: the lower tail probability; NaN for invalid k.
    public func cdf(_ x: Double) -> Double {
        guard isValid else { return .nan }
        return qeir_pchisq(x, degreesOfFreedom, lowerTail, notLog)
    }

    /// P(X > x) via the regularized upper incomplete gamma function, computed directly.
    /// - Parameter x: the lower limit.
    /// - Returns: the upper tail probability; NaN for invalid k.
    public func sf(_ x: Double) -> Double {
        guard isValid else { return .nan }
        return qeir_pchisq(x, degreesOfFreedom, upperTail, notLog)
    }

    /// log P(X ≤ x), accurate where the probability underflows.
    /// - Parameter x: the upper limit.
    /// - Returns: the log lower tail probability; NaN for invalid k.
    public func logCDF(_ x: Double) -> Double {
        guard isValid else { return .nan }
        return qeir_pchisq(x, degreesOfFreedom, lowerTail, onLogScale)
    }

    /// log P(X > x), accurate where the probability underflows.
    /// - Parameter x: the lower limit.
    /// - Returns: the log upper tail probability; NaN for invalid k.
    public func logSF(_ x: Double) -> Double {
        guard isValid else { return .nan }
        return qeir_pchisq(x, degreesOfFreedom, upperTail, onLogScale)
    }

    /// The p-quantile: R's `qgamma` refined by Newton's method (see the type's documentation).
    /// - Parameter p: a probability in `[0, 1]`.
    /// - Returns: the quantile (0 at p = 0, `+infinity` at 1); NaN for p outside `[0, 1]`.
    public func quantile(_ p: Double) -> Double {
        guard isValid, p.isProbability else { return .nan }
        return p <= 0.5 ? solve(p, .lower) : solve(1 - p, .upper)
    }

    /// The x with P(X > x) = p, accurate for tiny p.
    /// - Parameter p: a probability in `[0, 1]`.
    /// - Returns: the upper quantile (`+infinity` at 0, 0 at 1); NaN for p outside `[0, 1]`.
    public func inverseSF(_ p: Double) -> Double {
        guard isValid, p.isProbability else { return .nan }
        return p <= 0.5 ? solve(p, .upper) : solve(1 - p, .lower)
    }

    /// The x with P(X ≤ x) = q (`.lower`) or P(X > x) = q (`.upper`), q in [0, 1/2].
    private func solve(_ q: Double, _ tail: Tail) -> Double {
        if q == 0 { return tail == .lower ? 0 : .infinity }
        let k = degreesOfFreedom
        let flag = tail == .lower ? lowerTail : upperTail
        let rough = qeir_qchisq(q, k, flag, notLog)
        return invertTail(
            start: rough.isFinite && rough > 0 ? rough : 1,
            logTarget: log(q),
            tail: tail,
            logTailProbability: { qeir_pchisq($0, k, flag, onLogScale) },
            logDensity: { qeir_dchisq($0, k, onLogScale) }
        )
    }
}

// MARK: - p-values

/// p-values of the usual test statistics, computed in the tail so that they keep full relative
/// accuracy when tiny (no `1 - cdf`). Each returns NaN for a NaN statistic or invalid degrees of
/// freedom, like the distribution it uses.
public enum PValue {
    /// The two-sided p-value of a t statistic, `2 P(T > |t|)`.
    /// - Parameters:
    ///   - t: the statistic.
    ///   - degreesOfFreedom: ν > 0 (`.infinity` gives the normal p-value).
    /// - Returns: `2 · StudentT(ν).sf(|t|)`, in `[0, 1]`.
    public static func twoSidedT(_ t: Double, degreesOfFreedom: Double) -> Double {
        2 * StudentT(degreesOfFreedom: degreesOfFreedom).sf(abs(t))
    }

    /// The two-sided p-value of a z statistic, `2 P(Z > |z|)` for standard normal Z.
    /// - Parameter z: the statistic.
    /// - Returns: `2 · Normal().sf(|z|)`, in `[0, 1]`.
    public static func twoSidedNormal(_ z: Double) -> Double {
        2 * Normal().sf(abs(z))
    }

    /// The upper-tail p-value of an F statistic, `P(F > f)`.
    /// - Parameters:
    ///   - f: the statistic.
    ///   - df1: numerator degrees of freedom.
    ///   - df2: denominator degrees of freedom.
    /// - Returns: `FDistribution(df1, df2).sf(f)`.
    public static func upperF(_ f: Double, _ df1: Double, _ df2: Double) -> Double {
        FDistribution(numeratorDegreesOfFreedom: df1, denominatorDegreesOfFreedom: df2).sf(f)
    }

    /// The upper-tail p-value of a chi-squared statistic, `P(X > x)`.
    /// - Parameters:
    ///   - x: the statistic.
    ///   - degreesOfFreedom: k > 0.
    /// - Returns: `ChiSquared(k).sf(x)`.
    public static func upperChiSquared(_ x: Double, degreesOfFreedom: Double) -> Double {
        ChiSquared(degreesOfFreedom: degreesOfFreedom).sf(x)
    }
}
