"""IKZ-Katalog: a public catalogue of inter-municipal cooperation in Germany."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from .config import build_config


def create_app(config: dict | None = None) -> Flask:
    """Build the application: configuration, extensions, blueprints, error pages and CLI."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.update(build_config(app.instance_path, config))
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    from . import accounts, cli, database, errors, formatting, i18n, jsonbody
    from .extensions import csrf, db, limiter, migrate, retry_after_only_when_refused
    from .public import bp as public_bp

    jsonbody.init_app(app)
    db.init_app(app)
    database.init_app(app)
    migrate.init_app(app, db, directory=str(Path(__file__).parent / "migrations"))
    i18n.init_app(app)
    csrf.init_app(app)
    app.after_request(retry_after_only_when_refused)  # before the limiter: runs after its hook
    limiter.init_app(app)
    accounts.init_app(app)
    formatting.init_app(app)
    errors.init_app(app)
    from . import ops; ops.init_app(app)  # outages, health, metrics, request log, backup (issue 12)
    cli.init_app(app)
    app.register_blueprint(public_bp)
    from . import search
    search.init_app(app)
    from . import api; api.init_app(app)  # JSON API /api/v1 (issue 4)
    from . import places; places.init_app(app)  # register of places, place pages, partner search, maps (issue 11)
    from . import opendata; opendata.init_app(app)  # DCAT-AP.de, JSON-LD, feeds, sitemap (issue 13)
    from . import security
    from .admin import bp as admin_bp

    app.register_blueprint(admin_bp)
    security.init_app(app)
    from . import caching
    caching.init_app(app)  # last: its hooks need the language and rate limits chosen first
    if app.config["TRUSTED_PROXIES"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        proxies = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)
    return app
