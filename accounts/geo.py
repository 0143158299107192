"""Where a commune lies and how far apart two of them are.

Communes carry an optional position (latitude, longitude, decimal degrees,
WGS 84); a person is placed at their residence commune, or failing that at
their main establishment's. Distances are great-circle (haversine) ones, in
km: as the crow flies, which is enough to rank who lives nearer a centre.
Plain functions on plain values, so any app may use them.
"""

from __future__ import annotations

import math
from typing import Protocol

# The mean Earth radius (IUGG), as the solver's projection uses.
EARTH_RADIUS_KM = 6371.0088

Position = tuple[float, float]  # (latitude, longitude) in decimal degrees


class Located(Protocol):
    latitude: float | None
    longitude: float | None


def position(commune: Located | None) -> Position | None:
    """A commune's (latitude, longitude), or None when it has none."""
    if commune is None or commune.latitude is None or commune.longitude is None:
        return None
    return (float(commune.latitude), float(commune.longitude))


def distance_km(a: Position, b: Position) -> float:
    """The great-circle distance between two positions, in km."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))
