"""Public views: parse the request, call one query, render."""

from __future__ import annotations

from collections import OrderedDict
from threading import Lock

from flask import abort, current_app, get_template_attribute, redirect, render_template, request, url_for
from flask_babel import gettext
from markupsafe import Markup
from marshmallow import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload
from werkzeug.datastructures import MultiDict

from .. import queries, search
from ..caching import catalogue_version, per_version
from ..errors import bad_request, not_found
from ..extensions import db
from ..i18n import current_language
from ..models import Keyword, Organisation, Participation, Project
from ..opendata import addresses
from ..opendata.views import gone_page
from ..schemas import ProjectFilterSchema
from ..services import find_project
from . import bp, cards, listing
from .search_views import similar_projects_of

#: The query parameters of the project list; only these are carried into pagination links.
_FILTER_KEYS = frozenset(field.data_key or name for name, field in ProjectFilterSchema().fields.items())


@bp.get("/")
def home():
    """Start page: what the catalogue is, counts, recent profiles, keywords as entry points."""
    keywords = queries.keyword_counts()
    return render_template(
        "public/home.html",
        counts=queries.catalogue_counts(),
        recent=cards.recent_cards(),
        keywords=keywords,
        keyword_cloud_html=_keyword_cloud(keywords),
    )


def _keyword_cloud(keywords) -> Markup:
    """The start page's keyword cloud, rendered once per catalogue version and language (a link
    and a count per keyword: the same for everyone until the next write)."""
    name = f"keyword_cloud:{current_language()}:{request.script_root}"
    return per_version(name, lambda: get_template_attribute("macros.html", "keyword_cloud")(keywords))


@bp.get("/projekte")
def project_list():
    """All published profiles, filtered, sorted and paginated."""
    clean = listing.blank_free_url()
    if clean:
        return redirect(clean)
    try:
        filters = ProjectFilterSchema.from_args(request.args)
    except ValidationError as error:
        raise bad_request(gettext("Ungültiger Filter – %(message)s", message=listing.readable_errors(error.messages)))
    per_page = min(filters["per_page"] or current_app.config["PAGE_SIZE"], current_app.config["MAX_PAGE_SIZE"])
    panel, total = _list_head(filters)
    page = cards.card_page(filters, per_page, total)
    if filters["page"] > 1 and filters["page"] > page.pages:
        raise not_found(
            gettext(
                "Seite %(page)s gibt es nicht; die Liste hat %(pages)s Seite(n).",
                page=filters["page"],
                pages=page.pages or 1,
            )
        )
    # Only known filters: extra parameters such as ?_scheme=… or ?endpoint=… would
    # otherwise reach url_for() as its own keyword arguments and crash the pagination.
    args = MultiDict([(k, v) for k, v in request.args.items(multi=True) if k in _FILTER_KEYS])
    context = listing.listing_context(".project_list", args, filters, None, page.total, page.page, per_page)
    return render_template("public/project_list.html", page=page, args=args, panel=panel, **context)


#: Filter forms and counts of the project list kept per process (the oldest first out of the door).
PANELS_KEPT = 200
_panels: OrderedDict = OrderedDict()
_panels_lock = Lock()


def _list_head(filters: dict) -> tuple:
    """The list's filter form (every value with its count) and how many profiles pass the
    filters, once per catalogue version, search index state, language and filters: the same for
    everyone and every page of the list, and counting and rendering some hundred options is
    most of the list's work."""
    try:
        seq = current_app.extensions["catalogue_search"].meta()["seq"]
    except Exception:  # an unreadable index: the counts come from the database (_filter_counts)
        seq = -1
    chosen = repr([(key, value) for key, value in sorted(filters.items()) if key != "page"])
    key = (str(db.engine.url), catalogue_version()[1], seq, current_language(), request.script_root, chosen)
    with _panels_lock:
        found = _panels.get(key)
        if found is not None:
            _panels.move_to_end(key)
            return found
    render = get_template_attribute("public/_listing.html", "filter_panel")
    groups = listing.filter_groups(filters, _filter_counts(filters))
    found = (
        render(groups, listing.active_count(filters), filters, url_for(".project_list")),
        cards.count_projects(filters),
    )
    with _panels_lock:
        _panels[key] = found
        while len(_panels) > PANELS_KEPT:
            _panels.popitem(last=False)
    return found


def _filter_counts(filters: dict) -> dict:
    """Per filter the values with how many profiles each would give, as /suche counts them
    (the search index's facets); without a working index the values alone, from the database."""
    try:
        return search.search_projects("", filters, "titel", 1, 1).facets
    except search.SearchUnavailable:
        options = queries.filter_options()
        return {
            "keyword": [(keyword.name, count) for keyword, count in options["keywords"]],
            "state": [(code, None) for code in options["states"]],
            "district": [(name, None) for name in options["districts"]],
            "legal_form": [(name, None) for name in options["legal_forms"]],
            "kind": [(kind, None) for kind in options["kinds"]],
        }


bp.add_app_template_global(queries.content_changed, "content_changed")
bp.add_app_template_global(cards.as_card, "as_card")
bp.add_app_template_global(cards.card_texts, "card_texts")
bp.add_app_template_global(cards.rendered_card, "rendered_card")


#: What a profile page shows of its profile, loaded with it: one statement per collection (the
#: organisations with their participations, the legal form with the profile) instead of one per
#: relationship and one more per participating organisation when the template first touches it.
PROFILE_PAGE_LOADS = (
    joinedload(Project.legal_form),
    selectinload(Project.participations).joinedload(Participation.organisation),
    selectinload(Project.keywords),
    selectinload(Project.contacts),
    selectinload(Project.links),
    selectinload(Project.updates),
)


@bp.get("/projekte/<slug>")
def project_detail(slug: str):
    """One profile with every field of the record format."""
    project, is_old_slug = find_project(slug, *PROFILE_PAGE_LOADS)
    if addresses.is_gone(project):
        return gone_page(project)
    if project is None or not project.is_public:
        abort(404)
    if is_old_slug:
        return redirect(url_for(".project_detail", slug=project.slug), code=301)
    return render_template("public/project_detail.html", project=project, **profile_context(project))


def profile_context(project) -> dict:
    """What the profile page shows beside the profile (the admin's preview renders the same page)."""
    changed_at, first_version = queries.content_changed(project)
    return {"similar": similar_projects_of(project), "changed_at": changed_at, "first_version": first_version}


@bp.get("/organisationen")
def organisation_list():
    """Every organisation that takes part in a published profile."""
    return render_template("public/organisation_list.html", organisations=queries.organisations_with_counts())


@bp.get("/organisationen/<slug>")
def organisation_detail(slug: str):
    """An organisation's data and every cooperation it takes part in."""
    organisation = db.session.scalar(select(Organisation).where(Organisation.slug == slug))
    if organisation is None:
        moved = addresses.moved_organisation(slug)  # merged into another one
        if moved:
            return redirect(url_for(".organisation_detail", slug=moved), code=301)
        abort(404)
    participations = queries.organisation_projects(organisation)
    if not participations:
        abort(404)  # organisations only appear through published profiles
    return render_template("public/organisation_detail.html", organisation=organisation, participations=participations)


@bp.get("/stichworte")
def keyword_list():
    """All keywords in use, with counts."""
    return render_template("public/keyword_list.html", keywords=queries.keyword_counts())


@bp.get("/stichworte/<slug>")
def keyword_detail(slug: str):
    """The published profiles with one keyword."""
    keyword = db.session.scalar(select(Keyword).where(Keyword.slug == slug))
    if keyword is None:
        moved = addresses.moved_keyword(slug)  # renamed, or merged into another one
        if moved:
            return redirect(url_for(".keyword_detail", slug=moved), code=301)
    projects = queries.keyword_projects(keyword) if keyword else []
    if not projects:
        abort(404)
    return render_template("public/keyword_detail.html", keyword=keyword, projects=projects)
