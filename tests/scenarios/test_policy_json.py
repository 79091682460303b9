"""Policies from JSON: fields derived from the dataclass, every problem named at once."""

from __future__ import annotations

import math
from dataclasses import dataclass

import pytest

from scenarios.policy_json import numeric_policy_from_json
from solvers.errors import InvalidInputError


@dataclass(frozen=True)
class _Policy:
    wave_s: float = 120.0
    workers: int = 1
    iterations: int | None = None  # a field no code of policy_json.py names

    def __post_init__(self) -> None:
        if not (math.isfinite(self.wave_s) and self.wave_s > 0):
            raise InvalidInputError("_Policy.wave_s", f"must be > 0, got {self.wave_s!r}")

    @property
    def wave_min(self) -> float:
        return self.wave_s / 60.0


def test_fields_come_from_the_dataclass() -> None:
    policy = numeric_policy_from_json(_Policy, {"iterations": 3, "workers": 2.0}, source="p")
    assert policy == _Policy(iterations=3, workers=2)
    assert isinstance(policy.workers, int)
    assert numeric_policy_from_json(_Policy, {"wave_s": 60}, source="p").wave_s == 60.0
    assert numeric_policy_from_json(_Policy, {"iterations": None}, source="p").iterations is None
    assert numeric_policy_from_json(_Policy, {}, source="p") == _Policy()


def test_every_problem_is_named_with_its_field() -> None:
    data = {"wave_s": "60", "workers": True, "iterations": 1.5, "wave_min": 2, "colour": 1}
    with pytest.raises(InvalidInputError) as caught:
        numeric_policy_from_json(_Policy, data, source="policy.json")
    assert caught.value.field == "policy.json"
    assert caught.value.rule.split("; ") == [
        "wave_s: must be a number, got '60'",
        "workers: must be a number, got True",
        "iterations: must be a whole number, got 1.5",
        "wave_min: unknown field",  # a property, not a field
        "colour: unknown field",
    ]


def test_null_only_where_the_field_is_optional() -> None:
    with pytest.raises(InvalidInputError, match="workers: must be a number, got None"):
        numeric_policy_from_json(_Policy, {"workers": None}, source="p")


def test_the_policy_rules_and_non_objects_raise_the_same_error() -> None:
    with pytest.raises(InvalidInputError, match=r"^p: _Policy.wave_s: must be > 0"):
        numeric_policy_from_json(_Policy, {"wave_s": -1}, source="p")
    with pytest.raises(InvalidInputError, match="must be a JSON object of policy fields"):
        numeric_policy_from_json(_Policy, [1], source="p")
