"""Pickup-point network design on a small generated city: the design respects capacities
and the walking limit, checked independently of the model (walks recomputed by
:func:`geo.areas.buildings_covered`, parcels summed from the buildings), beats or equals
the greedy and current networks, and its network plans the next-day orders."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from dispatch.planning.network_design import (
    CandidateStatus,
    default_candidates,
    design_network,
    network_world,
    next_day_cost,
    with_statuses,
)
from dispatch.settings import PlannerSettings
from dispatch.world import World
from geo.areas import buildings_covered
from geo.citygen import CitySpec, generate_city
from geo.profiles import WALK
from scenarios.design_scenario import candidates_from_json
from scenarios.generate import city_day_scenario
from scenarios.planning_files import read_candidates
from scenarios.scenario_build import build_scenario
from solvers import SolveParams
from solvers.errors import InvalidInputError
from solvers.facility import check_design

WALK_LIMIT_M = 400.0
PER_HOUSEHOLD = 0.08


@pytest.fixture(scope="module")
def world() -> World:
    return World.from_city(generate_city(CitySpec(seed=3, blocks_x=5, blocks_y=5)))


def test_design_respects_capacity_and_walking_limit_independently(world: World) -> None:
    candidates = default_candidates(world)
    kinds = {c.kind for c in candidates if c.status is CandidateStatus.CANDIDATE}
    assert len(kinds) >= 1 and len(candidates) > len(world.pickup_points)
    k = 4
    comparison = design_network(
        world,
        candidates,
        walk_limit_m=WALK_LIMIT_M,
        max_open=k,
        parcels_per_household=PER_HOUSEHOLD,
        time_limit_s=4.0,
    )
    problem = comparison.problem
    assert check_design(problem, comparison.design.design) == []
    assert check_design(problem, comparison.greedy.design) == []
    # The current network is measured as it is, whatever K says.
    unlimited = replace(problem, max_open=None)
    assert check_design(unlimited, comparison.current.design) == []
    design = comparison.design.design
    assert 0 < len(design.opened) <= k
    # Independent check: walking times on the walk network by another code path.
    points = [c.point() for c in candidates if c.id in set(design.opened)]
    homes = {b.id: b for b in world.buildings if b.households > 0}
    reach = buildings_covered(
        world.network.routable(WALK),  # type: ignore[union-attr]
        points,
        list(homes.values()),
        WALK_LIMIT_M / WALK.speed_mps + 1e-6,
    )
    load: dict[str, float] = {}
    for building_id, point_id in design.assigned.items():
        assert building_id in reach[point_id], (building_id, point_id)
        load[point_id] = load.get(point_id, 0.0) + homes[building_id].households * PER_HOUSEHOLD
    capacity = {p.id: p.capacity_parcels for p in points}
    for point_id, parcels in load.items():
        assert parcels <= capacity[point_id] + 1e-6, point_id
    # Coverage from the assignment itself.
    covered = sum(homes[b].households for b in design.assigned)
    total = sum(b.households for b in homes.values())
    assert comparison.design.households_covered_pct == pytest.approx(100 * covered / total)
    # The design is at least as good as the greedy network by the model's objective.
    assert design.run.objective >= comparison.greedy.design.run.objective - 1e-6
    assert design.gap_pct is not None and design.gap_pct >= 0
    data = comparison.to_json()
    for key in (
        "opened",
        "households_covered_pct",
        "mean_walk_m",
        "p90_walk_m",
        "utilisation",
        "objective",
        "bound",
        "gap_pct",
    ):
        assert (
            key in data
            and key in data["baselines"]["current"]
            and key in data["baselines"]["greedy"]
        )
    assert data["mean_walk_m"] <= WALK_LIMIT_M and data["p90_walk_m"] <= WALK_LIMIT_M


def test_fixed_and_closed_sites_and_the_next_day_plan(world: World) -> None:
    existing = [p.id for p in world.pickup_points]
    candidates = with_statuses(
        world, default_candidates(world), fix_open=existing[:1], close=existing[1:2]
    )
    comparison = design_network(
        world, candidates, walk_limit_m=WALK_LIMIT_M, max_open=3, time_limit_s=10.0
    )
    opened = comparison.design.design.opened
    assert existing[0] in opened and existing[1] not in opened
    designed = network_world(world, candidates, opened)
    open_ids = {p.id for p in designed.pickup_points} - designed.closed_pickup_point_ids
    assert open_ids == set(opened)
    assert all(designed.leader_of(p) is not None for p in opened if p.startswith("cand-"))
    with pytest.raises(InvalidInputError, match="--close"):
        with_statuses(world, candidates, close=["nowhere"])


def test_next_day_cost_plans_only_next_day_orders(world: World) -> None:
    scenario = build_scenario(
        city_day_scenario(3, blocks=5, orders=60, couriers=3, next_day_share=0.5)
    )
    cost = next_day_cost(
        "current",
        scenario.world,
        scenario.orders,
        PlannerSettings(),
        SolveParams(time_limit_s=5.0, iterations=50),
    )
    assert cost.orders == sum(1 for o in scenario.orders if o.mode == "next_day_pickup") > 0
    assert cost.served + cost.unassigned == cost.orders
    assert cost.route_cost >= 0


def test_candidates_from_a_file(world: World, tmp_path: Path) -> None:
    b = max(world.buildings, key=lambda b: b.households)
    path = tmp_path / "candidates.json"
    path.write_text(
        json.dumps(
            [
                {
                    "id": "locker-1",
                    "lon": b.lon,
                    "lat": b.lat,
                    "kind": "locker",
                    "capacity_parcels": 500,
                    "open_cost": 3000,
                    "status": "fixed_open",
                },
                {"id": "office-1", "lon": b.lon, "lat": b.lat, "kind": "property_office"},
            ]
        ),
        encoding="utf-8",
    )
    candidates = with_statuses(world, read_candidates(path))
    # The world's points join the file's sites as existing ones.
    assert {c.id for c in candidates} == {"locker-1", "office-1"} | {
        p.id for p in world.pickup_points
    }
    comparison = design_network(
        world,
        candidates,
        walk_limit_m=WALK_LIMIT_M,
        max_open=3,
        budget=3000.0,
        time_limit_s=5.0,
    )
    assert "locker-1" in comparison.design.design.opened
    assert check_design(comparison.problem, comparison.design.design) == []
    with pytest.raises(InvalidInputError, match=r"\[0\]\.lon"):
        candidates_from_json([{"id": "x", "lon": 500, "lat": 0}])
    with pytest.raises(InvalidInputError, match="repeats"):
        candidates_from_json([{"id": "x", "lon": 1, "lat": 1}, {"id": "x", "lon": 1, "lat": 1}])
    with pytest.raises(InvalidInputError, match="non-empty"):
        candidates_from_json({})
