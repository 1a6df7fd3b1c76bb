"""What several exercise topics read: the worked networks' derivations, and their forward text."""

from __future__ import annotations

from functools import cache

from chainrule.models import registry
from chainrule.symbolic import Derivation, derive
from chainrule.symbolic.render import text_expr


@cache
def derivation(name: str) -> Derivation:
    """The derivation of the registry's network ``name`` (3 hidden units where it has them)."""
    spec = registry.get(name)
    hyper = {"n_hidden": 3} if "n_hidden" in spec.hyperparameter_names else {}
    net = registry.build(name, n_features=spec.n_features or 2, task=spec.tasks[0], **hyper)
    return derive(net)


def forward_text(d: Derivation) -> str:
    """The forward pass and the loss, one indented line each."""
    lines = [f"    {n} = {text_expr(e)}" for n, e in d.forward]
    return "\n".join([*lines, f"    L = {text_expr(d.loss)}"])
