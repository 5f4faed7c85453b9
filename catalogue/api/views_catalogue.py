"""API views of organisations, vocabularies, suggestions and the documentation."""

from __future__ import annotations

import json
import math

from flask import current_app, g, redirect, render_template, url_for
from flask.views import MethodView
from sqlalchemy import func, select

from .. import queries, search
from ..editing import shared
from ..extensions import db
from ..models import LegalForm, Organisation, Project
from ..opendata.addresses import moved_organisation
from ..schemas import OrganisationOutputSchema
from . import bp, reading
from .openapi import LOCATION, ORGANISATION_EXAMPLE, ORGANISATION_LINKS, WRITE_PROBLEMS, links_from, problems, write
from .protocol import (
    content_hash,
    link_header,
    load_patched,
    merge_patch_body,
    problem,
    require_editor,
    require_if_match,
    sees_unpublished,
    service_problems,
)
from .schemas import (
    ApiOrganisationInputSchema,
    KeywordSchema,
    LegalFormSchema,
    OrganisationDetailSchema,
    OrganisationPageSchema,
    OrganisationSchema,
    PageArgsSchema,
    SuggestArgsSchema,
    SuggestionSchema,
)
from .urls import absolute
from .views_projects import search_unavailable


def _organisation(slug: str) -> Organisation:
    organisation = (
        db.session.scalar(select(Organisation).where(Organisation.slug == slug))
        if all(ord(c) >= 32 for c in slug)
        else None
    )
    if organisation is None:
        raise problem(404, "Diese Organisation gibt es nicht.")
    return organisation


def _exists(slug: str) -> bool:
    return db.session.scalar(select(Organisation.id).where(Organisation.slug == slug)) is not None


def _organisation_response(organisation: Organisation, status: int = 200):
    projects = [{"role": role, "project": project} for role, project in queries.organisation_projects(organisation)]
    if not projects and not sees_unpublished():
        raise problem(404, "Diese Organisation nimmt an keinem veröffentlichten Profil teil.")
    document = OrganisationDetailSchema().dump(reading.Seen(organisation, roles_in_projects=projects))
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
    link_header(page, pages, len(everything))
    chunk = everything[(page - 1) * per_page : page * per_page]
    return {
        "items": [reading.Seen(organisation, project_count=count) for organisation, count in chunk],
        "total": len(everything),
        "page": page,
        "per_page": per_page,
        "pages": pages,
    }


@bp.route("/organisations/<slug>", endpoint="organisation_detail")
class OrganisationResource(MethodView):
    @bp.response(200, OrganisationDetailSchema)
    @links_from(200, ORGANISATION_LINKS)
    @bp.alt_response(
        301, description="mit einer anderen zusammengeführt: Location nennt sie", headers={"Location": LOCATION}
    )
    @problems({404: "unbekannt, oder an keinem veröffentlichten Profil beteiligt"})
    def get(self, slug):
        """An organisation and its cooperations (role and profile); a merged one answers 301 to the one it became."""
        moved = moved_organisation(slug) if all(ord(c) >= 32 for c in slug) and not _exists(slug) else None
        if moved:
            return redirect(absolute(url_for("api.organisation_detail", slug=moved)), code=301)  # body: see init_app
        return _organisation_response(_organisation(slug))

    @bp.arguments(ApiOrganisationInputSchema, example=ORGANISATION_EXAMPLE)
    @bp.response(200, OrganisationDetailSchema)
    @write(links=ORGANISATION_LINKS)
    @problems(
        {
            **WRITE_PROBLEMS,
            404: "unbekannt",
            409: "AGS oder Name vergeben",
            412: "If-Match veraltet",
            428: "If-Match fehlt",
        }
    )
    def put(self, data, slug):
        """Replace an organisation's facts (If-Match required); its profiles show up in /changes."""
        user, actor = require_editor()
        organisation = _current_organisation(slug)
        return _save_organisation(organisation, data, user, actor)

    @bp.response(200, OrganisationDetailSchema)
    @write(links=ORGANISATION_LINKS)
    @bp.doc(
        requestBody={
            "required": True,
            "content": {
                ct: {
                    "schema": {
                        "type": "object",
                        "description": "die zu ändernden Angaben (RFC 7396: null leert ein Feld)",
                        "example": {
                            "population": 73487,
                            "population_date": "2020-12-31",
                            "population_source": "IT.NRW",
                        },
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
            409: "AGS oder Name vergeben",
            412: "If-Match veraltet",
            415: "kein JSON",
            422: "ungültige Felder",
            428: "If-Match fehlt",
        }
    )
    def patch(self, slug):
        """Change some of an organisation's facts (JSON merge patch; If-Match required)."""
        body = merge_patch_body()
        user, actor = require_editor()
        organisation = _current_organisation(slug)
        data = load_patched(
            ApiOrganisationInputSchema(),
            OrganisationOutputSchema().dump(organisation),
            body,
            "Die Organisation ist nach der Änderung ungültig.",
        )
        return _save_organisation(organisation, data, user, actor)

    @bp.response(204)
    @write()
    @problems(
        {
            **WRITE_PROBLEMS,
            404: "unbekannt",
            409: "noch an Profilen beteiligt",
            412: "If-Match veraltet",
            428: "If-Match fehlt",
        }
    )
    def delete(self, slug):
        """Delete an organisation that takes part in no profile (If-Match required); one that
        still does is a 409: remove it from those profiles first (or merge it in the admin)."""
        user, actor = require_editor()
        organisation = _current_organisation(slug)
        with service_problems():  # NotAllowed: 403 (on published profiles, and the user may not publish)
            shared.delete_organisation(organisation, user, actor=actor)
        db.session.commit()
        return "", 204


def _current_organisation(slug: str) -> Organisation:
    """The organisation to change, if the client's If-Match names its current facts (else 428/412)."""
    organisation = _organisation(slug)
    wanted = require_if_match().removeprefix("W/").strip('"')
    # The request hook holds the writers' lock since the transaction began: nobody slips in
    # between this comparison and the save; the refresh reads the committed facts.
    db.session.refresh(organisation)
    if wanted.rpartition("-")[0] != _organisation_facts_tag(organisation):
        raise problem(412, "Die Organisation wurde inzwischen geändert; bitte neu laden.")
    return organisation


def _save_organisation(organisation: Organisation, data: dict, user, actor: str):
    with service_problems():  # NotAllowed: 403 (on published profiles, and the user may not publish)
        shared.save_organisation(organisation, data, user, actor=actor)
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
    with service_problems():
        organisation, _ = shared.save_organisation(None, data, user, actor=actor)
    db.session.commit()
    response = _organisation_response(organisation, 201)
    response.headers["Location"] = absolute(url_for("api.organisation_detail", slug=organisation.slug))
    return response


# ---------------------------------------------------------------- vocabularies and suggestions


@bp.route("/keywords")
@bp.response(200, KeywordSchema(many=True))
def keywords():
    """Keywords of published profiles with how many use each."""
    return [
        {
            "name": keyword.name,
            "slug": keyword.slug,
            "count": count,
            "html_url": absolute(url_for("public.keyword_detail", slug=keyword.slug)),
            "projects_url": absolute(url_for("api.projects", keyword=keyword.name)),
        }
        for keyword, count in queries.keyword_counts()
    ]


@bp.route("/legal-forms")
@bp.response(200, LegalFormSchema(many=True))
def legal_forms():
    """The managed list of legal forms, with how many published profiles use each."""
    counts = dict(
        db.session.execute(
            select(Project.legal_form_id, func.count(Project.id))
            .where(Project.status == "published")
            .group_by(Project.legal_form_id)
        ).all()
    )
    forms = db.session.scalars(select(LegalForm).order_by(LegalForm.name)).all()
    return [{"name": f.name, "description": f.description, "count": counts.get(f.id, 0)} for f in forms]


@bp.route("/suggest")
@bp.arguments(SuggestArgsSchema, location="query", as_kwargs=True)
@bp.response(200, SuggestionSchema(many=True))
@problems({503: "Suche nicht verfügbar"})
def suggest(q, limit):
    """Completions for the search box: profiles, keywords, organisations."""
    try:
        suggestions = search.suggest(q, limit=limit)
    except search.SearchUnavailable:
        raise search_unavailable()
    # Absolute, because the portals that show them live elsewhere.
    return [{**suggestion, "url": absolute(suggestion["url"])} for suggestion in suggestions]


# ---------------------------------------------------------------- the document itself


@bp.route("/openapi.json")
@bp.doc(
    responses={"200": {"description": "OpenAPI 3", "content": {"application/json": {"schema": {"type": "object"}}}}}
)
def openapi():
    """This API's OpenAPI 3 document."""
    return current_app.extensions["catalogue_api"].spec.to_dict()


@bp.route("/")
@bp.doc(responses={"200": {"description": "HTML", "content": {"text/html": {"schema": {"type": "string"}}}}})
def docs():
    """The API documentation as a page (rendered here from the OpenAPI document; no CDN)."""
    spec = current_app.extensions["catalogue_api"].spec.to_dict()
    return render_template("api/docs.html", spec=spec, base=absolute(""))
