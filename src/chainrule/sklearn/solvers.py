"""How the estimators train a chainrule MLP: scikit-learn's loop over chainrule's parts.

The estimators follow scikit-learn's training procedure step for step (the
same initial weights from ``random_state``, the same shuffled batches, the
same loss curve, stopping rule and learning-rate adaptation), but every
gradient is the engine's, compiled once per batch shape
(:func:`chainrule.autodiff.compiled_value_and_grad` on the MLP's own
``loss_graph``), and every step is a chainrule optimizer's ``update``.

The objective is scikit-learn's: for a batch of b examples, the mean
cross-entropy, or half the squared error summed over the outputs and averaged
over the examples, plus (alpha / (2·b))·Σ‖W‖². The chainrule MLP's loss is
``scale`` times that (2 for the squared error, which chainrule does not halve;
1 for the cross-entropies) once its α, which it adds as (α/2)·Σ‖W‖², is
scale·alpha / b. scikit-learn reports the squared error of k outputs averaged
over them too (its gradients sum over them), so the loss reported for k > 1
outputs divides the data term by k as scikit-learn's does.
"""

from __future__ import annotations

import copy
import math
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from chainrule.autodiff import Compiled, Tensor, compiled_value_and_grad
from chainrule.models import MLP
from chainrule.optim import OPTIMIZERS, GradientTransformation, Schedule, adam, sgd
from chainrule.optim.joined import KEY, Joined, joined_layout

Params = dict[str, np.ndarray]
Objective = Compiled

SKLEARN_SOLVERS = ("lbfgs", "sgd", "adam")
SOLVERS = ("lbfgs", *sorted(OPTIMIZERS))
"""Solvers by name: scikit-learn's three and every chainrule optimizer."""
LEARNING_RATES = ("constant", "invscaling", "adaptive")
SMALLEST_ADAPTIVE_RATE = 1e-6  # scikit-learn's: 'adaptive' stops below it


class Rate:
    """A learning rate the training loop changes between epochs.

    Handed to a chainrule optimizer as its ``lr`` (a callable of the step), it
    lets 'invscaling' and 'adaptive' change the rate of an optimizer whose
    state holds on. Its ``value`` is the rate of the next step.
    """

    def __init__(self, value: float) -> None:
        self.value = float(value)

    def __call__(self, step: int) -> float:
        return self.value

    def __repr__(self) -> str:
        return f"{self.value:g}"


def make_optimizer(
    solver: str | GradientTransformation,
    learning_rate: str | Schedule | Callable[[int], float],
    rate: Rate | None,
    *,
    momentum: float,
    nesterovs_momentum: bool,
    beta_1: float,
    beta_2: float,
    epsilon: float,
) -> GradientTransformation:
    """The chainrule optimizer an estimator's parameters describe.

    ``"sgd"`` is scikit-learn's SGD (``momentum``, Nesterov with
    ``nesterovs_momentum``), ``"adam"`` its Adam (``beta_1``, ``beta_2``,
    ``epsilon``), ``"momentum"`` the course's momentum with β = ``momentum``;
    the other names are chainrule's optimizers with their defaults. The rate is
    ``rate`` (for 'constant', 'invscaling', 'adaptive') or the schedule given
    as ``learning_rate``. A GradientTransformation is used as it is.
    """
    if isinstance(solver, GradientTransformation):
        return solver
    lr: Any = rate if rate is not None else learning_rate
    if solver == "sgd":
        return sgd(lr, momentum=momentum, nesterov=nesterovs_momentum and momentum > 0)
    if solver == "adam":
        return adam(lr, betas=(beta_1, beta_2), eps=epsilon)
    if solver == "momentum":
        return OPTIMIZERS["momentum"](lr, beta=momentum)
    return OPTIMIZERS[solver](lr)


def objective(model: MLP, scale: float, weighted: bool = False) -> Objective:
    """The compiled loss and gradients of ``model`` as scikit-learn defines them.

    The returned function takes the parameter arrays (in ``model.params``
    order), X (n, b), Y (out, b), with ``weighted`` the sample weights s (b,),
    and the penalty strength α for this batch, and returns (loss, gradients in
    the same order). α is a plain number, so each value of it is a signature
    of its own and is replayed exactly. With weights the data term is the
    weighted mean Σᵢ sᵢ ℓᵢ / Σᵢ sᵢ (scikit-learn's ``np.average``), so the
    caller gives α = scale·alpha / Σᵢ sᵢ as scikit-learn divides its penalty.

    The function depends on the model's configuration only (its
    hyperparameters but α, its parameter names), never on its weights, so one
    is made per configuration and thread and shared by every estimator that
    trains such a model: a grid search or a second ``fit`` replays the graphs
    the first one recorded. Each is recorded on a private copy of the model,
    whose α it sets while recording, so the caller's model is left alone.
    """
    names = tuple(model.params)
    settings = model.hyperparameters()
    settings.pop("alpha", None)
    key = (
        type(model),
        names,
        repr(sorted(settings.items())),
        model.training,
        float(scale),
        weighted,
    )
    cache: OrderedDict[Any, Objective] = _OBJECTIVES.__dict__.setdefault("cache", OrderedDict())
    found = cache.get(key)
    if found is not None:
        cache.move_to_end(key)
        return found
    template = copy.copy(model)
    template.__dict__.pop("_compiled", None)  # its own compiled steps, not the model's
    template.params = {}  # the parameters are arguments; keep none alive here
    inverse = 1.0 / scale

    def loss(*args: Any) -> Tensor:
        if weighted:
            *arrays, X, Y, weights, strength = args
        else:
            (*arrays, X, Y, strength), weights = args, None
        template.alpha = strength  # read by loss_graph while the graph is recorded
        value = template.loss_graph(dict(zip(names, arrays, strict=True)), X, Y, weights)
        return value * inverse if scale != 1.0 else value

    found = compiled_value_and_grad(loss, argnums=tuple(range(len(names))))
    cache[key] = found
    if len(cache) > _MAX_OBJECTIVES:
        cache.popitem(last=False)
    return found


_OBJECTIVES = threading.local()  # per thread: a recording sets its template's α
_MAX_OBJECTIVES = 16


def shuffled(indices: np.ndarray, random_state: np.random.RandomState) -> np.ndarray:
    """``sklearn.utils.shuffle(indices, random_state=random_state)``, without its
    argument validation (about a millisecond a call, once per epoch).

    The same permutation from the same draws: ``random_state.shuffle`` of
    ``arange(len(indices))``, then ``indices`` taken in that order.
    """
    order = np.arange(len(indices))
    random_state.shuffle(order)
    return indices[order]


class Progress:
    """What the stopping rule reads, as scikit-learn keeps it between epochs."""

    def __init__(self, early_stopping: bool) -> None:
        self.no_improvement = 0
        self.loss_curve: list[float] = []
        self.best_loss: float | None = None if early_stopping else math.inf
        self.validation_scores: list[float] | None = [] if early_stopping else None
        self.best_validation_score: float | None = -math.inf if early_stopping else None
        self.best_params: Params | None = None

    def record(self, loss: float, tol: float, score: float | None, params: Params) -> None:
        """One epoch's loss and (with early stopping) validation score."""
        self.loss_curve.append(loss)
        if self.validation_scores is not None and score is not None:
            assert self.best_validation_score is not None
            self.validation_scores.append(score)
            if score < self.best_validation_score + tol:
                self.no_improvement += 1
            else:
                self.no_improvement = 0
            if score > self.best_validation_score:
                self.best_validation_score = score
                self.best_params = {k: v.copy() for k, v in params.items()}
            return
        assert self.best_loss is not None
        if loss > self.best_loss - tol:
            self.no_improvement += 1
        else:
            self.no_improvement = 0
        self.best_loss = min(self.best_loss, loss)


def run_epoch(
    model: MLP,
    step: Objective,
    optimizer: GradientTransformation,
    state: Any,
    X: np.ndarray,
    Y: np.ndarray,
    batches: Sequence[np.ndarray | slice],
    alpha: float,
    scale: float,
    outputs_averaged: int,
    weights: np.ndarray | None = None,
) -> tuple[float, Any]:
    """One pass over the batches; returns the mean batch loss and the optimizer state.

    X is (m, n) and Y (m, out), examples as rows; each batch is turned into
    columns (a transposed view) for the model. The mean is weighted by batch
    size, as scikit-learn's ``loss_`` is; with ``outputs_averaged`` = k > 1,
    each batch's data term is reported divided by k (see the module docstring).
    With ``weights`` (m,), the sample weights in X's order, ``step`` is the
    weighted objective and each batch's loss its weighted mean, with the
    penalty divided by the batch's total weight, as scikit-learn's.
    An elementwise optimizer updates the parameters joined into one new
    vector, of which ``model.params`` become views, in place, from the
    gradients the replay lays end to end (``step.flat``; the state as
    :func:`init_state` made it); any other one updates them array by array.
    """
    names = list(model.params)
    params = model.params
    layout = joined_layout(optimizer, params)
    vector = np.empty(0)
    if layout is not None:
        vector = layout.join([params[k] for k in names])
        params.update(layout.split(vector))
    total = 0.0
    for batch in batches:
        Xb, Yb = X[batch], Y[batch]
        b = Xb.shape[0]
        if weights is None:
            total_weight = float(b)
            data: tuple[Any, ...] = (Xb.T, Yb.T, scale * alpha / b)
        else:
            wb = weights[batch]
            total_weight = batch_weight(wb)
            data = (Xb.T, Yb.T, wb, scale * alpha / total_weight)
        arrays = [params[k] for k in names]
        if layout is not None:
            loss, gradient = step.flat(*arrays, *data)
        else:
            loss, grads = step(*arrays, *data)
        if outputs_averaged != 1:
            matrices = [params[k] for k in names if k.startswith("W")]
            loss = averaged(loss, matrices, alpha / total_weight, outputs_averaged)
        if layout is not None:
            updates, state = optimizer.update({KEY: gradient}, state, {KEY: vector})
            vector += updates[KEY]  # the arrays of model.params are views of it
        else:
            updates, state = optimizer.update(dict(zip(names, grads, strict=True)), state, params)
            for k in names:
                params[k] = params[k] + updates[k]
        total += loss * b
    return total / X.shape[0], state


def batch_weight(weights: np.ndarray) -> float:
    """Σ of a batch's sample weights (b,), refused when it is not positive (the
    weighted mean over the batch would be 0/0)."""
    total = float(weights.sum())
    if not total > 0:
        raise ValueError(
            f"a batch of {weights.size} examples has sample weights summing to {total}: "
            "every batch needs a positive total weight; give fewer zero weights, a "
            "larger batch_size, or drop the zero-weight rows"
        )
    return total


def init_state(optimizer: GradientTransformation, params: Params) -> Any:
    """The optimizer's first state for :func:`run_epoch`: over the parameters joined
    into one vector when the optimizer is elementwise, else over the arrays."""
    layout = joined_layout(optimizer, params)
    if layout is not None:
        return optimizer.init({KEY: layout.join([params[k] for k in layout.names])})
    return optimizer.init(dict(params))


def averaged(loss: float, weights: Sequence[np.ndarray], strength: float, outputs: int) -> float:
    """scikit-learn's loss of ``outputs`` > 1 regression outputs: the data term of
    ``loss`` divided by their number, the penalty (strength/2)·Σ‖W‖² of the weight
    matrices ``weights`` kept."""
    penalty = strength / 2 * sum(float(np.vdot(W, W)) for W in weights)
    return (loss - penalty) / outputs + penalty


def run_lbfgs(
    model: MLP,
    step: Objective,
    X: np.ndarray,
    Y: np.ndarray,
    alpha: float,
    scale: float,
    max_iter: int,
    max_fun: int,
    tol: float,
    outputs_averaged: int,
    weights: np.ndarray | None = None,
) -> tuple[float, int, str | None]:
    """Full-batch L-BFGS-B (SciPy) on the model's parameters, as scikit-learn runs it.

    X is (m, n) and Y (m, out); ``weights`` (m,) are sample weights, as in
    :func:`run_epoch`, for the whole data. Returns the final loss (reported as
    :func:`run_epoch` does), the iterations taken and, when the solver stopped
    without converging, SciPy's reason.
    """
    import scipy.optimize  # type: ignore[import-untyped]

    layout = Joined(model.params)
    total_weight = float(X.shape[0]) if weights is None else batch_weight(weights)
    strength = scale * alpha / total_weight
    Xc, Yc = X.T, Y.T
    data = (Xc, Yc) if weights is None else (Xc, Yc, weights)

    def fun(w: np.ndarray) -> tuple[float, np.ndarray]:
        arrays = layout.split(w)
        loss, grads = step(*arrays.values(), *data, strength)
        if outputs_averaged != 1:
            # scikit-learn hands L-BFGS this loss (the data term averaged over
            # the outputs) with the gradient of the sum over them, and so here.
            matrices = [v for k, v in arrays.items() if k.startswith("W")]
            loss = averaged(loss, matrices, alpha / total_weight, outputs_averaged)
        return loss, layout.join(grads)

    start = layout.join([model.params[k] for k in layout.names])
    result = scipy.optimize.minimize(
        fun,
        start,
        method="L-BFGS-B",
        jac=True,
        options={"maxfun": max_fun, "maxiter": max_iter, "gtol": tol},
    )
    model.params.update({k: a.copy() for k, a in layout.split(result.x).items()})
    failed = None if result.status == 0 else f"status {result.status}: {result.message}"
    return float(result.fun), min(int(result.nit), max_iter), failed
