"""Fixtures of the operations tests: API tokens (as in tests/api) and no API rate limit in the way."""

from __future__ import annotations

import pytest

from catalogue.accounts import create_api_token, create_user
from catalogue.extensions import db, limiter


@pytest.fixture(autouse=True)
def _generous_rate_limit(app):
    app.config["API_RATE_LIMIT"] = "100000 per minute"
    limiter.reset()
    yield
    app.config["API_RATE_LIMIT"] = "300 per minute"


@pytest.fixture
def editor():
    """The bearer header of an editor who may publish."""
    user = create_user("editor", "ein-langes-passwort", "editor", "test")
    _token, plaintext = create_api_token(user, "Test", "test")
    db.session.commit()
    return {"Authorization": f"Bearer {plaintext}"}
