"""``chainrule landscape``: optimizers racing across an exact loss surface."""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from chainrule.cli.model_options import model_for, parse_layers, refuse_unless
from chainrule.cli.options import (
    MAX_NUMBER,
    ActivationOption,
    HiddenOption,
    JsonOption,
    LayersOption,
    LrOption,
    SeedOption,
    integer,
    output_file,
)
from chainrule.cli.output import bar_of, console, print_json, writing

if TYPE_CHECKING:
    from chainrule import landscape, optim

FIGURE_SUFFIXES = (".png", ".svg", ".pdf", ".html", ".gif", ".mp4")
RESOLUTION = 150


def make_optimizer(name: str, lr: float) -> optim.GradientTransformation:
    """An optimizer by its name in ``optim.OPTIMIZERS``, or ``nesterov`` (SGD, momentum 0.9)."""
    from chainrule import optim

    if name == "nesterov":
        return optim.sgd(lr, momentum=0.9, nesterov=True)
    if name not in optim.OPTIMIZERS:
        names = ", ".join([*optim.OPTIMIZERS, "nesterov"])
        raise ValueError(f"--optimizers: unknown optimizer {name!r}: use some of {names}")
    return optim.OPTIMIZERS[name](lr)


def _steps(given: Any) -> int:
    """A parser of --steps from 1 to the landscape layer's MAX_STEPS."""
    from chainrule.landscape.trajectories import MAX_STEPS

    return integer(1, MAX_STEPS)(given)


def parse_axis(option: str, text: str) -> Any:
    """``w`` or ``W1[0,1]``."""
    match = re.fullmatch(r"\s*([A-Za-z_]\w*)\s*(?:\[\s*(\d+)\s*,\s*(\d+)\s*\])?\s*", text)
    if not match:
        raise ValueError(
            f"{option} {text!r}: an axis is a parameter name or name[i,j], such as W1[0,1]"
        )
    name, i, j = match.groups()
    return name if i is None else (name, (int(i), int(j)))


def landscape_command(
    model: Annotated[
        str | None,
        typer.Option(
            "--model", "-m", help="A model from `chainrule models` [default: univariate]."
        ),
    ] = None,
    function: Annotated[
        str | None,
        typer.Option(help="Race on a test function instead: bowl, rosenbrock, beale, saddle."),
    ] = None,
    data_name: Annotated[
        str | None,
        typer.Option("--data", "-d", help="Data for the model [default: the model's own]."),
    ] = None,
    optimizers: Annotated[
        str, typer.Option(help="Comma-separated optimizers.")
    ] = "gd,momentum,rmsprop,adam",
    lr: LrOption = 0.1,
    steps: Annotated[
        int,
        typer.Option(
            parser=_steps,
            help="Steps of each optimizer (a number past the limit is refused, naming it).",
        ),
    ] = 100,
    start: Annotated[
        str | None,
        typer.Option(help="Start of the two coordinates [default: -2,2, or a function's own]."),
    ] = None,
    x_axis: Annotated[str | None, typer.Option(help="First coordinate, e.g. w or W1[0,1].")] = None,
    y_axis: Annotated[str | None, typer.Option(help="Second coordinate.")] = None,
    hidden: HiddenOption = None,
    layers: LayersOption = None,
    activation: ActivationOption = None,
    seed: SeedOption = 0,
    out: Annotated[Path, typer.Option(help=f"Figure file: {', '.join(FIGURE_SUFFIXES)}.")] = Path(
        "race.png"
    ),
    as_json: JsonOption = False,
) -> None:
    """Race optimizers from one start across an exact loss surface, and draw it."""
    from chainrule import landscape

    output_file("--out", out, FIGURE_SUFFIXES)
    opts = {
        name.strip(): make_optimizer(name.strip(), lr)
        for name in optimizers.split(",")
        if name.strip()
    }
    if not opts:
        raise ValueError(f"--optimizers {optimizers!r} names no optimizer: use e.g. gd,adam")
    origin = _pair(start) if start is not None else None
    if function is not None:
        for option, value in (
            ("--model", model), ("--data", data_name), ("--x-axis", x_axis), ("--y-axis", y_axis),
            ("--hidden", hidden), ("--layers", layers), ("--activation", activation),
        ):  # fmt: skip
            refuse_unless(value is None, option, f"--function {function}", "it races on a formula")
        if function not in landscape.FUNCTIONS:
            raise ValueError(
                f"--function {function!r} is unknown: use one of {', '.join(landscape.FUNCTIONS)}"
            )
        fn = landscape.FUNCTIONS[function]()
        with bar_of(f"racing {len(opts)} optimizers, {steps} steps", as_json) as advance:
            races: dict[str, landscape.Trajectory] = landscape.race_function(
                fn, opts, start=origin, steps=steps, progress=advance
            )
        _check_races(races, lr)
        surf = fn.surface()
        title, loss_name, minimum = f"{fn.name}: {fn.formula}", "f(x, y)", fn.minimum
    else:
        minimum = None
        surf, races, title, loss_name = _model_race(
            model or "univariate", data_name, opts, origin or (-2.0, 2.0), x_axis, y_axis,
            dict(n_hidden=hidden, hidden_layers=parse_layers(layers), activation=activation),
            seed, steps, lr, as_json,
        )  # fmt: skip
    with writing("--out", out):
        _save(surf, races, out, title, as_json, loss_name, minimum)
    _report(surf, races, out, title, as_json)


def _model_race(
    name: str,
    data_name: str | None,
    opts: dict[str, Any],
    origin: tuple[float, float],
    x_axis: str | None,
    y_axis: str | None,
    given: dict[str, Any],
    seed: int,
    steps: int,
    lr: float,
    quiet: bool,
) -> tuple[landscape.Surface, dict[str, landscape.Trajectory], str, str]:
    """The surface of a model's loss over two coordinates and the optimizers' paths on it."""
    from chainrule import landscape, models
    from chainrule.cli.train_cmd import load_data

    spec = models.get(name)
    if data_name is None and spec.default_data is None:
        X, y = spec.sample(seed)
        task, n_classes, where = spec.tasks[0], 2, "a sample problem"
    else:
        d = load_data(data_name or str(spec.default_data), None, None)
        X, y, task, n_classes = d.X, d.y, d.task, max(d.n_classes, 2)
        where = f"the {d.name} data set"
    net = model_for(name, X.shape[0], task=task, n_classes=n_classes, seed=seed, **given)
    axes = _axes(net, x_axis, y_axis)
    begin = {k: v.copy() for k, v in net.params.items()}
    for axis, value in zip(axes, origin, strict=True):
        c = landscape.coordinate(axis, begin)
        begin[c.name][c.index] = value
    with bar_of(f"racing {len(opts)} optimizers, {steps} steps", quiet) as advance:
        try:
            races = landscape.race(
                net, X, y, opts, axes=axes, start=begin, steps=steps, progress=advance
            )
        except ValueError as e:  # the record of every step's parameters would not fit
            raise ValueError(f"--steps {steps}: {e}") from None
    span = _check_races(races, lr)
    surf = landscape.surface(net, X, y, axes=axes, center=begin, span=span, resolution=RESOLUTION)
    return surf, races, f"{net.name} on {where}: {steps} steps, lr={lr:g}", str(net.loss_name)


def _check_races(races: dict[str, landscape.Trajectory], lr: float) -> Any:
    """The plotting window of the runs that did not diverge.

    Raises:
        ValueError: every optimizer diverged, naming the learning rate.
    """
    from chainrule import landscape

    kept = {k: t for k, t in races.items() if not t.diverged}
    if not kept:
        raise ValueError(
            f"--lr {lr:g}: every optimizer diverged (the loss grew without bound); "
            f"use a smaller --lr, such as {lr / 100:g}"
        )
    return landscape.window(kept)


def _report(
    surf: landscape.Surface,
    races: dict[str, landscape.Trajectory],
    out: Path,
    title: str,
    as_json: bool,
) -> None:
    rows: list[dict[str, Any]] = [
        {
            "optimizer": name,
            "final_loss": float(t.loss[-1]),
            "steps": len(t.points) - 1,
            "diverged": t.diverged,
            "end": [float(v) for v in t.points[-1]],
        }
        for name, t in races.items()
    ]
    if as_json:
        print_json({"surface_method": surf.method, "out": str(out), "races": rows})
        return
    from rich.markup import escape
    from rich.table import Table

    table = Table(
        "optimizer", "final loss", "steps", "end", title=escape(title), title_justify="left"
    )
    for r in rows:
        end = f"({r['end'][0]:.4g}, {r['end'][1]:.4g})"
        table.add_row(
            r["optimizer"],
            f"{r['final_loss']:.5g}" + (" diverged" if r["diverged"] else ""),
            str(r["steps"]),
            end,
        )
    console().print(table)
    console().print(
        f"wrote {escape(str(out))} ({surf.method} surface, {len(surf.x)}×{len(surf.y)} grid)"
    )


def _pair(text: str) -> tuple[float, float]:
    parts = text.split(",")
    try:
        a, b = (float(v) for v in parts)
    except ValueError:
        raise ValueError(f"--start {text!r}: give two numbers such as -2,2") from None
    if not all(math.isfinite(v) and abs(v) <= MAX_NUMBER for v in (a, b)):
        raise ValueError(
            f"--start {text!r}: give two finite numbers of size at most {MAX_NUMBER:g}, "
            "such as -2,2"
        )
    return a, b


def _axes(net: Any, x_axis: str | None, y_axis: str | None) -> tuple[Any, Any]:
    if x_axis is not None and y_axis is not None:
        return parse_axis("--x-axis", x_axis), parse_axis("--y-axis", y_axis)
    if x_axis is not None or y_axis is not None:
        raise ValueError("give both --x-axis and --y-axis, or neither")
    names = list(net.params)
    first, last = net.params[names[0]], net.params[names[-1]]
    return (
        names[0] if first.size == 1 else (names[0], (0, 0)),
        names[-1] if last.size == 1 else (names[-1], (0, 0)),
    )


def _save(
    surf: landscape.Surface,
    races: dict[str, landscape.Trajectory],
    out: Path,
    title: str,
    quiet: bool,
    loss_name: str,
    minimum: tuple[float, float] | None,
) -> None:
    from chainrule import plot

    suffix = out.suffix.lower()
    if suffix == ".html":
        figure = plot.interactive.contour(surf, races, title=title, loss_name=loss_name)
        plot.interactive.write_html(figure, out)
    elif suffix in (".gif", ".mp4"):
        with bar_of("drawing frames", quiet) as advance:
            plot.animate(surf, races, out, title=title, progress=advance, loss_name=loss_name)
    else:
        figure = plot.contour(surf, races, title=title, loss_name=loss_name, minimum=minimum)
        plot.save(figure, out, dpi=120)
