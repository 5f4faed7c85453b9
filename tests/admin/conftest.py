"""Fixtures of the editing area: accounts of each kind and clients logged in as them (through
the session, as the login form leaves it; the tests of the form itself log in with ``login``)."""

from __future__ import annotations

import html
import re

import pytest
from flask import g, has_app_context
from flask.testing import FlaskClient

from catalogue.accounts import create_user
from catalogue.extensions import db, limiter
from catalogue.services import ensure_legal_form

from conftest import session_login

PASSWORD = "ein sehr langes Passwort"
_CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


def csrf_token(html: str) -> str:
    """The CSRF token of the first form in a page."""
    match = _CSRF.search(html)
    assert match, "page has no CSRF token"
    return match.group(1) or match.group(2)


class Editor:
    """A test client with a logged-in user and helpers that post forms like a browser does."""

    def __init__(self, client, username: str):
        self.client = client
        self.username = username

    def get(self, url, **kwargs):
        return self.client.get(url, **kwargs)

    def post_form(self, page_url: str, data: dict, action: str | None = None, **kwargs):
        """Load the page (for the CSRF token) and post ``data`` to its form or to ``action``."""
        page = self.client.get(page_url)
        assert page.status_code == 200, (page_url, page.status_code)
        return self.client.post(action or page_url, data={"csrf_token": csrf_token(page.text), **data}, **kwargs)


def login(client, username: str, password: str = PASSWORD):
    page = client.get("/admin/login")
    return client.post(
        "/admin/login", data={"csrf_token": csrf_token(page.text), "username": username, "password": password}
    )


class SessionClient(FlaskClient):
    """A test client whose requests identify their user from their own session cookie.

    The tests' app context outlives each request, so the per-request caches in ``g`` (Flask-Login's
    user, Flask-WTF's CSRF token) would otherwise leak one client's session into another's request.
    """

    def open(self, *args, **kwargs):
        if has_app_context():
            g.pop("_login_user", None)
            g.pop("csrf_token", None)
        return super().open(*args, **kwargs)


@pytest.fixture(autouse=True)
def _session_clients(app):
    """Use SessionClient for this folder's tests only."""
    previous, app.test_client_class = app.test_client_class, SessionClient
    yield
    app.test_client_class = previous


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture(autouse=True)
def _search_catches_up_on_every_search(app):
    """The tests search right after a save; production checks a few times a second."""
    previous = app.config["SEARCH_CATCHUP_INTERVAL"]
    app.config["SEARCH_CATCHUP_INTERVAL"] = 0
    yield
    app.config["SEARCH_CATCHUP_INTERVAL"] = previous


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """Login throttling counts per address; every test starts with a clean count."""
    limiter.reset()
    yield
    limiter.reset()


@pytest.fixture
def users():
    """An administrator, an editor who may publish, and one limited to review requests."""
    created = {
        "admin": create_user("admin", PASSWORD, "admin", "test"),
        "editor": create_user("editor", PASSWORD, "editor", "test"),
        "limited": create_user("limited", PASSWORD, "editor", "test", can_publish=False),
    }
    db.session.commit()
    return created


def _logged_in(app, users, username):
    client = app.test_client()
    session_login(client, users[username])
    return Editor(client, username)


@pytest.fixture
def admin(app, users):
    return _logged_in(app, users, "admin")


@pytest.fixture
def editor(app, users):
    return _logged_in(app, users, "editor")


@pytest.fixture
def limited(app, users):
    return _logged_in(app, users, "limited")


# ---------------------------------------------------------------- the profile form


def profile_form(**overrides) -> dict:
    """Form data of a complete profile with two partners, as a browser sends it."""
    data = {
        "title": "Gemeinsamer Bauhof Nordtal",
        "slug": "",
        "summary": "Drei Gemeinden teilen sich Bauhof und Maschinen.",
        "status": "draft",
        "keywords": "Bauhof, Klima; Maschinenring",
        "participants-0-order": "1",
        "participants-0-role": "lead",
        "participants-0-name": "Stadt Nordtal",
        "participants-0-kind": "municipality",
        "participants-0-ags": "05999101",
        "participants-0-state": "DE-NW",
        "participants-0-district": "Kreis Nord",
        "participants-1-order": "2",
        "participants-1-role": "partner",
        "participants-1-name": "Gemeinde Südhang",
        "participants-1-kind": "municipality",
        "participants-1-ags": "",
        "participants-1-state": "DE-NW",
        "participants-1-district": "Kreis Nord",
        "participants-2-order": "3",
        "participants-2-role": "partner",
        "participants-2-name": "Gemeinde Westfeld",
        "participants-2-kind": "municipality",
        "participants-2-ags": "",
        "participants-2-state": "",
        "participants-2-district": "",
        "occasion": "Teure Maschinen standen oft still.",
        "goal": "- weniger Kosten\n- bessere Auslastung",
        "implementation": "Ein gemeinsamer Bauhof.\n\nMit Einsatzplan.",
        "financing": "Umlage nach Einwohnern.",
        "legal_form": "öffentlich-rechtliche Vereinbarung",
        "since_year": "2019",
        "source_note": "Angaben der Stadt Nordtal.",
        "contacts-0-organisation": "Stadt Nordtal",
        "contacts-0-role": "Bauamt",
        "contacts-0-address": "Markt 1\n59000 Nordtal",
        "contacts-0-phone": "01234/5678",
        "contacts-0-email": "bauhof@nordtal.example",
        "contacts-0-website": "https://nordtal.example",
        "links-0-title": "Projektseite",
        "links-0-url": "https://nordtal.example/bauhof",
        "updates-0-date": "2023-09",
        "updates-0-title": "Neue Kehrmaschine",
        "updates-0-text": "Gemeinsam beschafft.",
        "updates-0-source_url": "",
        "updates-0-source_note": "Amtsblatt",
    }
    data.update(overrides)
    return data


def create(editor, **overrides):
    ensure_legal_form("öffentlich-rechtliche Vereinbarung")
    db.session.commit()
    return editor.post_form("/admin/projekte/neu", profile_form(**overrides))


def edit_form_data(editor, project_id: int) -> tuple[str, dict]:
    """The edit page and the data its form would send back unchanged."""
    html = editor.get(f"/admin/projekte/{project_id}").text
    form = html[html.index('class="admin-form"') :]
    data = {}
    for name, value in re.findall(r'<input[^>]*?name="([^"]+)"[^>]*?value="([^"]*)"', form):
        data.setdefault(name, value)
    for name, value in re.findall(r'<input[^>]*?value="([^"]*)"[^>]*?name="([^"]+)"', form):
        data.setdefault(value, name)
    for name, body in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>\n?(.*?)</textarea>', form, re.S):
        data[name] = _unescape(body)
    for name, body in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', form, re.S):
        selected = re.search(r'<option selected value="([^"]*)"|<option value="([^"]*)" selected', body)
        value = (
            next((v for v in selected.groups() if v is not None), "")
            if selected
            else re.search(r'value="([^"]*)"', body).group(1)
        )
        data[name] = _unescape(value)
    data = {k: _unescape(v) for k, v in data.items() if not k.endswith("-remove") and k != "csrf_token"}
    return html, data


def _unescape(text: str) -> str:
    return html.unescape(text)
