"""Service areas as GeoJSON: micro-warehouse rides and pickup-point walking catchments.

:func:`service_areas_geojson` gives a FeatureCollection (WGS-84 lon/lat, RFC 7946) with

* one ``micro_warehouse_ride`` feature per micro-warehouse: the area an e-bike reaches
  from it within ``ride_s`` (15 minutes by default; :func:`geo.areas.isochrone`);
* one ``pickup_point_walk`` feature per pickup point open for the plan: the area a
  resident walks to it within the walking limit (``walk_limit_m`` at walking speed), with
  the buildings and households whose residents reach it within that time
  (:func:`geo.areas.buildings_covered`).

Each feature's properties: ``kind``, ``id``, ``duration_s``, ``area_km2`` (in the
network's metric frame), and for pickup points ``capacity_parcels``,
``buildings_covered`` and ``households_covered``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import shapely
import shapely.geometry

from dispatch.flows.next_day import open_pickup_points
from dispatch.settings import PlannerSettings
from dispatch.world import World
from geo.areas import buildings_covered, isochrone
from geo.profiles import E_BIKE, WALK
from solvers.errors import InvalidInputError

#: The micro-warehouse ride, seconds (the 15-minute life circle).
RIDE_S = 15 * 60.0


def _area_km2(world: World, geom: shapely.Geometry) -> float:
    assert world.network is not None
    frame = world.network.frame
    metric = shapely.transform(geom, lambda xy: np.column_stack(frame.forward(xy[:, 0], xy[:, 1])))
    return float(metric.area) / 1e6


def _feature(world: World, geom: shapely.Geometry, properties: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "Feature",
        "id": f"{properties['kind']}:{properties['id']}",
        "geometry": shapely.geometry.mapping(geom),
        "properties": {**properties, "area_km2": round(_area_km2(world, geom), 4)},
    }


def service_areas_geojson(
    world: World, settings: PlannerSettings, *, ride_s: float = RIDE_S
) -> dict[str, Any]:
    """The FeatureCollection of the module doc.

    Raises:
        InvalidInputError: the world has no road network (areas follow the streets),
            or ``ride_s`` is not a finite number >= 0.
    """
    if world.network is None:
        raise InvalidInputError("network", "service areas need a road network (generated or OSM)")
    bike = world.network.routable(E_BIKE)
    walk = world.network.routable(WALK)
    features = [
        _feature(
            world,
            isochrone(bike, m.lon, m.lat, ride_s),
            {"kind": "micro_warehouse_ride", "id": m.id, "duration_s": ride_s},
        )
        for m in world.micro_warehouses
    ]
    points = open_pickup_points(world, settings)
    walk_s = settings.walk_limit_m / WALK.speed_mps
    homes = [b for b in world.buildings if b.households > 0]
    covered = buildings_covered(walk, points, homes, walk_s) if points and homes else {}
    households = {b.id: b.households for b in homes}
    for p in points:
        reached = covered.get(p.id, ())
        features.append(
            _feature(
                world,
                isochrone(walk, p.lon, p.lat, walk_s),
                {
                    "kind": "pickup_point_walk",
                    "id": p.id,
                    "duration_s": round(walk_s, 1),
                    "walk_limit_m": settings.walk_limit_m,
                    "capacity_parcels": p.capacity_parcels,
                    "buildings_covered": len(reached),
                    "households_covered": sum(households[b] for b in reached),
                },
            )
        )
    return {"type": "FeatureCollection", "features": features}
