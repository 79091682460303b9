"""Drawing a scenario's members and orders on a city, shared by the demo and the day
generators.

* :class:`ScenarioBuilder` draws members (where they live) and orders (what they buy,
  when) from one random stream per seed;
* :data:`WAREHOUSE_ITEMS` and :data:`GROUP_BUY_ITEMS` are the micro-warehouse and
  group-buy assortments, :func:`shop_line` a line bought at a shop of its kind.

Items are ``(sku, temperature, kg, litres, yuan)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import numpy as np

from dispatch.domain import MemberTier, TemperatureClass
from geo.frame import haversine_m
from geo.places import Building, Store
from scenarios.scenario_schema import MemberSpec, OrderLineSpec, OrderSpec

#: One item of an assortment: (sku, temperature, kg, litres, yuan).
Item = tuple[str, TemperatureClass, float, float, str]

#: Micro-warehouse assortment.
WAREHOUSE_ITEMS: tuple[Item, ...] = (
    ("milk-1l", TemperatureClass.CHILLED, 1.05, 1.0, "12.90"),
    ("yoghurt-4", TemperatureClass.CHILLED, 0.5, 0.6, "9.90"),
    ("eggs-10", TemperatureClass.AMBIENT, 0.6, 1.5, "15.80"),
    ("bok-choy-500g", TemperatureClass.AMBIENT, 0.5, 2.0, "4.50"),
    ("tomatoes-1kg", TemperatureClass.AMBIENT, 1.0, 2.0, "8.80"),
    ("ice-cream", TemperatureClass.FROZEN, 0.4, 0.8, "19.90"),
    ("dumplings-1kg", TemperatureClass.FROZEN, 1.0, 1.5, "26.00"),
    ("rice-5kg", TemperatureClass.AMBIENT, 5.0, 6.0, "39.90"),
    ("soy-sauce", TemperatureClass.AMBIENT, 0.6, 0.6, "11.50"),
)
#: Group-buy (next-day) assortment.
GROUP_BUY_ITEMS: tuple[Item, ...] = (
    ("rice-5kg", TemperatureClass.AMBIENT, 5.0, 6.0, "32.90"),
    ("peanut-oil-5l", TemperatureClass.AMBIENT, 4.6, 5.2, "69.00"),
    ("eggs-30", TemperatureClass.AMBIENT, 1.8, 4.0, "29.90"),
    ("pork-ribs-1kg", TemperatureClass.FROZEN, 1.0, 1.4, "45.00"),
    ("durian-box", TemperatureClass.CHILLED, 2.0, 3.0, "88.00"),
    ("paper-towels-12", TemperatureClass.AMBIENT, 1.2, 9.0, "24.90"),
)
# What each kind of shop sells.
_SHOP_ITEMS: dict[str, Item] = {
    "fruit": ("mango-1kg", TemperatureClass.AMBIENT, 1.0, 2.0, "18.00"),
    "bakery": ("croissant-4", TemperatureClass.AMBIENT, 0.3, 1.5, "22.00"),
    "pharmacy": ("cold-remedy", TemperatureClass.AMBIENT, 0.1, 0.2, "32.50"),
    "grocery": ("noodles-1kg", TemperatureClass.AMBIENT, 1.0, 1.5, "9.90"),
    "butcher": ("pork-belly-500g", TemperatureClass.CHILLED, 0.5, 0.6, "24.00"),
    "vegetable": ("spinach-500g", TemperatureClass.AMBIENT, 0.5, 2.0, "5.50"),
    "flower": ("roses-11", TemperatureClass.AMBIENT, 0.6, 4.0, "99.00"),
}


def draw_member(rng: np.random.Generator, member_id: str, home_id: str) -> MemberSpec:
    """A generated member living in ``home_id``: paid with probability 0.25, flexible
    about the pickup point with probability 0.7 (two draws from ``rng``, in that order)."""
    return MemberSpec(
        id=member_id,
        tier=MemberTier.PAID if rng.random() < 0.25 else MemberTier.REGULAR,
        home_building_id=home_id,
        flexible_pickup=bool(rng.random() < 0.7),
    )


class ScenarioBuilder:
    """Draws a scenario's members and orders from one random stream per seed."""

    def __init__(self, buildings: Sequence[Building], seed: int) -> None:
        self.buildings = tuple(buildings)
        self.rng = np.random.default_rng([seed, 2024])
        self.blon = np.array([b.lon for b in self.buildings])
        self.blat = np.array([b.lat for b in self.buildings])
        self.members: dict[str, MemberSpec] = {}
        self.orders: list[OrderSpec] = []
        # home building -> its member: a day of 100,000 orders looks members up in O(1).
        self._member_of: dict[str, str] = {}

    def near(self, lon: float, lat: float, within: int) -> Building:
        """A building drawn among the ``within`` buildings nearest to a point."""
        d = haversine_m(lon, lat, self.blon, self.blat)
        nearest = np.argsort(d, kind="stable")[: max(1, within)]
        return self.buildings[int(self.rng.choice(nearest))]

    def member(self, home_id: str) -> str:
        """The member living in this building (created on first use)."""
        found = self._member_of.get(home_id)
        if found is not None:
            return found
        member_id = f"m{len(self.members) + 1:03d}"
        self.members[member_id] = draw_member(self.rng, member_id, home_id)
        self._member_of[home_id] = member_id
        return member_id

    def created(self, from_s: float, until_s: float) -> float:
        """A creation time on the minute in [from_s, until_s), seconds since midnight."""
        return float(60 * self.rng.integers(int(from_s // 60), int(until_s // 60)))

    def lines(self, source_id: str, items: Sequence[Item], count: int) -> list[OrderLineSpec]:
        """``count`` distinct items (at most all of them) bought from ``source_id``."""
        picked = self.rng.choice(len(items), size=min(count, len(items)), replace=False)
        return [
            OrderLineSpec(
                store_id=source_id,
                sku=items[int(k)][0],
                quantity=int(self.rng.integers(1, 3)),
                weight_kg=items[int(k)][2],
                volume_l=items[int(k)][3],
                temperature=items[int(k)][1],
                unit_price=Decimal(items[int(k)][4]),
            )
            for k in sorted(picked.tolist())
        ]

    def add(self, **fields: Any) -> None:
        """Add an order of these :class:`OrderSpec` fields, numbered in drawing order.

        Raises:
            pydantic.ValidationError: the fields break :class:`OrderSpec`'s rules.
        """
        self.orders.append(OrderSpec(id=f"o{len(self.orders) + 1:03d}", **fields))


def shop_line(store: Store, rng: np.random.Generator) -> OrderLineSpec:
    """One or two of what a shop of this kind sells (an assorted item for other kinds)."""
    sku, temperature, kg, litres, price = _SHOP_ITEMS.get(
        store.category, ("assorted", TemperatureClass.AMBIENT, 0.5, 1.0, "10.00")
    )
    return OrderLineSpec(
        store_id=store.id,
        sku=sku,
        quantity=int(rng.integers(1, 3)),
        weight_kg=kg,
        volume_l=litres,
        temperature=temperature,
        unit_price=Decimal(price),
    )
