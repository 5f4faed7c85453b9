"""Read queries only the API needs: facet counts, the change feed, bulk batches."""

from __future__ import annotations

import hashlib

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import (
    Change,
    Keyword,
    LegalForm,
    Organisation,
    Participation,
    Project,
    change_identity,
    identity_of,
    project_keywords,
)
from ..queries import filtered_projects


def with_everything(stmt):
    """Load a whole profile in a few queries instead of one per relationship and row."""
    return stmt.options(
        selectinload(Project.participations).selectinload(Participation.organisation),
        selectinload(Project.keywords),
        selectinload(Project.legal_form),
        selectinload(Project.contacts),
        selectinload(Project.links),
        selectinload(Project.updates),
    )


def sql_facets(filters: dict) -> dict[str, list[tuple[str, int]]]:
    """Facet counts over every published project matching ``filters`` (without full text)."""
    ids = filtered_projects(filters).order_by(None).subquery()
    per_project = func.count(func.distinct(Project.id))

    def count(column, *joins) -> list[tuple[str, int]]:
        stmt = select(column, per_project).select_from(Project)
        for target, on in joins:
            stmt = stmt.join(target, on)
        stmt = stmt.where(Project.id.in_(select(ids.c.id)), column.is_not(None), column != "")
        rows = db.session.execute(stmt.group_by(column)).all()
        return sorted(((str(value), n) for value, n in rows), key=lambda item: (-item[1], item[0].casefold()))

    organisations = (
        (Participation, Participation.project_id == Project.id),
        (Organisation, Organisation.id == Participation.organisation_id),
    )
    return {
        "keywords": count(
            Keyword.name,
            (project_keywords, project_keywords.c.project_id == Project.id),
            (Keyword, Keyword.id == project_keywords.c.keyword_id),
        ),
        "states": count(Organisation.state, *organisations),
        "districts": count(Organisation.district, *organisations),
        "legal_forms": count(LegalForm.name, (LegalForm, LegalForm.id == Project.legal_form_id)),
        "kinds": count(Organisation.kind, *organisations),
        "since": [],  # ranges of since_year come with the full-text engine only
    }


def projects_by_ids(ids: list[int]) -> list[Project]:
    """Projects in the order of ``ids`` (search results)."""
    if not ids:
        return []
    found = {p.id: p for p in db.session.scalars(with_everything(select(Project).where(Project.id.in_(ids))))}
    return [found[i] for i in ids if i in found]


def changes_after(since: int, limit: int) -> tuple[list[Change], bool, dict[int, Project]]:
    """Up to ``limit`` change-log rows after ``since`` in seq order, whether more follow, and their projects."""
    # One row more than asked tells whether another page follows, from the same query: a
    # separate max(seq) could be older than the rows (PostgreSQL reads each statement afresh).
    changes = list(db.session.scalars(select(Change).where(Change.seq > since).order_by(Change.seq).limit(limit + 1)))
    has_more = len(changes) > limit
    changes = changes[:limit]
    project_ids = {change.project_id for change in changes}
    projects = (
        {p.id: p for p in db.session.scalars(with_everything(select(Project).where(Project.id.in_(project_ids))))}
        if project_ids
        else {}
    )
    return changes, has_more, projects


def change_fingerprint(seq: int, row: Change | None = None) -> str | None:
    """An opaque token of change ``seq`` as it is stored now (None when there is no such row):
    followers of the feed send it back to notice a restored backup (see ``/changes``). A
    ``row`` already read for ``seq`` saves the lookup."""
    identity = identity_of(row) if row is not None else change_identity(db.session, seq)
    return hashlib.sha256(identity.encode()).hexdigest()[:16] if identity else None


def published_in_batches(size: int = 200):
    """Every published project by slug, loaded a batch at a time (bulk export)."""
    last_slug = ""
    while True:
        batch = list(
            db.session.scalars(
                with_everything(
                    select(Project)
                    .where(Project.status == "published", Project.slug > last_slug)
                    .order_by(Project.slug)
                    .limit(size)
                )
            )
        )
        if not batch:
            return
        yield batch
        # The identity map holds rows weakly, so earlier batches are freed once they are written.
        last_slug = batch[-1].slug


def catalogue_state() -> tuple[int, object]:
    """(latest change seq, newest organisation edit): changes whenever any public document changes."""
    seq = db.session.scalar(select(func.max(Change.seq))) or 0
    org = db.session.scalar(select(func.max(Organisation.updated_at)))
    return seq, org


def organisation_changed_at(organisation: Organisation):
    """When the organisation's document last changed: its facts, or any profile it takes part in."""
    projects = select(Participation.project_id).where(Participation.organisation_id == organisation.id)
    latest = db.session.scalar(select(func.max(Change.created_at)).where(Change.project_id.in_(projects)))
    return max(filter(None, [organisation.updated_at, latest]))


def latest_change_time():
    """When the catalogue last changed (Last-Modified of lists), or None."""
    return db.session.scalar(select(func.max(Change.created_at)))


class Seen:
    """A model object as a schema sees it, with extra values for this answer (a count, its
    profiles): read through to the object, which itself stays untouched."""

    def __init__(self, model, **extra):
        self._model = model
        self.__dict__.update(extra)

    def __getattr__(self, name):
        return getattr(self._model, name)
