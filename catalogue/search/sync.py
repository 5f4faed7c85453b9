"""Keeping an index in step with the database's change log (catch-up, rebuild, after-commit hook).

A request never works off a large backlog: it applies at most ``SEARCH_CATCHUP_STEP`` changes
(one bounded step) and hands the rest to a background thread of its process, which applies them
in batches while searches answer from the index as it is. ``lag`` says how far behind it is."""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from dataclasses import dataclass

from flask import current_app, has_app_context, has_request_context
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session, selectinload

from ..extensions import db
from ..models import Change, Participation, Project, change_identity
from .schema import INDEX_VERSION, META_ID, project_record, write_document
from .store import IndexStore, LockError
from .w3 import BulkWriter

log = logging.getLogger(__name__)

#: Seconds a writer waits for another process's index lock before leaving the work to a later catch-up.
WRITE_TIMEOUT = 10.0
#: Seconds a search waits for that lock: another process holding it is applying the same changes.
SEARCH_WRITE_TIMEOUT = 0.0
#: Seconds a cached answer that found the index a few changes behind waits for that lock: the
#: holder is applying those very changes (about 0.1 s of CPU for one), and the waiting workers
#: would otherwise answer without them, uncached, taking the CPU the holder needs.
DUE_WRITE_TIMEOUT = 1.0
_BATCH = 500
#: Called with the seconds each catch-up that applied changes took (catalogue.ops.metrics).
CATCHUP_OBSERVERS: list = []


@dataclass(frozen=True)
class Lag:
    """How far an index is behind the change log: changes not applied yet, and the age in
    seconds of the oldest of them (0 when the index is current)."""

    changes: int
    seconds: float


def _read_session() -> Session:
    """A session of its own: catch-up runs inside other sessions' after_commit and must not touch them."""
    return Session(bind=db.engine, expire_on_commit=False)


def _load_projects(session: Session, ids: list[int]) -> dict[int, Project]:
    stmt = (
        select(Project)
        .where(Project.id.in_(ids))
        .options(
            selectinload(Project.participations).selectinload(Participation.organisation),
            selectinload(Project.keywords),
            selectinload(Project.legal_form),
            selectinload(Project.updates),
        )
    )
    return {project.id: project for project in session.scalars(stmt)}


def _meta_document(seq: int, fingerprint: str) -> dict:
    return {"id": META_ID, "meta": {"seq": seq, "fingerprint": fingerprint, "version": INDEX_VERSION}}


def lag(store: IndexStore) -> Lag:
    """The index's distance from the change log (for readiness checks and metrics)."""
    session = _read_session()
    try:
        meta = store.meta()
        seq = meta["seq"]
        if seq and change_identity(session, seq) != meta["fingerprint"]:
            seq = 0  # another database than the index was built from: all of it is to be applied
        db_seq = session.scalar(select(Change.seq).order_by(Change.seq.desc()).limit(1)) or 0
        if db_seq <= seq:
            return Lag(0, 0.0)
        oldest = session.scalar(select(Change.created_at).where(Change.seq > seq).order_by(Change.seq).limit(1))
    finally:
        session.close()
    age = (dt.datetime.now(dt.UTC) - oldest).total_seconds() if oldest else 0.0
    return Lag(db_seq - seq, max(0.0, age))


def catch_up(store: IndexStore, force: bool = False, limit: int | None = None, due: bool = False) -> int:
    """Apply the changes newer than the index's cursor; rebuild when the database is not the
    one the index was built from (reset, restore). Returns the number of changes applied.

    Inside a request at most ``SEARCH_CATCHUP_STEP`` changes (unless ``limit`` says otherwise);
    a longer backlog goes on in a background thread. Outside requests (commands) everything.
    ``due``: the caller has just compared the cursor with the change log and found it behind
    (caching does, on every cached answer), so the interval between checks does not apply;
    unlike ``force`` it waits at most ``DUE_WRITE_TIMEOUT`` for another process's index lock."""
    config = current_app.config
    interval = config.get("SEARCH_CATCHUP_INTERVAL", 0.2)
    now = time.monotonic()
    if not force and not due and now - store.last_check < interval:
        return 0
    store.last_check = now
    in_request = has_request_context()
    if limit is None and in_request:
        limit = config.get("SEARCH_CATCHUP_STEP", 50)
    session = _read_session()
    try:
        meta = store.meta()
        db_seq = session.scalar(select(Change.seq).order_by(Change.seq.desc()).limit(1)) or 0
        if meta["seq"] and change_identity(session, meta["seq"]) != meta["fingerprint"]:
            # A rebuild of a large catalogue takes minutes: never inside a request.
            large = limit is not None and (session.scalar(select(func.count(Project.id))) or 0) > limit
            session.close()
            if large and config.get("SEARCH_BACKGROUND_CATCHUP", True):
                _start_background(store)
                return 0
            return rebuild(store)
        if db_seq <= meta["seq"]:
            return 0
    finally:
        session.close()
    if limit is not None and db_seq - meta["seq"] > limit and config.get("SEARCH_BACKGROUND_CATCHUP", True):
        _start_background(store)
    timeout = WRITE_TIMEOUT if force or not in_request else DUE_WRITE_TIMEOUT if due else SEARCH_WRITE_TIMEOUT
    applied = _apply_changes(store, limit, timeout)
    for observe in CATCHUP_OBSERVERS:
        observe(time.monotonic() - now)
    return applied


def _start_background(store: IndexStore) -> None:
    """Work off the backlog in a thread of this process (one at a time), batch by batch."""
    app = current_app._get_current_object()
    with store.background_lock:
        if store.background is not None and store.background.is_alive():
            return
        store.background = threading.Thread(target=_work_off, args=(app, store), name="search-catch-up", daemon=True)
        store.background.start()


def _work_off(app, store: IndexStore) -> None:
    with app.app_context():
        try:
            while True:
                session = _read_session()
                try:
                    meta = store.meta()
                    if meta["seq"] and change_identity(session, meta["seq"]) != meta["fingerprint"]:
                        session.close()
                        rebuild(store)
                        continue
                finally:
                    session.close()
                if not _apply_changes(store, _BATCH, WRITE_TIMEOUT):
                    return
        except Exception:  # a background thread has no caller to tell: the next catch-up retries
            log.exception("background search catch-up failed")


def _apply_changes(store: IndexStore, limit: int | None = None, timeout: float = WRITE_TIMEOUT) -> int:
    """Write what changed (at most ``limit`` changes), reading rows only after the index lock is
    ours, so that a slower process can never overwrite a newer document with an older row."""
    try:
        # Whoosh's writer, several times faster for many documents (the same segment, see w3).
        writer = BulkWriter(store.index(), timeout=timeout)
    except LockError:
        # Expected whenever another worker is applying the same changes (every request of the
        # other workers meets it after a write): debug, or the log fills with it under load.
        log.debug("search index busy; the next catch-up applies the pending changes")
        return 0
    session = _read_session()
    try:
        with writer.searcher() as locked:
            seq = store.meta(locked)["seq"]
        query = select(Change.seq, Change.project_id).where(Change.seq > seq).order_by(Change.seq)
        changes = session.execute(query if limit is None else query.limit(limit)).all()
        if not changes:
            writer.cancel()
            return 0
        ids = sorted({row.project_id for row in changes})
        for start in range(0, len(ids), _BATCH):
            chunk = ids[start : start + _BATCH]
            projects = _load_projects(session, chunk)
            for project_id in chunk:
                if project_id in projects:
                    write_document(writer, project_record(projects[project_id]))
                else:
                    writer.delete_by_term("id", str(project_id))
        last = changes[-1].seq
        writer.update_document(**_meta_document(last, change_identity(session, last)))
        writer.commit()
        return len(changes)
    except BaseException:
        writer.cancel()
        raise
    finally:
        session.close()


def rebuild(store: IndexStore) -> int:
    """Build a complete index from the database in a new folder and swap it in."""
    with store.build_lock():  # one build at a time: a swap deletes folders not in use
        name, ix = store.new_generation()
        session = _read_session()
        try:
            seq = session.scalar(select(Change.seq).order_by(Change.seq.desc()).limit(1)) or 0
            fingerprint = change_identity(session, seq) if seq else ""
            ids = list(session.scalars(select(Project.id).order_by(Project.id)))
            writer = BulkWriter(ix)
            for start in range(0, len(ids), _BATCH):
                for project in _load_projects(session, ids[start : start + _BATCH]).values():
                    write_document(writer, project_record(project), update=False)
                session.expunge_all()
            writer.add_document(**_meta_document(seq, fingerprint))
            writer.commit()
        finally:
            session.close()
        store.swap(name)
    return len(ids)


def create_empty(store: IndexStore) -> None:
    """An empty index at cursor 0 (before the database has tables); catch-up fills it."""
    with store.build_lock():
        name, ix = store.new_generation()
        writer = ix.writer()
        writer.add_document(**_meta_document(0, ""))
        writer.commit()
        store.swap(name)


def install_commit_hook() -> None:
    """After every commit of a session bound to an app with search, catch up at once."""
    if getattr(install_commit_hook, "installed", False):
        return
    install_commit_hook.installed = True

    @event.listens_for(Session, "after_flush")
    def _note_change(session, _context):
        if any(isinstance(obj, Change) for obj in session.new):
            session.info["search_dirty"] = True

    # SQLAlchemy sends after_commit and after_rollback for savepoints too (``begin_nested``),
    # while the outer transaction is still open: only the outermost one decides.
    @event.listens_for(Session, "after_rollback")
    def _forget_change(session):
        if not session.in_nested_transaction():
            session.info.pop("search_dirty", None)

    @event.listens_for(Session, "after_commit")
    def _after_commit(session):
        if session.in_nested_transaction():
            return  # a savepoint: the changes are not visible to other sessions yet
        if not session.info.pop("search_dirty", False) or not has_app_context():
            return
        store = current_app.extensions["catalogue_search"]
        try:
            catch_up(store, force=True)
        except OSError as error:  # folder missing, read-only or full: said once, not per write
            from . import index_unusable

            index_unusable(store, error)
        except Exception:  # the write is committed: never fail it; the next catch-up repairs
            log.exception("search catch-up after commit failed")
