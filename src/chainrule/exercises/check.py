"""The learner's-backward checker: which gradient is wrong, and what kind of mistake it is.

:func:`check_backward` runs a learner's ``backward(params, X, y)`` on three
seeded random problems, compares each gradient with the engine's, names the
mistake (:data:`~chainrule.exercises.report.KINDS`) and gives the right
equation as the deriver writes it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from chainrule.exercises.diagnose import Factor, fit, relative_error
from chainrule.exercises.learner import Raised, call, gradient_lines
from chainrule.exercises.mistakes import Mistake, mistakes
from chainrule.exercises.problems import Problem, make_problems
from chainrule.exercises.report import BackwardReport, Finding
from chainrule.models import Model
from chainrule.symbolic import Derivation, SymbolicError, derive
from chainrule.symbolic.expr import Sym, walk
from chainrule.symbolic.render import text, text_expr


def check_backward(
    model: str | Model, backward: Callable[..., Any], *, seed: int = 0
) -> BackwardReport:
    """Checks a learner's backward pass against the engine, gradient by gradient.

    Args:
        model: a registry name (``"two-layer-sigmoid"``...) or a model instance
            (any worked network or MLP; its structure is kept, its sizes vary).
        backward: ``backward(params, X, y) -> dict`` with ``params`` a dict of
            arrays keyed like ``model.params``, ``X`` (n, m), ``y`` (1, m) (one-hot
            (C, m) for a softmax output); it returns one gradient per parameter,
            each of the parameter's shape. It is given copies and may change them.
        seed: seeds the random problems (sizes are fixed: see
            :data:`chainrule.exercises.problems.SIZES`).

    Returns:
        A :class:`BackwardReport`: ``.ok``, and per parameter a finding with
        ``param``, ``kind``, ``relative_error``, a message with the right
        equation, and the line of ``backward``'s source where the gradient is
        computed, when it can be found.
    """
    if not callable(backward):
        raise TypeError(
            f"backward must be a function backward(params, X, y) -> dict, "
            f"got {type(backward).__name__}"
        )
    problems = make_problems(model, seed)
    first = problems[0]
    try:
        d: Derivation | None = derive(first.model)
    except SymbolicError:
        d = None
    sizes = tuple(p.describe() for p in problems)
    equations = text(d) if d is not None else ""
    outputs = []
    executed: set[int] = set()
    for p in problems:
        out = call(backward, p.params, p.X, p.y, executed if p is first else None)
        if isinstance(out, Raised) or not isinstance(out, Mapping):
            findings = tuple(_failed(name, out, list(first.params)) for name in first.params)
            return BackwardReport(first.model.name, findings, sizes, equations)
        outputs.append(out)
    found = mistakes(d, problems) if d is not None else []
    lines = gradient_lines(backward, executed)
    findings = tuple(
        diagnose(name, [o.get(name) for o in outputs], problems, found, d, lines.get(name))
        for name in first.params
    )
    extra = [k for k in outputs[0] if k not in first.params]
    notes = (
        (f"backward also returned {', '.join(map(str, extra))}: not parameters of this model",)
        if extra
        else ()
    )
    return BackwardReport(first.model.name, findings, sizes, equations, notes)


def _failed(name: str, out: Any, names: list[str]) -> Finding:
    if isinstance(out, Raised):
        where = f" at line {out.line}" if out.line is not None else ""
        message = f"backward raised {out.error}{where}, given {out.given}."
        return Finding(name, "error", float("inf"), message, out.line, out.source)
    message = (
        f"backward returned {type(out).__name__}, not a dict of gradients keyed like the "
        f"parameters ({', '.join(names)})."
    )
    return Finding(name, "error", float("inf"), message)


def diagnose(
    name: str,
    returned: list[Any],
    problems: list[Problem],
    found: list[Mistake],
    d: Derivation | None,
    line: tuple[int, str] | None,
) -> Finding:
    """The finding for one parameter, given what came back on each problem.

    ``returned`` holds one value per problem (None where nothing came back),
    ``found`` the usual mistakes, ``d`` the derivation (for the right
    equation) and ``line`` where the value was computed.
    """
    at: dict[str, Any] = {"line": line[0], "source": line[1]} if line else {}
    right = ""
    if d is not None and name in d.cached:
        right = "\nThe right equation: " + equation(d, name)
    if any(g is None for g in returned):
        message = f"backward returned no gradient for {name}." + right
        return Finding(name, "missing", float("inf"), message, **at)
    try:
        G = [np.asarray(g, dtype=np.float64) for g in returned]
    except (TypeError, ValueError):
        kind_of = type(returned[0]).__name__
        message = f"∂L/∂{name} is a {kind_of}, not an array of numbers." + right
        return Finding(name, "unknown", float("inf"), message, **at)
    R = [p.reference[name] for p in problems]
    error = relative_error(G, R)
    if not all(np.all(np.isfinite(g)) for g in G):
        message = f"∂L/∂{name} holds NaN or infinite values." + right
        return Finding(name, "unknown", error, message, **at)
    exact = fit(G, R, [p.m for p in problems])
    if exact is not None and exact.is_one:
        return Finding(name, "ok", error, f"∂L/∂{name} is right.", **at)
    kind, factor, what = _explain(name, G, R, problems, found)
    also: tuple[str, ...] = ()
    if kind is None:
        if G[0].shape != R[0].shape:
            kind = "wrong_shape"
            what = f"has shape {G[0].shape}, and {name} has shape {R[0].shape}"
        elif not any(np.any(g) for g in G):
            kind, what = "unknown", "is zero everywhere"
        else:
            kind = "unknown"
            what = (
                f"differs from the right gradient (relative error {error:.2g}) in a way "
                "none of the usual mistakes explains"
            )
    elif kind == "exact":
        assert factor is not None
        kind, *rest = factor.kinds()
        also = tuple(rest)
        what = factor.words()
    elif factor is not None and not factor.is_one:
        also = factor.kinds()
        what += "; and it " + factor.words()
    message = f"∂L/∂{name} {what}." + right
    c = None if factor is None else factor.c
    return Finding(name, kind, error, message, factor=c, also=also, **at)


def _explain(
    name: str,
    G: list[np.ndarray],
    R: list[np.ndarray],
    problems: list[Problem],
    found: list[Mistake],
) -> tuple[str | None, Factor | None, str]:
    """(kind, factor, what it is) of the first candidate explaining G; kind None when none."""
    candidates: list[tuple[str, str, list[np.ndarray]]] = [("exact", "", R)]
    shape = R[0].shape
    symmetric = all(r.shape == r.T.shape and np.allclose(r, r.T) for r in R)
    if len(shape) == 2 and not symmetric:
        what = (
            f"holds the transpose of the right gradient (shape {shape[::-1]} where {name} "
            f"has shape {shape}): swap the factors of the product, or transpose them"
            if shape[0] != shape[1]
            else "holds the transpose of the right gradient: swap the factors of the product"
        )
        candidates.append(("transpose", what, [r.T for r in R]))
    for m in found:
        if name in m.values[0]:
            candidates.append((m.kind, "is wrong: " + m.what, [v[name] for v in m.values]))
    for other in problems[0].params:
        # the other gradient in this key has the other parameter's shape
        if other != name and problems[0].params[other].shape in (shape, G[0].shape):
            what = f"is the gradient of {other}: are the keys {name} and {other} swapped?"
            candidates.append(("swapped", what, [p.reference[other] for p in problems]))
    if G[0].shape != shape and G[0].size == R[0].size:
        what = (
            f"has the right numbers in the wrong shape {G[0].shape}: {name} has shape "
            f"{shape} (sum with keepdims=True, or reshape)"
        )
        reshaped = [r.reshape(g.shape) for r, g in zip(R, G, strict=True)]
        candidates.append(("wrong_shape", what, reshaped))
    ms = [p.m for p in problems]
    matches = []
    for kind, what, C in candidates:
        factor = fit(G, C, ms)
        if factor is not None:
            if factor.is_one:
                return kind, factor, what
            matches.append((kind, factor, what))
    return matches[0] if matches else (None, None, "")


def equation(d: Derivation, name: str) -> str:
    """∂L/∂name as the deriver writes it, with the adjoints it uses defined after it."""
    adjoints = dict(d.adjoints)
    needed: list[str] = []
    todo = [d.cached[name]]
    while todo:
        for s in walk(todo.pop()):
            if isinstance(s, Sym) and s.name in adjoints and s.name not in needed:
                needed.append(s.name)
                todo.append(adjoints[s.name])
    out = f"∂L/∂{name} = {text_expr(d.cached[name])}    {_shape(d, name)}"
    word = "where"
    for n, e in d.adjoints:
        if n in needed:
            out += f"\n  {word} {n} = {text_expr(e)}    {_shape(d, n)}"
            word = "and"
    return out


def _shape(d: Derivation, name: str) -> str:
    shape = d.shapes.get(name)
    return "" if shape is None else "(" + ", ".join(str(s) for s in shape) + ")"
