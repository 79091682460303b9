"""Day-replay benchmark: a generated day replayed with rolling-horizon re-planning.

Run with ``python -m benchmarks.day_replay`` (a report command, not part of
``./run test``).  The issue's target: a generated day of 5,000 orders and 100 couriers
replayed in 2-minute waves in under 10 minutes.  Prints the generation and replay
times and the KPIs; ``--out`` writes them as JSON.  Exit code 0 when the replay took
less than ``--budget-s``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from scenarios.generate import city_day_scenario
from scenarios.replay import ReplayPolicy, replay_scenario
from scenarios.scenario_build import build_scenario


def main(argv: Sequence[str] | None = None) -> int:
    """Generate, replay, report; 0 when within the budget."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.day_replay")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--blocks", type=int, default=14)
    parser.add_argument("--orders", type=int, default=5000)
    parser.add_argument("--couriers", type=int, default=100)
    parser.add_argument("--wave-s", type=float, default=120.0)
    parser.add_argument(
        "--time-limit", type=float, default=0.2, help="budget of each wave's re-plan, seconds"
    )
    parser.add_argument("--budget-s", type=float, default=600.0)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    scenario = build_scenario(
        city_day_scenario(args.seed, blocks=args.blocks, orders=args.orders, couriers=args.couriers)
    )
    generate_s = time.perf_counter() - started
    started = time.perf_counter()
    day = replay_scenario(scenario, ReplayPolicy(wave_s=args.wave_s, time_limit_s=args.time_limit))
    replay_s = time.perf_counter() - started
    peak = day.peak_wave()
    walls = sorted(w.replan_wall_s for w in day.timeline if w.replan_wall_s > 0)
    result = {
        "orders": args.orders,
        "couriers": args.couriers,
        "wave_s": args.wave_s,
        "time_limit_s": args.time_limit,
        "generate_s": generate_s,
        "replay_s": replay_s,
        "waves": day.waves,
        "peak_wave": peak.__dict__ if peak is not None else None,
        "replan_wall_s_p50": walls[len(walls) // 2] if walls else None,
        "replan_wall_s_max": walls[-1] if walls else None,
        "kpis": day.kpis,
        "within_budget": replay_s < args.budget_s,
    }
    sys.stdout.write(json.dumps(result, indent=1) + "\n")
    if args.out is not None:
        args.out.write_text(json.dumps(result, indent=1) + "\n")
    return 0 if result["within_budget"] else 1


if __name__ == "__main__":
    sys.exit(main())
