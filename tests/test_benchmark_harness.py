"""The benchmark harness checks implementations before it times them."""

import numpy as np
import pytest
from benchmarks.harness import Impl, check, markdown, measure


def make(value: float):  # type: ignore[no-untyped-def]
    def build():  # type: ignore[no-untyped-def]
        state = {"x": np.array([value])}
        return (lambda: state["x"].sum()), (lambda: state)

    return build


def test_measure_times_every_implementation_and_ratios_to_the_first() -> None:
    rows = measure("T", "size", [Impl("a", make(1.0)), Impl("b", make(1.0))], rounds=3)
    assert [r.implementation for r in rows] == ["a", "b"]
    assert rows[0].ratio == 1.0 and rows[1].median_us > 0
    assert "| T | size | a |" in markdown(rows)


def test_a_wrong_result_is_refused_before_timing() -> None:
    with pytest.raises(AssertionError, match="b: x differs from the reference"):
        measure("T", "size", [Impl("a", make(1.0)), Impl("b", make(2.0))], rounds=1)
    with pytest.raises(AssertionError, match="shape"):
        check("c", {"x": np.ones(2)}, {"x": np.ones(3)}, 1e-9)
