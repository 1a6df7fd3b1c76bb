"""The table of node kinds: every primitive runs on symbols, every row writes and evaluates."""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import chainrule as cr
from chainrule import RULES, apply
from chainrule.autodiff import vocabulary as V  # noqa: N812
from chainrule.symbolic import SymbolicError, derive
from chainrule.symbolic.evaluate import evaluate
from chainrule.symbolic.expr import Expr, Sym
from chainrule.symbolic.kinds import KINDS, NO_SYMBOLIC_FORM, method
from chainrule.symbolic.render import code_expr, latex, latex_expr, numpy_code, text, text_expr
from test_rules import CASES


def _code_namespace() -> dict[str, Any]:
    ns: dict[str, Any] = {"np": np}
    for kind in KINDS.values():
        if kind.helper:
            exec(kind.helper, ns)
    return ns


CODE = _code_namespace()


def _matrices(inputs: list[np.ndarray], out: Any) -> bool:
    """The symbolic layer writes scalars, vectors and matrices."""
    return all(np.ndim(a) <= 2 for a in inputs) and np.ndim(out) <= 2


def _symbolic_cases(name: str) -> list[tuple[list[np.ndarray], dict[str, Any]]]:
    op = RULES[name]
    return [
        (inputs, params)
        for inputs, params in CASES[name]
        if _matrices(inputs, op.forward(*inputs, **params))
    ]


def _check(expr: Any, want: Any, env: dict[str, Any], what: str) -> None:
    """``expr`` evaluates, and its generated NumPy code runs, to ``want``."""
    assert isinstance(expr, Expr), what
    got = np.broadcast_to(evaluate(expr, env, {}), np.shape(want))
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14, err_msg=what)
    code = code_expr(expr)
    ran = np.broadcast_to(eval(code, dict(CODE), dict(env)), np.shape(want))
    np.testing.assert_allclose(ran, want, rtol=1e-12, atol=1e-14, err_msg=f"{what}: {code}")
    assert text_expr(expr) and latex_expr(expr)


def test_every_primitive_has_a_symbolic_case_or_says_why() -> None:
    for name in RULES:
        if name not in NO_SYMBOLIC_FORM:
            assert _symbolic_cases(name), (
                f"{name}: no case of at most two axes in tests/test_rules.py CASES, "
                "or say in symbolic.kinds.NO_SYMBOLIC_FORM why it has no symbolic form"
            )


@pytest.mark.parametrize("name", sorted(RULES))
def test_primitive_forward_and_vjps_run_on_symbols(name: str) -> None:
    """The primitive's own forward and VJPs, run on symbols, evaluate to the engine's numbers."""
    op = RULES[name]
    if name in NO_SYMBOLIC_FORM:
        inputs, params = CASES[name][0]
        shapes = {f"x{i}": np.shape(a) for i, a in enumerate(inputs)}
        with pytest.raises(SymbolicError, match=repr(name)):
            derive(lambda *xs: apply(op, *xs, **params).sum(), shapes=shapes)
        return
    rng = np.random.default_rng(5)
    for inputs, params in _symbolic_cases(name):
        syms = [Sym(f"x{i}", np.shape(a)) for i, a in enumerate(inputs)]
        env: dict[str, Any] = {f"x{i}": a for i, a in enumerate(inputs)}
        ans = op.forward(*inputs, **params)
        out = op.forward(*syms, **params)
        _check(out, ans, env, f"{name} {params} forward")
        g = rng.standard_normal(np.shape(ans))
        env["G"] = g
        for i, vjp in enumerate(op.vjps):
            want = vjp(g, ans, *inputs, **params)
            got = vjp(Sym("G", np.shape(ans)), out, *syms, **params)
            _check(got, want, env, f"{name} {params} VJP {i}")


def test_every_vocabulary_function_has_a_row() -> None:
    # the stable forms' shift: symbols need none; sum_of_squares is composed on symbols
    numeric_only = {
        "max_shift",
        "sum_of_squares",
        "log_softmax_and_softmax",
        "softmax_cross_entropy_and_softmax",
    }
    for name, fn in inspect.getmembers(V, inspect.isfunction):
        if name.startswith("_") or fn.__module__ != V.__name__ or name in numeric_only:
            continue
        assert method(name) is not None or name in NO_SYMBOLIC_FORM, (
            f"vocabulary.{name} has no row in chainrule.symbolic.kinds"
        )


def _values(rng: np.random.Generator, *shape: int) -> np.ndarray:
    return rng.uniform(0.2, 0.9, shape) * rng.choice([-1.0, 1.0], shape)


# vocabulary function -> (number of array arguments, parameters, positive inputs only)
ROWS: dict[str, tuple[int, dict[str, Any], bool]] = {
    "maximum": (2, {}, False),
    "minimum": (2, {}, False),
    "greater": (2, {}, False),
    "greater_equal": (2, {}, False),
    "equal": (2, {}, False),
    "clip": (1, {"lo": -0.5, "hi": 0.5}, False),
    "where": (3, {}, False),
    "amax": (1, {"axis": (0,), "keepdims": True}, False),
    "amin": (1, {"axis": (1,), "keepdims": False}, False),
    "softmax": (1, {"axis": 0}, False),
    "log_softmax": (1, {"axis": 1}, False),
    "broadcast_to": (1, {"shape": (3, 4)}, False),
    "log": (1, {}, True),
    "sqrt": (1, {}, True),
}


@pytest.mark.parametrize("name", sorted({k.method for k in KINDS.values() if k.method}))
def test_every_row_evaluates_and_runs_as_code_like_the_vocabulary(name: str) -> None:
    rng = np.random.default_rng(7)
    arity, params, positive = ROWS.get(name, (1, {}, False))
    shapes = [(3, 1) if name == "broadcast_to" else (3, 4)] * arity
    arrays = [np.abs(a) if positive else a for a in (_values(rng, *s) for s in shapes)]
    syms = [Sym(f"x{i}", s) for i, s in enumerate(shapes)]
    fn = getattr(V, name)
    env = {f"x{i}": a for i, a in enumerate(arrays)}
    _check(fn(*syms, **params), fn(*arrays, **params), env, name)
    if arity > 1:  # the vocabulary's dispatch: a symbol in any position, numbers elsewhere
        mixed = [0.5, *syms[1:]]
        want = fn(*[0.5, *arrays[1:]], **params)
        _check(fn(*mixed, **params), want, env, f"{name} with a number first")


def test_rows_write_the_new_functions_as_people_do() -> None:
    x, y = Sym("x", ("n", "m")), Sym("y", ("n", "m"))
    written = [
        (V.abs(x), "|x|", r"\left|x\right|"),
        (V.sqrt(x + y), "√(x + y)", r"\sqrt{x + y}"),
        (V.sin(x), "sin(x)", r"\sin\left(x\right)"),
        (V.cos(x), "cos(x)", r"\cos\left(x\right)"),
        (V.tan(x), "tan(x)", r"\tan\left(x\right)"),
        (V.log1p(x), "log(1 + x)", r"\log\left(1 + x\right)"),
        (V.expm1(x) * y, "(exp(x) − 1) ⊙ y", r"\left(\exp\left(x\right) - 1\right) \odot y"),
        (V.sign(x), "sign(x)", r"\operatorname{sign}\left(x\right)"),
        (V.step(x), "1[x > 0]", r"\mathbb{1}\left[x > 0\right]"),
        (V.greater(x, y), "1[x > y]", r"\mathbb{1}\left[x > y\right]"),
        (V.maximum(x, y), "max(x, y)", r"\max\left(x, y\right)"),
        (V.where(V.step(x), x, 0.01 * x), "where(1[x > 0], x, 0.01 x)", None),
        (V.erf(x), "erf(x)", r"\operatorname{erf}\left(x\right)"),
        (V.relu(x), "relu(x)", r"\operatorname{relu}\left(x\right)"),
        (V.amax(x, axis=(0,), keepdims=True), "max_0(x)", None),
    ]
    for e, want_text, want_latex in written:
        assert text_expr(e) == want_text
        if want_latex is not None:
            assert latex_expr(e) == want_latex


def test_scalar_derivative_is_written_as_the_notes_write_it() -> None:
    d = derive(lambda x: (x**2).exp(), shapes={"x": ()})
    assert "∂L/∂x = 2x exp(x²)" in text(d)
    assert r"= 2x \exp\left(x^{2}\right)" in latex(d)
    d = derive(lambda x: (x**2).tanh(), shapes={"x": ()})
    assert "∂L/∂x = 2x (1 − tanh(x²)²)" in text(d)
    for value in (0.3, -1.7, 2.5):
        got = d.evaluate({"x": np.array(value)})["x"]
        np.testing.assert_allclose(got, 2 * value * (1 - np.tanh(value**2) ** 2), rtol=1e-14)


def _assert_engine_gradients(d: Any, f: Any, values: dict[str, np.ndarray]) -> None:
    """The derivation, evaluated and as generated code, gives the engine's gradients."""
    engine = cr.grad(lambda *a: f(*a)[0], argnums=tuple(range(len(values))))(*values.values())
    derived = d.evaluate(values)
    ns: dict[str, Any] = {}
    exec(numpy_code(d), ns)
    generated = ns["gradients"](values)
    for key, g in zip(values, engine, strict=True):
        np.testing.assert_allclose(derived[key], g, rtol=1e-10, atol=1e-13, err_msg=key)
        np.testing.assert_allclose(generated[key], g, rtol=1e-10, atol=1e-13, err_msg=key)


LAM = 0.01


def _penalized_mlp(
    W1: cr.Tensor, b1: cr.Tensor, W2: cr.Tensor, b2: cr.Tensor, X: cr.Tensor, Y: cr.Tensor
) -> tuple[cr.Tensor, dict[str, cr.Tensor]]:
    Z1 = W1 @ X + b1
    A1 = Z1.tanh()
    Z2 = W2 @ A1 + b2
    penalty = (LAM / 2) * ((W1**2).sum() + (W2**2).sum())
    return cr.softmax_cross_entropy(Z2, Y) + penalty, {"Z1": Z1, "A1": A1, "Z2": Z2}


PENALIZED_SHAPES = {
    "W1": ("k", "n"),
    "b1": ("k", 1),
    "W2": ("C", "k"),
    "b2": ("C", 1),
    "X": ("n", "m"),
    "Y": ("C", "m"),
}


def test_l2_penalty_derives_to_the_seeds_form() -> None:
    d = derive(_penalized_mlp, shapes=PENALIZED_SHAPES, constants={"λ": LAM})
    out = text(d)
    assert "∂L/∂W1 = (1/m) dZ1 Xᵀ + λ W1" in out
    assert "∂L/∂W2 = (1/m) dZ2 A1ᵀ + λ W2" in out
    assert "∂L/∂b1 = (1/m) dZ1 1⃗" in out
    assert r"\frac{1}{m} dZ_{1} X^\intercal + \lambda W_{1}" in latex(d)
    rng = np.random.default_rng(11)
    k, n, C, m = 4, 3, 5, 6
    Y = np.eye(C)[:, rng.integers(0, C, m)]
    values = {
        "W1": rng.standard_normal((k, n)),
        "b1": rng.standard_normal((k, 1)),
        "W2": rng.standard_normal((C, k)),
        "b2": rng.standard_normal((C, 1)),
        "X": rng.standard_normal((n, m)),
        "Y": Y,
    }
    _assert_engine_gradients(d, _penalized_mlp, values)


def test_without_a_name_the_penalty_is_a_plain_number() -> None:
    d = derive(lambda W: 0.5 * (W**2).sum(), shapes={"W": ("k", "n")})
    assert "∂L/∂W = W" in text(d)


def test_derive_refuses_what_it_cannot_write() -> None:
    ones = np.ones((3, 1))
    with pytest.raises(SymbolicError, match=r"constant array of shape \(3, 1\)"):
        derive(lambda W: (W + ones).sum(), shapes={"W": (3, 1)})
    with pytest.raises(ValueError, match="one-element Tensor"):
        derive(lambda W: W * 2.0, shapes={"W": (3, 1)})
    with pytest.raises(ValueError, match="finite nonzero"):
        derive(lambda W: W.sum(), shapes={"W": (3, 1)}, constants={"λ": 0.0})


HOSTILE = "x'] + __import__('pathlib').Path('PWNED').touch() or params['"


def test_hostile_names_in_generated_code_run_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    newline_name = "Z\n__import__('pathlib').Path('PWNED').touch()\n"
    dim = "n'] or __import__('pathlib').Path('PWNED').touch() or dims['"

    def f(a: cr.Tensor, b: cr.Tensor, c: cr.Tensor) -> tuple[cr.Tensor, dict[str, cr.Tensor]]:
        z = a * b
        return (z.sigmoid() * c).sum(), {newline_name: z}

    f.__name__ = '"""; __import__("pathlib").Path("PWNED").touch(); """'
    d = derive(f, shapes={HOSTILE: (dim, 1), "for": (dim, 1), "np": (dim, 1)})
    code = numpy_code(d)
    ns: dict[str, Any] = {}
    exec(code, ns)
    rng = np.random.default_rng(2)
    a, b, c = (rng.standard_normal((4, 1)) for _ in range(3))
    out = ns["gradients"]({HOSTILE: a, "for": b, "np": c})
    assert not (tmp_path / "PWNED").exists()
    engine = cr.grad(lambda *t: f(*t)[0], argnums=(0, 1, 2))(a, b, c)
    for name, g in zip((HOSTILE, "for", "np"), engine, strict=True):
        np.testing.assert_allclose(out[name], g, rtol=1e-12, atol=1e-15)
    with pytest.raises(ValueError, match="function_name must be a Python identifier"):
        numpy_code(d, function_name="f(): pass\nimport os\ndef g")


def test_derivative_of_sin_x_squared() -> None:
    d = derive(lambda x: (x**2).sin(), shapes={"x": ()})
    assert text(d).splitlines()[-1].strip() == "∂L/∂x = 2x cos(x²)    ()"
    assert latex(d).splitlines()[-1].endswith(r"&= 2x \cos\left(x^{2}\right)")


ACTIVATIONS = {
    "sin": lambda z: z.sin(),
    "cos": lambda z: z.cos(),
    "tan": lambda z: (0.5 * z).tan(),
    "abs": lambda z: z.abs(),
    "sqrt": lambda z: (z * z + 1.0).sqrt(),
    "log1p": lambda z: (z * z).log1p(),
    "expm1": lambda z: z.expm1(),
    "erf": lambda z: z.erf(),
    "sign": lambda z: z.sign() * z,
    "clip": lambda z: z.clip(-0.5, 0.5),
    "maximum": lambda z: z.maximum(0.3 * z),
    "minimum": lambda z: z.minimum(z * z),
    "leaky_relu": lambda z: z.leaky_relu(0.1),
    "elu": lambda z: z.elu(),
    "gelu": lambda z: z.gelu(),
    "gelu_tanh": lambda z: z.gelu("tanh"),
    "silu": lambda z: z.silu(),
    "log_sigmoid": lambda z: z.log_sigmoid(),
}


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_networks_with_the_new_operations_derive_to_the_engine_gradients(name: str) -> None:
    act = ACTIVATIONS[name]

    def loss(W: cr.Tensor, b: cr.Tensor, v: cr.Tensor, X: cr.Tensor, y: cr.Tensor) -> Any:
        Z = W @ X + b
        A = act(Z)
        return cr.mse(v @ A, y), {"Z": Z, "A": A}

    shapes = {"W": ("k", "n"), "b": ("k", 1), "v": (1, "k"), "X": ("n", "m"), "y": (1, "m")}
    d = derive(loss, shapes=shapes)
    rng = np.random.default_rng(3)
    values = {
        "W": rng.standard_normal((4, 3)),
        "b": rng.standard_normal((4, 1)),
        "v": rng.standard_normal((1, 4)),
        "X": rng.standard_normal((3, 7)),
        "y": rng.standard_normal((1, 7)),
    }
    _assert_engine_gradients(d, loss, values)
    assert "dZ" in text(d) and latex(d)


def test_relu_like_derivatives_read_as_indicators() -> None:
    d = derive(lambda x: x.leaky_relu(0.1), shapes={"x": ()})
    assert "∂L/∂x = (1/10) (1 − 1[x > 0]) + 1[x > 0]" in text(d)
    d = derive(lambda x: x.abs(), shapes={"x": ()})
    assert "∂L/∂x = sign(x)" in text(d)
    d = derive(lambda x: x.sqrt(), shapes={"x": ()})
    assert r"\frac{1}{2 \sqrt{x}}" in latex(d)


def test_dropout_is_refused_by_name() -> None:
    with pytest.raises(SymbolicError, match="_dropout_scale"):
        derive(lambda x: x.dropout(0.5, rng=0).sum(), shapes={"x": (3, 1)})
