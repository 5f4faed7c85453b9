"""Production settings are checked at start: secret key, HTTPS-only cookies, HSTS, an
explicit number of trusted proxies, the operator's Impressum, privacy and accessibility pages, and
the editorial team's address."""

from __future__ import annotations

import re

import pytest

from catalogue import create_app
from catalogue.config import ConfigError
from catalogue.extensions import db

PRODUCTION = {
    "ENV": "production",
    "SECRET_KEY": "s" * 40,
    "TRUSTED_PROXIES": 1,
    "IMPRINT_URL": "https://betreiber.example/impressum",
    "PRIVACY_URL": "https://betreiber.example/datenschutz",
    "ACCESSIBILITY_URL": "https://betreiber.example/barrierefreiheit",
    "CONTACT_EMAIL": "redaktion@betreiber.example",
}


@pytest.fixture(autouse=True)
def _no_environment(monkeypatch):
    for name in (
        "SECRET_KEY",
        "TRUSTED_PROXIES",
        "IMPRINT_URL",
        "PRIVACY_URL",
        "ACCESSIBILITY_URL",
        "CONTACT_EMAIL",
        "HSTS_MAX_AGE",
        "ENV",
    ):
        monkeypatch.delenv(f"CATALOGUE_{name}", raising=False)


def _start(tmp_path, **changes):
    config = {
        **PRODUCTION,
        "DATABASE_URL": f"sqlite:///{tmp_path}/p.sqlite3",
        "INDEX_DIR": str(tmp_path / "ix"),
        **changes,
    }
    return create_app({k: v for k, v in config.items() if v is not ...})


@pytest.mark.parametrize(
    "name, label",
    [
        ("IMPRINT_URL", "Impressum"),
        ("PRIVACY_URL", "Datenschutzerklärung"),
        ("ACCESSIBILITY_URL", "Erklärung zur Barrierefreiheit"),
    ],
)
@pytest.mark.parametrize("value", [..., "", "impressum.html"])
def test_production_refuses_to_start_without_the_operators_legal_pages(tmp_path, name, label, value):
    with pytest.raises(ConfigError, match=re.escape(f"CATALOGUE_{name} ({label}")):
        _start(tmp_path, **{name: value})


@pytest.mark.parametrize("value", [..., "", "redaktion", "@"])
def test_production_refuses_to_start_without_the_editorial_address(tmp_path, value):
    """Profiles without a contact offer it; without it some would offer no one to ask."""
    with pytest.raises(ConfigError, match=re.escape("CATALOGUE_CONTACT_EMAIL")):
        _start(tmp_path, CONTACT_EMAIL=value)


def test_production_needs_an_explicit_number_of_trusted_proxies(tmp_path):
    with pytest.raises(ConfigError, match="CATALOGUE_TRUSTED_PROXIES"):
        _start(tmp_path, TRUSTED_PROXIES=...)
    app = _start(tmp_path, TRUSTED_PROXIES=0)  # gunicorn reached directly: say so
    assert app.config["TRUSTED_PROXIES"] == 0
    with app.app_context():
        db.engine.dispose()


@pytest.mark.parametrize("name", ["SESSION_COOKIE_SECURE", "REMEMBER_COOKIE_SECURE"])
def test_production_refuses_cookies_over_plain_http(tmp_path, name):
    with pytest.raises(ConfigError, match=name):
        _start(tmp_path, **{name: False})


def test_production_refuses_a_short_hsts(tmp_path):
    with pytest.raises(ConfigError, match="HSTS"):
        _start(tmp_path, HSTS_MAX_AGE=60)


def test_production_sends_hsts_and_secure_cookies(tmp_path):
    app = _start(tmp_path)
    response = app.test_client().get("/api/v1/keywords", base_url="https://katalog.example")
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]
    with app.app_context():
        db.engine.dispose()
    development = create_app({"DATABASE_URL": f"sqlite:///{tmp_path}/d.sqlite3", "INDEX_DIR": str(tmp_path / "ix2")})
    assert "Strict-Transport-Security" not in development.test_client().get("/api/v1/keywords").headers
    with development.app_context():
        db.engine.dispose()
