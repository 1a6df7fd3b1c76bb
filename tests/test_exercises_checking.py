"""The topics on checking gradients: the planted mistakes are wrong and the rest right, by the
engine; the gradient-checking numbers agree with PyTorch and with the formula by hand."""

from __future__ import annotations

import re

import numpy as np
import pytest
import torch

import chainrule.exercises as ex


def test_exactly_the_planted_gradient_is_wrong_by_the_engine() -> None:
    kinds = set()
    for seed in range(300):
        (e,) = ex.generate("find-the-mistakes", seed, 1).exercises
        name = re.search(r"backward pass of the (\S+) network", e.question).group(1)  # type: ignore[union-attr]
        lines = re.findall(r"^    ∂L/∂(\w+) = (.+)$", e.question, flags=re.MULTILINE)
        assert [p for p, _ in lines] == list(e.expected[1])
        for param, text in lines:
            finding = ex.check_equation(text, name, param)
            assert finding.ok == (param != e.answer), (seed, param, text, finding)
            if param == e.answer:
                kinds.add(finding.kind)
                assert finding.message in e.solution
    # the checker names each planted mistake
    assert {"sign", "missing_1_over_m", "scale", "bias_not_summed"} <= kinds, kinds


def test_a_choice_is_read_as_a_learner_types_it() -> None:
    (e,) = ex.generate("find-the-mistakes", 0, 1).exercises
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
        numeric = tc._central_differences(net, X, y)
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
