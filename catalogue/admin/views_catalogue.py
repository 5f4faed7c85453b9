"""Organisations (edit, merge duplicates, autocomplete) and keywords (rename, merge)."""

from __future__ import annotations

import re

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from marshmallow import ValidationError
from sqlalchemy import func, or_, select

from ..editing import shared, shared_change_refusal
from ..extensions import db
from ..models import Keyword, Organisation, Participation, project_keywords
from ..places.forms import place_key_from_form
from ..schemas import OrganisationInputSchema, flatten_errors
from ..services import ORGANISATION_FACTS
from ..textutil import keyword_key, text_problem, without_forbidden
from . import bp
from .forms import ActionForm, KeywordRenameForm, MergeForm, OrganisationForm
from .refusals import service_refusals

_INTEGER = re.compile(r"^\d+$")


def _organisation(slug: str) -> Organisation:
    organisation = db.session.scalar(select(Organisation).where(Organisation.slug == slug))
    if organisation is None:
        abort(404)
    return organisation


def _keyword(slug: str) -> Keyword:
    keyword = db.session.scalar(select(Keyword).where(Keyword.slug == slug))
    if keyword is None:
        abort(404)
    return keyword


def _summary(form) -> list[tuple[str, str]]:
    return [(field.id, message) for field in form for message in field.errors]


# ---------------------------------------------------------------- organisations


@bp.get("/organisationen")
def organisation_list():
    """All organisations with their number of profiles; searchable by name, AGS or district."""
    query = without_forbidden(request.args.get("q") or "").strip()[:200]
    count = func.count(Participation.id).label("projects")
    statement = (
        select(Organisation, count).outerjoin(Participation).group_by(Organisation.id).order_by(Organisation.name)
    )
    if query:
        pattern = query.lower()
        statement = statement.where(
            or_(
                func.lower(Organisation.name).contains(pattern, autoescape=True),
                Organisation.ags == query,
                func.lower(Organisation.district).contains(pattern, autoescape=True),
            )
        )
    rows = db.session.execute(statement.limit(500)).all()
    return render_template("admin/organisation_list.html", rows=rows, query=query)


@bp.get("/organisationen/vorschlaege")
def organisation_suggestions():
    """Autocomplete for the profile editor: up to 10 organisations whose name contains q."""
    query = without_forbidden(request.args.get("q") or "").strip()[:100].lower()
    if len(query) < 2:
        return jsonify([])
    organisations = db.session.scalars(
        select(Organisation)
        .where(func.lower(Organisation.name).contains(query, autoescape=True))
        .order_by(Organisation.name)
        .limit(10)
    ).all()
    return jsonify(
        [
            {"name": o.name, "kind": o.kind, "ags": o.ags or "", "state": o.state or "", "district": o.district}
            for o in organisations
        ]
    )


def _organisation_input(form: OrganisationForm) -> dict:
    # The facts the form shows (a fact the schema has and the form does not yet is left out).
    raw = {name: form[name].data for name in ORGANISATION_FACTS if name in form}
    # The schema wants a real integer for the population; forms only send text.
    population = (raw["population"] or "").strip().replace(".", "")
    raw["population"] = int(population) if _INTEGER.match(population) else (population or None)
    for name in ("area_km2", "latitude", "longitude"):
        raw[name] = (raw[name] or "").strip().replace(",", ".") or None
    raw["ags"] = (raw["ags"] or "").strip() or None
    raw["place_key"] = place_key_from_form(raw["place_key"])  # a typed name resolves to one key, or stays as typed
    raw["population_date"] = (raw["population_date"] or "").strip() or None
    return raw


@bp.route("/organisationen/<slug>", methods=["GET", "POST"])
def organisation_edit(slug: str):
    """Edit an organisation's facts; every profile it takes part in is refreshed."""
    organisation = _organisation(slug)
    data = {
        name: ("" if getattr(organisation, name) is None else str(getattr(organisation, name)))
        for name in ORGANISATION_FACTS
    }
    form = OrganisationForm(data=data)
    merge = MergeForm(formdata=None)
    if request.method == "POST":
        form.validate_on_submit()
        try:
            loaded = OrganisationInputSchema().load(_organisation_input(form))
        except ValidationError as error:
            db.session.rollback()
            for path, message in flatten_errors(error.messages):
                target = form._fields.get(path.split(".")[0]) or form.name
                target.errors = list(target.errors) + [message]
            return _render_organisation(form, merge, organisation, 422)

        def refused(error):
            form.ags.errors = [str(error)] if "AGS" in str(error) else []
            form.place_key.errors = [str(error)] if "Gemeindeverzeichnis" in str(error) else []
            if not form.ags.errors and not form.place_key.errors:
                form.name.errors = [str(error)]
            return _render_organisation(form, merge, organisation, 422)

        with service_refusals(refused=refused):  # NotAllowed: 403 with the reason
            _, action = shared.save_organisation(organisation, loaded, current_user)
        db.session.commit()
        flash("Organisation gespeichert." if action == "updated" else "Keine Änderungen.", "success")
        return redirect(url_for("admin.organisation_edit", slug=organisation.slug), code=303)
    return _render_organisation(form, merge, organisation)


def _render_organisation(form, merge, organisation, status=200):
    projects = [p.project for p in organisation.participations]
    errors = _summary(form) + _summary(merge)
    return render_template(
        "admin/organisation_form.html",
        form=form,
        merge=merge,
        organisation=organisation,
        projects=projects,
        errors=errors,
        actions=ActionForm(formdata=None),
        refusal=shared_change_refusal(current_user, organisations=[organisation]),
    ), status


def _find_target(text: str, model, exclude_id: int):
    """The entry an editor named by its address (slug) or exact name."""
    text = (text or "").strip()
    if not text or text_problem(text):  # no name or address holds a control character
        return None
    found = db.session.scalar(select(model).where(model.slug == text, model.id != exclude_id))
    if found is None:
        found = db.session.scalar(
            select(model).where(func.lower(model.name) == text.lower(), model.id != exclude_id).limit(1)
        )
    return found


@bp.post("/organisationen/<slug>/zusammenfuehren")
def organisation_merge(slug: str):
    """Merge this (duplicate) organisation into another; all participations are kept."""
    organisation = _organisation(slug)
    merge = MergeForm()
    merge.validate_on_submit()
    target = _find_target(merge.target.data, Organisation, organisation.id)
    if target is None:
        merge.target.errors = ["Keine andere Organisation mit diesem Namen oder dieser Adresse gefunden."]
        form = OrganisationForm(formdata=None, data={n: getattr(organisation, n) for n in ORGANISATION_FACTS})
        return _render_organisation(form, merge, organisation, 422)
    with service_refusals(refused=422):
        projects = shared.merge_organisations(organisation, target, current_user)
    db.session.commit()
    flash(f"Zusammengeführt: {len(projects)} Profil(e) nennen jetzt „{target.name}“.", "success")
    return redirect(url_for("admin.organisation_edit", slug=target.slug), code=303)


@bp.post("/organisationen/<slug>/loeschen")
def organisation_delete(slug: str):
    """Delete an organisation that takes part in no profile (a typo, an emptied duplicate)."""
    organisation = _organisation(slug)
    if not ActionForm().validate_on_submit():
        abort(400)
    name = organisation.name
    with service_refusals(refused=409):
        shared.delete_organisation(organisation, current_user)
    db.session.commit()
    flash(f"Organisation „{name}“ gelöscht.", "success")
    return redirect(url_for("admin.organisation_list"), code=303)


# ---------------------------------------------------------------- keywords


@bp.get("/stichworte")
def keyword_list():
    """All keywords with their number of profiles."""
    count = func.count(project_keywords.c.project_id).label("projects")
    rows = db.session.execute(
        select(Keyword, count).outerjoin(project_keywords).group_by(Keyword.id).order_by(Keyword.name)
    ).all()
    return render_template("admin/keyword_list.html", rows=rows)


@bp.route("/stichworte/<slug>", methods=["GET", "POST"])
def keyword_edit(slug: str):
    """Rename a keyword (a name that exists already merges the two)."""
    keyword = _keyword(slug)
    form = KeywordRenameForm(data={"name": keyword.name})
    merge = MergeForm(formdata=None)
    if request.method == "POST":
        form.validate_on_submit()

        def refused(error):
            form.name.errors = [str(error)]
            return _render_keyword(form, merge, keyword, 422)

        with service_refusals(refused=refused):
            kept = shared.rename_keyword(keyword, form.name.data or "", current_user)
        db.session.commit()
        flash(f"Stichwort heißt jetzt „{kept.name}“.", "success")
        return redirect(url_for("admin.keyword_edit", slug=kept.slug), code=303)
    return _render_keyword(form, merge, keyword)


def _render_keyword(form, merge, keyword, status=200):
    return render_template(
        "admin/keyword_form.html",
        form=form,
        merge=merge,
        keyword=keyword,
        errors=_summary(form) + _summary(merge),
        refusal=shared_change_refusal(current_user, keywords=[keyword]),
    ), status


@bp.post("/stichworte/<slug>/zusammenfuehren")
def keyword_merge(slug: str):
    """Replace this keyword by another on every profile."""
    keyword = _keyword(slug)
    merge = MergeForm()
    merge.validate_on_submit()
    target = _find_target(merge.target.data, Keyword, keyword.id)
    if target is None and merge.target.data:
        target = db.session.scalar(
            select(Keyword).where(Keyword.key == keyword_key(merge.target.data), Keyword.id != keyword.id)
        )
    if target is None:
        merge.target.errors = ["Kein anderes Stichwort mit diesem Namen gefunden."]
        return _render_keyword(KeywordRenameForm(formdata=None, data={"name": keyword.name}), merge, keyword, 422)
    with service_refusals(refused=422):
        projects = shared.merge_keywords(keyword, target, current_user)
    db.session.commit()
    flash(f"Zusammengeführt: {len(projects)} Profil(e) tragen jetzt „{target.name}“.", "success")
    return redirect(url_for("admin.keyword_edit", slug=target.slug), code=303)
