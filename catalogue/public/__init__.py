"""HTML pages for citizens and municipal staff."""

from flask import Blueprint

bp = Blueprint("public", __name__)

from . import search_views, statistics_views, views  # noqa: E402,F401  (registers the routes)
