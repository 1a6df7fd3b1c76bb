"""``chainrule models`` and ``chainrule datasets``: what there is."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from chainrule import data
from chainrule.cli.output import console, print_json
from chainrule.models import REGISTRY, DeltaRuleNetwork


def models(as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False) -> None:
    """List the models."""
    rows = [
        {
            "name": name,
            "class": spec.cls.__name__,
            "task": " or ".join(spec.tasks),
            "summary": spec.summary,
        }
        for name, spec in REGISTRY.items()
    ]
    if as_json:
        print_json(rows)
        return
    table = Table("name", "class", "task", "model")
    for r in rows:
        table.add_row(r["name"], r["class"], r["task"], r["summary"])
    console.print(table)


def datasets(
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """List the built-in data sets."""
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
    table = Table("name", "task", "features", "examples", "classes")
    for r in rows:
        table.add_row(
            r["name"], r["task"], str(r["features"]), str(r["examples"]), str(r["classes"] or "-")
        )
    console.print(table)
    console.print(
        "Any CSV file of numbers works too: --data file.csv (the target is the last column)."
    )


def delta_rule(
    lr: Annotated[float, typer.Option(min=0.0, help="Learning rate η.")] = 0.5,
    target: Annotated[float, typer.Option(help="Target output y.")] = 1.0,
    seed: Annotated[int, typer.Option(help="Seed of the weights.")] = 0,
) -> None:
    """Seed 001's 3-2-1 network: one forward pass and one delta-rule update, with numbers."""
    console.print(
        DeltaRuleNetwork(seed=seed).worked_example(y=target, lr=lr), highlight=False, soft_wrap=True
    )
