"""Who may change what: the rules the workflow, the proposals and the shared-data pages apply."""

from __future__ import annotations

from sqlalchemy import select

from ..extensions import db
from ..models import ChangeProposal, Participation, Project, User, project_keywords
from ..writes import NotAllowed


def may_publish(user: User) -> bool:
    """Administrators and editors with the right to publish change published profiles directly."""
    return bool(user.is_admin or user.can_publish)


def needs_review(project: Project | None, user: User) -> bool:
    """Whether the user's save of this profile becomes a proposal instead of going live."""
    return project is not None and project.status == "published" and not may_publish(user)


def shared_change_refusal(user: User, organisations=(), keywords=()) -> str | None:
    """Why the user may not change these organisations or keywords, or None if they may.

    Both appear on every profile that names them: changing one that a published profile names
    (its facts, a merge, a rename) changes what the public sees without a review, so it needs
    the right to publish, as publishing a profile does. Unpublished ones are free to edit."""
    if may_publish(user):
        return None
    published = Project.status == "published"
    lookups = []
    if organisations:
        ids = [organisation.id for organisation in organisations]
        lookups.append(select(Participation.id).join(Project).where(Participation.organisation_id.in_(ids), published))
    if keywords:
        ids = [keyword.id for keyword in keywords]
        lookups.append(
            select(project_keywords.c.project_id).join(Project).where(project_keywords.c.keyword_id.in_(ids), published)
        )
    if all(db.session.scalar(query.limit(1)) is None for query in lookups):
        return None
    return (
        "Das erscheint in veröffentlichten Profilen: ändern, zusammenführen oder löschen darf es nur, "
        "wer veröffentlichen darf. Bitte wenden Sie sich an eine Redakteurin oder einen Redakteur mit diesem Recht."
    )


def check_shared_change(user: User, organisations=(), keywords=()) -> None:
    """Refuse (NotAllowed) a change of organisations or keywords that ``shared_change_refusal`` forbids."""
    refusal = shared_change_refusal(user, organisations, keywords)
    if refusal:
        raise NotAllowed(refusal)


def check_status_change(old: str | None, new: str | None, user: User) -> None:
    """An editor limited to review requests may neither publish nor take a profile offline."""
    if user.can_publish or user.is_admin or not new or new == old:
        return
    if new == "published" or old == "published":
        raise NotAllowed("Sie dürfen Profile nicht veröffentlichen oder zurückziehen; bitte zur Prüfung einreichen.")


def check_reviewer(user: User) -> None:
    """Accepting and rejecting proposals is for those who may publish."""
    if not may_publish(user):
        raise NotAllowed(
            "Über Vorschläge entscheiden Administratorinnen und Administratoren und wer veröffentlichen darf."
        )


def check_author(proposal: ChangeProposal, user: User) -> None:
    """Only the author withdraws a proposal."""
    if proposal.created_by != user.actor:
        raise NotAllowed("Nur wer den Vorschlag gemacht hat, kann ihn zurückziehen.")
