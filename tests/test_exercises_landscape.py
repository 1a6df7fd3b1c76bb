"""The landscape topic: every path's numbers agree with PyTorch's optimizers (and the course's
momentum by hand), the threshold, behaviour and loss of gradient descent with the hand formulas
on a bowl, and the HTML sheet draws the paths inline."""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pytest
import torch
import typer
from typer.testing import CliRunner

import chainrule.exercises as ex
from chainrule.cli import OneLineErrors
from chainrule.cli.exercises_cmd import exercises_command

SEEDS = range(300)


def _number(pattern: str, text: str) -> float:
    match = re.search(pattern, text)
    assert match is not None, (pattern, text)
    return float(match.group(1).replace("−", "-"))


def _bowl(question: str) -> tuple[float, tuple[float, float]]:
    kappa = _number(r"\(x² \+ (\S+) y²\) / 2", question)
    start = re.search(r"from \((\S+), (\S+)\)", question)
    assert start is not None
    return kappa, (float(start.group(1)), float(start.group(2)))


def _path(name: str, lr: float, kappa: float, start: tuple[float, float], steps: int) -> np.ndarray:
    """The path by PyTorch (gd, adam) or by the course's formula (momentum)."""
    scale = torch.tensor([1.0, kappa], dtype=torch.float64)
    p = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    points = [p.detach().clone().numpy()]
    if name == "momentum":
        w, v = np.array(start), np.zeros(2)
        for _ in range(steps):
            v = 0.9 * v + 0.1 * np.array([1.0, kappa]) * w
            w = w - lr * v
            points.append(w.copy())
        return np.array(points)
    opt = torch.optim.SGD([p], lr=lr) if name == "gd" else torch.optim.Adam([p], lr=lr)
    for _ in range(steps):
        opt.zero_grad()
        (0.5 * (scale * p * p).sum()).backward()
        opt.step()
        points.append(p.detach().clone().numpy())
    return np.array(points)


def test_which_path_numbers_agree_with_pytorch() -> None:
    checked = 0
    for seed in SEEDS:
        (e,) = ex.generate("landscape", seed, 1).exercises
        if e.answer_kind != "match":
            continue
        kappa, start = _bowl(e.question)
        lr = _number(r"Gradient descent \(η = (\S+)\)", e.question)
        lr_adam = _number(r"Adam \(η = (\S+),", e.question)
        steps = int(_number(r"each take (\d+) steps", e.question))
        rows = re.findall(r"^    ([ABC]) +(\S+) +(\S+) +(\d+) +(\S+)$", e.question, re.MULTILINE)
        pairs, labels = e.expected
        assert set(labels) == {"gd", "momentum", "adam"} and len(rows) == 3
        which = dict(pairs)
        for label, first, overshoot, flips, loss in rows:
            name = which[label]
            path = _path(name, lr_adam if name == "adam" else lr, kappa, start, steps)
            assert float(first) == pytest.approx(np.linalg.norm(path[1] - path[0]), rel=1e-5)
            past = max(0.0, float(np.max(-math.copysign(1, start[0]) * path[:, 0])))
            assert float(overshoot) == pytest.approx(past, rel=1e-5, abs=1e-9)
            assert int(flips) == int(np.sum(np.sign(path[1:, 1]) * np.sign(path[:-1, 1]) < 0))
            x, y = path[-1]
            assert float(loss) == pytest.approx((x * x + kappa * y * y) / 2, rel=1e-5, abs=1e-12)
        # the first steps differ enough to tell the paths apart
        firsts = sorted(float(r[1]) for r in rows)
        assert firsts[1] >= 1.49 * firsts[0] and firsts[2] >= 1.49 * firsts[1]
        checked += 1
    assert checked > 100


def test_learning_rate_numbers_agree_with_the_formulas_by_hand() -> None:
    forms = set()
    for seed in SEEDS:
        (e,) = ex.generate("landscape", seed, 1).exercises
        if e.answer_kind == "match":
            continue
        kappa, (x0, y0) = _bowl(e.question)
        if "largest learning rate" in e.question:
            forms.add("threshold")
            assert float(e.expected) == pytest.approx(2 / kappa, rel=1e-12)
            continue
        lr = _number(r"With η = (\S+),", e.question)
        if e.answer_kind == "word":
            forms.add(e.answer)
            factor = 1 - lr * kappa
            by_hand = "diverges" if abs(factor) > 1 else "oscillates" if factor < 0 else "converges"
            assert e.answer == by_hand, (seed, lr, kappa)
            assert abs(abs(factor) - 1) > 0.1 and abs(factor) > 0.1  # far from the boundaries
            continue
        forms.add("loss")
        k = int(_number(r"the loss after (\d+) steps", e.question))
        x, y = (1 - lr) ** k * x0, (1 - lr * kappa) ** k * y0
        assert float(e.expected) == pytest.approx((x * x + kappa * y * y) / 2, rel=1e-12)
    assert forms == {"threshold", "loss", "converges", "oscillates", "diverges"}, forms


def test_answers_to_the_landscape_topic_teach() -> None:
    sheet = ex.generate("landscape", 3, 30).exercises
    match = next(e for e in sheet if e.answer_kind == "match")
    pairs, _ = match.expected
    (a, x), (b, y), (c, z) = pairs
    assert match.check(f"{a}: {x}; {b}: {y}; {c}: {z}").ok
    wrong = match.check(f"{a} = {y}, {b} = {x}, {c} = {z}")
    assert (
        not wrong.ok and "1 of 3 right" in wrong.message and f"{a} is {x}, not {y}" in wrong.message
    )
    assert match.check(f"{a} = {x}").kind == "error"  # a label for every path
    assert match.check("A = sgd, B = gd, C = adam").kind == "error"
    word = next(e for e in sheet if e.answer_kind == "word")
    assert word.check(word.answer.upper()).ok
    other = next(o for o in word.expected[1] if o != word.answer)
    verdict = word.check(other)
    assert not verdict.ok and word.answer in verdict.message
    assert word.check("explodes").kind == "error"


def test_the_html_sheet_draws_the_paths_inline() -> None:
    sheet = ex.generate("landscape", 3, 6)
    page = sheet.html(solutions=False)
    drawn = [e for e in sheet.exercises if e.figure is not None]
    assert drawn and page.count("<svg") == len(drawn) == page.count("<polyline") // 3
    assert "<svg" not in sheet.markdown(True) and "svg" not in sheet.latex(True)
    assert all(e.answer_kind == "match" for e in drawn)


def test_the_command_writes_the_landscape_sheet_with_its_figures(tmp_path: Path) -> None:
    out = tmp_path / "sheet.html"
    args = ["exercises", "--topic", "landscape", "--seed", "3", "--count", "6", "--out", str(out)]
    result = CliRunner().invoke(command_line(), args)
    assert result.exit_code == 0, result.output
    page = out.read_text(encoding="utf-8")
    assert page == ex.generate("landscape", 3, 6).html()
    assert "<svg" in page and "http" not in page


def command_line() -> typer.Typer:
    app = typer.Typer(cls=OneLineErrors)
    app.command("exercises")(exercises_command)
    app.command("unused")(lambda: None)
    return app


def test_the_figure_contours_lie_on_the_level_sets() -> None:
    from chainrule.exercises.figure import _contour

    kappa = 10.0
    xs, ys = np.linspace(-5, 5, 121), np.linspace(-2.5, 2.5, 81)
    grid = (xs[None, :] ** 2 + kappa * ys[:, None] ** 2) / 2
    for level in (0.5, 3.0, 12.0):
        ends = _contour(xs, ys, grid, level).reshape(-1, 2)
        assert len(ends) > 20
        values = (ends[:, 0] ** 2 + kappa * ends[:, 1] ** 2) / 2
        np.testing.assert_allclose(values, level, rtol=0.05)
        # the segments go around the whole ellipse: both signs of x and y appear
        assert (ends[:, 0] > 0).any() and (ends[:, 0] < 0).any() and (ends[:, 1] < 0).any()
