"""``Primitive``: one operation of the engine, its forward beside its derivative.

Kept apart from the rule table so that the modules holding primitives
(:mod:`~chainrule.autodiff.rules`, :mod:`~chainrule.autodiff.rules_elementwise`,
:mod:`~chainrule.autodiff.rules_structure`) share it without importing each
other.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Array = Any  # a NumPy array, a Tensor, or a symbolic matrix when run by the deriver


@dataclass(frozen=True, slots=True)
class Primitive:
    """One operation of the engine.

    Attributes:
        name: the operation's name, used in error messages and graphs.
        forward: ``forward(*inputs, **params)``, written in the vocabulary so
            it runs on NumPy arrays, Tensors and symbols alike.
        vjps: one VJP per array input, in input order.
        symbol: how the operation is written in formulas (``"+"``, ``"@"``,
            ``"σ"``...).
    """

    name: str
    forward: Callable[..., Any]
    vjps: tuple[Callable[..., Array], ...]
    symbol: str

    @property
    def arity(self) -> int:
        """Number of array inputs."""
        return len(self.vjps)

    def __repr__(self) -> str:
        return f"Primitive({self.name!r})"
