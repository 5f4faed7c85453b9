"""Loading a Destatis register into the places table: idempotent, reporting what changed.

The load compares every record with the stored place and writes only differences. Places the
new register lacks are marked inactive, never deleted, and organisations are never touched: an
organisation whose place vanished is only reported, for an editor to decide.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from sqlalchemy import select

from ..extensions import db
from .models import Place, RegisterLoad
from .naming import name_key
from .register_file import RegisterFileError

#: the shipped extract carries no reference date, and its population is not that of 31.12.2020
#: (see data/places/README.md): so it is labelled, and shown, without a date
SHIPPED_POPULATION_SOURCE = "Destatis GV-ISys (Ausgabe vor 2021)"

#: (Satzart, Textkennzeichen) → designation, as the GV-ISys documentation names them
DESIGNATIONS = {
    ("40", "41"): "Kreisfreie Stadt",
    ("40", "42"): "Stadtkreis",
    ("40", "43"): "Kreis",
    ("40", "44"): "Landkreis",
    ("40", "45"): "Regionalverband",
    ("50", "51"): "Amt",
    ("50", "52"): "Samtgemeinde",
    ("50", "53"): "Verbandsgemeinde",
    ("50", "54"): "Verwaltungsgemeinschaft",
    ("50", "55"): "Kirchspielslandgemeinde",
    ("50", "56"): "Verwaltungsverband",
    ("50", "57"): "Verbandsgemeinde",
    ("50", "58"): "Erfüllende Gemeinde",
    ("60", "60"): "Markt",
    ("60", "61"): "Kreisfreie Stadt",
    ("60", "62"): "Stadtkreis",
    ("60", "63"): "Stadt",
    ("60", "64"): "Gemeinde",
    ("60", "65"): "Gemeindefreies Gebiet",
    ("60", "66"): "Gemeindefreies Gebiet",
    ("60", "67"): "Große Kreisstadt",
}
#: the columns a place row is compared by
COMPARED = (
    "kind",
    "name",
    "official_name",
    "designation",
    "name_key",
    "slug",
    "parent_key",
    "district_key",
    "association_key",
    "state_key",
    "postcode",
    "area_km2",
    "population",
    "population_source",
    "latitude",
    "longitude",
    "active",
)


@dataclass
class LoadReport:
    """What a load did; lists hold (key, label) pairs."""

    total: int = 0
    new: list[tuple[str, str]] = field(default_factory=list)
    changed: list[tuple[str, str]] = field(default_factory=list)
    vanished: list[tuple[str, str]] = field(default_factory=list)
    #: organisations (slug, name, place key) whose place is not (or no longer) in the register
    orphaned_organisations: list[tuple[str, str, str]] = field(default_factory=list)


def parse_register(rows: Iterable[dict[str, str]], population_source: str) -> dict[str, dict]:
    """Turn register records into place values by key; raises RegisterFileError on a bad record."""
    from ..textutil import slugify

    rows = list(rows)
    # Municipalities outside an association have a Satzart-50 record of their own (Textkennzeichen
    # 50, "verbandsfrei"); only the other 50 records are associations.
    associations = {
        row.get("land", "") + row.get("rb", "") + row.get("kreis", "") + row.get("vb", "")
        for row in rows
        if row.get("satzart") == "50" and row.get("textkennzeichen") != "50"
    }
    places: dict[str, dict] = {}
    for row in rows:
        try:
            values = _place_values(row, population_source, associations)
        except (ValueError, KeyError) as error:
            raise RegisterFileError(f"Zeile {row.get('line', '?')}: {error}") from None
        if values is None:
            continue
        values["slug"] = slugify(values["name"]) or values["key"]
        places[values["key"]] = values
    _aggregate(places, population_source)
    return places


def _place_values(row: dict[str, str], population_source: str, associations: set[str]) -> dict | None:
    kind_code, text_code = row["satzart"], row["textkennzeichen"]
    land, rb, kreis, vb, gemeinde = (row[c] for c in ("land", "rb", "kreis", "vb", "gemeinde"))
    if not (land.isdigit() and len(land) == 2):
        raise ValueError(f"Land „{land}“ ist kein zweistelliger Schlüssel")
    official = row["gemeindename"]
    if not official:
        raise ValueError("Name fehlt")
    name = official.split(",", 1)[0].strip()
    values = {
        "official_name": official,
        "name": name,
        "name_key": name_key(official),
        "state_key": land,
        "designation": DESIGNATIONS.get((kind_code, text_code), ""),
        "district_key": None,
        "association_key": None,
        "postcode": "",
        "area_km2": None,
        "population": None,
        "population_source": "",
        "latitude": None,
        "longitude": None,
        "active": True,
    }
    if kind_code == "10":
        return {**values, "key": land, "kind": "state", "designation": "Land", "parent_key": None}
    if kind_code == "20":
        return {
            **values,
            "key": land + rb,
            "kind": "government_district",
            "designation": "Regierungsbezirk" if not name.startswith("Statistische") else "Statistische Region",
            "parent_key": land,
        }
    if kind_code == "40":
        key = land + rb + kreis
        return {
            **values,
            "key": key,
            "kind": "district",
            "district_key": key,
            "parent_key": land + rb if rb != "0" else land,
        }
    if kind_code == "50":
        if text_code == "50":  # a municipality outside any association: no place of its own
            return None
        key = land + rb + kreis + vb
        return {
            **values,
            "key": key,
            "kind": "association",
            "district_key": land + rb + kreis,
            "association_key": key,
            "parent_key": land + rb + kreis,
        }
    if kind_code == "60":
        key = land + rb + kreis + gemeinde
        if len(key) != 8 or not key.isdigit():
            raise ValueError(f"Gemeindeschlüssel „{key}“ hat nicht 8 Ziffern")
        association = land + rb + kreis + vb if land + rb + kreis + vb in associations else None
        population = _number(row["bevoelkerung"], int)
        return {
            **values,
            "key": key,
            "kind": "municipality",
            "district_key": land + rb + kreis,
            "association_key": association,
            "parent_key": association or land + rb + kreis,
            "postcode": row["postleitzahl"][:5],
            "area_km2": _number(row["flaeche"], float),
            "population": population,
            "population_source": population_source if population is not None else "",
            "latitude": _coordinate(row["breitengrad"], 47, 56),
            "longitude": _coordinate(row["laengengrad"], 5, 16),
        }
    return None  # Satzart 30 (regions of Baden-Württemberg) are planning regions, not places here


def _number(text: str, kind):
    text = text.replace(" ", "").replace("\u00a0", "")
    if not text:
        return None
    value = kind(float(text.replace(",", "."))) if kind is int else kind(text.replace(",", "."))
    if value < 0:
        raise ValueError(f"negative Zahl „{text}“")
    return value


def _coordinate(text: str, low: float, high: float) -> float | None:
    value = _number(text, float)
    if not value:  # unpopulated areas without a centre have 0 there
        return None
    if value is not None and not low <= value <= high:
        raise ValueError(f"Koordinate {value} liegt nicht in Deutschland")
    return value


def _aggregate(places: dict[str, dict], population_source: str) -> None:
    """Area, population and centre of associations, districts, government districts and states
    from their municipalities (sums; the centre weighted by area)."""
    totals: dict[str, list[float]] = {}
    for place in places.values():
        if place["kind"] != "municipality":
            continue
        parents = {place["association_key"], place["district_key"], place["key"][:3], place["key"][:2]}
        area = place["area_km2"] or 0.0
        for parent in parents - {None}:
            total = totals.setdefault(parent, [0.0, 0, 0.0, 0.0, 0.0])
            total[0] += area
            total[1] += place["population"] or 0
            if place["latitude"] is not None and area:
                total[2] += place["latitude"] * area
                total[3] += place["longitude"] * area
                total[4] += area
    for key, (area, population, lat, lon, weight) in totals.items():
        place = places.get(key)
        if place is None or place["kind"] == "municipality":
            continue
        place["area_km2"] = round(area, 2) if area else None
        place["population"] = population or None
        place["population_source"] = f"{population_source}, Summe der Gemeinden" if population else ""
        if weight:
            place["latitude"], place["longitude"] = round(lat / weight, 6), round(lon / weight, 6)


def load_places(
    places: dict[str, dict], progress: Callable[[int, int], None] | None = None, source: str = ""
) -> LoadReport:
    """Write the parsed register: insert new places, update changed ones, deactivate vanished ones.
    A load that changed anything stamps the register (a RegisterLoad row: what was made from the
    old places is not served again). Flushes, never commits (the command does, once)."""
    report = LoadReport(total=len(places))
    stored = {place.key: place for place in db.session.scalars(select(Place))}
    for number, (key, values) in enumerate(sorted(places.items()), start=1):
        place = stored.get(key)
        if place is None:
            db.session.add(Place(**values))
            report.new.append((key, values["name"]))
        elif any(getattr(place, column) != values[column] for column in COMPARED):
            for column in COMPARED:
                setattr(place, column, values[column])
            report.changed.append((key, values["name"]))
        if progress and (number % 1000 == 0 or number == len(places)):
            progress(number, len(places))
    for key, place in sorted(stored.items()):
        if key not in places and place.active:
            place.active = False
            report.vanished.append((key, place.name))
    if report.new or report.changed or report.vanished:
        db.session.add(
            RegisterLoad(
                source=source[:300],
                total=report.total,
                new=len(report.new),
                changed=len(report.changed),
                vanished=len(report.vanished),
            )
        )
    db.session.flush()
    report.orphaned_organisations = orphaned_organisations()
    return report


def orphaned_organisations() -> list[tuple[str, str, str]]:
    """Organisations linked to a key that the register lacks or no longer has."""
    from ..models import Organisation

    active = select(Place.key).where(Place.active.is_(True))
    rows = db.session.execute(
        select(Organisation.slug, Organisation.name, Organisation.place_key)
        .where(Organisation.place_key.is_not(None), Organisation.place_key.not_in(active))
        .order_by(Organisation.slug)
    ).all()
    return [tuple(row) for row in rows]
