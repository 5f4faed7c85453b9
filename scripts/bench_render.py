"""Benchmark: server time of the public pages at N profiles, uncached, against a Flask hello world.

    .venv/bin/python scripts/bench_render.py [--profiles 10000] [--requests 200] [--folder DIR] [--profile]

Builds a throw-away catalogue (SQLite and search index in a temporary folder; never the real
database) with N synthetic published profiles: two to five participating organisations each
(drawn from N/2 synthetic organisations over every state, 40 districts and four kinds), one to
four of 40 keywords, a legal form, a start year, a contact and a link. Rows are added through the
ORM in batches (not through the services: 10,000 take about half a minute that way, the index
build after it longer); ``--folder`` keeps the catalogue so that a later run reuses it.

With the response cache off (``RESPONSE_CACHE = False``) it times, in-process with the Flask test
client and in turn so that every page sees the same moments of a shared machine:

- ``/``, ``/projekte``, ``/projekte?seite=<middle>``, a profile page (a different one each time)
- a Flask hello world's ``/`` through its own test client (the baseline)

and prints p50/p95 per page and its ratio to the hello world, in wall-clock time and in the
process's CPU time (on a shared machine a request's wall time is mostly waiting for a core;
its CPU time is what the page itself costs). ``--profile`` prints a cProfile of each page kind.
"""

from __future__ import annotations

import argparse
import logging
import random
import sys
import tempfile
import time
import warnings
from pathlib import Path

warnings.filterwarnings("ignore", category=SyntaxWarning)
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

STATES = ["DE-BW", "DE-BY", "DE-BE", "DE-BB", "DE-HB", "DE-HH", "DE-HE", "DE-MV"]
STATES += ["DE-NI", "DE-NW", "DE-RP", "DE-SL", "DE-SN", "DE-ST", "DE-SH", "DE-TH"]
KINDS = ["municipality", "district", "association", "other"]
LEGAL_FORMS = ["Zweckverband", "Öffentlich-rechtliche Vereinbarung", "Arbeitsgemeinschaft", "GmbH", "Anstalt"]
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
]
WORDS = "gemeinsam Verwaltung Kooperation Service Bürger Kosten Aufgabe Vereinbarung Zweckverband Nachbarn".split()
WORDS += "Region Personal Qualität Projekt Konzept Betrieb Planung Gemeinde Landkreis Zusammenarbeit".split()


def texts(rng: random.Random):
    """A function k -> k words, Zipf-distributed over bench_search.py's vocabulary (German words
    from wngerman, else generated ones), so that a profile's key terms are rarer than its common
    words, as in real texts (with a few dozen words, every term is in every profile and
    "Ähnliche Projekte" scores the whole catalogue)."""
    from bench_search import vocabulary

    words = WORDS + vocabulary(rng)
    weights = [1 / (rank + 1) for rank in range(len(words))]
    return lambda k: " ".join(rng.choices(words, weights, k=k))


def build(app, profiles: int, rng: random.Random) -> None:
    """Legal forms, keywords, organisations and profiles, then the search index."""
    from sqlalchemy import select

    from catalogue import search
    from catalogue.extensions import db
    from catalogue.migrating import upgrade
    from catalogue.models import Change, Contact, Keyword, LegalForm, Link, Organisation, Participation, Project

    with app.app_context():
        upgrade()
        forms = [LegalForm(name=name) for name in LEGAL_FORMS]
        names = [f"{topic} {suffix}" for topic in TOPICS for suffix in ("", "Nord", "Süd", "Netz")]
        keywords = [
            Keyword(name=name.strip(), key=name.strip().casefold(), slug=f"stichwort-{n}")
            for n, name in enumerate(names)
        ]
        organisations = []
        for n in range(max(10, profiles // 2)):
            name = f"Gemeinde {rng.choice(WORDS)}stadt {n}"
            organisations.append(
                Organisation(
                    name=name,
                    name_key=name.casefold(),
                    slug=f"gemeinde-{n}",
                    kind=rng.choice(KINDS),
                    state=rng.choice(STATES),
                    district=f"Kreis {n % 40}",
                    website=f"https://gemeinde-{n}.example",
                )
            )
        db.session.add_all(forms + keywords + organisations)
        db.session.flush()
        words = texts(rng)
        for number in range(1, profiles + 1):
            topic = rng.choice(TOPICS)
            members = rng.sample(organisations, rng.randint(2, 5))
            text = words(60)
            project = Project(
                slug=f"profil-{number}",
                title=f"{topic} {words(2)} {number}",
                summary=f"{topic}: {text[:200]}",
                goal=text,
                implementation=words(80),
                financing=words(20),
                legal_form=rng.choice(forms),
                since_year=rng.choice([None, *range(1990, 2026)]),
                status="published",
                keywords=rng.sample(keywords, rng.randint(1, 4)),
            )
            project.participations = [
                Participation(organisation=org, role="lead" if n == 0 else "partner", position=n)
                for n, org in enumerate(members)
            ]
            project.contacts = [
                Contact(role="Erika Muster, Projektleitung", organisation=members[0].name, email="info@example.org")
            ]
            project.links = [Link(title="Satzung", url=f"https://example.org/{number}")]
            db.session.add(project)
            if number % 1000 == 0:
                db.session.flush()
                print(f"  {number} Profile angelegt", flush=True)
        db.session.flush()
        db.session.add_all(Change(project_id=pid, action="create") for pid in db.session.scalars(select(Project.id)))
        db.session.commit()
        started = time.perf_counter()
        search.rebuild()
        print(f"  Suchindex: {time.perf_counter() - started:.0f} s", flush=True)


def percentile(values: list[float], share: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(share * (len(values) - 1))))]


def hello_client():
    from flask import Flask

    hello = Flask("hello")

    @hello.get("/")
    def index():
        return "Hallo Welt"

    return hello.test_client()


def main() -> None:
    """Build (or reuse), time, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profiles", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=200, help="requests of each page (≥ 100 for a stable p95)")
    parser.add_argument("--folder", type=Path, help="keep the built catalogue here and reuse it when it is there")
    parser.add_argument("--profile", action="store_true", help="print a cProfile of each page")
    args = parser.parse_args()
    from catalogue import create_app

    with tempfile.TemporaryDirectory() as temporary:
        folder = args.folder or Path(temporary)
        folder.mkdir(parents=True, exist_ok=True)
        built = folder / f"built-{args.profiles}"
        if not built.exists() and (folder / "bench.sqlite3").exists():
            sys.exit(f"{folder} holds another catalogue (not one of {args.profiles} profiles): use an empty folder")
        app = create_app(
            {
                "DATABASE_URL": f"sqlite:///{folder}/bench.sqlite3",
                "INDEX_DIR": f"{folder}/index",
                "RATELIMIT_ENABLED": False,
                "RESPONSE_CACHE": False,
            }
        )
        logging.getLogger("catalogue.request").setLevel(logging.WARNING)
        if built.exists():
            from catalogue.migrating import upgrade

            with app.app_context():
                upgrade()
        else:
            print(f"Aufbau: {args.profiles} Profile …", flush=True)
            started = time.perf_counter()
            build(app, args.profiles, random.Random(15))
            print(f"  gebaut in {time.perf_counter() - started:.0f} s", flush=True)
            built.write_text(str(args.profiles))
        rng = random.Random(16)
        client, hello = app.test_client(), hello_client()
        middle = max(1, args.profiles // app.config["PAGE_SIZE"] // 2)
        pages = {
            "hello": lambda: "/",
            "/": lambda: "/",
            "/projekte": lambda: "/projekte",
            f"/projekte?seite={middle}": lambda: f"/projekte?seite={middle}",
            "/projekte/<slug>": lambda: f"/projekte/profil-{rng.randint(1, args.profiles)}",
        }

        def get(kind: str):
            url = pages[kind]()
            response = (hello if kind == "hello" else client).get(url, headers={"Accept-Language": "de"})
            assert response.status_code == 200, (url, response.status_code)

        for kind in pages:  # warm: per-version aggregates, searcher, templates
            for _ in range(3):
                get(kind)
        timings: dict[str, list[float]] = {kind: [] for kind in pages}
        cpu: dict[str, list[float]] = {kind: [] for kind in pages}
        for _ in range(args.requests):
            for kind in pages:
                started, started_cpu = time.perf_counter(), time.process_time()
                get(kind)
                timings[kind].append((time.perf_counter() - started) * 1000)
                cpu[kind].append((time.process_time() - started_cpu) * 1000)
        if args.profile:
            import cProfile
            import pstats

            for kind in pages:
                if kind == "hello":
                    continue
                profiler = cProfile.Profile()
                profiler.enable()
                for _ in range(50):
                    get(kind)
                profiler.disable()
                print(f"\n--- cProfile: {kind} (50 requests)")
                pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
        base50, base95 = percentile(timings["hello"], 0.5), percentile(timings["hello"], 0.95)
        cpu50 = percentile(cpu["hello"], 0.5)
        print()
        print(
            f"| {args.profiles:,} profiles, {args.requests} requests each, response cache off "
            "| p50 ms | p95 ms | p50 × hello | p95 × hello | CPU p50 ms | CPU p95 ms | CPU p50 × hello |"
        )
        print("|---|---|---|---|---|---|---|---|")
        for kind, values in timings.items():
            p50, p95 = percentile(values, 0.5), percentile(values, 0.95)
            c50, c95 = percentile(cpu[kind], 0.5), percentile(cpu[kind], 0.95)
            label = "hello world (baseline)" if kind == "hello" else f"`{kind}`"
            print(
                f"| {label} | {p50:.2f} | {p95:.2f} | {p50 / base50:.0f}× | {p95 / base95:.0f}× "
                f"| {c50:.2f} | {c95:.2f} | {c50 / cpu50:.0f}× |"
            )


if __name__ == "__main__":
    main()
