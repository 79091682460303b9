"""Vehicle breaks (:class:`solvers.problem.Break`) in the OR-Tools model.

Each break is a fixed-duration interval on the time dimension
(``SetBreakIntervalsOfVehicle``): it starts in ``[window start, window end - duration]``
and may not overlap a node's service (its visit transit).  The model decides where the
break goes; the exact schedule of the answer, with its breaks, is recomputed by
:mod:`solvers.evaluate` (which places them by its own rule) and judged by the checker.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from solvers.problem import RoutingProblem
from solvers.scaling import scaled_time

if TYPE_CHECKING:  # model.py calls add_breaks
    from solvers.ortools.model import BuiltModel


def add_breaks(problem: RoutingProblem, built: BuiltModel, service_int: np.ndarray) -> None:
    """Add every vehicle's breaks as break intervals on the time dimension;
    ``service_int``: each node's service time in the model's integer units."""
    if not any(v.breaks for v in problem.vehicles):
        return
    routing, manager, time_dim = built.routing, built.manager, built.time_dim
    solver = routing.solver()
    visit_transits = [
        int(service_int[manager.IndexToNode(index)]) for index in range(routing.Size())
    ]
    for v_index, vehicle in enumerate(problem.vehicles):
        if not vehicle.breaks or v_index in built.unusable:
            continue
        intervals = []
        for i, brk in enumerate(vehicle.breaks):
            field = f"Vehicle {vehicle.id!r}: breaks[{i}]"
            lo = max(0, scaled_time(brk.window.start_s, built.scale, up=True, field=field))
            duration = scaled_time(brk.duration_s, built.scale, up=True, field=field)
            hi = scaled_time(brk.window.end_s, built.scale, up=False, field=field) - duration
            if hi < lo:
                continue  # no integer start fits: the evaluation reports the break
            intervals.append(
                solver.FixedDurationIntervalVar(lo, hi, duration, False, f"{vehicle.id}-break{i}")
            )
        if intervals:
            time_dim.SetBreakIntervalsOfVehicle(intervals, v_index, visit_transits)
