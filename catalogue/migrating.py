"""Database migrations (Flask-Migrate, Alembic), set up only in the processes that migrate.

Importing Flask-Migrate imports Alembic, and Alembic imports Mako and Pygments: about 150
modules and 11 MB, a sixth of create_app(), which every gunicorn worker and every other `flask`
command paid for and never used. So create_app() registers a stand-in for Flask-Migrate's
`flask db` group that sets Flask-Migrate up when it runs (``flask db --help`` included), and code
that migrates without the command line (tests, benchmarks) calls ``upgrade``/``downgrade`` here.
"""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import ScriptInfo

from .extensions import db

MIGRATIONS = Path(__file__).parent / "migrations"


def set_up(app: Flask) -> None:
    """Flask-Migrate on ``app`` (once): the migrations' env.py and Flask-Migrate's functions
    read it from ``app.extensions["migrate"]``; it also replaces the stand-in `db` group."""
    if "migrate" not in app.extensions:
        from flask_migrate import Migrate

        Migrate(app, db, directory=str(MIGRATIONS))


class _MigrationCommands(click.Group):
    """`flask db …`: hands the command line to Flask-Migrate's own group, set up first."""

    def _real(self, ctx: click.Context) -> click.Group:
        set_up(ctx.find_object(ScriptInfo).load_app())
        from flask_migrate.cli import db as group

        return group

    def make_context(self, info_name, args, parent=None, **extra):
        # Click builds the context of the command it runs from the command: giving it the real
        # group's makes that group parse its options, run its callback and its subcommands.
        return self._real(parent).make_context(info_name, args, parent=parent, **extra)

    def list_commands(self, ctx):
        return self._real(ctx).list_commands(ctx)

    def get_command(self, ctx, name):
        return self._real(ctx).get_command(ctx, name)


def init_app(app: Flask) -> None:
    """Add `flask db` (Flask-Migrate's commands, loaded when used)."""
    app.cli.add_command(_MigrationCommands("db", help="Perform database migrations."))


def upgrade(revision: str = "head") -> None:
    """Migrate the current app's database up to ``revision`` (Flask-Migrate's upgrade)."""
    set_up(current_app)
    from flask_migrate import upgrade as flask_migrate_upgrade

    flask_migrate_upgrade(revision=revision)


def downgrade(revision: str = "-1") -> None:
    """Migrate the current app's database down to ``revision`` (Flask-Migrate's downgrade)."""
    set_up(current_app)
    from flask_migrate import downgrade as flask_migrate_downgrade

    flask_migrate_downgrade(revision=revision)
