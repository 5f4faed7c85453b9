"""Great-circle distances against known values, and the radius index against brute force."""

from __future__ import annotations

import math
import random

import pytest

from catalogue.places.geo import EARTH_RADIUS_KM, Point, PointIndex, distance_km


def test_distances_match_known_values():
    # one degree of longitude on the equator and a quarter meridian follow from the radius alone
    assert distance_km(0, 0, 0, 1) == pytest.approx(2 * math.pi * EARTH_RADIUS_KM / 360, rel=1e-9)
    assert distance_km(0, 10, 90, 10) == pytest.approx(10_007.5, abs=0.1)
    assert distance_km(52.5, 13.4, 52.5, 13.4) == 0
    # Berlin (Brandenburger Tor) – München (Marienplatz): about 504 km as the crow flies
    assert distance_km(52.5163, 13.3777, 48.1374, 11.5755) == pytest.approx(504, abs=1.0)
    # Paris (Notre-Dame) – London (Trafalgar Square): about 343 km
    assert distance_km(48.8530, 2.3499, 51.5080, -0.1281) == pytest.approx(344, abs=1.0)
    # Arnsberg – Sundern (Sauerland), the register's centres: 0.0657° of latitude and 0.0592° of
    # longitude apart, i.e. sqrt((7.31 km)² + (4.11 km)²) ≈ 8.4 km on the flat
    assert distance_km(51.395795, 8.064801, 51.330125, 8.005553) == pytest.approx(8.38, abs=0.05)
    # symmetric
    assert distance_km(48.1, 11.5, 52.5, 13.4) == distance_km(52.5, 13.4, 48.1, 11.5)


def test_radius_index_finds_exactly_the_points_a_full_scan_finds():
    rng = random.Random(11)
    points = [Point(rng.uniform(47.2, 55.1), rng.uniform(5.8, 15.1), (n,)) for n in range(3000)]
    index = PointIndex(points)
    for lat, lon, radius in ((51.33, 8.0, 30), (54.8, 9.4, 120), (47.5, 10.0, 10), (50.0, 12.0, 200)):
        expected = sorted(p.ref for p in points if distance_km(lat, lon, p.lat, p.lon) <= radius)
        found = index.within(lat, lon, radius)
        assert sorted(p.ref for _, p in found) == expected
        assert [d for d, _ in found] == sorted(d for d, _ in found)  # nearest first
