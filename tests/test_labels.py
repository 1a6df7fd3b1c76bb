"""Classifiers refuse targets that are not their labels, naming what was found and who can."""

from __future__ import annotations

import numpy as np
import pytest

from chainrule.models import MLP, LogisticRegression, TwoLayerClassifier

X = np.random.default_rng(0).standard_normal((2, 6))
Y = np.array([[0.0, 1.0, 1.0, 0.0, 1.0, 0.0]])


def test_scaled_targets_are_refused() -> None:
    with pytest.raises(ValueError, match=r"found -3, 0; for such targets use .*multivariate"):
        LogisticRegression(2).loss(X, -3 * Y)


def test_three_classes_are_refused_by_binary_models() -> None:
    with pytest.raises(ValueError, match=r"found 0, 1, 2; for such targets use mlp"):
        TwoLayerClassifier(2, 3).gradients(X, np.array([[0, 1, 2, 0, 1, 2]]))
    with pytest.raises(ValueError, match="found 0, 1, 2"):
        MLP([2, 3, 1], output="sigmoid").loss(X, np.array([[0, 1, 2, 0, 1, 2]]))


def test_two_classes_not_zero_and_one_are_told_to_map() -> None:
    with pytest.raises(ValueError, match="found 3, 5; map the two classes to 0 and 1"):
        LogisticRegression(2).loss(X, np.array([[3, 5, 5, 3, 3, 5]]))


def test_multiclass_labels_out_of_range_and_one_hot() -> None:
    net = MLP([2, 4, 3], output="softmax")
    with pytest.raises(ValueError, match=r"labels must be integers 0..2, found 0, 1, 3"):
        net.loss(X, np.array([0, 1, 3, 0, 1, 3]))
    with pytest.raises(ValueError, match=r"found 0, 0.5, 1"):
        net.loss(X, np.array([0, 1, 0.5, 0, 1, 1]))
    bad_one_hot = np.eye(3)[:, [0, 1, 2, 0, 1, 2]]
    bad_one_hot[:, 0] = 1.0
    with pytest.raises(ValueError, match="one 1 in every column"):
        net.loss(X, bad_one_hot)
    good = np.eye(3)[:, [0, 1, 2, 0, 1, 2]]
    assert np.isfinite(net.loss(X, good))
