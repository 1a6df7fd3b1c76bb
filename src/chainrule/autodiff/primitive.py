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
        saving: optional, for compiled replay: ``(forward_saving, vjps_given)``
            where ``forward_saving(*inputs, **params)`` returns ``(ans, saved)``
            (the forward's value and an intermediate its VJPs would compute
            again, with the same numbers) and each ``vjps_given[i](g, ans,
            saved, *inputs, **params)`` is ``vjps[i]`` reading ``saved``
            instead (None where the VJP reads nothing saved). ``vjps`` stay
            the definition: write each as its ``vjps_given`` on the
            intermediate computed afresh.

    How an operation is written in formulas is the symbolic layer's table
    (:mod:`chainrule.symbolic.kinds`), not the primitive's.
    """

    name: str
    forward: Callable[..., Any]
    vjps: tuple[Callable[..., Array], ...]
    saving: tuple[Callable[..., Any], tuple[Callable[..., Array] | None, ...]] | None = None

    @property
    def arity(self) -> int:
        """Number of array inputs."""
        return len(self.vjps)

    def __repr__(self) -> str:
        return f"Primitive({self.name!r})"
