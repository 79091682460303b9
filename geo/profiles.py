"""Travel profiles: how fast a mode moves and which ways it may use.

OSM ``highway=*`` values name the way classes; the generated city uses the same names
so one rule serves both.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from geo.errors import InvalidInputError
from geo.validation import require_positive


class ProfileName(StrEnum):
    """The travel modes the engine knows."""

    WALK = "walk"
    E_BIKE = "e_bike"
    TRICYCLE = "tricycle"
    VAN = "van"


_MOTOR_WAYS = frozenset(
    {
        "motorway",
        "motorway_link",
        "trunk",
        "trunk_link",
        "primary",
        "primary_link",
        "secondary",
        "secondary_link",
        "tertiary",
        "tertiary_link",
        "unclassified",
        "residential",
        "living_street",
        "service",
        "road",
    }
)
# Two-wheelers and tricycles keep off motorways but use paths, cycleways and compound roads.
_LIGHT_VEHICLE_WAYS = (_MOTOR_WAYS - {"motorway", "motorway_link", "trunk", "trunk_link"}) | {
    "cycleway",
    "path",
    "track",
}
_WALK_WAYS = _LIGHT_VEHICLE_WAYS | {"footway", "pedestrian", "steps", "corridor", "bridleway"}


@dataclass(frozen=True, slots=True)
class TravelProfile:
    """A travel mode.

    Attributes:
        name: the mode.
        speed_kph: mean door-to-door moving speed on the network, km/h (> 0).
        allowed_highways: OSM ``highway`` values the mode may use.
        respects_oneway: whether one-way streets bind the mode (pedestrians may walk
            against the traffic direction).
        access_speed_kph: speed of the straight leg between a point and its snap on the
            network, km/h; defaults to ``speed_kph`` (the issue's rule).
    """

    name: ProfileName
    speed_kph: float
    allowed_highways: frozenset[str]
    respects_oneway: bool
    access_speed_kph: float | None = None

    def __post_init__(self) -> None:
        require_positive(f"TravelProfile {self.name!s}: speed_kph", self.speed_kph)
        if self.access_speed_kph is not None:
            require_positive(
                f"TravelProfile {self.name!s}: access_speed_kph", self.access_speed_kph
            )
        if not self.allowed_highways:
            raise InvalidInputError(
                f"TravelProfile {self.name!s}: allowed_highways", "must not be empty"
            )

    @property
    def speed_mps(self) -> float:
        """Network speed in metres per second."""
        return self.speed_kph / 3.6

    @property
    def access_speed_mps(self) -> float:
        """Speed of the access leg in metres per second."""
        return (self.access_speed_kph or self.speed_kph) / 3.6

    def may_use(self, highway: str) -> bool:
        """Whether the mode may travel on a way of this ``highway`` class."""
        return highway in self.allowed_highways


WALK = TravelProfile(
    ProfileName.WALK, speed_kph=4.5, allowed_highways=_WALK_WAYS, respects_oneway=False
)
E_BIKE = TravelProfile(
    ProfileName.E_BIKE, speed_kph=18.0, allowed_highways=_LIGHT_VEHICLE_WAYS, respects_oneway=True
)
TRICYCLE = TravelProfile(
    ProfileName.TRICYCLE, speed_kph=12.0, allowed_highways=_LIGHT_VEHICLE_WAYS, respects_oneway=True
)
VAN = TravelProfile(
    ProfileName.VAN, speed_kph=25.0, allowed_highways=_MOTOR_WAYS, respects_oneway=True
)

PROFILES: dict[ProfileName, TravelProfile] = {p.name: p for p in (WALK, E_BIKE, TRICYCLE, VAN)}


def profile(name: str) -> TravelProfile:
    """The standard profile with this name.

    Raises:
        InvalidInputError: unknown name.
    """
    try:
        return PROFILES[ProfileName(name)]
    except ValueError:
        known = ", ".join(p.value for p in ProfileName)
        raise InvalidInputError("profile", f"must be one of {known}, got {name!r}") from None
