import QEIRBatch
import QEIRStats

/// H1's choice of regime standard errors (`h1_regime_covariance`).
public enum H1RegimeCovariance: String, Sendable, Hashable, Codable, CaseIterable {
    /// HC3 when a regime's largest leverage exceeds 0.5 or it leaves fewer than 10 residual
    /// degrees of freedom, else HC1 (Long & Ervin 2000, "Using heteroscedasticity consistent
    /// standard errors in the linear regression model", *The American Statistician* 54(3),
    /// 217–224, recommend HC3 in small samples).
    case auto
    /// Each regime's own σ̂ᵣ²(Xᵣ′Xᵣ)⁻¹.
    case classical
    /// White (1980), Hansen's own code.
    case hc0
    /// HC0 × nᵣ/(nᵣ − k).
    case hc1
    /// Leverage-adjusted HC2.
    case hc2
    /// Jackknife-like HC3.
    case hc3

    /// The estimator this choice names (`auto` has none until the regimes are known).
    var fixed: ThresholdRegimeCovariance? {
        switch self {
        case .auto: nil
        case .classical: .classical
        case .hc0: .hc0
        case .hc1: .hc1
        case .hc2: .hc2
        case .hc3: .hc3
        }
    }
}

extension HypothesisConfiguration {
    /// H1's threshold-inference keys: `h1_regime_covariance` (`auto`, `classical`, `hc0`–`hc3`),
    /// `h1_min_regime_size` (integer ≥ 5 = k + 1 for H1's four coefficients) and
    /// `h1_eta2_method` (`kernel` or `quadratic`).
    mutating func applyThreshold(_ reader: Reader) throws {
        if let v = try reader.choice("h1_regime_covariance", H1RegimeCovariance.self) { h1RegimeCovariance = v }
        if let v = try reader.integer("h1_min_regime_size", minimum: 5) { h1MinRegimeSize = v }
        if let v = try reader.choice("h1_eta2_method", ThresholdEta2Method.self) { h1Eta2Method = v }
    }

    /// The resolved values of H1's threshold-inference keys.
    var resolvedThreshold: [String: ConfigValue] {
        [
            "h1_regime_covariance": .string(h1RegimeCovariance.rawValue),
            "h1_min_regime_size": h1MinRegimeSize.map { ConfigValue.integer($0) } ?? .null,
            "h1_eta2_method": .string(h1Eta2Method.rawValue),
        ]
    }
}
