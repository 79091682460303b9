"""A designed pickup-point network written back into a scenario, and candidate lists.

* :func:`design_scenario`: the scenario with the design's network: its pickup points
  not opened listed in ``closed_pickup_point_ids``, the opened candidates added as pickup
  points (with their leaders when the file lists leaders), orders that chose a point now
  closed left to the planner's choice;
* :func:`candidates_from_json`: candidate sites from a JSON list (``--candidates``).
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from dispatch.planning.network_design import CandidateSite, CandidateStatus
from geo.places import PickupPointKind
from scenarios.scenario_schema import (
    LeaderSpec,
    OpeningSpec,
    PickupPointSpec,
    PlacesSpec,
    ScenarioFile,
)
from solvers.errors import InvalidInputError


def design_scenario(
    spec: ScenarioFile,
    existing_point_ids: Sequence[str],
    candidates: Sequence[CandidateSite],
    opened: Sequence[str],
    *,
    name: str | None = None,
) -> ScenarioFile:
    """The scenario on the designed network (see the module doc).

    ``existing_point_ids`` are the world's pickup points (generated ones are not in the
    file's ``places``, so they close through ``closed_pickup_point_ids``).

    Raises:
        InvalidInputError: an opened id that is neither an existing point nor a candidate.
    """
    keep = set(opened)
    existing = set(existing_point_ids)
    by_id = {c.id: c for c in candidates}
    new_points = []
    for sid in opened:
        if sid in existing:
            continue
        cand = by_id.get(sid)
        if cand is None:
            raise InvalidInputError("opened", f"unknown candidate {sid!r}")
        point = cand.point()
        new_points.append(
            PickupPointSpec(
                id=point.id,
                lon=point.lon,
                lat=point.lat,
                kind=point.kind,
                capacity_parcels=point.capacity_parcels,
                opening_hours=tuple(
                    OpeningSpec(open=float(iv.open_s), close=float(iv.close_s))
                    for iv in point.opening_hours
                ),
                leader_id=point.leader_id,
            )
        )
    closed = sorted((existing - keep) | set(spec.closed_pickup_point_ids))
    leaders = spec.leaders
    if leaders is not None:
        leaders = (
            *leaders,
            *(
                LeaderSpec(id=p.leader_id, pickup_point_id=p.id)
                for p in new_points
                if p.leader_id is not None
            ),
        )
    closed_set = set(closed)
    orders = tuple(
        o.model_copy(update={"pickup_point_id": None})
        if o.pickup_point_id is not None and o.pickup_point_id in closed_set
        else o
        for o in spec.orders
    )
    places = spec.places.model_copy(
        update={"pickup_points": (*spec.places.pickup_points, *new_points)}
    )
    return spec.model_copy(
        update={
            "name": name or f"{spec.name}-designed",
            "places": PlacesSpec.model_validate(places.model_dump()),
            "closed_pickup_point_ids": tuple(closed),
            "leaders": leaders,
            "orders": orders,
        }
    )


class _CandidateSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    id: str = Field(min_length=1)
    lon: float = Field(ge=-180, le=180)
    lat: float = Field(ge=-90, le=90)
    kind: PickupPointKind = PickupPointKind.CONVENIENCE_STORE
    capacity_parcels: int = Field(100, ge=0)
    open_cost: float = Field(0.0, ge=0)
    status: CandidateStatus = CandidateStatus.CANDIDATE


def candidates_from_json(data: object, *, source: str = "candidates") -> tuple[CandidateSite, ...]:
    """Candidate sites from a JSON list of objects with ``id``, ``lon``, ``lat`` and
    optional ``kind`` (default convenience_store), ``capacity_parcels`` (100),
    ``open_cost`` (0) and ``status`` (existing, candidate, fixed_open, closed; default
    candidate).

    Raises:
        InvalidInputError: not a non-empty list, a field that breaks its rule (each
            named with its index), or a repeated id.
    """
    if not isinstance(data, list) or not data:
        raise InvalidInputError(source, "must be a non-empty JSON list of candidate sites")
    out: list[CandidateSite] = []
    seen: set[str] = set()
    for i, item in enumerate(data):
        try:
            c = _CandidateSpec.model_validate(item)
        except ValidationError as error:
            first = error.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise InvalidInputError(f"{source}[{i}].{where}", first["msg"]) from None
        if c.id in seen:
            raise InvalidInputError(f"{source}[{i}].id", f"must be unique, {c.id!r} repeats")
        seen.add(c.id)
        out.append(
            CandidateSite(c.id, c.lon, c.lat, c.kind, c.capacity_parcels, c.open_cost, c.status)
        )
    return tuple(out)
