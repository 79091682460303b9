"""Live re-planning of instant orders: the instant dispatcher against the routing re-plan.

Run with ``python -m benchmarks.live_dispatch`` (a report command, not part of
``./run test``).  Generates one city day (``scenarios.generate.city_day_scenario``) and
replays it twice in one run with the same city, seed and replay policy: once with
``settings.live.instant = "dispatcher"`` (:mod:`dispatch.live_instant`) and once with
``"routing"``.  Prints one row per setting: delivered % of the same-day orders, on-time
% of the delivered ones, click-to-door mean and p90 of delivered instant orders
(minutes), km driven, courier cost per delivered order (yuan: cost per km and per busy
hour, :func:`scenarios.replay.driven_kpis`) and the replay's wall seconds.  ``--out``
writes the rows as JSON.  Wall seconds depend on the machine's load; run both settings
in the same invocation to compare them.
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

import numpy as np

from dispatch.domain import FulfilmentMode
from dispatch.settings import LiveInstant, LiveSettings
from scenarios.generate import city_day_scenario
from scenarios.replay import DayReplay, OutcomeStatus, ReplayPolicy, replay_scenario
from scenarios.scenario_build import Scenario, build_scenario

_SAME_DAY = (FulfilmentMode.INSTANT, FulfilmentMode.MULTI_STORE, FulfilmentMode.SCHEDULED)


def day_row(day: DayReplay, wall_s: float) -> dict[str, Any]:
    """The comparison's figures of one replayed day."""
    same_day = [o for o in day.outcomes if o.mode in _SAME_DAY]
    delivered = [o for o in same_day if o.status is OutcomeStatus.DELIVERED]
    instant = np.array(
        [
            ((o.delivered_s or 0.0) - o.created_s) / 60.0
            for o in delivered
            if o.mode is FulfilmentMode.INSTANT and o.delivered_s is not None
        ]
    )
    on_time = sum(1 for o in delivered if not o.late)
    return {
        "same_day_orders": len(same_day),
        "delivered_pct": 100.0 * len(delivered) / len(same_day) if same_day else None,
        "on_time_pct": 100.0 * on_time / len(delivered) if delivered else None,
        "instant_ctd_mean_min": float(instant.mean()) if instant.size else None,
        "instant_ctd_p90_min": float(np.percentile(instant, 90)) if instant.size else None,
        "km": day.kpis["distance_km"],
        "cost_per_order": day.kpis["cost_per_delivered"],
        "wall_s": wall_s,
        "waves": day.waves,
        "unassigned_by_reason": day.kpis["unassigned_by_reason"],
    }


def compare(
    scenario: Scenario, policy: ReplayPolicy, settings: Sequence[LiveInstant]
) -> dict[str, dict[str, Any]]:
    """Replay the scenario once per setting of ``live.instant``; rows by setting."""
    rows: dict[str, dict[str, Any]] = {}
    for mode in settings:
        live = dataclasses.replace(scenario.settings.live, instant=mode)
        run = dataclasses.replace(
            scenario, settings=dataclasses.replace(scenario.settings, live=live)
        )
        started = time.perf_counter()
        day = replay_scenario(run, policy)
        rows[mode.value] = day_row(day, time.perf_counter() - started)
    return rows


def _fmt(value: object, digits: int = 1) -> str:
    return (
        "-" if value is None else f"{value:.{digits}f}" if isinstance(value, float) else str(value)
    )


def table(rows: dict[str, dict[str, Any]]) -> str:
    """The rows as a Markdown table."""
    head = (
        "| live.instant | delivered % | on time % | instant click-to-door mean / p90 min "
        "| km | cost / order | replay wall s |"
    )
    lines = [head, "|---|---|---|---|---|---|---|"]
    for mode, r in rows.items():
        lines.append(
            f"| {mode} | {_fmt(r['delivered_pct'])} | {_fmt(r['on_time_pct'])} "
            f"| {_fmt(r['instant_ctd_mean_min'])} / {_fmt(r['instant_ctd_p90_min'])} "
            f"| {_fmt(r['km'])} | {_fmt(r['cost_per_order'], 2)} | {_fmt(r['wall_s'])} |"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Generate one day, replay it with each setting, print the table."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.live_dispatch")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--blocks", type=int, default=10)
    parser.add_argument("--orders", type=int, default=600)
    parser.add_argument("--couriers", type=int, default=15)
    parser.add_argument("--wave-s", type=float, default=120.0)
    parser.add_argument(
        "--time-limit", type=float, default=1.0, help="budget of each wave's re-plan, seconds"
    )
    parser.add_argument(
        "--iterations", type=int, default=200, help="stop each routing search after this many"
    )
    parser.add_argument("--max-bundle", type=int, default=3)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    spec = city_day_scenario(
        args.seed, blocks=args.blocks, orders=args.orders, couriers=args.couriers
    )
    scenario = build_scenario(spec)
    scenario = dataclasses.replace(
        scenario,
        settings=dataclasses.replace(
            scenario.settings, live=LiveSettings(max_bundle=args.max_bundle)
        ),
    )
    policy = ReplayPolicy(
        wave_s=args.wave_s, time_limit_s=args.time_limit, iterations=args.iterations, seed=0
    )
    rows = compare(scenario, policy, (LiveInstant.DISPATCHER, LiveInstant.ROUTING))
    sys.stdout.write(table(rows) + "\n")
    if args.out is not None:
        args.out.write_text(json.dumps(rows, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
