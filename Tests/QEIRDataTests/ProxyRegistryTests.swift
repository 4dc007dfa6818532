import Foundation
import QEIRData
import Testing

struct ProxyRegistryTests {
    @Test func defaultsCoverTheRequiredConcepts() throws {
        let expected: [String: (String, Frequency)] = [
            "fed_total_assets": ("WALCL", .weekly), "monetary_base": ("BOGMBASE", .monthly),
            "ten_year_yield": ("DGS10", .daily), "consumer_confidence": ("UMCSENT", .monthly),
            "financial_stress_index": ("STLFSI4", .weekly),
            "federal_interest_payments": ("A091RC1Q027SBEA", .quarterly), "gdp": ("GDP", .quarterly),
            "private_fixed_investment": ("PNFI", .quarterly), "equipment_investment": ("Y033RC1Q027SBEA", .quarterly),
            "corporate_bond_spreads": ("BAMLC0A0CM", .daily), "fed_funds": ("FEDFUNDS", .monthly),
            "trade_weighted_dollar": ("DTWEXBGS", .daily), "eur_usd_rate": ("DEXUSEU", .daily),
            "cpi_all_items": ("CPIAUCSL", .monthly), "pce_price_index": ("PCEPI", .monthly),
            "foreign_treasury_holdings": ("FDHBFIN", .quarterly),
        ]
        let registry = ProxyRegistry.defaults
        #expect(registry.names == expected.keys.sorted())
        for (name, (id, frequency)) in expected {
            let proxy = try registry.proxy(named: name)
            #expect(proxy.name == name)
            #expect(proxy.seriesID == id)
            #expect(proxy.frequency == frequency)
            #expect(!proxy.description.isEmpty)
        }
        #expect(try registry.proxy(named: "ten_year_yield").transform == .level)
        #expect(try registry.proxy(named: "gdp").transform == .log)
        #expect(try registry.proxy(named: "cpi_all_items").transform == .yearOverYearPercentChange)
    }

    @Test func unknownProxyListsTheValidNames() throws {
        let e = #expect(throws: DataError.self) { try ProxyRegistry.defaults.proxy(named: "gpd") }
        #expect(e?.code == .unknownProxy)
        #expect(
            e?.message
                == "Unknown proxy 'gpd'; the registry has consumer_confidence, corporate_bond_spreads, cpi_all_items, "
                + "equipment_investment, eur_usd_rate, fed_funds, fed_total_assets, federal_interest_payments, "
                + "financial_stress_index, foreign_treasury_holdings, gdp, monetary_base, pce_price_index, "
                + "private_fixed_investment, ten_year_yield, trade_weighted_dollar.")
    }

    @Test func overridesAndAdditions() throws {
        let json = """
            {"overrides": {"gdp": {"series_id": "GDPC1", "transform": "log_diff_100"},
                           "fed_funds": {"description": "Effective rate", "frequency": "d", "transform": "lag:1"}},
             "additions": {"mortgage_rate": {"series_id": "MORTGAGE30US", "frequency": "w"}}}
            """
        let r = try ProxyRegistry.defaults.overriding(json: Data(json.utf8), source: "o.json")
        let gdp = try r.proxy(named: "gdp")
        #expect(gdp.seriesID == "GDPC1")
        #expect(gdp.transform == .logDifference100)
        #expect(gdp.frequency == .quarterly)  // kept
        #expect(gdp.description == (try ProxyRegistry.defaults.proxy(named: "gdp")).description)
        let ff = try r.proxy(named: "fed_funds")
        #expect(ff.seriesID == "FEDFUNDS")
        #expect(ff.description == "Effective rate")
        #expect(ff.frequency == .daily)
        #expect(ff.transform == .lag(1))
        let m = try r.proxy(named: "mortgage_rate")
        #expect(m.seriesID == "MORTGAGE30US")
        #expect(m.transform == .level)
        #expect(m.description == "")
        #expect(r.names.count == ProxyRegistry.defaults.names.count + 1)
        #expect(try ProxyRegistry.defaults.proxy(named: "gdp").seriesID == "GDP")  // the defaults are untouched
        #expect(try ProxyRegistry.defaults.overriding(json: Data("{}".utf8)) == ProxyRegistry.defaults)
    }

    @Test func unknownKeysAreRejectedByName() throws {
        let entry = #expect(throws: DataError.self) {
            try ProxyRegistry.defaults.overriding(
                json: Data(#"{"overrides": {"gdp": {"seris_id": "GDPC1"}}}"#.utf8), source: "o.json")
        }
        #expect(entry?.code == .unknownKey)
        #expect(
            entry?.message
                == "o.json: unknown key 'seris_id' at proxy 'gdp'; the allowed keys are description, frequency, "
                + "higher_means, opposes, series_id, transform.")
        #expect(entry?.context["key"] == "seris_id")
        let top = #expect(throws: DataError.self) {
            try ProxyRegistry.defaults.overriding(json: Data(#"{"proxies": {}}"#.utf8), source: "o.json")
        }
        #expect(
            top?.message == "o.json: unknown key 'proxies' at the top level; the allowed keys are overrides, additions."
        )
    }

    @Test func overridingAnUnknownProxyIsAnError() throws {
        let e = #expect(throws: DataError.self) {
            try ProxyRegistry.defaults.overriding(
                json: Data(#"{"overrides": {"gpd": {"series_id": "GDPC1"}}}"#.utf8), source: "o.json")
        }
        #expect(e?.code == .unknownProxy)
        #expect(
            e?.message.hasPrefix(
                "o.json: 'overrides' names the unknown proxy 'gpd'; the registry has consumer_confidence, ") == true)
        #expect(e?.message.hasSuffix("trade_weighted_dollar. To define a new proxy put it under 'additions'.") == true)
    }

    @Test func badValuesNameTheProxy() throws {
        func fail(_ json: String) -> DataError? {
            #expect(throws: DataError.self) {
                try ProxyRegistry.defaults.overriding(json: Data(json.utf8), source: "o.json")
            }
        }
        #expect(
            fail(#"{"overrides": {"gdp": {"transform": "cube"}}}"#)?.message
                == "o.json: proxy 'gdp': 'cube' is not a transform; use one of level, log, diff, log_diff_100, "
                + "pct_change, yoy_pct_change, standardize, lag:k or lead:k (k ≥ 1).")
        #expect(
            fail(#"{"additions": {"x": {"series_id": "X"}}}"#)?.message
                == "o.json: the new proxy 'x' has no 'frequency'; additions need series_id and frequency.")
        #expect(
            fail(#"{"additions": {"gdp": {"series_id": "X", "frequency": "q"}}}"#)?.message
                == "o.json: 'additions' defines 'gdp', which already exists; change it under 'overrides'.")
        #expect(
            fail(#"{"overrides": {"gdp": {"series_id": 3}}}"#)?.message
                == "o.json: 'series_id' of proxy 'gdp' must be a string.")
        #expect(fail("{oops")?.message == "o.json is not valid JSON; check its syntax.")
        #expect(fail("[]")?.message == "o.json: the top level must be a JSON object.")
    }
}
