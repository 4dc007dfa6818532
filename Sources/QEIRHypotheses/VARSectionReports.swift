import QEIRStats

/// How H3's impulse-response bands were formed, or why there are none.
public struct VARBandReport: Sendable, Hashable, Codable {
    /// `kilian` (Kilian 1998 bias-corrected bootstrap-after-bootstrap) or `percentile`.
    public var method: String
    /// The band level (the confidence level).
    public var level: Double
    /// Whether bands were computed.
    public var computed: Bool
    /// Why not, when not computed (an unstable VAR, or `bootstrap_iterations` = 0).
    public var reason: String?
    /// Band replicates (Kilian: the second stage); 0 when not computed.
    public var replications: Int
    /// Kilian's first-stage (bias) replicates; 0 for percentile bands or none.
    public var firstStageReplications: Int
    /// Kilian: δ, the share of the estimated bias removed from the slopes (1 = all; less when
    /// the full correction would make the VAR non-stationary).
    public var biasCorrectionShrinkage: Double?
    /// Kilian: the largest companion-eigenvalue modulus of the bias-corrected VAR.
    public var correctedMaxModulus: Double?
    /// Kilian: band replicates whose own correction was shrunk to stay stationary.
    public var shrunkReplicates: Int?
    /// A one-line description of the method with its reference.
    public var description: String

    /// The report of a band computation (`nil` outcome: the bootstrap was not run).
    init(method: VARBandMethod, level: Double, outcome: VARBandOutcome?) {
        self.method = method.rawValue
        self.level = level
        description =
            method == .kilianBiasCorrected
            ? "Kilian (1998) bias-corrected bootstrap-after-bootstrap percentile bands"
            : "residual-bootstrap percentile bands (not bias-corrected)"
        let bands = outcome?.bands
        computed = bands != nil
        reason = outcome == nil ? "not computed: bootstrap_iterations = 0" : outcome?.notComputed?.message
        replications = bands?.replications ?? 0
        firstStageReplications = bands?.firstStageReplications ?? 0
        biasCorrectionShrinkage = bands?.biasCorrection?.shrinkage
        correctedMaxModulus = bands?.biasCorrection?.correctedMaxModulus
        shrunkReplicates = bands?.biasCorrection == nil ? nil : bands?.shrunkReplicates
    }

    enum CodingKeys: String, CodingKey {
        case method, level, computed, reason, replications, description
        case firstStageReplications = "first_stage_replications"
        case biasCorrectionShrinkage = "bias_correction_shrinkage"
        case correctedMaxModulus = "corrected_max_modulus"
        case shrunkReplicates = "shrunk_replicates"
    }
}

/// How H3's lag order was chosen: the orders the criterion considered and the residual
/// degrees-of-freedom cap.
public struct VARLagOrderReport: Sendable, Hashable, Codable {
    /// `fixed`, `aic`, `bic`, `hqic` or `fpe`.
    public var selection: String
    /// The floor on the residual degrees of freedom per equation, n − (1 + k·p), an order must
    /// leave to be considered.
    public var minimumResidualDF: Int
    /// The orders the criterion chose among (`fixed`: the order used).
    public var consideredOrders: [Int]
    /// The criterion's values, parallel to ``consideredOrders`` (`nil` for `fixed`).
    public var criterionValues: [Double]?
    /// The largest order leaving ``minimumResidualDF`` (`nil` for `fixed`).
    public var largestAdmissibleOrder: Int?
    /// Whether the cap kept the search below `var_max_lags`.
    public var capBinds: Bool
    /// The order the criterion would pick among every order that can be fitted, cap ignored
    /// (`nil` for `fixed`).
    public var uncappedOrder: Int?
    /// The residual degrees of freedom per equation of the VAR used.
    public var residualDF: Int

    enum CodingKeys: String, CodingKey {
        case selection
        case minimumResidualDF = "minimum_residual_df"
        case consideredOrders = "considered_orders"
        case criterionValues = "criterion_values"
        case largestAdmissibleOrder = "largest_admissible_order"
        case capBinds = "cap_binds"
        case uncappedOrder = "uncapped_order"
        case residualDF = "residual_df"
    }
}
