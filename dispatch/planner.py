"""``Planner(world, settings).plan(orders, at_s=..., params=...) -> Plan``.

The planner validates the batch against the world (bad input raises
:class:`solvers.errors.InvalidInputError` naming the order and the rule), splits it by
fulfilment flow, gives each flow its couriers (:mod:`dispatch.fleet`: one flow per
courier per plan, or the delivery flows in one model when a courier works several of
them: :mod:`dispatch.flows.combined_delivery`), solves each flow (:mod:`dispatch.flows`)
and joins the results into one :class:`dispatch.plan.Plan`.  Orders that cannot be served are in
``Plan.unassigned`` with a reason; every order of the batch is served exactly once or
unassigned exactly once.

One bad order never sinks a wave: an order with a number outside its documented range
(:func:`dispatch.payloads.order_bound_problems`: a clock time past the planning horizon,
a weight of 1e308...), or one whose routing task cannot be built, is unassigned with
reason ``invalid_input`` naming the field, and the rest of the batch is planned.

``params.time_limit_s`` is the wall-clock budget of the whole plan: validation, travel
matrices, every flow's solve and the pickup-point assignment.  The flows are planned in
turn and each gets the time left in proportion to its orders over the orders of the
flows still to plan (:mod:`solvers.budget`; the next-day flow by its pickup points,
:func:`dispatch.decompose.flow_weight`), so time one flow does not use goes to the
next.  ``params.iterations`` makes every routing search stop on a count, not the clock:
the same batch, settings, seed and iterations give the same plan.

A flow with more orders than ``ScaleSettings.max_part_orders`` is planned in parts,
solved in parallel by the chosen engine and improved across their borders
(:mod:`dispatch.decompose`); ``Plan.parts`` records them.  A smaller flow is planned
exactly as without decomposition.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Sequence

from core.limits import MAX_CLOCK_S
from dispatch.decompose import Progress, ScaleSettings, flow_weight, plan_flow
from dispatch.domain import Courier, FulfilmentMode, Order
from dispatch.fleet import DELIVERY_FLOWS, allocate_fleet
from dispatch.flows.combined_delivery import plan_combined_delivery
from dispatch.flows.home_service import plan_home_service
from dispatch.flows.instant import plan_instant
from dispatch.flows.multi_store import plan_multi_store
from dispatch.flows.next_day import plan_next_day
from dispatch.flows.returns import returns_host, with_returns
from dispatch.flows.routing import FlowOutcome, PlanContext, invalid_input
from dispatch.flows.scheduled import plan_scheduled
from dispatch.kpis import plan_kpis
from dispatch.payloads import order_bound_problems
from dispatch.plan import PartRecord, Plan, UnassignedOrder
from dispatch.returns import ReturnRequest, validate_returns
from dispatch.settings import PlannerSettings
from dispatch.stock import out_of_stock
from dispatch.validation import validate_orders
from dispatch.warehouse_picks import warehouse_pick_lists
from dispatch.world import World
from solvers import SolveParams
from solvers.budget import Budget
from solvers.errors import EngineError, InvalidInputError
from solvers.rr import before_budget as search_before_budget
from solvers.rr import load_within as search_load_within

FlowPlanner = Callable[[Sequence[Order], Sequence[Courier], PlanContext], FlowOutcome]
_DELIVERY: dict[FulfilmentMode, FlowPlanner] = {
    FulfilmentMode.INSTANT: plan_instant,
    FulfilmentMode.MULTI_STORE: plan_multi_store,
    FulfilmentMode.SCHEDULED: plan_scheduled,
}


class Planner:
    """Plans batches of orders in one world with one set of settings."""

    def __init__(
        self,
        world: World,
        settings: PlannerSettings | None = None,
        *,
        scale: ScaleSettings | None = None,
        progress: Progress | None = None,
    ) -> None:
        """``scale``: how large flows are split and which engine solves the parts
        (:mod:`dispatch.decompose`; local processes on every core by default);
        ``progress``: called with each part's events (queued, done) of decomposed flows."""
        if not isinstance(world, World):
            raise InvalidInputError("Planner.world", f"must be a World, got {world!r}")
        self.world = world
        self.settings = settings or PlannerSettings()
        self.scale = scale or ScaleSettings()
        self.progress = progress

    def plan(
        self,
        orders: Sequence[Order],
        *,
        at_s: float,
        params: SolveParams | None = None,
        rejected: Sequence[UnassignedOrder] = (),
        returns: Sequence[ReturnRequest] = (),
    ) -> Plan:
        """Plan a batch of orders at time ``at_s`` (plan clock, seconds since midnight).

        Couriers leave no earlier than ``at_s``; ``params.time_limit_s`` bounds the
        whole call (see the module docstring).  ``rejected``: orders of the batch the
        caller already found unplannable (e.g. stored orders that no longer read as
        orders), joined into the plan's unassigned orders and KPIs; their ids must
        differ from those of ``orders``.  ``returns``: return requests, collected on
        the routes of the courier deliveries (:mod:`dispatch.flows.returns`); every
        one is in ``Plan.returns``, collected or with a reason.

        Raises:
            InvalidInputError: an order refers to something the world does not have
                (see :func:`dispatch.validation.validate_orders`), ``at_s`` is not a
                number of seconds within the planning horizon
                (:data:`dispatch.payloads.MAX_CLOCK_S`).
        """
        if not (
            isinstance(at_s, int | float)
            and not isinstance(at_s, bool)
            and math.isfinite(at_s)
            and 0 <= at_s <= MAX_CLOCK_S
        ):
            raise InvalidInputError(
                "Planner.plan: at_s",
                f"must be a number of seconds in [0, {MAX_CLOCK_S:.0f}] (the planning "
                f"horizon), got {at_s!r}",
            )
        params = params or SolveParams()
        search_before_budget(params.iterations)  # own search's kernels (solvers.rr)
        budget = Budget.start(params.time_limit_s)
        # search18: loaded from the whole call's time, not from its first flow's share
        search_load_within(budget.remaining_s())
        orders = tuple(orders)
        world, settings = self.world, self.settings
        validate_orders(orders, world, settings)
        returns = validate_returns(returns, world)
        invalid = list(rejected)
        if len({u.order_id for u in invalid} | {o.id for o in orders}) != len(invalid) + len(
            orders
        ):
            raise InvalidInputError("Planner.plan: rejected", "order ids must be unique")
        for order in orders:
            problems = order_bound_problems(order)
            if problems:
                invalid.append(invalid_input(order, problems))
        if len(invalid) > len(rejected):
            bad = {u.order_id for u in invalid}
            orders = tuple(o for o in orders if o.id not in bad)
        # Stock (dispatch.stock): allocated by creation time before any routing, so no
        # solver routes an order from a place without its goods.
        orders, short = out_of_stock(orders, world.stock)
        invalid.extend(short)
        ctx = PlanContext(world, settings, at_s, params, budget)
        by_flow: dict[FulfilmentMode, list[Order]] = {f: [] for f in FulfilmentMode}
        for order in orders:
            by_flow[order.mode].append(order)
        host = returns_host(
            {f: len(o) for f, o in by_flow.items()},
            DELIVERY_FLOWS,
            returns=len(returns),
            whole_up_to=self.scale.max_part_orders,
        )
        host_extra = {host: len(returns)} if returns else {}  # returns ride with the host
        fleet = allocate_fleet(
            world.couriers, [f for f, o in by_flow.items() if o or f in host_extra], at_s
        )
        outcomes: dict[FulfilmentMode, FlowOutcome] = {}
        parts: tuple[PartRecord, ...] = ()  # of decomposed flows (dispatch.decompose)
        pool = list(fleet.pool)
        # The budget rule: the flows with orders, in the order they are planned below,
        # each get the time left (when it starts) in proportion to their orders.
        turn = (*DELIVERY_FLOWS, FulfilmentMode.NEXT_DAY_PICKUP, FulfilmentMode.HOME_SERVICE)
        weights = [
            # scale11c: the next-day flow weighs by its pickup points (decompose.flow_weight)
            flow_weight(f, len(by_flow[f]), world) + host_extra.get(f, 0)
            for f in turn
            if by_flow[f] or f in host_extra
        ]
        # --- fleet13: couriers shared by delivery flows -> the delivery flows in one model
        # (with the returns riding in it; not decomposed: dispatch.flows.combined_delivery)
        # A batch of delivery orders above the part size is planned flow by flow (each
        # may be decomposed), shared couriers in every flow they may work.
        combined = (
            bool(fleet.shared)
            and sum(len(by_flow[f]) + host_extra.get(f, 0) for f in DELIVERY_FLOWS)
            <= self.scale.max_part_orders
        )
        shared = [] if combined else list(fleet.shared)
        if combined:
            n_delivery = sum(1 for f in DELIVERY_FLOWS if by_flow[f] or f in host_extra)
            weights = [sum(weights[:n_delivery]), *weights[n_delivery:]]
        flow_ctxs = ctx.parts(weights)
        if combined:
            outcomes.update(
                plan_combined_delivery(
                    by_flow,
                    fleet.delivery_couriers(),
                    dataclasses.replace(next(flow_ctxs), returns=tuple(returns)),
                )
            )
        # --- end fleet13
        for flow in DELIVERY_FLOWS:
            if (not by_flow[flow] and flow not in host_extra) or combined:
                continue
            couriers = [*fleet.of(flow), *pool, *(c for c, may in shared if flow in may)]
            flow_ctx = next(flow_ctxs)
            if flow in host_extra:  # planned whole, with the returns riding in it
                outcome = _DELIVERY[flow](
                    by_flow[flow], couriers, dataclasses.replace(flow_ctx, returns=returns)
                )
            else:
                outcome, flow_parts = plan_flow(
                    flow,
                    by_flow[flow],
                    couriers,
                    flow_ctx,
                    plan_whole=_DELIVERY[flow],
                    scale=self.scale,
                    progress=self.progress,
                )
                parts = (*parts, *flow_parts)
            outcomes[flow] = outcome
            used = {r.courier_id for r in outcome.routes}
            pool = [c for c in pool if c.id not in used]
            shared = [(c, may) for c, may in shared if c.id not in used]
        if by_flow[FulfilmentMode.NEXT_DAY_PICKUP]:
            outcomes[FulfilmentMode.NEXT_DAY_PICKUP] = plan_next_day(
                by_flow[FulfilmentMode.NEXT_DAY_PICKUP],
                fleet.of(FulfilmentMode.NEXT_DAY_PICKUP),
                next(flow_ctxs),
            )
        if by_flow[FulfilmentMode.HOME_SERVICE]:
            outcomes[FulfilmentMode.HOME_SERVICE], flow_parts = plan_flow(
                FulfilmentMode.HOME_SERVICE,
                by_flow[FulfilmentMode.HOME_SERVICE],
                fleet.of(FulfilmentMode.HOME_SERVICE),
                next(flow_ctxs),
                plan_whole=plan_home_service,
                scale=self.scale,
                progress=self.progress,
            )
            parts = (*parts, *flow_parts)
        for unplannable in invalid:
            flow = unplannable.flow
            before = outcomes.get(flow)
            outcomes[flow] = dataclasses.replace(
                before or FlowOutcome(),
                unassigned=(*(before.unassigned if before else ()), unplannable),
            )
        on_shift = [c.id for c in world.couriers if c.shift.end_s > at_s]
        plan = _join(orders, outcomes, at_s, [u.flow for u in invalid], on_shift)
        plan = dataclasses.replace(plan, parts=parts)
        _require_coverage([*(o.id for o in orders), *(u.order_id for u in invalid)], plan)
        return dataclasses.replace(
            with_returns(plan, returns, outcomes.values()),
            warehouse_pick_lists=warehouse_pick_lists(plan.routes, orders, world, settings),
        )


def _join(
    orders: Sequence[Order],
    outcomes: dict[FulfilmentMode, FlowOutcome],
    at_s: float,
    invalid_flows: Sequence[FulfilmentMode] = (),
    on_shift: Sequence[str] = (),
) -> Plan:
    flows = [f for f in FulfilmentMode if f in outcomes]
    return Plan(
        at_s=at_s,
        routes=tuple(
            r for f in flows for r in sorted(outcomes[f].routes, key=lambda r: r.courier_id)
        ),
        pickup_assignments=tuple(a for f in flows for a in outcomes[f].assignments),
        pick_lists=tuple(
            sorted(
                (p for f in flows for p in outcomes[f].pick_lists), key=lambda p: p.pickup_point_id
            )
        ),
        commissions=tuple(
            sorted((c for f in flows for c in outcomes[f].commissions), key=lambda c: c.leader_id)
        ),
        unassigned=tuple(
            sorted((u for f in flows for u in outcomes[f].unassigned), key=lambda u: u.order_id)
        ),
        kpis=plan_kpis(orders, outcomes, invalid_flows, on_shift),
        solver_runs=tuple(run for f in flows for run in outcomes[f].runs),
    )


def _require_coverage(order_ids: Sequence[str], plan: Plan) -> None:
    """Every order served exactly once or unassigned exactly once (an internal invariant)."""
    served = plan.served_order_ids()
    unassigned = [u.order_id for u in plan.unassigned]
    ids = set(order_ids)
    if (
        len(unassigned) != len(set(unassigned))
        or served & set(unassigned)
        or served | set(unassigned) != ids
    ):
        raise EngineError(
            "plan coverage broken: every order must be served once or unassigned once "
            f"(served {sorted(served)}, unassigned {sorted(unassigned)}, orders {sorted(ids)})"
        )
