import QEIRStats

extension HypothesisConfiguration {
    /// Reads H3's VAR band key: `var_bands` = `"kilian"` (default; Kilian 1998 bias-corrected
    /// bootstrap-after-bootstrap) or `"percentile"` (the uncorrected residual-bootstrap
    /// percentile bands).
    mutating func applyVAR(_ reader: Reader) throws {
        if let v = try reader.choice("var_bands", VARBandMethod.self) { varBands = v }
    }
}
