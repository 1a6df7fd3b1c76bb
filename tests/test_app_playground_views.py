"""The playground's network views: layer maps and histograms against PyTorch, the network
figure's nodes, links and handles, weight edits checked on the server, derived equations."""

from __future__ import annotations

import io
import json
from base64 import b64decode
from xml.etree import ElementTree

import numpy as np
import pytest
import torch
from PIL import Image

from chainrule.app import playground_state as P  # noqa: N812
from chainrule.app import playground_views as V  # noqa: N812
from chainrule.app import playground_views_images as img
from chainrule.app import playground_views_page as VP  # noqa: N812
from chainrule.models import MLP
from chainrule.models.mlp_layers import histogram, layer_histograms, layer_outputs

TORCH_ACTS = {"tanh": torch.tanh, "relu": torch.relu, "sigmoid": torch.sigmoid}


def torch_layers(model: MLP, X: np.ndarray) -> list[torch.Tensor]:
    """Every layer's output of the same network, in PyTorch: [A1, ..., ŷ]."""
    A = torch.tensor(X)
    out = []
    for i in range(1, model.depth + 1):
        Z = torch.tensor(model.params[f"W{i}"]) @ A + torch.tensor(model.params[f"b{i}"])
        if i < model.depth:
            A = TORCH_ACTS[model.activations[i - 1]](Z)
        else:
            A = torch.sigmoid(Z) if model.output == "sigmoid" else torch.softmax(Z, dim=0)
        out.append(A)
    return out


def config_of(query: str) -> P.PlayConfig:
    return P.from_query(query)


def test_layer_outputs_are_every_layer_of_the_forward_pass() -> None:
    model = MLP([3, 5, 4, 3], activation=["relu", "sigmoid"], output="softmax", seed=3)
    X = np.random.default_rng(0).normal(size=(3, 40))
    got = layer_outputs(model, X)
    want = torch_layers(model, X)
    assert [a.shape for a in got] == [(5, 40), (4, 40), (3, 40)]
    for a, b in zip(got, want, strict=True):
        np.testing.assert_allclose(a, b.numpy(), rtol=1e-12, atol=1e-14)
    with pytest.raises(ValueError, match="3"):
        layer_outputs(model, X[:2])


def test_layer_histograms_count_activations_and_the_engines_weight_gradients() -> None:
    model = MLP([2, 6, 4, 1], activation=["tanh", "relu"], output="sigmoid", seed=1)
    rng = np.random.default_rng(2)
    X = rng.normal(size=(2, 50))
    y = (rng.random((1, 50)) > 0.5).astype(float)
    activations, gradients = layer_histograms(model, X, y, bins=12)
    assert len(activations) == 2 and len(gradients) == 3
    # the gradients from PyTorch, on the same weights
    params = {k: torch.tensor(v, requires_grad=True) for k, v in model.params.items()}
    A = torch.tensor(X)
    for i, act in ((1, torch.tanh), (2, torch.relu)):
        A = act(params[f"W{i}"] @ A + params[f"b{i}"])
    Z = params["W3"] @ A + params["b3"]
    torch.nn.functional.binary_cross_entropy_with_logits(Z, torch.tensor(y)).backward()
    for i, h in enumerate(gradients, 1):
        g = params[f"W{i}"].grad.numpy()  # type: ignore[union-attr]
        assert h.size == g.size and h.counts.sum() == g.size
        assert h.mean == pytest.approx(g.mean(), rel=1e-9, abs=1e-15)
        assert h.std == pytest.approx(g.std(), rel=1e-9)
        counts, edges = np.histogram(g, bins=12)
        np.testing.assert_array_equal(h.counts, counts)
        np.testing.assert_allclose(h.edges, edges, rtol=1e-12)
    for h, a in zip(activations, torch_layers(model, X)[:2], strict=True):
        assert h.counts.sum() == a.numel()
        assert h.std == pytest.approx(float(a.std(unbiased=False)), rel=1e-9)


def test_a_histogram_of_equal_values_shows_a_spike_and_bad_input_is_refused() -> None:
    h = histogram(np.zeros((3, 4)), bins=5)
    assert h.counts.tolist() == [0, 0, 12, 0, 0] and h.edges[0] == -0.5 and h.edges[-1] == 0.5
    with pytest.raises(ValueError, match=r"bins must be a whole number in 1\.\.1000, got 0"):
        histogram(np.ones(3), bins=0)
    with pytest.raises(ValueError, match="bins must be a whole number"):
        histogram(np.ones(3), bins=True)
    with pytest.raises(ValueError, match="1 of 3 values are not finite"):
        histogram(np.array([1.0, np.inf, 2.0]))
    with pytest.raises(ValueError, match="no values"):
        histogram(np.array([]))


def test_one_forward_over_the_grid_gives_every_nodes_map() -> None:
    config = config_of("?data=circle&features=x1,x2,x1x2&layers=5:tanh,3:relu")
    model = P.network(config)
    maps = V.grid_maps(config, model, resolution=20)
    assert [a.shape for a in maps.layers] == [(3, 20, 20), (5, 20, 20), (3, 20, 20), (1, 20, 20)]
    # the map's row r, column c is the point (g[c], g[r])
    r, c = 4, 13
    point = np.array([[maps.g[c]], [maps.g[r]]])
    X = P.features(config, point)
    np.testing.assert_allclose(maps.layers[0][:, r, c], X[:, 0])
    for layer, a in enumerate(torch_layers(model, X), 1):
        np.testing.assert_allclose(maps.layers[layer][:, r, c], a.numpy()[:, 0], rtol=1e-12)
    assert maps.g[0] == -maps.g[-1] == pytest.approx(-1.1 * P.SCALE)


def test_the_network_figure_draws_every_node_weight_and_bias() -> None:
    config = config_of("?data=blobs&classes=3&layers=4:tanh,2:relu")
    model = P.network(config)
    model.params["W2"][1, 3] = -2.0  # the largest weight, negative: the widest blue link
    maps = V.grid_maps(config, model)
    figure = V.network_figure(config, model, maps)
    order = V.nodes(model)
    assert order == [(0, 0), (0, 1), (1, 0), (1, 1), (1, 2), (1, 3), (2, 0), (2, 1),
                     (3, 0), (3, 1), (3, 2)]  # fmt: skip
    links, *strips = figure["layout"]["images"]
    assert len(strips) == len(model.layer_sizes)  # one image per column of nodes
    # each node's tile is its map, every TILE_STEP-th grid point, coloured on its column's
    # range (the largest magnitude rounded up), the column's tiles ROW apart, top node first
    layer, unit = order[4]  # layer 1, neuron 3
    z = maps.layers[layer][unit, :: V.TILE_STEP, :: V.TILE_STEP]
    top = V.rounded_up(float(np.max(np.abs(maps.layers[layer]))))
    rgb = np.asarray(Image.open(io.BytesIO(b64decode(strips[1]["source"].split(",")[1]))))
    t = z.shape[0]
    step = t + round((V.ROW - 1) * t)
    assert rgb.shape == (4 * t + 3 * (step - t), t, 3)
    np.testing.assert_array_equal(
        rgb[2 * step : 2 * step + t], img.colorize(z[::-1], -top, top, V.DIVERGING)
    )
    assert (rgb[t:step] == 255).all()  # white between the tiles
    ys = V._centres(model.layer_sizes)[1]
    assert (strips[1]["x"], strips[1]["sizex"]) == (V.COLUMN, 1)
    assert strips[1]["y"] == ys[0] + 0.5 and strips[1]["sizey"] == ys[0] - ys[-1] + 1
    (handles,) = figure["data"]
    data = handles["customdata"]
    assert [d[:3] for d in data[: len(order)]] == [["node", la, u] for la, u in order]
    assert data[4][3] == "layer 1, neuron 3" and data[0][3] == "x₁" and data[10][3] == "output 3"
    weights = [(d, h) for d, h in zip(data, handles["hovertext"], strict=True) if d[0][0] == "W"]
    biases = [(d, h) for d, h in zip(data, handles["hovertext"], strict=True) if d[0][0] == "b"]
    assert len(weights) == 2 * 4 + 4 * 2 + 2 * 3 and len(biases) == 4 + 2 + 3
    for (name, row, col), hover in weights + biases:  # the values are in the hover text
        where = f"[{row}]" if name[0] == "b" else f"[{row},{col}]"
        assert hover.startswith(f"{name}{where} = {model.params[name][row, col]:.4f}<br>")
    assert [d for d, _ in biases[-3:]] == [["b3", 0, 0], ["b3", 1, 0], ["b3", 2, 0]]
    segments = V._links(model, V._centres(model.layer_sizes))
    assert len(segments) == len(weights)
    widest = max(segments, key=lambda s: s[5])
    centres = V._centres(model.layer_sizes)
    assert widest == (V.COLUMN + 1, centres[1][3], 2 * V.COLUMN, centres[2][1], V.NEGATIVE,
                      V.MAX_LINK_WIDTH)  # fmt: skip
    values = [model.params[d[0]][d[1], d[2]] for d, _ in weights]
    assert all(s[4] == (V.POSITIVE if w >= 0 else V.NEGATIVE)
               for s, w in zip(segments, values, strict=True))  # fmt: skip
    svg = b64decode(links["source"].split(",")[1]).decode()
    assert svg.count("<line ") == len(weights) and 'stroke-width="6"' in svg
    json.dumps(figure)  # plain JSON data for the browser


def test_hovering_a_node_finds_it_and_other_points_do_not() -> None:
    model = P.network(P.PlayConfig())  # 2-4-2-1
    assert VP.hovered_node(model, {"points": [{"customdata": ["node", 1, 3, "x"]}]}) == (1, 3)
    assert VP.hovered_node(model, {"points": [{"customdata": ["node", 3, 0, "x"]}]}) == (3, 0)
    assert VP.hovered_node(model, {"points": [{"customdata": ["node", 3, 1, "x"]}]}) is None
    assert VP.hovered_node(model, {"points": [{"customdata": ["W1", 0, 1, 0.3]}]}) is None
    assert VP.hovered_node(model, {"points": [{"x": 1}]}) is None
    assert VP.hovered_node(model, None) is None
    assert VP.node_of(model, [2, 1]) == (2, 1)
    assert VP.node_of(model, [2, 2]) == (3, 0) and VP.node_of(model, "x") == (3, 0)


def test_heatmap_images_are_pngs_of_the_colour_scale() -> None:
    stops = ((0.0, "#000000"), (0.5, "#808080"), (1.0, "#ff0000"))
    z = np.array([[-1.0, 0.0], [1.0, 5.0]])  # row 0 is the lowest y: the image's bottom row
    rgb = np.asarray(Image.open(io.BytesIO(b64decode(img.heatmap_uri(z, -1, 1, stops)[22:]))))
    assert rgb.shape == (2, 2, 3)
    assert rgb[1].tolist() == [[0, 0, 0], [128, 128, 128]]
    assert rgb[0].tolist() == [[255, 0, 0], [255, 0, 0]]  # 5 is clipped to the top colour
    assert img.colorize(np.array([0.25]), 0, 1, stops).tolist() == [[64, 64, 64]]
    with pytest.raises(ValueError, match="high must exceed low"):
        img.colorize(z, 1, 1, stops)
    with pytest.raises(ValueError, match="#rrggbb"):
        img.colorize(z, 0, 1, ((0.0, "red"), (1.0, "#ffffff")))
    with pytest.raises(ValueError, match=r"png: expected a non-empty \(h, w, 3\) uint8 image"):
        img.png(np.zeros((2, 2, 3)))


def test_editing_a_weight_sets_it_and_the_losses_follow() -> None:
    config = P.PlayConfig()
    run = json.loads(json.dumps(P.advance(config, P.fresh_run(config))))
    edited = VP.edit(config, run, ["W3", 0, 1], " -1.25 ")
    model, _, _ = P.restore(config, edited)
    assert model.params["W3"][0, 1] == -1.25
    before, _, _ = P.restore(config, run)
    changed = {k for k in model.params if not np.array_equal(model.params[k], before.params[k])}
    assert changed == {"W3"}
    assert edited["steps"] == run["steps"] and edited["state"] == run["state"]
    # the last loss point is the new weights' mean binary cross-entropy, by hand
    data = P.split(config)
    p = model.predict(data.X[:, data.train])[0]
    t = data.labels[data.train]
    assert edited["train"][-1] == pytest.approx(-np.mean(t * np.log(p) + (1 - t) * np.log(1 - p)))
    assert edited["train"][:-1] == run["train"][:-1] and edited["train"][-1] != run["train"][-1]
    bias = VP.edit(config, edited, ["b3", 0, 0], "0.5")
    assert P.restore(config, bias)[0].params["b3"][0, 0] == 0.5  # the output bias too


@pytest.mark.parametrize(
    ("target", "typed", "message"),
    [
        (["W1", 0, 0], "nan", "W1[0,0] must be in [-100, 100]"),
        (["W1", 0, 0], "1e5", "W1[0,0] must be in [-100, 100]"),
        (["W1", 0, 0], "__import__('os')", "W1[0,0] must be a number"),
        (["W1", 0, 0], None, "must be a number"),
        (["b2", 1, 0], "inf", "b2[1] must be in"),
        (["W4", 0, 0], "1", "no parameter 'W4'"),
        (["W1", 4, 0], "1", "W1's row must be in [0, 3]"),
        (["W1", 0, -1], "1", "W1's column must be in [0, 1]"),
        (["params", 0, 0], "1", "no parameter 'params'"),
        (None, "1", "click a weight or a bias first"),
    ],
)
def test_a_bad_edit_is_refused_with_its_reason(target: object, typed: object, message: str) -> None:
    config = P.PlayConfig()
    run = P.fresh_run(config)
    with pytest.raises(ValueError) as info:
        VP.edit(config, run, target, typed)
    assert message in str(info.value)


def test_the_equations_are_the_derivers_for_the_architecture() -> None:
    tanh = P.network(config_of("?layers=4:tanh,3:tanh"))
    relu = P.network(config_of("?layers=4:tanh,3:relu,2:sigmoid&data=blobs&classes=4"))
    a, b = V.equations(tanh), V.equations(relu)
    assert any("dZ2 = (W3ᵀ dZ3) ⊙ (1 − A2²)" in line for line in a)
    assert any("dZ2 = (W3ᵀ dZ3) ⊙ 1[Z2 > 0]" in line for line in b)
    assert any("∂L/∂W4" in line for line in b) and not any("∂L/∂W4" in line for line in a)
    assert V.derivation(relu) is V.derivation(
        P.network(config_of("?layers=4:tanh,3:relu,2:sigmoid&data=blobs&classes=4&seed=5"))
    )
    # the shown equations evaluated on numbers are PyTorch's gradients
    rng = np.random.default_rng(4)
    X = rng.normal(size=(2, 30))
    labels = rng.integers(0, 4, 30)
    Y = np.eye(4)[:, labels]
    got = V.derivation(relu).evaluate(relu.params, X, Y)
    params = {k: torch.tensor(v, requires_grad=True) for k, v in relu.params.items()}
    A = torch.tensor(X)
    for i, act in ((1, torch.tanh), (2, torch.relu), (3, torch.sigmoid)):
        A = act(params[f"W{i}"] @ A + params[f"b{i}"])
    Z = params["W4"] @ A + params["b4"]
    torch.nn.functional.cross_entropy(Z.T, torch.tensor(labels)).backward()
    for k, v in params.items():
        np.testing.assert_allclose(got[k], v.grad.numpy(), rtol=1e-9, atol=1e-12)  # type: ignore[union-attr]


def test_the_histogram_image_has_a_panel_per_layer() -> None:
    model = P.network(config_of("?layers=4:tanh,3:relu"))
    X = np.random.default_rng(0).normal(size=(2, 30))
    y = (X[:1] > 0).astype(float)
    activations, gradients = layer_histograms(model, X, y, bins=10)
    svg = b64decode(V.histogram_image(activations, gradients).split(",")[1]).decode()
    ElementTree.fromstring(svg)  # well-formed
    assert svg.count("<rect ") == 10 * (2 + 3)
    for symbol, hists in (("A", activations), ("∂L/∂W", gradients)):
        for i, h in enumerate(hists, 1):
            assert f"{symbol}{i}: mean {h.mean:.2g}, std {h.std:.2g}" in svg
    tallest = max(gradients[2].counts) / gradients[2].size
    assert f">{tallest:.0%}<" in svg


def test_no_two_handles_of_the_network_meet() -> None:
    config = config_of("?layers=32:tanh,32:tanh,8:relu&features=x1,x2,x1sq,x2sq,x1x2")
    model = P.network(config)
    (handles,) = V.network_figure(config, model, V.grid_maps(config, model, 20))["data"]
    points = np.column_stack([handles["x"], handles["y"]])
    gaps = np.hypot(*(points[:, None, :] - points[None, :, :]).transpose(2, 0, 1))
    np.fill_diagonal(gaps, np.inf)
    assert gaps.min() > 0.01  # tile widths: every handle can be pointed at


def test_values_that_are_not_finite_still_draw() -> None:
    stops = ((0.0, "#000000"), (0.5, "#808080"), (1.0, "#ff0000"))
    got = img.colorize(np.array([np.nan, np.inf, -np.inf]), 0, 1, stops)
    assert got.tolist() == [[128, 128, 128], [255, 0, 0], [0, 0, 0]]
    model = P.network(config_of("?data=blobs&classes=3&layers=3:relu"))
    assert V._range(model, 2, np.array([0.2, 0.9])) == (0.0, 1.0)  # softmax: probabilities
    assert V._range(model, 1, np.array([-3.0, np.inf, 2.0])) == (-3.0, 3.0)
    svg = b64decode(V.message_image("No histograms: 1 of 3 <values>")[26:]).decode()
    ElementTree.fromstring(svg)
    assert "1 of 3 &lt;values&gt;" in svg
