"""What every command shares: the console, user errors, tables of checks."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from chainrule.gradcheck import ModelCheck

console = Console()
errors = Console(stderr=True)


@contextmanager
def user_errors() -> Iterator[None]:
    """Turns a user's mistake (a bad value, file or shape) into one line and exit 2."""
    try:
        yield
    except (ValueError, KeyError, FileNotFoundError, OSError) as e:
        message = e.args[0] if isinstance(e, KeyError) and e.args else str(e)
        errors.print(f"error: {message}", highlight=False, markup=False, soft_wrap=True)
        raise typer.Exit(code=2) from None


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, default=float) + "\n")


def check_table(check: ModelCheck, title: str) -> Table:
    table = Table(title=title, title_justify="left")
    for column in ("parameter", "shape", "hand vs engine", "hand vs finite diff.", "result"):
        table.add_column(column)
    for p in check.parameters:
        table.add_row(
            p.name,
            str(p.shape),
            f"{p.engine_max_rel:.1e}",
            f"{p.numeric_max_rel:.1e}",
            "ok" if p.passed else "[red]FAIL[/]",
        )
    table.caption = "largest relative difference over the entries"
    return table


def progress(label: str, disable: bool) -> Progress:
    return Progress(
        TextColumn(label),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("loss {task.fields[loss]:.5g}"),
        TimeElapsedColumn(),
        console=console,
        disable=disable or not console.is_terminal,
    )


def epoch_callback(bar: Progress, task: Any) -> Callable[[int, Any], None]:
    def update(epoch: int, history: Any) -> None:
        bar.update(task, completed=epoch + 1, loss=history.epoch_loss[-1])

    return update
