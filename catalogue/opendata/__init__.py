"""Open data for other portals: DCAT-AP.de, schema.org JSON-LD, Atom feeds, sitemap, downloads.

Everything here reads; it derives from the data and the change log only, so that a response
cache keyed by the log's latest ``seq`` stays correct.
"""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("opendata", __name__)


def init_app(app: Flask) -> None:
    """Register the open-data routes and the template helpers of the page heads."""
    from . import head, views  # noqa: F401  (registers the routes)

    app.register_blueprint(bp)
    head.init_app(app)
