"""Routes of the open-data documents: the DCAT-AP.de catalogue and the Atom feeds."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import abort, current_app, redirect, render_template, request, url_for
from flask_babel import gettext
from marshmallow import ValidationError
from sqlalchemy import select
from werkzeug.exceptions import RequestEntityTooLarge, ServiceUnavailable

from ..api.protocol import content_hash
from ..api.reading import catalogue_state, latest_change_time
from ..api.urls import absolute
from ..errors import bad_request
from ..extensions import db
from ..models import Keyword, Organisation
from ..schemas import ProjectFilterSchema, flatten_errors
from ..textutil import without_forbidden
from . import addresses, bp, feeds, sitemap
from .head import SELECTING_PARAMS
from .selection import Selection

#: path suffix → rdflib format
_DCAT_FORMATS = {"ttl": "turtle", "rdf": "xml", "jsonld": "json-ld"}


def _conditional(response, kind: str):
    """ETag from the change log (and organisation edits), Last-Modified from the log's last entry."""
    seq, org_time = catalogue_state()
    response.set_etag(f"{kind}-{seq}-{content_hash(str(org_time).encode())[:8]}")
    response.last_modified = latest_change_time()
    response.cache_control.public = True
    response.cache_control.max_age = 300
    return response.make_conditional(request)


@bp.get("/catalog.<any(ttl, rdf, jsonld):suffix>")
def catalogue_document(suffix: str):
    """The DCAT-AP.de 3.0 catalogue of this site as Turtle, RDF/XML or JSON-LD."""
    # rdflib costs each process about 0.1 s and 7 MB at import; only harvesters ask for this.
    from . import dcat

    fmt = _DCAT_FORMATS[suffix]
    body = dcat.serialise(dcat.catalogue_graph(), fmt)
    response = current_app.response_class(body, mimetype=dcat.MEDIA_TYPES[fmt])
    return _conditional(response, f"dcat-{suffix}")


@bp.get("/catalog")
def catalogue_negotiated():
    """The catalogue's own IRI: 303 to the serialisation the client asks for (Turtle by default)."""
    choice = request.accept_mimetypes.best_match(
        ["text/turtle", "application/rdf+xml", "application/ld+json", "application/json"], default="text/turtle"
    )
    suffix = {"application/rdf+xml": "rdf", "application/ld+json": "jsonld", "application/json": "jsonld"}.get(
        choice, "ttl"
    )
    response = redirect(url_for(".catalogue_document", suffix=suffix), code=303)
    response.vary.add("Accept")
    return response


# ---------------------------------------------------------------- Atom feeds


def _site_selection() -> Selection:
    """The selection of a /projekte or /suche address (German parameters); a bad one is a 400 page."""
    try:
        filters = ProjectFilterSchema.from_args(request.args)
    except ValidationError as error:
        message = " ".join(f"{field}: {text}" for field, text in flatten_errors(error.messages))
        raise bad_request(gettext("Ungültiger Filter – %(message)s", message=message))
    return Selection.from_filters(filters, without_forbidden(request.args.get("q", "")), filters["sort"])


def _search_errors(call):
    """Run ``call``; the search engine's refusals become the site's 400/413/503 pages."""
    from .. import search

    try:
        return call()
    except search.SearchQueryError as error:
        shown = RequestEntityTooLarge(str(error)) if error.status == 413 else bad_request(str(error))
        shown._catalogue_detail = True
        raise shown
    except search.SearchUnavailable:
        shown = ServiceUnavailable(
            gettext("Die Suche ist gerade nicht verfügbar. Bitte versuchen Sie es gleich noch einmal.")
        )
        shown._catalogue_detail = True
        raise shown


def _feed_response(body: bytes):
    response = current_app.response_class(body, mimetype="application/atom+xml")
    return _conditional(response, "atom-" + content_hash(request.full_path.encode())[:8])


@bp.get("/feeds/projekte.atom")
def feed_projects():
    """Atom feed of new and changed profiles: the whole catalogue, or a list selection or search."""
    selection = _site_selection()
    entries = _search_errors(lambda: feeds.recent_for_selection(selection))
    # Control characters are dropped as the list pages drop them (XML cannot hold them, and the
    # values go into the feed's title).
    values = ((k, without_forbidden(v)) for k in SELECTING_PARAMS for v in request.args.getlist(k))
    pairs = [(k, v) for k, v in values if v.strip()]
    query = ("?" + urlencode(pairs)) if pairs else ""
    page = url_for("public.search_page" if selection.q else "public.project_list") + query
    title = "IKZ-Katalog: neue und geänderte Projekte"
    if pairs:
        title += " (" + ", ".join(v for _, v in pairs) + ")"
    return _feed_response(feeds.atom(title, absolute(request.path + query), absolute(page), entries))


@bp.get("/feeds/stichworte/<slug>.atom")
def feed_keyword(slug: str):
    """Atom feed of the profiles with one keyword."""
    keyword = db.session.scalar(select(Keyword).where(Keyword.slug == slug)) if _plain(slug) else None
    if keyword is None:
        abort(404)
    entries = feeds.recent_for_selection(Selection.from_filters({"keywords": [keyword.name]}))
    return _feed_response(
        feeds.atom(
            f"IKZ-Katalog: Stichwort {keyword.name}",
            absolute(request.path),
            absolute(url_for("public.keyword_detail", slug=keyword.slug)),
            entries,
        )
    )


@bp.get("/feeds/organisationen/<slug>.atom")
def feed_organisation(slug: str):
    """Atom feed of the profiles an organisation takes part in."""
    organisation = db.session.scalar(select(Organisation).where(Organisation.slug == slug)) if _plain(slug) else None
    if organisation is None:
        abort(404)
    entries = feeds.recent_for_organisation(organisation.id)
    return _feed_response(
        feeds.atom(
            f"IKZ-Katalog: {organisation.name}",
            absolute(request.path),
            absolute(url_for("public.organisation_detail", slug=organisation.slug)),
            entries,
        )
    )


@bp.get("/feeds/kommunen/<key>.atom")
def feed_place(key: str):
    """Atom feed of the profiles in which an organisation of one place (official key) takes part."""
    from ..places.directory import get_place
    from ..places.pages import place_url, projects_of_places

    place = get_place(key) if key.isdigit() and len(key) <= 12 else None
    if place is None:
        abort(404)
    entries = feeds.recent_for_ids(projects_of_places([place.key]))
    return _feed_response(
        feeds.atom(f"IKZ-Katalog: {place.label}", absolute(request.path), absolute(place_url(place)), entries)
    )


def _plain(slug: str) -> bool:
    """No slug has control characters (PostgreSQL even refuses a NUL in a parameter)."""
    return all(32 <= ord(char) != 127 for char in slug)


# ---------------------------------------------------------------- sitemap and robots


@bp.get("/sitemap.xml")
def sitemap_index():
    """The sitemap index: one file per URL source and 50,000 addresses."""
    body = sitemap.index_xml(
        sitemap.index_files(), lambda name, number: absolute(url_for(".sitemap_file", name=name, number=number))
    )
    return _conditional(current_app.response_class(body, mimetype="application/xml"), "sitemap")


@bp.get("/sitemaps/<name>-<int:number>.xml")
def sitemap_file(name: str, number: int):
    """One sitemap file: the addresses of one source, with their last change."""
    entries = sitemap.file_entries(name, number)
    if entries is None:
        abort(404)
    body = sitemap.urlset_xml(entries)
    return _conditional(current_app.response_class(body, mimetype="application/xml"), f"sitemap-{name}-{number}")


@bp.get("/robots.txt")
def robots():
    """Crawlers: welcome on the public pages, kept out of the editing area; the sitemap's address."""
    lines = [
        "User-agent: *",
        "Disallow: /admin",
        "Disallow: /sprache/",
        "",
        f"Sitemap: {absolute(url_for('.sitemap_index'))}",
        "",
    ]
    response = current_app.response_class("\n".join(lines), mimetype="text/plain")
    response.cache_control.public = True
    response.cache_control.max_age = 3600
    return response


# ---------------------------------------------------------------- addresses that last


def gone_page(project):
    """410 Gone for a profile that was public and is archived: what it was and where to look now."""
    return render_template("opendata/gone.html", project=project, archived_at=addresses.archived_at(project)), 410
