"""What :func:`~chainrule.exercises.check_backward` finds: one finding per parameter.

:data:`KINDS` is the vocabulary of findings. A :class:`BackwardReport` reads
as plain text (``str(report)``, what a learner reads in a terminal) and as
HTML in Jupyter (``_repr_html_``).
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass, field
from typing import Any

KINDS: dict[str, str] = {
    "ok": "the gradient is right",
    "missing_1_over_m": "m times too large: the 1/m of the mean over the examples is missing",
    "extra_1_over_m": "m times too small: divided by m once too often",
    "scale": "off by a constant factor, which is named (e.g. a missing 2 of the MSE gradient)",
    "sign": "the right gradient with the wrong sign",
    "transpose": "the transpose of the right gradient",
    "bias_not_summed": "a (k, m) gradient where (k, 1) belongs, or summed over the wrong axis",
    "activation_derivative": "the activation's derivative taken at the wrong quantity, or left out",
    "gradient_for_weight": "a weight's gradient used where the weight belongs (dW2 for W2ᵀ)",
    "wrong_shape": "an array of the wrong shape that no other kind explains",
    "swapped": "another parameter's gradient",
    "missing": "no gradient returned for this parameter",
    "error": "the learner's function raised an exception or returned no dict",
    "unknown": "wrong in a way none of the kinds above explains",
}
"""Every ``kind`` a :class:`Finding` may have, with what it means."""


@dataclass(frozen=True)
class Finding:
    """The verdict on one parameter's gradient.

    Attributes:
        param: the parameter's name, a key of ``model.params``.
        kind: a key of :data:`KINDS`.
        relative_error: the largest ‖G − R‖ / (‖G‖ + ‖R‖) over the problems, G
            the learner's gradient and R the engine's; ``inf`` when the shapes
            differ or nothing came back.
        message: the diagnosis in plain words, with the right equation.
        line: the line of the learner's file where this gradient was computed
            or returned, when it can be found.
        source: the text of that line.
        factor: the constant factor the gradient is off by, when there is one.
        also: further kinds that hold at once (a transpose that also lacks 1/m).
    """

    param: str
    kind: str
    relative_error: float
    message: str
    line: int | None = None
    source: str | None = None
    factor: float | None = None
    also: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.kind == "ok"

    def as_dict(self) -> dict[str, Any]:
        """Plain data for JSON; an infinite relative error is None."""
        return {
            "param": self.param,
            "kind": self.kind,
            "relative_error": None if math.isinf(self.relative_error) else self.relative_error,
            "message": self.message,
            "line": self.line,
            "source": self.source,
            "factor": self.factor,
            "also": list(self.also),
        }


@dataclass(frozen=True)
class BackwardReport:
    """The findings for every parameter of one model; truthy when all are right.

    Attributes:
        model: the model's name.
        findings: one :class:`Finding` per parameter, in ``model.params`` order.
        problems: the sizes of the problems the function was run on.
        equations: the right backward pass, as the deriver writes it (may be empty).
        notes: remarks that concern no one parameter (keys that are not parameters).
    """

    model: str
    findings: tuple[Finding, ...]
    problems: tuple[str, ...]
    equations: str = ""
    notes: tuple[str, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return all(f.ok for f in self.findings)

    def __bool__(self) -> bool:
        return self.ok

    def __getitem__(self, param: str) -> Finding:
        for f in self.findings:
            if f.param == param:
                return f
        names = ", ".join(f.param for f in self.findings)
        raise KeyError(f"{self.model} has no parameter {param!r} (it has {names})")

    @property
    def wrong(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if not f.ok)

    def as_dict(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "ok": self.ok,
            "findings": [f.as_dict() for f in self.findings],
            "problems": list(self.problems),
            "notes": list(self.notes),
        }

    def headline(self) -> str:
        n = len(self.findings)
        if self.ok:
            return f"{self.model}: all {n} gradients are right"
        return f"{self.model}: {len(self.wrong)} of {n} gradients are wrong"

    def __str__(self) -> str:
        lines = [self.headline(), ""]
        for f in self.findings:
            mark = "✓" if f.ok else "✗"
            where = f"  (line {f.line})" if f.line is not None else ""
            lines.append(f"{mark} {f.param}: {f.kind}{where}")
            if not f.ok:
                if f.source:
                    lines.append(f"    {f.line}: {f.source}")
                lines.extend("    " + part for part in f.message.split("\n"))
        lines.extend(["", *self.notes] if self.notes else [])
        lines += ["", "Checked on " + str(len(self.problems)) + " random problems:"]
        lines += [f"  {p}" for p in self.problems]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        e = html.escape
        rows = []
        for f in self.findings:
            colour = "#1a7f37" if f.ok else "#cf222e"
            error = "" if f.ok or math.isinf(f.relative_error) else f"{f.relative_error:.2g}"
            line = "" if f.line is None else f"{f.line}: <code>{e(f.source or '')}</code>"
            message = "" if f.ok else e(f.message).replace("\n", "<br>")
            rows.append(
                f"<tr><td><b>{e(f.param)}</b></td>"
                f'<td style="color:{colour}">{e(f.kind)}</td><td>{error}</td>'
                f"<td>{line}</td><td>{message}</td></tr>"
            )
        notes = "".join(f"<p>{e(n)}</p>" for n in self.notes)
        problems = "; ".join(e(p) for p in self.problems)
        return (
            f"<div><p><b>{e(self.headline())}</b></p>"
            "<table><tr><th>parameter</th><th>kind</th><th>relative error</th>"
            "<th>line</th><th>diagnosis</th></tr>" + "".join(rows) + "</table>"
            f"{notes}<p><small>Checked on: {problems}</small></p></div>"
        )
