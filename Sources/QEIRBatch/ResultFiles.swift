internal import CQEIRZlib
public import Foundation

#if canImport(Glibc)
    internal import Glibc
#elseif canImport(Musl)
    internal import Musl
#elseif canImport(Darwin)
    internal import Darwin
#endif

extension BatchError.Code {
    /// A result file name is empty, contains `/` or names a directory (`.`, `..`).
    public static let invalidResultName = Self(rawValue: "invalid_result_name")
    /// A result file or directory cannot be created, written, synced, renamed or removed.
    public static let resultFileFailed = Self(rawValue: "result_file_failed")
    /// A result file cannot be compressed, or its compressed copy does not verify.
    public static let compressionFailed = Self(rawValue: "compression_failed")
}

/// The on-disk results of jobs: one directory per job under a base output directory.
///
/// Every write is atomic (temporary file in the same directory, `fsync` of the file, `rename`,
/// `fsync` of the directory), so a reader sees either the old or the new content, never a
/// partial file. Names inside a job directory are plain file names; a ``JobID`` is a safe
/// directory name, so no path ever escapes the base directory.
public struct ResultFiles: Sendable {
    /// The file name of each job's manifest, which ``compress(job:)`` leaves uncompressed.
    public static let manifestName = "manifest.json"

    /// The directory that holds one subdirectory per job.
    public let baseDirectory: URL

    /// Called with the temporary `.gz` file after it is written and before it is verified;
    /// tests use it to simulate a corrupt compressed copy.
    var beforeVerification: (@Sendable (URL) throws -> Void)?

    /// Creates a result store rooted at `baseDirectory`; nothing is created until a write.
    ///
    /// - Parameter baseDirectory: The base output directory.
    public init(baseDirectory: URL) {
        self.baseDirectory = baseDirectory
    }

    /// The directory of `job`, created (with missing parents) when it does not exist.
    ///
    /// - Parameter job: The job.
    /// - Returns: `baseDirectory/<job id>`.
    /// - Throws: ``BatchError`` with code ``BatchError/Code/resultFileFailed`` when the
    ///   directory cannot be created.
    public func directory(for job: JobID) throws(BatchError) -> URL {
        let url = baseDirectory.appendingPathComponent(job.rawValue, isDirectory: true)
        do {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        } catch {
            throw BatchError(
                .resultFileFailed,
                "Cannot create result directory '\(url.path)' for job '\(job)': \(error.localizedDescription); check that the output directory is writable.",
                context: ["job": job.rawValue, "path": url.path])
        }
        return url
    }

    /// Writes `data` to `relativeName` in the job's directory, replacing any existing file
    /// atomically.
    ///
    /// - Parameters:
    ///   - data: The bytes to write.
    ///   - relativeName: A plain file name (not empty, not `.` or `..`), or a path of such
    ///     names inside the job directory (`data/h1.csv`; the subdirectories are created).
    ///   - job: The job whose directory receives the file.
    /// - Returns: The URL of the written file.
    /// - Throws: ``BatchError`` with code ``BatchError/Code/invalidResultName`` naming a bad
    ///   name, or ``BatchError/Code/resultFileFailed`` naming the file that cannot be written.
    @discardableResult
    public func writeAtomically(_ data: Data, to relativeName: String, job: JobID) throws(BatchError) -> URL {
        try Self.validatePath(relativeName)
        let jobDirectory = try directory(for: job)
        var directory = jobDirectory
        var components = relativeName.split(separator: "/").map(String.init)
        let fileName = components.removeLast()
        for component in components {
            directory = directory.appendingPathComponent(component, isDirectory: true)
            do {
                try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            } catch {
                throw BatchError(
                    .resultFileFailed,
                    "Cannot create the directory '\(component)' for result file '\(relativeName)' of job '\(job)': "
                        + "\(error.localizedDescription); check that the output directory is writable.",
                    context: ["job": job.rawValue, "name": relativeName])
            }
        }
        let target = directory.appendingPathComponent(fileName, isDirectory: false)
        let temporary = Self.temporaryURL(for: fileName, in: directory)
        do {
            try Self.writeFile(data, to: temporary)
            try Self.renameFile(temporary, to: target)
            try Self.syncDirectory(directory)
            // A new subdirectory's own entry must be durable too.
            if !components.isEmpty { try Self.syncDirectory(jobDirectory) }
        } catch {
            _ = unlink(temporary.path)
            throw BatchError(
                .resultFileFailed,
                "Cannot write result file '\(relativeName)' of job '\(job)': \(error.message)",
                context: ["job": job.rawValue, "name": relativeName])
        }
        return target
    }

    /// Writes `manifest` as `manifest.json` in the job's directory, atomically.
    ///
    /// - Parameters:
    ///   - manifest: The manifest to write.
    ///   - job: The job whose directory receives the manifest.
    /// - Returns: The URL of the manifest file.
    /// - Throws: ``BatchError`` when the manifest cannot be encoded or written.
    @discardableResult
    public func writeManifest(_ manifest: ResultManifest, job: JobID) throws(BatchError) -> URL {
        let data: Data
        do {
            data = try manifest.encoded()
        } catch {
            throw BatchError(
                .invalidValue,
                "Cannot encode the manifest of job '\(job)': \(error); use finite numbers in the payload.",
                context: ["job": job.rawValue])
        }
        return try writeAtomically(data, to: Self.manifestName, job: job)
    }

    /// Reads the job's `manifest.json`.
    ///
    /// - Parameter job: The job.
    /// - Returns: The decoded manifest.
    /// - Throws: ``BatchError`` with code ``BatchError/Code/resultFileFailed`` when the file is
    ///   missing or not a valid manifest.
    public func readManifest(job: JobID) throws(BatchError) -> ResultManifest {
        let url = baseDirectory.appendingPathComponent(job.rawValue, isDirectory: true)
            .appendingPathComponent(Self.manifestName, isDirectory: false)
        do {
            return try ResultManifest.decoded(from: Data(contentsOf: url))
        } catch {
            throw BatchError(
                .resultFileFailed, "Cannot read the manifest of job '\(job)' at '\(url.path)': \(error)",
                context: ["job": job.rawValue, "path": url.path])
        }
    }

    /// Gzips every result file of the job except the manifest into `<name>.gz`.
    ///
    /// Each compressed copy is written to a temporary file, synced, decompressed and compared
    /// byte for byte with the original, and renamed into place; only then is the original
    /// removed. Files already ending in `.gz`, hidden files and subdirectories are skipped.
    ///
    /// - Parameter job: The job whose results to compress.
    /// - Returns: The compressed files, sorted by name.
    /// - Throws: ``BatchError`` with code ``BatchError/Code/compressionFailed`` naming the first
    ///   file that fails; that file's original is kept, files compressed before it stay
    ///   compressed.
    @discardableResult
    public func compress(job: JobID) throws(BatchError) -> [URL] {
        let directory = try directory(for: job)
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
        } catch {
            throw BatchError(
                .resultFileFailed, "Cannot list result directory '\(directory.path)' of job '\(job)': \(error)",
                context: ["job": job.rawValue, "path": directory.path])
        }
        var compressed: [URL] = []
        for name in names where name != Self.manifestName && !name.hasSuffix(".gz") && !name.hasPrefix(".") {
            let source = directory.appendingPathComponent(name, isDirectory: false)
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: source.path, isDirectory: &isDirectory),
                !isDirectory.boolValue
            else { continue }
            let target = directory.appendingPathComponent(name + ".gz", isDirectory: false)
            let temporary = Self.temporaryURL(for: name + ".gz", in: directory)
            do {
                try Self.gzip(source, to: temporary)
                try beforeVerification?(temporary)
                try Self.verify(temporary, against: source)
                try Self.renameFile(temporary, to: target)
                try Self.syncDirectory(directory)
            } catch {
                _ = unlink(temporary.path)
                let reason = (error as? FileError)?.message ?? "\(error)"
                throw BatchError(
                    .compressionFailed,
                    "Cannot compress result file '\(name)' of job '\(job)': \(reason) The original is kept.",
                    context: ["job": job.rawValue, "name": name])
            }
            if unlink(source.path) != 0 {
                throw BatchError(
                    .resultFileFailed,
                    "Compressed result file '\(name)' of job '\(job)' but cannot remove the original: \(Self.errnoText()).",
                    context: ["job": job.rawValue, "name": name])
            }
            compressed.append(target)
        }
        do { try Self.syncDirectory(directory) } catch {
            throw BatchError(
                .resultFileFailed, "Cannot sync result directory of job '\(job)': \(error.message)",
                context: ["job": job.rawValue])
        }
        return compressed
    }

    /// Removes the job's declared intermediate files, but only when the job succeeded.
    ///
    /// A failed job keeps its intermediates for inspection. Missing files are ignored.
    ///
    /// - Parameters:
    ///   - names: Plain file names in the job's directory.
    ///   - job: The job.
    ///   - succeeded: Whether the job succeeded.
    /// - Returns: The names actually removed.
    /// - Throws: ``BatchError`` with code ``BatchError/Code/invalidResultName`` naming a bad
    ///   name (checked before anything is removed), or ``BatchError/Code/resultFileFailed``
    ///   naming a file that cannot be removed.
    @discardableResult
    public func cleanupIntermediates(_ names: [String], job: JobID, succeeded: Bool) throws(BatchError) -> [String] {
        for name in names { try Self.validate(name) }
        guard succeeded else { return [] }
        let directory = baseDirectory.appendingPathComponent(job.rawValue, isDirectory: true)
        var removed: [String] = []
        for name in names {
            let path = directory.appendingPathComponent(name, isDirectory: false).path
            if unlink(path) == 0 {
                removed.append(name)
            } else if errno != ENOENT {
                throw BatchError(
                    .resultFileFailed,
                    "Cannot remove intermediate file '\(name)' of job '\(job)': \(Self.errnoText()).",
                    context: ["job": job.rawValue, "name": name])
            }
        }
        return removed
    }

    // MARK: - Validation

    /// Throws when `name` is not a plain file name.
    static func validate(_ name: String) throws(BatchError) {
        let reason: String? =
            if name.isEmpty {
                "is empty"
            } else if name == "." || name == ".." {
                "names a directory"
            } else if name.contains("/") {
                "contains '/'"
            } else if name.contains("\0") {
                "contains a NUL character"
            } else {
                nil
            }
        if let reason {
            throw BatchError(
                .invalidResultName,
                "Result file name '\(JobID.printable(name))' \(reason); use a plain file name inside the job directory.",
                context: ["name": name])
        }
    }

    /// Throws unless `path` is a relative path of plain file names (`data/h1.csv`): no empty
    /// component, no `.` or `..`, no leading `/`, so it stays inside the job directory.
    static func validatePath(_ path: String) throws(BatchError) {
        let components = path.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard components.count > 1 else { return try validate(path) }
        for component in components {
            do { try validate(component) } catch {
                throw BatchError(
                    .invalidResultName,
                    "Result file path '\(JobID.printable(path))' has the component '\(JobID.printable(component))', "
                        + "which is not a plain name; use names such as data/h1.csv inside the job directory.",
                    context: ["name": path])
            }
        }
    }

    // MARK: - POSIX and zlib (the only C calls of QEIRBatch)

    /// A failed system or zlib call.
    struct FileError: Error {
        let message: String
    }

    static func errnoText() -> String { String(cString: strerror(errno)) }

    static func temporaryURL(for name: String, in directory: URL) -> URL {
        directory.appendingPathComponent(".\(name).tmp-\(UUID().uuidString)", isDirectory: false)
    }

    /// Creates `url` exclusively, writes `data`, fsyncs and closes it.
    static func writeFile(_ data: Data, to url: URL) throws(FileError) {
        let descriptor = open(url.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw FileError(message: "open failed: \(errnoText()).") }
        defer { close(descriptor) }
        var failure: String?
        data.withUnsafeBytes { (buffer: UnsafeRawBufferPointer) in
            var offset = 0
            while offset < buffer.count {
                let written = write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    failure = "write failed: \(errnoText())."
                    return
                }
                offset += written
            }
        }
        if let failure { throw FileError(message: failure) }
        guard fsync(descriptor) == 0 else { throw FileError(message: "fsync failed: \(errnoText()).") }
    }

    static func sync(_ url: URL) throws(FileError) {
        let descriptor = open(url.path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw FileError(message: "open failed: \(errnoText()).") }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else { throw FileError(message: "fsync failed: \(errnoText()).") }
    }

    static func syncDirectory(_ url: URL) throws(FileError) {
        let descriptor = open(url.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw FileError(message: "open directory failed: \(errnoText()).") }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else { throw FileError(message: "fsync of directory failed: \(errnoText()).") }
    }

    static func renameFile(_ source: URL, to target: URL) throws(FileError) {
        guard rename(source.path, target.path) == 0 else {
            throw FileError(message: "rename failed: \(errnoText()).")
        }
    }

    static let chunkSize = 1 << 16

    /// Streams `source` into a new gzip file at `target` and fsyncs it.
    static func gzip(_ source: URL, to target: URL) throws(FileError) {
        let input = open(source.path, O_RDONLY | O_CLOEXEC)
        guard input >= 0 else { throw FileError(message: "open failed: \(errnoText()).") }
        defer { close(input) }
        guard let output = qeir_gzopen(target.path, "wbx9") else {
            throw FileError(message: "gzopen failed: \(errnoText()).")
        }
        var buffer = [UInt8](repeating: 0, count: chunkSize)
        var failure: String?
        while failure == nil {
            let count = buffer.withUnsafeMutableBytes { read(input, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                failure = "read failed: \(errnoText())."
            } else if count == 0 {
                break
            } else {
                let written = buffer.withUnsafeBytes { qeir_gzwrite(output, $0.baseAddress, UInt32(count)) }
                if written != Int32(count) { failure = "gzwrite failed: \(gzipError(output))." }
            }
        }
        let closed = qeir_gzclose(output)
        if let failure { throw FileError(message: failure) }
        guard closed == qeir_z_ok() else { throw FileError(message: "gzclose failed with zlib code \(closed).") }
        try sync(target)
    }

    /// Decompresses `compressed` and compares it byte for byte with `original`.
    static func verify(_ compressed: URL, against original: URL) throws(FileError) {
        let magic = FileHandle(forReadingAtPath: compressed.path).flatMap { try? $0.read(upToCount: 2) }
        guard magic == Data([0x1f, 0x8b]) else {
            throw FileError(message: "the compressed copy does not start with the gzip magic bytes 1f 8b.")
        }
        guard let input = qeir_gzopen(compressed.path, "rb") else {
            throw FileError(message: "gzopen for verification failed: \(errnoText()).")
        }
        guard let handle = FileHandle(forReadingAtPath: original.path) else {
            _ = qeir_gzclose(input)
            throw FileError(message: "cannot reopen the original for verification.")
        }
        defer { try? handle.close() }
        var buffer = [UInt8](repeating: 0, count: chunkSize)
        var failure: String?
        while failure == nil {
            let count = buffer.withUnsafeMutableBytes { qeir_gzread(input, $0.baseAddress, UInt32($0.count)) }
            if count < 0 {
                failure = "the compressed copy does not decompress: \(gzipError(input))."
                break
            }
            if count == 0 {
                let rest = (try? handle.read(upToCount: 1)) ?? Data()
                if !rest.isEmpty { failure = "the compressed copy is shorter than the original." }
                break
            }
            let expected = (try? handle.read(upToCount: Int(count))) ?? Data()
            if expected != Data(buffer[0..<Int(count)]) {
                failure = "the decompressed bytes differ from the original."
            }
        }
        let closed = qeir_gzclose(input)
        if let failure { throw FileError(message: failure) }
        guard closed == qeir_z_ok() else {
            throw FileError(message: "the compressed copy does not verify (zlib code \(closed)).")
        }
    }

    static func gzipError(_ file: qeir_gzfile) -> String {
        var code: Int32 = 0
        guard let text = qeir_gzerror(file, &code) else { return "zlib code \(code)" }
        return "\(String(cString: text)) (zlib code \(code))"
    }
}
