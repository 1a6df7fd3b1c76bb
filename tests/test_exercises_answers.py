"""Typed equations: the safe parser, and answers checked by evaluation and diagnosed."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from chainrule.exercises.answers import check_equation
from chainrule.exercises.parse import ParseError, evaluate, parse
from chainrule.exercises.problems import make_problems
from chainrule.models import MLP, registry
from chainrule.symbolic import derive
from chainrule.symbolic.render import text_expr

MODELS = [
    *registry.REGISTRY,
    MLP([2, 3, 4, 1], activation="relu"),
    MLP([2, 3, 3], output="softmax"),
    MLP([2, 3, 1], activation="sigmoid", output="sigmoid", alpha=0.1),
]


@pytest.mark.parametrize("model", MODELS, ids=str)
def test_every_derived_equation_typed_back_is_right(model: object) -> None:
    d = derive(make_problems(model)[0].model)  # type: ignore[arg-type]
    for param in d.cached:
        for form in (d.cached, d.closed):
            finding = check_equation(text_expr(form[param]), model, param)  # type: ignore[arg-type]
            assert finding.ok, (param, text_expr(form[param]), finding.message)


# (answer for ∂L/∂w of multivariate regression, the kind it gets)
MULTIVARIATE = [
    ("(2/m) * (yhat - y) @ X.T", "ok"),
    ("∂L/∂w = (2/m) (ŷ − y) Xᵀ", "ok"),
    ("2 / m * (y_hat - y) @ X.T", "ok"),
    ("δ Xᵀ", "ok"),
    ("delta @ X.T", "ok"),
    ("(1/m) * (yhat - y) @ X.T", "scale"),
    ("2 * (yhat - y) @ X.T", "missing_1_over_m"),
    ("(2/m^2) * (yhat - y) @ X.T", "extra_1_over_m"),
    ("(2/m) (y − ŷ) Xᵀ", "sign"),
    ("-(2/m) (ŷ − y) Xᵀ", "sign"),
    ("(2/m) X @ (yhat - y).T", "transpose"),
    ("(2/m) * (yhat - y) * X", "wrong_shape"),
    ("q @ X", "error"),
    ("(yhat - y) @ X", "error"),
]


@pytest.mark.parametrize(("answer", "kind"), MULTIVARIATE)
def test_typed_answers_get_check_backwards_diagnosis(answer: str, kind: str) -> None:
    finding = check_equation(answer, "multivariate", "w")
    assert finding.kind == kind, finding.message
    if kind == "error":
        assert "unknown name 'q'" in finding.message or "(1, 7) by (3, 7)" in finding.message


def test_a_classifier_answer_with_the_derivative_at_the_wrong_place() -> None:
    wrong = "(W2.T @ dZ2) * sigma(A1) * (1 - sigma(A1)) @ X.T / m"
    assert check_equation(wrong, "two-layer-classifier", "W1").kind == "activation_derivative"
    assert check_equation("sum(dZ1) / m", "two-layer-classifier", "b1").ok
    assert check_equation("dZ1 / m", "two-layer-classifier", "b1").kind == "bias_not_summed"
    with pytest.raises(ValueError, match="no parameter 'W3'"):
        check_equation("dZ1", "two-layer-classifier", "W3")


BAD = [
    ("", "empty"),
    ("   ", "empty"),
    ("__import__('os').system('true')", "unexpected"),
    ("x.__class__", "unexpected '.'"),
    ("lambda: 1", "unexpected ':'"),
    ("f(x)", "f is not a function"),
    ("a $ b", "unexpected '$' at position 3"),
    ("(a + b", "expected ')'"),
    ("a +", "ends too early"),
    ("a ^ b", "a number after ^"),
    ("1[Z]", "> or <"),
    ("1[Z > 0", "']'"),
    ("a )", "unexpected ')'"),
    ("(" * 100 + "a" + ")" * 100, "nests deeper"),
    ("a" * 3000, "at most 2000"),
]


@pytest.mark.parametrize(("text", "fragment"), BAD)
def test_the_parser_refuses_what_is_outside_its_grammar(text: str, fragment: str) -> None:
    with pytest.raises(ParseError, match=None) as caught:
        parse(text)
    assert fragment in str(caught.value)


def test_evaluation_against_numpy_by_hand() -> None:
    rng = np.random.default_rng(0)
    W, X, b = rng.standard_normal((4, 3)), rng.standard_normal((3, 7)), rng.standard_normal((4, 1))
    env = {"W": W, "X": X, "b": b}
    got = evaluate(parse("σ(W X + b) ⊙ (1 − σ(W X + b))ᵀᵀ"), env, 7)
    s = 1 / (1 + np.exp(-(W @ X + b)))
    np.testing.assert_allclose(got, s * (1 - s), rtol=1e-14)
    np.testing.assert_allclose(evaluate(parse("W² - W ⊙ W"), env, 7), np.zeros((4, 3)))
    np.testing.assert_allclose(
        evaluate(parse("sum(X) - X 1⃗"), env, 7), np.zeros((3, 1)), atol=1e-12
    )
    np.testing.assert_allclose(evaluate(parse("1[W > 0] ⊙ W"), env, 7), np.maximum(W, 0))
    assert evaluate(parse("-2^2"), {}, 1) == -4.0
    assert evaluate(parse("2 m / 4"), {}, 6) == 3.0
    with pytest.raises(ValueError, match=r"matrix product: \(3, 7\) by \(4, 3\)"):
        evaluate(parse("X W"), env, 7)
    with pytest.raises(ValueError, match=r"shapes \(4, 3\) and \(3, 7\) do not fit"):
        evaluate(parse("W + X"), env, 7)


@given(st.text(max_size=40))
def test_any_text_parses_or_is_refused_with_a_parse_error(text: str) -> None:
    try:
        tree = parse(text)
    except ParseError as e:
        assert str(e)
    else:
        assert tree is not None
