"""Policies from JSON objects: a frozen dataclass of numeric fields, validated by pydantic.

The accepted fields and their types come from the dataclass itself (a pydantic model is
derived from its fields), so a field added to a policy is accepted without editing this
module.  Every number has a range: a field declared with :func:`bounded` carries it in
its metadata, the JSON model enforces it and the dataclass checks it on construction
(:func:`check_bounds`), so a policy such as ``wave_s: 0.001`` (a million waves a day)
is refused either way.  Every problem is named at once, with its field and rule.
"""

from __future__ import annotations

import dataclasses
import functools
import typing
from typing import Any, TypeVar

import pydantic
from pydantic_core import PydanticCustomError

from core.bounds import BOUNDS_KEY as _BOUNDS
from core.bounds import bound_rule as _rule
from core.bounds import bounded, check_bounds
from core.limits import quoted, shorten
from solvers.errors import InvalidInputError

P = TypeVar("P")
__all__ = ["bounded", "check_bounds", "numeric_policy_from_json"]


# pydantic error types that mean "not a number" (reported as such, with the value).
_NOT_A_NUMBER = frozenset({"float_type", "float_parsing", "int_type", "int_parsing"})


def numeric_policy_from_json(cls: type[P], data: object, *, source: str) -> P:
    """An instance of the dataclass ``cls`` from a JSON object of its fields.

    Every field is a number (ints must be whole; ``X | None`` fields may be null).
    Fields left out keep their defaults; properties and other attributes cannot be set.

    Raises:
        InvalidInputError: naming ``source`` and listing every unknown or ill-typed field
            as ``"path: rule"``, or the policy's own rule that the values break.
        TypeError: ``cls`` is not a dataclass (a programming error).
    """
    if not isinstance(data, dict):
        raise InvalidInputError(source, "must be a JSON object of policy fields")
    try:
        validated = _model_of(typing.cast(type, cls)).model_validate(data)
    except pydantic.ValidationError as error:
        raise InvalidInputError(source, "; ".join(_problems(error, cls))) from None
    values = {name: getattr(validated, name) for name in validated.model_fields_set}
    try:
        return cls(**values)
    except InvalidInputError as error:
        raise InvalidInputError(source, str(error)) from error


def _problems(error: pydantic.ValidationError, cls: type) -> list[str]:
    """Each of pydantic's errors as ``"field.path: rule"`` in this project's words."""
    problems: list[str] = []
    for item in error.errors():
        path = ".".join(str(part) for part in item["loc"])
        kind = item["type"]
        if kind == "extra_forbidden":
            rule = "unknown field"
        elif kind in _NOT_A_NUMBER:
            rule = f"must be a number, got {quoted(item['input'])}"
        elif kind == "int_from_float":
            rule = f"must be a whole number, got {quoted(item['input'])}"
        elif kind in ("greater_than_equal", "greater_than", "less_than_equal", "finite_number"):
            rule = f"must be {_field_rule(cls, item)}, got {quoted(item['input'])}"
        else:
            rule = shorten(str(item["msg"]))
        problems.append(f"{path}: {rule}")
    return problems


def _field_rule(cls: type, item: Any) -> str:
    """The whole range of the field an error is about (pydantic names one side)."""
    name = item["loc"][0] if item["loc"] else None
    for f in dataclasses.fields(cls):
        if f.name == name and f.metadata.get(_BOUNDS):
            return _rule(f.metadata[_BOUNDS])
    return "a finite number"


def _numbers_only(value: object) -> object:
    # pydantic's lax mode would read "60" or true as numbers; JSON policies must not.
    if value is None or (isinstance(value, int | float) and not isinstance(value, bool)):
        return value
    raise PydanticCustomError(
        "not_a_number", "must be a number, got {value}", {"value": repr(value)}
    )


@functools.cache
def _model_of(cls: type) -> type[pydantic.BaseModel]:
    """A pydantic model with the dataclass's fields, types and defaults; extras forbidden."""
    if not dataclasses.is_dataclass(cls):
        raise TypeError(f"{cls!r} is not a dataclass")
    hints = typing.get_type_hints(cls)
    fields: dict[str, Any] = {}
    for item in dataclasses.fields(cls):
        if not item.init:
            continue
        if item.default is not dataclasses.MISSING:
            default: Any = item.default
        elif item.default_factory is not dataclasses.MISSING:
            default = pydantic.Field(default_factory=item.default_factory)
        else:
            default = ...
        limits = item.metadata.get(_BOUNDS)
        if limits and default is not ...:
            default = pydantic.Field(default, **limits, allow_inf_nan=False)
        fields[item.name] = (hints[item.name], default)
    return pydantic.create_model(
        f"{cls.__name__}Json",
        __config__=pydantic.ConfigDict(extra="forbid"),
        __validators__={
            "numbers_only": pydantic.field_validator("*", mode="before")(_numbers_only)
        },
        **fields,
    )
