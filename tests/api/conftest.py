"""Fixtures of the API tests: tokens for each kind of account, and no rate limit in the way."""

from __future__ import annotations

import pytest

from catalogue.accounts import create_api_token, create_user, revoke_api_token
from catalogue.extensions import db, limiter


@pytest.fixture(autouse=True)
def _generous_rate_limit(app):
    """The API tests send far more than a client's budget; the rate-limit test lowers it itself."""
    app.config["API_RATE_LIMIT"] = "100000 per minute"
    limiter.reset()
    yield
    app.config["API_RATE_LIMIT"] = "300 per minute"


@pytest.fixture
def make_token():
    """A bearer header for a new user with ``role`` (and publishing right)."""

    def factory(role: str = "editor", can_publish: bool = True, username: str | None = None) -> dict:
        name = username or f"{role}{'' if can_publish else '-nopub'}"
        user = create_user(name, "ein-langes-passwort", role, "test", can_publish=can_publish)
        _token, plaintext = create_api_token(user, "Test", "test")
        db.session.commit()
        return {"Authorization": f"Bearer {plaintext}"}

    return factory


@pytest.fixture
def editor(make_token):
    return make_token("editor")


@pytest.fixture
def admin(make_token):
    return make_token("admin")


@pytest.fixture
def revoked(make_token):
    """Header of a token that has been revoked."""
    from catalogue.accounts import find_user

    headers = make_token("editor", username="revoked-user")
    revoke_api_token(find_user("revoked-user").tokens[0], "test")
    db.session.commit()
    return headers
