"""Throttling of forms (login, and any form that needs it), counted in the database.

Flask-Limiter's default store counts per process: with four gunicorn workers an attacker
got four budgets (the first 429 came at attempt 38 of "10 per minute"). These counters live
in the database every worker and machine shares. Only refusable attempts are counted (a
failed login), so a colleague's successful logins behind the same address cost nothing.
"""

from __future__ import annotations

import time

from limits import parse
from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from .extensions import db
from .models import RateCounter

#: Rows older than this are deleted when their key counts again (seconds).
_KEEP = 24 * 3600


def _window(limit: str) -> tuple[int, int, int]:
    """(allowed hits, window length in seconds, start of the current window) of a limit like "10 per minute"."""
    item = parse(limit)
    length = item.get_expiry()
    return item.amount, length, int(time.time()) // length * length


def retry_after(keys: list[str], limit: str) -> int | None:
    """Seconds to wait when any of ``keys`` has used up ``limit``, else None.

    Fixed windows alone would let a guesser spend two budgets around a window's end, so the
    previous window counts too, by the share of it that still lies within one window length
    (the usual sliding-window estimate)."""
    amount, length, start = _window(limit)
    now = time.time()
    rows = db.session.execute(
        select(RateCounter.key, RateCounter.window_start, RateCounter.hits).where(
            RateCounter.key.in_(keys), RateCounter.window_start.in_([start, start - length])
        )
    ).all()
    previous_share = 1 - (now - start) / length
    for key in keys:
        hits = sum(r.hits if r.window_start == start else r.hits * previous_share for r in rows if r.key == key)
        if round(hits) >= amount:
            return max(1, int(start + length - now) + 1)
    return None


def count(keys: list[str], limit: str) -> None:
    """Count one hit for each of ``keys`` in the current window (an atomic upsert per key;
    flushes, the request commits)."""
    _amount, _length, start = _window(limit)
    insert = postgresql_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    for key in keys:
        statement = insert(RateCounter).values(key=key, window_start=start, hits=1)
        db.session.execute(
            statement.on_conflict_do_update(index_elements=["key", "window_start"], set_={"hits": RateCounter.hits + 1})
        )
        db.session.execute(delete(RateCounter).where(RateCounter.key == key, RateCounter.window_start < start - _KEEP))
