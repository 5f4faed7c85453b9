"""/healthz (the process answers) and /readyz (database reachable, schema at the newest
migration, search index present and caught up within a bound): JSON, 200 or 503, cheap,
never rate limited, never cached. Load balancers and orchestrators poll them."""

from __future__ import annotations

import time
from pathlib import Path

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text

from ..extensions import db, limiter

bp = Blueprint("ops", __name__)
limiter.exempt(bp)
MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def newest_migration() -> str:
    """The head revision of the migrations this code ships (read once per process)."""
    if not hasattr(newest_migration, "head"):
        # Alembic (with Mako) only when readiness is first asked: a worker started without it.
        from alembic.config import Config
        from alembic.script import ScriptDirectory

        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        newest_migration.head = ScriptDirectory.from_config(config).get_current_head()
    return newest_migration.head


def index_lag() -> dict:
    """How far this machine's index is behind the change log: changes and seconds (age of the
    oldest change it has not applied). Catches up first, as a search would."""
    from .. import search
    from ..search import sync

    store = current_app.extensions["catalogue_search"]
    if store.current_generation() is None:
        raise FileNotFoundError(f"kein Suchindex in {store.root}")
    sync.catch_up(store)
    lag = search.index_lag()
    return {"lag_changes": lag.changes, "lag_seconds": round(lag.seconds, 3)}


def _check(name: str, checks: dict, probe) -> None:
    started = time.perf_counter()
    try:
        checks[name] = {"ok": True, **(probe() or {})}
    except Exception as error:  # whatever fails, readiness says so instead of failing itself
        db.session.rollback()
        checks[name] = {
            "ok": False,
            "error": f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}"[:200],
        }
    checks[name]["ms"] = round((time.perf_counter() - started) * 1000, 1)


def _answer(body: dict, ok: bool):
    response = jsonify(body)
    response.status_code = 200 if ok else 503
    response.headers["Cache-Control"] = "no-store"
    if not ok:
        response.headers["Retry-After"] = "5"
    return response


@bp.get("/healthz")
def healthz():
    """The process is alive and serves requests (touches nothing else)."""
    return _answer({"status": "ok"}, True)


@bp.get("/readyz")
def readyz():
    """Ready for traffic: database, schema version, index presence and lag."""
    checks: dict = {}
    _check("database", checks, lambda: db.session.execute(text("SELECT 1")).scalar() and None)

    def schema():
        current = db.session.execute(text("SELECT version_num FROM alembic_version")).scalar()
        expected = newest_migration()
        if current != expected:
            raise RuntimeError(f"Schema auf {current}, erwartet {expected}: flask --app catalogue db upgrade")
        return {"version": current}

    if checks["database"]["ok"]:
        _check("schema", checks, schema)

        def index():
            lag = index_lag()
            bound = current_app.config["READY_MAX_LAG_SECONDS"]
            if lag["lag_changes"] and lag["lag_seconds"] > bound:
                raise RuntimeError(
                    f"Suchindex {lag['lag_changes']} Änderungen / {lag['lag_seconds']:.0f} s zurück (Grenze {bound} s)"
                )
            return lag

        _check("index", checks, index)
    db.session.rollback()  # end the read transaction: a poll must not hold a snapshot open
    ok = all(check["ok"] for check in checks.values()) and len(checks) == 3
    return _answer({"status": "ok" if ok else "unavailable", "checks": checks}, ok)
