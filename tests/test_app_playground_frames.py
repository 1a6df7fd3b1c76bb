"""The playground's frames: the output image with its points, the loss figure, the
markers and curves drawn as images, a tick of play, and what a frame of play sends."""

from __future__ import annotations

import io
import json
import re
from base64 import b64decode
from xml.etree import ElementTree

import numpy as np
import pytest
from PIL import Image

from chainrule.app import playground_figures as PF  # noqa: N812
from chainrule.app import playground_frames as F  # noqa: N812
from chainrule.app import playground_state as P  # noqa: N812
from chainrule.app import playground_views as V  # noqa: N812
from chainrule.app import playground_views_images as img

QUERY = "?data=spiral&points=200&layers=6:tanh,4:tanh&lr=0.03&batch=10"


def png_of(uri: str) -> np.ndarray:
    assert uri.startswith("data:image/png;base64,")
    return np.asarray(Image.open(io.BytesIO(b64decode(uri.split(",", 1)[1]))).convert("RGB"))


def pixel_of(x: float, y: float) -> tuple[int, int]:
    """The (row, column) of the output image's pixel at the point (x, y)."""
    scale = PF.PIXELS / (2 * P.EDGE)
    return int((P.EDGE - y) * scale), int((x + P.EDGE) * scale)


def test_rounded_up_takes_the_next_rung() -> None:
    assert V.rounded_up(0.7202) == 0.8
    assert V.rounded_up(3.0) == 3.0
    assert V.rounded_up(1769) == 2000
    assert V.rounded_up(0.011) == pytest.approx(0.012)
    assert V.rounded_up(9.5) == 10.0
    for bad in (0.0, -1.0, float("inf"), float("nan")):
        with pytest.raises(ValueError, match="positive finite"):
            V.rounded_up(bad)


def test_the_output_image_is_the_grid_with_the_points_over_it() -> None:
    config = P.from_query(QUERY)
    model = P.network(config)
    maps = V.grid_maps(config, model)
    y_hat = maps.layers[-1]
    rgb = png_of(PF.boundary_image(config, y_hat))
    assert rgb.shape == (PF.PIXELS, PF.PIXELS, 3)
    data = P.split(config)
    faded = tuple((p, img.faded(c, 0.6)) for p, c in PF.RDBU)
    # a pixel far from every point is its nearest grid point's P(class 1), faded over white
    grid = np.linspace(-P.EDGE, P.EDGE, y_hat.shape[-1])
    far = None
    for r in range(0, PF.PIXELS, 7):
        for c in range(0, PF.PIXELS, 7):
            x = -P.EDGE + (c + 0.5) * 2 * P.EDGE / PF.PIXELS
            y = P.EDGE - (r + 0.5) * 2 * P.EDGE / PF.PIXELS
            if np.min(np.hypot(data.P[0] - x, data.P[1] - y)) > 0.3:
                far = (r, c, x, y)
                break
        if far:
            break
    assert far is not None
    r, c, x, y = far
    i, j = np.argmin(np.abs(grid - y)), np.argmin(np.abs(grid - x))
    expected = img.colorize(np.array([y_hat[0, i, j]]), 0, 1, faded)[0]
    assert rgb[r, c].tolist() == expected.tolist()
    # a training point's centre is its class's colour; a test point's is a ring of it
    train = [k for k in data.train if np.min(np.hypot(*(data.P[:, [k]] - data.P))[
        np.arange(data.P.shape[1]) != k]) > 0.15]  # fmt: skip
    k = train[0]
    row, col = pixel_of(*data.P[:, k])
    want = img.colors([PF.BINARY[int(data.labels[k])]])[0]
    assert np.abs(rgb[row, col].astype(int) - want).max() <= 2
    alone = [k for k in data.test if np.min(np.hypot(*(data.P[:, [k]] - data.P))[
        np.arange(data.P.shape[1]) != k]) > 0.15]  # fmt: skip
    k = alone[0]
    row, col = pixel_of(*data.P[:, k])
    ring = img.colors([PF.BINARY[int(data.labels[k])]])[0]
    inside = rgb[row, col].astype(int)
    assert np.abs(inside - ring).max() > 40  # open: the output shows through its middle
    around = rgb[row - 4 : row + 5, col - 4 : col + 5].reshape(-1, 3).astype(int)
    assert np.abs(around - ring).max(axis=1).min() <= 12  # the ring itself is the class colour


def test_the_points_layer_is_the_markers_stamped_on_the_image() -> None:
    config = P.from_query("?data=blobs&classes=3&points=120&layers=4:tanh")
    rng = np.random.default_rng(0)
    base = rng.integers(0, 256, (PF.PIXELS, PF.PIXELS, 3), dtype=np.uint8)
    pixels, alpha, painted = PF.points_layer(config)
    layered = base.copy().reshape(-1, 3)
    layered[pixels] = np.rint(layered[pixels] * (1 - alpha) + painted).astype(np.uint8)
    stamped = base.copy()
    data = P.split(config)
    for _, symbol, idx in PF._groups(config, data):
        if not len(idx):
            continue
        at = np.vstack([data.P[0, idx] + P.EDGE, P.EDGE - data.P[1, idx]])
        fill = img.colors(PF.COLORS[:3])[data.labels[idx].astype(int)]
        edge = fill if symbol == "circle-open" else np.full_like(fill, 255)
        img.stamp(stamped, at * PF.PIXELS / (2 * P.EDGE), symbol, PF.MARKER_SIZE[symbol], fill,
                  edge)  # fmt: skip
    # the same but for rounding, and where markers overlap (the layer blends them once)
    diff = np.abs(layered.reshape(stamped.shape).astype(int) - stamped)
    assert np.mean(diff <= 2) > 0.999
    assert PF.points_layer(config) is PF.points_layer(config)  # made once per data set


def test_markers_cover_their_shapes_and_are_cut_at_the_border() -> None:
    image = np.zeros((20, 20, 3), dtype=np.uint8)
    white = np.array([[255, 255, 255]], dtype=np.uint8)
    red = np.array([[255, 0, 0]], dtype=np.uint8)
    img.stamp(image, np.array([[10.0], [10.0]]), "circle", 7, red, white)
    assert image[10, 10].tolist() == image[10, 13].tolist() == [255, 0, 0]  # filled to 3.5
    assert image[10, 14].tolist() == [255, 255, 255]  # the edge, from 3.5 to 4.5
    assert image[10, 15].tolist() == [0, 0, 0]  # outside
    ring = np.zeros((20, 20, 3), dtype=np.uint8)
    img.stamp(ring, np.array([[10.0], [10.0]]), "circle-open", 8, red, red)
    assert ring[10, 10].tolist() == [0, 0, 0] and ring[10, 14].tolist() == [255, 0, 0]
    star = np.zeros((30, 30, 3), dtype=np.uint8)
    img.stamp(star, np.array([[15.0], [15.0]]), "star", 20, red, white, line=0)
    assert star[15, 15].tolist() == [255, 0, 0] and star[8, 15].tolist() == [255, 0, 0]  # tip up
    assert star[7, 8].tolist() == [0, 0, 0]  # between two tips
    edge = np.zeros((10, 10, 3), dtype=np.uint8)
    img.stamp(edge, np.array([[0.0, 50.0], [0.0, 50.0]]), "circle", 6, np.repeat(red, 2, 0),
              np.repeat(white, 2, 0))  # fmt: skip
    assert edge[0, 0].tolist() == [255, 0, 0] and edge[9, 9].tolist() == [0, 0, 0]
    with pytest.raises(ValueError, match=r"stamp: expected centres \(2, n\)"):
        img.stamp(edge, np.zeros((3, 1)), "circle", 6, red, white)
    with pytest.raises(ValueError, match="marker: expected one of"):
        img.stamp(edge, np.zeros((2, 1)), "cross", 6, red, white)
    with pytest.raises(ValueError, match="C-contiguous"):
        img.stamp(edge[:, ::2], np.zeros((2, 1)), "circle", 6, red, white)
    with pytest.raises(ValueError, match="opacity"):
        img.faded("#ff0000", 1.5)
    assert img.faded("#ff0000", 0.6) == "#ff6666"
    for symbol in img.MARKERS:
        ElementTree.fromstring(img.marker_svg(symbol, "#1f77b4", "#ffffff"))


def test_the_loss_figure_says_no_steps_yet_then_draws_the_curves() -> None:
    config = P.from_query(QUERY)
    run = P.fresh_run(config)
    empty = PF.loss_figure(run)
    assert empty["data"] == [] and empty["layout"]["meta"]["key"] == "no steps"
    assert "no steps yet" in empty["layout"]["annotations"][0]["text"]
    assert empty["layout"]["xaxis"] == {"visible": False}
    for _ in range(3):
        run = P.advance(config, run)
    run["train"][1] = float("nan")  # a loss that is not a number breaks the curve
    figure = PF.loss_figure(run)
    layout = figure["layout"]
    assert layout["meta"]["key"] == "curves"
    assert layout["xaxis"]["range"] == [0.0, 3.0]
    top = max(v for v in run["train"] + run["test"] if v == v)
    assert layout["yaxis"]["range"] == [0.0, V.rounded_up(top)]
    assert [t["name"] for t in figure["data"]] == ["train loss", "test loss"]
    svg = b64decode(layout["images"][0]["source"].split(",", 1)[1]).decode()
    ElementTree.fromstring(svg)
    lines = re.findall(r'<polyline points="([^"]+)" fill="none" stroke="([^"]+)"', svg)
    # train: steps 2 and 3 (1 is not a number, 0 alone is no line); test: all four
    assert [color for _, color in lines] == ["#1f77b4", "#ff7f0e"]
    train = [tuple(map(float, p.split(","))) for p in lines[0][0].split()]
    assert train == [(2.0, pytest.approx(-run["train"][2], rel=1e-5)),
                     (3.0, pytest.approx(-run["train"][3], rel=1e-5))]  # fmt: skip
    assert len(lines[1][0].split()) == 4
    json.dumps(figure)


def test_a_tick_of_play_takes_the_batches_a_step_at_a_time_would() -> None:
    config = P.from_query(QUERY)
    run = json.loads(json.dumps(P.fresh_run(config)))
    played = P.advance(config, run, 0.02, play=True)
    taken = played["step"]
    assert taken >= 1 and played["steps"] == [0, taken]  # one loss point for the tick
    stepped = run
    for _ in range(taken):
        stepped = json.loads(json.dumps(P.advance(config, stepped)))
    assert (stepped["epoch"], stepped["offset"]) == (played["epoch"], played["offset"])
    for k, v in P.restore(config, stepped)[0].params.items():
        np.testing.assert_allclose(P.restore(config, played)[0].params[k], v, rtol=1e-12)
    assert played["train"][-1] == pytest.approx(stepped["train"][-1], rel=1e-12)
    with pytest.raises(ValueError, match="play needs a time budget"):
        P.advance(config, run, play=True)


def test_a_frame_of_play_sends_only_what_a_step_changes() -> None:
    config = P.from_query(QUERY)
    before = P.advance(config, P.fresh_run(config))
    run = P.advance(config, before)
    full = F.frame(config, run, [1, 2], base=4, force=True)
    assert (full["base"], full["force"], full["node"]) == (4, True, [1, 2])
    key = config.network_key()
    assert full["boundary"]["figure"]["layout"]["meta"]["key"] == key
    assert full["net"]["figure"]["layout"]["meta"]["key"] == key
    assert full["neuron"]["figure"]["layout"]["meta"]["key"] == V.neuron_key(config, (1, 2))
    assert full["loss"]["figure"]["layout"]["meta"]["key"] == "curves"
    assert full["stats"].startswith(f"epoch 0, step 2 · train loss {run['train'][-1]:.4f}")
    play = F.frame(config, run, [1, 2], base=4, force=False, full=False, refresh=False,
                   before=before)  # fmt: skip
    model, _, _ = P.restore(config, run)
    maps = V.grid_maps(config, model)
    [[data, layout, _]] = play["boundary"]["updates"]
    assert play["boundary"]["key"] == key and data == {}
    assert layout == {"images[0].source": PF.boundary_image(config, maps.layers[-1])}
    [[data, layout, _]] = play["net"]["updates"]
    assert data == {}  # the hover text waits for a refresh
    images = full["net"]["figure"]["layout"]["images"]
    assert layout == {f"images[{i}].source": im["source"] for i, im in enumerate(images)}
    [[data, layout, traces]] = play["neuron"]["updates"]
    source, low, high = V.neuron_image(model, maps, (1, 2))
    assert layout == {"images[0].source": source} and traces == [1]
    assert data == {"marker.cmin": [low], "marker.cmax": [high], "marker.color": [[low, high]]}
    assert play["neuron"]["key"] == V.neuron_key(config, (1, 2))
    [[_, layout, _]] = play["loss"]["updates"]
    assert layout["xaxis.range"] == [0.0, 2.0] and "figure" not in play["loss"]
    assert play["hist"] is None
    again = F.frame(config, run, [1, 2], base=4, force=False, full=False, before=before)
    [[data, _, _]] = again["net"]["updates"]
    assert data == {"hovertext": [full["net"]["figure"]["data"][0]["hovertext"]]}
    assert again["neuron"]["updates"][1] == [{"z": [V.neuron_values(maps, (1, 2))]}, {}, [0]]
    assert again["hist"] == full["hist"]
    # from a page that shows no curves yet, the loss figure is sent whole
    first = F.frame(config, before, None, base=0, force=False, full=False,
                    before=P.fresh_run(config))  # fmt: skip
    assert first["loss"]["figure"]["layout"]["meta"]["key"] == "curves"
    assert (
        F.version({"version": 7}) == 7
        and F.version(None) == 0
        and F.version({"version": True}) == 0
    )
    json.dumps(play)
