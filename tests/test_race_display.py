"""A race shows in a notebook as a PNG, as a Surface does; it is still a plain dict of paths."""

from __future__ import annotations

import pickle

import numpy as np

import chainrule as cr
from chainrule import landscape, optim

PNG = b"\x89PNG\r\n\x1a\n"


def test_a_model_race_shows_its_paths_over_the_loss_and_its_loss_curves() -> None:
    d = cr.data.linear(m=64, seed=0)
    net = cr.models.build("univariate", 1)
    race = landscape.race(net, d.X, d.y, {"gd": optim.sgd(0.1), "boom": optim.sgd(5.0)}, steps=30)
    assert isinstance(race, landscape.Race) and isinstance(race, dict)
    assert race.labels == ("w", "b") and set(race) == {"gd", "boom"} and race["boom"].diverged
    png = race._repr_png_()
    assert png[:8] == PNG and len(png) > 20_000
    background = race.background()  # the loss under the paths, at the race's start elsewhere
    assert background.loss.shape == (60, 60)
    (xl, xh), (yl, yh) = landscape.window(race)
    assert (background.x[0], background.x[-1], background.y[0], background.y[-1]) == (
        xl,
        xh,
        yl,
        yh,
    )
    again = pickle.loads(pickle.dumps(race))  # without the surface's closure
    assert isinstance(again, landscape.Race) and again.labels == race.labels
    np.testing.assert_array_equal(again["gd"].points, race["gd"].points)


def test_a_race_on_a_bigger_model_names_its_coordinates() -> None:
    X, y = cr.models.get("two-layer-sigmoid").sample(0)
    net = cr.models.build("two-layer-sigmoid", X.shape[0], n_hidden=3)
    axes = (("W1", (0, 1)), "b2")
    race = landscape.race(net, X, y, {"adam": optim.adam(0.05)}, axes, steps=10)
    assert race.labels == ("W1[0, 1]", "b2")
    assert race._repr_png_()[:8] == PNG


def test_a_function_race_shows_over_the_function_and_empty_races_still_draw() -> None:
    fn = landscape.FUNCTIONS["himmelblau"]()
    race = landscape.race_function(fn, {"adam": optim.adam(0.1)}, steps=20)
    assert race._repr_png_()[:8] == PNG
    np.testing.assert_array_equal(race.background().loss, fn.surface(101).loss)
    assert landscape.race_function(fn, {}, steps=5)._repr_png_()[:8] == PNG
