"""Use cases of the editing area: restore, merges, review requests, change proposals, readable diffs.

Like services.py these functions take the actor explicitly, flush and never commit. Content
changes go through ``services.update_project``, so every one of them writes its revision and
change-log row exactly as any other save does.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass, field

from marshmallow import ValidationError
from sqlalchemy import distinct, func, select

from .accounts import record_audit
from .extensions import db
from .models import (
    AuditEvent,
    Change,
    ChangeProposal,
    Keyword,
    Organisation,
    Participation,
    Project,
    Revision,
    User,
    project_keywords,
    utcnow,
)
from .schemas import CONTENT_FIELDS, ProjectInputSchema, flatten_errors, format_partial_date
from .services import (
    ServiceError,
    SaveResult,
    VersionConflict,
    begin_write,
    change_status,
    find_project,
    snapshot,
    update_project,
)
from .textutil import clean_line, keyword_key, slugify

#: German labels of the representation's content fields, in the order the diff shows them.
FIELD_LABELS = {
    "title": "Titel",
    "slug": "Adresse (Slug)",
    "summary": "Kurzbeschreibung",
    "status": "Status",
    "keywords": "Stichworte",
    "participants": "Beteiligte",
    "occasion": "Anlass",
    "goal": "Ziel",
    "implementation": "Umsetzung",
    "financing": "Finanzierung",
    "legal_form": "Rechtsform",
    "since_year": "Zusammenarbeit seit",
    "source_note": "Quelle",
    "contacts": "Kontakte",
    "links": "Links",
    "updates": "Neuigkeiten",
}
STATUS_LABELS = {"draft": "Entwurf", "published": "Veröffentlicht", "archived": "Archiviert"}
_ROLE_LABELS = {"lead": "Hauptverantwortlich", "partner": "Beteiligt"}


class NotAllowed(ServiceError):
    """The user's rights do not cover this change (the view answers 403)."""


# ---------------------------------------------------------------- diffs


@dataclass
class FieldDiff:
    """One changed field: its label and the lines, each marked " " (kept), "-" or "+"."""

    name: str
    label: str
    lines: list[tuple[str, str]] = field(default_factory=list)


def field_lines(name: str, value) -> list[str]:
    """A field's value as readable text lines (works for snapshots and for loaded input)."""
    if value in (None, "", []):
        return []
    if name == "status":
        return [STATUS_LABELS.get(value, value)]
    if name == "keywords":
        return sorted(value, key=str.casefold)
    if name == "participants":
        return [f"{_ROLE_LABELS.get(p.get('role'), p.get('role'))}: {_organisation_line(p.get('organisation') or {})}" for p in value]
    if name == "contacts":
        return [" · ".join(str(c.get(k)).replace("\n", ", ") for k in ("organisation", "role", "address", "phone", "email", "website") if c.get(k)) for c in value]
    if name == "links":
        return [f"{link.get('title', '')} – {link.get('url') or '(ohne Adresse)'}" for link in value]
    if name == "updates":
        return [_update_line(u) for u in value]
    return str(value).split("\n")


def _organisation_line(organisation: dict) -> str:
    extra = [organisation[k] for k in ("ags", "state", "district") if organisation.get(k)]
    return organisation.get("name", "") + (f" ({', '.join(extra)})" if extra else "")


def _update_line(update: dict) -> str:
    date = update.get("date")
    if isinstance(date, tuple):  # loaded input carries (date, precision)
        date = format_partial_date(*date)
    elif update.get("date_precision") and not isinstance(date, str):
        date = format_partial_date(date, update["date_precision"])
    parts = [str(date), update.get("title", ""), (update.get("text") or "").replace("\n", " ")]
    return " – ".join(part for part in parts if part)


def diff_snapshots(old: dict | None, new: dict) -> list[FieldDiff]:
    """Field-by-field differences between two profiles in the project representation."""
    old = old or {}
    diffs = []
    for name in FIELD_LABELS:
        before, after = field_lines(name, old.get(name)), field_lines(name, new.get(name))
        if before == after:
            continue
        lines = [(line[0], line[2:]) for line in difflib.ndiff(before, after) if line[0] in " -+"]
        diffs.append(FieldDiff(name, FIELD_LABELS[name], lines))
    return diffs


def input_as_snapshot(data: dict) -> dict:
    """Loaded ``ProjectInputSchema`` data in the shape of a snapshot (for the conflict page)."""
    result = {name: data.get(name) for name in CONTENT_FIELDS}
    result["keywords"] = sorted(data.get("keywords") or [], key=str.casefold)
    result["updates"] = [
        {**u, "date": format_partial_date(u["date"], u["date_precision"])} for u in data.get("updates") or []
    ]
    return result


# ---------------------------------------------------------------- restoring and re-saving


def snapshot_to_input(snap: dict) -> dict:
    """Load a stored snapshot through the one input schema (organisations by their current data)."""
    return load_input(snapshot_to_raw(snap), "Diese Fassung erfüllt die heutigen Regeln nicht")


def load_input(raw: dict, problem: str) -> dict:
    """Validate raw input with ProjectInputSchema; a failure is a ServiceError naming each field."""
    try:
        return ProjectInputSchema().load(raw)
    except ValidationError as error:
        problems = "; ".join(f"{name}: {message}" for name, message in flatten_errors(error.messages))
        raise ServiceError(f"{problem} ({problems}).") from error


def snapshot_to_raw(snap: dict) -> dict:
    """A stored snapshot as raw (JSON-safe) input of the one input schema.

    Organisations and keywords merged or renamed since the snapshot are replaced by the ones
    they live on in: restoring old text must not bring a merged duplicate back.
    """
    raw = {name: snap.get(name) for name in CONTENT_FIELDS if name in snap}
    participants: list[dict] = []
    seen: dict[str, dict] = {}
    merged_into = _organisation_merges()
    for participant in raw.get("participants") or []:
        organisation = dict(participant.get("organisation") or {})
        current = _current_organisation(organisation.get("slug", ""), merged_into)
        if current is not None:
            # An organisation renamed since the snapshot is still the same one: use its current facts.
            organisation = _organisation_input(current)
            if current.slug in seen:  # the snapshot named a duplicate and its survivor
                if participant.get("role") == "lead":
                    seen[current.slug]["role"] = "lead"
                continue
        organisation.pop("slug", None)
        entry = {"role": participant.get("role", "partner"), "organisation": organisation}
        if current is not None:
            seen[current.slug] = entry
        participants.append(entry)
    raw["participants"] = participants
    if "keywords" in raw:
        raw["keywords"] = [_current_keyword_name(name) for name in raw.get("keywords") or []]
    return raw


def _organisation_merges() -> dict[str, str]:
    """Slug of each merged-away organisation -> slug of the one it was merged into.

    The audit log is the record of merges (append-only, written in the merge's transaction).
    """
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "organisation_merge").order_by(AuditEvent.id)
    )
    return {(event.detail or {}).get("merged", ""): event.target.removeprefix("organisation:") for event in events}


def _current_organisation(slug: str, merged_into: dict[str, str]) -> Organisation | None:
    """The organisation with this slug, or the one it was merged into (following later merges)."""
    visited: set[str] = set()
    while slug:
        found = db.session.scalar(select(Organisation).where(Organisation.slug == slug))
        if found is not None or slug in visited:
            return found
        visited.add(slug)
        slug = merged_into.get(slug, "")
    return None


def _current_keyword_name(name: str) -> str:
    """A keyword's name today: renames and merges since a snapshot are followed."""
    def exists(text: str) -> bool:
        return db.session.scalar(select(Keyword.id).where(Keyword.key == keyword_key(text))) is not None

    if exists(name):
        return name
    renamed: dict[str, str] = {}
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action.in_(("keyword_rename", "keyword_merge"))).order_by(AuditEvent.id)
    )
    for event in events:
        detail = event.detail or {}
        old, new = (detail.get("old"), detail.get("new")) if event.action == "keyword_rename" else (detail.get("merged"), detail.get("into"))
        if old and new:
            renamed[keyword_key(old)] = new
    visited: set[str] = set()
    current = name
    while keyword_key(current) in renamed and keyword_key(current) not in visited:
        visited.add(keyword_key(current))
        current = renamed[keyword_key(current)]
        if exists(current):
            return current
    return name  # never renamed, or renamed into something since deleted: the old name comes back


def _organisation_input(organisation: Organisation) -> dict:
    values = {
        "name": organisation.name, "kind": organisation.kind, "ags": organisation.ags, "state": organisation.state,
        "district": organisation.district, "administrative_region": organisation.administrative_region,
        "population": organisation.population,
        "population_date": organisation.population_date.isoformat() if organisation.population_date else None,
        "population_source": organisation.population_source, "area_km2": organisation.area_km2,
        "website": organisation.website, "latitude": organisation.latitude, "longitude": organisation.longitude,
    }
    return {k: v for k, v in values.items() if v not in (None, "")}


def restore_revision(project: Project, revision: Revision, actor: str, expected_version: int | None = None) -> SaveResult:
    """Make an old revision's content current again; the restore is itself a new revision.

    Slug and status stay as they are: restoring text must not move or (un)publish the page.
    """
    if revision.project_id != project.id:
        raise ServiceError("Diese Fassung gehört zu einem anderen Profil.")
    data = snapshot_to_input(revision.snapshot)
    data["slug"] = project.slug
    return update_project(project, data, actor, status=project.status, expected_version=expected_version)


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


def check_status_change(old: str | None, new: str | None, user: User) -> None:
    """An editor limited to review requests may neither publish nor take a profile offline."""
    if user.can_publish or user.is_admin or not new or new == old:
        return
    if new == "published" or old == "published":
        raise NotAllowed("Sie dürfen Profile nicht veröffentlichen oder zurückziehen; bitte zur Prüfung einreichen.")


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


# ---------------------------------------------------------------- change proposals
#
# An editor who may not publish must not change what the public sees. Their saves of a
# published profile are kept as proposals; a publisher accepts one (it is then applied by
# update_project like any save: revision, change log, search index, API feed) or rejects it.


class ProposalConflict(ServiceError):
    """The profile changed since the proposal was made, and the reviewer has not agreed to replace that."""


#: German names of the proposal states, for the pages.
PROPOSAL_STATUS_LABELS = {
    "open": "offen", "accepted": "angenommen", "rejected": "abgelehnt",
    "withdrawn": "zurückgezogen", "superseded": "durch neueren Vorschlag ersetzt",
}
MAX_NOTE_LENGTH = 2000


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
        lookups.append(select(project_keywords.c.project_id).join(Project)
                       .where(project_keywords.c.keyword_id.in_(ids), published))
    if all(db.session.scalar(query.limit(1)) is None for query in lookups):
        return None
    return ("Das erscheint in veröffentlichten Profilen: ändern, zusammenführen oder löschen darf es nur, "
            "wer veröffentlichen darf. Bitte wenden Sie sich an eine Redakteurin oder einen Redakteur mit diesem Recht.")


def proposed_snapshot(project: Project, data: dict) -> dict:
    """Loaded input as the snapshot of the profile it would make (a blank slug keeps the address)."""
    proposed = input_as_snapshot(data)
    proposed["slug"] = data.get("slug") or project.slug
    proposed["status"] = data.get("status") or project.status
    return proposed


def propose_change(project: Project, raw: dict, user: User, base_version: int) -> ChangeProposal | None:
    """Keep a change of a published profile for review instead of applying it (None: it changes nothing).

    ``raw`` is input of ProjectInputSchema and is validated here; the author's earlier open
    proposal for the same profile is superseded, so each author has one open proposal per profile.
    """
    begin_write()
    db.session.refresh(project)  # compare against the committed state, as every save does
    if base_version != project.version:
        raise VersionConflict(project, base_version)
    # A proposal changes content; publishing and taking offline stay with the publishers.
    data = load_input({**raw, "status": project.status}, "Der Vorschlag ist ungültig")
    owner, _ = find_project(data["slug"]) if data.get("slug") else (None, False)
    if owner is not None and owner.id != project.id:  # checked now, not only when it is accepted
        raise ServiceError(f"Die Adresse „{data['slug']}“ gehört schon zu einem anderen Profil.")
    if not diff_snapshots(snapshot(project), proposed_snapshot(project, data)):
        return None
    for earlier in _open_proposals_of(project, user.actor):
        earlier.status = "superseded"
    proposal = ChangeProposal(project=project, base_version=project.version, data=input_as_raw(data), created_by=user.actor)
    db.session.add(proposal)
    db.session.flush()
    record_audit(user.actor, "proposal_submit", f"project:{project.slug}", proposal=proposal.id, base_version=project.version)
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
        proposed, problems = proposed_snapshot(project, load_input(proposal.data, "Der Vorschlag erfüllt die heutigen Regeln nicht")), ""
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
    """
    _check_reviewer(user)
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
    result = update_project(project, data, _accepting_actor(proposal, user), status=project.status,
                            expected_version=expected_version)
    _decide(proposal, "accepted", user, note)
    proposal.applied_version = project.version if result.action == "updated" else None
    db.session.flush()
    record_audit(user.actor, "proposal_accept", f"project:{project.slug}", proposal=proposal.id,
                 author=proposal.created_by, version=project.version)
    return result


def reject_proposal(proposal: ChangeProposal, user: User, note: str) -> None:
    """Close a proposal without applying it; the note tells the author why."""
    _check_reviewer(user)
    note = _clean_note(note, required=True)
    _hold_open(proposal)
    _decide(proposal, "rejected", user, note)
    record_audit(user.actor, "proposal_reject", f"project:{proposal.project.slug}", proposal=proposal.id,
                 author=proposal.created_by)


def withdraw_proposal(proposal: ChangeProposal, user: User) -> None:
    """The author takes back an open proposal."""
    if proposal.created_by != user.actor:
        raise NotAllowed("Nur wer den Vorschlag gemacht hat, kann ihn zurückziehen.")
    _hold_open(proposal)
    _decide(proposal, "withdrawn", user, "")
    record_audit(user.actor, "proposal_withdraw", f"project:{proposal.project.slug}", proposal=proposal.id)


def open_proposals(project: Project | None = None) -> list[ChangeProposal]:
    """Open proposals (of one profile, or all), oldest first."""
    statement = select(ChangeProposal).where(ChangeProposal.status == "open").order_by(ChangeProposal.created_at, ChangeProposal.id)
    if project is not None:
        statement = statement.where(ChangeProposal.project_id == project.id)
    return list(db.session.scalars(statement))


def proposals_by(actor: str, limit: int = 50) -> list[ChangeProposal]:
    """An author's proposals, newest first (superseded ones left out: a newer one replaced them)."""
    return list(db.session.scalars(
        select(ChangeProposal).where(ChangeProposal.created_by == actor, ChangeProposal.status != "superseded")
        .order_by(ChangeProposal.created_at.desc(), ChangeProposal.id.desc()).limit(limit)
    ))


def own_open_proposal(project: Project, user: User) -> ChangeProposal | None:
    """The user's open proposal for this profile, if any."""
    proposals = _open_proposals_of(project, user.actor)
    return proposals[-1] if proposals else None


def _open_proposals_of(project: Project, actor: str) -> list[ChangeProposal]:
    return list(db.session.scalars(
        select(ChangeProposal).where(
            ChangeProposal.project_id == project.id, ChangeProposal.created_by == actor, ChangeProposal.status == "open",
        ).order_by(ChangeProposal.id)
    ))


def _check_reviewer(user: User) -> None:
    if not may_publish(user):
        raise NotAllowed("Über Vorschläge entscheiden Administratorinnen und Administratoren und wer veröffentlichen darf.")


def _clean_note(note: str | None, required: bool) -> str:
    note = (note or "").strip()
    if required and not note:
        raise ServiceError("Bitte schreiben Sie kurz, warum der Vorschlag abgelehnt wird.")
    if len(note) > MAX_NOTE_LENGTH:
        raise ServiceError(f"Die Anmerkung darf höchstens {MAX_NOTE_LENGTH} Zeichen lang sein.")
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


def input_as_raw(data: dict) -> dict:
    """Loaded (cleaned) input as JSON-safe raw input that loads to the same data again."""
    def present(values: dict) -> dict:
        return {key: value for key, value in values.items() if value not in (None, "")}

    raw = {name: data.get(name) for name in CONTENT_FIELDS if name in data}
    raw["participants"] = [
        {"role": p["role"], "organisation": present(p["organisation"])} for p in data.get("participants") or []
    ]
    raw["contacts"] = [present(c) for c in data.get("contacts") or []]
    raw["links"] = [present(link) for link in data.get("links") or []]
    raw["updates"] = [
        present({**{k: v for k, v in u.items() if k != "date_precision"}, "date": format_partial_date(u["date"], u["date_precision"])})
        for u in data.get("updates") or []
    ]
    # Dates (an organisation's population date) become ISO text, which the schema reads back.
    return json.loads(json.dumps(raw, default=str))


# ---------------------------------------------------------------- organisations


def delete_organisation(organisation: Organisation, actor: str) -> None:
    """Delete an organisation that takes part in no profile (a typo, a duplicate with nothing on it).

    One that still takes part in a profile – of any status, archived ones included, since they
    can be restored – is refused: remove it there, or merge it into the right organisation.
    Profiles' old revisions keep its facts, so restoring one brings it back as a new entry.
    """
    begin_write()
    count = db.session.scalar(
        select(func.count(distinct(Participation.project_id))).where(Participation.organisation_id == organisation.id)
    )
    if count:
        raise ServiceError(
            f"„{organisation.name}“ ist noch an {count} Profil(en) beteiligt (auch archivierte zählen): "
            "dort erst entfernen oder mit einer anderen Organisation zusammenführen."
        )
    record_audit(actor, "organisation_delete", f"organisation:{organisation.slug}", name=organisation.name)
    db.session.delete(organisation)
    db.session.flush()


def merge_organisations(duplicate: Organisation, keep: Organisation, actor: str) -> list[Project]:
    """Move every participation of ``duplicate`` to ``keep``, then delete ``duplicate``.

    Each affected profile is re-saved through the normal service (revision + change-log row).
    Where a profile names both, one participation remains, "lead" if either was the lead.
    Facts that ``keep`` lacks are taken over from ``duplicate``.
    """
    if duplicate.id == keep.id:
        raise ServiceError("Eine Organisation kann nicht mit sich selbst zusammengeführt werden.")
    begin_write()
    projects = list(db.session.scalars(
        select(Project).join(Participation).where(Participation.organisation_id == duplicate.id).order_by(Project.id)
    ))
    keep_input = _organisation_input(keep)
    for project in projects:
        snap = snapshot(project)
        participants = []
        for participant in snap["participants"]:
            slug = participant["organisation"].get("slug")
            if slug in (duplicate.slug, keep.slug):
                existing = next((p for p in participants if p["organisation"].get("slug") == keep.slug), None)
                if existing is not None:
                    if participant["role"] == "lead":
                        existing["role"] = "lead"
                    continue
                participant = {"role": participant["role"], "organisation": {**keep_input, "slug": keep.slug}}
            participants.append(participant)
        data = snapshot_to_input({**snap, "participants": participants})
        update_project(project, data, actor)
    # Participations still pointing at the duplicate would block its deletion.
    remaining = db.session.scalar(select(Participation.id).where(Participation.organisation_id == duplicate.id))
    if remaining is not None:
        raise ServiceError("Nicht alle Beteiligungen konnten übertragen werden.")
    _take_over_facts(keep, duplicate)
    record_audit(actor, "organisation_merge", f"organisation:{keep.slug}", merged=duplicate.slug, name=duplicate.name)
    db.session.expire(duplicate)  # its loaded participation list is stale after the moves
    db.session.delete(duplicate)
    db.session.flush()
    return projects


def _take_over_facts(keep: Organisation, duplicate: Organisation) -> None:
    changed = False
    for name in ("kind", "state", "district", "administrative_region", "population", "population_date",
                 "population_source", "area_km2", "website", "latitude", "longitude"):
        mine, theirs = getattr(keep, name), getattr(duplicate, name)
        if (mine in (None, "") or (name == "kind" and mine == "other")) and theirs not in (None, "", "other"):
            setattr(keep, name, theirs)
            changed = True
    if keep.ags is None and duplicate.ags is not None:
        ags, duplicate.ags = duplicate.ags, None
        db.session.flush()  # free the unique AGS before the survivor takes it
        keep.ags = ags
        changed = True
    if changed:
        keep.updated_at = utcnow()
    db.session.flush()
    if changed:
        _log_projects([p.project_id for p in keep.participations])


def _log_projects(project_ids) -> None:
    for project_id in sorted(set(project_ids)):
        db.session.add(Change(project_id=project_id, action="update"))
    db.session.flush()


# ---------------------------------------------------------------- keywords


def rename_keyword(keyword: Keyword, new_name: str, actor: str) -> Keyword:
    """Rename a keyword everywhere; a name that another keyword already has merges into it."""
    new_name = clean_line(new_name or "")
    if not new_name:
        raise ServiceError("Bitte einen neuen Namen angeben.")
    if len(new_name) > 80:
        raise ServiceError("Höchstens 80 Zeichen erlaubt.")
    begin_write()
    other = db.session.scalar(select(Keyword).where(Keyword.key == keyword_key(new_name), Keyword.id != keyword.id))
    if other is not None:
        merge_keywords(keyword, other, actor)
        return other
    if new_name == keyword.name:
        return keyword
    old_name = keyword.name
    keyword.name, keyword.key = new_name, keyword_key(new_name)
    slug = slugify(new_name) or keyword.slug
    if db.session.scalar(select(Keyword.id).where(Keyword.slug == slug, Keyword.id != keyword.id)) is None:
        keyword.slug = slug
    db.session.flush()
    # The name is part of every profile's representation: search and feed must refresh them.
    _log_projects(p.id for p in keyword.projects)
    record_audit(actor, "keyword_rename", f"keyword:{keyword.slug}", old=old_name, new=new_name)
    return keyword


def merge_keywords(duplicate: Keyword, keep: Keyword, actor: str) -> list[Project]:
    """Replace ``duplicate`` by ``keep`` on every profile (each a new revision), then delete it."""
    if duplicate.id == keep.id:
        raise ServiceError("Ein Stichwort kann nicht mit sich selbst zusammengeführt werden.")
    begin_write()
    projects = sorted(duplicate.projects, key=lambda p: p.id)
    for project in projects:
        snap = snapshot(project)
        names = [keep.name if keyword_key(name) == duplicate.key else name for name in snap["keywords"]]
        update_project(project, snapshot_to_input({**snap, "keywords": names}), actor)
    record_audit(actor, "keyword_merge", f"keyword:{keep.slug}", merged=duplicate.name, into=keep.name)
    db.session.expire(duplicate)  # its loaded project list is stale after the re-saves
    db.session.delete(duplicate)
    db.session.flush()
    return projects
