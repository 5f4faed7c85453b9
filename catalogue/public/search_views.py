"""The search page /suche and "Ähnliche Projekte" (the search box's suggestions are /api/v1/suggest)."""

from __future__ import annotations

from flask import current_app, get_template_attribute, redirect, render_template, request
from flask_babel import gettext
from markupsafe import Markup
from marshmallow import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import RequestEntityTooLarge, ServiceUnavailable

from .. import search
from ..caching import per_version
from ..errors import bad_request, not_found
from ..extensions import db
from ..i18n import current_language
from ..models import Participation, Project
from ..schemas import ProjectFilterSchema
from . import bp, listing

#: Query parameters of /suche: the text, the order, and the list filters.
_KEYS = frozenset({"q", "sort"} | {field.data_key or name for name, field in ProjectFilterSchema().fields.items()})


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
        raise bad_request(gettext("Ungültiger Filter – %(message)s", message=listing.readable_errors(error.messages)))
    return args, args.get("q", ""), sort, filters


def _load(ids: list[int]) -> list[Project]:
    """The rows of the ids, in the order of the ids (published only: the index may lag a moment)."""
    stmt = (
        select(Project)
        .where(Project.id.in_(ids), Project.status == "published")
        .options(
            selectinload(Project.participations).selectinload(Participation.organisation),
            selectinload(Project.keywords),
            selectinload(Project.legal_form),
        )
    )
    rows = {project.id: project for project in db.session.scalars(stmt)}
    return [rows[i] for i in ids if i in rows]


@bp.get("/suche")
def search_page():
    """Full-text search over the published profiles, combined with the list filters."""
    clean = listing.blank_free_url()
    if clean:
        return redirect(clean)
    args, text, sort, filters = _parse_args()
    per_page = min(filters["per_page"] or current_app.config["PAGE_SIZE"], current_app.config["MAX_PAGE_SIZE"])
    try:
        result = search.search_projects(text, filters, sort, filters["page"], per_page)
    except search.SearchQueryError as error:
        raise _shown_error(error.status, str(error))
    except search.SearchUnavailable:
        error = ServiceUnavailable(
            gettext("Die Suche ist gerade nicht verfügbar. Bitte versuchen Sie es gleich noch einmal."), retry_after=30
        )
        error._catalogue_detail = True
        raise error
    if filters["page"] > result.pages:
        raise not_found(
            gettext(
                "Seite %(page)s gibt es nicht; die Trefferliste hat %(pages)s Seite(n).",
                page=filters["page"],
                pages=result.pages,
            )
        )
    projects = _load(result.ids)
    return render_template(
        "public/search.html",
        q=text,
        sort=sort,
        result=result,
        projects=projects,
        results_map=_results_map(projects),
        args=args,
        **listing.listing_context(".search_page", args, filters, result.facets, result.total, result.page, per_page),
    )


#: Rendered maps of result pages kept per catalogue version (the oldest go first beyond this).
_MAPS_PER_VERSION = 256


def _results_map(projects: list[Project]) -> Markup | None:
    """The map of the participants of the profiles on this page of results (one page keeps the
    map light), each once, rendered (templates/places/_map.html's map_figure); None when none of
    them has a place on the map. Rendered once per catalogue version (which covers the profiles,
    their participants and the register), the page's profiles in order and the language: drawing
    the outlines is most of the cost of a search page, and another order, filter or URL that
    shows the same page of profiles draws the same map."""
    organisations = {
        participation.organisation.id: participation.organisation
        for project in projects
        for participation in project.participations
    }
    if not any(o.place_key or o.latitude is not None for o in organisations.values()):
        return None
    config = current_app.config
    key = (
        tuple(project.id for project in projects),
        current_language(),
        request.script_root,
        config.get("PLACES_DIR"),
        config.get("MAP_TILE_URL"),
        config.get("MAP_TILE_ATTRIBUTION"),
    )
    drawn = per_version("public.search.results_map", dict)  # a fresh dict for each version
    found = drawn.get(key)
    if found is None:
        found = _draw_results_map(organisations.values())
        while len(drawn) >= _MAPS_PER_VERSION:
            drawn.pop(next(iter(drawn), None), None)
        drawn[key] = found
    return found or None


def _draw_results_map(organisations) -> Markup:
    """The figure, or an empty Markup when no participant has a place to mark."""
    from ..places.pages import participants_map

    area = participants_map(gettext("Beteiligte der Treffer auf dieser Seite"), organisations)
    if area is None:
        return Markup("")
    figure = get_template_attribute("places/_map.html", "map_figure")
    # Markup, as the template's _() gives it (the macro would escape a plain string)
    return figure(area, "karte-suche", Markup(gettext("Beteiligte dieser Seite als Liste")))


def similar_projects_of(project: Project, limit: int = 5) -> list:
    """ "Ähnliche Projekte" for the profile page (the view passes them): rows of id, slug and
    title, all the page links; without a working index simply none."""
    try:
        ids = search.similar_projects(project.id, limit)
    except search.SearchUnavailable:
        return []
    if not ids:
        return []
    stmt = select(Project.id, Project.slug, Project.title).where(Project.id.in_(ids), Project.status == "published")
    rows = {row.id: row for row in db.session.execute(stmt)}
    return [rows[i] for i in ids if i in rows]
