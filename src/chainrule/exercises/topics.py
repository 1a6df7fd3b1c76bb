"""The exercise topics, each a function of a random generator returning one Exercise, and sheets.

Numbers come from the engine (:func:`chainrule.autodiff.grad`), shapes and
equations from the deriver (:func:`chainrule.symbolic.derive`) of the
registry's models.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator
from itertools import islice
from typing import Any

import numpy as np

from chainrule.autodiff import Tensor, grad
from chainrule.exercises.check import equation
from chainrule.exercises.sheet import Exercise, Sheet, significant
from chainrule.exercises.topics_checking import gradient_checking
from chainrule.exercises.topics_common import derivation, forward_text
from chainrule.exercises.topics_landscape import landscape
from chainrule.exercises.topics_mistakes import find_the_mistakes
from chainrule.models import DeltaRuleNetwork
from chainrule.optim import OPTIMIZERS, apply_updates
from chainrule.symbolic.render import text_expr

# name as written, the function on Tensors
OUTER: dict[str, Callable[[Tensor], Tensor]] = {
    "σ": Tensor.sigmoid,
    "tanh": Tensor.tanh,
    "exp": Tensor.exp,
    "log": Tensor.log,
}

NETWORKS = (
    "multivariate",
    "two-layer-linear",
    "two-layer-sigmoid",
    "logistic",
    "two-layer-classifier",
)


def chain_rule(rng: np.random.Generator) -> Exercise:
    """f(x) = g(a x + b) at a point: the derivative by the chain rule."""
    name = str(rng.choice(list(OUTER)))
    a = int(rng.choice([-3, -2, -1, 1, 2, 3]))
    x0 = float(rng.choice([-1.0, -0.5, 0.5, 1.0, 1.5, 2.0]))
    b = int(rng.integers(-2, 3))
    if name == "log":
        b = int(abs(a * x0)) + 1 + int(rng.integers(0, 2))
    outer = OUTER[name]
    u0 = a * x0 + b
    d_outer = float(grad(outer)(np.array(u0)))
    d_inner = float(grad(lambda x: x * a + b)(np.array(x0)))
    total = float(grad(lambda x: outer(x * a + b))(np.array(x0)))
    inner = _linear(a, b)
    question = f"Let f(x) = {name}({inner}). Compute f′(x) at x = {x0:g} (to 4 significant digits)."
    solution = (
        f"Write u = {inner}, so f = {name}(u). At x = {x0:g}, u = {u0:g}.\n"
        f"- df/du = {name}′(u) = {significant(d_outer)}\n"
        f"- du/dx = {significant(d_inner)}\n"
        f"- f′(x) = df/du · du/dx = {_factor(d_outer)} · {_factor(d_inner)} = "
        f"{significant(total)}"
    )
    return Exercise("chain-rule", question, "number", significant(total), solution, total)


def _factor(x: float) -> str:
    """A number as a factor of a product: a negative one in parentheses."""
    return f"({significant(x)})" if x < 0 else significant(x)


def _linear(a: int, b: int) -> str:
    ax = "x" if a == 1 else "−x" if a == -1 else f"{a}x".replace("-", "−")
    return ax if b == 0 else f"{ax} {'+' if b > 0 else '−'} {abs(b)}"


def gradient_step(rng: np.random.Generator) -> Exercise:
    """One gradient-descent step for ŷ = w x on one example, and the direction it moves w."""
    x = float(rng.choice([-2.0, -1.0, -0.5, 0.5, 1.0, 2.0, 3.0]))
    y = float(rng.integers(-4, 5))
    w0 = float(rng.choice([-1.5, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0]))
    lr = float(rng.choice([0.01, 0.05, 0.1, 0.2]))
    g = float(grad(lambda w: (w * x - y) ** 2)(np.array(w0)))
    w1 = w0 - lr * g
    direction = "up" if g < 0 else "down" if g > 0 else "nowhere"
    question = (
        f"A model ŷ = w x is trained on one example x = {x:g}, y = {y:g} with the loss "
        f"L = (ŷ − y)². From w = {w0:g}, take one gradient-descent step with learning rate "
        f"η = {lr:g}. What is the new w?"
    )
    solution = (
        f"- ŷ = w x = {significant(w0 * x)}\n"
        f"- dL/dw = 2 (ŷ − y) x = {significant(g)}\n"
        f"- the step is −η dL/dw = {significant(-lr * g)}: the gradient is "
        f"{'negative' if g < 0 else 'positive' if g > 0 else 'zero'}, so w moves {direction}\n"
        f"- w ← w − η dL/dw = {w0:g} − {lr:g} · {_factor(g)} = {significant(w1)}"
    )
    return Exercise("gradient-step", question, "number", significant(w1), solution, w1)


def shapes(rng: np.random.Generator) -> Exercise:
    """The shape of one quantity of a worked network, for given n, k and m."""
    name = str(rng.choice(NETWORKS))
    d = derivation(name)
    n, k, m = (int(v) for v in rng.choice(np.arange(2, 20), size=3, replace=False))
    sizes = {"n": n, "k": k, "m": m}
    quantities = [q for q in d.shapes if all(s in sizes or isinstance(s, int) for s in d.shapes[q])]
    quantities += [f"∂L/∂{p}" for p in d.cached]
    q = str(rng.choice(quantities))
    symbolic = d.shapes[q.removeprefix("∂L/∂")]
    shape = tuple(sizes[s] if isinstance(s, str) else int(s) for s in symbolic)
    defined = dict(d.forward) | dict(d.adjoints)
    if q.startswith("∂L/∂"):
        why = f"a gradient has the shape of its parameter, {q.removeprefix('∂L/∂')}"
    elif q in defined:
        why = f"{q} = {text_expr(defined[q])}"
    else:
        why = f"{q} is given: examples are columns, one row per feature"
    hidden = f", k = {k} hidden units" if "k" in {s for v in d.shapes.values() for s in v} else ""
    question = (
        f"The {name} network, with examples as columns:\n\n{forward_text(d)}\n\n"
        f"For n = {n} features{hidden} and m = {m} examples, what is the shape of {q}?"
    )
    sym = "(" + ", ".join(str(s) for s in symbolic) + ")"
    solution = f"{why}, so {q} is {sym} = {shape}."
    answer = "(" + ", ".join(map(str, shape)) + ")"
    return Exercise("shapes", question, "shape", answer, solution, shape)


def backward(rng: np.random.Generator) -> Exercise:
    """Write one parameter's gradient of a worked network in the text notation."""
    name = str(rng.choice(NETWORKS))
    d = derivation(name)
    param = str(rng.choice(list(d.cached)))
    names = ", ".join([*d.cached, *d.data_names, *(n for n, _ in d.forward), "m", "1⃗"])
    question = (
        f"The {name} network, with examples as columns:\n\n{forward_text(d)}\n\n"
        f"Write ∂L/∂{param} in the text notation (`@` or a space for the matrix product, "
        f"`*` or ⊙ elementwise, `.T` or ᵀ to transpose; the names: {names})."
    )
    closed = text_expr(d.closed[param])
    steps = "\n".join("    " + line for line in equation(d, param).splitlines())
    solution = f"Backpropagating from L:\n\n{steps}\n\nthat is, ∂L/∂{param} = {closed}"
    return Exercise("backward", question, "equation", closed, solution, (name, param))


def _rule(optimizer: Callable[..., Any]) -> str:
    """The update rule of an optimizer, from its docstring (the lines with ←)."""
    doc = inspect.getdoc(optimizer) or ""
    return "\n".join(
        "    " + line.strip() for line in doc.splitlines() if "←" in line and "``" not in line
    )


def optimizer_steps(rng: np.random.Generator) -> Exercise:
    """Two steps of momentum, RMSprop or Adam on L(w) = a (w − c)², by hand."""
    name = str(rng.choice(["momentum", "rmsprop", "adam"]))
    a = float(rng.choice([0.5, 1.0, 2.0]))
    c = float(rng.integers(-3, 4))
    w0 = float(rng.choice([-2.0, -1.0, 0.0, 1.0, 2.0]))
    w0 = w0 + 1.0 if w0 == c else w0
    lr = float(rng.choice([0.1, 0.2, 0.5]))
    make = OPTIMIZERS[name]
    hyper = {"momentum": {"beta": 0.9}, "rmsprop": {"alpha": 0.9}, "adam": {}}[name]
    optimizer = make(lr, **hyper)
    loss_grad = grad(lambda w: (w - c) ** 2 * a)
    params = {"w": np.array(w0)}
    state = optimizer.init(params)
    lines = []
    for step in (1, 2):
        g = float(loss_grad(params["w"]))
        updates, state = optimizer.update({"w": np.array(g)}, state, params)
        params = apply_updates(params, updates)
        lines.append(
            f"- step {step}: g = dL/dw = 2·{a:g}·({_linear(1, int(-c)).replace('x', 'w')}) = "
            f"{significant(g)}, "
            f"w ← {significant(float(params['w']))}"
        )
    w2 = float(params["w"])
    shown = ", ".join(f"{k} = {v}" for k, v in optimizer.hyperparams.items() if k != "lr")
    question = (
        f"Minimise L(w) = {a:g} ({_linear(1, int(-c)).replace('x', 'w')})² with {name} "
        f"(learning rate η = {lr:g}, {shown}), "
        f"starting from w = {w0:g} with the optimizer's state at zero. What is w after two "
        "steps?"
    )
    solution = f"The update rule:\n\n{_rule(make)}\n\n" + "\n".join(lines)
    return Exercise("optimizer-steps", question, "number", significant(w2), solution, w2)


def delta_rule(rng: np.random.Generator) -> Exercise:
    """Seed 001's 3-2-1 network: one weight after one delta-rule update."""
    net = DeltaRuleNetwork(seed=int(rng.integers(0, 2**31)))
    net.params = {k: np.round(v, 2) for k, v in net.params.items()}
    x = np.round(rng.uniform(-1.0, 1.0, size=(3, 1)), 1)
    y = float(rng.choice([0.0, 1.0]))
    lr = float(rng.choice([0.1, 0.5, 1.0]))
    which = str(rng.choice(["W01", "W12"]))
    i = int(rng.integers(0, net.params[which].shape[0]))
    j = int(rng.integers(0, net.params[which].shape[1]))
    change = float(net.updates(x, np.array([[y]]), lr)[which][i, j])
    unit = {
        "W01": (f"input {i + 1}", f"hidden unit {j + 1}"),
        "W12": (f"hidden unit {i + 1}", "the output"),
    }
    question = (
        "Seed 001's 3-2-1 network of sigmoid units without biases, weights w_ij from unit i "
        f"to unit j: W01 = {net.params['W01'].tolist()}, W12 = {net.params['W12'].tolist()}. "
        f"For x = {x.ravel().tolist()}, target y = {y:g} and η = {lr:g}, apply one "
        f"delta-rule update, Δw_ij = η δ_j x_i. What is the change Δw of the weight from "
        f"{unit[which][0]} to {unit[which][1]}, {which}[{i}, {j}] (4 significant digits)?"
    )
    worked = net.worked_example(x.ravel(), y, lr)
    solution = "\n".join("    " + line for line in worked.splitlines())
    return Exercise("delta-rule", question, "number", significant(change), solution, change)


def minibatch(rng: np.random.Generator) -> Exercise:
    """How many parameter updates mini-batch gradient descent makes."""
    n = int(rng.integers(50, 5001))
    batch = int(rng.choice([8, 16, 32, 50, 64, 100, 128, 256]))
    epochs = int(rng.integers(1, 21))
    per_epoch = -(-n // batch)
    last = n - (per_epoch - 1) * batch
    question = (
        f"A training set holds {n} examples. Mini-batch gradient descent with batches of "
        f"{batch} (the last batch of an epoch takes what is left) runs for {epochs} epochs. "
        "How many parameter updates does it make?"
    )
    solution = (
        f"- one epoch: ⌈{n} / {batch}⌉ = {per_epoch} batches (the last holds {last} examples)\n"
        f"- {epochs} epochs: {epochs} · {per_epoch} = {epochs * per_epoch} updates"
    )
    total = float(epochs * per_epoch)
    return Exercise("minibatch", question, "number", str(epochs * per_epoch), solution, total)


TOPICS: dict[str, Callable[[np.random.Generator], Exercise]] = {
    "chain-rule": chain_rule,
    "gradient-step": gradient_step,
    "shapes": shapes,
    "backward": backward,
    "optimizer-steps": optimizer_steps,
    "delta-rule": delta_rule,
    "minibatch": minibatch,
    "find-the-mistakes": find_the_mistakes,
    "gradient-checking": gradient_checking,
    "landscape": landscape,
}
"""Topic name -> the function making one exercise from a random generator."""


MAX_COUNT = 100


def generate(topic: str, seed: int = 0, count: int = 5) -> Sheet:
    """``count`` exercises on ``topic`` (see :data:`~chainrule.exercises.topics.TOPICS`).

    The same topic, seed and count give the same sheet on every machine.
    """
    exercises = stream(topic, seed)
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_COUNT:
        raise ValueError(f"count must be an integer from 1 to {MAX_COUNT}, got {count!r}")
    return Sheet(topic, seed, tuple(islice(exercises, count)))


def stream(topic: str, seed: int = 0) -> Iterator[Exercise]:
    """Exercises on ``topic`` without end, for practice one at a time.

    The first ``count`` of them are the sheet ``generate(topic, seed, count)``.
    """
    if topic not in TOPICS:
        raise ValueError(f"unknown topic {topic!r}: use one of {', '.join(TOPICS)}")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be an integer >= 0, got {seed!r}")
    return _stream(TOPICS[topic], np.random.default_rng([seed, sum(map(ord, topic))]))


def _stream(
    make: Callable[[np.random.Generator], Exercise], rng: np.random.Generator
) -> Iterator[Exercise]:
    while True:
        yield make(rng)
