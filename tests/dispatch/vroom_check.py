"""An independent check of a VROOM answer against its VROOM input, from the input alone.

It knows nothing of the translation (:mod:`dispatch.vroom`) or the solver: it reads the
input's matrices (or matrices the test gives for coordinate inputs), replays every route
(travel, waiting, service), and checks coverage, precedence, time windows, working
hours, capacity, skills, cumulative durations and distances, loads, costs and the
summary's sums.  Returns the list of problems found (empty: the answer is valid).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

Matrix = Sequence[Sequence[float]]


def check_vroom_answer(
    doc: Mapping[str, Any],
    answer: Mapping[str, Any],
    *,
    matrices: Mapping[str, Mapping[str, Matrix]] | None = None,
    index_of: Callable[[Sequence[float]], int] | None = None,
) -> list[str]:
    """Problems of ``answer`` for input ``doc`` (empty when valid).

    ``matrices`` (profile -> {"durations", "distances"?, "costs"?}) default to the
    input's; ``index_of`` maps a step's coordinates to a matrix index when the input
    has none.
    """
    out: list[str] = []
    mats = matrices if matrices is not None else doc.get("matrices", {})
    if answer.get("code") != 0:
        return [f"code {answer.get('code')}: {answer.get('error')}"]
    jobs = {j["id"]: j for j in doc.get("jobs", [])}
    pickups = {s["pickup"]["id"]: s for s in doc.get("shipments", [])}
    deliveries = {s["delivery"]["id"]: s for s in doc.get("shipments", [])}
    vehicles = {v["id"]: v for v in doc["vehicles"]}
    seen: dict[tuple[str, int], int] = {}
    totals = {"cost": 0, "service": 0, "duration": 0, "waiting_time": 0}
    used_vehicles: set[int] = set()

    def loc(step: Mapping[str, Any]) -> int:
        if "location_index" in step:
            return int(step["location_index"])
        assert index_of is not None, "coordinates input needs index_of"
        return index_of(step["location"])

    for route in answer["routes"]:
        vid = route["vehicle"]
        v = vehicles.get(vid)
        if v is None or vid in used_vehicles:
            out.append(f"route of unknown or repeated vehicle {vid}")
            continue
        used_vehicles.add(vid)
        prof = mats[v.get("profile", "car")]
        dur = prof["durations"]
        dist = prof.get("distances")
        rates = v.get("costs", {})
        per_hour, per_km = rates.get("per_hour", 3600), rates.get("per_km", 0)
        cost_m = prof.get("costs")
        vskills = set(v.get("skills") or [])
        cap = v.get("capacity")
        steps = route["steps"]
        if steps[0]["type"] != "start":
            out.append(f"vehicle {vid}: first step is not start")
        has_end = v.get("end") is not None or v.get("end_index") is not None  # null: none
        if has_end != (steps[-1]["type"] == "end"):
            out.append(f"vehicle {vid}: end step present iff the vehicle has an end")
        # Load at start: deliveries of the route's jobs.
        task_steps = [s for s in steps if s["type"] in ("job", "pickup", "delivery")]
        dim = len(cap) if cap else 0
        load = [0] * dim
        for s in task_steps:
            if s["type"] == "job":
                for k, x in enumerate(jobs[s["id"]].get("delivery") or [0] * dim):
                    load[k] += x
        if steps[0].get("load", load) != load:
            out.append(f"vehicle {vid}: start load {steps[0].get('load')} != {load}")
        t = float(steps[0]["arrival"])
        tw = v.get("time_window")
        if tw is not None and t < tw[0]:
            out.append(f"vehicle {vid}: starts at {t} before its working hours {tw}")
        here = loc(steps[0])
        travel = 0.0
        distance = 0.0
        cost = float(rates.get("fixed", 0))
        service_sum = waiting_sum = 0
        picked: set[int] = set()
        for s in steps[1:]:
            there = loc(s)
            arrival = t + dur[here][there]
            travel += dur[here][there]
            if dist is not None:
                distance += dist[here][there]
            if cost_m is not None:
                cost += cost_m[here][there]
            else:
                cost += per_hour * dur[here][there] / 3600
                if per_km and dist is not None:
                    cost += per_km * dist[here][there] / 1000
            if abs(arrival - s["arrival"]) > 1:
                out.append(f"vehicle {vid}: arrival {s['arrival']} at {s}, replayed {arrival}")
            if abs(travel - s["duration"]) > 1:
                out.append(f"vehicle {vid}: cumulated duration {s['duration']} != {travel}")
            if dist is not None and abs(distance - s.get("distance", -1)) > 1:
                out.append(f"vehicle {vid}: cumulated distance {s.get('distance')} != {distance}")
            if s["type"] == "end":
                t = arrival
                if tw is not None and t > tw[1]:
                    out.append(f"vehicle {vid}: ends at {t} after its working hours {tw}")
                break
            kind, tid = s["type"], s["id"]
            key = (kind, tid)
            seen[key] = seen.get(key, 0) + 1
            if kind == "job":
                task, part, shipment = jobs[tid], jobs[tid], None
            else:
                shipment = (pickups if kind == "pickup" else deliveries)[tid]
                task, part = shipment, shipment[kind]
            start = arrival + s["waiting_time"]
            if s["waiting_time"] < 0:
                out.append(f"{kind} {tid}: negative waiting")
            windows = part.get("time_windows")
            if windows and not any(a <= start <= b for a, b in windows):
                out.append(f"{kind} {tid}: service starts at {start} outside {windows}")
            if windows is None and s["waiting_time"] != 0:
                out.append(f"{kind} {tid}: waits without a time window")
            if s["service"] != part.get("service", 0):
                out.append(f"{kind} {tid}: service {s['service']} != {part.get('service', 0)}")
            if not set(task.get("skills") or []) <= vskills:
                out.append(f"{kind} {tid}: vehicle {vid} lacks skills")
            if kind == "job":
                for k, x in enumerate(task.get("delivery") or [0] * dim):
                    load[k] -= x
            elif kind == "pickup":
                picked.add(tid)
                for k, x in enumerate(task.get("amount") or [0] * dim):
                    load[k] += x
            else:
                if shipment is not None and shipment["pickup"]["id"] not in picked:
                    out.append(f"delivery {tid}: before or without its pickup on vehicle {vid}")
                for k, x in enumerate(task.get("amount") or [0] * dim):
                    load[k] -= x
            if s.get("load", load) != load:
                out.append(f"{kind} {tid}: load {s.get('load')} != {load}")
            if cap is not None and any(x > c or x < 0 for x, c in zip(load, cap, strict=True)):
                out.append(f"{kind} {tid}: load {load} breaks capacity {cap}")
            t = start + s["service"]
            service_sum += s["service"]
            waiting_sum += s["waiting_time"]
            here = there
        else:
            if tw is not None and t > tw[1]:
                out.append(f"vehicle {vid}: ends at {t} after its working hours {tw}")
        for name, value in (
            ("duration", travel),
            ("cost", cost),
            ("service", service_sum),
            ("waiting_time", waiting_sum),
        ):
            if abs(route[name] - value) > 1:
                out.append(f"vehicle {vid}: route {name} {route[name]} != replayed {value}")
        for name in totals:
            totals[name] += route[name]
    unassigned = {(u["type"], u["id"]) for u in answer["unassigned"]}
    expected = (
        [("job", j) for j in jobs]
        + [("pickup", p) for p in pickups]
        + [("delivery", d) for d in deliveries]
    )
    for key in expected:
        n = seen.get(key, 0) + (1 if key in unassigned else 0)
        if n != 1:
            out.append(f"{key[0]} {key[1]}: served or unassigned {n} times")
    for s in doc.get("shipments", []):
        a = ("pickup", s["pickup"]["id"]) in unassigned
        b = ("delivery", s["delivery"]["id"]) in unassigned
        if a != b:
            out.append(f"shipment {s['pickup']['id']}: only one of its steps is unassigned")
    summary = answer["summary"]
    for name, value in totals.items():
        if abs(summary[name] - value) > 1:
            out.append(f"summary {name} {summary[name]} != sum of routes {value}")
    if summary["routes"] != len(answer["routes"]):
        out.append("summary routes != number of routes")
    if summary["unassigned"] != len(answer["unassigned"]):
        out.append("summary unassigned != number of unassigned tasks")
    return out
