"""Rush-hour travel report (issue 13): ETAs and lateness with and without speed profiles.

Run with ``python -m benchmarks.travel_profiles`` (a report command, not part of
``./run test``).  On a generated day (``scenarios.generate.city_day_scenario``, which
writes the default speed profiles of Chinese cities) it plans waves at a few times of
day (the orders created in the half hour before each), twice:

* **static**: planned without profiles (travel takes the same time all day), then the
  same routes driven with the profiles on (``solvers.evaluate`` with the departure-
  dependent travel): how late the plan really is;
* **profiles**: planned with the profiles on.

Both are judged by the independent checker with the profiles on.  Figures per variant
and flow (next-day deliveries are the next morning's): tasks served, orders unassigned
(by the planner or the solver), delivery stops late (past their window) and past their
allowance (hard breaks), minutes late, mean minutes from the wave to the deliveries
(planned and as driven) and how much later they are as driven, cost as driven, checker
violations.  ``--out`` writes the figures as JSON.  The search stops by iterations
(``--iterations``), so the figures do not depend on the machine's load.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from dispatch import Planner
from dispatch.plan import UnassignedOrder
from dispatch.speed import solver_speed_profiles
from geo.time_dependent import SpeedProfiles
from scenarios.generate import city_day_scenario
from scenarios.scenario_build import Scenario, build_scenario
from solvers import SolveParams, check
from solvers.evaluate import evaluate_route
from solvers.problem import RoutingProblem
from solvers.solution import CostBreakdown, Route, RoutingSolution, StopKind

WAVES_H = (8.0, 12.0, 15.0, 18.0)
WINDOW_S = 1800.0
LATE_S = 1.0  # a stop counts as late when it starts more than this after its window


@dataclasses.dataclass
class Tally:
    """Figures of one variant summed over the waves."""

    served: int = 0
    unassigned: int = 0
    unassigned_orders: int = 0
    deliveries: int = 0
    late: int = 0
    past_allowance: int = 0
    late_min: float = 0.0
    cost: float = 0.0
    violations: Counter[str] = dataclasses.field(default_factory=Counter)
    planned_eta_min: list[float] = dataclasses.field(default_factory=list)
    driven_eta_min: list[float] = dataclasses.field(default_factory=list)

    @property
    def shift_min(self) -> list[float]:
        """Per delivery, minutes the driven ETA is later than the planned one."""
        return [d - p for p, d in zip(self.planned_eta_min, self.driven_eta_min, strict=True)]

    def row(self) -> dict[str, Any]:
        def stats(values: list[float]) -> dict[str, float]:
            if not values:
                return {"mean": 0.0, "p90": 0.0, "max": 0.0}
            return {
                "mean": round(float(np.mean(values)), 2),
                "p90": round(float(np.percentile(values, 90)), 2),
                "max": round(float(np.max(values)), 2),
            }

        return {
            "served_tasks": self.served,
            "unassigned_tasks": self.unassigned,
            "unassigned_orders": self.unassigned_orders,
            "delivery_stops": self.deliveries,
            "late_stops": self.late,
            "on_time_pct": round(100.0 * (1 - self.late / self.deliveries), 1)
            if self.deliveries
            else 100.0,
            "past_allowance_stops": self.past_allowance,
            "late_minutes": round(self.late_min, 1),
            "cost_as_driven": round(self.cost, 2),
            "checker_violations": dict(self.violations),
            "planned_eta_min": stats(self.planned_eta_min),
            "driven_eta_min": stats(self.driven_eta_min),
            "eta_shift_min": stats(self.shift_min),
        }


def with_profiles(problem: RoutingProblem, scenario: Scenario) -> RoutingProblem:
    """The problem with the scenario's speed profiles on."""
    profiles = solver_speed_profiles(scenario.world.speed_profiles, problem.matrices)
    return dataclasses.replace(problem, speed_profiles=profiles)


def driven(problem: RoutingProblem, solution: RoutingSolution) -> RoutingSolution:
    """The solution's routes re-timed by ``problem``'s travel (same visits, same
    departures), priced as driven."""
    routes = []
    for r in solution.routes:
        visits = [(s.task_id, s.stop_index) for s in r.stops]
        ev = evaluate_route(problem, problem.vehicle(r.vehicle_id), visits, r.start_s)
        routes.append(
            Route(
                r.vehicle_id, ev.start_s, ev.stops, ev.end_s, ev.distance_m, ev.duration_s, ev.cost
            )
        )
    drop = sum((problem.task(u.task_id).drop_penalty or 0.0) for u in solution.unassigned)
    cost = sum((r.cost for r in routes), CostBreakdown(drop_penalty=drop))
    return RoutingSolution(tuple(routes), solution.unassigned, cost, solution.stats)


def tally(
    out: Tally,
    problem: RoutingProblem,
    planned: RoutingSolution,
    actual: RoutingSolution,
    at_s: float,
) -> None:
    """Add one routing run: ``planned`` as the plan says, ``actual`` as driven."""
    out.served += len({s.task_id for r in actual.routes for s in r.stops})
    out.unassigned += len(actual.unassigned)
    out.cost += actual.cost.total
    report = check(problem, actual)
    out.violations.update(v.kind.value for v in report.violations)
    for plan_route, route in zip(planned.routes, actual.routes, strict=True):
        for p, s in zip(plan_route.stops, route.stops, strict=True):
            if s.kind is not StopKind.DELIVERY:
                continue
            out.deliveries += 1
            spec = problem.task(s.task_id).stops[s.stop_index]
            out.late += s.lateness_s > LATE_S
            out.past_allowance += s.lateness_s > spec.max_lateness_s + LATE_S
            out.late_min += s.lateness_s / 60.0
            out.planned_eta_min.append((p.start_s - at_s) / 60.0)
            out.driven_eta_min.append((s.start_s - at_s) / 60.0)


def run(scenario: Scenario, params: SolveParams, waves_h: Sequence[float]) -> dict[str, Any]:
    """Plan each wave without and with profiles; per variant and flow, the figures."""
    static_world = dataclasses.replace(scenario.world, speed_profiles=SpeedProfiles())
    tallies: dict[str, dict[str, Tally]] = {"static": {}, "profiles": {}}
    waves = []
    for hour in waves_h:
        at_s = hour * 3600.0
        orders = [o for o in scenario.orders if at_s - WINDOW_S < o.created_at_s <= at_s]
        waves.append({"at": f"{int(hour):02d}:{int(hour % 1 * 60):02d}", "orders": len(orders)})
        if not orders:
            continue
        plan = Planner(static_world, scenario.settings).plan(orders, at_s=at_s, params=params)
        _count_unassigned(tallies["static"], plan.unassigned)
        for r in plan.routing_runs:
            on = with_profiles(r.problem, scenario)
            out = tallies["static"].setdefault(r.flow.value, Tally())
            tally(out, on, r.solution, driven(on, r.solution), at_s)
        plan = Planner(scenario.world, scenario.settings).plan(orders, at_s=at_s, params=params)
        _count_unassigned(tallies["profiles"], plan.unassigned)
        for r in plan.routing_runs:
            out = tallies["profiles"].setdefault(r.flow.value, Tally())
            tally(out, r.problem, r.solution, r.solution, at_s)
    return {
        "waves": waves,
        **{
            variant: {flow: t.row() for flow, t in sorted(by_flow.items())}
            for variant, by_flow in tallies.items()
        },
    }


def _count_unassigned(by_flow: dict[str, Tally], unassigned: Sequence[UnassignedOrder]) -> None:
    for u in unassigned:
        by_flow.setdefault(u.flow.value, Tally()).unassigned_orders += 1


def table(result: dict[str, Any]) -> str:
    """The figures as a plain-text table, one line per variant and flow."""
    head = (
        f"{'variant':9} {'flow':16} {'served':>6} {'unasg':>5} {'late':>5} {'on-time%':>8} "
        f"{'late min':>8} {'hard':>4} {'ETA plan':>8} {'ETA drv':>8} {'shift p90':>9} "
        f"{'cost':>8} checker"
    )
    lines = [head]
    for variant in ("static", "profiles"):
        for flow, row in result[variant].items():
            lines.append(
                f"{variant:9} {flow:16} {row['served_tasks']:6d} {row['unassigned_orders']:5d} "
                f"{row['late_stops']:5d} {row['on_time_pct']:8.1f} {row['late_minutes']:8.1f} "
                f"{row['past_allowance_stops']:4d} {row['planned_eta_min']['mean']:8.1f} "
                f"{row['driven_eta_min']['mean']:8.1f} {row['eta_shift_min']['p90']:9.1f} "
                f"{row['cost_as_driven']:8.1f} {row['checker_violations'] or 'ok'}"
            )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Generate a day, plan its waves both ways, print (and write) the figures."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.travel_profiles")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--blocks", type=int, default=10)
    parser.add_argument("--orders", type=int, default=1000)
    parser.add_argument("--couriers", type=int, default=16)
    parser.add_argument("--iterations", type=int, default=300)
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    scenario = build_scenario(
        city_day_scenario(args.seed, blocks=args.blocks, orders=args.orders, couriers=args.couriers)
    )
    params = SolveParams(time_limit_s=args.time_limit, workers=1, iterations=args.iterations)
    result = {
        "seed": args.seed,
        "orders": args.orders,
        "couriers": args.couriers,
        "iterations": args.iterations,
        **run(scenario, params, WAVES_H),
    }
    sys.stdout.write(table(result) + "\n")
    if args.out is not None:
        args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
