"""Workload balance report: plan cost against workload spread for a few balance weights.

Run with ``python -m benchmarks.balance_curve`` (a report command, not part of
``./run test``).  Plans the demo scenario (``--scenario demo``), a generated city day
(``--scenario day``) or a scenario file (a path) once per weight with
``"settings": {"balance": {"by": ..., "weight": W}}`` (weight 0: no balance term) and
prints, per weight, the orders served, the routes' cost (fixed, distance, time,
lateness, without the balance term), the balance term the solver priced, and the spread
of orders and hours over the couriers on shift (min / max / Gini).  Every routing run is
checked by the independent checker.  ``--iterations`` stops each search on a count, so
the curve does not depend on the machine's load; ``--out`` writes the rows as JSON.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from dispatch import Planner
from dispatch.settings import WorkloadBalance
from scenarios.demo import demo_scenario
from scenarios.generate import city_day_scenario
from scenarios.scenario_build import Scenario, build_scenario
from scenarios.scenario_file import load_scenario
from solvers import SolveParams, check


def _scenario(name: str, data_roots: Sequence[Path]) -> Scenario:
    if name == "demo":
        return build_scenario(demo_scenario())
    if name == "day":
        return build_scenario(city_day_scenario(7, blocks=8, orders=120, couriers=10))
    return load_scenario(name, data_roots=data_roots)


def curve(
    scenario: Scenario, by: str, weights: Sequence[float], params: SolveParams, at_s: float
) -> list[dict[str, Any]]:
    """One row per weight: served orders, route cost, balance term, spread, seconds."""
    rows: list[dict[str, Any]] = []
    for weight in weights:
        balance = WorkloadBalance(by, weight) if weight > 0 else None
        settings = dataclasses.replace(scenario.settings, balance=balance)
        started = time.perf_counter()
        plan = Planner(scenario.world, settings).plan(scenario.orders, at_s=at_s, params=params)
        seconds = time.perf_counter() - started
        problems = [
            str(v) for run in plan.routing_runs for v in check(run.problem, run.solution).violations
        ]
        spread = plan.kpis.workload
        assert spread is not None  # the planner always reports it
        rows.append(
            {
                "by": by,
                "weight": weight,
                "served": plan.kpis.orders_served,
                "orders": plan.kpis.orders_total,
                "route_cost": round(plan.kpis.route_cost, 2),
                "balance_term": round(
                    sum(run.solution.cost.balance for run in plan.routing_runs), 2
                ),
                "routes": len(plan.routes),
                **{k: round(v, 3) for k, v in spread.to_json().items()},
                "checker_ok": not problems,
                "seconds": round(seconds, 1),
            }
        )
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    """Plan per weight and print the curve; 0 when every plan passes the checker."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.balance_curve")
    parser.add_argument("--scenario", default="demo", help="demo, day or a scenario file")
    parser.add_argument("--by", choices=("orders", "hours"), default="orders")
    parser.add_argument("--weights", default="0,5,20,80", help="comma-separated yuan")
    parser.add_argument("--time-limit", type=float, default=20.0)
    parser.add_argument("--iterations", type=int, default=None)
    parser.add_argument("--at", type=float, default=None, help="plan time, seconds")
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--data-root", type=Path, action="append", default=[])
    args = parser.parse_args(argv)
    scenario = _scenario(args.scenario, args.data_root)
    at_s = args.at if args.at is not None else scenario.at_s
    if at_s is None:
        parser.error("the scenario has no plan time: give --at")
    params = SolveParams(time_limit_s=args.time_limit, workers=1, iterations=args.iterations)
    weights = [float(w) for w in args.weights.split(",")]
    rows = curve(scenario, args.by, weights, params, at_s)
    columns = list(rows[0]) if rows else []
    print("\t".join(columns))
    for row in rows:
        print("\t".join(str(row[c]) for c in columns))
    if args.out is not None:
        args.out.write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    return 0 if all(r["checker_ok"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
