"""Optimizers as pure transformations of gradients, in the style of optax.

An optimizer is a :class:`GradientTransformation`: ``init(params) -> state``
and ``update(grads, state, params) -> (updates, new_state)``. Params, grads
and updates are dicts of name -> NumPy array; states are immutable tuples of
such dicts, returned rather than mutated, so a training loop can record them
(velocities drawn on a landscape, for instance).

    opt = optim.adam(lr=0.01)
    state = opt.init(params)
    updates, state = opt.update(grads, state, params)
    params = optim.apply_updates(params, updates)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

Params = dict[str, np.ndarray]
State = Any


@dataclass(frozen=True)
class GradientTransformation:
    """A pair of pure functions, with a name and its hyperparameters for display.

    ``elementwise`` says that each entry of the updates depends only on the
    same entry of the gradients, params and state, so the transformation
    gives the same numbers on the parameters joined into one vector (a race
    steps its racers that way).
    """

    init: Callable[[Params], State]
    update: Callable[[Params, State, Params | None], tuple[Params, State]]
    name: str = "transformation"
    hyperparams: Mapping[str, Any] = field(default_factory=dict)
    elementwise: bool = False

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.hyperparams.items())
        return f"{self.name}({args})"

    @property
    def lr(self) -> Any:
        """The learning rate (a number or a schedule), if the optimizer has one."""
        return self.hyperparams.get("lr")


def chain(
    *transforms: GradientTransformation, name: str = "chain", **hyperparams: Any
) -> GradientTransformation:
    """Applies ``transforms`` in order; the state is the tuple of their states."""

    updates = tuple(t.update for t in transforms)

    def init(params: Params) -> tuple[State, ...]:
        return tuple(t.init(params) for t in transforms)

    def update(
        grads: Params, state: tuple[State, ...], params: Params | None = None
    ) -> tuple[Params, tuple[State, ...]]:
        if len(state) != len(updates):
            raise ValueError(
                f"chain: a state of {len(state)} parts for {len(updates)} transformations: "
                "pass the state this chain's init or update returned"
            )
        new_states = []
        for update_one, s in zip(updates, state):  # noqa: B905 (lengths checked above)
            grads, s = update_one(grads, s, params)
            new_states.append(s)
        return grads, tuple(new_states)

    elementwise = all(t.elementwise for t in transforms)
    return GradientTransformation(init, update, name, hyperparams, elementwise)


def apply_updates(params: Params, updates: Params) -> Params:
    """A new dict with ``params[k] + updates[k]``; the inputs are not modified."""
    if updates.keys() != params.keys():
        raise KeyError(
            f"apply_updates: updates for {sorted(updates)} do not match params {sorted(params)}"
        )
    return {k: params[k] + updates[k] for k in params}


class Optimizer:
    """A thin stateful wrapper: holds params and state, ``step(grads)`` updates both.

    Example:
        >>> import numpy as np
        >>> from chainrule import optim
        >>> opt = optim.Optimizer(optim.sgd(lr=0.1), {"w": np.array([1.0])})
        >>> opt.step({"w": np.array([2.0])})["w"]
        array([0.8])
    """

    def __init__(self, transformation: GradientTransformation, params: Params) -> None:
        self.transformation = transformation
        self.params = dict(params)
        self.state = transformation.init(self.params)

    def step(self, grads: Params) -> Params:
        updates, self.state = self.transformation.update(grads, self.state, self.params)
        self.params = apply_updates(self.params, updates)
        return self.params

    def __repr__(self) -> str:
        return f"Optimizer({self.transformation!r})"
