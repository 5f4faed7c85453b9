"""Where the participants of the published profiles are: one point per participant (its own
coordinates, else its place's centre), cached until the next write to the catalogue."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from sqlalchemy import func, select

from ..extensions import db
from ..models import Change, Organisation, Participation, Project
from .geo import Point, PointIndex
from .models import Place

_lock = threading.Lock()
_cache: dict = {}


@dataclass(frozen=True)
class Participant:
    """A participant of a published profile, with its centre and size."""

    project_id: int
    organisation_id: int
    name: str
    slug: str
    place_key: str | None
    population: int | None
    lat: float
    lon: float


def _version() -> tuple:
    """Changes with every write (the change log) and every register load (the places)."""
    last = db.session.execute(select(Change.seq, Change.created_at).order_by(Change.seq.desc()).limit(1)).first()
    places = db.session.execute(
        select(func.count(), func.sum(Place.latitude)).select_from(Place).where(Place.active.is_(True))
    ).first()
    return (str(db.engine.url), tuple(last or ()), tuple(places))


def participant_index() -> tuple[PointIndex, dict[int, list[Participant]]]:
    """The point index of all participants and the participants of each profile."""
    version = _version()
    with _lock:
        cached = _cache.get("index")
        if cached and cached[0] == version:
            return cached[1], cached[2]
    rows = db.session.execute(
        select(
            Participation.project_id,
            Organisation.id,
            Organisation.name,
            Organisation.slug,
            Organisation.place_key,
            Organisation.population,
            Organisation.latitude,
            Organisation.longitude,
            Place.population,
            Place.latitude,
            Place.longitude,
        )
        .join(Project, Project.id == Participation.project_id)
        .join(Organisation, Organisation.id == Participation.organisation_id)
        .outerjoin(Place, Place.key == Organisation.place_key)
        .where(Project.status == "published")
    ).all()
    points, by_project, by_place = [], {}, {}
    for pid, oid, name, slug, key, pop, lat, lon, place_pop, place_lat, place_lon in rows:
        if key and place_pop:
            by_place.setdefault(key, (place_pop, set()))[1].add(pid)
        if lat is None or lon is None:
            lat, lon = place_lat, place_lon
        if lat is None or lon is None:
            continue
        participant = Participant(pid, oid, name, slug, key, pop if pop is not None else place_pop, lat, lon)
        points.append(Point(lat, lon, (participant,)))
        by_project.setdefault(pid, []).append(participant)
    index = PointIndex(points)
    sizes = sorted((population, key, frozenset(ids)) for key, (population, ids) in by_place.items())
    with _lock:
        _cache["index"] = (version, index, by_project, sizes)
    return index, by_project


def places_by_size() -> list[tuple[int, str, frozenset]]:
    """(population, place key, profile ids) of every place with a participant, by population."""
    participant_index()
    with _lock:
        return _cache["index"][3]
