"""Operating the catalogue: outage answers, health and readiness, metrics, request ids and
logs, backup and restore. ``init_app`` wires all of it with one call from create_app."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register every operations piece on ``app``."""
    from . import outage

    outage.init_app(app)
