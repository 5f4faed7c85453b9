"""The partner search: cooperations on a topic with a participant near a place.

Ranking. A profile qualifies when it matches the topic (the German full-text search, or the
keyword filter) and at least one of its participants lies within the radius (and, when a size
is asked for, has a population in that range). Its rank is

    rank = relevance / best relevance × (1 − 0.5 × distance / radius)

with the distance of its nearest qualifying participant: the best topic match at the origin
scores 1, the same match at the edge of the radius 0.5, so a much better match may come from
further away, but of two equal matches the nearer wins. Without a topic every relevance is 1
and the order is by distance. Ties go to the nearer, then to the title.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass, field

from sqlalchemy import select

from ..extensions import db
from ..models import Project
from .geo import distance_km
from .models import Place
from .participants import Participant, participant_index, places_by_size

RADIUS_MIN, RADIUS_MAX, RADIUS_DEFAULT = 10, 200, 50
#: "similar size": within this factor of the origin's population, either way
SIMILAR_FACTOR = 1.5


@dataclass
class Hit:
    """One cooperation found: its nearest qualifying participant and the rank."""

    project_id: int
    distance_km: float
    nearest: Participant
    relevance: float
    rank: float


@dataclass
class PartnerResult:
    hits: list[Hit]
    similar: list[tuple[Place, float, list[int]]] = field(default_factory=list)


def similar_range(population: int | None) -> tuple[int | None, int | None]:
    """The population range called "similar" to this one."""
    if not population:
        return None, None
    return int(population / SIMILAR_FACTOR), int(math.ceil(population * SIMILAR_FACTOR))


def partner_search(
    lat: float,
    lon: float,
    radius_km: float,
    scores: dict[int, float],
    population_min: int | None = None,
    population_max: int | None = None,
    origin_key: str | None = None,
) -> PartnerResult:
    """Rank the topic matches (``scores``: profile id → relevance) by the formula above."""
    index, by_project = participant_index()
    best: dict[int, tuple[float, Participant]] = {}
    for distance, point in index.within(lat, lon, radius_km):
        participant = point.ref[0]
        if participant.project_id not in scores or participant.project_id in best:
            continue  # points come nearest first: the first one of a profile is its nearest
        if not _fits(participant.population, population_min, population_max):
            continue
        best[participant.project_id] = (distance, participant)
    top = max((scores[pid] for pid in best), default=1.0) or 1.0
    hits = [
        Hit(pid, round(distance, 1), participant, scores[pid], scores[pid] / top * (1 - 0.5 * distance / radius_km))
        for pid, (distance, participant) in best.items()
    ]
    titles = (
        dict(db.session.execute(select(Project.id, Project.title).where(Project.id.in_(list(best)))).all())
        if best
        else {}
    )
    hits.sort(key=lambda hit: (-round(hit.rank, 6), hit.distance_km, titles.get(hit.project_id, "")))
    return PartnerResult(hits)


def _fits(population: int | None, low: int | None, high: int | None) -> bool:
    if low is None and high is None:
        return True
    if population is None:
        return False
    return (low is None or population >= low) and (high is None or population <= high)


def similar_places(
    origin: Place, scores: dict[int, float] | None, limit: int = 8, per_place: int = 3
) -> list[tuple[Place, float | None, list[tuple[str, str]]]]:
    """Places of the origin's kind and similar size (anywhere) that take part in a cooperation (on
    the topic, when ``scores`` is given): (place, distance km, [(slug, title)] of up to
    ``per_place`` profiles), most similar size first. Reads keys and ids only, then the few rows shown."""
    low, high = similar_range(origin.population)
    if low is None or origin.latitude is None:
        return []
    sizes = places_by_size()  # cached until the next write: no query over all participations
    found: dict[str, tuple[int, set[int]]] = {}
    for population, key, ids in sizes[bisect.bisect_left(sizes, (low,)) : bisect.bisect_right(sizes, (high + 1,))]:
        if len(key) != len(origin.key) or key == origin.key:  # key length is the kind
            continue
        wanted = ids if scores is None else {i for i in ids if i in scores}
        if wanted:
            found[key] = (population, wanted)
    ranked = sorted(found.items(), key=lambda item: (abs(math.log(item[1][0] / origin.population)), item[0]))[:limit]
    if not ranked:
        return []
    places = {
        p.key: p
        for p in db.session.scalars(select(Place).where(Place.key.in_([k for k, _ in ranked]), Place.active.is_(True)))
    }
    shown_ids = {key: sorted(ids, key=lambda i: (-(scores or {}).get(i, 0), i))[:per_place] for key, (_, ids) in ranked}
    titles = dict(
        (pid, (slug, title))
        for pid, slug, title in db.session.execute(
            select(Project.id, Project.slug, Project.title).where(
                Project.id.in_({i for ids in shown_ids.values() for i in ids})
            )
        )
    )
    result = []
    for key, _ in ranked:
        place = places.get(key)
        if place is None:
            continue
        distance = (
            round(distance_km(origin.latitude, origin.longitude, place.latitude, place.longitude), 1)
            if place.latitude is not None
            else None
        )
        result.append((place, distance, [titles[i] for i in shown_ids[key] if i in titles]))
    return result


def population_filter(scores: dict[int, float], low: int | None, high: int | None) -> list[int]:
    """Profiles (of ``scores``) with a participant of that size anywhere, best match first."""
    _, by_project = participant_index()
    kept = [pid for pid in scores if any(_fits(p.population, low, high) for p in by_project.get(pid, ()))]
    titles = (
        dict(db.session.execute(select(Project.id, Project.title).where(Project.id.in_(kept))).all()) if kept else {}
    )
    return sorted(kept, key=lambda pid: (-scores[pid], titles.get(pid, "")))
