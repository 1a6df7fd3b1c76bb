"""``chainrule app``: the local web app (race, stepper, playground, practice)."""

from __future__ import annotations

from typing import Annotated

import typer

from chainrule.cli.output import errors, user_errors


def app_command(
    host: Annotated[
        str, typer.Option(help="Address to bind; 127.0.0.1 keeps the app on this machine.")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8050,
    no_browser: Annotated[
        bool, typer.Option("--no-browser", help="Do not open the browser.")
    ] = False,
    workers: Annotated[
        int | None,
        typer.Option(
            help="Serve with waitress (a production WSGI server) using N threads in one "
            "process; without it, Flask's threaded development server."
        ),
    ] = None,
) -> None:
    """Start the web app on this machine: the optimizer race (/landscape), the backprop stepper
    (/backprop), the network playground (/playground) and exercises to practise (/practice)."""
    with user_errors():
        from chainrule.app.server import check_server_options, serve  # dash loads only here

        check_server_options(host, port, workers)
        errors().print(
            f"chainrule app on http://{host}:{port}/  (Ctrl+C stops it)", highlight=False
        )
        serve(host=host, port=port, open_browser=not no_browser, workers=workers)
