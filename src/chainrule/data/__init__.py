"""Data sets in the column convention: synthetic, bundled real ones, CSV files.

Layer ``data`` of chainrule (see DESIGN.md).
"""

from collections.abc import Callable

from chainrule.data.csv_file import DataError, load_csv
from chainrule.data.dataset import Dataset, standardize
from chainrule.data.real import breast_cancer, diabetes, digits, iris
from chainrule.data.synthetic import blobs, circles, linear, moons, spirals, wave, xor

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


def load(name: str) -> Dataset:
    """A built-in data set by name (see ``DATASETS``), or a CSV file by path."""
    if name in DATASETS:
        return DATASETS[name]()
    if name.endswith(".csv"):
        return load_csv(name)
    raise DataError(
        f"unknown data set {name!r}: use one of {', '.join(DATASETS)}, or a path to a .csv file"
    )


__all__ = [
    "DATASETS",
    "DataError",
    "Dataset",
    "blobs",
    "breast_cancer",
    "circles",
    "diabetes",
    "digits",
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
