"""``load_csv``: a numeric CSV file as a Dataset, with errors that name the line."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from chainrule.data.dataset import Dataset

MISSING = {"", "na", "nan", "null", "none", "?"}


class DataError(ValueError):
    """A data file that cannot be read; the message names the file, line and column."""


def load_csv(path: str | Path, target: str | int | None = None, task: str | None = None) -> Dataset:
    """Reads a CSV file of numbers into a Dataset (examples as columns).

    Args:
        path: the file. A first row with any non-numeric cell is the header;
            without one, columns are named ``x1, x2, ...``.
        target: the target column, by name or index; the last column if None.
        task: "regression", "binary" or "multiclass"; if None, a target of
            integers with at most 10 distinct values, starting at 0, is a
            classification and anything else a regression.

    Raises:
        DataError: the file is empty, a row has the wrong number of values, a
            value is missing or not a number (naming line and column), or the
            target column does not exist.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise DataError(f"{path}: no such file") from None
    except UnicodeDecodeError as e:
        raise DataError(f"{path}: not a text file ({e.reason} at byte {e.start})") from None
    rows = [
        (i, row)
        for i, row in enumerate(csv.reader(text.splitlines()), 1)
        if any(c.strip() for c in row)
    ]
    if not rows:
        raise DataError(f"{path}: the file is empty")
    first_line, first = rows[0]
    if any(not _is_number(c) for c in first):
        header = [c.strip() for c in first]
        rows = rows[1:]
        if not rows:
            raise DataError(f"{path}: has a header (line {first_line}) but no data rows")
    else:
        header = [f"x{i + 1}" for i in range(len(first))]
    width = len(header)
    values = np.empty((len(rows), width))
    for r, (line, row) in enumerate(rows):
        if len(row) != width:
            raise DataError(
                f"{path}, line {line}: {len(row)} values, expected {width} "
                f"(columns: {', '.join(header)})"
            )
        for c, cell in enumerate(row):
            cell = cell.strip()
            if cell.lower() in MISSING:
                raise DataError(f"{path}, line {line}, column {header[c]!r}: missing value")
            try:
                values[r, c] = float(cell)
            except ValueError:
                raise DataError(
                    f"{path}, line {line}, column {header[c]!r}: {cell!r} is not a number"
                ) from None
    t = _target_index(path, header, target)
    features = [i for i in range(width) if i != t]
    if not features:
        raise DataError(f"{path}: only the target column {header[t]!r}; no features")
    y = values[:, t]
    task = task or _infer_task(y)
    classes: tuple[str, ...] = ()
    if task != "regression":
        if not np.all(y == np.round(y)) or y.min() < 0:
            raise DataError(f"{path}: a {task} target must hold class labels 0, 1, 2, ...")
        classes = tuple(str(c) for c in range(int(y.max()) + 1))
    return Dataset(
        values[:, features].T.copy(),
        y[None, :].copy(),
        tuple(header[i] for i in features),
        header[t],
        task,
        path.name,
        classes,
    )


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return cell.strip().lower() in MISSING - {""}
    return True


def _target_index(path: Path, header: list[str], target: str | int | None) -> int:
    if target is None:
        return len(header) - 1
    if isinstance(target, int):
        if not -len(header) <= target < len(header):
            raise DataError(f"{path}: no column {target}; the file has {len(header)} columns")
        return target % len(header)
    if target not in header:
        raise DataError(f"{path}: no column named {target!r}; the columns are {', '.join(header)}")
    return header.index(target)


def _infer_task(y: np.ndarray) -> str:
    distinct = np.unique(y)
    if np.all(distinct == np.round(distinct)) and len(distinct) <= 10 and distinct.min() == 0:
        return "binary" if len(distinct) <= 2 else "multiclass"
    return "regression"
