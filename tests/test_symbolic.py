"""Derived equations: evaluated, they equal the engine's gradients; rendered, they read right."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import chainrule as cr
from chainrule.models import (
    MLP,
    DeltaRuleNetwork,
    LogisticRegression,
    Model,
    MultivariateRegression,
    TwoLayerClassifier,
    TwoLayerLinear,
    TwoLayerSigmoid,
    UnivariateRegression,
)
from chainrule.symbolic import derive, in_notation
from chainrule.symbolic.render import latex, markdown, numpy_code, text


def worked(seed: int) -> list[Model]:
    rng = np.random.default_rng(seed)
    n, k = (int(v) for v in rng.integers(1, 6, size=2))
    return [
        UnivariateRegression(seed=seed),
        MultivariateRegression(n, seed=seed),
        TwoLayerLinear(n, k, seed=seed),
        TwoLayerSigmoid(n, k, seed=seed),
        LogisticRegression(n, seed=seed),
        TwoLayerClassifier(n, k, seed=seed),
        DeltaRuleNetwork(seed=seed),
    ]


def data_for(model: Model, m: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    X = rng.standard_normal((model.n_inputs, m))
    if model.task == "multiclass":
        return X, model.check_data(X, rng.integers(0, model.n_outputs, size=m))[1]
    if model.task == "binary":
        return X, rng.integers(0, 2, size=(model.n_outputs, m)).astype(float)
    return X, rng.uniform(0, 1, size=(model.n_outputs, m))


@pytest.mark.parametrize("seed", range(3))
def test_evaluate_equals_engine_for_every_worked_network(seed: int) -> None:
    rng = np.random.default_rng(100 + seed)
    for model in worked(seed):
        X, y = data_for(model, int(rng.integers(1, 9)), rng)
        derived = derive(model).evaluate(model.params, X, y)
        engine = model.autodiff_gradients(X, y)
        assert set(derived) == set(engine)
        for k in engine:
            np.testing.assert_allclose(
                derived[k], engine[k], rtol=1e-10, atol=1e-14, err_msg=f"{model.name} {k}"
            )


@pytest.mark.parametrize("activation", ["identity", "sigmoid", "tanh", "relu"])
@pytest.mark.parametrize("output", ["identity", "sigmoid", "softmax"])
def test_evaluate_equals_engine_for_mlps(activation: str, output: str) -> None:
    rng = np.random.default_rng(7)
    model = MLP(
        [3, 4, 5, 3 if output == "softmax" else 2], activation=activation, output=output, seed=2
    )
    X, y = data_for(model, 6, rng)
    derived = derive(model).evaluate(model.params, X, y)
    for k, g in model.autodiff_gradients(X, y).items():
        np.testing.assert_allclose(derived[k], g, rtol=1e-10, atol=1e-14)


def test_seed_000_closed_forms_have_the_seeds_structure() -> None:
    sig = latex(derive(TwoLayerSigmoid(3, 4)), "closed")
    dw1 = (
        r"\frac{\partial\mathcal{L}}{\partial W_{1}} &= \frac{2}{m}\left(\left(w_{2}^\intercal "
        r"\left(\hat{y} - y\right)\right) \odot A \odot \left(1 - A\right)\right) X^\intercal"
    )
    db2 = (
        r"\frac{\partial\mathcal{L}}{\partial b_{2}} &= \frac{2}{m}\left(\hat{y} - y\right) \vec{1}"
    )
    dw2 = r"\partial w_{2}} &= \frac{2}{m}\left(\hat{y} - y\right) A^\intercal"
    compact = sig.replace(" ", "")  # spacing is LaTeX's business
    for expected in (dw1, db2, dw2):
        assert expected.replace(" ", "") in compact
    lin = text(derive(TwoLayerLinear(3, 4)), "closed")
    assert "∂L/∂W1 = (2/m) w2ᵀ (ŷ − y) Xᵀ" in lin and "∂L/∂w2 = (2/m) (ŷ − y) Zᵀ" in lin
    multi = text(derive(MultivariateRegression(3)), "closed")
    assert "∂L/∂w = (2/m) (ŷ − y) Xᵀ" in multi and "∂L/∂b = (2/m) (ŷ − y) 1⃗" in multi
    uni = text(derive(UnivariateRegression()), "closed")
    assert "ŷ = w X + b" in uni and "∂L/∂w = (2/m) (ŷ − y) Xᵀ" in uni


def test_cached_form_names_adjoints_after_the_cache() -> None:
    out = text(derive(TwoLayerSigmoid(3, 4)), "cached")
    for line in (
        "δ = (2/m) (ŷ − y)",  # as seed 000's cached form writes it
        "dZ = (w2ᵀ δ) ⊙ A ⊙ (1 − A)",
        "∂L/∂W1 = dZ Xᵀ",
        "∂L/∂b1 = dZ 1⃗",
    ):
        assert line in out
    assert "(k, n)" in out and "(1, k)" in out


def test_classifier_simplifies_to_a2_minus_y() -> None:
    out = text(derive(TwoLayerClassifier(2, 3)), "cached")
    assert "dZ2 = A2 − Y" in out
    assert "dZ1 = (W2ᵀ dZ2) ⊙ A1 ⊙ (1 − A1)" in out
    assert "∂L/∂W2 = (1/m) dZ2 A1ᵀ" in out
    assert "σ" not in out.split("backward")[1]  # no σ′ left in the backward pass


def test_tanh_derivative_through_its_output_and_delta_rule() -> None:
    out = text(derive(MLP([3, 4, 1], activation="tanh")))
    assert "(1 − A1²)" in out
    delta = text(derive(DeltaRuleNetwork()))
    assert "dv_in2 = (ŷ − y) ⊙ ŷ ⊙ (1 − ŷ)" in delta  # seed 001's δ of the output
    assert "∂L/∂W12 = (1/m) v_out1 dv_in2ᵀ" in delta  # Δw = η δ_j x_i, as a gradient


def test_generated_numpy_code_runs_with_numpy_only(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    for model in [
        TwoLayerSigmoid(3, 4, seed=1),
        TwoLayerClassifier(3, 2, seed=1),
        MLP([3, 5, 3], "relu", "softmax"),
    ]:
        X, y = data_for(model, 7, rng)
        code = numpy_code(derive(model))
        assert "chainrule" not in code.split('"""')[0]
        script = tmp_path / "derived.py"
        script.write_text(
            code
            + "\nimport sys\n"
            + "data = np.load(sys.argv[1])\n"
            + "params = {k: data[k] for k in data.files if k not in ('X__', 'y__')}\n"
            + "out = gradients(params, data['X__'], data['y__'])\n"
            + "np.savez(sys.argv[2], **out)\n"
        )
        np.savez(tmp_path / "in.npz", X__=X, y__=y, **model.params)
        subprocess.run(
            [
                sys.executable,
                "-S",
                str(script),
                str(tmp_path / "in.npz"),
                str(tmp_path / "out.npz"),
            ],
            check=True,
            env={"PYTHONPATH": str(Path(np.__file__).parents[1])},
        )
        with np.load(tmp_path / "out.npz") as out:
            for k, g in model.autodiff_gradients(X, y).items():
                np.testing.assert_allclose(out[k], g, rtol=1e-10, atol=1e-14)


def test_derive_a_function_of_tensors() -> None:
    def loss(W: cr.Tensor, X: cr.Tensor, y: cr.Tensor) -> cr.Tensor:
        return cr.mse((W @ X).tanh(), y)

    d = derive(loss, shapes={"W": (1, "n"), "X": ("n", "m"), "y": (1, "m")})
    rng = np.random.default_rng(0)
    W, X, y = rng.standard_normal((1, 4)), rng.standard_normal((4, 6)), rng.standard_normal((1, 6))
    derived = d.evaluate({"W": W, "X": X, "y": y})
    for name, g in zip(("W", "X", "y"), cr.grad(loss, argnums=(0, 1, 2))(W, X, y), strict=True):
        np.testing.assert_allclose(derived[name], g, rtol=1e-12, atol=1e-15)
    with pytest.raises(TypeError, match="needs the shape"):
        derive(loss)


def test_renderers_and_jupyter_hooks() -> None:
    d = derive(TwoLayerSigmoid(3, 2))
    assert d._repr_latex_().startswith("$$") and r"\odot" in d._repr_latex_()
    assert markdown(d).count("$$") >= 2 * 8
    assert str(d) == text(d)
    with pytest.raises(TypeError, match="needs X"):
        d.evaluate(TwoLayerSigmoid(3, 2).params)


def test_row_notation_is_the_transposed_derivation() -> None:
    from chainrule.symbolic import in_notation

    rng = np.random.default_rng(4)
    for model in [
        TwoLayerSigmoid(3, 4),
        TwoLayerClassifier(3, 2),
        MLP([3, 4, 3], "relu", "softmax"),
    ]:
        rows = in_notation(derive(model), "rows")
        X, y = data_for(model, 5, rng)
        derived = rows.evaluate({k: v.T for k, v in model.params.items()}, X.T, y.T)
        for k, g in model.autodiff_gradients(X, y).items():
            np.testing.assert_allclose(derived[k], g.T, rtol=1e-10, atol=1e-14)
    out = text(in_notation(derive(TwoLayerSigmoid(3, 4)), "rows"))
    assert "Z = X W1 + b1    (m, k)" in out and "∂L/∂W1 = Xᵀ dZ    (n, k)" in out
    with pytest.raises(ValueError, match="notation must be one of"):
        in_notation(derive(TwoLayerSigmoid(3, 4)), "diagonal")


def test_derive_command() -> None:
    from typer.testing import CliRunner

    from chainrule.cli import app

    runner = CliRunner()
    result = runner.invoke(app, ["derive", "two-layer-classifier"])
    assert result.exit_code == 0 and "dZ2 = A2 − Y" in result.output
    result = runner.invoke(
        app, ["derive", "two-layer-sigmoid", "--format", "latex", "--form", "closed"]
    )
    assert result.exit_code == 0 and r"\odot A \odot" in result.output
    result = runner.invoke(
        app,
        [
            "derive",
            "--layers",
            "4,8,1",
            "--activation",
            "tanh",
            "--loss",
            "mse",
            "--format",
            "numpy",
        ],
    )
    assert result.exit_code == 0 and result.output.startswith("import numpy as np")
    result = runner.invoke(app, ["derive", "two-layer-sigmoid", "--notation", "rows"])
    assert "Z = X W1 + b1" in result.output
    result = runner.invoke(app, ["derive", "resnet"])
    assert result.exit_code == 2 and "unknown model 'resnet'" in result.output


def test_seed_001_notation_with_error_terms() -> None:
    from chainrule.symbolic import in_notation

    out = text(in_notation(derive(DeltaRuleNetwork()), "inout"))
    assert "δ2 = (y − ŷ) ⊙ ŷ ⊙ (1 − ŷ)" in out  # δ_out = (y − ŷ) f′(h)
    assert "∂L/∂W12 = (-1/m) v_out1 δ2ᵀ" in out  # Δw_ij = η δ_j x_i
    sig = text(in_notation(derive(TwoLayerSigmoid(3, 4)), "inout"))
    assert "Z = W1ᵀ X + b1" in sig and "δ1 = (w2 δ2) ⊙ A ⊙ (1 − A)" in sig
    assert "∂L/∂W1 = −X δ1ᵀ    (n, k)" in sig
    rng = np.random.default_rng(5)
    for model in [TwoLayerSigmoid(3, 4), TwoLayerClassifier(2, 3), DeltaRuleNetwork()]:
        X, y = data_for(model, 6, rng)
        d = in_notation(derive(model), "inout")
        flip = set() if model.weights_in_out else {k for k in model.params if not k.startswith("b")}
        params = {k: v.T if k in flip else v for k, v in model.params.items()}
        derived = d.evaluate(params, X, y)
        for k, g in model.autodiff_gradients(X, y).items():
            np.testing.assert_allclose(derived[k], g.T if k in flip else g, rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize(
    "activation",
    [["leaky_relu", "gelu"], ["elu", "gelu_tanh"], ["silu", "softplus"], ["relu", "tanh"]],
)
@pytest.mark.parametrize("output", ["identity", "sigmoid", "softmax"])
def test_mlps_with_per_layer_activations_and_l2_penalty(activation: list[str], output: str) -> None:
    rng = np.random.default_rng(8)
    model = MLP(
        [3, 4, 5, 3 if output == "softmax" else 2],
        activation=activation,
        output=output,
        alpha=0.03,
        seed=4,
    )
    X, y = data_for(model, 6, rng)
    d = derive(model)
    derived = d.evaluate(model.params, X, y)
    for k, g in model.autodiff_gradients(X, y).items():
        np.testing.assert_allclose(derived[k], g, rtol=1e-10, atol=1e-14, err_msg=k)
    if output != "identity":
        assert "∂L/∂W3 = (1/m) dZ3 A2ᵀ + λ W3" in text(d)
    assert r"+ \lambda W_{3}" in latex(d)
    namespace: dict[str, object] = {}
    exec(numpy_code(d), namespace)
    generated = namespace["gradients"](model.params, X, y)  # type: ignore[operator]
    rows = in_notation(d, "rows").evaluate({k: v.T for k, v in model.params.items()}, X.T, y.T)
    for k, g in model.autodiff_gradients(X, y).items():
        np.testing.assert_allclose(generated[k], g, rtol=1e-10, atol=1e-14, err_msg=k)
        np.testing.assert_allclose(rows[k], g.T, rtol=1e-10, atol=1e-14, err_msg=k)


def test_mlp_with_l2_penalty_reads_as_the_seeds_write_it() -> None:
    out = text(derive(MLP([3, 4, 2], activation="sigmoid", output="softmax", alpha=0.01)))
    assert "dZ2 = ŷ − Y" in out
    assert "∂L/∂W1 = (1/m) dZ1 Xᵀ + λ W1" in out
    assert "∂L/∂b1 = (1/m) dZ1 1⃗" in out  # biases carry no penalty
    assert "penalty = (1/2) λ (‖W1‖² + ‖W2‖²)" in out
    assert "L = (1/m) ‖ŷ − y‖²" in text(derive(TwoLayerSigmoid(3, 4)))  # seed 000's MSE
