"""Small scenario files as dicts, for tests of the scenario format and the CLI."""

from __future__ import annotations

from typing import Any

LON = 116.35
LAT = 39.99
METRES_PER_DEGREE_LAT = 111_195.0


def north(metres: float) -> float:
    """Latitude ``metres`` north of LAT."""
    return LAT + metres / METRES_PER_DEGREE_LAT


def straight_line_scenario() -> dict[str, Any]:
    """A world on a line without streets: a warehouse, two shops, homes, a pickup point,
    an e-bike courier, a van and a technician, and one order of every flow."""
    return {
        "version": 1,
        "name": "line",
        "at": "10:00",
        "network": {"kind": "straight_line", "detour_factor": 1.0},
        "places": {
            "buildings": [
                {"id": "b1", "lon": LON, "lat": north(600), "households": 40},
                {"id": "b2", "lon": LON, "lat": north(1200)},
            ],
            "stores": [
                {"id": "s1", "lon": LON, "lat": north(300), "category": "fruit"},
                {"id": "s2", "lon": LON, "lat": north(400), "prep_duration_s": 120},
            ],
            "micro_warehouses": [{"id": "w1", "lon": LON, "lat": north(0)}],
            "pickup_points": [
                {
                    "id": "p1",
                    "lon": LON,
                    "lat": north(700),
                    "kind": "leader_home",
                    "capacity_parcels": 10,
                    "opening_hours": [{"open": "09:00", "close": "21:00"}],
                    "leader_id": "ld1",
                }
            ],
            "depots": [{"id": "d1", "lon": LON, "lat": north(-200)}],
        },
        "couriers": [
            {
                "id": "c1",
                "profile": "e_bike",
                "at": "w1",
                "shift": {"start": "08:00", "end": 72000},
            },
            {
                "id": "c2",
                "profile": "e_bike",
                "at": "s1",
                "shift": {"start": "08:00", "end": "20:00"},
                "skills": ["multi_store"],
            },
            {
                "id": "c3",
                "profile": "tricycle",
                "at": "w1",
                "shift": {"start": "08:00", "end": "20:00"},
                "skills": ["scheduled"],
            },
            {
                "id": "v1",
                "profile": "van",
                "lon": LON,
                "lat": north(-200),
                "shift": {"start": "28:00", "end": "34:00"},
                "capacity_kg": 500,
                "capacity_l": 2000,
                "cold_boxes": 20,
                "returns_to_start": True,
            },
            {
                "id": "t1",
                "profile": "e_bike",
                "at": "d1",
                "shift": {"start": "08:00", "end": "18:00"},
                "skills": ["plumbing"],
            },
        ],
        "members": [
            {"id": "m1", "tier": "paid", "home_building_id": "b1"},
            {"id": "m2", "home_building_id": "b2", "flexible_pickup": False},
        ],
        "settings": {"walk_limit_m": 800, "courier_costs": {"van": {"fixed_cost": 50}}},
        "orders": [
            {
                "id": "i1",
                "member_id": "m1",
                "created_at": "09:55",
                "mode": "instant",
                "building_id": "b1",
                "lines": [
                    {
                        "store_id": "w1",
                        "sku": "milk",
                        "quantity": 2,
                        "temperature": "chilled",
                        "unit_price": "12.90",
                    }
                ],
            },
            {
                "id": "ms1",
                "member_id": "m2",
                "created_at": "09:50",
                "mode": "multi_store",
                "building_id": "b2",
                "lines": [
                    {"store_id": "s1", "sku": "mango", "quantity": 1, "unit_price": "18"},
                    {"store_id": "s2", "sku": "bread", "quantity": 2, "unit_price": "6.50"},
                ],
            },
            {
                "id": "sc1",
                "member_id": "m1",
                "created_at": "08:00",
                "mode": "scheduled",
                "building_id": "b1",
                "promised": {"start": "18:00", "end": "18:30"},
                "lines": [{"store_id": "w1", "sku": "rice", "quantity": 1, "weight_kg": 5}],
            },
            {
                "id": "n1",
                "member_id": "m2",
                "created_at": "09:00",
                "mode": "next_day_pickup",
                "pickup_point_id": "p1",
                "lines": [{"store_id": "w1", "sku": "oil", "quantity": 1, "unit_price": "69"}],
            },
            {
                "id": "h1",
                "member_id": "m1",
                "created_at": "09:00",
                "mode": "home_service",
                "building_id": "b1",
                "promised": {"start": "14:00", "end": "15:00"},
                "required_skills": ["plumbing"],
                "service_duration_s": 3600,
                "lines": [{"store_id": "homeco", "sku": "tap-repair", "quantity": 1}],
            },
        ],
    }
