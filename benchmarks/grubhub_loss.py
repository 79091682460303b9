"""Where the Grubhub replay's click-to-door minutes go beyond the per-order bound.

Run with ``python -m benchmarks.grubhub_loss`` (an analysis command, not part of
``./run test``).  Every delivered order's click-to-door minus its bound (preparation +
half the pickup service + direct travel + half the drop-off service, the family's
rounded travel) is split into parts that add up exactly:

* ``late_unavoidable``: the courier arrived after the bundle was ready, and no courier
  could have been there on time even when the bundle's last order became known (every
  courier's free time and place as committed by then);
* ``late_waiting``: the extra lateness had the couriers been sent from those same states
  but only at the dispatch wave (the time spent waiting for the commit);
* ``late_taken``: the extra lateness because couriers that could have come earlier were
  given other trips between that time and the dispatch wave;
* the chosen courier arrived later than the earliest courier at the dispatch wave
  (states before that wave's commits), split by why the earlier one was not sent:
  ``late_busy`` it was busy beyond the wave's look-ahead (not a candidate),
  ``late_same_wave`` it was sent on another trip at the same wave, ``late_objective``
  it stayed free (the wave's objective or candidate list chose otherwise);
* ``mate_wait``: waiting for a bundle mate's later ready time;
* ``detour``: drop-off sequence detour in a bundle (exact distances), and ``rounding``:
  the part of the detour that only the rounding up of each leg to whole minutes adds;
* ``other``: what is left (0 up to float noise).

``--variant NAME=JSON`` (repeatable) replays with those :class:`InstantPolicy` fields;
every replay runs with the wave's wall-clock limit lifted (CP-SAT's deterministic limit
only), so figures do not depend on the machine's load.  Prints the decomposition and the
three means (not delivered %, click-to-door, cost per order) per variant; ``--out``
writes them as JSON.
"""

from __future__ import annotations

import argparse
import bisect
import json
import math
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

import solvers.instant_dispatch.wave as wave_module
from benchmarks.grubhub import DEFAULT_DATA, list_instances
from scenarios.grubhub import GrubhubInstance, read_grubhub
from scenarios.grubhub_dispatcher import policy_from_json
from scenarios.grubhub_outcome import GrubhubReplay
from scenarios.grubhub_rules import check_grubhub_replay
from scenarios.grubhub_sim import replay_grubhub
from solvers.instant_dispatch import InstantPolicy

PARTS = (
    "late_unavoidable",
    "late_waiting",
    "late_taken",
    "late_busy",
    "late_same_wave",
    "late_objective",
    "mate_wait",
    "detour",
    "rounding",
    "other",
)


class _NoWallClock:
    """A wave budget without the wall-clock limit: only CP-SAT's deterministic one."""

    @classmethod
    def start(cls, time_limit_s: float) -> _NoWallClock:  # noqa: ARG003 (Budget's signature)
        return cls()

    def remaining_s(self) -> None:
        return None


@dataclass
class Loss:
    """Sums over delivered orders (minutes) and counts."""

    orders: int = 0
    bound_min: float = 0.0
    ctd_min: float = 0.0
    parts_min: dict[str, float] = field(default_factory=lambda: dict.fromkeys(PARTS, 0.0))
    trips: int = 0
    late_trips: int = 0
    # Trips whose courier arrived later than another courier free by the wave's
    # look-ahead, and of those the late trips that courier would have made on time.
    earlier_courier_trips: int = 0
    earlier_courier_on_time: int = 0

    def add(self, other: Loss) -> None:
        """Add another instance's sums."""
        self.orders += other.orders
        self.bound_min += other.bound_min
        self.ctd_min += other.ctd_min
        for key in PARTS:
            self.parts_min[key] += other.parts_min[key]
        self.trips += other.trips
        self.late_trips += other.late_trips
        self.earlier_courier_trips += other.earlier_courier_trips
        self.earlier_courier_on_time += other.earlier_courier_on_time

    def per_order(self) -> dict[str, float]:
        """Means per delivered order, and the trip counts."""
        n = max(1, self.orders)
        return {
            "orders": float(self.orders),
            "click_to_door_min": self.ctd_min / n,
            "bound_min": self.bound_min / n,
            "loss_min": (self.ctd_min - self.bound_min) / n,
            **{k: v / n for k, v in self.parts_min.items()},
            "trips": float(self.trips),
            "late_trips_pct": 100.0 * self.late_trips / max(1, self.trips),
            "earlier_courier_trips_pct": 100.0 * self.earlier_courier_trips / max(1, self.trips),
            "earlier_courier_on_time_pct_of_late": 100.0
            * self.earlier_courier_on_time
            / max(1, self.late_trips),
        }


class _States:
    """Every courier's free place and time as committed before a given time."""

    def __init__(self, instance: GrubhubInstance, replay: GrubhubReplay) -> None:
        orders = {o.id: o for o in instance.orders}
        self.index = {c.id: k for k, c in enumerate(instance.couriers)}
        n = len(instance.couriers)
        self.start_x = np.array([c.x_m for c in instance.couriers])
        self.start_y = np.array([c.y_m for c in instance.couriers])
        self.on = np.array([c.on_min for c in instance.couriers])
        self.off = np.array([c.off_min for c in instance.couriers])
        self.when: list[list[float]] = [[] for _ in range(n)]
        self.where: list[list[tuple[float, float, float]]] = [[] for _ in range(n)]
        for trip in sorted(replay.trips, key=lambda t: t.dispatched_min):
            k = self.index[trip.courier_id]
            last = orders[trip.order_ids[-1]]
            self.when[k].append(trip.dispatched_min)
            self.where[k].append((last.x_m, last.y_m, trip.end_min))

    def at(self, t_min: float, *, before: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """x, y and free time of every courier with the trips dispatched before ``t_min``
        (``before``) or up to and including it."""
        xs = self.start_x.copy()
        ys = self.start_y.copy()
        free = self.on.copy()
        for k, when in enumerate(self.when):
            j = (bisect.bisect_left if before else bisect.bisect_right)(when, t_min)
            if j:
                x, y, end = self.where[k][j - 1]
                xs[k], ys[k], free[k] = x, y, max(end, self.on[k])
        return xs, ys, free


def _earliest(  # noqa: PLR0917 (a private helper of analyse)
    instance: GrubhubInstance,
    state: tuple[np.ndarray, np.ndarray, np.ndarray],
    off: np.ndarray,
    depart_not_before: float,
    rx: float,
    ry: float,
    ready: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Every courier's arrival plus half a pickup service at (rx, ry) from ``state``,
    and whether it may still pick up there (pickup no later than its off time)."""
    xs, ys, free = state
    params = instance.parameters
    travel = np.ceil(np.hypot(xs - rx, ys - ry) / params.meters_per_minute)
    ready_at = np.maximum(depart_not_before, free) + travel + params.pickup_service_min / 2
    return ready_at, np.maximum(ready_at, ready) <= off


def analyse(instance: GrubhubInstance, replay: GrubhubReplay, lookahead_min: float) -> Loss:
    """The loss decomposition of one replay."""
    params = instance.parameters
    half_p = params.pickup_service_min / 2
    half_d = params.dropoff_service_min / 2
    speed = params.meters_per_minute
    orders = {o.id: o for o in instance.orders}
    rest = {r.id: r for r in instance.restaurants}
    states = _States(instance, replay)
    sent: dict[float, list[str]] = {}
    for t in replay.trips:
        sent.setdefault(t.dispatched_min, []).append(t.courier_id)
    loss = Loss()
    for trip in replay.trips:
        members = [orders[o] for o in trip.order_ids]
        r = rest[trip.restaurant_id]
        ready_t = max(o.ready_min for o in members)
        known = max(o.placement_min for o in members)
        actual = trip.arrive_restaurant_min + half_p
        late = max(0.0, actual - ready_t)
        loss.trips += 1
        c = states.index[trip.courier_id]
        at_known = states.at(known, before=False)
        at_wave = states.at(trip.dispatched_min, before=True)
        e_known, ok_known = _earliest(instance, at_known, states.off, known, r.x_m, r.y_m, ready_t)
        e_wait, ok_wait = _earliest(
            instance, at_known, states.off, trip.dispatched_min, r.x_m, r.y_m, ready_t
        )
        e_wave, ok_wave = _earliest(
            instance, at_wave, states.off, trip.dispatched_min, r.x_m, r.y_m, ready_t
        )
        best_known = float(np.min(e_known[ok_known], initial=actual))
        best_wait = max(best_known, float(np.min(e_wait[ok_wait], initial=actual)))
        best_wave = max(best_wait, float(np.min(e_wave[ok_wave], initial=actual)))

        def clamp(value: float, late: float = late, ready_t: float = ready_t) -> float:
            return min(late, max(0.0, value - ready_t))

        part_unavoidable = clamp(best_known)
        part_waiting = clamp(best_wait) - part_unavoidable
        part_taken = clamp(best_wave) - clamp(best_wait)
        soon = at_wave[2] <= trip.dispatched_min + lookahead_min
        unsent = soon.copy()
        unsent[[states.index[x] for x in sent.get(trip.dispatched_min, ())]] = False
        unsent[c] = True
        best_soon = max(best_wave, float(np.min(e_wave[ok_wave & soon], initial=actual)))
        best_unsent = max(best_soon, float(np.min(e_wave[ok_wave & unsent], initial=actual)))
        part_busy = clamp(best_soon) - clamp(best_wave)
        part_same_wave = clamp(best_unsent) - clamp(best_soon)
        part_objective = late - clamp(best_unsent)
        earlier = ok_wave & soon & (e_wave < actual - 1e-9)
        earlier[c] = False
        if bool(np.any(earlier)):
            loss.earlier_courier_trips += 1
            if late > 0 and float(np.min(e_wave[earlier])) <= ready_t + 1e-9:
                loss.earlier_courier_on_time += 1
        if late > 0:
            loss.late_trips += 1
        # The trip's path after the pickup, exact and rounded, to split the detour.
        exact_clock = 0.0
        px, py = r.x_m, r.y_m
        for o, drop in zip(members, trip.dropoff_min, strict=True):
            leg = math.hypot(o.x_m - px, o.y_m - py) / speed
            exact_clock += leg + half_d
            direct_exact = math.hypot(o.x_m - r.x_m, o.y_m - r.y_m) / speed
            direct = float(math.ceil(direct_exact))
            bound = o.ready_min - o.placement_min + half_p + direct + half_d
            ctd = drop - o.placement_min
            detour_total = drop - (trip.pickup_min + half_p + direct + half_d)
            detour_exact = exact_clock - (direct_exact + half_d)
            loss.orders += 1
            loss.bound_min += bound
            loss.ctd_min += ctd
            p = loss.parts_min
            p["late_unavoidable"] += part_unavoidable
            p["late_waiting"] += part_waiting
            p["late_taken"] += part_taken
            p["late_busy"] += part_busy
            p["late_same_wave"] += part_same_wave
            p["late_objective"] += part_objective
            p["mate_wait"] += ready_t - o.ready_min
            p["detour"] += detour_exact
            p["rounding"] += detour_total - detour_exact
            p["other"] += (
                ctd
                - bound
                - late
                - (ready_t - o.ready_min)
                - detour_total
                - (trip.pickup_min - max(ready_t, actual))
            )
            exact_clock += half_d
            px, py = o.x_m, o.y_m
    return loss


@dataclass
class VariantResult:
    """A variant's means over instances and its summed loss."""

    name: str
    policy: dict[str, Any]
    rows: list[dict[str, Any]] = field(default_factory=list)
    loss: Loss = field(default_factory=Loss)

    def means(self) -> dict[str, float]:
        """Means over instances of the three targets, and the violations."""
        n = max(1, len(self.rows))
        return {
            "not_delivered_pct": sum(r["not_delivered_pct"] for r in self.rows) / n,
            "click_to_door_mean_min": sum(r["click_to_door_mean_min"] for r in self.rows) / n,
            "cost_per_order": sum(r["cost_per_order"] for r in self.rows) / n,
            "violations": float(sum(r["violations"] for r in self.rows)),
            "replay_s_max": max((r["replay_s"] for r in self.rows), default=0.0),
        }


def subset(folders: Sequence[Path], every: int, offset: int) -> list[Path]:
    """Every ``every``-th folder from ``offset`` (names sorted)."""
    return [f for k, f in enumerate(folders) if k % every == offset % every]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.grubhub_loss", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="instance folders")
    parser.add_argument("--instances", nargs="*", default=None, help="instance names")
    parser.add_argument("--every", type=int, default=10, help="every N-th instance")
    parser.add_argument("--offset", type=int, default=0, help="first of the every N-th")
    parser.add_argument(
        "--variant",
        action="append",
        default=[],
        help="NAME=JSON of policy fields (repeatable; none: the default policy)",
    )
    parser.add_argument("--out", type=Path, default=None, help="write the results as JSON")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Replay the subset under every variant and print the decomposition."""
    # The wave's wall-clock limit lifted (CP-SAT's deterministic one only, as the tests
    # do), and put back afterwards.
    budget = getattr(wave_module, "Budget")  # noqa: B009
    setattr(wave_module, "Budget", _NoWallClock)  # noqa: B010
    try:
        return _run(_parser().parse_args(argv))
    finally:
        setattr(wave_module, "Budget", budget)  # noqa: B010


def _run(args: argparse.Namespace) -> int:
    folders = list_instances(args.data)
    if args.instances:
        wanted = set(args.instances)
        folders = [f for f in folders if f.name in wanted]
    else:
        folders = subset(folders, args.every, args.offset)
    variants: list[tuple[str, InstantPolicy]] = []
    for text in args.variant or ["default={}"]:
        name, _, body = text.partition("=")
        variants.append((name, policy_from_json(json.loads(body or "{}"), source=name)))
    results = [VariantResult(name, json.loads(json.dumps(vars_of(p)))) for name, p in variants]
    for folder in folders:
        instance = read_grubhub(folder)
        for (name, policy), result in zip(variants, results, strict=True):
            started = time.perf_counter()
            replay = replay_grubhub(instance, policy)
            seconds = time.perf_counter() - started
            violations = len(check_grubhub_replay(instance, replay))
            loss = analyse(instance, replay, max(policy.wave_min, policy.lookahead_min))
            result.loss.add(loss)
            m = replay.metrics
            result.rows.append(
                {
                    "instance": instance.name,
                    "not_delivered_pct": m.not_delivered_pct,
                    "click_to_door_mean_min": m.click_to_door_mean_min,
                    "cost_per_order": m.cost_per_order,
                    "violations": violations,
                    "replay_s": seconds,
                    **{f"loss_{k}": v for k, v in loss.per_order().items()},
                }
            )
            print(
                f"{instance.name:18s} {name:14s} nd {m.not_delivered_pct:5.2f} "
                f"ctd {m.click_to_door_mean_min:6.2f} cost {m.cost_per_order:6.2f} "
                f"viol {violations} {seconds:5.1f}s",
                flush=True,
            )
    print()
    header = f"{'variant':16s} {'nd %':>6s} {'ctd':>6s} {'cost':>6s} {'viol':>4s} {'max s':>6s}"
    print(header)
    for result in results:
        m2 = result.means()
        print(
            f"{result.name:16s} {m2['not_delivered_pct']:6.3f} "
            f"{m2['click_to_door_mean_min']:6.2f} {m2['cost_per_order']:6.2f} "
            f"{m2['violations']:4.0f} {m2['replay_s_max']:6.1f}"
        )
    print()
    keys = list(results[0].loss.per_order())
    print(f"{'per order':36s}" + "".join(f"{r.name[:12]:>13s}" for r in results))
    for key in keys:
        print(f"{key:36s}" + "".join(f"{r.loss.per_order()[key]:13.3f}" for r in results))
    if args.out is not None:
        payload = [
            {"name": r.name, "policy": r.policy, "means": r.means(), "loss": r.loss.per_order()}
            | {"rows": r.rows}
            for r in results
        ]
        args.out.write_text(json.dumps(payload, indent=1) + "\n")
    return 0


def vars_of(policy: InstantPolicy) -> dict[str, Any]:
    """The policy's fields."""
    return {k: getattr(policy, k) for k in policy.__dataclass_fields__}


if __name__ == "__main__":
    sys.exit(main())
