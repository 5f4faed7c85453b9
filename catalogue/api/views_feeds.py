"""API views for harvesting: the bulk exports and the change feed."""

from __future__ import annotations

from flask import g, request
from marshmallow import RAISE

from .. import search
from ..opendata.downloads import FORMATS, download_response
from ..opendata.selection import from_api_args
from . import bp, reading
from .openapi import problems
from .protocol import content_hash, problem
from .schemas import ChangePageSchema, ChangesArgsSchema, ProjectFilterArgsSchema
from .urls import absolute
from .views_projects import search_unavailable


def _bulk_etag(kind: str) -> str:
    seq, org_time = reading.catalogue_state()
    g.last_modified = reading.latest_change_time()
    # The query is part of the answer: the same data seen through other filters is another document.
    digest = content_hash(f"{org_time}|{request.query_string.decode('latin-1')}".encode())[:12]
    return f"{kind}-{seq}-{digest}"


def _bulk(kind: str, args: dict):
    try:
        return download_response(kind, from_api_args(args), absolute(request.full_path.rstrip("?")), _bulk_etag(kind))
    except search.SearchQueryTooLong as error:
        raise problem(413, f"q: {error}")
    except search.SearchQueryError as error:
        raise problem(400, f"Suchanfrage nicht verständlich: {error}")
    except search.SearchUnavailable:
        raise search_unavailable()


_BULK_DOC = (
    "Wie `/projects` (Filter, auch unter den Namen der Website, `q`, `sort`), aber jedes passende Profil "
    'ohne Seitengrenze, gestreamt; Lizenz im Header `Link: <…>; rel="license"`. Ein unbekannter Parameter '
    "ist ein 422, das ihn nennt."
)


@bp.route("/projects.json")
@bp.arguments(ProjectFilterArgsSchema, location="query", as_kwargs=True, unknown=RAISE)
@bp.response(
    200,
    {
        "type": "object",
        "properties": {
            "license": {"type": "string", "format": "uri"},
            "license_title": {"type": "string"},
            "license_url": {"type": "string", "format": "uri"},
            "attribution": {"type": "string"},
            "source": {"type": "string", "format": "uri"},
            "count": {"type": "integer"},
            "projects": {"type": "array", "items": {"$ref": "#/components/schemas/Project"}},
        },
    },
    description=_BULK_DOC,
)
@problems(
    {400: "Suchanfrage q nicht verständlich", 413: "Suchanfrage q zu lang", 503: "Volltextsuche gerade nicht verfügbar"}
)
def projects_json(**args):
    """Every published profile matching the filters in one streamed JSON document, with its licence."""
    return _bulk("json", args)


@bp.route("/projects.csv")
@bp.arguments(ProjectFilterArgsSchema, location="query", as_kwargs=True, unknown=RAISE)
@bp.doc(
    responses={
        "200": {
            "description": "CSV, eine Zeile je Profil (Spalten wie beim Import). " + _BULK_DOC,
            "content": {"text/csv": {"schema": {"type": "string"}}},
        }
    }
)
@problems(
    {400: "Suchanfrage q nicht verständlich", 413: "Suchanfrage q zu lang", 503: "Volltextsuche gerade nicht verfügbar"}
)
def projects_csv(**args):
    """Every published profile matching the filters as CSV, streamed (the import's columns)."""
    return _bulk("csv", args)


@bp.route("/projects.xlsx")
@bp.arguments(ProjectFilterArgsSchema, location="query", as_kwargs=True, unknown=RAISE)
@bp.doc(
    responses={
        "200": {
            "description": "XLSX: Blatt „Projekte“ (Spalten wie CSV), Blatt „Lizenz“. " + _BULK_DOC,
            "content": {FORMATS["xlsx"]: {"schema": {"type": "string", "format": "binary"}}},
        }
    }
)
@problems(
    {400: "Suchanfrage q nicht verständlich", 413: "Suchanfrage q zu lang", 503: "Volltextsuche gerade nicht verfügbar"}
)
def projects_xlsx(**args):
    """Every published profile matching the filters as an Excel workbook with a licence sheet."""
    return _bulk("xlsx", args)


# ---------------------------------------------------------------- change feed


HISTORY_REPLACED = (
    "Der Änderungsverlauf unter since={since} ist nicht mehr der, dem Sie gefolgt sind (eine Sicherung wurde "
    "wiederhergestellt oder der Katalog neu aufgesetzt). Bitte den Abgleich mit since=0 neu beginnen."
)


@bp.route("/changes")
@bp.arguments(ChangesArgsSchema, location="query", as_kwargs=True)
@bp.response(200, ChangePageSchema)
@problems({410: "Der Verlauf unter `since` wurde ersetzt (wiederhergestellte Sicherung): bei since=0 neu beginnen"})
def changes(since, limit, fingerprint=None):
    """Every create, update, publish, unpublish and delete after `since`, in order, with the next cursor.

    Follow `next` until `has_more` is false: from 0 this rebuilds the published catalogue exactly.
    Unpublished and archived profiles appear as tombstones (`deleted: true`, `project: null`).
    Send `next_fingerprint` back as `fingerprint`: if a backup was restored meanwhile, the numbers
    go on from the backup's state and name other writes, and the answer is 410 (so is a `since`
    beyond the newest change): start again from 0.
    """
    rows, has_more, projects = reading.changes_after(since, limit)
    latest = max(reading.catalogue_state()[0], rows[-1].seq if rows else 0)
    if since > latest or (since and fingerprint is not None and reading.change_fingerprint(since) != fingerprint):
        raise problem(410, HISTORY_REPLACED.format(since=since))
    items = []
    for change in rows:
        project = projects.get(change.project_id)
        public = project is not None and project.is_public
        items.append(
            {
                "seq": change.seq,
                "action": change.action,
                "id": change.project_id,
                "slug": project.slug if project else "",
                "changed_at": change.created_at,
                "deleted": not public,
                "project": project if public else None,
            }
        )
    next_cursor = rows[-1].seq if rows else since
    g.max_age = 5  # followers poll; a CDN may absorb bursts but not hide changes for long
    g.last_modified = rows[-1].created_at if rows else None
    return {
        "items": items,
        "next": next_cursor,
        "has_more": has_more,
        "latest": latest,
        "next_fingerprint": reading.change_fingerprint(next_cursor, rows[-1] if rows else None)
        if next_cursor
        else None,
    }
