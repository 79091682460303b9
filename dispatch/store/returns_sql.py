"""The store's returns (table ``returns``, revision ``0003_returns``): idempotent inserts,
reads, and marking the returns a plan collects.

Each function is one transaction of :class:`dispatch.store.sql.SqlStore`, like its
methods; :func:`mark_returns_planned` runs inside ``SqlStore.record_plan``'s
transaction so a stored plan and the returns it collects change together.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from dispatch.payloads import PayloadError
from dispatch.returns import ReturnRequest, parse_return
from dispatch.store.schema import returns
from solvers.errors import EngineError, InvalidInputError

if TYPE_CHECKING:
    from dispatch.store.sql import SqlStore


class ReturnState(StrEnum):
    """Where a stored return is (the column holds these strings)."""

    PENDING = "pending"  # not yet collected by a stored plan
    PLANNED = "planned"  # a stored plan collects it


@dataclass(frozen=True, slots=True)
class StoredReturn:
    """A stored return request, its state and the plan that collects it."""

    request: ReturnRequest
    status: ReturnState
    plan_id: int | None


def insert_return(store: SqlStore, request: ReturnRequest, payload: str, digest: str) -> bool:
    """Store a return; True when stored now, False when the same return (same content
    hash) was already there.

    Raises:
        InvalidInputError: a return with this id and different content exists.
        StoreUnavailableError, StoreWriteError: see :mod:`dispatch.store.errors`.
    """
    row = {
        "id": request.id,
        "order_id": request.order_id,
        "to_place_id": request.to_place_id,
        "content_hash": digest,
        "payload": payload,
        "status": ReturnState.PENDING.value,
        "plan_id": None,
        "received_at": datetime.now(UTC).isoformat(timespec="microseconds"),
    }
    try:
        with store._tx() as conn:
            conn.execute(returns.insert().values(**row))
        return True
    except IntegrityError:
        pass
    with store._tx() as conn:
        existing = conn.execute(
            sa.select(returns.c.content_hash).where(returns.c.id == request.id)
        ).scalar()
    if existing is None:  # pragma: no cover - an integrity error without the row
        raise EngineError(f"store: return {request.id!r} could not be stored")
    if existing != digest:
        raise InvalidInputError(
            f"return {request.id!r}",
            "was already submitted with different content (return ids are idempotency keys)",
        )
    return False


def _stored(row: sa.Row[tuple[object, ...]]) -> StoredReturn:
    return StoredReturn(
        parse_return(json.loads(str(row.payload))),
        ReturnState(str(row.status)),
        int(str(row.plan_id)) if row.plan_id is not None else None,
    )


def stored_return(store: SqlStore, return_id: str) -> StoredReturn | None:
    """The stored return with this id, or None."""
    with store._tx() as conn:
        row = conn.execute(sa.select(returns).where(returns.c.id == return_id)).first()
    return _stored(row) if row is not None else None


def stored_returns(
    store: SqlStore, status: ReturnState, unreadable: list[str] | None = None
) -> list[StoredReturn]:
    """Stored returns in this state, by id; ids of payloads that no longer read as
    returns go to ``unreadable`` (they are skipped)."""
    with store._tx() as conn:
        rows = conn.execute(
            sa.select(returns).where(returns.c.status == status.value).order_by(returns.c.id)
        ).all()
    out: list[StoredReturn] = []
    for row in rows:
        try:
            out.append(_stored(row))
        except (PayloadError, ValueError):
            if unreadable is not None:
                unreadable.append(str(row.id))
    return out


def mark_returns_planned(conn: Connection, return_ids: Sequence[str], plan_id: int) -> None:
    """Pending returns with these ids become planned by ``plan_id`` (in the caller's
    transaction)."""
    conn.execute(
        returns.update()
        .where(returns.c.id.in_(list(return_ids)), returns.c.status == ReturnState.PENDING.value)
        .values(status=ReturnState.PLANNED.value, plan_id=plan_id)
    )
