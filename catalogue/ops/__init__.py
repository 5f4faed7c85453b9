"""Operating the catalogue: outage answers, health and readiness, metrics, request ids and
logs, backup and restore. ``init_app`` wires all of it with one call from create_app."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register every operations piece on ``app``."""
    from . import backup, health, metrics, outage, requestlog

    requestlog.init_app(app)
    outage.init_app(app)
    app.register_blueprint(health.bp)
    metrics.init_app(app)
    backup.init_app(app)
