"""Multi-pickup tasks as pickup tours, and tasks loaded at the vehicle's start.

Geometry: locations on a line (``tests.solvers.helpers``), distance = duration = |dx|;
``cost_per_km=1000`` makes the distance cost equal to the distance in metres.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from scenarios.instances import read_instance
from solvers import SolveParams, UnassignedReason, check, solve
from solvers.problem import Stop, Task, TimeWindow, Vehicle
from solvers.repair import _merge_copies, repair_routes
from solvers.tours import _concatenate, _Segment, _window_feasible_orders, pickup_tours
from tests.solvers.helpers import problem, solved, visits

LINE = (0, 10, 20, 30, 40)


def van(vid: str = "v1", **kw: object) -> Vehicle:
    fields: dict[str, object] = {"start": 0, "end": 0, "capacity": (10.0,), "cost_per_km": 1000.0}
    fields.update(kw)
    return Vehicle(vid, **fields)  # type: ignore[arg-type]


# --- the segment arithmetic, by hand -------------------------------------------------


def test_concatenation_forces_the_wait_between_windows() -> None:
    # Shop A open [0, 10], shop B open [100, 110], 5 apart, no service: leave A at 10
    # at the latest... and earliest, since starting earlier only waits longer at B.
    joined = _concatenate(_Segment(0, 0, 10), 5, _Segment(0, 100, 110))
    assert joined == _Segment(duration=90, earliest=10, latest=10)


def test_concatenation_without_waiting_narrows_the_start_window() -> None:
    joined = _concatenate(_Segment(2, 0, 50), 3, _Segment(1, 10, 20))
    assert joined == _Segment(duration=6, earliest=5, latest=15)


def test_concatenation_that_cannot_be_on_time_is_none() -> None:
    assert _concatenate(_Segment(0, 50, 60), 5, _Segment(0, 0, 20)) is None


def test_pickup_tours_shortest_first_and_each_window_choice() -> None:
    d = np.abs(np.subtract.outer(np.array(LINE, float), np.array(LINE, float)))
    basket = Task("b", (Stop(3), Stop(1), Stop(2)), Stop(4))
    tours = pickup_tours(basket, [0, 1, 2], d, d, 1)
    assert [t.distance for t in tours] == [20, 20, 30]  # 1-2-3 or 3-2-1, then the rest
    assert {tours[0].order, tours[1].order} == {(1, 2, 0), (0, 2, 1)}
    split_hours = Stop(1, windows=(TimeWindow(0, 5), TimeWindow(50, 60)))
    tours = pickup_tours(Task("s", (split_hours, Stop(2)), Stop(4)), [0, 1], d, d, 1)
    assert sorted(t.windows for t in tours if t.order == (0, 1)) == [((0, 5),), ((50, 60),)]


# --- multi-pickup tasks in the solver ------------------------------------------------


def test_basket_shops_visited_in_the_shortest_order() -> None:
    basket = Task("b", (Stop(3), Stop(1), Stop(2)), Stop(4), demand=(3.0,))
    s = solved(problem([van(end=None)], [basket], LINE))
    assert visits(s, "v1") == [("b", 1), ("b", 2), ("b", 0), ("b", 3)]
    assert s.distance_m == pytest.approx(40.0)


def test_basket_waits_between_shops_when_their_hours_require_it() -> None:
    # Shop at 10 open [0, 15], shop at 20 open [100, 110]: no order works without a wait.
    basket = Task(
        "b",
        (Stop(1, windows=(TimeWindow(0, 15),)), Stop(2, windows=(TimeWindow(100, 110),))),
        Stop(3),
        demand=(1.0,),
    )
    s = solved(problem([van(end=None)], [basket], LINE))
    (route,) = s.routes
    assert [st.start_s for st in route.stops] == pytest.approx([10.0, 100.0, 110.0])


def test_basket_that_no_order_can_serve_is_unassigned_with_a_reason() -> None:
    # Shop at 10 closes at 12, shop at 30 at 25: whichever comes second is missed.
    basket = Task(
        "b",
        (Stop(3, windows=(TimeWindow(0, 25),)), Stop(1, windows=(TimeWindow(0, 12),))),
        Stop(4, windows=(TimeWindow(0, 45),)),
        demand=(1.0,),
    )
    s = solved(problem([van(end=None)], [basket], LINE))
    (u,) = s.unassigned
    assert u.reason is UnassignedReason.TIME_WINDOW


def test_two_baskets_share_a_vehicle_and_stay_whole() -> None:
    a = Task("a", (Stop(1), Stop(2)), Stop(3), demand=(2.0,))
    b = Task("b", (Stop(2), Stop(1)), Stop(4), demand=(2.0,))
    s = solved(problem([van(end=None), van("v2", end=None)], [a, b], LINE))
    assert s.distance_m == pytest.approx(40.0)
    assert not s.unassigned


# --- tasks loaded at the start ---------------------------------------------------------


def test_loaded_at_start_counts_against_capacity_from_departure() -> None:
    a = Task("a", (), Stop(1), demand=(3.0,))
    b = Task("b", (), Stop(2), demand=(3.0,))
    s = solved(problem([van(capacity=(5.0,))], [a, b], LINE))
    assert len(s.unassigned) == 1
    assert s.unassigned[0].reason is UnassignedReason.CAPACITY
    s = solved(problem([van(capacity=(6.0,))], [a, b], LINE))
    (route,) = s.routes
    assert [st.load for st in route.stops] == [(3.0,), (0.0,)]
    assert s.distance_m == pytest.approx(40.0)


def test_loaded_at_start_and_picked_up_on_the_way_share_the_capacity() -> None:
    # 3 loaded at the depot for location 20; 3 picked up at 10 for 30.  Capacity 5:
    # the van must drop the first before picking up the second: 0 -> 20 -> 10 -> 30.
    loaded = Task("loaded", (), Stop(2), demand=(3.0,))
    picked = Task("picked", (Stop(1),), Stop(3), demand=(3.0,))
    s = solved(problem([van(end=None, capacity=(5.0,))], [loaded, picked], LINE))
    assert visits(s, "v1") == [("loaded", 0), ("picked", 0), ("picked", 1)]
    assert s.distance_m == pytest.approx(50.0)
    s = solved(problem([van(end=None, capacity=(6.0,))], [loaded, picked], LINE))
    assert s.distance_m == pytest.approx(30.0)


def test_loaded_at_start_rides_from_the_departure() -> None:
    far = Task("far", (), Stop(3), demand=(1.0,), max_ride_s=20.0)
    s = solved(problem([van(end=None)], [far], LINE))
    assert s.unassigned[0].reason is UnassignedReason.RIDE_TIME
    ok = Task("ok", (), Stop(3), demand=(1.0,), max_ride_s=30.0)
    s = solved(problem([van(end=None, shift=TimeWindow(5.0, 1e7))], [ok], LINE))
    (route,) = s.routes
    assert route.stops[0].start_s - route.start_s <= 30.0


# --- a real multi-pickup benchmark instance --------------------------------------------


@pytest.mark.shared_data
def test_mpdptw_instance_every_request_whole_and_checked(shared_data: Path) -> None:
    bench = read_instance(shared_data / "bench" / "mpdptw" / "l_4_25_1.txt", "mpdptw")
    s = solve(bench.problem, SolveParams(time_limit_s=2.0, workers=1))
    report = check(bench.problem, s)
    assert report.ok, report.violations
    assert not s.unassigned
    served = {st.task_id for r in s.routes for st in r.stops}
    assert served == {t.id for t in bench.problem.tasks}


# --- the interleaving model and its repair ---------------------------------------------


def test_merge_keeps_the_last_delivery_copy() -> None:
    basket = Task("b", (Stop(1), Stop(2)), Stop(3), demand=(2.0,))
    p = problem([van(end=None)], [basket], LINE)
    assert _merge_copies(p, [("b", 0), ("b", 2), ("b", 1), ("b", 2)]) == [
        ("b", 0),
        ("b", 1),
        ("b", 2),
    ]


def test_repair_puts_a_split_basket_back_together_on_one_vehicle() -> None:
    basket = Task("b", (Stop(1), Stop(2)), Stop(3), demand=(2.0,))
    p = problem([van(end=None), van("v2", end=None)], [basket], LINE)
    split = {"v1": [("b", 0), ("b", 2)], "v2": [("b", 1), ("b", 2)]}
    repaired = repair_routes(p, split, {"v1": 0.0, "v2": 0.0}, deadline=1e18)
    assert list(repaired.values()) == [[("b", 0), ("b", 1), ("b", 2)]]


def test_interleaving_worker_alone_serves_baskets_whole() -> None:
    # seed 1 makes the single worker run the interleaving configuration.
    a = Task("a", (Stop(1), Stop(2)), Stop(3), demand=(2.0,))
    b = Task("b", (Stop(2), Stop(1)), Stop(4), demand=(2.0,))
    s = solved(problem([van(end=None)], [a, b], LINE), SolveParams(0.5, seed=1, workers=1))
    assert s.distance_m == pytest.approx(40.0)
    assert visits(s, "v1")[-2:] == [("a", 2), ("b", 2)]


# --- waiting at the shop so that hot food rides no longer than allowed -----------------


def test_pickup_is_held_back_so_the_ride_fits_a_later_delivery_window() -> None:
    # Shop at 10 (reached at 10), customer at 20 who only takes it in [50, 60]; max ride
    # 15 s: the courier must wait at the shop until 35, not with the food at the door.
    hot = Task(
        "hot",
        (Stop(1, windows=(TimeWindow(0, 100),)),),
        Stop(2, windows=(TimeWindow(50, 60),)),
        demand=(1.0,),
        max_ride_s=15.0,
    )
    s = solved(problem([van(end=None)], [hot], LINE))
    (route,) = s.routes
    pickup, delivery = route.stops
    assert (pickup.arrival_s, pickup.start_s) == pytest.approx((10.0, 35.0))
    assert delivery.start_s - pickup.start_s == pytest.approx(15.0)


def test_window_pruned_search_finds_the_only_order_of_six_shops() -> None:
    # Shops at x = 10..60; windows [t, t + 2] allow only the zig-zag 60, 10, 50, 20, 40, 30
    # (travel = distance): service starts at 100, 150, 190, 220, 240, 250.
    x = np.arange(0.0, 80.0, 10.0)
    d = np.abs(np.subtract.outer(x, x))
    starts = {6: 100, 1: 150, 5: 190, 2: 220, 4: 240, 3: 250}
    shops = tuple(
        Stop(loc, windows=(TimeWindow(starts[loc], starts[loc] + 2),)) for loc in range(1, 7)
    )
    basket = Task("b", shops, Stop(7))
    indices = list(range(6))
    row = {i: i + 1 for i in indices}
    found = _window_feasible_orders(basket, indices, d.astype(np.int64), row, 1)
    assert found == [(5, 0, 4, 1, 3, 2)]
    tours = pickup_tours(basket, indices, d, d, 1)
    assert [t.order for t in tours] == [(5, 0, 4, 1, 3, 2)]
    assert tours[0].windows == ((100, 102),)  # every shop has 2 s of slack
