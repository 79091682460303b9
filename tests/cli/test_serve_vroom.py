"""``dispatch vroom`` (VROOM files in and out) and ``dispatch serve`` (a real server
process on a free loopback port)."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
from typer.testing import CliRunner

from cli import app
from tests.dispatch.test_vroom import matrix_example
from tests.dispatch.vroom_check import check_vroom_answer
from tests.service.server import Tokens, free_port


def test_vroom_writes_a_checked_answer(tmp_path: Path) -> None:
    doc = matrix_example()
    problem = tmp_path / "in.json"
    problem.write_text(json.dumps(doc))
    out = tmp_path / "out.json"
    result = CliRunner().invoke(
        app, ["vroom", str(problem), "--out", str(out), "--time-limit", "0.5"]
    )
    assert result.exit_code == 0, result.output
    answer = json.loads(out.read_text())
    assert check_vroom_answer(doc, answer) == []
    assert "cost 5461" in result.output


def test_vroom_routes_coordinates_on_straight_lines_by_default(tmp_path: Path) -> None:
    doc = {
        "vehicles": [{"id": 1, "start": [116.35, 40.0], "profile": "bike"}],
        "jobs": [{"id": 7, "location": [116.36, 40.0]}],
    }
    problem = tmp_path / "in.json"
    problem.write_text(json.dumps(doc))
    out = tmp_path / "out.json"
    result = CliRunner().invoke(
        app, ["vroom", str(problem), "--out", str(out), "--time-limit", "0.5"]
    )
    assert result.exit_code == 0, result.output
    answer = json.loads(out.read_text())
    assert answer["summary"]["unassigned"] == 0
    assert answer["summary"]["distance"] > 800  # about 850 m east


def test_vroom_refusal_is_one_line_and_a_vroom_error_answer(tmp_path: Path) -> None:
    doc = matrix_example()
    doc["vehicles"][0]["max_tasks"] = 2
    problem = tmp_path / "in.json"
    problem.write_text(json.dumps(doc))
    out = tmp_path / "out.json"
    result = CliRunner().invoke(app, ["vroom", str(problem), "--out", str(out)])
    assert result.exit_code == 2
    assert "vehicles[0].max_tasks: is not supported" in result.output
    answer = json.loads(out.read_text())
    assert answer["code"] == 2
    assert answer["problems"] == [{"field": "vehicles[0].max_tasks", "rule": "is not supported"}]


def test_serve_refuses_a_bad_tokens_file(tmp_path: Path) -> None:
    tokens = tmp_path / "tokens.json"
    tokens.write_text(json.dumps({"short": "operator"}))
    result = CliRunner().invoke(app, ["serve", "--tokens", str(tokens)])
    assert result.exit_code == 2
    assert "token #1" in result.output
    assert "short" not in result.output.replace("shorter", "")  # the token is never echoed


def test_serve_runs_a_real_server(tmp_path: Path) -> None:
    tokens = Tokens.fresh()
    path = tmp_path / "tokens.json"
    path.write_text(json.dumps({k: v.value for k, v in tokens.table.items()}))
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-c", "from cli import app; app()", "serve", "--tokens", str(path),
         "--port", str(port), "--db", f"sqlite:///{tmp_path / 'o.db'}", "--blocks", "4"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120
        while True:
            assert server.poll() is None, server.stderr.read() if server.stderr else ""
            assert time.monotonic() < deadline, "the server did not start"
            try:
                health = httpx.get(f"{base}/health", timeout=2)
                break
            except httpx.HTTPError:
                time.sleep(0.2)
        assert health.json()["status"] == "ok"
        assert httpx.get(f"{base}/plans/1", timeout=10).status_code == 401
        assert httpx.get(f"{base}/plans/1", headers=tokens.op, timeout=10).status_code == 404
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    assert server.returncode == 0
