"""Figures for /statistik: a fixed number of aggregate queries over the published profiles,
whatever their number (one per chart)."""

from __future__ import annotations

from sqlalchemy import distinct, func, select

from .extensions import db
from .models import Keyword, LegalForm, Organisation, Participation, Project, project_keywords

PUBLISHED = Project.status == "published"
#: Bars shown at most per chart (the table lists the same rows).
TOP = 12


def by_state() -> list[tuple[str, int]]:
    """Cooperations per state: a profile counts once for every state among its participants."""
    count = func.count(distinct(Project.id))
    stmt = (
        select(Organisation.state, count)
        .join(Participation, Participation.organisation_id == Organisation.id)
        .join(Project, Project.id == Participation.project_id)
        .where(PUBLISHED, Organisation.state.is_not(None))
        .group_by(Organisation.state)
        .order_by(count.desc(), Organisation.state)
    )
    return [(state, n) for state, n in db.session.execute(stmt)]


def by_topic() -> list[tuple[str, int]]:
    """The most frequent keywords."""
    count = func.count(Project.id)
    stmt = (
        select(Keyword.name, count)
        .join(project_keywords, project_keywords.c.keyword_id == Keyword.id)
        .join(Project, Project.id == project_keywords.c.project_id)
        .where(PUBLISHED)
        .group_by(Keyword.id, Keyword.name)
        .order_by(count.desc(), Keyword.name)
        .limit(TOP)
    )
    return [(name, n) for name, n in db.session.execute(stmt)]


def by_legal_form() -> list[tuple[str | None, int]]:
    """Cooperations per legal form (None: not stated)."""
    count = func.count(Project.id)
    stmt = (
        select(LegalForm.name, count)
        .select_from(Project)
        .outerjoin(LegalForm, LegalForm.id == Project.legal_form_id)
        .where(PUBLISHED)
        .group_by(LegalForm.name)
        .order_by(count.desc(), LegalForm.name)
    )
    return [(name, n) for name, n in db.session.execute(stmt)]


def by_start_year() -> list[tuple[int, int]]:
    """Cooperations by the year they began, oldest first, unknown years left out: a time series,
    so every year from the first to the last is there, one without a beginning with 0 (a gap of
    years is a finding, not something to hide)."""
    stmt = (
        select(Project.since_year, func.count(Project.id))
        .where(PUBLISHED, Project.since_year.is_not(None))
        .group_by(Project.since_year)
    )
    counts = dict(db.session.execute(stmt).all())
    if not counts:
        return []
    return [(year, counts.get(year, 0)) for year in range(min(counts), max(counts) + 1)]


def most_connected_municipalities() -> list[tuple[Organisation, int]]:
    """Municipalities with the most cooperations."""
    count = func.count(distinct(Project.id))
    stmt = (
        select(Organisation, count)
        .join(Participation, Participation.organisation_id == Organisation.id)
        .join(Project, Project.id == Participation.project_id)
        .where(PUBLISHED, Organisation.kind == "municipality")
        .group_by(Organisation.id)
        .order_by(count.desc(), Organisation.name_key)
        .limit(TOP)
    )
    return [(organisation, n) for organisation, n in db.session.execute(stmt)]


def unknown_start_year() -> int:
    """Published profiles that do not say when they began (named under the year chart)."""
    return db.session.scalar(select(func.count(Project.id)).where(PUBLISHED, Project.since_year.is_(None))) or 0
