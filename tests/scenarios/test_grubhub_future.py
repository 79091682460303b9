"""The Grubhub rule checker proves that no order was read before its placement time.

The replay records what the dispatcher was given at each wave; the checker flags a wave
given an order not yet placed, and a trip carrying an order its wave was not given.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path

import pytest

import scenarios.grubhub_sim as sim
from scenarios.grubhub import GrubhubInstance, GrubhubOrder, read_grubhub
from scenarios.grubhub_dispatcher import CourierView, GrubhubPlaces, WaveChoice, choose_wave
from scenarios.grubhub_rules import check_grubhub_replay
from scenarios.grubhub_sim import replay_grubhub
from solvers.instant_dispatch import InstantPolicy, wave
from tests.scenarios.test_grubhub import write_instance

PEEK_MIN = 15.0


def stream(tmp_path: Path) -> GrubhubInstance:
    """Orders every 10 minutes at one restaurant, two couriers."""
    orders = [f"o{k}\t{500 + 40 * k}\t300\t{10 * k}\tr1\t{10 * k + 8}" for k in range(6)]
    return read_grubhub(
        write_instance(tmp_path / "stream", orders, ["c1\t0\t0\t0\t90", "c2\t900\t0\t0\t90"])
    )


def test_an_honest_replay_records_its_views_and_checks(tmp_path: Path) -> None:
    instance = stream(tmp_path)
    replay = replay_grubhub(instance, InstantPolicy())
    assert check_grubhub_replay(instance, replay) == ()
    assert replay.views and len(replay.views) == replay.waves
    placed = {o.id: o.placement_min for o in instance.orders}
    assert all(placed[o] <= v.now_min for v in replay.views for o in v.order_ids)
    # The record is needed: without it the checker cannot prove anything.
    blind = dataclasses.replace(replay, views=())
    assert any("no record" in p for p in check_grubhub_replay(instance, blind))


def test_a_policy_given_orders_before_their_placement_is_caught(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A leaking replay: orders are revealed PEEK_MIN minutes early, and the dispatcher's
    # own guard (it refuses an order placed after now) is switched off.
    def early(order: GrubhubOrder, now_min: float) -> bool:
        return order.placement_min <= now_min + PEEK_MIN

    monkeypatch.setattr(sim, "_placed_by", early)
    monkeypatch.setattr(wave, "validate_wave_input", lambda *_: None)
    instance = stream(tmp_path)
    replay = replay_grubhub(instance, InstantPolicy())
    problems = check_grubhub_replay(instance, replay)
    assert any("reads the future" in p for p in problems), problems


def test_a_policy_that_assigns_orders_it_was_not_given_is_caught(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    instance = stream(tmp_path)

    # A peeking dispatcher: it decides as if it were PEEK_MIN minutes later, with the
    # orders placed by then, although the replay gave it only the open orders of now.
    def peek(
        places: GrubhubPlaces,
        policy: InstantPolicy,
        now_min: float,
        pending: Sequence[int],
        couriers: Sequence[CourierView],
    ) -> list[WaveChoice]:
        future = [
            k
            for k, o in enumerate(instance.orders)
            if now_min < o.placement_min <= now_min + PEEK_MIN
        ]
        return choose_wave(places, policy, now_min + PEEK_MIN, [*pending, *future], couriers)

    monkeypatch.setattr(sim, "choose_wave", peek)
    # The old policy: its pairs, decided as if 15 minutes later, are due at once
    # (with commit_at_departure a pair is due only when its courier leaves, which the
    # peeker puts 15 minutes ahead, so it would never commit what it peeked at; the
    # deferred objective reserves such orders only weakly).
    replay = replay_grubhub(instance, InstantPolicy(commit_at_departure=0, defer_objective=0))
    problems = check_grubhub_replay(instance, replay)
    assert any("was not given" in p for p in problems), problems
    assert any("before an order was placed" in p for p in problems), problems
