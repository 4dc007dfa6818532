import Foundation
import QEIRData
import Testing

// Spot values below were read from the raw snapshot (Debian gretl-data 2022c-1,
// /usr/share/gretl/db/fedstl.bin, float32 decoded at the offsets fedstl.idx implies) and
// agree with the figures FRED published at the time:
//   FEDFUNDS 1954-07 0.80, 2022-09 2.56 · CPIAUCSL 1947-01 21.48, 2022-09 296.761 ·
//   GS10 2008-09 3.69, 2020-04 0.66 · GDP 1947Q1 243.164, 2022Q3 25663.3 (advance estimate) ·
//   PNFIC1 2002Q1 1492.65 · FYOINT FY1940 899 (millions) · GS20 absent 1987-01 … 1993-09 ·
//   RSBKCRNS 2022-10 8718.8 · BAA 2022-09 5.69, so BAA10YM = 5.69 − 3.52 = 2.17 ·
//   CURRCIR 2022-09 2280 + TOTRESNS 3131.4 = 5411.4 (the computed monetary-base stand-in).
// Values are stored as the shortest decimal that reads back as the snapshot's float32, so
// they compare exactly with these decimal literals.

struct EmbeddedFREDTests {
    let embedded: EmbeddedFRED

    init() throws { embedded = try EmbeddedFRED() }

    @Test func manifestDescribesTheSnapshot() {
        #expect(embedded.source == "Debian gretl-data 2022c-1, fedstl snapshot")
        #expect(embedded.snapshotEnd == "2022-10-01")
        #expect(embedded.series.count == 61)
        #expect(Set(embedded.series.map(\.name)).count == embedded.series.count)
    }

    @Test func everyListedSeriesLoadsAndMatchesItsManifestEntry() throws {
        for info in embedded.series {
            let s = try embedded.series(info.name)
            #expect(s.dates.count == info.observations, "\(info.name)")
            #expect(s.values.count == info.observations, "\(info.name)")
            #expect(s.dates.first == info.first, "\(info.name)")
            #expect(s.dates.last == info.last, "\(info.name)")
            #expect(s.values.count(where: { $0 == nil }) == info.missing, "\(info.name)")
            #expect(s.values.first! != nil && s.values.last! != nil, "\(info.name) starts or ends missing")
            #expect(s.dates == s.dates.sorted(), "\(info.name)")
            #expect(info.last <= embedded.snapshotEnd, "\(info.name)")
            if info.derivedFrom.isEmpty || info.name == "baa10ym" {
                #expect(info.fredID == info.name.uppercased(), "\(info.name)")
            } else {
                #expect(info.fredID == nil, "\(info.name)")
            }
            #expect(!info.units.isEmpty && !info.title.isEmpty, "\(info.name)")
            #expect(s.provenance.origin == "embedded")
            #expect(s.provenance.snapshotEnd == "2022-10-01")
        }
    }

    @Test func datesAreTheFirstDayOfEachConsecutivePeriod() throws {
        for info in embedded.series {
            let dates = try embedded.series(info.name).dates
            let step: Int
            switch info.frequency {
            case .monthly: step = 1
            case .quarterly: step = 3
            case .annual: step = 12
            default:
                Issue.record("\(info.name): unexpected frequency \(info.frequency)")
                continue
            }
            var previous: Int?
            for date in dates {
                let parts = date.split(separator: "-").compactMap { Int($0) }
                #expect(parts.count == 3 && parts[2] == 1, "\(info.name) \(date)")
                if info.frequency == .quarterly { #expect([1, 4, 7, 10].contains(parts[1]), "\(date)") }
                if info.frequency == .annual { #expect(parts[1] == 1, "\(date)") }
                let month = parts[0] * 12 + parts[1] - 1
                if let previous { #expect(month - previous == step, "\(info.name) gap before \(date)") }
                previous = month
            }
        }
    }

    private func value(_ id: String, _ date: String) throws -> Double? {
        let s = try embedded.series(id)
        let i = try #require(s.dates.firstIndex(of: date), "\(id) has no \(date)")
        return s.values[i]
    }

    @Test func spotValuesMatchPublishedFigures() throws {
        #expect(try value("FEDFUNDS", "1954-07-01") == 0.8)
        #expect(try value("fedfunds", "2022-09-01") == 2.56)
        #expect(try value("CPIAUCSL", "1947-01-01") == 21.48)
        #expect(try value("CPIAUCSL", "2022-09-01") == 296.761)
        #expect(try value("GS10", "2008-09-01") == 3.69)
        #expect(try value("GS10", "2020-04-01") == 0.66)
        #expect(try value("GDP", "1947-01-01") == 243.164)
        #expect(try value("GDP", "2022-07-01") == 25663.3)
        #expect(try value("PNFIC1", "2002-01-01") == 1492.65)
        #expect(try value("FYOINT", "1940-01-01") == 899)
        #expect(try value("RSBKCRNS", "2022-10-01") == 8718.8)
        #expect(try value("BAA", "2022-09-01") == 5.69)
        #expect(try value("BAA10YM", "2022-09-01") == 2.17)
        #expect(try value("mbase_cc_tr", "2022-09-01") == 5411.4)  // CURRCIR 2280 + TOTRESNS 3131.4
    }

    @Test func missingObservationsStayNil() throws {
        let gs20 = try embedded.series("GS20")
        #expect(try value("GS20", "1986-12-01") == 7.28)
        #expect(try value("GS20", "1987-01-01") == nil)
        #expect(try value("GS20", "1993-09-01") == nil)
        #expect(try value("GS20", "1993-10-01") == 6.07)
        #expect(gs20.values.count(where: { $0 == nil }) == 81)
        #expect(gs20.values.allSatisfy { $0 != 0 })
    }

    @Test func reserveBankCreditStartsAfterTheSnapshotsPlaceholderZeros() throws {
        let s = try embedded.series("RSBKCRNS")
        #expect(s.dates.first == "1990-12-01")
        #expect((s.values.first ?? nil) == 289.684)
        #expect(s.values.allSatisfy { ($0 ?? 0) > 100 })
    }

    @Test func lookupIsByFREDIdOrGretlNameInEitherCase() throws {
        #expect(try embedded.series("gs10") == embedded.series("GS10"))
        #expect(try embedded.info("Gs10").name == "gs10")
        let e = #expect(throws: DataError.self) { try embedded.series("WALCL") }
        #expect(e?.code == .unknownEmbeddedSeries)
        #expect(e?.message.hasPrefix("Series 'WALCL' is not in the embedded offline data set (") == true)
        #expect(e?.message.hasSuffix("Other series need a FRED API key and network access.") == true)
    }

    @Test func provenanceSaysEmbeddedAndTheSnapshotEnd() throws {
        let p = try embedded.series("GS10").provenance
        #expect(p.fredID == "GS10")
        #expect(p.units == "%")
        #expect(p.frequency == .monthly)
        #expect(p.proxy == nil)
        #expect(
            p.description
                == "embedded offline data (Debian gretl-data 2022c-1, fedstl snapshot, ends 2022-10-01): "
                + "GS10, %, monthly, 1953-04-01 to 2022-09-01")
    }

    @Test func proxyMappingCoversEveryQEIRProxy() {
        let expected: [String: (String?, EmbeddedFRED.Match)] = [
            "fed_total_assets": ("rsbkcrns", .substitute), "monetary_base": ("mbase_cc_tr", .substitute),
            "ten_year_yield": ("gs10", .substitute), "consumer_confidence": (nil, .none),
            "financial_stress_index": ("kcfsi", .substitute),
            "federal_interest_payments": ("fyoint", .substitute), "gdp": ("gdp", .exact),
            "private_fixed_investment": ("pnfi", .exact), "equipment_investment": (nil, .none),
            "corporate_bond_spreads": ("baa10ym", .substitute), "fed_funds": ("fedfunds", .exact),
            "trade_weighted_dollar": ("twexbmth", .substitute), "eur_usd_rate": ("exuseu", .substitute),
            "cpi_all_items": ("cpiaucsl", .exact), "pce_price_index": ("pcepi", .exact),
            "foreign_treasury_holdings": (nil, .none),
        ]
        #expect(Set(embedded.proxies.map(\.proxy)) == Set(expected.keys))
        for m in embedded.proxies {
            #expect(m.embedded == expected[m.proxy]?.0, "\(m.proxy)")
            #expect(m.match == expected[m.proxy]?.1, "\(m.proxy)")
            #expect(!m.note.isEmpty)
            if m.match == .exact { #expect(m.fredID == m.embedded?.uppercased(), "\(m.proxy)") }
        }
    }

    @Test func mappedProxiesLoadWithTheirMappingInProvenance() throws {
        for m in embedded.proxies where m.embedded != nil {
            let s = try embedded.series(forProxy: m.proxy)
            #expect(s.provenance.name == m.embedded)
            #expect(s.provenance.proxy == m.proxy)
            #expect(s.provenance.match == m.match)
            #expect(s.provenance.note == m.note)
            #expect(s.provenance.description.contains("ends 2022-10-01"))
        }
        let assets = try embedded.series(forProxy: "fed_total_assets").provenance
        #expect(assets.proxyFREDID == "WALCL")
        #expect(
            assets.description.hasPrefix(
                "embedded offline data (Debian gretl-data 2022c-1, fedstl snapshot, ends 2022-10-01): "
                    + "RSBKCRNS, Bil. of $, monthly, 1990-12-01 to 2022-10-01; proxy fed_total_assets "
                    + "(FRED WALCL): substitute. Reserve Bank Credit (RSBKCRNS"))
    }

    @Test func unmappedProxyFailsNamingTheProxy() throws {
        let e = #expect(throws: DataError.self) { try embedded.series(forProxy: "consumer_confidence") }
        #expect(e?.code == .proxyNotEmbedded)
        #expect(e?.context["proxy"] == "consumer_confidence")
        #expect(
            e?.message
                == "Proxy 'consumer_confidence' (FRED UMCSENT) has no series in the embedded offline data set "
                + "(Debian gretl-data 2022c-1, fedstl snapshot, ends 2022-10-01): The snapshot has no consumer "
                + "sentiment or confidence index (its MICH is expected inflation, not sentiment). It needs a "
                + "FRED API key and network access; supply a key or leave 'consumer_confidence' out of the job."
        )
        let equipment = #expect(throws: DataError.self) { try embedded.series(forProxy: "equipment_investment") }
        #expect(equipment?.message.hasPrefix("Proxy 'equipment_investment' has no series in the embedded") == true)
    }

    @Test func unknownProxyListsTheKnownOnes() throws {
        let e = #expect(throws: DataError.self) { try embedded.series(forProxy: "m3") }
        #expect(e?.code == .unknownProxy)
        #expect(
            e?.message.hasPrefix("Proxy 'm3' is unknown to the embedded offline data set; the known proxies are ")
                == true)
        #expect(e?.message.contains("fed_total_assets, monetary_base") == true)
    }

    @Test func aDirectoryWithoutTheFilesIsAClearError() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("qeir-embedded-\(UUID().uuidString)")
        let e = #expect(throws: DataError.self) { try EmbeddedFRED(directory: dir) }
        #expect(e?.code == .embeddedDataUnavailable)
        #expect(
            e?.message
                == "Cannot read the embedded FRED file \(dir.path)/manifest.json; rebuild QEIR with SwiftPM so the "
                + "EmbeddedFRED resource is copied, or use a FRED API key.")
    }

    @Test func aFileThatDisagreesWithTheManifestIsDetected() throws {
        let fm = FileManager.default
        let dir = fm.temporaryDirectory.appendingPathComponent("qeir-embedded-\(UUID().uuidString)")
        try fm.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? fm.removeItem(at: dir) }
        let manifest = """
            {"source": "test", "snapshot_end": "2000-02-01", "series": [{"name": "x", "fred_id": "X",
            "title": "X", "units": "%", "seasonal_adjustment": "NSA", "frequency": "monthly",
            "file": "monthly.csv", "group": "g", "first": "2000-01-01", "last": "2000-02-01",
            "observations": 2, "missing": 0, "source": "test"}]}
            """
        try manifest.write(to: dir.appendingPathComponent("manifest.json"), atomically: true, encoding: .utf8)
        try #"{"proxies": []}"#.write(to: dir.appendingPathComponent("proxies.json"), atomically: true, encoding: .utf8)
        try "date,x\n2000-01-01,1\n2000-02-01,\n".write(
            to: dir.appendingPathComponent("monthly.csv"), atomically: true, encoding: .utf8)
        let data = try EmbeddedFRED(directory: dir)
        let e = #expect(throws: DataError.self) { try data.series("x") }
        #expect(e?.code == .embeddedDataUnavailable)
        #expect(
            e?.message
                == "The embedded file monthly.csv has 2 observations (1 missing) where the manifest says 2 "
                + "(0 missing) for series 'x'; regenerate it with Scripts/embedded/make_embedded_fred.py.")
    }
}
