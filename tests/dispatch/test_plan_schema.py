"""The plan file's JSON Schema: real plans validate against it, broken ones do not."""

from __future__ import annotations

import copy
import dataclasses
import json
from typing import Any

import jsonschema_rs
import pytest
from pydantic import ValidationError

from dispatch.clock import format_clock
from dispatch.payloads import PayloadError
from dispatch.plan_schema import PlanFile, plan_from_json, plan_json_schema
from tests.dispatch.viewer_plan import planned


def plan_file() -> dict[str, Any]:
    """What ``dispatch plan --out`` writes for the test plan (through JSON text)."""
    _, _, plan = planned()
    data = {"scenario": "mixed", "at": format_clock(plan.at_s), **plan.to_json()}
    loaded: dict[str, Any] = json.loads(json.dumps(data))
    return loaded


def test_a_real_plan_validates() -> None:
    data = plan_file()
    assert data["routes"] and data["unassigned"] and data["pick_lists"] and data["commissions"]
    validator = jsonschema_rs.validator_for(plan_json_schema())
    assert validator.is_valid(data), list(validator.iter_errors(data))[:3]
    assert PlanFile.model_validate(data).routes[0].courier_id == data["routes"][0]["courier_id"]
    # The service's plan JSON (no scenario name, no "at") is a plan file too.
    bare = {k: v for k, v in data.items() if k not in ("scenario", "at")}
    assert validator.is_valid(bare)


def break_route_key(d: dict[str, Any]) -> None:
    d["routes"][0]["colour"] = "red"


def break_action(d: dict[str, Any]) -> None:
    d["routes"][0]["stops"][0]["action"] = "teleport"


def break_reason(d: dict[str, Any]) -> None:
    d["unassigned"][0]["reason"] = "bad luck"


def break_money(d: dict[str, Any]) -> None:
    d["commissions"][0]["commission"] = 1.5


def break_kpis(d: dict[str, Any]) -> None:
    del d["kpis"]["orders_served"]


def break_eta(d: dict[str, Any]) -> None:
    d["routes"][0]["stops"][0]["eta_s"] = -1


@pytest.mark.parametrize(
    "edit", [break_route_key, break_action, break_reason, break_money, break_kpis, break_eta]
)
def test_a_broken_plan_does_not(edit: Any) -> None:
    data = copy.deepcopy(plan_file())
    edit(data)
    assert not jsonschema_rs.validator_for(plan_json_schema()).is_valid(data)
    with pytest.raises(ValidationError):
        PlanFile.model_validate(data)


def test_the_schema_names_its_draft_and_units() -> None:
    schema = plan_json_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["additionalProperties"] is False
    assert set(schema["required"]) == {
        "at_s",
        "routes",
        "pickup_assignments",
        "pick_lists",
        "commissions",
        "unassigned",
        "kpis",
    }
    stop = schema["$defs"]["StopModel"]["properties"]
    assert "seconds" in stop["eta_s"]["description"]


def test_plan_from_json_is_the_inverse_of_to_json() -> None:
    _, _, plan = planned()
    again = plan_from_json(json.loads(json.dumps(plan.to_json())))
    assert again == plan
    assert again.to_json() == plan.to_json()
    assert plan_from_json(plan_file()) == plan  # a plan file's extra keys are fine


def test_plan_from_json_names_every_bad_field() -> None:
    data = copy.deepcopy(plan_file())
    break_action(data)
    break_reason(data)
    with pytest.raises(PayloadError) as caught:
        plan_from_json(data, source="plan 7")
    assert caught.value.fields == ("routes[0].stops[0].action", "unassigned[0].reason")
    assert str(caught.value).startswith("plan 7: 2 invalid fields: routes[0].stops[0].action:")


def test_a_plan_with_an_overloaded_route_reads_back() -> None:
    # `overloaded` (a courier over capacity at re-planning) and `past_limits` (goods on
    # board delivered past the max duration or distance) are written only when set; the
    # schema had no `overloaded`, so such a plan (a stored one too) did not read back.
    _, _, plan = planned()
    first = dataclasses.replace(
        plan.routes[0],
        overloaded="carries (12.0, 0.0, 0.0) > capacity (10.0, 40.0, 2.0) at the start",
        past_limits="runs 120 s past its max duration to deliver the goods on board",
    )
    odd = dataclasses.replace(plan, routes=(first, *plan.routes[1:]))
    data = json.loads(json.dumps(odd.to_json()))
    assert "overloaded" in data["routes"][0] and "past_limits" in data["routes"][0]
    assert jsonschema_rs.validator_for(plan_json_schema()).is_valid(data)
    again = plan_from_json(data)
    assert again == odd
    assert again.routes[0].overloaded == first.overloaded
    assert again.to_json() == odd.to_json()
