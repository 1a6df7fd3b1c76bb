"""Where seed 003's derivation of its two-layer classifier goes wrong, step by step.

The stepper shows each step's equation as the deriver gives it, which is the
correct form. For seed 003's classifier, a step that the seed writes
differently also shows the seed's own line (verbatim, in its notation) and
why it is wrong, so a learner reading the seed sees where it departs. The
same list is in the docstring of :mod:`chainrule.models.classifiers`.
"""

from __future__ import annotations

from typing import NamedTuple


class Correction(NamedTuple):
    """What the seed writes for a step, and why the step's own equation differs."""

    seed: str
    why: str


_MEAN = "and the loss is a mean over the m examples, so the gradient carries the 1/m"

CORRECTIONS: dict[str, dict[str, Correction]] = {
    "two-layer-classifier": {
        "L": Correction(
            "L = yIn(a2) + (1 - y)In(1 - a2)",
            "the seed's loss has no minus sign: y ln a2 + (1 − y) ln(1 − a2) is at most 0 and "
            "grows as the prediction improves, so descending it makes the network worse. The "
            "cross-entropy is L = −(1/m) Σ [y ln A2 + (1 − y) ln(1 − A2)], the mean over the "
            "examples; written from the logits Z2 it is the line marked correct, the same "
            "number, finite even where σ saturates.",
        ),
        "dZ2": Correction(
            "dL/da2 = y/a2 + (1 - y)/(1 - a2)",
            "the seed's final line, dZ2 = A2 - Y, is right, but the dL/da2 it reaches it by "
            "is not: with the minus sign of the loss, "
            "dL/da2 = −y/a2 + (1 − y)/(1 − a2) (the seed has both signs positive, which is "
            "not even the derivative of its own loss). Times da2/dZ2 = a2(1 − a2) this gives "
            "−y(1 − a2) + (1 − y) a2 = a2 − y; the seed's form would give y(1 − a2) + (1 − y) a2.",
        ),
        "dZ1": Correction(
            "dZ1 = dW2 * dZ2 * primesigmoid(Z1)",
            "the error reaches the hidden layer through the weights W2, transposed, not through "
            "the gradient dW2: dZ1 = (W2ᵀ dZ2) ⊙ σ'(Z1), with σ'(Z1) = A1 ⊙ (1 − A1) "
            "entry by entry. W2ᵀ (k, 1) times dZ2 (1, m) gives the (k, m) of Z1.",
        ),
        "∂L/∂W2": Correction(
            "dW2 = (dZ2 * A1)",
            "dZ2 (1, m) and A1 (k, m) do not multiply entry by entry: the gradient sums over the "
            f"examples, dZ2 A1ᵀ, which has W2's shape (1, k), {_MEAN}.",
        ),
        "∂L/∂b2": Correction(
            "db2 = dZ2",
            "dZ2 has one column per example, b2 is (1, 1): the bias gradient sums dZ2 over "
            f"the examples, dZ2 1⃗, {_MEAN}.",
        ),
        "∂L/∂W1": Correction(
            "dW1 = dZ1 * X",
            "dZ1 (k, m) and X (n, m) do not multiply entry by entry: the gradient sums over the "
            f"examples, dZ1 Xᵀ, which has W1's shape (k, n), {_MEAN}.",
        ),
        "∂L/∂b1": Correction(
            "db1 = dZ1",
            "dZ1 is (k, m), b1 is (k, 1): the bias gradient sums dZ1 over the examples, "
            f"dZ1 1⃗, {_MEAN}.",
        ),
    },
}
"""Network key -> step name -> the seed's line for that step and why it is wrong."""


def correction(network: str, step: str) -> Correction | None:
    """The correction the stepper shows at ``step`` of ``network``, if the seed errs there."""
    return CORRECTIONS.get(network, {}).get(step)
