"""Read queries behind the open-data documents: change times, states, keywords of published profiles."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import distinct, func, select

from ..extensions import db
from ..models import Change, Keyword, Organisation, Participation, Project, project_keywords

PUBLISHED = Project.status == "published"


@dataclass(frozen=True)
class StateSummary:
    code: str
    projects: int
    #: last change-log entry of one of its published profiles
    modified: dt.datetime | None
    issued: dt.datetime | None


def change_span() -> tuple[dt.datetime | None, dt.datetime | None]:
    """(first, last) time in the change log: when the catalogue began and last changed."""
    first, last = db.session.execute(select(func.min(Change.created_at), func.max(Change.created_at))).one()
    return _aware(first), _aware(last)


def states_with_profiles() -> list[StateSummary]:
    """Each state with published profiles (any participant there), with count and change times."""
    in_state = (
        select(Organisation.state.label("state"), Project.id.label("project_id"))
        .join(Participation, Participation.organisation_id == Organisation.id)
        .join(Project, Project.id == Participation.project_id)
        .where(PUBLISHED, Organisation.state.is_not(None))
        .distinct()
    ).subquery()
    counts = dict(
        db.session.execute(
            select(in_state.c.state, func.count(distinct(in_state.c.project_id))).group_by(in_state.c.state)
        ).all()
    )
    times = {
        state: (first, last)
        for state, first, last in db.session.execute(
            select(in_state.c.state, func.min(Change.created_at), func.max(Change.created_at))
            .join(Change, Change.project_id == in_state.c.project_id)
            .group_by(in_state.c.state)
        )
    }
    return [
        StateSummary(
            code, counts[code], _aware(times.get(code, (None, None))[1]), _aware(times.get(code, (None, None))[0])
        )
        for code in sorted(counts)
    ]


def top_keywords(state: str | None = None, limit: int = 20) -> list[str]:
    """The most used keywords of published profiles (of one state), most used first, then by name."""
    count = func.count(distinct(Project.id))
    stmt = (
        select(Keyword.name, count)
        .join(project_keywords, project_keywords.c.keyword_id == Keyword.id)
        .join(Project, Project.id == project_keywords.c.project_id)
        .where(PUBLISHED)
    )
    if state:
        stmt = stmt.where(Project.participations.any(Participation.organisation.has(Organisation.state == state)))
    rows = db.session.execute(stmt.group_by(Keyword.id, Keyword.name).order_by(count.desc(), Keyword.key).limit(limit))
    return [name for name, _ in rows]


def published_count() -> int:
    return db.session.scalar(select(func.count(Project.id)).where(PUBLISHED)) or 0


def _aware(value):
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value
