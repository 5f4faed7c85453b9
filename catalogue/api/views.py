"""API views: parse with a schema, call a query or service, render (thin, like every view)."""

from __future__ import annotations

import io
import json
import math
from urllib.parse import quote, urlencode

from flask import current_app, g, redirect, render_template, request, stream_with_context, url_for
from flask.views import MethodView
from marshmallow import ValidationError
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from .. import queries
from ..editing import NotAllowed, audit_status_change, check_status_change
from ..extensions import db
from ..importing.csv_format import write_csv
from ..models import LegalForm, Organisation, Project
from ..schemas import OrganisationOutputSchema, ProjectOutputSchema
from ..services import (
    ServiceError,
    VersionConflict,
    begin_write,
    change_status,
    create_project,
    find_project,
    save_organisation,
    update_project,
)
from . import bp, reading
from .protocol import (
    check_acceptable,
    check_json_body,
    content_hash,
    current_token_user,
    expected_version,
    finish_read,
    problem,
    project_etag,
    require_editor,
    require_if_match,
    sees_unpublished,
    take_write_lock,
)
from .schemas import (
    ApiOrganisationInputSchema,
    ApiProjectInputSchema,
    SORTS,
    ChangePageSchema,
    ChangesArgsSchema,
    KeywordSchema,
    LegalFormSchema,
    OrganisationDetailSchema,
    OrganisationPageSchema,
    OrganisationSchema,
    PageArgsSchema,
    ProjectPageSchema,
    ProjectQuerySchema,
    ProjectSchema,
    SuggestArgsSchema,
    SuggestionSchema,
)
from .openapi import (
    LOCATION,
    ORGANISATION_EXAMPLE,
    ORGANISATION_LINKS,
    PROJECT_EXAMPLE,
    PROJECT_LINKS,
    WRITE_PROBLEMS,
    links_from,
    problems,
    write,
)
from .urls import absolute

PROJECT_NOT_FOUND = "Dieses Profil gibt es nicht (mehr) oder es ist nicht veröffentlicht."


def _search():
    """catalogue.search when it is installed; the API works without it except for ``q``."""
    try:
        from .. import search
    except ImportError:
        return None
    return search


@bp.before_request
def _negotiate():
    """406 and 415 before any work is done."""
    # g lives as long as the app context, which tests (and CLI code) keep across requests.
    for name in ("api_auth", "last_modified", "extra_headers", "max_age"):
        g.pop(name, None)
    check_acceptable()
    check_json_body()
    if "Authorization" in request.headers:
        # A bad token is refused on reads too (RFC 6750): otherwise any made-up token would
        # read freely with a rate-limit budget of its own.
        current_token_user()
        # The token's last use is its own bookkeeping: committed now, so that it is kept
        # even when the request itself fails later (412, 422, ...) or only reads.
        db.session.commit()
    if request.method in ("POST", "PUT", "PATCH", "DELETE"):
        # The writers' lock as the transaction's first statement (see take_write_lock).
        take_write_lock()
        require_editor()  # 401/403 before anything else is said about the request


@bp.after_request
def _cache(response):
    """Every successful GET gets validators, Cache-Control and its 304."""
    return finish_read(response, lambda: g.get("last_modified") or reading.latest_change_time())


_READ_METHODS = ("GET", "HEAD")


def no_cors_on_writes(response):
    """Reads are open to any origin; writes carry no CORS grant, and neither does the
    preflight that asks for one, so a foreign page's script cannot send a write at all."""
    method = request.method
    if method == "OPTIONS":
        method = request.headers.get("Access-Control-Request-Method", "GET").upper()
        if not response.get_data():
            # The automatic OPTIONS answer is empty: say so instead of calling it text/html.
            response.status_code = 204
            response.headers.remove("Content-Type")
    if method not in _READ_METHODS:
        for header in [h for h in response.headers.keys() if h.lower().startswith("access-control-")]:
            del response.headers[header]
    return response


# ---------------------------------------------------------------- projects: reading


def _visible(slug: str) -> tuple[Project, bool]:
    """The project at ``slug`` and whether the slug is an old one; 404 when unknown or
    unpublished (editors with a token see drafts and archived profiles)."""
    if any(ord(char) < 32 or ord(char) == 127 for char in slug):
        raise problem(404, PROJECT_NOT_FOUND)  # PostgreSQL refuses NUL in a parameter
    project, is_old_slug = find_project(slug)
    if project is None or not (project.is_public or sees_unpublished()):
        raise problem(404, PROJECT_NOT_FOUND)
    return project, is_old_slug


def _project_response(project: Project, status: int = 200):
    """The full document with the ETag that PUT/PATCH/DELETE expect in If-Match."""
    body = json.dumps(ProjectSchema().dump(project), ensure_ascii=False)
    response = current_app.response_class(body, status=status, mimetype="application/json")
    response.headers["ETag"] = project_etag(project, content_hash(body.encode()))
    organisations = [p.organisation.updated_at for p in project.participations]
    g.last_modified = max([project.updated_at, *organisations])
    return response


@bp.route("/projects", endpoint="projects")
class Projects(MethodView):
    @bp.arguments(ProjectQuerySchema, location="query", as_kwargs=True)
    @bp.response(200, ProjectPageSchema, headers={
        "Link": {"description": "first/prev/next/last (RFC 8288)", "schema": {"type": "string"}},
        "X-Total-Count": {"description": "Treffer insgesamt", "schema": {"type": "integer"}},
    })
    @problems({400: "Suchanfrage q nicht verständlich", 503: "Volltextsuche gerade nicht verfügbar"})
    def get(self, q, page, per_page, facets, sort, **filter_args):
        """Published profiles: filters, full text `q`, facets and sorting as on the site, paginated."""
        filters = {
            "keywords": filter_args["keyword"], "states": filter_args["state"],
            "districts": filter_args["district"], "legal_forms": filter_args["legal_form"],
            "kinds": filter_args["kind"], "since_from": filter_args["since_from"],
            "since_to": filter_args["since_to"],
        }
        # since_from > since_to is a valid question with an empty answer, not an error.
        per_page = min(per_page, current_app.config["MAX_PAGE_SIZE"])
        search = _search()
        if q.strip() or (facets and search is not None):
            page_data = _search_page(search, q.strip(), filters, sort or ("relevance" if q.strip() else "title"),
                                     page, per_page, facets)
        else:
            page_data = _sql_page(filters, SORTS[sort or "title"], page, per_page, facets)
        _link_header(page, page_data["pages"], page_data["total"])
        return page_data


def _sql_page(filters: dict, sort: str, page: int, per_page: int, with_facets: bool) -> dict:
    if sort == "relevanz":
        sort = "titel"  # without words to rank by, relevance is the title order
    pagination = queries.paginate_projects({**filters, "sort": sort, "page": page}, per_page)
    return {
        "items": pagination.items, "total": pagination.total, "page": page, "per_page": per_page,
        "pages": pagination.pages, "suggestion": None,
        "facets": _facets_out(reading.sql_facets({**filters, "sort": sort})) if with_facets else None,
    }


def _search_page(search, q: str, filters: dict, sort: str, page: int, per_page: int, with_facets: bool) -> dict:
    if search is None:
        raise problem(503, "Die Volltextsuche ist auf diesem Server nicht verfügbar; Filter ohne q funktionieren.")
    try:
        result = search.search_projects(q=q, filters=filters, sort=SORTS[sort], page=page, per_page=per_page,
                                        with_facets=with_facets)
    except search.SearchQueryError as error:
        raise problem(400, f"Suchanfrage nicht verständlich: {error}")
    except search.SearchUnavailable:
        raise _search_unavailable()
    return {
        "items": reading.projects_by_ids(list(result.ids)), "total": result.total, "page": page,
        "per_page": per_page, "pages": math.ceil(result.total / per_page) if result.total else 0,
        "suggestion": result.suggestion,
        "facets": _facets_out(result.facets) if with_facets else None,
    }


def _search_unavailable():
    """503 for a failing search engine; the cause goes to the log, not to the client (it may name SQL or paths)."""
    current_app.logger.exception("Search unavailable on %s", request.path)
    return problem(503, "Die Suche ist gerade nicht verfügbar; bitte später erneut versuchen. "
                        "Filter ohne q funktionieren weiter.", retry_after=30)


#: API facet names → the search engine's (SQL facets already use the API's names).
_FACET_NAMES = {"keywords": "keyword", "states": "state", "districts": "district", "legal_forms": "legal_form",
                "kinds": "kind", "since": "since"}


def _facets_out(facets: dict) -> dict:
    return {name: [{"value": str(v), "count": n} for v, n in facets.get(name, facets.get(engine, []))]
            for name, engine in _FACET_NAMES.items()}


def _link_header(page: int, pages: int, total: int) -> None:
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


@bp.after_request
def _extra_headers(response):
    for name, value in (g.get("extra_headers") or {}).items():
        response.headers[name] = value
    return response


@bp.route("/projects/<slug>", endpoint="project_detail")
class ProjectResource(MethodView):
    @bp.response(200, ProjectSchema)
    @links_from(200, PROJECT_LINKS)
    @bp.alt_response(301, description="alte Adresse: Location nennt die neue", headers={"Location": LOCATION})
    @problems({404: "unbekannt oder nicht veröffentlicht (Entwürfe sieht nur, wer ein Token hat)"})
    def get(self, slug):
        """The whole profile; an old slug answers 301 to the new one."""
        project, is_old_slug = _visible(slug)
        if is_old_slug:
            return redirect(absolute(url_for("api.project_detail", slug=project.slug)), code=301)  # body: see init_app
        return _project_response(project)

    @bp.arguments(ApiProjectInputSchema)
    @bp.response(200, ProjectSchema)
    @write(links=PROJECT_LINKS)
    @problems({**WRITE_PROBLEMS, 404: "unbekannt", 409: "Adresse (slug) vergeben", 412: "If-Match veraltet",
               428: "If-Match fehlt"})
    def put(self, data, slug):
        """Replace the whole profile (If-Match required)."""
        user, actor = require_editor()
        project = _for_write(slug)
        return _save(project, data, user, actor)

    @bp.response(200, ProjectSchema)
    @write(links=PROJECT_LINKS)
    @bp.doc(requestBody={"required": True, "content": {ct: {"schema": {
        "type": "object", "description": "die zu ändernden Felder der Projektdarstellung (RFC 7396: null "
                                         "leert ein Feld, Listen werden ganz ersetzt)",
        "example": {"summary": "Zwei Städte teilen Wissen und Aufgaben."}}}
        for ct in ("application/merge-patch+json", "application/json")}})
    @problems({**WRITE_PROBLEMS, 400: "kein JSON-Objekt", 404: "unbekannt", 409: "Adresse (slug) vergeben",
               412: "If-Match veraltet", 415: "kein JSON", 422: "ungültige Felder", 428: "If-Match fehlt"})
    def patch(self, slug):
        """Change some fields (JSON merge patch onto the representation; If-Match required)."""
        body = _merge_patch_body()
        user, actor = require_editor()
        project = _for_write(slug)
        data = _load_patched(ApiProjectInputSchema(), ProjectOutputSchema().dump(project), body,
                             "Das Profil ist nach der Änderung ungültig.")
        return _save(project, data, user, actor)

    @bp.response(204)
    @write()
    @problems({**WRITE_PROBLEMS, 403: "Token ohne Recht zu veröffentlichen", 404: "unbekannt",
               412: "If-Match veraltet", 428: "If-Match fehlt"})
    def delete(self, slug):
        """Archive the profile (soft delete): it leaves the catalogue and /changes shows a tombstone."""
        user, actor = require_editor()
        return _status_change(_for_write(slug), "archived", user, actor)


def _merge_patch_body() -> dict:
    """The JSON object of a PATCH request; 400 for anything else."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise problem(400, "Erwartet wird ein JSON-Objekt mit den zu ändernden Feldern.")
    return body


def _load_patched(schema, current: dict, patch: dict, detail: str) -> dict:
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


def _for_write(slug: str) -> Project:
    project, _ = find_project(slug) if all(ord(c) >= 32 for c in slug) else (None, False)
    if project is None:
        raise problem(404, PROJECT_NOT_FOUND)
    return project


def _allow_status_change(old: str | None, new: str | None, user) -> None:
    """The admin's rule (catalogue.editing): publishing and taking offline need the right to publish."""
    try:
        check_status_change(old, new, user)
    except NotAllowed as error:
        raise problem(403, str(error))


def _save(project: Project, data: dict, user, actor: str):
    version = expected_version(project)
    old_status = project.status
    _allow_status_change(old_status, data.get("status"), user)
    try:
        update_project(project, data, actor, expected_version=version)
    except VersionConflict as error:
        db.session.rollback()
        raise problem(412, str(error))
    except ServiceError as error:
        db.session.rollback()
        raise problem(409, str(error))
    audit_status_change(project, old_status, project.status, actor)
    db.session.commit()
    return _project_response(project)


def _status_change(project: Project, status: str, user, actor: str):
    version = expected_version(project)
    old_status = project.status
    _allow_status_change(old_status, status, user)
    try:
        change_status(project, status, actor, expected_version=version)
    except VersionConflict as error:
        db.session.rollback()
        raise problem(412, str(error))
    audit_status_change(project, old_status, project.status, actor)
    db.session.commit()
    if status == "archived":
        return "", 204
    return _project_response(project)


@bp.route("/projects", methods=["POST"], endpoint="project_create")
@bp.arguments(ApiProjectInputSchema, example=PROJECT_EXAMPLE)
@bp.response(201, ProjectSchema, headers={"Location": LOCATION})
@write(if_match=False, links=PROJECT_LINKS, status=201)
@problems({**WRITE_PROBLEMS, 409: "Adresse (slug) vergeben", 415: "kein JSON"})
def create(data):
    """Create a profile (a draft unless `status` says otherwise)."""
    user, actor = require_editor()
    _allow_status_change(None, data.get("status"), user)
    if data.get("slug") and find_project(data["slug"])[0] is not None:
        raise problem(409, f"Die Adresse „{data['slug']}“ gehört schon zu einem Profil.")
    project = create_project(data, actor).project
    audit_status_change(project, None, project.status, actor)
    db.session.commit()
    response = _project_response(project, 201)
    response.headers["Location"] = absolute(url_for("api.project_detail", slug=project.slug))
    return response


def _decorated(view, *decorators):
    """Apply decorators listed top-down, as they would be written above a def."""
    for decorator in reversed(decorators):
        view = decorator(view)
    return view


for _name, _status, _doc in (
    ("publish", "published", "Publish the profile (If-Match required)."),
    ("unpublish", "draft", "Take the profile offline as a draft (If-Match required)."),
):
    def _view(slug, _status=_status):
        user, actor = require_editor()
        return _status_change(_for_write(slug), _status, user, actor)

    _view.__doc__ = _doc
    _view.__name__ = f"project_{_name}"
    _decorated(
        _view,
        bp.route(f"/projects/<slug>/{_name}", methods=["POST"], endpoint=f"project_{_name}"),
        bp.response(200, ProjectSchema),
        write(links=PROJECT_LINKS),
        problems({**WRITE_PROBLEMS, 403: "Token ohne Recht zu veröffentlichen", 404: "unbekannt",
                  412: "If-Match veraltet", 415: "ein Inhalt, der kein JSON ist", 428: "If-Match fehlt"}),
    )


# ---------------------------------------------------------------- bulk


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


# ---------------------------------------------------------------- organisations


def _organisation(slug: str) -> Organisation:
    organisation = db.session.scalar(select(Organisation).where(Organisation.slug == slug)) \
        if all(ord(c) >= 32 for c in slug) else None
    if organisation is None:
        raise problem(404, "Diese Organisation gibt es nicht.")
    return organisation


def _organisation_response(organisation: Organisation, status: int = 200):
    projects = [{"role": role, "project": project} for role, project in queries.organisation_projects(organisation)]
    if not projects and not sees_unpublished():
        raise problem(404, "Diese Organisation nimmt an keinem veröffentlichten Profil teil.")
    organisation.roles_in_projects = projects  # a plain attribute for the schema, not a column
    document = OrganisationDetailSchema().dump(organisation)
    body = json.dumps(document, ensure_ascii=False)
    response = current_app.response_class(body, status=status, mimetype="application/json")
    # Like a profile's: the part If-Match checks (its own facts, so that edits of its profiles do
    # not make a write fail), plus a hash of the whole document, so that caches see those edits.
    response.headers["ETag"] = f'"{_organisation_facts_tag(organisation)}-{content_hash(body.encode())[:12]}"'
    g.last_modified = reading.organisation_changed_at(organisation)
    return response


def _organisation_facts_tag(organisation: Organisation) -> str:
    """The If-Match part of an organisation's ETag: a hash of its own facts."""
    facts = json.dumps(OrganisationSchema().dump(organisation), sort_keys=True, ensure_ascii=False)
    return f"o{organisation.id}-{content_hash(facts.encode())[:16]}"


@bp.route("/organisations")
@bp.arguments(PageArgsSchema, location="query", as_kwargs=True)
@bp.response(200, OrganisationPageSchema)
def organisations(page, per_page):
    """Organisations taking part in published profiles, alphabetically, with counts."""
    everything = queries.organisations_with_counts()
    pages = math.ceil(len(everything) / per_page) if everything else 0
    _link_header(page, pages, len(everything))
    chunk = everything[(page - 1) * per_page: page * per_page]
    for organisation, count in chunk:
        organisation.project_count = count  # a plain attribute for the schema, not a column
    return {"items": [organisation for organisation, _ in chunk],
            "total": len(everything), "page": page, "per_page": per_page, "pages": pages}


@bp.route("/organisations/<slug>", endpoint="organisation_detail")
class OrganisationResource(MethodView):
    @bp.response(200, OrganisationDetailSchema)
    @links_from(200, ORGANISATION_LINKS)
    @problems({404: "unbekannt, oder an keinem veröffentlichten Profil beteiligt"})
    def get(self, slug):
        """An organisation and its cooperations (role and profile)."""
        return _organisation_response(_organisation(slug))

    @bp.arguments(ApiOrganisationInputSchema, example=ORGANISATION_EXAMPLE)
    @bp.response(200, OrganisationDetailSchema)
    @write(links=ORGANISATION_LINKS)
    @problems({**WRITE_PROBLEMS, 404: "unbekannt", 409: "AGS oder Name vergeben", 412: "If-Match veraltet",
               428: "If-Match fehlt"})
    def put(self, data, slug):
        """Replace an organisation's facts (If-Match required); its profiles show up in /changes."""
        user, actor = require_editor()
        organisation = _current_organisation(slug)
        return _save_organisation(organisation, data, actor)

    @bp.response(200, OrganisationDetailSchema)
    @write(links=ORGANISATION_LINKS)
    @bp.doc(requestBody={"required": True, "content": {ct: {"schema": {
        "type": "object", "description": "die zu ändernden Angaben (RFC 7396: null leert ein Feld)",
        "example": {"population": 73487, "population_date": "2020-12-31", "population_source": "IT.NRW"}}}
        for ct in ("application/merge-patch+json", "application/json")}})
    @problems({**WRITE_PROBLEMS, 400: "kein JSON-Objekt", 404: "unbekannt", 409: "AGS oder Name vergeben",
               412: "If-Match veraltet", 415: "kein JSON", 422: "ungültige Felder", 428: "If-Match fehlt"})
    def patch(self, slug):
        """Change some of an organisation's facts (JSON merge patch; If-Match required)."""
        body = _merge_patch_body()
        user, actor = require_editor()
        organisation = _current_organisation(slug)
        data = _load_patched(ApiOrganisationInputSchema(), OrganisationOutputSchema().dump(organisation), body,
                             "Die Organisation ist nach der Änderung ungültig.")
        return _save_organisation(organisation, data, actor)


def _current_organisation(slug: str) -> Organisation:
    """The organisation to change, if the client's If-Match names its current facts (else 428/412)."""
    organisation = _organisation(slug)
    wanted = require_if_match().removeprefix("W/").strip('"')
    begin_write()  # hold the writers' lock while comparing, so no one slips in between
    db.session.refresh(organisation)
    if wanted.rpartition("-")[0] != _organisation_facts_tag(organisation):
        raise problem(412, "Die Organisation wurde inzwischen geändert; bitte neu laden.")
    return organisation


def _save_organisation(organisation: Organisation, data: dict, actor: str):
    try:
        save_organisation(data, actor, organisation)
    except ServiceError as error:
        db.session.rollback()
        raise problem(409, str(error))
    db.session.commit()
    return _organisation_response(organisation)


@bp.route("/organisations", methods=["POST"], endpoint="organisation_create")
@bp.arguments(ApiOrganisationInputSchema, example=ORGANISATION_EXAMPLE)
@bp.response(201, OrganisationDetailSchema, headers={"Location": LOCATION})
@write(if_match=False, links=ORGANISATION_LINKS, status=201)
@problems({**WRITE_PROBLEMS, 409: "AGS oder Name vergeben", 415: "kein JSON"})
def organisation_create(data):
    """Create an organisation."""
    user, actor = require_editor()
    try:
        organisation, _ = save_organisation(data, actor)
    except ServiceError as error:
        db.session.rollback()
        raise problem(409, str(error))
    db.session.commit()
    response = _organisation_response(organisation, 201)
    response.headers["Location"] = absolute(url_for("api.organisation_detail", slug=organisation.slug))
    return response


# ---------------------------------------------------------------- vocabularies and suggestions


@bp.route("/keywords")
@bp.response(200, KeywordSchema(many=True))
def keywords():
    """Keywords of published profiles with how many use each."""
    return [{
        "name": keyword.name, "slug": keyword.slug, "count": count,
        "html_url": absolute(url_for("public.keyword_detail", slug=keyword.slug)),
        "projects_url": absolute(url_for("api.projects", keyword=keyword.name)),
    } for keyword, count in queries.keyword_counts()]


@bp.route("/legal-forms")
@bp.response(200, LegalFormSchema(many=True))
def legal_forms():
    """The managed list of legal forms, with how many published profiles use each."""
    counts = dict(db.session.execute(
        select(Project.legal_form_id, func.count(Project.id)).where(Project.status == "published")
        .group_by(Project.legal_form_id)
    ).all())
    forms = db.session.scalars(select(LegalForm).order_by(LegalForm.name)).all()
    return [{"name": f.name, "description": f.description, "count": counts.get(f.id, 0)} for f in forms]


@bp.route("/suggest")
@bp.arguments(SuggestArgsSchema, location="query", as_kwargs=True)
@bp.response(200, SuggestionSchema(many=True))
@problems({503: "Suche nicht verfügbar"})
def suggest(q, limit):
    """Completions for the search box: profiles, keywords, organisations."""
    search = _search()
    if search is None:
        raise problem(503, "Vorschläge brauchen die Volltextsuche, die auf diesem Server fehlt.")
    try:
        suggestions = search.suggest(q, limit=limit)
    except search.SearchUnavailable:
        raise _search_unavailable()
    # Absolute, because the portals that show them live elsewhere.
    return [{**suggestion, "url": absolute(suggestion["url"])} for suggestion in suggestions]


# ---------------------------------------------------------------- the document itself


@bp.route("/openapi.json")
@bp.doc(responses={"200": {"description": "OpenAPI 3", "content": {"application/json": {"schema": {"type": "object"}}}}})
def openapi():
    """This API's OpenAPI 3 document."""
    return current_app.extensions["catalogue_api"].spec.to_dict()


@bp.route("/")
@bp.doc(responses={"200": {"description": "HTML", "content": {"text/html": {"schema": {"type": "string"}}}}})
def docs():
    """The API documentation as a page (rendered here from the OpenAPI document; no CDN)."""
    spec = current_app.extensions["catalogue_api"].spec.to_dict()
    return render_template("api/docs.html", spec=spec, base=absolute(""))
