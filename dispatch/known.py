"""Which orders a batch plan at a time may see: those created by then.

``dispatch plan --at T`` on a day file plans only the orders created at or before ``T``
(:func:`known_at`) and says how many later ones it left out.  The library's
:class:`dispatch.Planner` plans exactly the orders it is given (the caller chooses the
batch: the Engine plans what was submitted, a replay what has arrived); callers that
hold a whole day's orders filter with :func:`known_at` first.
"""

from __future__ import annotations

from collections.abc import Sequence

from dispatch.domain import Order


def known_at(orders: Sequence[Order], at_s: float) -> tuple[tuple[Order, ...], tuple[Order, ...]]:
    """``(known, later)``: the orders created at or before ``at_s`` (plan clock) and the
    others, each in the batch's order."""
    known = tuple(o for o in orders if o.created_at_s <= at_s)
    later = tuple(o for o in orders if o.created_at_s > at_s)
    return known, later
