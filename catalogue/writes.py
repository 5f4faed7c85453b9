"""The frame of every write: the writers' lock and what a write answers (a result or a refusal).

Services, the editing use cases and the account functions import these; views never take the
lock themselves, they call a use case (or, for the API, the request hook calls ``begin_write``
as the transaction's first statement, after the token has been checked).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from .extensions import db

if TYPE_CHECKING:  # models import nothing from here; the annotation only names the class
    from .models import Project

#: Key of the PostgreSQL advisory lock that serialises writers, so that change-log
#: sequence numbers become visible in commit order and no follower ever skips one.
WRITE_LOCK_KEY = 7_352_001


class ServiceError(Exception):
    """A use case cannot be carried out as asked; the message is for the user."""


class NotAllowed(ServiceError):
    """The user's rights do not cover this change (the admin answers 403, and so does the API)."""


class VersionConflict(ServiceError):
    """Somebody else saved the profile since the caller read it."""

    def __init__(self, project: Project, expected: int):
        self.project = project
        self.expected = expected
        super().__init__(f"Das Profil wurde inzwischen geändert (Version {project.version}, erwartet {expected}).")


@dataclass
class SaveResult:
    """What a save did: created, updated, unchanged or skipped (with the reason)."""

    project: Project | None
    action: str
    message: str = ""


def begin_write() -> None:
    """Serialise writers: call before the first write of a transaction (again is harmless)."""
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": WRITE_LOCK_KEY})
    elif dialect == "sqlite":
        _take_sqlite_write_lock()


def _take_sqlite_write_lock() -> None:
    """Hold SQLite's write lock from here to the commit.

    In WAL mode a transaction that has only read holds a snapshot; if another worker commits
    before it writes, its first write fails at once with "database is locked" (the busy
    timeout does not help). A no-op DELETE takes the write lock now; if the snapshot is
    stale, nothing has been written yet (else we would hold the lock), so starting over
    loses only reads, and the retry waits for the lock like BEGIN IMMEDIATE does. As the
    first statement of a transaction (the API's writes) it simply waits its turn.
    """
    grab = text("DELETE FROM changes WHERE 1 = 0")
    try:
        db.session.execute(grab)
    except OperationalError:
        db.session.rollback()
        db.session.execute(grab)
