"""Shared fixtures: a real database (SQLite, or PostgreSQL from CATALOGUE_TEST_DATABASE_URL)
built by the real migrations, the Flask test client and CLI runner, and profile factories."""

from __future__ import annotations

import os
import shutil
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import g, session
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from werkzeug.serving import make_server

from catalogue import create_app
from catalogue.accounts import start_session
from catalogue.config import normalise_db_url
from catalogue.extensions import db
from catalogue.migrating import upgrade
from catalogue.schemas import ProjectInputSchema
from catalogue.search import EXTENSION as SEARCH
from catalogue.search.store import IndexStore
from catalogue.search.sync import create_empty
from catalogue.services import create_project, ensure_legal_form

REPO = Path(__file__).resolve().parent.parent

#: Debian's Chromium, driven by Playwright (never a browser download).
CHROMIUM = Path(os.environ.get("CATALOGUE_CHROMIUM", "/usr/bin/chromium"))
#: Marks for a module of browser tests: skipped, with the reason, where Chromium is missing.
BROWSER_TESTS = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} missing (apt-get install chromium)"),
]
# The flags keep Chromium from calling out to Google's services on this closed network.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
#: JavaScript for page.evaluate: names of form controls that have no label.
UNLABELLED_CONTROLS = """() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
    .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label')).map(el => el.name)"""


def _database_url(tmp_path_factory) -> str:
    """The configured PostgreSQL database (one of its own per xdist worker), else a SQLite file
    in this run's (this worker's) temporary folder."""
    url = os.environ.get("CATALOGUE_TEST_DATABASE_URL")
    if not url:
        return "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.sqlite3")
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    return _worker_database(url, worker) if worker else url


def _worker_database(url: str, worker: str) -> str:
    """``<configured name>_<worker>`` (t_tests_gw0) on the same server, created when missing:
    named after the configured database, so runs against other databases never collide."""
    base = make_url(normalise_db_url(url))
    name = f"{base.database}_{worker}"
    engine = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            if not connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}).first():
                connection.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        engine.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def _default_index_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("default-index")


@pytest.fixture(autouse=True)
def _nothing_into_the_checkout(monkeypatch, _default_index_dir):
    """Apps that a test builds without an INDEX_DIR keep their index here, not in instance/."""
    monkeypatch.setenv("CATALOGUE_INDEX_DIR", str(_default_index_dir))


def _drop_everything() -> None:
    """Start PostgreSQL runs from an empty schema, so migrations are tested from scratch."""
    with db.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    """One application for the whole run; the schema comes from the migrations."""
    application = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": _database_url(tmp_path_factory),
            "INDEX_DIR": str(tmp_path_factory.mktemp("index")),
            # Production hashes with scrypt (the default); the tests create hundreds of accounts.
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        }
    )
    with application.app_context():
        _drop_everything()
        upgrade()
    yield application
    with application.app_context():
        db.engine.dispose()  # close pooled connections before the interpreter collects them


def _empty_tables() -> None:
    """Delete every row and restart the id counters that moved, as a fresh database has them.

    Runs after every test, so it only touches what the test wrote: one query finds the tables
    with rows (whoever wrote them: this process, a live server's threads, a subprocess), and a
    test that wrote nothing costs that query alone. DELETE of a few rows takes milliseconds;
    PostgreSQL's TRUNCATE of the ~19 tables took 0.3–0.4 s every time, rows or not."""
    tables = [t.name for t in reversed(db.metadata.sorted_tables)]  # children before parents
    with db.engine.begin() as connection:
        probe = " UNION ALL ".join(f"SELECT '{t}' WHERE EXISTS (SELECT 1 FROM {t})" for t in tables)
        filled = {row[0] for row in connection.execute(text(probe))}
        for table in tables:
            if table in filled:
                connection.execute(text(f"DELETE FROM {table}"))
        if connection.dialect.name == "postgresql":
            # Restart the sequences that were used (RESTART IDENTITY did that for all of them).
            connection.execute(
                text(
                    "SELECT setval(s.seqrelid, s.seqstart, false) FROM pg_sequence s"
                    " JOIN pg_class c ON c.oid = s.seqrelid"
                    " WHERE c.relnamespace = 'public'::regnamespace"
                    " AND pg_sequence_last_value(s.seqrelid) IS NOT NULL"
                )
            )
        # Restart AUTOINCREMENT counters (the change-log cursor) like RESTART IDENTITY does.
        elif connection.execute(text("SELECT 1 FROM sqlite_master WHERE name='sqlite_sequence'")).first():
            if connection.execute(text("SELECT 1 FROM sqlite_sequence LIMIT 1")).first():
                connection.execute(text("DELETE FROM sqlite_sequence"))


@pytest.fixture(scope="session")
def _empty_generation(tmp_path_factory) -> Path:
    """An empty index generation at cursor 0, made by Whoosh once per run (per worker)."""
    store = IndexStore(tmp_path_factory.mktemp("empty-index"))
    create_empty(store)
    return store.root / store.current_generation()


def _swap_in_copy(store, generation: Path, prefix: str) -> None:
    """A copy of ``generation`` swapped in as the store's current one (milliseconds)."""
    with store.build_lock():
        name = f"{prefix}{os.urandom(4).hex()}"
        shutil.copytree(generation, store.root / name)
        store.swap(name)


def _empty_index(app, empty_generation: Path) -> None:
    """An empty index for the emptied tables: what a rebuild would make, without reading them,
    copied from the one made at the start rather than created by Whoosh each time."""
    store = app.extensions[SEARCH]
    try:
        applied = store.meta()["seq"]
    except Exception:  # a test that damaged the index on purpose: replace it all the same
        applied = None
    if applied != 0:
        _swap_in_copy(store, empty_generation, "gen-empty")


@pytest.fixture(autouse=True)
def _clean_database(app, _empty_generation):
    """Every test starts with empty tables, an empty index and its own application context."""
    with app.app_context():
        yield
        db.session.rollback()
        db.session.remove()
        _empty_tables()
        _empty_index(app, _empty_generation)


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the whole run."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield instance
        instance.close()


def _closed_before_sending(app):
    """The app's answers read to the end and closed before the server sends them.

    When a browser drops a connection mid-answer (Chromium does, for the favicon, when it
    navigates on), werkzeug's development server can skip closing the answer's file, and the
    unclosed file surfaces as a ResourceWarning in whichever test runs next. Buffered answers
    hold no file while bytes go out."""

    def wsgi(environ, start_response):
        answer = app(environ, start_response)
        try:
            return [b"".join(answer)]
        finally:
            if hasattr(answer, "close"):
                answer.close()

    return wsgi


@pytest.fixture
def live_server(app):
    """The app on a real socket (a free local port), serving each request in its own thread.
    A module that needs data first overrides it: ``def live_server(live_server, seeded)``."""
    server = make_server("127.0.0.1", 0, _closed_before_sending(app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


def session_login(client, user) -> None:
    """Log ``user`` in as the login form does once the password is right – ``start_session``
    (Flask-Login's keys for this client's address and user agent, the user's session generation)
    – straight into the client's session cookie. For the many tests where the login form is not
    under test: two requests, a password hash and an audit row less per logged-in client."""
    with client.application.test_request_context(environ_base=client.environ_base):
        start_session(user)
        values = dict(session)
        g.pop("_login_user", None)  # start_session's user stays out of the test's own context
    with client.session_transaction() as stored:
        stored.update(values)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def seed_by_command(runner):
    """The real seed command into the empty database (and, through its commit, the index)."""
    result = runner.invoke(args=["seed"])
    assert result.exit_code == 0, result.output
    return result


@dataclass
class SeedCopy:
    """The rows and the index generation the real seed command made, to be put back per test."""

    result: object
    rows: dict[str, list[dict]]
    counters: list[tuple[str, int]]
    index: Path


def _counters(connection) -> list[tuple[str, int]]:
    """Where the id counters stand (PostgreSQL's sequences, SQLite's AUTOINCREMENT table)."""
    if connection.dialect.name == "postgresql":
        query = "SELECT schemaname || '.' || sequencename, last_value FROM pg_sequences WHERE last_value IS NOT NULL"
    elif connection.execute(text("SELECT 1 FROM sqlite_master WHERE name='sqlite_sequence'")).first():
        query = "SELECT name, seq FROM sqlite_sequence"
    else:
        return []
    return [tuple(row) for row in connection.execute(text(query))]


@pytest.fixture(scope="session")
def _seed_copy(app, tmp_path_factory, _empty_generation) -> SeedCopy:
    """The real seed command, run once per test run (per worker); its rows and its index kept.

    Seeding through the ORM and indexing 19 profiles for each of ~70 tests was a third of the
    suite's time; putting the same rows and the same index folder back takes milliseconds."""
    with app.app_context():
        result = seed_by_command(app.test_cli_runner())
        with db.engine.connect() as connection:
            rows = {
                table.name: [dict(row._mapping) for row in connection.execute(table.select())]
                for table in db.metadata.sorted_tables
            }
            counters = _counters(connection)
        store = app.extensions[SEARCH]
        assert store.meta()["seq"] == max(row["seq"] for row in rows["changes"])  # the index caught up
        index = tmp_path_factory.mktemp("seed-index") / "gen-seed"
        shutil.copytree(store.root / store.current_generation(), index)
        db.session.remove()
        _empty_tables()
        _empty_index(app, _empty_generation)
    return SeedCopy(result, rows, counters, index)


def _restore(copy: SeedCopy, app) -> None:
    with db.engine.begin() as connection:
        for table in db.metadata.sorted_tables:
            if copy.rows[table.name]:
                connection.execute(table.insert(), copy.rows[table.name])
        for name, value in copy.counters:
            if connection.dialect.name == "postgresql":
                connection.execute(
                    text("SELECT setval(CAST(:name AS regclass), :value)"), {"name": name, "value": value}
                )
            else:
                connection.execute(
                    text("UPDATE sqlite_sequence SET seq = :value WHERE name = :name"), {"name": name, "value": value}
                )
    # The seed's own index generation: its cursor and fingerprint match the restored change log.
    _swap_in_copy(app.extensions[SEARCH], copy.index, "gen-seed")


@pytest.fixture
def seeded(app, _seed_copy):
    """The real seed data: the rows and index the real seed command made (once per run)."""
    _restore(_seed_copy, app)
    return _seed_copy.result


def project_data(**overrides) -> dict:
    """A small valid profile in the project representation."""
    data = {
        "title": "Gemeinsames Standesamt Musterstadt",
        "summary": "Zwei Gemeinden teilen sich ein Standesamt.",
        "keywords": ["Standesamt", "Verwaltung"],
        "participants": [
            {
                "role": "lead",
                "organisation": {
                    "name": "Stadt Musterstadt",
                    "kind": "municipality",
                    "ags": "05999001",
                    "state": "DE-NW",
                    "district": "Kreis Muster",
                },
            },
            {
                "role": "partner",
                "organisation": {
                    "name": "Gemeinde Beispieldorf",
                    "kind": "municipality",
                    "state": "DE-NW",
                    "district": "Kreis Muster",
                },
            },
        ],
        "occasion": "Personalmangel.",
        "goal": "Besserer Service.",
        "implementation": "Ein Standesamtsbezirk.",
        "financing": "Beide Partner.",
        "since_year": 2020,
        "contacts": [
            {
                "organisation": "Stadt Musterstadt",
                "address": "Markt 1\n12345 Musterstadt",
                "phone": "01234/5678",
                "email": "info@musterstadt.example",
            }
        ],
        "links": [{"title": "Projektseite", "url": "https://musterstadt.example/standesamt"}],
        "updates": [{"date": "2021-05", "title": "Erstes Jahr", "text": "Bilanz nach einem Jahr."}],
    }
    data.update(overrides)
    return data


@pytest.fixture
def make_project():
    """Create a profile through the schema and the service, as every real input does."""

    def factory(status: str = "published", **overrides):
        if "legal_form" in overrides and overrides["legal_form"]:
            ensure_legal_form(overrides["legal_form"])
        data = ProjectInputSchema().load(project_data(**overrides))
        project = create_project(data, "test", status=status).project
        db.session.commit()
        return project

    return factory
