"""Exact loss surfaces over two parameter coordinates.

``surface(model, X, y, axes=("w", "b"))`` evaluates the loss on a grid over two
coordinates, every other parameter held at ``center``. Two ways, chosen
automatically:

- **closed form**: when the loss is quadratic in the two coordinates (MSE with
  both coordinates in the final linear layer: the regressions, the readout
  ``w2``/``b2`` of the two-layer networks, the last layer of an identity-output
  MLP), ŷ = u·a + v·b + r is linear in them, so the loss is a quadratic form
  whose six coefficients are sums over the examples, computed in one pass;
  the grid then costs nothing per example.
- **batched**: otherwise, the model's forward pass runs on many grid points
  at once (the parameters get a leading batch axis), in chunks whose
  intermediate arrays stay under ``max_bytes``.

``max_bytes`` bounds the whole evaluation: the grid of losses itself and the
batched working arrays. What cannot fit is refused before anything large is
allocated, with the memory it would need.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from chainrule.models import Model

Axis = str | tuple[str, tuple[int, ...]]
DEFAULT_MAX_BYTES = 256 << 20


@dataclass(frozen=True)
class Surface:
    """The loss on a grid: ``loss[j, i]`` is the loss at ``(x[i], y[j])``.

    Attributes:
        x, y: the 1-D grids of the two coordinates.
        loss: shape (len(y), len(x)).
        x_label, y_label: the coordinates, e.g. ``w`` or ``W1[0, 1]``.
        center: the parameters the slice goes through.
        method: "closed form", "batched" or "function".
    """

    x: np.ndarray
    y: np.ndarray
    loss: np.ndarray
    x_label: str
    y_label: str
    center: dict[str, np.ndarray]
    method: str

    @property
    def minimum(self) -> tuple[float, float, float]:
        """(x, y, loss) at the lowest grid point whose loss is finite.

        Raises ValueError when no grid point has a finite loss.
        """
        finite = np.isfinite(self.loss)
        if not finite.any():
            raise ValueError(
                "Surface.minimum: no grid point has a finite loss; narrow the span "
                "or move the center to where the model's loss is defined"
            )
        lowest = int(np.argmin(np.where(finite, self.loss, np.inf)))
        j, i = np.unravel_index(lowest, self.loss.shape)
        return float(self.x[i]), float(self.y[j]), float(self.loss[j, i])

    def _repr_png_(self) -> bytes:
        """A notebook's view: the loss as a coloured map with contours, a PNG.

        Drawn with matplotlib's ``Figure`` directly (no pyplot, so nothing is
        kept open). Non-finite losses (a diverged region) are left blank; the
        lowest finite grid point is marked.
        """
        import io

        from matplotlib.figure import Figure

        loss = np.ma.masked_invalid(np.asarray(self.loss, dtype=np.float64))
        figure = Figure(figsize=(5.0, 4.0))
        ax = figure.add_subplot()
        mesh = ax.pcolormesh(self.x, self.y, loss, shading="auto", cmap="viridis")
        figure.colorbar(mesh, ax=ax, label="loss")
        finite = np.isfinite(self.loss)
        if finite.any():
            if np.ptp(self.loss[finite]) > 0 and min(self.loss.shape) > 1:
                ax.contour(self.x, self.y, loss, levels=10, colors="white", linewidths=0.5)
            x, y, lowest = self.minimum
            ax.plot(
                x,
                y,
                marker="*",
                color="red",
                markersize=10,
                linestyle="none",
                label=f"lowest: {lowest:.4g}",
            )
            ax.legend(loc="upper right", fontsize=8)
        ax.set_xlabel(self.x_label)
        ax.set_ylabel(self.y_label)
        ax.set_title(f"loss surface ({self.method})", fontsize=10)
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
        return buffer.getvalue()


@dataclass(frozen=True)
class Coordinate:
    """One entry of one parameter."""

    name: str
    index: tuple[int, ...]
    single: bool  # the parameter has one entry

    @property
    def label(self) -> str:
        return self.name if self.single else f"{self.name}[{', '.join(map(str, self.index))}]"

    def get(self, params: dict[str, np.ndarray]) -> float:
        return float(params[self.name][self.index])


def coordinate(axis: Axis, params: dict[str, np.ndarray]) -> Coordinate:
    """Resolves an axis: a parameter name (one-entry parameters), or (name, index)."""
    if isinstance(axis, str):
        name, index = axis, None
    else:
        try:
            name, index = axis
        except (TypeError, ValueError):
            raise ValueError(
                f"an axis is a parameter name or (name, index), got {axis!r}"
            ) from None
    if name not in params:
        raise ValueError(f"no parameter {name!r}; the model has {', '.join(params)}")
    shape = params[name].shape
    if index is None:
        if params[name].size != 1:
            example = (0,) * len(shape)
            raise ValueError(
                f"{name} has shape {shape}, so name one entry, e.g. ({name!r}, {example})"
            )
        return Coordinate(name, (0,) * len(shape), True)
    index = tuple(int(i) for i in (index if isinstance(index, Sequence) else (index,)))
    if len(index) != len(shape) or any(not 0 <= i < d for i, d in zip(index, shape, strict=True)):
        raise ValueError(f"index {index} is not an entry of {name}, which has shape {shape}")
    return Coordinate(name, index, params[name].size == 1)


def surface(
    model: Model,
    X: np.ndarray,
    y: np.ndarray,
    axes: tuple[Axis, Axis] = ("w", "b"),
    center: dict[str, np.ndarray] | None = None,
    span: float | tuple[tuple[float, float], tuple[float, float]] = 2.0,
    resolution: int | tuple[int, int] = 101,
    max_bytes: int = DEFAULT_MAX_BYTES,
    method: str = "auto",
) -> Surface:
    """The loss of ``model`` over a grid of two coordinates.

    Args:
        model: any chainrule model.
        X: (n, m) and y: (1, m): the data the loss is measured on.
        axes: two coordinates: parameter names (one-entry parameters such as
            ``w`` and ``b`` of the univariate regression) or ``(name, index)``
            for one entry of a matrix, e.g. ``("W1", (0, 1))``.
        center: the parameters the slice goes through (default: the model's).
        span: the grid covers ``center ± span`` along each axis, or give
            ``((x_lo, x_hi), (y_lo, y_hi))``.
        resolution: grid points per axis (at least 2), or (nx, ny).
        max_bytes: the memory bound, in bytes, for the grid of losses (8 bytes
            a point) and the batched evaluation's working arrays together.
        method: "auto", "closed form" or "batched".

    Returns:
        A :class:`Surface`.

    Raises:
        ValueError: a resolution, span or max_bytes that is not valid, or a
            grid that does not fit in ``max_bytes`` (the message gives the
            memory needed and the largest resolution that fits).
    """
    if method not in ("auto", "closed form", "batched"):
        raise ValueError(f"method must be 'auto', 'closed form' or 'batched', got {method!r}")
    check_max_bytes(max_bytes)
    nx, ny = check_resolution(resolution)
    grid = grid_bytes(nx * ny, max_bytes, f"a {nx} x {ny} grid", "lower the resolution")
    X, y = model.check_data(X, y)
    center = {k: np.asarray(v, dtype=np.float64) for k, v in (center or model.params).items()}
    if set(center) != set(model.params):
        raise ValueError(f"center must give every parameter: {', '.join(model.params)}")
    cx, cy = (coordinate(a, center) for a in axes)
    if (cx.name, cx.index) == (cy.name, cy.index):
        raise ValueError(f"the two axes are the same coordinate {cx.label}")
    (xl, xh), (yl, yh) = _ranges(cx, cy, center, span)
    xs, ys = np.linspace(xl, xh, nx), np.linspace(yl, yh, ny)
    readout = _quadratic_readout(model, cx, cy)
    if method == "auto":
        method = "closed form" if readout is not None else "batched"
    if method == "closed form":
        if readout is None:
            raise ValueError(
                f"the loss of {model.name} is not quadratic in ({cx.label}, {cy.label}); "
                "use method='batched'"
            )
        loss = _closed_form(model, X, y, center, cx, cy, readout, xs, ys)
    else:
        loss = _batched(model, X, y, center, cx, cy, xs, ys, max_bytes - grid)
    return Surface(xs, ys, loss, cx.label, cy.label, center, method)


# --- bounds --------------------------------------------------------------------


def check_max_bytes(max_bytes: Any) -> int:
    """``max_bytes`` as a positive int, or a ValueError naming it."""
    if isinstance(max_bytes, bool) or not isinstance(max_bytes, numbers.Integral) or max_bytes < 1:
        raise ValueError(f"max_bytes must be a positive number of bytes, got {max_bytes!r}")
    return int(max_bytes)


def grid_bytes(points: int, max_bytes: int, what: str, fix: str) -> int:
    """The bytes of ``points`` float64 losses, or a ValueError when over ``max_bytes``."""
    need = 8 * points
    if need > max_bytes:
        raise ValueError(
            f"{what} needs {show_bytes(need)} for its losses alone, over "
            f"max_bytes={show_bytes(max_bytes)}: {fix} or raise max_bytes"
        )
    return need


def show_bytes(n: float) -> str:
    """A byte count for people: 3.2 GB, 1.0 MB, 512 bytes."""
    for unit, size in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= size:
            return f"{n / size:.1f} {unit}"
    return f"{int(n)} bytes"


def check_resolution(resolution: Any) -> tuple[int, int]:
    """(nx, ny) from ``resolution`` (one int for both, or two), each at least 2."""
    pair = (resolution, resolution) if not isinstance(resolution, tuple | list) else resolution
    if (
        len(pair) != 2
        or any(isinstance(n, bool) or not isinstance(n, numbers.Integral) for n in pair)
        or min(pair) < 2
    ):
        raise ValueError(
            "resolution must be an integer of at least 2 points per axis, or two of them "
            f"(nx, ny), got {resolution!r}"
        )
    return int(pair[0]), int(pair[1])


def _ranges(
    cx: Coordinate, cy: Coordinate, center: dict[str, np.ndarray], span: Any
) -> tuple[tuple[float, float], tuple[float, float]]:
    """The (low, high) of each axis, finite and wide enough to vary the coordinate."""
    ranges: list[tuple[float, float]]
    if isinstance(span, int | float | np.number) and not isinstance(span, bool):
        half = float(span)
        if not (math.isfinite(half) and half > 0):
            raise ValueError(f"span must be a finite positive number, got {span!r}")
        ranges = [(c.get(center) - half, c.get(center) + half) for c in (cx, cy)]
    else:
        try:
            (xl, xh), (yl, yh) = span
            ranges = [(float(xl), float(xh)), (float(yl), float(yh))]
        except (TypeError, ValueError):
            raise ValueError(
                f"span is a number or ((x_low, x_high), (y_low, y_high)), got {span!r}"
            ) from None
        if not all(lo < hi for lo, hi in ranges):
            raise ValueError(f"span ranges must be (low, high) with low < high, got {span!r}")
    for c, (lo, hi) in zip((cx, cy), ranges, strict=True):
        if not (math.isfinite(lo) and math.isfinite(hi)):
            raise ValueError(
                f"the grid over {c.label} runs from {lo} to {hi}: give a finite span "
                f"(the center has {c.label} = {c.get(center)})"
            )
        if not lo < hi:
            raise ValueError(
                f"span {span!r} is too small to vary {c.label} around {c.get(center)} "
                "in float64; give a wider span"
            )
    return ranges[0], ranges[1]


# --- closed form ---------------------------------------------------------------


def _quadratic_readout(model: Model, cx: Coordinate, cy: Coordinate) -> tuple[str, str, str] | None:
    """The model's linear readout when both coordinates are its weight or bias."""
    readout = model.linear_readout()
    if readout is not None and {cx.name, cy.name} <= set(readout[:2]):
        return readout
    return None


def _closed_form(
    model: Model,
    X: np.ndarray,
    y: np.ndarray,
    center: dict[str, np.ndarray],
    cx: Coordinate,
    cy: Coordinate,
    readout: tuple[str, str, str],
    xs: np.ndarray,
    ys: np.ndarray,
) -> np.ndarray:
    """L(u, v) = (1/m) Σ (u·fa + v·fb + e)², expanded into sums over the examples.

    fa, fb are the features the two coordinates multiply (a row of the
    readout's input, or 1 for the bias) and e = r − y, where r is what the
    other readout coordinates contribute. Every sum is one dot product or one
    reduction over m numbers, so the data is read a few times and never copied.
    """
    weight, bias, source = readout
    m = X.shape[1]
    H = X if source == "X" else forward_cache(model, center, X)[source]
    w, b = center[weight], center[bias]
    fa = None if cx.name == bias else H[cx.index[1]]
    fb = None if cy.name == bias else H[cy.index[1]]
    # r: the contribution of the readout coordinates that are not axes
    others = [
        j
        for j in range(w.shape[1])
        if (weight, j) not in {(cx.name, cx.index[-1]), (cy.name, cy.index[-1])}
    ]
    r = w[0, others] @ H[others] if others else None
    if bias not in (cx.name, cy.name):
        r = (0.0 if r is None else r) + b[0, 0]
    # e = r − y; with nothing else in the readout, e = −y: use y and flip signs
    e, e_sign = (y[0], -1.0) if r is None else (r - y[0], 1.0)
    sums: dict[tuple[int, int], float] = {}
    vectors = (fa, fb, e)

    def s(p: int, q: int) -> float:
        """Σ over the examples of vectors[p]·vectors[q]; None stands for 1."""
        key = (min(p, q), max(p, q))
        if key not in sums:
            a, c = vectors[key[0]], vectors[key[1]]
            if a is None and c is None:
                sums[key] = float(m)
            elif a is None or c is None:
                vector: np.ndarray = c if a is None else a  # type: ignore[assignment]
                sums[key] = float(np.einsum("i->", vector))  # faster than .sum() here
            else:
                sums[key] = float(np.dot(a, c))
            sums[key] *= e_sign ** key.count(2)
        return sums[key]

    # the terms in u alone and v alone are 1-D; only u·v needs the whole grid
    along_x = (xs * xs * s(0, 0) + 2.0 * xs * s(0, 2) + s(2, 2)) / m
    along_y = (ys * ys * s(1, 1) + 2.0 * ys * s(1, 2)) / m
    total = np.multiply.outer(ys, xs * (2.0 * s(0, 1) / m))  # (ny, nx)
    total += along_x
    total += along_y[:, None]
    return np.maximum(total, 0.0, out=total)


# --- batched -------------------------------------------------------------------


def _batched(
    model: Model,
    X: np.ndarray,
    y: np.ndarray,
    center: dict[str, np.ndarray],
    cx: Coordinate,
    cy: Coordinate,
    xs: np.ndarray,
    ys: np.ndarray,
    max_bytes: int,
) -> np.ndarray:
    """The losses on the grid, ``max_bytes`` of working memory at a time."""
    losses = np.empty(xs.size * ys.size)

    def settings(points: int) -> dict[str, np.ndarray]:
        return _batched_params(center, [(cx, np.zeros(points)), (cy, np.zeros(points))])

    per_point = working_bytes(model, X, y, settings) + 48  # + the chunk's indices and values
    chunk = chunk_size(per_point, max_bytes, f"the {len(xs)} x {len(ys)} grid")
    for start in range(0, losses.size, chunk):
        index = np.arange(start, min(start + chunk, losses.size))
        u, v = xs[index % xs.size], ys[index // xs.size]
        params = _batched_params(center, [(cx, u), (cy, v)])
        losses[index[0] : index[-1] + 1] = evaluate_batched(model, params, X, y)
    return losses.reshape(ys.size, xs.size)


def _batched_params(
    center: dict[str, np.ndarray], settings: list[tuple[Coordinate, np.ndarray]]
) -> dict[str, np.ndarray]:
    """Parameters with a leading batch axis for each parameter that varies."""
    params: dict[str, np.ndarray] = dict(center)
    g = settings[0][1].size
    for c, values in settings:
        if params[c.name].ndim == center[c.name].ndim:
            params[c.name] = np.repeat(center[c.name][None], g, axis=0)
        target: tuple[Any, ...] = (slice(None), *c.index)
        params[c.name][target] = values
    return params


def evaluate_batched(
    model: Model, params: dict[str, np.ndarray], X: np.ndarray, y: np.ndarray
) -> np.ndarray:
    """The loss for a batch of parameter settings: each parameter is either its
    usual shape or has a leading batch axis of size G. Returns shape (G,)."""
    cache = forward_cache(model, params, X)
    return np.asarray(model.loss_from_cache(cache, y), dtype=np.float64).reshape(-1)


def forward_cache(
    model: Model, params: dict[str, np.ndarray], X: np.ndarray
) -> dict[str, np.ndarray]:
    """The model's forward cache at ``params``; the model keeps its own parameters."""
    saved = dict(model.params)
    try:
        model.params.update(params)
        return model.forward(X)[1]
    finally:
        model.params.update(saved)


def working_bytes(
    model: Model,
    X: np.ndarray,
    y: np.ndarray,
    settings: Callable[[int], dict[str, np.ndarray]],
) -> float:
    """The memory one more parameter setting adds to a batched evaluation (an estimate).

    ``settings(g)`` gives batched parameters for ``g`` settings. The forward
    pass is probed at one and two settings on at most 16 examples, and the
    difference of its cache is scaled to all ``m`` examples and doubled for
    the temporaries the pass makes on the way (measured peaks: 0.4 to 0.75
    of ``max_bytes`` for the worked networks and MLPs); the batched
    parameters and the loss's temporaries, about two arrays like ``y`` a
    setting, are added.
    """
    m = X.shape[1]
    k = min(m, 16)
    probe = X[:, :k]
    sizes = []
    for g in (1, 2):
        params = settings(g)
        cache = forward_cache(model, params, probe)
        per_example = sum(a.nbytes for a in cache.values() if a is not probe)
        sizes.append((per_example * m / k, sum(p.nbytes for p in params.values())))
    return 2 * (sizes[1][0] - sizes[0][0]) + (sizes[1][1] - sizes[0][1]) + 2 * y.nbytes


def chunk_size(
    per_point: float,
    max_bytes: int,
    what: str,
    item: str = "point",
    fix: str = "use fewer examples",
) -> int:
    """How many items fit in ``max_bytes`` at ``per_point`` bytes each, or a clear error."""
    if per_point > max_bytes:
        raise ValueError(
            f"evaluating {what} needs about {show_bytes(per_point)} of working memory a "
            f"{item}, and {show_bytes(max_bytes)} is left of max_bytes after the losses: "
            f"raise max_bytes or {fix}"
        )
    return max(1, int(max_bytes // max(per_point, 1.0)))
