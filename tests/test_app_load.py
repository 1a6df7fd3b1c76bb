"""The load test's requests still match the app's callbacks (a small run of it)."""

from benchmarks import app_load


def test_a_small_load_run_answers_every_request() -> None:
    stats = app_load.run(sessions=2, requests=6, workers=2)
    assert stats["requests"] == 12 and stats["errors"] == 0
    assert 0 < stats["median_ms"] <= stats["p95_ms"] <= stats["max_ms"]
