public import Foundation

/// Paths and helpers shared by QEIR's test targets (not a product).
public enum TestPaths {
    /// The package root, found from a test file's `#filePath` (`<root>/Tests/<Target>/<File>.swift`).
    public static func packageRoot(_ filePath: String = #filePath) -> URL {
        URL(fileURLWithPath: filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
    }

    /// `../shared/testdata` beside the package root (read-only reference data, never copied).
    public static func sharedTestData(_ filePath: String = #filePath) -> URL {
        packageRoot(filePath).deletingLastPathComponent().appendingPathComponent("shared/testdata")
    }

    /// `Tests/<Target>/Fixtures/<name>` next to the calling test file.
    public static func fixture(_ name: String, _ filePath: String = #filePath) -> URL {
        URL(fileURLWithPath: filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/\(name)")
    }
}

/// Log relative error as NIST StRD defines it: −log₁₀(|est − cert|/|cert|), or −log₁₀|est|
/// when the certified value is 0, capped at 15.
public func logRelativeError(_ estimate: Double, certified: Double) -> Double {
    if estimate == certified { return 15 }
    let e = certified == 0 ? abs(estimate) : abs(estimate - certified) / abs(certified)
    return min(15, -log10(e))
}

/// |a − b| ≤ tol·max(|b|, floor): relative agreement with an absolute floor for values near zero.
public func isClose(_ a: Double, _ b: Double, relative tol: Double, absoluteFloor: Double = 0) -> Bool {
    if a == b { return true }
    if a.isNaN && b.isNaN { return true }
    return abs(a - b) <= tol * max(abs(b), absoluteFloor)
}
