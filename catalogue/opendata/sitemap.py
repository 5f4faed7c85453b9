"""The sitemap: an index of sitemap files, at most 50,000 addresses each, from registered URL sources.

A source is a name and two functions: how many addresses it has, and one slice of them as
(path, lastmod) in a stable order. Another package adds its pages with one line, e.g.::

    sitemap.URL_SOURCES["kommunen"] = sitemap.UrlSource(count_places, place_urls)
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from xml.etree import ElementTree

from flask import current_app
from sqlalchemy import func, select

from ..api.urls import absolute
from ..extensions import db
from ..models import Change, Keyword, Organisation, Participation, Project, project_keywords

NAMESPACE = "http://www.sitemaps.org/schemas/sitemap/0.9"
#: The protocol's limit of addresses per sitemap file.
MAX_URLS = 50_000

Entry = tuple[str, "dt.datetime | None"]


@dataclass(frozen=True)
class UrlSource:
    count: Callable[[], int]
    #: (offset, limit) → (path, lastmod) pairs in a stable order
    entries: Callable[[int, int], Iterable[Entry]]
    #: the newest lastmod of its addresses (the index's lastmod of its files); None: the newest change
    modified: Callable[[], dt.datetime | None] | None = None


def _last_changes():
    """Per published profile: its last change-log time."""
    return (
        select(Change.project_id.label("project_id"), func.max(Change.created_at).label("changed"))
        .join(Project, Project.id == Change.project_id)
        .where(Project.status == "published")
        .group_by(Change.project_id)
        .subquery()
    )


def _count_profiles() -> int:
    return db.session.scalar(select(func.count(Project.id)).where(Project.status == "published")) or 0


def _profiles(offset: int, limit: int) -> Iterable[Entry]:
    changed = _last_changes()
    rows = db.session.execute(
        select(Project.slug, changed.c.changed)
        .join(changed, changed.c.project_id == Project.id)
        .order_by(Project.id)
        .offset(offset)
        .limit(limit)
    )
    return [(f"/projekte/{slug}", when) for slug, when in rows]


def _organisation_rows():
    changed = _last_changes()
    return (
        select(Organisation.slug, func.max(changed.c.changed), Organisation.updated_at, Organisation.id)
        .join(Participation, Participation.organisation_id == Organisation.id)
        .join(changed, changed.c.project_id == Participation.project_id)
        .group_by(Organisation.id, Organisation.slug, Organisation.updated_at)
    )


def _count_organisations() -> int:
    return db.session.scalar(select(func.count()).select_from(_organisation_rows().subquery())) or 0


def _organisations(offset: int, limit: int) -> Iterable[Entry]:
    rows = db.session.execute(_organisation_rows().order_by(Organisation.id).offset(offset).limit(limit))
    return [(f"/organisationen/{slug}", _latest(changed, updated)) for slug, changed, updated, _id in rows]


def _keyword_rows():
    changed = _last_changes()
    return (
        select(Keyword.slug, func.max(changed.c.changed), Keyword.id)
        .join(project_keywords, project_keywords.c.keyword_id == Keyword.id)
        .join(changed, changed.c.project_id == project_keywords.c.project_id)
        .group_by(Keyword.id, Keyword.slug)
    )


def _count_keywords() -> int:
    return db.session.scalar(select(func.count()).select_from(_keyword_rows().subquery())) or 0


def _keywords(offset: int, limit: int) -> Iterable[Entry]:
    rows = db.session.execute(_keyword_rows().order_by(Keyword.id).offset(offset).limit(limit))
    return [(f"/stichworte/{slug}", when) for slug, when, _id in rows]


def _register_loaded() -> dt.datetime | None:
    """When the register last changed places (its newest load that did): what a place page shows
    of the place itself (names, figures, neighbours) is as new as that."""
    from ..places.models import RegisterLoad

    return db.session.scalar(select(func.max(RegisterLoad.loaded_at)))


def _place_rows():
    from ..places.models import PAGE_KINDS, Place

    changed = _last_changes()
    # A place page shows the profiles its organisations take part in: their last change counts too.
    per_place = (
        select(Organisation.place_key.label("key"), func.max(changed.c.changed).label("changed"))
        .join(Participation, Participation.organisation_id == Organisation.id)
        .join(changed, changed.c.project_id == Participation.project_id)
        .where(Organisation.place_key.is_not(None))
        .group_by(Organisation.place_key)
        .subquery()
    )
    return (
        select(Place.key, Place.slug, per_place.c.changed)
        .outerjoin(per_place, per_place.c.key == Place.key)
        .where(Place.active.is_(True), Place.kind.in_(PAGE_KINDS))
    )


def _count_places() -> int:
    return db.session.scalar(select(func.count()).select_from(_place_rows().subquery())) or 0


def _places(offset: int, limit: int) -> Iterable[Entry]:
    from ..places.models import Place

    loaded = _register_loaded()
    rows = db.session.execute(_place_rows().order_by(Place.key).offset(offset).limit(limit))
    # Every place has a lastmod: the later of the register's load and its cooperations' last change.
    return [(f"/kommunen/{key}-{slug}", _latest(loaded, changed)) for key, slug, changed in rows]


def _places_modified() -> dt.datetime | None:
    return _latest(_register_loaded(), db.session.scalar(select(func.max(Change.created_at))))


_OVERVIEWS = ("/", "/projekte", "/organisationen", "/stichworte", "/partnersuche", "/karte")


def _overviews(offset: int, limit: int) -> Iterable[Entry]:
    latest = db.session.scalar(select(func.max(Change.created_at)))
    return [(path, latest) for path in _OVERVIEWS[offset : offset + limit]]


#: Name → source; the order is the order of the index.
URL_SOURCES: dict[str, UrlSource] = {
    "seiten": UrlSource(lambda: len(_OVERVIEWS), _overviews),
    "projekte": UrlSource(_count_profiles, _profiles),
    "organisationen": UrlSource(_count_organisations, _organisations),
    "stichworte": UrlSource(_count_keywords, _keywords),
    "kommunen": UrlSource(_count_places, _places, _places_modified),
}


def _size() -> int:
    return min(current_app.config.get("SITEMAP_SIZE", MAX_URLS), MAX_URLS)


def index_files() -> list[tuple[str, int, dt.datetime | None]]:
    """(source name, file number from 1, lastmod) of every sitemap file."""
    files = []
    size = _size()
    latest = db.session.scalar(select(func.max(Change.created_at)))
    for name, source in URL_SOURCES.items():
        modified = source.modified() if source.modified else latest
        for number in range(1, max(1, math.ceil(source.count() / size)) + 1):
            files.append((name, number, modified))
    return files


def file_entries(name: str, number: int) -> list[Entry] | None:
    """The addresses of one sitemap file, or None when there is no such file."""
    source = URL_SOURCES.get(name)
    size = _size()
    if source is None or number < 1 or (number > 1 and (number - 1) * size >= source.count()):
        return None
    return list(source.entries((number - 1) * size, size))


def index_xml(files, url_of) -> bytes:
    root = ElementTree.Element("sitemapindex", xmlns=NAMESPACE)
    for name, number, lastmod in files:
        item = ElementTree.SubElement(root, "sitemap")
        ElementTree.SubElement(item, "loc").text = url_of(name, number)
        if lastmod:
            ElementTree.SubElement(item, "lastmod").text = _w3c(lastmod)
    return _document(root)


def urlset_xml(entries: list[Entry]) -> bytes:
    root = ElementTree.Element("urlset", xmlns=NAMESPACE)
    for path, lastmod in entries:
        item = ElementTree.SubElement(root, "url")
        ElementTree.SubElement(item, "loc").text = absolute(path)
        if lastmod:
            ElementTree.SubElement(item, "lastmod").text = _w3c(lastmod)
    return _document(root)


def _document(root) -> bytes:
    return ElementTree.tostring(root, encoding="utf-8", xml_declaration=True)


def _latest(*times):
    known = [t.replace(tzinfo=t.tzinfo or dt.UTC) for t in times if t is not None]
    return max(known) if known else None


def _w3c(value: dt.datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
