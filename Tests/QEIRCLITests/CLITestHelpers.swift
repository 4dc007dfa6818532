import Foundation
import QEIRTestSupport

/// The environment the CLI tests run `qeir` in: no FRED key (the embedded data), no progress
/// lines, no PostgreSQL password from the caller's shell.
let quietCLIEnvironment: [String: String] = {
    var environment = ProcessInfo.processInfo.environment
    environment["FRED_API_KEY"] = nil
    environment["QEIR_QUIET"] = "1"
    environment["PGPASSWORD"] = nil
    return environment
}()

/// Runs the built `qeir` with `arguments` in ``quietCLIEnvironment``.
func runQEIR(_ arguments: [String]) async throws -> ProcessOutput {
    try await runBuiltExecutableAsync("qeir", arguments, environment: quietCLIEnvironment)
}

/// The example batch configuration (2 periods × 2 specifications, the seed's exact format) with a
/// small bootstrap, so the jobs stay quick; written into `directory`.
func writeSmallBatchConfiguration(_ directory: TemporaryDirectory) throws -> URL {
    let seed = try String(
        contentsOf: TestPaths.packageRoot().appendingPathComponent("Examples/batch_config.json"), encoding: .utf8)
    return try directory.write(
        seed.replacingOccurrences(of: "\"bootstrap_iterations\": 499", with: "\"bootstrap_iterations\": 49"),
        to: "batch_config.json")
}
