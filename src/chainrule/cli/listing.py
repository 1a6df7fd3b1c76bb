"""``chainrule models``, ``chainrule datasets`` and ``chainrule delta-rule``: what there is."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from chainrule.cli.model_options import option_of
from chainrule.cli.options import MAX_NUMBER, JsonOption, LrOption, SeedOption, number
from chainrule.cli.output import console, print_json

if TYPE_CHECKING:
    from chainrule.models import Hyperparameter


def models(as_json: JsonOption = False) -> None:
    """List the models, the data each takes and the options each accepts."""
    from chainrule.models import REGISTRY

    rows: list[dict[str, Any]] = [
        {
            "name": name,
            "class": spec.cls.__name__,
            "task": " or ".join(spec.tasks),
            "features": spec.n_features,
            "options": {option_of(h.name): _describe(h) for h in spec.hyperparameters},
            "summary": spec.summary,
        }
        for name, spec in REGISTRY.items()
    ]
    if as_json:
        print_json(rows)
        return
    import textwrap

    out = console()
    width = max(out.width, 40)
    for r, spec in zip(rows, REGISTRY.values(), strict=True):
        n = r["features"]
        features = "any number of features" if n is None else f"{n} feature{'s' * (n != 1)}"
        tasks = " or ".join(filter(None, [", ".join(spec.tasks[:-1]), spec.tasks[-1]]))
        lines = [f"{r['name']}  ({r['class']}): {tasks}, {features}"]
        lines += textwrap.wrap(r["summary"], width, initial_indent="  ", subsequent_indent="  ")
        pad = max((len(option_of(h.name)) for h in spec.hyperparameters), default=0) + 4
        for h in spec.hyperparameters:
            first = f"  {option_of(h.name):<{pad - 2}}"
            text = f"{h.help}: {_describe(h)}"
            lines += textwrap.wrap(text, width, initial_indent=first, subsequent_indent=" " * pad)
        if not spec.hyperparameters:
            lines.append("  no options")
        # plain text: Rich markup would eat "[n, h1, ..., out]"
        out.print("\n".join(lines) + "\n", markup=False, highlight=False, soft_wrap=True)


def _describe(h: Hyperparameter) -> str:
    """A hyperparameter's accepted values and default, e.g. ``1 to 4096 (default 8)``."""
    if h.kind == "choice":
        accepted = ", ".join(h.choices)
    elif h.kind == "int list":
        accepted = f"1 to {h.max_length} sizes from {h.low:g} to {h.high:g}"
    else:
        accepted = f"{h.low:g} to {h.high:g}"
    default = ",".join(map(str, h.default)) if isinstance(h.default, list) else h.default
    return f"{accepted} (default {default})"


def datasets(as_json: JsonOption = False) -> None:
    """List the built-in data sets."""
    from chainrule import data

    rows: list[dict[str, Any]] = []
    for name, make in data.DATASETS.items():
        d = make()
        rows.append(
            {
                "name": name,
                "task": d.task,
                "features": d.n_features,
                "examples": d.n_examples,
                "classes": d.n_classes,
            }
        )
    if as_json:
        print_json(rows)
        return
    from rich.table import Table

    table = Table("name", "task", "features", "examples", "classes")
    for r in rows:
        table.add_row(
            r["name"], r["task"], str(r["features"]), str(r["examples"]), str(r["classes"] or "-")
        )
    console().print(table)
    console().print(
        "Any CSV file of numbers works too: --data file.csv, with --target naming the target "
        "column (the last by default) and --task its task.",
        highlight=False,
    )


def delta_rule(
    lr: LrOption = 0.5,
    target: Annotated[
        float,
        typer.Option(
            parser=number(-MAX_NUMBER, MAX_NUMBER), help="Target output y (a finite number)."
        ),
    ] = 1.0,
    seed: SeedOption = 0,
) -> None:
    """Seed 001's 3-2-1 network: one forward pass and one delta-rule update, with numbers."""
    import numpy as np

    from chainrule.models import DeltaRuleNetwork

    with np.errstate(over="ignore"):  # σ of a large negative number is 0, as it should be
        text = DeltaRuleNetwork(seed=seed).worked_example(y=target, lr=lr)
    console().print(
        text,
        highlight=False,
        markup=False,
        soft_wrap=True,
    )
