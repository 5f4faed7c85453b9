"""The editing workflow: what one user's change of a profile does, for every writer alike.

The admin views and the API views parse their input, call one of these use cases with the
acting user, and turn the returned ``Outcome`` (or the refusal raised: ``NotAllowed``,
``VersionConflict``, ``ServiceError``) into a page or a document. Here it is decided whether
the user may do it, whether a save goes live or becomes a proposal for review, which audit
entry is written, and when a review request is filed or closed. Like the services, these
functions flush and never commit.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from ..accounts import record_audit
from ..extensions import db
from ..models import ChangeProposal, Project, Revision, User, utcnow
from ..services import change_status, create_project, find_project, update_project
from ..writes import ServiceError
from .diffs import STATUS_LABELS
from .proposals import accept_proposal, propose_restore, reject_proposal, submit_proposal, withdraw_proposal
from .restore import restore_revision
from .rights import check_author, check_reviewer, check_status_change, needs_review


@dataclass
class Outcome:
    """What a use case did, for the view to put into words."""

    #: created, updated, unchanged, proposed, review_requested, accepted, rejected or withdrawn
    action: str
    project: Project
    proposal: ChangeProposal | None = None
    #: the profile's content or status changed (a proposal waits, so it changes nothing yet)
    changed: bool = False
    #: the change went to review instead of going live (a proposal, or nothing worth proposing)
    reviewed: bool = False


# ---------------------------------------------------------------- profiles


def save(
    project: Project | None, data: dict, user: User, *, expected_version: int | None = None, actor: str | None = None
) -> Outcome:
    """Create a profile (``project`` None) or replace its content with loaded input.

    ``expected_version`` is the version the user's change is based on. A review-only user's
    save of a published profile becomes a proposal; a status in ``data`` that the user may not
    set is refused. ``actor`` names the writer in revisions and the audit log (an API token;
    default: the user).
    """
    actor = actor or user.actor
    old_status = project.status if project is not None else None
    check_status_change(old_status, data.get("status"), user)
    if needs_review(project, user):
        return _proposed(project, submit_proposal(project, data, user, expected_version))
    if project is None:
        # An address asked for explicitly is not quietly replaced by a free one.
        if data.get("slug") and find_project(data["slug"])[0] is not None:
            raise ServiceError(f"Die Adresse „{data['slug']}“ gehört schon zu einem Profil.")
        result = create_project(data, actor)
    else:
        result = update_project(project, data, actor, expected_version=expected_version)
    _after_status_change(result.project, old_status, actor)
    return Outcome(result.action, result.project, changed=result.action != "unchanged")


def set_status(
    project: Project, status: str, user: User, *, expected_version: int | None = None, actor: str | None = None
) -> Outcome:
    """Publish, unpublish (draft) or archive a profile, if the user may."""
    if status not in STATUS_LABELS:
        raise ServiceError("Unbekannter Status.")
    check_status_change(project.status, status, user)
    actor = actor or user.actor
    old_status = project.status
    result = change_status(project, status, actor, expected_version=expected_version)
    _after_status_change(project, old_status, actor)
    return Outcome(result.action, project, changed=result.action != "unchanged")


def restore(
    project: Project, revision: Revision, user: User, *, expected_version: int, actor: str | None = None
) -> Outcome:
    """Make an old revision's content current again (a proposal, for a review-only user's published profile)."""
    if needs_review(project, user):
        return _proposed(project, propose_restore(project, revision, user, expected_version))
    result = restore_revision(project, revision, actor or user.actor, expected_version=expected_version)
    return Outcome(result.action, project, changed=result.action != "unchanged")


def request_review(project: Project, user: User) -> Outcome:
    """Ask an administrator to publish the profile."""
    if project.status == "published":
        raise ServiceError("Das Profil ist bereits veröffentlicht.")
    project.review_requested_at = utcnow()
    project.review_requested_by = user.actor
    db.session.flush()
    record_audit(user.actor, "review_request", f"project:{project.slug}")
    return Outcome("review_requested", project)


def projects_awaiting_review() -> list[Project]:
    """Profiles with an open review request, oldest first."""
    return list(
        db.session.scalars(
            select(Project).where(Project.review_requested_at.is_not(None)).order_by(Project.review_requested_at)
        )
    )


# ---------------------------------------------------------------- proposals


def accept(
    proposal: ChangeProposal, user: User, *, expected_version: int, overwrite: bool = False, note: str = ""
) -> Outcome:
    """Apply a proposal (see proposals.accept_proposal), if the user may decide on proposals."""
    check_reviewer(user)
    result = accept_proposal(proposal, user, expected_version, overwrite=overwrite, note=note)
    return Outcome("accepted", proposal.project, proposal, changed=result.action == "updated")


def reject(proposal: ChangeProposal, user: User, note: str) -> Outcome:
    """Close a proposal without applying it, if the user may decide on proposals."""
    check_reviewer(user)
    reject_proposal(proposal, user, note)
    return Outcome("rejected", proposal.project, proposal)


def withdraw(proposal: ChangeProposal, user: User) -> Outcome:
    """The author takes back an open proposal."""
    check_author(proposal, user)
    withdraw_proposal(proposal, user)
    return Outcome("withdrawn", proposal.project, proposal)


# ---------------------------------------------------------------- internals


def _proposed(project: Project, proposal: ChangeProposal | None) -> Outcome:
    if proposal is None:
        return Outcome("unchanged", project, reviewed=True)
    return Outcome("proposed", project, proposal, reviewed=True)


def _after_status_change(project: Project, old: str | None, actor: str) -> None:
    """The audit entry of a status change, and a published profile's review request closed."""
    new = project.status
    if old != new and (old is not None or new == "published"):  # creating a draft is no status change
        action = {"published": "publish", "archived": "delete"}.get(
            new, "unpublish" if old == "published" else "restore"
        )
        record_audit(actor, action, f"project:{project.slug}", status=new)
    if new == "published" and project.review_requested_at is not None:
        project.review_requested_at = None
        project.review_requested_by = ""
        db.session.flush()
