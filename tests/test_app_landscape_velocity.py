"""The race page's velocity arrows equal what the optimizers' own states say."""

from __future__ import annotations

import numpy as np
import pytest

from chainrule import optim
from chainrule.app import landscape_state as S  # noqa: N812
from chainrule.app import landscape_view as V  # noqa: N812
from chainrule.optim.transforms import EmaState, TraceState


def _states_along(
    opt: optim.GradientTransformation, state: S.RaceState, points: np.ndarray
) -> list:
    """The optimizer's state before each step, replayed with the gradients at the points."""
    params = {"p": points[0].copy()}
    s = opt.init(params)
    states = [s]
    for p in points[:-1]:
        grad = S.gradient_at(state, p)[1]
        _, s = opt.update({"p": grad}, s, {"p": p})
        states.append(s)
    return states


@pytest.mark.parametrize("surface", ["rosenbrock", "regression"])
@pytest.mark.parametrize("key", ["momentum", "momentum-torch", "nesterov"])
def test_the_velocity_part_is_the_state_times_beta_and_the_rate(surface: str, key: str) -> None:
    lr = {"momentum": 0.002, "momentum-torch": 0.0005, "nesterov": 0.0005}[key]
    if surface == "regression":
        lr *= 20
    state = S.from_query(f"?surface={surface}&racers={key}:{lr}&steps=12&beta=0.8")
    path = S.run(state)[key]
    opt = S.optimizers(state)[key]
    states = _states_along(opt, state, path.points)
    for i in range(len(path.points) - 1):
        carried = V.velocity_part(state, key, path, i)
        assert carried is not None
        before = states[i][0]  # the chain's first part holds the velocity
        if isinstance(before, EmaState):  # the course's: −η β v
            want = -lr * 0.8 * before.velocity["p"]
        else:
            assert isinstance(before, TraceState)
            b = np.zeros(2) if before.buffer is None else before.buffer["p"]
            want = -lr * (0.8 if key == "momentum-torch" else 0.8**2) * b
        np.testing.assert_allclose(carried, want, rtol=1e-9, atol=1e-13)
    assert V.velocity_part(state, key, path, len(path.points) - 1) is None  # no next update


def test_racers_without_momentum_have_no_velocity() -> None:
    state = S.from_query("?surface=bowl&racers=gd:0.1,adam:0.1&steps=5")
    for key, path in S.run(state).items():
        assert V.velocity_part(state, key, path, 2) is None
    rows = V.step_rows(state, S.run(state), 2)
    assert all(cells[-1] == "—" for _, _, cells in rows)
