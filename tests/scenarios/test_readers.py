"""Benchmark readers: exact values on tiny hand-written files, sizes on real shared files.

The tiny files are in :mod:`tests.scenarios.tiny`; the real ones in
``../shared/data/bench`` (the tests skip when it is absent).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from scenarios.instances import (
    FORMATS,
    BenchInstance,
    read_cordeau,
    read_instance,
    read_lilim,
    read_mpdptw,
    read_solomon,
    read_vrplib,
)
from solvers.problem import INFINITE_S, Stop, TimeWindow
from tests.scenarios.tiny import write


def distance(bench: BenchInstance, a: int, b: int, profile: str = "default") -> float:
    return float(bench.problem.matrices[profile].distance_m[a, b])


# --- tiny files: every value ---------------------------------------------------------


def test_solomon_tiny_exact(tmp_path: Path) -> None:
    bench = read_solomon(write(tmp_path, "solomon"))
    assert (bench.name, bench.family, bench.depot, bench.depots) == (
        "tiny_solomon",
        "solomon",
        0,
        (0,),
    )
    assert bench.node_ids == (0, 1, 2)
    np.testing.assert_array_equal(bench.coords, [[0, 0], [3, 4], [6, 8]])
    p = bench.problem
    assert [(v.id, v.start, v.end, v.capacity, v.shift) for v in p.vehicles] == [
        ("v1", 0, 0, (10.0,), TimeWindow(0.0, 100.0)),
        ("v2", 0, 0, (10.0,), TimeWindow(0.0, 100.0)),
    ]
    assert all(v.cost_per_km == 1000.0 and v.max_duration_s is None for v in p.vehicles)
    c1, c2 = p.tasks
    assert (c1.id, c2.id) == ("c1", "c2")
    # Loaded at the depot before leaving, delivered in the customer's window.
    assert c1.pickups == ()  # loaded at the depot before the vehicle leaves
    assert c1.delivery == Stop(1, service_s=5.0, windows=(TimeWindow(10.0, 50.0),))
    assert c2.delivery == Stop(2, service_s=5.0, windows=(TimeWindow(0.0, 60.0),))
    assert (c1.demand, c2.demand) == ((2.0,), (3.0,))
    assert (distance(bench, 0, 1), distance(bench, 0, 2), distance(bench, 1, 2)) == (5, 10, 5)
    mats = p.matrices["default"]
    np.testing.assert_array_equal(mats.distance_m, mats.duration_s)


def test_lilim_tiny_exact(tmp_path: Path) -> None:
    bench = read_lilim(write(tmp_path, "lilim"))
    assert bench.node_ids == (0, 1, 2)
    p = bench.problem
    assert [(v.capacity, v.shift) for v in p.vehicles] == [
        ((15.0,), TimeWindow(0.0, 100.0)),
        ((15.0,), TimeWindow(0.0, 100.0)),
    ]
    (task,) = p.tasks
    assert task.id == "p1"
    assert task.pickups == (Stop(1, service_s=2.0, windows=(TimeWindow(0.0, 50.0),)),)
    assert task.delivery == Stop(2, service_s=3.0, windows=(TimeWindow(10.0, 80.0),))
    assert task.demand == (5.0,)
    assert distance(bench, 1, 2) == 5.0


def test_mpdptw_tiny_exact(tmp_path: Path) -> None:
    bench = read_mpdptw(write(tmp_path, "mpdptw"))
    assert bench.node_ids == (0, 1, 2, 3)  # line order, the id column restarts
    p = bench.problem
    assert [(v.capacity, v.shift.end_s) for v in p.vehicles] == [((20.0,), 200.0)] * 2
    (task,) = p.tasks
    assert task.id == "r0"
    assert task.pickups == (
        Stop(1, service_s=1.0, windows=(TimeWindow(0.0, 100.0),)),
        Stop(2, service_s=1.0, windows=(TimeWindow(0.0, 100.0),)),
    )
    assert task.delivery == Stop(3, service_s=2.0, windows=(TimeWindow(10.0, 150.0),))
    assert task.demand == (5.0,)
    assert task.pickup_demands == ((2.0,), (3.0,))
    assert distance(bench, 1, 2) == 5.0


def test_cordeau_tiny_exact(tmp_path: Path) -> None:
    bench = read_cordeau(write(tmp_path, "cordeau"))
    assert (bench.name, bench.family) == ("tiny_cordeau", "cordeau")
    # Location i is file id i; location 0 stands for each vehicle's own depot.
    assert bench.node_ids == (0, 1, 2, 3, 4, 5)
    assert (bench.depot, bench.depots) == (0, (4, 5))
    assert np.isnan(bench.coords[0]).all()
    np.testing.assert_array_equal(bench.coords[1:], [[0, 0], [10, 0], [3, 4], [-3, -4], [13, 4]])
    p = bench.problem
    assert [
        (v.id, v.start, v.end, v.profile, v.capacity, v.max_duration_s, v.shift) for v in p.vehicles
    ] == [
        ("d4-1", 4, 4, "depot4", (10.0,), 50.0, TimeWindow(0.0, INFINITE_S)),
        ("d4-2", 4, 4, "depot4", (10.0,), 50.0, TimeWindow(0.0, INFINITE_S)),
        ("d5-1", 5, 5, "depot5", (8.0,), None, TimeWindow(0.0, INFINITE_S)),
        ("d5-2", 5, 5, "depot5", (8.0,), None, TimeWindow(0.0, INFINITE_S)),
    ]
    assert all(v.cost_per_km == 1000.0 for v in p.vehicles)
    assert [t.id for t in p.tasks] == ["c1", "c2", "c3"]
    assert [t.pickups for t in p.tasks] == [()] * 3
    assert [t.delivery for t in p.tasks] == [
        Stop(1, service_s=2.0),
        Stop(2, service_s=3.0),
        Stop(3, service_s=0.0),
    ]
    assert [t.demand for t in p.tasks] == [(4.0,), (5.0,), (6.0,)]
    # In each depot's profile, location 0 lies at that depot.
    assert set(p.matrices) == {"depot4", "depot5"}
    assert distance(bench, 0, 1, "depot4") == 5.0
    assert distance(bench, 0, 3, "depot4") == 10.0
    assert distance(bench, 0, 2, "depot5") == 5.0
    assert distance(bench, 0, 4, "depot5") == pytest.approx(math.hypot(16, 8))
    assert distance(bench, 1, 3, "depot4") == distance(bench, 1, 3, "depot5") == 5.0
    for mats in p.matrices.values():
        np.testing.assert_array_equal(mats.distance_m, mats.duration_s)


def test_vrplib_tiny_exact_with_tsplib_rounding(tmp_path: Path) -> None:
    bench = read_vrplib(write(tmp_path, "vrplib"))
    assert (bench.name, bench.family, bench.depot, bench.depots) == (
        "tiny-n5-k2",
        "vrplib",
        0,
        (0,),
    )
    assert bench.node_ids == (1, 2, 3, 4, 5)  # CVRPLIB numbering: the depot is node 1
    np.testing.assert_array_equal(bench.coords, [[0, 0], [1, 1], [2, 3], [3, 4], [2.5, 0]])
    p = bench.problem
    mats = p.matrices["default"]
    # nint: 1.414 -> 1, 3.606 -> 4, 5 -> 5, 2.5 -> 3 (half up), 2.236 -> 2, 4.031 -> 4.
    np.testing.assert_array_equal(
        mats.distance_m,
        [
            [0, 1, 4, 5, 3],
            [1, 0, 2, 4, 2],
            [4, 2, 0, 1, 3],
            [5, 4, 1, 0, 4],
            [3, 2, 3, 4, 0],
        ],
    )
    np.testing.assert_array_equal(mats.distance_m, mats.duration_s)
    # Fleet: max(k2 from the name, ceil(16 / 10) = 2) plus max(3, 20%) spare.
    assert len(p.vehicles) == 5
    assert all(
        (v.start, v.end, v.capacity, v.max_duration_s) == (0, 0, (10.0,), None) for v in p.vehicles
    )
    assert [t.id for t in p.tasks] == ["c2", "c3", "c4", "c5"]
    assert [t.pickups for t in p.tasks] == [()] * 4
    assert [t.delivery for t in p.tasks] == [Stop(1), Stop(2), Stop(3), Stop(4)]
    assert [t.demand for t in p.tasks] == [(4.0,), (5.0,), (6.0,), (1.0,)]


def test_vrplib_depot_need_not_be_node_one(tmp_path: Path) -> None:
    text = (
        write(tmp_path, "vrplib")
        .read_text()
        .replace("1\t0\n2\t4", "1\t4\n2\t0")
        .replace("\t1\n\t-1", "\t2\n\t-1")
    )
    bench = read_vrplib(write(tmp_path, "vrplib", text))
    assert bench.depot == 1
    assert [t.id for t in bench.problem.tasks] == ["c1", "c3", "c4", "c5"]
    assert all(v.start == v.end == 1 for v in bench.problem.vehicles)


def test_read_instance_dispatches_every_format(tmp_path: Path) -> None:
    for fmt in FORMATS:
        assert read_instance(write(tmp_path, fmt), fmt).family == fmt


# --- real shared files: sizes against the file -----------------------------------------


def _lines(path: Path) -> list[list[str]]:
    return [line.split() for line in path.read_text().splitlines() if line.strip()]


def test_solomon_real_c101(shared_data: Path) -> None:
    bench = read_instance(shared_data / "bench" / "solomon" / "C101.txt", "solomon")
    p = bench.problem
    assert bench.name == "C101"
    assert bench.coords.shape == (101, 2)
    assert len(p.tasks) == 100
    assert len(p.vehicles) == 25
    assert {v.capacity for v in p.vehicles} == {(200.0,)}
    assert {v.shift.end_s for v in p.vehicles} == {1236.0}
    assert p.tasks[0].delivery == Stop(1, service_s=90.0, windows=(TimeWindow(912.0, 967.0),))


def test_lilim_real_lc101(shared_data: Path) -> None:
    path = shared_data / "bench" / "li_lim" / "100" / "lc101.txt"
    rows = _lines(path)[1:]
    bench = read_instance(path, "lilim")
    assert bench.coords.shape == (len(rows), 2) == (107, 2)
    pickups = [r for r in rows[1:] if r[7] == "0"]
    assert len(bench.problem.tasks) == len(pickups) == 53
    assert len(bench.problem.vehicles) == int(_lines(path)[0][0]) == 25


def test_mpdptw_real_l_4_25_1(shared_data: Path) -> None:
    path = shared_data / "bench" / "mpdptw" / "l_4_25_1.txt"
    lines = _lines(path)
    bench = read_instance(path, "mpdptw")
    assert bench.coords.shape == (len(lines) - 1, 2) == (26, 2)
    deliveries = [r for r in lines[2:] if r[7] == "1"]
    assert len(bench.problem.tasks) == len(deliveries) == 8
    assert sum(len(t.pickups) for t in bench.problem.tasks) == 25 - 8
    assert len(bench.problem.vehicles) == int(lines[0][0])


@pytest.mark.parametrize(
    ("name", "m", "n", "t", "duration", "capacity"),
    [("p01", 4, 50, 4, None, 80.0), ("pr01", 1, 48, 4, 500.0, 200.0)],
)
def test_cordeau_real(
    shared_data: Path,
    *,
    name: str,
    m: int,
    n: int,
    t: int,
    duration: float | None,
    capacity: float,
) -> None:
    path = shared_data / "bench" / "cordeau_mdvrp" / f"{name}.txt"
    lines = _lines(path)
    assert [int(x) for x in lines[0]] == [2, m, n, t]
    bench = read_instance(path, "cordeau")
    p = bench.problem
    assert len(p.tasks) == n
    assert len(p.vehicles) == m * t
    assert bench.depots == tuple(range(n + 1, n + t + 1))
    assert bench.coords.shape == (n + t + 1, 2)
    assert len(p.matrices) == t
    assert {(v.capacity, v.max_duration_s) for v in p.vehicles} == {((capacity,), duration)}
    for task, row in zip(p.tasks, lines[1 + t : 1 + t + n], strict=True):
        assert task.id == f"c{row[0]}"
        assert task.delivery.service_s == float(row[3])
        assert task.demand == (float(row[4]),)
    for location, row in zip(bench.depots, lines[1 + t + n :], strict=True):
        assert bench.node_ids[location] == int(row[0])
        np.testing.assert_array_equal(bench.coords[location], [float(row[1]), float(row[2])])


def test_vrplib_real_x_n101_k25(shared_data: Path) -> None:
    path = shared_data / "bench" / "uchoa_x" / "X-n101-k25.vrp"
    bench = read_instance(path, "vrplib")
    p = bench.problem
    assert bench.name == "X-n101-k25"
    assert bench.node_ids == tuple(range(1, 102))
    assert bench.depot == 0
    np.testing.assert_array_equal(bench.coords[0], [365, 689])
    assert len(p.tasks) == 100
    assert p.tasks[0].id == "c2"
    assert p.tasks[0].demand == (38.0,)
    assert sum(t.demand[0] for t in p.tasks) == 5147
    # ceil(5147 / 206) = 25 = k25; plus max(3, 5) spare vehicles.
    assert len(p.vehicles) == 30
    assert {v.capacity for v in p.vehicles} == {(206.0,)}
    d = p.matrices["default"].distance_m
    assert np.array_equal(d, np.floor(d))
    assert d[0, 1] == math.floor(math.hypot(365 - 146, 689 - 180) + 0.5)
