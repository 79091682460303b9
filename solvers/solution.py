"""What a solve returns: routes with times and loads, unassigned tasks with reasons, costs.

Times are seconds on the problem's clock, distances metres, costs in the problem's money.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class StopKind(StrEnum):
    """Whether a route stop picks up or delivers."""

    PICKUP = "pickup"
    DELIVERY = "delivery"


class UnassignedReason(StrEnum):
    """Why a task is not in any route; each names something an operator can change."""

    CAPACITY = "capacity"  # no vehicle can carry it (or no route has room left)
    TIME_WINDOW = "time_window"  # its windows cannot be met by travel from any vehicle
    RIDE_TIME = "ride_time"  # pickups to delivery cannot fit in its max ride time
    SKILL = "skill"  # no vehicle has the required skills
    SHIFT = "shift"  # it only fits after the shifts end
    MAX_DURATION = "max_duration"  # it would make every route too long (time)
    MAX_DISTANCE = "max_distance"  # it would make every route too long (distance)
    PINNED = "pinned"  # pinned to a vehicle that cannot take it
    NOT_WORTH_PENALTY = "not_worth_penalty"  # it fits, but costs more than its drop penalty
    SEARCH_LIMIT = "search_limit"  # it fits and is worth it: the search ran out of time
    NO_VEHICLE = "no_vehicle"  # the problem has no vehicle


@dataclass(frozen=True, slots=True)
class RouteStop:
    """One visit of a route.

    Attributes:
        task_id: the task served.
        stop_index: which of the task's stops (pickups 0..k-1, the delivery k).
        kind: pickup or delivery.
        location: matrix index.
        arrival_s: arrival time.
        start_s: start of service (after any wait).
        departure_s: end of service.
        load: load on board after the stop, one value per capacity dimension.
        lateness_s: how late service started past the stop's last window (soft windows).
    """

    task_id: str
    stop_index: int
    kind: StopKind
    location: int
    arrival_s: float
    start_s: float
    departure_s: float
    load: tuple[float, ...]
    lateness_s: float = 0.0


@dataclass(frozen=True, slots=True)
class RouteBreak:
    """A break taken on the route (:class:`solvers.problem.Break`).

    Attributes:
        break_index: which of the vehicle's breaks.
        after_stops: how many of the route's stops come before it (0: at the start,
            before leaving); it is taken there, after that stop's service.
        start_s, end_s: when it starts and ends.
    """

    break_index: int
    after_stops: int
    start_s: float
    end_s: float


@dataclass(frozen=True, slots=True)
class CostBreakdown:
    """The objective, term by term, in the problem's money units."""

    fixed: float = 0.0
    distance: float = 0.0
    time: float = 0.0
    lateness: float = 0.0
    drop_penalty: float = 0.0
    # The workload balance term (RoutingProblem.balance): on the solution, never on a route.
    balance: float = 0.0

    @property
    def total(self) -> float:
        """Sum of the terms."""
        return (
            self.fixed
            + self.distance
            + self.time
            + self.lateness
            + self.drop_penalty
            + self.balance
        )

    def __add__(self, other: CostBreakdown) -> CostBreakdown:
        """Term-by-term sum (route costs add up to a solution's)."""
        return CostBreakdown(
            fixed=self.fixed + other.fixed,
            distance=self.distance + other.distance,
            time=self.time + other.time,
            lateness=self.lateness + other.lateness,
            drop_penalty=self.drop_penalty + other.drop_penalty,
            balance=self.balance + other.balance,
        )


@dataclass(frozen=True, slots=True)
class Route:
    """A vehicle's route.

    Attributes:
        vehicle_id: the vehicle.
        start_s: departure from the start location.
        stops: visits in order.
        end_s: arrival at the end location, or the last departure for an open route.
        distance_m: total distance driven.
        duration_s: ``end_s - start_s``.
        cost: what the route costs: fixed, distance, time and lateness terms
            (``drop_penalty`` is 0: dropped tasks are priced on the solution).
        overloaded: for a vehicle that carried more than its capacity at the start
            (``RoutingProblem.overloaded``), why: its route then holds only its locked
            work and is not held to its capacity.  None for every other vehicle.
        breaks: the vehicle's breaks taken on the route, in order (a break that fits
            before the departure or after the end is not listed).
        past_limits: for a vehicle with goods on board whose route runs past its max
            duration or max distance to deliver them, how far (rel16); None otherwise.
    """

    vehicle_id: str
    start_s: float
    stops: tuple[RouteStop, ...]
    end_s: float
    distance_m: float
    duration_s: float
    cost: CostBreakdown
    overloaded: str | None = None
    breaks: tuple[RouteBreak, ...] = ()
    past_limits: str | None = None


@dataclass(frozen=True, slots=True)
class UnassignedTask:
    """A task left out, with the reason code and a sentence for the operator."""

    task_id: str
    reason: UnassignedReason
    detail: str


class SolveStatus(StrEnum):
    """How a solve ended."""

    SOLVED = "solved"  # a solution (the time or solution limit ends the search)
    EMPTY = "empty"  # nothing to route
    NO_SOLUTION = "no_solution"  # every task unassigned


@dataclass(frozen=True, slots=True)
class SolveStats:
    """How the search went.

    Attributes:
        status: solved (a solution, time or solution limit reached), empty (nothing to
            route) or no solution (every task unassigned).
        solve_s: wall-clock seconds.
        objective: the search's objective in its own integer units.
        seed: the seed used.
        workers: parallel searches run.
        best_worker: which of them found the returned solution (its position in the
            portfolio's lineup, :func:`solvers.portfolio.lineup`).
        fallback: whether that solution grew from the fallback first-solution heuristic
            (the configured one was cut off by the budget and left tasks out).
        member: the portfolio member that won, ``kind:index`` (``ortools:0``,
            ``pyvrp:0``); "" when there was nothing to route or no answer.
    """

    status: SolveStatus
    solve_s: float
    objective: int
    seed: int
    workers: int
    best_worker: int
    fallback: bool = False
    member: str = ""


@dataclass(frozen=True, slots=True)
class RoutingSolution:
    """Routes (vehicles with no stops omitted), unassigned tasks, cost and statistics.

    ``cost`` is the sum of the routes' costs plus the drop penalties of the unassigned
    tasks plus the workload balance term (:class:`solvers.problem.Balance`).
    """

    routes: tuple[Route, ...]
    unassigned: tuple[UnassignedTask, ...]
    cost: CostBreakdown
    stats: SolveStats

    @property
    def distance_m(self) -> float:
        """Total distance of all routes, metres."""
        return sum(r.distance_m for r in self.routes)

    @property
    def vehicles_used(self) -> int:
        """Number of non-empty routes."""
        return len(self.routes)
