import Foundation
import Testing

@testable import QEIRBatch

/// A probe that returns scripted samples or errors, one per call, and counts calls.
private actor ScriptedProbe: ResourceProbe {
    private var script: [Result<ResourceSample, BatchError>]
    private(set) var calls = 0

    init(_ script: [Result<ResourceSample, BatchError>]) {
        self.script = script
    }

    func sample() async throws(BatchError) -> ResourceSample {
        calls += 1
        return try script.removeFirst().get()
    }
}

@Suite("ResourceAdmission: /proc probe")
struct ProcResourceProbeTests {
    let root: URL

    init() throws {
        root = FileManager.default.temporaryDirectory
            .appendingPathComponent("qeir-proc-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    }

    func write(_ name: String, _ text: String) throws {
        try Data(text.utf8).write(to: root.appendingPathComponent(name))
    }

    func path(_ name: String) -> String { root.appendingPathComponent(name).path }

    /// 16 GiB total, 6 GiB available → 10 GiB used.
    static let meminfo = """
        MemTotal:       16777216 kB
        MemFree:         1048576 kB
        MemAvailable:    6291456 kB
        Buffers:          524288 kB
        Cached:          2621440 kB
        SwapCached:            0 kB
        HugePages_Total:       0
        Hugepagesize:       2048 kB

        """

    /// Aggregate line first, then per-core lines and other counters the probe must skip.
    static func stat(_ cpu: String) -> String {
        """
        \(cpu)
        cpu0 1 2 3 4 5 6 7 8 9 10
        cpu1 garbage that is not the aggregate line
        intr 123456 0 0
        ctxt 987654
        btime 1700000000
        procs_running 3

        """
    }

    func sampleError(_ probe: ProcResourceProbe) async -> BatchError? {
        do {
            _ = try await probe.sample()
            return nil
        } catch {
            return error
        }
    }

    @Test func memoryIsTotalMinusAvailableInGiB() async throws {
        defer { try? FileManager.default.removeItem(at: root) }
        try write("meminfo", Self.meminfo)
        try write("stat", Self.stat("cpu  1000 200 300 5000 400 50 50 0 100 0"))
        let sample = try await ProcResourceProbe(procRoot: root).sample()
        #expect(sample == ResourceSample(memoryUsedGB: 10, memoryTotalGB: 16, cpuPercent: nil))
    }

    @Test func memoryFallsBackToFreeBuffersCachedWithoutMemAvailable() async throws {
        defer { try? FileManager.default.removeItem(at: root) }
        try write(
            "meminfo",
            Self.meminfo.split(separator: "\n").filter { !$0.hasPrefix("MemAvailable") }.joined(separator: "\n"))
        try write("stat", Self.stat("cpu  1 2 3 4"))
        let sample = try await ProcResourceProbe(procRoot: root).sample()
        // Free 1 + buffers 0.5 + cached 2.5 = 4 GiB available of 16.
        #expect(sample.memoryUsedGB == 12 && sample.memoryTotalGB == 16)
    }

    /// Between the snapshots: user +600, system +200, steal +200 (busy 1000); idle +600,
    /// iowait +400 (idle 1000); guest +200, already inside user, must not count again.
    @Test func cpuPercentFromTwoSnapshotsCountsIowaitIdleStealBusyAndSkipsGuest() async throws {
        defer { try? FileManager.default.removeItem(at: root) }
        let probe = ProcResourceProbe(procRoot: root)
        try write("meminfo", Self.meminfo)
        try write("stat", Self.stat("cpu  1000 200 300 5000 400 50 50 0 100 0"))
        #expect(try await probe.sample().cpuPercent == nil)
        try write("stat", Self.stat("cpu  1600 200 500 5600 800 50 50 200 300 0"))
        #expect(try await probe.sample().cpuPercent == 50)
        // No tick since: the previous figure is repeated.
        #expect(try await probe.sample().cpuPercent == 50)
        // Only system time: 100 % busy.
        try write("stat", Self.stat("cpu  1600 200 600 5600 800 50 50 200 300 0"))
        #expect(try await probe.sample().cpuPercent == 100)
        // Counters went backwards: baseline restarts.
        try write("stat", Self.stat("cpu  10 0 10 80 0 0 0 0 0 0"))
        #expect(try await probe.sample().cpuPercent == nil)
        try write("stat", Self.stat("cpu  15 0 10 85 0 0 0 0 0 0"))
        #expect(try await probe.sample().cpuPercent == 50)
    }

    @Test func olderKernelsWithFourCountersAndBackwardIowaitClampToRange() async throws {
        defer { try? FileManager.default.removeItem(at: root) }
        let probe = ProcResourceProbe(procRoot: root)
        try write("meminfo", Self.meminfo)
        try write("stat", Self.stat("cpu 100 0 100 800"))
        _ = try await probe.sample()
        try write("stat", Self.stat("cpu 125 0 125 850"))
        #expect(try await probe.sample().cpuPercent == 50)
        // iowait drops by more than idle rises: busy would exceed the elapsed ticks; clamped.
        try write("stat", Self.stat("cpu  0 0 0 100 900 0 0 0"))
        _ = try await probe.sample()
        try write("stat", Self.stat("cpu  0 0 10 115 880 0 0 0"))
        #expect(try await probe.sample().cpuPercent == 100)
    }

    @Test func unparsableMeminfoLineNamesFileAndLine() async throws {
        defer { try? FileManager.default.removeItem(at: root) }
        try write("meminfo", "MemFree:         1048576 kB\nMemTotal:       lots kB\n")
        try write("stat", Self.stat("cpu  1 2 3 4"))
        let error = try #require(await sampleError(ProcResourceProbe(procRoot: root)))
        #expect(error.code == .resourceProbeFailed)
        #expect(
            error.message
                == "Cannot parse '\(path("meminfo"))' line 2 ('MemTotal:       lots kB'): expected 'MemTotal: <integer> kB'; check that the probe reads Linux's /proc."
        )
        #expect(error.context == ["file": path("meminfo"), "line": "2"])
    }

    @Test func meminfoInOtherUnitsIsRejected() async throws {
        defer { try? FileManager.default.removeItem(at: root) }
        try write("meminfo", "MemTotal: 16 GB\nMemAvailable: 1 GB\n")
        try write("stat", Self.stat("cpu  1 2 3 4"))
        let error = try #require(await sampleError(ProcResourceProbe(procRoot: root)))
        #expect(error.context == ["file": path("meminfo"), "line": "1"])
    }

    @Test func garbageMeminfoNamesTheFile() async throws {
        defer { try? FileManager.default.removeItem(at: root) }
        try write("meminfo", "\u{7F}ELF this is not meminfo\n")
        try write("stat", Self.stat("cpu  1 2 3 4"))
        let error = try #require(await sampleError(ProcResourceProbe(procRoot: root)))
        #expect(
            error.message
                == "Cannot read memory use from '\(path("meminfo"))': no MemTotal line with a positive value; check that the probe reads Linux's /proc/meminfo."
        )
        #expect(error.context == ["file": path("meminfo")])
    }

    @Test func meminfoWithoutAvailableOrFallbackFieldsNamesTheFile() async throws {
        defer { try? FileManager.default.removeItem(at: root) }
        try write("meminfo", "MemTotal: 1024 kB\nMemFree: 10 kB\n")
        try write("stat", Self.stat("cpu  1 2 3 4"))
        let error = try #require(await sampleError(ProcResourceProbe(procRoot: root)))
        #expect(
            error.message
                == "Cannot read memory use from '\(path("meminfo"))': no MemAvailable line (nor MemFree, Buffers and Cached); check that the probe reads Linux's /proc/meminfo."
        )
    }

    @Test func unparsableStatLineNamesFileAndLine() async throws {
        defer { try? FileManager.default.removeItem(at: root) }
        try write("meminfo", Self.meminfo)
        try write("stat", "intr 1 2\ncpu  12 x 3 4 5\n")
        let error = try #require(await sampleError(ProcResourceProbe(procRoot: root)))
        #expect(
            error.message
                == "Cannot parse '\(path("stat"))' line 2 ('cpu  12 x 3 4 5'): expected 'cpu' followed by at least 4 integer tick counters; check that the probe reads Linux's /proc."
        )
        #expect(error.context == ["file": path("stat"), "line": "2"])
        try write("stat", "cpu  1 2 3\n")
        #expect(try #require(await sampleError(ProcResourceProbe(procRoot: root))).context["line"] == "1")
    }

    @Test func garbageStatNamesTheFile() async throws {
        defer { try? FileManager.default.removeItem(at: root) }
        try write("meminfo", Self.meminfo)
        try write("stat", "garbage\n\u{0}\u{1}\n")
        let error = try #require(await sampleError(ProcResourceProbe(procRoot: root)))
        #expect(
            error.message
                == "Cannot read CPU use from '\(path("stat"))': no aggregate 'cpu' line; check that the probe reads Linux's /proc/stat."
        )
    }

    @Test func missingFileNamesTheFile() async throws {
        defer { try? FileManager.default.removeItem(at: root) }
        let error = try #require(await sampleError(ProcResourceProbe(procRoot: root)))
        #expect(error.code == .resourceProbeFailed)
        #expect(error.context == ["file": path("meminfo")])
        #expect(error.message.hasPrefix("Cannot read '\(path("meminfo"))': "))
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: "/proc/stat"), "needs Linux /proc"))
    func realProcGivesSaneNumbers() async throws {
        defer { try? FileManager.default.removeItem(at: root) }
        let probe = ProcResourceProbe()
        let first = try await probe.sample()
        #expect(first.memoryTotalGB > 0)
        #expect((0...first.memoryTotalGB).contains(first.memoryUsedGB))
        #expect(first.cpuPercent == nil)
        // 0.3 s is at least 30 ticks per core at the usual 100 Hz.
        try await Task.sleep(for: .milliseconds(300))
        let second = try await probe.sample()
        let cpu = try #require(second.cpuPercent)
        #expect((0...100).contains(cpu))
        #expect(second.memoryTotalGB == first.memoryTotalGB)
    }
}

@Suite("ResourceAdmission: limits and gate")
struct AdmissionGateTests {
    let start = Date(timeIntervalSince1970: 1_700_000_000)

    func memory(_ gb: Double, cpu: Double? = nil) -> ResourceSample {
        ResourceSample(memoryUsedGB: gb, memoryTotalGB: 16, cpuPercent: cpu)
    }

    func limitsMessage(_ body: () throws(BatchError) -> AdmissionLimits) -> String? {
        do {
            _ = try body()
            return nil
        } catch {
            #expect(error.code == .invalidValue)
            return error.message
        }
    }

    /// Feeds `values` one second apart and returns the decisions.
    func run(_ gate: inout AdmissionGate, _ values: [Double]) -> [AdmissionDecision] {
        values.enumerated().map { index, value in
            gate.update(memory(value), at: start.addingTimeInterval(Double(index)))
        }
    }

    func transitions(_ decisions: [AdmissionDecision]) -> Int {
        zip(decisions, decisions.dropFirst()).filter { ($0 == .admit) != ($1 == .admit) }.count
    }

    @Test func limitsValidateAndNameTheKey() {
        #expect(
            limitsMessage { () throws(BatchError) in try AdmissionLimits(memoryLimitGB: 0, cpuLimitPercent: 80) }
                == "Invalid memory_limit_gb: expected a finite number of GiB greater than 0, found 0.0.")
        #expect(
            limitsMessage { () throws(BatchError) in
                try AdmissionLimits(memoryLimitGB: .infinity, cpuLimitPercent: nil)
            } == "Invalid memory_limit_gb: expected a finite number of GiB greater than 0, found inf.")
        #expect(
            limitsMessage { () throws(BatchError) in try AdmissionLimits(memoryLimitGB: 8, cpuLimitPercent: 100.5) }
                == "Invalid cpu_limit_percent: expected a number greater than 0 and at most 100, found 100.5.")
        #expect(
            limitsMessage { () throws(BatchError) in try AdmissionLimits(memoryLimitGB: nil, cpuLimitPercent: .nan) }
                == "Invalid cpu_limit_percent: expected a number greater than 0 and at most 100, found nan.")
        #expect(
            limitsMessage { () throws(BatchError) in
                try AdmissionLimits(memoryLimitGB: 8, cpuLimitPercent: 80, resumeFraction: 1.2)
            } == "Invalid resumeFraction: expected a number greater than 0 and at most 1, found 1.2.")
        #expect(
            limitsMessage { () throws(BatchError) in
                try AdmissionLimits(memoryLimitGB: 8, cpuLimitPercent: 80, minimumHold: .seconds(-1))
            } == "Invalid minimumHold: expected a duration of at least zero, found -1.0 seconds.")
        #expect(
            limitsMessage { () throws(BatchError) in
                try AdmissionLimits(memoryLimitGB: nil, cpuLimitPercent: 100, resumeFraction: 1, minimumHold: .zero)
            } == nil)
    }

    @Test func limitsFromTheBatchConfiguration() throws {
        var processing = BatchConfiguration.Processing()
        let limits = try AdmissionLimits(processing: processing)
        #expect(limits.memoryLimitGB == 8 && limits.cpuLimitPercent == 80)
        #expect(limits.resumeFraction == 0.9 && limits.minimumHold == .seconds(2))
        processing.memoryLimitGB = -1
        #expect(throws: BatchError.self) { try AdmissionLimits(processing: processing) }
    }

    @Test func valuesOscillatingAroundTheLimitDoNotFlap() throws {
        let oscillating = (0..<20).map { $0.isMultiple(of: 2) ? 7.9 : 8.1 }
        var gate = AdmissionGate(limits: try AdmissionLimits(memoryLimitGB: 8, cpuLimitPercent: nil))
        let decisions = run(&gate, oscillating)
        #expect(decisions.first == .admit)
        #expect(transitions(decisions) == 1)
        #expect(gate.holdCount == 1 && gate.isHolding)
        #expect(decisions[2] == .hold(reason: "memory 7.9 GiB ≥ resume level 7.2 GiB"))

        // Without hysteresis the same values flap on every sample.
        var bare = AdmissionGate(
            limits: try AdmissionLimits(memoryLimitGB: 8, cpuLimitPercent: nil, resumeFraction: 1, minimumHold: .zero))
        #expect(transitions(run(&bare, oscillating)) == 19)
        #expect(bare.holdCount == 10)
    }

    @Test func resumesOnlyBelowTheResumeFraction() throws {
        var gate = AdmissionGate(
            limits: try AdmissionLimits(
                memoryLimitGB: 8, cpuLimitPercent: nil, resumeFraction: 0.75, minimumHold: .zero))
        let decisions = run(&gate, [9.1, 7.9, 6.0, 5.99])
        #expect(
            decisions == [
                .hold(reason: "memory 9.1 GiB > limit 8.0 GiB"),
                .hold(reason: "memory 7.9 GiB ≥ resume level 6.0 GiB"),
                .hold(reason: "memory 6.0 GiB ≥ resume level 6.0 GiB"),
                .admit,
            ])
        #expect(gate.holdCount == 1 && !gate.isHolding && gate.holdingSince == nil)
    }

    @Test func holdsAtLeastTheMinimumHold() throws {
        var gate = AdmissionGate(
            limits: try AdmissionLimits(memoryLimitGB: 8, cpuLimitPercent: nil, minimumHold: .milliseconds(2500)))
        #expect(gate.update(memory(9), at: start) == .hold(reason: "memory 9.0 GiB > limit 8.0 GiB"))
        #expect(gate.holdingSince == start)
        #expect(
            gate.update(memory(1), at: start.addingTimeInterval(1))
                == .hold(reason: "holding at least 2.5 s (1.0 s so far) after memory 9.0 GiB > limit 8.0 GiB"))
        #expect(gate.update(memory(1), at: start.addingTimeInterval(2.4)) != .admit)
        #expect(gate.update(memory(1), at: start.addingTimeInterval(2.5)) == .admit)
        // Exactly at the limit is not above it.
        #expect(gate.update(memory(8), at: start.addingTimeInterval(3)) == .admit)
        #expect(gate.holdCount == 1)
    }

    @Test func clockSetBackRestartsTheHoldInsteadOfHoldingForever() throws {
        var gate = AdmissionGate(limits: try AdmissionLimits(memoryLimitGB: 8, cpuLimitPercent: nil))
        _ = gate.update(memory(9), at: start)
        let earlier = start.addingTimeInterval(-3600)
        #expect(gate.update(memory(1), at: earlier) != .admit)
        #expect(gate.holdingSince == earlier)
        #expect(gate.update(memory(1), at: earlier.addingTimeInterval(2)) == .admit)
    }

    @Test func cpuReasonsAndNilCPUIsIgnored() throws {
        var gate = AdmissionGate(limits: try AdmissionLimits(memoryLimitGB: 8, cpuLimitPercent: 80, minimumHold: .zero))
        #expect(gate.update(memory(7, cpu: nil), at: start) == .admit)
        #expect(gate.update(memory(7, cpu: .nan), at: start) == .admit)
        #expect(
            gate.update(memory(9.1, cpu: 95), at: start)
                == .hold(reason: "memory 9.1 GiB > limit 8.0 GiB; cpu 95.0% > limit 80.0%"))
        #expect(gate.update(memory(1, cpu: 75), at: start) == .hold(reason: "cpu 75.0% ≥ resume level 72.0%"))
        // The first sample after a probe restart has no CPU figure: only memory counts.
        #expect(gate.update(memory(1, cpu: nil), at: start) == .admit)
        #expect(gate.update(memory(1, cpu: 80.01), at: start) == .hold(reason: "cpu 80.01% > limit 80.00%"))
        #expect(gate.holdCount == 2)
    }

    @Test func noLimitsAlwaysAdmit() throws {
        var gate = AdmissionGate(limits: try AdmissionLimits(memoryLimitGB: nil, cpuLimitPercent: nil))
        #expect(gate.update(memory(1000, cpu: 100), at: start) == .admit)
    }
}

@Suite("ResourceAdmission: sampling")
struct ResourceAdmissionSamplingTests {
    let start = Date(timeIntervalSince1970: 1_700_000_000)

    func sample(_ gb: Double) -> ResourceSample {
        ResourceSample(memoryUsedGB: gb, memoryTotalGB: 16, cpuPercent: 10)
    }

    @Test func resamplesOnlyAfterTheIntervalAndCountsHolds() async throws {
        let probe = ScriptedProbe([.success(sample(9)), .success(sample(1)), .success(sample(9))])
        let admission = ResourceAdmission(
            probe: probe, limits: try AdmissionLimits(memoryLimitGB: 8, cpuLimitPercent: 80, minimumHold: .zero),
            samplingInterval: .seconds(1))
        let held = AdmissionDecision.hold(reason: "memory 9.0 GiB > limit 8.0 GiB")
        #expect(await admission.decision(now: start) == held)
        #expect(await admission.decision(now: start.addingTimeInterval(0.999)) == held)
        #expect(await probe.calls == 1)
        #expect(await admission.decision(now: start.addingTimeInterval(1)) == .admit)
        #expect(await admission.decision(now: start.addingTimeInterval(2.5)) == held)
        #expect(await probe.calls == 3)
        #expect(await admission.holdCount == 2)
        #expect(await admission.isHolding)
        #expect(await admission.lastSample == sample(9))
    }

    @Test func probeErrorsAdmitAndAreKept() async throws {
        let failure = BatchError(.resourceProbeFailed, "no /proc")
        let probe = ScriptedProbe([.success(sample(9)), .failure(failure), .success(sample(9))])
        let admission = ResourceAdmission(
            probe: probe, limits: try AdmissionLimits(memoryLimitGB: 8, cpuLimitPercent: nil),
            samplingInterval: .zero)
        #expect(await admission.decision(now: start) != .admit)
        #expect(await admission.decision(now: start.addingTimeInterval(1)) == .admit)
        #expect(await admission.lastError == failure)
        #expect(await admission.errorCount == 1)
        // The gate kept holding through the failure: no new admit→hold transition.
        #expect(await admission.decision(now: start.addingTimeInterval(2)) != .admit)
        #expect(await admission.lastError == nil)
        #expect(await admission.holdCount == 1)
    }

    @Test func missingProcNeverBlocks() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("qeir-no-proc-\(UUID().uuidString)")
        let admission = ResourceAdmission(
            probe: ProcResourceProbe(procRoot: root),
            limits: try AdmissionLimits(memoryLimitGB: 0.001, cpuLimitPercent: 1))
        #expect(await admission.decision() == .admit)
        #expect(await admission.lastError?.code == .resourceProbeFailed)
        #expect(await admission.lastError?.context["file"] == root.appendingPathComponent("meminfo").path)
    }

    @Test func aClockSetBackResamples() async throws {
        let probe = ScriptedProbe([.success(sample(1)), .success(sample(9))])
        let admission = ResourceAdmission(
            probe: probe, limits: try AdmissionLimits(memoryLimitGB: 8, cpuLimitPercent: nil))
        #expect(await admission.decision(now: start) == .admit)
        #expect(await admission.decision(now: start.addingTimeInterval(-10)) != .admit)
        #expect(await probe.calls == 2)
    }
}
