"""Grubhub MDRP: the instance reader, the family's rules in the replay, its metrics."""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path

import pytest

from scenarios.grubhub import GrubhubInstance, read_grubhub
from scenarios.grubhub_dispatcher import GrubhubPolicy
from scenarios.grubhub_outcome import GrubhubReason
from scenarios.grubhub_rules import check_grubhub_replay
from scenarios.grubhub_sim import replay_grubhub
from solvers.errors import InvalidInputError
from solvers.instant_dispatch import wave

PARAMETERS = (
    "meters_per_minute\tpickup service minutes\tdropoff service minutes\t"
    "target click-to-door\tmaximum click-to-door\tpay per order\tguaranteed pay per hour\n"
    "100\t4\t4\t40\t90\t10\t15\n"
)


def write_instance(
    folder: Path,
    orders: list[str],
    couriers: list[str],
    restaurants: tuple[str, ...] = ("r1\t500\t0",),
    parameters: str = PARAMETERS,
) -> Path:
    """A tiny instance folder; rows are tab-separated without the header."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "instance_parameters.txt").write_text(parameters)
    (folder / "restaurants.txt").write_text(
        "restaurant\tx\ty\n" + "".join(f"{r}\n" for r in restaurants)
    )
    (folder / "orders.txt").write_text(
        "order\tx\ty\tplacement_time\trestaurant\tready_time\n" + "".join(f"{o}\n" for o in orders)
    )
    (folder / "couriers.txt").write_text(
        "courier\tx\ty\ton_time\toff_time\n" + "".join(f"{c}\n" for c in couriers)
    )
    return folder


def two_orders(tmp_path: Path, off_min: int = 120) -> GrubhubInstance:
    """One courier at the origin, one restaurant 500 m away, two orders 30 minutes apart."""
    return read_grubhub(
        write_instance(
            tmp_path / "tiny",
            ["o1\t500\t300\t0\tr1\t10", "o2\t500\t1050\t30\tr1\t40"],
            [f"c1\t0\t0\t0\t{off_min}"],
        )
    )


def test_reader_reads_exact_values(tmp_path: Path) -> None:
    instance = two_orders(tmp_path)
    assert instance.name == "tiny"
    p = instance.parameters
    assert (p.meters_per_minute, p.pickup_service_min, p.dropoff_service_min) == (100, 4, 4)
    assert (p.target_click_to_door_min, p.max_click_to_door_min) == (40, 90)
    assert (p.pay_per_order, p.guaranteed_pay_per_hour) == (10, 15)
    assert [(r.id, r.x_m, r.y_m) for r in instance.restaurants] == [("r1", 500, 0)]
    o2 = instance.orders[1]
    assert (o2.id, o2.x_m, o2.y_m, o2.placement_min, o2.restaurant_id, o2.ready_min) == (
        "o2",
        500,
        1050,
        30,
        "r1",
        40,
    )
    c1 = instance.couriers[0]
    assert (c1.id, c1.x_m, c1.y_m, c1.on_min, c1.off_min, c1.shift_h) == ("c1", 0, 0, 0, 120, 2)
    assert instance.travel_min(0, 0, 500, 0) == 5
    assert instance.travel_min(500, 0, 500, 1050) == 11  # 10.5 rounded up


@pytest.mark.parametrize(
    ("orders", "couriers", "where", "rule"),
    [
        (
            ["o1\t1\t2\tx\tr1\t5"],
            ["c1\t0\t0\t0\t60"],
            "orders.txt:2",
            "placement_time must be a finite number",
        ),
        (["o1\t1\t2\t0\tr9\t5"], ["c1\t0\t0\t0\t60"], "orders.txt:2", "unknown restaurant 'r9'"),
        (["o1\t1\t2\t9\tr1\t5"], ["c1\t0\t0\t0\t60"], "orders.txt:2", "ready_time"),
        (["o1\t1\t2\t0\tr1"], ["c1\t0\t0\t0\t60"], "orders.txt:2", "expected 6 tab-separated"),
        (
            ["o1\t1\t2\t0\tr1\t5"],
            ["c1\t0\t0\t0\t60", "c2\t0\t0\t60\t60"],
            "couriers.txt:3",
            "off_time",
        ),
        (
            ["o1\t1\t2\t0\tr1\t5", "o1\t1\t2\t0\tr1\t5"],
            ["c1\t0\t0\t0\t60"],
            "orders.txt",
            "duplicate order id 'o1'",
        ),
    ],
)
def test_reader_names_file_line_and_rule(
    tmp_path: Path, orders: list[str], couriers: list[str], where: str, rule: str
) -> None:
    folder = write_instance(tmp_path / "bad", orders, couriers)
    with pytest.raises(InvalidInputError) as caught:
        read_grubhub(folder)
    assert caught.value.field.startswith(where)
    assert rule in str(caught.value)


def test_reader_rejects_bad_header_and_missing_file(tmp_path: Path) -> None:
    folder = write_instance(tmp_path / "hdr", ["o1\t1\t2\t0\tr1\t5"], ["c1\t0\t0\t0\t60"])
    (folder / "restaurants.txt").write_text("id\tx\ty\nr1\t0\t0\n")
    with pytest.raises(InvalidInputError, match=r"restaurants.txt:1: header must be"):
        read_grubhub(folder)
    (folder / "restaurants.txt").unlink()
    with pytest.raises(InvalidInputError, match=r"restaurants.txt: file missing"):
        read_grubhub(folder)
    with pytest.raises(InvalidInputError, match="not a folder"):
        read_grubhub(tmp_path / "nowhere")


def test_rules_on_one_courier_two_orders(tmp_path: Path) -> None:
    instance = two_orders(tmp_path)
    replay = replay_grubhub(instance, GrubhubPolicy(wave_min=1.0))
    assert check_grubhub_replay(instance, replay) == ()
    first, second = replay.trips
    # o1: sent at 3 (leaving earlier would only mean waiting for the food), arrives at 8,
    # pickup at max(ready 10, 8 + 2) = 10, leaves 12, 3 min to the door, drop-off at 17.
    assert (first.order_ids, first.dispatched_min, first.depart_min) == (("o1",), 3, 3)
    assert (first.arrive_restaurant_min, first.pickup_min, first.dropoff_min, first.end_min) == (
        8,
        10,
        (17,),
        19,
    )
    # o2 (known from 30): the courier waits at o1's door (3 min from the restaurant), is
    # sent at 35, picks up at 40, 10.5 m -> 11 min to the door: drop-off at 55.
    assert (second.depart_min, second.arrive_restaurant_min, second.pickup_min) == (35, 38, 40)
    assert (second.dropoff_min, second.end_min) == ((55,), 57)
    m = replay.metrics
    assert (m.orders_total, m.delivered, m.not_delivered, m.late) == (2, 2, 0, 0)
    assert m.click_to_door_mean_min == 21  # (17 + 25) / 2
    assert m.click_to_door_p90_min == pytest.approx(24.2)
    assert (m.overage_mean_min, m.ready_to_pickup_mean_min) == (0, 0)
    assert m.total_pay == 30  # max(10 x 2 orders, 15 x 2 h)
    assert m.cost_per_order == 15
    assert m.courier_utilisation_pct == pytest.approx(100 * 38 / 120)
    kpis = replay.to_json()["kpis"]
    assert (kpis["orders_total"], kpis["delivered"], kpis["collected"], kpis["unassigned"]) == (
        2,
        2,
        0,
        0,
    )


def test_no_pickup_after_off_time(tmp_path: Path) -> None:
    # The courier's shift ends at 9, before o1 is ready (10): nothing can be delivered.
    instance = two_orders(tmp_path, off_min=9)
    replay = replay_grubhub(instance)
    assert check_grubhub_replay(instance, replay) == ()
    assert replay.trips == ()
    assert [(u.order_id, u.reason) for u in replay.unassigned] == [
        ("o1", GrubhubReason.NO_COURIER),
        ("o2", GrubhubReason.NO_COURIER),
    ]
    assert replay.metrics.not_delivered_pct == 100
    assert math.isnan(replay.metrics.cost_per_order)


def test_bundles_orders_of_one_restaurant(tmp_path: Path) -> None:
    instance = read_grubhub(
        write_instance(
            tmp_path / "bundle",
            ["o1\t500\t300\t0\tr1\t10", "o2\t500\t600\t0\tr1\t10"],
            ["c1\t0\t0\t0\t120"],
        )
    )
    replay = replay_grubhub(instance)
    assert check_grubhub_replay(instance, replay) == ()
    (trip,) = replay.trips
    assert trip.order_ids == ("o1", "o2")  # the nearer door first
    assert trip.dropoff_min == (17, 24)  # o2: leave o1 at 19, 3 min, + 2
    assert replay.metrics.orders_per_bundle == 2


def test_checker_catches_broken_trips(tmp_path: Path) -> None:
    instance = two_orders(tmp_path)
    replay = replay_grubhub(instance)
    first = dataclasses.replace(replay.trips[0], pickup_min=9.0)
    early = dataclasses.replace(replay.trips[1], dispatched_min=20.0)
    broken = dataclasses.replace(replay, trips=(first, early), unassigned=())
    problems = check_grubhub_replay(instance, broken)
    assert any("rules give" in p for p in problems)
    assert any("before an order was placed" in p for p in problems)
    lost = dataclasses.replace(replay, trips=replay.trips[:1])
    assert any(
        "neither delivered nor unassigned" in p for p in check_grubhub_replay(instance, lost)
    )


def test_interrupted_replay_keeps_partial_result(tmp_path: Path) -> None:
    instance = two_orders(tmp_path)

    def stop_at_31(now_min: float, last_min: float) -> None:
        if now_min >= 31:
            raise KeyboardInterrupt

    replay = replay_grubhub(instance, progress=stop_at_31)
    assert not replay.complete
    assert [t.order_ids for t in replay.trips] == [("o1",)]
    assert [(u.order_id, u.reason) for u in replay.unassigned] == [
        ("o2", GrubhubReason.INTERRUPTED)
    ]
    assert check_grubhub_replay(instance, replay) == ()


def test_unassigned_reasons_serialise_as_their_plain_strings(tmp_path: Path) -> None:
    instance = two_orders(tmp_path, off_min=9)
    unassigned = replay_grubhub(instance).to_json()["unassigned"]
    assert json.dumps(unassigned[:1]) == (
        '[{"order_id": "o1", "reason": "no_courier", '
        '"detail": "ready at 10 min, after the last courier\'s off time"}]'
    )
    assert str(GrubhubReason.INTERRUPTED) == f"{GrubhubReason.INTERRUPTED}" == "interrupted"


def test_policy_validation() -> None:
    with pytest.raises(InvalidInputError, match="wave_min"):
        GrubhubPolicy(wave_min=0)
    with pytest.raises(InvalidInputError, match="max_bundle"):
        GrubhubPolicy(max_bundle=0)


class _NoWallClock:
    """A wave budget without the wall-clock limit: only CP-SAT's deterministic one."""

    @classmethod
    def start(cls, time_limit_s: float) -> _NoWallClock:
        assert time_limit_s > 0
        return cls()

    def remaining_s(self) -> None:
        return None


def test_shared_instance_replays_within_the_rules(
    shared_data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = shared_data / "bench" / "grubhub_mdrp" / "0o100t100s1p100"
    if not folder.is_dir():
        pytest.skip(f"{folder} is missing")
    instance = read_grubhub(folder)
    assert (len(instance.orders), len(instance.couriers), len(instance.restaurants)) == (
        505,
        113,
        116,
    )
    replay = replay_grubhub(instance)
    assert check_grubhub_replay(instance, replay) == ()
    m = replay.metrics
    assert m.delivered + len(replay.unassigned) == 505
    assert m.not_delivered_pct <= 0.5
    assert m.click_to_door_mean_min <= 33
    assert m.cost_per_order <= 11.5
    # Deterministic: CP-SAT's limit is in deterministic seconds.  The wall-clock limit
    # of a wave (a guard for loaded machines) is lifted here, since a loaded machine
    # can reach it first and cut a wave short.
    monkeypatch.setattr(wave, "Budget", _NoWallClock)
    first = replay_grubhub(instance)
    assert replay_grubhub(instance).trips == first.trips
