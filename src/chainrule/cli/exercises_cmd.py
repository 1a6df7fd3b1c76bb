"""``chainrule exercises``: a seeded sheet of exercises, with worked solutions if asked."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from chainrule.cli.options import CountOption, SeedOption, TopicOption, output_file
from chainrule.cli.output import console, writing


def exercises_command(
    topic: TopicOption = "chain-rule",
    seed: SeedOption = 0,
    count: CountOption = 5,
    solutions: Annotated[
        bool, typer.Option("--solutions", help="Write each worked solution after its question.")
    ] = False,
    out: Annotated[
        Path | None,
        typer.Option(
            help="Write the sheet to this file instead of printing it: Markdown (.md), a "
            "LaTeX document (.tex) or a standalone HTML page (.html)."
        ),
    ] = None,
) -> None:
    """Make a sheet of exercises on one topic; the same seed gives the same sheet."""
    from chainrule.exercises import generate

    if out is not None:
        output_file("--out", out, (".md", ".tex", ".html"))
    sheet = generate(topic, seed, count)
    if out is None:
        console().print(sheet.markdown(solutions), highlight=False, markup=False, soft_wrap=True)
        return
    with writing("--out", out):
        sheet.write(out, solutions)
    console().print(f"wrote {out}", highlight=False, markup=False)
