"""Worker processes that are bounded by the cores and die with the process that made them.

The portfolio's members (:mod:`solvers.portfolio`, through :mod:`solvers.processes`) and
the shortest-path workers of :mod:`geo.contraction` run in such workers (it lives in
``core`` so that ``geo``, which cannot import ``solvers``, shares it):

- **Bounded**: :func:`usable_cores` is the number of cores this process may run on
  (``os.sched_getaffinity``, so a container's or ``taskset``'s limit counts), and
  :func:`worker_count` caps a requested count at it.  More processes than cores would
  only share the cores and split the time budget among themselves.
- **Die with their parent**: each worker asks the Linux kernel (``prctl`` with
  ``PR_SET_PDEATHSIG``, through ctypes) to be sent ``SIGKILL`` when the process that
  started it ends, however it ends (``SIGKILL`` included), then checks that its parent
  is still the process that started it (the parent may have died before the ``prctl``).
  Where ``prctl`` is missing (not Linux), a daemon thread polls the parent's pid instead
  (it runs whenever the worker holds no long native call, so it is a fallback only).
- **Stopped on interruption**: if the waiting parent is interrupted (Ctrl-C's
  ``KeyboardInterrupt``, the ``SystemExit`` the CLI raises on ``SIGTERM``, any error), the
  caller terminates its workers (``SIGTERM`` to each, :func:`terminate_pool`) before the
  exception goes on.
  Workers ignore ``SIGINT`` (Ctrl-C reaches the whole process group; the parent decides) and
  take the default action on ``SIGTERM`` (a handler inherited through ``fork`` would not
  stop a native search).

``PR_SET_PDEATHSIG`` fires when the *thread* that started the worker ends: the pool is
started and waited on by the calling thread, which lives until the results are in.

No printing, no I/O: a caller reports a capped count (the CLI prints a note).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import multiprocessing
import os
import signal
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from typing import Any

# From <linux/prctl.h>.
_PR_SET_PDEATHSIG = 1
# How often the fallback watchdog looks at the parent's pid, seconds.
_WATCH_INTERVAL_S = 0.2


def usable_cores() -> int:
    """How many cores this process may run on (at least 1)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # not Linux
        return max(1, os.cpu_count() or 1)


def worker_count(requested: int) -> int:
    """``requested`` worker processes capped at :func:`usable_cores` (at least 1)."""
    return max(1, min(requested, usable_cores()))


def _set_death_signal() -> bool:
    """Ask the kernel for SIGKILL when the parent ends; whether that worked."""
    name = ctypes.util.find_library("c")
    if name is None:
        return False
    try:
        libc = ctypes.CDLL(name, use_errno=True)
        prctl = libc.prctl
    except (OSError, AttributeError):
        return False
    return int(prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)) == 0


def _watch_parent(parent_pid: int) -> None:
    while os.getppid() == parent_pid:
        time.sleep(_WATCH_INTERVAL_S)
    os._exit(1)


def die_with_parent(parent_pid: int) -> None:
    """Worker initializer: end this process when ``parent_pid`` ends (see the module).

    Also restores the signal dispositions a worker wants: ``SIGINT`` ignored, ``SIGTERM``
    the default.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    armed = _set_death_signal()
    if os.getppid() != parent_pid:  # the parent died before the death signal was armed
        os._exit(1)
    if not armed:
        threading.Thread(target=_watch_parent, args=(parent_pid,), daemon=True).start()


def terminate_pool(pool: ProcessPoolExecutor) -> None:
    """Stop a pool's workers now (``SIGTERM`` to each) without waiting for their tasks:
    for a caller whose wait was interrupted.  Python 3.11's executor has no public
    terminate, hence its process table."""
    for process in list((pool._processes or {}).values()):
        process.terminate()
    pool.shutdown(wait=False, cancel_futures=True)


def worker_context() -> Any:
    """The multiprocessing context of the workers: ``fork`` where there is one (the
    children inherit loaded modules and compiled kernels), else ``spawn``."""
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else "spawn")
