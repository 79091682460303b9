"""Own-search variants side by side (issue 18): ``python -m benchmarks.search_ab``.

Runs ``solve`` on benchmark instances once per variant of
:class:`solvers.rr.search.SearchConfig`, interleaved per instance, with the same seed,
workers and stopping rule (``--iterations``: load-independent; else ``--time-limit``),
checks every answer with the independent checker and prints the gap to the BKS per
instance and variant, the means, the instances above 8 % and the wall time per
iteration.  Variants: ``main`` (the search before search18c: no route pool, no route
minimisation), ``pool`` (set partitioning only), ``routemin`` (route minimisation only)
and ``new`` (the defaults: both).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from benchmarks.quality import (
    DEFAULT_DATA,
    OUTLIER_GAP_PCT,
    evaluate,
    family_spec,
    list_instances,
    read_bench,
    read_bks,
    select_instances,
)
from solvers import SolveParams, solve
from solvers.rr import ensure_compiled
from solvers.rr import search as rr_search

VARIANTS: dict[str, rr_search.SearchConfig] = {
    "main": rr_search.SearchConfig(partition_stops=float("inf"), route_min_share=0.0),
    "pool": rr_search.SearchConfig(route_min_share=0.0),
    "routemin": rr_search.SearchConfig(partition_stops=float("inf")),
    "new": rr_search.SearchConfig(),
}


def main(argv: list[str] | None = None) -> int:
    """Parse the arguments, run, print; the exit code."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.search_ab")
    parser.add_argument("--family", default="mpdptw")
    parser.add_argument("--instances", default="", help="comma list; default all")
    parser.add_argument("--iterations", type=int, default=None)
    parser.add_argument("--time-limit", type=float, default=10.0)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--variants", default="main,new")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    args = parser.parse_args(argv)
    ensure_compiled()
    spec = family_spec(args.family)
    names = [n for n in args.instances.split(",") if n]
    files = select_instances(list_instances(spec.name, args.data), names, None)
    bks = read_bks(spec.name, args.data)
    variants = [v for v in args.variants.split(",") if v]
    limit = args.time_limit if args.iterations is None else max(600.0, args.time_limit)
    params = SolveParams(
        time_limit_s=limit, seed=args.seed, workers=args.workers, iterations=args.iterations
    )
    gaps: dict[str, list[float]] = {v: [] for v in variants}
    seconds: dict[str, float] = dict.fromkeys(variants, 0.0)
    above: dict[str, list[str]] = {v: [] for v in variants}
    for file in files:
        bench = read_bench(file)
        cells = []
        for name in variants:
            rr_search.DEFAULT_CONFIG = VARIANTS[name]
            started = time.perf_counter()
            solution = solve(bench.problem, params)
            took = time.perf_counter() - started
            row = evaluate(bench, solution, took, bks.get(file.name))
            gap = row.gap_pct if row.gap_pct is not None else float("nan")
            ok = "ok" if row.feasible else "INFEASIBLE"
            gaps[name].append(gap)
            seconds[name] += took
            if gap > OUTLIER_GAP_PCT:
                above[name].append(file.name)
            cells.append(f"{name} {row.vehicles} veh {gap:+.2f}% {took:.1f}s {ok}")
        print(f"{file.name}: " + " | ".join(cells), flush=True)
    rr_search.DEFAULT_CONFIG = rr_search.SearchConfig()
    stop = f"{args.iterations} iterations" if args.iterations else f"{args.time_limit:g} s"
    print(f"{len(files)} instances, {stop}, {args.workers} worker(s), seed {args.seed}")
    for name in variants:
        mean = sum(gaps[name]) / max(1, len(gaps[name]))
        per_it = ""
        if args.iterations:
            per_it = f", {1000 * seconds[name] / (len(files) * args.iterations):.2f} ms/iteration"
        print(
            f"{name}: mean gap {mean:+.2f}%, above {OUTLIER_GAP_PCT:g}%: {len(above[name])} "
            f"({', '.join(above[name])}), wall {seconds[name]:.0f} s{per_it}"
        )
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
