"""``chainrule app``: its options, and a real server on loopback from a subprocess."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from chainrule.cli.app_cmd import app_command

ROOT = Path(__file__).resolve().parents[1]
runner = CliRunner()
cli = typer.Typer()
cli.command()(app_command)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--port", "0"], "--port must be in 1..65535, got 0"),
        (["--port", "70000"], "--port must be in 1..65535, got 70000"),
        (["--workers", "0"], "--workers must be in 1..64, got 0"),
        (["--host", ""], "--host must be an address"),
    ],
)
def test_bad_options_are_refused(args: list[str], message: str) -> None:
    result = runner.invoke(cli, ["--no-browser", *args])
    assert result.exit_code == 2
    assert message in result.output


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.parametrize("workers", [None, 2])
def test_serves_every_page_on_loopback(workers: int | None) -> None:
    port = free_port()
    code = "import typer; from chainrule.cli.app_cmd import app_command; typer.run(app_command)"
    args = [sys.executable, "-c", code, "--no-browser", "--port", str(port)]
    if workers:
        args += ["--workers", str(workers)]
    env = {"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin:/bin"}
    proc = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        body = ""
        for _ in range(120):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as r:
                    body = r.read().decode()
                break
            except OSError:
                time.sleep(0.25)
        assert "_dash-component-suites" in body, "the app did not answer on 127.0.0.1"
        assert "https://" not in body and "http://" not in body  # nothing from a CDN
        for path in ("/landscape", "/backprop", "/_dash-layout"):
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as r:
                assert r.status == 200
    finally:
        proc.terminate()
        proc.wait(timeout=10)
