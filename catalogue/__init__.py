"""IKZ-Katalog: a public catalogue of inter-municipal cooperation in Germany."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from . import (
    accounts,
    api,
    caching,
    cli,
    database,
    errors,
    formatting,
    i18n,
    jsonbody,
    migrating,
    opendata,
    ops,
    places,
    search,
    security,
)
from .admin import bp as admin_bp
from .config import build_config
from .extensions import csrf, db, limiter, retry_after_only_when_refused
from .public import bp as public_bp


def create_app(config: dict | None = None, instance_path: str | None = None) -> Flask:
    """Build the application: configuration, extensions, blueprints, error pages and CLI.
    ``instance_path``: the instance folder (default: Flask's, ``instance/`` in a checkout)."""
    app = Flask(__name__, instance_path=instance_path, instance_relative_config=True)
    app.config.update(build_config(app.instance_path, config))
    _instance_folder(app)

    jsonbody.init_app(app)  # bounded JSON bodies before anything parses them
    db.init_app(app)
    database.init_app(app)
    migrating.init_app(app)  # `flask db`: Flask-Migrate is set up only when a migration runs
    i18n.init_app(app)
    csrf.init_app(app)
    app.after_request(retry_after_only_when_refused)  # before the limiter: runs after its hook
    limiter.init_app(app)
    accounts.init_app(app)
    formatting.init_app(app)
    errors.init_app(app)
    ops.init_app(app)  # outages, health, metrics, request log, backup
    cli.init_app(app)
    app.register_blueprint(public_bp)
    search.init_app(app)
    api.init_app(app)  # JSON API /api/v1
    places.init_app(app)  # register of places, place pages, partner search, maps
    opendata.init_app(app)  # DCAT-AP.de, JSON-LD, feeds, sitemap
    app.register_blueprint(admin_bp)
    security.init_app(app)
    caching.init_app(app)  # last: its hooks need the language and rate limits chosen first
    _trust_proxies(app)
    return app


def _instance_folder(app: Flask) -> None:
    """Create the instance folder when the default SQLite file lives there (SQLite does not
    create folders; the index creates its own), and not otherwise."""
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///" + app.instance_path):
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)


def _trust_proxies(app: Flask) -> None:
    """Behind TRUSTED_PROXIES reverse proxies, take client address, scheme and host from them."""
    proxies = app.config["TRUSTED_PROXIES"]
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)
