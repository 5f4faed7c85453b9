"""Merging and deleting the data that profiles share: organisations and keywords.

Every affected profile is re-saved through ``services.update_project``, so each one gets its
revision and change-log row exactly as any other save does.
"""

from __future__ import annotations

from sqlalchemy import distinct, func, select

from ..accounts import record_audit
from ..extensions import db
from ..models import Keyword, Organisation, Participation, Project
from ..services import ORGANISATION_FACTS, fill_gaps, log_projects, snapshot, update_project
from ..textutil import clean_line, keyword_key, slugify
from ..writes import ServiceError, begin_write
from .restore import organisation_input, snapshot_to_input


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
    projects = list(
        db.session.scalars(
            select(Project)
            .join(Participation)
            .where(Participation.organisation_id == duplicate.id)
            .order_by(Project.id)
        )
    )
    keep_input = organisation_input(keep)
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
    """Facts that ``keep`` lacks, taken from ``duplicate`` (the AGS too, which must be unique)."""
    facts = {name: getattr(duplicate, name) for name in ORGANISATION_FACTS}
    if keep.ags is None and duplicate.ags is not None:
        duplicate.ags = None
        db.session.flush()  # free the unique AGS before the survivor takes it
    fill_gaps(keep, facts)


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
    old_name, old_slug = keyword.name, keyword.slug
    keyword.name, keyword.key = new_name, keyword_key(new_name)
    slug = slugify(new_name) or keyword.slug
    if db.session.scalar(select(Keyword.id).where(Keyword.slug == slug, Keyword.id != keyword.id)) is None:
        keyword.slug = slug
    db.session.flush()
    # The name is part of every profile's representation: search and feed must refresh them.
    log_projects(p.id for p in keyword.projects)
    # old_slug lets the old address answer 301 to the new one (catalogue.opendata.addresses).
    record_audit(actor, "keyword_rename", f"keyword:{keyword.slug}", old=old_name, new=new_name, old_slug=old_slug)
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
    record_audit(
        actor,
        "keyword_merge",
        f"keyword:{keep.slug}",
        merged=duplicate.name,
        into=keep.name,
        merged_slug=duplicate.slug,
    )
    db.session.expire(duplicate)  # its loaded project list is stale after the re-saves
    db.session.delete(duplicate)
    db.session.flush()
    return projects
