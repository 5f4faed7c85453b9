"""Configuration from CATALOGUE_* variables, the production safety check, wsgi, migrations."""

from __future__ import annotations

import os

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import request

from catalogue import create_app
from catalogue.config import ConfigError
from catalogue.extensions import db


def test_defaults_put_database_and_index_in_the_instance_folder(monkeypatch, tmp_path):
    for name in ("DATABASE_URL", "INDEX_DIR", "SECRET_KEY", "ENV"):
        monkeypatch.delenv(f"CATALOGUE_{name}", raising=False)
    app = create_app(instance_path=str(tmp_path / "instance"))
    assert app.instance_path == str(tmp_path / "instance") and (tmp_path / "instance").is_dir()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{app.instance_path}/catalogue.sqlite3"
    assert app.config["INDEX_DIR"] == f"{app.instance_path}/index"


def test_environment_variables_are_read(monkeypatch, tmp_path):
    monkeypatch.setenv("CATALOGUE_DATABASE_URL", "postgresql://u@db.example/katalog")
    monkeypatch.setenv("CATALOGUE_INDEX_DIR", str(tmp_path / "ix"))
    monkeypatch.setenv("CATALOGUE_PAGE_SIZE", "10")
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db.example/katalog"
    assert app.config["INDEX_DIR"] == str(tmp_path / "ix")
    assert app.config["PAGE_SIZE"] == 10


def test_explicit_mapping_wins_over_environment(monkeypatch):
    monkeypatch.setenv("CATALOGUE_PAGE_SIZE", "10")
    assert create_app({"PAGE_SIZE": 7, "DATABASE_URL": "sqlite://"}).config["PAGE_SIZE"] == 7


@pytest.mark.parametrize("key", [None, "", "kurz", "dev-only-not-secret"])
def test_production_refuses_to_start_without_a_real_secret_key(monkeypatch, key):
    monkeypatch.delenv("CATALOGUE_SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="CATALOGUE_SECRET_KEY"):
        create_app({"ENV": "production", "SECRET_KEY": key, "DATABASE_URL": "sqlite://"})


def test_passwords_are_hashed_with_scrypt_unless_configured(monkeypatch):
    monkeypatch.delenv("CATALOGUE_PASSWORD_HASH_METHOD", raising=False)
    assert create_app({"DATABASE_URL": "sqlite://"}).config["PASSWORD_HASH_METHOD"] == "scrypt"


#: Everything else production insists on, so that only the hash method decides.
PRODUCTION = {
    "ENV": "production",
    "SECRET_KEY": "x" * 32,
    "DATABASE_URL": "sqlite://",
    "TRUSTED_PROXIES": 1,
    "IMPRINT_URL": "https://example.org/impressum",
    "PRIVACY_URL": "https://example.org/datenschutz",
    "ACCESSIBILITY_URL": "https://example.org/barrierefreiheit",
    "CONTACT_EMAIL": "redaktion@example.org",
}


@pytest.mark.parametrize("method", ["pbkdf2:sha256:1000", "pbkdf2:sha256:x", "plain"])
def test_production_refuses_a_weak_password_hash(method):
    with pytest.raises(ConfigError, match="PASSWORD_HASH_METHOD"):
        create_app({**PRODUCTION, "PASSWORD_HASH_METHOD": method})


@pytest.mark.parametrize("method", ["scrypt", "scrypt:32768:8:1", "pbkdf2:sha256:600000", "pbkdf2:sha256"])
def test_production_accepts_a_strong_password_hash(method):
    app = create_app({**PRODUCTION, "PASSWORD_HASH_METHOD": method})
    assert app.config["PASSWORD_HASH_METHOD"] == method


def test_production_with_a_secret_key_has_secure_cookies():
    app = create_app(
        {
            "ENV": "production",
            "SECRET_KEY": "x" * 32,
            "DATABASE_URL": "sqlite://",
            "TRUSTED_PROXIES": 1,
            "IMPRINT_URL": "https://example.org/impressum",
            "PRIVACY_URL": "https://example.org/datenschutz",
            "ACCESSIBILITY_URL": "https://example.org/barrierefreiheit",
            "CONTACT_EMAIL": "redaktion@example.org",
        }
    )
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_wsgi_exposes_an_app(monkeypatch, tmp_path):
    monkeypatch.setenv("CATALOGUE_DATABASE_URL", f"sqlite:///{tmp_path}/w.sqlite3")
    import importlib

    import wsgi

    importlib.reload(wsgi)
    assert wsgi.app.name == "catalogue"


def test_migrations_match_the_models(app):
    """The schema built by the migrations is exactly what the models declare."""
    with db.engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), db.metadata)
    assert diff == []


def test_trusted_proxy_headers_give_the_visitors_address_and_scheme(tmp_path):
    """Behind a reverse proxy, rate limits and absolute URLs need the visitor's address and https."""

    def echo_app(**config):
        app = create_app(
            {"DATABASE_URL": f"sqlite:///{tmp_path}/p.sqlite3", "INDEX_DIR": str(tmp_path / "index"), **config}
        )
        app.add_url_rule("/_echo", "echo", lambda: f"{request.remote_addr} {request.scheme}")
        return app

    headers = {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"}
    plain, proxied = echo_app(), echo_app(TRUSTED_PROXIES=1)
    assert plain.test_client().get("/_echo", headers=headers).text == "127.0.0.1 http"  # not trusted by default
    assert proxied.test_client().get("/_echo", headers=headers).text == "203.0.113.7 https"
    for app in (plain, proxied):
        with app.app_context():
            db.engine.dispose()
    with pytest.raises(ConfigError, match="TRUSTED_PROXIES"):
        create_app({"TRUSTED_PROXIES": 9, "DATABASE_URL": "sqlite://"})


@pytest.mark.skipif(
    not os.environ.get("CATALOGUE_TEST_DATABASE_URL", "").startswith("postgresql"),
    reason="needs CATALOGUE_TEST_DATABASE_URL=postgresql://…",
)
@pytest.mark.parametrize("configured, expected", [({}, "5"), ({"DATABASE_CONNECT_TIMEOUT": 2}, "2")])
def test_postgresql_connections_give_up_after_the_connect_timeout(tmp_path, configured, expected):
    """A database host that drops packets must not hold a worker until gunicorn kills it: libpq
    gives up connecting after DATABASE_CONNECT_TIMEOUT seconds (5 unless configured)."""
    url = os.environ["CATALOGUE_TEST_DATABASE_URL"]
    app = create_app({"TESTING": True, "DATABASE_URL": url, "INDEX_DIR": str(tmp_path / "ix"), **configured})
    with app.app_context():
        try:
            with db.engine.connect() as connection:
                parameters = connection.connection.dbapi_connection.info.get_parameters()
        finally:
            db.engine.dispose()
    assert parameters.get("connect_timeout") == expected, parameters


def test_the_connect_timeout_is_checked_and_left_out_for_sqlite(tmp_path):
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path}/t.sqlite3", "INDEX_DIR": str(tmp_path / "ix")})
    assert "connect_args" not in app.config["SQLALCHEMY_ENGINE_OPTIONS"]  # sqlite3 knows no connect_timeout
    with pytest.raises(ConfigError, match="DATABASE_CONNECT_TIMEOUT"):
        create_app({"DATABASE_URL": "sqlite://", "DATABASE_CONNECT_TIMEOUT": 0})
