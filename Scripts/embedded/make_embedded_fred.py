#!/usr/bin/env python3
"""Extracts QEIR's embedded offline FRED data set from Debian's gretl-data FRED snapshot.

Purpose
-------
QEIR's main job must run with no FRED API key and no network. Debian's ``gretl-data``
package (version 2022c-1 in Debian 12 "bookworm") ships a snapshot of St. Louis Fed FRED
series as a gretl database: ``/usr/share/gretl/db/fedstl.idx`` (text index) and
``fedstl.bin`` (values). This script decodes that database, keeps a selected subset of
series relevant to quantitative easing and investment, and writes

    Sources/QEIRData/Resources/EmbeddedFRED/monthly.csv
    Sources/QEIRData/Resources/EmbeddedFRED/quarterly.csv
    Sources/QEIRData/Resources/EmbeddedFRED/annual.csv
    Sources/QEIRData/Resources/EmbeddedFRED/manifest.json
    Sources/QEIRData/Resources/EmbeddedFRED/proxies.json

It is run by a developer, not by CI; its output is committed.

How to run (from the repository root; Debian 12, python3 stdlib only)
--------------------------------------------------------------------
    cd /tmp && apt-get download gretl-data        # fetches gretl-data_2022c-1_all.deb
    dpkg-deb -x /tmp/gretl-data_*.deb /tmp/gretl-data
    cd -  # back to the repository root
    python3 Scripts/embedded/make_embedded_fred.py /tmp/gretl-data/usr/share/gretl/db

(``apt-get download`` needs no root and installs nothing; ``dpkg-deb -x`` only unpacks.)
Deterministic: re-running on the same package gives byte-identical files.

The fedstl format (worked out by reading the files)
---------------------------------------------------
``fedstl.idx`` is ASCII. Line 1 is a comment (``# St Louis Fed (various series, large)``).
Every series then takes two lines:

    <name>  <title>, <units>, <seasonal adjustment>
    <F>  <start> - <end>  n = <N>

``F`` is ``M`` (monthly; dates ``YYYY.MM``), ``Q`` (quarterly; ``YYYY.Q``) or ``A`` (annual;
``YYYY``); ``N`` counts every period from start to end inclusive. ``fedstl.bin`` holds the
series back to back in index order, each as ``N`` little-endian IEEE float32 values, with no
header or padding: series k starts at byte ``4 * (N_1 + ... + N_{k-1})``. The sum of all
``N`` times 4 equals the size of ``fedstl.bin`` (1,294,860 bytes for 2022c-1), which the
script checks. ``-999`` marks a missing observation. gretl's series names are FRED series
ids in lower case, so the FRED id recorded here is the name upper-cased.

Values are written in the shortest decimal form that reads back as the same float32 (the
snapshot stores float32, so ``0.8`` here is the float32 nearest 0.8). Missing values are
empty cells, never 0. Dates follow FRED: an observation is dated the first day of its
period (2022-07-01 for 2022Q3).
"""

from __future__ import annotations

import decimal
import hashlib
import json
import os
import re
import struct
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT_DIR = os.path.join(ROOT, "Sources", "QEIRData", "Resources", "EmbeddedFRED")

SOURCE = "Debian gretl-data 2022c-1, fedstl snapshot"
PACKAGE_VERSION = "2022c-1"
BIN_SIZE_2022C = 1_294_860
MISSING = -999.0

FREQUENCIES = {"M": "monthly", "Q": "quarterly", "A": "annual"}

# The selection: (gretl name, group). Order here is column order in the CSV files and entry
# order in the manifest.
SELECTION = [
    # Federal Reserve balance sheet, reserves, monetary aggregates
    ("rsbkcrns", "fed_balance_sheet"),
    ("totresns", "fed_balance_sheet"),
    ("resbalns", "fed_balance_sheet"),
    ("currcir", "fed_balance_sheet"),
    ("treasury", "fed_balance_sheet"),
    ("borrow", "fed_balance_sheet"),
    ("mbase_cc_tr", "fed_balance_sheet"),  # derived below: currcir + totresns
    ("ambns", "fed_balance_sheet"),
    ("ambsl", "fed_balance_sheet"),
    ("m2sl", "fed_balance_sheet"),
    # Policy and Treasury rates
    ("fedfunds", "rates"),
    ("tb3ms", "rates"),
    ("gs1m", "rates"),
    ("gs3m", "rates"),
    ("gs6m", "rates"),
    ("gs1", "rates"),
    ("gs2", "rates"),
    ("gs3", "rates"),
    ("gs5", "rates"),
    ("gs7", "rates"),
    ("gs10", "rates"),
    ("gs20", "rates"),
    ("gs30", "rates"),
    # Inflation-indexed Treasury yields
    ("fii5", "tips"),
    ("fii7", "tips"),
    ("fii10", "tips"),
    ("fii20", "tips"),
    ("fii30", "tips"),
    ("ltiit", "tips"),
    # Corporate yields, bank credit
    ("aaa", "credit"),
    ("baa", "credit"),
    ("baa10ym", "credit"),  # derived below: baa - gs10
    ("mprime", "credit"),
    ("busloans", "credit"),
    ("loaninv", "credit"),
    # Financial stress and expectations
    ("kcfsi", "stress"),
    ("mich", "stress"),
    # Prices
    ("cpiaucsl", "prices"),
    ("cpilfesl", "prices"),
    ("pcepi", "prices"),
    ("pcepilfe", "prices"),
    # Activity
    ("indpro", "activity"),
    ("ipbuseq", "activity"),
    ("unrate", "activity"),
    ("payems", "activity"),
    # National accounts and investment
    ("gdp", "national_accounts"),
    ("gdpc1", "national_accounts"),
    ("gpdi", "investment"),
    ("gpdic1", "investment"),
    ("fpi", "investment"),
    ("fpic1", "investment"),
    ("pnfi", "investment"),
    ("pnfic1", "investment"),
    ("nripdc96", "investment"),
    ("cprofit", "investment"),
    # Federal finances
    ("fyoint", "fiscal"),
    ("fygfdpub", "fiscal"),
    # Exchange rates
    ("exuseu", "fx"),
    ("exjpus", "fx"),
    ("exusuk", "fx"),
    ("twexbmth", "fx"),
]

# Series computed here from two snapshot series, exactly in decimal: a + b or a - b.
DERIVED = {
    "baa10ym": {
        "fred_id": "BAA10YM",
        "operands": ("baa", "gs10"),
        "operation": "-",
        "title": "Moody's Seasoned Baa Corporate Bond Yield Relative to Yield on 10-Year "
        "Treasury Constant Maturity",
        "units": "Percentage Points",
        "adjustment": "NSA",
        "note": "Computed by this script as baa - gs10 (both from the snapshot), the definition "
        "of FRED's BAA10YM; not itself part of the snapshot.",
    },
    "mbase_cc_tr": {
        "fred_id": None,
        "operands": ("currcir", "totresns"),
        "operation": "+",
        "title": "Monetary Base Approximation: Currency in Circulation plus Total Reserves",
        "units": "Bil. of $",
        "adjustment": "NSA",
        "note": "Computed by this script as currcir + totresns; no FRED series. FRED's BOGMBASE is "
        "currency in circulation plus reserve balances. Before 2020-04 total reserves also include "
        "vault cash used to satisfy reserve requirements, which currency in circulation already "
        "counts, so until 2020-03 this exceeds BOGMBASE by that vault cash (tens of billions of "
        "dollars); from 2020-04 total reserves equal reserve balances.",
    },
}

# Observations dropped from the start of a series, with the reason (recorded in the manifest).
TRIM_START = {
    "rsbkcrns": (
        "1990-12-01",
        "The snapshot holds 4.449 for 1988-11, 0 for 1988-12 through 1990-10 and 144.1 for "
        "1990-11, implausible for Reserve Bank Credit (about $250-300 billion then); the "
        "embedded series starts at 1990-12, the first plausible month.",
    ),
}

# Notes on individual series, recorded in the manifest.
NOTES = {
    "rsbkcrns": "Reserve Bank Credit: the Federal Reserve's securities, loans and other assets "
    "that supply reserve balances; monthly average. Closest embedded measure of the size of the "
    "Fed balance sheet. Its 2022-10 value may average only the weeks published when the snapshot "
    "was taken (late October 2022).",
    "currcir": "Its 2022-10 value may average only the weeks published when the snapshot was taken "
    "(late October 2022).",
    "treasury": "Its 2022-10 value may average only the weeks published when the snapshot was taken "
    "(late October 2022).",
    "ambns": "Discontinued by FRED in 2019 (ends 2019-11); adjusted for reserve requirement changes.",
    "ambsl": "Discontinued by FRED in 2019 (ends 2019-11); adjusted for reserve requirement changes.",
    "resbalns": "Discontinued by FRED (ends 2020-08).",
    "gs20": "No observations 1987-01 through 1993-09: the Treasury did not publish a 20-year "
    "constant-maturity yield then (missing, not zero).",
    "fyoint": "Fiscal years (October-September since 1977), dated January 1 of the fiscal year.",
    "fygfdpub": "Fiscal years, dated January 1 of the fiscal year.",
    "nripdc96": "Discontinued by FRED (ends 2013Q1); chained 2005 dollars.",
    "twexbmth": "Discontinued by FRED (ends 2019-12); goods-only broad index, Jan 1997=100.",
    "kcfsi": "Kansas City Fed Financial Stress Index, monthly; 0 = normal stress.",
    "mich": "University of Michigan median expected inflation over the next year (not sentiment).",
}

# QEIR proxies: the FRED series each stands for online, and the closest embedded series.
# match: "exact" (same FRED series), "substitute" (a different series standing in), or
# "none" (nothing close enough is embedded: offline use fails with an error).
PROXIES = [
    ("fed_total_assets", "WALCL", "rsbkcrns", "substitute",
     "Reserve Bank Credit (RSBKCRNS, monthly average, from 1990-12) substitutes for WALCL "
     "(total assets, weekly Wednesday level, from 2002-12): Reserve Bank Credit is the asset side "
     "that supplies reserves and tracks total assets closely, slightly below them."),
    ("monetary_base", "BOGMBASE", "mbase_cc_tr", "substitute",
     "Currency in circulation plus total reserves (CURRCIR + TOTRESNS, computed, monthly NSA, "
     "1959-01 to 2022-09) substitutes for BOGMBASE (currency plus reserve balances): equal in "
     "definition from 2020-04, above BOGMBASE before by the vault cash counted in both terms. "
     "The St. Louis Adjusted Monetary Base (AMBNS, ends 2019-11) is also embedded."),
    ("ten_year_yield", "DGS10", "gs10", "substitute",
     "GS10 is the monthly average of the daily DGS10 (10-year constant maturity); same series "
     "at monthly frequency."),
    ("consumer_confidence", "UMCSENT", None, "none",
     "The snapshot has no consumer sentiment or confidence index (its MICH is expected "
     "inflation, not sentiment)."),
    ("financial_stress_index", "STLFSI4", "kcfsi", "substitute",
     "Kansas City Financial Stress Index (KCFSI, monthly, from 1990-02) substitutes for the "
     "St. Louis Fed Financial Stress Index (STLFSI4, weekly): both are principal-component "
     "indexes of spreads and volatilities centred at 0; scales differ."),
    ("federal_interest_payments", "A091RC1Q027SBEA", "fyoint", "substitute",
     "Federal Outlays: Interest (FYOINT, annual fiscal years, millions of dollars) substitutes "
     "for A091RC1Q027SBEA (NIPA federal interest payments, quarterly SAAR, billions); "
     "different frequency, accounting basis and units."),
    ("gdp", "GDP", "gdp", "exact", "Same FRED series (GDP)."),
    ("private_fixed_investment", "PNFI", "pnfi", "exact",
     "Same FRED series (PNFI, private nonresidential fixed investment, nominal); FPI (all "
     "private fixed investment) and the real PNFIC1 and GPDIC1 are embedded too."),
    ("equipment_investment", None, None, "none",
     "The snapshot has no current equipment investment series: NRIPDC96 (equipment and "
     "software, chained 2005 dollars) ends 2013Q1 and IPBUSEQ is production of business "
     "equipment, not investment. Both are embedded for explicit use."),
    ("corporate_bond_spreads", "BAMLC0A0CM", "baa10ym", "substitute",
     "Baa minus 10-year Treasury (BAA10YM, computed from BAA and GS10, monthly) substitutes for "
     "the ICE BofA US corporate option-adjusted spread (BAMLC0A0CM, daily, from 1996-12); Baa "
     "is the lowest investment grade, so the level is higher. Baa - Aaa (from the embedded BAA "
     "and AAA) is another substitute."),
    ("fed_funds", "FEDFUNDS", "fedfunds", "exact", "Same FRED series (FEDFUNDS)."),
    ("trade_weighted_dollar", "DTWEXBGS", "twexbmth", "substitute",
     "Nominal Broad Dollar Index, goods only (TWEXBMTH, monthly, Jan 1997=100, discontinued, "
     "ends 2019-12) substitutes for DTWEXBGS (goods and services, daily, Jan 2006=100, from "
     "2006); different base and weights, and no data after 2019-12."),
    ("eur_usd_rate", "DEXUSEU", "exuseu", "substitute",
     "EXUSEU is the monthly average of the daily DEXUSEU (U.S. dollars per euro); same rate at "
     "monthly frequency."),
    ("cpi_all_items", "CPIAUCSL", "cpiaucsl", "exact", "Same FRED series (CPIAUCSL)."),
    ("pce_price_index", "PCEPI", "pcepi", "exact", "Same FRED series (PCEPI)."),
    ("foreign_treasury_holdings", "FDHBFIN", None, "none",
     "The snapshot has no series of foreign holdings of Treasury securities."),
]


def parse_idx(text: str):
    """Returns [(name, title, units, adjustment, freq, start, end, n)] in file order."""
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines or not lines[0].startswith("#"):
        raise SystemExit("fedstl.idx: expected a '#' comment on line 1")
    body = lines[1:]
    if len(body) % 2:
        raise SystemExit("fedstl.idx: expected two lines per series")
    header = re.compile(r"^(\S+)\s+(.*)$")
    span = re.compile(r"^([MQA])\s+(\S+)\s+-\s+(\S+)\s+n = (\d+)$")
    out = []
    for i in range(0, len(body), 2):
        m1, m2 = header.match(body[i]), span.match(body[i + 1].strip())
        if not m1 or not m2:
            raise SystemExit(f"fedstl.idx: cannot parse series entry {body[i]!r} / {body[i + 1]!r}")
        parts = [p.strip() for p in m1.group(2).split(",")]
        title, units, adjustment = ", ".join(parts[:-2]), parts[-2], parts[-1]
        freq, start, end, n = m2.group(1), m2.group(2), m2.group(3), int(m2.group(4))
        out.append((m1.group(1), title, " ".join(units.split()), adjustment, freq, start, end, n))
    return out


def period_index(freq: str, label: str) -> int:
    """A period label as an integer count (months, quarters or years since year 0)."""
    if freq == "M":
        year, month = label.split(".")
        return int(year) * 12 + int(month) - 1
    if freq == "Q":
        year, quarter = label.split(".")
        return int(year) * 4 + int(quarter) - 1
    return int(label)


def period_date(freq: str, index: int) -> str:
    """The FRED date (first day of the period) of a period index."""
    if freq == "M":
        return f"{index // 12:04d}-{index % 12 + 1:02d}-01"
    if freq == "Q":
        return f"{index // 4:04d}-{(index % 4) * 3 + 1:02d}-01"
    return f"{index:04d}-01-01"


def shortest_float32(raw: bytes) -> str:
    """The shortest fixed-point decimal text that parses back to exactly these float32 bytes."""
    value = struct.unpack("<f", raw)[0]
    for decimals in range(0, 40):
        text = f"{value:.{decimals}f}"
        if struct.pack("<f", float(text)) == raw:
            return "0" if text == "-0" else text
    raise AssertionError(f"no decimal form for {value!r}")


def decimal_text(x: str, operation: str, y: str) -> str:
    """x + y or x - y computed exactly on the decimal texts, without trailing zeros."""
    a, b = decimal.Decimal(x), decimal.Decimal(y)
    text = f"{a + b if operation == '+' else a - b:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def sha256(path: str) -> str:
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def main() -> None:
    if len(sys.argv) != 2:
        raise SystemExit(__doc__.split("How to run")[1].split("The fedstl format")[0])
    db = sys.argv[1]
    idx_path, bin_path = os.path.join(db, "fedstl.idx"), os.path.join(db, "fedstl.bin")
    with open(idx_path, encoding="ascii") as f:
        entries = parse_idx(f.read())
    with open(bin_path, "rb") as f:
        blob = f.read()
    total = sum(e[7] for e in entries)
    if total * 4 != len(blob):
        raise SystemExit(f"fedstl.bin has {len(blob)} bytes; the index implies {total * 4}")
    if len(blob) != BIN_SIZE_2022C:
        print(f"warning: fedstl.bin is {len(blob)} bytes, not the {BIN_SIZE_2022C} of 2022c-1; "
              "update PACKAGE_VERSION and SOURCE", file=sys.stderr)

    # Decode every series: name -> dict(freq, first period index, cells [text or None]).
    raw = {}
    offset = 0
    for name, title, units, adjustment, freq, start, end, n in entries:
        first, last = period_index(freq, start), period_index(freq, end)
        if last - first + 1 != n and name in dict(SELECTION):
            # A few unselected entries (savingns and relatives) have an end date that disagrees
            # with n; n alone fixes the byte layout, so only a selected series must agree.
            raise SystemExit(f"{name}: {start}-{end} spans {last - first + 1} periods but n = {n}")
        cells = []
        for k in range(n):
            chunk = blob[offset + 4 * k: offset + 4 * k + 4]
            cells.append(None if struct.unpack("<f", chunk)[0] == MISSING else shortest_float32(chunk))
        raw[name] = dict(title=title, units=units, adjustment=adjustment, freq=freq, first=first, cells=cells)
        offset += 4 * n

    for name, spec in DERIVED.items():
        a, b = (raw[operand] for operand in spec["operands"])
        assert a["freq"] == b["freq"]
        first = max(a["first"], b["first"])
        last = min(a["first"] + len(a["cells"]), b["first"] + len(b["cells"])) - 1
        cells = []
        for p in range(first, last + 1):
            x, y = a["cells"][p - a["first"]], b["cells"][p - b["first"]]
            cells.append(None if x is None or y is None else decimal_text(x, spec["operation"], y))
        raw[name] = dict(title=spec["title"], units=spec["units"], adjustment=spec["adjustment"],
                         freq=a["freq"], first=first, cells=cells)

    for name, (start_date, _) in TRIM_START.items():
        series = raw[name]
        while period_date(series["freq"], series["first"]) != start_date:
            series["first"] += 1
            series["cells"].pop(0)

    snapshot_end = max(period_date(raw[n]["freq"], raw[n]["first"] + len(raw[n]["cells"]) - 1)
                       for n, _ in SELECTION)

    os.makedirs(OUT_DIR, exist_ok=True)
    manifest_series = []
    for code, freq_name in FREQUENCIES.items():
        names = [n for n, _ in SELECTION if raw[n]["freq"] == code]
        if not names:
            continue
        file_name = f"{freq_name}.csv"
        lo = min(raw[n]["first"] for n in names)
        hi = max(raw[n]["first"] + len(raw[n]["cells"]) - 1 for n in names)
        rows = [",".join(["date"] + names)]
        for p in range(lo, hi + 1):
            row = [period_date(code, p)]
            for n in names:
                s = raw[n]
                k = p - s["first"]
                row.append(s["cells"][k] or "" if 0 <= k < len(s["cells"]) else "")
            rows.append(",".join(row))
        with open(os.path.join(OUT_DIR, file_name), "w", encoding="utf-8", newline="\n") as f:
            f.write("\n".join(rows) + "\n")
    for name, group in SELECTION:
        s = raw[name]
        entry = {
            "name": name,
            "fred_id": DERIVED[name]["fred_id"] if name in DERIVED else name.upper(),
            "title": s["title"],
            "units": s["units"],
            "seasonal_adjustment": s["adjustment"],
            "frequency": FREQUENCIES[s["freq"]],
            "file": f"{FREQUENCIES[s['freq']]}.csv",
            "group": group,
            "first": period_date(s["freq"], s["first"]),
            "last": period_date(s["freq"], s["first"] + len(s["cells"]) - 1),
            "observations": len(s["cells"]),
            "missing": sum(1 for c in s["cells"] if c is None),
            "source": SOURCE if name not in DERIVED else f"computed from {SOURCE}",
            "snapshot_end": snapshot_end,
        }
        notes = [x for x in (DERIVED.get(name, {}).get("note"), NOTES.get(name),
                             TRIM_START.get(name, (None, None))[1]) if x]
        if notes:
            entry["notes"] = " ".join(notes)
        if name in DERIVED:
            entry["derived_from"] = list(DERIVED[name]["operands"])
        manifest_series.append(entry)

    manifest = {
        "format": 1,
        "source": SOURCE,
        "source_package": {
            "name": "gretl-data",
            "version": PACKAGE_VERSION,
            "distribution": "Debian 12 (bookworm)",
            "files": {
                "usr/share/gretl/db/fedstl.idx": sha256(idx_path),
                "usr/share/gretl/db/fedstl.bin": sha256(bin_path),
            },
        },
        "snapshot_end": snapshot_end,
        "generator": "Scripts/embedded/make_embedded_fred.py",
        "date_convention": "ISO yyyy-mm-dd, first day of the observation's period (FRED convention)",
        "missing_values": "empty CSV cell",
        "series": manifest_series,
    }
    known = {n for n, _ in SELECTION}
    proxies = []
    for proxy, fred_id, embedded, match, note in PROXIES:
        assert (embedded is None) == (match == "none"), proxy
        assert embedded is None or embedded in known, proxy
        proxies.append({"proxy": proxy, "fred_id": fred_id, "embedded": embedded,
                        "match": match, "note": note})
    for file_name, obj in (("manifest.json", manifest), ("proxies.json", {"format": 1, "proxies": proxies})):
        with open(os.path.join(OUT_DIR, file_name), "w", encoding="utf-8", newline="\n") as f:
            json.dump(obj, f, indent=2, ensure_ascii=False)
            f.write("\n")
    print(f"wrote {len(manifest_series)} series and {len(proxies)} proxies to {OUT_DIR}; "
          f"snapshot end {snapshot_end}")


if __name__ == "__main__":
    main()
