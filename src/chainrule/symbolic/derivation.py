"""A derived backward pass as data: what the deriver makes and the renderers write.

Kept apart from :mod:`chainrule.symbolic.derive` so that the renderers and
the notations read it without importing the deriver (and the models).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from chainrule.symbolic.evaluate import evaluate
from chainrule.symbolic.expr import Expr


@dataclass
class Derivation:
    """The derived backward pass of one network or function.

    Attributes:
        model: the model's class name, or the function's name.
        forward: (name, expression) of each named forward value, in order.
        loss: the loss in terms of the named values.
        adjoints: (name, expression) of each named adjoint, in order (cached form).
        cached: parameter -> its gradient in terms of named values and adjoints.
        closed: parameter -> its gradient with the adjoints substituted.
        shapes: every name -> its symbolic shape.
        data_names: the names of the data arguments (X, y), empty for a function.
        notation: "columns", "rows" or "inout" (see :mod:`chainrule.symbolic.notation`).
        weights_in_out: the model's own weights are (in, out).
        factors: adjoint name -> the factor it was divided by (a 1/m stays
            on the parameter gradients).
        constants: named numbers (λ...) -> their value, written by name.
    """

    model: str
    forward: list[tuple[str, Expr]]
    loss: Expr
    adjoints: list[tuple[str, Expr]]
    cached: dict[str, Expr]
    closed: dict[str, Expr]
    shapes: dict[str, tuple[Any, ...]] = field(default_factory=dict)
    data_names: tuple[str, ...] = ("X", "y")
    notation: str = "columns"
    weights_in_out: bool = False
    factors: dict[str, Expr] = field(default_factory=dict)
    constants: dict[str, float] = field(default_factory=dict)

    def evaluate(
        self,
        params: dict[str, np.ndarray],
        X: np.ndarray | None = None,
        y: np.ndarray | None = None,
    ) -> dict[str, np.ndarray]:
        """The derived equations on real numbers: parameter -> gradient array.

        For a model, ``X`` (n, m) and ``y`` are the data (a softmax MLP takes
        one-hot targets (C, m)); for a function, ``params`` holds every input.
        Each gradient has the shape of its parameter.
        """
        env: dict[str, Any] = {k: np.asarray(v, float) for k, v in params.items()}
        missing = [name for name in self.cached if name not in env]
        if missing:
            raise TypeError(f"evaluate() needs a value for {', '.join(missing)}")
        for name, value in zip(self.data_names, (X, y), strict=False):
            if value is None:
                raise TypeError(f"evaluate() needs {name} for {self.model}")
            env[name] = np.asarray(value, float)
        env.update(self.constants)
        dims = self.dims(env)
        for name, e in self.forward:
            env[name] = evaluate(e, env, dims)
        for name, e in self.adjoints:
            env[name] = evaluate(e, env, dims)
        out = {}
        for name, e in self.cached.items():
            value = np.asarray(evaluate(e, env, dims), dtype=np.float64)
            out[name] = np.broadcast_to(value, np.shape(env[name])).copy()
        return out

    def dims(self, env: dict[str, Any]) -> dict[str, int]:
        """The size of each named dimension (n, m, h...) read from the arrays in ``env``."""
        dims: dict[str, int] = {}
        for name, shape in self.shapes.items():
            if name in env:
                for d, size in zip(shape, np.shape(env[name]), strict=False):
                    if isinstance(d, str):
                        dims[d] = int(size)
        return dims

    def __str__(self) -> str:
        from chainrule.symbolic.render import text

        return text(self)

    def _repr_markdown_(self) -> str:
        from chainrule.symbolic.render import markdown

        return markdown(self)

    def _repr_latex_(self) -> str:
        from chainrule.symbolic.render import latex_block

        return "$$" + latex_block(self) + "$$"
