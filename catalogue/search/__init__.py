"""Full-text search (Whoosh). The only package that imports Whoosh: it returns ids, totals,
facet counts and snippets; the database loads the rows."""

from __future__ import annotations

import gc
import logging
import warnings

import click
from flask import Flask, current_app
from sqlalchemy.exc import SQLAlchemyError

from . import compounds, sync
from .facets import FACETS, SINCE_RANGES
from .query import SearchQueryError, SearchQueryTooLong
from .searching import SORTS, SearchResult, run_search
from .searching import match_scores as _match_scores
from .store import IndexStore
from .suggestions import similar
from .suggestions import suggest as _suggest

__all__ = [
    "FACETS",
    "SINCE_RANGES",
    "SORTS",
    "SearchQueryError",
    "SearchQueryTooLong",
    "SearchResult",
    "SearchUnavailable",
    "catch_up",
    "index_lag",
    "init_app",
    "match_scores",
    "rebuild",
    "search_projects",
    "similar_projects",
    "suggest",
]
log = logging.getLogger(__name__)
EXTENSION = "catalogue_search"


class SearchUnavailable(RuntimeError):
    """The search engine failed; the caller answers 503."""


def _store() -> IndexStore:
    return current_app.extensions[EXTENSION]


def init_app(app: Flask) -> None:
    """Open the index (rebuilding a missing or corrupt one), follow commits, add `reindex`."""
    app.config.setdefault("SEARCH_CATCHUP_INTERVAL", 0.2)
    # At most this many changes are applied inside one request; a longer backlog is worked off
    # by a background thread of the process (SEARCH_BACKGROUND_CATCHUP) while searches answer.
    app.config.setdefault("SEARCH_CATCHUP_STEP", 50)
    app.config.setdefault("SEARCH_BACKGROUND_CATCHUP", True)
    store = IndexStore(app.config["INDEX_DIR"])
    app.extensions[EXTENSION] = store
    sync.install_commit_hook()
    with app.app_context():
        try:
            _open_or_rebuild(store)
        except OSError as error:
            # A missing, read-only or full folder must not keep the site from starting: search
            # answers 503 until the folder is usable (catch-up then builds the index by itself).
            index_unusable(store, error)
    app.cli.add_command(reindex_command)
    # A worker does not keep compound-split's table mapped between requests (see release()).
    app.teardown_request(lambda _error: compounds.release())


#: Whether this process has already said that the index folder is unusable (said once, not per search).
_FOLDER_REPORTED: set[str] = set()


def index_unusable(store: IndexStore, error: Exception) -> None:
    """One log line per process that says what is wrong with the index folder and what to do."""
    if str(store.root) in _FOLDER_REPORTED:
        return
    _FOLDER_REPORTED.add(str(store.root))
    log.error(
        "Suchindex-Ordner %s nicht nutzbar (%s: %s). Die Suche antwortet 503, der Rest der Seite läuft. "
        "Abhilfe: Ordner anlegen, dem Dienstkonto Schreibrechte geben bzw. Platz schaffen "
        "(CATALOGUE_INDEX_DIR), dann `flask --app catalogue reindex` oder neu starten.",
        store.root,
        type(error).__name__,
        error,
    )


def _index_usable_again(store: IndexStore) -> None:
    if str(store.root) in _FOLDER_REPORTED:
        _FOLDER_REPORTED.discard(str(store.root))
        log.warning("Suchindex-Ordner %s wieder nutzbar.", store.root)


def _open_or_rebuild(store: IndexStore) -> None:
    """A broken or missing index is rebuilt from the database, never a crash at start-up."""
    if _unusable(store) is None:
        return
    # Workers starting together: one builds, the others wait and then use its index.
    with store.build_lock():
        error = _unusable(store)
        if error is None:
            return
        # A first start has no index yet (routine); a damaged one deserves an operator's look.
        level = logging.INFO if store.current_generation() is None else logging.WARNING
        log.log(level, "search index in %s unusable (%s); rebuilding", store.root, error)
        try:
            sync.rebuild(store)
        except SQLAlchemyError:  # no tables yet (before `db upgrade`): start empty, catch-up fills it
            sync.create_empty(store)


def _unusable(store: IndexStore) -> str | None:
    """Why the current index cannot be used, or None."""
    # Whoosh leaves a damaged folder's files open when it fails: close them here, quietly.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        try:
            store.check()
            return None
        except Exception as error:  # whatever Whoosh raises for a damaged folder
            reason = str(error)
        gc.collect()
    return reason


def catch_up() -> int:
    """Apply committed changes the index has not seen yet; returns how many."""
    return sync.catch_up(_store(), force=True)


def index_lag() -> sync.Lag:
    """How far this machine's index is behind the change log: ``.changes`` not yet applied and
    ``.seconds`` since the oldest of them was committed (both 0 when current). For readiness
    checks and metrics; raises when the index or the database cannot be read."""
    return sync.lag(_store())


def rebuild() -> int:
    """Rebuild the whole index from the database into a new folder and swap it in."""
    return sync.rebuild(_store())


def _fresh_store() -> IndexStore:
    """The store, caught up (at most every SEARCH_CATCHUP_INTERVAL seconds)."""
    store = _store()
    try:
        if store.current_generation() is None:
            _open_or_rebuild(store)  # the folder was missing or unusable: build it once it can be
        sync.catch_up(store)
    except OSError as error:
        index_unusable(store, error)
        raise SearchUnavailable(str(error)) from error
    except Exception as error:
        raise SearchUnavailable(str(error)) from error
    _index_usable_again(store)
    return store


def _with_participants(filters: dict | None) -> dict | None:
    """The filters by participating organisation (slug) or place (key) as the profile ids they
    let pass: the index knows neither, the database does (catalogue.queries)."""
    from ..queries import participant_project_ids

    ids = participant_project_ids(filters or {})
    return filters if ids is None else {**filters, "project_ids": ids}


def search_projects(
    q: str = "",
    filters: dict | None = None,
    sort: str = "relevanz",
    page: int = 1,
    per_page: int = 20,
    include_unpublished: bool = False,
    with_facets: bool = True,
) -> SearchResult:
    """Search the profiles (published only unless ``include_unpublished``)."""
    filters = _with_participants(filters)
    store = _fresh_store()
    try:
        return run_search(store, q, filters, sort, page, per_page, include_unpublished, with_facets)
    except SearchQueryError:
        raise
    except Exception as error:
        log.exception("search failed")
        raise SearchUnavailable(str(error)) from error


def match_scores(q: str = "", filters: dict | None = None) -> dict[int, float]:
    """Ids of every published profile matching ``q`` and ``filters`` with their relevance."""
    filters = _with_participants(filters)
    store = _fresh_store()
    try:
        return _match_scores(store, q, filters)
    except SearchQueryError:
        raise
    except Exception as error:
        log.exception("search failed")
        raise SearchUnavailable(str(error)) from error


def suggest(prefix: str, limit: int = 8) -> list[dict]:
    """Suggestions for the search box: {"label", "kind", "url"}."""
    try:
        return _suggest(_fresh_store(), prefix or "", limit)
    except Exception as error:
        raise SearchUnavailable(str(error)) from error


def similar_projects(project_id: int, limit: int = 5) -> list[int]:
    """Ids of published profiles like this one, most similar first."""
    try:
        return similar(_fresh_store(), project_id, limit)
    except Exception as error:
        raise SearchUnavailable(str(error)) from error


@click.command("reindex")
def reindex_command():
    """Rebuild the search index from the database and swap it in atomically."""
    count = rebuild()
    click.echo(f"Suchindex neu aufgebaut: {count} Profile.")
