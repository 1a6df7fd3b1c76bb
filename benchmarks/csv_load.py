"""Case L: reading a ~200 MB numeric CSV file, chainrule's ``load_csv`` against ``np.loadtxt``.

Time: the two loaders are checked equal (bit for bit) and timed interleaved by
the harness, at most 3 rounds since one load takes seconds. Memory: each loader
runs once in a fresh Python process, which reports its peak resident memory
(``VmHWM``; ``ru_maxrss`` would carry the parent's over ``exec``) above its
resident memory just before loading; the rows give
that peak as a multiple of the final float64 arrays (X and y for
``load_csv``, the one table for ``np.loadtxt``). Targets: time at most 2×
``np.loadtxt``, peak at most 3× the arrays.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.harness import Impl, Row, measure
from chainrule.data import load_csv

DISTINCT_ROWS = 22_000
REPEATS = 100  # 2.2 million rows of 10 columns, about 209 MB
COLUMNS = 10

_CHILD = """
import sys
import numpy as np
from chainrule.data import load_csv

def status(field):
    with open("/proc/self/status") as f:
        line = next(line for line in f if line.startswith(field + ":"))
    return int(line.split()[1]) * 1024

before = status("VmRSS")
if sys.argv[1] == "numpy":
    table = np.loadtxt(sys.argv[2], delimiter=",", comments=None)
    final = table.nbytes
else:
    d = load_csv(sys.argv[2], task="regression")
    final = d.X.nbytes + d.y.nbytes
peak = status("VmHWM")
print(before, peak, final)
"""


def run(rounds: int) -> list[Row]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "big.csv"
        _write(path)
        megabytes = path.stat().st_size / 1e6
        size = f"{megabytes:.0f} MB, {DISTINCT_ROWS * REPEATS:,} rows × {COLUMNS}"
        impls = [
            Impl("np.loadtxt", lambda: _numpy(path)),
            Impl("chainrule load_csv", lambda: _chainrule(path)),
        ]
        rows = measure("L", size, impls, min(rounds, 3), rtol=0.0, min_seconds=0.0)
        for row, kind in zip(rows, ("numpy", "chainrule"), strict=True):
            before, peak, final = _peak_memory(kind, path)
            ratio = (peak - before) / final
            row.extra = {"peak_mb": (peak - before) / 1e6, "final_mb": final / 1e6}
            row.note = f"peak +{(peak - before) / 1e6:.0f} MB = {ratio:.2f}× the final arrays"
    return rows


def _write(path: Path) -> None:
    """A file of DISTINCT_ROWS rows of standard normals at 6 decimals, repeated."""
    table = np.random.default_rng(0).standard_normal((DISTINCT_ROWS, COLUMNS))
    buffer = io.StringIO()
    np.savetxt(buffer, table, fmt="%.6f", delimiter=",")
    block = buffer.getvalue().encode("ascii")
    with open(path, "wb") as f:
        for _ in range(REPEATS):
            f.write(block)


def _numpy(path: Path) -> tuple[Callable[[], Any], Callable[[], dict[str, np.ndarray]]]:
    box: dict[str, np.ndarray] = {}

    def step() -> None:
        box["table"] = np.loadtxt(path, delimiter=",", comments=None)

    def state() -> dict[str, np.ndarray]:
        table = box["table"]
        return {"X": table[:, :-1].T, "y": table[:, -1:].T}

    return step, state


def _chainrule(path: Path) -> tuple[Callable[[], Any], Callable[[], dict[str, np.ndarray]]]:
    box: dict[str, np.ndarray] = {}

    def step() -> None:
        d = load_csv(path, task="regression")
        box["X"], box["y"] = d.X, d.y

    return step, lambda: dict(box)


def _peak_memory(kind: str, path: Path) -> tuple[int, int, int]:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, kind, str(path)],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    before, peak, final = (int(v) for v in out)
    return before, peak, final
