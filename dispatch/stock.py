"""Stock at micro-warehouses and shops: what a place has, what an order needs, and the
planner's allocation.

A :class:`StockTable` holds units per place and SKU.  A place without an entry is not
stock-controlled (it can supply anything); a SKU missing from a place's entry has none
there.  Only orders delivered the same day from the place's shelf draw on its stock
(:data:`STOCKED_FLOWS`: instant, multi-store, scheduled); next-day pickup orders are
supplied by the nightly trunk and home services are not goods.

The rule of :func:`allocate_stock` (what the planner does before any routing, so it is
the same whichever solver runs): orders take stock in the order they were created
(``created_at_s``, then order id); an order takes all its lines or nothing; an order
some line of which the places cannot give whole is left out with every short line
named (:class:`MissingLine`), and the stock it would have taken stays for the orders
after it.  The Engine keeps stock in its store instead and reserves it when an order
is submitted (:mod:`dispatch.store.stock_sql`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

from core.limits import MAX_STOCK_UNITS, shorten
from dispatch.domain import FulfilmentMode, Order, OrderLine
from dispatch.plan import UnassignedOrder, UnassignedOrderReason
from solvers.errors import InvalidInputError

#: The flows whose orders draw on a place's stock.
STOCKED_FLOWS = frozenset(
    {FulfilmentMode.INSTANT, FulfilmentMode.MULTI_STORE, FulfilmentMode.SCHEDULED}
)


def require_units(path: str, value: object) -> int:
    """``value`` as a stock quantity (an integer in [0, MAX_STOCK_UNITS]).

    Raises:
        InvalidInputError: anything else, naming ``path``.
    """
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_STOCK_UNITS:
        raise InvalidInputError(
            path, f"must be an integer in [0, {MAX_STOCK_UNITS}] (units), got {value!r}"
        )
    return value


@dataclass(frozen=True, eq=False)
class StockTable:
    """Units on hand per place and SKU: ``{"mw01": {"milk-1l": 40}}``.

    Raises:
        InvalidInputError: a quantity that is not an integer in [0, MAX_STOCK_UNITS]
            (naming ``stock.<place>.<sku>``).
    """

    levels: Mapping[str, Mapping[str, int]]

    def __post_init__(self) -> None:
        frozen: dict[str, Mapping[str, int]] = {}
        for place_id, skus in dict(self.levels).items():
            row = {}
            for sku, units in dict(skus).items():
                row[sku] = require_units(f"stock.{place_id}.{sku}", units)
            frozen[place_id] = MappingProxyType(row)
        object.__setattr__(self, "levels", MappingProxyType(frozen))

    def controls(self, place_id: str) -> bool:
        """Whether the place counts its stock."""
        return place_id in self.levels

    def units(self, place_id: str, sku: str) -> int | None:
        """Units of ``sku`` at the place; None when the place does not count stock."""
        row = self.levels.get(place_id)
        return None if row is None else row.get(sku, 0)

    def to_json(self) -> dict[str, dict[str, int]]:
        """The table as the scenario file writes it."""
        return {p: dict(skus) for p, skus in self.levels.items()}


@dataclass(frozen=True, slots=True)
class MissingLine:
    """A line a place cannot give whole: ``wanted`` units of ``sku``, ``available`` there."""

    place_id: str
    sku: str
    wanted: int
    available: int

    def to_json(self) -> dict[str, object]:
        """A JSON-ready dict."""
        return {
            "place_id": self.place_id,
            "sku": self.sku,
            "wanted": self.wanted,
            "available": self.available,
        }


def basket_needs(lines: Iterable[OrderLine]) -> dict[tuple[str, str], int]:
    """Units per ``(place, sku)`` of a basket (lines of one SKU added up), in line order."""
    needs: dict[tuple[str, str], int] = {}
    for line in lines:
        key = (line.store_id, line.sku)
        needs[key] = needs.get(key, 0) + line.quantity
    return needs


def order_needs(order: Order) -> dict[tuple[str, str], int]:
    """What an order draws from shelves (empty for flows that draw none)."""
    if order.mode not in STOCKED_FLOWS:
        return {}
    return basket_needs(order.lines)


def need_time_s(order: Order) -> float:
    """When an order needs its goods on the shelf (plan clock): the start of its
    scheduled slot, else its creation (instant and multi-store orders are picked now)."""
    if order.mode is FulfilmentMode.SCHEDULED and order.promised is not None:
        return order.promised.start_s
    return order.created_at_s


def missing_text(missing: Sequence[MissingLine]) -> str:
    """The lines as an operator reads them."""
    parts = [
        f"{m.sku!r} at {m.place_id!r} ({m.wanted} wanted, {m.available} in stock)" for m in missing
    ]
    return "out of stock: " + "; ".join(parts)


@dataclass(frozen=True, slots=True)
class StockAllocation:
    """The result of :func:`allocate_stock`: the orders that got their goods (in the
    batch's order), the short lines of those that did not, and what is left."""

    kept: tuple[Order, ...]
    short: Mapping[str, tuple[MissingLine, ...]]
    left: StockTable


def allocate_stock(orders: Sequence[Order], stock: StockTable) -> StockAllocation:
    """Give the stock to the orders by creation time, then id (see the module doc).

    Orders of flows that draw no stock and lines from places that do not count stock
    always pass.
    """
    left: dict[str, dict[str, int]] = {p: dict(s) for p, s in stock.levels.items()}
    short: dict[str, tuple[MissingLine, ...]] = {}
    for order in sorted(orders, key=lambda o: (o.created_at_s, o.id)):
        needs = {k: n for k, n in order_needs(order).items() if k[0] in left}
        missing = tuple(
            MissingLine(place, sku, n, left[place].get(sku, 0))
            for (place, sku), n in needs.items()
            if left[place].get(sku, 0) < n
        )
        if missing:
            short[order.id] = missing
            continue
        for (place, sku), n in needs.items():
            left[place][sku] -= n
    kept = tuple(o for o in orders if o.id not in short)
    return StockAllocation(kept, MappingProxyType(short), StockTable(left))


def out_of_stock(
    orders: Sequence[Order], stock: StockTable | None
) -> tuple[tuple[Order, ...], tuple[UnassignedOrder, ...]]:
    """The planner's step before routing: the orders the stock covers (batch order
    kept) and the others unassigned ``out_of_stock`` with their short lines named.
    ``stock`` None: every order passes."""
    if stock is None:
        return tuple(orders), ()
    allocation = allocate_stock(orders, stock)
    unassigned = tuple(
        UnassignedOrder(
            o.id,
            o.mode,
            UnassignedOrderReason.OUT_OF_STOCK,
            shorten(missing_text(allocation.short[o.id]), 500),
        )
        for o in orders
        if o.id in allocation.short
    )
    return allocation.kept, unassigned


@dataclass(frozen=True, eq=False)
class StockView:
    """What a quote knows of stock: the places that count it and, per place and SKU, the
    free units of each lot by arrival time (on hand at 0, replenishments later).

    Attributes:
        controlled: the places that count stock (others supply anything).
        lots: ``(place, sku) -> ((at_s, free units), ...)`` sorted by time.
    """

    controlled: frozenset[str]
    lots: Mapping[tuple[str, str], tuple[tuple[float, int], ...]]

    @classmethod
    def of_table(cls, table: StockTable | None) -> StockView:
        """A scenario's stock: everything on hand now."""
        if table is None:
            return cls(frozenset(), {})
        return cls(
            frozenset(table.levels),
            {(p, sku): ((0.0, n),) for p, skus in table.levels.items() for sku, n in skus.items()},
        )

    def free_by(self, place_id: str, sku: str, at_s: float) -> int | None:
        """Free units of ``sku`` at the place that have arrived by ``at_s``; None when
        the place does not count stock."""
        if place_id not in self.controlled:
            return None
        return sum(max(n, 0) for t, n in self.lots.get((place_id, sku), ()) if t <= at_s)

    def missing(self, needs: Mapping[tuple[str, str], int], at_s: float) -> tuple[MissingLine, ...]:
        """The needs the places cannot give by ``at_s``."""
        out = []
        for (place, sku), n in needs.items():
            free = self.free_by(place, sku, at_s)
            if free is not None and free < n:
                out.append(MissingLine(place, sku, n, free))
        return tuple(out)

    def covered_from_s(self, needs: Mapping[tuple[str, str], int], at_s: float) -> float | None:
        """The first time at or after ``at_s`` when every need is covered (after the
        replenishments due), or None if the known lots never cover them."""
        times = sorted({at_s} | {t for key in needs for t, _ in self.lots.get(key, ()) if t > at_s})
        for t in times:
            if not self.missing(needs, t):
                return t
        return None
