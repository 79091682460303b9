"""Numeric dataclass fields with a range: declared with :func:`bounded`, checked by
:func:`check_bounds` (on construction) and read by :mod:`scenarios.policy_json` (from
JSON).  In ``core`` so that policies of every layer (``solvers.instant_dispatch``,
``scenarios``) declare their ranges the same way.
"""

from __future__ import annotations

import dataclasses
import math
import typing
from typing import Any

from core.errors import InvalidInputError
from core.limits import quoted

# The dataclass field metadata key holding a field's range.
BOUNDS_KEY = "bounds"
_BOUNDS = BOUNDS_KEY


def bounded(
    default: Any, *, ge: float | None = None, gt: float | None = None, le: float | None = None
) -> Any:
    """A dataclass field with a default and a range (``ge``/``gt`` below, ``le`` above),
    enforced by :func:`scenarios.policy_json.numeric_policy_from_json` and
    :func:`check_bounds`; None (for an optional field) is always in range."""
    limits = {k: v for k, v in (("ge", ge), ("gt", gt), ("le", le)) if v is not None}
    return dataclasses.field(default=default, metadata={_BOUNDS: limits})


def check_bounds(instance: object, prefix: str) -> None:
    """Raise for the first field of a dataclass instance outside its :func:`bounded`
    range (or not a number), named ``prefix.field``.

    Raises:
        InvalidInputError: ``"<prefix>.<field>: must be <rule>, got <value>"``.
    """
    for item in dataclasses.fields(typing.cast(Any, instance)):
        limits = item.metadata.get(_BOUNDS)
        value = getattr(instance, item.name)
        if not limits or value is None:
            continue
        field = f"{prefix}.{item.name}"
        if not isinstance(value, int | float) or isinstance(value, bool):
            raise InvalidInputError(field, f"must be a number, got {quoted(value)}")
        rule = bound_rule(limits)
        low_ok = value >= limits.get("ge", -math.inf) and value > limits.get("gt", -math.inf)
        if not (math.isfinite(value) and low_ok and value <= limits.get("le", math.inf)):
            raise InvalidInputError(field, f"must be {rule}, got {quoted(value)}")


def bound_rule(limits: dict[str, float]) -> str:
    """A range in words, e.g. ``">= 0 and <= 1440"``."""
    parts = []
    if "ge" in limits:
        parts.append(f">= {limits['ge']:g}")
    if "gt" in limits:
        parts.append(f"> {limits['gt']:g}")
    if "le" in limits:
        parts.append(f"<= {limits['le']:g}")
    return " and ".join(parts) if parts else "a finite number"
