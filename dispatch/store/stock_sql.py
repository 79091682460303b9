"""Stock in the store: lots, reservations by submitted orders, releases.

This is an I/O module (part of :mod:`dispatch.store`); every function runs inside a
transaction the caller opened (:class:`dispatch.store.sql.SqlStore`).  The tables are
``stock_lots`` and ``stock_holds`` (:mod:`dispatch.store.schema`).

The rule of a reservation (:func:`reserve`): an order needs its units by
:func:`dispatch.stock.need_time_s` (its slot's start, else its creation); it takes them
from the lots that have arrived by then, the latest lot first (the stock on hand stays
for orders needed earlier).  Lots are read ``FOR UPDATE`` (PostgreSQL; SQLite holds
the write lock since the order row was inserted) in (SKU, arrival) order, and each
unit taken is a conditional ``UPDATE ... WHERE quantity - reserved >= n``: two engines
never sell the same unit.  An order takes all its lines or nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from dispatch.stock import MissingLine, StockView
from dispatch.store.schema import stock_holds, stock_lots

#: The arrival time of stock on hand (``Engine.set_stock``).
ON_HAND_AT_S = 0.0


def controlled_places(conn: Connection, place_ids: Iterable[str]) -> set[str]:
    """Which of these places count stock (have at least one lot)."""
    wanted = sorted(set(place_ids))
    if not wanted:
        return set()
    rows = conn.execute(
        sa.select(stock_lots.c.place_id).where(stock_lots.c.place_id.in_(wanted)).distinct()
    ).scalars()
    return {str(p) for p in rows}


def reserve(
    conn: Connection, order_id: str, needs: Mapping[tuple[str, str], int], at_s: float
) -> tuple[MissingLine, ...]:
    """Reserve ``needs`` (units per place and SKU) for an order needed by ``at_s``; the
    short lines when some cannot be covered (then the caller rolls back)."""
    controlled = controlled_places(conn, (p for p, _ in needs))
    missing: list[MissingLine] = []
    for (place, sku), wanted in sorted(needs.items()):
        if place not in controlled:
            continue
        lots = conn.execute(
            sa.select(stock_lots.c.at_s, stock_lots.c.quantity, stock_lots.c.reserved)
            .where(
                stock_lots.c.place_id == place,
                stock_lots.c.sku == sku,
                stock_lots.c.at_s <= at_s,
            )
            .order_by(stock_lots.c.at_s)
            .with_for_update()
        ).all()
        free = sum(max(int(r.quantity) - int(r.reserved), 0) for r in lots)
        if free < wanted:
            missing.append(MissingLine(place, sku, wanted, free))
            continue
        left = wanted
        for lot in reversed(lots):  # the latest arrival first
            take = min(left, int(lot.quantity) - int(lot.reserved))
            if take <= 0:
                continue
            done = conn.execute(
                stock_lots.update()
                .where(
                    stock_lots.c.place_id == place,
                    stock_lots.c.sku == sku,
                    stock_lots.c.at_s == lot.at_s,
                    stock_lots.c.quantity - stock_lots.c.reserved >= take,
                )
                .values(reserved=stock_lots.c.reserved + take)
            ).rowcount
            if not done:  # pragma: no cover - the lots are locked; kept as a guard
                missing.append(MissingLine(place, sku, wanted, wanted - left))
                break
            conn.execute(
                stock_holds.insert().values(
                    order_id=order_id, place_id=place, sku=sku, at_s=lot.at_s, quantity=take
                )
            )
            left -= take
            if left == 0:
                break
    return tuple(missing)


def release(conn: Connection, order_id: str) -> None:
    """Give back everything an order holds."""
    holds = conn.execute(sa.select(stock_holds).where(stock_holds.c.order_id == order_id)).all()
    for hold in sorted(holds, key=lambda h: (h.place_id, h.sku, h.at_s)):
        conn.execute(
            stock_lots.update()
            .where(
                stock_lots.c.place_id == hold.place_id,
                stock_lots.c.sku == hold.sku,
                stock_lots.c.at_s == hold.at_s,
            )
            .values(reserved=stock_lots.c.reserved - hold.quantity)
        )
    conn.execute(stock_holds.delete().where(stock_holds.c.order_id == order_id))


def put_lot(
    conn: Connection, place_id: str, sku: str, at_s: float, units: int, *, add: bool
) -> None:
    """Set (or with ``add``, add to) the units of one lot, creating it when missing."""
    dialect_insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    conn.execute(
        dialect_insert(stock_lots)
        .values(place_id=place_id, sku=sku, at_s=float(at_s), quantity=0, reserved=0)
        .on_conflict_do_nothing()
    )
    quantity = stock_lots.c.quantity + units if add else units
    conn.execute(
        stock_lots.update()
        .where(
            stock_lots.c.place_id == place_id,
            stock_lots.c.sku == sku,
            stock_lots.c.at_s == float(at_s),
        )
        .values(quantity=quantity)
    )


def view(conn: Connection, place_ids: Sequence[str], skus: Sequence[str]) -> StockView:
    """The lots of these places and SKUs, as a quote reads them."""
    places = sorted(set(place_ids))
    controlled = controlled_places(conn, places)
    lots: dict[tuple[str, str], list[tuple[float, int]]] = {}
    if controlled and skus:
        rows = conn.execute(
            sa.select(
                stock_lots.c.place_id,
                stock_lots.c.sku,
                stock_lots.c.at_s,
                stock_lots.c.quantity - stock_lots.c.reserved,
            )
            .where(
                stock_lots.c.place_id.in_(sorted(controlled)),
                stock_lots.c.sku.in_(sorted(set(skus))),
            )
            .order_by(stock_lots.c.at_s)
        ).all()
        for place, sku, at_s, free in rows:
            lots.setdefault((str(place), str(sku)), []).append((float(at_s), int(free)))
    return StockView(frozenset(controlled), {k: tuple(v) for k, v in lots.items()})


def levels(conn: Connection, place_id: str) -> list[tuple[str, float, int, int]]:
    """Every lot of a place: ``(sku, at_s, quantity, reserved)`` by SKU and time."""
    rows = conn.execute(
        sa.select(stock_lots.c.sku, stock_lots.c.at_s, stock_lots.c.quantity, stock_lots.c.reserved)
        .where(stock_lots.c.place_id == place_id)
        .order_by(stock_lots.c.sku, stock_lots.c.at_s)
    ).all()
    return [(str(r.sku), float(r.at_s), int(r.quantity), int(r.reserved)) for r in rows]
