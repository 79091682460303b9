"""A small plan of all five flows on a generated city, with customer notes and an
unassigned order: the input of the viewer, manifest and plan-schema tests."""

from __future__ import annotations

import dataclasses
from functools import cache

import geo
from dispatch import Order, Plan, Planner, World
from solvers import SolveParams
from tests.dispatch.helpers import H
from tests.dispatch.test_planner_mixed import mixed_batch

#: Notes some orders carry (a Chinese one: manifests are read in Chinese cities).
NOTES = {"i1": "放门口, leave at the door", "h1": "ring twice"}
# Iterations, not the clock: the same plan whatever the machine's load.
PARAMS = SolveParams(time_limit_s=5.0, workers=1, iterations=200, seed=1)


@cache
def planned() -> tuple[World, tuple[Order, ...], Plan]:
    """The world, the batch (``n3`` comes after the cut-off: unassigned) and its plan."""
    city = geo.generate_city(seed=3, blocks_x=4, blocks_y=4)
    world, orders = mixed_batch(city)
    noted = tuple(dataclasses.replace(o, note=NOTES[o.id]) if o.id in NOTES else o for o in orders)
    plan = Planner(world).plan(list(noted), at_s=10 * H, params=PARAMS)
    return world, noted, plan


def nowhere(plan: Plan, world: World) -> Plan:
    """The plan with one more route: a courier's single stop where they start."""
    route = next(r for r in plan.routes if r.courier_id == "c1")
    start = next(c for c in world.couriers if c.id == "c1")
    here = next(p for p in world.all_places if (p.lon, p.lat) == (start.lon, start.lat))
    stop = dataclasses.replace(route.stops[0], place_id=here.id)
    return dataclasses.replace(
        plan, routes=(*plan.routes, dataclasses.replace(route, stops=(stop,)))
    )
