"""``improve``: ruin and recreate (SISR) over a whole :class:`RoutingProblem`.

Christiaens & Vanden Berghe (2020), "Slack induction by string removals for vehicle
routing problems": each iteration removes a few strings of adjacent stops from routes
near a random task (or, now and then, a whole route), re-inserts every removed task (and
a few unserved ones) greedily at its cheapest feasible place, skipping places at random
("blinks"), and accepts the result by simulated annealing.  Tasks move whole: all the
stops still to serve, pickups as a block before the delivery, on one vehicle; locked
prefixes never move and carried or pinned tasks stay on their vehicle; a task may stay
unserved at its drop penalty, a task that must be served only when no place fits.  Every
route is priced by the compiled copy of :func:`solvers.evaluate.evaluate_route`, so the
objective is the project's own.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from solvers.evaluate import Visit, carries_past_limits
from solvers.problem import RoutingProblem
from solvers.rr import kernels as K  # noqa: N812 (the kernels' index constants read as K.X)
from solvers.rr import pool
from solvers.rr.compiled import Compiled, compile_problem
from solvers.rr.warm import ensure_compiled


@dataclass(frozen=True, slots=True)
class SearchConfig:
    """SISR's constants, tuned on the Solomon family as a whole (see the README).

    Attributes:
        t0, tf: start and final annealing temperatures, in mean arc costs (the mean cost
            of an arc between two task locations), falling geometrically.
        cbar: mean number of tasks removed per iteration.
        lmax: longest string removed from one route, stops.
        blink: probability of skipping a place during insertion.
        p_route: probability that an iteration removes one whole route instead.
        task_stops: ``cbar`` counts tasks of up to this many stops; where tasks have
            more stops on average (multi-pickup tasks), it removes proportionally fewer
            tasks, so that an iteration ruins about as many stops (tuned on the MPDPTW
            family as a whole; Solomon and Li & Lim, with 1 and 2 stops, are unchanged).
        relocate_stops: where tasks have more than this many stops on average, every
            route an iteration changed then has its single stops moved to better places
            (:func:`solvers.rr.kernels.relocate_stops`; MPDPTW).
        two_opt: with ``relocate_stops``, also reverse segments of those routes
            (:func:`solvers.rr.kernels.two_opt`).  Measured on MPDPTW (load 18-29 on 2
            cores): at 1,000 iterations, 1 worker, on the 10 instances that were above
            8%, mean gap +8.71% without, +6.71% with (better on 7, worse on 2); at
            10 s, 2 workers, all 60 instances side by side, +3.37% without, +3.41% with
            (better on 14, worse on 11): neutral on the clock under that load.
        partition_stops: where tasks have more than this many stops on average (and the
            problem has no locks or pins, :func:`solvers.rr.pool.eligible`), every route
            an iteration builds goes to a pool, and the search ends by set partitioning
            over it (:func:`solvers.rr.pool.partition`, CP-SAT).
        partition_share, partition_max_s: the set partitioning's part of a clock budget:
            this share of the search's time, at most this many seconds.
        partition_deterministic_s: its limit in CP-SAT's deterministic seconds when the
            search stops by iterations (reproducible; the deadline stays a cap).
        route_min_stops, route_min_from, route_min_share: where tasks have more than
            ``route_min_stops`` stops on average, the search spends ``route_min_share``
            of its iterations (or time), from ``route_min_from`` of them on, on route
            minimisation (:class:`_RouteMin`): the best plan loses its shortest route,
            no new route may open, and ruin and recreate works to serve every task again
            (an unserved task costs its penalty, so serving comes first); each time it
            does, the next shortest route goes.  The search then goes on from the plan
            with the fewest routes that serves as many tasks as the best if it is also
            cheaper than the best, else from the best.  MPDPTW's outliers used one
            route more than the best known solutions (wide windows, 8 pickups per
            order); on w_8_50_4 a plan with the best known 3 routes was found, but
            dearer (4954.7) than the search's 4-route best (4766.3).
    """

    t0: float = 1.0
    tf: float = 0.01
    cbar: float = 10.0
    lmax: float = 10.0
    blink: float = 0.01
    p_route: float = 0.02
    task_stops: float = 2.0
    relocate_stops: float = 2.0
    two_opt: bool = True
    partition_stops: float = 2.0
    partition_share: float = 0.1
    partition_max_s: float = 2.0
    partition_deterministic_s: float = 1.0
    route_min_stops: float = 2.0
    route_min_from: float = 0.4
    route_min_share: float = 0.25


@dataclass(frozen=True, slots=True)
class SearchRun:
    """What :func:`improve` did.

    Attributes:
        visits: vehicle id -> visits of the best plan found (vehicles without stops left out).
        starts: vehicle id -> departure, seconds.
        objective: its cost plus penalties of unserved tasks (a must-serve task counts
            as a huge penalty), money.
        start_objective: the same for the start plan as the search priced it.
        iterations: iterations run.
        seconds: wall clock spent, compilation of the arrays included.
    """

    visits: dict[str, list[Visit]]
    starts: dict[str, float]
    objective: float
    start_objective: float
    iterations: int
    seconds: float
    pool_routes: int = 0
    partition_gain: float = 0.0


# The configuration improve() uses when given none; benchmarks.search_ab swaps it to
# compare variants side by side in one process (forked members inherit it).
DEFAULT_CONFIG = SearchConfig()


def config_for_worker(worker: int) -> SearchConfig:
    """The search's configuration in portfolio worker ``worker``: route minimisation
    only in odd workers, so that two workers hedge.  Measured on MPDPTW (the 12 worst
    instances, 10 s, 2 workers, load 10-13): route minimisation in both workers gave
    w_4_100_5 +15.01% against +5.26% without (6 routes against 5: the phase took a
    quarter of the search's time and found no 5-route plan), while l_4_100_5 and
    w_4_100_1 went to the best known route count (+7.92% -> +4.82%, +7.73% -> +3.69%)."""
    if worker % 2 == 1:
        return DEFAULT_CONFIG
    return dataclasses.replace(DEFAULT_CONFIG, route_min_share=0.0)


def _state(compiled: Compiled, problem: RoutingProblem) -> tuple[np.ndarray, ...]:
    n_stops = len(compiled.visits)
    n_veh = len(problem.vehicles)
    width = max(1, n_stops)
    return (
        np.zeros((n_veh, width), dtype=np.int64),
        np.zeros(n_veh, dtype=np.int64),
        np.array([len(p) for p in compiled.prefixes], dtype=np.int64).reshape(n_veh),
        np.zeros(n_veh, dtype=np.int64),
        np.zeros(n_veh, dtype=np.float64),
        np.zeros(n_veh, dtype=np.float64),
        np.full(len(compiled.task_ids), -1, dtype=np.int64),
    )


def _workspaces(
    compiled: Compiled, problem: RoutingProblem
) -> tuple[tuple[np.ndarray, ...], tuple[np.ndarray, ...]]:
    n_tasks = len(compiled.task_ids)
    n_veh = len(problem.vehicles)
    width = max(1, len(compiled.visits))
    scratch = (
        np.zeros(n_tasks, dtype=np.int64),
        np.zeros(n_tasks, dtype=np.float64),
        np.zeros(n_tasks, dtype=np.int64),
        np.zeros(1, dtype=np.int64),
        np.zeros(problem.dimensions, dtype=np.float64),
        np.zeros(width, dtype=np.float64),
    )
    work = (
        np.zeros(width, dtype=np.int64),
        np.zeros(width, dtype=np.int64),
        np.zeros(max(1, n_veh), dtype=np.int64),
        np.zeros(n_veh, dtype=np.int64),
        np.zeros((n_veh, width), dtype=np.int64),
        np.zeros(n_veh, dtype=np.int64),
        np.zeros(n_veh, dtype=np.float64),
        np.zeros(n_veh, dtype=np.float64),
        np.zeros(n_tasks, dtype=np.int64),
        np.zeros(1, dtype=np.int64),
        np.zeros(n_tasks, dtype=np.int64),
        np.zeros(max(1, n_tasks), dtype=np.int64),
        np.zeros(max(1, n_tasks), dtype=np.float64),
        np.zeros(max(1, n_veh), dtype=np.int64),
        np.zeros(1, dtype=np.int64),
        np.zeros(width, dtype=np.float64),
        np.zeros(width, dtype=np.float64),
        np.zeros(width, dtype=np.int64),
        np.zeros(max(1, n_tasks), dtype=np.int64),
    )
    return scratch, work


def _encode(
    compiled: Compiled,
    problem: RoutingProblem,
    visits_by_vehicle: Mapping[str, Sequence[Visit]],
    st: tuple[np.ndarray, ...],
) -> bool:
    """Write the start plan into ``st``; False if it is not one the search can take
    (an unknown stop, a task split or repeated, a locked prefix not kept)."""
    seen: dict[int, int] = {}
    tindex = {tid: i for i, tid in enumerate(compiled.task_ids)}
    for vi, vehicle in enumerate(problem.vehicles):
        sequence = list(visits_by_vehicle.get(vehicle.id, ()))
        prefix = compiled.prefixes[vi]
        stops = []
        for visit in sequence:
            s = compiled.stop_of.get(visit)
            if s is None:
                return False
            stops.append(s)
        if tuple(stops[: len(prefix)]) != prefix:
            return False
        if len(set(stops)) != len(stops):
            return False
        for visit in sequence:
            ti = tindex[visit[0]]
            if seen.setdefault(ti, vi) != vi:
                return False
        st[K.R_STOPS][vi, : len(stops)] = stops
        st[K.R_LEN][vi] = len(stops)
    first = compiled.arrays[K.TASK_FIRST]
    count = compiled.arrays[K.TASK_NSTOPS]
    for ti, vi in seen.items():
        row = st[K.R_STOPS][vi, : st[K.R_LEN][vi]]
        own = [s for s in row if first[ti] <= s < first[ti] + count[ti]]
        if len(own) != count[ti] or own[-1] != first[ti] + count[ti] - 1:
            return False  # not whole, or a pickup after the delivery
        st[K.T_ROUTE][ti] = vi
    return True


def _decode(
    compiled: Compiled, problem: RoutingProblem, st: tuple[np.ndarray, ...]
) -> tuple[dict[str, list[Visit]], dict[str, float]]:
    visits: dict[str, list[Visit]] = {}
    starts: dict[str, float] = {}
    for vi, vehicle in enumerate(problem.vehicles):
        n = int(st[K.R_LEN][vi])
        if n:
            visits[vehicle.id] = [compiled.visits[int(s)] for s in st[K.R_STOPS][vi, :n]]
            starts[vehicle.id] = float(st[K.R_DEP][vi])
    return visits, starts


def _distance_only(problem: RoutingProblem) -> bool:
    """Whether a route's cost changes only with its distance (no time or lateness cost,
    no goods on board that may be late): then a stop move that does not shorten the
    route cannot pay."""
    return (
        all(v.cost_per_hour == 0.0 for v in problem.vehicles)
        and all(s.lateness_cost_per_s == 0.0 for t in problem.tasks for s in t.stops)
        and all(problem.carrier(t.id) is None for t in problem.tasks)
    )


def supports(problem: RoutingProblem) -> bool:
    """Whether the kernels model ``problem`` exactly.  They model every feature of
    :class:`RoutingProblem` the exact evaluation knows, goods on board (delivered late
    at :data:`solvers.evaluate.LATE_CARRIED_PER_S` rather than dropped) and overloaded
    vehicles (they keep their locked work, take nothing else) included.  A feature added
    to the problem that they do not model gets one line here, excluding such problems
    (they keep OR-Tools' guided local search)."""
    if problem.time_dependent:  # departure-dependent travel: not in the kernels (td-travel)
        return False
    if problem.balance is not None or any(v.breaks for v in problem.vehicles):  # fleet13
        return False  # the kernels model neither workload balance nor breaks
    if any(not s.default_softness for t in problem.tasks for s in t.stops):  # real13
        return False  # the kernels allow lateness past the last window only
    # Goods on board (issue 16) are modelled: a carrier may run past its shift end to
    # deliver them, the overtime counted as late carried time (kernels._drive).
    if any(carries_past_limits(problem, v) for v in problem.vehicles):  # rel16: not modelled
        return False
    return bool(problem.vehicles)


def improve(
    problem: RoutingProblem,
    visits_by_vehicle: Mapping[str, Sequence[Visit]],
    deadline_s: float,
    *,
    iterations: int | None = None,
    seed: int = 0,
    config: SearchConfig | None = None,
) -> SearchRun | None:
    """Improve a plan (vehicle id -> visits) until ``deadline_s`` (a
    ``time.perf_counter()`` time) or ``iterations`` iterations, whichever is first.

    Deterministic for the same problem, start plan, ``iterations`` and ``seed`` when the
    iterations end first.  The result is never worse than the start plan as priced by
    the search (with the search's departure rule, :func:`solvers.rr.kernels.route_cost`:
    the latest departure that saves waiting when time costs money).  Returns None when
    the start plan is not one the search can take (a split task, a locked prefix not
    kept), the problem has no vehicle, or the kernels do not model it (:func:`supports`).
    Compiles the kernels on first use in the process (see :mod:`solvers.rr.warm`).
    """
    if not problem.vehicles or not problem.tasks or not supports(problem):
        return None
    ensure_compiled()
    return run_kernels(
        problem, visits_by_vehicle, deadline_s, iterations=iterations, seed=seed, config=config
    )


def run_kernels(
    problem: RoutingProblem,
    visits_by_vehicle: Mapping[str, Sequence[Visit]],
    deadline_s: float,
    *,
    iterations: int | None,
    seed: int,
    config: SearchConfig | None,
) -> SearchRun | None:
    """:func:`improve` without the compilation step (which calls this to compile)."""
    started = time.perf_counter()
    config = config or DEFAULT_CONFIG
    compiled = compile_problem(problem)
    st = _state(compiled, problem)
    if not _encode(compiled, problem, visits_by_vehicle, st):
        return None
    scratch, work = _workspaces(compiled, problem)
    P = compiled.arrays
    K.seed_rng(seed)
    start_objective = float(K.init_state(P, scratch, work, st))
    best = tuple(a.copy() for a in st)
    objs = np.array([start_objective, start_objective])
    scale = compiled.mean_arc_cost
    stops_per_task = len(compiled.visits) / max(1, len(compiled.task_ids))
    cbar = config.cbar * min(1.0, config.task_stops / max(stops_per_task, 1e-9))
    params = np.array(
        [
            config.t0 * scale,
            config.tf * scale,
            cbar,
            config.lmax,
            config.blink,
            config.p_route,
            float(stops_per_task > config.relocate_stops),
            float(_distance_only(problem)),
            float(config.two_opt and stops_per_task > config.relocate_stops),
            0.0,
        ]
    )
    # --- route pool and set partitioning (solvers.rr.pool) ---
    partitioning = stops_per_task > config.partition_stops and pool.eligible(problem)
    recorder, max_chunk = (
        pool.buffer(compiled, len(problem.vehicles))
        if partitioning
        else (
            pool.buffer_stub(),
            1 << 30,
        )
    )
    routes = pool.RoutePool(P[K.VEH_CLASS])
    search_deadline_s = deadline_s
    if partitioning:
        params[9] = 1.0
        K.record_routes(st, recorder, work[K.W_TOUCHED], -1)
        routes.drain(recorder)
        if iterations is None:
            share = min(config.partition_max_s, config.partition_share * (deadline_s - started))
            search_deadline_s = deadline_s - share
    total = iterations if iterations is not None else 0
    done = 0
    chunk = 1
    span = max(1e-9, search_deadline_s - started)
    route_min = (
        _RouteMin(P, scratch, work, config)
        if stops_per_task > config.route_min_stops
        and config.route_min_share > 0
        and pool.eligible(problem)
        else None
    )
    while (iterations is None or done < iterations) and time.perf_counter() < search_deadline_s:
        n = chunk if iterations is None else min(chunk, iterations - done)
        now = time.perf_counter()
        prog0 = (now - started) / span
        progress = done / total if total else prog0
        if route_min is not None:
            # Phase changes at a fixed iteration (or time): one iteration per chunk in
            # and around the phase keeps runs that stop by iterations reproducible.
            st, best, n = route_min.step(st, best, objs, progress, n)
            if iterations is not None and not route_min.done:
                n = 1
        began = now
        K.run_chunk(
            P,
            scratch,
            work,
            st,
            route_min.best if route_min is not None and route_min.active else best,
            n,
            done,
            total,
            prog0,
            prog0,
            params,
            route_min.objs if route_min is not None and route_min.active else objs,
            recorder,
        )
        if partitioning:
            routes.drain(recorder)
        elapsed = time.perf_counter() - began
        done += n
        # Chunks of about 10 ms keep the deadline while the loop stays in compiled code
        # (and never more iterations than the pool's buffer can record).
        per_iteration = elapsed / n
        chunk = max(1, min(4 * chunk, int(0.01 / max(per_iteration, 1e-7)), max_chunk))
        if iterations is None:
            prog1 = (time.perf_counter() - started) / span
            chunk = max(1, chunk if prog1 < 1.0 else 1)
    if route_min is not None and route_min.active:
        st, best = route_min.finish(st, best, objs)
    gain = 0.0
    if partitioning:
        left_s = deadline_s - time.perf_counter()
        if left_s > 0:
            found = pool.partition(
                compiled,
                routes,
                best,
                scratch,
                seed=seed,
                time_limit_s=left_s if left_s < float("inf") else None,
                deterministic_s=config.partition_deterministic_s if iterations else None,
            )
            if found is not None and found[1] < objs[1] - 1e-9:
                gain = float(objs[1] - found[1])
                best = found[0]
                objs[1] = found[1]
    visits, starts = _decode(compiled, problem, best)
    return SearchRun(
        visits=visits,
        starts=starts,
        objective=float(objs[1]),
        start_objective=start_objective,
        iterations=done,
        seconds=time.perf_counter() - started,
        pool_routes=len(routes),
        partition_gain=gain,
    )


class _RouteMin:
    """The route-minimisation phase of :func:`run_kernels` (see
    :class:`SearchConfig`'s ``route_min_*``).  While :attr:`active`, the annealing runs on
    its own state, best and objectives (:attr:`best`, :attr:`objs`), with the vehicles
    it emptied frozen."""

    def __init__(
        self,
        P: tuple[np.ndarray, ...],
        scratch: tuple[np.ndarray, ...],
        work: tuple[np.ndarray, ...],
        config: SearchConfig,
    ) -> None:
        self.P, self.scratch, self.work = P, scratch, work
        self.begin = config.route_min_from
        self.end = config.route_min_from + config.route_min_share
        self.active = False
        self.done = False
        self.frozen: list[int] = []
        self.main_best: tuple[np.ndarray, ...] = ()
        self.best: tuple[np.ndarray, ...] = ()
        self.objs = np.zeros(2)
        self.found: tuple[np.ndarray, ...] | None = None
        self.served = 0

    def _served(self, state: tuple[np.ndarray, ...]) -> int:
        return int(np.count_nonzero(state[K.T_ROUTE] >= 0))

    def _drop_route(self, st: tuple[np.ndarray, ...]) -> bool:
        """Empty the open route with the fewest stops and freeze every empty vehicle."""
        lengths = st[K.R_LEN]
        open_routes = [
            v for v in range(len(lengths)) if lengths[v] > st[K.R_PRE][v] and not st[K.R_FROZEN][v]
        ]
        if len(open_routes) < 2 or any(st[K.R_PRE][v] for v in open_routes):
            return False
        victim = min(open_routes, key=lambda v: (int(lengths[v]), v))
        stop_task = self.P[K.STOP_TASK]
        tasks = sorted({int(stop_task[s]) for s in st[K.R_STOPS][victim, : lengths[victim]]})
        self.work[K.W_STAMP][0] += 1
        for t in tasks:
            K.remove_task(self.P, self.scratch, self.work, st, t)
        for v in range(len(lengths)):
            if lengths[v] == 0 and not st[K.R_FROZEN][v]:
                st[K.R_FROZEN][v] = 1
                self.frozen.append(v)
        value = float(K.objective(self.P, st))
        self.objs[:] = value
        self.best = tuple(a.copy() for a in st)
        return True

    def step(
        self,
        st: tuple[np.ndarray, ...],
        best: tuple[np.ndarray, ...],
        objs: np.ndarray,
        progress: float,
        n: int,
    ) -> tuple[tuple[np.ndarray, ...], tuple[np.ndarray, ...], int]:
        """Before a chunk at ``progress`` (0-1) of ``n`` iterations: start, advance or
        end the phase; the state and best to go on with, and the chunk's size."""
        if self.done:
            return st, best, n
        if not self.active:
            if progress < self.begin:
                return st, best, n
            self.main_best = best
            self.served = self._served(best)
            st = tuple(a.copy() for a in best)
            if not self._drop_route(st):
                self.done = True
                return st, best, n
            self.active = True
            return st, best, 1
        if progress >= self.end:
            return (*self.finish(st, best, objs), n)
        if self._served(self.best) >= self.served:  # the routes left serve as many tasks
            self.found = tuple(a.copy() for a in self.best)
            st = tuple(a.copy() for a in self.best)
            if not self._drop_route(st):
                return (*self.finish(st, best, objs), n)
        return st, best, 1

    def finish(
        self, st: tuple[np.ndarray, ...], best: tuple[np.ndarray, ...], objs: np.ndarray
    ) -> tuple[tuple[np.ndarray, ...], tuple[np.ndarray, ...]]:
        """End the phase: the state to go on with (the plan with fewest routes found,
        the frozen vehicles opened again, else the main best) and the main best."""
        self.active = False
        self.done = True
        best = self.main_best
        start = best
        if self.found is not None:
            found = tuple(a.copy() for a in self.found)
            for v in self.frozen:
                found[K.R_FROZEN][v] = 0
            if float(K.objective(self.P, found)) < objs[1] - 1e-9:
                start = found  # fewer routes and cheaper: the search goes on from there
        st = tuple(a.copy() for a in start)
        for v in self.frozen:
            st[K.R_FROZEN][v] = 0
        value = float(K.objective(self.P, st))
        objs[0] = value
        if value < objs[1] - 1e-9:
            objs[1] = value
            best = tuple(a.copy() for a in st)
        return st, best


def evaluate_visits(
    compiled: Compiled,
    problem: RoutingProblem,
    vehicle_id: str,
    visits: Sequence[Visit],
    start_s: float,
) -> tuple[bool, float]:
    """(feasible, cost) of one route by the compiled evaluation, for comparison with
    :func:`solvers.evaluate.evaluate_route` (the cost of an infeasible route too)."""
    ensure_compiled()
    index = next(i for i, v in enumerate(problem.vehicles) if v.id == vehicle_id)
    seq = np.array([compiled.stop_of[v] for v in visits] or [0], dtype=np.int64)
    scratch, _ = _workspaces(compiled, problem)
    ok, cost, _ = K.route_eval(
        compiled.arrays, scratch, index, seq, len(visits), float(start_s), False
    )
    return bool(ok), float(cost)
