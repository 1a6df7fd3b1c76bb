"""``chainrule graph``: the computation graph of a model's loss, drawn with values and gradients."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Annotated

import typer

from chainrule.cli.model_options import model_for, parse_layers
from chainrule.cli.options import (
    ActivationOption,
    FeaturesOption,
    HiddenOption,
    LayersOption,
    ModelOption,
    SeedOption,
    integer,
    output_file,
)
from chainrule.cli.output import console, writing

GRAPH_SUFFIXES = (".svg", ".png", ".pdf", ".dot")
MAX_PARAMETERS = 100_000  # the graph carries every value and gradient


def graph_command(
    model: ModelOption = "two-layer-sigmoid",
    features: FeaturesOption = None,
    hidden: HiddenOption = None,
    layers: LayersOption = None,
    activation: ActivationOption = None,
    examples: Annotated[
        int,
        typer.Option(
            parser=integer(1, 1000), help="Examples (m), 1 to 1000: the graph shows every value."
        ),
    ] = 4,
    seed: SeedOption = 0,
    out: Annotated[Path, typer.Option(help="graph.svg, .png, .pdf or .dot")] = Path("graph.svg"),
) -> None:
    """Draw the computation graph of a model's loss, with values and gradients."""
    from chainrule import models, plot
    from chainrule.cli.train_cmd import n_features, sample_data

    output_file("--out", out, GRAPH_SUFFIXES)
    n = n_features(model, features)
    spec = models.get(model)
    if hidden is None and "n_hidden" in spec.hyperparameter_names:
        hidden = 2
    net = model_for(
        model, n, task=spec.tasks[0], seed=seed, n_hidden=hidden,
        hidden_layers=parse_layers(layers), activation=activation,
    )  # fmt: skip
    if net.n_parameters > MAX_PARAMETERS:
        raise ValueError(
            f"{model} with these sizes has {net.n_parameters} parameters, too many to show "
            f"(at most {MAX_PARAMETERS}); use a smaller --features, --hidden or --layers"
        )
    X, y = sample_data(net, n, examples, seed)
    g = plot.graph.trace(net, X, y)
    suffix = out.suffix.lower()
    with writing("--out", out):
        if suffix == ".dot":
            out.write_text(plot.graph.to_dot(g) + "\n")
            how = "Graphviz DOT"
        elif suffix == ".svg" and shutil.which("dot") is not None:
            plot.graph.render_svg(g, out)
            how = "Graphviz"
        else:
            plot.graph.draw(g).savefig(out, dpi=110)
            how = "matplotlib (layered layout)"
    console().print(
        f"wrote {out}: {len(g.nodes)} nodes, {len(g.edges)} edges, drawn with {how}",
        highlight=False,
        markup=False,
    )
