"""The store's errors: what a caller of :class:`dispatch.Engine` may catch and act on.

- :class:`StoreUnavailableError`: the database cannot be reached now (PostgreSQL down or
  restarting, a connection lost mid-call, SQLite locked past its timeout, a
  serialisation failure).  Retryable: nothing of the call was acknowledged; submits are
  idempotent by order id, so retrying the same call cannot store an order twice.
- :class:`StoreWriteError`: the database refuses writes (a read-only file or directory,
  a full disk, a read-only PostgreSQL).  Not retryable until an operator fixes it;
  nothing of the call was stored, and nothing stored earlier is touched.
- :class:`CapacityFullError`: an order asks for a scheduled slot that is full (the
  store counts every order of every engine on the database); bad input for this
  order, an :class:`InvalidInputError` naming the field and the rule.
- :class:`OutOfStockError`: an order asks for more units than its place has free
  (stock counted by the store over every engine); bad input for this order, naming
  every short line.
"""

from __future__ import annotations

from collections.abc import Sequence

from core.errors import EngineError, InvalidInputError
from dispatch.stock import MissingLine, missing_text


class StoreError(EngineError):
    """The store could not do what was asked; ``retryable`` says whether trying the
    same call again later may succeed."""

    retryable = False


class StoreUnavailableError(StoreError):
    """The database cannot be reached now; retry the call (submits are idempotent)."""

    retryable = True


class StoreWriteError(StoreError):
    """The database refuses writes (read-only, disk full); nothing was stored."""


class CapacityFullError(InvalidInputError):
    """A capacity the store enforces (a scheduled slot's orders) is used up."""


class OutOfStockError(InvalidInputError):
    """An order's place lacks some of its lines; ``missing`` names each."""

    def __init__(self, order_id: str, missing: Sequence[MissingLine]) -> None:
        self.missing = tuple(missing)
        super().__init__(f"order {order_id!r}: lines", missing_text(self.missing))
