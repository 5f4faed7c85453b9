"""The shipped outlines (data/places/outlines-*.json): compact storage, decoded on demand.

Format ``ikz-outlines-1``: ``features`` maps a place key to its polygons; each polygon is a list
of rings (outer first), each ring a flat list of integers ``x0, y0, dx1, dy1, ...``: longitude and
latitude in units of ``quantum`` degrees (WGS84), every point after the first as the difference to
the one before. Kept as the encoded lists in memory (a few MB for all of Germany) and decoded
only for the outlines a map draws.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

#: degrees per unit: about 35–55 m, finer than the 1:5 000 000 source
QUANTUM = 0.0005
LAYERS = ("states", "districts", "municipalities", "associations")

Ring = list[tuple[float, float]]


def encode_rings(polygons: list[list[list[tuple[float, float]]]]) -> list[list[list[int]]]:
    """Quantise and delta-encode polygons of (lon, lat) rings; drops repeated points."""
    encoded = []
    for polygon in polygons:
        rings = []
        for ring in polygon:
            flat: list[int] = []
            last = None
            for lon, lat in ring:
                point = (round(lon / QUANTUM), round(lat / QUANTUM))
                if point == last:
                    continue
                flat.extend(point if last is None else (point[0] - last[0], point[1] - last[1]))
                last = point
            if len(flat) >= 8:  # a ring needs three points and its closing one
                rings.append(flat)
        if rings:
            encoded.append(rings)
    return encoded


def decode_rings(encoded: list[list[list[int]]], quantum: float = QUANTUM) -> list[list[Ring]]:
    """The inverse of encode_rings: polygons of (lon, lat) rings."""
    polygons = []
    for polygon in encoded:
        rings = []
        for flat in polygon:
            x = y = 0
            ring = []
            for index in range(0, len(flat), 2):
                x += flat[index]
                y += flat[index + 1]
                ring.append((round(x * quantum, 5), round(y * quantum, 5)))
            rings.append(ring)
        polygons.append(rings)
    return polygons


class Outlines:
    """One layer of outlines, read once per process."""

    def __init__(self, path: Path):
        if path.exists():
            document = json.loads(path.read_text(encoding="utf-8"))
        else:  # a checkout without the shipped files still serves pages, without outlines
            document = {"features": {}, "quantum": QUANTUM, "attribution": ""}
        self.features: dict[str, list] = document["features"]
        self.quantum: float = document["quantum"]
        self.attribution: str = document.get("attribution", "")

    def get(self, key: str) -> list[list[Ring]] | None:
        """Decoded polygons of one place, or None (remembered: maps draw the same places often)."""
        return self._decoded(key)

    @lru_cache(maxsize=16384)  # noqa: B019 - one instance per outline layer, kept for the process
    def bounds(self, key: str) -> tuple[float, float, float, float] | None:
        """(west, east, south, north) of the outer rings of one place's polygons (what a map's
        extent is made of), or None."""
        polygons = self._decoded(key)
        if not polygons:
            return None
        lons = [lon for polygon in polygons for lon, _ in polygon[0]]
        lats = [lat for polygon in polygons for _, lat in polygon[0]]
        return min(lons), max(lons), min(lats), max(lats)

    @lru_cache(maxsize=4096)  # noqa: B019 - one instance per outline layer, kept for the process
    def _decoded(self, key: str):
        encoded = self.features.get(key)
        return decode_rings(encoded, self.quantum) if encoded else None


@lru_cache(maxsize=8)
def load_layer(folder: str, layer: str) -> Outlines:
    """The layer from the data folder (cached: the files never change while the app runs)."""
    return Outlines(Path(folder) / f"outlines-{layer}.json")
