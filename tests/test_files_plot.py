"""Figures, HTML, GIFs and graphs are written atomically; long animations are bounded."""

from __future__ import annotations

import errno
import io
import os
import stat
from pathlib import Path
from typing import Any

import numpy as np
import plotly.graph_objects as go
import pytest
from matplotlib.figure import Figure
from PIL import Image

from chainrule import data, landscape, plot
from chainrule.models import UnivariateRegression
from chainrule.plot import landscape_figures

OLD = b"the user's previous figure\x00" * 50


def full_disk(data: bytes, path: Any) -> None:
    Path(path).write_bytes(data[: len(data) // 2])
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def assert_intact(target: Path) -> None:
    assert target.read_bytes() == OLD
    assert sorted(p.name for p in target.parent.iterdir()) == [target.name]


@pytest.fixture(scope="module")
def scene() -> tuple[landscape.Surface, dict[str, landscape.Trajectory]]:
    d = data.linear(40, 1)
    model = UnivariateRegression()
    surf = landscape.surface(model, d.X, d.y, resolution=12)
    t = np.linspace(0, 1, 500)
    points = np.stack([np.cos(3 * t), np.sin(3 * t)], axis=1)
    long = landscape.Trajectory("long", points, np.exp(-t))
    short = landscape.Trajectory("short", points[:7], np.exp(-t[:7]))
    return surf, {"long": long, "short": short}


def small_figure() -> Figure:
    fig = Figure(figsize=(2, 1.5))
    fig.add_subplot().plot([0, 1], [1, 0])
    return fig


# --- matplotlib figures -----------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "written", "magic"),
    [("f.png", "f.png", b"\x89PNG"), ("f", "f.png", b"\x89PNG"), ("f.pdf", "f.pdf", b"%PDF")],
)
def test_save_figure(tmp_path: Path, name: str, written: str, magic: bytes) -> None:
    path = plot.save(small_figure(), tmp_path / name, dpi=50)
    assert path == tmp_path / written
    assert path.read_bytes().startswith(magic)
    assert [p.name for p in tmp_path.iterdir()] == [written]


def test_save_figure_dpi_sets_pixels(tmp_path: Path) -> None:
    path = plot.save(small_figure(), tmp_path / "f.png", dpi=50)
    assert Image.open(path).size == (100, 75)


def test_save_figure_refuses_unknown_format(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"'\.xyz'.*\.png.*\.svg"):
        plot.save(small_figure(), tmp_path / "f.xyz")
    with pytest.raises(ValueError, match="directory"):
        plot.save(small_figure(), tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_failed_figure_save_keeps_previous_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "loss.png"
    target.write_bytes(OLD)
    real = Figure.savefig

    def savefig(self: Figure, fname: Any, **kwargs: Any) -> None:
        buffer = io.BytesIO()
        real(self, buffer, **kwargs)
        full_disk(buffer.getvalue(), fname)

    monkeypatch.setattr(Figure, "savefig", savefig)
    with pytest.raises(OSError, match="No space"):
        plot.save(small_figure(), target)
    assert_intact(target)


# --- HTML -------------------------------------------------------------------------


def test_write_html_path_rule_and_failure(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fig = go.Figure(go.Scatter(x=[0, 1], y=[1, 0]))
    written = plot.interactive.write_html(fig, tmp_path / "page")
    assert written == tmp_path / "page.html" and "<html>" in written.read_text()[:200]
    target = tmp_path / "race.html"
    target.write_bytes(OLD)
    real = go.Figure.write_html

    def write_html(self: go.Figure, file: Any, **kwargs: Any) -> None:
        buffer = io.StringIO()
        real(self, buffer, **kwargs)
        full_disk(buffer.getvalue().encode(), file)

    monkeypatch.setattr(go.Figure, "write_html", write_html)
    with pytest.raises(OSError, match="No space"):
        plot.interactive.write_html(fig, target)
    written.unlink()
    assert_intact(target)


# --- GIF --------------------------------------------------------------------------


def test_animation_reports_progress_and_subsamples_long_paths(tmp_path: Path, scene: Any) -> None:
    surf, paths = scene
    calls: list[tuple[int, int]] = []
    gif = plot.animate(
        surf, paths, tmp_path / "race", dpi=20, progress=lambda d, t: calls.append((d, t))
    )
    assert gif == tmp_path / "race.gif"
    frames = landscape_figures.DEFAULT_FRAMES
    assert calls == [(k, frames) for k in range(1, frames + 1)]
    with Image.open(gif) as im:
        assert im.format == "GIF" and im.size == (144, 112)
        assert total_duration(im) == frames * 50  # Pillow merges identical frames, not time
    calls.clear()
    plot.animate(
        surf, {"short": paths["short"]}, gif, dpi=20, progress=lambda d, t: calls.append((d, t))
    )
    assert calls[-1] == (7, 7)  # one frame per step when the path is short
    with Image.open(gif) as im:
        assert im.n_frames == 7 and total_duration(im) == 7 * 50


def total_duration(im: Image.Image) -> int:
    total = 0
    for k in range(getattr(im, "n_frames", 1)):
        im.seek(k)
        total += im.info["duration"]
    return total


def test_animation_shows_first_and_last_step() -> None:
    steps = landscape_figures._frame_steps(500, 5)
    assert steps == [0, 125, 250, 374, 499]
    assert landscape_figures._frame_steps(3, None) == [0, 1, 2]


def test_animation_limits_are_named(tmp_path: Path, scene: Any) -> None:
    surf, paths = scene
    limit = landscape_figures.MAX_FRAMES
    with pytest.raises(ValueError, match=f"MAX_FRAMES={limit}, got {limit + 1}"):
        plot.animate(surf, paths, tmp_path / "a.gif", frames=limit + 1)
    with pytest.raises(ValueError, match="frames must be an integer"):
        plot.animate(surf, paths, tmp_path / "a.gif", frames=2.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"max_bytes=1\.0 MB"):
        plot.animate(surf, paths, tmp_path / "a.gif", max_bytes=10**6)
    with pytest.raises(ValueError, match="fps"):
        plot.animate(surf, paths, tmp_path / "a.gif", fps=0)
    with pytest.raises(ValueError, match="at least one trajectory"):
        plot.animate(surf, {}, tmp_path / "a.gif")
    assert list(tmp_path.iterdir()) == []


def test_failed_animation_keeps_previous_file(
    tmp_path: Path, scene: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    surf, paths = scene
    target = tmp_path / "race.gif"
    target.write_bytes(OLD)
    real = Image.Image.save

    def save(self: Image.Image, fp: Any, format: Any = None, **kwargs: Any) -> None:
        buffer = io.BytesIO()
        real(self, buffer, format=format, **kwargs)
        full_disk(buffer.getvalue(), fp)

    monkeypatch.setattr(Image.Image, "save", save)
    with pytest.raises(OSError, match="No space"):
        plot.animate(surf, {"short": paths["short"]}, target, dpi=20)
    assert_intact(target)


def test_interrupted_animation_keeps_previous_file(tmp_path: Path, scene: Any) -> None:
    surf, paths = scene
    target = tmp_path / "race.gif"
    target.write_bytes(OLD)

    def stop(done: int, total: int) -> None:
        if done == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        plot.animate(surf, paths, target, dpi=20, progress=stop)
    assert_intact(target)


# --- computation graph ------------------------------------------------------------


@pytest.fixture
def graph() -> plot.graph.ComputationGraph:
    model = UnivariateRegression()
    return plot.graph.trace(model, np.array([[1.0, 2.0]]), np.array([[0.0, 1.0]]))


def test_write_dot(tmp_path: Path, graph: plot.graph.ComputationGraph) -> None:
    path = plot.graph.write_dot(graph, tmp_path / "g")
    assert path == tmp_path / "g.dot"
    assert path.read_text() == plot.graph.to_dot(graph) + "\n"


def fake_dot(folder: Path, script: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A ``dot`` program on PATH that runs ``script`` (sh), the output file being $3."""
    folder.mkdir()
    program = folder / "dot"
    program.write_text("#!/bin/sh\n" + script)
    program.chmod(program.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ['PATH']}")


def test_render_svg_through_dot(
    tmp_path: Path, graph: plot.graph.ComputationGraph, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_dot(tmp_path / "bin", 'cat > /dev/null; printf "<svg/>" > "$3"\n', monkeypatch)
    out = tmp_path / "out"
    out.mkdir()
    path = plot.graph.render_svg(graph, out / "g")
    assert path == out / "g.svg" and path.read_text() == "<svg/>"


def test_failed_render_svg_keeps_previous_file(
    tmp_path: Path, graph: plot.graph.ComputationGraph, monkeypatch: pytest.MonkeyPatch
) -> None:
    script = 'cat > /dev/null; printf "<svg><g>" > "$3"; echo "dot: out of space" >&2; exit 1\n'
    fake_dot(tmp_path / "bin", script, monkeypatch)
    out = tmp_path / "out"
    out.mkdir()
    target = out / "g.svg"
    target.write_bytes(OLD)
    with pytest.raises(RuntimeError, match=r"dot failed writing .*g\.svg.*out of space"):
        plot.graph.render_svg(graph, target)
    assert_intact(target)


def test_blitted_frame_equals_a_full_redraw(scene: Any) -> None:
    """Drawing only the moving path over a stored background gives the full figure's pixels."""
    surf, paths = scene
    fig = plot.contour(surf, None)
    points = paths["long"].points
    (line,) = fig.axes[0].plot([], [], "-", color="red", lw=2)

    def show(i: int) -> None:
        line.set_data(points[: i + 1, 0], points[: i + 1, 1])

    frames = list(landscape_figures._blitted(fig, [line], show, [0, 250], 30, None))
    line.set_animated(False)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="rgba", dpi=30)
    width, height = frames[-1].size
    full = np.frombuffer(buffer.getvalue(), np.uint8).reshape(height, width, 4)
    np.testing.assert_array_equal(np.asarray(frames[-1]), full)
    assert not np.array_equal(np.asarray(frames[0]), full)  # the path moved between frames
