"""The race on two chosen entries of any worked network, every other entry named and frozen."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from chainrule.app import landscape_models as M  # noqa: N812
from chainrule.app import landscape_state as S  # noqa: N812
from chainrule.app.landscape_page import _opening_entries


@pytest.mark.parametrize("network", M.WORKED)
def test_every_worked_network_races_on_two_of_its_entries(network: str) -> None:
    x, y = _opening_entries(network)
    query = f"?surface=network&net={network}&x={x}&y={y}&racers=gd:0.05,momentum:0.05&steps=8"
    state = S.from_query(query)
    assert S.from_query(S.to_query(state)) == state  # the link reproduces it
    paths = S.run(state)
    assert set(paths) == {"gd", "momentum"} and all(len(t.points) == 9 for t in paths.values())
    # the gradient the racers see is the model's own (hand-derived) gradient at those entries
    plane = S.coordinates_of(state)
    assert plane is not None
    model, X, Y = plane.build()
    (nx, ix), (ny, iy) = plane.axes
    start = paths["gd"].points[0]
    model.params[nx][ix], model.params[ny][iy] = start
    loss, grads = model.value_and_gradients(X, Y)
    value, g = S.test_function(state).value_and_gradient(start)
    assert value == pytest.approx(loss, rel=1e-12)
    np.testing.assert_allclose(g, [grads[nx][ix], grads[ny][iy]], rtol=1e-9, atol=1e-14)
    # the surface is the model's loss over the window, and every parameter is named frozen
    s = S.surface(state, resolution=9)
    assert s.loss.shape == (9, 9) and np.all(np.isfinite(s.loss))
    formula = S.test_function(state).formula
    assert all(f"{name} = [" in formula for name in model.params)
    assert formula.split(": ", 1)[1].count("·") == 2  # the two moving entries


def test_the_frozen_values_are_the_starting_parameters() -> None:
    plane = M.coordinates("sigmoid-squared-error", "W2[1,0]", "b1[0,0]")
    model = plane.build()[0]
    W2 = model.params["W2"]
    text = plane.frozen()
    assert f"W2 = [{W2[0, 0]:.3g} {W2[0, 1]:.3g}; · {W2[1, 1]:.3g}]" in text
    assert "b1 = [·; 0]" in text


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("?surface=network&net=lenet", "network must be one of"),
        ("?surface=network&net=logistic&x=W1[0,0]", "'W1[0,0]' is not an entry of logistic"),
        ("?surface=network&net=logistic&x=w[0,9]&y=b[0,0]", "write it as W[i,j] with one of w 1×2"),
        ("?surface=network&net=logistic&x=b[0,0]&y=b[0,0]", "choose two different entries"),
        ("?surface=network&net=logistic&x=__import__('os')&y=b[0,0]", "is not an entry"),
    ],
)
def test_bad_networks_and_entries_are_refused_with_the_reason(query: str, message: str) -> None:
    with pytest.raises(ValueError) as e:
        S.from_query(query)
    assert message in str(e.value)


@pytest.mark.parametrize("network", ["delta-rule", "sigmoid-squared-error", "logistic"])
def test_the_exported_script_reproduces_a_network_race(
    network: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chainrule.app.landscape_export import script

    x, y = _opening_entries(network)
    state = S.from_query(f"?surface=network&net={network}&x={x}&y={y}&racers=adam:0.05&steps=12")
    monkeypatch.chdir(tmp_path)
    scope: dict[str, Any] = {}
    exec(compile(script(state), "race.py", "exec"), scope)
    np.testing.assert_array_equal(scope["paths"]["adam"].points, S.run(state)["adam"].points)
