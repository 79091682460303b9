"""Returns for generated days: a share of the delivered orders come back the same day.

:func:`draw_returns` picks, with probability ``share`` each (2-3% is typical of
community grocery, mostly damaged or wrong items), courier-delivered orders (instant,
multi-store, scheduled) and makes a return request of one of their lines, one unit:
requested one to three hours after the order, collected at the same building within
a two-hour window starting half an hour later, and brought back to the shop or
micro-warehouse the line came from.  A return whose window would end after
``day_end_s`` is not drawn.  Its own random stream (seeded), so adding returns leaves a
scenario's orders as they were.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from dispatch.domain import FulfilmentMode
from dispatch.payloads import WindowPayload
from dispatch.returns import ReturnLinePayload, ReturnPayload
from scenarios.scenario_schema import OrderSpec
from solvers.errors import InvalidInputError

_H = 3600.0
#: Modes whose orders a courier delivered to the door (a return goes the other way).
RETURNABLE = (FulfilmentMode.INSTANT, FulfilmentMode.MULTI_STORE, FulfilmentMode.SCHEDULED)


def draw_returns(
    orders: Sequence[OrderSpec], share: float, *, seed: int, day_end_s: float = 22 * _H
) -> tuple[ReturnPayload, ...]:
    """Return requests for about ``share`` of the courier-delivered orders.

    Raises:
        InvalidInputError: ``share`` outside [0, 1].
    """
    if not (isinstance(share, int | float) and 0.0 <= share <= 1.0):
        raise InvalidInputError("returns_share", f"must be within 0..1, got {share!r}")
    if share == 0:
        return ()
    rng = np.random.default_rng([seed, 17])
    out: list[ReturnPayload] = []
    for order in orders:
        if order.mode not in RETURNABLE or order.building_id is None:
            continue
        if rng.random() >= share:
            continue
        line = order.lines[int(rng.integers(len(order.lines)))]
        requested_s = order.created_at_s + 60.0 * float(rng.integers(60, 181))
        start_s = requested_s + 0.5 * _H
        end_s = start_s + 2 * _H
        if end_s > day_end_s:
            continue
        out.append(
            ReturnPayload(
                id=f"ret-{order.id}",
                order_id=order.id,
                building_id=order.building_id,
                to=line.store_id,
                lines=(
                    ReturnLinePayload(
                        store_id=line.store_id,
                        sku=line.sku,
                        quantity=1,
                        weight_kg=line.weight_kg,
                        volume_l=line.volume_l,
                        temperature=line.temperature,
                        unit_price=line.unit_price,
                    ),
                ),
                window=WindowPayload(start_s=start_s, end_s=end_s),
                created_at_s=requested_s,
            )
        )
    return tuple(out)
