"""Change proposals: editors who may not publish propose changes of published profiles;
publishers compare them field by field with the current version and accept or reject them."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select

from ..editing import (
    PROPOSAL_STATUS_LABELS,
    ProposalConflict,
    may_publish,
    open_proposals,
    proposals_by,
    review_proposal,
    workflow,
)
from ..extensions import db
from ..models import ChangeProposal
from . import bp
from .forms import AcceptProposalForm, ActionForm, RejectProposalForm
from .refusals import service_refusals
from .views_projects import form_version

RECENTLY_DECIDED = 20


def _proposal(proposal_id: int) -> ChangeProposal:
    proposal = db.session.get(ChangeProposal, proposal_id)
    if proposal is None:
        abort(404)
    return proposal


@bp.get("/vorschlaege")
def proposal_list():
    """Open change proposals (to decide on) and the current user's own proposals with their state."""
    decided = []
    if may_publish(current_user):
        decided = db.session.scalars(
            select(ChangeProposal)
            .where(ChangeProposal.status.in_(("accepted", "rejected")))
            .order_by(ChangeProposal.decided_at.desc(), ChangeProposal.id.desc())
            .limit(RECENTLY_DECIDED)
        ).all()
    return render_template(
        "admin/proposal_list.html",
        pending=open_proposals(),
        mine=proposals_by(current_user.actor),
        decided=decided,
        labels=PROPOSAL_STATUS_LABELS,
        reviewer=may_publish(current_user),
    )


@bp.get("/vorschlaege/<int:proposal_id>")
def proposal_detail(proposal_id: int):
    """A proposal compared field by field with the current version (and with its base, on a conflict)."""
    return _render(_proposal(proposal_id))


def _render(proposal, accept=None, reject=None, errors=None, status=200):
    review = review_proposal(proposal)
    accept = accept or AcceptProposalForm(formdata=None)
    accept.version.data = str(review.current_version)  # the version shown is the one accepting replaces
    return render_template(
        "admin/proposal.html",
        proposal=proposal,
        project=proposal.project,
        review=review,
        accept=accept,
        reject=reject or RejectProposalForm(formdata=None),
        withdraw=ActionForm(formdata=None),
        errors=errors or [],
        labels=PROPOSAL_STATUS_LABELS,
        reviewer=may_publish(current_user),
        author=proposal.created_by == current_user.actor,
    ), status


def _refused(proposal_id: int) -> int:
    """409 when the proposal was decided meanwhile, else 422 (the input was refused)."""
    return 422 if _proposal(proposal_id).is_open else 409


@bp.post("/vorschlaege/<int:proposal_id>/annehmen")
def proposal_accept(proposal_id: int):
    """Apply a proposal to the profile (a new revision; search and API follow)."""
    proposal = _proposal(proposal_id)
    form = AcceptProposalForm()
    form.validate_on_submit()  # CSRF is checked globally

    def changed_meanwhile(error):
        form.overwrite.data = False  # consent given for the old state does not cover the new one
        form.overwrite.errors = [
            "Das Profil wurde geändert, während Sie den Vorschlag geprüft haben. "
            "Bitte sehen Sie sich die Unterschiede unten noch einmal an."
        ]
        return _render(
            _proposal(proposal_id), accept=form, errors=[("overwrite", form.overwrite.errors[0])], status=409
        )

    def refused(error):
        if isinstance(error, ProposalConflict):
            form.overwrite.errors = [str(error)]
            return _render(_proposal(proposal_id), accept=form, errors=[("overwrite", str(error))], status=409)
        # decided meanwhile, or no longer valid under today's rules
        return _render(
            _proposal(proposal_id), accept=form, errors=[("entscheidung", str(error))], status=_refused(proposal_id)
        )

    with service_refusals(conflict=changed_meanwhile, refused=refused):
        outcome = workflow.accept(
            proposal,
            current_user,
            expected_version=form_version(form.version.data),
            overwrite=bool(form.overwrite.data),
            note=form.accept_note.data or "",
        )
    db.session.commit()
    flash(
        "Vorschlag angenommen: Die Änderungen sind gespeichert."
        if outcome.changed
        else "Vorschlag angenommen; er entsprach schon dem aktuellen Stand, nichts geändert.",
        "success",
    )
    return redirect(url_for("admin.proposal_detail", proposal_id=proposal.id), code=303)


@bp.post("/vorschlaege/<int:proposal_id>/ablehnen")
def proposal_reject(proposal_id: int):
    """Close a proposal without applying it, with a note for its author."""
    proposal = _proposal(proposal_id)
    form = RejectProposalForm()
    form.validate_on_submit()

    def refused(error):
        if _refused(proposal_id) == 409:
            return _render(_proposal(proposal_id), reject=form, errors=[("entscheidung", str(error))], status=409)
        form.reject_note.errors = [str(error)]
        return _render(_proposal(proposal_id), reject=form, errors=[("reject_note", str(error))], status=422)

    with service_refusals(refused=refused):
        workflow.reject(proposal, current_user, form.reject_note.data or "")
    db.session.commit()
    flash("Vorschlag abgelehnt.", "success")
    return redirect(url_for("admin.proposal_detail", proposal_id=proposal.id), code=303)


@bp.post("/vorschlaege/<int:proposal_id>/zurueckziehen")
def proposal_withdraw(proposal_id: int):
    """The author takes an open proposal back."""
    proposal = _proposal(proposal_id)
    ActionForm().validate_on_submit()
    with service_refusals(refused=409):
        workflow.withdraw(proposal, current_user)
    db.session.commit()
    flash("Vorschlag zurückgezogen.", "success")
    return redirect(url_for("admin.proposal_detail", proposal_id=proposal.id), code=303)
