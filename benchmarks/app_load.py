"""A load test of the web app on loopback: concurrent sessions making bounded callbacks.

    PYTHONPATH=src python -m benchmarks.app_load [--sessions 20] [--requests 50] [--workers 8]

Starts ``chainrule app --no-browser --workers N`` (waitress, N threads) on a
free 127.0.0.1 port, then runs ``sessions`` concurrent sessions, each making
``requests`` callback requests of the kinds a user's clicks make, each
bounded in work (races of at most 200 steps): a race on a random test
function with random learning rates, the figures at a random step, and a
random step of the backprop stepper. Every answer must be HTTP 200 with the
outputs it asked for; the latencies' median, p95 and maximum are reported.
"""

from __future__ import annotations

import argparse
import json
import random
import socket
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _outputs(base: str) -> dict[str, str]:
    """The callback output strings of the app, keyed by their first output."""
    with urllib.request.urlopen(base + "/_dash-dependencies", timeout=10) as r:
        deps = json.load(r)
    return {d["output"].strip(".").split("...")[0].split("@")[0]: d["output"] for d in deps}


def _post(base: str, body: dict[str, Any]) -> tuple[float, int, dict[str, Any]]:
    request = urllib.request.Request(
        base + "/_dash-update-component",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
    )
    began = time.perf_counter()
    with urllib.request.urlopen(request, timeout=60) as r:
        status, payload = r.status, r.read()
    took = time.perf_counter() - began
    return took, status, json.loads(payload) if payload else {}


def _race_config(rng: random.Random) -> dict[str, Any]:
    """Random bounded race settings: a surface, 4 racers, at most 200 steps."""
    from chainrule.app import landscape_page as P  # noqa: N812
    from chainrule.app import landscape_state as S  # noqa: N812

    steps = rng.choice([50, 100, 200])
    state = S.RaceState(
        surface=rng.choice(list(S.SURFACES)),
        steps=steps,
        step=steps,
        on=tuple(rng.sample(list(S.RACERS), 4)),
        lrs={k: float(f"{10 ** rng.uniform(-3, -1):.3g}") for k in S.RACERS},
    )
    return P.stored_config(S.check(state))


def _collect_body(
    outputs: dict[str, str], previous: dict[str, Any], config: dict[str, Any]
) -> dict[str, Any]:
    """The request a slider move on /landscape makes: every control, the stored settings."""
    import math

    from chainrule.app import landscape_state as S  # noqa: N812

    def one(i: str, p: str, v: Any) -> dict[str, Any]:
        return {"id": i, "property": p, "value": v}

    keys = list(S.RACERS)
    inputs = [
        one("ls-surface", "value", config["surface"]),
        one("ls-kappa", "value", config["condition"]),
        one("ls-steps", "value", config["steps"]),
        one("ls-beta", "value", config["beta"]),
        [{"id": {"type": "ls-on", "racer": k}, "property": "value",
          "value": [k] if k in config["on"] else []} for k in keys],
        [{"id": {"type": "ls-lr", "racer": k}, "property": "value",
          "value": math.log10(config["lrs"][k])} for k in keys],
        one("ls-batch", "value", config["batch"]),
        one("ls-seed", "value", config["seed"]),
        one("ls-contour", "clickData", None),
        one("ls-reset", "n_clicks", 0),
        one("ls-step", "value", 0),
        one("ls-play", "n_clicks", 0),
        one("ls-timer", "n_intervals", None),
        one("ls-network", "value", config["network"]),
        one("ls-entry-x", "value", config["entries"][0]),
        one("ls-entry-y", "value", config["entries"][1]),
    ]  # fmt: skip
    out = [
        {"id": i, "property": p}
        for i, p in (("ls-config", "data"), ("ls-error", "children"), ("url", "search"),
                     ("ls-step", "max"), ("ls-step", "value"), ("ls-start", "children"))
    ]  # fmt: skip
    out.append([{"id": {"type": "ls-lr-text", "racer": k}, "property": "children"} for k in keys])
    out += [
        {"id": i, "property": p}
        for i, p in (("ls-timer", "disabled"), ("ls-play", "children"), ("ls-race", "data"),
                     ("ls-note", "children"), ("ls-entry-x", "options"), ("ls-entry-x", "value"),
                     ("ls-entry-y", "options"), ("ls-entry-y", "value"))
    ]  # fmt: skip
    return {
        "output": outputs["ls-config.data"],
        "outputs": out,
        "inputs": inputs,
        "state": [one("ls-config", "data", previous), one("ls-timer", "disabled", True)],
        "changedPropIds": ["ls-steps.value"],
    }


def _session(base: str, outputs: dict[str, str], requests: int, seed: int) -> list[float]:
    from chainrule.app import backprop_page, backprop_state

    rng = random.Random(seed)
    times = []
    stepper = backprop_page.stored(backprop_state.from_query(""))
    config = _race_config(rng)
    for k in range(requests):
        kind = k % 3
        if kind == 0:
            previous, config = config, _race_config(rng)
            took, status, answer = _post(base, _collect_body(outputs, previous, config))
            race = answer["response"]["ls-race"]["data"]
        elif kind == 1:
            body = {
                "output": outputs["ls-contour.figure"],
                "outputs": [{"id": i, "property": p} for i, p in (
                    ("ls-contour", "figure"), ("ls-loss", "figure"), ("ls-fit", "figure"),
                    ("ls-fit", "style"), ("ls-table", "children"))],
                "inputs": [{"id": "ls-race", "property": "data", "value": race},
                           {"id": "ls-step", "property": "value",
                            "value": rng.randint(0, config["steps"])}],
                "state": [{"id": "ls-config", "property": "data", "value": config}],
                "changedPropIds": ["ls-step.value"],
            }  # fmt: skip
            took, status, answer = _post(base, body)
            assert "ls-contour" in answer["response"], answer
        else:
            stepper["step"] = rng.randint(0, 13)
            body = {
                "output": outputs["bp-graph.figure"],
                "outputs": [{"id": i, "property": p} for i, p in (
                    ("bp-graph", "figure"), ("bp-card", "children"), ("bp-position", "children"),
                    ("bp-answer", "value"), ("bp-verdict", "children"))],
                "inputs": [{"id": "bp-state", "property": "data", "value": stepper},
                           {"id": "bp-hide", "property": "value", "value": []}],
                "changedPropIds": ["bp-state.data"],
            }  # fmt: skip
            took, status, answer = _post(base, body)
            assert "bp-card" in answer["response"], answer
        if status != 200:
            raise AssertionError(f"request {k} of session {seed}: HTTP {status}")
        times.append(took)
    return times


def run(sessions: int, requests: int, workers: int) -> dict[str, float]:
    """Starts the app, runs the sessions, stops the app: latency statistics in ms."""
    port = _free_port()
    code = "import typer; from chainrule.cli.app_cmd import app_command; typer.run(app_command)"
    args = [sys.executable, "-c", code, "--no-browser", "--port", str(port)]
    args += ["--workers", str(workers)]
    env = {"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin:/bin"}
    server = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                outputs = _outputs(base)
                break
            except OSError:
                time.sleep(0.1)
        else:
            raise RuntimeError("the app did not start")
        began = time.perf_counter()
        with ThreadPoolExecutor(sessions) as pool:
            futures = [pool.submit(_session, base, outputs, requests, s) for s in range(sessions)]
            times = np.concatenate([f.result() for f in futures]) * 1e3
        wall = time.perf_counter() - began
    finally:
        server.terminate()
        server.wait(timeout=10)
    return {
        "requests": float(times.size),
        "errors": 0.0,
        "median_ms": float(np.median(times)),
        "p95_ms": float(np.percentile(times, 95)),
        "max_ms": float(times.max()),
        "wall_s": wall,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description="Load test of the web app on loopback.")
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--workers", type=int, default=8)
    a = parser.parse_args()
    stats = run(a.sessions, a.requests, a.workers)
    print(
        f"{a.sessions} sessions x {a.requests} callback requests, waitress {a.workers} threads: "
        f"{stats['requests']:.0f} answered, 0 errors, median {stats['median_ms']:.1f} ms, "
        f"p95 {stats['p95_ms']:.1f} ms, max {stats['max_ms']:.1f} ms, "
        f"wall {stats['wall_s']:.1f} s"
    )


if __name__ == "__main__":
    main()
