"""Random option values never give a traceback: the command runs (0) or refuses them (2)."""

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from chainrule.cli import app

runner = CliRunner()
NUMBERISH = st.one_of(
    st.text(max_size=12),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(["", " ", "nan", "-inf", "1e400", "0x10", "1_000", "٣", "+5", "1,2"]),
)
FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def outcome(args: list[str]) -> tuple[int, str]:
    result = runner.invoke(app, args)
    assert "Traceback" not in result.output, result.output
    assert result.exit_code in (0, 2), (args, result.exit_code, result.output)
    if result.exit_code == 2:
        lines = result.output.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: "), result.output
    return result.exit_code, result.output


@FAST
@given(lr=NUMBERISH, target=NUMBERISH, seed=NUMBERISH)
def test_delta_rule_numbers(lr: str, target: str, seed: str) -> None:
    outcome(["delta-rule", "--lr", lr, "--target", target, "--seed", seed])


@FAST
@given(layers=st.text(alphabet="0123456789,-. x", max_size=12), classes=NUMBERISH)
def test_derive_sizes(layers: str, classes: str) -> None:
    outcome(["derive", "-m", "mlp", "--layers", layers, "--loss", "cross-entropy",
             "--classes", classes, "--features", "2"])  # fmt: skip


@FAST
@given(start=st.text(max_size=14), steps=NUMBERISH)
def test_landscape_start_and_steps(tmp_path_factory: object, start: str, steps: str) -> None:
    out = Path(str(tmp_path_factory.mktemp("race"))) / "r.svg"  # type: ignore[attr-defined]
    code, _ = outcome(["landscape", "--start", start, "--steps", steps, "--optimizers", "gd",
                       "--out", str(out)])  # fmt: skip
    assert code == 2 or out.exists()


@FAST
@given(model=st.sampled_from(["mlp", "logistic", "two-layer-sigmoid", "univariate"]),
       hidden=NUMBERISH, examples=NUMBERISH)  # fmt: skip
def test_gradcheck_sizes(model: str, hidden: str, examples: str) -> None:
    outcome(["gradcheck", "-m", model, "--hidden", hidden, "--examples", examples])


@FAST
@given(
    target=st.one_of(st.text(max_size=6), st.sampled_from(["a", "y", "0", "-1", "2", "9", " 1"])),
    task=st.sampled_from(["regression", "binary", "multiclass", "", "Binary", "ranking"]),
    test_size=NUMBERISH,
    model=st.sampled_from(["mlp", "logistic", "multivariate", "univariate"]),
)
def test_train_on_a_csv(
    tmp_path_factory: object, target: str, task: str, test_size: str, model: str
) -> None:
    folder = Path(str(tmp_path_factory.mktemp("csv")))  # type: ignore[attr-defined]
    csv = folder / "small.csv"
    csv.write_text("a,b,y\n" + "".join(f"{i},{i % 3},{i % 2}\n" for i in range(12)))
    outcome(["train", "--data", str(csv), "--target", target, "--task", task,
             "--test-size", test_size, "-m", model, "--epochs", "2", "--json"])  # fmt: skip
