"""/healthz, /readyz, /metrics and the request log with request ids."""

from __future__ import annotations

import datetime as dt
import io
import json
import logging

from api.api_helpers import API
from sqlalchemy import text

from catalogue import create_app
from catalogue.extensions import db, limiter
from catalogue.models import utcnow
from catalogue.search import catch_up, sync


def test_healthz_is_cheap_json(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.get_json() == {"status": "ok"}
    assert response.headers["Cache-Control"] == "no-store"


def test_readyz_checks_database_schema_and_index(client, seeded):
    catch_up()
    response = client.get("/readyz")
    body = response.get_json()
    assert response.status_code == 200, body
    assert body["status"] == "ok" and set(body["checks"]) == {"database", "schema", "index"}
    assert body["checks"]["schema"]["version"] == db.session.scalar(text("SELECT version_num FROM alembic_version"))
    assert body["checks"]["index"]["lag_changes"] == 0


def test_readyz_is_503_when_the_schema_is_behind(app, client):
    newest = db.session.scalar(text("SELECT version_num FROM alembic_version"))
    db.session.execute(text("UPDATE alembic_version SET version_num = '0004'"))
    db.session.commit()
    try:
        response = client.get("/readyz")
        assert response.status_code == 503
        schema = response.get_json()["checks"]["schema"]
        assert not schema["ok"] and "db upgrade" in schema["error"]
    finally:
        db.session.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": newest})
        db.session.commit()


def test_readyz_is_503_when_the_database_is_down(tmp_path):
    down = create_app(
        {"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path}/nicht/da.sqlite3", "INDEX_DIR": str(tmp_path / "ix")}
    )
    response = down.test_client().get("/readyz")
    assert response.status_code == 503 and not response.get_json()["checks"]["database"]["ok"]
    assert down.test_client().get("/healthz").status_code == 200  # alive, just not ready
    with down.app_context():
        db.engine.dispose()


def test_readyz_is_503_when_the_index_lags_beyond_the_bound(app, client, make_project, monkeypatch):
    project = make_project()  # indexed at once (the commit hook catches up)
    # A change committed by "another machine" two minutes ago, which this index cannot apply
    # because another process holds the index's write lock.
    db.session.execute(
        text("INSERT INTO changes (project_id, action, created_at) VALUES (:id, 'update', :at)"),
        {"id": project.id, "at": utcnow() - dt.timedelta(minutes=2)},
    )
    db.session.commit()
    monkeypatch.setattr(sync, "WRITE_TIMEOUT", 0.1)
    writer = app.extensions["catalogue_search"].index().writer()
    try:
        response = client.get("/readyz")
        index = response.get_json()["checks"]["index"]
        assert response.status_code == 503 and not index["ok"] and "zurück" in index["error"], index
    finally:
        writer.cancel()
    app.config["SEARCH_CATCHUP_INTERVAL"], previous = 0, app.config["SEARCH_CATCHUP_INTERVAL"]
    try:
        response = client.get("/readyz")  # the lock is free: the catch-up applies the change
    finally:
        app.config["SEARCH_CATCHUP_INTERVAL"] = previous
    assert response.status_code == 200 and response.get_json()["checks"]["index"]["lag_changes"] == 0


def test_health_is_not_rate_limited(app, client):
    app.config["API_RATE_LIMIT"] = "2 per minute"
    limiter.reset()
    assert {client.get("/healthz").status_code for _ in range(20)} == {200}
    assert {client.get("/readyz").status_code for _ in range(5)} <= {200, 503}


def test_metrics_count_requests_and_search_and_are_for_allowed_addresses_only(app, client, seeded):
    client.get(f"{API}/projects?q=Standesamt")
    client.get("/suche?q=Standesamt")
    client.get("/gibt-es-nicht")
    response = client.get("/metrics")
    assert response.status_code == 200 and response.mimetype == "text/plain"
    body = response.text
    assert 'catalogue_http_requests_total{endpoint="api.projects",method="GET",status="200"}' in body
    assert 'status="404"' in body
    assert "catalogue_http_request_duration_seconds_bucket" in body
    assert 'catalogue_search_request_duration_seconds_count{endpoint="public.search_page"}' in body
    assert "catalogue_search_index_lag_changes " in body and "catalogue_search_index_lag_seconds " in body
    assert "catalogue_search_catchup_duration_seconds_count" in body
    outsider = client.get("/metrics", environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert outsider.status_code == 404
    app.config["METRICS_ALLOWED"] = "10.0.0.0/8"
    try:
        assert client.get("/metrics", environ_base={"REMOTE_ADDR": "10.1.2.3"}).status_code == 200
    finally:
        app.config["METRICS_ALLOWED"] = "127.0.0.1,::1"


def test_each_request_is_one_log_line_with_its_request_id(app, client, caplog):
    caplog.set_level(logging.INFO, logger="catalogue.request")
    made = client.get("/projekte")
    assert len(made.headers["X-Request-ID"]) == 32
    given = client.get(f"{API}/keywords", headers={"X-Request-ID": "nginx-4f2a9c1e"})
    assert given.headers["X-Request-ID"] == "nginx-4f2a9c1e"
    odd = client.get("/", headers={"X-Request-ID": "<script>"})  # not an id: a new one is made
    assert odd.headers["X-Request-ID"] != "<script>"
    lines = [r.getMessage() for r in caplog.records if r.name == "catalogue.request"]
    assert len(lines) == 3
    assert "GET /projekte" in lines[0] and "200" in lines[0] and made.headers["X-Request-ID"] in lines[0]
    assert "id=nginx-4f2a9c1e" in lines[1]


def test_with_log_format_json_each_line_written_is_one_json_object(tmp_path):
    """What the app's own handler writes (as under gunicorn, where nothing else set up logging):
    every line a JSON object and nothing around it, the request's fields in it."""
    root, catalogue = logging.getLogger(), logging.getLogger("catalogue")
    kept_root, kept_ours, kept_level = root.handlers[:], catalogue.handlers[:], catalogue.level
    root.handlers.clear()  # pytest's capture handlers: without them the app installs its own
    catalogue.handlers.clear()
    stream = io.StringIO()
    try:
        logged = create_app(
            {
                "TESTING": True,
                "DATABASE_URL": f"sqlite:///{tmp_path}/log.sqlite3",
                "INDEX_DIR": str(tmp_path / "ix"),
                "LOG_FORMAT": "json",
            }
        )
        (handler,) = catalogue.handlers
        handler.setStream(stream)
        assert logged.test_client().get("/healthz", headers={"X-Request-ID": "abcdef123456"}).status_code == 200
        logging.getLogger("catalogue.search").warning("Der Index fehlt: %s", "flask reindex")
        with logged.app_context():
            db.engine.dispose()
    finally:
        catalogue.handlers[:], root.handlers[:] = kept_ours, kept_root
        catalogue.setLevel(kept_level)
    lines = stream.getvalue().splitlines()
    assert len(lines) == 2 and all(line.startswith("{") and line.endswith("}") for line in lines), lines
    request, other = (json.loads(line) for line in lines)
    assert request["logger"] == "catalogue.request" and request["level"] == "INFO"
    assert request["request_id"] == "abcdef123456" and request["status"] == 200 and request["path"] == "/healthz"
    assert dt.datetime.fromisoformat(request["time"]).tzinfo is not None
    assert other["logger"] == "catalogue.search" and other["level"] == "WARNING"
    assert other["message"] == "Der Index fehlt: flask reindex"
