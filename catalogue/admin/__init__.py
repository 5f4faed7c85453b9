"""The editing area at /admin: login, profile editor, workflow, history, organisations,
keywords, users, API tokens and the audit log."""

from __future__ import annotations

from functools import wraps

from flask import Blueprint, abort, jsonify, redirect, request, url_for
from flask_login import current_user
from flask_wtf.csrf import CSRFError

from ..errors import render_error

bp = Blueprint("admin", __name__, url_prefix="/admin")

#: The only endpoints reachable without a session.
PUBLIC_ENDPOINTS = {"admin.login"}
#: Endpoints that the editor's scripts fetch (JSON): without a session they answer 401, not a
#: redirect, because a fetch that followed it to the login page would consume the flash messages
#: meant for the page the editor sees (such as "Ihre Anmeldung war abgelaufen").
SCRIPT_ENDPOINTS = {"admin.organisation_suggestions"}
CSRF_FAILED = (
    "Die Sicherheitsprüfung des Formulars ist fehlgeschlagen: Die Seite war nicht mehr gültig oder stammt "
    "nicht von hier. Nichts wurde geändert. Bitte laden Sie die Seite neu und versuchen Sie es noch einmal."
)


@bp.before_request
def _require_login():
    """Every admin page needs a logged-in, active user; the check lives here so no view can forget it."""
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    if not current_user.is_authenticated:
        if request.endpoint in SCRIPT_ENDPOINTS:
            return jsonify({"error": "Nicht angemeldet."}), 401
        if form_rescue.rescuable():  # a profile save after the login expired: keep what was typed
            kept = form_rescue.stash_and_ask_for_login()
            if kept is not None:
                return kept
        return redirect(url_for("admin.login", next=request.full_path if request.method == "GET" else None))
    return None


@bp.errorhandler(CSRFError)
def _csrf_failed(error):
    """A form without a valid CSRF token: say so in German (400), and change nothing.

    A profile form from our own pages comes back with what was typed (logged in), or its
    input is kept across the login (login expired too): the refusal never loses work.
    """
    if form_rescue.rescuable():
        if current_user.is_authenticated:
            typed = views_projects.render_typed_form(form_rescue.TOKEN_STALE, 400)
        else:
            typed = form_rescue.stash_and_ask_for_login()
        if typed is not None:
            return typed
    return render_error(400, CSRF_FAILED)


@bp.after_request
def _no_store(response):
    """Editing pages show unpublished data: keep them out of shared caches and the back-forward cache."""
    response.headers.setdefault("Cache-Control", "no-store")
    return response


def admin_required(view):
    """Only administrators (users, tokens, audit log)."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if not current_user.is_admin:
            abort(403)
        return view(*args, **kwargs)

    return wrapper


from . import (  # noqa: E402,F401  (register routes)
    form_rescue,  # noqa: E402
    views_auth,
    views_catalogue,
    views_projects,
    views_proposals,
    views_users,
)
