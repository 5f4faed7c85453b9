"""Error pages: every error is a helpful page with the right status, never a stack trace."""

from __future__ import annotations

from flask import Flask, render_template, request
from werkzeug.exceptions import HTTPException, InternalServerError

from .extensions import db

_EXPLANATIONS = {
    400: "Die Anfrage enthält ungültige Angaben.",
    404: "Diese Seite gibt es nicht (mehr).",
    405: "Diese Aktion ist an dieser Adresse nicht möglich.",
    413: "Die Anfrage ist zu groß.",
    429: "Zu viele Anfragen in kurzer Zeit. Bitte versuchen Sie es gleich noch einmal.",
    500: "Ein interner Fehler ist aufgetreten. Wir kümmern uns darum.",
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
        detail = error.description if getattr(error, "_catalogue_detail", False) else None
        return render_error(error.code or 500, detail)

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        # Log with the traceback, but show the visitor a calm page without internals.
        app.logger.exception("Unhandled error on %s", request.path)
        db.session.rollback()
        return render_error(InternalServerError.code)


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
