"""Nothing typed into a profile form is lost when its save is refused because the login has
expired or the form's CSRF token is no longer valid.

Nothing is ever written on such a request. A logged-in editor with a stale token gets the form
back with the typed values and a fresh token; an editor whose login has expired gets the
typed fields kept server-side (under a random id that only this browser session holds) and sees
them again in the form after logging in. Both only for posts from our own pages (Origin, else
Referer): another site must not be able to put its text into an editor's form.
"""

from __future__ import annotations

import datetime as dt
import json
from urllib.parse import urlsplit

from flask import flash, redirect, request, session, url_for
from werkzeug.datastructures import MultiDict

from ..extensions import db
from ..models import FormStash, utcnow
from ..services import drop_form_input, keep_form_input

#: The forms whose input is worth keeping: the profile editor (new and existing profiles).
RESCUED_ENDPOINTS = {"admin.project_new", "admin.project_edit"}
STASH_LIFETIME = dt.timedelta(hours=24)
#: A profile form is a few kilobytes; anything far larger is not an editor's typing.
MAX_STASH_BYTES = 512 * 1024
#: Anyone can post to the login-protected forms, so the table is bounded (at most about
#: MAX_STASHES × MAX_STASH_BYTES): beyond this many kept forms the oldest go first.
MAX_STASHES = 200
_SESSION_KEY = "form_stash"
#: Buttons and the token are not input; restoring them would act again.
_NOT_KEPT = {"csrf_token", "save", "add_row", "add_keyword"}

LOGIN_EXPIRED = (
    "Ihre Anmeldung war abgelaufen, deshalb wurde nichts gespeichert. Ihre Eingaben sind aufbewahrt: "
    "Nach der Anmeldung stehen sie wieder im Formular, und Sie können erneut speichern."
)
RESTORED = (
    "Ihre Eingaben von vor der Anmeldung sind wiederhergestellt, aber noch nicht gespeichert. "
    "Bitte prüfen Sie sie und klicken Sie auf „Speichern“."
)
TOKEN_STALE = (
    "Die Sicherheitsprüfung des Formulars ist fehlgeschlagen: Die Seite war nicht mehr gültig, etwa weil Sie "
    "sich inzwischen neu angemeldet haben. Nichts wurde gespeichert. Ihre Eingaben stehen unten im Formular – "
    "bitte prüfen Sie sie und speichern Sie noch einmal."
)


def rescuable() -> bool:
    """A post of the profile form, sent from one of this site's own pages."""
    return request.method == "POST" and request.endpoint in RESCUED_ENDPOINTS and _same_origin()


def _same_origin() -> bool:
    """Browsers send Origin with every form post (Referer where an old one does not)."""
    source = request.headers.get("Origin") or request.referrer
    if not source:
        return False
    own, other = urlsplit(request.host_url), urlsplit(source)
    return (other.scheme, other.netloc) == (own.scheme, own.netloc)


def stash_and_ask_for_login():
    """Keep the posted fields for this session and send the editor to the login (None: too large to keep)."""
    pairs = [[name, value] for name, value in request.form.items(multi=True) if name not in _NOT_KEPT]
    if len(json.dumps(pairs, ensure_ascii=False).encode()) > MAX_STASH_BYTES:
        return None
    # The session's earlier stash goes, and so do expired ones and the oldest beyond MAX_STASHES.
    stash_id = keep_form_input(
        request.path,
        pairs,
        replaces=session.pop(_SESSION_KEY, None),
        lifetime=STASH_LIFETIME,
        keep_at_most=MAX_STASHES,
    )
    db.session.commit()
    session[_SESSION_KEY] = stash_id
    flash(LOGIN_EXPIRED, "error")
    return redirect(url_for("admin.login", next=request.path), code=303)


def _current_stash() -> FormStash | None:
    stash_id = session.get(_SESSION_KEY)
    stash = db.session.get(FormStash, stash_id) if isinstance(stash_id, str) else None
    if stash is None or stash.created_at < utcnow() - STASH_LIFETIME:
        session.pop(_SESSION_KEY, None)
        return None
    return stash


def take_stash() -> MultiDict | None:
    """The fields this session had kept for the current page, removed from storage (shown once)."""
    stash = _current_stash()
    if stash is None or stash.path != request.path:
        return None
    data = MultiDict([tuple(pair) for pair in stash.data])
    drop_form_input(stash.id)
    db.session.commit()
    session.pop(_SESSION_KEY, None)
    return data


def pending_stash_path() -> str | None:
    """The page whose kept input this session has not seen again yet (for a reminder)."""
    stash = _current_stash()
    return stash.path if stash is not None else None
