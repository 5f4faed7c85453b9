"""An unreachable database is answered, not crashed: 503 with Retry-After (a problem document
under /api, the error page elsewhere), one log line when the outage starts and one when it
ends, instead of a traceback per request. Recovery needs nothing: SQLAlchemy's pool
(pre-ping) connects again on the next request once the database answers."""

from __future__ import annotations

import logging
import sqlite3
import threading
import time

from flask import Flask, current_app, request
from sqlalchemy import event
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import ServiceUnavailable

from ..errors import answer_unexpected, is_api_path, problem_response, render_error
from ..extensions import db

log = logging.getLogger("catalogue.ops.outage")
EXTENSION = "catalogue_outage"
#: What a database that does not answer raises: the driver's errors wrapped by SQLAlchemy, and
#: unwrapped where code uses the pool's raw connections (catalogue.caching reads the version so).
#: psycopg's own are added by init_app when the engine uses psycopg (see driver_errors).
OUTAGE_ERRORS = (OperationalError, InterfaceError, PoolTimeout, sqlite3.OperationalError)
API_DETAIL = "Die Datenbank ist gerade nicht erreichbar; bitte nach der in Retry-After genannten Zeit erneut versuchen."


class OutageWatch:
    """Whether this process currently sees the database as down, and since when."""

    def __init__(self):
        self._lock = threading.Lock()
        self.since: float | None = None
        self.refused = 0

    def failed(self, error: Exception) -> None:
        """A request met the outage: log only the first one of each outage."""
        with self._lock:
            self.refused += 1
            if self.since is not None:
                return
            self.since = time.monotonic()
        log.error(
            "Datenbank nicht erreichbar (%s); alle Anfragen bekommen 503 mit Retry-After, bis sie wieder "
            "antwortet (Server, Netz und CATALOGUE_DATABASE_URL prüfen).",
            summary(error),
        )

    def connected(self) -> None:
        """A new connection succeeded: if that ends an outage, say so once."""
        if self.since is None:
            return
        with self._lock:
            if self.since is None:
                return
            seconds, refused = time.monotonic() - self.since, self.refused
            self.since, self.refused = None, 0
        log.warning(
            "Datenbank wieder erreichbar nach %.0f s; %d Anfragen wurden mit 503 beantwortet.", seconds, refused
        )


def summary(error: Exception) -> str:
    """The driver's first message line: no SQL statement, no parameters."""
    cause = getattr(error, "orig", None) or error
    lines = str(cause).strip().splitlines()
    return f"{type(cause).__name__}: {lines[0] if lines else ''}"[:300]


def _is_schema_error(error: Exception) -> bool:
    """SQLite reports a missing table (no `db upgrade` yet) as an OperationalError: a bug or
    a set-up step, not an outage that waiting would cure."""
    return str(getattr(error, "orig", error)).lower().startswith(("no such table", "no such column"))


def _is_contention(error: Exception) -> bool:
    """SQLite's "database is locked": the database is there, only busy (no outage to log)."""
    return "locked" in str(getattr(error, "orig", error)).lower()


def init_app(app: Flask) -> None:
    """Answer database outages with 503 and watch for the recovery."""
    app.config.setdefault("OUTAGE_RETRY_AFTER", 10)
    watch = OutageWatch()
    app.extensions[EXTENSION] = watch
    with app.app_context():
        event.listen(db.engine, "connect", lambda *_args: watch.connected())

    def _unavailable(error: Exception):
        if _is_schema_error(error):
            return answer_unexpected(error)
        try:
            db.session.rollback()
        except Exception:  # the connection is gone: nothing to roll back
            pass
        retry_after = current_app.config["OUTAGE_RETRY_AFTER"]
        if _is_contention(error):
            log.warning("Datenbank beschäftigt auf %s: %s", request.path, summary(error))
            retry_after = 1
        else:
            watch.failed(error)
        if is_api_path(request.path):
            refusal = ServiceUnavailable(API_DETAIL)
            refusal._catalogue_detail = True
            response = problem_response(refusal)
        else:
            body, status = render_error(503)
            response = current_app.make_response((body, status))
        response.headers["Retry-After"] = str(retry_after)
        response.headers["Cache-Control"] = "no-store"
        return response

    for error_class in OUTAGE_ERRORS + driver_errors(app):
        app.register_error_handler(error_class, _unavailable)


def driver_errors(app: Flask) -> tuple[type[Exception], ...]:
    """psycopg's unwrapped outage errors, when the engine talks to PostgreSQL through it.
    Only then: importing psycopg cost every SQLite process (each worker, each command) about
    0.1 s and 9 MB; on PostgreSQL SQLAlchemy has imported it already."""
    with app.app_context():
        if db.engine.dialect.driver != "psycopg":
            return ()
    import psycopg

    return (psycopg.OperationalError, psycopg.InterfaceError)
