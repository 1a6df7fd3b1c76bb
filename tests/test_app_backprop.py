"""The backprop stepper's numbers: a hand computation, PyTorch, and its input checks."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from chainrule.app import backprop_state as B  # noqa: N812


def hand_222(X, Y, W1, b1, W2, b2, lr):  # type: ignore[no-untyped-def]
    """The 2-2-2 network by hand: sigmoid hidden and output units, L = (1/(2m))·Σ(A2 − Y)²."""
    m = X.shape[1]
    Z1 = W1 @ X + b1
    A1 = 1 / (1 + np.exp(-Z1))
    Z2 = W2 @ A1 + b2
    A2 = 1 / (1 + np.exp(-Z2))
    L = 0.5 * np.sum((A2 - Y) ** 2) / m
    dZ2 = (A2 - Y) * A2 * (1 - A2)  # ∂(m L)/∂Z2: the 1/m stays on the gradients
    dZ1 = (W2.T @ dZ2) * A1 * (1 - A1)
    g = {"W1": dZ1 @ X.T / m, "b1": dZ1.sum(1, keepdims=True) / m, "W2": dZ2 @ A1.T / m,
         "b2": dZ2.sum(1, keepdims=True) / m}  # fmt: skip
    p = {"W1": W1, "b1": b1, "W2": W2, "b2": b2}
    new = {k: p[k] - lr * g[k] for k in p}
    return {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2, "L": L, "dZ2": dZ2, "dZ1": dZ1, "g": g,
            "new": new}  # fmt: skip


def by_name(steps: list[B.Step]) -> dict[tuple[str, str], np.ndarray]:
    return {(s.phase, s.name): s.value for s in steps}


def test_the_222_network_opens_on_the_classic_numbers() -> None:
    state = B.from_query("")
    assert state.lr == 0.5
    steps = by_name(B.steps(state.network, state.numbers, state.lr))
    # the classic worked example, one example, η = 0.5: its published numbers
    np.testing.assert_allclose(steps["forward", "A1"][:, 0], [0.593269992, 0.596884378], atol=1e-9)
    np.testing.assert_allclose(steps["forward", "A2"][:, 0], [0.75136507, 0.772928465], atol=1e-8)
    assert steps["loss", "L"] == pytest.approx(0.298371109, abs=1e-9)
    new_W2 = [[0.35891648, 0.408666186], [0.511301270, 0.561370121]]
    new_W1 = [[0.149780716, 0.19956143], [0.24975114, 0.29950229]]
    np.testing.assert_allclose(steps["update", "W2"], new_W2, atol=1e-8)
    np.testing.assert_allclose(steps["update", "W1"], new_W1, atol=1e-8)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_typed_222_numbers_equal_a_hand_computation(seed: int) -> None:
    rng = np.random.default_rng(seed)
    m = 1 + seed
    numbers = {
        "X": rng.normal(size=(2, m)), "Y": rng.uniform(0, 1, size=(2, m)),
        "W1": rng.normal(size=(2, 2)), "b1": rng.normal(size=(2, 1)),
        "W2": rng.normal(size=(2, 2)), "b2": rng.normal(size=(2, 1)),
    }  # fmt: skip
    lr = 0.3
    query = "?network=2-2-2&lr=0.3&" + "&".join(
        f"{k}={B.format_matrix(v)}" for k, v in numbers.items()
    )
    state = B.from_query(query)
    typed = {k: B.parse_matrix(k, B.format_matrix(v)) for k, v in numbers.items()}
    hand = hand_222(**typed, lr=lr)
    steps = by_name(B.steps(state.network, state.numbers, state.lr))
    for name in ("Z1", "A1", "Z2", "A2"):
        np.testing.assert_allclose(steps["forward", name], hand[name], rtol=1e-12)
    np.testing.assert_allclose(steps["loss", "L"], hand["L"], rtol=1e-12)
    np.testing.assert_allclose(steps["backward", "dZ2"], hand["dZ2"], rtol=1e-12)
    np.testing.assert_allclose(steps["backward", "dZ1"], hand["dZ1"], rtol=1e-12, atol=1e-15)
    for p in ("W1", "b1", "W2", "b2"):
        np.testing.assert_allclose(steps["gradient", f"∂L/∂{p}"], hand["g"][p], rtol=1e-12,
                                   atol=1e-15)  # fmt: skip
        np.testing.assert_allclose(steps["update", p], hand["new"][p], rtol=1e-12)


def test_seed000_network_gradients_equal_torch() -> None:
    state = B.from_query("?network=two-layer-sigmoid")
    n = state.numbers
    t = {k: torch.tensor(v, requires_grad=True) for k, v in n.items()}
    A = torch.sigmoid(t["W1"] @ t["X"] + t["b1"])
    loss = ((t["w2"] @ A + t["b2"] - t["y"]) ** 2).sum() / n["X"].shape[1]
    loss.backward()
    steps = by_name(B.steps(state.network, n, state.lr))
    np.testing.assert_allclose(steps["loss", "L"], loss.item(), rtol=1e-12)
    for p in ("W1", "b1", "w2", "b2"):
        np.testing.assert_allclose(steps["gradient", f"∂L/∂{p}"], t[p].grad.numpy(), rtol=1e-10,
                                   atol=1e-14)  # fmt: skip


def test_every_step_shows_its_equation_numbers_and_shape() -> None:
    state = B.from_query("")
    steps = B.steps(state.network, state.numbers, state.lr)
    phases = [s.phase for s in steps]
    assert (
        phases == ["forward"] * 4 + ["loss"] + ["backward"] * 2 + ["gradient"] * 4 + ["update"] * 4
    )
    first = steps[0]
    assert first.equation == "Z1 = W1 X + b1"
    assert first.substituted == "[0.15 0.2; 0.25 0.3] [0.05; 0.1] + [0.35; 0.35]"
    assert first.shape == "(k, m)"
    update = steps[-4]
    assert update.old is not None and update.change is not None
    np.testing.assert_allclose(update.old + update.change, update.value)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("?network=lenet", "network must be one of"),
        ("?W1=1,2", "W1 must have shape 2×2 for this network, got 1×2"),
        ("?W1=__import__('os'),1;1,1", "W1: \"__import__('os')\" is not a number"),
        ("?W1=1,2;3", "W1: every row needs the same number of entries"),
        ("?b1=nan;1", "b1: every entry must be a finite number"),
        ("?lr=0", "the learning rate η must be in (0, 100], got 0.0"),
        ("?step=15", "step must be in 0..14, got 15"),
        ("?X=" + ";".join([",".join(["1"] * 65)] * 2), "X needs 1 to 64 examples"),
        ("?Q=1", "unknown setting 'Q'"),
    ],
)
def test_bad_input_is_refused_with_its_reason(query: str, message: str) -> None:
    with pytest.raises(ValueError) as e:
        B.from_query(query)
    assert message in str(e.value)


def test_the_url_reproduces_the_state() -> None:
    state = B.from_query("?network=2-2-2&lr=0.25&step=5&W1=1,2;3,4")
    again = B.from_query(B.to_query(state))
    assert again.step == 5 and again.lr == 0.25
    for k, v in state.numbers.items():
        np.testing.assert_array_equal(again.numbers[k], v)


@pytest.mark.parametrize(
    ("typed", "right"),
    [
        ("0.3775", True),
        (" 0.37750 ", True),
        ("0.38", False),
        ("x", False),
        ("inf", False),
        (None, False),
    ],
)
def test_answers(typed: object, right: bool) -> None:
    assert B.check_answer(typed, np.array([[0.3775], [0.3925]]))[0] is right


@pytest.mark.parametrize("network", sorted(B.NETWORKS))
def test_every_network_steps_to_its_hand_derived_gradients(network: str) -> None:
    from chainrule.app import backprop_graph

    state = B.from_query(f"?network={network}")
    model = B.NETWORKS[network].build()
    x_name, y_name = B.derivation(network).data_names
    params = {k: v for k, v in state.numbers.items() if k not in (x_name, y_name)}
    model.params.update(params)
    want = model.gradients(state.numbers[x_name], state.numbers[y_name])
    steps = by_name(B.steps(network, state.numbers, state.lr))
    np.testing.assert_allclose(
        steps["loss", "L"], model.loss(state.numbers[x_name], state.numbers[y_name]), rtol=1e-12
    )
    for p, g in want.items():
        np.testing.assert_allclose(steps["gradient", f"∂L/∂{p}"], g, rtol=1e-9, atol=1e-13)
        np.testing.assert_allclose(steps["update", p], params[p] - state.lr * g, rtol=1e-9)
    figure = backprop_graph.figure(B.derivation(network), "L", "loss")
    assert set(figure.data[0].text) >= {"L", x_name, y_name, *params}


def test_stored_numbers_are_checked_too() -> None:
    state = B.from_query("")
    numbers = dict(state.numbers)
    numbers["W1"] = np.array([[np.nan, 0.0], [0.0, 1.0]])
    with pytest.raises(ValueError, match="W1: every entry must be a finite number"):
        B.check(B.StepperState("2-2-2", numbers, 0.5, 0))


def test_a_request_too_large_is_refused() -> None:
    from chainrule.app import create_app

    client = create_app().server.test_client()
    answer = client.post(
        "/_dash-update-component", data=b"x" * (9 << 20), content_type="application/json"
    )
    assert answer.status_code == 413
