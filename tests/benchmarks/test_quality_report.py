"""The quality report (``benchmarks/quality.py``): BKS reading, rows, means, listing, main.

Only fast checks; the report itself (``./run quality``) is run separately.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks import quality
from benchmarks.quality import (
    Bks,
    BksKind,
    InstanceFile,
    QualityError,
    evaluate,
    gap_pct,
    list_instances,
    main,
    make_row,
    natural_key,
    read_bks,
    read_bks_csv,
    select_instances,
    summarise,
    target_met,
    write_outputs,
)
from scenarios.instances import read_instance
from solvers.portfolio import warm_workers
from solvers.solution import (
    CostBreakdown,
    RoutingSolution,
    SolveStats,
    SolveStatus,
    UnassignedReason,
    UnassignedTask,
)


def _write(path: Path, lines: list[str]) -> Path:
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("utf-8"))
    return path


def test_bks_csv_with_crlf_quoted_fields_and_conventions(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "bks_distance_only.csv",
        [
            "instance,vehicles,distance,source,convention",
            'A1,10,827.3,"truncated, re-checked",truncated_1dec',
            'A1,10,828.94,"real routes (feasible, re-checked)",real_valued',
            'B2,,1642.875,"published, not re-checked",real_valued',
            "C3,,,no value yet,real_valued",
        ],
    )
    rows = read_bks_csv(path, convention="real_valued")
    assert set(rows) == {"A1", "B2"}
    assert rows["A1"].distance == 828.94
    assert rows["A1"].vehicles == 10
    assert rows["A1"].source == "real routes (feasible, re-checked)"
    assert rows["A1"].convention == "real_valued"
    assert rows["B2"].vehicles is None
    assert rows["B2"].distance == 1642.875
    assert read_bks_csv(path, convention="truncated_1dec")["A1"].distance == 827.3
    with pytest.raises(QualityError, match="listed twice"):
        read_bks_csv(path)


def test_bks_csv_errors_name_the_file_and_line(tmp_path: Path) -> None:
    bad = _write(tmp_path / "bks.csv", ["instance,vehicles,distance,source", "X,1,abc,s"])
    with pytest.raises(QualityError, match=r"bks\.csv:2: distance and vehicles must be numbers"):
        read_bks_csv(bad)
    no_columns = _write(tmp_path / "other.csv", ["name,cost", "X,1"])
    with pytest.raises(QualityError, match="must have the columns"):
        read_bks_csv(no_columns)
    with pytest.raises(QualityError, match="readable CSV"):
        read_bks_csv(tmp_path / "missing.csv")


def test_gap_and_means_exact() -> None:
    assert gap_pct(101.5, 100.0) == pytest.approx(1.5)
    assert gap_pct(90.0, 120.0) == pytest.approx(-25.0)
    bks = Bks("a", 100.0, BksKind.DISTANCE_ONLY, 10)
    ok = make_row(
        "a", vehicles=10, distance=101.5, unassigned=0, violation_kinds={}, solve_s=1.0, bks=bks
    )
    ok2 = make_row(
        "b",
        vehicles=12,
        distance=206.0,
        unassigned=0,
        violation_kinds={},
        solve_s=2.0,
        bks=Bks("b", 200.0, BksKind.HIERARCHICAL, 11),
    )
    dropped = make_row(
        "c",
        vehicles=3,
        distance=49.0,
        unassigned=2,
        violation_kinds={},
        solve_s=3.0,
        bks=Bks("c", 50.0, BksKind.DISTANCE_ONLY),
    )
    broken = make_row(
        "d",
        vehicles=4,
        distance=80.0,
        unassigned=0,
        violation_kinds={"time_window": 2, "capacity": 1},
        solve_s=4.0,
        bks=Bks("d", 100.0, BksKind.DISTANCE_ONLY, 4),
    )
    no_bks = make_row(
        "e", vehicles=5, distance=10.0, unassigned=0, violation_kinds={}, solve_s=0.0, bks=None
    )
    assert ok.gap_pct == pytest.approx(1.5) and ok.feasible and ok.verdict == "ok"
    assert ok2.gap_pct == pytest.approx(3.0) and ok2.bks_kind == BksKind.HIERARCHICAL
    assert dropped.gap_pct == pytest.approx(-2.0)
    assert not dropped.feasible and not dropped.all_served and dropped.checker_ok
    assert broken.violations == 3 and broken.verdict == "3 violations" and not broken.feasible
    assert broken.all_served and broken.gap_pct == pytest.approx(-20.0)
    assert no_bks.gap_pct is None and no_bks.bks_distance is None and no_bks.feasible

    s = summarise([ok, ok2, dropped, broken, no_bks])
    assert s.instances == 5
    assert s.with_bks == 4
    assert s.mean_gap_pct == pytest.approx((1.5 + 3.0 - 2.0 - 20.0) / 4)
    assert s.mean_gap_feasible_pct == pytest.approx((1.5 + 3.0) / 2)
    assert (s.feasible, s.all_served, s.checker_ok) == (3, 4, 4)
    assert s.mean_vehicles == pytest.approx(34 / 5)
    assert s.mean_distance == pytest.approx((101.5 + 206.0 + 49.0 + 80.0 + 10.0) / 5)
    assert s.vehicles_above_bks == 1
    assert s.total_solve_s == pytest.approx(10.0)
    assert not target_met(s, 1.5)
    assert target_met(summarise([ok]), 1.5)
    assert not target_met(summarise([ok, ok2]), 1.5)  # mean 2.25
    assert target_met(summarise([ok, ok2]), 3.0)

    empty = summarise([])
    assert empty.mean_gap_pct is None and empty.mean_gap_feasible_pct is None
    assert not target_met(empty, 1.5)


def test_selection_and_natural_order() -> None:
    names = ["X-n1001-k43", "X-n101-k25", "X-n110-k13"]
    assert sorted(names, key=natural_key) == ["X-n101-k25", "X-n110-k13", "X-n1001-k43"]
    files = [InstanceFile(n, Path(f"{n}.txt"), "solomon") for n in ("C101", "C103", "R101")]
    assert [f.name for f in select_instances(files, ["r101", "C101"])] == ["C101", "R101"]
    assert [f.name for f in select_instances(files, [], 2)] == ["C101", "C103"]
    with pytest.raises(QualityError, match="not in this family: Z9"):
        select_instances(files, ["Z9"])


def test_missing_data_root_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(QualityError, match="benchmark data folder must exist"):
        list_instances("solomon", tmp_path / "nowhere")
    with pytest.raises(QualityError, match="family: must be one of"):
        list_instances("nope", tmp_path)
    with pytest.raises(QualityError, match="needs one of 100, 200, 400"):
        list_instances("li_lim", tmp_path, 300)


@pytest.mark.shared_data
def test_solomon_listing_and_bks(shared_data: Path) -> None:
    root = shared_data / "bench"
    files = list_instances("solomon", root)
    assert len(files) == 29 and files[0].name == "C101"
    assert all(f.fmt == "solomon" and f.path.suffix == ".txt" for f in files)
    bks = read_bks("solomon", root)
    for f in files:
        assert bks[f.name].kind == BksKind.DISTANCE_ONLY, f.name
        assert bks[f.name].vehicles is not None, f.name
    assert bks["C101"].distance == 828.94
    assert bks["C101"].vehicles == 10


@pytest.mark.shared_data
def test_other_families_listing_and_bks(shared_data: Path) -> None:
    root = shared_data / "bench"
    lilim = list_instances("li_lim", root)
    assert lilim[0].path.parent.name == "100" and lilim[0].fmt == "lilim"
    lilim_bks = read_bks("li_lim", root)
    assert all(lilim_bks[f.name].kind == BksKind.HIERARCHICAL for f in lilim)
    assert lilim_bks["lc101"].distance == 828.9369 and lilim_bks["lc101"].vehicles == 10
    gh = list_instances("gehring_homberger", root)
    assert gh[0].path.parent.name == "200"
    gh_bks = read_bks("gehring_homberger", root, 200)
    assert all(gh_bks[f.name].kind == BksKind.HIERARCHICAL for f in gh)
    mp = list_instances("mpdptw", root)
    mp_bks = read_bks("mpdptw", root)
    assert all(mp_bks[f.name].kind == BksKind.DISTANCE_ONLY for f in mp)
    assert mp_bks["l_4_100_1"].vehicles is None
    uchoa = list_instances("uchoa", root)
    assert uchoa[0].name == "X-n101-k25" and uchoa[0].fmt == "vrplib"
    assert read_bks("uchoa", root)["X-n101-k25"].distance == 27591
    cordeau = list_instances("cordeau", root)
    assert cordeau[0].fmt == "cordeau"
    assert {f.name for f in cordeau} <= set(read_bks("cordeau", root))


@pytest.mark.shared_data
def test_row_from_a_solution_without_solving(shared_data: Path) -> None:
    bench = read_instance(shared_data / "bench" / "solomon" / "C101.txt", "solomon")
    bks = read_bks("solomon", shared_data / "bench")["C101"]
    tasks = bench.problem.tasks
    stats = SolveStats(SolveStatus.NO_SOLUTION, 0.0, 0, 0, 1, 0)

    def unassigned(n: int) -> tuple[UnassignedTask, ...]:
        return tuple(UnassignedTask(t.id, UnassignedReason.SEARCH_LIMIT, "test") for t in tasks[:n])

    none_served = RoutingSolution((), unassigned(len(tasks)), CostBreakdown(), stats)
    row = evaluate(bench, none_served, 0.25, bks)
    assert (row.vehicles, row.distance, row.unassigned) == (0, 0.0, len(tasks))
    assert row.checker_ok and not row.feasible
    assert row.gap_pct == pytest.approx(-100.0)
    assert row.bks_vehicles == 10 and row.solve_s == 0.25

    one_missing = RoutingSolution((), unassigned(len(tasks) - 1), CostBreakdown(), stats)
    row = evaluate(bench, one_missing, 0.25, bks)
    assert row.violation_kinds == {"coverage": 1}
    assert row.verdict == "1 violation"


def test_write_outputs_json_and_csv(tmp_path: Path) -> None:
    row = make_row(
        "a", vehicles=1, distance=2.0, unassigned=0, violation_kinds={}, solve_s=0.1, bks=None
    )
    result = {"family": "x", "rows": [row.as_dict()], "summary": {}}
    written = write_outputs(tmp_path / "r.csv", result)
    assert written == [tmp_path / "r.json", tmp_path / "r.csv"]
    assert json.loads((tmp_path / "r.json").read_text())["rows"][0]["checker"] == "ok"
    lines = (tmp_path / "r.csv").read_text().splitlines()
    assert lines[0].startswith("instance,vehicles,bks_vehicles,distance")
    assert lines[1].startswith("a,1,,2.0")


def test_bks_kind_writes_as_its_plain_string(tmp_path: Path) -> None:
    row = make_row(
        "a",
        vehicles=1,
        distance=2.0,
        unassigned=0,
        violation_kinds={},
        solve_s=0.1,
        bks=Bks("a", 2.0, BksKind.HIERARCHICAL, 1),
    )
    result = {"rows": [row.as_dict()], "bks_kinds": [BksKind.HIERARCHICAL]}
    write_outputs(tmp_path / "r.csv", result)
    text = (tmp_path / "r.json").read_text()
    assert (
        '"bks_kind": "hierarchical"' in text and '"bks_kinds": [\n    "hierarchical"\n  ]' in text
    )
    assert (
        (tmp_path / "r.csv").read_text().splitlines()[1].startswith("a,1,1,2.0,2.0,hierarchical,")
    )
    assert (
        f"gap vs {' and '.join(sorted(BksKind))} BKS" == "gap vs distance-only and hierarchical BKS"
    )


@pytest.mark.shared_data
def test_main_end_to_end_on_one_solomon_instance(
    shared_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "quality.json"
    code = main(
        [
            "--family",
            "solomon",
            "--instances",
            "C101",
            "--time-limit",
            "1",
            "--workers",
            "1",
            "--data",
            str(shared_data / "bench"),
            "--out",
            str(out),
        ]
    )
    assert code == 0
    result = json.loads(out.read_text(encoding="utf-8"))
    assert {"family", "time_limit_s", "seed", "workers", "bks_kinds", "rows", "summary"} <= set(
        result
    )
    assert result["family"] == "solomon" and result["bks_kinds"] == [BksKind.DISTANCE_ONLY]
    (row,) = result["rows"]
    assert row["instance"] == "C101"
    assert row["checker"] == "ok" or row["checker"].endswith(("violation", "violations"))
    assert row["bks_distance"] == 828.94 and row["bks_vehicles"] == 10
    assert row["gap_pct"] == pytest.approx((row["distance"] - 828.94) / 828.94 * 100)
    assert {"vehicles", "distance", "unassigned", "solve_s", "feasible"} <= set(row)
    summary = result["summary"]
    assert summary["instances"] == 1
    assert summary["mean_gap_pct"] == pytest.approx(row["gap_pct"])
    printed = capsys.readouterr().out
    assert "C101" in printed and "Means" in printed


def test_main_reports_bad_arguments(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--family", "solomon", "--data", str(tmp_path / "nowhere")]) == 2
    assert "benchmark data folder must exist" in capsys.readouterr().err


def test_main_help_and_usage_errors(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    printed = capsys.readouterr().out
    for option in ("--family", "--size", "--time-limit", "--instances", "--out", "--data"):
        assert option in printed
    assert "<bool>" not in printed
    assert main(["--family", "solomon", "--limit", "many"]) == 2
    assert "--limit" in capsys.readouterr().err
    assert main([]) == 2
    assert "--family" in capsys.readouterr().err


@pytest.mark.shared_data
def test_cold_workers_leave_the_worker_pool_alone(
    shared_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``--cold-workers`` measures what a one-off call pays: no kept worker processes."""
    entered: list[bool] = []

    def spy() -> object:
        entered.append(True)
        return warm_workers()

    monkeypatch.setattr(quality, "warm_workers", spy)
    args = ["--family", "solomon", "--instances", "C101", "--time-limit", "60"]
    args += ["--workers", "2", "--iterations", "5", "--data", str(shared_data / "bench")]
    assert main([*args, "--out", str(tmp_path / "warm.json")]) == 0
    assert entered == [True]
    assert main([*args, "--cold-workers", "--out", str(tmp_path / "cold.json")]) == 0
    assert entered == [True]
    warm = json.loads((tmp_path / "warm.json").read_text(encoding="utf-8"))["rows"][0]
    cold = json.loads((tmp_path / "cold.json").read_text(encoding="utf-8"))["rows"][0]
    assert (warm["vehicles"], warm["distance"]) == (cold["vehicles"], cold["distance"])
