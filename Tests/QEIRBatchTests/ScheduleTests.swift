import Foundation
import QEIRBatch
import Testing

struct ScheduleRecurrenceTests: ScheduleFixtures {
    @Test func dailyInUTC() throws {
        let s = try Schedule(.daily(at: at(9, 30)), timeZone: "UTC")
        #expect(
            fires(s, after: "2024-02-28T10:00:00Z", 3) == [
                iso("2024-02-29T09:30:00Z"), iso("2024-03-01T09:30:00Z"), iso("2024-03-02T09:30:00Z"),
            ])
        #expect(s.nextFireDate(after: iso("2024-02-28T09:29:59Z")) == iso("2024-02-28T09:30:00Z"))
        #expect(s.nextFireDate(after: iso("2024-02-28T09:30:00Z")) == iso("2024-02-29T09:30:00Z"))
    }

    @Test func dailyInNamedZone() throws {
        let s = try Schedule(.daily(at: at(9)), timeZone: "America/New_York")
        #expect(s.nextFireDate(after: iso("2026-01-15T00:00:00Z")) == iso("2026-01-15T09:00:00-05:00"))
        #expect(s.nextFireDate(after: iso("2026-07-15T00:00:00Z")) == iso("2026-07-15T09:00:00-04:00"))
        #expect(s.timeZone.identifier == "America/New_York")
    }

    @Test func weekly() throws {
        // 2024-01-01 is a Monday.
        let s = try Schedule(.weekly(.monday, at: at(9)), timeZone: "UTC")
        #expect(
            fires(s, after: "2024-01-01T09:00:00Z", 2) == [iso("2024-01-08T09:00:00Z"), iso("2024-01-15T09:00:00Z")])
        #expect(s.nextFireDate(after: iso("2024-01-01T08:59:59.500Z")) == iso("2024-01-01T09:00:00Z"))
        let sunday = try Schedule(.weekly(.sunday, at: at(23, 59)), timeZone: "Europe/London")
        #expect(sunday.nextFireDate(after: iso("2024-01-01T00:00:00Z")) == iso("2024-01-07T23:59:00Z"))
    }

    @Test func monthly() throws {
        let s = try Schedule(.monthly(day: 15, at: at(6)), timeZone: "UTC")
        #expect(
            fires(s, after: "2024-01-15T06:00:00Z", 3) == [
                iso("2024-02-15T06:00:00Z"), iso("2024-03-15T06:00:00Z"), iso("2024-04-15T06:00:00Z"),
            ])
    }

    @Test func iteratorMatchesRepeatedNextFireDate() throws {
        let s = try cron("7 */5 * * *", zone: "Europe/London")
        var date = iso("2026-03-28T12:00:00Z")
        var expected: [Date] = []
        for _ in 0..<12 {
            date = try #require(s.nextFireDate(after: date))
            expected.append(date)
        }
        #expect(fires(s, after: "2026-03-28T12:00:00Z", 12) == expected)
    }

    @Test func timeOfDay() throws {
        #expect(try at(7, 5).description == "07:05")
        #expect(try at(23, 59).description == "23:59")
        #expect(try at(9) < at(9, 1))
        #expect(try at(8, 59) < at(9))
    }
}

struct ScheduleMonthEndTests: ScheduleFixtures {
    @Test func day31ClampsToLastDayInLeapYear() throws {
        let s = try Schedule(.monthly(day: 31, at: at(0)), timeZone: "UTC")
        #expect(
            fires(s, after: "2024-01-31T12:00:00Z", 5) == [
                iso("2024-02-29T00:00:00Z"), iso("2024-03-31T00:00:00Z"), iso("2024-04-30T00:00:00Z"),
                iso("2024-05-31T00:00:00Z"), iso("2024-06-30T00:00:00Z"),
            ])
    }

    @Test func februaryInCommonYear() throws {
        for day in [29, 30, 31] {
            let s = try Schedule(.monthly(day: day, at: at(12)), timeZone: "UTC")
            #expect(
                fires(s, after: "2023-01-31T12:00:00Z", 2) == [
                    iso("2023-02-28T12:00:00Z"), iso("2023-03-\(day)T12:00:00Z"),
                ])
        }
    }

    @Test func februaryInLeapYears() throws {
        let s29 = try Schedule(.monthly(day: 29, at: at(12)), timeZone: "UTC")
        #expect(s29.nextFireDate(after: iso("2024-02-01T00:00:00Z")) == iso("2024-02-29T12:00:00Z"))
        let s30 = try Schedule(.monthly(day: 30, at: at(12)), timeZone: "UTC")
        #expect(s30.nextFireDate(after: iso("2000-02-01T00:00:00Z")) == iso("2000-02-29T12:00:00Z"))
        // 2100 is divisible by 100 but not 400: not a leap year.
        #expect(s30.nextFireDate(after: iso("2100-02-01T00:00:00Z")) == iso("2100-02-28T12:00:00Z"))
    }

    @Test func day30In31DayMonthIsNotClamped() throws {
        let s = try Schedule(.monthly(day: 30, at: at(0)), timeZone: "UTC")
        #expect(
            fires(s, after: "2024-03-01T00:00:00Z", 2) == [iso("2024-03-30T00:00:00Z"), iso("2024-04-30T00:00:00Z")])
    }

    @Test func monthEndInNamedZone() throws {
        // The month is read on the zone's calendar: 30 April 23:00 in Sydney is 13:00 UTC.
        let s = try Schedule(.monthly(day: 31, at: at(23)), timeZone: "Australia/Sydney")
        #expect(s.nextFireDate(after: iso("2024-04-01T00:00:00Z")) == iso("2024-04-30T23:00:00+10:00"))
    }
}

struct ScheduleErrorTests: ScheduleFixtures {
    @Test func unknownTimeZone() {
        let error = #expect(throws: BatchError.self) {
            try Schedule(.daily(at: at(9)), timeZone: "Mars/Olympus_Mons")
        }
        #expect(
            error?.message
                == "Time zone 'Mars/Olympus_Mons' is not a known IANA time zone; "
                + "use a name such as 'America/New_York' or 'UTC'.")
        #expect(error?.context == ["timeZone": "Mars/Olympus_Mons"])
        #expect(error?.code == .invalidValue)
    }

    @Test(arguments: [
        (24, 0, "Schedule hour 24 is out of range 0–23."),
        (-1, 0, "Schedule hour -1 is out of range 0–23."),
        (9, 60, "Schedule minute 60 is out of range 0–59."),
        (9, -5, "Schedule minute -5 is out of range 0–59."),
    ])
    func timeOfDayOutOfRange(hour: Int, minute: Int, message: String) {
        let error = #expect(throws: BatchError.self) { try TimeOfDay(hour: hour, minute: minute) }
        #expect(error?.message == message)
    }

    @Test(arguments: [0, 32, -3])
    func monthlyDayOutOfRange(day: Int) {
        let error = #expect(throws: BatchError.self) {
            try Schedule(.monthly(day: day, at: at(0)), timeZone: "UTC")
        }
        #expect(error?.message == "Monthly schedule day \(day) is out of range 1–31.")
    }
}
