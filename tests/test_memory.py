"""core.memory: the peak resident memory of this process and its children, and the
traced peak of a block."""

from __future__ import annotations

import subprocess
import sys

import numpy as np

from core.memory import TracedPeak, format_mib, peak_rss_bytes


def test_peak_rss_of_self_and_children() -> None:
    assert peak_rss_bytes() > 10 * 2**20  # a Python with numpy loaded
    subprocess.run(
        [sys.executable, "-c", "b = bytearray(60 * 2**20); b[::4096] = b'x' * len(b[::4096])"],
        check=True,
    )
    assert peak_rss_bytes("children") >= 60 * 2**20


def test_traced_peak_sees_a_temporary_array() -> None:
    with TracedPeak() as traced:
        a = np.ones(1_000_000)  # 8 MB
        del a
    assert 8_000_000 <= traced.peak_bytes < 9_000_000
    with TracedPeak() as nothing:
        pass
    assert nothing.peak_bytes < 100_000


def test_format_mib() -> None:
    assert format_mib(3 * 2**20) == "3 MB"
    assert format_mib(1234 * 2**20) == "1,234 MB"
