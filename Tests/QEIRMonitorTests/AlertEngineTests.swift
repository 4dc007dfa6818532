import Foundation
import QEIRBatch
import QEIRMonitor
import Testing

@Suite("AlertEngine")
struct AlertEngineTests {
    let t0 = Date(timeIntervalSince1970: 1_750_000_000)

    func sample(cpu: Double? = 10, memory: Double = 40, disk: Double? = 50, at offset: Double = 0) -> SystemSample {
        SystemSample(
            time: t0.addingTimeInterval(offset), cpuPercent: cpu, memoryPercent: memory, memoryAvailableGB: 8,
            diskPercent: disk, diskFreeGB: 100, processCount: 200, loadAverage: [0.5, 0.4, 0.3])
    }

    @Test("a holding condition fires once, then resolves once")
    func dedupAndResolve() {
        var engine = AlertEngine(rules: AlertRules())
        let first = engine.evaluate(AlertInputs(system: sample(cpu: 95)), now: t0)
        #expect(first.map(\.key) == ["cpu"])
        #expect(first.first?.status == .firing)
        #expect(first.first?.message.contains("95") == true)
        // Still high 30 s and 60 s later: no repeat.
        #expect(engine.evaluate(AlertInputs(system: sample(cpu: 97)), now: t0 + 30).isEmpty)
        #expect(engine.evaluate(AlertInputs(system: sample(cpu: 99)), now: t0 + 60).isEmpty)
        let resolved = engine.evaluate(AlertInputs(system: sample(cpu: 20)), now: t0 + 90)
        #expect(resolved.map(\.status) == [.resolved])
        #expect(resolved.first?.key == "cpu")
        #expect(engine.evaluate(AlertInputs(system: sample(cpu: 20)), now: t0 + 120).isEmpty)
    }

    @Test("a condition flapping within the cooldown is suppressed, and its clearing is silent")
    func cooldown() {
        var rules = AlertRules()
        rules.cooldown = .seconds(600)
        var engine = AlertEngine(rules: rules)
        var notices: [Alert] = []
        // CPU flaps above and below 90 % every 30 s for 20 minutes.
        for step in 0..<40 {
            let cpu = step.isMultiple(of: 2) ? 95.0 : 50.0
            notices += engine.evaluate(AlertInputs(system: sample(cpu: cpu)), now: t0 + Double(step) * 30)
        }
        // Fired at 0 s and again only after the 600 s cooldown (at 600 s), each with its resolve.
        #expect(notices.filter { $0.status == .firing }.map(\.time) == [t0, t0 + 600])
        #expect(notices.filter { $0.status == .resolved }.count == 2)
        #expect(engine.suppressedCount == 18)
    }

    @Test("memory, disk, a long-running job and the failure rate each fire with their values")
    func otherRules() throws {
        var rules = AlertRules()
        rules.jobRunningLimit = .seconds(3600)
        rules.failureRate = 0.2
        rules.failureMinimumJobs = 5
        var engine = AlertEngine(rules: rules)
        let job = try JobID("h1_default_20080101_20151231")
        let inputs = AlertInputs(
            system: sample(memory: 90, disk: 95),
            running: [(job, "H1 default", t0 - 3700)],
            recentOutcomes: [(t0 - 10, true), (t0 - 20, true), (t0 - 30, false), (t0 - 40, false), (t0 - 50, false)])
        let notices = engine.evaluate(inputs, now: t0)
        #expect(notices.map(\.key) == ["disk", "failure_rate", "job_running_long:\(job)", "memory"])
        let rate = try #require(notices.first { $0.key == "failure_rate" })
        #expect(rate.value == 0.4)
        #expect(rate.severity == .critical)
        let long = try #require(notices.first { $0.key.hasPrefix("job_running_long") })
        #expect(long.message.contains("batch-manage cancel \(job)"))
        // Too few outcomes: no failure-rate judgement.
        var fresh = AlertEngine(rules: rules)
        #expect(fresh.evaluate(AlertInputs(recentOutcomes: [(t0, true)]), now: t0).isEmpty)
        // Outcomes outside the window do not count.
        #expect(
            fresh.evaluate(AlertInputs(recentOutcomes: Array(repeating: (t0 - 7200, true), count: 9)), now: t0).isEmpty)
    }

    @Test("rules come from the seed's resource_monitoring section")
    func fromConfiguration() throws {
        var monitoring = BatchConfiguration.ResourceMonitoring()
        monitoring.cpuAlertThreshold = 70
        monitoring.jobTimeoutAlertMinutes = 5
        monitoring.failureRateAlertThreshold = 0.5
        let rules = AlertRules(monitoring)
        #expect(rules.cpuPercent == 70)
        #expect(rules.jobRunningLimit == .seconds(300))
        #expect(rules.failureRate == 0.5)
    }
}
