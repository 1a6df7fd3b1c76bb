"""The playground's data: the data sets, the input features, drawn points, uploaded CSV files.

Every data set is made from the generators of :mod:`chainrule.data.synthetic`
(or read by :func:`chainrule.data.load_csv`), scaled so that its largest
coordinate is ±SCALE, featurised and split by the seed. Points drawn on the
figure are kept as (x1, x2, label) triples in the figure's coordinates, and an
uploaded table as (x1, x2, target) rows before scaling; both are plain tuples
so that a config holding them stays hashable and comparable.
"""

from __future__ import annotations

import base64
import binascii
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from chainrule.data import DataError, Dataset, blobs, circles, load_csv, moons, spirals, xor
from chainrule.data.synthetic import gaussians, multi_gaussian, plane, spiral_arms

SCALE = 2.0
"""Every data set is scaled so that its largest coordinate is ±SCALE."""
EDGE = 1.1 * SCALE
"""The figure shows [−EDGE, EDGE]²: drawn points must lie inside it."""

GENERATORS: dict[str, tuple[str, Callable[..., Dataset], Callable[..., dict[str, Any]]]] = {
    "circle": ("circle", circles, lambda noise, seed, k: {"noise": 0.2 * noise, "seed": seed}),
    "xor": ("xor", xor, lambda noise, seed, k: {"noise": 0.1 + 0.5 * noise, "seed": seed}),
    "gaussian": (
        "two Gaussians",
        gaussians,
        lambda noise, seed, k: {"noise": 0.3 + noise, "seed": seed},
    ),
    "spiral": ("spiral", spirals, lambda noise, seed, k: {"noise": 0.3 * noise, "seed": seed}),
    "moons": ("moons", moons, lambda noise, seed, k: {"noise": 0.3 * noise, "seed": seed}),
    "blobs": (
        "blobs (3 to 5 classes)",
        blobs,
        lambda noise, seed, k: {"centers": k, "std": 0.5 + 3 * noise, "seed": seed},
    ),
    "arms": (
        "spiral arms (3 to 5 classes)",
        spiral_arms,
        lambda noise, seed, k: {"classes": k, "noise": 0.3 * noise, "seed": seed},
    ),
    "plane": (
        "regression: plane",
        plane,
        lambda noise, seed, k: {"noise": 0.5 * noise, "seed": seed},
    ),
    "multigauss": (
        "regression: multi Gaussian",
        multi_gaussian,
        lambda noise, seed, k: {"noise": 0.5 * noise, "seed": seed},
    ),
}
"""Key -> (label, generator from chainrule.data, its keyword arguments for (noise in
[0, 1], seed, classes)); the generator's first argument is the number of points. The
regression sets' noise is TensorFlow Playground's, 0 to 0.5, at the slider's 0 to 1."""


def _maker(key: str) -> Callable[[int, float, int, int], Dataset]:
    _, generate, arguments = GENERATORS[key]
    return lambda m, noise, seed, k: generate(m, **arguments(noise, seed, k))


DATASETS: dict[str, tuple[str, Callable[[int, float, int, int], Dataset]]] = {
    key: (label, _maker(key)) for key, (label, _, _) in GENERATORS.items()
}
"""Key -> (label, make(m, noise in [0, 1], seed, classes))."""
MULTICLASS = ("blobs", "arms")
REGRESSION = ("plane", "multigauss")
CSV = "csv"
"""The key of an uploaded table (not in DATASETS: it is not made from a seed)."""

FEATURES: dict[str, tuple[str, Callable[[np.ndarray, np.ndarray], np.ndarray]]] = {
    "x1": ("x₁", lambda a, b: a),
    "x2": ("x₂", lambda a, b: b),
    "x1sq": ("x₁²", lambda a, b: a * a),
    "x2sq": ("x₂²", lambda a, b: b * b),
    "x1x2": ("x₁x₂", lambda a, b: a * b),
    "sinx1": ("sin x₁", lambda a, b: np.sin(a)),
    "sinx2": ("sin x₂", lambda a, b: np.sin(b)),
}
"""Key -> (label, the feature row from the rows x1 (m,), x2 (m,))."""

MAX_DRAWN = 200
"""Points drawn by clicking, at most: each takes about 15 characters of the URL."""
MAX_UPLOAD_BYTES = 200_000
"""The largest CSV file the page takes (about 5,000 rows of three numbers)."""
MAX_UPLOAD_ROWS = 5000
MAX_CLASSES = 5


@dataclass(frozen=True)
class Split:
    """The data of a config: raw points P (2, m) scaled into [−SCALE, SCALE]², features
    X (k, m) of the chosen features, labels (m,) (class indices, or the targets of a
    regression); ``train`` and ``test`` index the columns."""

    P: np.ndarray
    X: np.ndarray
    labels: np.ndarray
    train: np.ndarray
    test: np.ndarray


def features(chosen: tuple[str, ...], P: np.ndarray) -> np.ndarray:
    """The chosen features of points P (2, m): (len(chosen), m)."""
    return np.vstack([FEATURES[f][1](P[0], P[1]) for f in chosen])


def make_split(
    base: Dataset | tuple[np.ndarray, np.ndarray],
    chosen: tuple[str, ...],
    test: float,
    seed: int,
    drawn: tuple[tuple[float, float, float], ...],
) -> Split:
    """Scales ``base`` (a Dataset, or points (2, m) and targets (m,)), adds the drawn
    points (kept in the training set), featurises and splits by the seed."""
    if isinstance(base, Dataset):
        X, values = base.X, (base.y.reshape(-1) if base.task == "regression" else base.labels)
    else:
        X, values = base
    P = X * (SCALE / np.max(np.abs(X)))
    m = P.shape[1]
    order = np.random.default_rng(seed).permutation(m)
    n_test = max(1, round(test * m))
    train, held = np.sort(order[n_test:]), order[:n_test]
    labels = np.asarray(values)
    if drawn:
        extra = np.array(drawn, dtype=np.float64).T
        P = np.hstack([P, extra[:2]])
        labels = np.r_[labels, extra[2].astype(labels.dtype)]
        train = np.r_[train, np.arange(m, m + extra.shape[1])]
    return Split(P, features(chosen, P), labels, train, held)


# --- drawn points in the URL -------------------------------------------------------


def drawn_to_text(drawn: tuple[tuple[float, float, float], ...]) -> str:
    """``1.25:-0.4:1;...``: each point x1:x2:label with 3 significant digits (2 for x)."""
    return ";".join(f"{a:.2f}:{b:.2f}:{c:.3g}" for a, b, c in drawn)


def drawn_from_text(text: str) -> tuple[tuple[float, float, float], ...]:
    """The points of :func:`drawn_to_text` (numbers only; checked by the config)."""
    points = []
    for item in filter(None, text.split(";")):
        parts = item.split(":")
        if len(parts) != 3:
            raise ValueError(f"a drawn point is x1:x2:label, got {item[:40]!r}")
        try:
            a, b, c = (float(p) for p in parts)
        except ValueError:
            raise ValueError(f"a drawn point holds numbers, got {item[:40]!r}") from None
        points.append((a, b, c))
    return tuple(points)


def check_drawn(drawn: Any, task: str, classes: int) -> tuple[tuple[float, float, float], ...]:
    """Drawn points as float triples inside the figure, each label a class of the task
    (an integer in [0, classes)) or a regression target in [−1, 1]."""
    if not isinstance(drawn, list | tuple):
        raise ValueError(f"drawn points must be a list of (x1, x2, label), got {drawn!r:.60}")
    if len(drawn) > MAX_DRAWN:
        raise ValueError(f"at most {MAX_DRAWN} drawn points, got {len(drawn)}")
    out = []
    for i, point in enumerate(drawn, 1):
        try:
            a, b, c = (float(v) for v in point)
        except (TypeError, ValueError):
            raise ValueError(f"drawn point {i} must be three numbers, got {point!r:.60}") from None
        if not (abs(a) <= EDGE and abs(b) <= EDGE):
            raise ValueError(f"drawn point {i} must lie in [−{EDGE:g}, {EDGE:g}]², got ({a}, {b})")
        if task == "regression":
            if not -1.0 <= c <= 1.0:
                raise ValueError(f"drawn point {i}'s value must be in [−1, 1], got {c}")
        elif c not in range(classes):
            raise ValueError(f"drawn point {i}'s class must be one of 0..{classes - 1}, got {c:g}")
        out.append((round(a, 2), round(b, 2), float(round(c, 3) if task == "regression" else c)))
    return tuple(out)


# --- uploaded tables ---------------------------------------------------------------


@dataclass(frozen=True)
class Table:
    """An uploaded table: rows (x1, x2, target) as read, the task and the classes."""

    name: str
    rows: tuple[tuple[float, float, float], ...]
    task: str
    classes: int


def read_upload(contents: str, filename: str) -> Table:
    """The table of a ``dcc.Upload``'s contents (``data:...;base64,...``), read by
    :func:`chainrule.data.load_csv`: two feature columns then the target. A
    classification's labels become 0..k−1 (at most MAX_CLASSES classes).

    Raises:
        ValueError: too large, not base64, or refused by ``load_csv`` (its message
            names the line, with the uploaded file's name in place of the temporary one).
    """
    name = os.path.basename(str(filename or "upload.csv"))[:80]
    _, _, encoded = str(contents).partition(",")
    if len(encoded) > MAX_UPLOAD_BYTES * 4 // 3 + 4:
        raise ValueError(f"{name}: larger than the limit of {MAX_UPLOAD_BYTES:,} bytes")
    try:
        raw = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError(f"{name}: the upload is not readable (not base64)") from None
    if len(raw) > MAX_UPLOAD_BYTES:
        raise ValueError(
            f"{name}: {len(raw):,} bytes, larger than the limit of {MAX_UPLOAD_BYTES:,}"
        )
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "upload.csv")
        with open(path, "wb") as f:
            f.write(raw)
        try:
            data = load_csv(path)
        except DataError as e:
            raise ValueError(str(e).replace(path, name)) from None
    if data.n_features != 2:
        raise ValueError(
            f"{name}: the playground takes two feature columns and a target (three columns), "
            f"got {data.n_features + 1} columns"
        )
    if data.n_examples > MAX_UPLOAD_ROWS:
        raise ValueError(
            f"{name}: {data.n_examples} rows, more than the limit of {MAX_UPLOAD_ROWS}"
        )
    if data.n_examples < 10:
        raise ValueError(f"{name}: {data.n_examples} rows; the playground needs at least 10")
    classes = 0 if data.task == "regression" else data.n_classes
    if classes > MAX_CLASSES:
        raise ValueError(f"{name}: {classes} classes, more than the limit of {MAX_CLASSES}")
    target = data.y.reshape(-1) if data.task == "regression" else data.labels
    rows = tuple(zip(data.X[0].tolist(), data.X[1].tolist(), np.asarray(target, float).tolist(),
                     strict=True))  # fmt: skip
    return Table(name, rows, data.task, classes)


def table_arrays(rows: tuple[tuple[float, float, float], ...]) -> tuple[np.ndarray, np.ndarray]:
    """Points (2, m) and targets (m,) of a table's rows."""
    a = np.array(rows, dtype=np.float64).reshape(-1, 3)
    return a[:, :2].T.copy(), a[:, 2].copy()
