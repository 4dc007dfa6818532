import Foundation
public import QEIRBatch
import QEIRData

extension HypothesisConfiguration {
    /// Parses `series_files`: an object mapping series names to CSV files (see ``SeriesFile``).
    /// A name is lower-case letters, digits and `_`, starts with a letter, and is neither an H1–H3
    /// role nor a QEIR proxy; it can then stand wherever a proxy or FRED id can (every
    /// `*_proxy` key, `h2_instruments`, `transforms`). Instruments read from a file default to
    /// the `level` transform.
    mutating func applySeriesFiles(_ reader: Reader) throws {
        guard let map = try reader.object("series_files") else { return }
        var files: [String: SeriesFile] = [:]
        for name in map.keys.sorted() {
            let path = "series_files.\(name)"
            let valid =
                name.count <= 64 && name.first.map { ("a"..."z").contains($0) } == true
                && name.unicodeScalars.allSatisfy {
                    ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_"
                }
            guard valid else {
                throw HypothesisError.configuration(
                    path, expected: "a series name of lower-case letters, digits and _ starting with a letter",
                    found: "'\(name)'")
            }
            guard SeriesRole(rawValue: name) == nil, !ProxyRegistry.defaults.names.contains(name) else {
                throw HypothesisError.configuration(
                    path, expected: "a name that is not a role or a QEIR proxy (choose another name for the file)",
                    found: "'\(name)'")
            }
            guard case .string(let file) = map[name]!, !file.isEmpty else {
                throw HypothesisError.configuration(
                    path, expected: "the path of a CSV file with the header date,value", found: map[name]!.text)
            }
            files[name] = SeriesFile(name: name, path: file, resolvedPath: Self.resolve(file))
        }
        seriesFiles = files
    }

    /// `path` if absolute, else relative to the working directory.
    static func resolve(_ path: String) -> String {
        if path.hasPrefix("/") { return path }
        return URL(fileURLWithPath: FileManager.default.currentDirectoryPath, isDirectory: true)
            .appendingPathComponent(path).standardizedFileURL.path
    }

    /// A configuration whose relative `series_files` paths are made absolute against `directory`
    /// — for callers that know where the configuration file lives (the batch command, with the
    /// batch file's directory), so jobs read the same files from any working directory.
    /// - Parameters:
    ///   - configuration: a configuration object (for example a batch file's `base_config` or one
    ///     entry of its `specifications_config`).
    ///   - directory: the configuration file's directory.
    /// - Returns: the configuration with absolute paths; anything else unchanged.
    public static func resolvingSeriesFiles(in configuration: ConfigValue, relativeTo directory: String)
        -> ConfigValue
    {
        guard case .object(var members) = configuration, case .object(var files) = members["series_files"] else {
            return configuration
        }
        for (name, value) in files {
            if case .string(let path) = value, !path.isEmpty, !path.hasPrefix("/") {
                files[name] = .string(
                    URL(fileURLWithPath: directory, isDirectory: true).appendingPathComponent(path)
                        .standardizedFileURL.path)
            }
        }
        members["series_files"] = .object(files)
        return .object(members)
    }

    /// The job inputs that pin the series files' contents: `series_file:<name>` → its SHA-256, so
    /// a job's content hash changes when a file does.
    /// - Throws: ``HypothesisError`` for a file that cannot be read or parsed.
    public func seriesFileInputs() throws -> [String: String] {
        var out: [String: String] = [:]
        for (name, file) in seriesFiles { out["series_file:\(name)"] = try file.read().sha256 }
        return out
    }
}
