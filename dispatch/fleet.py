"""Which flows each courier works in a plan.

The rule, in order:

1. A courier whose shift has ended at the plan time is not used.
2. A courier declares its flows in ``Courier.flows`` (or, the older and deprecated
   spelling, by listing flow names among its skills: ``"instant"``, ``"multi_store"``,
   ``"scheduled"``, ``"next_day_pickup"``, ``"home_service"``).  When two or more of the
   courier delivery flows it declares (instant, multi-store, scheduled) have orders in
   the batch, it is *shared*: it may combine their orders on one route.  Otherwise it
   works the first declared flow, in that order, that has orders in the batch (or none).
3. Otherwise a van (profile ``van``) drives next-day trunk routes;
4. a courier with other skills is a home-service technician;
5. everyone else (walkers, e-bikes, tricycles without skills) is in the delivery pool.

Without shared couriers the delivery pool serves the courier delivery flows in order of
urgency: instant, then multi-store, then scheduled; each gets, beside the couriers that
declared it, the pool couriers the flows before it left without a route.  With shared
couriers the delivery flows with orders are planned in one routing model
(:mod:`dispatch.flows.combined_delivery`): every delivery courier there serves the flows
it may work (a shared courier its declared ones, a dedicated courier its one flow, a
pool courier all three).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from dispatch.domain import Courier, FulfilmentMode
from geo.profiles import ProfileName

FLOW_ORDER: tuple[FulfilmentMode, ...] = tuple(FulfilmentMode)
DELIVERY_FLOWS = (FulfilmentMode.INSTANT, FulfilmentMode.MULTI_STORE, FulfilmentMode.SCHEDULED)
_FLOW_NAMES = frozenset(f.value for f in FulfilmentMode)


@dataclass(frozen=True)
class Fleet:
    """Couriers by role for one plan.

    Attributes:
        dedicated: couriers that work one flow (declared, vans, technicians).
        pool: the delivery pool, shared in turn by instant, multi-store and scheduled.
        idle: couriers off shift, or declaring only flows with no orders.
        shared: couriers that combine two or more delivery flows with orders, with the
            delivery flows each may work (a shared courier needs one routing model for
            the delivery flows).
    """

    dedicated: Mapping[FulfilmentMode, tuple[Courier, ...]] = field(default_factory=dict)
    pool: tuple[Courier, ...] = ()
    idle: tuple[Courier, ...] = ()
    shared: tuple[tuple[Courier, frozenset[FulfilmentMode]], ...] = ()

    def of(self, flow: FulfilmentMode) -> tuple[Courier, ...]:
        """Couriers dedicated to ``flow``."""
        return self.dedicated.get(flow, ())

    def delivery_couriers(self) -> tuple[tuple[Courier, frozenset[FulfilmentMode]], ...]:
        """Every courier of the delivery flows with the flows it may serve in one model:
        shared couriers their declared delivery flows, dedicated ones their flow, the
        pool every delivery flow; by courier id."""
        every = frozenset(DELIVERY_FLOWS)
        out = [
            *self.shared,
            *((c, frozenset({f})) for f in DELIVERY_FLOWS for c in self.of(f)),
            *((c, every) for c in self.pool),
        ]
        return tuple(sorted(out, key=lambda pair: pair[0].id))


def declared_flows(courier: Courier) -> tuple[FulfilmentMode, ...]:
    """Flows the courier declares (``Courier.flows``, else flow names among its skills:
    the deprecated spelling), in flow order."""
    if courier.flows:
        return tuple(f for f in FLOW_ORDER if f in courier.flows)
    return tuple(f for f in FLOW_ORDER if f.value in courier.skills)


def allocate_fleet(
    couriers: Sequence[Courier], flows_with_orders: Iterable[FulfilmentMode], at_s: float
) -> Fleet:
    """Split the couriers by the rule of the module doc."""
    present = set(flows_with_orders)
    dedicated: dict[FulfilmentMode, list[Courier]] = {}
    pool: list[Courier] = []
    idle: list[Courier] = []
    shared: list[tuple[Courier, frozenset[FulfilmentMode]]] = []
    for courier in sorted(couriers, key=lambda c: c.id):
        if courier.shift.end_s <= at_s:
            idle.append(courier)
            continue
        declared = declared_flows(courier)
        if declared:
            delivery = frozenset(f for f in declared if f in DELIVERY_FLOWS and f in present)
            flow = next((f for f in declared if f in present), None)
            if len(delivery) > 1:
                shared.append((courier, delivery))
            elif flow is None:
                idle.append(courier)
            else:
                dedicated.setdefault(flow, []).append(courier)
        elif courier.profile is ProfileName.VAN:
            dedicated.setdefault(FulfilmentMode.NEXT_DAY_PICKUP, []).append(courier)
        elif courier.skills - _FLOW_NAMES:
            dedicated.setdefault(FulfilmentMode.HOME_SERVICE, []).append(courier)
        else:
            pool.append(courier)
    return Fleet(
        {f: tuple(c) for f, c in dedicated.items()}, tuple(pool), tuple(idle), tuple(shared)
    )
