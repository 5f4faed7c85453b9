"""What the place pages and maps show: cooperations of a place, of its association and district,
nearby ones, similar places, and the maps of places, profiles and the whole catalogue."""

from __future__ import annotations

from flask import url_for
from flask_babel import format_decimal
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ..caching import per_register
from ..extensions import db
from ..models import Organisation, Participation, Project
from .linking import organisation_centre
from .maps import Map, Marker, Outline
from .models import PAGE_KINDS, Place
from .participants import participant_index

NEARBY_RADIUS_KM = 50
NEARBY_LIMIT = 10


def _km(distance: float) -> str:
    return f"{format_decimal(distance, format='#,##0.0')} km"


def place_url(place: Place, **kwargs) -> str:
    """The canonical URL of a place page."""
    return url_for("places.place_page", key_slug=place.url_part, **kwargs)


def public_place_urls(_external: bool = True) -> list[str]:
    """Every public place page (for the sitemap): municipalities, associations, districts."""
    rows = db.session.execute(
        select(Place.key, Place.slug).where(Place.active.is_(True), Place.kind.in_(PAGE_KINDS)).order_by(Place.key)
    ).all()
    return [url_for("places.place_page", key_slug=f"{key}-{slug}", _external=_external) for key, slug in rows]


def load_projects(ids) -> list[Project]:
    """Published profiles of these ids in the order given, with what a card shows."""
    ids = list(ids)
    if not ids:
        return []
    rows = {
        p.id: p
        for p in db.session.scalars(
            select(Project)
            .where(Project.id.in_(ids), Project.status == "published")
            .options(
                selectinload(Project.participations).selectinload(Participation.organisation),
                selectinload(Project.keywords),
                selectinload(Project.legal_form),
            )
        )
    }
    return [rows[i] for i in ids if i in rows]


def projects_of_places(keys: list[str]) -> list[int]:
    """Ids of published profiles in which an organisation of these places takes part, by title."""
    return projects_by_place(keys)[""]


def projects_by_place(keys: list[str]) -> dict[str, list[int]]:
    """For each of these place keys the ids of the published profiles in which an organisation of
    that place takes part, by title; under "" all of them, by title (three queries for all keys).

    Step by step along the indexes (place key → organisations → participations → profiles): as
    one join, SQLite walks every profile in title order instead (measured: 150 ms at 10,000)."""
    keys = [key for key in keys if key]
    found: dict[str, list[int]] = {key: [] for key in keys}
    found[""] = []
    if not keys:
        return found
    organisations = dict(
        db.session.execute(
            select(Organisation.id, Organisation.place_key).where(Organisation.place_key.in_(keys))
        ).all()
    )
    if not organisations:
        return found
    participations = db.session.execute(
        select(Participation.project_id, Participation.organisation_id).where(
            Participation.organisation_id.in_(list(organisations))
        )
    ).all()
    if not participations:
        return found
    rows = db.session.execute(
        select(Project.id, Project.title).where(
            Project.id.in_({pid for pid, _ in participations}), Project.status == "published"
        )
    ).all()
    of_key: dict[str, set[int]] = {}
    for pid, oid in participations:
        of_key.setdefault(organisations[oid], set()).add(pid)
    ordered = [pid for pid, _ in sorted(rows, key=lambda row: (row[1], row[0]))]
    for key in keys:
        ids = of_key.get(key, set())
        found[key] = [pid for pid in ordered if pid in ids]
    found[""] = ordered
    return found


def place_sections(place: Place, association: Place | None, district: Place | None) -> dict:
    """The lists of a place page: its cooperations (``own``), those of its association and of
    its district not listed before, and the nearest other ones (``nearby``: distance,
    participant, profile), with one query for the profiles of all four."""
    of_place = projects_by_place([place.key, association.key if association else "", district.key if district else ""])
    own_ids = of_place[place.key]
    association_ids = [i for i in of_place[association.key] if i not in own_ids] if association else []
    district_ids = [i for i in of_place[district.key] if i not in own_ids + association_ids] if district else []
    close = nearby(place, set(own_ids + association_ids + district_ids))
    projects = {
        project.id: project
        for project in load_projects(
            dict.fromkeys(own_ids + association_ids + district_ids + [p.project_id for _, p in close])
        )
    }

    def shown(ids):
        return [projects[i] for i in ids if i in projects]

    return {
        "own": shown(own_ids),
        "of_association": shown(association_ids),
        "of_district": shown(district_ids),
        "nearby": [(d, p, projects[p.project_id]) for d, p in close if p.project_id in projects],
        "close": close,
    }


def nearby(place: Place, exclude: set[int], radius_km: float = NEARBY_RADIUS_KM, limit: int = NEARBY_LIMIT):
    """(distance, participant) of the nearest participant of each other cooperation nearby,
    nearest first (of equal distances the one first in the index), at most ``limit``."""
    if place.latitude is None:
        return []
    index, _ = participant_index()
    seen = set(exclude)

    def first_of_its_profile(ref) -> bool:
        if ref[0].project_id in seen:
            return False
        seen.add(ref[0].project_id)
        return True

    found = index.nearest(place.latitude, place.longitude, radius_km, first_of_its_profile, limit)
    return [(round(distance, 1), point.ref[0]) for distance, point in found]


def place_map(place: Place, participants) -> Map:
    """The place's outline among the municipalities around it, with cooperation partners."""
    area = Map(title=place.label)
    if place.kind == "district":
        members = db.session.execute(
            select(Place.key, Place.name).where(
                Place.district_key == place.key, Place.kind == "municipality", Place.active.is_(True)
            )
        ).all()
    else:
        members = (
            db.session.execute(
                select(Place.key, Place.name).where(
                    Place.district_key == place.district_key,
                    Place.kind == "municipality",
                    Place.active.is_(True),
                    Place.key != place.key,
                )
            ).all()
            if place.district_key
            else []
        )
    area.outlines = [Outline(key, "municipality", name) for key, name in members]
    area.outlines.append(Outline(place.key, place.kind, place.label, place_url(place), "focus", 1))
    if place.latitude is not None:
        area.markers.append(Marker(place.latitude, place.longitude, place.label, place_url(place), role="origin"))
    area.items.append((place.label, place_url(place), ""))
    for distance, participant in participants:
        area.markers.append(
            Marker(
                participant.lat,
                participant.lon,
                participant.name,
                url_for("public.organisation_detail", slug=participant.slug),
                _km(distance),
            )
        )
        area.items.append(
            (participant.name, url_for("public.organisation_detail", slug=participant.slug), _km(distance))
        )
    return area


def participants_map(title: str, organisations, places: dict[str, Place] | None = None) -> Map | None:
    """Participants of a profile (or an organisation): their outlines and centres."""
    organisations = list(organisations)
    if places is None:
        from .directory import places_by_key

        places = places_by_key(o.place_key for o in organisations)
    area = Map(title=title)
    districts = set()
    for organisation in organisations:
        centre = organisation_centre(organisation, places)
        place = places.get(organisation.place_key or "")
        url = url_for("public.organisation_detail", slug=organisation.slug)
        if place is not None:
            area.outlines.append(Outline(place.key, place.kind, place.label, place_url(place), "focus", 1))
            if place.district_key and place.kind != "district":
                districts.add(place.district_key)
        if centre:
            area.markers.append(Marker(centre[0], centre[1], organisation.name, url))
        area.items.append(
            (organisation.name, url, place.label if place is not None and place.label != organisation.name else "")
        )
    if not area.markers:
        return None
    context = [Outline(key, "district", "") for key in sorted(districts)]
    area.outlines = context + area.outlines
    return area


def search_map(title: str, origin: tuple[float, float, str] | None, radius_km: float | None, hits) -> Map:
    """Partner search results: the origin, the radius and each hit's nearest participant."""
    area = Map(title=title)
    if origin:
        area.markers.append(Marker(origin[0], origin[1], origin[2], role="origin"))
        if radius_km:
            area.circle = (origin[0], origin[1], radius_km)
            # Districts as the background of a regional search; beyond 60 km the states (lighter).
            kind = "district" if radius_km <= 60 else "state"
            margin = (1, 1.5) if kind == "state" else (0, 0)
            south, north = origin[0] - radius_km / 80 - margin[0], origin[0] + radius_km / 80 + margin[0]
            west, east = origin[1] - radius_km / 50 - margin[1], origin[1] + radius_km / 50 + margin[1]
            area.outlines = [
                Outline(key, kind, "")
                for key, lat, lon in _centres(kind)
                if south <= lat <= north and west <= lon <= east
            ]
    for project, hit in hits:
        url = url_for("public.project_detail", slug=project.slug)
        area.markers.append(
            Marker(hit.nearest.lat, hit.nearest.lon, f"{project.title} ({hit.nearest.name})", url, _km(hit.distance_km))
        )
        area.items.append((project.title, url, f"{hit.nearest.name}, {_km(hit.distance_km)}"))
    return area


def _centres(kind: str) -> list[tuple[str, float, float]]:
    """(key, latitude, longitude) of the active places of a kind with a centre, by key: kept per
    register stamp (no write to the catalogue changes them)."""
    return per_register(
        f"places.centres.{kind}",
        lambda: [
            (key, lat, lon)
            for key, lat, lon in db.session.execute(
                select(Place.key, Place.latitude, Place.longitude)
                .where(Place.kind == kind, Place.active.is_(True), Place.latitude.is_not(None))
                .order_by(Place.key)
            )
            if lon is not None
        ],
    )


def national_map() -> Map:
    """Every published cooperation, counted per district of its participants: a map of the
    401 districts stays the same size whatever the number of profiles."""
    counts = db.session.execute(
        select(Place.district_key, func.count(func.distinct(Participation.project_id)))
        .join(Organisation, Organisation.place_key == Place.key)
        .join(Participation, Participation.organisation_id == Organisation.id)
        .join(Project, Project.id == Participation.project_id)
        .where(Project.status == "published", Place.district_key.is_not(None))
        .group_by(Place.district_key)
    ).all()
    districts = {p.key: p for p in db.session.scalars(select(Place).where(Place.key.in_([k for k, _ in counts])))}
    states = db.session.scalars(
        select(Place).where(Place.kind == "state", Place.active.is_(True)).order_by(Place.key)
    ).all()
    area = Map(title="Deutschland")
    area.outlines = [Outline(state.key, "state", state.name) for state in states]
    for key, count in sorted(counts, key=lambda item: (-item[1], item[0])):
        district = districts.get(key)
        if district is None or district.latitude is None:
            continue
        url = place_url(district)
        area.markers.append(
            Marker(district.latitude, district.longitude, district.label, url, str(count), "district", count)
        )
        area.items.append((district.label, url, str(count)))
    return area
