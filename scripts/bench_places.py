"""Benchmark: partner search and place pages against a plain keyword search, at 10,000 profiles.

    .venv/bin/python scripts/bench_places.py [--profiles 10000] [--queries 100] [--folder DIR] [--profile]

Builds a throw-away catalogue (SQLite and Whoosh index in a temporary folder; never the real
database): the shipped register of places, one organisation for each of 6,000 randomly drawn
municipalities, and N synthetic profiles with two to four participants each, clustered
regionally (partners drawn near the lead) and spread over the whole register, their topics from a
fixed list. Then it times, query by query in turn so that both see the same moments of a shared
machine, through the Flask test client (whole pages, templates and maps included):

- keyword search: GET /suche?q=<topic>                (the baseline: as served, with its results map)
- the same search without its results map (the map switched off in-process: the plain search)
- the same search with its map drawn afresh every time (the map's memo bypassed: its cold cost)
- partner search: GET /partnersuche?schluessel=<AGS>&thema=<topic>&umkreis=<10..100>
- place page:     GET /kommunen/<AGS>-<slug>

and prints p50/p95 per kind with the ratio to the keyword search (and of the search with its
map to the one without), and the size of /karte.

The response cache is off (``RESPONSE_CACHE = False``): /suche and the API are cached while the
place pages are not, and a cached keyword search measures a cache hit, not a search. The queries
come from their own random stream, so ``--folder`` can keep the built catalogue and later runs
reuse it (same URLs) instead of building it again.
"""

from __future__ import annotations

import argparse
import logging
import random
import sys
import tempfile
import time
import warnings
from contextlib import contextmanager
from pathlib import Path

warnings.filterwarnings("ignore", category=SyntaxWarning)
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

TOPICS = [
    "Klärschlamm",
    "Standesamt",
    "Bauhof",
    "Feuerwehr",
    "Digitalisierung",
    "Tourismus",
    "Klimaschutz",
    "Wirtschaftsförderung",
    "Abwasser",
    "Breitband",
    "Jugendarbeit",
    "Schule",
    "Kläranlage",
    "Bibliothek",
    "Musikschule",
    "Personal",
    "Vergabe",
    "Gewerbegebiet",
    "Radverkehr",
    "Wasserversorgung",
]
WORDS = [
    "gemeinsam",
    "Verwaltung",
    "Kooperation",
    "Service",
    "Bürger",
    "Kosten",
    "Aufgabe",
    "Vereinbarung",
    "Zweckverband",
    "Nachbarn",
    "Region",
    "Personal",
    "Qualität",
    "Projekt",
    "Konzept",
    "Betrieb",
    "Planung",
]


def build(app, profiles: int, rng: random.Random) -> list:
    """Register, organisations and profiles; returns the municipalities (key, slug) for queries."""
    from sqlalchemy import select

    from catalogue import search
    from catalogue.extensions import db
    from catalogue.migrating import upgrade
    from catalogue.models import Change, Keyword, Organisation, Participation, Project
    from catalogue.places.geo import Point, PointIndex
    from catalogue.places.models import Place

    with app.app_context():
        upgrade()
        runner = app.test_cli_runner()
        result = runner.invoke(args=["places", "load"])
        assert result.exit_code == 0, result.output
        municipalities = db.session.execute(
            select(Place.key, Place.slug, Place.name, Place.state_key, Place.latitude, Place.longitude).where(
                Place.kind == "municipality", Place.latitude.is_not(None)
            )
        ).all()
        chosen = rng.sample(municipalities, 6000)
        organisations = []
        for key, slug, name, _state, _lat, _lon in chosen:
            organisations.append(
                Organisation(
                    name=name,
                    name_key=name.casefold(),
                    slug=f"{slug}-{key}",
                    kind="municipality",
                    ags=key,
                    place_key=key,
                )
            )
        db.session.add_all(organisations)
        keywords = {topic: Keyword(name=topic, key=topic.casefold(), slug=topic.casefold()) for topic in TOPICS}
        db.session.add_all(keywords.values())
        db.session.flush()
        near = PointIndex([Point(row[4], row[5], (n,)) for n, row in enumerate(chosen)])
        for number in range(1, profiles + 1):
            lead = rng.randrange(len(chosen))
            around = [p.ref[0] for _, p in near.within(chosen[lead][4], chosen[lead][5], 40) if p.ref[0] != lead]
            partners = rng.sample(around, min(len(around), rng.randint(1, 3)))
            topic = rng.choice(TOPICS)
            names = [chosen[i][2] for i in [lead] + partners]
            text = " ".join(rng.choices(WORDS, k=40))
            project = Project(
                slug=f"profil-{number}",
                title=f"{topic}: {' und '.join(names[:2])}",
                summary=f"{topic} {text[:160]}",
                goal=text,
                implementation=" ".join(rng.choices(WORDS, k=60)),
                status="published",
                keywords=[keywords[topic]],
            )
            project.participations = [
                Participation(organisation=organisations[i], role="lead" if n == 0 else "partner", position=n)
                for n, i in enumerate([lead] + partners)
            ]
            db.session.add(project)
            if number % 1000 == 0:
                db.session.flush()
                print(f"  {number} Profile angelegt", flush=True)
        db.session.flush()
        for project_id in db.session.scalars(select(Project.id)):
            db.session.add(Change(project_id=project_id, action="create"))
        db.session.commit()
        started = time.perf_counter()
        search.rebuild()
        print(f"  Suchindex: {time.perf_counter() - started:.0f} s", flush=True)
        return [(row[0], row[1]) for row in chosen]


@contextmanager
def variant(kind: str):
    """/suche as the kind measures it: "plain" without its results map, "drawn" with the map
    drawn afresh every time (its memo per catalogue version bypassed); else as served."""
    from catalogue.public import search_views

    saved = search_views._results_map, getattr(search_views, "per_version", None)
    if kind == "plain":
        search_views._results_map = lambda projects: None
    elif kind == "drawn" and saved[1] is not None:  # (code before the memo: always drawn)
        search_views.per_version = lambda name, compute: compute()
    try:
        yield
    finally:
        search_views._results_map = saved[0]
        if saved[1] is not None:
            search_views.per_version = saved[1]


def percentile(values: list[float], share: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(share * (len(values) - 1))))]


def main() -> None:
    """Build, time, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profiles", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=100, help="URLs of each kind (at least 100 for a stable p95)")
    parser.add_argument("--folder", type=Path, help="keep the built catalogue here and reuse it when it is there")
    parser.add_argument("--profile", action="store_true", help="cProfile of the partner searches and place pages")
    args = parser.parse_args()
    from catalogue import create_app

    with tempfile.TemporaryDirectory() as temporary:
        folder = args.folder or Path(temporary)
        folder.mkdir(parents=True, exist_ok=True)
        built = folder / f"built-{args.profiles}"
        if not built.exists() and (folder / "bench.sqlite3").exists():
            sys.exit(f"{folder} holds another catalogue (not one of {args.profiles} profiles): use an empty folder")
        config = {
            "DATABASE_URL": f"sqlite:///{folder}/bench.sqlite3",
            "INDEX_DIR": f"{folder}/index",
            "RATELIMIT_ENABLED": False,
            # like with like: the keyword search (blueprint "public") would otherwise be answered
            # from the response cache, the partner search and place pages (blueprint "places") never
            "RESPONSE_CACHE": False,
        }
        app = create_app(config)
        logging.getLogger("catalogue.request").setLevel(logging.WARNING)  # a log line per request is noise here
        print(f"Antwort-Cache: {'an' if app.config['RESPONSE_CACHE'] else 'aus'} (RESPONSE_CACHE)", flush=True)
        if built.exists():
            print(f"Katalog aus {folder} ({args.profiles} Profile)", flush=True)
            from catalogue.migrating import upgrade

            with app.app_context():
                upgrade()  # a catalogue kept from an older version of the code
            places = [tuple(line.split(" ", 1)) for line in built.read_text().splitlines()]
        else:
            print(f"Aufbau: {args.profiles} Profile über das ganze Gemeindeverzeichnis …", flush=True)
            places = build(app, args.profiles, random.Random(11))
            if args.folder:
                built.write_text("".join(f"{key} {slug}\n" for key, slug in places))
        rng = random.Random(12)
        client = app.test_client()
        timings: dict[str, list[float]] = {"keyword": [], "plain": [], "drawn": [], "partner": [], "place": []}
        urls = []
        for _ in range(args.queries):
            key, slug = rng.choice(places)
            topic = rng.choice(TOPICS)
            urls.append(
                {
                    "keyword": f"/suche?q={topic}",
                    "plain": f"/suche?q={topic}",
                    "drawn": f"/suche?q={topic}",
                    "partner": f"/partnersuche?schluessel={key}&thema={topic}&umkreis={rng.choice([10, 30, 50, 100])}",
                    "place": f"/kommunen/{key}-{slug}",
                }
            )
        for kind in timings:  # warm caches (participant index, outlines, searcher) once for each kind
            with variant(kind):
                assert client.get(urls[0][kind]).status_code == 200, urls[0][kind]
        for entry in urls:
            for kind, url in entry.items():
                with variant(kind):
                    started = time.perf_counter()
                    response = client.get(url)
                    timings[kind].append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200, (url, response.status_code)
                if kind != "plain":
                    continue
                assert 'id="karte-suche"' not in response.get_data(as_text=True), "the plain search drew a map"
        if args.profile:
            import cProfile
            import pstats

            for kind in ("drawn", "partner", "place"):
                profiler = cProfile.Profile()
                with variant(kind):
                    profiler.enable()
                    for entry in urls[:50]:
                        client.get(entry[kind])
                    profiler.disable()
                print(f"\n--- cProfile: {kind}")
                pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
        started = time.perf_counter()
        overview = client.get("/karte")
        overview_ms = (time.perf_counter() - started) * 1000
        base50, base95 = percentile(timings["keyword"], 0.5), percentile(timings["keyword"], 0.95)
        print()
        print(
            f"| {args.profiles:,} profiles, {args.queries} queries each, response cache off "
            "| p50 ms | p95 ms | p50 ratio | p95 ratio |"
        )
        print("|---|---|---|---|---|")
        labels = {
            "keyword": "keyword search /suche (baseline, with its results map)",
            "plain": "/suche without its results map",
            "drawn": "/suche, results map drawn afresh each time",
            "partner": "partner search /partnersuche",
            "place": "place page /kommunen/…",
        }
        for kind, values in timings.items():
            p50, p95 = percentile(values, 0.5), percentile(values, 0.95)
            print(f"| {labels[kind]} | {p50:.1f} | {p95:.1f} | {p50 / base50:.2f}× | {p95 / base95:.2f}× |")
        plain50, plain95 = percentile(timings["plain"], 0.5), percentile(timings["plain"], 0.95)
        print()
        print(f"/suche with its map against without: p50 {base50 / plain50:.2f}×, p95 {base95 / plain95:.2f}×", end="")
        drawn50, drawn95 = percentile(timings["drawn"], 0.5), percentile(timings["drawn"], 0.95)
        print(f"; the map drawn afresh each time: p50 {drawn50 / plain50:.2f}×, p95 {drawn95 / plain95:.2f}×")
        print()
        print(
            f"/karte: {len(overview.data) / 1024:.0f} KiB HTML (SVG, GeoJSON and text list of "
            f"{overview.get_data(as_text=True).count('place-map__marker--district')} districts), {overview_ms:.0f} ms"
        )


if __name__ == "__main__":
    main()
