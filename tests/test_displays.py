"""What a notebook shows: the rich displays of models, histories, surfaces and checks.

Each HTML display is parsed as XML (so it is well formed), read back for its
numbers, and checked to escape user text; the loss curve is SVG that parses;
the surface is a PNG. One notebook cell runs through nbclient to see the
mime types a notebook receives.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

import chainrule as cr
from chainrule.display import line_chart, table
from chainrule.gradcheck.model_check import ModelCheck, ParameterCheck
from chainrule.gradcheck.report import GradcheckReport, InputCheck
from chainrule.landscape import Surface

SVG = "{http://www.w3.org/2000/svg}"


def parse(html: str) -> ET.Element:
    """The display wrapped in one root and parsed as XML: fails unless well formed."""
    return ET.fromstring(f"<root>{html}</root>")


def cells(root: ET.Element) -> list[list[str]]:
    """The text of every table row under ``root``."""
    return [["".join(c.itertext()) for c in tr] for tr in root.iter("tr")]


# --- the shared writers ------------------------------------------------------


def test_table_escapes_every_cell_and_checks_row_length() -> None:
    out = table(("a<b", "c"), [("<script>x</script>", 1.234567891)], caption="x & y")
    root = parse(out)
    assert cells(root) == [["a<b", "c"], ["<script>x</script>", "1.2346"]]
    assert "<script>" not in out
    assert root.find("table/caption").text == "x & y"  # type: ignore[union-attr]
    with pytest.raises(ValueError, match="2 cells for 3 headers"):
        table(("a", "b", "c"), [(1, 2)])


def test_line_chart_is_svg_with_one_line_per_series_and_skips_non_finite() -> None:
    svg = line_chart(
        [("a<1>", [0, 1, 2, 3], [4.0, np.nan, 2.0, 1.0]), ("b", [0], [3.0])], "step", "loss"
    )
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    (line,) = root.iter(f"{SVG}polyline")
    assert len(line.get("points", "").split()) == 3  # the NaN point left out
    assert len(list(root.iter(f"{SVG}circle"))) == 1  # the one-point series
    labels = ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]
    assert "a<1>" in labels and "step" in labels and "loss" in labels
    # y from 1 to 4: the top of the plot is 4, the bottom 1
    ys = [float(p.split(",")[1]) for p in line.get("points", "").split()]
    assert ys[0] < ys[1] < ys[2]


def test_line_chart_uses_a_log_axis_over_decades_and_refuses_ragged_series() -> None:
    root = ET.fromstring(line_chart([("l", [0, 1, 2], [1000.0, 10.0, 0.1])], "s", "loss"))
    labels = ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]
    assert "loss (log scale)" in labels
    points = (next(root.iter(f"{SVG}polyline")).get("points") or "").split()
    ys = [float(p.split(",")[1]) for p in points]
    assert ys[1] - ys[0] == pytest.approx(ys[2] - ys[1])  # equal steps per factor of 100
    with pytest.raises(ValueError, match="2 xs and 3 ys"):
        line_chart([("l", [0, 1], [1.0, 2.0, 3.0])], "s", "loss")
    empty = ET.fromstring(line_chart([("l", [0], [np.inf])], "s", "loss"))
    assert list(empty.iter(f"{SVG}polyline")) == []


# --- models -------------------------------------------------------------------


def test_mlp_display_lists_layers_activations_task_loss_and_shapes() -> None:
    net = cr.models.MLP([4, 8, 5, 3], activation=["relu", "tanh"], output="softmax", alpha=0.1)
    root = parse(net._repr_html_())
    rows = cells(root)
    assert ["1", "4", "8", "relu"] in rows
    assert ["2", "8", "5", "tanh"] in rows
    assert ["3", "5", "3", "softmax"] in rows
    for name, p in net.params.items():
        assert [name, str(p.shape), str(p.size)] in rows
    text = "".join(root.itertext())
    assert "task: multiclass" in text and "cross-entropy + L2 penalty" in text
    assert f"{net.n_parameters} parameters" in text and "alpha=0.1" in text


def test_worked_network_display_has_its_parameters_and_no_layer_table() -> None:
    net = cr.models.build("two-layer-classifier", 2, task="binary")
    root = parse(net._repr_html_())
    captions = [c.text for c in root.iter("caption")]
    assert captions == ["parameters"]
    rows = cells(root)
    assert [[k, str(v.shape), str(v.size)] for k, v in net.params.items()] == rows[1:]
    assert "task: binary" in "".join(root.itertext())


# --- History -------------------------------------------------------------------


def test_history_display_has_the_summary_and_a_loss_curve() -> None:
    d = cr.data.linear(m=64)
    net = cr.models.build("univariate", 1)
    h = cr.fit(net, d.X, d.y, cr.optim.sgd(0.1), epochs=5, batch_size=16)
    root = parse(h._repr_html_())
    summary = dict((r[0], r[1]) for r in cells(root)[1:])
    assert summary["steps"] == str(h.steps) == "20"
    assert summary["epochs"] == "5"
    assert summary["initial loss"] == f"{h.initial_loss:.5g}"
    assert summary["final loss"] == f"{h.final_loss:.5g}"
    svg = root.find(f"{SVG}svg")
    assert svg is not None
    batch, full = svg.iter(f"{SVG}polyline")
    assert len((batch.get("points") or "").split()) == h.steps
    # initial loss and one point per epoch, at steps 0, 4, 8, ..., 20
    full_points = (full.get("points") or "").split()
    assert len(full_points) == 6
    xs = [float(p.split(",")[0]) for p in full_points]
    assert np.allclose(np.diff(xs), xs[1] - xs[0])


def test_empty_history_display_has_no_chart() -> None:
    out = cr.History()._repr_html_()
    root = parse(out)
    assert root.find(f"{SVG}svg") is None
    assert ["steps", "0"] in cells(root)


def test_history_display_escapes_the_reason_it_stopped() -> None:
    h = cr.History(step_loss=[1.0, 2.0], initial_loss=1.0, epoch_loss=[2.0], stopped="<b>x</b>")
    out = h._repr_html_()
    assert "<b>x</b>" not in out
    assert ["stopped", "<b>x</b>"] in cells(parse(out))


# --- Surface ----------------------------------------------------------------------


def _surface(loss: np.ndarray, label: str = "w") -> Surface:
    ny, nx = loss.shape
    return Surface(np.linspace(-1, 1, nx), np.linspace(0, 2, ny), loss, label, "b", {}, "batched")


def test_surface_shows_as_a_png() -> None:
    d = cr.data.linear(m=32)
    net = cr.models.build("univariate", 1)
    s = cr.landscape.surface(net, d.X, d.y, resolution=21)
    png = s._repr_png_()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(png) > 5000


def test_surface_minimum_skips_non_finite_points_and_refuses_an_empty_grid() -> None:
    s = _surface(np.array([[np.nan, 3.0, 2.0], [np.inf, 1.0, np.nan]]))
    assert s.minimum == (0.0, 2.0, 1.0)
    with pytest.raises(ValueError, match="no grid point has a finite loss"):
        _ = _surface(np.full((2, 2), np.nan)).minimum


@pytest.mark.parametrize(
    "loss",
    [
        np.full((3, 4), np.nan),  # nothing finite
        np.ones((3, 4)),  # flat
        np.array([[1.0, np.inf, 2.0]]),  # one row with a diverged point
    ],
    ids=["all-nan", "flat", "one-row"],
)
def test_surface_png_of_degenerate_grids(loss: np.ndarray) -> None:
    assert _surface(loss, "W1[0, 1] <&>")._repr_png_()[:4] == b"\x89PNG"


# --- checks -----------------------------------------------------------------------


def test_gradcheck_report_display_is_a_table_of_its_numbers() -> None:
    report = cr.gradcheck(
        lambda a, b: cr.mse(a @ b, np.ones((2, 3))), np.ones((2, 4)), np.full((4, 3), 0.1)
    )
    root = parse(report._repr_html_())
    rows = cells(root)
    assert rows[0][:3] == ["input", "shape", "checked"]
    for c, row in zip(report.inputs, rows[1:], strict=True):
        assert row[:5] == [
            str(c.index),
            str(c.shape),
            f"{c.checked} {c.kind}",
            f"{c.max_abs_error:.2e}",
            f"{c.max_rel_error:.2e}",
        ]
        assert row[-1] == "ok"
    assert "gradcheck passed" in "".join(root.itertext())


def test_failed_gradcheck_report_display_says_so_and_escapes_notes() -> None:
    check = InputCheck(0, (2,), "elements", 2, 0.5, 1.0, (1,), 1.0, 0.5, False)
    report = GradcheckReport((check,), 1e-6, 1e-5, 1e-3, notes=("<i>note</i>",))
    out = report._repr_html_()
    assert "<i>" not in out
    root = parse(out)
    assert cells(root)[1] == [
        "0",
        "(2,)",
        "2 elements",
        "5.00e-01",
        "1.00e+00",
        "(1,)",
        "1",
        "0.5",
        "FAIL",
    ]
    assert "gradcheck FAILED" in "".join(root.itertext())
    assert "note: <i>note</i>" in "".join(root.itertext())


def test_model_check_display_is_a_table_of_its_numbers() -> None:
    d = cr.data.moons(m=20)
    net = cr.models.build("two-layer-classifier", 2, task="binary")
    check = cr.check_model(net, d.X, d.y)
    root = parse(check._repr_html_())
    rows = cells(root)
    assert [r[0] for r in rows[1:]] == list(net.params)
    for p, row in zip(check.parameters, rows[1:], strict=True):
        assert row == [
            p.name,
            str(p.shape),
            f"{p.engine_max_abs:.2e}",
            f"{p.engine_max_rel:.2e}",
            f"{p.numeric_max_abs:.2e}",
            f"{p.numeric_max_rel:.2e}",
            "ok",
        ]
    assert "TwoLayerClassifier: hand-derived gradients passed" in "".join(root.itertext())
    bad = ModelCheck("<M>", (ParameterCheck("w&", (1,), 1.0, 1.0, 1.0, 1.0, False),))
    out = bad._repr_html_()
    assert "<M>" not in out and "FAILED" in out
    assert cells(parse(out))[1][0] == "w&"


# --- a notebook -----------------------------------------------------------------


def test_a_notebook_receives_html_png_and_latex(tmp_path: Path) -> None:
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    from test_notebooks import _kernel_env  # the kernel imports this chainrule

    source = [
        "import chainrule as cr",
        "d = cr.data.linear(m=32)\nnet = cr.models.build('univariate', 1)\nnet",
        "cr.fit(net, d.X, d.y, cr.optim.sgd(0.1), epochs=3)",
        "cr.models.MLP([2, 3, 1])",
        "cr.landscape.surface(net, d.X, d.y, resolution=11)",
        "import numpy as np\ncr.gradcheck(lambda a: cr.mse(a, np.zeros((1, 2))), np.ones((1, 2)))",
        "cr.check_model(net, d.X, d.y)",
        "cr.derive(net)",
    ]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in source])
    nbclient.NotebookClient(nb, timeout=120, kernel_name="python3").execute(
        env=_kernel_env(), cwd=str(tmp_path)
    )
    kinds = [set(c.outputs[0].data) if c.outputs else set() for c in nb.cells]
    for i in (1, 2, 3, 5, 6):
        assert "text/html" in kinds[i], (source[i], kinds[i])
    assert "image/png" in kinds[4]
    assert "text/latex" in kinds[7]
    history = nb.cells[2].outputs[0].data["text/html"]
    assert re.search(r"<svg[^>]*>.*<polyline", history)
