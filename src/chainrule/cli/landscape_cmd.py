"""``chainrule landscape`` and ``chainrule graph``: thin layers over landscape and plot."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer
from rich.table import Table

from chainrule import data, landscape, models, optim, plot
from chainrule.cli.model_options import model_for
from chainrule.cli.output import console, print_json, user_errors
from chainrule.landscape.surface import Axis

FIGURE_SUFFIXES = (".png", ".svg", ".pdf", ".html", ".gif", ".mp4")


def make_optimizer(name: str, lr: float) -> optim.GradientTransformation:
    """The race's optimizers by the names the source documents use."""
    table = {
        "gd": lambda: optim.sgd(lr),
        "sgd": lambda: optim.sgd(lr),
        "momentum": lambda: optim.momentum(lr, 0.9),
        "nesterov": lambda: optim.sgd(lr, momentum=0.9, nesterov=True),
        "rmsprop": lambda: optim.rmsprop(lr),
        "adam": lambda: optim.adam(lr),
        "adamw": lambda: optim.adamw(lr),
        "adagrad": lambda: optim.adagrad(lr),
    }
    if name not in table:
        raise ValueError(f"unknown optimizer {name!r}: use some of {', '.join(table)}")
    return table[name]()


def parse_axis(text: str) -> Axis:
    """``w`` or ``W1[0,1]``."""
    match = re.fullmatch(r"\s*([A-Za-z_]\w*)\s*(?:\[\s*(\d+)\s*,\s*(\d+)\s*\])?\s*", text)
    if not match:
        raise ValueError(f"an axis is a parameter name or name[i,j], such as W1[0,1]; got {text!r}")
    name, i, j = match.groups()
    return name if i is None else (name, (int(i), int(j)))


def landscape_command(
    model: Annotated[
        str, typer.Option("--model", "-m", help="A model from `chainrule models`.")
    ] = "univariate",
    function: Annotated[
        str | None,
        typer.Option(help="Race on a test function instead: bowl, rosenbrock, beale, saddle."),
    ] = None,
    data_name: Annotated[str, typer.Option("--data", "-d", help="Data for the model.")] = "linear",
    optimizers: Annotated[
        str, typer.Option(help="Comma-separated optimizers.")
    ] = "gd,momentum,rmsprop,adam",
    lr: Annotated[float, typer.Option(min=0.0, help="Learning rate of every optimizer.")] = 0.1,
    steps: Annotated[int, typer.Option(min=1, help="Steps of each optimizer.")] = 100,
    start: Annotated[
        str | None,
        typer.Option(help="Start of the two coordinates [default: -2,2, or a function's own]."),
    ] = None,
    x_axis: Annotated[str | None, typer.Option(help="First coordinate, e.g. w or W1[0,1].")] = None,
    y_axis: Annotated[str | None, typer.Option(help="Second coordinate.")] = None,
    hidden: Annotated[int | None, typer.Option(help="Hidden units of two-layer models.")] = None,
    seed: Annotated[int, typer.Option(help="Seed of data and weights.")] = 0,
    out: Annotated[Path, typer.Option(help=f"Figure file: {', '.join(FIGURE_SUFFIXES)}.")] = Path(
        "race.png"
    ),
    as_json: Annotated[bool, typer.Option("--json", help="Print results as JSON.")] = False,
) -> None:
    """Race optimizers from one start across an exact loss surface, and draw it."""
    with user_errors():
        if out.suffix.lower() not in FIGURE_SUFFIXES:
            raise ValueError(
                f"--out must end in one of {', '.join(FIGURE_SUFFIXES)}, got {out.name!r}"
            )
        opts = {
            name.strip(): make_optimizer(name.strip(), lr)
            for name in optimizers.split(",")
            if name.strip()
        }
        if not opts:
            raise ValueError("--optimizers names no optimizer")
        origin = _pair(start) if start else (None if function else (-2.0, 2.0))
        if function is not None:
            if function not in landscape.FUNCTIONS:
                raise ValueError(
                    f"unknown function {function!r}: use one of {', '.join(landscape.FUNCTIONS)}"
                )
            fn = landscape.FUNCTIONS[function]()
            races = landscape.race_function(fn, opts, start=origin, steps=steps)
            surf = fn.surface()
            title = f"{fn.name}: {fn.formula}"
        else:
            d = data.load(data_name)
            net = model_for(model, d.n_features, task=d.task, seed=seed, n_hidden=hidden)
            axes = _axes(net, x_axis, y_axis)
            begin = {k: v.copy() for k, v in net.params.items()}
            if origin is not None:
                for axis, value in zip(axes, origin, strict=True):
                    c = landscape.coordinate(axis, begin)
                    begin[c.name][c.index] = value
            races = landscape.race(net, d.X, d.y, opts, axes=axes, start=begin, steps=steps)
            surf = landscape.surface(
                net, d.X, d.y, axes=axes, center=begin, span=landscape.window(races), resolution=150
            )
            title = f"{type(net).__name__} on {d.name}: {steps} steps, lr={lr:g}"
        _save(surf, races, out, title)
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
    table = Table("optimizer", "final loss", "steps", "end", title=title, title_justify="left")
    for r in rows:
        end = f"({r['end'][0]:.4g}, {r['end'][1]:.4g})"
        table.add_row(
            r["optimizer"],
            f"{r['final_loss']:.5g}" + (" diverged" if r["diverged"] else ""),
            str(r["steps"]),
            end,
        )
    console.print(table)
    console.print(f"wrote {out} ({surf.method} surface, {len(surf.x)}×{len(surf.y)} grid)")


def graph_command(
    model: Annotated[
        str, typer.Option("--model", "-m", help="A model from `chainrule models`.")
    ] = "two-layer-sigmoid",
    features: Annotated[int, typer.Option(min=1, help="Input features (n).")] = 3,
    hidden: Annotated[
        int | None, typer.Option(help="Hidden units of two-layer models (default 2).")
    ] = None,
    examples: Annotated[int, typer.Option(min=1, help="Examples (m).")] = 4,
    seed: Annotated[int, typer.Option(help="Seed of data and weights.")] = 0,
    out: Annotated[Path, typer.Option(help="graph.svg, .png, .pdf or .dot")] = Path("graph.svg"),
) -> None:
    """Draw the computation graph of a model's loss, with values and gradients."""
    with user_errors():
        spec = models.get(model)
        n = spec.n_features or features
        task = spec.tasks[0]
        if hidden is None and "n_hidden" in spec.hyperparameter_names:
            hidden = 2
        net = model_for(model, n, task=task, seed=seed, n_hidden=hidden)
        rng = np.random.default_rng(seed)
        X = rng.standard_normal((n, examples))
        y = (
            rng.integers(0, 2, (1, examples)).astype(float)
            if net.task == "binary"
            else rng.uniform(0, 1, (1, examples))
        )
        g = plot.graph.trace(net, X, y)
        suffix = out.suffix.lower()
        if suffix == ".dot":
            out.write_text(plot.graph.to_dot(g) + "\n")
            how = "Graphviz DOT"
        elif suffix == ".svg" and _has_dot():
            plot.graph.render_svg(g, out)
            how = "Graphviz"
        elif suffix in (".svg", ".png", ".pdf"):
            plot.graph.draw(g).savefig(out, dpi=110)
            how = "matplotlib (layered layout)"
        else:
            raise ValueError(f"--out must end in .svg, .png, .pdf or .dot, got {out.name!r}")
    console.print(f"wrote {out}: {len(g.nodes)} nodes, {len(g.edges)} edges, drawn with {how}")


def _has_dot() -> bool:
    import shutil

    return shutil.which("dot") is not None


def _pair(text: str) -> tuple[float, float]:
    try:
        a, b = (float(v) for v in text.split(","))
    except ValueError:
        raise ValueError(f"--start takes two numbers such as -2,2; got {text!r}") from None
    return a, b


def _axes(net: models.Model, x_axis: str | None, y_axis: str | None) -> tuple[Any, Any]:
    if x_axis and y_axis:
        return parse_axis(x_axis), parse_axis(y_axis)
    if x_axis or y_axis:
        raise ValueError("give both --x-axis and --y-axis, or neither")
    names = list(net.params)
    first, last = net.params[names[0]], net.params[names[-1]]
    return (
        names[0] if first.size == 1 else (names[0], (0, 0)),
        names[-1] if last.size == 1 else (names[-1], (0, 0)),
    )


def _save(
    surf: landscape.Surface, races: dict[str, landscape.Trajectory], out: Path, title: str
) -> None:
    suffix = out.suffix.lower()
    if suffix == ".html":
        plot.interactive.write_html(plot.interactive.contour(surf, races, title=title), out)
    elif suffix in (".gif", ".mp4"):
        plot.animate(surf, races, out, title=title)
    else:
        plot.contour(surf, races, title=title).savefig(out, dpi=120)
