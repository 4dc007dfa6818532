import Foundation
import QEIRBatch
import Testing

/// Transitions used below (2026):
/// - America/New_York: 8 March 02:00 EST → 03:00 EDT; 1 November 02:00 EDT → 01:00 EST.
/// - Europe/London: 29 March 01:00 GMT → 02:00 BST; 25 October 02:00 BST → 01:00 GMT.
/// - Australia/Lord_Howe (30-minute shift): 5 April 02:00 (+11) → 01:30 (+10:30);
///   4 October 02:00 (+10:30) → 02:30 (+11).
struct ScheduleDSTTests: ScheduleFixtures {
    func daily(_ hour: Int, _ minute: Int, _ zone: String) throws -> Schedule {
        try Schedule(.daily(at: TimeOfDay(hour: hour, minute: minute)), timeZone: zone)
    }

    // MARK: New York

    @Test func newYorkSkippedTimeFiresAtEndOfGap() throws {
        #expect(
            try fires(daily(2, 30, "America/New_York"), after: "2026-03-07T12:00:00-05:00", 3) == [
                iso("2026-03-08T03:00:00-04:00"), iso("2026-03-09T02:30:00-04:00"), iso("2026-03-10T02:30:00-04:00"),
            ])
        #expect(
            try daily(2, 0, "America/New_York").nextFireDate(after: iso("2026-03-07T12:00:00-05:00"))
                == iso("2026-03-08T03:00:00-04:00"))
        #expect(
            try daily(1, 59, "America/New_York").nextFireDate(after: iso("2026-03-07T12:00:00-05:00"))
                == iso("2026-03-08T01:59:00-05:00"))
        #expect(
            try daily(3, 0, "America/New_York").nextFireDate(after: iso("2026-03-07T12:00:00-05:00"))
                == iso("2026-03-08T03:00:00-04:00"))
    }

    @Test func newYorkSkippedTimesCollapseIntoOneFiring() throws {
        let s = try cron("*/15 2-3 * * *", zone: "America/New_York")
        #expect(
            fires(s, after: "2026-03-08T01:50:00-05:00", 5) == [
                iso("2026-03-08T03:00:00-04:00"), iso("2026-03-08T03:15:00-04:00"), iso("2026-03-08T03:30:00-04:00"),
                iso("2026-03-08T03:45:00-04:00"), iso("2026-03-09T02:00:00-04:00"),
            ])
    }

    @Test func newYorkRepeatedTimeFiresOnceAtFirstOccurrence() throws {
        let s = try daily(1, 30, "America/New_York")
        #expect(
            fires(s, after: "2026-10-31T12:00:00-04:00", 2) == [
                iso("2026-11-01T01:30:00-04:00"), iso("2026-11-02T01:30:00-05:00"),
            ])
        // Asked during the first pass or the second, the repeat is not fired again.
        #expect(s.nextFireDate(after: iso("2026-11-01T01:30:00-04:00")) == iso("2026-11-02T01:30:00-05:00"))
        #expect(s.nextFireDate(after: iso("2026-11-01T01:10:00-05:00")) == iso("2026-11-02T01:30:00-05:00"))
    }

    @Test func newYorkCronDuringRepeatedHour() throws {
        let s = try cron("*/30 * * * *", zone: "America/New_York")
        #expect(
            fires(s, after: "2026-11-01T00:45:00-04:00", 4) == [
                iso("2026-11-01T01:00:00-04:00"), iso("2026-11-01T01:30:00-04:00"), iso("2026-11-01T02:00:00-05:00"),
                iso("2026-11-01T02:30:00-05:00"),
            ])
        #expect(s.nextFireDate(after: iso("2026-11-01T01:10:00-05:00")) == iso("2026-11-01T02:00:00-05:00"))
    }

    // MARK: London

    @Test func londonSpringForward() throws {
        #expect(
            try fires(daily(1, 30, "Europe/London"), after: "2026-03-28T12:00:00Z", 2) == [
                iso("2026-03-29T02:00:00+01:00"), iso("2026-03-30T01:30:00+01:00"),
            ])
        #expect(
            try daily(2, 0, "Europe/London").nextFireDate(after: iso("2026-03-28T12:00:00Z"))
                == iso("2026-03-29T02:00:00+01:00"))
        #expect(
            try daily(0, 59, "Europe/London").nextFireDate(after: iso("2026-03-28T12:00:00Z"))
                == iso("2026-03-29T00:59:00+00:00"))
    }

    @Test func londonFallBack() throws {
        let s = try daily(1, 30, "Europe/London")
        #expect(
            fires(s, after: "2026-10-24T12:00:00+01:00", 2) == [
                iso("2026-10-25T01:30:00+01:00"), iso("2026-10-26T01:30:00+00:00"),
            ])
        #expect(s.nextFireDate(after: iso("2026-10-25T01:00:00+00:00")) == iso("2026-10-26T01:30:00+00:00"))
        let hourly = try cron("0 * * * *", zone: "Europe/London")
        #expect(
            fires(hourly, after: "2026-10-25T00:30:00+01:00", 3) == [
                iso("2026-10-25T01:00:00+01:00"), iso("2026-10-25T02:00:00+00:00"), iso("2026-10-25T03:00:00+00:00"),
            ])
    }

    // MARK: Lord Howe (30-minute shift)

    @Test func lordHoweSpringForwardHalfHourGap() throws {
        #expect(
            try fires(daily(2, 15, "Australia/Lord_Howe"), after: "2026-10-03T12:00:00+10:30", 2) == [
                iso("2026-10-04T02:30:00+11:00"), iso("2026-10-05T02:15:00+11:00"),
            ])
        #expect(
            try daily(2, 0, "Australia/Lord_Howe").nextFireDate(after: iso("2026-10-03T12:00:00+10:30"))
                == iso("2026-10-04T02:30:00+11:00"))
        #expect(
            try daily(2, 30, "Australia/Lord_Howe").nextFireDate(after: iso("2026-10-03T12:00:00+10:30"))
                == iso("2026-10-04T02:30:00+11:00"))
        #expect(
            try daily(2, 45, "Australia/Lord_Howe").nextFireDate(after: iso("2026-10-03T12:00:00+10:30"))
                == iso("2026-10-04T02:45:00+11:00"))
        #expect(
            try daily(1, 59, "Australia/Lord_Howe").nextFireDate(after: iso("2026-10-03T12:00:00+10:30"))
                == iso("2026-10-04T01:59:00+10:30"))
    }

    @Test func lordHoweFallBackHalfHourRepeat() throws {
        let s = try daily(1, 45, "Australia/Lord_Howe")
        #expect(
            fires(s, after: "2026-04-04T12:00:00+11:00", 2) == [
                iso("2026-04-05T01:45:00+11:00"), iso("2026-04-06T01:45:00+10:30"),
            ])
        #expect(s.nextFireDate(after: iso("2026-04-05T01:35:00+10:30")) == iso("2026-04-06T01:45:00+10:30"))
        #expect(
            try daily(1, 15, "Australia/Lord_Howe").nextFireDate(after: iso("2026-04-04T12:00:00+11:00"))
                == iso("2026-04-05T01:15:00+11:00"))
        let quarter = try cron("*/15 1-2 5 4 *", zone: "Australia/Lord_Howe")
        #expect(
            fires(quarter, after: "2026-04-05T01:20:00+11:00", 5) == [
                iso("2026-04-05T01:30:00+11:00"), iso("2026-04-05T01:45:00+11:00"), iso("2026-04-05T02:00:00+10:30"),
                iso("2026-04-05T02:15:00+10:30"), iso("2026-04-05T02:30:00+10:30"),
            ])
    }
}

struct ScheduleSkippedDayTests: ScheduleFixtures {
    /// Samoa skipped 30 December 2011 entirely (UTC−10 → UTC+14): its 09:00 fires at the first
    /// instant after the gap, midnight on the 31st, then again at 09:00.
    @Test func samoaSkippedDay() throws {
        let s = try Schedule(.daily(at: TimeOfDay(hour: 9)), timeZone: "Pacific/Apia")
        #expect(
            fires(s, after: "2011-12-29T12:00:00-10:00", 2) == [
                iso("2011-12-31T00:00:00+14:00"), iso("2011-12-31T09:00:00+14:00"),
            ])
    }

    @Test func monthOfEveryMinuteCatchUpIsCounted() throws {
        let s = try cron("* * * * *", zone: "Europe/London")
        let r = s.catchUp(
            lastRun: iso("2025-01-01T00:00:00Z"), now: iso("2025-01-31T00:00:00Z"), policy: .latest,
            grace: .zero)
        #expect(r.missedCount == 30 * 1440 - 1)
        #expect(r.runTimes == [iso("2025-01-31T00:00:00Z")])
    }
}
