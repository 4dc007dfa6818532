import QEIRStats

extension HypothesisConfiguration {
    /// Parses `lp_inference`: `"lag_augmented"` (default; lag-augmented LP with HC3 and
    /// t(n − k), Montiel Olea & Plagborg-Møller 2021), `"ewc"` (equal-weighted cosine with
    /// t(B), Lazarus, Lewis, Stock & Watson 2018), `"newey_west_fixed_b"` (S = ⌈1.3·T^{1/2}⌉,
    /// Kiefer–Vogelsang 2005 fixed-b critical values) or `"hac_h_plus_one"` (the former
    /// Newey–West with h + 1 lags and normal critical values).
    mutating func applyLocalProjection(_ reader: Reader) throws {
        if let v = try reader.choice("lp_inference", LPInference.Method.self) { lpInference = v }
    }

    /// The ``LPInference`` that ``lpInference`` names.
    var localProjectionInference: LPInference {
        switch lpInference {
        case .lagAugmented: .lagAugmented
        case .ewc: .ewc()
        case .neweyWestFixedB: .neweyWestFixedB
        case .hacHorizonPlusOne: .hacHorizonPlusOne
        }
    }
}
