"""Compiled inner loops of the ruin-and-recreate search (numba, cached on disk).

Everything here works on the flat arrays of :mod:`solvers.rr.compiled` (``P``, a tuple
of arrays describing the problem) and on a search state of integer route arrays.  The
route evaluation :func:`route_eval` reproduces :func:`solvers.evaluate.evaluate_route`
operation by operation (same float arithmetic, same order), so its cost and feasibility
are the exact evaluation's (tested to 1e-6 on random routes).  Units are the problem's:
seconds, metres, money.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from solvers.evaluate import LATE_CARRIED_PER_S

# Numba kernels: numba compiles only the legacy np.random functions (NPY002), and flat
# positional arguments are how arrays reach compiled code (PLR0917).
# ruff: noqa: NPY002, PLR0917

EPS = 1e-6
NEG_INF = -math.inf

# Indices into the problem tuple P (built by solvers.rr.compiled.compile_problem).
# stop arrays
STOP_LOC, STOP_SERVICE, STOP_TASK, STOP_IS_DELIVERY = 0, 1, 2, 3
STOP_WIN_OFF, STOP_WIN_CNT, WIN_START, WIN_END = 4, 5, 6, 7
STOP_MAX_LATE, STOP_LATE_COST, STOP_DEMAND = 8, 9, 10
# task arrays
TASK_FIRST, TASK_NSTOPS, TASK_MAX_RIDE, TASK_PENALTY = 11, 12, 13, 14
TASK_NOPICKUP, TASK_FIXED, TASK_DEMAND, TASK_CARRIER = 15, 16, 17, 18
TASK_BEGAN, TASK_BEGAN_VEH, SKILL_OK, COMPAT = 19, 20, 21, 22
# vehicle arrays
VEH_START, VEH_END, VEH_SHIFT_START, VEH_SHIFT_END = 23, 24, 25, 26
VEH_CAP, VEH_PROFILE, VEH_FIXED, VEH_PER_KM, VEH_PER_HOUR = 27, 28, 29, 30, 31
VEH_MAX_DUR, VEH_MAX_DIST, VEH_INIT_LOAD, VEH_CLASS = 32, 33, 34, 35
DIST, DUR, TASK_NEIGHBOURS, TASK_FAR, TASK_SIZE = 36, 37, 38, 39, 40
VEH_OVERLOADED, TASK_LOCKED_TO, VEH_CARRIES = 41, 42, 43


@njit(cache=True)
def _service_start(
    arrival: float, off: int, cnt: int, win_s: np.ndarray, win_e: np.ndarray
) -> tuple[float, float]:
    """(start of service, lateness): the first window still open, else late."""
    for w in range(off, off + cnt):
        if arrival <= win_e[w]:
            return max(arrival, win_s[w]), 0.0
    return arrival, arrival - win_e[off + cnt - 1]


@njit(cache=True)
def _drive(P, S, v, seq, n, dep, hold, early):  # type: ignore[no-untyped-def]
    """One forward pass (see ``solvers.evaluate._drive``).

    Returns (breached (non-fixable), ride breaches left, ranking cost, first service
    start, holds changed).  Ride-time excesses of tasks whose first pickup is on the
    route raise that pickup's hold in ``hold`` (as the exact evaluation's next pass
    does).  Goods the vehicle carries (on board or partly picked) are delivered late
    rather than breaching their windows, ride limit or skills: the ranking cost adds
    ``LATE_CARRIED_PER_S`` per second late.  An overloaded vehicle's capacity is not
    checked, and any task not locked to it is a breach.  A vehicle that carries goods
    (issue 16) may end past its shift end, the overtime counted as late carried time,
    but must leave every stop of work it does not carry by the shift end.
    """
    stop_loc = P[STOP_LOC]
    stop_service = P[STOP_SERVICE]
    stop_task = P[STOP_TASK]
    stop_is_del = P[STOP_IS_DELIVERY]
    win_off = P[STOP_WIN_OFF]
    win_cnt = P[STOP_WIN_CNT]
    win_s = P[WIN_START]
    win_e = P[WIN_END]
    max_late = P[STOP_MAX_LATE]
    late_cost = P[STOP_LATE_COST]
    stop_demand = P[STOP_DEMAND]
    max_ride = P[TASK_MAX_RIDE]
    nopickup = P[TASK_NOPICKUP]
    task_demand = P[TASK_DEMAND]
    carrier = P[TASK_CARRIER]
    began_lock = P[TASK_BEGAN]
    began_veh = P[TASK_BEGAN_VEH]
    skill_ok = P[SKILL_OK]
    cap = P[VEH_CAP]
    overloaded = P[VEH_OVERLOADED][v]
    carries = P[VEH_CARRIES][v]
    shift_end = P[VEH_SHIFT_END][v]
    locked_to = P[TASK_LOCKED_TO]
    dist = P[DIST][P[VEH_PROFILE][v]]
    dur = P[DUR][P[VEH_PROFILE][v]]
    fp_stamp = S[0]
    fp_time = S[1]
    fp_pos = S[2]
    stamp_box = S[3]
    load = S[4]
    stamp_box[0] += 1
    stamp = stamp_box[0]
    dims = cap.shape[1]
    broken = False
    ride_broken = False
    changed = False
    t = dep
    if t < P[VEH_SHIFT_START][v] - EPS:
        broken = True
        if early:
            return True, False, 0.0, 0.0, False
    for k in range(dims):
        load[k] = P[VEH_INIT_LOAD][v, k]
    for i in range(n):
        task = stop_task[seq[i]]
        if nopickup[task] and carrier[task] != v:
            for k in range(dims):
                load[k] += task_demand[task, k]
        if overloaded and locked_to[task] != v:
            broken = True
            if early:
                return True, False, 0.0, 0.0, False
    for k in range(dims):
        if load[k] > cap[v, k] + EPS and not overloaded:
            broken = True
            if early:
                return True, False, 0.0, 0.0, False
    location = P[VEH_START][v]
    distance = 0.0
    lateness = 0.0
    late_carried = 0.0
    first_start = dep
    for i in range(n):
        s = seq[i]
        task = stop_task[s]
        carried = carrier[task] == v
        loc = stop_loc[s]
        arrival = t + dur[location, loc]
        distance += dist[location, loc]
        start, late = _service_start(max(arrival, hold[i]), win_off[s], win_cnt[s], win_s, win_e)
        if i == 0:
            first_start = start
        if carried:
            late_carried += max(0.0, late - max_late[s])
        elif late > max_late[s] + EPS:
            broken = True
            if early:
                return True, False, 0.0, 0.0, False
        lateness += late * late_cost[s]
        if not skill_ok[task, v] and not carried:
            broken = True
            if early:
                return True, False, 0.0, 0.0, False
        if stop_is_del[s]:
            for k in range(dims):
                load[k] -= task_demand[task, k]
            known = False
            began = 0.0
            if fp_stamp[task] == stamp:
                known = True
                began = fp_time[task]
            elif began_veh[task] == v:
                known = True
                began = began_lock[task]
            elif nopickup[task]:
                known = True
                began = dep
            if known and carried:
                if max_ride[task] < math.inf:
                    late_carried += max(0.0, start - began - max_ride[task])
            elif known and start - began > max_ride[task] + EPS:
                if fp_stamp[task] == stamp:
                    over = start - began - max_ride[task]
                    wanted = began + over
                    p = fp_pos[task]
                    if wanted > hold[p] + EPS:
                        hold[p] = wanted
                        changed = True
                    ride_broken = True
                else:
                    broken = True
                    if early:
                        return True, False, 0.0, 0.0, False
        else:
            if fp_stamp[task] != stamp and began_veh[task] != v:
                fp_stamp[task] = stamp
                fp_time[task] = start
                fp_pos[task] = i
            for k in range(dims):
                load[k] += stop_demand[s, k]
        for k in range(dims):
            if load[k] > cap[v, k] + EPS and not overloaded:
                broken = True
                if early:
                    return True, False, 0.0, 0.0, False
        t = start + stop_service[s]
        if carries and not carried and t > shift_end + EPS:  # only goods on board past it
            broken = True
            if early:
                return True, False, 0.0, 0.0, False
        location = loc
    end_loc = P[VEH_END][v]
    if end_loc >= 0 and n > 0:
        t += dur[location, end_loc]
        distance += dist[location, end_loc]
    end = t if n > 0 else dep
    if carries:  # past its shift end a carrier delivers its goods, late
        late_carried += max(0.0, end - shift_end)
    elif end > shift_end + EPS:
        broken = True
    if end - dep > P[VEH_MAX_DUR][v] + EPS:
        broken = True
    if distance > P[VEH_MAX_DIST][v] + EPS:
        broken = True
    cost = 0.0
    if n > 0:
        dist_cost = P[VEH_PER_KM][v] * distance / 1000.0
        time_cost = P[VEH_PER_HOUR][v] * (end - dep) / 3600.0
        cost = P[VEH_FIXED][v] + dist_cost + time_cost + lateness + 0.0
        if late_carried > 0.0:
            cost += LATE_CARRIED_PER_S * late_carried
    return broken, ride_broken, cost, first_start, changed


@njit(cache=True)
def route_eval(P, S, v, seq, n, dep, early):  # type: ignore[no-untyped-def]
    """(feasible, ranking cost, first service start) of ``seq[:n]`` driven by vehicle
    ``v`` leaving at ``dep``: ``solvers.evaluate.evaluate_route`` in compiled form (its
    ``ranking_cost``: late carried goods included).

    With ``early`` the pass stops at the first breach that no hold can repair (the
    cost is then meaningless; feasibility is exact)."""
    hold = S[5]
    for i in range(n):
        hold[i] = NEG_INF
    broken = False
    ride = False
    cost = 0.0
    first = dep
    for _ in range(n + 1):
        broken, ride, cost, first, changed = _drive(P, S, v, seq, n, dep, hold, early)
        if broken and early:
            return False, cost, first
        if not changed:
            break
    return not (broken or ride), cost, first


@njit(cache=True)
def _departure_delay(P, v, seq, n, dep):  # type: ignore[no-untyped-def]
    """How long the departure from ``dep`` can be put off to save waiting without
    making any stop later than the window it starts in (Savelsbergh's forward time
    slack, capped at the route's total waiting): ``min(W_n, min_i W_i + end_i -
    start_i)``, where ``W_i`` is the waiting up to and including stop i and ``end_i``
    the end of the window service starts in (0 slack for a stop already late).  A pass
    without ride-time holds; the caller checks the result with the exact evaluation."""
    stop_loc = P[STOP_LOC]
    win_off = P[STOP_WIN_OFF]
    win_cnt = P[STOP_WIN_CNT]
    win_s = P[WIN_START]
    win_e = P[WIN_END]
    dur = P[DUR][P[VEH_PROFILE][v]]
    t = dep
    location = P[VEH_START][v]
    waited = 0.0
    delay = math.inf
    for i in range(n):
        s = seq[i]
        arrival = t + dur[location, stop_loc[s]]
        start = arrival
        slack = 0.0
        for w in range(win_off[s], win_off[s] + win_cnt[s]):
            if arrival <= win_e[w]:
                start = max(arrival, win_s[w])
                slack = win_e[w] - start
                break
        waited += start - arrival
        delay = min(delay, waited + slack)
        t = start + P[STOP_SERVICE][s]
        location = stop_loc[s]
    return max(0.0, min(delay, waited))


@njit(cache=True)
def route_cost(P, S, v, seq, n):  # type: ignore[no-untyped-def]
    """(feasible, cost, departure) with the departure rule of the search: the shift
    start, or (when time costs money) the latest departure that saves waiting without
    making a stop later (:func:`_departure_delay`), else late enough not to wait at the
    first stop: the first of these that is feasible and cheaper than the shift start.
    OR-Tools' time dimension chooses departures the same way (the start cumul is free,
    the span is paid), so the search prices a route as the plan will drive it."""
    dep = P[VEH_SHIFT_START][v]
    ok, cost, first = route_eval(P, S, v, seq, n, dep, True)
    if not ok or n == 0 or P[VEH_PER_HOUR][v] <= 0.0:
        return ok, cost, dep
    delay = _departure_delay(P, v, seq, n, dep)
    if delay > EPS:
        ok2, cost2, _ = route_eval(P, S, v, seq, n, dep + delay, True)
        if ok2 and cost2 < cost:
            return ok2, cost2, dep + delay
    dur = P[DUR][P[VEH_PROFILE][v]]
    later = first - dur[P[VEH_START][v], P[STOP_LOC][seq[0]]]
    if later > dep + EPS and abs(later - dep - delay) > EPS:
        ok2, cost2, _ = route_eval(P, S, v, seq, n, later, True)
        if ok2 and cost2 < cost:
            return ok2, cost2, later
    return ok, cost, dep


# Indices into the search state tuple ``st``.
R_STOPS, R_LEN, R_PRE, R_FROZEN, R_COST, R_DEP, T_ROUTE = 0, 1, 2, 3, 4, 5, 6
# Indices into the workspace tuple ``W``.
W_BUF, W_BEST, W_CLASS_SEEN, W_TOUCHED, W_BAK_STOPS, W_BAK_LEN = 0, 1, 2, 3, 4, 5
W_BAK_COST, W_BAK_DEP, W_BAK_ROUTE, W_STAMP, W_MARK, W_LIST = 6, 7, 8, 9, 10, 11
W_KEYS, W_RUINED, W_CLASS_STAMP, W_FORWARD, W_LATEST, W_SEQ = 12, 13, 14, 15, 16, 17
W_TASK_POS = 18
INFEASIBLE_COST = 1e15


@njit(cache=True)
def seed_rng(seed):  # type: ignore[no-untyped-def]
    """Seed numba's generator (one per process and thread)."""
    np.random.seed(seed)


@njit(cache=True)
def _touch(W, st, v):  # type: ignore[no-untyped-def]
    """Back route ``v`` up before its first change in this iteration."""
    touched = W[W_TOUCHED]
    stamp = W[W_STAMP][0]
    if touched[v] == stamp:
        return
    touched[v] = stamp
    n = st[R_LEN][v]
    W[W_BAK_STOPS][v, :n] = st[R_STOPS][v, :n]
    W[W_BAK_LEN][v] = n
    W[W_BAK_COST][v] = st[R_COST][v]
    W[W_BAK_DEP][v] = st[R_DEP][v]


@njit(cache=True)
def _restore(W, st):  # type: ignore[no-untyped-def]
    """Undo this iteration's changes."""
    touched = W[W_TOUCHED]
    stamp = W[W_STAMP][0]
    for v in range(touched.shape[0]):
        if touched[v] == stamp:
            n = W[W_BAK_LEN][v]
            st[R_STOPS][v, :n] = W[W_BAK_STOPS][v, :n]
            st[R_LEN][v] = n
            st[R_COST][v] = W[W_BAK_COST][v]
            st[R_DEP][v] = W[W_BAK_DEP][v]
    st[T_ROUTE][:] = W[W_BAK_ROUTE][:]


@njit(cache=True)
def _recost(P, S, st, v):  # type: ignore[no-untyped-def]
    ok, cost, dep = route_cost(P, S, v, st[R_STOPS][v], st[R_LEN][v])
    st[R_COST][v] = cost if ok else INFEASIBLE_COST
    st[R_DEP][v] = dep


@njit(cache=True)
def remove_task(P, S, W, st, t):  # type: ignore[no-untyped-def]
    """Take every stop of task ``t`` out of its route (none of them in a locked prefix)."""
    v = st[T_ROUTE][t]
    if v < 0:
        return
    _touch(W, st, v)
    row = st[R_STOPS][v]
    n = st[R_LEN][v]
    stop_task = P[STOP_TASK]
    w = 0
    for i in range(n):
        if i < st[R_PRE][v] or stop_task[row[i]] != t:
            row[w] = row[i]
            w += 1
    st[R_LEN][v] = w
    st[T_ROUTE][t] = -1
    _recost(P, S, st, v)


@njit(cache=True)
def _lb(dist, a, b, x):  # type: ignore[no-untyped-def]
    """Distance added by visiting location ``x`` between ``a`` and ``b`` (b < 0: end)."""
    if b < 0:
        return dist[a, x]
    return dist[a, x] + dist[x, b] - dist[a, b]


@njit(cache=True)
def _latest_start(P, s, v):  # type: ignore[no-untyped-def]
    """Latest start of service at stop ``s`` on vehicle ``v``, lateness allowance
    included; none for goods ``v`` carries (they are delivered late, at a cost)."""
    if P[TASK_CARRIER][P[STOP_TASK][s]] == v:
        return math.inf
    return P[WIN_END][P[STOP_WIN_OFF][s] + P[STOP_WIN_CNT][s] - 1] + P[STOP_MAX_LATE][s]


@njit(cache=True)
def _stop_limit(P, s, v):  # type: ignore[no-untyped-def]
    """Latest start of service at stop ``s`` on vehicle ``v``: :func:`_latest_start`,
    and on a vehicle carrying goods, for work it does not carry, early enough to leave
    by the shift end (it may run past the shift end only to deliver its goods)."""
    limit = _latest_start(P, s, v)
    if P[VEH_CARRIES][v] and P[TASK_CARRIER][P[STOP_TASK][s]] != v:
        limit = min(limit, P[VEH_SHIFT_END][v] - P[STOP_SERVICE][s])
    return limit


@njit(cache=True)
def _route_end_limit(P, v):  # type: ignore[no-untyped-def]
    """Latest end of a route of ``v``: its shift end, none for a vehicle carrying goods
    (the overtime is paid as late carried time)."""
    if P[VEH_CARRIES][v]:
        return math.inf
    return P[VEH_SHIFT_END][v]


@njit(cache=True)
def _bounds(P, v, seq, n, fw, latest):  # type: ignore[no-untyped-def]
    """Necessary conditions for inserting into ``seq[:n]``: ``fw[i]`` a lower bound on
    the departure from position i (a pass from the shift start without holds: holds and
    insertions only delay), ``latest[i]`` an upper bound on the start of service there
    that leaves the rest of the route on time (last windows, lateness allowances, shift
    end).  Pruning with them never skips a feasible insertion."""
    stop_loc = P[STOP_LOC]
    dur = P[DUR][P[VEH_PROFILE][v]]
    t = P[VEH_SHIFT_START][v]
    location = P[VEH_START][v]
    for i in range(n):
        s = seq[i]
        arrival = t + dur[location, stop_loc[s]]
        start, _ = _service_start(
            arrival, P[STOP_WIN_OFF][s], P[STOP_WIN_CNT][s], P[WIN_START], P[WIN_END]
        )
        t = start + P[STOP_SERVICE][s]
        fw[i] = t
        location = stop_loc[s]
    end_loc = P[VEH_END][v]
    bound = _route_end_limit(P, v)
    for i in range(n - 1, -1, -1):
        s = seq[i]
        if i == n - 1:
            travel = dur[stop_loc[s], end_loc] if end_loc >= 0 else 0.0
        else:
            travel = dur[stop_loc[s], stop_loc[seq[i + 1]]]
        bound = min(_stop_limit(P, s, v), bound - P[STOP_SERVICE][s] - travel)
        latest[i] = bound


@njit(cache=True)
def _fits(P, v, dur, fw, latest, route, n, i, x):  # type: ignore[no-untyped-def]
    """Whether stop ``x`` between positions i-1 and i passes the necessary conditions."""
    stop_loc = P[STOP_LOC]
    a_dep = P[VEH_SHIFT_START][v] if i == 0 else fw[i - 1]
    a = P[VEH_START][v] if i == 0 else stop_loc[route[i - 1]]
    arrival = a_dep + dur[a, stop_loc[x]]
    if arrival > _stop_limit(P, x, v) + 2 * EPS:
        return False
    start, _ = _service_start(
        arrival, P[STOP_WIN_OFF][x], P[STOP_WIN_CNT][x], P[WIN_START], P[WIN_END]
    )
    leave = start + P[STOP_SERVICE][x]
    if i < n:
        return leave + dur[stop_loc[x], stop_loc[route[i]]] <= latest[i] + 2 * EPS
    end_loc = P[VEH_END][v]
    back = dur[stop_loc[x], end_loc] if end_loc >= 0 else 0.0
    return leave + back <= _route_end_limit(P, v) + 2 * EPS


@njit(cache=True)
def insert_task(P, S, W, st, t, blink):  # type: ignore[no-untyped-def]
    """Insert task ``t`` whole at its cheapest feasible place (pickups as one block in
    their compiled order, the delivery after them), skipping each place with
    probability ``blink``.  Inserted only if required or cheaper than its penalty.
    Returns whether it was inserted."""
    stop_loc = P[STOP_LOC]
    first = P[TASK_FIRST][t]
    k = P[TASK_NSTOPS][t]
    npk = k - 1
    d = first + k - 1
    compat = P[COMPAT]
    vclass = P[VEH_CLASS]
    seen = W[W_CLASS_SEEN]
    W[W_CLASS_STAMP][0] += 1
    stamp = W[W_CLASS_STAMP][0]
    buf = W[W_BUF]
    best = W[W_BEST]
    best_delta = math.inf
    best_v = -1
    best_n = 0
    best_dep = 0.0
    best_cost = 0.0
    n_vehicles = st[R_LEN].shape[0]
    for v in range(n_vehicles):
        if not compat[t, v] or st[R_FROZEN][v]:
            continue
        L = st[R_LEN][v]
        if L == 0:
            if seen[vclass[v]] == stamp:
                continue
            seen[vclass[v]] = stamp
        dist = P[DIST][P[VEH_PROFILE][v]]
        per_m = P[VEH_PER_KM][v] / 1000.0
        route = st[R_STOPS][v]
        base = st[R_COST][v]
        p0 = st[R_PRE][v]
        start_loc = P[VEH_START][v]
        end_loc = P[VEH_END][v]
        dur = P[DUR][P[VEH_PROFILE][v]]
        fw = W[W_FORWARD]
        latest = W[W_LATEST]
        _bounds(P, v, route, L, fw, latest)
        inner = 0.0
        for q in range(first, first + npk - 1):
            inner += dist[stop_loc[q], stop_loc[q + 1]]
        for i in range(p0, L + 1):
            if blink > 0.0 and np.random.random() < blink:
                continue
            a = start_loc if i == 0 else stop_loc[route[i - 1]]
            b = end_loc if i == L else stop_loc[route[i]]
            if npk == 0:
                if per_m * _lb(dist, a, b, stop_loc[d]) > best_delta:
                    continue
                if not _fits(P, v, dur, fw, latest, route, L, i, d):
                    continue
                buf[:i] = route[:i]
                buf[i] = d
                buf[i + 1 : L + 1] = route[i:L]
                ok, cost, dep = route_cost(P, S, v, buf, L + 1)
                if ok and cost - base < best_delta:
                    best_delta = cost - base
                    best_v = v
                    best_n = L + 1
                    best_dep = dep
                    best_cost = cost
                    best[: L + 1] = buf[: L + 1]
                continue
            p1 = stop_loc[first]
            pl = stop_loc[first + npk - 1]
            block = dist[a, p1] + inner
            if b >= 0:
                block += dist[pl, b] - dist[a, b]
            if per_m * block > best_delta:
                continue
            a_dep = P[VEH_SHIFT_START][v] if i == 0 else fw[i - 1]
            if a_dep + dur[a, p1] > _stop_limit(P, first, v) + 2 * EPS:
                continue
            for j in range(i, L + 1):
                if blink > 0.0 and np.random.random() < blink:
                    continue
                if j == i:
                    if b < 0:
                        added = dist[a, p1] + inner + dist[pl, stop_loc[d]]
                    else:
                        added = (
                            dist[a, p1] + inner + dist[pl, stop_loc[d]] + dist[stop_loc[d], b]
                        ) - dist[a, b]
                else:
                    c_prev = stop_loc[route[j - 1]]
                    c_next = end_loc if j == L else stop_loc[route[j]]
                    added = block + _lb(dist, c_prev, c_next, stop_loc[d])
                if per_m * added > best_delta:
                    continue
                if j > i and not _fits(P, v, dur, fw, latest, route, L, j, d):
                    continue
                buf[:i] = route[:i]
                for q in range(npk):
                    buf[i + q] = first + q
                buf[i + npk : j + npk] = route[i:j]
                buf[j + npk] = d
                buf[j + npk + 1 : L + k] = route[j:L]
                ok, cost, dep = route_cost(P, S, v, buf, L + k)
                if ok and cost - base < best_delta:
                    best_delta = cost - base
                    best_v = v
                    best_n = L + k
                    best_dep = dep
                    best_cost = cost
                    best[: L + k] = buf[: L + k]
        if npk >= 2:
            # Pickups one by one where each adds least distance (necessary time
            # conditions kept), then the delivery at its cheapest feasible place after
            # them: lets two baskets share shops, which blocks cannot.
            seqb = W[W_SEQ]
            seqb[:L] = route[:L]
            m = L
            placed = True
            for q in range(npk):
                x = first + q
                _bounds(P, v, seqb, m, fw, latest)
                pos = -1
                gain = math.inf
                for i in range(p0, m + 1):
                    a = start_loc if i == 0 else stop_loc[seqb[i - 1]]
                    b = end_loc if i == m else stop_loc[seqb[i]]
                    added = _lb(dist, a, b, stop_loc[x])
                    if added < gain and _fits(P, v, dur, fw, latest, seqb, m, i, x):
                        gain = added
                        pos = i
                if pos < 0:
                    placed = False
                    break
                seqb[pos + 1 : m + 1] = seqb[pos:m].copy()
                seqb[pos] = x
                m += 1
            if placed:
                last = p0
                for i in range(m):
                    if first <= seqb[i] < first + npk:
                        last = i + 1
                for j in range(last, m + 1):
                    if blink > 0.0 and np.random.random() < blink:
                        continue
                    buf[:j] = seqb[:j]
                    buf[j] = d
                    buf[j + 1 : m + 1] = seqb[j:m]
                    ok, cost, dep = route_cost(P, S, v, buf, m + 1)
                    if ok and cost - base < best_delta:
                        best_delta = cost - base
                        best_v = v
                        best_n = m + 1
                        best_dep = dep
                        best_cost = cost
                        best[: m + 1] = buf[: m + 1]
    if best_v < 0:
        return False
    if best_delta >= P[TASK_PENALTY][t]:
        return False
    _touch(W, st, best_v)
    st[R_STOPS][best_v, :best_n] = best[:best_n]
    st[R_LEN][best_v] = best_n
    st[R_COST][best_v] = best_cost
    st[R_DEP][best_v] = best_dep
    st[T_ROUTE][t] = best_v
    return True


@njit(cache=True)
def objective(P, st):  # type: ignore[no-untyped-def]
    """Route costs plus the penalties of unserved tasks."""
    total = 0.0
    for v in range(st[R_LEN].shape[0]):
        if st[R_LEN][v] > 0:
            total += st[R_COST][v]
    pen = P[TASK_PENALTY]
    for t in range(pen.shape[0]):
        if st[T_ROUTE][t] < 0:
            total += pen[t]
    return total


@njit(cache=True)
def init_state(P, S, W, st):  # type: ignore[no-untyped-def]
    """Price every route; a route the exact evaluation rejects loses its movable tasks,
    and is frozen (never changed) if it is still infeasible without them."""
    stop_task = P[STOP_TASK]
    fixed = P[TASK_FIXED]
    W[W_STAMP][0] += 1
    for v in range(st[R_LEN].shape[0]):
        _recost(P, S, st, v)
        if st[R_COST][v] < INFEASIBLE_COST:
            continue
        row = st[R_STOPS][v]
        n = st[R_LEN][v]
        for i in range(st[R_PRE][v], n):
            t = stop_task[row[i]]
            if not fixed[t]:
                st[T_ROUTE][t] = -2  # marked: removed below
        w = 0
        for i in range(n):
            t = stop_task[row[i]]
            if i < st[R_PRE][v] or st[T_ROUTE][t] != -2:
                row[w] = row[i]
                w += 1
        st[R_LEN][v] = w
        for t in range(st[T_ROUTE].shape[0]):
            if st[T_ROUTE][t] == -2:
                st[T_ROUTE][t] = -1
        _recost(P, S, st, v)
        if st[R_COST][v] >= INFEASIBLE_COST:
            st[R_FROZEN][v] = 1
            _, cost, _ = route_eval(P, S, v, row, w, P[VEH_SHIFT_START][v], False)
            st[R_COST][v] = cost
            st[R_DEP][v] = P[VEH_SHIFT_START][v]
    for t in range(st[T_ROUTE].shape[0]):
        if st[T_ROUTE][t] < 0:
            insert_task(P, S, W, st, t, 0.0)
    return objective(P, st)


@njit(cache=True)
def _ruin(P, S, W, st, cbar, lmax, p_route):  # type: ignore[no-untyped-def]
    """SISR's adjacent string removal (or, with probability ``p_route``, one whole
    route).  Removed tasks go to ``W[W_LIST]``; returns how many."""
    stop_task = P[STOP_TASK]
    fixed = P[TASK_FIXED]
    nb = P[TASK_NEIGHBOURS]
    t_route = st[T_ROUTE]
    n_tasks = t_route.shape[0]
    n_veh = st[R_LEN].shape[0]
    mark = W[W_MARK]
    out = W[W_LIST]
    ruined = W[W_RUINED]
    stamp = W[W_STAMP][0]
    count = 0
    routes_used = 0
    served = 0
    for v in range(n_veh):
        if st[R_LEN][v] > st[R_PRE][v] and not st[R_FROZEN][v]:
            routes_used += 1
    for t in range(n_tasks):
        if t_route[t] >= 0:
            served += 1
    if routes_used == 0:
        return 0
    if p_route > 0.0 and routes_used > 1 and np.random.random() < p_route:
        pick = np.random.randint(routes_used)
        for v in range(n_veh):
            if st[R_LEN][v] > st[R_PRE][v] and not st[R_FROZEN][v]:
                if pick == 0:
                    row = st[R_STOPS][v]
                    for i in range(st[R_PRE][v], st[R_LEN][v]):
                        t = stop_task[row[i]]
                        if not fixed[t] and mark[t] != stamp:
                            mark[t] = stamp
                            out[count] = t
                            count += 1
                    break
                pick -= 1
        for q in range(count):
            remove_task(P, S, W, st, out[q])
        return count
    seed = -1
    for _ in range(20):
        c = np.random.randint(n_tasks)
        if t_route[c] >= 0 and not fixed[c] and not st[R_FROZEN][t_route[c]]:
            seed = c
            break
    if seed < 0:
        return 0
    avg = served / routes_used
    ls_max = min(lmax, avg)
    ks_max = 4.0 * cbar / (1.0 + ls_max) - 1.0
    ks = int(np.random.random() * ks_max) + 1
    strings = 0
    for idx in range(-1, nb.shape[1]):
        if strings >= ks:
            break
        c = seed if idx < 0 else nb[seed, idx]
        if c < 0:
            break
        v = t_route[c]
        if v < 0 or ruined[v] == stamp or st[R_FROZEN][v] or fixed[c]:
            continue
        ruined[v] = stamp
        strings += 1
        row = st[R_STOPS][v]
        pre = st[R_PRE][v]
        n = st[R_LEN][v]
        movable = n - pre
        size = min(movable, max(1, int(np.random.random() * min(ls_max, movable)) + 1))
        pos = pre
        for i in range(pre, n):
            if stop_task[row[i]] == c:
                pos = i
                break
        lo = max(pre, pos - size + 1)
        hi = min(pos, n - size)
        begin = lo if hi <= lo else lo + np.random.randint(hi - lo + 1)
        first_new = count
        for i in range(begin, begin + size):
            t = stop_task[row[i]]
            if not fixed[t] and mark[t] != stamp:
                mark[t] = stamp
                out[count] = t
                count += 1
        for q in range(first_new, count):
            remove_task(P, S, W, st, out[q])
    return count


@njit(cache=True)
def _recreate(P, S, W, st, count, cbar, blink):  # type: ignore[no-untyped-def]
    """Greedy insertion with blinks of the removed tasks (and up to ``cbar`` unserved
    ones), in one of SISR's orders: random, demand, far, close."""
    out = W[W_LIST]
    mark = W[W_MARK]
    stamp = W[W_STAMP][0]
    t_route = st[T_ROUTE]
    n_tasks = t_route.shape[0]
    extra = 0
    unserved = 0
    for t in range(n_tasks):
        if t_route[t] < 0 and mark[t] != stamp:
            unserved += 1
    if unserved > 0:
        want = min(int(cbar), unserved)
        offset = np.random.randint(n_tasks)
        for q in range(n_tasks):
            if extra >= want:
                break
            t = (offset + q) % n_tasks
            if t_route[t] < 0 and mark[t] != stamp:
                mark[t] = stamp
                out[count + extra] = t
                extra += 1
    total = count + extra
    keys = W[W_KEYS]
    r = np.random.random() * 11.0
    for q in range(total):
        t = out[q]
        if r < 4.0:
            keys[q] = np.random.random()
        elif r < 8.0:
            keys[q] = -P[TASK_SIZE][t] + 1e-9 * np.random.random()
        elif r < 10.0:
            keys[q] = -P[TASK_FAR][t]
        else:
            keys[q] = P[TASK_FAR][t]
    order = np.argsort(keys[:total], kind="mergesort")
    for q in range(total):
        insert_task(P, S, W, st, out[order[q]], blink)


@njit(cache=True)
def _end_gap(dist, a, b, end_loc):  # type: ignore[no-untyped-def]
    """Distance from ``a`` to ``b`` (b < 0: the route's end, nothing for an open route)."""
    if b >= 0:
        return dist[a, b]
    return dist[a, end_loc] if end_loc >= 0 else 0.0


@njit(cache=True)
def relocate_stops(P, S, W, st, v, by_distance):  # type: ignore[no-untyped-def]
    """Move single stops of route ``v`` to a better place on it, first improvement,
    until none improves (at most a few passes): a pickup anywhere before its delivery,
    a delivery anywhere after its task's pickups, never into or out of the locked
    prefix.  Multi-pickup tasks re-enter routes whole, in one pickup order; this orders
    their stops among the others'.  With ``by_distance`` (no time or lateness cost in
    the problem) a move is evaluated only when it shortens the route.  Returns whether
    the route changed (it is backed up first)."""
    stop_loc = P[STOP_LOC]
    stop_task = P[STOP_TASK]
    stop_is_del = P[STOP_IS_DELIVERY]
    route = st[R_STOPS][v]
    n = st[R_LEN][v]
    p0 = st[R_PRE][v]
    if n - p0 < 2 or st[R_FROZEN][v]:
        return False
    dist = P[DIST][P[VEH_PROFILE][v]]
    start_loc = P[VEH_START][v]
    end_loc = P[VEH_END][v]
    buf = W[W_BUF]
    base = st[R_COST][v]
    changed = False
    for _ in range(4):
        moved = False
        for i in range(p0, n):
            x = route[i]
            task = stop_task[x]
            # Where x may go in the route without it: [lo, hi] as positions there.
            lo = p0
            hi = n - 1
            if stop_is_del[x]:
                for q in range(i - 1, p0 - 1, -1):
                    if stop_task[route[q]] == task:
                        lo = q + 1
                        break
            else:
                for q in range(i + 1, n):
                    if stop_task[route[q]] == task and stop_is_del[route[q]]:
                        hi = q - 1
                        break
            a = start_loc if i == 0 else stop_loc[route[i - 1]]
            b = stop_loc[route[i + 1]] if i + 1 < n else -1
            lx = stop_loc[x]
            gain = dist[a, lx] + _end_gap(dist, lx, b, end_loc) - _end_gap(dist, a, b, end_loc)
            for j in range(lo, hi + 1):
                if j == i:
                    continue
                # Neighbours of position j in the route without x.
                pj = j - 1 if j - 1 < i else j
                c = start_loc if j == 0 else stop_loc[route[pj]]
                nj = j if j < i else j + 1
                e = stop_loc[route[nj]] if nj < n else -1
                added = dist[c, lx] + _end_gap(dist, lx, e, end_loc) - _end_gap(dist, c, e, end_loc)
                if by_distance and added >= gain - 1e-9:
                    continue
                w = 0
                for q in range(n):
                    if q == i:
                        continue
                    if w == j:
                        buf[w] = x
                        w += 1
                    buf[w] = route[q]
                    w += 1
                if w == j:
                    buf[w] = x
                ok, cost, dep = route_cost(P, S, v, buf, n)
                if ok and cost < base - 1e-9:
                    _touch(W, st, v)
                    route[:n] = buf[:n]
                    base = cost
                    st[R_COST][v] = cost
                    st[R_DEP][v] = dep
                    moved = True
                    changed = True
                    break
        if not moved:
            break
    return changed


@njit(cache=True)
def two_opt(P, S, W, st, v, by_distance):  # type: ignore[no-untyped-def]
    """Reverse segments of route ``v`` (2-opt), first improvement, until none improves
    (at most a few passes): never in the locked prefix, never a segment holding both a
    pickup and the delivery of one task (the delivery would come first).  Long routes
    of multi-pickup tasks, which ruin and recreate rebuild only task by task, are
    shortened this way.  With ``by_distance`` a reversal is evaluated only when it
    shortens the route.  Returns whether the route changed (it is backed up first)."""
    stop_loc = P[STOP_LOC]
    stop_task = P[STOP_TASK]
    stop_is_del = P[STOP_IS_DELIVERY]
    route = st[R_STOPS][v]
    n = st[R_LEN][v]
    p0 = st[R_PRE][v]
    if n - p0 < 3 or st[R_FROZEN][v]:
        return False
    dist = P[DIST][P[VEH_PROFILE][v]]
    start_loc = P[VEH_START][v]
    end_loc = P[VEH_END][v]
    buf = W[W_BUF]
    pos = W[W_TASK_POS]
    base = st[R_COST][v]
    changed = False
    for _ in range(4):
        moved = False
        # Position of each task's last pickup on the route (-1: none there).
        for q in range(n):
            pos[stop_task[route[q]]] = -1
        for q in range(n):
            if not stop_is_del[route[q]]:
                pos[stop_task[route[q]]] = q
        for i in range(p0, n - 1):
            a = start_loc if i == 0 else stop_loc[route[i - 1]]
            forward = 0.0
            backward = 0.0
            for j in range(i + 1, n):
                x = route[j]
                forward += dist[stop_loc[route[j - 1]], stop_loc[x]]
                backward += dist[stop_loc[x], stop_loc[route[j - 1]]]
                if stop_is_del[x] and pos[stop_task[x]] >= i:
                    break  # this and every longer segment holds a pickup and its delivery
                b = stop_loc[route[j + 1]] if j + 1 < n else -1
                old = (
                    dist[a, stop_loc[route[i]]] + forward + _end_gap(dist, stop_loc[x], b, end_loc)
                )
                new = (
                    dist[a, stop_loc[x]] + backward + _end_gap(dist, stop_loc[route[i]], b, end_loc)
                )
                if by_distance and new >= old - 1e-9:
                    continue
                buf[:i] = route[:i]
                for q in range(i, j + 1):
                    buf[q] = route[i + j - q]
                buf[j + 1 : n] = route[j + 1 : n]
                ok, cost, dep = route_cost(P, S, v, buf, n)
                if ok and cost < base - 1e-9:
                    _touch(W, st, v)
                    route[:n] = buf[:n]
                    base = cost
                    st[R_COST][v] = cost
                    st[R_DEP][v] = dep
                    moved = True
                    changed = True
                    break
            if moved:
                break
        if not moved:
            break
    return changed


@njit(cache=True)
def _copy_state(src, dst):  # type: ignore[no-untyped-def]
    dst[R_STOPS][...] = src[R_STOPS]
    dst[R_LEN][...] = src[R_LEN]
    dst[R_PRE][...] = src[R_PRE]
    dst[R_FROZEN][...] = src[R_FROZEN]
    dst[R_COST][...] = src[R_COST]
    dst[R_DEP][...] = src[R_DEP]
    dst[T_ROUTE][...] = src[T_ROUTE]


# Indices into the route pool buffer ``pool`` (see :func:`record_routes`).
POOL_STOPS, POOL_LEN, POOL_COST, POOL_VEH, POOL_COUNT = 0, 1, 2, 3, 4


@njit(cache=True)
def record_routes(st, pool, touched, stamp):  # type: ignore[no-untyped-def]
    """Append every feasible route that ``touched`` marks with ``stamp`` (all routes when
    ``stamp`` < 0) to the pool buffer, while it has room: its stops, length, cost and
    vehicle.  The search's route pool for set partitioning (:mod:`solvers.rr.pool`)."""
    stops = pool[POOL_STOPS]
    count = pool[POOL_COUNT]
    room = stops.shape[0]
    for v in range(st[R_LEN].shape[0]):
        if stamp >= 0 and touched[v] != stamp:
            continue
        n = st[R_LEN][v]
        if n == 0 or st[R_COST][v] >= INFEASIBLE_COST or n > stops.shape[1]:
            continue
        k = count[0]
        if k >= room:
            return
        stops[k, :n] = st[R_STOPS][v, :n]
        pool[POOL_LEN][k] = n
        pool[POOL_COST][k] = st[R_COST][v]
        pool[POOL_VEH][k] = v
        count[0] = k + 1


@njit(cache=True)
def run_chunk(  # type: ignore[no-untyped-def]
    P, S, W, st, best, n_iter, it0, total, prog0, prog1, params, objs, pool
):
    """``n_iter`` iterations of SISR with simulated annealing.

    ``params`` = (T0, Tf, cbar, lmax, blink, p_route, relocate, by_distance, reverse):
    with ``relocate`` every route the iteration changed then gets :func:`relocate_stops`
    (and with ``reverse`` :func:`two_opt` after it).
    The temperature falls geometrically from T0 to Tf with the progress: ``(it0 + i) / total`` when
    ``total > 0`` (an iteration budget), else interpolated from ``prog0`` to ``prog1``
    over the chunk (a clock budget).  ``objs`` = [current, best] objective, updated;
    ``best`` receives the best state (same layout as ``st``).  With ``params[9]`` > 0
    every route an iteration changed goes to the ``pool`` buffer (:func:`record_routes`),
    accepted or not."""
    t0 = params[0]
    tf = params[1]
    cbar = params[2]
    lmax = params[3]
    blink = params[4]
    p_route = params[5]
    relocate = params[6] > 0.0
    by_distance = params[7] > 0.0
    reverse = params[8] > 0.0
    recording = params[9] > 0.0
    touched = W[W_TOUCHED]
    for i in range(n_iter):
        progress = prog0 + (prog1 - prog0) * i / max(1, n_iter)
        if total > 0:
            progress = (it0 + i) / total
        progress = min(1.0, max(0.0, progress))
        temperature = t0 * (tf / t0) ** progress
        W[W_STAMP][0] += 1
        W[W_BAK_ROUTE][:] = st[T_ROUTE][:]
        count = _ruin(P, S, W, st, cbar, lmax, p_route)
        _recreate(P, S, W, st, count, cbar, blink)
        if relocate:
            stamp = W[W_STAMP][0]
            for v in range(touched.shape[0]):
                if touched[v] == stamp:
                    relocate_stops(P, S, W, st, v, by_distance)
                    if reverse:
                        two_opt(P, S, W, st, v, by_distance)
        if recording:
            record_routes(st, pool, touched, W[W_STAMP][0])
        new = objective(P, st)
        threshold = objs[0] - temperature * math.log(np.random.random() + 1e-300)
        if new < threshold:
            objs[0] = new
            if new < objs[1] - 1e-9:
                objs[1] = new
                _copy_state(st, best)
        else:
            _restore(W, st)
    return n_iter
