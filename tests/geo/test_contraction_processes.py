"""The shortest-path workers of :mod:`geo.contraction` die with the process that started
them (SIGKILL, SIGTERM, SIGINT), as the solver's workers do (``tests/cli/test_solve_processes.py``).

A subprocess runs the multi-source Dijkstra with two workers on a block function that
sleeps for two minutes (patched before the pool forks, so the workers run it); once both
workers are up, the subprocess gets the signal and every worker must be gone within a
few seconds.  Processes are read from /proc (Linux).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from core.processes import usable_cores
from tests.cli.test_solve_processes import PROC, _alive, _children, _gone_within

REPO = Path(__file__).resolve().parents[2]
pytestmark = [
    pytest.mark.skipif(not (PROC / "self" / "stat").exists(), reason="needs /proc"),
    pytest.mark.skipif(usable_cores() < 2, reason="one core: no worker process is started"),
]

# The parent: 512 sources (enough for the pool), blocks that sleep instead of searching.
SCRIPT = """
import sys, time
import numpy as np
from scipy.sparse import csr_matrix
import geo.contraction as contraction

def sleeping_block(adjacency, sources, targets):
    time.sleep(120)
    return np.zeros((sources.size, targets.size))

contraction._dijkstra_block = sleeping_block
adjacency = csr_matrix(np.ones((4, 4)))
print("started", flush=True)
contraction._multi_source_m(adjacency, np.zeros(512, dtype=np.int64), np.arange(2), 2)
"""


@pytest.mark.parametrize(
    ("sig", "exit_codes"),
    [
        (signal.SIGKILL, {-signal.SIGKILL}),
        (signal.SIGTERM, {-signal.SIGTERM}),
        (signal.SIGINT, {1, 130, -signal.SIGINT}),  # KeyboardInterrupt: pool terminated
    ],
)
def test_dijkstra_workers_die_with_their_parent(sig: int, exit_codes: set[int]) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-c", SCRIPT],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    workers: list[int] = []
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            workers = _children(proc.pid)
            if len(workers) >= 2:
                break
            time.sleep(0.1)
        assert len(workers) >= 2, f"the pool never started its workers (found {workers})"
        time.sleep(0.5)  # past the initializer: the workers are in the sleeping block
        os.kill(proc.pid, sig)
        code = proc.wait(timeout=10)
        left = _gone_within(workers, 5.0)
    finally:
        if proc.poll() is None:
            proc.kill()
        for pid in workers:  # never leave them running for the next tests
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
    assert not left, f"workers {left} outlived their parent ({signal.Signals(sig).name})"
    assert code in exit_codes
