"""Policies from JSON objects: numeric dataclass fields, every problem named at once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from solvers.errors import InvalidInputError

P = TypeVar("P")


def numeric_policy_from_json(
    make: Callable[..., P],
    data: object,
    *,
    source: str,
    hidden: frozenset[str] = frozenset(),
    optional_ints: frozenset[str] = frozenset(),
) -> P:
    """``make(**fields)`` from a JSON object whose keys are fields of ``make()``'s defaults.

    Every field is a number of its default's type (ints must be whole); ``optional_ints``
    are whole numbers or null; ``hidden`` fields cannot be set.  Fields left out keep
    their defaults.

    Raises:
        InvalidInputError: naming ``source`` and listing every unknown or ill-typed field,
            or the policy's own rule that the values break.
    """
    if not isinstance(data, dict):
        raise InvalidInputError(source, "must be a JSON object of policy fields")
    defaults = make()
    problems: list[str] = []
    values: dict[str, Any] = {}
    for key, value in data.items():
        if not hasattr(defaults, key) or key in hidden:
            problems.append(f"{key}: unknown field")
            continue
        expected = int if key in optional_ints else type(getattr(defaults, key))
        if key in optional_ints and value is None:
            values[key] = None
        elif isinstance(value, bool) or not isinstance(value, int | float):
            problems.append(f"{key}: must be a number, got {value!r}")
        elif expected is int and not float(value).is_integer():
            problems.append(f"{key}: must be a whole number, got {value!r}")
        else:
            values[key] = expected(value)
    if problems:
        raise InvalidInputError(source, "; ".join(problems))
    try:
        return make(**values)
    except InvalidInputError as error:
        raise InvalidInputError(source, str(error)) from error
