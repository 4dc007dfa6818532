import Foundation
import Testing

@testable import QEIRData

/// The fast observations scanner must give exactly what the JSONDecoder path gives, or decline.
@Suite struct FREDObservationsScannerTests {
    /// The generic path: JSONDecoder rows assembled by the client.
    private struct GenericPage: Decodable {
        var count: Int
        var observations: [[String: String]]
    }

    private func generic(_ body: String) throws -> (count: Int, observations: [FREDObservation]) {
        let page = try JSONDecoder().decode(GenericPage.self, from: Data(body.utf8))
        return (page.count, try FREDClient.assemble("S", page.observations).observations)
    }

    private func fast(_ body: String) -> FREDObservationsScanner.Page? {
        FREDObservationsScanner.page(Data(body.utf8))
    }

    /// Bit-for-bit equality, `nil` included (NaN never occurs: FRED's "." is nil).
    private func same(_ a: [FREDObservation], _ b: [FREDObservation]) -> Bool {
        guard a.count == b.count else { return false }
        for (x, y) in zip(a, b) {
            guard x.date == y.date, x.realtimeStart == y.realtimeStart, x.realtimeEnd == y.realtimeEnd else {
                return false
            }
            switch (x.value, y.value) {
            case (nil, nil): continue
            case let (u?, v?) where u.bitPattern == v.bitPattern: continue
            default: return false
            }
        }
        return true
    }

    static let accepted: [String] = [
        // FRED's own layout, with a missing value and the header fields FRED sends.
        """
        {"realtime_start":"2026-11-29","realtime_end":"2026-11-29","observation_start":"1600-01-01",\
        "observation_end":"9999-12-31","units":"lin","output_type":1,"file_type":"json",\
        "order_by":"observation_date","sort_order":"asc","count":3,"offset":0,"limit":100000,\
        "observations":[{"realtime_start":"2026-11-29","realtime_end":"2026-11-29","date":"2008-01-01",\
        "value":"14.5"},{"realtime_start":"2026-11-29","realtime_end":"2026-11-29","date":"2008-02-01",\
        "value":"."},{"realtime_start":"2026-11-29","realtime_end":"2026-11-29","date":"2008-03-01",\
        "value":"-0.0031"}]}
        """,
        // Pretty-printed, keys in another order, vintages changing row to row (ALFRED).
        """
        {
          "observations": [
            { "date": "2009-01-01", "value": "1e5", "realtime_start": "2009-07-30", "realtime_end": "2009-08-26" },
            { "date": "2009-01-01", "value": "3.14159265358979323846", "realtime_start": "2009-08-27",
              "realtime_end": "9999-12-31" },
            { "date": "2009-04-01", "value": "+7", "realtime_start": "2009-08-27", "realtime_end": "9999-12-31" },
            { "value": "0.1", "date": "2009-07-01" }
          ],
          "count": 4, "extra": {"nested": [1, -2.5e-3, true, false, null, "a\\"b"]}
        }
        """,
        #"{"count":0,"offset":0,"observations":[]}"#,
        #"{"count":2,"observations":[{"date":"2020-01-01","value":"0"},{"date":"2020-01-02","value":"-0"}]}"#,
        #"{"count":1,"observations":[{"date":"2020-01-01","value":"123456789012345.6"}]}"#,
        #"{"count":1,"observations":[{"date":"2020-01-01","value":"0.00000000000000000000012"}]}"#,
        // FRED's compact layout with dates that are not dates, and a non-ASCII-free odd value.
        #"{"count":2,"observations":[{"realtime_start":"abcdefghij","realtime_end":"2026-11-29","date":"2020/01/01","value":"1E-3"},"#
            + #"{"realtime_start":"abcdefghij","realtime_end":"2026-11-30","date":"2020-01-0 ","value":"."}]}"#,
    ]

    @Test(arguments: accepted)
    func acceptedPagesDecodeExactlyAsJSONDecoder(body: String) throws {
        let page = try #require(fast(body), "the fast path declined a page it should take")
        let reference = try generic(body)
        #expect(page.count == reference.count)
        #expect(same(page.observations, reference.observations))
    }

    static let declined: [String] = [
        // Wide format (output type 2): vintage columns.
        #"{"count":1,"observations":[{"date":"2009-01-01","GDP_20090730":"1.5"}]}"#,
        // An escaped string, a numeric value, a null value, missing fields.
        #"{"count":1,"observations":[{"date":"2009\u002d01-01","value":"1"}]}"#,
        #"{"count":1,"observations":[{"date":"2009-01-01","value":1.5}]}"#,
        #"{"count":1,"observations":[{"date":"2009-01-01","value":null}]}"#,
        #"{"count":1,"observations":[{"date":"2009-01-01"}]}"#,
        #"{"count":1,"observations":[{"value":"1"}]}"#,
        // A value that is not a number, a duplicated key, malformed and truncated JSON.
        #"{"count":1,"observations":[{"date":"2009-01-01","value":"abc"}]}"#,
        #"{"count":1,"observations":[{"date":"2009-01-01","value":"1","value":"2"}]}"#,
        #"{"count":1,"observations":[{"date":"2009-01-01","value":"1"}],}"#,
        #"{"count":1,"observations":[{"date":"2009-01-01","value":"1"}"#,
        #"{"count":1,"observations":[{"date":"2009-01-01","value":"1"}]} trailing"#,
        #"{"count":01,"observations":[]}"#,
        #"{"count":1.0,"observations":[]}"#,
        #"{"observations":[]}"#,
        #"{"count":1,"units":tru,"observations":[]}"#,
        #"<html>Service Unavailable</html>"#,
        // FRED's compact layout spoiled by an escape in a date, a non-ASCII byte, a bad value.
        #"{"count":1,"observations":[{"realtime_start":"2026-11-2\"","realtime_end":"2026-11-29","date":"2020-01-01","value":"1"}]}"#,
        #"{"count":1,"observations":[{"realtime_start":"2026-11-29","realtime_end":"2026-11-29","date":"2020-01-é","value":"1"}]}"#,
        #"{"count":1,"observations":[{"realtime_start":"2026-11-29","realtime_end":"2026-11-29","date":"2020-01-01","value":"x1"}]}"#,
        #"{"count":1,"observations":[{"realtime_start":"2026-11-29","realtime_end":"2026-11-29","date":"2020-01-01","value":"1"]}"#,
        "",
    ]

    @Test(arguments: declined)
    func unusualPagesAreLeftToJSONDecoder(body: String) {
        #expect(fast(body) == nil)
    }

    /// Every decimal the fast path converts is the correctly rounded `Double(text)`.
    @Test func decimalsAreExact() {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state >> 11
        }
        var checked = 0
        for _ in 0..<200_000 {
            let digits = Int(next() % 17) + 1
            var text = next() % 2 == 0 ? "-" : ""
            var body = ""
            for _ in 0..<digits { body += String(next() % 10) }
            let point = Int(next() % UInt64(digits + 1))
            if point < digits {
                body.insert(".", at: body.index(body.startIndex, offsetBy: point))
                if point == 0 { body = "0" + body }
            }
            text += body
            let bytes = Array(text.utf8)
            let parsed = bytes.withUnsafeBufferPointer { FREDObservationsScanner.decimal($0.baseAddress!, $0.count) }
            guard let parsed else { continue }
            checked += 1
            #expect(parsed.bitPattern == Double(text)!.bitPattern, "\(text)")
        }
        #expect(checked > 100_000)
    }

    /// A 10,000-row page, as the cache-hit benchmark uses, decodes identically both ways.
    @Test func largePageMatchesJSONDecoder() throws {
        var rows: [String] = []
        for i in 0..<10_000 {
            let value = i % 97 == 0 ? "." : String(format: "%.4f", 100 + sin(Double(i)) * 5)
            let date = SeriesDate(dayNumber: 7_000 + i).description
            rows.append(
                #"{"realtime_start":"2026-11-29","realtime_end":"2026-11-29","date":"\#(date)","value":"\#(value)"}"#)
        }
        let body = #"{"count":10000,"offset":0,"observations":["# + rows.joined(separator: ",") + "]}"
        let page = try #require(fast(body))
        let reference = try generic(body)
        #expect(page.observations.count == 10_000)
        #expect(same(page.observations, reference.observations))
    }
}
