"""The Python anchors of issue 8: what an economist would run today, on the same data as QEIR.

Each anchor takes the arrays of its workload (from data.py) and returns its key numbers under
the names the Swift runner uses (params, bse, pvalues, statistic, …), as plain lists.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from data import threshold_minimum


def _lists(values: dict) -> dict[str, list[float]]:
    return {k: [float(x) for x in np.atleast_1d(np.asarray(v, dtype=float)).ravel(order="F")] for k, v in values.items()}


# MARK: - Statistics


def ols_small(d: dict) -> dict:
    import statsmodels.api as sm

    res = sm.OLS(d["ols_small.y"], d["ols_small.X"]).fit(cov_type="HC1")
    # statsmodels computes lazily: touch everything QEIR returns.
    return _lists({"params": res.params, "bse": res.bse, "pvalues": res.pvalues, "rsquared": res.rsquared})


def ols_large_lstsq(d: dict) -> dict:
    beta = np.linalg.lstsq(d["ols_large.X"], d["ols_large.y"], rcond=None)[0]
    return _lists({"params": beta})


def ols_large_statsmodels(d: dict) -> dict:
    import statsmodels.api as sm

    res = sm.OLS(d["ols_large.y"], d["ols_large.X"]).fit()
    return _lists({"params": res.params, "bse": res.bse})


def iv(d: dict) -> dict:
    from linearmodels.iv import IV2SLS

    res = IV2SLS(d["iv.y"], d["iv.exog"], d["iv.endog"], d["iv.instr"]).fit(cov_type="robust")
    return _lists({"params": res.params, "bse": res.std_errors, "pvalues": res.pvalues})


def iv_diagnostics(d: dict) -> dict:
    """The same fit, and the diagnostics QEIR's IV2SLS computes with every fit: linearmodels
    evaluates them lazily, so `iv` alone times the estimates only. Like for like: first-stage
    partial R², Shea R² and F; Sargan, Basmann; Durbin and Wu–Hausman."""
    from linearmodels.iv import IV2SLS

    res = IV2SLS(d["iv.y"], d["iv.exog"], d["iv.endog"], d["iv.instr"]).fit(cov_type="robust")
    first = res.first_stage.diagnostics
    out = {"params": res.params, "bse": res.std_errors, "pvalues": res.pvalues}
    out["partial_r2"] = first["partial.rsquared"]
    out["shea_r2"] = first["shea.rsquared"]
    out["sargan"] = [res.sargan.stat]
    out["basmann"] = [res.basmann.stat]
    out["durbin"] = [res.durbin().stat]
    out["wu_hausman"] = [res.wu_hausman().stat]
    return _lists(out)


def bootstrap(d: dict, replications: int) -> dict:
    from arch.bootstrap import IIDBootstrap

    X, y = d["bootstrap.X"], d["bootstrap.y"]

    def fit(X, y):
        return np.linalg.lstsq(X, y, rcond=None)[0]

    estimates = fit(X, y)
    draws = IIDBootstrap(X, y, seed=1).apply(fit, replications)
    return _lists({"params": estimates, "bootstrap_se": draws.std(axis=0, ddof=1), "replications": len(draws)})


def threshold(d: dict, replications: int) -> dict:
    """Hansen's (1996) supF test of no threshold, written plainly in numpy.

    The grid is QEIR's default (Sources/QEIRStats/Threshold.swift): every distinct value γ of q
    that leaves at least max(⌈0.15·n⌉, k + 1) observations in each regime, regime 1 being
    q ≤ γ. For each γ, one `lstsq` on the split design [x·1(q≤γ), x·1(q>γ)];
    F(γ) = n(SSR0 − SSR1(γ))/SSR1(γ), and supF uses the smallest SSR1. The bootstrap keeps X
    and q fixed and draws y* ~ N(0, 1) (homoskedastic), recomputing supF.
    """
    y, X, q = d["threshold.y"], d["threshold.X"], d["threshold.q"]
    n, k = X.shape
    minimum = threshold_minimum(n, k)
    values = np.sort(q)
    grid = []
    for i, gamma in enumerate(values):
        if i + 1 < n and values[i + 1] == gamma:
            continue  # not the last of its ties
        m = i + 1
        if m >= minimum and n - m >= minimum:
            grid.append(gamma)
    designs = []
    for gamma in grid:
        below = (q <= gamma)[:, None]
        designs.append(np.hstack([X * below, X * ~below]))

    def ssr(Z, v):
        r = v - Z @ np.linalg.lstsq(Z, v, rcond=None)[0]
        return r @ r

    def sup_f(v):
        s0 = ssr(X, v)
        s1 = min(ssr(Z, v) for Z in designs)
        return n * (s0 - s1) / s1

    observed = sup_f(y)
    rng = np.random.default_rng(1)
    draws = np.array([sup_f(rng.standard_normal(n)) for _ in range(replications)])
    return _lists({"statistic": observed, "pvalue": np.mean(draws >= observed)})


def var_granger(d: dict) -> dict:
    import pandas as pd
    from statsmodels.tsa.api import VAR

    frame = d.get("var_granger.frame")
    if frame is None:
        frame = pd.DataFrame(d["var_granger.data"], columns=["y1", "y2", "y3"])
    res = VAR(frame).fit(4)
    test = res.test_causality("y1", ["y2"], kind="f")
    # params: (1 + 3·4) × 3, regressor × equation; column-major like QEIR's coefficient Matrix.
    return _lists({"params": res.params.values, "statistic": test.test_statistic, "pvalue": test.pvalue})


# MARK: - Batch baseline


def batch_memory(jobs: int, workers: int = 8) -> dict:
    """No-op jobs on a ThreadPoolExecutor(8) with a dict of job states and a transition log,
    updated under one lock: pending at submission, running at start, succeeded at the end."""
    lock = threading.Lock()
    states: dict[str, str] = {}
    transitions: list[tuple] = []

    def run(job_id: str) -> None:
        with lock:
            states[job_id] = "running"
            transitions.append((job_id, "pending", "running", time.time()))
        # the job itself does nothing
        with lock:
            states[job_id] = "succeeded"
            transitions.append((job_id, "running", "succeeded", time.time()))

    ids = [f"job{i}" for i in range(jobs)]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        start = time.perf_counter()
        with lock:
            for job_id in ids:
                states[job_id] = "pending"
                transitions.append((job_id, None, "pending", time.time()))
        for future in [pool.submit(run, job_id) for job_id in ids]:
            future.result()
        seconds = time.perf_counter() - start
    assert sum(1 for s in states.values() if s == "succeeded") == jobs
    return {"jobs": [jobs], "seconds": [seconds], "jobs_per_second": [jobs / seconds]}


SCHEMA = """
CREATE TABLE jobs (
    id TEXT PRIMARY KEY NOT NULL, spec TEXT NOT NULL, handler TEXT NOT NULL,
    state TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
    submitted_at REAL NOT NULL, updated_at REAL NOT NULL, started_at REAL, finished_at REAL,
    lease_owner TEXT, lease_token TEXT, lease_expires_at REAL, result TEXT);
CREATE TABLE job_transitions (
    sequence INTEGER PRIMARY KEY, job_id TEXT NOT NULL, from_state TEXT, to_state TEXT NOT NULL,
    at REAL NOT NULL, reason TEXT NOT NULL, attempt INTEGER NOT NULL);
CREATE INDEX job_transitions_job ON job_transitions (job_id);
CREATE TABLE job_attempts (
    id INTEGER PRIMARY KEY, job_id TEXT NOT NULL, attempt INTEGER NOT NULL, owner TEXT NOT NULL,
    token TEXT NOT NULL, started_at REAL NOT NULL, ended_at REAL, outcome TEXT);
CREATE INDEX job_attempts_job ON job_attempts (job_id);
"""


def batch_durable(jobs: int, workers: int = 8) -> dict:
    """The same no-op jobs with their state in SQLite (WAL, synchronous=FULL), one connection
    guarded by a lock, doing QEIR SQLiteJobStore's writes per job: insert pending (+ transition)
    at submission in one transaction; claim → running with a lease (job update, attempt row,
    transition) in one transaction; complete → succeeded (job update, attempt closed,
    transition) in one transaction. Each commit is flushed to disk, as QEIR's FULL store's are;
    QEIR additionally groups claims and completions of several jobs into one transaction."""
    with tempfile.TemporaryDirectory(prefix="qeir-compare-batch-") as directory:
        db = sqlite3.connect(os.path.join(directory, "jobs.sqlite"), isolation_level=None, check_same_thread=False)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=FULL")
        db.executescript(SCHEMA)
        lock = threading.Lock()
        owner = f"python-{os.getpid()}"
        counter = iter(range(1, 1 << 62))

        def transition(job_id, old, new, reason, attempt, now):
            db.execute(
                "INSERT INTO job_transitions (job_id, from_state, to_state, at, reason, attempt) VALUES (?, ?, ?, ?, ?, ?)",
                (job_id, old, new, now, reason, attempt),
            )

        def run(job_id: str) -> None:
            with lock:
                now = time.time()
                token = f"{owner}-{next(counter)}"
                db.execute("BEGIN IMMEDIATE")
                db.execute(
                    "UPDATE jobs SET state = 'running', attempts = attempts + 1, lease_owner = ?, lease_token = ?, "
                    "lease_expires_at = ?, updated_at = ?, started_at = ? WHERE id = ? AND state = 'pending'",
                    (owner, token, now + 300, now, now, job_id),
                )
                db.execute(
                    "INSERT INTO job_attempts (job_id, attempt, owner, token, started_at) VALUES (?, 1, ?, ?, ?)",
                    (job_id, owner, token, now),
                )
                transition(job_id, "pending", "running", f"attempt 1 started by {owner}", 1, now)
                db.execute("COMMIT")
            # the job itself does nothing
            with lock:
                now = time.time()
                db.execute("BEGIN IMMEDIATE")
                row = db.execute("SELECT state, lease_token FROM jobs WHERE id = ?", (job_id,)).fetchone()
                assert row == ("running", token)
                db.execute(
                    "UPDATE jobs SET state = 'succeeded', result = '{}', finished_at = ?, updated_at = ?, "
                    "lease_owner = NULL, lease_token = NULL, lease_expires_at = NULL WHERE id = ?",
                    (now, now, job_id),
                )
                db.execute(
                    "UPDATE job_attempts SET ended_at = ?, outcome = 'succeeded' WHERE job_id = ? AND token = ?",
                    (now, job_id, token),
                )
                transition(job_id, "running", "succeeded", "attempt 1 succeeded", 1, now)
                db.execute("COMMIT")

        ids = [f"job{i}" for i in range(jobs)]
        with ThreadPoolExecutor(max_workers=workers) as pool:
            start = time.perf_counter()
            with lock:
                now = time.time()
                db.execute("BEGIN IMMEDIATE")
                db.executemany(
                    "INSERT INTO jobs (id, spec, handler, state, submitted_at, updated_at) "
                    "VALUES (?, ?, 'noop', 'pending', ?, ?)",
                    [(i, f'{{"id":"{i}","handler":"noop","payload":{n}}}', now, now) for n, i in enumerate(ids)],
                )
                db.executemany(
                    "INSERT INTO job_transitions (job_id, from_state, to_state, at, reason, attempt) "
                    "VALUES (?, NULL, 'pending', ?, 'submitted', 0)",
                    [(i, now) for i in ids],
                )
                db.execute("COMMIT")
            for future in [pool.submit(run, job_id) for job_id in ids]:
                future.result()
            seconds = time.perf_counter() - start
        done = db.execute("SELECT COUNT(*) FROM jobs WHERE state = 'succeeded'").fetchone()[0]
        db.close()
    assert done == jobs
    return {"jobs": [jobs], "seconds": [seconds], "jobs_per_second": [jobs / seconds]}


def peak_rss_bytes() -> int:
    """Peak RSS of this process in bytes: VmHWM on Linux (getrusage's ru_maxrss survives fork
    and exec there, so a child of the big harness process would report the harness's size),
    else ru_maxrss."""
    import resource
    import sys

    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss if sys.platform == "darwin" else rss * 1024
