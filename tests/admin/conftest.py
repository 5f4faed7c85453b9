"""Fixtures of the editing area: accounts of each kind and a client that logs in through the
real login form (with its real CSRF token)."""

from __future__ import annotations

import re

import pytest
from flask import g, has_app_context
from flask.testing import FlaskClient

from catalogue.accounts import create_user
from catalogue.extensions import db, limiter

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
    return client.post("/admin/login", data={"csrf_token": csrf_token(page.text), "username": username, "password": password})


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
    response = login(client, username)
    assert response.status_code == 302, response.text
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
