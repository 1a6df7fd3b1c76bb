"""check_backward: learners' backward passes, right and with planted bugs, in every worked network.

The learners here are written by hand as a student would write them, and the
right ones are first proved equal to PyTorch's gradients, so the checker is
tested against an independent reference.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch

import chainrule.exercises as ex
from chainrule.exercises.problems import make_problems
from chainrule.models import MLP, TwoLayerSigmoid

Learner = Callable[[dict[str, np.ndarray], np.ndarray, np.ndarray], dict[str, Any]]


def sig(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


ACTS = {
    # name: (f, f′ as the learner writes it from Z and A, f′ taken at A by mistake)
    "identity": (lambda z: z, lambda z, a: np.ones_like(a), None),
    "sigmoid": (sig, lambda z, a: a * (1 - a), lambda z, a: sig(a) * (1 - sig(a))),
    "tanh": (np.tanh, lambda z, a: 1 - a**2, lambda z, a: 1 - np.tanh(a) ** 2),
}


def two_layer(act: str, loss: str, w2: str, bug: str | None = None) -> Learner:
    """Seed 000's two-layer networks, seed 003's classifier and a one-hidden-layer MLP."""
    f, fprime, at_a = ACTS[act]

    def backward(params: dict[str, np.ndarray], X: np.ndarray, y: np.ndarray) -> dict[str, Any]:
        m = X.shape[1]
        W1, b1, W2, b2 = params["W1"], params["b1"], params[w2], params["b2"]
        Z = W1 @ X + b1
        A = f(Z)
        out = W2 @ A + b2
        dout = 2 / m * (out - y) if loss == "mse" else (sig(out) - y) / m
        if bug == "scale":
            dout = dout / 2
        if bug == "sign":
            dout = -dout
        dW2 = dout @ A.T
        db2 = np.sum(dout, axis=1, keepdims=True)
        W2_used = dW2 if bug == "gradient_for_weight" else W2
        deriv = at_a(Z, A) if bug == "activation_derivative" else fprime(Z, A)
        dZ = (W2_used.T @ dout) * deriv
        dW1 = dZ @ X.T
        db1 = np.sum(dZ, axis=1, keepdims=True)
        if bug == "bias_not_summed":
            db1 = dZ
        if bug == "transpose":
            dW1 = X @ dZ.T
        if bug == "missing_1_over_m":
            dW1 = m * dW1
        if bug == "extra_1_over_m":
            dW1 = dW1 / m
        if bug == "wrong_shape":
            db1 = np.sum(dZ, axis=1)
        if bug == "error":
            dW1 = dZ @ X  # (k, m) @ (n, m)
        return {"W1": dW1, "b1": db1, w2: dW2, "b2": db2}

    return backward


def one_layer(kind: str, bug: str | None = None) -> Learner:
    """Univariate and multivariate regression (MSE) and logistic regression."""

    def backward(params: dict[str, np.ndarray], X: np.ndarray, y: np.ndarray) -> dict[str, Any]:
        m = X.shape[1]
        w, b = params["w"], params["b"]
        if kind == "univariate":
            d = 2 / m * (w * X + b - y)
        elif kind == "multivariate":
            d = 2 / m * (w @ X + b - y)
        else:
            d = (sig(w @ X + b) - y) / m
        if bug == "scale":
            d = d / 2
        if bug == "sign":
            d = -d
        dw = d @ X.T
        db = np.sum(d, axis=1, keepdims=True)
        if bug == "missing_1_over_m":
            dw = m * dw
        if bug == "extra_1_over_m":
            dw = dw / m
        if bug == "bias_not_summed":
            db = d
        if bug == "transpose":
            dw = X @ d.T
        if bug == "wrong_shape":
            db = float(np.sum(d)) * np.ones(3)
        if bug == "swapped":
            dw, db = db, dw
        if bug == "error":
            raise ValueError("not written yet")
        return {"w": dw, "b": db}

    return backward


def delta_rule(bug: str | None = None) -> Learner:
    """Seed 001's 3-2-1 network, E the mean of ½ (y − ŷ)², weights in × out."""

    def backward(params: dict[str, np.ndarray], X: np.ndarray, y: np.ndarray) -> dict[str, Any]:
        m = X.shape[1]
        W01, W12 = params["W01"], params["W12"]
        v1 = sig(W01.T @ X)
        yhat = sig(W12.T @ v1)
        d2 = (y - yhat) * yhat * (1 - yhat)
        if bug == "activation_derivative":
            d2 = (y - yhat) * sig(yhat) * (1 - sig(yhat))
        d1 = (W12 @ d2) * v1 * (1 - v1)
        g01 = -(X @ d1.T) / m
        g12 = -(v1 @ d2.T) / m
        if bug == "sign":  # the delta rule's update direction returned as the gradient
            g01, g12 = -g01, -g12
        if bug == "missing_1_over_m":
            g01 = g01 * m
        if bug == "transpose":
            g01 = g01.T
        if bug == "error":
            g01 = X @ d1
        return {"W01": g01, "W12": g12}

    return backward


# name: (learner builder, the bugs it can plant, parameter names)
NETWORKS: dict[str, tuple[Callable[..., Learner], dict[str, tuple[str, ...]]]] = {}
ALL = ("W1", "b1", "W2", "b2")


def _two_layer_bugs(w2: str, sigmoid_like: bool) -> dict[str, tuple[str, ...]]:
    names = ("W1", "b1", w2, "b2")
    bugs = {
        "scale": names,
        "sign": names,
        "missing_1_over_m": ("W1",),
        "extra_1_over_m": ("W1",),
        "transpose": ("W1",),
        "bias_not_summed": ("b1",),
        "wrong_shape": ("b1",),
        "gradient_for_weight": ("W1", "b1"),
        "error": names,
    }
    if sigmoid_like:
        bugs["activation_derivative"] = ("W1", "b1")
    return bugs


ONE_LAYER_BUGS = {
    "scale": ("w", "b"),
    "sign": ("w", "b"),
    "missing_1_over_m": ("w",),
    "extra_1_over_m": ("w",),
    "bias_not_summed": ("b",),
    "wrong_shape": ("b",),
    "error": ("w", "b"),
}

CASES: dict[str, tuple[Callable[[str | None], Learner], dict[str, tuple[str, ...]]]] = {
    "univariate": (
        lambda bug: one_layer("univariate", bug),
        ONE_LAYER_BUGS | {"swapped": ("w", "b")},
    ),
    "multivariate": (  # w (1, n) and b (1, 1): swapped gradients change shapes too
        lambda bug: one_layer("multivariate", bug),
        ONE_LAYER_BUGS | {"transpose": ("w",), "swapped": ("w", "b")},
    ),
    "logistic": (
        lambda bug: one_layer("logistic", bug),
        ONE_LAYER_BUGS | {"transpose": ("w",), "swapped": ("w", "b")},
    ),
    "two-layer-linear": (
        lambda bug: two_layer("identity", "mse", "w2", bug),
        _two_layer_bugs("w2", False),
    ),
    "two-layer-sigmoid": (
        lambda bug: two_layer("sigmoid", "mse", "w2", bug),
        _two_layer_bugs("w2", True),
    ),
    "two-layer-classifier": (
        lambda bug: two_layer("sigmoid", "bce", "W2", bug),
        _two_layer_bugs("W2", True),
    ),
    "mlp": (lambda bug: two_layer("tanh", "mse", "W2", bug), _two_layer_bugs("W2", True)),
    "delta-rule": (
        delta_rule,
        {
            "sign": ("W01", "W12"),
            "missing_1_over_m": ("W01",),
            "transpose": ("W01",),
            "activation_derivative": ("W01", "W12"),
            "error": ("W01", "W12"),
        },
    ),
}


def _torch_gradients(name: str, params: dict[str, np.ndarray], X: np.ndarray, y: np.ndarray):
    """The loss of each network written in PyTorch, and its gradients."""
    t = {k: torch.tensor(v, requires_grad=True) for k, v in params.items()}
    Xt, yt = torch.tensor(X), torch.tensor(y)
    bce = torch.nn.functional.binary_cross_entropy_with_logits
    if name == "univariate":
        loss = ((t["w"] * Xt + t["b"] - yt) ** 2).mean()
    elif name == "multivariate":
        loss = ((t["w"] @ Xt + t["b"] - yt) ** 2).mean()
    elif name == "logistic":
        loss = bce(t["w"] @ Xt + t["b"], yt)
    elif name == "delta-rule":
        yhat = torch.sigmoid(t["W12"].T @ torch.sigmoid(t["W01"].T @ Xt))
        loss = 0.5 * ((yt - yhat) ** 2).mean()
    else:
        act = {"two-layer-linear": lambda z: z, "mlp": torch.tanh}.get(name, torch.sigmoid)
        w2 = "w2" if "w2" in t else "W2"
        out = t[w2] @ act(t["W1"] @ Xt + t["b1"]) + t["b2"]
        loss = bce(out, yt) if name == "two-layer-classifier" else ((out - yt) ** 2).mean()
    loss.backward()
    return {k: v.grad.numpy() for k, v in t.items()}


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_right_learners_equal_pytorch_and_pass(name: str) -> None:
    build, _ = CASES[name]
    for p in make_problems(name, seed=3):
        want = _torch_gradients(name, p.params, p.X, p.y)
        got = build(None)(p.params, p.X, p.y)
        for k in want:
            np.testing.assert_allclose(got[k], want[k], rtol=1e-10, atol=1e-12)
    report = ex.check_backward(name, build(None))
    assert report.ok and bool(report), str(report)
    assert all(f.kind == "ok" and f.relative_error < 1e-12 for f in report.findings)


PLANTED = [(name, bug) for name in sorted(CASES) for bug in CASES[name][1]]


@pytest.mark.parametrize(("name", "bug"), PLANTED)
def test_each_planted_bug_is_named_on_its_parameters(name: str, bug: str) -> None:
    build, bugs = CASES[name]
    report = ex.check_backward(name, build(bug), seed=1)
    wrong = bugs[bug]
    assert not report.ok
    for f in report.findings:
        if f.param in wrong:
            assert f.kind == bug, f"{f.param}: {f.kind}\n{report}"
            assert f.message
        else:
            assert f.kind == "ok", f"{f.param}: {f.kind}\n{report}"


def test_every_kind_of_the_vocabulary_but_missing_and_unknown_is_planted() -> None:
    planted = {bug for _, bug in PLANTED}
    assert set(ex.KINDS) - planted == {"ok", "missing", "unknown"}


def test_the_factor_is_named_and_the_message_carries_the_right_equation() -> None:
    report = ex.check_backward("two-layer-sigmoid", two_layer("sigmoid", "mse", "w2", "scale"))
    f = report["w2"]
    assert f.factor == pytest.approx(0.5)
    assert "a factor 2 is missing" in f.message
    assert "∂L/∂w2 = δ Aᵀ" in f.message and "δ = (2/m) (ŷ − y)" in f.message
    activation = ex.check_backward(
        "two-layer-sigmoid", two_layer("sigmoid", "mse", "w2", "activation_derivative")
    )
    assert "σ′ is taken at A" in activation["W1"].message
    assert "dZ = (w2ᵀ δ) ⊙ A ⊙ (1 − A)" in activation["W1"].message


def seed003(params: dict[str, np.ndarray], X: np.ndarray, Y: np.ndarray) -> dict[str, Any]:
    """Seed 003's derivation as code, its mistakes kept."""
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    A1 = sig(W1 @ X + b1)
    A2 = sig(W2 @ A1 + b2)
    dZ2 = A2 - Y
    dW2 = dZ2 @ A1.T
    db2 = dZ2
    dZ1 = (dW2.T @ dZ2) * A1 * (1 - A1)
    dW1 = dZ1 @ X.T
    db1 = np.sum(dZ1, axis=1, keepdims=True)
    return {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}


def test_seed_003s_own_mistakes_are_named_with_their_lines() -> None:
    report = ex.check_backward("two-layer-classifier", seed003)
    assert report["W2"].kind == "missing_1_over_m"
    assert report["b2"].kind == "bias_not_summed" and "missing_1_over_m" in report["b2"].also
    assert report["W1"].kind == "gradient_for_weight"
    assert report["b1"].kind == "gradient_for_weight"
    source, first = inspect.getsourcelines(seed003)
    for param, text in (("W2", "dW2 = dZ2 @ A1.T"), ("b2", "db2 = dZ2"), ("W1", "dW1 =")):
        line = first + next(i for i, s in enumerate(source) if s.strip().startswith(text))
        assert report[param].line == line and report[param].source.startswith(text)


def test_a_loss_without_its_minus_sign_gives_the_sign_on_every_gradient() -> None:
    def backward(params: dict[str, np.ndarray], X: np.ndarray, Y: np.ndarray) -> dict[str, Any]:
        grads = two_layer("sigmoid", "bce", "W2")(params, X, Y)
        return {k: -v for k, v in grads.items()}

    report = ex.check_backward("two-layer-classifier", backward)
    assert [f.kind for f in report.findings] == ["sign"] * 4


def test_an_error_shows_the_exception_line_and_the_shapes() -> None:
    report = ex.check_backward("two-layer-sigmoid", two_layer("sigmoid", "mse", "w2", "error"))
    f = report["W1"]
    assert f.kind == "error" and "ValueError" in f.message and "matmul" in f.message
    assert "X (3, 7)" in f.message and "W1 (4, 3)" in f.message
    assert f.source == "dW1 = dZ @ X  # (k, m) @ (n, m)"


def test_returns_that_are_no_dict_missing_keys_and_extra_keys() -> None:
    report = ex.check_backward("logistic", lambda p, X, y: [1, 2])
    assert {f.kind for f in report.findings} == {"error"} and "list" in report["w"].message
    right = one_layer("logistic")
    report = ex.check_backward("logistic", lambda p, X, y: {"w": right(p, X, y)["w"], "c": 1})
    assert report["w"].ok and report["b"].kind == "missing"
    assert "c" in report.notes[0]
    zero = ex.check_backward("logistic", lambda p, X, y: {k: 0 * v for k, v in p.items()})
    assert {f.kind for f in zero.findings} == {"unknown"}
    assert "zero everywhere" in zero["w"].message


def test_a_model_instance_keeps_its_structure() -> None:
    net = MLP([2, 3, 1], activation="sigmoid", output="sigmoid")
    assert ex.check_backward(net, two_layer("sigmoid", "bce", "W2")).ok
    bad = ex.check_backward(net, two_layer("sigmoid", "bce", "W2", "activation_derivative"))
    assert bad["W1"].kind == "activation_derivative" and bad["W2"].ok
    assert ex.check_backward(TwoLayerSigmoid(2, 3), two_layer("sigmoid", "mse", "w2")).ok


def test_the_learner_is_given_copies() -> None:
    right = one_layer("multivariate")

    def spoils(params: dict[str, np.ndarray], X: np.ndarray, y: np.ndarray) -> dict[str, Any]:
        grads = right(params, X, y)
        params["w"][...] = 0.0
        X[...] = 0.0
        return grads

    assert ex.check_backward("multivariate", spoils).ok


def test_the_same_seed_gives_the_same_problems() -> None:
    a, b = make_problems("two-layer-sigmoid", 5), make_problems("two-layer-sigmoid", 5)
    for p, q in zip(a, b, strict=True):
        assert np.array_equal(p.X, q.X) and np.array_equal(p.params["W1"], q.params["W1"])
    ms = [p.m for p in a]
    assert len(set(ms)) == len(ms)
    for p in a:
        k, n = p.params["W1"].shape
        assert len({k, n, p.m}) == 3


def test_refusals_name_the_value() -> None:
    with pytest.raises(TypeError, match="backward must be a function"):
        ex.check_backward("logistic", 3)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="unknown model 'nope'"):
        ex.check_backward("nope", one_layer("logistic"))
    with pytest.raises(TypeError, match="registry name"):
        ex.check_backward(3, one_layer("logistic"))  # type: ignore[arg-type]


def test_str_and_html() -> None:
    report = ex.check_backward("two-layer-classifier", seed003)
    text = str(report)
    assert text.startswith("two-layer-classifier: 4 of 4 gradients are wrong")
    assert "✗ W2: missing_1_over_m" in text and "m=11" in text
    page = report._repr_html_()
    assert "<table>" in page and "missing_1_over_m" in page and "&lt;" not in text
    good = ex.check_backward("two-layer-classifier", two_layer("sigmoid", "bce", "W2"))
    assert str(good).startswith("two-layer-classifier: all 4 gradients are right")
    assert report.as_dict()["findings"][2]["kind"] == "missing_1_over_m"


def test_the_line_named_is_the_assignment_that_ran() -> None:
    def backward(params: dict[str, np.ndarray], X: np.ndarray, y: np.ndarray) -> dict[str, Any]:
        grads = one_layer("multivariate")(params, X, y)
        dw = grads["w"]
        if X.shape[0] > 100:
            dw = grads["w"] * 0.0
        out = {}
        out["w"] = dw * 2
        out["b"] = grads["b"]
        return out

    report = ex.check_backward("multivariate", backward)
    first = inspect.getsourcelines(backward)[1]
    assert report["w"].kind == "scale" and report["w"].factor == pytest.approx(2.0)
    assert report["w"].line == first + 6 and report["w"].source == 'out["w"] = dw * 2'
    assert report["b"].ok and report["b"].line == first + 7


@pytest.mark.parametrize(("summed", "words"), [((0,), "wrong axis"), ((0, 1), "every axis")])
def test_a_bias_summed_over_the_wrong_axes(summed: tuple[int, ...], words: str) -> None:
    right = two_layer("sigmoid", "mse", "w2")

    def backward(params: dict[str, np.ndarray], X: np.ndarray, y: np.ndarray) -> dict[str, Any]:
        grads = right(params, X, y)
        A = sig(params["W1"] @ X + params["b1"])
        dZ = (
            (params["w2"].T @ (2 / X.shape[1] * (params["w2"] @ A + params["b2"] - y)))
            * A
            * (1 - A)
        )
        grads["b1"] = np.sum(dZ, axis=summed, keepdims=True)
        return grads

    report = ex.check_backward("two-layer-sigmoid", backward)
    assert report["b1"].kind == "bias_not_summed" and words in report["b1"].message
    assert [f.param for f in report.wrong] == ["b1"]
