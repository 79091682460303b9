"""Time-dependent travel (issue 13): the arrival function, the model's bound, the checker.

Properties (hypothesis): leaving later never arrives earlier (FIFO), every factor 1 is
the static time, the arrival is continuous at slice boundaries, and the checker's own
integration agrees with the evaluator's.  Routes: the checker rejects a route that only
a static travel time makes feasible, and a solve with speed profiles passes it.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from solvers import RoutingProblem, ViolationKind, check, solve
from solvers.errors import InvalidInputError
from solvers.evaluate import evaluate_route
from solvers.problem import Stop, Task, TimeWindow, TravelMatrices, Vehicle
from solvers.pyvrp_member import pyvrp_support
from solvers.rr import supports
from solvers.travel_time import DAY_S, SpeedProfile, static_bound
from tests.solvers.helpers import FAST, line_matrices

TOL = 1e-6


@st.composite
def profiles(draw: st.DrawFn) -> SpeedProfile:
    """A profile of up to 5 non-overlapping periods over a day of ``DAY_S``."""
    cuts = sorted(
        draw(st.lists(st.floats(0, DAY_S, allow_nan=False), min_size=0, max_size=10, unique=True))
    )
    periods = []
    for a, b in zip(cuts[::2], cuts[1::2], strict=False):
        if b > a:
            periods.append((a, b, draw(st.floats(0.1, 2.0))))
    return SpeedProfile(tuple(periods))


departures = st.floats(-3 * DAY_S, 3 * DAY_S, allow_nan=False)
bases = st.floats(0, 2 * DAY_S, allow_nan=False)


@settings(max_examples=150, deadline=None)
@given(profiles(), departures, st.floats(0, 5000, allow_nan=False), bases)
def test_leaving_later_never_arrives_earlier(
    sp: SpeedProfile, depart: float, later: float, base: float
) -> None:
    assert sp.arrival_s(depart + later, base) >= sp.arrival_s(depart, base) - TOL


@settings(max_examples=100, deadline=None)
@given(departures, bases, st.lists(st.integers(0, 1000), max_size=4, unique=True))
def test_factor_one_everywhere_is_the_static_time(
    depart: float, base: float, starts: list[int]
) -> None:
    ones = SpeedProfile(tuple((s * 60.0, s * 60.0 + 30.0, 1.0) for s in starts))
    assert ones.trivial
    assert ones.arrival_s(depart, base) == depart + base
    assert SpeedProfile().arrival_s(depart, base) == depart + base


@settings(max_examples=100, deadline=None)
@given(profiles(), bases, st.integers(-2, 2))
def test_continuous_at_slice_boundaries(sp: SpeedProfile, base: float, day: int) -> None:
    for start, end, _ in sp.periods:
        for edge in (start, end):
            t = day * DAY_S + edge
            at = sp.arrival_s(t, base)
            for eps in (1e-3, -1e-3):
                # The arrival moves by at most |eps| / slowest * fastest: continuous.
                assert abs(sp.arrival_s(t + eps, base) - at) <= abs(eps) * 20 + TOL


@settings(max_examples=100, deadline=None)
@given(profiles(), departures, bases)
def test_arrival_integrates_the_speed(sp: SpeedProfile, depart: float, base: float) -> None:
    """The free-flow seconds covered between departure and arrival equal ``base``."""
    arrival = sp.arrival_s(depart, base)
    assert arrival >= depart
    # Integrate the factor numerically over [depart, arrival] on the slice grid.
    covered = 0.0
    t = depart
    while t < arrival - 1e-12:
        midnight = math.floor(t / DAY_S) * DAY_S
        bounds = sorted({0.0, DAY_S, *(p for s, e, _ in sp.periods for p in (s, e))})
        nxt = min((midnight + b for b in bounds if midnight + b > t), default=midnight + DAY_S)
        step_end = min(nxt, arrival)
        covered += (step_end - t) * sp.factor_at((t + step_end) / 2)
        t = step_end
    assert covered == pytest.approx(base, rel=1e-9, abs=1e-6)


def test_morning_peak_slows_a_leg_that_crosses_it() -> None:
    peak = SpeedProfile(((7 * 3600.0, 9 * 3600.0, 0.5),))
    # 600 free-flow seconds left at 06:55: 300 s before the peak, 300 s of work at half
    # speed inside it = 600 s: arrives at 07:10.
    assert peak.arrival_s(6 * 3600 + 55 * 60, 600) == pytest.approx(7 * 3600 + 10 * 60)
    assert peak.travel_s(8 * 3600, 600) == pytest.approx(1200)
    assert peak.travel_s(DAY_S + 8 * 3600, 600) == pytest.approx(1200)  # the day repeats
    assert peak.min_factor(0, 6 * 3600) == 1.0
    assert peak.min_factor(6 * 3600, 7.5 * 3600) == 0.5
    assert peak.min_factor(DAY_S - 60, DAY_S + 7.5 * 3600) == 0.5


@pytest.mark.parametrize(
    ("periods", "field"),
    [
        (((0.0, 10.0, 0.05),), "periods[0]: factor"),
        (((0.0, 10.0, 3.0),), "periods[0]: factor"),
        (((10.0, 5.0, 1.0),), "periods[0]"),
        (((0.0, 10.0, 0.5), (5.0, 20.0, 0.7)), "periods"),
    ],
)
def test_bad_profile_names_the_field(
    periods: tuple[tuple[float, float, float], ...], field: str
) -> None:
    with pytest.raises(InvalidInputError, match=field.replace("[", r"\[").replace("]", r"\]")):
        SpeedProfile(periods, what="e_bike")


# --- routes -----------------------------------------------------------------------------

POSITIONS = (0, 600, 1200, 1800)
SLOW = SpeedProfile(((0.0, 3600.0, 0.5),))  # half speed the first hour of the day


def td_problem(window_end_s: float, profile: SpeedProfile | None = SLOW) -> RoutingProblem:
    """One e-bike at x=0 and one task loaded at the start, delivered at x=1200 (1200 s
    free-flow) by ``window_end_s``."""
    vehicle = Vehicle("v", 0, None, capacity=(10.0,), shift=TimeWindow(0, 7200), cost_per_km=1.0)
    task = Task("t", (), Stop(2, windows=(TimeWindow(0, window_end_s),)), demand=(1.0,))
    sp = {} if profile is None else {"default": profile}
    return RoutingProblem((vehicle,), (task,), line_matrices(POSITIONS), speed_profiles=sp)


def test_checker_rejects_a_route_feasible_only_with_static_travel() -> None:
    static = solve(td_problem(1500, None), FAST)
    assert not static.unassigned and check(td_problem(1500, None), static).ok
    report = check(td_problem(1500), static)
    kinds = {v.kind for v in report.violations}
    # 1200 free-flow s at half speed arrive at 2400 s, past the window's 1500 s; the
    # reported arrival (1200 s) is wrong too.
    assert ViolationKind.TIME_WINDOW in kinds
    assert ViolationKind.REPORTED in kinds


def test_solve_with_profiles_keeps_windows_and_exact_etas() -> None:
    tight = td_problem(1500)
    solution = solve(tight, FAST)
    assert [u.task_id for u in solution.unassigned] == ["t"]  # cannot be on time
    assert check(tight, solution).ok
    loose = td_problem(3000)
    solution = solve(loose, FAST)
    assert check(loose, solution).ok
    (route,) = [r for r in solution.routes if r.stops]
    assert route.stops[0].arrival_s == pytest.approx(SLOW.arrival_s(route.start_s, 1200.0))
    assert route.stops[0].arrival_s == pytest.approx(2400.0)


def _random_problem(seed: int) -> RoutingProblem:
    rng = np.random.default_rng(seed)
    n = 12
    xy = rng.uniform(0, 3000, size=(n, 2))
    d = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
    mats = {"e_bike": TravelMatrices(d, d / 4.0), "van": TravelMatrices(d, d / 7.0)}
    vehicles = tuple(
        Vehicle(
            f"v{i}",
            0,
            0 if i % 2 else None,
            capacity=(6.0,),
            shift=TimeWindow(float(rng.uniform(6, 8) * 3600), 12 * 3600.0),
            profile="e_bike" if i < 2 else "van",
            cost_per_km=1.0,
            cost_per_hour=20.0,
        )
        for i in range(3)
    )
    tasks = []
    for k in range(8):
        a, b = (int(x) for x in rng.choice(np.arange(1, n), size=2, replace=False))
        opens = float(rng.uniform(6.5, 9.5) * 3600)
        tasks.append(
            Task(
                f"t{k}",
                (Stop(a, service_s=60.0),),
                Stop(b, windows=(TimeWindow(opens, opens + 2400.0),), service_s=60.0),
                demand=(1.0,),
                drop_penalty=1000.0,
            )
        )
    peaks = {
        "e_bike": SpeedProfile(((7 * 3600.0, 9.5 * 3600.0, 0.6),)),
        "van": SpeedProfile(((7.5 * 3600.0, 9 * 3600.0, 0.4), (9 * 3600.0, 10 * 3600.0, 0.8))),
    }
    return RoutingProblem(vehicles, tuple(tasks), mats, speed_profiles=peaks)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_time_dependent_plans_pass_the_checker(seed: int) -> None:
    p = _random_problem(seed)
    assert p.time_dependent and not supports(p) and pyvrp_support(p) is not None
    solution = solve(p, FAST)
    report = check(p, solution)
    assert report.ok, report.violations
    assert len(solution.unassigned) < len(p.tasks)
    for route in solution.routes:
        if route.stops:
            ev = evaluate_route(
                p,
                p.vehicle(route.vehicle_id),
                [(s.task_id, s.stop_index) for s in route.stops],
                route.start_s,
            )
            assert [s.arrival_s for s in route.stops] == [s.arrival_s for s in ev.stops]


def test_static_bound_is_slower_than_every_exact_leg() -> None:
    p = _random_problem(4)
    bound = static_bound(p)
    assert not bound.time_dependent
    for v, b in zip(p.vehicles, bound.vehicles, strict=True):
        sp = p.speed_profiles[v.profile]
        base = p.matrices[v.profile].duration_s
        slow = bound.matrices[b.profile].duration_s
        for depart in np.linspace(v.shift.start_s, 11 * 3600, 40):
            exact = np.array([sp.travel_s(depart, float(x)) for x in base[0]])
            assert (exact <= slow[0] + TOL).all()
    # Static problems pass through unchanged.
    plain = dataclasses.replace(p, speed_profiles={})
    assert static_bound(plain) is plain


def test_speed_profile_of_unknown_profile_is_refused() -> None:
    with pytest.raises(InvalidInputError, match="speed_profiles"):
        RoutingProblem((), (), line_matrices(POSITIONS), speed_profiles={"van": SLOW})
