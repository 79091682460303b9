"""Peer solvers (``benchmarks/peers.py``) and ``./run quality --peers`` / ``--curve``.

Every answer goes through the project's checker.  PyVRP and pyvroom are benchmark-only
dependencies: the tests that need them skip, saying so, when they are not installed.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from rich.console import Console

from benchmarks import quality
from benchmarks.peers import (
    Peer,
    PeerNotApplicableError,
    peer_missing,
    peer_solution,
    peer_support,
    solve_peer,
)
from benchmarks.quality import (
    ENGINE,
    Bks,
    BksKind,
    QualityError,
    curve_limits,
    curve_points,
    main,
    make_row,
    parse_limits,
    peers_to_run,
    winners,
)
from scenarios.instances import read_instance
from solvers import RoutingProblem, Stop, Task, TimeWindow, TravelMatrices, Vehicle, check

ROOT = Path(__file__).resolve().parents[2]

# id x y demand ready due service; the depot's due date is the horizon.  Capacity 10
# and demands of 4 force at least three routes; customer 5 only opens at 100.
SOLOMON_ROWS = [
    (0, 0, 0, 0, 0, 230, 0),
    (1, 10, 0, 4, 0, 50, 5),
    (2, 20, 0, 4, 0, 60, 5),
    (3, 0, 10, 4, 30, 80, 5),
    (4, 0, 20, 4, 0, 100, 5),
    (5, -10, -10, 4, 100, 150, 5),
    (6, 15, 15, 2, 0, 200, 5),
]
CAPACITY = 10

# vehicles capacity speed; id x y demand earliest latest service pickup_of delivery_of.
# Pickup 1 -> delivery 2 and pickup 3 -> delivery 4; load 5 each, capacity 10.
LILIM_LINES = [
    "3 10 1",
    "0 0 0 0 0 500 0 0 0",
    "1 10 0 5 0 100 2 0 2",
    "2 20 0 -5 0 200 2 1 0",
    "3 0 10 5 0 100 2 0 4",
    "4 0 20 -5 0 200 2 3 0",
]

PEER_MODULES = {Peer.PYVRP: "pyvrp", Peer.VROOM: "vroom", Peer.PLAIN_ORTOOLS: "ortools"}


def _solomon(path: Path) -> Path:
    lines = ["TINY", "", "VEHICLE", "NUMBER     CAPACITY", f"  4         {CAPACITY}", ""]
    lines += ["CUSTOMER", "CUST NO.  XCOORD.  YCOORD.  DEMAND  READY  DUE  SERVICE", ""]
    lines += ["  ".join(str(v) for v in row) for row in SOLOMON_ROWS]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode())
    return path


def _need(peer: Peer) -> None:
    """Skip the test when the peer's library is not installed."""
    pytest.importorskip(
        PEER_MODULES[peer],
        reason=f"{peer} peer not installed (benchmark-only extra: pip install -e '.[bench]')",
    )


def _drive(route: list[int]) -> float:
    """Distance of depot -> route -> depot from the file's coordinates; asserts windows."""
    rows = {row[0]: row for row in SOLOMON_ROWS}
    now, length, here = 0.0, 0.0, rows[0]
    for node in [*route, 0]:
        there = rows[node]
        leg = math.hypot(there[1] - here[1], there[2] - here[2])
        length += leg
        now = max(now + leg, there[4])
        assert now <= there[5] + 1e-9, f"node {node} served at {now} after {there[5]}"
        now += there[6]
        here = there
    return length


@pytest.mark.parametrize("peer", list(Peer))
def test_each_peer_solves_a_tiny_vrptw_and_the_checker_agrees(tmp_path: Path, peer: Peer) -> None:
    _need(peer)
    bench = read_instance(_solomon(tmp_path / "tiny.txt"), "solomon")
    found = solve_peer(peer, bench.problem, 0.5, seed=1)
    solution = peer_solution(bench.problem, found)
    report = check(bench.problem, solution)
    assert report.ok, [str(v) for v in report.violations]
    assert not solution.unassigned
    served = sorted(int(task_id[1:]) for _, route in found.routes for task_id, _ in route)
    assert served == [1, 2, 3, 4, 5, 6]
    # The distance is the project's real-valued one, re-driven here from the file.
    total = sum(_drive([int(t[1:]) for t, _ in route]) for _, route in found.routes)
    assert solution.distance_m == pytest.approx(total, abs=1e-9)
    assert len(solution.routes) >= 3  # 22 units of demand, capacity 10
    assert found.threads == 1


@pytest.mark.parametrize("peer", list(Peer))
def test_each_peer_keeps_pickup_and_delivery_paired(tmp_path: Path, peer: Peer) -> None:
    _need(peer)
    path = tmp_path / "pd.txt"
    path.write_text("\n".join(LILIM_LINES) + "\n")
    bench = read_instance(path, "lilim")
    found = solve_peer(peer, bench.problem, 0.5)
    solution = peer_solution(bench.problem, found)
    report = check(bench.problem, solution)  # precedence and pairing are the checker's
    assert report.ok, [str(v) for v in report.violations]
    assert not solution.unassigned
    for _, route in found.routes:
        for task_id in {t for t, _ in route}:
            assert [i for t, i in route if t == task_id] == [0, 1]
    xy = {0: (0, 0), 1: (10, 0), 2: (20, 0), 3: (0, 10), 4: (0, 20)}
    walks = [
        [0, *(bench.problem.task(t).stops[i].location for t, i in route), 0]
        for _, route in found.routes
    ]
    total = sum(math.dist(xy[a], xy[b]) for w in walks for a, b in itertools.pairwise(w))
    assert solution.distance_m == pytest.approx(total, abs=1e-9)
    # Both pairs fit one route (load 5 at a time): 10 + 10 + sqrt(500) + 10 + 20.
    assert solution.distance_m == pytest.approx(50 + math.sqrt(500))


def _two_pickup_problem() -> RoutingProblem:
    x = np.array([0.0, 10.0, 20.0, 30.0])
    d = np.abs(x[:, None] - x[None, :])
    task = Task("basket", (Stop(1), Stop(2)), Stop(3), demand=(2.0,))
    fleet = (Vehicle("v1", 0, 0, TimeWindow(0.0, 100.0), (10.0,)),)
    return RoutingProblem(fleet, (task,), {"default": TravelMatrices(d, d)})


@pytest.mark.parametrize("peer", list(Peer))
def test_a_peer_that_cannot_model_the_problem_says_why(peer: Peer) -> None:
    problem = _two_pickup_problem()
    reason = peer_support(peer, problem)
    assert reason is not None and "2 pickups" in reason
    with pytest.raises(PeerNotApplicableError, match="2 pickups"):
        solve_peer(peer, problem, 0.1)


def test_plain_ortools_needs_identical_vehicles_the_others_do_not(tmp_path: Path) -> None:
    bench = read_instance(_solomon(tmp_path / "tiny.txt"), "solomon")
    first = bench.problem.vehicles[0]
    bigger = Vehicle("big", first.start, first.end, first.shift, (20.0,), cost_per_km=1000.0)
    problem = RoutingProblem(
        (*bench.problem.vehicles, bigger), bench.problem.tasks, bench.problem.matrices
    )
    assert peer_support(Peer.PLAIN_ORTOOLS, problem) == "needs identical vehicles"
    assert peer_support(Peer.PYVRP, problem) is None
    assert peer_support(Peer.VROOM, problem) is None


def test_a_missing_peer_library_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("importlib.util.find_spec", lambda _name: None)
    reason = peer_missing(Peer.VROOM)
    assert reason is not None and "pyvroom is not installed" in reason
    monkeypatch.setattr(quality, "peer_missing", lambda peer: f"{peer} gone")
    with pytest.raises(QualityError, match="pyvrp gone"):
        peers_to_run(False, ["pyvrp"])
    assert peers_to_run(True, []) == []  # --peers runs the installed ones: none here


def test_peer_names_are_checked() -> None:
    with pytest.raises(QualityError, match="must be one of pyvrp, vroom, ortools"):
        peers_to_run(False, ["gurobi"])
    assert peers_to_run(False, []) == []


def _row(name: str, vehicles: int, distance: float, unassigned: int = 0) -> quality.Row:
    return make_row(
        name,
        vehicles=vehicles,
        distance=distance,
        unassigned=unassigned,
        violation_kinds={},
        solve_s=1.0,
        bks=Bks(name, 100.0, BksKind.HIERARCHICAL, 3),
    )


def test_winner_is_hierarchical_and_only_feasible() -> None:
    rows = {
        "engine": _row("a", 4, 90.0),
        "pyvrp": _row("a", 3, 120.0),  # fewer vehicles beats a shorter distance
        "vroom": _row("a", 2, 80.0, unassigned=1),  # infeasible never wins
    }
    assert winners(rows) == ("pyvrp",)
    tie = {"engine": _row("a", 3, 100.0), "ortools": _row("a", 3, 100.0 * (1 + 1e-12))}
    assert winners(tie) == ("engine", "ortools")
    assert winners({"engine": _row("a", 3, 1.0, unassigned=2)}) == ()


def test_curve_limits_and_worse_instances() -> None:
    assert curve_limits(3.0) == [1.0, 2.0, 3.0]
    assert curve_limits(0.4, [0.2, 0.5]) == [0.2, 0.4]
    assert parse_limits("1, 2,5") == [1.0, 2.0, 5.0]
    with pytest.raises(QualityError, match="curve-limits"):
        parse_limits("1,-2")
    points = curve_points(
        {
            2.0: [_row("a", 3, 100.0), _row("b", 3, 95.0)],  # b got worse
            1.0: [_row("a", 3, 110.0), _row("b", 3, 90.0)],
        }
    )
    assert [p.limit_s for p in points] == [1.0, 2.0]
    assert [p.worse_than_shorter for p in points] == [0, 1]
    assert points[1].summary.mean_distance == pytest.approx(97.5)
    assert quality.time_used_line(points).startswith("time is used: NO (1 instance")
    better = curve_points({1.0: [_row("a", 3, 110.0)], 2.0: [_row("a", 3, 100.0)]})
    assert quality.time_used_line(better).startswith("time is used: yes (0 instance")


def test_the_report_counts_the_engines_portfolio_members() -> None:
    rows = [
        dataclasses.replace(_row("a", 3, 1.0), member="pyvrp:0"),
        dataclasses.replace(_row("b", 3, 1.0), member="ortools:0"),
        dataclasses.replace(_row("c", 3, 1.0), member="pyvrp:0"),
    ]
    line = quality.members_line(rows)
    assert line == "engine answers by portfolio member: ortools:0 1, pyvrp:0 2"
    assert "(pyvrp:0)" in quality._row_line(rows[0])


def _data_root(tmp_path: Path) -> Path:
    """A benchmark data root with the tiny instance as the only Solomon file."""
    root = tmp_path / "bench"
    folder = root / "solomon"
    folder.mkdir(parents=True)
    _solomon(folder / "TINY.txt")
    (folder / "bks.csv").write_text("instance,vehicles,distance,source\nTINY,3,150.0,test\n")
    (folder / "bks_distance_only.csv").write_text(
        "instance,vehicles,distance,source,convention\nTINY,3,150.0,test,real_valued\n"
    )
    return root


def test_main_peers_prints_one_checked_table(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "peers.json"
    argv = ["--family", "solomon", "--data", str(_data_root(tmp_path)), "--time-limit", "0.5"]
    assert main([*argv, "--workers", "1", "--peers", "--out", str(out)]) == 0
    result = json.loads(out.read_text(encoding="utf-8"))
    peers = result["peers"]
    installed = [p.value for p in Peer if peer_missing(p) is None]
    assert peers["solvers"] == [ENGINE, *installed]
    assert set(peers["not_installed"]) == {p.value for p in Peer} - set(installed)
    (instance,) = peers["instances"]
    assert [run["solver"] for run in instance["runs"]] == peers["solvers"]
    for run in instance["runs"]:
        row = run["row"]
        assert row["checker"] == "ok" and row["feasible"], run
        assert row["gap_pct"] == pytest.approx((row["distance"] - 150.0) / 150.0 * 100)
    best = min((r["row"]["vehicles"], r["row"]["distance"]) for r in instance["runs"])
    assert instance["winners"] and all(
        (r["row"]["vehicles"], r["row"]["distance"]) == pytest.approx(best)
        for r in instance["runs"]
        if r["solver"] in instance["winners"]
    )
    summary = {s["solver"]: s for s in peers["summary"]}
    assert sum(s["wins"] for s in summary.values()) >= 1
    assert summary[ENGINE]["threads"] == 1
    # The engine's rows and means stay where the report without --peers has them.
    assert result["rows"][0]["instance"] == "TINY" and result["summary"]["instances"] == 1
    printed = capsys.readouterr().out
    assert "won by" in printed and "Means per solver" in printed
    assert "vehicles ours/BKS" not in printed  # one table, not the engine-only one


def test_main_curve_reports_each_limit(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "curve.json"
    argv = ["--family", "solomon", "--data", str(_data_root(tmp_path)), "--workers", "1"]
    limits = ["--time-limit", "0.4", "--curve", "--curve-limits", "0.2,5"]
    assert main([*argv, *limits, "--out", str(out)]) == 0
    curve = json.loads(out.read_text(encoding="utf-8"))["curve"]
    assert [p["limit_s"] for p in curve] == [0.2, 0.4]  # 5 s is above --time-limit
    for point in curve:
        assert point["instances"] == 1 and point["feasible"] == 1
        assert point["mean_gap_pct"] == pytest.approx(
            (point["mean_distance"] - 150.0) / 150.0 * 100
        )
    printed = capsys.readouterr().out
    assert "Improvement curve" in printed and "vehicles ours/BKS" in printed
    assert "time is used: " in printed and "engine answers by portfolio member: " in printed


def test_the_engine_never_imports_the_peers() -> None:
    code = (
        "import sys, cli, solvers, dispatch, scenarios.instances, benchmarks.quality; "
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('pyvrp', 'vroom')); "
        "assert not bad, bad"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr


def test_side_by_side_table_marks_vehicles_above_the_bks_and_not_run_peers() -> None:
    above = _row("a", 4, 90.0)  # BKS has 3 vehicles: worse, though 10 % shorter
    runs = [
        quality.SolverRun(ENGINE, above),
        quality.SolverRun("pyvrp", _row("a", 3, 101.0)),
        quality.SolverRun("vroom", None, "n/a: task 'r1' has 2 pickups (one at most)"),
    ]
    comparison = quality.compare("a", runs)
    assert comparison.winners == ("pyvrp",)
    table = quality.side_by_side_table(
        [comparison],
        [ENGINE, "pyvrp", "vroom"],
        {"a": Bks("a", 100.0, BksKind.HIERARCHICAL, 3)},
        "t",
    )
    console = Console(record=True, width=200)
    console.print(table)
    text = console.export_text()
    assert "4* / 90.00 / -10.00 ok" in text and "3 / 101.00 / +1.00 ok" in text
    assert "n/a" in text and "more vehicles than the BKS" in text
    (engine, pyvrp, vroom) = quality.summarise_solvers(
        [comparison], [ENGINE, "pyvrp", "vroom"], {ENGINE: 2}
    )
    assert (engine.threads, engine.summary.vehicles_above_bks, engine.wins) == (2, 1, 0)
    assert (pyvrp.wins, pyvrp.sole_wins, vroom.not_run) == (1, 1, 1)


@pytest.mark.parametrize("peer", [Peer.PYVRP, Peer.VROOM])
def test_pyvrp_and_vroom_take_open_shifts_and_windows(peer: Peer) -> None:
    # A CVRP as the Uchoa reader builds it: no windows, shifts that never end.  Plain
    # OR-Tools needs a horizon and says so instead.
    _need(peer)
    x = np.array([0.0, 10.0, 20.0, -10.0, -20.0])
    d = np.abs(x[:, None] - x[None, :])
    tasks = tuple(Task(f"c{i}", (), Stop(i), demand=(3.0,)) for i in range(1, 5))
    fleet = tuple(Vehicle(f"v{k}", 0, 0, capacity=(6.0,)) for k in range(3))
    problem = RoutingProblem(fleet, tasks, {"default": TravelMatrices(d, d)})
    assert peer_support(Peer.PLAIN_ORTOOLS, problem) == "needs shifts that end (its horizon)"
    solution = peer_solution(problem, solve_peer(peer, problem, 0.3))
    assert check(problem, solution).ok and not solution.unassigned
    # Capacity 6, demands 3: the two customers on each side share a route, 40 each.
    assert solution.distance_m == pytest.approx(80.0)
