"""A Grubhub MDRP instance as a scenario file and back, losslessly (pure: no file access).

:func:`grubhub_scenario` turns a :class:`scenarios.grubhub.GrubhubInstance` (read with
:func:`scenarios.grubhub.read_grubhub`) into a :class:`ScenarioFile` whose ``grubhub``
section holds the whole instance: its name, parameters, restaurants, orders and couriers
in the instance's order, every number the instance's own float (JSON keeps floats
exactly).  :func:`grubhub_instance` is the inverse:
``grubhub_instance(grubhub_scenario(instance)) == instance``, also through
:func:`scenarios.scenario_file.save_scenario` and
:func:`scenarios.scenario_file.read_scenario_file`.

Such a scenario is replayed under the MDRP family's rules
(:func:`scenarios.grubhub_sim.replay_grubhub`); its world is empty and unused.
"""

from __future__ import annotations

from typing import Any

from scenarios.grubhub import (
    GrubhubCourier,
    GrubhubInstance,
    GrubhubOrder,
    GrubhubParameters,
    GrubhubRestaurant,
)
from scenarios.scenario_schema import ScenarioFile, parse_scenario
from solvers.errors import InvalidInputError

# The family's travel is the straight line in metres at meters_per_minute with no detour,
# which the straight-line network with detour factor 1 describes best; the network is not
# used by the family's replay (its coordinates are metres, not lon/lat).
GRUBHUB_NETWORK: dict[str, Any] = {"kind": "straight_line", "detour_factor": 1.0}


def grubhub_scenario(instance: GrubhubInstance) -> ScenarioFile:
    """The scenario file of an MDRP instance: an empty world and the ``grubhub`` section.

    Raises:
        ScenarioFileError: the instance breaks a rule of the section the reader does not
            check (a negative time), each with its path in the file.
    """
    p = instance.parameters
    data: dict[str, Any] = {
        "version": 1,
        "name": instance.name,
        "description": (
            f"Grubhub MDRP instance {instance.name}, replayed under the family's rules "
            "(the grubhub section; the world is not used)"
        ),
        "network": dict(GRUBHUB_NETWORK),
        "grubhub": {
            "name": instance.name,
            "parameters": {
                "meters_per_minute": p.meters_per_minute,
                "pickup_service_min": p.pickup_service_min,
                "dropoff_service_min": p.dropoff_service_min,
                "target_click_to_door_min": p.target_click_to_door_min,
                "max_click_to_door_min": p.max_click_to_door_min,
                "pay_per_order_usd": p.pay_per_order,
                "guaranteed_pay_per_hour_usd": p.guaranteed_pay_per_hour,
            },
            "restaurants": [{"id": r.id, "x_m": r.x_m, "y_m": r.y_m} for r in instance.restaurants],
            "orders": [
                {
                    "id": o.id,
                    "x_m": o.x_m,
                    "y_m": o.y_m,
                    "placement_min": o.placement_min,
                    "restaurant_id": o.restaurant_id,
                    "ready_min": o.ready_min,
                }
                for o in instance.orders
            ],
            "couriers": [
                {"id": c.id, "x_m": c.x_m, "y_m": c.y_m, "on_min": c.on_min, "off_min": c.off_min}
                for c in instance.couriers
            ],
        },
    }
    return parse_scenario(data, source=f"Grubhub instance {instance.name!r}")


def grubhub_instance(spec: ScenarioFile) -> GrubhubInstance:
    """The MDRP instance a scenario file's ``grubhub`` section holds.

    Raises:
        InvalidInputError: the scenario has no ``grubhub`` section (field ``grubhub``).
    """
    section = spec.grubhub
    if section is None:
        raise InvalidInputError(
            "grubhub",
            f"scenario {spec.name!r} has no Grubhub MDRP section "
            "(write one with `dispatch import grubhub FOLDER`)",
        )
    p = section.parameters
    return GrubhubInstance(
        section.name,
        GrubhubParameters(
            p.meters_per_minute,
            p.pickup_service_min,
            p.dropoff_service_min,
            p.target_click_to_door_min,
            p.max_click_to_door_min,
            p.pay_per_order_usd,
            p.guaranteed_pay_per_hour_usd,
        ),
        tuple(GrubhubRestaurant(r.id, r.x_m, r.y_m) for r in section.restaurants),
        tuple(
            GrubhubOrder(o.id, o.x_m, o.y_m, o.placement_min, o.restaurant_id, o.ready_min)
            for o in section.orders
        ),
        tuple(GrubhubCourier(c.id, c.x_m, c.y_m, c.on_min, c.off_min) for c in section.couriers),
    )
