"""VROOM-compatible problems: translation, answers in VROOM's format, refusals.

Every answer passes two checks: the solver's independent checker on the translated
problem, and :func:`tests.dispatch.vroom_check.check_vroom_answer`, which replays the
answer against the VROOM input alone.  The example set: inputs in the shape of VROOM's
documented examples (custom matrices; coordinates with skills, capacities and working
hours), shipments and priorities, and Solomon instances converted to VROOM's format
(skipped when the shared data is absent).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from dispatch import World
from dispatch.payloads import PayloadError
from dispatch.vroom import solve_vroom, vroom_problem, world_travel
from geo import generate_city
from scenarios.instances import read_solomon
from solvers import SolveParams, check
from tests.dispatch.vroom_check import check_vroom_answer

PARAMS = SolveParams(time_limit_s=2.0, workers=1, iterations=300)


def _solve(doc: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    tr, solution, answer = solve_vroom(doc, PARAMS, **kwargs)
    report = check(tr.problem, solution)
    assert report.ok, report.violations
    return answer


def matrix_example() -> dict[str, Any]:
    """Shaped like VROOM's documented custom-matrix example: one vehicle from index 0 to
    index 3, two jobs, a durations matrix."""
    return {
        "vehicles": [{"id": 0, "start_index": 0, "end_index": 3}],
        "jobs": [{"id": 1414, "location_index": 1}, {"id": 1515, "location_index": 2}],
        "matrices": {
            "car": {
                "durations": [
                    [0, 2104, 197, 1299],
                    [2103, 0, 2255, 3152],
                    [197, 2256, 0, 1102],
                    [1299, 3153, 1102, 0],
                ]
            }
        },
    }


def test_custom_matrix_example_is_solved_to_the_best_order() -> None:
    doc = matrix_example()
    answer = _solve(doc)
    assert check_vroom_answer(doc, answer) == []
    (route,) = answer["routes"]
    assert [s["type"] for s in route["steps"]] == ["start", "job", "job", "end"]
    # 0 -> 1 -> 2 -> 3 costs 2104 + 2255 + 1102; 0 -> 2 -> 1 -> 3 costs 197 + 2256 + 3152.
    assert [s["id"] for s in route["steps"][1:3]] == [1414, 1515]
    assert route["cost"] == answer["summary"]["cost"] == 5461
    assert route["duration"] == 5461
    assert answer["unassigned"] == []
    assert answer["code"] == 0
    assert [s["location_index"] for s in route["steps"]] == [0, 1, 2, 3]


def rich_example() -> dict[str, Any]:
    """Jobs with deliveries, skills, priorities and windows, a shipment, two vehicles with
    capacities, skills, working hours, costs and distances (five locations)."""
    d = [
        [0, 600, 900, 1200, 700],
        [600, 0, 500, 800, 900],
        [900, 500, 0, 400, 1000],
        [1200, 800, 400, 0, 1100],
        [700, 900, 1000, 1100, 0],
    ]
    return {
        "vehicles": [
            {
                "id": 1,
                "start_index": 0,
                "end_index": 0,
                "capacity": [4],
                "skills": [1, 14],
                "time_window": [28800, 43200],
                "description": "van A",
            },
            {
                "id": 2,
                "start_index": 0,
                "capacity": [4],
                "skills": [2, 14],
                "time_window": [28800, 43200],
                "costs": {"fixed": 100, "per_hour": 3600, "per_km": 2},
            },
        ],
        "jobs": [
            {"id": 1, "location_index": 1, "service": 300, "delivery": [1], "skills": [1],
             "time_windows": [[32400, 36000]]},
            {"id": 2, "location_index": 2, "service": 300, "delivery": [1], "skills": [1]},
            {"id": 3, "location_index": 3, "service": 300, "delivery": [2], "skills": [2],
             "priority": 10, "description": "third"},
            {"id": 4, "location_index": 4, "service": 180, "delivery": [1], "skills": [14],
             "time_windows": [[30000, 30600], [39600, 40200]]},
        ],
        "shipments": [
            {
                "amount": [1],
                "skills": [2],
                "pickup": {"id": 7, "location_index": 2, "service": 60},
                "delivery": {"id": 7, "location_index": 4, "service": 60,
                             "time_windows": [[28800, 43200]]},
            }
        ],
        "matrices": {"car": {"durations": d, "distances": [[x * 5 for x in r] for r in d]}},
    }  # fmt: skip


def test_rich_example_serves_everything_and_replays() -> None:
    doc = rich_example()
    answer = _solve(doc)
    assert check_vroom_answer(doc, answer) == []
    assert answer["summary"]["unassigned"] == 0
    by_vehicle = {r["vehicle"]: r for r in answer["routes"]}
    served_by_2 = {(s["type"], s.get("id")) for s in by_vehicle[2]["steps"]}
    assert {("job", 3), ("pickup", 7), ("delivery", 7)} <= served_by_2  # skill 2
    assert by_vehicle[1]["description"] == "van A"
    assert by_vehicle[2]["steps"][-1]["type"] == "delivery" or by_vehicle[2]["steps"][-1][
        "type"
    ] in ("job", "pickup")  # no end: the route stops at its last task
    assert answer["summary"]["distance"] == sum(r["distance"] for r in answer["routes"])
    assert answer["summary"]["delivery"] == [6]
    assert answer["summary"]["pickup"] == [1]
    assert answer["summary"]["priority"] == 10


def test_priority_decides_which_job_is_left_out() -> None:
    doc = matrix_example()
    doc["vehicles"][0]["capacity"] = [1]
    doc["jobs"][0]["delivery"] = [1]
    doc["jobs"][1]["delivery"] = [1]
    doc["jobs"][1]["priority"] = 5  # the dearer one to reach, but it matters more
    answer = _solve(doc)
    assert check_vroom_answer(doc, answer) == []
    assert [(u["id"], u["type"]) for u in answer["unassigned"]] == [(1414, "job")]
    assert answer["summary"]["unassigned"] == 1


def test_unservable_shipment_lists_both_steps_unassigned() -> None:
    doc = rich_example()
    doc["shipments"][0]["skills"] = [99]
    answer = _solve(doc)
    assert check_vroom_answer(doc, answer) == []
    assert sorted((u["type"], u["id"]) for u in answer["unassigned"]) == [
        ("delivery", 7),
        ("pickup", 7),
    ]
    assert all(u["reason"] == "skill" for u in answer["unassigned"])


def test_absolute_timestamps_are_kept_on_the_input_clock() -> None:
    doc = matrix_example()
    base = 1_600_416_000
    doc["vehicles"][0]["time_window"] = [base, base + 4 * 3600]
    doc["jobs"][1]["time_windows"] = [[base + 3600, base + 7200]]
    answer = _solve(doc)
    assert check_vroom_answer(doc, answer) == []
    steps = answer["routes"][0]["steps"]
    assert steps[0]["arrival"] >= base
    job = next(s for s in steps if s.get("id") == 1515)
    assert base + 3600 <= job["arrival"] + job["waiting_time"] <= base + 7200


def test_coordinates_are_routed_on_the_world() -> None:
    lon, lat = 116.35, 40.0
    jobs: list[dict[str, Any]] = [
        {"id": k, "location": [lon + 0.004 * k, lat + 0.002 * (k % 2)], "delivery": [1],
         "service": 60}
        for k in range(1, 4)
    ]  # fmt: skip
    doc = {
        "vehicles": [{"id": 1, "start": [lon, lat], "end": [lon, lat], "capacity": [4],
                      "profile": "bike"}],
        "jobs": jobs,
    }  # fmt: skip
    travel = world_travel(World())
    answer = _solve(doc, travel=travel)
    points = [(lon, lat)] + [(float(j["location"][0]), float(j["location"][1])) for j in jobs]
    dist, dur = travel("bike", points)
    matrices = {"bike": {"durations": np.rint(dur).tolist(), "distances": np.rint(dist).tolist()}}

    def index_of(location: Any) -> int:
        return points.index((float(location[0]), float(location[1])))

    assert check_vroom_answer(doc, answer, matrices=matrices, index_of=index_of) == []
    assert answer["summary"]["unassigned"] == 0
    assert all("location" in s for s in answer["routes"][0]["steps"])
    assert answer["summary"]["distance"] > 0


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda d: d["vehicles"][0].update(breaks=[{"id": 1}]), "vehicles[0].breaks"),
        (lambda d: d["jobs"][0].update(setup=30), "jobs[0].setup"),
        (lambda d: d["jobs"][0].update(pickup=[1]), "jobs[0].pickup"),
        (lambda d: d["jobs"][0].update(amount=[1]), "jobs[0].amount"),
        (lambda d: d["vehicles"][0].update(speed_factor=1.5), "vehicles[0].speed_factor"),
        (lambda d: d["vehicles"][0].update(max_tasks=3), "vehicles[0].max_tasks"),
        (lambda d: d["vehicles"][0].update(max_travel_time=3), "vehicles[0].max_travel_time"),
        (lambda d: d["vehicles"][0].update(steps=[{"type": "start"}]), "vehicles[0].steps"),
        (lambda d: (d["vehicles"][0].pop("start_index"), d["vehicles"][0].pop("end_index")),
         "vehicles[0].start"),
        (lambda d: d.update(options={"g": True}), "options"),
        (lambda d: d["jobs"][0].update(colour="red"), "jobs[0].colour"),
        (lambda d: d["jobs"][0].update(priority=101), "jobs[0].priority"),
        (lambda d: d["jobs"][0].update(location_index=9), "jobs[0].location_index"),
        (lambda d: d["jobs"][1].update(id=1414), "jobs[1].id"),
        (lambda d: d["jobs"][0].pop("location_index"), "jobs[0].location_index"),
        (lambda d: d["matrices"]["car"].update(durations=[[0, 1], [1]]), "matrices.car.durations"),
        (lambda d: d["jobs"][0].update(delivery=[1, 2]) or d["vehicles"][0].update(capacity=[3]),
         "amounts"),
        (lambda d: d["jobs"][0].update(time_windows=[[5, 1]]), "jobs[0].time_windows[0]"),
        (lambda d: d.pop("matrices"), "vehicles[0].start"),
    ],
)  # fmt: skip
def test_what_the_engine_cannot_honour_is_refused_by_name(change: Any, field: str) -> None:
    doc = matrix_example()
    change(doc)
    with pytest.raises(PayloadError) as caught:
        vroom_problem(doc)
    assert field in caught.value.fields, caught.value


def _solomon_to_vroom(path: Path, customers: int) -> dict[str, Any]:
    """A Solomon instance in VROOM's format: times and distances times 10, rounded
    (VROOM's matrices are integers), the first ``customers`` customers."""
    bench = read_solomon(path)
    coords = bench.coords[: customers + 1]
    diff = coords[:, None, :] - coords[None, :, :]
    matrix = np.rint(np.sqrt((diff**2).sum(axis=2)) * 10).astype(int).tolist()
    tasks = bench.problem.tasks[:customers]
    v0 = bench.problem.vehicles[0]
    horizon = v0.shift.end_s * 10
    return {
        "vehicles": [
            {"id": k, "start_index": 0, "end_index": 0, "capacity": [round(v0.capacity[0])],
             "time_window": [0, round(horizon)]}
            for k in range(len(bench.problem.vehicles))
        ],
        "jobs": [
            {"id": int(t.id[1:]), "location_index": t.delivery.location,
             "service": round(t.delivery.service_s * 10), "delivery": [round(t.demand[0])],
             "time_windows": [[round(w.start_s * 10), round(w.end_s * 10)]
                              for w in t.delivery.windows if math.isfinite(w.end_s)]}
            for t in tasks
        ],
        "matrices": {"car": {"durations": matrix, "distances": matrix}},
    }  # fmt: skip


@pytest.mark.shared_data
@pytest.mark.parametrize("name", ["C101", "R101", "RC105"])
def test_solomon_instances_round_trip_in_vroom_format(shared_data: Path, name: str) -> None:
    path = shared_data / "bench" / "solomon" / f"{name}.txt"
    if not path.is_file():
        pytest.skip(f"{path} is missing")
    doc = _solomon_to_vroom(path, customers=40)
    answer = _solve(doc)
    assert check_vroom_answer(doc, answer) == []
    assert answer["summary"]["unassigned"] == 0
    served = sorted(s["id"] for r in answer["routes"] for s in r["steps"] if s["type"] == "job")
    assert served == sorted(j["id"] for j in doc["jobs"])


def test_payload_error_lists_every_schema_problem() -> None:
    with pytest.raises(PayloadError) as caught:
        vroom_problem({"vehicles": [{"id": -1}], "jobs": [{"id": "x"}]})
    assert {"vehicles[0].id", "jobs[0].id"} <= set(caught.value.fields)


def test_coordinates_off_the_network_name_the_vroom_field() -> None:
    city = generate_city(seed=7, blocks_x=4, blocks_y=4)
    world = World.from_city(city)
    doc = {
        "vehicles": [{"id": 1, "start": [2.35, 48.71]}],  # Paris, far from the city
        "jobs": [{"id": 1, "location": [2.36, 48.72]}],
    }
    with pytest.raises(PayloadError) as caught:
        vroom_problem(doc, travel=world_travel(world))
    assert caught.value.fields == ("vehicles[0].start",)
    assert "street" in caught.value.problems[0][1]
    unknown = {"vehicles": [{"id": 1, "start": [2.35, 48.71], "profile": "hovercraft"}]}
    with pytest.raises(PayloadError) as caught:
        vroom_problem(unknown, travel=world_travel(world))
    assert caught.value.fields == ("vehicles[].profile",)


def coordinates_example() -> dict[str, Any]:
    """Shaped like VROOM's documented routing-engine example: two vehicles with a depot,
    capacities, skills and working hours in absolute timestamps, jobs with service,
    deliveries, skills and windows, and a shipment (coordinates around Paris, routed on
    straight lines here)."""
    depot = [2.35044, 48.71764]
    day = 1_600_416_000
    return {
        "vehicles": [
            {"id": 1, "start": depot, "end": depot, "capacity": [4], "skills": [1, 14],
             "time_window": [day, day + 4 * 3600]},
            {"id": 2, "start": depot, "end": depot, "capacity": [4], "skills": [2, 14],
             "time_window": [day, day + 4 * 3600]},
        ],
        "jobs": [
            {"id": 1, "service": 300, "delivery": [1], "location": [2.30, 48.70],
             "skills": [1], "time_windows": [[day + 3600, day + 7200]]},
            {"id": 2, "service": 300, "delivery": [1], "location": [2.32, 48.74], "skills": [1]},
            {"id": 3, "service": 300, "delivery": [1], "location": [2.38, 48.72], "skills": [2]},
            {"id": 4, "service": 300, "delivery": [1], "location": [2.40, 48.69], "skills": [14]},
        ],
        "shipments": [
            {"amount": [1], "skills": [2],
             "pickup": {"id": 4, "service": 300, "location": [2.39, 48.73]},
             "delivery": {"id": 4, "service": 300, "location": [2.36, 48.70]}},
        ],
    }  # fmt: skip


def test_coordinates_example_with_absolute_times_is_checked() -> None:
    doc = coordinates_example()
    travel = world_travel(World())
    answer = _solve(doc, travel=travel)
    points: list[tuple[float, float]] = []
    for v in doc["vehicles"]:
        for key in ("start", "end"):
            points.append((float(v[key][0]), float(v[key][1])))
    for j in doc["jobs"]:
        points.append((float(j["location"][0]), float(j["location"][1])))
    for s in doc["shipments"]:
        for key in ("pickup", "delivery"):
            points.append((float(s[key]["location"][0]), float(s[key]["location"][1])))
    points = list(dict.fromkeys(points))
    dist, dur = travel("car", points)
    matrices = {"car": {"durations": np.rint(dur).tolist(), "distances": np.rint(dist).tolist()}}

    def index_of(location: Any) -> int:
        return points.index((float(location[0]), float(location[1])))

    assert check_vroom_answer(doc, answer, matrices=matrices, index_of=index_of) == []
    assert answer["summary"]["unassigned"] == 0
    assert all(r["steps"][0]["arrival"] >= 1_600_416_000 for r in answer["routes"])
    # With a break, as in VROOM's example, the input is refused by name.
    doc["vehicles"][1]["breaks"] = [{"id": 2, "service": 300}]
    with pytest.raises(PayloadError) as caught:
        vroom_problem(doc, travel=travel)
    assert caught.value.fields == ("vehicles[1].breaks",)


def test_custom_costs_matrix_is_the_objective() -> None:
    doc = matrix_example()
    # Travel times favour 0 -> 1 -> 2 -> 3; the costs make 0 -> 2 -> 1 -> 3 cheaper.
    doc["matrices"]["car"]["costs"] = [
        [0, 100, 1, 100],
        [100, 0, 100, 1],
        [100, 1, 0, 100],
        [100, 100, 100, 0],
    ]
    answer = _solve(doc)
    assert check_vroom_answer(doc, answer) == []
    (route,) = answer["routes"]
    assert [s["id"] for s in route["steps"][1:3]] == [1515, 1414]
    assert route["cost"] == 3
    doc["vehicles"][0]["costs"] = {"per_hour": 7200}
    with pytest.raises(PayloadError) as caught:
        vroom_problem(doc)
    assert caught.value.fields == ("vehicles[0].costs",)


def test_a_vehicle_without_a_start_begins_at_its_first_task() -> None:
    doc = matrix_example()
    del doc["vehicles"][0]["start_index"]  # it ends at index 3
    answer = _solve(doc)
    assert check_vroom_answer(doc, answer) == []
    (route,) = answer["routes"]
    start, first = route["steps"][0], route["steps"][1]
    assert start["location_index"] == first["location_index"]
    assert start["arrival"] == first["arrival"]
    assert first["duration"] == 0
    # The cheapest: begin at job 1414 (index 1), then 1515 (2), then the end (3).
    assert [s["id"] for s in route["steps"][1:3]] == [1414, 1515]
    assert route["cost"] == 2255 + 1102


def test_a_vehicle_without_a_start_on_coordinates() -> None:
    lon, lat = 116.35, 40.0
    jobs: list[dict[str, Any]] = [
        {"id": k, "location": [lon + 0.003 * k, lat]} for k in range(1, 4)
    ]
    doc: dict[str, Any] = {
        "vehicles": [{"id": 9, "end": [lon, lat], "profile": "foot"}],
        "jobs": jobs,
    }
    travel = world_travel(World())
    answer = _solve(doc, travel=travel)
    points = [(lon, lat)] + [(float(j["location"][0]), lat) for j in jobs]
    dist, dur = travel("foot", points)
    matrices = {"foot": {"durations": np.rint(dur).tolist(), "distances": np.rint(dist).tolist()}}

    def index_of(location: Any) -> int:
        return points.index((float(location[0]), float(location[1])))

    assert check_vroom_answer(doc, answer, matrices=matrices, index_of=index_of) == []
    steps = answer["routes"][0]["steps"]
    assert steps[0]["location"] == steps[1]["location"] == jobs[2]["location"]  # farthest first
