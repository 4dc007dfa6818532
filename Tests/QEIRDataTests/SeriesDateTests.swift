import Foundation
import QEIRData
import Testing

struct DatasetSeriesDateTests {
    @Test func parsesAndPrints() throws {
        let d = try SeriesDate("2020-04-01")
        #expect(d.year == 2020 && d.month == 4 && d.day == 1)
        #expect(d.description == "2020-04-01")
        #expect(try SeriesDate("0999-01-09").description == "0999-01-09")
    }

    @Test func leapYears() throws {
        #expect(throws: Never.self) { try SeriesDate("2020-02-29") }
        #expect(throws: Never.self) { try SeriesDate("2000-02-29") }
        let e = #expect(throws: DataError.self) { try SeriesDate("1900-02-29") }
        #expect(e?.code == .invalidDate)
        #expect(
            e?.message == "The date 1900-02-29 does not exist; give a real calendar date as YYYY-MM-DD (years 1-9999).")
        #expect(try SeriesDate("2020-03-01").dayNumber - SeriesDate("2020-02-28").dayNumber == 2)
        #expect(try SeriesDate("2021-03-01").dayNumber - SeriesDate("2021-02-28").dayNumber == 1)
    }

    @Test func rejectsMalformedText() {
        for text in ["2020-4-01", "2020/04/01", "20200401", "2020-04-01T00:00", "abcd-ef-gh", ""] {
            let e = #expect(throws: DataError.self) { try SeriesDate(text) }
            #expect(e?.message == "'\(text)' is not a date; write dates as YYYY-MM-DD, for example 2020-04-01.")
        }
    }

    @Test func dayNumbersAndWeekdays() throws {
        #expect(try SeriesDate("1970-01-01").dayNumber == 0)
        #expect(try SeriesDate("2000-01-01").dayNumber == 10957)
        #expect(try SeriesDate("1969-12-31").dayNumber == -1)
        #expect(try SeriesDate("1970-01-01").weekday == 4)  // Thursday
        #expect(try SeriesDate("2020-04-01").weekday == 3)  // Wednesday
        #expect(try SeriesDate("2020-02-29").weekday == 6)  // Saturday
        for n in stride(from: -200_000, through: 200_000, by: 97) {
            #expect(SeriesDate(dayNumber: n).dayNumber == n)
        }
        #expect(try SeriesDate("2024-02-28").adding(days: 2) == SeriesDate("2024-03-01"))
    }

    @Test func ordersAndCodes() throws {
        #expect(try SeriesDate("2019-12-31") < SeriesDate("2020-01-01"))
        let dates = [try SeriesDate("2020-04-01")]
        let json = try JSONEncoder().encode(dates)
        #expect(String(decoding: json, as: UTF8.self) == "[\"2020-04-01\"]")
        #expect(try JSONDecoder().decode([SeriesDate].self, from: json) == dates)
        #expect(throws: DataError.self) {
            try JSONDecoder().decode([SeriesDate].self, from: Data("[\"2020-13-01\"]".utf8))
        }
    }
}
