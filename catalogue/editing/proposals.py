"""Change proposals.

An editor who may not publish must not change what the public sees. Their saves of a
published profile are kept as proposals; a publisher accepts one (it is then applied by
update_project like any save: revision, change log, search index, API feed) or rejects it.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from ..accounts import record_audit
from ..extensions import db
from ..models import ChangeProposal, Project, Revision, User, utcnow
from ..services import find_project, snapshot, update_project
from ..textutil import text_problem
from ..writes import SaveResult, ServiceError, VersionConflict, begin_write
from .diffs import FieldDiff, diff_snapshots, proposed_snapshot
from .restore import input_as_raw, load_input, snapshot_to_raw


class ProposalConflict(ServiceError):
    """The profile changed since the proposal was made, and the reviewer has not agreed to replace that."""


#: German names of the proposal states, for the pages.
PROPOSAL_STATUS_LABELS = {
    "open": "offen",
    "accepted": "angenommen",
    "rejected": "abgelehnt",
    "withdrawn": "zurückgezogen",
    "superseded": "durch neueren Vorschlag ersetzt",
}
MAX_NOTE_LENGTH = 2000


def submit_proposal(project: Project, data: dict, user: User, base_version: int) -> ChangeProposal | None:
    """Keep a change of a published profile for review instead of applying it (None: it changes nothing).

    ``data`` is loaded ``ProjectInputSchema`` input; the author's earlier open proposal for the
    same profile is superseded, so each author has one open proposal per profile.
    """
    _hold_version(project, base_version)
    # A proposal changes content; publishing and taking offline stay with the publishers.
    return _file(project, {**data, "status": project.status}, user)


def propose_change(project: Project, raw: dict, user: User, base_version: int) -> ChangeProposal | None:
    """As submit_proposal, for raw input of ProjectInputSchema (validated here)."""
    _hold_version(project, base_version)
    return _file(project, load_input({**raw, "status": project.status}, "Der Vorschlag ist ungültig"), user)


def _hold_version(project: Project, base_version: int) -> None:
    begin_write()
    db.session.refresh(project)  # compare against the committed state, as every save does
    if base_version != project.version:
        raise VersionConflict(project, base_version)


def _file(project: Project, data: dict, user: User) -> ChangeProposal | None:
    owner, _ = find_project(data["slug"]) if data.get("slug") else (None, False)
    if owner is not None and owner.id != project.id:  # checked now, not only when it is accepted
        raise ServiceError(f"Die Adresse „{data['slug']}“ gehört schon zu einem anderen Profil.")
    if not diff_snapshots(snapshot(project), proposed_snapshot(project, data)):
        return None
    for earlier in _open_proposals_of(project, user.actor):
        earlier.status = "superseded"
    proposal = ChangeProposal(
        project=project, base_version=project.version, data=input_as_raw(data), created_by=user.actor
    )
    db.session.add(proposal)
    db.session.flush()
    record_audit(
        user.actor, "proposal_submit", f"project:{project.slug}", proposal=proposal.id, base_version=project.version
    )
    return proposal


def propose_restore(project: Project, revision: Revision, user: User, base_version: int) -> ChangeProposal | None:
    """Restoring an old revision of a published profile, proposed for review (see restore_revision)."""
    if revision.project_id != project.id:
        raise ServiceError("Diese Fassung gehört zu einem anderen Profil.")
    raw = snapshot_to_raw(revision.snapshot)
    raw["slug"] = project.slug
    return propose_change(project, raw, user, base_version)


@dataclass
class ProposalReview:
    """What a reviewer needs to decide on a proposal."""

    proposal: ChangeProposal
    #: the project's version now
    current_version: int
    #: current version -> proposal: what accepting would change
    changes: list[FieldDiff]
    #: base version -> proposal: what the author changed
    own_changes: list[FieldDiff]
    #: base version -> current version: what others changed since (empty without a conflict)
    changed_since: list[FieldDiff]
    #: why the proposal no longer passes today's rules (it cannot be accepted then)
    problems: str = ""

    @property
    def conflict(self) -> bool:
        """The profile changed after the proposal was made."""
        return self.current_version != self.proposal.base_version


def review_proposal(proposal: ChangeProposal) -> ProposalReview:
    """The field-by-field differences of a proposal against the current and its base version."""
    project = proposal.project
    current = snapshot(project)
    base = db.session.scalar(
        select(Revision.snapshot).where(Revision.project_id == project.id, Revision.version == proposal.base_version)
    )
    try:
        proposed, problems = (
            proposed_snapshot(project, load_input(proposal.data, "Der Vorschlag erfüllt die heutigen Regeln nicht")),
            "",
        )
    except ServiceError as error:
        proposed, problems = None, str(error)
    changes = diff_snapshots(current, proposed) if proposed is not None else []
    own = diff_snapshots(base, proposed) if proposed is not None and base is not None else changes
    since = diff_snapshots(base, current) if base is not None and project.version != proposal.base_version else []
    return ProposalReview(proposal, project.version, changes, own, since, problems)


def _hold_open(proposal: ChangeProposal) -> None:
    """Take the writers' lock and re-read the proposal: a decision needs it still open (two
    reviewers, or a reviewer and the author withdrawing, must not both decide)."""
    begin_write()
    db.session.refresh(proposal)
    if not proposal.is_open:
        raise ServiceError("Über diesen Vorschlag ist schon entschieden.")


def accept_proposal(
    proposal: ChangeProposal, user: User, expected_version: int, overwrite: bool = False, note: str = ""
) -> SaveResult:
    """Apply a proposal through update_project (revision, change log, search, API) and close it.

    ``expected_version`` is the version the reviewer saw; if the profile changed since the
    proposal's base version, ``overwrite`` must confirm that those changes are replaced.

    Who may accept is the workflow's decision (workflow.accept).
    """
    note = _clean_note(note, required=False)
    _hold_open(proposal)
    project = proposal.project
    db.session.refresh(project)
    if expected_version != project.version:
        raise VersionConflict(project, expected_version)
    if project.version != proposal.base_version and not overwrite:
        raise ProposalConflict(
            f"Das Profil wurde seit dem Vorschlag geändert (Version {proposal.base_version} → {project.version}). "
            "Bitte bestätigen Sie, dass der Vorschlag diese Änderungen ersetzen soll, oder lehnen Sie ihn ab."
        )
    data = load_input(proposal.data, "Der Vorschlag erfüllt die heutigen Regeln nicht")
    # Status stays as it is now: the profile may have been taken offline since the proposal.
    result = update_project(
        project, data, _accepting_actor(proposal, user), status=project.status, expected_version=expected_version
    )
    _decide(proposal, "accepted", user, note)
    proposal.applied_version = project.version if result.action == "updated" else None
    db.session.flush()
    record_audit(
        user.actor,
        "proposal_accept",
        f"project:{project.slug}",
        proposal=proposal.id,
        author=proposal.created_by,
        version=project.version,
    )
    return result


def reject_proposal(proposal: ChangeProposal, user: User, note: str) -> None:
    """Close a proposal without applying it; the note tells the author why (rights: workflow.reject)."""
    note = _clean_note(note, required=True)
    _hold_open(proposal)
    _decide(proposal, "rejected", user, note)
    record_audit(
        user.actor,
        "proposal_reject",
        f"project:{proposal.project.slug}",
        proposal=proposal.id,
        author=proposal.created_by,
    )


def withdraw_proposal(proposal: ChangeProposal, user: User) -> None:
    """The author takes back an open proposal (rights: workflow.withdraw)."""
    _hold_open(proposal)
    _decide(proposal, "withdrawn", user, "")
    record_audit(user.actor, "proposal_withdraw", f"project:{proposal.project.slug}", proposal=proposal.id)


def open_proposals(project: Project | None = None) -> list[ChangeProposal]:
    """Open proposals (of one profile, or all), oldest first."""
    statement = (
        select(ChangeProposal)
        .where(ChangeProposal.status == "open")
        .order_by(ChangeProposal.created_at, ChangeProposal.id)
    )
    if project is not None:
        statement = statement.where(ChangeProposal.project_id == project.id)
    return list(db.session.scalars(statement))


def proposals_by(actor: str, limit: int = 50) -> list[ChangeProposal]:
    """An author's proposals, newest first (superseded ones left out: a newer one replaced them)."""
    return list(
        db.session.scalars(
            select(ChangeProposal)
            .where(ChangeProposal.created_by == actor, ChangeProposal.status != "superseded")
            .order_by(ChangeProposal.created_at.desc(), ChangeProposal.id.desc())
            .limit(limit)
        )
    )


def own_open_proposal(project: Project, user: User) -> ChangeProposal | None:
    """The user's open proposal for this profile, if any."""
    proposals = _open_proposals_of(project, user.actor)
    return proposals[-1] if proposals else None


def _open_proposals_of(project: Project, actor: str) -> list[ChangeProposal]:
    return list(
        db.session.scalars(
            select(ChangeProposal)
            .where(
                ChangeProposal.project_id == project.id,
                ChangeProposal.created_by == actor,
                ChangeProposal.status == "open",
            )
            .order_by(ChangeProposal.id)
        )
    )


def _clean_note(note: str | None, required: bool) -> str:
    note = (note or "").strip()
    if required and not note:
        raise ServiceError("Bitte schreiben Sie kurz, warum der Vorschlag abgelehnt wird.")
    if len(note) > MAX_NOTE_LENGTH:
        raise ServiceError(f"Die Anmerkung darf höchstens {MAX_NOTE_LENGTH} Zeichen lang sein.")
    problem = text_problem(note)  # the rule of every text (PostgreSQL refuses a NUL, SQLite would store it)
    if problem:
        raise ServiceError(f"Anmerkung: {problem}")
    return note


def _decide(proposal: ChangeProposal, status: str, user: User, note: str) -> None:
    proposal.status = status
    proposal.decided_at = utcnow()
    proposal.decided_by = user.actor
    proposal.note = note
    db.session.flush()


def _accepting_actor(proposal: ChangeProposal, user: User) -> str:
    """The revision names the author and who accepted (the audit log keeps both in any case)."""
    actor = f"{proposal.created_by} (freigegeben von {user.actor})"
    return actor if len(actor) <= 120 else user.actor
