"""The topics on checking gradients: the planted lines are wrong and the rest right, by
PyTorch; the gradient-checking numbers agree with PyTorch and with the formula by hand."""

from __future__ import annotations

import re

import numpy as np
import pytest
import torch

import chainrule.exercises as ex
from chainrule.exercises.parse import evaluate, parse
from chainrule.exercises.problems import Problem, make_problems
from chainrule.gradcheck import numeric_gradients

LINE = re.compile(r"^    (\d+)\. (\S+) = (.+)$", flags=re.MULTILINE)


def _torch_values(name: str, p: Problem) -> dict[str, torch.Tensor]:
    """Every name a line may use, by PyTorch's autograd: the forward values, each adjoint
    (the classifier's dZ is m ∂L/∂Z, as seed 003 writes it; the MSE networks' is ∂L/∂Z)
    and each parameter's gradient as d<param>."""
    t = {k: torch.tensor(v, requires_grad=True) for k, v in p.params.items()}
    X, y = torch.tensor(p.X), torch.tensor(p.y)
    m = X.shape[1]
    if name == "two-layer-classifier":
        Z1 = t["W1"] @ X + t["b1"]
        A1 = torch.sigmoid(Z1)
        Z2 = t["W2"] @ A1 + t["b2"]
        loss = torch.nn.functional.binary_cross_entropy_with_logits(Z2, y)
        values = {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": torch.sigmoid(Z2), "X": X, "Y": y}
        adjoints, scale = {"dZ2": Z2, "dZ1": Z1}, m
    else:
        Z = t["W1"] @ X + t["b1"]
        A = torch.sigmoid(Z) if name == "two-layer-sigmoid" else Z
        yhat = t["w2"] @ A + t["b2"]
        loss = ((yhat - y) ** 2).mean()
        values = {"Z": Z, "A": A, "ŷ": yhat, "X": X, "y": y}
        adjoints, scale = {"δ": yhat, "dZ": Z}, 1
    for v in adjoints.values():
        v.retain_grad()
    loss.backward()
    out = {k: v.detach() for k, v in values.items()} | {k: v.detach() for k, v in t.items()}
    out |= {k: v.grad * scale for k, v in adjoints.items()}  # type: ignore[operator]
    out |= {"d" + k: v.grad for k, v in t.items()}  # type: ignore[misc]
    return out


def test_exactly_the_planted_lines_are_wrong_by_pytorch() -> None:
    counts, mistakes = set(), set()
    for seed in range(300):
        (e,) = ex.generate("find-the-mistakes", seed, 1).exercises
        name = re.search(r"backward pass of the (\S+) network", e.question).group(1)  # type: ignore[union-attr]
        shown = LINE.findall(e.question)
        wrong, every = e.expected
        assert [n for _, n, _ in shown] == list(every)
        assert 2 <= len(wrong) <= 4 and set(wrong) <= set(every)
        counts.add(len(wrong))
        for p in make_problems(name, 1):  # other problems than the exercise's own
            values = _torch_values(name, p)
            env = {k: v.numpy() for k, v in values.items()}
            for _, line, text in shown:
                try:
                    got = np.asarray(evaluate(parse(text), env, p.m))
                    right = got.shape == env[line].shape and np.allclose(
                        got, env[line], 1e-8, 1e-10
                    )
                except ValueError:
                    right = False
                assert right == (line not in wrong), (seed, line, text)
        for line in wrong:
            said = re.search(rf"`{re.escape(line)} = .*?`: (.+?)\.", e.solution)
            assert said is not None, (line, e.solution)
            mistakes.add(said.group(1))
    assert counts == {2, 3, 4}
    assert {"a wrong sign", "a missing 1/m", "a dropped transpose"} <= mistakes, mistakes
    assert "a weight's gradient where the weight belongs (dW2 for W2ᵀ)" in mistakes


def test_found_missed_and_wrongly_flagged_lines() -> None:
    sheet = ex.generate("find-the-mistakes", 5, 20).exercises
    e = next(x for x in sheet if len(x.expected[0]) >= 3)
    wrong, every = e.expected
    right_lines = [x for x in every if x not in wrong]
    assert e.check(", ".join(wrong)).ok
    assert e.check(", ".join(str(every.index(x) + 1) for x in wrong)).ok  # by number
    assert e.check(" ".join(reversed(wrong))).ok
    verdict = e.check(f"{wrong[0]}, {right_lines[0]}")
    assert not verdict.ok and verdict.kind == "missed_and_flagged"
    assert f"found 1 of {len(wrong)}: {wrong[0]}" in verdict.message
    assert "missed: " + ", ".join(wrong[1:]) in verdict.message
    assert f"wrongly flagged (these lines are right): {right_lines[0]}" in verdict.message
    assert e.check(", ".join(wrong[:-1])).kind == "missed"
    assert e.check(", ".join([*wrong, right_lines[-1]])).kind == "flagged"
    assert e.check("line seven").kind == "error" and e.check("").kind == "error"
    assert e.check("99").kind == "error"


def test_seed_003s_network_gets_its_dw2_mistake() -> None:
    planted = 0
    for seed in range(300):
        (e,) = ex.generate("find-the-mistakes", seed, 1).exercises
        if "two-layer-classifier" in e.question:
            planted += any("dW2ᵀ" in text for _, _, text in LINE.findall(e.question))
    assert planted > 0


def test_a_choice_is_read_as_a_learner_types_it() -> None:
    e = next(
        x for x in ex.generate("gradient-checking", 0, 20).exercises if x.answer_kind == "choice"
    )
    right = e.answer
    for typed in (right, f"d{right}", f"∂L/∂{right}", f"  {right} "):
        assert e.check(typed).ok, typed
    other = next(o for o in e.expected[1] if o != right)
    verdict = e.check(other)
    assert not verdict.ok and right in verdict.message
    verdict = e.check("W7")
    assert not verdict.ok and verdict.kind == "error" and "give one of" in verdict.message


def _vector(text: str, name: str) -> np.ndarray:
    match = re.search(rf"{name} = \[([^\]]*)\]", text)
    assert match is not None
    return np.array([float(v) for v in match.group(1).split(",")])


def test_relative_differences_agree_with_the_formula_by_hand() -> None:
    checked = 0
    for seed in range(300):
        (e,) = ex.generate("gradient-checking", seed, 1).exercises
        if e.answer_kind != "number":
            continue
        g, n = _vector(e.question, "grad"), _vector(e.question, "gradapprox")
        by_hand = np.sqrt(np.sum((g - n) ** 2)) / (np.sqrt(np.sum(g**2)) + np.sqrt(np.sum(n**2)))
        assert float(e.expected) == pytest.approx(by_hand, rel=1e-12)
        assert ("has a bug" in e.solution) == (by_hand > 1e-5)
        checked += 1
    assert checked > 100


def test_central_differences_and_the_planted_bug_agree_with_pytorch() -> None:
    from chainrule.exercises import topics_checking as tc

    for seed in range(50):
        rng = np.random.default_rng(seed)
        net, X, y = tc._problem(rng)
        numeric = numeric_gradients(net, X, y, tc.EPS)
        p = {k: torch.tensor(v, requires_grad=True) for k, v in net.params.items()}
        a1 = torch.sigmoid(p["W1"] @ torch.tensor(X) + p["b1"])
        z2 = p["W2"] @ a1 + p["b2"]
        loss = torch.nn.functional.binary_cross_entropy_with_logits(z2, torch.tensor(y))
        loss.backward()
        for k, v in p.items():
            assert v.grad is not None
            np.testing.assert_allclose(numeric[k], v.grad.numpy(), rtol=1e-6, atol=1e-9)


def test_the_planted_bug_is_the_only_large_relative_difference() -> None:
    for seed in range(300):
        (e,) = ex.generate("gradient-checking", seed, 1).exercises
        if e.answer_kind != "choice":
            continue
        rows = re.findall(r"^    (\w+): .*relative difference (\S+)$", e.question, re.MULTILINE)
        large = [p for p, r in rows if float(r) > 1e-5]
        assert large == [e.answer], (seed, rows)
