public import Foundation

extension BatchError.Code {
    /// A job definition is invalid: a duplicate id, an unknown dependency or handler, a cycle.
    public static let invalidJob = Self(rawValue: "invalid_job")
    /// A job with this id already exists with different content.
    public static let jobExists = Self(rawValue: "job_exists")
    /// No job with this id exists in the store.
    public static let unknownJob = Self(rawValue: "unknown_job")
}

/// What to run: the definition of one job as submitted to a ``JobStore`` or ``BatchProcessor``.
///
/// The payload is a JSON value (``ConfigValue``); typed payloads go through
/// ``init(id:name:handler:encoding:priority:dependencies:maxRetries:timeout:tags:inputs:seed:intermediateFiles:)``
/// and come back with ``JobContext/decodePayload(_:)``.
public struct JobSpec: Sendable, Hashable, Codable {
    /// The job's id; also the name of its result directory.
    public var id: JobID
    /// A human-readable name (defaults to the id).
    public var name: String
    /// The name under which the handler that runs this job is registered.
    public var handler: String
    /// The handler's input.
    public var payload: ConfigValue
    /// Higher runs first; jobs of equal priority run in submission order.
    public var priority: Int
    /// Jobs that must succeed before this one starts.
    public var dependencies: [JobID]
    /// How many times a failed or timed-out attempt is retried (0 = never).
    public var maxRetries: Int
    /// The longest one attempt may run, or `nil` for the processor's default.
    public var timeout: Duration?
    /// Free-form labels for filtering and reports.
    public var tags: [String]
    /// Declared inputs that are not in the payload but change the result (a data vintage, a
    /// file's checksum); part of the content hash.
    public var inputs: [String: String]
    /// The random seed handed to the handler; part of the content hash.
    public var seed: UInt64?
    /// Result files the handler writes that are removed after success when the processor
    /// cleans up intermediates.
    public var intermediateFiles: [String]

    /// Creates a job definition.
    ///
    /// - Parameters:
    ///   - id: The job id.
    ///   - name: A display name; `nil` uses the id.
    ///   - handler: The registered handler name.
    ///   - payload: The handler's input.
    ///   - priority: Higher first.
    ///   - dependencies: Jobs that must succeed first.
    ///   - maxRetries: Retries after a failed attempt.
    ///   - timeout: Per-attempt time limit, or `nil` for the processor default.
    ///   - tags: Labels.
    ///   - inputs: Declared inputs hashed with the payload.
    ///   - seed: The random seed.
    ///   - intermediateFiles: Result files to remove after success.
    public init(
        id: JobID, name: String? = nil, handler: String, payload: ConfigValue = .null, priority: Int = 0,
        dependencies: [JobID] = [], maxRetries: Int = 3, timeout: Duration? = nil, tags: [String] = [],
        inputs: [String: String] = [:], seed: UInt64? = nil, intermediateFiles: [String] = []
    ) {
        self.id = id
        self.name = name ?? id.rawValue
        self.handler = handler
        self.payload = payload
        self.priority = priority
        self.dependencies = dependencies
        self.maxRetries = maxRetries
        self.timeout = timeout
        self.tags = tags
        self.inputs = inputs
        self.seed = seed
        self.intermediateFiles = intermediateFiles
    }

    /// Creates a job definition whose payload is an `Encodable` value, stored as JSON.
    ///
    /// - Parameters:
    ///   - id: The job id.
    ///   - name: A display name; `nil` uses the id.
    ///   - handler: The registered handler name.
    ///   - payload: The handler's input, encoded with `JSONEncoder`.
    ///   - priority: Higher first.
    ///   - dependencies: Jobs that must succeed first.
    ///   - maxRetries: Retries after a failed attempt.
    ///   - timeout: Per-attempt time limit.
    ///   - tags: Labels.
    ///   - inputs: Declared inputs hashed with the payload.
    ///   - seed: The random seed.
    ///   - intermediateFiles: Result files to remove after success.
    /// - Throws: ``BatchError`` (``BatchError/Code/invalidJob``) when the payload cannot be encoded.
    public init(
        id: JobID, name: String? = nil, handler: String, encoding payload: some Encodable, priority: Int = 0,
        dependencies: [JobID] = [], maxRetries: Int = 3, timeout: Duration? = nil, tags: [String] = [],
        inputs: [String: String] = [:], seed: UInt64? = nil, intermediateFiles: [String] = []
    ) throws(BatchError) {
        let value: ConfigValue
        do {
            let data = try JSONEncoder().encode(payload)
            value = try JSONDecoder().decode(ConfigValue.self, from: data)
        } catch {
            throw BatchError(
                .invalidJob,
                "The payload of job \(id) cannot be encoded as JSON: \(error). Use finite numbers and string keys.",
                context: ["job": id.rawValue])
        }
        self.init(
            id: id, name: name, handler: handler, payload: value, priority: priority, dependencies: dependencies,
            maxRetries: maxRetries, timeout: timeout, tags: tags, inputs: inputs, seed: seed,
            intermediateFiles: intermediateFiles)
    }

    /// Checks the fields that do not depend on other jobs.
    ///
    /// - Throws: ``BatchError`` (``BatchError/Code/invalidJob``) naming the job and the field.
    public func validate() throws(BatchError) {
        if handler.isEmpty {
            throw BatchError(
                .invalidJob, "Job \(id) names no handler. Set `handler` to a registered handler name.",
                context: ["job": id.rawValue])
        }
        if maxRetries < 0 {
            throw BatchError(
                .invalidJob, "Job \(id) has max_retries \(maxRetries); use 0 or more.", context: ["job": id.rawValue])
        }
        if let timeout, timeout <= .zero {
            throw BatchError(
                .invalidJob, "Job \(id) has timeout \(timeout); use a positive duration or none.",
                context: ["job": id.rawValue])
        }
        if dependencies.contains(id) {
            throw BatchError(
                .invalidJob, "Job \(id) depends on itself. Remove \(id) from its dependencies.",
                context: ["job": id.rawValue, "cycle": "\(id) -> \(id)"])
        }
        if Set(dependencies).count != dependencies.count {
            throw BatchError(
                .invalidJob, "Job \(id) lists a dependency twice. List each dependency once.",
                context: ["job": id.rawValue])
        }
    }
}

/// Where a job is in its life.
///
/// `pending → running → succeeded`; a failed or timed-out attempt with retries left goes to
/// `retryWait` and back to `running` when its delay has passed; `failed`, `cancelled` and
/// `skipped` (a dependency failed, was cancelled or skipped) are final like `succeeded`.
public enum JobState: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    /// Waiting to run: queued, or held by unmet dependencies.
    case pending
    /// Waiting for its retry delay after a failed attempt.
    case retryWait = "retry_wait"
    /// An attempt is running under a lease.
    case running
    /// Finished successfully (final).
    case succeeded
    /// Failed with no retries left (final).
    case failed
    /// Cancelled by a user or at shutdown (final).
    case cancelled
    /// Not run because a dependency did not succeed (final).
    case skipped

    /// Whether the state is final.
    public var isTerminal: Bool {
        switch self {
        case .succeeded, .failed, .cancelled, .skipped: true
        case .pending, .retryWait, .running: false
        }
    }

    /// The state's stable name (`retry_wait` for ``retryWait``).
    public var description: String { rawValue }
}

/// A lease on a running job: who holds it, the token that proves it, and when it lapses.
///
/// Only the holder of the current token may complete the job; a lease that expires without a
/// renewal returns the job to the queue, and a late completion under the old token is rejected.
public struct Lease: Sendable, Hashable, Codable {
    /// The leased job.
    public var jobID: JobID
    /// The worker holding the lease (see ``WorkerIdentity``).
    public var owner: String
    /// A random token unique to this claim.
    public var token: String
    /// When the lease lapses unless renewed.
    public var expiresAt: Date

    /// Creates a lease.
    ///
    /// - Parameters:
    ///   - jobID: The leased job.
    ///   - owner: The worker holding it.
    ///   - token: The claim's token.
    ///   - expiresAt: The expiry time.
    public init(jobID: JobID, owner: String, token: String, expiresAt: Date) {
        self.jobID = jobID
        self.owner = owner
        self.token = token
        self.expiresAt = expiresAt
    }
}

/// A job as the store holds it: its definition and its progress.
public struct JobRecord: Sendable, Hashable, Codable {
    /// The definition.
    public var spec: JobSpec
    /// The content hash (see ``ContentHash``).
    public var contentHash: String
    /// The current state.
    public var state: JobState
    /// Submission order, increasing; FIFO within a priority.
    public var sequence: Int64
    /// Attempts started, counting each start once (a crashed attempt counts too).
    public var attempts: Int
    /// Failed or timed-out attempts; retries are granted while this is at most `maxRetries`.
    public var failures: Int
    /// Dependencies that have not yet succeeded.
    public var unmetDependencies: Int
    /// When the job was submitted.
    public var submittedAt: Date
    /// When the last transition happened.
    public var updatedAt: Date
    /// When the first attempt started.
    public var startedAt: Date?
    /// When the job reached a final state.
    public var finishedAt: Date?
    /// For `retryWait`: the earliest time the next attempt may start.
    public var runAfter: Date?
    /// For `running`: the current lease.
    public var lease: Lease?
    /// Whether a cancel was requested while the job was running.
    public var cancelRequested: Bool
    /// The last failure's message.
    public var lastError: String?
    /// The handler's result, once succeeded.
    public var result: ConfigValue?
    /// For a job whose result was reused: the job that produced it.
    public var reusedFrom: JobID?

    /// The job id.
    public var id: JobID { spec.id }

    /// Creates a record.
    ///
    /// - Parameters:
    ///   - spec: The definition.
    ///   - contentHash: The content hash.
    ///   - state: The state.
    ///   - sequence: Submission order.
    ///   - submittedAt: Submission time.
    public init(spec: JobSpec, contentHash: String, state: JobState, sequence: Int64, submittedAt: Date) {
        self.spec = spec
        self.contentHash = contentHash
        self.state = state
        self.sequence = sequence
        self.attempts = 0
        self.failures = 0
        self.unmetDependencies = 0
        self.submittedAt = submittedAt
        self.updatedAt = submittedAt
        self.startedAt = nil
        self.finishedAt = nil
        self.runAfter = nil
        self.lease = nil
        self.cancelRequested = false
        self.lastError = nil
        self.result = nil
        self.reusedFrom = nil
    }
}

/// One recorded change of a job's state.
public struct JobTransition: Sendable, Hashable, Codable {
    /// Store-wide increasing number of the transition.
    public var sequence: Int64
    /// The job.
    public var jobID: JobID
    /// The previous state, `nil` at submission.
    public var from: JobState?
    /// The new state.
    public var to: JobState
    /// When it happened.
    public var at: Date
    /// Why, in words ("submitted", "attempt 2 failed: …", "dependency a failed").
    public var reason: String
    /// The attempt number the transition belongs to (0 before the first start).
    public var attempt: Int

    /// Creates a transition.
    ///
    /// - Parameters:
    ///   - sequence: Store-wide order.
    ///   - jobID: The job.
    ///   - from: The previous state.
    ///   - to: The new state.
    ///   - at: When.
    ///   - reason: Why.
    ///   - attempt: The attempt number.
    public init(sequence: Int64, jobID: JobID, from: JobState?, to: JobState, at: Date, reason: String, attempt: Int) {
        self.sequence = sequence
        self.jobID = jobID
        self.from = from
        self.to = to
        self.at = at
        self.reason = reason
        self.attempt = attempt
    }
}

/// Identifies a worker (a process running jobs) to the store: host, process id and the process's
/// start time, so a crashed process's leases can be recognised on the same host.
public struct WorkerIdentity: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The host name.
    public var host: String
    /// The process id.
    public var processID: Int32
    /// The process start time in clock ticks since boot (`/proc/self/stat` field 22), or 0.
    public var processStart: UInt64
    /// Distinguishes several processors in one process.
    public var instance: String

    /// Creates an identity.
    ///
    /// - Parameters:
    ///   - host: The host name.
    ///   - processID: The process id.
    ///   - processStart: The process start time in ticks since boot.
    ///   - instance: A per-processor suffix.
    public init(host: String, processID: Int32, processStart: UInt64, instance: String) {
        self.host = host
        self.processID = processID
        self.processStart = processStart
        self.instance = instance
    }

    /// The identity of a new processor in the current process.
    public static func current() -> WorkerIdentity {
        let pid = ProcessInfo.processInfo.processIdentifier
        return WorkerIdentity(
            host: ProcessInfo.processInfo.hostName, processID: pid, processStart: Self.startTicks(of: pid) ?? 0,
            instance: String(UUID().uuidString.prefix(8)).lowercased())
    }

    /// Parses an identity written by ``description``.
    ///
    /// - Parameter text: `host:pid:start:instance`.
    public init?(_ text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count >= 4, let pid = Int32(parts[parts.count - 3]), let start = UInt64(parts[parts.count - 2])
        else { return nil }
        self.host = parts[..<(parts.count - 3)].joined(separator: ":")
        self.processID = pid
        self.processStart = start
        self.instance = String(parts[parts.count - 1])
    }

    /// `host:pid:start:instance`.
    public var description: String { "\(host):\(processID):\(processStart):\(instance)" }

    /// Whether this identity names a process on this host that has certainly ended: its pid is
    /// gone, or it is now a different process (another start time). Unknown hosts give `false`.
    public var isDeadOnThisHost: Bool {
        guard host == ProcessInfo.processInfo.hostName else { return false }
        guard let ticks = Self.startTicks(of: processID) else { return true }
        return processStart != 0 && ticks != processStart
    }

    /// The start time of process `pid` in clock ticks since boot, or `nil` when it does not exist.
    static func startTicks(of pid: Int32) -> UInt64? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = text.lastIndex(of: ")")
        else { return nil }
        // Fields after the command name (which may contain spaces) start at field 3 (state).
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 19 else { return nil }
        return UInt64(fields[19])
    }
}
