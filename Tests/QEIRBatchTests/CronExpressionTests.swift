import Foundation
import QEIRBatch
import Testing

/// Helpers shared by the schedule and cron suites; a suite gets them by conforming.
protocol ScheduleFixtures {}

extension ScheduleFixtures {
    /// Parses a fixed ISO 8601 instant (test data, always valid).
    func iso(_ text: String) -> Date {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime]
        guard let date = formatter.date(from: text) else { fatalError("bad test date \(text)") }
        return date
    }

    /// The first `count` fire dates of a schedule after an instant.
    func fires(_ schedule: Schedule, after: String, _ count: Int) -> [Date] {
        Array(schedule.fireDates(after: iso(after)).prefix(count))
    }

    /// A cron schedule in a zone.
    func cron(_ text: String, zone: String = "UTC") throws -> Schedule {
        try Schedule(.cron(CronExpression(text)), timeZone: zone)
    }

    /// A validated time of day.
    func at(_ hour: Int, _ minute: Int = 0) throws -> TimeOfDay { try TimeOfDay(hour: hour, minute: minute) }
}

struct CronExpressionParsingTests: ScheduleFixtures {
    @Test func star() throws {
        let c = try CronExpression("* * * * *")
        #expect(c.minutes == Array(0...59))
        #expect(c.hours == Array(0...23))
        #expect(c.daysOfMonth == Array(1...31))
        #expect(c.months == Array(1...12))
        #expect(c.daysOfWeek == Array(0...6))
        #expect(c.isDayOfMonthUnrestricted && c.isDayOfWeekUnrestricted)
    }

    @Test func singleValuesAndLists() throws {
        let c = try CronExpression("0,30 9,17 1,15 3,6 1,3")
        #expect(c.minutes == [0, 30])
        #expect(c.hours == [9, 17])
        #expect(c.daysOfMonth == [1, 15])
        #expect(c.months == [3, 6])
        #expect(c.daysOfWeek == [1, 3])
        #expect(!c.isDayOfMonthUnrestricted && !c.isDayOfWeekUnrestricted)
    }

    @Test func rangesAndSteps() throws {
        #expect(try CronExpression("1-10/2 * * * *").minutes == [1, 3, 5, 7, 9])
        #expect(try CronExpression("*/15 * * * *").minutes == [0, 15, 30, 45])
        #expect(try CronExpression("5/20 * * * *").minutes == [5, 25, 45])
        #expect(try CronExpression("* 8-11 * * *").hours == [8, 9, 10, 11])
        #expect(try CronExpression("* */6 * * *").hours == [0, 6, 12, 18])
        #expect(try CronExpression("* * */10 * *").daysOfMonth == [1, 11, 21, 31])
        #expect(try CronExpression("* * * */3 *").months == [1, 4, 7, 10])
        #expect(try CronExpression("* * * * */2").daysOfWeek == [0, 2, 4, 6])
        #expect(try CronExpression("0-5,10,50-59/3 * * * *").minutes == [0, 1, 2, 3, 4, 5, 10, 50, 53, 56, 59])
        #expect(try CronExpression("7-7/5 * * * *").minutes == [7])
        #expect(try CronExpression("* * * * 1/2").daysOfWeek == [1, 3, 5])
    }

    @Test func namesAreCaseInsensitive() throws {
        #expect(try CronExpression("* * * JAN,jul,Dec *").months == [1, 7, 12])
        #expect(try CronExpression("* * * feb-APR *").months == [2, 3, 4])
        #expect(try CronExpression("* * * * mon-FRI").daysOfWeek == [1, 2, 3, 4, 5])
        #expect(try CronExpression("* * * * SUN,sat").daysOfWeek == [0, 6])
        #expect(try CronExpression("* * * * Wed").daysOfWeek == [3])
    }

    @Test func sevenIsSunday() throws {
        #expect(try CronExpression("* * * * 7").daysOfWeek == [0])
        #expect(try CronExpression("* * * * 5-7").daysOfWeek == [0, 5, 6])
        #expect(try CronExpression("0 9 * * 7") == CronExpression("0 9 * * SUN"))
        #expect(try CronExpression("0 9 * * 0") == CronExpression("0 9 * * 7"))
    }

    @Test func whitespaceAndDescription() throws {
        let c = try CronExpression("  0   9\t* *  1 ")
        #expect(c.description == "0 9 * * 1")
        #expect(c.source == "0 9 * * 1")
    }

    @Test func vixieStarDetection() throws {
        let c = try CronExpression("0 9 */2 * FRI")
        #expect(c.isDayOfMonthUnrestricted)
        #expect(!c.isDayOfWeekUnrestricted)
        #expect(try !CronExpression("0 9 1-31 * FRI").isDayOfMonthUnrestricted)
    }

    @Test func equalityIsSemantic() throws {
        #expect(try CronExpression("0 9 * * MON-FRI") == CronExpression("0 9 * * 1,2,3,4,5"))
        #expect(try CronExpression("0 9 * * 1") != CronExpression("0 10 * * 1"))
        #expect(try CronExpression("0 9 * * 1") != CronExpression("0 9 1-31 * 1"))
    }
}

struct CronExpressionErrorTests: ScheduleFixtures {
    static let cases: [(String, String)] = [
        ("0 25 * * *", "Cron field 'hour' value '25' is out of range 0–23."),
        ("60 * * * *", "Cron field 'minute' value '60' is out of range 0–59."),
        ("* * 0 * *", "Cron field 'day-of-month' value '0' is out of range 1–31."),
        ("* * 32 * *", "Cron field 'day-of-month' value '32' is out of range 1–31."),
        ("* * * 13 *", "Cron field 'month' value '13' is out of range 1–12."),
        ("* * * 0 *", "Cron field 'month' value '0' is out of range 1–12."),
        ("* * * * 8", "Cron field 'day-of-week' value '8' is out of range 0–7."),
        ("* * * FOO *", "Cron field 'month' value 'FOO' is not a number or a month name (JAN–DEC)."),
        ("* * * * FUN", "Cron field 'day-of-week' value 'FUN' is not a number or a weekday name (SUN–SAT)."),
        ("* * * * JAN", "Cron field 'day-of-week' value 'JAN' is not a number or a weekday name (SUN–SAT)."),
        ("x * * * *", "Cron field 'minute' value 'x' is not a number."),
        ("+5 * * * *", "Cron field 'minute' value '+5' is not a number."),
        ("* MON * * *", "Cron field 'hour' value 'MON' is not a number."),
        ("*/0 * * * *", "Cron field 'minute' step '0' in '*/0' must be a whole number of at least 1."),
        ("*/ * * * *", "Cron field 'minute' step '' in '*/' must be a whole number of at least 1."),
        ("* */x * * *", "Cron field 'hour' step 'x' in '*/x' must be a whole number of at least 1."),
        ("1/2/3 * * * *", "Cron field 'minute' item '1/2/3' has more than one step ('/')."),
        ("1,,2 * * * *", "Cron field 'minute' has an empty list item in '1,,2'."),
        ("* * * 1, *", "Cron field 'month' has an empty list item in '1,'."),
        ("5-3 * * * *", "Cron field 'minute' range '5-3' is reversed; write the lower bound first."),
        ("* * * * SAT-SUN", "Cron field 'day-of-week' range 'SAT-SUN' is reversed; write the lower bound first."),
        ("-5 * * * *", "Cron field 'minute' range '-5' needs one value on each side of '-'."),
        ("1-2-3 * * * *", "Cron field 'minute' range '1-2-3' needs one value on each side of '-'."),
        ("* 1-24 * * *", "Cron field 'hour' value '24' is out of range 0–23."),
        ("*-5 * * * *", "Cron field 'minute' value '*' is not a number."),
        ("* * * *", "Cron expression '* * * *' has 4 fields; expected 5: minute hour day-of-month month day-of-week."),
        ("", "Cron expression '' has 0 fields; expected 5: minute hour day-of-month month day-of-week."),
        ("0", "Cron expression '0' has 1 field; expected 5: minute hour day-of-month month day-of-week."),
        (
            "0 0 * * * 2024",
            "Cron expression '0 0 * * * 2024' has 6 fields; expected 5: minute hour day-of-month month day-of-week."
        ),
    ]

    @Test(arguments: cases) func messages(text: String, message: String) {
        let error = #expect(throws: BatchError.self) { try CronExpression(text) }
        #expect(error?.message == message)
        #expect(error?.code == .invalidValue)
    }

    @Test func contextNamesFieldAndToken() {
        do throws(BatchError) {
            _ = try CronExpression("0 25 * * *")
            Issue.record("expected an error")
        } catch {
            #expect(error.context == ["field": "hour", "token": "25"])
            #expect(error.description == "Cron field 'hour' value '25' is out of range 0–23. [invalid_value]")
        }
    }
}

struct CronNextFireTests: ScheduleFixtures {
    @Test func weekdayBusinessHours() throws {
        // 2024-01-05 is a Friday; the next business slot is Monday 2024-01-08.
        let s = try cron("*/15 9-17 * * MON-FRI")
        #expect(
            fires(s, after: "2024-01-05T17:50:00Z", 3) == [
                iso("2024-01-08T09:00:00Z"), iso("2024-01-08T09:15:00Z"), iso("2024-01-08T09:30:00Z"),
            ])
    }

    @Test func strictlyAfter() throws {
        let s = try cron("0 * * * *")
        #expect(s.nextFireDate(after: iso("2024-01-01T10:00:00Z")) == iso("2024-01-01T11:00:00Z"))
        #expect(s.nextFireDate(after: iso("2024-01-01T09:59:59.500Z")) == iso("2024-01-01T10:00:00Z"))
        #expect(s.nextFireDate(after: iso("2024-01-01T10:00:00.250Z")) == iso("2024-01-01T11:00:00Z"))
    }

    @Test func everyMinuteRollsOverYear() throws {
        let s = try cron("* * * * *")
        #expect(
            fires(s, after: "2024-12-31T23:58:30Z", 3) == [
                iso("2024-12-31T23:59:00Z"), iso("2025-01-01T00:00:00Z"), iso("2025-01-01T00:01:00Z"),
            ])
    }

    @Test func firstOfMonth() throws {
        let s = try cron("0 0 1 * *")
        #expect(
            fires(s, after: "2024-01-15T00:00:00Z", 3) == [
                iso("2024-02-01T00:00:00Z"), iso("2024-03-01T00:00:00Z"), iso("2024-04-01T00:00:00Z"),
            ])
    }

    @Test func vixieOrWhenBothDayFieldsRestricted() throws {
        // January 2024: Fridays are 5, 12, 19, 26; the 13th is a Saturday.
        let s = try cron("0 9 13 * FRI")
        #expect(
            fires(s, after: "2024-01-01T00:00:00Z", 5) == [
                iso("2024-01-05T09:00:00Z"), iso("2024-01-12T09:00:00Z"), iso("2024-01-13T09:00:00Z"),
                iso("2024-01-19T09:00:00Z"), iso("2024-01-26T09:00:00Z"),
            ])
    }

    @Test func vixieAndWhenDayOfMonthStartsWithStar() throws {
        // Odd days that are Fridays: Jan 5, Jan 19, Feb 9, Feb 23.
        let s = try cron("0 9 */2 * FRI")
        #expect(
            fires(s, after: "2024-01-01T00:00:00Z", 4) == [
                iso("2024-01-05T09:00:00Z"), iso("2024-01-19T09:00:00Z"), iso("2024-02-09T09:00:00Z"),
                iso("2024-02-23T09:00:00Z"),
            ])
    }

    @Test func vixieAndWhenDayOfWeekStartsWithStar() throws {
        // Day-of-week `*/1` is unrestricted, so only the 13th matches.
        let s = try cron("0 9 13 * */1")
        #expect(
            fires(s, after: "2024-01-01T00:00:00Z", 2) == [iso("2024-01-13T09:00:00Z"), iso("2024-02-13T09:00:00Z")])
    }

    @Test func onlyDayOfWeekRestricted() throws {
        let s = try cron("30 8 * * 7")
        #expect(
            fires(s, after: "2024-01-01T00:00:00Z", 2) == [iso("2024-01-07T08:30:00Z"), iso("2024-01-14T08:30:00Z")])
    }

    @Test func day31SkipsShortMonths() throws {
        let s = try cron("0 0 31 * *")
        #expect(
            fires(s, after: "2024-01-31T12:00:00Z", 4) == [
                iso("2024-03-31T00:00:00Z"), iso("2024-05-31T00:00:00Z"), iso("2024-07-31T00:00:00Z"),
                iso("2024-08-31T00:00:00Z"),
            ])
    }

    @Test func leapDayOnlyInLeapYears() throws {
        let s = try cron("0 0 29 2 *")
        #expect(
            fires(s, after: "2024-03-01T00:00:00Z", 2) == [iso("2028-02-29T00:00:00Z"), iso("2032-02-29T00:00:00Z")])
        // 2100 is not a leap year.
        #expect(s.nextFireDate(after: iso("2096-03-01T00:00:00Z")) == iso("2104-02-29T00:00:00Z"))
    }

    @Test func impossibleDateNeverFires() throws {
        #expect(try cron("0 0 30 2 *").nextFireDate(after: iso("2024-01-01T00:00:00Z")) == nil)
        #expect(Array(try cron("0 0 31 4,6,9,11 *").fireDates(after: iso("2024-01-01T00:00:00Z"))).isEmpty)
    }

    @Test func monthNames() throws {
        let s = try cron("0 12 * JAN,jul *")
        #expect(
            fires(s, after: "2024-01-31T13:00:00Z", 2) == [iso("2024-07-01T12:00:00Z"), iso("2024-07-02T12:00:00Z")])
    }

    @Test func cronInNamedZone() throws {
        // 09:00 in Tokyo (UTC+9, no DST) is 00:00 UTC.
        let s = try cron("0 9 * * *", zone: "Asia/Tokyo")
        #expect(s.nextFireDate(after: iso("2024-06-01T00:00:00Z")) == iso("2024-06-02T00:00:00Z"))
    }
}
