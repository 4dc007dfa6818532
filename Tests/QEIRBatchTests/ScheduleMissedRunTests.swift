import Foundation
import QEIRBatch
import Testing

struct ScheduleMissedRunTests: ScheduleFixtures {
    let daily9 = Result { try Schedule(.daily(at: TimeOfDay(hour: 9)), timeZone: "UTC") }

    func catchUp(now: String, _ policy: MissedRunPolicy, grace: Duration = .seconds(60)) throws -> CatchUp {
        try daily9.get().catchUp(lastRun: iso("2024-01-01T09:00:00Z"), now: iso(now), policy: policy, grace: grace)
    }

    var jan: [Date] { (2...5).map { iso("2024-01-0\($0)T09:00:00Z") } }

    @Test func defaults() {
        #expect(MissedRunPolicy.default == .latest)
        #expect(OverlapPolicy.default == .skip)
        #expect(OverlapPolicy.queueOne != .skip)
    }

    @Test func nothingDue() throws {
        let r = try catchUp(now: "2024-01-02T08:59:59Z", .all(cap: 10))
        #expect(r == CatchUp(runTimes: [], missedCount: 0, droppedCount: 0, caughtUp: false))
    }

    @Test func onTimeWithinGrace() throws {
        for policy in [MissedRunPolicy.skip, .latest, .all(cap: 3)] {
            let r = try catchUp(now: "2024-01-02T09:01:00Z", policy)
            #expect(r == CatchUp(runTimes: [jan[0]], missedCount: 0, droppedCount: 0, caughtUp: false))
        }
        let late = try catchUp(now: "2024-01-02T09:01:00.001Z", .skip)
        #expect(late == CatchUp(runTimes: [], missedCount: 1, droppedCount: 1, caughtUp: false))
    }

    @Test func skipWithOnTimeRun() throws {
        let r = try catchUp(now: "2024-01-05T09:00:30Z", .skip)
        #expect(r == CatchUp(runTimes: [jan[3]], missedCount: 3, droppedCount: 3, caughtUp: false))
    }

    @Test func latestWithOnTimeRunCoalesces() throws {
        let r = try catchUp(now: "2024-01-05T09:00:30Z", .latest)
        #expect(r == CatchUp(runTimes: [jan[3]], missedCount: 3, droppedCount: 3, caughtUp: false))
    }

    @Test func allWithOnTimeRun() throws {
        let r = try catchUp(now: "2024-01-05T09:00:30Z", .all(cap: 2))
        #expect(r == CatchUp(runTimes: [jan[1], jan[2], jan[3]], missedCount: 3, droppedCount: 1, caughtUp: true))
    }

    @Test func skipAllMissed() throws {
        let r = try catchUp(now: "2024-01-05T10:00:00Z", .skip)
        #expect(r == CatchUp(runTimes: [], missedCount: 4, droppedCount: 4, caughtUp: false))
    }

    @Test func latestAllMissed() throws {
        let r = try catchUp(now: "2024-01-05T10:00:00Z", .latest)
        #expect(r == CatchUp(runTimes: [jan[3]], missedCount: 4, droppedCount: 3, caughtUp: true))
    }

    @Test func allUnderCap() throws {
        let r = try catchUp(now: "2024-01-05T10:00:00Z", .all(cap: 10))
        #expect(r == CatchUp(runTimes: jan, missedCount: 4, droppedCount: 0, caughtUp: true))
    }

    @Test func allCapZeroOrNegative() throws {
        for cap in [0, -2] {
            let r = try catchUp(now: "2024-01-05T10:00:00Z", .all(cap: cap))
            #expect(r == CatchUp(runTimes: [], missedCount: 4, droppedCount: 4, caughtUp: false))
        }
    }

    @Test func largeGraceMakesEverythingOnTime() throws {
        let r = try catchUp(now: "2024-01-05T10:00:00Z", .skip, grace: .seconds(7 * 86_400))
        #expect(r == CatchUp(runTimes: jan, missedCount: 0, droppedCount: 0, caughtUp: false))
    }

    @Test func defaultPolicyIsLatest() throws {
        let r = try daily9.get().catchUp(lastRun: iso("2024-01-01T09:00:00Z"), now: iso("2024-01-05T10:00:00Z"))
        #expect(r.runTimes == [jan[3]])
        #expect(r.caughtUp)
    }

    @Test func lastRunIsExclusiveAndNowInclusive() throws {
        let r = try daily9.get().catchUp(
            lastRun: iso("2024-01-02T09:00:00Z"), now: iso("2024-01-03T09:00:00Z"), policy: .skip)
        #expect(r.runTimes == [jan[1]])
        #expect(r.missedCount == 0)
    }
}
