"""Old versions made current again: stored snapshots (and loaded input) turned back into input
of the one input schema, following the organisations and keywords merged or renamed since."""

from __future__ import annotations

import json

from marshmallow import ValidationError
from sqlalchemy import select

from ..extensions import db
from ..models import AuditEvent, Keyword, Organisation, Project, Revision
from ..schemas import CONTENT_FIELDS, ProjectInputSchema, flatten_errors, format_partial_date
from ..services import ORGANISATION_FACTS, update_project
from ..textutil import keyword_key
from ..writes import SaveResult, ServiceError


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
            organisation = organisation_input(current)
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
        old, new = (
            (detail.get("old"), detail.get("new"))
            if event.action == "keyword_rename"
            else (detail.get("merged"), detail.get("into"))
        )
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


def organisation_input(organisation: Organisation) -> dict:
    """An organisation's known facts as raw input of its schema."""
    values = {name: getattr(organisation, name) for name in ORGANISATION_FACTS}
    if values["population_date"] is not None:
        values["population_date"] = values["population_date"].isoformat()
    return {k: v for k, v in values.items() if v not in (None, "")}


def restore_revision(
    project: Project, revision: Revision, actor: str, expected_version: int | None = None
) -> SaveResult:
    """Make an old revision's content current again; the restore is itself a new revision.

    Slug and status stay as they are: restoring text must not move or (un)publish the page.
    """
    if revision.project_id != project.id:
        raise ServiceError("Diese Fassung gehört zu einem anderen Profil.")
    data = snapshot_to_input(revision.snapshot)
    data["slug"] = project.slug
    return update_project(project, data, actor, status=project.status, expected_version=expected_version)


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
        present(
            {
                **{k: v for k, v in u.items() if k != "date_precision"},
                "date": format_partial_date(u["date"], u["date_precision"]),
            }
        )
        for u in data.get("updates") or []
    ]
    # Dates (an organisation's population date) become ISO text, which the schema reads back.
    return json.loads(json.dumps(raw, default=str))
