"""With the database unreachable the catalogue answers 503 with Retry-After (problem
document on /api, HTML page on the site), logs once per outage, and recovers by itself."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest
from api.api_helpers import problem_of

from catalogue import create_app
from catalogue.extensions import db

URLS_API = ("/api/v1/projects", "/api/v1/changes?since=0", "/api/v1/keywords", "/api/v1/projects/irgendwas")
URLS_SITE = ("/", "/projekte", "/stichworte", "/projekte/irgendwas")


def _app(url: str, index_dir: Path):
    return create_app({"TESTING": True, "DATABASE_URL": url, "INDEX_DIR": str(index_dir)})


def _outage_logs(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "catalogue.ops.outage"]


def _check_refusals(app):
    client = app.test_client()
    for url in URLS_API:
        response = client.get(url)
        problem = problem_of(response, 503)
        assert response.headers["Retry-After"].isdigit(), url
        assert (
            "Datenbank" in problem["detail"]
            and "psycopg" not in response.text
            and "sqlite" not in response.text.lower()
        )
    for url in URLS_SITE:
        response = client.get(url)
        assert response.status_code == 503 and response.mimetype == "text/html", url
        assert response.headers["Retry-After"].isdigit()
        assert "Traceback" not in response.text and "nicht verfügbar" in response.text


def test_sqlite_outage_is_503_logged_once_and_heals(tmp_path, caplog):
    folder = tmp_path / "gone"
    app = _app(f"sqlite:///{folder}/catalogue.sqlite3", tmp_path / "index")
    caplog.set_level(logging.INFO)
    _check_refusals(app)
    _check_refusals(app)
    logged = _outage_logs(caplog)
    assert len(logged) == 1 and "nicht erreichbar" in logged[0], logged
    assert not [r for r in caplog.records if r.exc_info], "no traceback per request"

    folder.mkdir()  # the database comes back
    with app.app_context():
        db.create_all()  # (not the migrations: Alembic's logging set-up would replace pytest's log capture)
    client = app.test_client()
    assert client.get("/api/v1/projects").status_code == 200
    assert client.get("/projekte").status_code == 200
    logged = _outage_logs(caplog)
    assert len(logged) == 2 and "wieder erreichbar" in logged[1], logged
    with app.app_context():
        db.engine.dispose()


@pytest.mark.skipif(
    not os.environ.get("CATALOGUE_TEST_DATABASE_URL", "").startswith("postgresql"),
    reason="needs CATALOGUE_TEST_DATABASE_URL=postgresql://…",
)
def test_postgresql_unreachable_is_503_logged_once(tmp_path, caplog):
    # Port 9 (discard) has no PostgreSQL: the connection is refused, as when the server is down.
    app = _app("postgresql://postgres@127.0.0.1:9/nothing", tmp_path / "index")
    caplog.set_level(logging.INFO)
    _check_refusals(app)
    _check_refusals(app)
    assert len(_outage_logs(caplog)) == 1
    with app.app_context():
        db.engine.dispose()
