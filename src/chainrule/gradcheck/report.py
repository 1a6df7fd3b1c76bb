"""The result of a gradient check: per input, how far analytic and numeric differ."""

from __future__ import annotations

from dataclasses import dataclass

from chainrule.display import heading, table, text


@dataclass(frozen=True)
class InputCheck:
    """How one input's gradient compared with finite differences.

    Attributes:
        index: the input's position among the checked arrays.
        shape: the input's shape.
        kind: ``"elements"`` (every element perturbed) or ``"directions"``
            (random directional derivatives).
        checked: how many elements or directions were compared.
        max_abs_error: the largest |analytic − numeric|.
        max_rel_error: the largest |analytic − numeric| / max(|analytic|, |numeric|).
        worst_index: the element index (or ``(direction,)``) that misses the
            tolerance by most, or comes closest to missing it.
        analytic, numeric: the two values there.
        passed: whether every compared value is within tolerance.
    """

    index: int
    shape: tuple[int, ...]
    kind: str
    checked: int
    max_abs_error: float
    max_rel_error: float
    worst_index: tuple[int, ...] | None
    analytic: float
    numeric: float
    passed: bool


@dataclass(frozen=True)
class GradcheckReport:
    """All inputs' checks. Truthy exactly when every input passed."""

    inputs: tuple[InputCheck, ...]
    eps: float
    atol: float
    rtol: float
    notes: tuple[str, ...] = ()

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.inputs)

    def __bool__(self) -> bool:
        return self.passed

    def __str__(self) -> str:
        verdict = "passed" if self.passed else "FAILED"
        lines = [
            f"gradcheck {verdict}: {len(self.inputs)} input(s), eps={self.eps:g}, "
            f"atol={self.atol:g}, rtol={self.rtol:g}",
            f"  {'input':<6}{'shape':<16}{'checked':<16}{'max abs err':>12}{'max rel err':>13}"
            f"  {'worst at':<14}{'analytic':>14}{'numeric':>14}  result",
        ]
        for c in self.inputs:
            checked = f"{c.checked} {c.kind}"
            where = "-" if c.worst_index is None else _where(c)
            lines.append(
                f"  {c.index:<6}{c.shape!s:<16}{checked:<16}{c.max_abs_error:>12.2e}"
                f"{c.max_rel_error:>13.2e}  {where:<14}{c.analytic:>14.6g}{c.numeric:>14.6g}"
                f"  {'ok' if c.passed else 'FAIL'}"
            )
        lines.extend(f"  note: {n}" for n in self.notes)
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        """A notebook's view: the verdict and one table row per input."""
        verdict = "passed" if self.passed else "FAILED"
        head = (
            f"gradcheck {verdict}: {len(self.inputs)} input(s), eps={self.eps:g}, "
            f"atol={self.atol:g}, rtol={self.rtol:g}"
        )
        rows = [
            (
                c.index,
                str(c.shape),
                f"{c.checked} {c.kind}",
                f"{c.max_abs_error:.2e}",
                f"{c.max_rel_error:.2e}",
                "-" if c.worst_index is None else _where(c),
                float(c.analytic),
                float(c.numeric),
                "ok" if c.passed else "FAIL",
            )
            for c in self.inputs
        ]
        headers = ("input", "shape", "checked", "max abs err", "max rel err", "worst at")
        parts = [
            heading(head),
            table((*headers, "analytic", "numeric", "result"), rows),
        ]
        parts.extend(f"<div>note: {text(n)}</div>" for n in self.notes)
        return "".join(parts)


def _where(c: InputCheck) -> str:
    assert c.worst_index is not None
    if c.kind == "directions":
        return f"direction {c.worst_index[0]}"
    return str(c.worst_index)
