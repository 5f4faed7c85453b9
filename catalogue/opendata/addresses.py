"""Addresses that last: where a renamed or merged keyword or organisation went, and which profiles are gone.

Renames and merges are recorded in the audit log (append-only, written in the same transaction as
the change), which the editing package already treats as the record of merges: the old address is
looked up there only when a slug is unknown, so normal pages pay nothing. A profile that was public
and is archived (the API's DELETE archives) is gone – 410 – rather than unknown.
"""

from __future__ import annotations

from sqlalchemy import select

from ..extensions import db
from ..models import AuditEvent, Change, Keyword, Organisation, Project, Revision
from ..textutil import keyword_key, slugify

#: Longest chain of renames followed (a loop in the log must not hang a request).
_MAX_HOPS = 20


def _moves(actions: tuple[str, ...]) -> dict[str, str]:
    """Old slug → the slug it moved to, from the audit log, in log order (later moves win)."""
    moved: dict[str, str] = {}
    for event in db.session.scalars(select(AuditEvent).where(AuditEvent.action.in_(actions)).order_by(AuditEvent.id)):
        detail = event.detail or {}
        target = event.target.split(":", 1)[1] if ":" in event.target else ""
        if event.action == "organisation_merge":
            old = detail.get("merged", "")
        elif event.action == "keyword_rename":
            old = detail.get("old_slug") or slugify(detail.get("old", ""))
        else:  # keyword_merge: the duplicate's name (its slug where recorded)
            old = detail.get("merged_slug") or slugify(detail.get("merged", ""))
        if old and target and old != target:
            moved[old] = target
    return moved


def _follow(slug: str, moved: dict[str, str], exists) -> str | None:
    seen = {slug}
    current = slug
    for _ in range(_MAX_HOPS):
        current = moved.get(current)
        if current is None or current in seen:
            return None
        if exists(current):
            return current
        seen.add(current)
    return None


def moved_keyword(slug: str) -> str | None:
    """The current slug of a keyword that was renamed or merged away from ``slug``, or None."""
    return _follow(
        slug,
        _moves(("keyword_rename", "keyword_merge")),
        lambda s: db.session.scalar(select(Keyword.id).where(Keyword.slug == s)) is not None,
    )


def moved_organisation(slug: str) -> str | None:
    """The slug of the organisation that ``slug`` was merged into (following later merges), or None."""
    return _follow(
        slug,
        _moves(("organisation_merge",)),
        lambda s: db.session.scalar(select(Organisation.id).where(Organisation.slug == s)) is not None,
    )


def is_gone(project: Project | None) -> bool:
    """Archived after having been public: its address answers 410, not 404 (drafts stay unknown)."""
    if project is None or project.status != "archived":
        return False
    published = db.session.scalar(
        select(Change.seq).where(Change.project_id == project.id, Change.action == "publish").limit(1)
    )
    if published is not None:
        return True
    # Created as published (seed, import, API with status) logs "create": its first revision says so.
    first = db.session.scalar(
        select(Revision.snapshot).where(Revision.project_id == project.id).order_by(Revision.version).limit(1)
    )
    return (first or {}).get("status") == "published"


def archived_at(project: Project):
    """When the profile was last taken out of the catalogue."""
    return db.session.scalar(
        select(Change.created_at)
        .where(Change.project_id == project.id, Change.action == "delete")
        .order_by(Change.seq.desc())
        .limit(1)
    )


def moved_keyword_names(names: list[str]) -> list[str] | None:
    """``names`` with renamed or merged keywords replaced by their current names, or None if none moved.

    The API addresses a keyword by name (``/projects?keyword=…``), so its renames are followed by name.
    """

    def exists(name: str) -> bool:
        return db.session.scalar(select(Keyword.id).where(Keyword.key == keyword_key(name))) is not None

    unknown = [name for name in names if not exists(name)]
    if not unknown:
        return None
    moved: dict[str, str] = {}
    for event in db.session.scalars(
        select(AuditEvent).where(AuditEvent.action.in_(("keyword_rename", "keyword_merge"))).order_by(AuditEvent.id)
    ):
        detail = event.detail or {}
        old, new = (
            (detail.get("old"), detail.get("new"))
            if event.action == "keyword_rename"
            else (detail.get("merged"), detail.get("into"))
        )
        if old and new:
            moved[keyword_key(old)] = new
    current = {}
    for name in unknown:
        step, seen = name, set()
        while keyword_key(step) in moved and keyword_key(step) not in seen and len(seen) < _MAX_HOPS:
            seen.add(keyword_key(step))
            step = moved[keyword_key(step)]
            if exists(step):
                current[name] = step
                break
    if not current:
        return None
    return [current.get(name, name) for name in names]
