"""``dispatch solve --workers 2``: the search workers die with the command.

The command runs in a subprocess on a 60-customer instance with a 600 s limit; once
both worker processes are searching, the command is killed (SIGKILL), terminated
(SIGTERM) or interrupted (SIGINT, what Ctrl-C sends), and every process it started (the
workers and what they started: PyVRP's child) must be gone long before the workers' own
time limit.  The waits are generous (:data:`GONE_WITHIN_S`, a tenth of the limit) so
that a loaded machine does not fail the test, while a worker that outlives its parent
(it would search for 600 s) still does.  Processes are read from /proc (Linux).
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from solvers.processes import usable_cores, worker_count

REPO = Path(__file__).resolve().parents[2]
PROC = Path("/proc")
TIME_LIMIT_S = 600
# How long the command and its processes may take to go after the signal: far below the
# workers' time limit, far above what exiting takes on a loaded machine.  Seconds.
GONE_WITHIN_S = 60.0
pytestmark = pytest.mark.skipif(not (PROC / "self" / "stat").exists(), reason="needs /proc")


def _solomon(path: Path, customers: int = 60) -> Path:
    rng = random.Random(5)
    lines = [
        "PROCS",
        "",
        "VEHICLE",
        "NUMBER     CAPACITY",
        "  25         200",
        "",
        "CUSTOMER",
        "CUST NO.  XCOORD.   YCOORD.    DEMAND   READY TIME  DUE DATE   SERVICE   TIME",
        "",
        "    0      50         50          0          0       1000          0",
    ]
    for i in range(1, customers + 1):
        x, y, demand = rng.randint(0, 100), rng.randint(0, 100), rng.randint(1, 20)
        lines.append(f"  {i}  {x}  {y}  {demand}  0  1000  10")
    path.write_text("\n".join(lines) + "\n")
    return path


def _stat(pid: int) -> tuple[str, int] | None:
    """(state, parent pid) of a live process, None when it is gone."""
    try:
        text = (PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2 :].split()
    return fields[0], int(fields[1])


def _alive(pid: int) -> bool:
    stat = _stat(pid)
    return stat is not None and stat[0] not in {"Z", "X"}


def _children(pid: int) -> list[int]:
    out = []
    for entry in PROC.iterdir():
        if entry.name.isdigit():
            stat = _stat(int(entry.name))
            if stat is not None and stat[1] == pid and stat[0] not in {"Z", "X"}:
                out.append(int(entry.name))
    return out


def _start(tmp_path: Path) -> tuple[subprocess.Popen[bytes], list[int]]:
    instance = _solomon(tmp_path / "procs.txt")
    command = [
        sys.executable,
        "-m",
        "cli",
        "solve",
        str(instance),
        "--format",
        "solomon",
        "--time-limit",
        str(TIME_LIMIT_S),
        "--workers",
        "2",
        "--out",
        str(tmp_path / "out.json"),
    ]
    proc = subprocess.Popen(command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 300  # the command's start, on a loaded machine
    workers: list[int] = []
    while time.monotonic() < deadline and proc.poll() is None:
        workers = _children(proc.pid)
        if len(workers) >= worker_count(2):
            break
        time.sleep(0.1)
    if len(workers) < worker_count(2):
        proc.kill()
        pytest.fail(f"the solve never started its workers (found {workers})")
    time.sleep(0.5)  # let them build their models and start searching
    return proc, _descendants(workers)


def _descendants(pids: list[int]) -> list[int]:
    """``pids`` and every live process below them."""
    out, todo = [], list(pids)
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(_children(pid))
    return out


def _gone_within(pids: list[int], seconds: float) -> list[int]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        left = [pid for pid in pids if _alive(pid)]
        if not left:
            return []
        time.sleep(0.1)
    return [pid for pid in pids if _alive(pid)]


@pytest.mark.skipif(usable_cores() < 2, reason="one core: a solve runs no worker process")
@pytest.mark.parametrize(
    ("sig", "exit_codes"),
    [
        (signal.SIGKILL, {-signal.SIGKILL}),
        (signal.SIGTERM, {128 + signal.SIGTERM}),  # the CLI's clean exit
        (signal.SIGINT, {1, 130, -signal.SIGINT}),  # Ctrl-C: click's "Aborted!" is 1
    ],
)
def test_workers_die_with_the_command(tmp_path: Path, sig: int, exit_codes: set[int]) -> None:
    proc, workers = _start(tmp_path)
    os.kill(proc.pid, sig)
    try:
        code = proc.wait(timeout=GONE_WITHIN_S)
        left = _gone_within(workers, GONE_WITHIN_S)
    finally:
        if proc.poll() is None:
            proc.kill()
        for pid in workers:  # never leave them running for the next tests
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
    assert not left, f"workers {left} outlived the command ({signal.Signals(sig).name})"
    assert code in exit_codes


def test_worker_count_is_bounded_by_the_usable_cores(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: {0, 1})
    assert usable_cores() == 2
    assert worker_count(100_000) == 2
    assert worker_count(1) == 1
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: {3})
    assert worker_count(2) == 1
