"""The usual mistakes of a hand-derived backward pass, computed from the derived equations.

The deriver gives every network's backward pass as expressions
(:class:`~chainrule.symbolic.Derivation`). Each mistake here is a small
change to those expressions, evaluated on a problem's numbers: the
activation's derivative taken at the wrong quantity (σ′ applied to A instead
of Z, or A ⊙ (1 − A) written with Z in place of A, or the factor left out),
a weight's gradient used where the weight belongs in the backward pass (seed
003's dW2 for W2ᵀ), and a bias gradient not summed over the examples. A
learner's gradient that equals one of them, up to a factor, is diagnosed by
its name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np

from chainrule.exercises.problems import Problem
from chainrule.symbolic import Derivation
from chainrule.symbolic.evaluate import evaluate
from chainrule.symbolic.expr import Expr, Node, Ones, Sym, walk
from chainrule.symbolic.kinds import rebuild, replace
from chainrule.symbolic.render import text_expr


@dataclass(frozen=True)
class Mistake:
    """One wrong backward pass: which gradients it changes and what it got wrong.

    Attributes:
        kind: a kind of :data:`chainrule.exercises.report.KINDS`.
        what: the mistake in plain words, naming the quantities.
        values: per problem, parameter -> the gradient this mistake gives
            (only the parameters whose gradient it changes).
    """

    kind: str
    what: str
    values: tuple[dict[str, np.ndarray], ...]


def environment(
    d: Derivation,
    problem: Problem,
    adjoints: list[tuple[str, Expr]] | None = None,
    extra: dict[str, np.ndarray] | None = None,
) -> tuple[dict[str, Any], dict[str, int]]:
    """Every named value of the derived equations on a problem, and the sizes.

    The parameters, the data, the named forward values (Z, A, ŷ...) and the
    named adjoints (δ, dZ...); ``adjoints`` replaces the derivation's own and
    ``extra`` gives values to names that changed equations use.
    """
    env: dict[str, Any] = dict(problem.params)
    env.update(zip(d.data_names, (problem.X, problem.y), strict=False))
    env.update(d.constants)
    env.update(extra or {})
    dims: dict[str, int] = {}
    for name, shape in d.shapes.items():
        if name in env:
            for dim, size in zip(shape, np.shape(env[name]), strict=False):
                if isinstance(dim, str):
                    dims[dim] = int(size)
    for name, e in [*d.forward, *(d.adjoints if adjoints is None else adjoints)]:
        env[name] = evaluate(e, env, dims)
    return env, dims


def gradients(
    d: Derivation,
    problem: Problem,
    adjoints: list[tuple[str, Expr]] | None = None,
    cached: dict[str, Expr] | None = None,
    extra: dict[str, np.ndarray] | None = None,
) -> dict[str, np.ndarray]:
    """The derived equations (or changed ones) on a problem: parameter -> array.

    ``adjoints`` and ``cached`` replace the derivation's own; ``extra`` gives
    values to names that the changed equations use. Arrays keep the shape the
    expression gives (a bias left unsummed is (k, m)).
    """
    env, dims = environment(d, problem, adjoints, extra)
    return {
        name: np.asarray(evaluate(e, env, dims), dtype=np.float64)
        for name, e in (d.cached if cached is None else cached).items()
    }


def mistakes(d: Derivation, problems: list[Problem]) -> list[Mistake]:
    """Every mistake of this module for the derivation's network, on every problem.

    Empty when the derived equations do not reproduce the engine's gradients
    on the problems (then no mistake can be told from its numbers).
    """
    right = [gradients(d, p) for p in problems]
    for values, p in zip(right, problems, strict=True):
        for name, ref in p.reference.items():
            got = values.get(name)
            if got is None or not np.allclose(np.broadcast_to(got, ref.shape), ref, 1e-8, 1e-10):
                return []
    found = [*_activation_mistakes(d, problems), *_weight_mistakes(d, problems)]
    found.extend(_bias_mistakes(d, problems))
    return [m for m in found if _changes_something(m, right)]


def _changes_something(m: Mistake, right: list[dict[str, np.ndarray]]) -> bool:
    changed = {
        name
        for values, correct in zip(m.values, right, strict=True)
        for name, v in values.items()
        if v.shape != correct[name].shape or not np.allclose(v, correct[name], 1e-9, 1e-12)
    }
    for values in m.values:
        for name in list(values):
            if name not in changed:
                del values[name]
    return bool(changed)


# --- the activation's derivative -------------------------------------------------

_FUNCTION_NAMES = {"sigmoid": "σ", "tanh": "tanh", "relu": "relu"}


def _activations(d: Derivation) -> list[tuple[Sym, Sym, Node]]:
    """(A, Z, f(Z)) for each named forward value A = f(Z) of a named Z."""
    syms = {s.name: s for _, e in d.forward for s in walk(e) if isinstance(s, Sym)}
    for name, e in d.forward:
        syms.setdefault(name, Sym(name, d.shapes.get(name, e.shape), "cache"))
    out = []
    for name, e in d.forward:
        if (
            isinstance(e, Node)
            and len(e.args) == 1
            and isinstance(e.args[0], Sym)
            and e.args[0].role == "cache"
            and e.shape == e.args[0].shape
        ):
            out.append((syms[name], e.args[0], e))
    return out


def _factors(e: Expr) -> list[Expr]:
    if isinstance(e, Node) and e.op == "had":
        return [f for a in e.args for f in _factors(a)]
    return [e]


def _names(e: Expr) -> set[str]:
    return {s.name for s in walk(e) if isinstance(s, Sym)}


def _rewrite_products(
    e: Expr, change: Callable[[list[Expr]], list[Expr] | None], memo: dict[int, Expr]
) -> Expr:
    """``e`` with every Hadamard product's factors passed through ``change``."""
    done = memo.get(id(e))
    if done is not None:
        return done
    out = e
    if isinstance(e, Node) and e.op == "had":
        factors = _factors(e)
        changed = change(factors)
        factors = [_rewrite_products(f, change, memo) for f in (changed or factors)]
        out = factors[0]
        for f in factors[1:]:
            out = rebuild(e, (out, f))
    elif isinstance(e, Node):
        args = tuple(_rewrite_products(a, change, memo) for a in e.args)
        out = e if args == e.args else rebuild(e, args)
    memo[id(e)] = out
    return out


def _activation_mistakes(d: Derivation, problems: list[Problem]) -> list[Mistake]:
    acts = _activations(d)
    found: list[Mistake] = []
    for how in ("at_activation", "z_for_a", "left_out"):
        for chosen in [[a] for a in acts] + ([acts] if len(acts) > 1 else []):
            what: list[str] = []
            change = partial(_wrong_derivative, chosen=chosen, how=how, what=what)
            adjoints = [(n, _rewrite_products(e, change, {})) for n, e in d.adjoints]
            cached = {n: _rewrite_products(e, change, {}) for n, e in d.cached.items()}
            said = "; ".join(dict.fromkeys(what))
            if what and all(m.what != said for m in found):
                values = tuple(gradients(d, p, adjoints, cached) for p in problems)
                found.append(Mistake("activation_derivative", said, values))
    return found


def _wrong_derivative(
    factors: list[Expr], chosen: list[tuple[Sym, Sym, Node]], how: str, what: list[str]
) -> list[Expr] | None:
    """The factors of one product with the derivative of A = f(Z) made wrong, or None.

    The derivative's factors are those written in A and Z alone; ``how`` is
    "at_activation" (f′ taken at A), "z_for_a" (Z written where A belongs) or
    "left_out". What was changed is appended to ``what``.
    """
    for A, Z, f in chosen:
        mine = [x for x in factors if _names(x) and _names(x) <= {A.name, Z.name}]
        if not mine or len(mine) == len(factors):
            continue
        if how == "left_out":
            what.append(_describe(how, A, Z, f, mine))
            return [x for x in factors if x not in mine]
        if how == "z_for_a":
            if A.name not in set().union(*map(_names, mine)):
                continue
            mapping: dict[Expr, Expr] = {A: Z}
        else:
            mapping = {Z: A, A: replace(f, {Z: A})}
        what.append(_describe(how, A, Z, f, mine))
        return [replace(x, mapping) if x in mine else x for x in factors]
    return None


def _describe(how: str, A: Sym, Z: Sym, f: Node, mine: list[Expr]) -> str:
    name = _FUNCTION_NAMES.get(f.op, f.op)
    factor = " ⊙ ".join(text_expr(x, 3) for x in mine)
    if how == "at_activation":
        return (
            f"the derivative {name}′ is taken at {A.name} (the activation) instead of at "
            f"{Z.name}: {name}′({Z.name}) = {factor}, and {name}′({A.name}) is another number"
        )
    if how == "z_for_a":
        return f"{factor} is written with {Z.name} in place of {A.name}: it is {name}′({Z.name})"
    return f"the factor {name}′({Z.name}) = {factor} is left out"


# --- a weight's gradient where the weight belongs ------------------------------------


def _weight_mistakes(d: Derivation, problems: list[Problem]) -> list[Mistake]:
    found = []
    for name in d.cached:
        used = [s for _, e in d.adjoints for s in walk(e) if isinstance(s, Sym) and s.name == name]
        used += [
            s
            for other, e in d.cached.items()
            if other != name
            for s in walk(e)
            if isinstance(s, Sym) and s.name == name
        ]
        if not used:
            continue
        grad_name = f"∂L/∂{name}"
        mapping: dict[Expr, Expr] = {used[0]: Sym(grad_name, used[0].shape, "adjoint")}
        adjoints = [(n, replace(e, mapping)) for n, e in d.adjoints]
        cached = {n: replace(e, mapping) for n, e in d.cached.items()}
        values = tuple(
            gradients(d, p, adjoints, cached, {grad_name: p.reference[name]}) for p in problems
        )
        what = (
            f"the gradient d{name} is used where the weights {name} belong: backpropagating "
            f"through {name} multiplies by {name}ᵀ, not by its gradient"
        )
        found.append(Mistake("gradient_for_weight", what, values))
    return found


# --- a bias gradient not summed over the examples ------------------------------------


def _bias_mistakes(d: Derivation, problems: list[Problem]) -> list[Mistake]:
    found = []
    for name, e in d.cached.items():
        sums = [
            x
            for x in walk(e)
            if isinstance(x, Node) and x.op == "matmul" and isinstance(x.args[1], Ones)
        ]
        if len(sums) != 1 or sums[0].args[0].shape[0] != e.shape[0]:
            continue
        unsummed = {name: replace(e, {sums[0]: sums[0].args[0]})}
        per_example = tuple(gradients(d, p, cached=unsummed) for p in problems)
        found.append(
            Mistake(
                "bias_not_summed",
                f"the gradient is not summed over the m examples: {text_expr(unsummed[name])} "
                f"where {text_expr(e)} belongs (np.sum(..., axis=1, keepdims=True))",
                per_example,
            )
        )
        if e.shape[0] != 1:
            across = tuple({name: v[name].sum(axis=0, keepdims=True)} for v in per_example)
            found.append(
                Mistake(
                    "bias_not_summed",
                    "the gradient is summed over the wrong axis: over the units (axis=0) "
                    "where the sum is over the m examples (axis=1, keepdims=True)",
                    across,
                )
            )
            total = tuple({name: v[name].sum(keepdims=True)} for v in per_example)
            found.append(
                Mistake(
                    "bias_not_summed",
                    "the gradient is summed over every axis, units and examples alike, where "
                    "the sum is over the m examples only (axis=1, keepdims=True)",
                    total,
                )
            )
    return found
