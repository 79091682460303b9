"""What a Grubhub MDRP replay produced: trips, deliveries, undelivered orders, metrics.

Everything is in minutes and dollars.  :func:`deliveries_of` and
:func:`grubhub_metrics` derive the deliveries and the family's standard metrics from
the trips alone, so the simulation (:mod:`scenarios.grubhub_sim`) and anyone holding
trips compute them the same way.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any

import numpy as np

from scenarios.grubhub import GrubhubInstance
from solvers.instant_dispatch import InstantPolicy


class GrubhubReason(StrEnum):
    """Why a Grubhub replay left an order undelivered."""

    NO_COURIER = "no_courier"  # no courier was free to pick it up within a shift
    INTERRUPTED = "interrupted"  # the replay was stopped before it was dispatched


@dataclass(frozen=True)
class GrubhubTrip:
    """A committed trip: a courier collects ``order_ids`` at a restaurant, drops them in order."""

    courier_id: str
    restaurant_id: str
    order_ids: tuple[str, ...]
    dispatched_min: float
    depart_min: float
    arrive_restaurant_min: float
    pickup_min: float
    dropoff_min: tuple[float, ...]
    end_min: float


@dataclass(frozen=True)
class GrubhubDelivery:
    """An order delivered: who, when it was picked up and dropped off."""

    order_id: str
    courier_id: str
    pickup_min: float
    dropoff_min: float
    click_to_door_min: float
    ready_to_pickup_min: float


@dataclass(frozen=True)
class GrubhubUnassigned:
    """An order not delivered, with a reason code and a sentence."""

    order_id: str
    reason: GrubhubReason
    detail: str


@dataclass(frozen=True)
class GrubhubWaveView:
    """What the dispatcher was given at one wave: the time and the open orders' ids."""

    now_min: float
    order_ids: tuple[str, ...]


@dataclass(frozen=True)
class GrubhubMetrics:
    """The family's standard metrics (minutes and dollars).

    ``overage_mean_min`` is the mean over delivered orders of the minutes beyond the
    target click-to-door; ``late`` counts delivered orders beyond the target;
    ``courier_utilisation_pct`` is the share of the couriers' total shift minutes spent
    on trips (from leaving for the restaurant to leaving the last drop-off).
    """

    orders_total: int
    delivered: int
    not_delivered: int
    not_delivered_pct: float
    late: int
    click_to_door_mean_min: float
    click_to_door_p90_min: float
    overage_mean_min: float
    ready_to_pickup_mean_min: float
    total_pay: float
    cost_per_order: float
    courier_utilisation_pct: float
    orders_per_bundle: float
    couriers: int
    courier_hours: float


@dataclass(frozen=True)
class GrubhubReplay:
    """The outcome of a replay: trips, deliveries, undelivered orders and metrics.

    ``complete`` is False when the replay was interrupted (Ctrl-C); the orders not yet
    decided are then unassigned with reason ``interrupted``.  ``views`` records what the
    dispatcher was given at each wave, so the rule checker can prove that no order was
    read before its placement time.
    """

    instance: str
    policy: InstantPolicy
    trips: tuple[GrubhubTrip, ...]
    deliveries: tuple[GrubhubDelivery, ...]
    unassigned: tuple[GrubhubUnassigned, ...]
    metrics: GrubhubMetrics
    waves: int
    complete: bool = True
    views: tuple[GrubhubWaveView, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict: ``kpis`` (the common keys and the family's metrics) and details."""
        metrics = asdict(self.metrics)
        kpis: dict[str, Any] = {
            "orders_total": self.metrics.orders_total,
            "delivered": self.metrics.delivered,
            "collected": 0,
            "unassigned": self.metrics.not_delivered,
            "late": self.metrics.late,
            **metrics,
        }
        return {
            "instance": self.instance,
            "family": "grubhub_mdrp",
            "complete": self.complete,
            "waves": self.waves,
            "policy": asdict(self.policy),
            "kpis": kpis,
            "unassigned": [asdict(u) for u in self.unassigned],
            "trips": [asdict(t) for t in self.trips],
        }


def deliveries_of(
    instance: GrubhubInstance, trips: Sequence[GrubhubTrip]
) -> tuple[GrubhubDelivery, ...]:
    """One delivery per order of the trips, by order id."""
    orders = {o.id: o for o in instance.orders}
    result: list[GrubhubDelivery] = []
    for trip in trips:
        for order_id, drop in zip(trip.order_ids, trip.dropoff_min, strict=True):
            order = orders[order_id]
            result.append(
                GrubhubDelivery(
                    order_id,
                    trip.courier_id,
                    trip.pickup_min,
                    drop,
                    drop - order.placement_min,
                    trip.pickup_min - order.ready_min,
                )
            )
    return tuple(sorted(result, key=lambda d: d.order_id))


def grubhub_metrics(
    instance: GrubhubInstance,
    trips: Sequence[GrubhubTrip],
    deliveries: Sequence[GrubhubDelivery],
) -> GrubhubMetrics:
    """The family's metrics for a set of trips and the deliveries they made."""
    params = instance.parameters
    total = len(instance.orders)
    delivered = len(deliveries)
    ctd = np.array([d.click_to_door_min for d in deliveries], dtype=float)
    rtp = np.array([d.ready_to_pickup_min for d in deliveries], dtype=float)
    per_courier: dict[str, int] = {}
    busy: dict[str, float] = {}
    for trip in trips:
        per_courier[trip.courier_id] = per_courier.get(trip.courier_id, 0) + len(trip.order_ids)
        busy[trip.courier_id] = busy.get(trip.courier_id, 0.0) + trip.end_min - trip.depart_min
    pay = sum(
        max(
            params.pay_per_order * per_courier.get(c.id, 0),
            params.guaranteed_pay_per_hour * c.shift_h,
        )
        for c in instance.couriers
    )
    shift_min = sum(c.off_min - c.on_min for c in instance.couriers)
    nan = math.nan
    return GrubhubMetrics(
        orders_total=total,
        delivered=delivered,
        not_delivered=total - delivered,
        not_delivered_pct=100.0 * (total - delivered) / total if total else 0.0,
        late=int(np.sum(ctd > params.target_click_to_door_min)),
        click_to_door_mean_min=float(ctd.mean()) if delivered else nan,
        click_to_door_p90_min=float(np.percentile(ctd, 90)) if delivered else nan,
        overage_mean_min=(
            float(np.maximum(ctd - params.target_click_to_door_min, 0.0).mean())
            if delivered
            else nan
        ),
        ready_to_pickup_mean_min=float(rtp.mean()) if delivered else nan,
        total_pay=float(pay),
        cost_per_order=float(pay / delivered) if delivered else nan,
        courier_utilisation_pct=100.0 * sum(busy.values()) / shift_min if shift_min else 0.0,
        orders_per_bundle=delivered / len(trips) if trips else 0.0,
        couriers=len(instance.couriers),
        courier_hours=shift_min / 60.0,
    )
