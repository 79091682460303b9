"""The workload balance term (:class:`solvers.problem.Balance`) in the OR-Tools model.

A dimension whose cumul at a vehicle's end is its workload, started at 0 on every
vehicle, with OR-Tools' global span cost: ``coefficient * (max end cumul - min start
cumul)`` = the weight times the busiest vehicle's workload.

- ``tasks``: one unit at every node that delivers (a copy of an interleaved delivery
  counts its share); exact.
- ``hours``: travel and service time (the time dimension's transits, no waiting): the
  model's guide to the busiest route; the exact term, with waiting, is priced on the
  evaluated routes (:mod:`solvers.balance`) by which the portfolio ranks answers.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from solvers.problem import RoutingProblem
from solvers.scaling import MAX_HORIZON, objective_rate, positive_coefficient

if TYPE_CHECKING:  # model.py calls add_balance
    from solvers.ortools.model import BuiltModel

BALANCE = "balance"
# Integer units per delivered task (a copy of an interleaved delivery counts its share).
_TASK_UNITS = 1000


def add_balance(problem: RoutingProblem, built: BuiltModel, time_callbacks: Sequence[int]) -> None:
    """Add the balance dimension and its global span cost (nothing without a balance
    term or with weight 0).  ``time_callbacks``: each vehicle's time transit callback."""
    balance = problem.balance
    if balance is None or balance.weight <= 0 or not problem.vehicles:
        return
    routing = built.routing
    if balance.by == "tasks":
        units = [0] * len(built.nodes)
        for node, spec in enumerate(built.nodes):
            for task_id, index in spec.visits:
                if index == len(problem.task(task_id).pickups):
                    units[node] += _TASK_UNITS // spec.share
        callback = routing.RegisterUnaryTransitVector(units)
        routing.AddDimension(callback, 0, MAX_HORIZON, True, BALANCE)
        rate = objective_rate(balance.weight, _TASK_UNITS, 1)
    else:
        routing.AddDimensionWithVehicleTransits(list(time_callbacks), 0, MAX_HORIZON, True, BALANCE)
        rate = objective_rate(balance.weight, 3600.0, built.scale)
    dim = routing.GetDimensionOrDie(BALANCE)
    dim.SetGlobalSpanCostCoefficient(positive_coefficient(rate, field="Balance: weight"))
