"""Peak memory of this process and of its finished children, for summaries and reports.

* :func:`peak_rss_bytes`: the operating system's high-water mark of resident memory
  (``resource.getrusage``'s ``ru_maxrss``), of this process or of its waited-for
  children (the largest one, not the sum).  Free to ask; it counts everything (Python
  objects, numpy arrays, OR-Tools' C++ heap, imported libraries).
* :class:`TracedPeak`: the peak of what Python and numpy allocated inside a ``with``
  block (:mod:`tracemalloc`), for tests that check a computed memory bound.  Tracing
  slows allocation-heavy code, so it is for tests and reports, not for every run.
"""

from __future__ import annotations

import resource
import sys
import tracemalloc
from types import TracebackType
from typing import Literal

MIB = 1024**2


def peak_rss_bytes(who: Literal["self", "children"] = "self") -> int:
    """The largest resident set size so far, bytes, of this process (``"self"``) or of
    the largest of its terminated and waited-for children (``"children"``; 0 before
    any).  Linux reports kilobytes, macOS bytes: both come back as bytes."""
    usage = resource.getrusage(resource.RUSAGE_SELF if who == "self" else resource.RUSAGE_CHILDREN)
    scale = 1 if sys.platform == "darwin" else 1024
    return int(usage.ru_maxrss) * scale


def format_mib(n_bytes: int) -> str:
    """Bytes as whole mebibytes for people, e.g. ``"1,234 MB"`` (1 MB = 2**20 bytes)."""
    return f"{n_bytes / MIB:,.0f} MB"


class TracedPeak:
    """The peak bytes Python and numpy allocated inside a ``with`` block (tracemalloc).

    Starts tracing on entry (and stops it on exit when it was not running before); the
    peak is reset on entry, so an outer block's earlier allocations do not count.
    ``peak_bytes`` is the peak above what was allocated at entry.
    """

    def __init__(self) -> None:
        self.peak_bytes = 0
        self._started = False
        self._base = 0

    def __enter__(self) -> TracedPeak:
        self._started = not tracemalloc.is_tracing()
        if self._started:
            tracemalloc.start()
        tracemalloc.reset_peak()
        self._base = tracemalloc.get_traced_memory()[0]
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.peak_bytes = max(0, tracemalloc.get_traced_memory()[1] - self._base)
        if self._started:
            tracemalloc.stop()
