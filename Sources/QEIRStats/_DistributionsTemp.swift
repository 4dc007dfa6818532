internal import CQEIRRmath

// TEMPORARY stand-in until the Distributions module lands (same API subset).
public struct StudentT: Sendable {
    let df: Double
    public init(degreesOfFreedom: Double) { df = degreesOfFreedom }
    public func inverseSF(_ p: Double) -> Double { qeir_qt(p, df, 0, 0) }
    public func sf(_ x: Double) -> Double { qeir_pt(x, df, 0, 0) }
}
public struct Normal: Sendable {
    public init(mean: Double = 0, standardDeviation: Double = 1) {}
    public func inverseSF(_ p: Double) -> Double { qeir_qnorm(p, 0, 1, 0, 0) }
    public func sf(_ x: Double) -> Double { qeir_pnorm(x, 0, 1, 0, 0) }
}
public enum PValue {
    public static func twoSidedT(_ t: Double, degreesOfFreedom: Double) -> Double {
        2 * qeir_pt(abs(t), degreesOfFreedom, 0, 0)
    }
    public static func twoSidedNormal(_ z: Double) -> Double { 2 * qeir_pnorm(abs(z), 0, 1, 0, 0) }
    public static func upperF(_ f: Double, _ df1: Double, _ df2: Double) -> Double { qeir_pf(f, df1, df2, 0, 0) }
    public static func upperChiSquared(_ x: Double, degreesOfFreedom: Double) -> Double {
        qeir_pchisq(x, degreesOfFreedom, 0, 0)
    }
}
