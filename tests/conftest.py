"""Shared fixtures: a real database (SQLite, or PostgreSQL from CATALOGUE_TEST_DATABASE_URL)
built by the real migrations, the Flask test client and CLI runner, and profile factories."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import text
from werkzeug.serving import make_server

from catalogue import create_app
from catalogue.extensions import db
from catalogue.schemas import ProjectInputSchema
from catalogue.services import create_project, ensure_legal_form

REPO = Path(__file__).resolve().parent.parent
FILES = Path(__file__).resolve().parent / "files"

#: Debian's Chromium, driven by Playwright (never a browser download).
CHROMIUM = Path(os.environ.get("CATALOGUE_CHROMIUM", "/usr/bin/chromium"))
#: Marks for a module of browser tests: skipped, with the reason, where Chromium is missing.
BROWSER_TESTS = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} missing (apt-get install chromium)"),
]
# The flags keep Chromium from calling out to Google's services on this closed network.
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
#: JavaScript for page.evaluate: names of form controls that have no label.
UNLABELLED_CONTROLS = """() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
    .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label')).map(el => el.name)"""


def _database_url(tmp_path_factory) -> str:
    url = os.environ.get("CATALOGUE_TEST_DATABASE_URL")
    if url:
        return url
    return "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.sqlite3")


def _drop_everything() -> None:
    """Start PostgreSQL runs from an empty schema, so migrations are tested from scratch."""
    with db.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    """One application for the whole run; the schema comes from the migrations."""
    application = create_app({
        "TESTING": True,
        "DATABASE_URL": _database_url(tmp_path_factory),
        "INDEX_DIR": str(tmp_path_factory.mktemp("index")),
    })
    with application.app_context():
        _drop_everything()
        upgrade()
    yield application
    with application.app_context():
        db.engine.dispose()  # close pooled connections before the interpreter collects them


@pytest.fixture(autouse=True)
def _clean_database(app):
    """Every test starts with empty tables and its own application context."""
    with app.app_context():
        yield
        db.session.rollback()
        db.session.remove()
        tables = [t.name for t in reversed(db.metadata.sorted_tables)]
        with db.engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
            else:
                for table in tables:
                    connection.execute(text(f"DELETE FROM {table}"))
                # Restart AUTOINCREMENT counters (the change-log cursor) like RESTART IDENTITY does.
                if connection.execute(text("SELECT 1 FROM sqlite_master WHERE name='sqlite_sequence'")).first():
                    connection.execute(text("DELETE FROM sqlite_sequence"))


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


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def seeded(runner):
    """The real seed data, loaded through the real command."""
    result = runner.invoke(args=["seed"])
    assert result.exit_code == 0, result.output
    return result


def project_data(**overrides) -> dict:
    """A small valid profile in the project representation."""
    data = {
        "title": "Gemeinsames Standesamt Musterstadt",
        "summary": "Zwei Gemeinden teilen sich ein Standesamt.",
        "keywords": ["Standesamt", "Verwaltung"],
        "participants": [
            {"role": "lead", "organisation": {"name": "Stadt Musterstadt", "kind": "municipality", "ags": "05999001", "state": "DE-NW", "district": "Kreis Muster"}},
            {"role": "partner", "organisation": {"name": "Gemeinde Beispieldorf", "kind": "municipality", "state": "DE-NW", "district": "Kreis Muster"}},
        ],
        "occasion": "Personalmangel.",
        "goal": "Besserer Service.",
        "implementation": "Ein Standesamtsbezirk.",
        "financing": "Beide Partner.",
        "since_year": 2020,
        "contacts": [{"organisation": "Stadt Musterstadt", "address": "Markt 1\n12345 Musterstadt", "phone": "01234/5678", "email": "info@musterstadt.example"}],
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
