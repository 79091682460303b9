"""A Grubhub wave keeps its budget: ``wave_search_s`` is the wall-clock limit of the whole
wave (CP-SAT gets what building the candidates left of it), not only CP-SAT's
deterministic limit, which a loaded machine can take far longer than to reach."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import solvers.instant_dispatch.wave as dispatcher
from scenarios.grubhub import read_grubhub
from scenarios.grubhub_rules import check_grubhub_replay
from scenarios.grubhub_sim import replay_grubhub
from solvers.bundling import choose_bundles
from solvers.instant_dispatch import InstantPolicy
from tests.scenarios.test_grubhub import write_instance


def test_each_wave_gives_cp_sat_at_most_its_budget(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    instance = read_grubhub(
        write_instance(
            tmp_path / "waves",
            ["o1\t500\t300\t0\tr1\t10", "o2\t500\t600\t0\tr1\t10", "o3\t500\t900\t20\tr1\t30"],
            ["c1\t0\t0\t0\t120", "c2\t100\t0\t0\t120"],
        )
    )
    seen: list[dict[str, Any]] = []
    real = choose_bundles

    def spy(*args: Any, **kwargs: Any) -> Any:
        seen.append(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(dispatcher, "choose_bundles", spy)
    policy = InstantPolicy(wave_search_s=0.2)
    replay = replay_grubhub(instance, policy)
    assert check_grubhub_replay(instance, replay) == ()
    assert seen, "no wave ran"
    for kwargs in seen:
        assert kwargs["deterministic_time_s"] == 0.2
        # Before: no wall-clock limit at all (None).
        assert kwargs["time_limit_s"] is not None
        assert 0.0 <= kwargs["time_limit_s"] <= 0.2
