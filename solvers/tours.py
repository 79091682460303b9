"""Pickup tours: several pickups of one task served back to back, as one routing node.

OR-Tools 9.15 supports a node in at most one pickup-and-delivery pair: sharing one
delivery among several pairs lets pickups drift onto other vehicles and, on larger
instances, corrupts memory (seen as segfaults and ``std::bad_alloc`` on MPDPTW).  Its
insertion heuristics also insert one pair at a time, so explicit same-vehicle
constraints across pairs leave multi-pickup tasks unserved.  So a task with several
pickups still to do becomes one *tour* node per candidate pickup order: entered at its
first shop, left at its last, with the travel and service inside the tour on its
outgoing arcs.  The tour and the delivery form one ordinary pair, which every OR-Tools
heuristic and pair move handles.

The cost of that choice: a basket's shops are visited consecutively (which is how a
courier works a multi-store order anyway), in one of the few orders offered here.
A tour is summarised the way time-window segments are concatenated in the VRP
literature (Vidal et al., 2013): a duration D (service, travel and the least waiting
its windows force) and a window [E, L] for the start of service at its first shop;
started at any time in [E, L] the tour takes exactly D, and arriving before E means
waiting at the first shop.  Pickups with several windows give one tour per choice of
windows.  Travel is rounded up as in the routing model, so a schedule OR-Tools accepts
is feasible in the exact arithmetic of :mod:`solvers.evaluate` too.

Everything here is in the routing adapter's integer units (see :mod:`solvers.scaling`),
but nothing here uses OR-Tools: :mod:`solvers.reasons` enumerates the same orders for
diagnosis, so the module lives outside :mod:`solvers.ortools`.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from solvers.problem import Stop, Task
from solvers.scaling import MAX_HORIZON, scaled, scaled_time, scaled_up

IntMatrix = npt.NDArray[np.int64]
Interval = tuple[int, int]

# Orders offered per task and travel profile; the search picks among them.
MAX_ORDERS = 3
# Up to this many pickups every order is tried; beyond it, heuristic orders only.
EXHAUSTIVE_UP_TO = 5


@dataclass(frozen=True)
class PickupTour:
    """One way to serve some pickups of a task back to back.

    Attributes:
        order: the task's pickup indices in visiting order.
        duration: integer time from the start of service at the first pickup to the
            end of service at the last one (services, travel and forced waiting).
        distance: integer distance travelled inside the tour.
        windows: the integer interval [E, L] for the start of service at the first
            pickup that keeps every pickup inside its chosen window (one interval).
    """

    order: tuple[int, ...]
    duration: int
    distance: int
    windows: tuple[Interval, ...]


def _stop_windows(stop: Stop, scale: int) -> list[Interval]:
    # Hard windows only: lateness allowances are not used inside a tour.
    out = []
    for w in stop.windows:
        lo = scaled_time(w.start_s, scale, up=True)
        hi = scaled_time(w.end_s, scale, up=False)
        if lo <= hi:
            out.append((max(lo, -MAX_HORIZON), min(hi, MAX_HORIZON)))
    return out


@dataclass(frozen=True, slots=True)
class _Segment:
    """Vidal et al.'s summary of a feasible stop sequence (no time warp)."""

    duration: int
    earliest: int
    latest: int


def _concatenate(first: _Segment, travel: int, second: _Segment) -> _Segment | None:
    """``first`` then ``second`` with ``travel`` between them; None if windows clash."""
    delta = first.duration + travel
    wait = max(second.earliest - delta - first.latest, 0)
    if first.earliest + delta > second.latest:
        return None  # even starting as early as possible, the second starts too late
    return _Segment(
        first.duration + second.duration + travel + wait,
        max(second.earliest - delta, first.earliest) - wait,
        min(second.latest - delta, first.latest),
    )


# At most this many window choices per order are examined (stops with split hours).
MAX_WINDOW_CHOICES = 16


def evaluate_order(
    task: Task,
    order: tuple[int, ...],
    duration: IntMatrix,
    distance: IntMatrix,
    *,
    row: dict[int, int],
    scale: int,
) -> list[PickupTour]:
    """The tours serving ``order`` (pickup indices), one per feasible choice of windows.

    ``duration`` and ``distance`` are integer matrices of the vehicle profile between
    the task's pickup locations; ``row`` maps a pickup index to its row in them.
    """
    service = {i: int(scaled_up([task.pickups[i].service_s], scale)[0]) for i in order}
    travel = [int(duration[row[a], row[b]]) for a, b in itertools.pairwise(order)]
    travelled = sum(int(distance[row[a], row[b]]) for a, b in itertools.pairwise(order))
    choices = itertools.islice(
        itertools.product(*(_stop_windows(task.pickups[i], scale) for i in order)),
        MAX_WINDOW_CHOICES,
    )
    tours = []
    for windows in choices:
        segment: _Segment | None = _Segment(service[order[0]], *windows[0])
        for position in range(1, len(order)):
            if segment is None:
                break
            stop = _Segment(service[order[position]], *windows[position])
            segment = _concatenate(segment, travel[position - 1], stop)
        if segment is not None and segment.earliest <= segment.latest:
            tours.append(
                PickupTour(
                    order, segment.duration, travelled, ((segment.earliest, segment.latest),)
                )
            )
    return tours


# Beyond EXHAUSTIVE_UP_TO pickups, a depth-first search over orders, pruned by the
# windows, visits at most this many partial orders and keeps this many complete ones.
SEARCH_STEPS = 20_000
SEARCH_KEEP = 24


def _window_feasible_orders(
    task: Task, indices: list[int], duration: IntMatrix, loc: dict[int, int], scale: int
) -> list[tuple[int, ...]]:
    """Orders whose windows can all be met (waiting allowed), nearest shop tried first;
    when ``loc`` has the delivery's row under key -1, the delivery must be able to follow.

    Heuristic orders miss tight window patterns; without this a task that fits was
    reported as unservable even alone.
    """
    windows = {i: _stop_windows(task.pickups[i], scale) for i in indices}
    service = {i: int(scaled_up([task.pickups[i].service_s], scale)[0]) for i in indices}
    stack: list[tuple[tuple[int, ...], _Segment]] = [
        ((i,), _Segment(service[i], lo, hi)) for i in indices for lo, hi in windows[i]
    ]
    found: list[tuple[int, ...]] = []
    steps = 0
    while stack and steps < SEARCH_STEPS and len(found) < SEARCH_KEEP:
        order, segment = stack.pop()
        steps += 1
        if len(order) == len(indices):
            # Complete: keep it only if the delivery can still follow in one of its windows.
            if -1 not in loc or any(
                _concatenate(segment, int(duration[loc[order[-1]], loc[-1]]), _Segment(0, lo, hi))
                is not None
                for lo, hi in _stop_windows(task.delivery, scale)
            ):
                found.append(order)
            continue
        last = loc[order[-1]]
        # Farthest pushed first, so the nearest is expanded first.
        rest = sorted(
            (j for j in indices if j not in order), key=lambda j: -int(duration[last, loc[j]])
        )
        for j in rest:
            for lo, hi in windows[j]:
                joined = _concatenate(
                    segment, int(duration[last, loc[j]]), _Segment(service[j], lo, hi)
                )
                if joined is not None and joined.earliest <= joined.latest:
                    stack.append(((*order, j), joined))
    return found


def _candidate_orders(
    task: Task, indices: list[int], duration: IntMatrix, loc: dict[int, int], scale: int
) -> list[tuple[int, ...]]:
    """Every order for a few pickups; otherwise nearest-neighbour orders, window sorts and
    orders found by a window-pruned search."""
    if len(indices) <= EXHAUSTIVE_UP_TO:
        return list(itertools.permutations(indices))
    candidates: set[tuple[int, ...]] = set()
    for first in indices:
        order = [first]
        left = set(indices) - {first}
        while left:
            here = loc[order[-1]]
            nearest = min(left, key=lambda i: (int(duration[here, loc[i]]), i))
            order.append(nearest)
            left.remove(nearest)
        candidates.add(tuple(order))
        candidates.add(tuple(reversed(order)))
    by_open = sorted(indices, key=lambda i: (task.pickups[i].earliest_s, i))
    by_close = sorted(indices, key=lambda i: (task.pickups[i].windows[-1].end_s, i))
    candidates.update({tuple(by_open), tuple(by_close)})
    candidates.update(_window_feasible_orders(task, indices, duration, loc, scale))
    return sorted(candidates)


def pickup_tours(
    task: Task,
    indices: list[int],
    duration_s: npt.NDArray[np.float64],
    distance_m: npt.NDArray[np.float64],
    scale: int,
) -> list[PickupTour]:
    """Up to :data:`MAX_ORDERS` feasible tours over ``indices``, shortest first, plus the
    one that can be finished soonest.

    ``duration_s`` and ``distance_m`` are the profile's float matrices; travel time is
    rounded up exactly as in the routing model.  An empty list means no order of these
    pickups can be served back to back within their windows.
    """
    # The delivery's row (key -1) lets the order search check the delivery can follow.
    locations = sorted({task.pickups[i].location for i in indices} | {task.delivery.location})
    sub = np.ix_(locations, locations)
    row = {i: locations.index(task.pickups[i].location) for i in indices}
    row[-1] = locations.index(task.delivery.location)
    dur_small = scaled_up(duration_s[sub], scale)
    dist_small = scaled(distance_m[sub], scale)
    tours = [
        tour
        for order in _candidate_orders(task, indices, dur_small, row, scale)
        for tour in evaluate_order(task, order, dur_small, dist_small, row=row, scale=scale)
    ]
    tours.sort(key=lambda t: (t.distance, t.duration, t.order, t.windows))
    kept = tours[:MAX_ORDERS]
    # Also the tour that can be done soonest: the shortest may not fit a tight horizon.
    soonest = min(tours, key=lambda t: (t.windows[0][0] + t.duration, t.distance), default=None)
    if soonest is not None and soonest not in kept:
        kept.append(soonest)
    return kept


def pickup_orders(
    task: Task, indices: list[int], duration_s: npt.NDArray[np.float64], scale: int
) -> list[tuple[int, ...]]:
    """Every candidate order of the pickups ``indices`` whose windows can be met back to
    back (the orders :func:`pickup_tours` chooses from), for diagnosis and repair."""
    locations = sorted({task.pickups[i].location for i in indices} | {task.delivery.location})
    row = {i: locations.index(task.pickups[i].location) for i in indices}
    row[-1] = locations.index(task.delivery.location)
    duration = scaled_up(duration_s[np.ix_(locations, locations)], scale)
    distance = np.zeros_like(duration)
    return [
        order
        for order in _candidate_orders(task, indices, duration, row, scale)
        if evaluate_order(task, order, duration, distance, row=row, scale=scale)
    ]
