"""train.fit with sample weights: the weighted mean loss of each batch, against PyTorch."""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr

torch = pytest.importorskip("torch")

pytestmark = pytest.mark.filterwarnings("error::chainrule.autodiff.replay.ReplayWarning")


def _data(m: int = 40) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    X = rng.standard_normal((3, m))
    labels = rng.integers(0, 3, m)
    weights = rng.uniform(0.0, 2.0, m)
    weights[::7] = 0.0
    return X, labels, weights


def test_weighted_sgd_steps_equal_torch() -> None:
    """Batches of 10 in order: each step descends Σᵢ sᵢ CEᵢ / Σᵢ sᵢ + (α/2)Σ‖W‖²."""
    X, labels, weights = _data()
    model = cr.models.MLP([3, 5, 3], "tanh", "softmax", seed=1, alpha=0.01)
    start = {k: v.copy() for k, v in model.params.items()}
    history = cr.fit(
        model, X, labels, cr.optim.sgd(0.3), epochs=2, batch_size=10, shuffle=False,
        sample_weight=weights,
    )  # fmt: skip
    P = {k: torch.tensor(v, requires_grad=True) for k, v in start.items()}
    opt = torch.optim.SGD(list(P.values()), lr=0.3)
    Xt, yt, wt = torch.tensor(X), torch.tensor(labels), torch.tensor(weights)
    losses = []
    for _ in range(2):
        for s in range(0, 40, 10):
            Z = P["W2"] @ torch.tanh(P["W1"] @ Xt[:, s : s + 10] + P["b1"]) + P["b2"]
            ce = torch.nn.functional.cross_entropy(Z.T, yt[s : s + 10], reduction="none")
            w = wt[s : s + 10]
            penalty = P["W1"].square().sum() + P["W2"].square().sum()
            loss = (ce * w).sum() / w.sum() + 0.005 * penalty
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(loss.item())
    np.testing.assert_allclose(history.step_loss, losses, rtol=1e-12)
    for k, v in P.items():
        np.testing.assert_allclose(model.params[k], v.detach().numpy(), rtol=1e-10, atol=1e-13)
    W1, b1, W2, b2 = (model.params[k] for k in ("W1", "b1", "W2", "b2"))
    full = cr.softmax_cross_entropy(cr.Tensor(W2 @ np.tanh(W1 @ X + b1) + b2), labels, weights)
    penalty = 0.005 * sum(np.sum(model.params[k] ** 2) for k in ("W1", "W2"))
    assert history.final_loss == pytest.approx(full.item() + penalty, rel=1e-12)


def test_ones_train_as_no_weights_and_zeros_as_dropped_examples() -> None:
    X, labels, weights = _data()

    def trained(
        X: np.ndarray, y: np.ndarray, w: np.ndarray | None, batch: int | None
    ) -> dict[str, np.ndarray]:
        model = cr.models.MLP([3, 4, 3], "relu", "softmax", seed=2)
        cr.fit(model, X, y, cr.optim.adam(0.05), epochs=3, batch_size=batch, sample_weight=w)
        return model.params

    plain, ones = trained(X, labels, None, 8), trained(X, labels, np.ones(40), 8)
    for k in plain:
        np.testing.assert_array_equal(ones[k], plain[k])
    keep = weights > 0
    dropped = trained(X[:, keep], labels[keep], weights[keep], None)
    zeros = trained(X, labels, weights, None)  # full batches: the same examples weigh in
    for k in dropped:
        np.testing.assert_allclose(zeros[k], dropped[k], rtol=1e-10, atol=1e-13)


def test_sample_weights_are_checked() -> None:
    X, labels, weights = _data()
    model = cr.models.MLP([3, 4, 3], "relu", "softmax")
    sgd = cr.optim.sgd(0.1)
    with pytest.raises(ValueError, match=r"shape \(39,\)"):
        cr.fit(model, X, labels, sgd, epochs=1, sample_weight=weights[:39])
    with pytest.raises(ValueError, match=r"-1\.0 of example 0"):
        cr.fit(model, X, labels, sgd, epochs=1, sample_weight=-np.ones(40))
    zeros = np.zeros(40)
    zeros[-1] = 1.0
    with pytest.raises(ValueError, match=r"summing to 0\.0"):
        cr.fit(model, X, labels, sgd, epochs=1, batch_size=8, shuffle=False, sample_weight=zeros)
    worked = cr.models.MultivariateRegression(2)
    Xr, yr = np.ones((2, 5)), np.zeros((1, 5))
    with pytest.raises(ValueError, match=r"does not weight examples.*MLP"):
        cr.fit(worked, Xr, yr, sgd, epochs=1, sample_weight=np.ones(5))
