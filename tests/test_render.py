"""The printed equations a teacher would paste: complete LaTeX, Markdown with
shapes, every function defined below its use, NumPy code that is short-lined,
helper-free of waste and right (checked against the engine's gradients)."""

import ast
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from chainrule import models
from chainrule.cli import app
from chainrule.symbolic import derive, in_notation
from chainrule.symbolic import render as R  # noqa: N812

CASES = [
    ("two-layer-sigmoid", "regression", {}),
    ("two-layer-classifier", "binary", {}),
    ("delta-rule", "regression", {}),
    ("mlp", "regression", {"hidden_layers": [4, 3], "activation": "relu"}),
    ("mlp", "multiclass", {"hidden_layers": [5], "activation": "tanh"}),
    ("mlp", "binary", {"hidden_layers": [3, 3, 3], "activation": "sigmoid"}),
]


def network(name: str, task: str, kw: dict) -> models.Model:  # type: ignore[type-arg]
    spec = models.get(name)
    return models.build(name, spec.n_features or 3, task=task, n_classes=3, **kw)


def balanced(text: str) -> bool:
    depth = 0
    for c in text.replace(r"\{", "").replace(r"\}", ""):
        depth += (c == "{") - (c == "}")
        if depth < 0:
            return False
    return depth == 0


@pytest.mark.parametrize(("name", "task", "kw"), CASES)
@pytest.mark.parametrize("form", ["cached", "closed"])
def test_latex_is_one_complete_aligned_block(name: str, task: str, kw: dict, form: str) -> None:  # type: ignore[type-arg]
    d = derive(network(name, task, kw))
    block = R.latex_block(d, form)
    lines = block.splitlines()
    assert lines[0] == r"\begin{aligned}" and lines[-1] == r"\end{aligned}"
    body = lines[1:-1]
    assert all(line.endswith(r" \\") for line in body[:-1]) and not body[-1].endswith(r"\\")
    assert all(line.count("&") == 1 for line in body)  # one alignment point a row
    assert balanced(block) and block.count(r"\left") == block.count(r"\right")
    assert body[0].startswith(f"{R._latex_name(d.forward[0][0])} &=")


def test_standalone_document_compiles(tmp_path: Path) -> None:
    d = derive(network("mlp", "multiclass", {"hidden_layers": [4], "activation": "relu"}))
    doc = R.latex_block(d, "cached", standalone=True)
    assert doc.startswith(r"\documentclass{article}") and doc.endswith(r"\end{document}")
    for env in ("document", "align*"):
        assert doc.count(rf"\begin{{{env}}}") == doc.count(rf"\end{{{env}}}") == 1
    assert r"\usepackage{amsmath}" in doc and r"\usepackage{amssymb}" in doc
    assert balanced(doc)
    engine = shutil.which("pdflatex") or shutil.which("lualatex") or shutil.which("xelatex")
    if engine is None:
        return  # checked by structure above; compiled where a LaTeX engine is installed
    (tmp_path / "d.tex").write_text(doc)
    run = subprocess.run(
        [engine, "-interaction=nonstopmode", "-halt-on-error", "d.tex"],
        cwd=tmp_path, capture_output=True, timeout=120,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout.decode(errors="replace")[-2000:]


def test_cli_latex_and_standalone() -> None:
    runner = CliRunner()
    out = runner.invoke(app, ["derive", "two-layer-sigmoid", "--format", "latex"]).output
    assert out.startswith(r"\begin{aligned}") and out.strip().endswith(r"\end{aligned}")
    out = runner.invoke(app, ["derive", "--format", "latex", "--standalone"]).output
    assert out.startswith(r"\documentclass") and r"\begin{align*}" in out
    result = runner.invoke(app, ["derive", "--format", "text", "--standalone"])
    assert result.exit_code == 2 and "--standalone" in result.output


def used_before_defined(lines: list[str], marks: dict[str, str]) -> list[str]:
    """Functions whose mark shows in an equation line with no definition line below it."""
    missing = []
    for fn, mark in marks.items():
        uses = [i for i, line in enumerate(lines) if mark in line and "=" in line]
        defs = [i for i, line in enumerate(lines) if line.strip().startswith(mark)]
        equations = [i for i in uses if i not in defs]
        if equations and (not defs or min(defs) < min(equations)):
            missing.append(fn)
    return missing


TEXT_MARKS = {
    "σ": "σ(", "relu": "relu(", "tanh": "tanh(", "softmax": "softmax(", "step": "1[",
    "softplus": "softplus(", "log_softmax": "log_softmax(", "⊙": "⊙", "1⃗": "1⃗",
}  # fmt: skip


@pytest.mark.parametrize(("name", "task", "kw"), CASES)
def test_every_function_used_is_defined_below(name: str, task: str, kw: dict) -> None:  # type: ignore[type-arg]
    d = derive(network(name, task, kw))
    for form in ("cached", "closed"):
        lines = R.text(d, form).splitlines()
        assert used_before_defined(lines, TEXT_MARKS) == []
        block = R.latex_block(d, form)
        for words, latex_words in R.definitions(d, form):
            assert latex_words in block and words in R.text(d, form)


def test_relu_step_and_softmax_are_defined() -> None:
    d = derive(network("mlp", "multiclass", {"hidden_layers": [4], "activation": "relu"}))
    out = R.text(d)
    assert "relu(z) = max(z, 0)" in out and "1[z > 0] = 1 where z > 0, else 0" in out
    assert "softmax(z)ᵢ = exp(zᵢ) / Σₖ exp(zₖ)" in out
    md = R.markdown(d)
    assert r"- $\mathbb{1}[z > 0] = 1" in md


def test_markdown_keeps_shapes() -> None:
    d = derive(models.TwoLayerSigmoid(3, 4))
    md = R.markdown(d)
    assert r"$$Z = W_{1} X + b_{1} \qquad (k \times m)$$" in md
    assert r"\partial W_{1}} = dZ X^\intercal \qquad (k \times n)$$" in md


@pytest.mark.parametrize(("name", "task", "kw"), CASES)
@pytest.mark.parametrize("notation", ["columns", "rows", "inout"])
def test_numpy_code_is_short_lined_lean_and_right(
    name: str,
    task: str,
    kw: dict,  # type: ignore[type-arg]
    notation: str,
) -> None:
    net = network(name, task, kw)
    d = in_notation(derive(net), notation)
    code = R.numpy_code(d)
    assert max(len(line) for line in code.splitlines()) <= 100
    tree = ast.parse(code)
    defined = [f.name for f in tree.body if isinstance(f, ast.FunctionDef)]
    called = {
        n.func.id
        for n in ast.walk(tree)
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
    }
    assert set(defined) - {"gradients"} <= called  # no unused helper
    assigned = {
        t.id
        for n in ast.walk(tree)
        if isinstance(n, ast.Assign)
        for t in n.targets
        if isinstance(t, ast.Name)
    }
    read = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    assert assigned <= read  # no unused variable (dims, m)
    if notation != "columns":
        return
    rng = np.random.default_rng(0)
    X = rng.standard_normal((net.n_inputs, 7))
    y = (
        np.eye(3)[:, rng.integers(0, 3, 7)] if task == "multiclass"
        else rng.integers(0, 2, (1, 7)).astype(float) if task == "binary"
        else rng.uniform(0, 1, (1, 7))
    )  # fmt: skip
    scope: dict = {}  # type: ignore[type-arg]
    exec(compile(code, "generated", "exec"), scope)
    X, y = net.check_data(X, y)
    target = net.autodiff_gradients(X, y)
    got = scope["gradients"](dict(net.params), X, y)
    for k, g in target.items():
        np.testing.assert_allclose(got[k], g, rtol=1e-10, atol=1e-13)


def test_wrap_keeps_the_expression() -> None:
    line = "    total = (" + " + ".join(f"(alpha_{i} * beta_{i})" for i in range(30)) + ")"
    wrapped = R._wrap(line)
    assert max(len(part) for part in wrapped.splitlines()) <= 100
    assert ast.dump(ast.parse(wrapped.strip())) == ast.dump(ast.parse(line.strip()))
    assert R._wrap("    x = 1") == "    x = 1"
    assert re.fullmatch(r"\s+x = 1", R._wrap("    x = 1"))
