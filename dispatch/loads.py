"""What order lines weigh in a vehicle: the demand vector, cold boxes and totes.

The demand vector has one value per courier capacity dimension, in this order:
weight (kg), volume (litres), insulated cold boxes (count) -- see :data:`DIMENSIONS`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from dispatch.domain import Courier, OrderLine, TemperatureClass

#: Capacity dimensions of every routing problem the planner builds.
DIMENSIONS = ("weight_kg", "volume_l", "cold_boxes")
Demand = tuple[float, float, float]
ZERO: Demand = (0.0, 0.0, 0.0)
_EPS = 1e-9


def volume_by_temperature(lines: Iterable[OrderLine]) -> dict[TemperatureClass, float]:
    """Litres per temperature class."""
    out: dict[TemperatureClass, float] = {}
    for line in lines:
        out[line.temperature] = out.get(line.temperature, 0.0) + line.volume_total_l
    return out


def containers(volume_l: float, container_l: float) -> int:
    """Containers of ``container_l`` litres needed for ``volume_l`` (at least one if any)."""
    if volume_l <= _EPS:
        return 0
    return max(1, math.ceil(volume_l / container_l - _EPS))


def cold_boxes(lines: Iterable[OrderLine], box_volume_l: float) -> int:
    """Insulated boxes: per chilled, frozen or hot class, ceil(its volume / box volume).

    Classes do not share a box (hot food does not ride with ice cream); a class of
    items with no volume still takes one box.
    """
    boxes = 0
    items = list(lines)
    for temperature, volume in volume_by_temperature(items).items():
        if temperature is TemperatureClass.AMBIENT:
            continue
        boxes += max(1, containers(volume, box_volume_l))
    return boxes


def demand(lines: Iterable[OrderLine], box_volume_l: float) -> Demand:
    """(weight kg, volume l, cold boxes) of these lines."""
    items = list(lines)
    return (
        sum(line.weight_total_kg for line in items),
        sum(line.volume_total_l for line in items),
        float(cold_boxes(items, box_volume_l)),
    )


def add(a: Demand, b: Demand) -> Demand:
    """Component-wise sum."""
    return (a[0] + b[0], a[1] + b[1], a[2] + b[2])


def capacity(courier: Courier) -> Demand:
    """A courier's capacity vector."""
    return (courier.capacity_kg, courier.capacity_l, float(courier.cold_boxes))
