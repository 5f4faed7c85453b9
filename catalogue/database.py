"""Engine settings per database: SQLite needs help to behave transactionally."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

from .extensions import db


def _configure_sqlite(engine: Engine) -> None:
    """SQLAlchemy's recipe for real SQLite transactions, plus settings for several workers.

    pysqlite delays BEGIN until the first write, so a SAVEPOINT could open (and its RELEASE
    commit) a transaction of its own: per-record savepoints in imports and dry runs would
    silently commit. Emitting BEGIN ourselves fixes that.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        # Readers keep reading while one writer writes (several gunicorn workers).
        cursor.execute("PRAGMA journal_mode = WAL")
        # Wait for another worker's write instead of failing at once.
        cursor.execute("PRAGMA busy_timeout = 10000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        connection.exec_driver_sql("BEGIN")


def init_app(app: Flask) -> None:
    """Apply the per-dialect settings to the app's engine."""
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            _configure_sqlite(db.engine)
