"""The options the commands share, with the parsers that check their values.

Numbers are parsed here rather than by Typer so that a refusal names the value
and the accepted range (``0 is not allowed: give an integer from 1 to 100000``)
and NaN and infinity are refused. This module imports only the standard library
and Typer: ``chainrule --help`` must not load NumPy.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

MAX_SEED = 2**63 - 1
MAX_EPOCHS = 100_000
MAX_EXAMPLES = 100_000  # of generated data: gradcheck and graph
MAX_BATCH = 10_000_000
MAX_CLASSES = 100
MAX_FEATURES = 4096  # of generated data: gradcheck, graph and derive
MAX_NUMBER = 1e12  # a learning rate or a start coordinate past this is a typo


def integer(low: int, high: int) -> Callable[[Any], int]:
    """A parser of integers in [low, high] (Typer also passes it the default)."""
    accepted = f"give an integer from {low} to {high}"

    def parse(given: Any) -> int:
        text, value = _converted(given, int, f"an integer: {accepted}")
        if not low <= value <= high:
            raise ValueError(f"{text} is out of range: {accepted}")
        return value

    return parse


def number(
    low: float, high: float, low_open: bool = False, high_open: bool = False
) -> Callable[[Any], float]:
    """A parser of finite numbers between low and high, each bound included unless open."""
    above = f"{'>' if low_open else '>='} {low:g}"
    below = f"{'<' if high_open else '<='} {high:g}"
    accepted = f"give a number {above} and {below}"

    def parse(given: Any) -> float:
        text, value = _converted(given, float, f"a number: {accepted}")
        too_low = value <= low if low_open else value < low
        too_high = value >= high if high_open else value > high
        if not math.isfinite(value) or too_low or too_high:
            raise ValueError(f"{text} is out of range: {accepted}")
        return value

    return parse


def _converted(given: Any, kind: Callable[[str], Any], expected: str) -> tuple[str, Any]:
    """(the text as shown in messages, its value), or a ValueError saying what was expected."""
    text = str(given).strip()
    shown = text if len(text) <= 40 else f"{text[:20]}...{text[-10:]} ({len(text)} characters)"
    try:
        return shown, kind(text)
    except ValueError:
        raise ValueError(f"{shown!r} is not {expected}") from None


fraction = number(0.0, 1.0, high_open=True)


ModelOption = Annotated[str, typer.Option("--model", "-m", help="A model from `chainrule models`.")]
HiddenOption = Annotated[
    int | None,
    typer.Option(
        parser=integer(1, 1_000_000),
        help="Hidden units of a two-layer network (range: `chainrule models`).",
    ),
]
LayersOption = Annotated[
    str | None, typer.Option(help="MLP hidden layer sizes, comma-separated, e.g. 16,16.")
]
ActivationOption = Annotated[
    str | None, typer.Option(help="MLP hidden activation, such as tanh or relu.")
]
AlphaOption = Annotated[
    float | None,
    typer.Option(parser=number(0.0, 1000.0), help="MLP L2 penalty (α/2)·Σ||W||², 0 to 1000."),
]
DropoutOption = Annotated[
    float | None,
    typer.Option(
        parser=number(0.0, 0.95), help="MLP dropout: probability of dropping a hidden unit."
    ),
]
L1Option = Annotated[
    float | None,
    typer.Option("--l1", parser=number(0.0, 1000.0), help="MLP L1 penalty λ·Σ|W|, 0 to 1000."),
]
InitOption = Annotated[
    str | None,
    typer.Option(help="MLP initial weights: zero, small, glorot, he or large [default: auto]."),
]
OutputUnitOption = Annotated[
    str | None,
    typer.Option(
        "--out-unit",
        help="MLP output: identity or tanh (regression), sigmoid, softmax [default: the task's].",
    ),
]
LossOption = Annotated[
    str | None,
    typer.Option(
        help="MLP loss: mse, binary_cross_entropy or cross_entropy [default: the output's]."
    ),
]
SeedOption = Annotated[
    int,
    typer.Option(parser=integer(0, MAX_SEED), help="Seed of weights, data and shuffling (>= 0)."),
]
LrOption = Annotated[
    float,
    typer.Option(
        parser=number(0.0, MAX_NUMBER, low_open=True),
        help="Learning rate: a number > 0 (and at most 1e12).",
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print results as JSON.")]
FeaturesOption = Annotated[
    int | None,
    typer.Option(
        parser=integer(1, MAX_FEATURES),
        help=f"Input features (n), 1 to {MAX_FEATURES} [default: 3, or the model's own].",
    ),
]
ExamplesOption = Annotated[
    int,
    typer.Option(parser=integer(1, MAX_EXAMPLES), help=f"Examples (m), 1 to {MAX_EXAMPLES}."),
]


def output_file(option: str, path: Path, suffixes: tuple[str, ...]) -> None:
    """Refuses an output path that cannot be written, before any work is done.

    Raises:
        ValueError: the suffix is not one of ``suffixes``, the path is a
            folder, or its folder does not exist or cannot be written.
    """
    if path.suffix.lower() not in suffixes:
        raise ValueError(f"{option} {path}: the name must end in one of {', '.join(suffixes)}")
    if path.is_dir():
        raise ValueError(f"{option} {path}: is a folder; give a file name such as {path / 'a'}")
    folder = path.parent
    if not folder.is_dir():
        raise ValueError(f"{option} {path}: the folder {folder} does not exist; create it first")
    if not os.access(folder, os.W_OK):
        raise ValueError(f"{option} {path}: the folder {folder} cannot be written; choose another")


TopicOption = Annotated[
    str,
    typer.Option(
        help="The topic: chain-rule, gradient-step, shapes, backward, optimizer-steps, "
        "delta-rule, minibatch, find-the-mistakes, gradient-checking or landscape."
    ),
]
CountOption = Annotated[
    int, typer.Option(parser=integer(1, 100), help="How many exercises, 1 to 100.")
]
