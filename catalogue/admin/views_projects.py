"""Profiles: list, create, edit, preview, workflow, history and restore."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from marshmallow import ValidationError
from sqlalchemy import func, select

from ..editing import (
    STATUS_LABELS,
    diff_snapshots,
    needs_review,
    open_proposals,
    own_open_proposal,
    proposed_snapshot,
    workflow,
)
from ..errors import bad_request
from ..extensions import db
from ..models import Project, Revision
from ..public.views import profile_context
from ..schemas import ProjectInputSchema, flatten_errors
from ..search import search_projects
from ..services import snapshot
from ..textutil import without_forbidden
from . import bp, form_rescue
from .forms import ROW_LISTS, ActionForm
from .profile_form import apply_errors, build_form, form_to_input, take_keyword_pick
from .refusals import page, service_refusals

PAGE_SIZE = 50


def _project(project_id: int) -> Project:
    project = db.session.get(Project, project_id)
    if project is None:
        abort(404)
    return project


def form_version(text: str | None) -> int:
    """The version the editor's form was based on; a form without one was tampered with."""
    if not (text or "").isdigit():
        raise bad_request("Die Versionsangabe des Formulars fehlt. Bitte laden Sie die Seite neu.")
    return int(text)


def _search_ids(query: str) -> list[int] | None:
    """Matching ids from the search engine, or None when the index fails (SQL filter instead)."""
    try:
        result = search_projects(q=query, page=1, per_page=200, include_unpublished=True)
    except Exception:  # the index is a cache: when it fails, the editors still get the SQL filter
        current_app.logger.exception("search failed in the admin list")
        return None
    return list(result.ids)


@bp.get("/projekte")
def project_list():
    """Every profile (all statuses), searchable by title and filterable by status."""
    query = without_forbidden(request.args.get("q") or "").strip()[:200]
    status = request.args.get("status") or ""
    page = request.args.get("seite", "1")
    page = int(page) if page.isdigit() and 0 < int(page) < 100_000 else 1
    statement = select(Project)
    if status in STATUS_LABELS:
        statement = statement.where(Project.status == status)
    if query:
        ids = _search_ids(query)
        if ids is None:
            statement = statement.where(func.lower(Project.title).contains(query.lower(), autoescape=True))
        else:
            title_hits = select(Project.id).where(func.lower(Project.title).contains(query.lower(), autoescape=True))
            statement = statement.where(Project.id.in_(ids) | Project.id.in_(title_hits))
    total = db.session.scalar(select(func.count()).select_from(statement.subquery()))
    projects = db.session.scalars(
        statement.order_by(Project.updated_at.desc()).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
    ).all()
    return render_template(
        "admin/project_list.html",
        projects=projects,
        total=total,
        query=query,
        status=status,
        page=page,
        pages=max(1, -(-total // PAGE_SIZE)),
        statuses=STATUS_LABELS,
    )


@bp.route("/projekte/neu", methods=["GET", "POST"])
def project_new():
    """Create a profile."""
    return _edit(None)


@bp.route("/projekte/<int:project_id>", methods=["GET", "POST"])
def project_edit(project_id: int):
    """Edit every field of a profile."""
    return _edit(_project(project_id))


def _edit(project: Project | None):
    if request.method == "GET":
        kept = form_rescue.take_stash()
        if kept is not None:  # typed before the login expired: back in the form, not yet saved
            return _render_editor(build_form(project, formdata=kept), project, notice=form_rescue.RESTORED)
        # An editor who may not publish goes on with their open proposal, not the published text.
        proposal = own_open_proposal(project, current_user) if needs_review(project, current_user) else None
        return _render_editor(build_form(project, proposal=proposal), project)
    form = build_form(project)
    form.validate_on_submit()  # CSRF is checked globally; the schema validates the content
    added = request.form.get("add_row")
    if added in ROW_LISTS:
        # Without JavaScript a new row is a round trip; nothing is saved and nothing lost.
        getattr(form, added).append_entry()
        return _render_editor(form, project)
    if request.form.get("add_keyword"):
        take_keyword_pick(form)
        return _render_editor(form, project)
    raw, rows = form_to_input(form)
    try:
        data = ProjectInputSchema().load(raw)
    except ValidationError as error:
        db.session.rollback()
        return _render_editor(form, project, apply_errors(form, flatten_errors(error.messages), rows), 422)
    version = form_version(form.version.data) if project is not None else None
    with service_refusals(
        not_allowed=lambda error: _render_editor(
            form, project, apply_errors(form, [("status", str(error))], rows), 403
        ),
        conflict=lambda error: _render_conflict(form, project, data),
        # The only content rule the services themselves enforce: the address must be free.
        refused=lambda error: _render_editor(form, project, apply_errors(form, [("slug", str(error))], rows), 422),
    ):
        outcome = workflow.save(project, data, current_user, expected_version=version)
    db.session.commit()
    if outcome.action == "proposed":
        flash(PROPOSAL_SAVED, "success")
        return redirect(url_for("admin.proposal_detail", proposal_id=outcome.proposal.id), code=303)
    flash(SAVED[outcome.action] if not outcome.reviewed else UNCHANGED_FOR_REVIEW, "success")
    return redirect(url_for("admin.project_edit", project_id=outcome.project.id), code=303)


SAVED = {
    "created": "Profil angelegt.",
    "updated": "Änderungen gespeichert.",
    "unchanged": "Keine Änderungen – nichts gespeichert.",
}
UNCHANGED_FOR_REVIEW = "Keine Änderungen gegenüber der veröffentlichten Fassung – nichts gespeichert."
PROPOSAL_SAVED = (
    "Ihr Änderungsvorschlag ist gespeichert und wartet auf Freigabe. Bis dahin zeigen die öffentliche Seite, "
    "die Suche und die API die veröffentlichte Fassung."
)


def render_typed_form(notice: str, status: int):
    """The profile form of this request again, with everything that was posted and a notice
    (nothing saved); None when the profile it was posted to does not exist."""
    project_id = (request.view_args or {}).get("project_id")
    project = db.session.get(Project, project_id) if project_id is not None else None
    if project_id is not None and project is None:
        return None
    return _render_editor(build_form(project), project, notice=notice, status=status)


def _render_editor(form, project, errors=None, status=200, notice=None):
    review = needs_review(project, current_user)
    return render_template(
        "admin/project_form.html",
        form=form,
        project=project,
        errors=errors or [],
        notice=notice,
        review=review,
        own_proposal=own_open_proposal(project, current_user) if review else None,
        # Publishers see what editors proposed for this profile.
        pending=open_proposals(project) if project is not None and not review else [],
        actions=ActionForm(formdata=None, version=project.version if project else ""),
    ), status


def _render_conflict(form, project: Project, data: dict):
    """Both versions side by side; the editor's input stays in the form, now based on the
    current version, so saving again deliberately overwrites (or proposes again)."""
    project = db.session.get(Project, project.id)
    stored = snapshot(project)
    form.version.data = str(project.version)
    last = db.session.scalar(
        select(Revision).where(Revision.project_id == project.id).order_by(Revision.version.desc()).limit(1)
    )
    return render_template(
        "admin/conflict.html",
        form=form,
        project=project,
        last=last,
        diffs=diff_snapshots(stored, proposed_snapshot(project, data)),
        errors=[],
        review=needs_review(project, current_user),
        actions=ActionForm(formdata=None, version=project.version),
    ), 409


@bp.get("/projekte/<int:project_id>/vorschau")
def project_preview(project_id: int):
    """The public page of the profile as it will look when published."""
    project = _project(project_id)
    return render_template("admin/preview.html", project=project, **profile_context(project))


@bp.post("/projekte/<int:project_id>/status")
def project_status(project_id: int):
    """Publish, unpublish, archive (delete) or bring back a profile."""
    project = _project(project_id)
    form = ActionForm()
    form.validate_on_submit()
    version = form_version(form.version.data)
    with service_refusals(
        conflict=page(
            409,
            "Das Profil wurde inzwischen geändert. Bitte prüfen Sie die aktuelle "
            "Fassung und wiederholen Sie die Aktion.",
        )
    ):
        outcome = workflow.set_status(project, request.form.get("status", ""), current_user, expected_version=version)
    db.session.commit()
    if outcome.changed:
        flash(f"Status: {STATUS_LABELS[project.status]}.", "success")
    return redirect(url_for("admin.project_edit", project_id=project.id), code=303)


@bp.post("/projekte/<int:project_id>/pruefung")
def project_review(project_id: int):
    """Ask an administrator to publish the profile."""
    project = _project(project_id)
    with service_refusals():
        workflow.request_review(project, current_user)
    db.session.commit()
    flash("Zur Prüfung eingereicht. Eine Administratorin oder ein Administrator veröffentlicht das Profil.", "success")
    return redirect(url_for("admin.project_edit", project_id=project.id), code=303)


@bp.get("/projekte/<int:project_id>/verlauf")
def project_history(project_id: int):
    """Every revision with what it changed, field by field."""
    project = _project(project_id)
    revisions = db.session.scalars(
        select(Revision).where(Revision.project_id == project.id).order_by(Revision.version)
    ).all()
    entries, previous = [], None
    for revision in revisions:
        entries.append((revision, diff_snapshots(previous, revision.snapshot)))
        previous = revision.snapshot
    entries.reverse()
    return render_template(
        "admin/history.html",
        project=project,
        entries=entries,
        actions=ActionForm(formdata=None, version=project.version),
    )


@bp.post("/projekte/<int:project_id>/verlauf/<int:revision_id>/wiederherstellen")
def project_restore(project_id: int, revision_id: int):
    """Make an old revision current again (as a new revision)."""
    project = _project(project_id)
    revision = db.session.get(Revision, revision_id)
    if revision is None or revision.project_id != project.id:
        abort(404)
    form = ActionForm()
    form.validate_on_submit()
    version = form_version(form.version.data)
    with service_refusals(
        refused=422,
        conflict=page(409, "Das Profil wurde inzwischen geändert. Bitte sehen Sie sich den Verlauf noch einmal an."),
    ):
        outcome = workflow.restore(project, revision, current_user, expected_version=version)
    db.session.commit()
    if outcome.action == "proposed":
        flash(PROPOSAL_SAVED, "success")
        return redirect(url_for("admin.proposal_detail", proposal_id=outcome.proposal.id), code=303)
    flash(
        f"Version {revision.version} wiederhergestellt."
        if outcome.changed
        else "Diese Fassung entspricht schon dem aktuellen Stand – nichts geändert.",
        "success",
    )
    return redirect(url_for("admin.project_history", project_id=project.id), code=303)
