"""Maps drawn from the shipped outlines: the same data as server-rendered SVG (works without
JavaScript) and as GeoJSON for the interactive map; no request leaves the site."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from flask import current_app

from .outlines import load_layer

WIDTH = 600.0
ATTRIBUTION_BKG = "© GeoBasis-DE / BKG 2021 (Daten verändert)"
ATTRIBUTION_DESTATIS = "© Statistisches Bundesamt (Destatis)"
_LAYER_OF_KIND = {
    "municipality": "municipalities",
    "district": "districts",
    "association": "associations",
    "state": "states",
}


@dataclass
class Marker:
    lat: float
    lon: float
    label: str
    url: str | None = None
    note: str = ""
    #: "origin" for the place searched from, "participant", "district" (national map)
    role: str = "participant"
    #: national map: how many cooperations (drawn as the circle's size)
    count: int = 0


@dataclass
class Outline:
    key: str
    kind: str
    label: str
    url: str | None = None
    #: "focus" (the place itself, participants) or "context" (the surroundings)
    role: str = "context"
    level: int = 0


@dataclass
class Map:
    """What one map shows; `svg()` and `geojson()` draw it."""

    title: str
    outlines: list[Outline] = field(default_factory=list)
    markers: list[Marker] = field(default_factory=list)
    circle: tuple[float, float, float] | None = None  # lat, lon, radius km
    #: the text alternative: (label, url, note), in reading order
    items: list[tuple[str, str | None, str]] = field(default_factory=list)

    def _polygons(self, with_bounds: bool = False):
        folder = current_app.config["PLACES_DIR"]
        for outline in self.outlines:
            layer = load_layer(folder, _LAYER_OF_KIND.get(outline.kind, "municipalities"))
            polygons = layer.get(outline.key)
            if polygons:
                yield (outline, polygons, layer.bounds(outline.key)) if with_bounds else (outline, polygons)

    def svg(self) -> dict:
        """Projected paths and markers for templates/places/_map.html (equirectangular, scaled
        by the cosine of the middle latitude: true to shape at the scale of Germany)."""
        shapes = list(self._polygons(with_bounds=True))
        # the corners of the outer rings' bounds (remembered per outline), not every point
        points = [(b[0], b[2]) for _, _, b in shapes] + [(b[1], b[3]) for _, _, b in shapes]
        points += [(m.lon, m.lat) for m in self.markers]
        if self.circle:
            lat, lon, radius = self.circle
            dlat = radius / 111.2
            dlon = dlat / max(0.1, math.cos(math.radians(lat)))
            points += [(lon - dlon, lat - dlat), (lon + dlon, lat + dlat)]
        if not points:
            return {}
        west, east = min(p[0] for p in points), max(p[0] for p in points)
        south, north = min(p[1] for p in points), max(p[1] for p in points)
        pad = max(east - west, north - south, 0.05) * 0.04
        west, east, south, north = west - pad, east + pad, south - pad, north + pad
        k = math.cos(math.radians((north + south) / 2))
        scale = WIDTH / max((east - west) * k, 1e-6)
        height = max(120.0, (north - south) * scale)

        def xy(lon, lat):
            return round((lon - west) * k * scale, 1), round((north - lat) * scale, 1)

        paths = []
        for outline, polygons, _ in shapes:
            d = []
            for polygon in polygons:
                for ring in polygon:
                    # the same arithmetic as xy(), inline: a regional map has tens of thousands of
                    # points; ".1f" writes what str(round(v, 1)) does (both round the exact binary
                    # value half to even to one decimal) without making a float of each first
                    d.append(
                        "M"
                        + "L".join(f"{(lon - west) * k * scale:.1f},{(north - lat) * scale:.1f}" for lon, lat in ring)
                        + "Z"
                    )
            paths.append({"d": "".join(d), "outline": outline})
        markers = []
        for marker in self.markers:
            x, y = xy(marker.lon, marker.lat)
            r = 4 + 3 * math.sqrt(marker.count) if marker.count else (6 if marker.role == "origin" else 5)
            markers.append({"x": x, "y": y, "r": round(min(r, 30), 1), "marker": marker})
        circle = None
        if self.circle:
            lat, lon, radius = self.circle
            cx, cy = xy(lon, lat)
            circle = {"x": cx, "y": cy, "r": round(radius / 111.2 * scale, 1)}
        return {"width": WIDTH, "height": round(height, 1), "paths": paths, "markers": markers, "circle": circle}

    def geojson(self) -> dict:
        """The same map as GeoJSON (WGS84) for Leaflet."""
        features = []
        for outline, polygons in self._polygons():
            features.append(
                {
                    "type": "Feature",
                    "properties": {"label": outline.label, "url": outline.url, "role": outline.role},
                    "geometry": {
                        "type": "MultiPolygon",
                        # the decoded rings as they are: JSON writes a (lon, lat) tuple as a list,
                        # and copying tens of thousands of points into lists cost more than the rest
                        "coordinates": polygons,
                    },
                }
            )
        for marker in self.markers:
            features.append(
                {
                    "type": "Feature",
                    "properties": {
                        "label": marker.label,
                        "url": marker.url,
                        "note": marker.note,
                        "role": marker.role,
                        "count": marker.count,
                    },
                    "geometry": {"type": "Point", "coordinates": [marker.lon, marker.lat]},
                }
            )
        document = {
            "type": "FeatureCollection",
            "features": features,
            "attribution": [ATTRIBUTION_BKG, ATTRIBUTION_DESTATIS],
        }
        if self.circle:
            document["circle"] = {"lat": self.circle[0], "lon": self.circle[1], "radius_km": self.circle[2]}
        return document
