"""The ``chainrule`` command: thin Typer commands over library functions.

Layer ``cli`` of chainrule (see DESIGN.md): may import anything; nothing imports it.
The command modules import NumPy and the library inside their functions, so
``chainrule --help`` loads only Typer. Every error a user can cause ends the
command with exit status 2 and one line on standard error, never a traceback.
"""

from __future__ import annotations

import os
import sys
import zipfile
from collections.abc import Sequence
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from chainrule.cli.app_cmd import app_command
from chainrule.cli.check_cmd import check_backward_command
from chainrule.cli.derive_cmd import derive_command
from chainrule.cli.exercises_cmd import exercises_command
from chainrule.cli.graph_cmd import graph_command
from chainrule.cli.landscape_cmd import landscape_command
from chainrule.cli.listing import datasets, delta_rule, models
from chainrule.cli.output import fail
from chainrule.cli.practice_cmd import practice_command
from chainrule.cli.tour import tour
from chainrule.cli.train_cmd import gradcheck, train

DEBUG_VARIABLE = "CHAINRULE_DEBUG"


class OneLineErrors(TyperGroup):
    """The command group, with every failure reported as one line.

    Usage mistakes (an unknown option, a value that does not parse) and the
    library's refusals (ValueError, OSError, ArithmeticError such as
    DivergenceError, MemoryError, a damaged archive) exit 2; anything else is
    a bug in chainrule and exits 1 with one line saying so (set
    CHAINRULE_DEBUG=1 to see the traceback).
    """

    def get_help_option(self, ctx: Any) -> Any:
        option = super().get_help_option(ctx)
        if option is not None:
            # an unset flag as False, not None: Typer then skips loading Pydantic
            # to coerce it, which would cost `chainrule train --help` 0.1 s
            option.default = False
        return option

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        windows_expand_args: bool = True,
        **extra: Any,
    ) -> Any:
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, False, windows_expand_args, **extra)
        try:
            code = super().main(args, prog_name, complete_var, False, windows_expand_args, **extra)
        except typer.Exit as e:
            code = e.exit_code
        except typer.Abort:
            fail("aborted", code=1)
            code = 1
        except (ValueError, OSError, ArithmeticError, zipfile.BadZipFile, EOFError) as e:
            if os.environ.get(DEBUG_VARIABLE):
                raise
            fail(str(e) or type(e).__name__)
            code = 2
        except MemoryError:
            if os.environ.get(DEBUG_VARIABLE):
                raise
            fail("not enough memory for these sizes: choose smaller ones")
            code = 2
        except Exception as e:
            if _is_usage_error(e):
                code = _usage_error(e)
                sys.exit(code)
            if os.environ.get(DEBUG_VARIABLE):
                raise
            fail(
                f"internal error ({type(e).__name__}: {e}); this is a bug in chainrule: "
                f"run again with {DEBUG_VARIABLE}=1 to see where",
                code=1,
            )
            code = 1
        sys.exit(code or 0)


def _is_usage_error(e: Exception) -> bool:
    """A Click error: an unknown option or command, a value that does not parse."""
    return callable(getattr(e, "format_message", None)) and isinstance(
        getattr(e, "exit_code", None), int
    )


def _usage_error(e: Any) -> int:
    if type(e).__name__ == "NoArgsIsHelpError":
        e.show()
        return int(e.exit_code)
    ctx = getattr(e, "ctx", None)
    hint = f" (see `{ctx.command_path} --help`)" if ctx is not None else ""
    fail(e.format_message().replace("Value error, ", "") + hint, code=e.exit_code)
    return int(e.exit_code)


def _version(value: bool) -> None:
    if value:
        import chainrule

        print(f"chainrule {chainrule.__version__}")
        raise typer.Exit()


app = typer.Typer(
    name="chainrule",
    cls=OneLineErrors,
    help="Backpropagation you can see, derive, check and run.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


@app.callback()
def _options(
    version: Annotated[
        bool,
        typer.Option(
            "--version", is_eager=True, callback=_version, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """Backpropagation you can see, derive, check and run."""


app.command()(tour)
app.command()(train)
app.command()(gradcheck)
app.command()(models)
app.command()(datasets)
app.command("delta-rule")(delta_rule)
app.command("landscape")(landscape_command)
app.command("graph")(graph_command)
app.command("derive")(derive_command)
app.command("app")(app_command)
app.command("check-backward")(check_backward_command)
app.command("exercises")(exercises_command)
app.command("practice")(practice_command)


def main() -> None:
    """Entry point of the ``chainrule`` console script."""
    app()
