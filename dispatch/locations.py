"""Ids to matrix indices for one planning problem, and back: the one place they are made.

A courier's start position is a location of its own (keyed by the courier id); every
place gets one location however many stops use it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from dispatch.world import Located, World
from solvers.problem import TravelMatrices

COURIER = "courier"
PLACE = "place"


@dataclass(frozen=True, slots=True)
class _Point:
    id: str
    lon: float
    lat: float


class LocationTable:
    """Locations of one routing problem, in the order they are added."""

    def __init__(self) -> None:
        self._index: dict[tuple[str, str], int] = {}
        self._points: list[_Point] = []
        self._keys: list[tuple[str, str]] = []

    def _add(self, kind: str, item: Located) -> int:
        key = (kind, item.id)
        found = self._index.get(key)
        if found is not None:
            return found
        index = len(self._points)
        self._index[key] = index
        self._keys.append(key)
        self._points.append(_Point(f"{kind}:{item.id}", item.lon, item.lat))
        return index

    def place(self, place: Located) -> int:
        """The index of a place (added on first use)."""
        return self._add(PLACE, place)

    def courier(self, courier: Located) -> int:
        """The index of a courier's start position (added on first use)."""
        return self._add(COURIER, courier)

    def place_id(self, index: int) -> str:
        """The id of the place (or courier start) at ``index``."""
        return self._keys[index][1]

    def __len__(self) -> int:
        return len(self._points)

    def matrices(self, world: World, profiles: Iterable[str]) -> dict[str, TravelMatrices]:
        """Square travel matrices over every location, one pair per profile."""
        out: dict[str, TravelMatrices] = {}
        for name in sorted(set(profiles)):
            m = world.travel(name, self._points)
            out[name] = TravelMatrices(m.distance_m, m.duration_s)
        return out
