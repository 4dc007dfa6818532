"""Workload data for the QEIR ↔ Python comparison (issue 8).

Every array is generated here with a fixed numpy seed and written to the data directory as
raw little-endian float64 in column-major order (`<workload>.<name>.f64`), described by
`manifest.json`; the Swift runner (`qeir-compare`) and the Python anchors read the same bytes.
The Swift Stats suite generates the same models with its own generator when no data directory
is given (Sources/QEIRBenchWorkloads/WorkloadData.swift mirrors the models below).
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import numpy as np

SEED = 20261129
VERSION = 1


def parameters(quick: bool) -> dict:
    """Sizes and replication counts; the same keys as Swift's WorkloadParameters."""
    p = {
        "ols_small_n": 200,
        "ols_large_n": 1_000_000,
        "ols_large_k": 50,
        "iv_n": 10_000,
        "bootstrap_n": 200,
        "bootstrap_replications": 10_000,
        "threshold_n": 100,
        "threshold_replications": 1000,
        "var_n": 200,
        "batch_memory_jobs": 20_000,
        "batch_durable_jobs": 5000,
        "fred_observations": 10_000,
    }
    if quick:
        p.update(
            ols_large_n=100_000,
            iv_n=2000,
            bootstrap_replications=1000,
            threshold_replications=200,
            batch_memory_jobs=2000,
            batch_durable_jobs=500,
            fred_observations=1000,
        )
    return p


def coefficients(k: int) -> np.ndarray:
    """β = (1, 0.5, −0.5, 0.25, −0.25, …)."""
    return np.array([1.0] + [(1.0 if j % 2 == 1 else -1.0) * 0.5 / ((j + 1) // 2) for j in range(1, k)])


def generate(p: dict, seed: int = SEED) -> dict[str, np.ndarray]:
    """All arrays, keyed `<workload>.<name>`; matrices are Fortran-ordered (n × k)."""
    rng = np.random.default_rng(seed)
    out: dict[str, np.ndarray] = {}

    def regression(name: str, n: int, k: int, heteroskedastic: bool) -> None:
        X = np.empty((n, k), order="F")
        X[:, 0] = 1.0
        X[:, 1:] = rng.standard_normal((n, k - 1))
        e = rng.standard_normal(n)
        if heteroskedastic:
            e = e * (1.0 + np.abs(X[:, 1]))
        out[f"{name}.X"] = X
        out[f"{name}.y"] = X @ coefficients(k) + e

    # ols_small: n=200, [const, x1..x9], e = N(0,1)·(1+|x1|).
    regression("ols_small", p["ols_small_n"], 10, True)

    # ols_large: [const, 49 columns], column j = z_j + 0.9·z_{j−1}.
    n, k = p["ols_large_n"], p["ols_large_k"]
    X = np.empty((n, k), order="F")
    X[:, 0] = 1.0
    previous = rng.standard_normal(n)
    for j in range(1, k):
        z = rng.standard_normal(n)
        X[:, j] = z + 0.9 * previous
        previous = z
    out["ols_large.X"] = X
    out["ols_large.y"] = X @ coefficients(k) + rng.standard_normal(n)
    del X, previous

    # iv: exogenous [const, w1, w2]; endogenous x1, x2 (correlated with u); instruments z1..z4.
    n = p["iv_n"]
    w = rng.standard_normal((n, 2))
    z = rng.standard_normal((n, 4))
    u = rng.standard_normal(n)
    v = rng.standard_normal((n, 2))
    x1 = 0.5 * z[:, 0] + 0.3 * z[:, 1] + 0.2 * z[:, 2] + 0.2 * w[:, 0] + v[:, 0] + 0.5 * u
    x2 = 0.2 * z[:, 0] + 0.4 * z[:, 2] + 0.5 * z[:, 3] - 0.1 * w[:, 1] + v[:, 1] + 0.5 * u
    out["iv.y"] = 1.0 + 0.5 * w[:, 0] - 0.3 * w[:, 1] + 1.0 * x1 - 0.5 * x2 + u
    out["iv.exog"] = np.asfortranarray(np.column_stack([np.ones(n), w]))
    out["iv.endog"] = np.asfortranarray(np.column_stack([x1, x2]))
    out["iv.instr"] = np.asfortranarray(z)

    # bootstrap: n=200, [const, x1..x4], heteroskedastic like ols_small.
    regression("bootstrap", p["bootstrap_n"], 5, True)

    # threshold: [const, x], q ~ U(0,1), regime shift at q <= 0.5.
    n = p["threshold_n"]
    x = rng.standard_normal(n)
    q = rng.uniform(size=n)
    e = rng.standard_normal(n)
    out["threshold.X"] = np.asfortranarray(np.column_stack([np.ones(n), x]))
    out["threshold.y"] = np.where(q <= 0.5, 1.0 + 1.0 * x, 2.0 + 0.2 * x) + e
    out["threshold.q"] = q

    # var_granger: a stable VAR(1) in 3 variables, 100 burn-in periods dropped.
    n, burn = p["var_n"], 100
    a = np.array([[0.5, 0.2, 0.0], [0.1, 0.4, 0.1], [0.0, 0.2, 0.3]])
    shocks = rng.standard_normal((n + burn, 3))
    state = np.zeros(3)
    data = np.empty((n, 3), order="F")
    for t in range(n + burn):
        state = a @ state + shocks[t]
        if t >= burn:
            data[t - burn] = state
    out["var_granger.data"] = data
    return out


def _shape(array: np.ndarray) -> tuple[int, int]:
    return (array.shape[0], 1) if array.ndim == 1 else (array.shape[0], array.shape[1])


def write(directory: Path, p: dict, arrays: dict[str, np.ndarray], seed: int = SEED) -> None:
    """Writes every array as raw little-endian float64, column-major, and the manifest last."""
    directory.mkdir(parents=True, exist_ok=True)
    entries = {}
    for name, array in arrays.items():
        rows, columns = _shape(array)
        file = f"{name}.f64"
        # `tofile` writes C order: the transpose of a Fortran-ordered matrix is its column-major bytes.
        column_major = np.asarray(array, dtype="<f8", order="F")
        (column_major.T if column_major.ndim == 2 else column_major).tofile(directory / file)
        entries[name] = {"file": file, "rows": rows, "columns": columns}
    manifest = {"version": VERSION, "seed": seed, "parameters": p, "arrays": entries}
    (directory / "manifest.json").write_text(json.dumps(manifest, indent=1, sort_keys=True))


def read(directory: Path, prefix: str = "") -> tuple[dict, dict[str, np.ndarray]]:
    """The parameters and arrays (those whose name starts with `prefix`) of a data directory,
    matrices as Fortran-ordered views of the file's bytes."""
    manifest = json.loads((directory / "manifest.json").read_text())
    arrays = {}
    for name, entry in manifest["arrays"].items():
        if not name.startswith(prefix):
            continue
        flat = np.fromfile(directory / entry["file"], dtype="<f8")
        rows, columns = entry["rows"], entry["columns"]
        arrays[name] = flat if columns == 1 else flat.reshape(columns, rows).T
    return manifest["parameters"], arrays


def prepare(directory: Path, quick: bool, regenerate: bool = False) -> tuple[dict, dict[str, np.ndarray]]:
    """Reuses the directory when its manifest matches (same version, seed and sizes); else
    generates and writes the data."""
    p = parameters(quick)
    manifest_path = directory / "manifest.json"
    if not regenerate and manifest_path.exists():
        try:
            manifest = json.loads(manifest_path.read_text())
            if manifest.get("version") == VERSION and manifest.get("seed") == SEED and manifest.get("parameters") == p:
                return read(directory)
        except (OSError, ValueError):
            pass
    if manifest_path.exists():
        os.remove(manifest_path)
    arrays = generate(p)
    write(directory, p, arrays)
    return read(directory)


def threshold_minimum(n: int, k: int, trim: float = 0.15) -> int:
    """QEIR's smallest regime: max(⌈π·n⌉, k + 1) (Sources/QEIRStats/Threshold.swift, candidates)."""
    return max(math.ceil(trim * n), k + 1)
