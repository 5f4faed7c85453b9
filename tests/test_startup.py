"""What create_app() leaves for later (issue 15: a worker ready in a second, a `flask` command
that does not index quick). Each of these cost every worker and every command time and memory
at start, and only some requests or commands need them; a later import at module level would
bring the cost back silently, so this checks a fresh interpreter's modules (no timers)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from sqlalchemy import text

from catalogue import create_app
from catalogue.extensions import db
from catalogue.ops.health import newest_migration

#: Top-level modules create_app() must not import, and who needs them instead.
LAZY = {
    "rdflib": "the DCAT-AP document (opendata.views.catalogue_document)",
    "html5rdf": "rdflib",
    "feedgen": "Atom feeds (opendata.feeds.atom)",
    "lxml": "feedgen",
    "slugify": "writes that make a slug (textutil.slugify)",
    "text_unidecode": "python-slugify",
    "openpyxl": "XLSX downloads",
    "compound_split": "an index build that cannot map the converted table (search.compounds)",
    "flask_migrate": "`flask db …` and code that migrates (catalogue.migrating)",
    "alembic": "Flask-Migrate, and /readyz once (ops.health.newest_migration)",
    "mako": "Alembic",
    "pygments": "Mako",
}

CHILD = """
import json, sys
from catalogue import create_app
from catalogue.search import compounds
app = create_app()
print(json.dumps({
    "modules": sorted({name.split(".")[0] for name in sys.modules}),
    "compound_table_open": compounds._table is not None,
    # apispec's conversion of the views (CatalogueApi.spec) waits for the document's first read.
    "api_documented": bool(app.extensions["catalogue_api"]._spec._paths),
}))
"""


def start_fresh(app) -> dict:
    """create_app() in a new interpreter on the test's database and index."""
    env = dict(
        os.environ,
        CATALOGUE_DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
        CATALOGUE_INDEX_DIR=app.config["INDEX_DIR"],
    )
    out = subprocess.run([sys.executable, "-c", CHILD], env=env, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.splitlines()[-1])


def test_create_app_leaves_heavy_modules_and_the_api_document_for_later(app, seeded):
    started = start_fresh(app)
    loaded = {name: why for name, why in LAZY.items() if name in started["modules"]}
    assert not loaded, f"create_app() imported modules only some requests need: {loaded}"
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        assert "psycopg" not in started["modules"]  # the PostgreSQL driver only where it is used
    assert not started["compound_table_open"]  # opened by the first analysis, not at start
    assert not started["api_documented"]


def test_the_api_document_is_complete_on_first_read(client):
    """Documented on first read: every view is in it, with the answers every operation has."""
    spec = client.get("/api/v1/openapi.json").get_json()
    assert "/api/v1/projects" in spec["paths"] and "/api/v1/openapi.json" in spec["paths"]
    assert all("429" in operation["responses"] for operation in spec["paths"]["/api/v1/projects"].values())
    assert spec["tags"] == [{"name": "api", "description": spec["tags"][0]["description"]}]


def test_flask_db_sets_up_flask_migrate_when_it_runs(tmp_path):
    """`flask db` still migrates, with its own options, though Flask-Migrate is not set up at start."""
    app = create_app(
        {"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3", "INDEX_DIR": str(tmp_path / "ix")}
    )
    runner = app.test_cli_runner()
    with app.app_context():  # the commands run in the current app context (the suite has one open)
        listed = runner.invoke(args=["db", "--help"])
        assert listed.exit_code == 0 and "upgrade" in listed.output and "--x-arg" in listed.output
        assert runner.invoke(args=["db", "-x", "unused=1", "upgrade"]).exit_code == 0
        assert db.session.scalar(text("SELECT version_num FROM alembic_version")) == newest_migration()
        db.session.rollback()
        db.engine.dispose()
