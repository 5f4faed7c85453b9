"""The partner search's shortcuts give the answers of the plain algorithms they replaced: the
nearest qualifying participant of each profile (topic first or radius first), the nearby list
that stops early, the similar-size places walked outward from the origin's size, the place
page's lists from one query, and the register's stamp in the response cache's key."""

from __future__ import annotations

import csv
import math
import random
import re

import pytest
from sqlalchemy import select

from catalogue import search
from catalogue.caching import cache
from catalogue.extensions import db
from catalogue.models import Organisation, Participation, Project
from catalogue.places.geo import Point, PointIndex, distance_km
from catalogue.places.loading import load_places, parse_register
from catalogue.places.models import Place, RegisterLoad
from catalogue.places.pages import nearby, place_sections, projects_of_places
from catalogue.places.participants import participant_index
from catalogue.places.partners import partner_search, similar_places, similar_range
from catalogue.places.register_file import read_register

from .conftest import SAMPLE

SOURCE = "Destatis GV-ISys (Ausgabe vor 2021)"
#: populations changed in the sample so that sizes tie: Sundern's own (27,725) for Brilon and
#: Hemer, Plettenberg's (25,237) for Marsberg and Schmallenberg
SAME_SIZE = {"05958012": "27 725", "05962016": "27 725", "05958024": "25 237", "05958040": "25 237"}
#: (lead, partner, topic): profiles over the Hochsauerlandkreis and the Märkischer Kreis
PROFILES = [
    ("05958012", "05958024", "Klärschlamm"),
    ("05962016", "05962052", "Klärschlamm"),
    ("05958024", "05958036", "Standesamt"),
    ("05958040", "05958044", "Klärschlamm"),
    ("05962052", "05962004", "Standesamt"),
    ("05958032", "05958004", "Klärschlamm"),
    ("05962036", "05962028", "Klärschlamm"),
    ("05958004", "05962024", "Standesamt"),
    ("05962040", "05962008", "Klärschlamm"),
    ("05958048", "05958020", "Standesamt"),
    ("05962060", "05962012", "Klärschlamm"),
    ("05958036", "05958008", "Klärschlamm"),
    ("05962032", "05962044", "Standesamt"),
    ("05958016", "05958028", "Klärschlamm"),
    ("05962020", "05962048", "Standesamt"),
    ("05962056", "05958044", "Klärschlamm"),
]


@pytest.fixture
def regional(make_project, tmp_path):
    """The sample register with tied sizes, and 16 profiles of two municipalities each."""
    rows = list(csv.reader(SAMPLE.read_text(encoding="utf-8").splitlines()))
    for row in rows[1:]:
        key = row[2] + row[3] + row[4] + row[6]
        if row[0] == "60" and key in SAME_SIZE:
            row[9] = SAME_SIZE[key]
    path = tmp_path / "gleich-gross.csv"
    with path.open("w", encoding="utf-8", newline="") as stream:
        csv.writer(stream).writerows(rows)
    load_places(parse_register(read_register(path), SOURCE))
    db.session.commit()
    names = {key: db.session.get(Place, key).name for pair in PROFILES for key in pair[:2]}
    for number, (lead, partner, topic) in enumerate(PROFILES, start=1):
        make_project(
            title=f"{topic} {names[lead]} und {names[partner]}",
            slug=f"profil-{number}",
            summary=f"{topic}: gemeinsam mit dem Nachbarn.",
            keywords=[topic],
            participants=[
                {"role": role, "organisation": {"name": f"Stadt {names[key]}", "kind": "municipality", "ags": key}}
                for role, key in (("lead", lead), ("partner", partner))
            ],
        )


# ---------------------------------------------------------------- the radius index


def _index_with_ties() -> PointIndex:
    """Participants of 60 profiles at 150 centres: many share a centre, so distances tie."""
    rng = random.Random(5)
    centres = [(rng.uniform(50.5, 52.0), rng.uniform(7.0, 9.0)) for _ in range(150)]
    return PointIndex([Point(*rng.choice(centres), (n, rng.randrange(60))) for n in range(1500)])


def test_equal_distances_keep_the_index_order():
    index = _index_with_ties()
    found = index.within(51.3, 8.0, 60)
    positions = [index.points.index(point) for _, point in found]
    assert [(d, p) for d, p in zip([d for d, _ in found], positions, strict=True)] == sorted(
        zip([d for d, _ in found], positions, strict=True)
    )
    assert len({d for d, _ in found}) < len(found)  # there are ties to keep in order


def test_positions_and_keep_give_what_filtering_the_full_scan_gives():
    index = _index_with_ties()
    rng = random.Random(9)
    for lat, lon, radius in ((51.3, 8.0, 10), (51.0, 7.5, 30), (51.8, 8.8, 100), (50.6, 7.1, 200)):
        chosen = set(rng.sample(range(60), 12))
        expected = [(d, p) for d, p in index.within(lat, lon, radius) if p.ref[1] in chosen]
        assert index.within(lat, lon, radius, keep=lambda ref, chosen=chosen: ref[1] in chosen) == expected
        mine = [position for position, ref in enumerate(index.refs) if ref[1] in chosen]
        rng.shuffle(mine)  # in any order: the answer is nearest first all the same
        assert [(d, index.points[p]) for d, p in index.within_positions(lat, lon, radius, mine)] == expected


def test_nearest_stops_early_with_the_answer_of_the_full_scan():
    index = _index_with_ties()
    for lat, lon, radius, limit in ((51.3, 8.0, 50, 10), (51.0, 7.5, 50, 3), (51.8, 8.8, 7, 10), (53.0, 10.0, 50, 10)):
        for excluded in (set(), {1, 2, 3, 4, 5}):
            expected, seen = [], set(excluded)
            for distance, point in index.within(lat, lon, radius):
                if point.ref[1] not in seen:
                    seen.add(point.ref[1])
                    expected.append((distance, point))
            expected = expected[:limit]
            seen = set(excluded)

            def first_of_its_profile(ref, seen=seen):
                if ref[1] in seen:
                    return False
                seen.add(ref[1])
                return True

            assert index.nearest(lat, lon, radius, first_of_its_profile, limit) == expected


# ---------------------------------------------------------------- partner search and nearby


def _reference_hits(lat, lon, radius, scores, low, high) -> dict:
    """The nearest qualifying participant of each profile: the full radius scan, nearest first."""
    index, _ = participant_index()
    best = {}
    for distance, point in index.within(lat, lon, radius):
        participant = point.ref[0]
        if participant.project_id not in scores or participant.project_id in best:
            continue
        if (low is not None or high is not None) and (
            participant.population is None
            or (low is not None and participant.population < low)
            or (high is not None and participant.population > high)
        ):
            continue
        best[participant.project_id] = (distance, participant)
    return best


def _reference_order(best: dict, scores: dict, radius: float) -> list[int]:
    """The documented order: rank (unrounded distance), then the rounded distance, then the title."""
    titles = dict(db.session.execute(select(Project.id, Project.title)).all())
    top = max((scores[pid] for pid in best), default=1.0)

    def rank(pid):
        return scores[pid] / top * (1 - 0.5 * best[pid][0] / radius)

    return sorted(best, key=lambda pid: (-round(rank(pid), 6), round(best[pid][0], 1), titles[pid]))


def test_partner_search_finds_the_nearest_qualifying_participant_either_way(regional):
    index, by_project = participant_index()
    everything = search.match_scores("", {"keywords": [], "states": [], "legal_forms": []})
    topic = search.match_scores("Klärschlamm", {"keywords": [], "states": [], "legal_forms": []})
    assert len(everything) == len(PROFILES) and 0 < len(topic) < len(everything)
    paths = set()
    for key in ("05958044", "05962004", "05958020", "05962024"):
        origin = db.session.get(Place, key)
        for radius in (10, 30, 50, 200):
            for scores in (everything, topic, {pid: 1.0 for pid in list(everything)[:2]}):
                for low, high in ((None, None), (15_000, 30_000), (None, 20_000)):
                    own = sum(len(by_project.get(pid, ())) for pid in scores)
                    paths.add("topic first" if own < len(index.band(origin.latitude, radius)) else "radius first")
                    hits = partner_search(origin.latitude, origin.longitude, radius, scores, low, high, key).hits
                    best = _reference_hits(origin.latitude, origin.longitude, radius, scores, low, high)
                    assert {hit.project_id: (hit.distance_km, hit.nearest) for hit in hits} == {
                        pid: (round(distance, 1), participant) for pid, (distance, participant) in best.items()
                    }
                    assert [hit.project_id for hit in hits] == _reference_order(best, scores, radius)
    assert paths == {"topic first", "radius first"}  # both ways were taken and agree


def test_partner_search_ranks_by_the_unrounded_distance_like_before(regional):
    origin = db.session.get(Place, "05958044")
    scores = search.match_scores("Klärschlamm", {"keywords": [], "states": [], "legal_forms": []})
    hits = partner_search(origin.latitude, origin.longitude, 50, scores).hits
    top = max(hit.relevance for hit in hits)
    for hit in hits:
        nearest = distance_km(origin.latitude, origin.longitude, hit.nearest.lat, hit.nearest.lon)
        assert hit.rank == hit.relevance / top * (1 - 0.5 * nearest / 50)


def test_nearby_lists_other_profiles_nearest_first(regional):
    index, _ = participant_index()
    for key in ("05958044", "05962004", "05958", "05962"):
        place = db.session.get(Place, key)
        own = set(projects_of_places([key]))
        for limit in (3, 10):
            expected, seen = [], set(own)
            for distance, point in index.within(place.latitude, place.longitude, 50):
                if point.ref[0].project_id not in seen:
                    seen.add(point.ref[0].project_id)
                    expected.append((round(distance, 1), point.ref[0]))
            assert nearby(place, own, limit=limit) == expected[:limit]
            assert [d for d, _ in expected] == sorted(d for d, _ in expected)


# ---------------------------------------------------------------- similar places


def _reference_similar(origin: Place, scores: dict | None, limit: int = 8, per_place: int = 3) -> list:
    """All places of the origin's kind in the size range, sorted by (|log(size ratio)|, key)."""
    low, high = similar_range(origin.population)
    rows = db.session.execute(
        select(Organisation.place_key, Place.population, Participation.project_id)
        .join(Participation, Participation.organisation_id == Organisation.id)
        .join(Project, Project.id == Participation.project_id)
        .join(Place, Place.key == Organisation.place_key)
        .where(Project.status == "published")
    ).all()
    sizes: dict[str, tuple[int, set]] = {}
    for key, population, pid in rows:
        if population:
            sizes.setdefault(key, (population, set()))[1].add(pid)
    found = {}
    for key, (population, ids) in sizes.items():
        if low <= population <= high and len(key) == len(origin.key) and key != origin.key:
            wanted = ids if scores is None else {i for i in ids if i in scores}
            if wanted:
                found[key] = wanted
    ranked = sorted(found, key=lambda key: (abs(math.log(sizes[key][0] / origin.population)), key))[:limit]
    result = []
    for key in ranked:
        place = db.session.get(Place, key)
        if not place.active:
            continue
        shown = sorted(found[key], key=lambda i: (-(scores or {}).get(i, 0), i))[:per_place]
        cards = [
            tuple(db.session.execute(select(Project.slug, Project.title).where(Project.id == i)).one()) for i in shown
        ]
        distance = round(distance_km(origin.latitude, origin.longitude, place.latitude, place.longitude), 1)
        result.append((key, distance, cards))
    return result


def test_similar_places_are_the_most_similar_in_size_then_by_key(regional):
    topic = search.match_scores("Klärschlamm", {"keywords": [], "states": [], "legal_forms": []})
    for key in ("05958044", "05962052", "05958012", "05962004", "05958"):
        origin = db.session.get(Place, key)
        for scores in (None, topic):
            for limit in (1, 3, 8, 50):
                found = [
                    (place.key, distance, cards) for place, distance, cards in similar_places(origin, scores, limit)
                ]
                assert found == _reference_similar(origin, scores, limit), (key, limit)
    # the ties: Brilon and Hemer have Sundern's size, so they come first, by key; Marsberg and
    # Schmallenberg share Plettenberg's
    sundern = [place.key for place, _, _ in similar_places(db.session.get(Place, "05958044"), None)]
    assert sundern[:2] == ["05958012", "05962016"]
    assert sundern.index("05958024") < sundern.index("05958040") < sundern.index("05962052")


# ---------------------------------------------------------------- the place page's lists


def test_place_page_lists_come_from_one_query_with_the_same_answers(regional, make_project):
    make_project(
        title="Abwasser im Hochsauerland",
        slug="kreis-abwasser",
        keywords=["Abwasser"],
        participants=[
            {"role": "lead", "organisation": {"name": "Hochsauerlandkreis", "kind": "district", "place_key": "05958"}},
            {"role": "partner", "organisation": {"name": "Stadt Sundern (Sauerland)", "kind": "municipality"}},
        ],
    )
    make_project(
        title="Kreisstraßen im Hochsauerland",
        slug="kreis-strassen",
        keywords=["Straßen"],
        participants=[{"role": "lead", "organisation": {"name": "Hochsauerlandkreis", "kind": "district"}}],
    )
    sundern, district = db.session.get(Place, "05958044"), db.session.get(Place, "05958")
    sections = place_sections(sundern, None, district)
    own = projects_of_places(["05958044"])
    of_district = [i for i in projects_of_places(["05958"]) if i not in own]
    assert [p.id for p in sections["own"]] == own and own
    assert [p.id for p in sections["of_district"]] == of_district and of_district  # not those listed as its own
    assert set(projects_of_places(["05958"])) - set(of_district) <= set(own)
    assert sections["of_association"] == []
    shown = set(own + of_district)
    assert [(d, p, project.id) for d, p, project in sections["nearby"]] == [
        (d, p, p.project_id) for d, p in nearby(sundern, shown)
    ]
    assert not shown & {project.id for _, _, project in sections["nearby"]}


# ---------------------------------------------------------------- the register's stamp


def _text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


@pytest.fixture
def response_cache(app, monkeypatch):
    monkeypatch.setitem(app.config, "RESPONSE_CACHE", True)
    cache.clear()
    yield
    cache.clear()


def test_a_newly_loaded_register_is_never_served_stale_from_the_response_cache(
    client, seeded, sample_register, response_cache, runner, tmp_path
):
    # Nachrodt-Wiblingwerde: the seed gives no figure of its own, so its facts are the register's
    url = "/api/v1/places/05962044"
    profile = "/organisationen/gemeinde-nachrodt-wiblingwerde"
    first = client.get(url)
    assert first.get_json()["population"] == 6546
    assert client.get(url).data == first.data  # from the cache now
    assert "Einwohner 6.546 (Destatis" in _text(client.get(profile))
    stamps = db.session.scalar(select(db.func.count()).select_from(RegisterLoad))
    rows = list(csv.reader(SAMPLE.read_text(encoding="utf-8").splitlines()))
    for row in rows:
        if row[0] == "60" and row[7].startswith("Nachrodt"):
            row[9] = "6 500"
    path = tmp_path / "neuer-auszug.csv"
    with path.open("w", encoding="utf-8", newline="") as stream:
        csv.writer(stream).writerows(rows)
    load = ["places", "load", str(path), "--population-source", SOURCE]
    result = runner.invoke(args=load)
    assert result.exit_code == 0 and "Nachrodt-Wiblingwerde (05962044)" in result.output, result.output
    assert client.get(url).get_json()["population"] == 6500
    page = _text(client.get(profile))
    assert "Einwohner 6.500 (Destatis" in page and "6.546" not in page
    assert db.session.scalar(select(db.func.count()).select_from(RegisterLoad)) == stamps + 1
    # a load that changes nothing leaves the stamp (and so every cached answer) alone
    again = runner.invoke(args=load)
    assert again.exit_code == 0 and "0 neu, 0 geändert, 0 nicht mehr enthalten" in again.output
    assert db.session.scalar(select(db.func.count()).select_from(RegisterLoad)) == stamps + 1
