#!/usr/bin/env python3
"""Side-by-side timings of QEIR and the Python tools economists use today (issue 8).

    python3 Benchmarks/compare/compare.py            # full sizes, 7 interleaved repetitions
    python3 Benchmarks/compare/compare.py --quick    # small sizes, smoke test
    python3 Benchmarks/compare/compare.py --reps 3 --only ols_small,iv --markdown table.md

The script creates Benchmarks/compare/.venv (pinned numpy, statsmodels, linearmodels, arch,
pandas, scipy) if needed and re-executes itself there; writes the workload data (fixed seed)
to a data directory; builds and starts the Swift runner `qeir-compare`, which answers JSON
lines on stdin/stdout, so QEIR and the anchors are timed in one session, interleaved, without
process start-up; prints medians, ratios, targets and the numerical agreement of both sides.
See README.md beside this file.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PACKAGE = HERE.parent  # Benchmarks/
VENV = HERE / ".venv"
# The versions of the reference environment (/work/venv when this harness was written).
PINS = {
    "numpy": "2.4.6",
    "scipy": "1.17.1",
    "pandas": "3.1.1",
    "statsmodels": "0.15.0",
    "linearmodels": "7.1",
    "arch": "8.0.0",
}


def ensure_venv() -> None:
    """Re-executes this script inside .venv, creating it and installing the pins first."""
    if Path(sys.prefix).resolve() == VENV.resolve():
        return
    python = VENV / "bin" / "python"
    if not python.exists():
        print(f"Creating {VENV} …", file=sys.stderr)
        subprocess.check_call([sys.executable, "-m", "venv", str(VENV)])
    check = (
        "import importlib.metadata as m, sys\n"
        f"pins = {PINS!r}\n"
        "def v(n):\n"
        "    try: return m.version(n)\n"
        "    except m.PackageNotFoundError: return None\n"
        "sys.exit(0 if all(v(n) == p for n, p in pins.items()) else 1)\n"
    )
    if subprocess.run([str(python), "-c", check]).returncode != 0:
        print("Installing pinned packages into the venv …", file=sys.stderr)
        subprocess.check_call(
            [str(python), "-m", "pip", "install", "--quiet", *[f"{n}=={v}" for n, v in PINS.items()]]
        )
    os.execv(str(python), [str(python), str(Path(__file__).resolve()), *sys.argv[1:]])


def parse_arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reps", type=int, default=7, help="interleaved repetitions (default 7)")
    parser.add_argument("--only", default="", help="comma-separated workloads (default: all)")
    parser.add_argument("--markdown", type=Path, help="also write the tables as Markdown to this file")
    parser.add_argument("--quick", action="store_true", help="small sizes, for smoke tests")
    parser.add_argument("--data", type=Path, help="data directory (default compare/data or compare/data-quick)")
    parser.add_argument("--regenerate", action="store_true", help="regenerate the data even if it is current")
    parser.add_argument(
        "--scratch-path", type=Path, help="SwiftPM scratch path for the runner's build (default Benchmarks/.build)"
    )
    parser.add_argument("--no-build", action="store_true", help="use the already built qeir-compare")
    parser.add_argument("--min-sample", type=float, help="seconds per timing sample (inner iterations adapt)")
    parser.add_argument("--no-memory", action="store_true", help="skip the fresh-process peak RSS figures")
    parser.add_argument("--json", type=Path, help="write every sample and result as JSON to this file")
    # Internal: one anchor run in a fresh process, for its peak RSS.
    parser.add_argument("--anchor-oneshot", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


WORKLOADS = ["ols_small", "ols_large", "iv", "bootstrap", "threshold", "var_granger", "batch", "fred_cache_hit"]


# MARK: - The Swift runner


class SwiftRunner:
    """`qeir-compare serve`: one JSON request per line, one answer per line."""

    def __init__(self, binary: Path, data: Path):
        self.process = subprocess.Popen(
            [str(binary), "serve", "--data", str(data)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            bufsize=1,
        )

    def run(self, workload: str, iterations: int = 1) -> tuple[list[float], dict]:
        assert self.process.stdin and self.process.stdout
        self.process.stdin.write(json.dumps({"workload": workload, "iterations": iterations}) + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"qeir-compare exited (code {self.process.poll()}) while running {workload}")
        answer = json.loads(line)
        if "error" in answer:
            raise RuntimeError(f"qeir-compare failed on {workload}: {answer['error']}")
        return answer["seconds"], answer["result"]

    def close(self) -> None:
        if self.process.poll() is None:
            assert self.process.stdin
            self.process.stdin.write(json.dumps({"quit": True}) + "\n")
            self.process.stdin.close()
            self.process.wait(timeout=60)


def build_runner(scratch: Path | None, skip: bool) -> Path:
    flags = ["-c", "release"] + (["--scratch-path", str(scratch)] if scratch else [])
    if not skip:
        print("Building qeir-compare (swift build -c release --product qeir-compare) …", file=sys.stderr)
        subprocess.check_call(["swift", "build", *flags, "--product", "qeir-compare"], cwd=PACKAGE)
    bin_path = subprocess.check_output(["swift", "build", *flags, "--show-bin-path"], cwd=PACKAGE, text=True)
    binary = Path(bin_path.strip()) / "qeir-compare"
    if not binary.exists():
        sys.exit(f"{binary} does not exist; build it (drop --no-build).")
    return binary


def swift_oneshot(binary: Path, data: Path, workload: str) -> dict:
    out = subprocess.check_output([str(binary), "oneshot", "--data", str(data), "--workload", workload], text=True)
    return json.loads(out.strip().splitlines()[-1])


def anchor_oneshot(data: Path, workload: str) -> dict:
    out = subprocess.check_output(
        [sys.executable, str(Path(__file__).resolve()), "--anchor-oneshot", workload, "--data", str(data)], text=True
    )
    return json.loads(out.strip().splitlines()[-1])


def run_anchor_oneshot(workload: str, data_dir: Path) -> None:
    import anchors
    import data as datamod

    p, arrays = datamod.read(data_dir, prefix=workload + ".")
    start = time.perf_counter()
    if workload == "ols_large":
        result = anchors.ols_large_lstsq(arrays)
    elif workload == "bootstrap":
        result = anchors.bootstrap(arrays, p["bootstrap_replications"])
    else:
        sys.exit(f"no one-shot anchor for {workload}")
    seconds = time.perf_counter() - start
    design = arrays[f"{workload}.X"]
    print(
        json.dumps(
            {
                "workload": workload,
                "seconds": [seconds],
                "result": result,
                "design_bytes": int(design.nbytes),
                "peak_rss_bytes": anchors.peak_rss_bytes(),
            }
        )
    )


# MARK: - Timing


class Side:
    """One timed implementation of a workload: QEIR through the runner, or a Python callable."""

    def __init__(self, label: str, swift: str | None = None, python=None, iterations: int | None = None):
        self.label = label
        self.swift = swift
        self.python = python
        self.fixed_iterations = iterations
        self.iterations = iterations or 1
        self.samples: list[float] = []
        self.result: dict = {}

    def once(self, runner: SwiftRunner, iterations: int) -> tuple[float, dict]:
        if self.swift:
            seconds, result = runner.run(self.swift, iterations)
            return sum(seconds) / len(seconds), result
        start = time.perf_counter()
        result = {}
        for _ in range(iterations):
            result = self.python()
        return (time.perf_counter() - start) / iterations, result

    def calibrate(self, runner: SwiftRunner, min_sample: float) -> None:
        first, self.result = self.once(runner, 1)  # warm-up: caches, lazy imports, JIT-free but not cold
        if self.fixed_iterations is None:
            self.iterations = max(1, min(2000, math.ceil(min_sample / max(first, 1e-7))))

    def sample(self, runner: SwiftRunner) -> None:
        seconds, self.result = self.once(runner, self.iterations)
        self.samples.append(seconds)

    @property
    def median(self) -> float:
        return statistics.median(self.samples)


def rel_diff(a, b, floor: float = 1e-12) -> float:
    """Largest |a − b| / max(|b|, floor) over the elements: relative, but absolute for values
    below `floor` (p-values that underflow to 0 on one side and 1e-300 on the other agree)."""
    a = [float(x) for x in a]
    b = [float(x) for x in b]
    if len(a) != len(b):
        return math.inf
    return max((abs(x - y) / max(abs(y), floor) for x, y in zip(a, b)), default=0.0)


def compare_keys(ours: dict, theirs: dict, keys: list[str]) -> tuple[float, dict]:
    diffs = {k: rel_diff(ours[k], theirs[k]) for k in keys}
    return max(diffs.values()), diffs


def fmt_time(seconds: float) -> str:
    if seconds < 1e-3:
        return f"{seconds * 1e6:.1f} µs"
    if seconds < 1:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds:.2f} s"


def fmt_bytes(n: float) -> str:
    return f"{n / 2**10:.1f} KiB" if n < 2**20 else f"{n / 2**20:.0f} MiB"


# MARK: - Main


def main(argv: list[str]) -> int:
    args = parse_arguments(argv)
    sys.path.insert(0, str(HERE))
    if args.anchor_oneshot:
        run_anchor_oneshot(args.anchor_oneshot, args.data)
        return 0
    import anchors as A
    import data as D

    only = [w.strip() for w in args.only.split(",") if w.strip()] or WORKLOADS
    unknown = [w for w in only if w not in WORKLOADS]
    if unknown:
        sys.exit(f"unknown workload(s) {unknown}; choose from {WORKLOADS}")
    data_dir = args.data or (HERE / ("data-quick" if args.quick else "data"))
    print(f"Data: {data_dir} ({'quick' if args.quick else 'full'} sizes) …", file=sys.stderr)
    P, d = D.prepare(data_dir, args.quick, args.regenerate)
    binary = build_runner(args.scratch_path, args.no_build)
    min_sample = args.min_sample or (0.05 if args.quick else 0.25)
    cores = os.cpu_count() or 1

    sides: dict[str, list[Side]] = {}
    if "ols_small" in only:
        sides["ols_small"] = [Side("QEIR", swift="ols_small"), Side("statsmodels", python=lambda: A.ols_small(d))]
    if "ols_large" in only:
        sides["ols_large"] = [
            Side("QEIR", swift="ols_large", iterations=1),
            Side("numpy lstsq", python=lambda: A.ols_large_lstsq(d), iterations=1),
            Side("statsmodels", python=lambda: A.ols_large_statsmodels(d), iterations=1),
            Side("floor", swift="ols_large_floor", iterations=1),
        ]
    if "iv" in only:
        sides["iv"] = [
            Side("QEIR", swift="iv"),
            Side("linearmodels", python=lambda: A.iv(d)),
            Side("linearmodels + diagnostics", python=lambda: A.iv_diagnostics(d)),
        ]
    if "bootstrap" in only:
        reps = P["bootstrap_replications"]
        sides["bootstrap"] = [
            Side("QEIR", swift="bootstrap"),
            Side("arch", python=lambda: A.bootstrap(d, reps), iterations=1),
            Side("QEIR 1 core", swift="bootstrap_1core"),
        ]
    if "threshold" in only:
        reps_t = P["threshold_replications"]
        sides["threshold"] = [Side("QEIR", swift="threshold"), Side("numpy", python=lambda: A.threshold(d, reps_t))]
    if "var_granger" in only:
        import pandas as pd

        d["var_granger.frame"] = pd.DataFrame(d["var_granger.data"], columns=["y1", "y2", "y3"])
        sides["var_granger"] = [Side("QEIR", swift="var_granger"), Side("statsmodels", python=lambda: A.var_granger(d))]
    if "batch" in only:
        sides["batch_memory"] = [
            Side("QEIR", swift="batch_memory", iterations=1),
            Side("Python", python=lambda: A.batch_memory(P["batch_memory_jobs"]), iterations=1),
        ]
        sides["batch_durable"] = [
            Side("QEIR", swift="batch_durable", iterations=1),
            Side("Python", python=lambda: A.batch_durable(P["batch_durable_jobs"]), iterations=1),
        ]
    if "fred_cache_hit" in only:
        sides["fred_cache_hit"] = [
            Side("QEIR", swift="fred_cache_hit"),
            # Diagnosis: the cache read alone, and what Foundation's JSONDecoder would cost instead of the scanner.
            Side("cache read", swift="fred_cache_read"),
            Side("JSONDecoder", swift="fred_decode"),
        ]

    runner = SwiftRunner(binary, data_dir)
    jobs_per_second: dict[tuple[str, str], list[float]] = {}
    try:
        for name, group in sides.items():
            print(f"Warming up {name} …", file=sys.stderr)
            for side in group:
                side.calibrate(runner, min_sample)
        for rep in range(args.reps):
            print(f"Repetition {rep + 1}/{args.reps} …", file=sys.stderr)
            for name, group in sides.items():
                # Alternate which side goes first.
                order = group if rep % 2 == 0 else list(reversed(group))
                for side in order:
                    side.sample(runner)
                    if name.startswith("batch"):
                        jobs_per_second.setdefault((name, side.label), []).append(side.result["jobs_per_second"][0])
    finally:
        runner.close()

    memory = {}
    if not args.no_memory:
        for workload in [w for w in ["ols_large", "bootstrap"] if w in only]:
            print(f"Peak RSS of {workload} in fresh processes …", file=sys.stderr)
            memory[workload] = (swift_oneshot(binary, data_dir, workload), anchor_oneshot(data_dir, workload))

    rows, failures = build_rows(sides, jobs_per_second, memory, P, cores)
    text = render(rows, memory, P, args, cores, markdown=False)
    print(text)
    if args.markdown:
        args.markdown.write_text(render(rows, memory, P, args, cores, markdown=True))
        print(f"Markdown written to {args.markdown}", file=sys.stderr)
    if args.json:
        dump = {
            name: {s.label: {"samples": s.samples, "iterations": s.iterations, "result": s.result} for s in group}
            for name, group in sides.items()
        }
        args.json.write_text(json.dumps({"parameters": P, "sides": dump, "memory": memory}, indent=1))
    for failure in failures:
        print(f"DISAGREEMENT: {failure}", file=sys.stderr)
    return 1 if failures else 0


def build_rows(sides, jobs_per_second, memory, P, cores):
    """One row per comparison: (workload, anchor, QEIR, anchor time, ratio text, target, verdict, agreement)."""
    rows = []
    failures = []

    def check(name, ok, what):
        if not ok:
            failures.append(f"{name}: {what}")

    def ratio_row(name, anchor_label, q, a, target, agreement):
        ratio = a.median / q.median
        verdict = "PASS" if ratio >= target else "MISS"
        rows.append([name, anchor_label, fmt_time(q.median), fmt_time(a.median), f"{ratio:.1f}×", f"≥ {target:g}×", verdict, agreement])

    g = sides.get("ols_small")
    if g:
        worst, _ = compare_keys(g[0].result, g[1].result, ["params", "bse", "pvalues", "rsquared"])
        check("ols_small", worst < 1e-6, f"max rel diff {worst:.1e}")
        ratio_row("ols_small", "statsmodels OLS HC1", g[0], g[1], 25, f"{worst:.1e}")
    g = sides.get("ols_large")
    if g:
        q, lstsq, sm, floor = g
        err_q = rel_diff(q.result["params"], lstsq.result["params"])
        err_f = rel_diff(floor.result["params"], lstsq.result["params"])
        bse = rel_diff(q.result["bse"], sm.result["bse"])
        check("ols_large", err_q < 1e-8, f"QEIR coefficient error {err_q:.1e} against lstsq")
        check("ols_large", bse < 1e-6, f"QEIR bse vs statsmodels {bse:.1e}")
        ratio_row("ols_large", "numpy lstsq", q, lstsq, 5, f"QEIR coef err {err_q:.1e}")
        ratio = sm.median / q.median
        rows.append(["ols_large", "statsmodels OLS", fmt_time(q.median), fmt_time(sm.median), f"{ratio:.1f}×", "—", "", f"bse {bse:.1e}"])
        over = q.median / floor.median
        rows.append(
            [
                "ols_large",
                "floor (dsyrk+dpotrf)",
                fmt_time(q.median),
                fmt_time(floor.median),
                f"QEIR = {over:.2f}× floor",
                "≤ 2.5× floor",
                "PASS" if over <= 2.5 else "MISS",
                f"floor coef err {err_f:.1e}",
            ]
        )
    g = sides.get("iv")
    if g:
        worst, _ = compare_keys(g[0].result, g[1].result, ["params", "bse", "pvalues"])
        check("iv", worst < 1e-6, f"max rel diff {worst:.1e}")
        ratio_row("iv", "linearmodels IV2SLS robust (estimates only; its diagnostics are lazy)", g[0], g[1], 20, f"{worst:.1e}")
        keys = ["params", "bse", "pvalues", "partial_r2", "shea_r2", "sargan", "basmann", "durbin", "wu_hausman"]
        worst_d, _ = compare_keys(g[0].result, g[2].result, keys)
        check("iv", worst_d < 1e-6, f"diagnostics max rel diff {worst_d:.1e}")
        ratio_row("iv", "linearmodels IV2SLS robust + the diagnostics QEIR computes", g[0], g[2], 20, f"{worst_d:.1e}")
    g = sides.get("bootstrap")
    if g:
        q, arch, serial = g
        est = rel_diff(q.result["params"], arch.result["params"])
        se = rel_diff(q.result["bootstrap_se"], arch.result["bootstrap_se"])
        check("bootstrap", est < 1e-8, f"full-sample estimates differ by {est:.1e}")
        # Different random streams: each SE has Monte Carlo error ≈ 1/√(2B) (more with heavy
        # tails); allow 5 of those for the difference of two, at least 5 %.
        reps_b = P["bootstrap_replications"]
        se_tol = max(0.05, 5 / math.sqrt(reps_b))
        check("bootstrap", se < se_tol, f"bootstrap SEs differ by {se:.1%} (tolerance {se_tol:.1%} for B = {reps_b})")
        same = rel_diff(q.result["bootstrap_se"], serial.result["bootstrap_se"])
        check("bootstrap", same == 0, f"1-core and all-core replicates differ ({same:.1e})")
        ratio_row("bootstrap", "arch IIDBootstrap + lstsq", q, arch, 20, f"est {est:.1e}; SE {se:.1%} (MC)")
        speedup = serial.median / q.median
        rows.append(
            ["bootstrap", "QEIR, 1 worker", fmt_time(q.median), fmt_time(serial.median), f"{speedup:.2f}× on {cores} cores", "near-linear", "", "identical" if same == 0 else f"{same:.1e}"]
        )
    g = sides.get("threshold")
    if g:
        q, npy = g
        stat = rel_diff(q.result["statistic"], npy.result["statistic"])
        reps = P["threshold_replications"]
        pq, pn = q.result["pvalue"][0], npy.result["pvalue"][0]
        p_mid = min(max((pq + pn) / 2, 1 / reps), 1 - 1 / reps)
        p_ok = abs(pq - pn) <= 4 * math.sqrt(2 * p_mid * (1 - p_mid) / reps) + 2 / reps
        check("threshold", stat < 1e-8, f"observed supF differs by {stat:.1e} (must agree to 1e-8)")
        check("threshold", p_ok, f"p-values {pq} vs {pn} differ by more than Monte Carlo error")
        ratio_row("threshold", "numpy grid + bootstrap", q, npy, 50, f"supF {stat:.1e}; p {pq:.3f} vs {pn:.3f}")
    g = sides.get("var_granger")
    if g:
        worst, _ = compare_keys(g[0].result, g[1].result, ["params", "statistic", "pvalue"])
        check("var_granger", worst < 1e-6, f"max rel diff {worst:.1e}")
        ratio_row("var_granger", "statsmodels VAR", g[0], g[1], 20, f"{worst:.1e}")
    for name, target, label in [("batch_memory", 50_000, "in memory"), ("batch_durable", 5000, "SQLite FULL")]:
        if name not in sides:
            continue
        qs = statistics.median(jobs_per_second[(name, "QEIR")])
        ps = statistics.median(jobs_per_second[(name, "Python")])
        jobs = sides[name][0].result["jobs"][0]
        rows.append(
            [
                f"batch ({label})",
                "ThreadPoolExecutor" + (" + sqlite3" if "durable" in name else " + dict"),
                f"{qs:,.0f} jobs/s",
                f"{ps:,.0f} jobs/s",
                f"{qs / ps:.1f}×",
                f"≥ {target:,} jobs/s",
                "PASS" if qs >= target else "MISS",
                f"{jobs:,.0f} jobs both",
            ]
        )
    g = sides.get("fred_cache_hit")
    if g:
        t = g[0].median
        n = g[0].result["observations"][0]
        parts = f"{n:,.0f} obs; cache read {fmt_time(g[1].median)}, Foundation JSONDecoder alone {fmt_time(g[2].median)} (QEIR decodes with its own scanner)"
        rows.append(["fred_cache_hit", "—", fmt_time(t), "—", "—", "≤ 1 ms", "PASS" if t <= 1e-3 else "MISS", parts])
    return rows, failures


HEADER = ["workload", "anchor", "QEIR (median)", "anchor (median)", "ratio", "target", "result", "agreement"]


def render(rows, memory, P, args, cores, markdown: bool) -> str:
    lines = []
    quick = " (--quick sizes)" if args.quick else ""
    lines.append(f"QEIR vs Python anchors{quick}: {args.reps} interleaved repetitions, medians; ratio = anchor / QEIR; {cores} cores.")
    lines.append("")
    if markdown:
        lines.append("| " + " | ".join(HEADER) + " |")
        lines.append("|" + "---|" * len(HEADER))
        for r in rows:
            lines.append("| " + " | ".join(r) + " |")
    else:
        widths = [max(len(str(r[i])) for r in rows + [HEADER]) for i in range(len(HEADER))]
        lines.append("  ".join(h.ljust(w) for h, w in zip(HEADER, widths)))
        lines.append("  ".join("-" * w for w in widths))
        for r in rows:
            lines.append("  ".join(str(c).ljust(w) for c, w in zip(r, widths)))
    if memory:
        lines.append("")
        mh = ["workload", "design matrix", "QEIR peak RSS", "QEIR after load", "numpy/arch peak RSS", "QEIR run (one-shot)", "anchor run (one-shot)"]
        mrows = []
        for workload, (q, a) in memory.items():
            mrows.append(
                [
                    workload,
                    fmt_bytes(q["design_bytes"]),
                    fmt_bytes(q["peak_rss_bytes"]),
                    fmt_bytes(q["peak_rss_after_load_bytes"]),
                    fmt_bytes(a["peak_rss_bytes"]),
                    fmt_time(q["seconds"][0]),
                    fmt_time(a["seconds"][0]),
                ]
            )
        lines.append(
            "Peak RSS, each side in a fresh process (VmHWM; ru_maxrss on Linux carries the parent's over fork+exec):"
        )
        lines.append("")
        if markdown:
            lines.append("| " + " | ".join(mh) + " |")
            lines.append("|" + "---|" * len(mh))
            for r in mrows:
                lines.append("| " + " | ".join(r) + " |")
        else:
            widths = [max(len(str(r[i])) for r in mrows + [mh]) for i in range(len(mh))]
            lines.append("  ".join(h.ljust(w) for h, w in zip(mh, widths)))
            for r in mrows:
                lines.append("  ".join(str(c).ljust(w) for c, w in zip(r, widths)))
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    ensure_venv()
    sys.exit(main(sys.argv[1:]))
