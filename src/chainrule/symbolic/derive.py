"""Deriving a network's backprop equations by running the engine's rules on symbols.

1. The model's loss is recorded once by the numeric engine, on sizes chosen
   to be told apart (n = 5 features, hidden layers of 7, 11, 17... units,
   m = 13 examples), so every size in the graph maps back to its name.
2. The recorded forward pass is replayed on :class:`~chainrule.symbolic.expr.Expr`
   symbols; a value that equals an entry of the model's forward cache takes
   that entry's name (Z, A, ŷ...).
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
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np

from chainrule.autodiff import Tensor, inspect
from chainrule.autodiff.backward import sum_to
from chainrule.models import MLP, Model
from chainrule.symbolic import expr as E  # noqa: N812 - E for expression constructors
from chainrule.symbolic.expr import Dim, Expr, Sym

TRACE_M = 13
HIDDEN_SIZES = (7, 11, 17, 19, 23, 29, 31)
N_FEATURES = 5
CLASSES = 3

CACHE_NAMES = {"y_hat": "ŷ"}
SKIP_CACHE = {"z_out"}


@dataclass
class Derivation:
    """The derived backward pass of one network.

    Attributes:
        model: the model's class name.
        forward: (name, expression) of each named forward value, in order.
        loss: the loss in terms of the named values.
        adjoints: (name, expression) of each named adjoint, in order (cached form).
        cached: parameter -> its gradient in terms of named values and adjoints.
        closed: parameter -> its gradient with the adjoints substituted.
        shapes: every name -> its symbolic shape.
    """

    model: str
    forward: list[tuple[str, Expr]]
    loss: Expr
    adjoints: list[tuple[str, Expr]]
    cached: dict[str, Expr]
    closed: dict[str, Expr]
    shapes: dict[str, tuple[Any, ...]] = field(default_factory=dict)
    data_names: tuple[str, ...] = ("X", "y")
    notation: str = "columns"
    weights_in_out: bool = False  # the model's own weights are (in, out)
    factors: dict[str, Expr] = field(default_factory=dict)  # adjoint = factor · named adjoint

    def evaluate(
        self,
        params: dict[str, np.ndarray],
        X: np.ndarray | None = None,
        y: np.ndarray | None = None,
    ) -> dict[str, np.ndarray]:
        """The derived equations on real numbers: parameter -> gradient array.

        For a model, ``X`` (n, m) and ``y`` are the data (a softmax MLP takes
        one-hot targets (C, m)); for a function, ``params`` holds every input.
        """
        env: dict[str, Any] = {k: np.asarray(v, float) for k, v in params.items()}
        for name, value in zip(self.data_names, (X, y), strict=False):
            if value is None:
                raise TypeError(f"evaluate() needs {name} for {self.model}")
            env[name] = np.asarray(value, float)
        dims = self._dims(env)
        for name, e in self.forward:
            env[name] = E.evaluate(e, env, dims)
        for name, e in self.adjoints:
            env[name] = E.evaluate(e, env, dims)
        out = {}
        for name, e in self.cached.items():
            value = np.asarray(E.evaluate(e, env, dims), dtype=np.float64)
            out[name] = np.broadcast_to(value, params[name].shape).copy()
        return out

    def _dims(self, env: dict[str, Any]) -> dict[str, int]:
        dims: dict[str, int] = {}
        for name, shape in self.shapes.items():
            if name in env:
                for d, size in zip(shape, np.shape(env[name]), strict=False):
                    if isinstance(d, str):
                        dims[d] = int(size)
        return dims

    def __str__(self) -> str:
        from chainrule.symbolic.render import text

        return text(self)

    def _repr_markdown_(self) -> str:
        from chainrule.symbolic.render import markdown

        return markdown(self)

    def _repr_latex_(self) -> str:
        from chainrule.symbolic.render import latex

        return "$$" + latex(self).replace("\n", " \\\\ ") + "$$"


@dataclass
class _Trace:
    """The recorded graph with its symbolic twin."""

    order: list[Tensor]
    leaves: dict[str, Tensor]
    sym: dict[int, Expr]  # id(tensor) -> its expression (a Sym once named)
    constants: dict[int, Expr]  # id(array) -> X or y
    forward: list[tuple[str, Expr]]
    shapes: dict[str, tuple[Any, ...]]
    env: dict[str, Any]  # name -> value in the trace
    sizes: dict[str, int]  # dimension name -> size in the trace


def derive(
    target: Model | Callable[..., Tensor],
    shapes: Mapping[str, tuple[Dim, ...]] | None = None,
    seed: int = 0,
) -> Derivation:
    """The backprop equations of a model, or of a function of Tensors.

    ``derive(model)``: any worked network or MLP. The forward values are
    named after the model's forward cache (Z, A, ŷ...), the adjoints that
    feed two or more operations are named (δ, dZ...), and every parameter's
    gradient comes in cached and closed form, each with its shape.

    ``derive(f, shapes={"W": ("k", "n"), "X": ("n", "m")})``: ``f`` takes one
    Tensor per entry of ``shapes`` (in that order) and returns a scalar loss;
    dimensions are names (``"m"`` is the number of examples) or integers. The
    gradient with respect to every input is derived.
    """
    if not isinstance(target, Model):
        if shapes is None:
            raise TypeError("derive(f, shapes=...) needs the shape of every input of f")
        return _derive_function(target, dict(shapes), seed)
    model = target
    tracer, dims = _tracing_copy(model)
    rng = np.random.default_rng(seed)
    X, y = tracer.check_data(rng.standard_normal((tracer.n_inputs, TRACE_M)), _targets(tracer, rng))
    leaves = {k: Tensor(v, requires_grad=True) for k, v in tracer.params.items()}
    root = tracer.loss_graph(leaves, X, y)
    named = _cache_matcher(tracer.forward(X)[1])
    E._M_VALUE[0] = TRACE_M
    data_names = ("X", "y") if tracer.task == "regression" and tracer.name != "mlp" else ("X", "Y")
    constants = {id(X): data_names[0], id(y): data_names[1]}
    trace = _replay_forward(root, leaves, {id(X): X, id(y): y}, constants, dims, named)
    adjoint_of = _backward(trace, root)
    if isinstance(tracer, MLP) and tracer.output == "softmax":
        # the targets are one-hot, so every column of Y sums to 1: 1⃗ᵀ Y = 1⃗ᵀ
        y_sym = trace.constants[id(y)]
        ones = {E.matmul(E.tr(E.Ones(y_sym.shape[0])), y_sym): E.tr(E.Ones(y_sym.shape[1]))}
        adjoint_of = {k: E.replace(g, ones) for k, g in adjoint_of.items()}
    found = _name_backward_values(trace, adjoint_of, named)
    if found:
        adjoint_of = {k: E.replace(g, found) for k, g in adjoint_of.items()}
    adjoints, mapping, factors = _name_adjoints(trace, adjoint_of)
    substitute: dict[Expr, Expr] = {Sym(n, e.shape, "adjoint"): e for n, e in adjoints}
    cached: dict[str, Expr] = {}
    closed: dict[str, Expr] = {}
    for name, t in leaves.items():
        g = adjoint_of.get(id(t), E.Num(Fraction(0)))
        want = trace.shapes[name]
        if g.shape != want and not (E.is_scalar(g) and all(d == 1 for d in want)):
            raise RuntimeError(f"derived gradient of {name} has shape {g.shape}, not {want}: a bug")
        cached[name] = E.replace(g, mapping)
        closed[name] = _expand(cached[name], substitute)
    loss = trace.sym[id(root)]
    return Derivation(
        type(model).__name__,
        trace.forward,
        loss,
        adjoints,
        cached,
        closed,
        trace.shapes,
        data_names,
        weights_in_out=model.weights_in_out,
        factors=factors,
    )


def _replay_forward(
    root: Tensor,
    leaves: dict[str, Tensor],
    arrays: dict[int, np.ndarray],
    names: dict[int, str],
    dims: dict[int, str],
    named: Any,
) -> _Trace:
    """The recorded forward pass on symbols; values found in the cache get its names.

    ``arrays`` and ``names`` give the data (X, y) by the id of their array.
    """

    def shape_of(a: Any) -> tuple[Any, ...]:
        return tuple(dims.get(int(s), int(s)) for s in np.shape(a))

    sym: dict[int, Expr] = {id(t): Sym(n, shape_of(t.data), "param") for n, t in leaves.items()}
    constants: dict[int, Expr] = {k: Sym(names[k], shape_of(a), "data") for k, a in arrays.items()}
    shapes = {n: shape_of(t.data) for n, t in leaves.items()}
    env: dict[str, Any] = {n: t.data for n, t in leaves.items()}
    for k, a in arrays.items():
        shapes[names[k]] = shape_of(a)
        env[names[k]] = a
    forward: list[tuple[str, Expr]] = []
    order = inspect.nodes(root)
    for t in order:
        op = inspect.operation(t)
        if op is None:
            continue
        args = [_input_expr(x, sym, constants) for x in inspect.inputs(t)]
        e = _replay(op, args, inspect.parameters(t), shape_of(t.data))
        name = named(t.data)
        if name is not None and name not in env:
            forward.append((name, e))
            shapes[name] = e.shape
            env[name] = t.data
            e = Sym(name, e.shape, "cache")
        sym[id(t)] = e
    sizes = {name: size for size, name in dims.items()}
    return _Trace(order, leaves, sym, constants, forward, shapes, env, sizes)


def _backward(trace: _Trace, root: Tensor) -> dict[int, Expr]:
    """The engine's reverse pass with its own rules, on symbols: id -> adjoint."""
    grads: dict[int, Expr] = {id(root): E.Num(Fraction(1))}
    adjoint_of: dict[int, Expr] = {}
    for t in reversed(trace.order):
        g = grads.pop(id(t), None)
        if g is None:
            continue
        adjoint_of[id(t)] = g
        if t._op is None:
            continue
        args = [_input_expr(x, trace.sym, trace.constants) for x in inspect.inputs(t)]
        for position, parent in t._parents:
            gi = t._op.vjps[position](g, trace.sym[id(t)], *args, **inspect.parameters(t))
            target = trace.sym[id(parent)].shape
            if gi.shape != target:
                gi = sum_to(gi, target)  # type: ignore[arg-type]
            previous = grads.get(id(parent))
            grads[id(parent)] = gi if previous is None else previous + gi
    return adjoint_of


def _name_backward_values(
    trace: _Trace, adjoint_of: dict[int, Expr], named: Any
) -> dict[Expr, Expr]:
    """Cache values that only the backward pass computes (σ(Z2), from the rule of
    the cross-entropy's softplus) take their cache names too."""
    found: dict[Expr, Expr] = {}
    for g in adjoint_of.values():
        for sub_e in E.walk(g):
            if not isinstance(sub_e, E.Node) or sub_e.op != "func" or sub_e in found:
                continue
            value = np.asarray(E.evaluate(sub_e, trace.env, trace.sizes))
            name = named(value)
            if name is not None and name not in trace.env:
                found[sub_e] = Sym(name, sub_e.shape, "cache")
                trace.forward.append((name, sub_e))
                trace.shapes[name] = sub_e.shape
                trace.env[name] = value
    return found


def _name_adjoints(
    trace: _Trace, adjoint_of: dict[int, Expr]
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
        if t is None or id(t) not in adjoint_of or len(t._parents) < 2:
            continue
        factor, rest = E._split(adjoint_of[id(t)])
        aname = "δ" if fname == "ŷ" else f"d{fname}"
        a_sym = Sym(aname, rest.shape, "adjoint")
        trace.shapes[aname] = rest.shape
        if factor.power == -1 and abs(factor.coef) == 1:
            # ±1/m, the mean over examples: it stays on the parameter gradients
            # (dZ2 = A2 − Y, ∂L/∂W2 = (1/m) dZ2 A1ᵀ, as seed 003 writes them)
            factors[aname] = factor
            adjoints.append((aname, E.replace(rest, mapping)))
            mapping[rest] = a_sym
        else:
            # any other factor belongs to the adjoint (δ = (2/m)(ŷ − y), as seed 000)
            factors[aname] = E.Num(Fraction(1))
            adjoints.append((aname, E.scale(factor, E.replace(rest, mapping))))
            mapping[rest] = E.scale(E.Num(1 / factor.coef, -factor.power), a_sym)
    return adjoints, mapping, factors


def _derive_function(
    f: Callable[..., Tensor], shapes: dict[str, tuple[Dim, ...]], seed: int
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
    root = f(*leaves.values())
    if not isinstance(root, Tensor) or root.size != 1:
        raise ValueError("derive(f, shapes=...): f must return a one-element Tensor (a loss)")
    E._M_VALUE[0] = TRACE_M
    trace = _replay_forward(root, leaves, {}, {}, dims, lambda value: None)
    adjoint_of = _backward(trace, root)
    grads = {n: adjoint_of.get(id(t), E.Num(Fraction(0))) for n, t in leaves.items()}
    name = getattr(f, "__name__", "f")
    return Derivation(name, [], trace.sym[id(root)], [], grads, dict(grads), trace.shapes, ())


def _concrete(shape: tuple[Dim, ...], size_of: dict[str, int]) -> tuple[int, ...]:
    return tuple(size_of[d] if isinstance(d, str) else int(d) for d in shape)


def _input_expr(x: Any, sym: dict[int, Expr], constants: dict[int, Expr]) -> Expr:
    if isinstance(x, Tensor):
        return sym[id(x)]
    return _const_expr(x, constants)


def _const_expr(x: Any, constants: dict[int, Expr]) -> Expr:
    """A constant input of an operation as a symbol or a number.

    The only constant arrays in the models' graphs besides X and y are the
    maxima that softmax and log_softmax subtract for stability; the result
    does not depend on them, so they are written as 0.
    """
    if id(x) in constants:
        return constants[id(x)]
    if np.ndim(x) == 0:
        return E.number(float(x))
    return E.Num(Fraction(0))


def _expand(e: Expr, substitute: dict[Expr, Expr]) -> Expr:
    for _ in range(10):
        new = E.replace(e, substitute)
        if new == e:
            return e
        e = new
    return e


def _replay(op: str, args: list[Expr], params: dict[str, Any], shape: tuple[Any, ...]) -> Expr:
    a = args[0]
    if op == "neg":
        return -a
    if op == "add":
        return a + args[1]
    if op == "sub":
        return a - args[1]
    if op == "mul":
        return a * args[1]
    if op == "div":
        return a / args[1]
    if op == "pow":
        return a ** params["exponent"]
    if op == "matmul":
        return a @ args[1]
    if op == "transpose":
        return a.transpose(params["axes"])
    if op == "reshape":
        return a.reshape(shape)
    if op == "sum":
        return a.sum(params["axis"], params["keepdims"])
    if op in ("exp", "log", "tanh", "relu", "softplus"):
        return E.func(op, a)
    if op == "sigmoid":
        return E.func("σ", a)
    if op == "softmax_cross_entropy":
        axes = (0, 1) if a.ndim == 2 else (0,)
        return -E.sum_axes(args[1] * a.log_softmax(params["axis"]), axes, False)
    raise NotImplementedError(f"no symbolic replay of {op}")


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
        tracer: Model = MLP(sizes, model.activation, model.output, model.init, seed=0)
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
