"""``chainrule models``, ``chainrule datasets`` and ``chainrule delta-rule``: what there is."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from chainrule.cli.model_options import OPTION_OF
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
            "options": {OPTION_OF[h.name]: _describe(h) for h in spec.hyperparameters},
            "summary": spec.summary,
        }
        for name, spec in REGISTRY.items()
    ]
    if as_json:
        print_json(rows)
        return
    from rich.markup import escape
    from rich.table import Table

    table = Table("name", "task", "n", "options", "model", show_lines=True)
    table.columns[0].no_wrap = True
    for r in rows:
        options = "\n".join(f"{k} {v}" for k, v in r["options"].items()) or "-"
        cells = (
            r["name"],
            r["task"].replace(" or ", "\n"),
            "any" if r["features"] is None else str(r["features"]),
            options,
            f"{r['summary']} ({r['class']})",
        )
        # plain text: Rich markup would eat "[n, h1, ..., out]"
        table.add_row(*(escape(c) for c in cells))
    console().print(table)
    console().print("n: the number of input features the model takes.", highlight=False)


def _describe(h: Hyperparameter) -> str:
    """A hyperparameter's accepted values and default, e.g. ``1..4096 (default 8)``."""
    if h.kind == "choice":
        accepted = "|".join(h.choices)
    elif h.kind == "int list":
        accepted = f"sizes {h.low:g}..{h.high:g}, at most {h.max_length}"
    else:
        accepted = f"{h.low:g}..{h.high:g}"
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
    from chainrule.models import DeltaRuleNetwork

    console().print(
        DeltaRuleNetwork(seed=seed).worked_example(y=target, lr=lr),
        highlight=False,
        markup=False,
        soft_wrap=True,
    )
