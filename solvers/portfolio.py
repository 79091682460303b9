"""The solver portfolio: different searches in parallel processes, the best checked answer kept.

:func:`run_portfolio` runs the members of :func:`lineup` (OR-Tools worker configurations
of :mod:`solvers.ortools.search`, PyVRP when it models the problem exactly, each with
its own seed) on ``SolveParams.workers`` processes, all to the same deadline (the
search's part of the call's budget, :mod:`solvers.budget`).  Every answer is re-evaluated
with :mod:`solvers.evaluate` and judged by the independent checker
(:func:`solvers.checker.check`); the best accepted one by the project's objective wins
(:func:`assess`: required tasks served first, then cost), ties going to the earlier
member, so the result does not depend on which process finishes first.  A member that
raises, dies or returns nothing the checker accepts is ignored; if no answer is accepted,
the best OR-Tools answer is kept (its routes may break a lock the problem made
impossible, which the operator must see), else no solution.

Adding a member: one entry in :data:`ROUND` and one runner in :data:`RUNNERS`.
"""

from __future__ import annotations

import dataclasses
import math
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from itertools import count, islice
from time import perf_counter
from typing import Any

from solvers.balance import balance_cost
from solvers.budget import MIN_PART_S, Budget
from solvers.checker import check
from solvers.errors import InvalidInputError
from solvers.evaluate import Visit, evaluate_route
from solvers.ortools.search import own_search_ready, run_worker
from solvers.params import SolveParams
from solvers.problem import RoutingProblem
from solvers.processes import die_with_parent, terminate_pool, worker_context, worker_count
from solvers.pyvrp_member import (
    PyvrpRoutes,
    build_data,
    preload,
    pyvrp_support,
    run_pyvrp,
    run_pyvrp_abandonable,
    setup_fits,
)
from solvers.repair import repair_routes
from solvers.rr import is_compiled, supports
from solvers.solution import (
    CostBreakdown,
    Route,
    RoutingSolution,
    SolveStats,
    SolveStatus,
    UnassignedReason,
    UnassignedTask,
)


class MemberKind(StrEnum):
    """A kind of search in the portfolio."""

    ORTOOLS = "ortools"  # solvers.ortools.search: configuration (index + seed) mod 2
    PYVRP = "pyvrp"  # solvers.pyvrp_member, seed + index; only on exact problems


@dataclass(frozen=True, slots=True)
class Member:
    """One search of the portfolio: its kind and its index among its kind (the OR-Tools
    worker number; PyVRP's seed offset)."""

    kind: MemberKind
    index: int

    @property
    def name(self) -> str:
        """``kind:index``, as :class:`~solvers.solution.SolveStats` records the winner."""
        return f"{self.kind}:{self.index}"


# One round of the lineup: (kind, whether it needs a problem PyVRP models exactly).  The
# lineup repeats the round with index 0, 1, 2...; with W workers the first W members of
# the lineup run.  Two workers on an exact problem: OR-Tools configuration 0 and PyVRP;
# otherwise the two OR-Tools configurations, as before the portfolio.  OR-Tools stays
# in the pair because PyVRP keeps required tasks hard: where one cannot be served it
# finds no feasible solution and OR-Tools' answer (the task unassigned, with a reason)
# is the plan.
# Measured on the 29 shared Solomon instances, seed 0, `./run quality --family solomon
# --time-limit 1` (wall clock, machine loaded by other helpers: load average 15-22 on 2
# cores; mean gap % to the distance-only BKS / mean vehicles, all 29 feasible and
# checker-accepted):
#   1 worker:  OR-Tools alone (main) +37.65 / 9.41   PyVRP first (this lineup) +3.00 / 9.45
#   2 workers: OR-Tools x2 (main)    +28.92 / 10.14  OR-Tools + PyVRP          +3.29 / 9.62
#   plain PyVRP peer, 1 thread, same run as the 2-worker portfolio: +2.46 / 9.41
# (2 workers do not beat 1 here: on a machine this loaded the two processes share what
# one would get.)  At 10 s, 2 workers, load 19-30: main +5.14 / 9.14, this lineup
# +1.33 / 9.17, plain PyVRP +1.11 / 9.10 (same run), VROOM +8.94 / 8.69, plain OR-Tools
# +5.79 / 9.76.  Li & Lim 100 at 10 s (same conditions): main +8.01 / 8.59, this lineup
# +0.38 / 8.00, plain PyVRP +0.07 / 8.00, VROOM +0.47 / 8.03, plain OR-Tools +10.57 /
# 9.17.  One line to rerun on a quieter machine:
#   ./run quality --family solomon --time-limit 10 --peers --curve --curve-limits 1,3
ROUND: tuple[tuple[MemberKind, bool], ...] = (
    (MemberKind.ORTOOLS, False),
    (MemberKind.PYVRP, True),
)
# PyVRP's search (a population, then iterations) needs time to be worth its start, and
# importing it in a fresh process takes a few tenths of a second on a loaded machine: below
# this search budget the flows of a plan (a few tenths each at the default 2 s) keep
# OR-Tools, whose first solution comes at once.  Seconds.
MIN_PYVRP_S = 0.5
# PyVRP's data (our translation and its own setup) is built before its search starts and
# is not bounded by the call's deadline: 2,000 tasks took about 100 s under load against
# a 1 s limit (issue 16), so larger problems keep OR-Tools, whose model build is bounded.
# Tasks.
MAX_PYVRP_TASKS = 1000
# With one worker on an exact problem PyVRP runs alone (measured above); OR-Tools runs
# after it with what is left only when PyVRP's answer is not accepted.
ONE_WORKER_FIRST = MemberKind.PYVRP


def lineup(
    problem: RoutingProblem, params: SolveParams, search_s: float = math.inf
) -> list[Member]:
    """The members that run for ``problem`` with ``search_s`` seconds, in tie-breaking
    order: ``params.workers`` of them, then one more as the backup run when none of them
    is accepted.  PyVRP runs only on problems it models exactly and with at least
    :data:`MIN_PYVRP_S`, on at most :data:`MAX_PYVRP_TASKS` tasks."""
    exact = (
        pyvrp_support(problem) is None
        and search_s >= MIN_PYVRP_S
        and len(problem.tasks) <= MAX_PYVRP_TASKS
        and setup_fits(problem, search_s)  # rel16: its setup must leave it time to search
    )
    members = list(islice(_all_members(exact), params.workers + 1))
    first = next((m for m in members if m.kind is ONE_WORKER_FIRST), None)
    if params.workers == 1 and first is not None:
        members = [first, *(m for m in members if m != first)]
    return members


def _all_members(exact: bool) -> Iterator[Member]:
    for index in count():
        for kind, needs_exact in ROUND:
            if exact or not needs_exact:
                yield Member(kind, index)


@dataclass(frozen=True)
class MemberAnswer:
    """What one member found, in the problem's terms.

    Attributes:
        member: the member.
        routes: per vehicle with visits, (vehicle id, visits, departure in seconds).
        objective: the member's own objective (its integer units; -1 if none).
        interleave: OR-Tools' interleaved multi-pickup model (routes need repair).
        fallback: whether the first solution came from OR-Tools' fallback heuristic.
        error: why the member gave no answer ("" when it did).
        alternate: another plan of the member, judged only when this one is not
            accepted (the OR-Tools start behind the own search's plan).
        stop_moves_done: the plan is the own search's, whose stops were relocated
            already (``solve`` skips its stop-level pass).
    """

    member: Member
    routes: tuple[tuple[str, tuple[Visit, ...], float], ...] = ()
    objective: int = -1
    interleave: bool = False
    fallback: bool = False
    error: str = ""
    alternate: MemberAnswer | None = None
    stop_moves_done: bool = False

    @property
    def found(self) -> bool:
        """Whether the member returned routes (or an empty plan) to judge."""
        return not self.error


def _run_ortools(
    problem: RoutingProblem, params: SolveParams, member: Member, budget: Budget
) -> MemberAnswer:
    # The own search (solvers.rr) runs when its kernels are loaded: run_portfolio loads
    # them before the workers fork (own_search_ready), so a worker inherits them.
    result = run_worker(problem, params, member.index, budget, own_search=is_compiled())
    if not result.found:
        return MemberAnswer(member, error="no solution")
    scale = params.distance_scale
    routes = tuple(
        (vehicle.id, tuple(visits), departure / scale)
        for vehicle, (visits, departure) in zip(problem.vehicles, result.routes, strict=True)
        if visits
    )
    start = MemberAnswer(member, routes, result.objective, result.interleave, result.fallback)
    if result.improved is None:
        return start
    improved = MemberAnswer(
        member,
        tuple(
            (vehicle.id, tuple(visits), departure)
            for vehicle, (visits, departure) in zip(problem.vehicles, result.improved, strict=True)
            if visits
        ),
        result.objective,
        False,  # the own search starts from repaired routes
        result.fallback,
    )
    # The own search keeps the best it saw by the compiled copy of the exact evaluation
    # (equal to 1e-6), never worse than its start: the member answers with it, and the
    # portfolio judges the start only when the checker rejects it.  (search18c: judging
    # both here as well as in the portfolio took 0.03-0.15 s past a 1 s deadline.)
    # A quick start (no OR-Tools start, solvers.ortools.search.QUICK_START_S) has no
    # alternate: an empty plan must not win over a rejected one (the checker's report of
    # the rejected plan is what the operator must see).
    alternate = start if any(visits for _, visits, _ in routes) else None
    return dataclasses.replace(improved, alternate=alternate, stop_moves_done=True)


def _run_pyvrp(
    problem: RoutingProblem, params: SolveParams, member: Member, budget: Budget
) -> MemberAnswer:
    # rel16: in a child process abandoned at the deadline (its setup is not cut by it).
    # search18c: small problems run in the member's own process: their setup is short
    # (SETUP_S: 0.14 s for 250 tasks under load) and the child's fork and pickling took
    # 0.1-0.16 s of a 1 s call before PyVRP's search began.
    run = run_pyvrp_inline if len(problem.tasks) <= INLINE_PYVRP_TASKS else run_pyvrp_abandonable
    found = run(
        problem,
        params.distance_scale,
        budget.deadline_s,
        params.seed + member.index,
        params.iterations,
    )
    if found is None:
        return MemberAnswer(member, error="PyVRP gave no answer by the deadline")
    if not found.feasible:
        return MemberAnswer(member, error="PyVRP found no feasible solution")
    return MemberAnswer(member, found.routes, found.objective)


# search18c: PyVRP runs in the member's process up to this many tasks.  Tasks.
INLINE_PYVRP_TASKS = 250


def run_pyvrp_inline(
    problem: RoutingProblem, scale: int, deadline_s: float, seed: int, iterations: int | None
) -> PyvrpRoutes | None:
    """:func:`solvers.pyvrp_member.run_pyvrp` in this process (the member's worker),
    for problems whose setup is short; None when the deadline has passed already."""
    if perf_counter() >= deadline_s:
        return None
    return run_pyvrp(build_data(problem, scale), deadline_s, seed, iterations)


Runner = Callable[[RoutingProblem, SolveParams, Member, Budget], MemberAnswer]
RUNNERS: dict[MemberKind, Runner] = {
    MemberKind.ORTOOLS: _run_ortools,
    MemberKind.PYVRP: _run_pyvrp,
}


def run_member(
    problem: RoutingProblem, params: SolveParams, member: Member, budget: Budget
) -> MemberAnswer:
    """Run ``member`` until ``budget``'s deadline; an exception becomes an answer with
    ``error`` set (a failing member is ignored, never fatal).

    Raises:
        InvalidInputError: the problem breaks a rule the member's adapter checks.
    """
    try:
        return RUNNERS[member.kind](problem, params, member, budget)
    except InvalidInputError:
        raise  # the problem's fault, named (defence in depth at the adapter): the caller's
    except Exception as exc:
        return MemberAnswer(member, error=f"{type(exc).__name__}: {exc}")


def assess(
    problem: RoutingProblem, routes: dict[str, list[Visit]], starts: dict[str, float]
) -> tuple[bool, tuple[int, float]]:
    """Whether the independent checker accepts these routes as a solution (every task
    not on them listed unassigned), and their key: (tasks that must be served left out,
    or broken routes; total cost), lower is better.  Locked work counts as required, as
    in the model (``must_serve``).  Each route is evaluated once for both."""
    built: list[Route] = []
    broken = 0
    late_carried = 0.0  # rel-solver: late goods on board rank above any cost
    for vehicle_id, visits in routes.items():
        if not visits:
            continue
        ev = evaluate_route(problem, problem.vehicle(vehicle_id), visits, starts[vehicle_id])
        broken += not ev.feasible
        late_carried += ev.ranking_cost - ev.cost.total
        built.append(ev.as_route(problem, vehicle_id))
    served = {tid for visits in routes.values() for tid, _ in visits}
    missing = [t for t in problem.tasks if t.id not in served]
    broken += sum(problem.must_serve(t.id) for t in missing)
    unassigned = tuple(UnassignedTask(t.id, UnassignedReason.SEARCH_LIMIT, "") for t in missing)
    drop = sum(t.drop_penalty or 0.0 for t in missing)
    cost = sum((r.cost for r in built), CostBreakdown(drop_penalty=drop))
    cost += balance_cost(problem, built)  # fleet13: workload balance
    stats = SolveStats(SolveStatus.SOLVED, 0.0, 0, 0, 1, 0)
    ok = check(problem, RoutingSolution(tuple(built), unassigned, cost, stats)).ok
    return ok, (broken, cost.total + late_carried)


@dataclass(frozen=True)
class Pick:
    """The portfolio's answer.

    Attributes:
        routes: visits per vehicle id (vehicles with visits).
        departures: departure per vehicle id, seconds (the shift start where the
            winner gave none).
        objective: the winning member's own objective.
        member: position of the winner in the lineup (-1: no answer).
        name: the winner's name (``kind:index``; "" for none).
        fallback: whether the winner's first solution came from the fallback heuristic.
        accepted: whether the checker accepted the winner.
        answers: every member's answer, in lineup order.
        stop_moves_done: the winner's :attr:`MemberAnswer.stop_moves_done`.
    """

    routes: dict[str, list[Visit]]
    departures: dict[str, float]
    objective: int
    member: int
    name: str
    fallback: bool
    accepted: bool
    answers: tuple[MemberAnswer, ...]
    stop_moves_done: bool = False


def _run_all(
    problem: RoutingProblem, params: SolveParams, members: list[Member], budget: Budget
) -> list[MemberAnswer]:
    if len(members) == 1:
        return [run_member(problem, params, members[0], budget)]
    if any(m.kind is MemberKind.PYVRP for m in members):
        preload()
    warm = _warm_pool(len(members), problem)  # search18c
    if warm is not None:
        return _run_warm(warm, problem, params, members, budget)
    context = worker_context()
    pool = _member_pool(len(members), context)
    try:
        futures = _submit_members(  # rel16
            pool, context, problem=problem, params=params, members=members, budget=budget
        )
        answers, _ = _gather(members, futures)
    except BaseException:
        # Interrupted (Ctrl-C, the SystemExit the CLI raises on SIGTERM): stop the
        # members now rather than waiting for their deadline.
        terminate_pool(pool)
        raise
    # Every answer is in: the workers are ending; waiting for them to exit took 0.05-0.1 s
    # past a 1 s deadline (search18c), and nothing of theirs is needed any more.
    pool.shutdown(wait=False)
    return answers


def _member_pool(workers: int, context: Any) -> ProcessPoolExecutor:
    """A pool for the members.  Workers die with this process when it is killed
    (solvers.processes); a member that dies itself is a BrokenProcessPool error on its
    future, not a hang."""
    return ProcessPoolExecutor(
        max_workers=workers,
        mp_context=context,
        initializer=die_with_parent,
        initargs=(os.getpid(),),
    )


def _gather(
    members: Sequence[Member], futures: Sequence[Future[MemberAnswer]]
) -> tuple[list[MemberAnswer], bool]:
    """Every member's answer, in order (a member whose worker failed answers with the
    error; bad input is raised), and whether any worker failed."""
    answers: list[MemberAnswer] = []
    failed = False
    for member, future in zip(members, futures, strict=True):
        try:
            answers.append(future.result())
        except InvalidInputError:
            raise
        except Exception as exc:
            answers.append(MemberAnswer(member, error=f"{type(exc).__name__}: {exc}"))
            failed = True
    return answers, failed


# --- search18c: warm workers reused across calls ---------------------------------------
# Forking the members' processes took 0.1-0.25 s of a 1 s call (Solomon, load 4-8:
# a process with numba's kernels, OR-Tools and PyVRP loaded).  Within
# :func:`warm_workers` (the quality report) the parallel members of small problems run
# on processes kept from one call to the next; the problem then travels pickled (under
# 1 MB at :data:`WARM_MAX_TASKS`).
WARM_MAX_TASKS = 400
_WARM: dict[str, Any] = {"enabled": False, "pool": None, "key": None}


@contextmanager
def warm_workers() -> Iterator[None]:
    """Within this block the portfolio keeps its worker processes between calls (for
    problems of at most :data:`WARM_MAX_TASKS` tasks, where ``fork`` exists); they are
    shut down when it ends."""
    _WARM["enabled"] = True
    try:
        yield
    finally:
        _WARM["enabled"] = False
        _drop_warm(wait=True)


def _drop_warm(*, wait: bool) -> None:
    pool = _WARM["pool"]
    _WARM.update(pool=None, key=None)
    if pool is not None:
        pool.shutdown(wait=wait, cancel_futures=True)


def _warm_pool(workers: int, problem: RoutingProblem) -> ProcessPoolExecutor | None:
    """The kept pool for ``workers`` members (made now if needed), or None outside
    :func:`warm_workers`, for larger problems, or without ``fork``.  A pool forked
    before the kernels or PyVRP were loaded is replaced, so workers have what the
    parent has."""
    context = worker_context()
    if (
        not _WARM["enabled"]
        or len(problem.tasks) > WARM_MAX_TASKS
        or context.get_start_method() != "fork"
    ):
        return None
    key = (workers, is_compiled(), "pyvrp" in sys.modules)
    if _WARM["pool"] is not None and _WARM["key"] == key:
        pool: ProcessPoolExecutor = _WARM["pool"]
        return pool
    _drop_warm(wait=False)
    pool = _member_pool(workers, context)
    _WARM.update(pool=pool, key=key)
    return pool


def _run_warm(
    pool: ProcessPoolExecutor,
    problem: RoutingProblem,
    params: SolveParams,
    members: list[Member],
    budget: Budget,
) -> list[MemberAnswer]:
    try:
        futures = [pool.submit(run_member, problem, params, m, budget) for m in members]
        answers, failed = _gather(members, futures)
    except BaseException:
        terminate_pool(pool)
        _drop_warm(wait=False)
        raise
    if failed:  # a dead worker breaks the pool: make a new one next time
        _drop_warm(wait=False)
    return answers


# --- end search18c ---------------------------------------------------------------------


# --- rel16: forked members inherit the problem ----------------------------------------
# Pickling a 1,000-task problem (16 MB of matrices) to each worker took most of a 0.3 s
# budget under load; forked workers inherit it instead (set before the pool forks them).
_INHERITED: list[tuple[RoutingProblem, SolveParams, Budget]] = []


def _submit_members(
    pool: ProcessPoolExecutor,
    context: Any,
    *,
    problem: RoutingProblem,
    params: SolveParams,
    members: list[Member],
    budget: Budget,
) -> list[Future[MemberAnswer]]:
    if context.get_start_method() != "fork":
        return [pool.submit(run_member, problem, params, m, budget) for m in members]
    _INHERITED[:] = [(problem, params, budget)]
    try:
        # A forking pool starts all its workers at the first submit, so each inherits it.
        return [pool.submit(_run_inherited, m) for m in members]
    finally:
        _INHERITED.clear()


def _run_inherited(member: Member) -> MemberAnswer:
    problem, params, budget = _INHERITED[0]
    return run_member(problem, params, member, budget)


# --- end rel16 -------------------------------------------------------------------------


def _judge(
    problem: RoutingProblem, answer: MemberAnswer, deadline_s: float
) -> tuple[dict[str, list[Visit]], dict[str, float], bool, tuple[int, float]]:
    routes = {vid: list(visits) for vid, visits, _ in answer.routes}
    starts = {v.id: v.shift.start_s for v in problem.vehicles}
    starts.update({vid: departure for vid, _, departure in answer.routes})
    if answer.interleave:
        routes = repair_routes(problem, routes, starts, deadline_s)
    return routes, starts, *assess(problem, routes, starts)


def _better(
    problem: RoutingProblem,
    best: tuple[tuple[int, int, float, int], Pick] | None,
    answer: MemberAnswer,
    position: int,
    post_deadline_s: float,
) -> tuple[tuple[int, int, float, int], Pick] | None:
    """``best`` or ``answer`` (at ``position`` in the lineup), whichever ranks first:
    accepted by the checker, then :func:`assess`'s key, then lineup order.  Only OR-Tools
    answers may rank unaccepted (the last resort of the module's docstring)."""
    if not answer.found:
        return best
    routes, starts, ok, key = _judge(problem, answer, post_deadline_s)
    if not ok and answer.alternate is not None:
        other = _judge(problem, answer.alternate, post_deadline_s)
        if (not other[2], other[3]) < (not ok, key):
            answer = answer.alternate
            routes, starts, ok, key = other
    if not ok and answer.member.kind is not MemberKind.ORTOOLS:
        return best
    rank = (int(not ok), *key, position)
    if best is not None and best[0] <= rank:
        return best
    pick = Pick(
        routes,
        starts,
        answer.objective,
        position,
        answer.member.name,
        answer.fallback,
        ok,
        (),
        answer.stop_moves_done,
    )
    return rank, pick


# With one worker and PyVRP first, PyVRP stops this share of the search's time early so
# that OR-Tools can still answer within the call's limit when PyVRP's answer is not
# accepted (PyVRP keeps required tasks hard: where one cannot be served it finds no
# feasible plan, and OR-Tools' answer, with the task unassigned and a reason, is the
# plan).  Fraction of the budget left when the members start.
BACKUP_SHARE = 0.15


def _first_budget(params: SolveParams, members: list[Member], budget: Budget) -> Budget:
    """The first round's budget: the whole of ``budget``, except that a lone PyVRP
    member leaves :data:`BACKUP_SHARE` of it to the OR-Tools backup (a run that stops by
    iterations keeps the whole budget as its cap)."""
    alone = params.workers == 1 and members and members[0].kind is MemberKind.PYVRP
    if not alone or len(members) < 2 or params.iterations is not None:
        return budget
    return Budget(budget.deadline_s - BACKUP_SHARE * budget.remaining_s())


# search18c: the members stop this share of the search's time (at most
# JUDGE_RESERVE_MAX_S) before its deadline, for what follows their answers before the
# call can return: sending them back, re-evaluating and checking each (0.01-0.03 s per
# answer for 100 tasks, load 4-8), and the worker processes' exit.  Clock runs only.
JUDGE_RESERVE_SHARE = 0.04
JUDGE_RESERVE_MAX_S = 0.1


def _judging_reserved(params: SolveParams, budget: Budget) -> Budget:
    if params.iterations is not None:
        return budget
    reserve_s = min(JUDGE_RESERVE_MAX_S, JUDGE_RESERVE_SHARE * budget.remaining_s())
    return Budget(budget.deadline_s - reserve_s)


def run_portfolio(
    problem: RoutingProblem, params: SolveParams, budget: Budget, post_deadline_s: float
) -> Pick:
    """Run the lineup's first ``params.workers`` members in parallel until ``budget``'s
    deadline and pick the best checked answer (see the module's docstring).

    If no answer is accepted, the lineup's next member runs with the time left, if at
    least :data:`~solvers.budget.MIN_PART_S` is (a lone PyVRP member leaves it
    :data:`BACKUP_SHARE`).  ``post_deadline_s`` bounds the repair of interleaved routes.
    """
    # No more processes than usable cores (solvers.processes), whatever was asked.
    params = dataclasses.replace(params, workers=worker_count(params.workers))
    # The own search's kernels, loaded (or compiled) before the workers fork; an
    # iteration stop must not depend on how long that took.
    loading_s = perf_counter()
    # real13: only for a problem the kernels model; loading them took 7 of an 8 s
    # budget on a loaded machine for a balanced problem they then never ran on.
    if supports(problem):
        own_search_ready(params, budget)
    if params.iterations is not None:
        budget = Budget(budget.deadline_s + perf_counter() - loading_s)
    members = lineup(problem, params, budget.remaining_s())
    first = _first_budget(params, members, _judging_reserved(params, budget))
    answers = _run_all(problem, params, members[: params.workers], first)
    best = None
    for position, answer in enumerate(answers):
        best = _better(problem, best, answer, position, post_deadline_s)
    # The backup member runs only in the time the call has left: the time limit is a
    # promise, so a first round that used it all is the answer (or no answer).
    if (
        (best is None or not best[1].accepted)
        and len(members) > params.workers
        and budget.remaining_s() >= MIN_PART_S
    ):
        answers.append(run_member(problem, params, members[params.workers], budget))
        best = _better(problem, best, answers[-1], len(answers) - 1, post_deadline_s)
    if best is None:
        return Pick({}, {}, 0, -1, "", False, False, tuple(answers))
    return dataclasses.replace(best[1], answers=tuple(answers))
