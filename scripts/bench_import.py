"""Benchmark: `flask import` of N synthetic profiles (JSON) on SQLite and PostgreSQL, and the index build.

    .venv/bin/python scripts/bench_import.py [--profiles 10000] [--postgres URL] [--profile]

For each database: a throw-away catalogue (a temporary SQLite file, or the PostgreSQL database
given by ``--postgres``, whose tables are dropped first: never give it a database you need),
migrated and seeded (19 profiles) by the real commands, then ``flask import FILE`` in its own
process, timed from start to end (so the catch-up that makes the profiles searchable, which
the command waits for, is in it). Afterwards it checks that every imported profile is in the
index and that a search finds them.

The file holds N profiles made from ``bench_search.py``'s synthetic corpus (German words from
wngerman, Zipf-distributed, with compounds), in the project representation: two to four
participating towns each (out of 800, so organisations repeat as in a real catalogue), two
keywords, a legal form, a start year, texts of about 300 words.

Baselines measured in the same run, because the machine is shared and noisy:
- reading and validating the same file (``read_file`` + ``validate_record`` per record, the
  import's own first steps, without writing anything);
- SQLite FTS5 over the same records (as in ``bench_search.py``), and the Whoosh index build of
  the same records (``w3.BulkWriter`` as ``flask reindex`` uses it).
``--profile`` prints a cProfile of an in-process import of the file on SQLite.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import random
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

warnings.filterwarnings("ignore", category=SyntaxWarning)
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from bench_search import build_fts, corpus  # noqa: E402

FLASK = [sys.executable, "-m", "flask", "--app", "catalogue"]


def project(record: dict, rng: random.Random) -> dict:
    """One record of bench_search's corpus in the project representation."""
    towns = [name.removeprefix("Stadt ") for name in record["organisations"]]
    district = record["districts"][0]
    participants = [
        {
            "role": "lead" if number == 0 else "partner",
            "organisation": {"name": f"Stadt {town}", "kind": "municipality", "state": record["states"][0]}
            | ({"district": district} if number == len(towns) - 1 else {}),
        }
        for number, town in enumerate(towns)
    ]
    words = record["body"].split()
    third = len(words) // 3
    return {
        "slug": f"import-{record['id']}",
        "title": record["title"][:200],
        "summary": record["summary"][:600],
        "keywords": record["keywords"],
        "participants": participants,
        "occasion": " ".join(words[:third]),
        "goal": " ".join(words[third : 2 * third]),
        "implementation": " ".join(words[2 * third :]),
        "financing": "",
        "legal_form": record["legal_form"],
        "since_year": record["since_year"],
        "source_note": "Synthetisch (scripts/bench_import.py)",
        "contacts": [{"organisation": participants[0]["organisation"]["name"], "email": "info@example.org"}]
        if rng.random() < 0.5
        else [],
        "links": [{"title": "Projektseite", "url": f"https://example.org/{record['id']}"}],
    }


def write_file(path: Path, profiles: int) -> list[dict]:
    """The import file; returns the corpus records it was made from."""
    records = list(corpus(profiles, seed=11))
    rng = random.Random(11)
    path.write_text(json.dumps({"projects": [project(r, rng) for r in records]}, ensure_ascii=False), "utf-8")
    return records


def environment(database_url: str, index_dir: Path) -> dict:
    return os.environ | {
        "CATALOGUE_DATABASE_URL": database_url,
        "CATALOGUE_INDEX_DIR": str(index_dir),
        "PYTHONWARNINGS": "ignore::SyntaxWarning",
    }


def flask(env: dict, *args: str) -> float:
    """Run a flask command; its wall-clock seconds. Fails loudly."""
    started = time.perf_counter()
    done = subprocess.run(FLASK + list(args), env=env, cwd=ROOT, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode:
        sys.exit(f"flask {' '.join(args)} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return seconds


def drop_tables(database_url: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def check_searchable(env: dict, profiles: int) -> str:
    """After the command: the index's cursor is the database's, and the profiles are found."""
    probe = (
        "import sys\n"
        "from catalogue import create_app, search\n"
        "from catalogue.search.searching import run_search\n"
        "app = create_app()\n"
        "with app.app_context():\n"
        "    store = app.extensions['catalogue_search']\n"
        "    lag = search.index_lag()\n"
        "    found = run_search(store, 'Synthetisch', {}, 'relevanz', 1, 20)\n"
        "    print(lag.changes, store.snapshot(store.searcher()).doc_count)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        env=env | {"CATALOGUE_SEARCH_BACKGROUND_CATCHUP": "0"},
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    return done.stdout.strip() or done.stderr[-500:]


def bench_database(label: str, database_url: str, file: Path, profiles: int, folder: Path) -> dict:
    index_dir = folder / f"index-{label}"
    env = environment(database_url, index_dir)
    flask(env, "db", "upgrade")
    flask(env, "seed")
    seconds = flask(env, "import", str(file))
    return {
        "label": label,
        "seconds": seconds,
        "rate": profiles / seconds,
        "searchable": check_searchable(env, profiles),
    }


def baseline_validation(file: Path, database_url: str, folder: Path) -> float:
    """Seconds to read the file and validate every record (the import's first steps), on a
    migrated and seeded catalogue of its own (the legal forms are checked against it)."""
    env = environment(database_url, folder / "index-validate")
    flask(env, "db", "upgrade")
    flask(env, "seed")
    code = (
        "import sys, time\n"
        "from catalogue import create_app\n"
        "from catalogue.importing import read_file, validate_record\n"
        "app = create_app()\n"
        "with app.app_context():\n"
        "    started = time.perf_counter()\n"
        f"    records = read_file({str(file)!r})\n"
        "    bad = sum(1 for record in records if validate_record(record)[1])\n"
        "    print(time.perf_counter() - started, bad)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True)
    if done.returncode:
        sys.exit(done.stderr[-3000:])
    seconds, bad = done.stdout.split()
    if int(bad):
        sys.exit(f"{bad} synthetic records do not validate")
    return float(seconds)


def baseline_builds(records: list[dict], folder: Path, whoosh_writer: bool) -> dict[str, float]:
    """Seconds of the FTS5 build and of the Whoosh build (BulkWriter, and Whoosh's own writer
    if asked) over the same records, each in a fresh process (no memo of an earlier build)."""
    seconds = {}
    started = time.perf_counter()
    connection, _ = build_fts(records, folder / "fts.sqlite3")
    connection.close()
    seconds["SQLite FTS5"] = time.perf_counter() - started
    kinds = [("Whoosh, w3.BulkWriter (flask reindex)", "bulk")]
    kinds += [("Whoosh, Whoosh's own writer (before)", "whoosh")] if whoosh_writer else []
    for label, kind in kinds:
        code = (
            "import sys, time, warnings\n"
            "warnings.filterwarnings('ignore')\n"
            f"sys.path[:0] = [{str(ROOT)!r}, {str(ROOT / 'scripts')!r}]\n"
            "from pathlib import Path\n"
            "from bench_search import corpus\n"
            "from catalogue.search.schema import INDEX_VERSION, write_document\n"
            "from catalogue.search.store import IndexStore\n"
            "from catalogue.search.w3 import BulkWriter\n"
            f"records = list(corpus({len(records)}, seed=11))\n"
            "started = time.perf_counter()\n"
            f"store = IndexStore(Path({str(folder / kind)!r}))\n"
            "name, ix = store.new_generation()\n"
            f"writer = BulkWriter(ix) if {kind == 'bulk'} else ix.writer(limitmb=256)\n"
            "for record in records:\n"
            "    write_document(writer, record, update=False)\n"
            "writer.add_document(id='meta', meta={'seq': 0, 'fingerprint': '', 'version': INDEX_VERSION})\n"
            "writer.commit()\n"
            "print(time.perf_counter() - started)\n"
        )
        done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
        if done.returncode:
            sys.exit(done.stderr[-3000:])
        seconds[label] = float(done.stdout.split()[-1])
    return seconds


def profile_import(file: Path, folder: Path) -> None:
    from catalogue import create_app

    app = create_app(
        {"DATABASE_URL": f"sqlite:///{folder}/profile.sqlite3", "INDEX_DIR": str(folder / "index-profile")}
    )
    runner = app.test_cli_runner()
    with app.app_context():  # as `flask` gives its commands
        for command in (["db", "upgrade"], ["seed"]):
            done = runner.invoke(args=command)
            if done.exit_code:
                sys.exit(f"{command}: {done.output[-2000:]} {done.exception!r}")
        profiler = cProfile.Profile()
        profiler.enable()
        result = runner.invoke(args=["import", str(file)])
        profiler.disable()
    print(result.output[-300:], result.exception)
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(45)


def print_builds(profiles: int, builds: dict[str, float]) -> None:
    print(f"| index build, {profiles:,} profiles | seconds | ratio to FTS5 |")
    print("|---|---|---|")
    fts = builds["SQLite FTS5"]
    for label, seconds in builds.items():
        print(f"| {label} | {seconds:.1f} | {seconds / fts:.1f}× |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profiles", type=int, default=10_000)
    parser.add_argument("--postgres", help="URL of a PostgreSQL database to use (its tables are dropped!)")
    parser.add_argument("--profile", action="store_true", help="cProfile an in-process import on SQLite instead")
    parser.add_argument("--whoosh-writer", action="store_true", help="also time the build with Whoosh's own writer")
    parser.add_argument("--builds-only", action="store_true", help="only the index builds (no imports)")
    parser.add_argument("--no-builds", action="store_true", help="only the imports (e.g. in an older checkout)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        file = folder / "import.json"
        records = write_file(file, args.profiles)
        print(f"{args.profiles:,} synthetic profiles, {file.stat().st_size / 1e6:.1f} MB JSON", flush=True)
        if args.profile:
            profile_import(file, folder)
            return
        if args.builds_only:
            print_builds(args.profiles, baseline_builds(records, folder, args.whoosh_writer))
            return
        sqlite_url = f"sqlite:///{folder}/bench.sqlite3"
        validate = baseline_validation(file, f"sqlite:///{folder}/validate.sqlite3", folder)
        print(f"read + validate: {validate:.1f} s", flush=True)
        results = [bench_database("SQLite", sqlite_url, file, args.profiles, folder)]
        print(f"SQLite import: {results[-1]['seconds']:.1f} s", flush=True)
        if args.postgres:
            drop_tables(args.postgres)
            results.append(bench_database("PostgreSQL", args.postgres, file, args.profiles, folder))
            print(f"PostgreSQL import: {results[-1]['seconds']:.1f} s", flush=True)
            drop_tables(args.postgres)
        builds = {} if args.no_builds else baseline_builds(records, folder, args.whoosh_writer)
    print()
    print("| what | seconds | profiles/s | ratio to read + validate |")
    print("|---|---|---|---|")
    print(f"| read + validate {args.profiles:,} | {validate:.1f} | {args.profiles / validate:.0f} | 1.0× |")
    for result in results:
        print(
            f"| `flask import` {args.profiles:,}, {result['label']} | {result['seconds']:.1f} | "
            f"{result['rate']:.0f} | {result['seconds'] / validate:.1f}× |"
        )
    print()
    if builds:
        print_builds(args.profiles, builds)
    print()
    for result in results:
        print(f"{result['label']}: changes not in the index, documents in it: {result['searchable']}")


if __name__ == "__main__":
    main()
