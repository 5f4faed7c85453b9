"""Caches that the change log keeps exact: the catalogue's version, catalogue-wide aggregates,
and the response cache for anonymous reads of the public pages and the API.

Every write that a visitor can see adds a row to the change log (see services), so the newest
row (its ``seq`` and commit time) names the state of the catalogue. Everything cached here is
keyed by that version, so a single write makes the next request compute afresh: nothing is ever
stale, nothing needs invalidating, and old entries simply age out. Pages that come from the
search index are keyed by the index's applied ``seq`` too (an index may lag the database).

Only anonymous GET/HEAD requests are cached: a request with a session cookie (a logged-in
editor, a form's CSRF token, a flash message), Flask-Login's remember cookie or an
``Authorization`` header is always answered afresh, and so are the admin and every write.
The store is Flask-Caching's: in-process by default (``SimpleCache``, per worker), Redis when
``CATALOGUE_CACHE_REDIS_URL`` is set (shared by the workers and machines using it).
"""

from __future__ import annotations

import hashlib
import logging
import threading
from datetime import UTC, datetime

from flask import Flask, Response, current_app, g, has_app_context, request, request_finished
from flask_caching import Cache
from sqlalchemy import event
from sqlalchemy.orm import Session

from .extensions import db
from .models import Change
from .places.models import RegisterLoad

cache = Cache()
log = logging.getLogger(__name__)

#: Blueprints whose GETs are public reads (pages and JSON API).
CACHED_BLUEPRINTS = frozenset({"public", "api"})
#: Raised when the shape of cached entries or of the pages' validators changes.
FORMAT = "1"
#: Headers that belong to one exchange, not to the content (set afresh on every answer).
_PER_EXCHANGE = ("set-cookie", "content-length", "date", "retry-after", "x-ratelimit-", "access-control-")


# ---------------------------------------------------------------- the catalogue's version

#: The newest change-log row and the newest register load (places.models.RegisterLoad), as
#: one statement of four primary-key look-ups (NULLs for an empty log or no register load).
_NEWEST = (
    f"SELECT (SELECT seq FROM {Change.__tablename__} ORDER BY seq DESC LIMIT 1),"
    f" (SELECT created_at FROM {Change.__tablename__} ORDER BY seq DESC LIMIT 1),"
    f" (SELECT id FROM {RegisterLoad.__tablename__} ORDER BY id DESC LIMIT 1),"
    f" (SELECT loaded_at FROM {RegisterLoad.__tablename__} ORDER BY id DESC LIMIT 1)"
)


def _instant(value) -> int:
    """Microseconds since 1970 of a commit time as the driver returns it (SQLite: text)."""
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1_000_000)


def _read_version() -> tuple[int, str, int | None, str]:
    """(seq, token, newest instant, register token) from the database, once per request."""
    found = g.get("_catalogue_version") if has_app_context() else None
    if found is None:
        # The driver's cursor, not the ORM session or a Core transaction: this runs on every
        # cached answer and is all such an answer reads from the database.
        raw = db.engine.raw_connection()
        try:
            cursor = raw.cursor()
            cursor.execute(_NEWEST)
            seq, created_at, load_id, loaded_at = cursor.fetchone()
            cursor.close()
        finally:
            raw.close()  # back to the pool
        changed = _instant(created_at) if seq is not None else None
        loaded = _instant(loaded_at) if load_id is not None else None
        register = f"{load_id}.{loaded}" if load_id is not None else "0"
        token = f"{seq}.{changed}" if seq is not None else "0"
        if load_id is not None:
            token += f"+r{register}"
        newest = max((moment for moment in (changed, loaded) if moment is not None), default=None)
        found = (seq or 0, token, newest, register)
        if has_app_context():
            g._catalogue_version = found
    return found


def catalogue_version() -> tuple[int, str]:
    """(seq, token) of the newest change-log row, once per request. The token adds the row's
    commit time, so a database that was reset or restored (seq counting again) differs, and
    the register's stamp (its newest load that changed places), so that nothing made from the
    places (place pages, the API's places, the Kurzprofil's figures) outlives a load."""
    seq, token, _, _ = _read_version()
    return seq, token


def register_version() -> str:
    """The register's stamp alone ("0" before any load): for what depends on the places only."""
    return _read_version()[3]


def catalogue_modified() -> datetime | None:
    """Time of the newest change or register load (Last-Modified of the pages), None for neither."""
    newest = _read_version()[2]
    return datetime.fromtimestamp(newest / 1_000_000, UTC) if newest is not None else None


def _forget_version(*_args) -> None:
    """A new request, or a commit (which may have added to the log), reads the version afresh."""
    if has_app_context():
        g.pop("_catalogue_version", None)


_memo: dict[str, tuple[str, object]] = {}
_memo_lock = threading.Lock()


def per_version(name: str, compute):
    """``compute()``, once per catalogue version and process (catalogue-wide aggregates such as
    the filter options: the same for every request until the next write). The value must not
    hold ORM objects (they belong to the session of the request that computed them)."""
    return _memoised(name, catalogue_version()[1], compute)


def per_register(name: str, compute):
    """``compute()``, once per register stamp and process: for what is made from the places
    alone (their centres), which no write to the catalogue changes. No ORM objects either."""
    return _memoised(name, register_version(), compute)


def _memoised(name: str, token: str, compute):
    key = f"{db.engine.url!r}:{name}"
    with _memo_lock:
        found = _memo.get(key)
    if found is not None and found[0] == token:
        return found[1]
    value = compute()
    with _memo_lock:
        _memo[key] = (token, value)
    return value


# ---------------------------------------------------------------- response cache


def init_app(app: Flask) -> None:
    """Bind the cache store and the request hooks (call last in create_app, so that language
    choice and rate limits run first)."""
    app.config.setdefault("RESPONSE_CACHE", not app.config.get("TESTING"))
    app.config.setdefault("RESPONSE_CACHE_TIMEOUT", 600)
    redis_url = app.config.get("CACHE_REDIS_URL")
    settings = {
        "CACHE_DEFAULT_TIMEOUT": app.config["RESPONSE_CACHE_TIMEOUT"],
        "CACHE_KEY_PREFIX": app.config.get("CACHE_KEY_PREFIX", "ikz:"),
    }
    if redis_url:
        settings.update(CACHE_TYPE="RedisCache", CACHE_REDIS_URL=redis_url)
    else:
        settings.update(CACHE_TYPE="SimpleCache", CACHE_THRESHOLD=app.config.get("RESPONSE_CACHE_ENTRIES", 2000))
    cache.init_app(app, config=settings)
    if not getattr(init_app, "listening", False):
        init_app.listening = True
        event.listen(Session, "after_commit", _forget_version)
    # Requests share an application context with an enclosing one (tests, commands): forget first.
    app.before_request(_forget_version)
    app.before_request(_serve_from_cache)
    app.after_request(add_page_validators)
    request_finished.connect(_store_in_cache, app)
    app.wsgi_app = _StoredPagesFirst(app, app.wsgi_app)


#: app.extensions key: the (before, after) hooks that also run for a page answered from the
#: cache ahead of Flask's dispatch (``also_for_stored_pages``).
STORED_PAGE_HOOKS = "catalogue_stored_page_hooks"


def also_for_stored_pages(app: Flask, before, after) -> None:
    """Run ``before()`` and ``after(response)`` for the public pages answered from the cache
    ahead of Flask's dispatch too (the request id and log line, the metrics: catalogue.ops).
    The afters run in the reverse order of registration, as Flask runs after_request hooks."""
    app.extensions.setdefault(STORED_PAGE_HOOKS, []).append((before, after))


class _StoredPagesFirst:
    """WSGI: a public page that is in the response cache is answered before Flask dispatches.

    Such an answer needs the request (address, cookies, language), the catalogue's version and
    the cache. Flask's dispatch around it was more than a third of its time: opening the session,
    the CSRF check and the rate limiter (which have nothing to do for an anonymous read of a
    public page: no limit applies there), the after-request hooks whose headers (security,
    ``Vary``) are already in the stored answer. So a request context is pushed, ``_serve_from_cache``
    decides exactly as inside Flask, and only a stored answer is sent from here, with the hooks of
    ``also_for_stored_pages``. Everything else goes to Flask as it came: misses, 304s (their
    headers come from the after-request hooks), other blueprints, and the API, whose rate limit
    counts its cached answers too and adds its headers."""

    def __init__(self, app: Flask, wsgi_app):
        self.app = app
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        if environ.get("REQUEST_METHOD") in ("GET", "HEAD") and self.app.config["RESPONSE_CACHE"]:
            response = self._stored(environ)
            if response is not None:
                return response(environ, start_response)
        return self.wsgi_app(environ, start_response)

    def _stored(self, environ) -> Response | None:
        with self.app.request_context(environ):
            if request.blueprint != "public" or not _anonymous_read():
                return None
            hooks = self.app.extensions.get(STORED_PAGE_HOOKS, ())
            try:
                for before, _ in hooks:
                    before()
                response = _serve_from_cache()
                if response is None or not _state().get("hit"):
                    return None
                for _, after in reversed(hooks):
                    response = after(response)
                return response
            except Exception:  # noqa: BLE001 - Flask's dispatch answers it, with its error handling
                log.exception("answer from the response cache failed")
                return None
            finally:
                environ.pop("catalogue.response_cache", None)  # Flask decides afresh


def _anonymous_read() -> bool:
    if request.method not in ("GET", "HEAD") or request.blueprint not in CACHED_BLUEPRINTS:
        return False
    if "Authorization" in request.headers:  # any scheme, even one that cannot be parsed
        return False
    cookies = request.cookies
    return current_app.config["SESSION_COOKIE_NAME"] not in cookies and "remember_token" not in cookies


def _index_seq(catalogue_seq: int) -> int:
    """The change the search index has applied (search pages, similar profiles, suggestions).

    An index behind the change log (a write on another machine, or one that this machine's
    writer is still applying) catches up here and now: the log's newest ``seq`` has just been
    read, so the comparison costs nothing, and no timer decides when another machine's write
    becomes visible. An answer made while the index still lags is not kept (``lagging``): it
    would be stored under this version and outlive the catch-up of every other worker."""
    from .search import sync

    store = current_app.extensions["catalogue_search"]
    folder = str(store.root)
    if _index_seen.get(folder) == catalogue_seq:
        return catalogue_seq  # current when last read, and the log has not moved since
    try:
        seq = store.meta()["seq"]
    except Exception:  # an unreadable index: the search views answer 503, never cached
        return -1
    if seq < catalogue_seq:
        # A few changes behind: catch up now (waiting briefly for a worker that is applying them);
        # a long backlog is left to the searches' own catch-up and its background thread.
        due = catalogue_seq - seq <= current_app.config.get("SEARCH_CATCHUP_STEP", 50)
        try:
            sync.catch_up(store, due=due)
            seq = store.meta()["seq"]
        except Exception:  # the search views say what is wrong; this answer is simply not kept
            log.debug("catch-up before a cached answer failed", exc_info=True)
        if seq < catalogue_seq:
            _state()["lagging"] = True
    _index_seen[folder] = seq
    return seq


#: Per index folder, the ``seq`` it had applied when last read. An index only ever moves
#: towards the change log's newest ``seq``, so while that is the number read last time, the
#: index has not moved either, and a cached answer need not open the folder (pointer file,
#: generation listing) at all.
_index_seen: dict[str, int] = {}


def _validator() -> str:
    """The state a page is made from: catalogue version, index version, language."""
    from .i18n import select_locale

    seq, token = catalogue_version()
    # The language as a code, straight from the selector Flask-Babel would call: a cached answer
    # needs no babel Locale (parsing one was a tenth of a cached answer's time).
    return f"{FORMAT}-{token}-{_index_seq(seq)}-{select_locale()}"


def _key(validator: str) -> str:
    accept = request.headers.get("Accept", "") if request.blueprint == "api" else ""
    raw = f"{validator}\n{request.full_path}\n{accept}"
    return "page:" + hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()


def _serve_from_cache():
    """A 304 for a repeat visitor of an unchanged page, else the stored answer, else nothing
    (the view runs and ``_store_in_cache`` keeps its answer)."""
    if not current_app.config["RESPONSE_CACHE"] or not _anonymous_read():
        return None
    try:
        validator = _validator()
    except Exception:  # noqa: BLE001 - the database is unusable: the view answers (503/500 problem)
        g.pop("_catalogue_version", None)
        return None
    etag = hashlib.sha256(f"{validator}{request.full_path}".encode("utf-8", "surrogatepass")).hexdigest()[:24]
    state = _state()
    state.update(validator=validator, etag=etag)
    if request.blueprint == "public" and request.if_none_match.contains(etag):
        response = Response(status=304)
        response.set_etag(etag)
        _page_validators(response)
        return response
    stored = cache.get(_key(validator))
    if stored is None:
        return None
    status, headers, body = stored
    state["hit"] = True
    return Response(body, status=status, headers=headers)


def _state() -> dict:
    """This request's cache decisions (on the request: the app context may outlive it)."""
    return request.environ.setdefault("catalogue.response_cache", {})


def _page_validators(response: Response) -> None:
    """ETag and Last-Modified of a public HTML page, from the catalogue's version."""
    response.set_etag(_state()["etag"])
    modified = catalogue_modified()
    if modified is not None:
        response.last_modified = modified
    response.cache_control.no_cache = True  # reuse, but ask each time (a 304 is cheap)


def _store_in_cache(sender, response, **_extra):
    """Keep an anonymous read's successful answer under its URL, language and version."""
    state = _state()
    validator = state.get("validator")
    if validator is None or state.get("hit") or state.get("lagging") or request.method != "GET":
        return
    if response.status_code != 200 or response.is_streamed or "Set-Cookie" in response.headers:
        return
    if response.mimetype not in ("text/html", "application/json", "application/problem+json", "text/csv"):
        return
    headers = [(name, value) for name, value in response.headers.items() if not name.lower().startswith(_PER_EXCHANGE)]
    cache.set(_key(validator), (response.status_code, headers, response.get_data()))


def add_page_validators(response: Response) -> Response:
    """after_request: public HTML pages carry ETag/Last-Modified from the catalogue's version
    and answer a matching If-None-Match with 304."""
    state = _state()
    if (
        state.get("etag")
        and request.blueprint == "public"
        and response.status_code == 200
        and response.mimetype == "text/html"
        and not state.get("hit")
    ):
        _page_validators(response)
        return response.make_conditional(request)
    return response
