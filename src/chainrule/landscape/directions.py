"""Slices of high-dimensional losses: random and PCA directions (Li et al., 2018).

A direction is a dict of arrays shaped like the parameters. The loss along
θ + α·d (1-D) or θ + α·d1 + β·d2 (2-D) is evaluated in batches through the
model's forward pass.

Filter normalisation (Li et al. 2018, "Visualizing the Loss Landscape of
Neural Nets", section 4): each filter of a random Gaussian direction is
rescaled to the norm of the same filter of the parameters. A filter here is
one output unit's incoming weights, a row of a weight matrix (out, in).
Biases (the parameters named ``b...``, of shape (out, 1)) get a zero
direction, as the paper does for biases and batch-norm parameters, unless
``biases="normalize"``, which scales the whole bias vector to its norm.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from chainrule.landscape.surface import (
    DEFAULT_MAX_BYTES,
    Surface,
    check_max_bytes,
    chunk_size,
    evaluate_batched,
    grid_bytes,
    show_bytes,
    working_bytes,
)
from chainrule.models import Model

Direction = dict[str, np.ndarray]


def _is_bias(name: str, value: np.ndarray) -> bool:
    return name.startswith("b") and value.ndim == 2 and value.shape[1] == 1


def random_direction(
    params: dict[str, np.ndarray],
    seed: int = 0,
    filter_normalize: bool = True,
    biases: str = "zero",
) -> Direction:
    """A Gaussian direction, filter-normalised by default (see the module docstring).

    Args:
        params: the parameters the direction is for.
        seed: seeds the Gaussian draw.
        filter_normalize: rescale each row of each weight matrix to the norm of
            that row of the parameters; if False, the raw Gaussian direction.
        biases: "zero" (the paper's choice) or "normalize".
    """
    if biases not in ("zero", "normalize"):
        raise ValueError(f"biases must be 'zero' or 'normalize', got {biases!r}")
    rng = np.random.default_rng(seed)
    direction = {}
    for name, value in params.items():
        d = rng.standard_normal(value.shape)
        if not filter_normalize:
            direction[name] = d
        elif _is_bias(name, value):
            if biases == "zero":
                direction[name] = np.zeros_like(value)
            else:
                norm = np.linalg.norm(d)
                direction[name] = d * (np.linalg.norm(value) / norm if norm > 0 else 0.0)
        else:
            rows = d.reshape(d.shape[0], -1) if d.ndim > 1 else d.reshape(1, -1)
            target = value.reshape(rows.shape)
            d_norm = np.linalg.norm(rows, axis=1, keepdims=True)
            p_norm = np.linalg.norm(target, axis=1, keepdims=True)
            scale = np.divide(p_norm, d_norm, out=np.zeros_like(d_norm), where=d_norm > 0)
            direction[name] = (rows * scale).reshape(value.shape)
    return direction


def slice_1d(
    model: Model,
    X: np.ndarray,
    y: np.ndarray,
    direction: Direction,
    alphas: np.ndarray,
    center: dict[str, np.ndarray] | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> np.ndarray:
    """The loss at θ + α·d for each α: shape (len(alphas),).

    ``max_bytes`` bounds the losses and the batched working arrays together;
    what does not fit is refused with the memory it needs.
    """
    check_max_bytes(max_bytes)
    alphas = _coefficients(alphas, "alphas")
    grid = grid_bytes(
        alphas.size, max_bytes, f"a slice of {alphas.size} points", "use fewer alphas"
    )
    X, y = model.check_data(X, y)
    center = _center(model, center)
    directions = [_direction(direction, center, "direction")]
    return _along(
        model, X, y, center, directions, lambda i: [alphas[i]], alphas.size, max_bytes - grid
    )


def slice_2d(
    model: Model,
    X: np.ndarray,
    y: np.ndarray,
    d1: Direction,
    d2: Direction,
    alphas: np.ndarray,
    betas: np.ndarray,
    center: dict[str, np.ndarray] | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> Surface:
    """The loss at θ + α·d1 + β·d2 on a grid: a Surface with x = alphas, y = betas.

    ``max_bytes`` bounds the grid of losses and the batched working arrays
    together; what does not fit is refused with the memory it needs.
    """
    check_max_bytes(max_bytes)
    alphas, betas = _coefficients(alphas, "alphas"), _coefficients(betas, "betas")
    nx, ny = alphas.size, betas.size
    grid = grid_bytes(nx * ny, max_bytes, f"a {nx} x {ny} grid", "use fewer alphas or betas")
    X, y = model.check_data(X, y)
    center = _center(model, center)
    directions = [_direction(d1, center, "d1"), _direction(d2, center, "d2")]

    def coefficients(index: np.ndarray) -> list[np.ndarray]:
        return [alphas[index % nx], betas[index // nx]]

    loss = _along(model, X, y, center, directions, coefficients, nx * ny, max_bytes - grid)
    return Surface(
        alphas,
        betas,
        loss.reshape(ny, nx),
        "α (direction 1)",
        "β (direction 2)",
        center,
        "batched",
    )


def interpolate(
    model: Model,
    X: np.ndarray,
    y: np.ndarray,
    start: dict[str, np.ndarray],
    end: dict[str, np.ndarray],
    alphas: np.ndarray | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> tuple[np.ndarray, np.ndarray]:
    """The loss along (1 − α)·start + α·end; returns (alphas, losses).

    The default alphas run from −0.5 to 1.5 so the ends are seen in context.
    """
    alphas = np.linspace(-0.5, 1.5, 81) if alphas is None else _coefficients(alphas, "alphas")
    start = _center(model, start)
    end = _direction(end, start, "end")
    direction = {k: end[k] - start[k] for k in start}
    return alphas, slice_1d(model, X, y, direction, alphas, center=start, max_bytes=max_bytes)


@dataclass(frozen=True)
class PCA:
    """Two orthonormal directions from trajectories, and how much they explain.

    Attributes:
        directions: two directions (dicts of arrays), orthonormal as flat vectors.
        explained_variance_ratio: the fraction of the trajectories' variance
            along each direction.
        origin: the point the projections are measured from (the last point of
            the first trajectory, unless given).
    """

    directions: tuple[Direction, Direction]
    explained_variance_ratio: tuple[float, float]
    origin: dict[str, np.ndarray]

    def project(self, trajectory: list[dict[str, np.ndarray]]) -> np.ndarray:
        """Coordinates (len(trajectory), 2) of each point along the two directions."""
        names = list(self.origin)
        o = _flat(self.origin, names)
        D = np.stack([_flat(d, names) for d in self.directions])
        return np.stack([D @ (_flat(p, names) - o) for p in trajectory])


def pca_directions(
    trajectories: list[list[dict[str, np.ndarray]]],
    origin: dict[str, np.ndarray] | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> PCA:
    """The top two principal directions of the moves in one or several trajectories.

    Pass the trajectories of several optimizers together: they are then all
    projected on the same two fixed directions and can be compared.

    The decomposition holds the points as a (points, parameters) matrix and
    takes about four times its size; more than ``max_bytes`` is refused
    (record fewer points, e.g. every k-th, or raise max_bytes).
    """
    check_max_bytes(max_bytes)
    if not trajectories or not any(len(t) > 1 for t in trajectories):
        raise ValueError("pca_directions needs at least one trajectory of two or more points")
    names = list(trajectories[0][0])
    points = sum(len(t) for t in trajectories)
    size = sum(np.size(v) for v in trajectories[0][0].values())
    need = 4 * 8 * points * size
    if need > max_bytes:
        raise ValueError(
            f"PCA of {points} points of {size} parameters needs about {show_bytes(need)}, over "
            f"max_bytes={show_bytes(max_bytes)}: pass every k-th point or raise max_bytes"
        )
    origin = origin or trajectories[0][-1]
    o = _flat(origin, names)
    M = np.stack([_flat(p, names) - o for t in trajectories for p in t])
    M = M - M.mean(axis=0)
    _, s, vt = np.linalg.svd(M, full_matrices=False)
    variance = s**2
    total = variance.sum()
    ratio = (variance / total) if total > 0 else np.zeros_like(variance)
    dirs = []
    for k in range(2):
        v = vt[k] if k < len(vt) else np.zeros(M.shape[1])
        dirs.append(_unflat(v, origin, names))
    r = [float(ratio[k]) if k < len(ratio) else 0.0 for k in range(2)]
    return PCA((dirs[0], dirs[1]), (r[0], r[1]), origin)


def _flat(params: dict[str, np.ndarray], names: list[str]) -> np.ndarray:
    return np.concatenate([np.ravel(params[k]) for k in names])


def _unflat(v: np.ndarray, like: dict[str, np.ndarray], names: list[str]) -> Direction:
    out, i = {}, 0
    for k in names:
        n = like[k].size
        out[k] = v[i : i + n].reshape(like[k].shape)
        i += n
    return out


def _coefficients(values: Any, name: str) -> np.ndarray:
    """A non-empty 1-D array of finite floats, or a ValueError naming ``name``."""
    a = np.asarray(values, dtype=np.float64)
    if a.ndim != 1 or a.size == 0 or not np.all(np.isfinite(a)):
        raise ValueError(f"{name} must be a non-empty 1-D array of finite numbers, got {values!r}")
    return a


def _center(model: Model, center: dict[str, np.ndarray] | None) -> dict[str, np.ndarray]:
    """The parameters a slice goes through: every parameter of the model, same shapes."""
    center = {k: np.asarray(v, dtype=np.float64) for k, v in (center or model.params).items()}
    return _direction(center, model.params, "the center")


def _direction(d: dict[str, np.ndarray], like: dict[str, np.ndarray], name: str) -> Direction:
    """``d`` as float arrays with the names and shapes of ``like``, or a clear error."""
    if set(d) != set(like):
        raise ValueError(
            f"{name} must give exactly the parameters {', '.join(like)}; got {', '.join(d)}"
        )
    out = {}
    for k, v in like.items():
        a = np.asarray(d[k], dtype=np.float64)
        if a.shape != v.shape:
            raise ValueError(f"{name}[{k!r}] has shape {a.shape}, the parameter has {v.shape}")
        out[k] = a
    return out


def _along(
    model: Model,
    X: np.ndarray,
    y: np.ndarray,
    center: dict[str, np.ndarray],
    directions: list[Direction],
    coefficients: Callable[[np.ndarray], list[np.ndarray]],
    g: int,
    max_bytes: int,
) -> np.ndarray:
    """Loss at center + Σ_k c_k · directions[k] for the ``g`` points.

    ``coefficients(index)`` gives, for an array of point indices, one array
    of coefficients per direction; points are evaluated in chunks whose
    working arrays stay under ``max_bytes``.
    """

    def batched(index: np.ndarray) -> dict[str, np.ndarray]:
        coefs = coefficients(index)
        params = {}
        for name, value in center.items():
            b = np.repeat(value[None], index.size, axis=0)
            for direction, c in zip(directions, coefs, strict=True):
                b += c.reshape(-1, *([1] * value.ndim)) * direction[name]
            params[name] = b
        return params

    per_point = working_bytes(model, X, y, lambda n: batched(np.zeros(n, dtype=np.intp))) + 64
    chunk = chunk_size(per_point, max_bytes, f"a slice of {g} points")
    out = np.empty(g)
    for start in range(0, g, chunk):
        index = np.arange(start, min(start + chunk, g))
        out[start : start + index.size] = evaluate_batched(model, batched(index), X, y)
    return out
