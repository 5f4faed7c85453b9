"""The editing workflow: publishing, taking offline, review requests and their audit entries."""

from __future__ import annotations

from sqlalchemy import select

from ..accounts import record_audit
from ..extensions import db
from ..models import Project, User, utcnow
from ..services import change_status
from ..writes import SaveResult, ServiceError
from .diffs import STATUS_LABELS
from .rights import check_status_change

def set_status(project: Project, status: str, user: User, expected_version: int | None = None) -> SaveResult:
    """Publish, unpublish or archive a profile, respecting the user's right to publish."""
    if status not in STATUS_LABELS:
        raise ServiceError("Unbekannter Status.")
    check_status_change(project.status, status, user)
    old = project.status
    result = change_status(project, status, user.actor, expected_version=expected_version)
    if result.action != "unchanged":
        audit_status_change(project, old, status, user.actor)
    if status == "published":
        clear_review_request(project)
    return result


def audit_status_change(project: Project, old: str | None, new: str, actor: str) -> None:
    """Log publishing, unpublishing and archiving (deleting) in the audit log."""
    if old == new or (old is None and new != "published"):  # creating a draft is no status change
        return
    action = {"published": "publish", "archived": "delete"}.get(new, "unpublish" if old == "published" else "restore")
    record_audit(actor, action, f"project:{project.slug}", status=new)


def request_review(project: Project, user: User) -> None:
    """Ask an administrator to publish the profile."""
    if project.status == "published":
        raise ServiceError("Das Profil ist bereits veröffentlicht.")
    project.review_requested_at = utcnow()
    project.review_requested_by = user.actor
    db.session.flush()
    record_audit(user.actor, "review_request", f"project:{project.slug}")


def clear_review_request(project: Project) -> None:
    """Close an open review request (the profile was published)."""
    if project.review_requested_at is not None:
        project.review_requested_at = None
        project.review_requested_by = ""
        db.session.flush()


def projects_awaiting_review() -> list[Project]:
    """Profiles with an open review request, oldest first."""
    return list(db.session.scalars(
        select(Project).where(Project.review_requested_at.is_not(None)).order_by(Project.review_requested_at)
    ))

