/// The lag-order selection table of ``VARModel/selectOrder(maxLags:trend:minimumResidualDF:)``.
///
/// ``lags`` lists every order that was fitted on the common sample (all of p₀…``maxLags`` that
/// can be estimated); ``consideredLags`` the ones the selection may pick — those leaving at
/// least ``minimumResidualDF`` residual degrees of freedom per equation. The `…Order`
/// properties choose among ``consideredLags`` only.
public struct VARLagOrderSelection: Sendable, Hashable {
    /// The largest order asked for; it fixes the common sample (n = T − maxLags).
    public let maxLags: Int
    /// The deterministic terms of every fit.
    public let trend: VARTrend
    /// The observations of every fit, n = T − maxLags.
    public let nobs: Int
    /// The number of variables k.
    public let variableCount: Int
    /// The floor on the residual degrees of freedom per equation, `nil` when the search was
    /// not capped.
    public let minimumResidualDF: Int?
    /// The largest order meeting the floor: ⌊(n − d − m₀)/k⌋, at most ``maxLags``
    /// (``maxLags`` without a floor).
    public let largestAdmissibleOrder: Int
    /// The orders fitted, ascending (from 0, or 1 without deterministic terms).
    public let lags: [Int]
    /// The criteria of each order, parallel to ``lags``.
    public let criteria: [VARInformationCriteria]

    /// The orders the selection chooses among: ``lags`` up to ``largestAdmissibleOrder``.
    public var consideredLags: [Int] { lags.filter { $0 <= largestAdmissibleOrder } }
    /// Whether the floor kept the search below ``maxLags``.
    public var capBinds: Bool { largestAdmissibleOrder < maxLags }

    /// The residual degrees of freedom per equation of order p on the common sample,
    /// n − (d + k·p).
    public func residualDegreesOfFreedom(lags p: Int) -> Int { nobs - trend.deterministicCount - variableCount * p }

    /// AIC per order, parallel to ``lags``.
    public var aic: [Double] { criteria.map(\.aic) }
    /// BIC per order, parallel to ``lags``.
    public var bic: [Double] { criteria.map(\.bic) }
    /// HQIC per order, parallel to ``lags``.
    public var hqic: [Double] { criteria.map(\.hqic) }
    /// FPE per order, parallel to ``lags``.
    public var fpe: [Double] { criteria.map(\.fpe) }

    /// The order minimising AIC among ``consideredLags`` (the first on ties, as numpy's `argmin`).
    public var aicOrder: Int { selectedOrder(\.aic) }
    /// The order minimising BIC among ``consideredLags``.
    public var bicOrder: Int { selectedOrder(\.bic) }
    /// The order minimising HQIC among ``consideredLags``.
    public var hqicOrder: Int { selectedOrder(\.hqic) }
    /// The order minimising FPE among ``consideredLags``.
    public var fpeOrder: Int { selectedOrder(\.fpe) }

    /// The order minimising a criterion (the first on ties).
    /// - Parameters:
    ///   - criterion: which criterion, e.g. `\.aic`.
    ///   - withinCap: `true` to choose among ``consideredLags``; `false` among every fitted
    ///     order (what an uncapped search would pick, for reporting).
    public func selectedOrder(_ criterion: KeyPath<VARInformationCriteria, Double>, withinCap: Bool = true) -> Int {
        var best = 0
        for i in lags.indices where !withinCap || lags[i] <= largestAdmissibleOrder {
            if criteria[i][keyPath: criterion] < criteria[best][keyPath: criterion] { best = i }
        }
        return lags[best]
    }
}
