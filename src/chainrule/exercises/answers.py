"""Checking a typed equation for a gradient by evaluating it, with check_backward's diagnosis.

The answer is parsed by :mod:`chainrule.exercises.parse` (never ``eval``),
evaluated on the same seeded problems as :func:`check_backward`, with the
names of the derived equations (the parameters, X, y, the forward values Z,
A, ŷ and the adjoints δ, dZ...), and compared with the engine's gradient. A
wrong one is diagnosed as a wrong backward pass is: a factor, a sign, a
transpose, a shape.
"""

from __future__ import annotations

from functools import lru_cache

from chainrule.exercises.check import diagnose
from chainrule.exercises.mistakes import environment, mistakes
from chainrule.exercises.parse import Node, evaluate, parse
from chainrule.exercises.problems import make_problems
from chainrule.exercises.report import Finding
from chainrule.models import Model
from chainrule.symbolic import derive


def check_equation(answer: str, model: str | Model, param: str, *, seed: int = 0) -> Finding:
    """Whether ``answer`` is ∂L/∂``param`` of ``model``, and if not, what is wrong.

    Args:
        answer: the right-hand side in the text notation, e.g.
            ``"(2/m) * (yhat - y) @ X.T"`` or ``"δ Xᵀ"`` (see
            :mod:`chainrule.exercises.parse` for the grammar); a leading
            ``∂L/∂w =`` is allowed.
        model: a registry name or a model instance.
        param: a parameter name of the model.
        seed: seeds the random problems it is evaluated on.

    Returns:
        A :class:`Finding` whose ``kind`` is ``ok`` or the mistake; an
        answer that uses an unknown name or whose shapes do not fit is of
        kind ``error``, its message naming the name or the shapes.

    Raises:
        ParseError: the answer is outside the grammar (a ValueError).
        ValueError: ``param`` is not a parameter of the model.
    """
    tree = parse(answer)
    if isinstance(model, str):
        return _check_by_name(answer, model, param, seed)
    return _check(tree, model, param, seed)


@lru_cache(maxsize=1024)
def _check_by_name(answer: str, model: str, param: str, seed: int) -> Finding:
    """check_equation for a registry name: a pure function of its arguments, kept."""
    return _check(parse(answer), model, param, seed)


def _check(tree: Node, model: str | Model, param: str, seed: int) -> Finding:
    problems = make_problems(model, seed)
    if param not in problems[0].params:
        names = ", ".join(problems[0].params)
        raise ValueError(f"{problems[0].model.name} has no parameter {param!r}: use one of {names}")
    d = derive(problems[0].model)
    values = []
    for p in problems:
        env, _ = environment(d, p)
        env.update({"X": p.X, "y": p.y, "Y": p.y})
        try:
            values.append(evaluate(tree, env, p.m))
        except ValueError as e:
            message = f"the answer cannot be evaluated: {e}."
            return Finding(param, "error", float("inf"), message)
    return diagnose(param, values, problems, mistakes(d, problems), d, None)
