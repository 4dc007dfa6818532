#!/usr/bin/env python3
"""Writes Examples/data/hf_surprise_SYNTHETIC.csv: a SYNTHETIC quarterly "high-frequency
monetary-policy surprise" series, 2000Q1-2022Q4, for the LP-IV example
(Examples/lpiv_config.json).

It is seeded Gaussian noise (mean 0, standard deviation 5 basis points) with a few larger
"announcement" quarters; it is NOT data and carries no information about QE, so LP-IV with it
as the instrument is expected to report weak instruments and wide or unbounded Anderson-Rubin
sets. It exists to show the mechanics: the series_files key, file provenance, the effective F
test and the Anderson-Rubin sets. Replace it with a real surprise series (for example one
aggregated from intraday Treasury-futures moves around FOMC announcements) for research.

Standard library only, deterministic (random.Random(20240501)):

    python3 Scripts/examples/make_synthetic_surprise.py
"""

import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "..", "Examples", "data", "hf_surprise_SYNTHETIC.csv")


def main() -> None:
    rng = random.Random(20240501)
    lines = ["date,value"]
    for year in range(2000, 2023):
        for quarter in range(1, 5):
            value = rng.gauss(0.0, 5.0)
            if rng.random() < 0.1:
                value += rng.choice([-1, 1]) * rng.uniform(10.0, 25.0)
            lines.append(f"{year}-Q{quarter},{value:.4f}")
    with open(OUT, "w", encoding="utf-8", newline="\n") as fh:
        fh.write("\n".join(lines) + "\n")
    print("wrote", os.path.normpath(OUT), len(lines) - 1, "quarters")


if __name__ == "__main__":
    main()
