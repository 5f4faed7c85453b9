"""Search fixtures: catch-up on every search (no throttle), and a second app on its own index."""

from __future__ import annotations

import pytest

from catalogue import create_app
from catalogue.extensions import db


@pytest.fixture(autouse=True)
def _no_catchup_throttle(app):
    """Tests assert right after a write made elsewhere; production checks a few times a second."""
    app.config["SEARCH_CATCHUP_INTERVAL"] = 0
    yield


@pytest.fixture
def make_app(app, tmp_path):
    """Another application instance ("another machine") over the same database."""
    made = []

    def factory(index_dir=None):
        other = create_app(
            {
                "TESTING": True,
                "DATABASE_URL": app.config["DATABASE_URL"],
                "INDEX_DIR": str(index_dir or tmp_path / f"index-{len(made)}"),
                "SEARCH_CATCHUP_INTERVAL": 0,
            }
        )
        made.append(other)
        return other

    yield factory
    for other in made:
        with other.app_context():
            db.engine.dispose()
