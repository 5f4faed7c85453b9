"""API views for harvesting: the bulk exports and the change feed."""

from __future__ import annotations

import io
import json

from flask import current_app, g, stream_with_context

from ..importing.csv_format import write_csv
from ..schemas import ProjectOutputSchema
from . import bp, reading
from .protocol import content_hash
from .schemas import ChangePageSchema, ChangesArgsSchema, ProjectSchema


def _bulk_etag(kind: str) -> str:
    seq, org_time = reading.catalogue_state()
    g.last_modified = reading.latest_change_time()
    return f'"{kind}-{seq}-{content_hash(str(org_time).encode())[:8]}"'


@bp.route("/projects.json")
@bp.response(200, {"type": "object", "properties": {
    "count": {"type": "integer"}, "projects": {"type": "array", "items": {"$ref": "#/components/schemas/Project"}}}})
def projects_json():
    """Every published profile in one streamed JSON document (no page limit)."""
    def generate():
        yield '{"projects": ['
        count = 0
        for batch in reading.published_in_batches():
            for project in batch:
                yield ("," if count else "") + json.dumps(ProjectSchema().dump(project), ensure_ascii=False)
                count += 1
        yield f'], "count": {count}}}\n'

    response = current_app.response_class(stream_with_context(generate()), mimetype="application/json")
    response.set_etag(_bulk_etag("json").strip('"'))
    return response


@bp.route("/projects.csv")
@bp.doc(responses={"200": {"description": "CSV, eine Zeile je Profil (Spalten wie beim Import)",
                           "content": {"text/csv": {"schema": {"type": "string"}}}}})
def projects_csv():
    """Every published profile as CSV, streamed (the import's columns)."""
    def generate():
        first = True
        for batch in reading.published_in_batches():
            buffer = io.StringIO()
            write_csv(ProjectOutputSchema(many=True).dump(batch), buffer)
            text = buffer.getvalue()
            # write_csv starts every call with the header row; only the first batch keeps it.
            yield text if first else text.split("\r\n", 1)[1]
            first = False
        if first:
            buffer = io.StringIO()
            write_csv([], buffer)
            yield buffer.getvalue()

    response = current_app.response_class(stream_with_context(generate()), mimetype="text/csv")
    response.headers["Content-Disposition"] = 'attachment; filename="ikz-katalog.csv"'
    response.set_etag(_bulk_etag("csv").strip('"'))
    return response


# ---------------------------------------------------------------- change feed


@bp.route("/changes")
@bp.arguments(ChangesArgsSchema, location="query", as_kwargs=True)
@bp.response(200, ChangePageSchema)
def changes(since, limit):
    """Every create, update, publish, unpublish and delete after `since`, in order, with the next cursor.

    Follow `next` until `has_more` is false: from 0 this rebuilds the published catalogue exactly.
    Unpublished and archived profiles appear as tombstones (`deleted: true`, `project: null`).
    """
    rows, has_more, projects = reading.changes_after(since, limit)
    latest = max(reading.catalogue_state()[0], rows[-1].seq if rows else 0)
    items = []
    for change in rows:
        project = projects.get(change.project_id)
        public = project is not None and project.is_public
        items.append({
            "seq": change.seq, "action": change.action, "id": change.project_id,
            "slug": project.slug if project else "", "changed_at": change.created_at,
            "deleted": not public, "project": project if public else None,
        })
    next_cursor = rows[-1].seq if rows else since
    g.max_age = 5  # followers poll; a CDN may absorb bursts but not hide changes for long
    g.last_modified = rows[-1].created_at if rows else None
    return {"items": items, "next": next_cursor, "has_more": has_more, "latest": latest}
