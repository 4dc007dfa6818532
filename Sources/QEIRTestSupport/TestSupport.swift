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

/// The result of running a command-line program.
public struct ProcessOutput: Sendable {
    /// Exit status.
    public let status: Int32
    /// Standard output.
    public let stdout: String
    /// Standard error.
    public let stderr: String
}

/// The path of a built executable of this package (beside the test binary).
public func builtExecutableURL(_ name: String) -> URL {
    let testBinary = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
    var dir = testBinary.deletingLastPathComponent()
    // On Linux the test product is an executable inside the build folder; on macOS a bundle.
    if dir.path.hasSuffix(".xctest/Contents/MacOS") {
        dir = dir.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }
    return dir.appendingPathComponent(name)
}

/// Runs a built executable of this package (found beside the test binary) with arguments.
public func runBuiltExecutable(
    _ name: String, _ arguments: [String], environment: [String: String]? = nil
) throws -> ProcessOutput {
    let process = Process()
    process.executableURL = builtExecutableURL(name)
    process.arguments = arguments
    if let environment { process.environment = environment }
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    let errData = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return ProcessOutput(
        status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
        stderr: String(decoding: errData, as: UTF8.self))
}

/// A temporary directory removed when the value is discarded by `remove()`.
public struct TemporaryDirectory: Sendable {
    /// Its location.
    public let url: URL
    /// Creates a fresh directory under the system temporary directory.
    public init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("qeir-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    /// Writes `text` to a file in the directory and returns its URL.
    public func write(_ text: String, to name: String) throws -> URL {
        let f = url.appendingPathComponent(name)
        try text.write(to: f, atomically: true, encoding: .utf8)
        return f
    }
    /// Deletes the directory.
    public func remove() { try? FileManager.default.removeItem(at: url) }
}

/// Runs a built executable without blocking Swift concurrency's cooperative threads (the wait
/// happens on a Dispatch thread), so that a server running in the test process — such as
/// ``FakeFREDServer`` — can answer the child process meanwhile.
public func runBuiltExecutableAsync(
    _ name: String, _ arguments: [String], environment: [String: String]? = nil
) async throws -> ProcessOutput {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async {
            do {
                continuation.resume(returning: try runBuiltExecutable(name, arguments, environment: environment))
            } catch {
                continuation.resume(throwing: error)
            }
        }
    }
}

/// Appends one line to the file at `path` (created when missing) with `O_APPEND`, and makes it
/// durable (`fsync`) before returning: the handler logs of the crash and cluster test workers,
/// which several processes append to and which must survive a SIGKILL.
///
/// - Parameters:
///   - line: The line, without its newline.
///   - path: The file.
public func appendDurableLine(_ line: String, to path: String) {
    let fd = open(path, O_WRONLY | O_APPEND | O_CREAT, 0o644)
    guard fd >= 0 else { fatalError("cannot open \(path)") }
    let bytes = Array((line + "\n").utf8)
    _ = bytes.withUnsafeBufferPointer { write(fd, $0.baseAddress, $0.count) }
    fsync(fd)
    close(fd)
}
