"""The response cache: anonymous reads come from the cache until the next write, repeat
visitors get 304s, and nobody with a session or a token is ever served from it."""

import re

import pytest
from flask import request, request_started
from sqlalchemy import event

from catalogue.accounts import create_user
from catalogue.extensions import db

PASSWORD = "ein sehr langes Passwort"


@pytest.fixture(autouse=True)
def _cache_on(app, monkeypatch):
    monkeypatch.setitem(app.config, "RESPONSE_CACHE", True)
    from catalogue.caching import cache

    with app.app_context():
        cache.clear()
    yield


class Statements:
    """SQL statements sent through SQLAlchemy while the block runs."""

    def __enter__(self):
        self.count = 0
        event.listen(db.engine, "before_cursor_execute", self._seen)
        return self

    def _seen(self, _connection, _cursor, statement, *_args):
        if statement.strip().upper() != "BEGIN":  # SQLite's explicit BEGIN (see database.py)
            self.count += 1

    def __exit__(self, *_exc):
        event.remove(db.engine, "before_cursor_execute", self._seen)


def test_a_repeated_anonymous_read_comes_from_the_cache(client, make_project):
    make_project(title="Gemeinsamer Bauhof")
    for url in ("/projekte", "/", "/api/v1/projects?q=Bauhof", "/suche?q=Bauhof"):
        first = client.get(url)
        with Statements() as again:
            second = client.get(url)
        assert first.status_code == second.status_code == 200, url
        assert second.data == first.data, url
        # No statement through SQLAlchemy at all: the only read, the change log's newest row,
        # goes through the driver's cursor (see caching.catalogue_version).
        assert again.count == 0, url


def test_a_write_makes_the_next_read_fresh(client, make_project):
    make_project(title="Erster Bauhof", slug="erster")
    assert "Zweiter Bauhof" not in client.get("/projekte").text
    assert client.get("/api/v1/projects").json["items"] is not None
    make_project(title="Zweiter Bauhof", slug="zweiter")
    assert "Zweiter Bauhof" in client.get("/projekte").text
    assert "Zweiter Bauhof" in client.get("/suche?q=Bauhof").text
    assert "zweiter" in client.get("/api/v1/projects").text


def test_languages_are_kept_apart(client, make_project):
    make_project()
    german = client.get("/projekte", headers={"Accept-Language": "de"})
    english = client.get("/projekte", headers={"Accept-Language": "en"})
    assert german.data != english.data
    assert 'lang="en"' in client.get("/projekte", headers={"Accept-Language": "en"}).text
    assert 'lang="de"' in client.get("/projekte", headers={"Accept-Language": "de"}).text[:200]


def test_repeat_visitors_get_304_until_the_next_write(client, make_project):
    make_project(title="Erster Bauhof", slug="erster")
    first = client.get("/projekte/erster")
    etag = first.headers["ETag"]
    assert first.headers["Last-Modified"]
    repeat = client.get("/projekte/erster", headers={"If-None-Match": etag})
    assert repeat.status_code == 304 and not repeat.data
    make_project(title="Zweiter Bauhof", slug="zweiter")
    changed = client.get("/projekte/erster", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag


def test_logged_in_editors_are_never_served_from_the_cache(app, make_project):
    make_project(title="Gemeinsamer Bauhof")
    create_user("redakteurin", PASSWORD, "editor", "test")
    db.session.commit()
    editor = app.test_client()
    page = editor.get("/admin/login")
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.text).group(1)
    login = editor.post("/admin/login", data={"csrf_token": token, "username": "redakteurin", "password": PASSWORD})
    assert login.status_code == 302, login.text
    editor.get("/projekte")
    with Statements() as again:
        answer = editor.get("/projekte")
    assert answer.status_code == 200
    assert again.count > 1  # rendered afresh
    assert "ETag" not in answer.headers


def test_api_reads_with_a_token_are_never_served_from_the_cache(client, make_project):
    make_project(title="Gemeinsamer Bauhof")
    client.get("/api/v1/projects")
    with Statements() as again:
        answer = client.get("/api/v1/projects", headers={"Authorization": "Bearer ikz_unknown"})
    assert answer.status_code == 401  # checked, not answered from the anonymous cache
    assert again.count >= 1


def test_forms_and_the_admin_are_not_cached(client):
    client.get("/admin/login")
    with Statements() as again:
        second = client.get("/admin/login")
    assert second.headers.get("Cache-Control") == "no-store" and "ETag" not in second.headers
    assert 'name="csrf_token"' in second.text
    assert again.count == 0 or again.count > 1  # the form is rendered, not replayed


def test_a_stored_page_is_answered_ahead_of_flasks_dispatch_with_the_same_headers(app, client, make_project, caplog):
    make_project(title="Gemeinsamer Bauhof")
    dispatched = []

    def note(sender, **_extra):
        dispatched.append(request.path)

    first = client.get("/projekte")
    with request_started.connected_to(note, app), caplog.at_level("INFO", logger="catalogue.request"):
        again = client.get("/projekte")
        api = client.get("/api/v1/projects")
        api_again = client.get("/api/v1/projects")
    assert again.status_code == 200 and again.data == first.data
    # The stored page needed no session, CSRF check, rate limiter or view: Flask never dispatched it.
    # The API's stored answers go through Flask (its rate limit counts them and adds its headers).
    assert dispatched == ["/api/v1/projects", "/api/v1/projects"]
    assert api.data == api_again.data and "X-RateLimit-Limit" in api_again.headers
    assert again.headers["X-Request-ID"] != first.headers["X-Request-ID"]
    per_exchange = {"X-Request-ID", "Content-Length", "Date"}  # Date: gunicorn adds it to every answer
    assert {k: v for k, v in again.headers if k not in per_exchange} == {
        k: v for k, v in first.headers if k not in per_exchange
    }
    logged = [record.getMessage() for record in caplog.records if record.name == "catalogue.request"]
    assert any('"GET /projekte" 200' in line and again.headers["X-Request-ID"] in line for line in logged)
