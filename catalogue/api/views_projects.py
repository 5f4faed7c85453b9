"""API views of profiles: the list with search and facets, the document, and the writes."""

from __future__ import annotations

import json
import math

from flask import current_app, g, redirect, request, url_for
from flask.views import MethodView
from marshmallow import RAISE
from werkzeug.datastructures import MultiDict

from .. import queries, search
from ..editing import workflow
from ..extensions import db
from ..models import Project
from ..opendata.addresses import is_gone, moved_keyword_names
from ..opendata.selection import API_NAMES
from ..schemas import ProjectOutputSchema
from ..services import find_project
from . import bp, reading
from .openapi import LOCATION, PROJECT_EXAMPLE, PROJECT_LINKS, WRITE_PROBLEMS, links_from, problems, write
from .protocol import (
    content_hash,
    expected_version,
    link_header,
    load_patched,
    merge_patch_body,
    problem,
    project_etag,
    require_editor,
    sees_unpublished,
    service_problems,
)
from .schemas import SORTS, ApiProjectInputSchema, ProjectPageSchema, ProjectQuerySchema, ProjectSchema, ProposalSchema
from .urls import absolute

PROJECT_NOT_FOUND = "Dieses Profil gibt es nicht (mehr) oder es ist nicht veröffentlicht."
PROJECT_GONE = (
    "Dieses Profil wurde aus dem Katalog genommen (archiviert); seine Adresse bleibt bestehen. "
    "Spiegel entfernen es (in /changes ein Grabstein)."
)
PROPOSAL_DOC = (
    "Vorschlag gespeichert, nicht veröffentlicht: ein Token ohne Recht zu veröffentlichen ändert ein "
    "veröffentlichtes Profil nicht selbst; die Redaktion prüft den Vorschlag."
)


def search_unavailable():
    """503 for a failing search engine; the cause goes to the log, not to the client (it may name SQL or paths)."""
    # The cause is logged where it happens (catalogue.search: once per unusable index folder,
    # with a traceback for an engine failure), not again per request here.
    current_app.logger.info("Search unavailable on %s", request.path)
    return problem(
        503,
        "Die Suche ist gerade nicht verfügbar; bitte später erneut versuchen. Filter ohne q funktionieren weiter.",
        retry_after=30,
    )


# ---------------------------------------------------------------- reading


def _visible(slug: str) -> tuple[Project, bool]:
    """The project at ``slug`` and whether the slug is an old one; 404 when unknown or
    unpublished (editors with a token see drafts and archived profiles)."""
    if any(ord(char) < 32 or ord(char) == 127 for char in slug):
        raise problem(404, PROJECT_NOT_FOUND)  # PostgreSQL refuses NUL in a parameter
    project, is_old_slug = find_project(slug)
    if not sees_unpublished() and is_gone(project):
        raise problem(410, PROJECT_GONE)
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
    @bp.arguments(ProjectQuerySchema, location="query", as_kwargs=True, unknown=RAISE)
    @bp.response(
        200,
        ProjectPageSchema,
        headers={
            "Link": {"description": "first/prev/next/last (RFC 8288)", "schema": {"type": "string"}},
            "X-Total-Count": {"description": "Treffer insgesamt", "schema": {"type": "integer"}},
        },
    )
    @bp.alt_response(
        301,
        description="Stichwort umbenannt: Location nennt dieselbe Liste mit dem neuen Namen",
        headers={"Location": LOCATION},
    )
    @problems(
        {
            400: "Suchanfrage q nicht verständlich",
            413: "Suchanfrage q zu lang",
            503: "Volltextsuche gerade nicht verfügbar",
        }
    )
    @problems(
        {
            422: "ungültige Angaben, z. B. unbekannter Ort in near, Umkreis außerhalb 10–200 km oder ein "
            "unbekannter Parameter (errors nennt ihn)"
        }
    )
    def get(self, q, page, per_page, facets, sort, near, radius_km, population_min, population_max, **filter_args):
        """Published profiles: filters, full text `q`, facets and sorting as on the site, paginated;
        with `near` the profiles with a participant within `radius_km` of that place, nearest and best first.
        The filters also go by the site's names (`stichwort`, `land`, `kreis`, `rechtsform`, `art`,
        `seit_von`, `seit_bis`; `sort=titel|neueste|seit|relevanz`), so a query string of /projekte works
        here; an unknown parameter is a 422 naming it, never silently ignored.
        A renamed or merged keyword answers 301 to the same list with its current name."""
        renamed = moved_keyword_names(filter_args["keyword"]) if filter_args["keyword"] else None
        if renamed:
            names = ("keyword", "stichwort")  # both names: the redirect carries the merged, current names
            args = MultiDict([(k, v) for k, v in request.args.items(multi=True) if k not in names])
            args.setlist("keyword", renamed)
            return redirect(absolute(url_for("api.projects", **args.to_dict(flat=False))), code=301)
        filters = {key: filter_args[name] for key, name in API_NAMES.items()}
        # since_from > since_to is a valid question with an empty answer, not an error.
        per_page = min(per_page, current_app.config["MAX_PAGE_SIZE"])
        if near or population_min is not None or population_max is not None:
            from .. import search
            from .views_places import partner_page  # catalogue/places: distances and sizes

            page_data = partner_page(
                search, q.strip(), filters, near, radius_km, population_min, population_max, page, per_page
            )
        elif q.strip() or facets:
            page_data = _search_page(
                q.strip(), filters, sort or ("relevance" if q.strip() else "title"), page, per_page, facets
            )
        else:
            page_data = _sql_page(filters, SORTS[sort or "title"], page, per_page, facets)
        link_header(page, page_data["pages"], page_data["total"])
        return page_data


def _sql_page(filters: dict, sort: str, page: int, per_page: int, with_facets: bool) -> dict:
    if sort == "relevanz":
        sort = "titel"  # without words to rank by, relevance is the title order
    pagination = queries.paginate_projects({**filters, "sort": sort, "page": page}, per_page)
    return {
        "items": pagination.items,
        "total": pagination.total,
        "page": page,
        "per_page": per_page,
        "pages": pagination.pages,
        "suggestion": None,
        "facets": _facets_out(reading.sql_facets({**filters, "sort": sort})) if with_facets else None,
    }


def _search_page(q: str, filters: dict, sort: str, page: int, per_page: int, with_facets: bool) -> dict:
    try:
        result = search.search_projects(
            q=q, filters=filters, sort=SORTS[sort], page=page, per_page=per_page, with_facets=with_facets
        )
    except search.SearchQueryTooLong as error:
        raise problem(413, f"q: {error}")
    except search.SearchQueryError as error:
        raise problem(400, f"Suchanfrage nicht verständlich: {error}")
    except search.SearchUnavailable:
        raise search_unavailable()
    return {
        "items": reading.projects_by_ids(list(result.ids)),
        "total": result.total,
        "page": page,
        "per_page": per_page,
        "pages": math.ceil(result.total / per_page) if result.total else 0,
        "suggestion": result.suggestion,
        "facets": _facets_out(result.facets) if with_facets else None,
    }


#: API facet names → the search engine's (SQL facets already use the API's names).
_FACET_NAMES = {
    "keywords": "keyword",
    "states": "state",
    "districts": "district",
    "legal_forms": "legal_form",
    "kinds": "kind",
    "since": "since",
}


def _facets_out(facets: dict) -> dict:
    return {
        name: [{"value": str(v), "count": n} for v, n in facets.get(name, facets.get(engine, []))]
        for name, engine in _FACET_NAMES.items()
    }


@bp.route("/projects/<slug>", endpoint="project_detail")
class ProjectResource(MethodView):
    @bp.response(200, ProjectSchema)
    @links_from(200, PROJECT_LINKS)
    @bp.alt_response(301, description="alte Adresse: Location nennt die neue", headers={"Location": LOCATION})
    @problems(
        {
            404: "unbekannt oder nicht veröffentlicht (Entwürfe sieht nur, wer ein Token hat)",
            410: "war veröffentlicht und ist archiviert",
        }
    )
    def get(self, slug):
        """The whole profile; an old slug answers 301 to the new one."""
        project, is_old_slug = _visible(slug)
        if is_old_slug:
            return redirect(absolute(url_for("api.project_detail", slug=project.slug)), code=301)  # body: see init_app
        return _project_response(project)

    @bp.arguments(ApiProjectInputSchema)
    @bp.response(200, ProjectSchema)
    @bp.alt_response(202, schema=ProposalSchema, description=PROPOSAL_DOC)
    @write(links=PROJECT_LINKS)
    @problems(
        {
            **WRITE_PROBLEMS,
            404: "unbekannt",
            409: "Adresse (slug) vergeben",
            412: "If-Match veraltet",
            428: "If-Match fehlt",
        }
    )
    def put(self, data, slug):
        """Replace the whole profile (If-Match required)."""
        user, actor = require_editor()
        project = _for_write(slug)
        return _save(project, data, user, actor)

    @bp.response(200, ProjectSchema)
    @bp.alt_response(202, schema=ProposalSchema, description=PROPOSAL_DOC)
    @write(links=PROJECT_LINKS)
    @bp.doc(
        requestBody={
            "required": True,
            "content": {
                ct: {
                    "schema": {
                        "type": "object",
                        "description": "die zu ändernden Felder der Projektdarstellung (RFC 7396: null "
                        "leert ein Feld, Listen werden ganz ersetzt)",
                        "example": {"summary": "Zwei Städte teilen Wissen und Aufgaben."},
                    }
                }
                for ct in ("application/merge-patch+json", "application/json")
            },
        }
    )
    @problems(
        {
            **WRITE_PROBLEMS,
            400: "kein JSON-Objekt",
            404: "unbekannt",
            409: "Adresse (slug) vergeben",
            412: "If-Match veraltet",
            415: "kein JSON",
            422: "ungültige Felder",
            428: "If-Match fehlt",
        }
    )
    def patch(self, slug):
        """Change some fields (JSON merge patch onto the representation; If-Match required)."""
        body = merge_patch_body()
        user, actor = require_editor()
        project = _for_write(slug)
        data = load_patched(
            ApiProjectInputSchema(),
            ProjectOutputSchema().dump(project),
            body,
            "Das Profil ist nach der Änderung ungültig.",
        )
        return _save(project, data, user, actor)

    @bp.response(204)
    @write()
    @problems(
        {
            **WRITE_PROBLEMS,
            403: "Token ohne Recht zu veröffentlichen",
            404: "unbekannt",
            412: "If-Match veraltet",
            428: "If-Match fehlt",
        }
    )
    def delete(self, slug):
        """Archive the profile (soft delete): it leaves the catalogue and /changes shows a tombstone."""
        user, actor = require_editor()
        return _status_change(_for_write(slug), "archived", user, actor)


def _for_write(slug: str) -> Project:
    project, _ = find_project(slug) if all(ord(c) >= 32 for c in slug) else (None, False)
    if project is None:
        raise problem(404, PROJECT_NOT_FOUND)
    return project


def _save(project: Project, data: dict, user, actor: str):
    """A whole-profile write: live (200), or as a review-only token's proposal for a published
    profile (202), as in the admin: the published version stays what the public, the search and
    /changes see until a publisher accepts it."""
    version = expected_version(project)
    with service_problems():
        outcome = workflow.save(project, data, user, expected_version=version, actor=actor)
    db.session.commit()
    if outcome.action != "proposed":  # saved, or a proposal that changes nothing
        return _project_response(project)
    body = ProposalSchema().dump(
        {
            "id": outcome.proposal.id,
            "status": outcome.proposal.status,
            "base_version": outcome.proposal.base_version,
            "project": project.slug,
            "detail": PROPOSAL_DOC,
            "review_url": absolute(url_for("admin.proposal_detail", proposal_id=outcome.proposal.id)),
        }
    )
    response = current_app.response_class(json.dumps(body, ensure_ascii=False), status=202, mimetype="application/json")
    response.headers["Location"] = body["review_url"]
    return response


def _status_change(project: Project, status: str, user, actor: str):
    version = expected_version(project)
    with service_problems():
        workflow.set_status(project, status, user, expected_version=version, actor=actor)
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
    with service_problems():
        project = workflow.save(None, data, user, actor=actor).project
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
        problems(
            {
                **WRITE_PROBLEMS,
                403: "Token ohne Recht zu veröffentlichen",
                404: "unbekannt",
                412: "If-Match veraltet",
                415: "ein Inhalt, der kein JSON ist",
                428: "If-Match fehlt",
            }
        ),
    )
