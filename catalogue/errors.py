"""Error pages: every error is a helpful page with the right status, never a stack trace."""

from __future__ import annotations

from flask import Flask, abort, current_app, jsonify, render_template, request
from flask_babel import lazy_gettext
from werkzeug.exceptions import HTTPException, InternalServerError

from .extensions import db
from .schemas import flatten_errors
from .textutil import text_problem

#: Paths whose errors are RFC 9457 problem details instead of HTML pages.
API_PREFIX = "/api/"


def is_api_path(path: str) -> bool:
    """Whether ``path`` belongs to the API (``/api`` itself included)."""
    return path == API_PREFIX.rstrip("/") or path.startswith(API_PREFIX)


_API_EXPLANATIONS = {
    401: "Für diese Aktion ist ein API-Token nötig (Authorization: Bearer …).",
    404: "Diese Adresse gibt es in der API nicht.",
    405: "Diese Methode ist an dieser Adresse nicht möglich.",
    413: "Der Inhalt der Anfrage ist zu groß.",
    422: "Die Angaben sind ungültig.",
    429: "Zu viele Anfragen in kurzer Zeit; bitte etwas warten.",
    500: "Ein interner Fehler ist aufgetreten.",
}

_EXPLANATIONS = {
    400: lazy_gettext("Die Anfrage enthält ungültige Angaben."),
    404: lazy_gettext("Diese Seite gibt es nicht (mehr)."),
    405: lazy_gettext("Diese Aktion ist an dieser Adresse nicht möglich."),
    413: lazy_gettext("Die Anfrage ist zu groß."),
    429: lazy_gettext("Zu viele Anfragen in kurzer Zeit. Bitte versuchen Sie es gleich noch einmal."),
    500: lazy_gettext("Ein interner Fehler ist aufgetreten. Wir kümmern uns darum."),
    503: lazy_gettext("Dieser Dienst ist gerade nicht verfügbar. Bitte versuchen Sie es gleich noch einmal."),
}


def render_error(status: int, detail: str | None = None):
    """The HTML error page for ``status`` with an optional specific explanation."""
    return (
        render_template(
            "errors/error.html",
            status=status,
            detail=detail or _EXPLANATIONS.get(status, ""),
        ),
        status,
    )


def init_app(app: Flask) -> None:
    """Register the handlers."""

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        if is_api_path(request.path):
            return problem_response(error)
        detail = error.description if getattr(error, "_catalogue_detail", False) else None
        body, status = render_error(error.code or 500, detail)
        # Keep what the exception says in headers (Retry-After on 503/429, Allow on 405).
        headers = [(name, value) for name, value in error.get_headers() if name.lower() != "content-type"]
        return body, status, headers

    app.register_error_handler(Exception, answer_unexpected)

    @app.url_value_preprocessor
    def _reject_impossible_slugs(endpoint, values):
        """No address (slug) contains control characters, NUL or lone surrogates, and PostgreSQL
        even refuses a NUL in a query parameter (500): on every page and API path such a slug is
        a plain 404 (a problem document under /api) before it reaches the database."""
        slug = (values or {}).get("slug")
        if isinstance(slug, str) and text_problem(slug):
            abort(404)


def answer_unexpected(error: Exception):
    """A 500 without internals for the visitor; the traceback goes to the log."""
    current_app.logger.exception("Unhandled error on %s", request.path)
    db.session.rollback()
    if is_api_path(request.path):
        return problem_response(InternalServerError())
    return render_error(InternalServerError.code)


def problem_response(error: HTTPException):
    """RFC 9457 problem details for an API error; field-level messages for validation errors."""
    status = error.code or 500
    specific = getattr(error, "_catalogue_detail", False)
    body = {
        "type": "about:blank",
        "title": error.name,
        "status": status,
        "detail": error.description if specific else _API_EXPLANATIONS.get(status, error.description),
        "instance": request.path,
    }
    # webargs (flask-smorest) puts validation messages into error.data; the API's own views into .messages
    messages = (getattr(error, "data", None) or {}).get("messages") or getattr(error, "messages", None)
    if messages:
        if isinstance(messages, dict) and set(messages) <= {"json", "query", "headers", "form", "view_args", "path"}:
            # webargs nests by location ({"json": {...}}); a body that is no object gives a plain list
            merged: dict = {}
            for location in messages.values():
                merged.update(location if isinstance(location, dict) else {"_schema": location})
            messages = merged
        body["errors"] = [{"field": field, "message": message} for field, message in flatten_errors(messages)]
        if not specific:
            body["detail"] = "Ungültige Angaben: " + "; ".join(f"{e['field']}: {e['message']}" for e in body["errors"])
    response = jsonify(body)
    response.status_code = status
    response.mimetype = "application/problem+json"
    # Keep headers the exception carries (Allow on 405, Retry-After on 429, ...).
    for name, value in error.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="IKZ-Katalog"'
    return response


def bad_request(detail: str):
    """A 400 whose message is shown to the visitor."""
    from werkzeug.exceptions import BadRequest

    error = BadRequest(detail)
    error._catalogue_detail = True
    return error


def not_found(detail: str):
    """A 404 whose message is shown to the visitor."""
    from werkzeug.exceptions import NotFound

    error = NotFound(detail)
    error._catalogue_detail = True
    return error
