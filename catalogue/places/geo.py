"""Distances between places: great-circle distances on a sphere of the Earth's mean radius.

The haversine formula on R = 6371.0088 km (IUGG mean radius) between the centres of two places
(WGS84 latitude/longitude as Destatis publishes them). On German distances it differs from the
ellipsoidal (Vincenty) distance by at most about 0.5 %, far less than the size of a municipality,
whose centre stands for all of it.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable, Iterable
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
    longitude band and only then computes distances (a few hundred, not every point).

    The points are also kept as plain lists (latitudes, longitudes, refs) by position, so that
    a caller who knows which positions can matter (``within_positions``) skips the band."""

    def __init__(self, points: list[Point]):
        self.points = sorted(points, key=lambda p: p.lat)  # stable: equal latitudes keep their order
        self.lats = [p.lat for p in self.points]
        self.lons = [p.lon for p in self.points]
        self.refs = [p.ref for p in self.points]

    def __len__(self) -> int:
        return len(self.points)

    @staticmethod
    def _box(lat: float, radius_km: float) -> tuple[float, float]:
        """Half the height and width in degrees of a box around the circle (wider, never narrower)."""
        dlat = radius_km / _KM_PER_DEGREE
        dlon = radius_km / (_KM_PER_DEGREE * max(0.01, math.cos(math.radians(min(89.0, abs(lat) + dlat)))))
        return dlat, dlon

    def band(self, lat: float, radius_km: float) -> range:
        """Positions of the points in the latitude band of the circle (what ``within`` scans)."""
        dlat, _ = self._box(lat, radius_km)
        return range(bisect.bisect_left(self.lats, lat - dlat), bisect.bisect_right(self.lats, lat + dlat))

    def within(
        self, lat: float, lon: float, radius_km: float, keep: Callable[[tuple], bool] | None = None
    ) -> list[tuple[float, Point]]:
        """(distance, point) of every point within the radius, nearest first (of equal distances
        the one first in the index). ``keep(ref)``, when given, is asked before any distance is
        computed: a point it refuses is left out."""
        return [
            (distance, self.points[position])
            for distance, position in self.within_positions(lat, lon, radius_km, self.band(lat, radius_km), keep)
        ]

    def within_positions(
        self,
        lat: float,
        lon: float,
        radius_km: float,
        positions: Iterable[int],
        keep: Callable[[tuple], bool] | None = None,
    ) -> list[tuple[float, int]]:
        """(distance, position) of those of the given positions within the radius, nearest first
        (of equal distances the lower position): the same answer as ``within`` for them."""
        dlat, dlon = self._box(lat, radius_km)
        south, north = lat - dlat, lat + dlat
        lats, lons, refs = self.lats, self.lons, self.refs
        found = []
        for position in positions:
            point_lat, point_lon = lats[position], lons[position]
            if not (south <= point_lat <= north and abs(point_lon - lon) <= dlon):
                continue
            if keep is not None and not keep(refs[position]):
                continue
            distance = distance_km(lat, lon, point_lat, point_lon)
            if distance <= radius_km:
                found.append((distance, position))
        found.sort()
        return found

    def nearest(
        self, lat: float, lon: float, radius_km: float, wanted: Callable[[tuple], bool], limit: int
    ) -> list[tuple[float, Point]]:
        """The first ``limit`` points that ``wanted(ref)`` accepts, nearest first, within the
        radius: the same as filtering ``within`` in order, but the search grows ring by ring
        (5, 10, 20 … km) and stops as soon as ``limit`` points are certain. ``wanted`` is asked
        in that nearest-first order and may remember what it accepted."""
        accepted: list[tuple[float, int]] = []
        inner, outer = -1.0, min(5.0, radius_km)
        while True:
            for distance, position in self.within_positions(lat, lon, outer, self.band(lat, outer)):
                if distance > inner and wanted(self.refs[position]):  # the inner circle was done before
                    accepted.append((distance, position))
                    if len(accepted) >= limit:
                        return [(d, self.points[p]) for d, p in accepted]
            if outer >= radius_km:
                return [(d, self.points[p]) for d, p in accepted]
            inner, outer = outer, min(radius_km, outer * 2)
