"""Quote accuracy on a generated day: is the instant ETA a checkout quote gives kept?

Run with ``python -m benchmarks.quote_accuracy`` (a report command, not part of
``./run test``).  It generates a day (:func:`scenarios.generate.city_day_scenario`),
replays it with rolling-horizon re-planning (:func:`scenarios.replay.replay_scenario`,
the planner's waves; ``--iterations`` makes it independent of the machine's load when
``--time-limit`` is not reached), keeps what each wave's plan said (``on_wave``:
door times, the couriers' free times, the unassigned orders) and, for every instant
order, asks the quote it would have had at its creation (:class:`dispatch.quotes.Quoter`)
with only what was known then: the latest plan made before it, the orders created
since, and, for the calibrated margin, the orders delivered before it.  It compares
the quoted ETA with the delivery the plans made:

* ``kept_pct``: orders delivered by their quoted ETA (an order never delivered is not
  kept);
* ``quotes_30min`` (``_pct``): quotes that said 30 minutes or less (and their share of
  the orders: a quote that is never 30 minutes keeps nothing);
* ``kept_30min_pct``: of those, the share delivered within 30 minutes of the order;
* ``error_s`` p50 / p90: delivered minus quoted, seconds (negative: early).

The quotes side by side are :data:`VARIANTS` (``fleet`` is the engine's rule) and
``straight`` (the rule before issue 13: straight line times the detour factor, no
fleet, no margin).  Prints a table; ``--out`` writes JSON with every order's row.
Exit code 0 when the fleet quote's ``kept_30min_pct`` reaches ``--target`` (95 by
default).
"""

from __future__ import annotations

import argparse
import bisect
import dataclasses
import heapq
import json
import math
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from dispatch.domain import FulfilmentMode, Member, Order
from dispatch.plan import Plan
from dispatch.quote_fleet import FleetLoad, PlanLeads, door_times
from dispatch.quotes import Quoter, QuoteSettings
from dispatch.settings import PlannerSettings
from dispatch.world import World
from geo.places import MicroWarehouse
from geo.time_dependent import NO_SPEED_PROFILES
from scenarios.generate import city_day_scenario
from scenarios.replay import DayReplay, OutcomeStatus, ReplayPolicy, replay_scenario
from scenarios.scenario_build import Scenario, build_scenario

HALF_HOUR_S = 1800.0


def _committed(
    orders: Sequence[Order],
    delivered: dict[str, float],
    source_id: str,
    at_s: float,
    window_s: float,
) -> int:
    """Orders of ``source_id`` created in ``(at_s - window_s, at_s)`` not delivered by ``at_s``."""
    return sum(
        1
        for o in orders
        if o.mode in (FulfilmentMode.INSTANT, FulfilmentMode.MULTI_STORE)
        and at_s - window_s < o.created_at_s < at_s
        and source_id in o.store_ids
        and delivered.get(o.id, math.inf) > at_s
    )


def _straight_eta_s(quoter: Quoter, order: Order) -> float:
    """The quote's ETA by the rule before issue 13 (straight line, no fleet, no margin)."""
    source = quoter.world.source(order.lines[0].store_id)
    ready = source.pick_duration_s if isinstance(source, MicroWarehouse) else source.prep_duration_s
    return (
        order.created_at_s
        + ready
        + quoter.settings.pickup_service_s
        + quoter.straight_ride_s(source.id, order.building_id or "")
    )


@dataclass(frozen=True)
class WaveSeen:
    """What one wave's plan said: when each routed order reaches its door, when each
    courier's planned work ends, and which orders it left unassigned."""

    at_s: float
    door_s: dict[str, float]
    free_at_s: dict[str, float]
    unassigned: frozenset[str]


def wave_seen(at_s: float, plan: Plan) -> WaveSeen:
    """The figures of :class:`WaveSeen` of one wave's plan."""
    free: dict[str, float] = {}
    for route in plan.routes:
        free[route.courier_id] = max(free.get(route.courier_id, -math.inf), route.end_s)
    return WaveSeen(at_s, door_times(plan), free, frozenset(u.order_id for u in plan.unassigned))


#: The quotes compared, on the same replayed day:
#: * ``before``: the rule at the start of this work (committed orders in the promise
#:   window queued on the zone's riders, free-flow network ride, fixed 300 s margin);
#: * ``fleet``: the engine's rule now: the couriers' free times from the latest plan
#:   before the quote, the orders no plan has routed yet queued, the ride at the
#:   time-of-day speed, never sooner than the plan delay allows
#:   (:class:`dispatch.quote_fleet.PlanLeads`), the fixed margin;
#: * ``fleet calibrated``: ``fleet`` with the margin learnt from the recent errors
#:   (:class:`dispatch.quote_fleet.QuoteCalibration`, the 0.95 quantile of the last
#:   200 delivered-minus-raw errors, each counted once the order was delivered, before
#:   the quote).
VARIANTS = ("before", "fleet", "fleet calibrated")


def measure(
    scenario: Scenario,
    day: DayReplay,
    waves: Sequence[WaveSeen],
    fleet_settings: QuoteSettings | None = None,
) -> dict[str, Any]:
    """The figures of the module doc for a replayed scenario and its waves' plans
    (``fleet_settings``: the ``fleet`` quote's settings, default the engine's)."""
    return measure_day(
        scenario.world,
        scenario.settings,
        scenario.orders,
        day,
        waves,
        fleet_settings=fleet_settings,
    )


def measure_day(
    world: World,
    settings: PlannerSettings,
    orders: Sequence[Order],
    day: DayReplay,
    waves: Sequence[WaveSeen],
    *,
    fleet_settings: QuoteSettings | None = None,
) -> dict[str, Any]:
    """:func:`measure` for a world, its settings and the day's orders."""
    quoters = {
        "before": Quoter(
            dataclasses.replace(world, speed_profiles=NO_SPEED_PROFILES),
            settings,
            QuoteSettings(eta_margin_s=300.0),
        ),
        "fleet": Quoter(world, settings, fleet_settings or QuoteSettings()),
        "fleet calibrated": Quoter(world, settings, QuoteSettings(eta_quantile=0.95)),
    }
    calibrated = quoters["fleet calibrated"]
    leads: dict[int, PlanLeads] = {}
    delivered = {
        o.order_id: float(o.delivered_s)
        for o in day.outcomes
        if o.status is OutcomeStatus.DELIVERED and o.delivered_s is not None
    }
    window_s = settings.instant_promise_s + settings.max_lateness_s
    wave_times = [w.at_s for w in waves]
    member = Member("quote-accuracy")
    etas: dict[str, list[float]] = {name: [] for name in (*VARIANTS, "straight")}
    created: list[float] = []
    done: list[float] = []
    loads: list[int] = []
    sources: list[str] = []
    pending: list[tuple[float, int, float]] = []  # (delivered at, seq, raw ETA): calibration
    seq = 0
    live = [o for o in orders if o.mode in (FulfilmentMode.INSTANT, FulfilmentMode.MULTI_STORE)]
    for order in sorted(orders, key=lambda o: (o.created_at_s, o.id)):
        if order.mode is not FulfilmentMode.INSTANT or order.building_id is None:
            continue
        at = order.created_at_s
        source = order.lines[0].store_id
        # Errors observed before this quote teach the calibrated margin (no later ones).
        while pending and pending[0][0] < at:
            door, _, raw_eta = heapq.heappop(pending)
            calibrated.observe_placed(raw_eta, door)
        count_load = FleetLoad({source: _committed(live, delivered, source, at, window_s)})
        k = bisect.bisect_left(wave_times, at) - 1  # the latest plan made before the quote
        seen = waves[k] if k >= 0 else None
        since = seen.at_s if seen is not None else -math.inf
        queued = sum(
            1
            for o in live
            if source in o.store_ids
            and at - window_s < o.created_at_s < at
            and delivered.get(o.id, math.inf) > at
            and (o.created_at_s > since or (seen is not None and o.id in seen.unassigned))
        )
        if seen is not None and k not in leads:
            leads[k] = PlanLeads()
            leads[k].update_from(seen.door_s, live, quoters["fleet"].idle_door_s)
        plan_load = FleetLoad(
            {source: queued},
            {} if seen is None else {c: t for c, t in seen.free_at_s.items() if t > at},
            {} if seen is None else {source: leads[k].delay_s(source, at)},
        )
        quoted: dict[str, float] = {}
        for name, quoter in quoters.items():
            instant = quoter.quote(
                order.building_id,
                order.lines,
                member,
                at_s=at,
                load=count_load if name == "before" else plan_load,
            ).of(FulfilmentMode.INSTANT)
            if instant and instant[0].eta_s is not None:
                quoted[name] = instant[0].eta_s
        if len(quoted) < len(quoters):
            continue  # outside the instant radius
        # The raw ETA's error, known once the order is delivered.
        raw = calibrated.raw_instant_eta_s(source, order.building_id, at, plan_load)
        if order.id in delivered:
            heapq.heappush(pending, (delivered[order.id], seq, raw))
            seq += 1
        quoted["straight"] = _straight_eta_s(quoters["fleet"], order)
        for name, value in quoted.items():
            etas[name].append(value)
        created.append(at)
        done.append(delivered.get(order.id, math.inf))
        loads.append(queued)
        sources.append(source)
    out: dict[str, Any] = {"instant_orders": len(created)}
    at_arr = np.array(created)
    got = np.array(done)
    ok = np.isfinite(got)
    for name, values in etas.items():
        eta = np.array(values)
        error = got[ok] - eta[ok]
        within = (eta - at_arr) <= HALF_HOUR_S
        kept30 = (got - at_arr <= HALF_HOUR_S) & within
        out[name] = {
            "kept_pct": 100.0 * float(np.mean(got <= eta)) if len(eta) else None,
            "quotes_30min": int(within.sum()),
            "quotes_30min_pct": 100.0 * float(within.mean()) if len(eta) else None,
            "kept_30min_pct": 100.0 * float(kept30.sum() / within.sum()) if within.any() else None,
            "error_s_p50": float(np.percentile(error, 50)) if error.size else None,
            "error_s_p90": float(np.percentile(error, 90)) if error.size else None,
            "abs_error_s_p50": float(np.percentile(np.abs(error), 50)) if error.size else None,
            "abs_error_s_p90": float(np.percentile(np.abs(error), 90)) if error.size else None,
            "quoted_min_p50": float(np.percentile((eta - at_arr) / 60.0, 50)) if len(eta) else None,
        }
    out["rows"] = [
        {"created_s": c, "delivered_s": d if math.isfinite(d) else None, "queued": n,
         "source": src, **{name: etas[name][k] for name in etas}}
        for k, (c, d, n, src) in enumerate(zip(created, done, loads, sources, strict=True))
    ]  # fmt: skip
    out["delivered"] = int(ok.sum())
    out["delivered_within_30min_pct"] = (
        100.0 * float(np.mean(got - at_arr <= HALF_HOUR_S)) if len(at_arr) else None
    )
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """Generate, replay, quote, compare; 0 when the fleet quote reaches the target."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.quote_accuracy")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--blocks", type=int, default=8)
    parser.add_argument("--orders", type=int, default=200)
    parser.add_argument("--couriers", type=int, default=12)
    parser.add_argument("--start-h", type=float, default=10.0)
    parser.add_argument("--end-h", type=float, default=14.0)
    parser.add_argument("--wave-s", type=float, default=120.0)
    parser.add_argument("--iterations", type=int, default=300)
    parser.add_argument("--time-limit", type=float, default=5.0)
    parser.add_argument("--target", type=float, default=95.0)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    scenario = build_scenario(
        city_day_scenario(
            args.seed,
            blocks=args.blocks,
            orders=args.orders,
            couriers=args.couriers,
            multi_store_share=0.1,
            next_day_share=0.0,
            start_h=args.start_h,
            end_h=args.end_h,
        )
    )
    policy = ReplayPolicy(
        wave_s=args.wave_s, time_limit_s=args.time_limit, iterations=args.iterations
    )
    waves: list[WaveSeen] = []
    day = replay_scenario(
        scenario, policy, on_wave=lambda at_s, plan: waves.append(wave_seen(at_s, plan))
    )
    result = {
        "seed": args.seed,
        "orders": args.orders,
        "couriers": args.couriers,
        "iterations": args.iterations,
        **measure(scenario, day, waves),
        "seconds": time.perf_counter() - started,
    }
    for name in (*VARIANTS, "straight"):
        row = result[name]
        print(
            f"{name:12s} kept {row['kept_pct']:.1f}%  30-min quotes {row['quotes_30min']} "
            f"({row['quotes_30min_pct'] or 0:.0f}%) "
            f"kept {row['kept_30min_pct'] or 0:.1f}%  error p50 {row['error_s_p50'] or 0:.0f} s "
            f"p90 {row['error_s_p90'] or 0:.0f} s  |error| p50 {row['abs_error_s_p50'] or 0:.0f} s "
            f"p90 {row['abs_error_s_p90'] or 0:.0f} s  "
            f"quoted p50 {row['quoted_min_p50'] or 0:.1f} min"
        )
    print(
        f"{result['instant_orders']} instant orders, {result['delivered']} delivered, "
        f"{result['seconds']:.0f} s"
    )
    if args.out is not None:  # with every order's row
        args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    del result["rows"]
    kept = result["fleet"]["kept_30min_pct"]
    return 0 if kept is not None and kept >= args.target else 1


if __name__ == "__main__":
    sys.exit(main())
