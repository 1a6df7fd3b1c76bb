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

from dataclasses import dataclass

import numpy as np

from chainrule.landscape.surface import DEFAULT_MAX_BYTES, Surface, evaluate_batched
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
    """The loss at θ + α·d for each α: shape (len(alphas),)."""
    X, y = model.check_data(X, y)
    center = dict(center or model.params)
    alphas = np.asarray(alphas, dtype=np.float64)
    return _along(model, X, y, center, [(direction, alphas)], max_bytes)


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
    """The loss at θ + α·d1 + β·d2 on a grid: a Surface with x = alphas, y = betas."""
    X, y = model.check_data(X, y)
    center = dict(center or model.params)
    alphas, betas = np.asarray(alphas, float), np.asarray(betas, float)
    A, B = np.meshgrid(alphas, betas)
    loss = _along(model, X, y, center, [(d1, A.ravel()), (d2, B.ravel())], max_bytes)
    return Surface(
        alphas,
        betas,
        loss.reshape(A.shape),
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
) -> tuple[np.ndarray, np.ndarray]:
    """The loss along (1 − α)·start + α·end; returns (alphas, losses).

    The default alphas run from −0.5 to 1.5 so the ends are seen in context.
    """
    alphas = np.linspace(-0.5, 1.5, 81) if alphas is None else np.asarray(alphas, float)
    direction = {k: end[k] - start[k] for k in start}
    return alphas, slice_1d(model, X, y, direction, alphas, center=start)


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
    trajectories: list[list[dict[str, np.ndarray]]], origin: dict[str, np.ndarray] | None = None
) -> PCA:
    """The top two principal directions of the moves in one or several trajectories.

    Pass the trajectories of several optimizers together: they are then all
    projected on the same two fixed directions and can be compared.
    """
    if not trajectories or not any(len(t) > 1 for t in trajectories):
        raise ValueError("pca_directions needs at least one trajectory of two or more points")
    names = list(trajectories[0][0])
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


def _along(
    model: Model,
    X: np.ndarray,
    y: np.ndarray,
    center: dict[str, np.ndarray],
    moves: list[tuple[Direction, np.ndarray]],
    max_bytes: int,
) -> np.ndarray:
    """Loss at center + Σ_k coefficient_k · direction_k for each row of coefficients."""
    g = moves[0][1].size
    per_point = sum(v.nbytes for v in center.values()) + 4 * y.nbytes * max(
        1, sum(v.shape[0] for v in center.values() if v.ndim == 2)
    )
    chunk = max(1, int(max_bytes // max(per_point, 1)))
    out = np.empty(g)
    for start in range(0, g, chunk):
        stop = min(start + chunk, g)
        params = {}
        for name, value in center.items():
            batched = np.repeat(value[None], stop - start, axis=0)
            for direction, coef in moves:
                batched += coef[start:stop].reshape(-1, *([1] * value.ndim)) * direction[name]
            params[name] = batched
        out[start:stop] = evaluate_batched(model, params, X, y)
    return out
