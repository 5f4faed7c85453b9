"""The search page /suche and "Ähnliche Projekte" (the search box's suggestions are /api/v1/suggest)."""

from __future__ import annotations

from flask import current_app, render_template, request, url_for
from flask_babel import gettext
from marshmallow import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import RequestEntityTooLarge, ServiceUnavailable

from .. import search
from ..errors import bad_request, not_found
from ..extensions import db
from ..models import Participation, Project
from ..schemas import ProjectFilterSchema, flatten_errors
from . import bp

#: Query parameters of /suche: the text, the order, and the list filters.
_KEYS = frozenset({"q", "sort"} | {field.data_key or name for name, field in ProjectFilterSchema().fields.items()})
_FACET_PARAMS = {"keyword": "stichwort", "state": "land", "district": "kreis", "legal_form": "rechtsform", "kind": "art"}
_SINCE_PARAMS = {label: (low, high) for label, low, high in search.SINCE_RANGES}


def _shown_error(status: int, message: str):
    error = RequestEntityTooLarge(message) if status == 413 else bad_request(message)
    error._catalogue_detail = True
    return error


def _parse_args():
    """Text, sort and filters from the query string; a bad filter is a 400 that says why."""
    args = MultiDict([(k, v) for k, v in request.args.items(multi=True) if k in _KEYS])
    sort = args.get("sort") or "relevanz"
    if sort not in search.SORTS:
        raise bad_request(gettext("Ungültige Sortierung – relevanz, titel, neueste oder seit erwartet."))
    try:
        filters = ProjectFilterSchema.from_args(MultiDict([(k, v) for k, v in args.items(multi=True) if k != "sort"]))
    except ValidationError as error:
        message = " ".join(f"{field}: {text}" for field, text in flatten_errors(error.messages))
        raise bad_request(gettext("Ungültiger Filter – %(message)s", message=message))
    return args, args.get("q", ""), sort, filters


def _load(ids: list[int]) -> list[Project]:
    """The rows of the ids, in the order of the ids (published only: the index may lag a moment)."""
    stmt = select(Project).where(Project.id.in_(ids), Project.status == "published").options(
        selectinload(Project.participations).selectinload(Participation.organisation),
        selectinload(Project.keywords),
    )
    rows = {project.id: project for project in db.session.scalars(stmt)}
    return [rows[i] for i in ids if i in rows]


def facet_links(args: MultiDict, facets: dict) -> dict:
    """Per facet: (value, count, selected, url) with the value toggled in the current query."""
    links = {}
    for name, values in facets.items():
        entries = []
        for value, count in values:
            new = MultiDict(args)
            new.pop("seite", None)
            if name == "since":
                low, high = _SINCE_PARAMS[value]
                selected = (str(low or ""), str(high or "")) == (args.get("seit_von", ""), args.get("seit_bis", ""))
                new.pop("seit_von", None), new.pop("seit_bis", None)
                if not selected:
                    new.update({k: str(v) for k, v in (("seit_von", low), ("seit_bis", high)) if v})
            else:
                param = _FACET_PARAMS[name]
                current = args.getlist(param)
                selected = value in current
                new.setlist(param, [v for v in current if v != value] if selected else current + [value])
            entries.append((value, count, selected, url_for(".search_page", **new.to_dict(flat=False))))
        links[name] = entries
    return links


@bp.get("/suche")
def search_page():
    """Full-text search over the published profiles, combined with the list filters."""
    args, text, sort, filters = _parse_args()
    per_page = min(filters["per_page"] or current_app.config["PAGE_SIZE"], current_app.config["MAX_PAGE_SIZE"])
    try:
        result = search.search_projects(text, filters, sort, filters["page"], per_page)
    except search.SearchQueryError as error:
        raise _shown_error(error.status, str(error))
    except search.SearchUnavailable:
        error = ServiceUnavailable(gettext("Die Suche ist gerade nicht verfügbar. Bitte versuchen Sie es gleich noch einmal."),
                                   retry_after=30)
        error._catalogue_detail = True
        raise error
    if filters["page"] > result.pages:
        raise not_found(gettext("Seite %(page)s gibt es nicht; die Trefferliste hat %(pages)s Seite(n).",
                                page=filters["page"], pages=result.pages))
    return render_template(
        "public/search.html", q=text, sort=sort, filters=filters, result=result, projects=_load(result.ids),
        facets=facet_links(args, result.facets), args=args,
    )


@bp.app_template_global("similar_projects")
def similar_projects_of(project: Project, limit: int = 5) -> list[Project]:
    """"Ähnliche Projekte" for the profile page; without a working index simply none."""
    try:
        return _load(search.similar_projects(project.id, limit))
    except search.SearchUnavailable:
        return []
