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
import heapq
import math
from dataclasses import dataclass, field

from sqlalchemy import select

from ..extensions import db
from .geo import distance_km
from .models import Place
from .participants import Participant, participants

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
    """Rank the topic matches (``scores``: profile id → relevance) by the formula above.

    The topic narrows first: when the matching profiles have fewer points than the radius's
    latitude band, only theirs are looked at; else the band is scanned and a point of another
    profile is passed over before its distance is computed. Either way the nearest qualifying
    point of each profile is the same (of equal distances, the one first in the index)."""
    found = participants()
    index = found.index
    sized = population_min is not None or population_max is not None
    band = index.band(lat, radius_km)
    own = 0
    for pid in scores:
        own += len(found.positions.get(pid, ()))
        if own >= len(band):
            break
    if own < len(band):
        positions = [position for pid in scores for position in found.positions.get(pid, ())]
        keep = (lambda ref: _fits(ref[0].population, population_min, population_max)) if sized else None
    else:
        positions = band
        keep = (
            (lambda ref: ref[0].project_id in scores and _fits(ref[0].population, population_min, population_max))
            if sized
            else (lambda ref: ref[0].project_id in scores)
        )
    best: dict[int, tuple[float, Participant]] = {}
    for distance, position in index.within_positions(lat, lon, radius_km, positions, keep):
        participant = index.refs[position][0]
        if participant.project_id not in best:  # nearest first: the first one of a profile is its nearest
            best[participant.project_id] = (distance, participant)
    top = max((scores[pid] for pid in best), default=1.0) or 1.0
    hits = [
        Hit(pid, round(distance, 1), participant, scores[pid], scores[pid] / top * (1 - 0.5 * distance / radius_km))
        for pid, (distance, participant) in best.items()
    ]
    cards = found.cards
    hits.sort(key=lambda hit: (-round(hit.rank, 6), hit.distance_km, cards.get(hit.project_id, ("", ""))[1]))
    return PartnerResult(hits)


def _fits(population: int | None, low: int | None, high: int | None) -> bool:
    if low is None and high is None:
        return True
    if population is None:
        return False
    return (low is None or population >= low) and (high is None or population <= high)


def _outward(entries: list[tuple[int, str, frozenset]], population: int, low: int, high: int):
    """The entries with ``low <= population <= high`` in order of (|log(size / population)|,
    key): from the origin's size up and down at once, so the first few cost a few steps."""
    start = bisect.bisect_left(entries, (population,))
    first = bisect.bisect_left(entries, (low,))
    end = bisect.bisect_right(entries, (high + 1,))

    def side(steps):
        run: list = []
        for position in steps:
            entry = entries[position]
            weight = abs(math.log(entry[0] / population))
            if run and weight != run[0][0]:
                yield from sorted(run)  # equal weights in key order, whichever way the side runs
                run = []
            run.append((weight, entry[1], entry))
        yield from sorted(run)

    return heapq.merge(side(range(start, end)), side(range(start - 1, first - 1, -1)))


def similar_places(
    origin: Place, scores: dict[int, float] | None, limit: int = 8, per_place: int = 3
) -> list[tuple[Place, float | None, list[tuple[str, str]]]]:
    """Places of the origin's kind and similar size (anywhere) that take part in a cooperation (on
    the topic, when ``scores`` is given): (place, distance km, [(slug, title)] of up to
    ``per_place`` profiles), most similar size first (then by key). Walks outward from the
    origin's size through the cached places of its kind and stops at ``limit``; reads only the
    places shown."""
    low, high = similar_range(origin.population)
    if low is None or origin.latitude is None:
        return []
    found = participants()  # cached until the next write: no query over all participations
    ranked: list[tuple[str, set[int] | frozenset]] = []
    for _weight, key, (_population, _key, ids) in _outward(
        found.sizes.get(len(origin.key), []), origin.population, low, high
    ):
        if key == origin.key:
            continue
        wanted = ids if scores is None else scores.keys() & ids
        if wanted:
            ranked.append((key, wanted))
            if len(ranked) >= limit:
                break
    if not ranked:
        return []
    places = {
        p.key: p
        for p in db.session.scalars(select(Place).where(Place.key.in_([k for k, _ in ranked]), Place.active.is_(True)))
    }
    shown_ids = {key: sorted(ids, key=lambda i: (-(scores or {}).get(i, 0), i))[:per_place] for key, ids in ranked}
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
        result.append((place, distance, [found.cards[i] for i in shown_ids[key] if i in found.cards]))
    return result


def population_filter(scores: dict[int, float], low: int | None, high: int | None) -> list[int]:
    """Profiles (of ``scores``) with a participant of that size anywhere, best match first."""
    found = participants()
    kept = [pid for pid in scores if any(_fits(p.population, low, high) for p in found.by_project.get(pid, ()))]
    return sorted(kept, key=lambda pid: (-scores[pid], found.cards.get(pid, ("", ""))[1]))
