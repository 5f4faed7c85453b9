"""Read-only queries for the public pages: the project list with filters, counts and options.

Catalogue-wide aggregates (counts, filter options, keywords with counts) are the same for every
visitor until the next write: they are computed once per change-log version (``per_version``)
and held as plain tuples, so that a page runs the same few statements at 19 or 10 000 profiles."""

from __future__ import annotations

from typing import NamedTuple

from sqlalchemy import distinct, func, select
from sqlalchemy.orm import selectinload

from .caching import per_version
from .extensions import db
from .models import Keyword, LegalForm, Organisation, Participation, Project, project_keywords
from .textutil import keyword_key

PUBLISHED = Project.status == "published"


def _with_profile_parts(stmt):
    """Load what list entries show in a few queries instead of one per row."""
    return stmt.options(
        selectinload(Project.participations).selectinload(Participation.organisation),
        selectinload(Project.keywords),
        selectinload(Project.legal_form),
    )


def _involving(condition):
    """Projects with at least one participating organisation matching ``condition``."""
    return Project.participations.any(Participation.organisation.has(condition))


def filtered_projects(filters: dict, eager: bool = True):
    """SELECT of the published projects matching the filters, in the requested order (with
    ``eager``, loading what list entries show of each)."""
    stmt = select(Project).where(PUBLISHED)
    if filters["keywords"]:
        keys = [keyword_key(name) for name in filters["keywords"]]
        stmt = stmt.where(Project.keywords.any(Keyword.key.in_(keys)))
    if filters["states"]:
        stmt = stmt.where(_involving(Organisation.state.in_(filters["states"])))
    if filters["districts"]:
        stmt = stmt.where(_involving(Organisation.district.in_(filters["districts"])))
    if filters["kinds"]:
        stmt = stmt.where(_involving(Organisation.kind.in_(filters["kinds"])))
    if filters["legal_forms"]:
        stmt = stmt.where(Project.legal_form.has(LegalForm.name.in_(filters["legal_forms"])))
    if filters["since_from"]:
        stmt = stmt.where(Project.since_year >= filters["since_from"])
    if filters["since_to"]:
        stmt = stmt.where(Project.since_year <= filters["since_to"])
    stmt = _by_participants(stmt, filters)
    order = {
        "titel": (Project.title, Project.id),
        # When the content last changed, as the profile page says (publishing alone does not count).
        "neueste": (Project.content_changed_at.desc(), Project.id.desc()),
        # Unknown start years go last, whatever the database's NULL ordering is.
        "seit": (Project.since_year.is_(None), Project.since_year.desc(), Project.title),
    }[filters["sort"]]
    stmt = stmt.order_by(*order)
    return _with_profile_parts(stmt) if eager else stmt


def participant_project_ids(filters: dict) -> set[int] | None:
    """Ids of the profiles passing the ``organisations`` and ``places`` filters (with both, both
    hold), or None without either: the search index knows neither slugs nor place keys."""
    if not (filters.get("organisations") or filters.get("places")):
        return None
    return set(db.session.scalars(_by_participants(select(Project.id), filters)))


def _by_participants(stmt, filters: dict):
    """The API's filters for the profiles of an organisation's or a place's page (not the site's list)."""
    if filters.get("organisations"):
        stmt = stmt.where(_involving(Organisation.slug.in_(filters["organisations"])))
    if filters.get("places"):
        stmt = stmt.where(_involving(Organisation.place_key.in_(filters["places"])))
    return stmt


def paginate_projects(filters: dict, per_page: int):
    """One page of the filtered list (Flask-SQLAlchemy Pagination); out-of-range pages are empty."""
    return db.paginate(
        filtered_projects(filters), page=filters["page"], per_page=per_page, max_per_page=100, error_out=False
    )


class KeywordEntry(NamedTuple):
    """A keyword as lists show it (no ORM object: it outlives the request that loaded it)."""

    name: str
    slug: str
    key: str


def catalogue_counts() -> dict:
    """Numbers for the home page."""
    return per_version("catalogue_counts", _catalogue_counts)


def _catalogue_counts() -> dict:
    published = select(Project.id).where(PUBLISHED).subquery()
    organisations = select(func.count(distinct(Participation.organisation_id))).where(
        Participation.project_id.in_(select(published.c.id))
    )
    states = (
        select(func.count(distinct(Organisation.state)))
        .join(Participation, Participation.organisation_id == Organisation.id)
        .where(Participation.project_id.in_(select(published.c.id)))
    )
    return {
        "projects": db.session.scalar(select(func.count()).select_from(published)) or 0,
        "organisations": db.session.scalar(organisations) or 0,
        "states": db.session.scalar(states) or 0,
    }


def recently_updated(limit: int = 6) -> list[Project]:
    """The published profiles whose content changed most recently."""
    stmt = select(Project).where(PUBLISHED).order_by(Project.content_changed_at.desc(), Project.id.desc()).limit(limit)
    return list(db.session.scalars(_with_profile_parts(stmt)))


def keyword_counts() -> list[tuple[KeywordEntry, int]]:
    """Keywords used by published profiles, with how many, alphabetically."""
    return per_version("keyword_counts", _keyword_counts)


def _keyword_counts() -> list[tuple[KeywordEntry, int]]:
    count = func.count(Project.id)
    stmt = (
        select(Keyword.name, Keyword.slug, Keyword.key, count)
        .join(project_keywords, project_keywords.c.keyword_id == Keyword.id)
        .join(Project, Project.id == project_keywords.c.project_id)
        .where(PUBLISHED)
        .group_by(Keyword.id, Keyword.name, Keyword.slug, Keyword.key)
        .order_by(Keyword.key)
    )
    return [(KeywordEntry(name, slug, key), n) for name, slug, key, n in db.session.execute(stmt)]


def filter_options() -> dict:
    """Values that the list filters can take, drawn from the published profiles."""
    return per_version("filter_options", _filter_options)


def _filter_options() -> dict:
    involved = (
        select(Organisation)
        .join(Participation, Participation.organisation_id == Organisation.id)
        .join(Project, Project.id == Participation.project_id)
        .where(PUBLISHED)
    ).subquery()
    states = db.session.scalars(select(involved.c.state).where(involved.c.state.is_not(None)).distinct()).all()
    districts = db.session.scalars(select(involved.c.district).where(involved.c.district != "").distinct()).all()
    kinds = db.session.scalars(select(involved.c.kind).distinct()).all()
    legal_forms = db.session.scalars(
        select(LegalForm.name).join(Project, Project.legal_form_id == LegalForm.id).where(PUBLISHED).distinct()
    ).all()
    return {
        "states": sorted(states),
        "districts": sorted(districts, key=str.casefold),
        "kinds": sorted(kinds),
        "legal_forms": sorted(legal_forms, key=str.casefold),
        "keywords": keyword_counts(),
    }


def organisation_projects(organisation: Organisation) -> list[tuple[str, Project]]:
    """The organisation's published cooperations with its role in each, lead first, then by title."""
    stmt = (
        select(Participation.role, Project)
        .join(Project, Project.id == Participation.project_id)
        .where(Participation.organisation_id == organisation.id, PUBLISHED)
        .order_by(Participation.role, Project.title)
    )
    return [(role, project) for role, project in db.session.execute(_with_profile_parts(stmt))]


def organisations_with_counts() -> list[tuple[Organisation, int]]:
    """Organisations that take part in at least one published profile, alphabetically."""
    count = func.count(Project.id)
    stmt = (
        select(Organisation, count)
        .join(Participation, Participation.organisation_id == Organisation.id)
        .join(Project, Project.id == Participation.project_id)
        .where(PUBLISHED)
        .group_by(Organisation.id)
        .order_by(Organisation.name_key)
    )
    return [(org, n) for org, n in db.session.execute(stmt)]


def keyword_projects(keyword: Keyword) -> list[Project]:
    """Published profiles with this keyword, by title."""
    stmt = select(Project).where(PUBLISHED, Project.keywords.contains(keyword)).order_by(Project.title)
    return list(db.session.scalars(_with_profile_parts(stmt)))


def content_changed(project: Project) -> tuple:
    """When the profile's content last changed and whether it is still as first loaded.

    ``updated_at`` also moves when a profile is only published or taken offline; readers want
    to know how current the text is, so the services keep ``content_changed_at`` apart (the same
    time orders the list's "neueste", the search's and JSON-LD's dateModified)."""
    return project.content_changed_at, project.content_changed_at == project.created_at
