"""Generated exercises: every solution passes its own checker and a perturbed one fails,
for 1,000 seeds per topic; the numbers agree with hand computations; sheets are reproducible."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import typer
from typer.testing import CliRunner

import chainrule.exercises as ex
from chainrule.cli import OneLineErrors
from chainrule.cli.exercises_cmd import exercises_command
from chainrule.exercises.parse import evaluate, parse
from chainrule.models import registry

SEEDS = range(1000)


def perturbed(e: ex.Exercise) -> str:
    if e.answer_kind == "number":
        value = float(e.expected)
        return repr(value + 0.01 * (1 + abs(value)))
    if e.answer_kind in ("choice", "word"):
        right, options = e.expected
        return next(o for o in options if o != right)
    if e.answer_kind == "lines":  # one wrong line missed
        wrong, _ = e.expected
        return ", ".join(wrong[1:]) if len(wrong) > 1 else "1, 2, 3, 4, 5, 6"
    if e.answer_kind == "match":  # two labels swapped
        pairs, _ = e.expected
        (a, x), (b, y), *rest = pairs
        return ", ".join(f"{k} = {v}" for k, v in [(a, y), (b, x), *rest])
    if e.answer_kind == "shape":
        shape = tuple(e.expected)
        wrong = shape[::-1] if shape != shape[::-1] else tuple(s + 1 for s in shape)
        return str(wrong)
    return f"2 * ({e.answer})"


@pytest.mark.parametrize("topic", sorted(ex.TOPICS))
def test_every_solution_passes_and_a_perturbed_one_fails(topic: str) -> None:
    for seed in SEEDS:
        (e,) = ex.generate(topic, seed, 1).exercises
        assert e.check(e.answer).ok, (seed, e.question, e.answer, e.check(e.answer))
        wrong = e.check(perturbed(e))
        assert not wrong.ok and wrong.message, (seed, e.question, perturbed(e))


def test_chain_rule_numbers_agree_with_central_differences() -> None:
    for seed in range(200):
        (e,) = ex.generate("chain-rule", seed, 1).exercises
        match = re.search(r"f\(x\) = (.+)\. Compute f′\(x\) at x = (\S+) ", e.question)
        assert match is not None
        f, x0, h = parse(match.group(1)), float(match.group(2)), 1e-6
        numeric = (evaluate(f, {"x": x0 + h}, 1) - evaluate(f, {"x": x0 - h}, 1)) / (2 * h)
        assert float(e.expected) == pytest.approx(numeric, rel=1e-6, abs=1e-8)


def test_gradient_steps_agree_with_the_formula_by_hand() -> None:
    number = r"(-?\d+(?:\.\d+)?)"
    for seed in range(200):
        (e,) = ex.generate("gradient-step", seed, 1).exercises
        x, y, w, lr = (
            float(re.search(pattern, e.question).group(1))  # type: ignore[union-attr]
            for pattern in (
                f"x = {number},",
                f"y = {number} ",
                f"From w = {number},",
                f"η = {number}",
            )
        )
        assert float(e.expected) == pytest.approx(w - lr * 2 * (w * x - y) * x, rel=1e-12)
        assert ("moves up" in e.solution) == (2 * (w * x - y) * x < 0)


def test_shapes_agree_with_the_models_own_forward_pass() -> None:
    checked = 0
    for seed in range(300):
        (e,) = ex.generate("shapes", seed, 1).exercises
        name = re.search(r"The (\S+) network", e.question).group(1)  # type: ignore[union-attr]
        n = int(re.search(r"n = (\d+)", e.question).group(1))  # type: ignore[union-attr]
        m = int(re.search(r"m = (\d+)", e.question).group(1))  # type: ignore[union-attr]
        k = re.search(r"k = (\d+)", e.question)
        q = re.search(r"shape of (\S+)\?", e.question).group(1)  # type: ignore[union-attr]
        hyper = {"n_hidden": int(k.group(1))} if k else {}
        net = registry.build(name, n_features=n, task=registry.get(name).tasks[0], **hyper)
        cache = net.forward(np.zeros((n, m)))[1] | {"X": np.zeros((n, m))}
        cache["ŷ"] = cache["y_hat"]
        known = {**{k: v.shape for k, v in cache.items()}, "y": (1, m), "Y": (1, m)}
        known |= {p: v.shape for p, v in net.params.items()}
        known |= {f"∂L/∂{p}": v.shape for p, v in net.params.items()}
        if q in known:
            assert tuple(e.expected) == known[q], (seed, q)
            checked += 1
    assert checked > 200


def test_the_same_seed_gives_the_same_sheet_in_two_processes() -> None:
    code = (
        "import chainrule.exercises as ex;"
        "print(''.join(ex.generate(t, 42, 4).markdown(True) for t in sorted(ex.TOPICS)))"
    )
    run = [sys.executable, "-c", code]
    first, second = (subprocess.run(run, capture_output=True, text=True, check=True) for _ in "ab")
    assert first.stdout == second.stdout and "Exercise 4" in first.stdout
    assert ex.generate("backward", 42, 4) != ex.generate("backward", 43, 4)


def test_answers_that_teach() -> None:
    (e,) = ex.generate("gradient-step", 0, 1).exercises
    assert e.check(repr(-float(e.expected))).kind == ("sign" if float(e.expected) else "ok")
    assert e.check("w").kind == "error"
    (s,) = [x for x in ex.generate("shapes", 0, 20).exercises if len(set(x.expected)) == 2][:1]
    assert s.check(str(tuple(s.expected)[::-1])).kind == "transpose"
    assert s.check("big").kind == "error"
    (b,) = ex.generate("backward", 0, 1).exercises
    assert b.check("(" + b.answer).kind == "error"
    assert b.check(f"-({b.answer})").kind == "sign"


def test_refusals() -> None:
    with pytest.raises(ValueError, match="unknown topic 'calculus'"):
        ex.generate("calculus")
    with pytest.raises(ValueError, match="count must be"):
        ex.generate("shapes", 0, 0)
    with pytest.raises(ValueError, match="seed must be"):
        ex.generate("shapes", -1)


app = typer.Typer(cls=OneLineErrors)
app.command("exercises")(exercises_command)


@app.callback()
def _group() -> None:
    """A group, so that the command is called by its name."""


def test_the_command_writes_a_sheet(tmp_path: Path) -> None:
    out = tmp_path / "sheet.md"
    args = ["exercises", "--topic", "backward", "--seed", "7", "--solutions", "--out", str(out)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    assert text.startswith("# Exercises: backward (seed 7)") and "**Solution.**" in text
    assert text.strip() == ex.generate("backward", 7, 5).markdown(True).strip()
    printed = CliRunner().invoke(app, ["exercises", "--topic", "shapes", "--count", "2"])
    assert printed.exit_code == 0 and "Exercise 2" in printed.output
    assert "Solution" not in printed.output


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--topic", "calculus"], "unknown topic 'calculus'"),
        (["--count", "0"], "'--count'"),
        (["--out", "{tmp}/sheet.pdf"], "must end in one of .md"),
        (["--out", "{tmp}/no/sheet.md"], "does not exist"),
    ],
)
def test_the_command_refuses_with_one_line(tmp_path: Path, args: list[str], fragment: str) -> None:
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    result = CliRunner().invoke(app, ["exercises", *args])
    lines = result.output.strip().splitlines()
    assert result.exit_code == 2 and len(lines) == 1 and fragment in lines[0], result.output


def _number(pattern: str, text: str) -> float:
    match = re.search(pattern, text)
    assert match is not None, (pattern, text)
    return float(match.group(1).replace("−", "-"))


def test_optimizer_steps_agree_with_pytorch_and_the_course_formula() -> None:
    import torch

    for seed in range(150):
        (e,) = ex.generate("optimizer-steps", seed, 1).exercises
        a = _number(r"L\(w\) = (\S+) \(", e.question)
        inner = re.search(r"\(w(?: ([+−]) (\d+))?\)²", e.question)
        assert inner is not None
        c = -float(inner.group(2)) if inner.group(1) == "+" else float(inner.group(2) or 0)
        lr = _number(r"η = (\S+),", e.question)
        w0 = _number(r"from w = (\S+) with", e.question)
        name = re.search(r"with (\w+) \(", e.question).group(1)  # type: ignore[union-attr]
        if name == "momentum":  # the course's form: v ← β v + (1 − β) g, w ← w − η v
            w, v = w0, 0.0
            for _ in range(2):
                v = 0.9 * v + 0.1 * 2 * a * (w - c)
                w -= lr * v
            assert float(e.expected) == pytest.approx(w, rel=1e-12)
            continue
        p = torch.tensor(w0, dtype=torch.float64, requires_grad=True)
        opt = (
            torch.optim.Adam([p], lr=lr)
            if name == "adam"
            else torch.optim.RMSprop([p], lr=lr, alpha=0.9)
        )
        for _ in range(2):
            opt.zero_grad()
            (a * (p - c) ** 2).backward()
            opt.step()
        assert float(e.expected) == pytest.approx(p.item(), rel=1e-9, abs=1e-12)


def test_delta_rule_changes_agree_with_pytorch() -> None:
    import torch

    for seed in range(150):
        (e,) = ex.generate("delta-rule", seed, 1).exercises
        f64 = torch.float64
        W01 = torch.tensor(eval_list(r"W01 = (\[\[.*?\]\])", e.question), dtype=f64)
        W12 = torch.tensor(eval_list(r"W12 = (\[\[.*?\]\])", e.question), dtype=f64)
        W01.requires_grad_(True)
        W12.requires_grad_(True)
        x = torch.tensor(eval_list(r"x = (\[.*?\])", e.question), dtype=f64).reshape(3, 1)
        y = _number(r"target y = (\S+) ", e.question)
        lr = _number(r"η = (\S+), apply", e.question)
        which, i, j = re.search(r"(W\d\d)\[(\d), (\d)\]", e.question).groups()  # type: ignore[union-attr]
        yhat = torch.sigmoid(W12.T @ torch.sigmoid(W01.T @ x))
        (0.5 * (y - yhat) ** 2).sum().backward()
        grad = {"W01": W01.grad, "W12": W12.grad}[which]
        assert grad is not None
        assert float(e.expected) == pytest.approx(-lr * float(grad[int(i), int(j)]), rel=1e-9)


def eval_list(pattern: str, text: str) -> list[object]:
    """A list of numbers written in a question, read with json (no eval)."""
    import json

    match = re.search(pattern, text)
    assert match is not None
    return json.loads(match.group(1))


def test_minibatch_counts_by_hand() -> None:
    for seed in range(200):
        (e,) = ex.generate("minibatch", seed, 1).exercises
        n, b, epochs = (
            int(_number(p, e.question))
            for p in (r"holds (\d+) examples", r"batches of (\d+)", r"for (\d+) epochs")
        )
        batches = len(range(0, n, b))
        assert float(e.expected) == epochs * batches
