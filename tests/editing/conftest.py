"""Fixtures of the workflow tests: one person with both an admin login and an API token, so
that the two paths can be compared for the same actor, and a profile's form data as a browser
sends it."""

from __future__ import annotations

import re

import pytest
from flask import g, has_app_context
from flask.testing import FlaskClient

from catalogue.accounts import create_api_token, create_user
from catalogue.extensions import db, limiter

from conftest import session_login

PASSWORD = "ein sehr langes Passwort"
_CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


class SessionClient(FlaskClient):
    """A test client whose requests identify their user from their own session cookie (the tests'
    app context outlives each request, so Flask-Login's and Flask-WTF's caches in ``g`` would
    otherwise carry one client's session into another's request)."""

    def open(self, *args, **kwargs):
        if has_app_context():
            g.pop("_login_user", None)
            g.pop("csrf_token", None)
        return super().open(*args, **kwargs)


@pytest.fixture(autouse=True)
def _session_clients_and_budgets(app):
    previous, app.test_client_class = app.test_client_class, SessionClient
    rate = app.config["API_RATE_LIMIT"]
    app.config["API_RATE_LIMIT"] = "100000 per minute"  # these tests send many writes from one address
    limiter.reset()
    yield
    limiter.reset()
    app.config["API_RATE_LIMIT"] = rate
    app.test_client_class = previous


class Person:
    """A user who edits through the admin (a client logged in through its session) and through
    the API (a token)."""

    def __init__(self, app, username: str, role: str, can_publish: bool):
        self.user = create_user(username, PASSWORD, role, "test", can_publish=can_publish)
        _token, plaintext = create_api_token(self.user, "Portal", "test")
        db.session.commit()
        self.token = {"Authorization": f"Bearer {plaintext}"}
        self.browser = app.test_client()
        session_login(self.browser, self.user)  # the login form is tested in tests/admin

    def post_form(self, page_url: str, data: dict, action: str | None = None):
        """Load the page (for its CSRF token) and post ``data`` to its form or to ``action``."""
        page = self.browser.get(page_url)
        assert page.status_code == 200, (page_url, page.status_code)
        return self.browser.post(action or page_url, data={"csrf_token": csrf_token(page.text), **data})


def csrf_token(html: str) -> str:
    match = _CSRF.search(html)
    assert match, "page has no CSRF token"
    return match.group(1) or match.group(2)


@pytest.fixture
def publisher(app):
    """An editor with the right to publish."""
    return Person(app, "redakteurin", "editor", can_publish=True)


@pytest.fixture
def reviewer(app):
    """An administrator (decides on proposals)."""
    return Person(app, "chefin", "admin", can_publish=True)


@pytest.fixture
def limited(app):
    """An editor limited to review requests and proposals."""
    return Person(app, "praktikant", "editor", can_publish=False)


def form_data(profile: dict, version: int | str = "") -> dict:
    """The profile form's fields for a profile in the project representation, as a browser posts them."""
    data = {
        name: "" if profile.get(name) is None else str(profile[name])
        for name in (
            "title",
            "slug",
            "summary",
            "status",
            "occasion",
            "goal",
            "implementation",
            "financing",
            "legal_form",
            "since_year",
            "source_note",
        )
    }
    data["keywords"] = ", ".join(profile.get("keywords") or [])
    data["version"] = str(version)
    for index, participant in enumerate(profile.get("participants") or []):
        organisation = participant["organisation"]
        data[f"participants-{index}-order"] = str(index + 1)
        data[f"participants-{index}-role"] = participant["role"]
        for name in ("name", "kind", "ags", "state", "district"):
            data[f"participants-{index}-{name}"] = organisation.get(name) or ""
    for list_name, names in (
        ("contacts", ("organisation", "role", "address", "phone", "email", "website")),
        ("links", ("title", "url")),
        ("updates", ("date", "title", "text", "source_url", "source_note")),
    ):
        for index, item in enumerate(profile.get(list_name) or []):
            for name in names:
                data[f"{list_name}-{index}-{name}"] = item.get(name) or ""
    return data
