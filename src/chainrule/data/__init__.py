"""Data sets in the column convention: synthetic, bundled real ones, CSV files.

Layer ``data`` of chainrule (see DESIGN.md). ``load_csv`` streams a CSV file
with errors that name the line, the column and the value; ``encode_target``
decides a target's task and maps class labels; ``check_finite`` refuses NaN
and infinity in arrays given directly.
"""

from collections.abc import Callable

from chainrule.data.csv_file import load_csv
from chainrule.data.dataset import Dataset, standardize
from chainrule.data.labels import MAX_CLASSES, TASKS, Target, encode_target
from chainrule.data.real import breast_cancer, diabetes, digits, iris
from chainrule.data.synthetic import blobs, circles, linear, moons, spirals, wave, xor
from chainrule.data.validate import DataError, check_finite

DATASETS: dict[str, Callable[[], Dataset]] = {
    "linear": linear,
    "wave": wave,
    "moons": moons,
    "circles": circles,
    "xor": xor,
    "spirals": spirals,
    "blobs": blobs,
    "diabetes": diabetes,
    "breast_cancer": breast_cancer,
    "iris": iris,
    "digits": digits,
}


def load(name: str, *, target: str | int | None = None, task: str | None = None) -> Dataset:
    """A built-in data set by name (see ``DATASETS``), or a CSV file by path.

    ``target`` and ``task`` are passed to ``load_csv``; a built-in data set has
    its own target, and ``task`` must then be its task or None.
    """
    if name in DATASETS:
        if target is not None:
            raise DataError(f"target= applies to CSV files; {name!r} has its own target")
        d = DATASETS[name]()
        if task is not None and task != d.task:
            raise DataError(f"{name!r} is a {d.task} task, not {task!r}")
        return d
    if name.lower().endswith(".csv"):
        return load_csv(name, target=target, task=task)
    raise DataError(
        f"unknown data set {name!r}: use one of {', '.join(DATASETS)}, or a path to a .csv file"
    )


__all__ = [
    "DATASETS",
    "MAX_CLASSES",
    "TASKS",
    "DataError",
    "Dataset",
    "Target",
    "blobs",
    "breast_cancer",
    "check_finite",
    "circles",
    "diabetes",
    "digits",
    "encode_target",
    "iris",
    "linear",
    "load",
    "load_csv",
    "moons",
    "spirals",
    "standardize",
    "wave",
    "xor",
]
