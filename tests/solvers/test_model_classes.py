"""How the OR-Tools model groups vehicles: identical vehicles must look identical to it.

OR-Tools tells vehicles apart by their cost class and their vehicle class (start and
end *nodes*, fixed cost, dimension bounds, allowed nodes); a model that gives identical
vehicles different classes makes the search treat every empty vehicle as a new option.
"""

from __future__ import annotations

from typing import Any

from ortools.constraint_solver import pywrapcp

from solvers.ortools.model import build_model
from solvers.problem import RoutingProblem, Stop, Task, TimeWindow, Vehicle
from tests.solvers.helpers import problem, solved, visits


def _closed(p: RoutingProblem) -> Any:
    built = build_model(p, 1000)
    built.routing.CloseModelWithParameters(pywrapcp.DefaultRoutingSearchParameters())
    return built


def _deliveries(n: int) -> list[Task]:
    return [Task(f"t{i}", (), Stop(1 + i % 3), demand=(1.0,)) for i in range(n)]


def test_identical_vehicles_share_one_cost_class_and_one_vehicle_class() -> None:
    fleet = [Vehicle(f"v{i}", 0, 0, capacity=(5.0,), cost_per_km=2.0) for i in range(6)]
    built = _closed(problem(fleet, _deliveries(5)))
    routing = built.routing
    assert routing.CostsAreHomogeneousAcrossVehicles()
    assert routing.GetVehicleClassesCount() == 1
    # One start node and one end node for all six, then the five tasks.
    assert len(built.nodes) == 2 + 5


def test_vehicles_differ_only_where_they_really_differ() -> None:
    fleet = [
        Vehicle("a1", 0, 0, capacity=(5.0,)),
        Vehicle("a2", 0, 0, capacity=(5.0,)),
        Vehicle("b", 3, None, capacity=(5.0,)),  # elsewhere, open route
        Vehicle("c", 0, 0, capacity=(5.0,), fixed_cost=10.0),
        Vehicle("d", 0, 0, capacity=(5.0,), cost_per_km=3.0),
    ]
    built = _closed(problem(fleet, _deliveries(4)))
    # Starts at 0 and 3, ends at 0 and "open": four vehicle nodes for five vehicles.
    assert len(built.nodes) == 4 + 4
    assert built.routing.GetVehicleClassesCount() == 4  # a1 = a2, b, c, d
    assert not built.routing.CostsAreHomogeneousAcrossVehicles()  # d's price per km


def test_shared_start_nodes_keep_each_vehicle_at_its_own_start() -> None:
    # Positions 0, 10, 20, 30.  Each pickup must start by t = 1: only the vehicle
    # already there can make it, whichever start node the vehicles share.
    now = (TimeWindow(0.0, 1.0),)
    fleet = [
        Vehicle("west1", 0, 0, capacity=(5.0,)),
        Vehicle("east", 3, None, capacity=(5.0,)),
        Vehicle("west2", 0, 0, capacity=(5.0,)),
    ]
    tasks = [
        Task("w", (Stop(0, windows=now),), Stop(1), demand=(1.0,)),
        Task("e", (Stop(3, windows=now),), Stop(2), demand=(1.0,)),
    ]
    solution = solved(problem(fleet, tasks))
    assert not solution.unassigned
    assert visits(solution, "east") == [("e", 0), ("e", 1)]
    west = [r.vehicle_id for r in solution.routes if r.vehicle_id.startswith("west")]
    assert len(west) == 1 and visits(solution, west[0]) == [("w", 0), ("w", 1)]
