"""The Grubhub loss decomposition on a tiny day whose every minute is known."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks.grubhub_loss import PARTS, analyse, main
from scenarios.grubhub_rules import check_grubhub_replay
from scenarios.grubhub_sim import replay_grubhub
from tests.scenarios.test_grubhub import write_instance
from tests.scenarios.test_grubhub_later_commitment import OLD, busy_courier_day


def test_every_minute_beyond_the_bound_is_placed(tmp_path: Path) -> None:
    instance = busy_courier_day(tmp_path)
    replay = replay_grubhub(instance, OLD)
    assert check_grubhub_replay(instance, replay) == ()
    loss = analyse(instance, replay, lookahead_min=5.0).per_order()
    # o1: near (free at 4, 5 min away) picks up at 11, the best anyone could when o1 was
    # placed: 11 minutes late, unavoidable by then.  o2 (placed at 1): far, sent at the
    # wave at 2, 23 min away, picks up at 27; leaving at 1 would have meant 26: 25
    # minutes unavoidable, 1 lost waiting for the wave.  Bounds: 0 + 2 + 1 + 2 = 5 each.
    assert loss["bound_min"] == 5.0
    assert loss["loss_min"] == pytest.approx((11 + 26) / 2)
    assert loss["late_unavoidable"] == pytest.approx((11 + 25) / 2)
    assert loss["late_waiting"] == pytest.approx(0.5)
    for part in PARTS:
        if part not in ("late_unavoidable", "late_waiting"):
            assert loss[part] == pytest.approx(0.0), part
    assert loss["late_trips_pct"] == 100.0


def test_variants_are_compared_and_written(tmp_path: Path) -> None:
    data = tmp_path / "grubhub_mdrp"
    write_instance(data / "a", ["o1\t500\t300\t0\tr1\t10"], ["c1\t0\t0\t0\t120"])
    out = tmp_path / "loss.json"
    code = main(
        [
            "--data",
            str(data),
            "--every",
            "1",
            "--variant",
            'old={"commit_at_departure": 0, "lookahead_min": 5}',
            "--variant",
            "new={}",
            "--out",
            str(out),
        ]
    )
    assert code == 0
    written = json.loads(out.read_text())
    assert [v["name"] for v in written] == ["old", "new"]
    for variant in written:
        assert variant["means"]["violations"] == 0
        assert variant["means"]["not_delivered_pct"] == 0.0
        assert sum(variant["loss"][p] for p in PARTS) == pytest.approx(variant["loss"]["loss_min"])
