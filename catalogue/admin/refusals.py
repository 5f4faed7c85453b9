"""The admin's answer to a refused use case: the session rolled back, and a page instead.

Like the API's ``service_problems()``: a view wraps its call of a use case in
``service_refusals()`` and says, per kind of refusal, which page to show; the page ends the
request (an HTTPException that carries it), so the view goes on only after a success.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import contextmanager

from flask import abort, make_response

from ..errors import render_error
from ..extensions import db
from ..writes import NotAllowed, ServiceError, VersionConflict

#: A refusal's page: a status (the error page with the refusal's message), or a function of the error.
Answer = int | Callable[[ServiceError], object]


def page(status: int, detail: str) -> Callable[[ServiceError], object]:
    """The error page with this status and a fixed explanation (instead of the refusal's message)."""
    return lambda error: render_error(status, detail)


@contextmanager
def service_refusals(refused: Answer = 400, conflict: Answer = 409, not_allowed: Answer = 403):
    """Around a use case: ``not_allowed`` answers NotAllowed (the user's rights), ``conflict`` a
    VersionConflict (somebody saved in between), ``refused`` any other ServiceError."""
    try:
        yield
    except NotAllowed as error:
        _end(not_allowed, error)
    except VersionConflict as error:
        _end(conflict, error)
    except ServiceError as error:
        _end(refused, error)


def _end(answer: Answer, error: ServiceError):
    db.session.rollback()
    response = answer(error) if callable(answer) else render_error(answer, str(error))
    abort(make_response(response))
