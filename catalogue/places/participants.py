"""Where the participants of the published profiles are: one point per participant (its own
coordinates, else its place's centre), cached until the next write to the catalogue or the next
load of the register (both are in the catalogue's version, see caching.catalogue_version)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from ..caching import per_version
from ..extensions import db
from ..models import Organisation, Participation, Project
from .geo import Point, PointIndex
from .models import Place


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


@dataclass(frozen=True)
class Participants:
    """Everything the partner search and the place pages need about the published profiles'
    participants, made once per catalogue version and process (no ORM objects)."""

    #: one point per participant with a centre; ``ref`` is ``(participant,)``
    index: PointIndex
    #: the participants (with a centre) of each profile
    by_project: dict[int, list[Participant]]
    #: the positions in ``index`` of each profile's points, ascending
    positions: dict[int, list[int]]
    #: (slug, title) of every published profile with a participant
    cards: dict[int, tuple[str, str]]
    #: by key length (the kind: 5 district, 8 municipality, 9 association): (population, place
    #: key, profile ids) of every place with a participant and a population, by population and key
    sizes: dict[int, list[tuple[int, str, frozenset]]]


def participants() -> Participants:
    """The participants of the published profiles (once per catalogue version and process)."""
    return per_version("places.participants", _build)


def _build() -> Participants:
    rows = db.session.execute(
        select(
            Participation.project_id,
            Project.slug,
            Project.title,
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
    points, by_project, by_place, cards = [], {}, {}, {}
    for pid, project_slug, title, oid, name, slug, key, pop, lat, lon, place_pop, place_lat, place_lon in rows:
        cards[pid] = (project_slug, title)
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
    positions: dict[int, list[int]] = {}
    for position, ref in enumerate(index.refs):
        positions.setdefault(ref[0].project_id, []).append(position)
    sizes: dict[int, list] = {}
    for key, (population, ids) in by_place.items():
        sizes.setdefault(len(key), []).append((population, key, frozenset(ids)))
    for entries in sizes.values():
        entries.sort(key=lambda entry: (entry[0], entry[1]))
    return Participants(index, by_project, positions, cards, sizes)


def participant_index() -> tuple[PointIndex, dict[int, list[Participant]]]:
    """The point index of all participants and the participants of each profile."""
    found = participants()
    return found.index, found.by_project
