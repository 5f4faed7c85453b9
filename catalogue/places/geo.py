"""Distances between places: great-circle distances on a sphere of the Earth's mean radius.

The haversine formula on R = 6371.0088 km (IUGG mean radius) between the centres of two places
(WGS84 latitude/longitude as Destatis publishes them). On German distances it differs from the
ellipsoidal (Vincenty) distance by at most about 0.5 %, far less than the size of a municipality,
whose centre stands for all of it.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass

EARTH_RADIUS_KM = 6371.0088
_KM_PER_DEGREE = math.pi * EARTH_RADIUS_KM / 180


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in km between two points given in degrees."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlambda = phi2 - phi1, math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


@dataclass(frozen=True)
class Point:
    """Something with a centre: a participant of a profile, or a place."""

    lat: float
    lon: float
    #: what the caller needs back, e.g. (project id, organisation id)
    ref: tuple


class PointIndex:
    """Points sorted by latitude: a radius query bisects the latitude band, then checks the
    longitude band and only then computes distances (a few hundred, not every point)."""

    def __init__(self, points: list[Point]):
        self.points = sorted(points, key=lambda p: p.lat)
        self.lats = [p.lat for p in self.points]

    def within(self, lat: float, lon: float, radius_km: float) -> list[tuple[float, Point]]:
        """(distance, point) of every point within the radius, nearest first."""
        dlat = radius_km / _KM_PER_DEGREE
        dlon = radius_km / (_KM_PER_DEGREE * max(0.01, math.cos(math.radians(min(89.0, abs(lat) + dlat)))))
        low = bisect.bisect_left(self.lats, lat - dlat)
        high = bisect.bisect_right(self.lats, lat + dlat)
        found = []
        for point in self.points[low:high]:
            if abs(point.lon - lon) <= dlon:
                distance = distance_km(lat, lon, point.lat, point.lon)
                if distance <= radius_km:
                    found.append((distance, point))
        found.sort(key=lambda item: item[0])
        return found
