#!/usr/bin/env python3
"""Regenerate the shipped register of places and the map outlines from the official downloads.

    .venv/bin/pip install -e '.[data]'
    .venv/bin/python scripts/build_places_data.py \
        --gazetteer AuszugGV4QAktuell.xlsx   (or the CSV extract) \
        --boundaries vg5000_01-01.gk3.shape.ebenen/vg5000_ebenen_0101 \
        --year 2021

Writes data/places/gemeindeverzeichnis.csv (the Destatis extract reduced to the columns the
catalogue reads, in the extract's own column names, so `flask places load` reads it with the
same code as an official file) and data/places/outlines-{states,districts,municipalities,associations}.json
(VG5000 outlines, simplified as one coverage so that neighbours keep a common border, projected
to WGS84 and quantised; see catalogue/places/outlines.py for the format).
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from catalogue.places.outlines import QUANTUM, encode_rings  # noqa: E402
from catalogue.places.register_file import KEPT_COLUMNS, read_register  # noqa: E402

#: Douglas-Peucker tolerance in metres per layer: a national map needs less detail than a
#: district map; these keep every layer under about 2.5 MB of JSON.
TOLERANCE_M = {"states": 1500, "districts": 900, "municipalities": 250}
LAYERS = {"states": "VG5000_LAN", "districts": "VG5000_KRS", "municipalities": "VG5000_GEM"}


def write_register(source: Path, target: Path) -> int:
    """Reduce an official extract (CSV or XLSX) to the kept columns."""
    rows = read_register(source)
    with target.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream, lineterminator="\n")
        writer.writerow(KEPT_COLUMNS)
        for row in rows:
            writer.writerow([row.get(column, "") for column in KEPT_COLUMNS])
    return len(rows)


def simplified_layer(folder: Path, layer: str) -> dict:
    """One VG5000 layer (land areas only), simplified as a coverage, in WGS84: key → geometry."""
    import numpy
    import shapefile
    import shapely
    from pyproj import Transformer
    from shapely.geometry import shape

    reader = shapefile.Reader(str(folder / LAYERS[layer]), encoding="utf-8")
    parts: dict[str, list] = {}
    for record in reader.iterShapeRecords():
        attributes = record.record.as_dict()
        # Land areas with structure: GF 9 in the 2021 "Ebenen" files (4 in older releases);
        # the other values are the coastal waters, which a map of municipalities leaves out.
        if int(attributes["GF"]) not in (4, 9):
            continue
        key = attributes["AGS"] if layer != "states" else attributes["AGS"][:2]
        parts.setdefault(key, []).append(shape(record.shape.__geo_interface__))
    keys = sorted(parts)
    merged = [shapely.union_all(parts[key]) for key in keys]
    simplified = shapely.coverage_simplify(merged, TOLERANCE_M[layer])
    transformer = Transformer.from_crs("EPSG:31467", "EPSG:4326", always_xy=True)

    def to_wgs84(xy):
        return numpy.column_stack(transformer.transform(xy[:, 0], xy[:, 1]))

    return {key: shapely.transform(geometry, to_wgs84) for key, geometry in zip(keys, simplified)}


def association_outlines(municipalities: dict, register: list[dict[str, str]]) -> dict:
    """Municipal associations have no VG5000 layer of their own: the union of their members."""
    import shapely

    members: dict[str, list] = {}
    for row in register:
        if row["satzart"] == "60" and row["vb"] and row["vb"][:1] != "0":
            ags = row["land"] + row["rb"] + row["kreis"] + row["gemeinde"]
            if ags in municipalities:
                members.setdefault(row["land"] + row["rb"] + row["kreis"] + row["vb"], []).append(municipalities[ags])
    return {key: shapely.union_all(parts) for key, parts in sorted(members.items())}


def write_outlines(geometries: dict, layer: str, source: str, target: Path, year: str) -> int:
    """Write one layer in the compact format (see catalogue/places/outlines.py)."""
    features = {}
    for key, geometry in geometries.items():
        polygons = list(geometry.geoms) if geometry.geom_type == "MultiPolygon" else [geometry]
        rings = [
            [list(polygon.exterior.coords)] + [list(r.coords) for r in polygon.interiors]
            for polygon in polygons
            if polygon.geom_type == "Polygon" and not polygon.is_empty
        ]
        features[key] = encode_rings(rings)
    document = {
        "format": "ikz-outlines-1",
        "quantum": QUANTUM,
        "layer": layer,
        "attribution": f"© GeoBasis-DE / BKG {year} (Daten verändert)",
        "source": source,
        "features": features,
    }
    target.write_text(json.dumps(document, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    return len(features)


def main() -> None:
    """Read the arguments and write every shipped file."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gazetteer", type=Path, required=True, help="Destatis GV-ISys extract, CSV or XLSX")
    parser.add_argument("--boundaries", type=Path, required=True, help="folder with the VG5000_*.shp layers")
    parser.add_argument("--year", default="2021", help="year of the BKG data, for the attribution")
    parser.add_argument("--out", type=Path, default=ROOT / "data" / "places")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    count = write_register(args.gazetteer, args.out / "gemeindeverzeichnis.csv")
    print(f"gemeindeverzeichnis.csv: {count} rows")
    layers = {layer: simplified_layer(args.boundaries, layer) for layer in LAYERS}
    layers["associations"] = association_outlines(layers["municipalities"], read_register(args.gazetteer))
    for layer, geometries in layers.items():
        source = (
            f"BKG VG5000 {LAYERS[layer]}, vereinfacht ({TOLERANCE_M[layer]} m), WGS84"
            if layer in LAYERS
            else "Vereinigung der Gemeindeumrisse (BKG VG5000 VG5000_GEM) je Gemeindeverband"
        )
        target = args.out / f"outlines-{layer}.json"
        count = write_outlines(geometries, layer, source, target, args.year)
        print(f"{target.name}: {count} outlines, {target.stat().st_size / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
