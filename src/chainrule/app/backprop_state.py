"""The backprop stepper's state and its steps, from the symbolic deriver's equations.

A network's equations come from :func:`chainrule.symbolic.derive` (cached
form, the seeds' names: Z1, A1, ŷ, δ, dZ...). The stepper evaluates them one
at a time with :func:`chainrule.symbolic.expr.evaluate` on the user's numbers:
each forward value, the loss, each named adjoint, each parameter's gradient,
then each update p ← p − η ∂L/∂p. Every matrix a user types is parsed as
numbers only (nothing is evaluated) and checked against the network's shapes.
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlencode

import numpy as np

from chainrule import models
from chainrule.app.backprop_corrections import Correction, correction
from chainrule.symbolic import Derivation, derive
from chainrule.symbolic import expr as E  # noqa: N812 - E for expressions
from chainrule.symbolic.evaluate import evaluate
from chainrule.symbolic.kinds import replace
from chainrule.symbolic.render import text_expr

MAX_EXAMPLES = 64
MAX_ENTRY = 1e6
SMALL = 4  # matrices up to 4 x 4 show their entries


@dataclass(frozen=True)
class Network:
    """A network the stepper offers: how it is built, and its opening numbers."""

    label: str
    build: Any  # () -> Model
    data: Any  # () -> (X, Y)
    params: Any = None  # () -> params, or None for the model's own initial weights


def _classic_params() -> dict[str, np.ndarray]:
    """The weights of the classic 2-2-2 worked example (biases 0.35 and 0.60 per layer)."""
    return {
        "W1": np.array([[0.15, 0.20], [0.25, 0.30]]),
        "b1": np.array([[0.35], [0.35]]),
        "W2": np.array([[0.40, 0.45], [0.50, 0.55]]),
        "b2": np.array([[0.60], [0.60]]),
    }


def _registry_network(name: str, label: str, **hyper: Any) -> Network:
    """A registry model on the first six examples of its sample problem."""
    spec = models.get(name)

    def data() -> tuple[np.ndarray, np.ndarray]:
        X, y = spec.sample(0)
        return X[:, :6], y[:, :6]

    n = spec.n_features or spec.sample(0)[0].shape[0]
    return Network(
        label, lambda: models.build(name, n_features=n, task=spec.tasks[0], **hyper), data
    )


def _small_mlp() -> Network:
    def data() -> tuple[np.ndarray, np.ndarray]:
        X, y = models.get("mlp").sample(0)
        return X[:, :4], y[:, :4]

    return Network(
        "small MLP 2-3-3-1, tanh", lambda: models.MLP([2, 3, 3, 1], activation="tanh"), data
    )


NETWORKS: dict[str, Network] = {
    "2-2-2": Network(
        "2-2-2: sigmoid hidden and output, squared error",
        lambda: models.SigmoidSquaredError(2, 2, 2),
        lambda: (np.array([[0.05], [0.10]]), np.array([[0.01], [0.99]])),
        _classic_params,
    ),
    "two-layer-sigmoid": _registry_network(
        "two-layer-sigmoid", "seed 000: two-layer sigmoid", n_hidden=4
    ),
    "univariate": _registry_network("univariate", "seed 000: univariate regression"),
    "multivariate": _registry_network("multivariate", "seed 000: multivariate regression"),
    "two-layer-linear": _registry_network(
        "two-layer-linear", "seed 000: two-layer linear", n_hidden=3
    ),
    "logistic": _registry_network("logistic", "seed 003: logistic regression"),
    "two-layer-classifier": _registry_network(
        "two-layer-classifier", "seed 003: two-layer classifier", n_hidden=3
    ),
    "delta-rule": _registry_network("delta-rule", "seed 001: 3-2-1 delta rule"),
    "mlp": _small_mlp(),
}
"""Key -> a network the stepper offers; the first opens the page."""


@dataclass(frozen=True)
class Step:
    """One step of the stepper.

    Attributes:
        phase: "forward", "loss", "backward", "gradient" or "update".
        name: what it computes (Z1, L, dZ1, ∂L/∂W1, W1).
        node: the graph node it highlights.
        equation: the equation in the seed's notation.
        substituted: the equation with the current numbers in place of the names.
        value: the result, its own shape.
        shape: the symbolic shape, e.g. "(k, m)".
        old, change: for an update, the parameter before and −η ∂L/∂p.
        correction: for seed 003's classifier, the seed's own line where it is
            wrong and why (the equation above is the correct form).
    """

    phase: str
    name: str
    node: str
    equation: str
    substituted: str
    value: np.ndarray
    shape: str
    old: np.ndarray | None = None
    change: np.ndarray | None = None
    correction: Correction | None = None


@dataclass(frozen=True)
class StepperState:
    """The network, its numbers (data and parameters), the learning rate and the step."""

    network: str = "2-2-2"
    numbers: dict[str, np.ndarray] = field(default_factory=dict)
    lr: float = 0.5
    step: int = 0


@functools.cache
def derivation(network: str) -> Derivation:
    """The network's derived equations (one derivation per architecture)."""
    return derive(NETWORKS[network].build())


def defaults(network: str) -> dict[str, np.ndarray]:
    """The network's opening numbers: X, its targets, and every parameter."""
    spec = NETWORKS[network]
    model = spec.build()
    X, Y = spec.data()
    params = spec.params() if spec.params is not None else model.params
    x_name, y_name = derivation(network).data_names
    return {x_name: X, y_name: Y, **{k: np.array(v) for k, v in params.items()}}


def parse_matrix(name: str, text: Any) -> np.ndarray:
    """Rows separated by ';' or new lines, entries by ',' or spaces: numbers only."""
    if not isinstance(text, str):
        raise ValueError(f"{name} must be text such as '1, 2; 3, 4', got {text!r}")
    if len(text) > 20_000:
        raise ValueError(f"{name} is too long ({len(text)} characters)")
    rows = [r for r in text.replace("\n", ";").split(";") if r.strip()]
    if not rows:
        raise ValueError(f"{name} is empty: type its rows, e.g. '0.1, 0.2; 0.3, 0.4'")
    values = []
    for r in rows:
        entries = r.replace(",", " ").split()
        try:
            values.append([float(v) for v in entries])
        except ValueError:
            bad = next(v for v in entries if not _is_number(v))
            raise ValueError(f"{name}: {bad!r} is not a number") from None
    if len({len(r) for r in values}) != 1:
        raise ValueError(f"{name}: every row needs the same number of entries")
    matrix = np.array(values, dtype=np.float64)
    if not np.all(np.isfinite(matrix)) or np.abs(matrix).max() > MAX_ENTRY:
        raise ValueError(f"{name}: every entry must be a finite number within ±{MAX_ENTRY:g}")
    return matrix


def _is_number(v: str) -> bool:
    try:
        float(v)
    except ValueError:
        return False
    return True


def format_matrix(a: np.ndarray) -> str:
    """Rows joined by ';' with six significant figures: what :func:`parse_matrix` reads."""
    return ";".join(",".join(f"{v:.6g}" for v in row) for row in np.atleast_2d(a))


def check(state: StepperState) -> StepperState:
    """The state with every matrix checked against the network's shapes."""
    if state.network not in NETWORKS:
        raise ValueError(f"network must be one of {', '.join(NETWORKS)}, got {state.network!r}")
    opening = defaults(state.network)
    x_name, y_name = derivation(state.network).data_names
    numbers = {k: np.asarray(state.numbers.get(k, v), dtype=np.float64) for k, v in opening.items()}
    m = numbers[x_name].shape[1] if numbers[x_name].ndim == 2 else 0
    if not 1 <= m <= MAX_EXAMPLES:
        raise ValueError(f"{x_name} needs 1 to {MAX_EXAMPLES} examples (columns), got {m}")
    for k, v in numbers.items():
        if not np.all(np.isfinite(v)) or (v.size and np.abs(v).max() > MAX_ENTRY):
            raise ValueError(f"{k}: every entry must be a finite number within ±{MAX_ENTRY:g}")
        want = opening[k].shape if k not in (x_name, y_name) else (opening[k].shape[0], m)
        if v.shape != want:
            raise ValueError(
                f"{k} must have shape {want[0]}×{want[1]} for this network, "
                f"got {'×'.join(map(str, v.shape))}"
            )
    lr = state.lr
    if isinstance(lr, bool) or not isinstance(lr, int | float) or not 0 < lr <= 100:
        raise ValueError(f"the learning rate η must be in (0, 100], got {lr!r}")
    total = len(steps(state.network, numbers, float(lr)))
    if not isinstance(state.step, int) or not 0 <= state.step < total:
        raise ValueError(f"step must be in 0..{total - 1}, got {state.step!r}")
    return StepperState(state.network, numbers, float(lr), state.step)


def steps(network: str, numbers: dict[str, np.ndarray], lr: float) -> list[Step]:
    """Every step of one forward pass, backward pass and update, in order."""
    d = derivation(network)
    env: dict[str, Any] = {k: np.asarray(v, dtype=np.float64) for k, v in numbers.items()}
    dims = d.dims(env)
    out: list[Step] = []

    def shape_text(shape: tuple[Any, ...]) -> str:
        return "(" + ", ".join(str(s) for s in shape) + ")"

    def add(phase: str, name: str, node: str, e: E.Expr, like: str | None = None) -> np.ndarray:
        value = np.asarray(evaluate(e, env, dims), dtype=np.float64)
        if like is not None:  # a gradient has its parameter's shape
            value = np.broadcast_to(value, numbers[like].shape).copy()
        out.append(
            Step(phase, name, node, f"{name} = {text_expr(e)}", _substituted(e, env),
                 value, shape_text(e.shape), correction=correction(network, name))
        )  # fmt: skip
        return value

    for name, e in d.forward:
        env[name] = add("forward", name, name, e)
    add("loss", "L", "L", d.loss)
    for name, e in d.adjoints:
        env[name] = add("backward", name, _node_of(name, d), e)
    grads = {p: add("gradient", f"∂L/∂{p}", p, e, like=p) for p, e in d.cached.items()}
    for p, g in grads.items():
        old = env[p]
        change = -lr * g
        out.append(
            Step("update", p, p, f"{p} ← {p} − η ∂L/∂{p}",
                 f"{p} ← {_show(old)} − {lr:g} · {_show(g)}", old + change,
                 shape_text(d.shapes[p]), old, change)
        )  # fmt: skip
    return out


def _node_of(adjoint: str, d: Derivation) -> str:
    """The forward value an adjoint belongs to: dZ1 -> Z1, δ -> ŷ (the output)."""
    names = [n for n, _ in d.forward]
    if adjoint.startswith("d") and adjoint[1:] in names:
        return adjoint[1:]
    return names[-1] if names else "L"


def _show(a: np.ndarray) -> str:
    """Entries of a small matrix, or its shape and norm."""
    a = np.atleast_2d(a)
    if a.shape[0] <= SMALL and a.shape[1] <= SMALL:
        if a.size == 1:
            return f"{a.item():.4g}"
        return "[" + "; ".join(" ".join(f"{v:.4g}" for v in row) for row in a) + "]"
    return f"⟨{a.shape[0]}×{a.shape[1]}, ‖·‖={np.linalg.norm(a):.4g}⟩"


def _substituted(e: E.Expr, env: dict[str, Any]) -> str:
    mapping: dict[E.Expr, E.Expr] = {
        s: E.Sym(_show(env[s.name]), s.shape, s.role)
        for s in E.walk(e)
        if isinstance(s, E.Sym) and s.name in env
    }
    m = env[next(iter(env))].shape[1] if env else 0
    text = text_expr(replace(e, mapping))
    return text + (f"    (m = {m})" if re.search(r"(?<!\w)m(?!\w)", text) else "")


# --- the URL ---------------------------------------------------------------------


def to_query(state: StepperState) -> str:
    """``?network=2-2-2&lr=0.5&step=3&X=...&W1=...``: the state as a URL query."""
    query = {"network": state.network, "lr": f"{state.lr:g}", "step": str(state.step)}
    query.update({k: format_matrix(v) for k, v in state.numbers.items()})
    return "?" + urlencode(query, safe=",;:")


def from_query(search: str) -> StepperState:
    """The state a URL query describes (what it omits takes the network's defaults)."""
    fields = {k: v[-1] for k, v in parse_qs(search.lstrip("?"), keep_blank_values=True).items()}
    network = fields.pop("network", "2-2-2")
    if network not in NETWORKS:
        raise ValueError(f"network must be one of {', '.join(NETWORKS)}, got {network!r}")
    opening = defaults(network)
    lr = _float("lr", fields.pop("lr", "0.5"))
    step = _float("step", fields.pop("step", "0"))
    if step != int(step):
        raise ValueError(f"step must be a whole number, got {step:g}")
    unknown = sorted(set(fields) - set(opening))
    if unknown:
        raise ValueError(f"unknown setting {unknown[0]!r}: this network has {', '.join(opening)}")
    numbers = {k: parse_matrix(k, v) for k, v in fields.items()}
    return check(StepperState(network, {**opening, **numbers}, lr, int(step)))


def _float(name: str, text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{name} must be a number, got {text!r}") from None
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite, got {text!r}")
    return value


def check_answer(typed: Any, value: np.ndarray) -> tuple[bool, str]:
    """Whether a typed number equals entry [0, 0] of ``value`` to 3 significant figures."""
    if not isinstance(typed, str | int | float) or isinstance(typed, bool):
        return False, "Type a number."
    try:
        number = float(str(typed).strip())
    except ValueError:
        return False, f"{typed!r} is not a number."
    if not math.isfinite(number):
        return False, f"{typed!r} is not a finite number."
    want = float(np.atleast_2d(value)[0, 0])
    right = abs(number - want) <= max(5e-4 * abs(want), 5e-4)
    return right, ("Right: " if right else "Not quite: ") + f"you typed {number:g}."
