"""Deriving a network's backprop equations by running the engine's rules on symbols.

1. The model's loss is recorded once by the numeric engine, on sizes chosen
   to be told apart (n = 5 features, hidden layers of 7, 11, 17... units,
   m = 13 examples), so every size in the graph maps back to its name.
2. The recorded forward pass is replayed on :class:`~chainrule.symbolic.expr.Expr`
   symbols by each primitive's own forward (:mod:`chainrule.symbolic.trace`);
   a value that equals an entry of the model's forward cache takes that
   entry's name (Z, A, ŷ...).
3. The backward pass runs the *same* VJP functions of the rule table, and the
   engine's own ``sum_to`` for broadcasting, on those symbols. No derivative
   is written a second time.
4. The adjoint of every named forward value that feeds two or more
   operations is named in turn (δ for the output, dZ for Z...), which gives
   the *cached* form; substituting them back gives the *closed* form.

The sigmoid-with-cross-entropy simplification to A − Y comes from the fused
``softplus`` primitive the binary cross-entropy with logits is built on: its
VJP is σ(z), which is the cached A, so dL/dz = (1/m)(A − Y) with no σ′ left.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from fractions import Fraction
from typing import Any

import numpy as np

from chainrule.autodiff import Tensor
from chainrule.models import MLP, Model
from chainrule.symbolic import algebra as A  # noqa: N812 - A for the constructors
from chainrule.symbolic import expr as E  # noqa: N812 - E for the expression types
from chainrule.symbolic.derivation import Derivation
from chainrule.symbolic.evaluate import evaluate
from chainrule.symbolic.expr import Dim, Expr, Sym
from chainrule.symbolic.kinds import FUNCTIONS, replace
from chainrule.symbolic.trace import (
    Trace,
    backward,
    parents,
    recording,
    replay_forward,
)

TRACE_M = 13
HIDDEN_SIZES = (7, 11, 17, 19, 23, 29, 31)
N_FEATURES = 5
CLASSES = 3

CACHE_NAMES = {"y_hat": "ŷ"}
SKIP_CACHE = {"z_out"}
PENALTY = "λ"  # how a model's L2 penalty strength (its ``alpha``) is written


def derive(
    target: Model | Callable[..., Any],
    shapes: Mapping[str, tuple[Dim, ...]] | None = None,
    seed: int = 0,
    constants: Mapping[str, float] | None = None,
) -> Derivation:
    """The backprop equations of a model, or of a function of Tensors.

    ``derive(model)``: any worked network or MLP. The forward values are
    named after the model's forward cache (Z, A, ŷ...), the adjoints that
    feed two or more operations are named (δ, dZ...), and every parameter's
    gradient comes in cached and closed form, each with its shape. A model
    with an L2 penalty (a nonzero ``alpha``) has it written as λ.

    ``derive(f, shapes={"W": ("k", "n"), "X": ("n", "m")})``: ``f`` takes one
    Tensor per entry of ``shapes`` (in that order) and returns a one-element
    loss, or ``(loss, named)`` where ``named`` maps names to intermediate
    Tensors (``{"Z1": Z1, "A1": A1}``), written by name as a model's forward
    cache is. Dimensions are names (``"m"`` is the number of examples) or
    integers; ``()`` is a scalar. The gradient with respect to every input is
    derived.

    ``constants`` names numbers of the graph, ``{"λ": 0.01}``: a number that
    is a short fraction times one of them is written with its name (λ/2, λ).

    Raises:
        SymbolicError: the graph uses an operation or a constant array that
            has no symbolic form; the message names it.
    """
    numbers = dict(constants or {})
    for name, value in numbers.items():
        if not isinstance(value, int | float) or not np.isfinite(value) or value == 0:
            raise ValueError(
                f"derive: constant {name!r} must be a finite nonzero number, got {value!r}"
            )
    if not isinstance(target, Model):
        if shapes is None:
            raise TypeError("derive(f, shapes=...) needs the shape of every input of f")
        return _derive_function(target, dict(shapes), seed, numbers)
    if shapes is not None:
        raise TypeError("derive(model) takes no shapes: the model's own sizes are used")
    return _derive_model(target, seed, numbers)


def _derive_model(model: Model, seed: int, numbers: dict[str, float]) -> Derivation:
    tracer, dims = _tracing_copy(model)
    alpha = float(getattr(model, "alpha", 0.0) or 0.0)
    if alpha:
        numbers.setdefault(PENALTY, alpha)
    rng = np.random.default_rng(seed)
    X, y = tracer.check_data(rng.standard_normal((tracer.n_inputs, TRACE_M)), _targets(tracer, rng))
    leaves = {k: Tensor(v, requires_grad=True) for k, v in tracer.params.items()}
    with recording() as recorder:
        root = tracer.loss_graph(leaves, X, y)
    cache = _cache_matcher(tracer.forward(X)[1])
    one_row = tracer.task == "regression" and tracer.name != "mlp" and tracer.n_outputs == 1
    data_names = ("X", "y") if one_row else ("X", "Y")
    data = {data_names[0]: X, data_names[1]: y}
    trace = replay_forward(root, leaves, data, dims, lambda t: cache(t.data), recorder, numbers)
    adjoint_of = backward(trace, root)
    if isinstance(tracer, MLP) and tracer.output == "softmax":
        # the targets are one-hot, so every column of Y sums to 1: 1⃗ᵀ Y = 1⃗ᵀ
        y_sym = trace.constants[id(y)]
        ones = {A.matmul(A.tr(E.Ones(y_sym.shape[0])), y_sym): A.tr(E.Ones(y_sym.shape[1]))}
        shared: dict[int, Expr] = {}  # the adjoints share subexpressions: rewrite each once
        adjoint_of = {k: replace(g, ones, shared) for k, g in adjoint_of.items()}
    found = _name_backward_values(trace, adjoint_of, cache)
    if found:
        rewritten: dict[int, Expr] = {}
        adjoint_of = {k: replace(g, found, rewritten) for k, g in adjoint_of.items()}
    return _finish(type(model).__name__, trace, root, leaves, adjoint_of, data_names, model)


def _finish(
    title: str,
    trace: Trace,
    root: Tensor,
    leaves: Mapping[str, Tensor],
    adjoint_of: dict[int, Expr],
    data_names: tuple[str, ...],
    model: Model | None,
) -> Derivation:
    """Names the adjoints and writes every gradient in cached and closed form."""
    adjoints, mapping, factors = _name_adjoints(trace, adjoint_of)
    substitute: dict[Expr, Expr] = {Sym(n, e.shape, "adjoint"): e for n, e in adjoints}
    cached: dict[str, Expr] = {}
    closed: dict[str, Expr] = {}
    for name, t in leaves.items():
        g = adjoint_of.get(id(t), E.Num(Fraction(0)))
        want = trace.shapes[name]
        scalars = E.is_scalar(g) and E.is_scalar(Sym(name, want))
        if g.shape != want and not scalars and not E.is_num(g, 0):
            raise RuntimeError(f"derived gradient of {name} has shape {g.shape}, not {want}: a bug")
        cached[name] = replace(g, mapping)
        closed[name] = _expand(cached[name], substitute)
    return Derivation(
        title,
        trace.forward,
        trace.sym[id(root)],
        adjoints,
        cached,
        closed,
        trace.shapes,
        data_names,
        weights_in_out=model.weights_in_out if model is not None else False,
        factors=factors,
        constants={n: v for n, v in trace.numbers.items() if _uses(trace, cached, n)},
    )


def _uses(trace: Trace, exprs: dict[str, Expr], name: str) -> bool:
    every = [e for _, e in trace.forward] + list(exprs.values())
    return any(isinstance(x, Sym) and x.name == name for e in every for x in E.walk(e))


def _name_backward_values(
    trace: Trace, adjoint_of: dict[int, Expr], named: Any
) -> dict[Expr, Expr]:
    """Cache values that only the backward pass computes (σ(Z2), from the rule of
    the cross-entropy's softplus) take their cache names too."""
    found: dict[Expr, Expr] = {}
    for g in adjoint_of.values():
        for sub_e in E.walk(g):
            if not E.is_op(sub_e, *FUNCTIONS) or sub_e in found:
                continue
            value = np.asarray(evaluate(sub_e, trace.env, trace.sizes))
            name = named(value)
            if name is not None and name not in trace.env:
                found[sub_e] = Sym(name, sub_e.shape, "cache")
                trace.forward.append((name, sub_e))
                trace.shapes[name] = sub_e.shape
                trace.env[name] = value
    return found


def _name_adjoints(
    trace: Trace, adjoint_of: dict[int, Expr]
) -> tuple[list[tuple[str, Expr]], dict[Expr, Expr], dict[str, Expr]]:
    """Names the adjoint of each named forward value that feeds two or more
    operations (δ for ŷ, dZ for Z), output side first. A constant factor such
    as the 1/m of the mean stays on the parameter gradients."""
    tensor_of = {e.name: t for t in trace.order if isinstance(e := trace.sym[id(t)], Sym)}
    adjoints: list[tuple[str, Expr]] = []
    mapping: dict[Expr, Expr] = {}
    factors: dict[str, Expr] = {}
    for fname, _ in reversed(trace.forward):
        t = tensor_of.get(fname)
        if t is None or id(t) not in adjoint_of or parents(t) < 2:
            continue
        factor, rest = A.split(adjoint_of[id(t)])
        aname = "δ" if fname == "ŷ" else f"d{fname}"
        a_sym = Sym(aname, rest.shape, "adjoint")
        trace.shapes[aname] = rest.shape
        if factor.power == -1 and abs(factor.coef) == 1:
            # ±1/m, the mean over examples: it stays on the parameter gradients
            # (dZ2 = A2 − Y, ∂L/∂W2 = (1/m) dZ2 A1ᵀ, as seed 003 writes them)
            factors[aname] = factor
            adjoints.append((aname, replace(rest, mapping)))
            mapping[rest] = a_sym
        else:
            # any other factor belongs to the adjoint (δ = (2/m)(ŷ − y), as seed 000)
            factors[aname] = E.Num(Fraction(1))
            adjoints.append((aname, A.scale(factor, replace(rest, mapping))))
            mapping[rest] = A.scale(E.Num(1 / factor.coef, -factor.power), a_sym)
    return adjoints, mapping, factors


def _derive_function(
    f: Callable[..., Any], shapes: dict[str, tuple[Dim, ...]], seed: int, numbers: dict[str, float]
) -> Derivation:
    names = sorted({d for shape in shapes.values() for d in shape if isinstance(d, str)})
    free = iter(s for s in (N_FEATURES, *HIDDEN_SIZES, 37, 41, 43, 47) if s != TRACE_M)
    size_of = {d: TRACE_M if d == "m" else next(free) for d in names}
    dims = {size: name for name, size in size_of.items()}
    rng = np.random.default_rng(seed)
    leaves = {
        name: Tensor(rng.uniform(0.2, 1.0, _concrete(shape, size_of)), requires_grad=True)
        for name, shape in shapes.items()
    }
    with recording() as recorder:
        out = f(*leaves.values())
    root, named = out if isinstance(out, tuple) and len(out) == 2 else (out, {})
    if not isinstance(root, Tensor) or root.size != 1:
        raise ValueError(
            "derive(f, shapes=...): f must return a one-element Tensor (a loss), "
            f"or (loss, {{name: Tensor}}); it returned {type(out).__name__}"
        )
    if not isinstance(named, Mapping) or not all(isinstance(v, Tensor) for v in named.values()):
        raise ValueError(
            "derive(f, shapes=...): the second value f returns must map names to Tensors"
        )
    by_id = {id(t): str(n) for n, t in named.items()}
    trace = replay_forward(root, leaves, {}, dims, lambda t: by_id.get(id(t)), recorder, numbers)
    adjoint_of = backward(trace, root)
    name = str(getattr(f, "__name__", "f"))
    return _finish(name, trace, root, leaves, adjoint_of, (), None)


def _concrete(shape: tuple[Dim, ...], size_of: dict[str, int]) -> tuple[int, ...]:
    return tuple(size_of[d] if isinstance(d, str) else int(d) for d in shape)


def _expand(e: Expr, substitute: dict[Expr, Expr]) -> Expr:
    for _ in range(10):
        new = replace(e, substitute)
        if new == e:
            return e
        e = new
    return e


def _cache_matcher(cache: dict[str, np.ndarray]) -> Any:
    entries = [(CACHE_NAMES.get(k, k), v) for k, v in cache.items() if k not in SKIP_CACHE]
    # prefer the model's own names (A2) to the generic ŷ when they hold the same array
    entries.sort(key=lambda kv: kv[0] == "ŷ")

    def find(value: np.ndarray) -> str | None:
        for name, v in entries:
            if np.shape(v) == np.shape(value) and np.allclose(v, value, rtol=1e-13, atol=1e-300):
                return name
        return None

    return find


def _tracing_copy(model: Model) -> tuple[Model, dict[int, str]]:
    """A copy of the model with sizes that can be told apart, and size -> name."""
    dims: dict[int, str] = {TRACE_M: "m"}
    if isinstance(model, MLP):
        hidden = list(HIDDEN_SIZES[: model.depth - 1])
        out = 1 if model.n_outputs == 1 else CLASSES
        sizes = [N_FEATURES, *hidden, out]
        tracer: Model = MLP(
            sizes, model.activation, model.output, model.init, seed=0, alpha=model.alpha,
            loss=model.loss_kind, l1=model.l1,
        )  # fmt: skip
        _randomize(tracer)
        dims[N_FEATURES] = "n"
        for i, h in enumerate(hidden, 1):
            dims[h] = f"h{i}" if len(hidden) > 1 else "k"
        if out != 1:
            dims[out] = "C"
        return tracer, dims
    hyper = model.hyperparameters()
    changed = {}
    if "n_features" in hyper:
        changed["n_features"] = N_FEATURES
        dims[N_FEATURES] = "n"
    if "n_hidden" in hyper:
        changed["n_hidden"] = HIDDEN_SIZES[0]
        dims[HIDDEN_SIZES[0]] = "k"
    if "n_outputs" in hyper:  # one output stays 1; several are o
        changed["n_outputs"] = 1 if hyper["n_outputs"] == 1 else CLASSES
        dims[CLASSES] = "o"
    tracer = type(model)(**changed) if changed else copy.deepcopy(model)
    _randomize(tracer)
    return tracer, dims


def _randomize(model: Model) -> None:
    """Nonzero values everywhere, so that no two different expressions coincide."""
    rng = np.random.default_rng(12345)
    for k, v in model.params.items():
        model.params[k] = rng.uniform(0.2, 1.0, v.shape) * rng.choice([-1.0, 1.0], v.shape)


def _targets(model: Model, rng: np.random.Generator) -> np.ndarray:
    if model.task == "binary":
        return rng.integers(0, 2, size=(model.n_outputs, TRACE_M)).astype(float)
    if model.task == "multiclass":
        return rng.integers(0, model.n_outputs, size=TRACE_M)
    return rng.uniform(0.0, 1.0, size=(model.n_outputs, TRACE_M))
