/// Adjusted p-values for a family of m tests, so that a rejection "at level α after adjustment"
/// controls the family-wise error rate (Holm) or the false discovery rate (Benjamini–Hochberg).
///
/// With p₍₁₎ ≤ … ≤ p₍ₘ₎ the sorted p-values:
///
/// - **Holm (1979)**, step-down, controls the family-wise error rate under any dependence:
///   p̃₍ᵢ₎ = maxⱼ≤ᵢ min(1, (m − j + 1)·p₍ⱼ₎).
/// - **Benjamini & Hochberg (1995)**, step-up, controls the false discovery rate for independent
///   or positively dependent tests: p̃₍ᵢ₎ = minⱼ≥ᵢ min(1, m/j·p₍ⱼ₎).
///
/// Ties get equal adjusted values (whatever their order), a single test is unchanged, and
/// p-values equal to 1 stay 1 — as statsmodels' `multipletests(method="holm" | "fdr_bh")`,
/// which the tests match to 1e-15.
///
/// References: Holm, S. (1979), "A simple sequentially rejective multiple test procedure",
/// *Scandinavian Journal of Statistics* 6(2), 65–70; Benjamini, Y. & Hochberg, Y. (1995),
/// "Controlling the false discovery rate: a practical and powerful approach to multiple
/// testing", *Journal of the Royal Statistical Society B* 57(1), 289–300.
public enum MultipleTesting {
    /// Holm's step-down adjusted p-values, in the order given.
    /// - Parameter pValues: the family's p-values, each in [0, 1].
    /// - Returns: one adjusted p-value per input.
    /// - Throws: ``StatsError`` (`invalidArgument`) for a value outside [0, 1] or not finite,
    ///   naming its position.
    public static func holm(_ pValues: [Double]) throws -> [Double] {
        try validate(pValues)
        let m = pValues.count
        let order = pValues.indices.sorted { pValues[$0] < pValues[$1] }
        var out = [Double](repeating: 0, count: m)
        var running = 0.0
        for (rank, i) in order.enumerated() {
            running = max(running, min(1, Double(m - rank) * pValues[i]))
            out[i] = running
        }
        return out
    }

    /// Benjamini–Hochberg step-up adjusted p-values (false discovery rate), in the order given.
    /// - Parameter pValues: the family's p-values, each in [0, 1].
    /// - Returns: one adjusted p-value per input.
    /// - Throws: ``StatsError`` (`invalidArgument`) for a value outside [0, 1] or not finite.
    public static func benjaminiHochberg(_ pValues: [Double]) throws -> [Double] {
        try validate(pValues)
        let m = pValues.count
        let order = pValues.indices.sorted { pValues[$0] < pValues[$1] }
        var out = [Double](repeating: 0, count: m)
        var running = 1.0
        for rank in stride(from: m - 1, through: 0, by: -1) {
            let i = order[rank]
            running = min(running, min(1, Double(m) / Double(rank + 1) * pValues[i]))
            out[i] = running
        }
        return out
    }

    static func validate(_ pValues: [Double]) throws {
        if let bad = pValues.firstIndex(where: { !($0.isFinite && $0 >= 0 && $0 <= 1) }) {
            throw StatsError(
                .invalidArgument,
                "p-value \(bad + 1) of the family is \(pValues[bad]); every p-value must lie in [0, 1].",
                context: ["index": String(bad)])
        }
    }
}
