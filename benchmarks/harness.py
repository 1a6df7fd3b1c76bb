"""Timing harness: interleaved shuffled rounds, medians and IQRs, checks first."""

from __future__ import annotations

import os
import platform
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass
class Impl:
    """One implementation of a benchmark case.

    ``make()`` returns (step, state): ``step()`` does the timed work, and
    ``state()`` returns a dict of arrays to compare with the reference after
    one step from the same start (None for nothing to compare).
    """

    name: str
    make: Callable[[], tuple[Callable[[], Any], Callable[[], dict[str, np.ndarray]] | None]]
    compile_seconds: float | None = None
    note: str = ""


@dataclass
class Row:
    case: str
    size: str
    implementation: str
    median_us: float
    iqr_us: float
    ratio: float | None = None  # to the case's reference
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def check(name: str, got: dict[str, np.ndarray], want: dict[str, np.ndarray], rtol: float) -> None:
    for key, value in want.items():
        g = np.asarray(got[key], dtype=np.float64)
        if g.shape != value.shape or not np.allclose(g, value, rtol=rtol, atol=rtol * 1e-3):
            worst = np.max(np.abs(g - value)) if g.shape == value.shape else "shape"
            raise AssertionError(f"{name}: {key} differs from the reference (max diff {worst})")


def measure(
    case: str,
    size: str,
    impls: list[Impl],
    rounds: int,
    rtol: float = 1e-9,
    min_seconds: float = 0.02,
) -> list[Row]:
    """Checks every implementation against the first, then times them interleaved."""
    steps: dict[str, Callable[[], Any]] = {}
    reference: dict[str, np.ndarray] | None = None
    for impl in impls:
        first, state = impl.make()
        first()
        if state is not None:
            if reference is None:
                reference = {k: np.array(v, dtype=np.float64) for k, v in state().items()}
            else:
                check(impl.name, state(), reference, rtol)
        steps[impl.name], _ = impl.make()  # a fresh start for timing
    warm = next(iter(steps.values()))
    start = time.perf_counter()
    warm()
    one = max(time.perf_counter() - start, 1e-7)
    inner = max(1, int(min_seconds / one))
    for fn in steps.values():
        for _ in range(min(inner, 3)):
            fn()
    samples: dict[str, list[float]] = {name: [] for name in steps}
    for _ in range(rounds):
        order = list(steps)
        random.shuffle(order)
        for name in order:
            fn = steps[name]
            t0 = time.perf_counter()
            for _ in range(inner):
                fn()
            samples[name].append((time.perf_counter() - t0) / inner * 1e6)
    rows = []
    base = float(np.median(samples[impls[0].name]))
    notes = {impl.name: impl for impl in impls}
    for name, values in samples.items():
        q1, med, q3 = np.percentile(values, [25, 50, 75])
        impl = notes[name]
        note = impl.note
        if impl.compile_seconds is not None:
            note = (note + "; " if note else "") + f"compile {impl.compile_seconds * 1e3:.0f} ms"
        rows.append(Row(case, size, name, float(med), float(q3 - q1), float(med / base), note))
    return rows


def machine() -> dict[str, Any]:
    """What the numbers were measured on."""
    info: dict[str, Any] = {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "numpy": np.__version__,
        "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE"),
        "threads": os.environ.get("OPENBLAS_NUM_THREADS"),
    }
    try:
        with open("/proc/cpuinfo") as f:
            info["cpu"] = next(
                (line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), None
            )
    except OSError:
        info["cpu"] = platform.processor()
    config = np.show_config(mode="dicts") if hasattr(np, "show_config") else {}
    try:
        info["blas"] = config["Build Dependencies"]["blas"]["name"]  # type: ignore[index]
    except (KeyError, TypeError):
        info["blas"] = None
    for module in ("torch", "jax", "autograd", "sklearn", "micrograd"):
        try:
            mod = __import__(module)
            info[module] = getattr(mod, "__version__", "installed")
        except ImportError:
            info[module] = None
    return info


def markdown(rows: list[Row]) -> str:
    lines = ["| case | size | implementation | median µs | IQR µs | × reference | note |"]
    lines.append("|---|---|---|---:|---:|---:|---|")
    for r in rows:
        ratio = "" if r.ratio is None else f"{r.ratio:.2f}"
        lines.append(
            f"| {r.case} | {r.size} | {r.implementation} | {r.median_us:,.1f} | "
            f"{r.iqr_us:,.1f} | {ratio} | {r.note} |"
        )
    return "\n".join(lines)


def skipped(case: str, size: str, name: str, why: str) -> Row:
    print(f"skipped {name} in case {case}: {why}")
    return Row(case, size, name, float("nan"), float("nan"), None, f"skipped: {why}")
