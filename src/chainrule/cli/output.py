"""What every command shares: the consoles, one-line errors, JSON, tables, progress bars.

Rich is imported on first use, not at import: ``chainrule --help`` stays fast.
"""

from __future__ import annotations

import errno
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import Progress
    from rich.table import Table

    from chainrule.gradcheck import ModelCheck


@cache
def console() -> Console:
    """The console results are printed on (standard output)."""
    from rich.console import Console

    return Console()


@cache
def errors() -> Console:
    """The console errors are printed on (standard error)."""
    from rich.console import Console

    return Console(stderr=True)


def fail(message: str, code: int = 2) -> typer.Exit:
    """Prints ``error: message`` as one line and returns the Exit to raise."""
    line = " ".join(message.split())
    errors().print(f"error: {line}", highlight=False, markup=False, soft_wrap=True)
    return typer.Exit(code=code)


@contextmanager
def user_errors() -> Iterator[None]:
    """Turns a user's mistake (a bad value, file or shape) into one line and exit 2."""
    try:
        yield
    except (ValueError, KeyError, OSError, ArithmeticError) as e:
        message = e.args[0] if isinstance(e, KeyError) and e.args else str(e)
        raise fail(str(message)) from None


@contextmanager
def writing(option: str, path: Path) -> Iterator[None]:
    """Turns a failed write (full disk, no permission) into one line naming the option."""
    try:
        yield
    except OSError as e:
        why = e.strerror or str(e)
        fix = (
            "free some space or choose another folder"
            if e.errno in (errno.ENOSPC, errno.EDQUOT)
            else "choose a folder you can write"
        )
        name = f" ({e.filename})" if e.filename and str(e.filename) != str(path) else ""
        raise ValueError(f"{option} {path}: cannot write it{name}: {why}; {fix}") from None


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, default=float) + "\n")


def check_table(check: ModelCheck, title: str) -> Table:
    from rich.table import Table

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


def progress(label: str, disable: bool, loss: bool = True) -> Progress:
    """A progress bar on a terminal (nothing when output is piped or ``disable``)."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        ProgressColumn,
        TextColumn,
        TimeElapsedColumn,
    )

    columns: list[ProgressColumn] = [TextColumn(label), BarColumn(), MofNCompleteColumn()]
    if loss:
        columns.append(TextColumn("loss {task.fields[loss]:.5g}"))
    columns.append(TimeElapsedColumn())
    return Progress(*columns, console=console(), disable=disable or not console().is_terminal)


@contextmanager
def bar_of(label: str, disable: bool) -> Iterator[Callable[[int, int], None]]:
    """A progress bar driven by a library's ``progress(done, total)`` callback."""
    with progress(label, disable, loss=False) as bar:
        task = bar.add_task(label, total=None)

        def advance(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield advance


def epoch_callback(bar: Progress, task: Any) -> Callable[[int, Any], None]:
    def update(epoch: int, history: Any) -> None:
        bar.update(task, completed=epoch + 1, loss=history.epoch_loss[-1])

    return update
