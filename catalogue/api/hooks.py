"""Hooks of every API request: content negotiation, tokens, caching, CORS only for reads."""

from __future__ import annotations

from flask import g, request

from ..extensions import db
from ..writes import begin_write
from . import bp, reading
from .protocol import check_acceptable, check_json_body, current_token_user, finish_read, require_editor


@bp.before_request
def _negotiate():
    """406 and 415 before any work is done; a token is checked (401) and its use recorded."""
    # g lives as long as the app context, which tests (and CLI code) keep across requests.
    for name in ("api_auth", "last_modified", "extra_headers", "max_age"):
        g.pop(name, None)
    check_acceptable()
    check_json_body()
    if "Authorization" in request.headers:
        # A bad token is refused on reads too (RFC 6750): otherwise any made-up token would
        # read freely with a rate-limit budget of its own.
        current_token_user()
        # The token's last use is its own bookkeeping: committed now, so that it is kept
        # even when the request itself fails later (403, 412, 422, ...) or only reads.
        db.session.commit()
    if request.method in ("POST", "PUT", "PATCH", "DELETE"):
        # 401/403 before anything else is said about the request, and before it queues for
        # the writers' lock: a request without a valid token must not wait behind real writers.
        require_editor()
        # Then the lock, before the view reads anything: on SQLite (WAL) a transaction that has
        # read and then writes after another writer committed would have to start over.
        begin_write()


@bp.after_request
def _cache(response):
    """Every successful GET gets validators, Cache-Control and its 304."""
    return finish_read(response, lambda: g.get("last_modified") or reading.latest_change_time())


_READ_METHODS = ("GET", "HEAD")


def no_cors_on_writes(response):
    """Reads are open to any origin; writes carry no CORS grant, and neither does the
    preflight that asks for one, so a foreign page's script cannot send a write at all."""
    method = request.method
    if method == "OPTIONS":
        method = request.headers.get("Access-Control-Request-Method", "GET").upper()
        if not response.get_data():
            # The automatic OPTIONS answer is empty: say so instead of calling it text/html.
            response.status_code = 204
            response.headers.remove("Content-Type")
    if method not in _READ_METHODS:
        for header in [h for h in response.headers.keys() if h.lower().startswith("access-control-")]:
            del response.headers[header]
    return response


@bp.after_request
def _extra_headers(response):
    """Headers a view asked for (Link, X-Total-Count) without building the response itself."""
    for name, value in (g.get("extra_headers") or {}).items():
        response.headers[name] = value
    return response
