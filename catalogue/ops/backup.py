"""`flask --app catalogue backup FILE` and `restore FILE`: a consistent copy while the site
serves, and its way back.

SQLite: the online backup API copies a consistent snapshot page by page, while other
connections go on reading and writing. PostgreSQL: pg_dump in its custom format (one
snapshot transaction, so writes during the dump do not tear it), pg_restore to restore.
After a restore the search index is rebuilt; other machines' indexes notice by themselves,
since the change row they applied last no longer has the fingerprint they stored.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

import click
from flask import Flask
from sqlalchemy import func, select

from ..extensions import db
from ..models import Project


class BackupError(click.ClickException):
    """A backup or restore that cannot be done; the message says what to do instead."""

    def format_message(self) -> str:
        return f"FEHLER {self.message}"


def _sqlite_path() -> Path:
    return Path(db.engine.url.database)


def _libpq_url() -> str:
    """The database URL as pg_dump understands it (no SQLAlchemy driver name), without its
    password: a command line is visible to every user of the machine (``ps``)."""
    return db.engine.url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)


def _libpq_environment() -> dict[str, str]:
    """The environment of pg_dump/pg_restore: the password, if the URL has one, as PGPASSWORD."""
    environment = dict(os.environ)
    if db.engine.url.password:
        environment["PGPASSWORD"] = db.engine.url.password
    return environment


def _postgres_tool(name: str) -> str:
    tool = shutil.which(name)
    if tool is None:
        raise BackupError(
            f"{name} nicht gefunden. Installieren (Debian: apt-get install postgresql-client, in der Version des "
            f'Servers) oder von Hand: pg_dump --format=custom --file DATEI "$CATALOGUE_DATABASE_URL".'
        )
    return tool


def _run(command: list[str]) -> None:
    result = subprocess.run(command, capture_output=True, text=True, env=_libpq_environment())
    if result.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} ist gescheitert: {result.stderr.strip()[:2000]}")


def backup(target: Path) -> None:
    """Write a consistent copy of the database to ``target``.

    The copy goes into a file beside the target and is renamed when complete: a failed or
    interrupted copy leaves no half-written file that looks like a backup."""
    dialect = db.engine.dialect.name
    if dialect not in ("sqlite", "postgresql"):
        raise BackupError(f"Keine Sicherung für die Datenbank {dialect}.")
    partial = target.with_name(f".{target.name}.partial")
    try:
        if dialect == "sqlite":
            source = sqlite3.connect(_sqlite_path())
            destination = sqlite3.connect(partial)
            try:
                with destination:
                    source.backup(destination, pages=256)  # in steps: writers are never blocked for long
            finally:
                destination.close()
                source.close()
        else:
            _run([_postgres_tool("pg_dump"), "--format=custom", "--no-owner", "--file", str(partial), _libpq_url()])
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)


def restore(source: Path) -> None:
    """Replace the database's content with the copy in ``source``."""
    dialect = db.engine.dialect.name
    db.session.remove()
    db.engine.dispose()  # no pooled connection may keep reading the old pages
    if dialect == "sqlite":
        check = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        try:
            if check.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                raise BackupError(f"{source} ist keine unversehrte SQLite-Datenbank.")
            destination = sqlite3.connect(_sqlite_path(), timeout=30)
            try:
                check.backup(destination)
            finally:
                destination.close()
        except sqlite3.DatabaseError as error:
            raise BackupError(f"{source} ist keine SQLite-Sicherung: {error}") from error
        finally:
            check.close()
    elif dialect == "postgresql":
        _run(
            [
                _postgres_tool("pg_restore"),
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                "--dbname",
                _libpq_url(),
                str(source),
            ]
        )
    else:
        raise BackupError(f"Keine Wiederherstellung für die Datenbank {dialect}.")
    db.engine.dispose()


@click.command("backup")
@click.argument("target", type=click.Path(dir_okay=False, path_type=Path))
def backup_command(target: Path):
    """Write a consistent copy of the catalogue's database to TARGET (while the site serves)."""
    if target.exists():
        raise BackupError(f"{target} gibt es schon; bitte einen neuen Dateinamen angeben.")
    if not target.parent.is_dir():
        raise BackupError(f"Den Ordner {target.parent} gibt es nicht; bitte erst anlegen.")
    backup(target)
    click.echo(f"Gesichert: {target} ({target.stat().st_size:,} Bytes).".replace(",", "."))


@click.command("restore")
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Auch einen Katalog überschreiben, der schon Profile hat.")
def restore_command(source: Path, force: bool):
    """Replace the catalogue with the backup SOURCE, then rebuild the search index."""
    from .. import search

    try:
        present = db.session.scalar(select(func.count(Project.id)))
    except Exception:  # no tables yet: nothing to lose
        db.session.rollback()
        present = 0
    db.session.rollback()
    if present and not force:
        raise BackupError(
            f"Der Katalog enthält {present} Profile; die Wiederherstellung würde sie ersetzen. "
            "Mit --force trotzdem wiederherstellen (vorher am besten `backup` ziehen)."
        )
    restore(source)
    count = search.rebuild()
    click.echo(f"Wiederhergestellt aus {source}; Suchindex neu aufgebaut: {count} Profile.")


def init_app(app: Flask) -> None:
    """Add the commands."""
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
