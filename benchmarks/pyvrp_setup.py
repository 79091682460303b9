"""PyVRP's setup time against the problem's size (issue 16).

PyVRP's search stops at its deadline, but what comes before it does not: the
translation (:func:`solvers.pyvrp_member.build_data`, which builds PyVRP's
``ProblemData``) and PyVRP's own setup inside ``pyvrp.solve`` (neighbourhoods, the local
search, the initial solution) up to its first iteration.  This measures both on random
depot-delivery problems with one time window per stop (what the portfolio gives PyVRP)
of 100, 250, 500 and 1,000 tasks: ``pyvrp.solve`` stopped after 0 iterations is its
setup.  The portfolio's prediction (:data:`solvers.pyvrp_member.SETUP_S`) comes from
this table.

Run ``python -m benchmarks.pyvrp_setup [--tasks 100,250,500,1000] [--repeat 3]``; it
prints one row per size (the fastest and the slowest of the repeats).  Wall clock: say
the machine's load with the figures.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence

import numpy as np

from solvers import RoutingProblem, TravelMatrices
from solvers.problem import Stop, Task, TimeWindow, Vehicle
from solvers.pyvrp_member import build_data, pyvrp_support


def depot_problem(tasks: int, seed: int = 0) -> RoutingProblem:
    """``tasks`` deliveries from one depot on a 10 km square (e-bike speed, 5 m/s), each
    with a two-hour window in an eight-hour day; a van per 10 tasks (capacity 20)."""
    rng = np.random.default_rng(seed)
    points = rng.uniform(0, 10_000, size=(tasks + 1, 2))
    distance = np.hypot(*(points[:, None, :] - points[None, :, :]).transpose(2, 0, 1))
    matrices = {"default": TravelMatrices(distance, distance / 5.0)}
    day = TimeWindow(0.0, 8 * 3600.0)
    vans = tuple(
        Vehicle(f"v{k}", 0, 0, capacity=(20.0,), shift=day, cost_per_km=1.0)
        for k in range(max(1, tasks // 10))
    )
    opens = rng.uniform(0, 6 * 3600.0, size=tasks)
    parcels = tuple(
        Task(
            f"t{i}",
            (),
            Stop(i + 1, 60.0, (TimeWindow(float(opens[i]), float(opens[i]) + 7200.0),)),
            (float(rng.integers(1, 4)),),
            drop_penalty=1000.0,
        )
        for i in range(tasks)
    )
    return RoutingProblem(vans, parcels, matrices)


def setup_seconds(problem: RoutingProblem, scale: int = 1000) -> tuple[float, float]:
    """(translation seconds, PyVRP's own setup seconds) for ``problem``."""
    import pyvrp  # noqa: PLC0415
    from pyvrp.stop import MaxIterations  # noqa: PLC0415

    started = time.perf_counter()
    translated = build_data(problem, scale)
    build_s = time.perf_counter() - started
    started = time.perf_counter()
    pyvrp.solve(translated.data, MaxIterations(0), seed=0, collect_stats=False, display=False)
    return build_s, time.perf_counter() - started


def main(argv: Sequence[str] | None = None) -> None:
    """Print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tasks", default="100,250,500,1000", help="problem sizes, commas")
    parser.add_argument("--repeat", type=int, default=3, help="runs per size")
    args = parser.parse_args(argv)
    print("tasks  build_s(min/max)  pyvrp_setup_s(min/max)  total_s(min/max)")
    for n in (int(x) for x in args.tasks.split(",")):
        problem = depot_problem(n)
        assert pyvrp_support(problem) is None
        runs = [setup_seconds(problem) for _ in range(args.repeat)]
        builds = [b for b, _ in runs]
        setups = [s for _, s in runs]
        totals = [b + s for b, s in runs]
        print(
            f"{n:5d}  {min(builds):.3f}/{max(builds):.3f}  "
            f"{min(setups):.3f}/{max(setups):.3f}  {min(totals):.3f}/{max(totals):.3f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
