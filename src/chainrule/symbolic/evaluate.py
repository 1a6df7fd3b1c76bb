"""Symbolic expressions on numbers: each node computed by its row's ``evaluate``.

The rows evaluate with the engine's own functions (the rule table's forwards
and :mod:`chainrule.autodiff.vocabulary`), so a derived equation evaluated
here computes what the engine computes.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from chainrule.symbolic import expr as E  # noqa: N812
from chainrule.symbolic.expr import Expr, Node, Ones
from chainrule.symbolic.kinds import KINDS


def evaluate(e: Expr, env: dict[str, Any], dims: dict[str, int]) -> Any:
    """The value of ``e`` with the named matrices of ``env`` and the sizes ``dims``."""
    memo: dict[int, Any] = {}
    for x in E.walk(e):
        if isinstance(x, E.Sym):
            if x.name not in env:
                raise KeyError(f"evaluate: no value given for {x.name!r}")
            v = env[x.name]
        elif isinstance(x, E.Num):
            v = float(x.coef) * (float(dims["m"]) ** x.power if x.power else 1.0)
        elif isinstance(x, Ones):
            v = np.ones((_size(x.dim, dims), 1))
        else:
            assert isinstance(x, Node)
            kind = KINDS[x.op]
            params = x.kw
            if kind.takes_shape:
                params["shape"] = tuple(_size(d, dims) for d in x.shape)
            v = kind.evaluate(*(memo[id(a)] for a in x.args), **params)
        memo[id(x)] = v
    return memo[id(e)]


def _size(d: E.Dim, dims: dict[str, int]) -> int:
    return d if isinstance(d, int) else dims[d]
