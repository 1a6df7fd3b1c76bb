"""Naming what is wrong with one gradient, given the right one and the usual mistakes.

A learner's gradient G is compared on every problem with candidates C: the
engine's gradient R itself, its transpose, the gradients of the other
parameters, and the mistakes of :mod:`chainrule.exercises.mistakes`. A
candidate explains G when G = c·C on every problem, with c a constant, a
constant times m or a constant over m (the problems have different m, so
these are told apart). The first candidate that explains G with c = 1 names
the kind; otherwise the first that explains it up to a factor, and the factor
adds its own kind (a transpose that also lacks its 1/m).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np

# G and c·C agree when ‖G − c·C‖ ≤ TOL·‖G‖: well above rounding (1e-13 or so
# for these sizes), far below any real mistake
TOL = 1e-7


@dataclass(frozen=True)
class Factor:
    """c · m**power."""

    c: float
    power: int

    @property
    def is_one(self) -> bool:
        return self.power == 0 and abs(self.c - 1.0) <= TOL

    def kinds(self) -> tuple[str, ...]:
        """The kinds this factor is by itself (empty for 1)."""
        if self.is_one:
            return ()
        out = []
        if self.power > 0:
            out.append("missing_1_over_m")
        elif self.power < 0:
            out.append("extra_1_over_m")
        if abs(self.c + 1.0) <= TOL:
            out.append("sign")
        elif abs(self.c - 1.0) > TOL:
            out.append("scale")
        return tuple(out)

    def words(self) -> str:
        """What the factor does, in plain words: "is m times too large: ..."."""
        parts = []
        times = "m" if abs(self.power) == 1 else f"m^{abs(self.power)}"
        if self.power > 0:
            parts.append(
                f"is {times} times too large: the 1/m of the mean over the m examples is missing"
                + ("" if self.power == 1 else f" {self.power} times over")
            )
        elif self.power < 0:
            parts.append(f"is {times} times too small: it is divided by m once too often")
        c = abs(self.c)
        if self.c < 0:
            parts.append(
                "has the wrong sign (a loss without its minus sign, or the update "
                "−η∂L/∂θ in place of the gradient?)"
            )
        if abs(c - 1.0) > TOL:
            parts.append(f"is {_number(c)} times the right size{_hint(c)}")
        return "; and it ".join(parts)


def _number(c: float) -> str:
    f = Fraction(c).limit_denominator(64)
    if abs(float(f) - c) <= TOL * c:
        return str(f)
    return f"{c:.6g}"


def _hint(c: float) -> str:
    if abs(c - 0.5) <= TOL:
        return " (a factor 2 is missing: d/dŷ (ŷ − y)² = 2 (ŷ − y))"
    if abs(c - 2.0) <= TOL:
        return " (a factor 2 too many: is this loss's ½ or 2 counted twice?)"
    return ""


def fit(G: list[np.ndarray], C: list[np.ndarray], ms: list[int]) -> Factor | None:
    """The factor with G = factor·C on every problem, or None."""
    cs = []
    for g, c in zip(G, C, strict=True):
        if g.shape != c.shape:
            return None
        cc = float(np.vdot(c, c))
        gg = float(np.vdot(g, g))
        if cc == 0.0 or gg == 0.0:
            if cc == gg:
                cs.append(1.0)
                continue
            return None
        k = float(np.vdot(g, c)) / cc
        if np.linalg.norm(g - k * c) > TOL * np.sqrt(gg):
            return None
        cs.append(k)
    for power in (0, 1, -1, 2, -2):
        scaled = [k / float(m) ** power for k, m in zip(cs, ms, strict=True)]
        if all(abs(s - scaled[0]) <= TOL * abs(scaled[0]) for s in scaled):
            return Factor(scaled[0], power)
    return None


def relative_error(G: list[np.ndarray], R: list[np.ndarray]) -> float:
    """max over problems of ‖G − R‖ / (‖G‖ + ‖R‖); inf when a shape differs."""
    worst = 0.0
    for g, r in zip(G, R, strict=True):
        if g.shape != r.shape:
            return float("inf")
        size = float(np.linalg.norm(g) + np.linalg.norm(r))
        if size > 0:
            worst = max(worst, float(np.linalg.norm(g - r)) / size)
    return worst
