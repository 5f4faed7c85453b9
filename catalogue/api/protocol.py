"""HTTP mechanics of the API: conditional requests, caching, content negotiation, tokens, Link headers, merge patches."""

from __future__ import annotations

import hashlib
import re
from contextlib import contextmanager
from urllib.parse import quote, urlencode

from flask import abort, current_app, g, request
from marshmallow import ValidationError
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import HTTPException

from ..accounts import user_for_token
from ..extensions import db
from ..models import Project, User
from ..writes import NotAllowed, ServiceError, VersionConflict
from .urls import absolute

JSON_TYPES = ("application/json", "application/merge-patch+json")
#: What a view answers in, when it is not JSON (checked against Accept for 406).
OFFERS = {"api.projects_csv": "text/csv", "api.docs": "text/html"}
_VERSION_IN_ETAG = re.compile(r'^"p(\d+)v(\d+)-[0-9a-f]+"$')
#: Public reads may be cached this long by browsers and CDNs (seconds).
PUBLIC_MAX_AGE = 60


def problem(status: int, detail: str, **extra) -> HTTPException:
    """An HTTPException whose detail the problem document shows verbatim."""
    try:
        abort(status, detail)
    except HTTPException as error:
        error._catalogue_detail = True
        for key, value in extra.items():
            setattr(error, key, value)
        return error
    raise AssertionError("unreachable")


@contextmanager
def service_problems():
    """Around a service call: its refusals roll the session back and become problem details,
    the user's rights 403, a stale version (If-Match) 412, any other refusal (slug or AGS taken, ...) 409."""
    try:
        yield
    except NotAllowed as error:
        db.session.rollback()
        raise problem(403, str(error))
    except VersionConflict as error:
        db.session.rollback()
        raise problem(412, str(error))
    except ServiceError as error:
        db.session.rollback()
        raise problem(409, str(error))


def check_acceptable() -> None:
    """406 when the client accepts nothing this endpoint can send."""
    if "Accept" not in request.headers or request.method == "OPTIONS":
        return
    offered = OFFERS.get(request.endpoint or "", "application/json")
    if request.accept_mimetypes.best_match([offered, "application/problem+json"]) is None:
        raise problem(406, f"Diese Adresse liefert {offered}; die Anfrage akzeptiert das nicht (Accept).")


def check_json_body() -> None:
    """415 for a write whose body is not JSON (forms and text would be misread)."""
    if request.method in ("POST", "PUT", "PATCH") and (request.content_length or request.mimetype):
        if request.mimetype not in JSON_TYPES:
            raise problem(415, "Bitte den Inhalt als application/json senden (Content-Type).")


def project_etag(project: Project, document_hash: str) -> str:
    """Strong ETag: the project's version (what If-Match checks) plus a hash of the document,
    which also changes when a participating organisation is edited."""
    return f'"p{project.id}v{project.version}-{document_hash[:12]}"'


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def expected_version(project: Project) -> int:
    """The version the client read, from If-Match; 428 without one, 412 when it names another project."""
    match = _VERSION_IN_ETAG.match(require_if_match().removeprefix("W/"))
    if not match or int(match.group(1)) != project.id:
        raise problem(412, "Der ETag in If-Match gehört nicht zu diesem Profil; bitte neu laden.")
    return int(match.group(2))


def require_if_match() -> str:
    """The If-Match header of a write to an existing resource; 428 without one.

    "*" (any version) is refused with 412: a change must name the version it was based on,
    or it could silently overwrite somebody else's.
    """
    header = request.headers.get("If-Match", "").strip()
    if not header:
        raise problem(
            428,
            "Bitte If-Match mit dem ETag senden, den GET geliefert hat; so überschreibt "
            "niemand unbemerkt die Änderung eines anderen.",
        )
    if header == "*":
        raise problem(412, "If-Match: * genügt nicht: bitte den ETag senden, den GET geliefert hat.")
    return header


# ---------------------------------------------------------------- authentication


def current_token_user() -> tuple[User, str] | None:
    """(user, actor) of a valid bearer token, None without an Authorization header; 401 for a bad one."""
    if "api_auth" in g:
        return g.api_auth
    header = request.headers.get("Authorization")
    if header is None:
        g.api_auth = None
        return None
    scheme, _, token = header.partition(" ")
    found = user_for_token(token.strip()) if scheme.lower() == "bearer" else None
    if found is None:
        raise problem(401, "Token fehlt, ist unbekannt oder widerrufen.")
    user, api_token = found
    g.api_auth = (user, f"token:{api_token.prefix} (user:{user.username})")
    return g.api_auth


def require_editor() -> tuple[User, str]:
    """The token's user and actor; 401 without a valid token, 403 without an editing role."""
    auth = current_token_user()
    if auth is None:
        raise problem(401, "Schreiben braucht ein API-Token: Authorization: Bearer <Token>.")
    if auth[0].role not in ("editor", "admin"):
        raise problem(403, "Dieses Token darf nicht schreiben.")
    return auth


def sees_unpublished() -> bool:
    """Editors with a token may read drafts and archived profiles (to edit them)."""
    auth = current_token_user()
    return auth is not None and auth[0].role in ("editor", "admin")


# ---------------------------------------------------------------- caching


def finish_read(response, last_modified):
    """ETag, Last-Modified (``last_modified()``), Cache-Control and the 304 answer for a successful GET."""
    if request.method not in ("GET", "HEAD") or response.status_code != 200:
        return response
    if "ETag" not in response.headers and not response.is_streamed:
        response.set_etag(content_hash(response.get_data())[:32])
    if response.last_modified is None:
        response.last_modified = last_modified() or current_app.config["API_STARTED_AT"]
    if g.get("api_auth"):
        response.cache_control.private = True
        response.cache_control.no_store = True
    else:
        response.cache_control.public = True
        response.cache_control.max_age = g.get("max_age", PUBLIC_MAX_AGE)
    response.vary.add("Authorization")
    response.vary.add("Accept")
    return response.make_conditional(request)


# ---------------------------------------------------------------- lists and patches


def link_header(page: int, pages: int, total: int) -> None:
    """RFC 8288 Link header for first/prev/next/last, keeping the other query arguments."""

    def url(number: int) -> str:
        args = MultiDict(request.args)
        args.setlist("page", [str(number)])
        # Names are encoded too: a header must be Latin-1, and clients may send any name.
        return absolute(request.path) + "?" + urlencode(list(args.items(multi=True)), quote_via=quote)

    links = [f'<{url(1)}>; rel="first"', f'<{url(max(pages, 1))}>; rel="last"']
    if page > 1:
        links.append(f'<{url(min(page - 1, max(pages, 1)))}>; rel="prev"')
    if page < pages:
        links.append(f'<{url(page + 1)}>; rel="next"')
    g.extra_headers = {"Link": ", ".join(links), "X-Total-Count": str(total)}


def merge_patch_body() -> dict:
    """The JSON object of a PATCH request; 400 for anything else."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise problem(400, "Erwartet wird ein JSON-Objekt mit den zu ändernden Feldern.")
    return body


def load_patched(schema, current: dict, patch: dict, detail: str) -> dict:
    """``patch`` applied to ``current`` as an RFC 7396 merge patch, validated by ``schema``.

    The representation has no nested objects at its top level, so one level suffices: a value
    replaces the field (a list as a whole), null removes it, i.e. leaves it empty.
    """
    merged = dict(current)
    for name, value in patch.items():
        if value is None:
            merged.pop(name, None)
        else:
            merged[name] = value
    try:
        return schema.load(merged)
    except ValidationError as error:
        raise problem(422, detail, messages={"json": error.messages})
