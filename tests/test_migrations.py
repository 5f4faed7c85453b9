"""Migrations keep the data: upgrading an existing, filled catalogue (and going back) loses no row."""

from __future__ import annotations

from sqlalchemy import func, select

from catalogue import create_app
from catalogue.extensions import db
from catalogue.migrating import downgrade, upgrade


def _counts() -> dict[str, int]:
    return {
        table.name: db.session.scalar(select(func.count()).select_from(table)) for table in db.metadata.sorted_tables
    }


def test_a_filled_sqlite_catalogue_keeps_every_row_through_the_table_rebuilding_migrations(tmp_path):
    """0010 and 0011 alter "projects", which SQLite does by copying and dropping the table; with
    foreign keys on, the drop used to delete every participation (ON DELETE CASCADE)."""
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": f"sqlite:///{tmp_path}/filled.sqlite3",
            "INDEX_DIR": str(tmp_path / "index"),
        }
    )
    with app.app_context():
        upgrade()
        assert app.test_cli_runner().invoke(args=["seed"]).exit_code == 0
        db.session.remove()
        before = _counts()
        assert before["participations"] > 0 and before["projects"] == 19
        downgrade(revision="0009")  # drops content_changed_at again: another copy of "projects"
        upgrade()
        db.session.remove()
        assert _counts() == before
        db.engine.dispose()
