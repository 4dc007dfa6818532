import Foundation
import QEIRData
import QEIRStats
import QEIRTestSupport
import Testing

/// Dates from text (tests only).
func ds(_ texts: String...) throws -> [SeriesDate] { try texts.map(SeriesDate.init) }

func approxEqual(_ a: [Double?], _ b: [Double?], tol: Double = 1e-12) -> Bool {
    a.count == b.count
        && zip(a, b).allSatisfy { x, y in
            switch (x, y) {
            case (nil, nil): true
            case (let x?, let y?): isClose(x, y, relative: tol, absoluteFloor: 1)
            default: false
            }
        }
}

struct DatasetFrequencyTests {
    @Test func infersEachFrequency() throws {
        #expect(try Frequency.infer(from: ds("2019-01-01", "2021-01-01"), series: "x") == .annual)
        #expect(try Frequency.infer(from: ds("2020-01-01", "2020-04-01", "2020-10-01"), series: "x") == .quarterly)
        #expect(try Frequency.infer(from: ds("2020-01-01", "2020-02-01", "2020-04-01"), series: "x") == .monthly)
        #expect(try Frequency.infer(from: ds("2020-04-01", "2020-04-08", "2020-04-22"), series: "x") == .weekly)
        #expect(try Frequency.infer(from: ds("2020-04-02", "2020-04-03", "2020-04-06"), series: "x") == .daily)
    }

    @Test func irregularDatesAreAnError() throws {
        let e = #expect(throws: DataError.self) {
            try Series(name: "x", dates: ds("2020-01-02", "2020-01-03", "2020-01-20"), values: [1, 2, 3])
        }
        #expect(e?.code == .irregularFrequency)
        #expect(
            e?.message
                == "Cannot infer the frequency of series 'x': 2020-01-03 and 2020-01-20 are 17 days apart and the "
                + "dates follow no daily, weekly, monthly (first of month), quarterly or annual pattern; pass the "
                + "frequency explicitly.")
        let one = #expect(throws: DataError.self) { try Series(name: "y", dates: ds("2020-01-01"), values: [1]) }
        #expect(
            one?.message == "Cannot infer the frequency of series 'y' from 1 date(s); pass the frequency explicitly.")
        let weekend = #expect(throws: DataError.self) {
            try Series(name: "z", dates: ds("2020-02-28", "2020-02-29", "2020-03-02"), values: [1, 2, 3])
        }
        #expect(
            weekend?.message
                == "Cannot infer the frequency of series 'z': 2020-02-29 is a weekend day, but its dates are not "
                + "weekly; QEIR's daily calendar is Monday-Friday. Pass the frequency explicitly or remove weekend dates."
        )
    }

    @Test func labelsFollowFRED() throws {
        let d = try SeriesDate("2020-05-17")
        #expect(Frequency.monthly.label(for: d) == (try SeriesDate("2020-05-01")))
        #expect(Frequency.quarterly.label(for: d) == (try SeriesDate("2020-04-01")))
        #expect(Frequency.annual.label(for: d) == (try SeriesDate("2020-01-01")))
        #expect(Frequency.weekly.label(for: d) == (try SeriesDate("2020-05-22")))  // Sunday → week ending Friday
        // Saturday 16 May opens the week ending Friday 22 May; Friday 15 May closes its own week.
        #expect(Frequency.weekly.label(for: try SeriesDate("2020-05-16")) == (try SeriesDate("2020-05-22")))
        #expect(Frequency.weekly.label(for: try SeriesDate("2020-05-15")) == (try SeriesDate("2020-05-15")))
        #expect(Frequency.daily.label(for: d) == nil)
        #expect(try Frequency(code: "Quarterly") == .quarterly)
        let e = #expect(throws: DataError.self) { try Frequency(code: "x") }
        #expect(
            e?.message
                == "'x' is not a frequency; use one of d, w, m, q, a (daily, weekly, monthly, quarterly, annual).")
    }
}

struct DatasetSeriesTests {
    @Test func fredDotIsMissingNeverZero() throws {
        let s = try Series(
            name: "DGS10", observations: [("2020-01-02", "1.88"), ("2020-01-03", "."), ("2020-01-06", "1.81")])
        #expect(s.frequency == .daily)
        #expect(s.values == [1.88, nil, 1.81])
        #expect(s.observedCount == 2)
        let e = #expect(throws: DataError.self) {
            try Series(name: "DGS10", observations: [("2020-01-02", "abc"), ("2020-01-03", "1")])
        }
        #expect(e?.code == .nonNumeric)
        #expect(
            e?.message
                == "Series 'DGS10' has the value 'abc' at 2020-01-02, which is not a number; write missing values as '.'."
        )
    }

    @Test func rejectsNaNAndDisorder() throws {
        let nan = #expect(throws: DataError.self) {
            try Series(name: "a", frequency: .monthly, dates: ds("2020-01-01"), values: [.nan])
        }
        #expect(
            nan?.message == "Series 'a' has the non-finite value nan at 2020-01-01; represent a missing value as nil.")
        let order = #expect(throws: DataError.self) {
            try Series(name: "a", frequency: .monthly, dates: ds("2020-02-01", "2020-01-01"), values: [1, 2])
        }
        #expect(order?.message == "Series 'a' has 2020-01-01 after 2020-02-01; dates must be strictly increasing.")
        let twice = #expect(throws: DataError.self) {
            try Series(name: "a", frequency: .monthly, dates: ds("2020-01-01", "2020-01-15"), values: [1, 2])
        }
        #expect(
            twice?.message
                == "Series 'a' has two monthly observations in the period labelled 2020-01-01 (2020-01-01 and "
                + "2020-01-15); keep one observation per period or declare a finer frequency.")
    }
}

struct DatasetAggregationTests {
    @Test func dailyToMonthlySkipsMissing() throws {
        // Thu 30 Jan, Fri 31 Jan (missing), Mon 3 Feb, Tue 4 Feb.
        let s = try Series(
            name: "d", dates: ds("2020-01-30", "2020-01-31", "2020-02-03", "2020-02-04"), values: [1, nil, 3, 5])
        let avg = try s.aggregated(to: .monthly, using: .average)
        #expect(avg.dates == (try ds("2020-01-01", "2020-02-01")))
        #expect(avg.values == [1, 4])
        #expect(try s.aggregated(to: .monthly, using: .sum).values == [1, 8])
        #expect(try s.aggregated(to: .monthly, using: .endOfPeriod).values == [1, 5])  // last non-missing in January
        #expect(try s.aggregated(to: .annual, using: .sum).values == [9])
    }

    @Test func allMissingPeriodIsMissing() throws {
        let s = try Series(name: "d", dates: ds("2020-01-31", "2020-02-03"), values: [nil, 2])
        #expect(try s.aggregated(to: .monthly, using: .average).values == [nil, 2])
    }

    @Test func leapDayBelongsToFebruary() throws {
        let s = try Series(name: "d", dates: ds("2024-02-28", "2024-02-29", "2024-03-01"), values: [1, 2, 10])
        let m = try s.aggregated(to: .monthly, using: .average)
        #expect(m.dates == (try ds("2024-02-01", "2024-03-01")))
        #expect(m.values == [1.5, 10])
        #expect(try s.aggregated(to: .quarterly, using: .endOfPeriod).values == [10])
    }

    @Test func dailyToWeeklyEndsFriday() throws {
        // Fri 27 Mar | Mon 30 Mar ... Fri 3 Apr | Mon 6 Apr.
        let s = try Series(
            name: "d",
            dates: ds("2020-03-27", "2020-03-30", "2020-03-31", "2020-04-01", "2020-04-02", "2020-04-03", "2020-04-06"),
            values: [9, 1, 2, 3, 4, 5, 7])
        let w = try s.aggregated(to: .weekly, using: .average)
        #expect(w.dates == (try ds("2020-03-27", "2020-04-03", "2020-04-10")))
        #expect(w.values == [9, 3, 7])
        // The week 30 Mar-3 Apr spans two months; each day goes to the month of its date.
        #expect(try s.aggregated(to: .monthly, using: .sum).values == [12, 19])
    }

    @Test func weeklyToMonthlyUsesTheObservationDate() throws {
        // Wednesday-dated weekly series (like WALCL); the week ending Fri 1 May spans April and May,
        // but its Wednesday observation (29 Apr) belongs to April.
        let s = try Series(name: "WALCL", dates: ds("2020-04-22", "2020-04-29", "2020-05-06"), values: [10, 20, 40])
        #expect(s.frequency == .weekly)
        let m = try s.aggregated(to: .monthly, using: .average)
        #expect(m.dates == (try ds("2020-04-01", "2020-05-01")))
        #expect(m.values == [15, 40])
        #expect(try s.aggregated(to: .monthly, using: .endOfPeriod).values == [20, 40])
        // A Friday-dated week ending 1 May belongs to May even though four of its days are in April.
        let f = try Series(name: "STLFSI4", dates: ds("2020-04-24", "2020-05-01"), values: [1, 2])
        #expect(try f.aggregated(to: .monthly, using: .sum).values == [1, 2])
    }

    @Test func monthlyToQuarterlyAndAnnual() throws {
        let s = try Series(
            name: "m", dates: ds("2020-01-01", "2020-02-01", "2020-03-01", "2020-04-01", "2020-05-01", "2020-06-01"),
            values: [1, 2, 3, 4, 5, 6])
        let q = try s.aggregated(to: .quarterly, using: .average)
        #expect(q.dates == (try ds("2020-01-01", "2020-04-01")))
        #expect(q.values == [2, 5])
        #expect(try s.aggregated(to: .quarterly, using: .sum).values == [6, 15])
        #expect(try s.aggregated(to: .quarterly, using: .endOfPeriod).values == [3, 6])
        let a = try s.aggregated(to: .annual, using: .average)
        #expect(a.dates == (try ds("2020-01-01")))
        #expect(a.values == [3.5])
    }

    @Test func upsamplingIsRefused() throws {
        let gdp = try Series(name: "gdp", dates: ds("2020-01-01", "2020-04-01"), values: [1, 2])
        let e = #expect(throws: DataError.self) { try gdp.aggregated(to: .monthly, using: .average) }
        #expect(e?.code == .upsampling)
        #expect(
            e?.message
                == "Series 'gdp' is quarterly and cannot be converted to monthly: QEIR never upsamples. "
                + "Aggregate the other series to quarterly instead.")
        #expect(e?.context == ["series": "gdp", "from": "q", "to": "m"])
        let m = try Series(name: "m", dates: ds("2020-01-01", "2020-02-01"), values: [1, 2])
        #expect(throws: DataError.self) { try Dataset(aligning: [gdp, m], to: .monthly) }
    }
}

struct DatasetTransformTests {
    // Quarterly with 2020Q3 absent and 2021Q1 missing.
    func q() throws -> Series {
        try Series(
            name: "x", dates: ds("2020-01-01", "2020-04-01", "2020-10-01", "2021-01-01", "2021-04-01"),
            values: [100, 110, 121, nil, 133.1])
    }

    @Test func differencesUseTheCalendar() throws {
        let s = try q()
        #expect(approxEqual(try s.transformed(.difference).values, [nil, 10, nil, nil, nil]))
        #expect(approxEqual(try s.transformed(.percentChange).values, [nil, 10, nil, nil, nil]))
        #expect(approxEqual(try s.transformed(.logDifference100).values, [nil, 100 * log(1.1), nil, nil, nil]))
        #expect(approxEqual(try s.transformed(.yearOverYearPercentChange).values, [nil, nil, nil, nil, 21]))
        #expect(approxEqual(try s.transformed(.log).values, [log(100), log(110), log(121), nil, log(133.1)]))
        #expect(try s.transformed(.level).values == s.values)
        #expect(try s.transformed(.difference).name == "x_diff")
        #expect(try s.transformed(.log, name: "lx").name == "lx")
    }

    @Test func lagsAndLeadsAreByPeriodNotRow() throws {
        let s = try q()
        // A row-based lag would put 110 at 2020-10-01; 2020Q3 is absent, so it is missing.
        #expect(try s.transformed(.lag(1)).values == [nil, 100, nil, 121, nil])
        #expect(try s.transformed(.lag(4)).values == [nil, nil, nil, 100, 110])
        #expect(try s.transformed(.lead(1)).values == [110, nil, nil, 133.1, nil])
        #expect(try s.transformed(.lag(2)).name == "x_lag2")
        let e = #expect(throws: DataError.self) { try s.transformed(.lag(0)) }
        #expect(
            e?.message
                == "A lag:0 of series 'x' needs k ≥ 1; use level for k = 0 or the opposite direction for negative k.")
    }

    @Test func monthlyYearOverYear() throws {
        var dates: [SeriesDate] = []
        for m in 1...12 { dates.append(try SeriesDate(year: 2019, month: m, day: 1)) }
        dates.append(try SeriesDate("2020-01-01"))
        let values: [Double?] = [100] + Array(repeating: 101, count: 11) + [103]
        let s = try Series(name: "cpi", dates: dates, values: values)
        let yoy = try s.transformed(.yearOverYearPercentChange).values
        #expect(yoy.prefix(12).allSatisfy { $0 == nil })
        #expect(approxEqual([yoy[12]], [3]))
    }

    @Test func standardize() throws {
        let s = try Series(
            name: "z", dates: ds("2001-01-01", "2002-01-01", "2003-01-01", "2004-01-01"), values: [1, 2, 3, nil])
        #expect(approxEqual(try s.transformed(.standardize).values, [-1, 0, 1, nil]))
        let flat = try Series(name: "f", dates: ds("2001-01-01", "2002-01-01"), values: [5, 5])
        let e = #expect(throws: DataError.self) { try flat.transformed(.standardize) }
        #expect(
            e?.message
                == "Cannot standardize series 'f': it has 2 observed value(s) and needs at least two that differ.")
    }

    @Test func domainErrorsNameSeriesDateValue() throws {
        let s = try Series(name: "r", dates: ds("2020-01-01", "2020-02-01"), values: [0, 1])
        let e = #expect(throws: DataError.self) { try s.transformed(.log) }
        #expect(e?.code == .domainError)
        #expect(
            e?.message
                == "Cannot take the log of series 'r': its value at 2020-01-01 is 0.0, not positive. "
                + "Use diff or pct_change, or shift the series.")
        let p = #expect(throws: DataError.self) { try s.transformed(.percentChange) }
        #expect(
            p?.message
                == "Cannot compute the percent change of series 'r' at 2020-02-01: the base value in the period "
                + "labelled 2020-01-01 is 0. Use diff instead.")
    }

    @Test func ratio() throws {
        let a = try Series(name: "a", dates: ds("2020-01-01", "2020-02-01", "2020-03-01"), values: [2, 6, nil])
        let b = try Series(name: "b", dates: ds("2020-02-01", "2020-03-01", "2020-04-01"), values: [3, 4, 0])
        let r = try Series.ratio(a, b)
        #expect(r.name == "a_over_b")
        #expect(r.dates == (try ds("2020-02-01", "2020-03-01")))
        #expect(r.values == [2, nil])
        let c = try Series(name: "c", dates: ds("2020-04-01", "2020-05-01"), values: [1, 1])
        let e = #expect(throws: DataError.self) { try Series.ratio(c, b) }
        #expect(
            e?.message
                == "Cannot divide series 'c' by 'b': the denominator is 0 at 2020-04-01. Remove that observation "
                + "or choose another denominator.")
        let q = try Series(name: "q", dates: ds("2020-01-01", "2020-04-01"), values: [1, 1])
        let f = #expect(throws: DataError.self) { try Series.ratio(a, q) }
        #expect(
            f?.message
                == "Cannot divide series 'a' (monthly) by 'q' (quarterly); aggregate both to one frequency first.")
    }

    @Test func parsesTextForms() throws {
        for t: Transform in [
            .level, .log, .difference, .logDifference100, .percentChange, .yearOverYearPercentChange,
            .lag(3), .lead(2), .standardize,
        ] {
            #expect(try Transform(parsing: t.description) == t)
        }
        let e = #expect(throws: DataError.self) { try Transform(parsing: "lag:0") }
        #expect(
            e?.message
                == "'lag:0' is not a transform; use one of level, log, diff, log_diff_100, pct_change, "
                + "yoy_pct_change, standardize, lag:k or lead:k (k ≥ 1).")
    }
}

struct DatasetTests {
    func monthly() throws -> Dataset {
        let a = try Series(name: "a", dates: ds("2020-01-01", "2020-02-01", "2020-03-01"), values: [1, 2, 3])
        let b = try Series(name: "b", dates: ds("2020-02-01", "2020-03-01", "2020-04-01"), values: [20, 30, 40])
        return try Dataset(frequency: .monthly, series: [a, b])
    }

    @Test func indexIsContiguous() throws {
        let gap = try Series(name: "g", dates: ds("2020-01-01", "2020-04-01"), values: [1, 4])
        let d = try Dataset(frequency: .quarterly, series: [gap])
        #expect(d.rowCount == 2)
        let m = try Series(name: "m", dates: ds("2020-01-01", "2020-03-01"), values: [1, 3])
        let dm = try Dataset(frequency: .monthly, series: [m])
        #expect(dm.dates == (try ds("2020-01-01", "2020-02-01", "2020-03-01")))
        #expect(try dm.column("m") == [1, nil, 3])
        let data = try monthly()
        #expect(data.columnNames == ["a", "b"])
        #expect(data.dates == (try ds("2020-01-01", "2020-02-01", "2020-03-01", "2020-04-01")))
        #expect(try data.column("a") == [1, 2, 3, nil])
        #expect(try data.column("b") == [nil, 20, 30, 40])
        let e = #expect(throws: DataError.self) { try data.column("c") }
        #expect(e?.message == "The dataset has no column 'c'; its columns are a, b.")
    }

    @Test func aligningMixedFrequencies() throws {
        // Daily yield (Fri 31 Jan, Mon 3 Feb, Tue 4 Feb with a missing day) and a monthly series.
        let y = try Series(
            name: "DGS10", observations: [("2020-01-31", "1.51"), ("2020-02-03", "1.52"), ("2020-02-04", ".")])
        let m = try Series(name: "FEDFUNDS", dates: ds("2020-01-01", "2020-02-01"), values: [1.55, 1.58])
        let d = try Dataset(aligning: [y, m], to: .monthly, overrides: ["DGS10": .endOfPeriod])
        #expect(d.frequency == .monthly)
        #expect(try d.column("DGS10") == [1.51, 1.52])
        #expect(try d.column("FEDFUNDS") == [1.55, 1.58])
        let e = #expect(throws: DataError.self) { try Dataset(aligning: [y], to: .monthly, overrides: ["DGS1": .sum]) }
        #expect(
            e?.message
                == "The aggregation override names series 'DGS1', which is not among the series being aligned "
                + "(DGS10); fix the name.")
        let mix = #expect(throws: DataError.self) { try Dataset(frequency: .monthly, series: [y]) }
        #expect(
            mix?.message
                == "Series 'DGS10' is daily but the dataset is monthly; align it with "
                + "Dataset(aligning:to:aggregation:) to aggregate it.")
    }

    @Test func windows() throws {
        let data = try monthly()
        #expect(try data.commonWindow().dates == (try ds("2020-02-01", "2020-03-01")))
        #expect(try data.commonWindow(["a"]).dates == (try ds("2020-01-01", "2020-02-01", "2020-03-01")))
        let w = try data.window(from: SeriesDate("2020-02-15"), through: SeriesDate("2020-12-31"))
        #expect(w.dates == (try ds("2020-02-01", "2020-03-01", "2020-04-01")))
        #expect(try w.column("a") == [2, 3, nil])
        let e = #expect(throws: DataError.self) { try data.window(from: SeriesDate("2021-01-01")) }
        #expect(
            e?.message
                == "The window 2021-01-01 through the end leaves no monthly rows; the data run from 2020-01-01 to 2020-04-01."
        )
        // Daily window starting on a Saturday begins on the Monday.
        let daily = try Dataset(
            frequency: .daily,
            series: [try Series(name: "d", dates: ds("2020-02-27", "2020-02-28", "2020-03-02"), values: [1, 2, 3])])
        #expect(try daily.window(from: SeriesDate("2020-02-29")).dates == (try ds("2020-03-02")))
        #expect(try daily.window(through: SeriesDate("2020-03-01")).dates == (try ds("2020-02-27", "2020-02-28")))
        let disjoint = try Dataset(
            frequency: .annual,
            series: [
                try Series(name: "p", dates: ds("2000-01-01", "2001-01-01"), values: [1, 2]),
                try Series(name: "r", dates: ds("2005-01-01", "2006-01-01"), values: [1, 2]),
            ])
        let none = #expect(throws: DataError.self) { try disjoint.commonWindow() }
        #expect(
            none?.message
                == "Columns 'r' (from 2005-01-01) and 'p' (through 2001-01-01) do not overlap; there is no common window."
        )
    }

    @Test func transformsInADataset() throws {
        let data = try monthly().adding(.lag(1), of: "a").adding(.difference, of: "b", as: "db").addingRatio(
            of: "b", to: "a")
        #expect(data.columnNames == ["a", "b", "a_lag1", "db", "b_over_a"])
        #expect(try data.column("a_lag1") == [nil, 1, 2, 3])  // April gets a's March value
        #expect(try data.column("db") == [nil, nil, 10, 10])
        #expect(try data.column("b_over_a") == [nil, 10, 10, nil])
        let e = #expect(throws: DataError.self) { try data.adding(.log, of: "a", as: "b") }
        #expect(e?.message == "The dataset already has a column 'b'; rename the series (renamed(_:)) before adding it.")
    }

    @Test func addingExtendsTheIndex() throws {
        let extra = try Series(name: "c", frequency: .monthly, dates: ds("2019-12-01"), values: [7])
        let data = try monthly().adding(extra)
        #expect(data.dates.first == (try SeriesDate("2019-12-01")))
        #expect(try data.column("a") == [nil, 1, 2, 3, nil])
        #expect(try data.column("c") == [7, nil, nil, nil, nil])
    }
}

struct DatasetMissingPolicyTests {
    func data() throws -> Dataset {
        let a = try Series(name: "a", dates: ds("2020-01-01", "2020-02-01", "2020-03-01"), values: [1, 2, 3])
        let b = try Series(name: "b", dates: ds("2020-02-01", "2020-03-01", "2020-04-01"), values: [20, 30, 40])
        let c = try Series(
            name: "c", dates: ds("2020-01-01", "2020-02-01", "2020-03-01", "2020-04-01"), values: [1, nil, nil, 4])
        return try Dataset(frequency: .monthly, series: [a, b, c])
    }

    @Test func errorIsTheDefault() throws {
        let e = #expect(throws: DataError.self) { try data().prepared(["a", "b"]) }
        #expect(e?.code == .missingValue)
        #expect(
            e?.message
                == "Column 'b' is missing at 2020-01-01; narrow the window or choose the dropRows or "
                + "forwardFill(limit:) missing-value policy.")
        #expect(e?.context == ["column": "b", "date": "2020-01-01"])
        let ok = try data().commonWindow(["a", "b"]).prepared(["a", "b"])
        #expect(ok.values == [[2, 3], [20, 30]])
        #expect(ok.droppedRows == 0)
    }

    @Test func dropRowsReportsTheCount() throws {
        let p = try data().prepared(["a", "b"], missing: .dropRows)
        #expect(p.dates == (try ds("2020-02-01", "2020-03-01")))
        #expect(p.droppedRows == 2)
        #expect(try p.column("b") == [20, 30])
        let none = #expect(throws: DataError.self) { try data().prepared(["a", "b", "c"], missing: .dropRows) }
        #expect(none?.message == "Every row has a missing value in a, b, c; dropRows left no observations.")
    }

    @Test func forwardFillRespectsTheLimit() throws {
        let two = try data().prepared(["c"], missing: .forwardFill(limit: 2))
        #expect(two.values == [[1, 1, 1, 4]])
        #expect(two.filledValues == 2)
        let one = #expect(throws: DataError.self) { try data().prepared(["c"], missing: .forwardFill(limit: 1)) }
        #expect(
            one?.message
                == "Column 'c' is missing at 2020-03-01 and cannot be forward-filled: its last observation "
                + "(2020-01-01) is 2 periods earlier, beyond the limit of 1. Narrow the window, raise the limit or use dropRows."
        )
        let lead = #expect(throws: DataError.self) { try data().prepared(["b"], missing: .forwardFill(limit: 3)) }
        #expect(
            lead?.message
                == "Column 'b' is missing at 2020-01-01 and cannot be forward-filled: it has no earlier observation. "
                + "Narrow the window, raise the limit or use dropRows.")
        let a = try data().prepared(["a"], missing: .forwardFill(limit: 1))
        #expect(a.values == [[1, 2, 3, 3]])
    }

    @Test func regressionData() throws {
        let data = try data().adding(.lag(1), of: "a")
        let r = try data.regressionData(y: "b", x: ["a", "a_lag1"], missing: .dropRows)
        #expect(r.yName == "b")
        // Rows: a = [1, 2, 3, –], b = [–, 20, 30, 40], a_lag1 = [–, 1, 2, 3]; February and March are complete.
        #expect(r.y == [20, 30])
        #expect(r.design.names == ["const", "a", "a_lag1"])
        #expect(r.design.nobs == 2)
        #expect(try r.design.column(named: "const") == [1, 1])
        #expect(try r.design.column(named: "a") == [2, 3])
        #expect(try r.design.column(named: "a_lag1") == [1, 2])
        #expect(r.dates == (try ds("2020-02-01", "2020-03-01")))
        #expect(r.droppedRows == 2)
        let noConst = try data.regressionData(y: "b", x: ["a"], constant: false, missing: .dropRows)
        #expect(noConst.design.names == ["a"])
        #expect(noConst.y == [20, 30])
        #expect(noConst.dates == (try ds("2020-02-01", "2020-03-01")))
        let e = #expect(throws: DataError.self) { try data.regressionData(y: "b", x: ["a"]) }
        #expect(e?.message.hasPrefix("Column 'b' is missing at 2020-01-01;") == true)
        let twice = #expect(throws: DataError.self) { try data.regressionData(y: "b", x: ["a", "b"]) }
        #expect(
            twice?.message == "Column 'b' is named twice among y and the regressors; each variable may appear once.")
    }
}
