"""Atom feeds (feedgen) of new and changed published profiles: of the whole catalogue, of any
list selection or search, of a keyword, of an organisation.

An entry's time is the profile's last change-log entry (an edit of a participating organisation
counts, because it changes what the profile shows). Only published profiles are entries, so a
profile that is archived or taken offline leaves every feed with the next request.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

from flask import current_app, url_for
from sqlalchemy import func, select

from ..api.urls import absolute
from ..extensions import db
from ..models import Change, Participation, Project
from ..queries import filtered_projects
from .selection import Selection

#: Entries per feed: readers poll, so the newest changes are what matters.
FEED_SIZE = 50
_EPOCH = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


def _changed_at():
    return (
        select(Change.project_id, func.max(Change.created_at).label("changed")).group_by(Change.project_id).subquery()
    )


def recent_for_ids(ids_query) -> list[tuple[Project, dt.datetime]]:
    """The most recently changed published profiles among ``ids_query`` (a SELECT of project ids)."""
    changed = _changed_at()
    stmt = (
        select(Project, changed.c.changed)
        .join(changed, changed.c.project_id == Project.id)
        .where(Project.id.in_(ids_query), Project.status == "published")
        .order_by(changed.c.changed.desc(), Project.id.desc())
        .limit(FEED_SIZE)
    )
    return [(project, _aware(when)) for project, when in db.session.execute(stmt)]


def recent_for_selection(selection: Selection) -> list[tuple[Project, dt.datetime]]:
    """The feed entries of a list selection or search."""
    if selection.q:
        from .. import search

        # The newest hits by profile time; their change-log times order them in the feed.
        result = search.search_projects(
            q=selection.q,
            filters=selection.filters,
            sort="neueste",
            page=1,
            per_page=min(FEED_SIZE * 2, 100),
            with_facets=False,
        )
        return recent_for_ids(result.ids)
    ids = filtered_projects({**selection.filters, "sort": "titel"}).order_by(None).with_only_columns(Project.id)
    return recent_for_ids(ids)


def recent_for_organisation(organisation_id: int) -> list[tuple[Project, dt.datetime]]:
    return recent_for_ids(select(Participation.project_id).where(Participation.organisation_id == organisation_id))


def atom(
    title: str, self_url: str, page_url: str, entries: list[tuple[Project, dt.datetime]], subtitle: str = ""
) -> bytes:
    """The Atom document of ``entries`` (newest first)."""
    config = current_app.config
    publisher = config.get("PUBLISHER_NAME") or config.get("OPERATOR_NAME") or "IKZ-Katalog"
    # feedgen (with lxml) costs each process about 6 MB at import; only feed requests need it.
    from feedgen.feed import FeedGenerator

    feed = FeedGenerator()
    feed.id(
        _tag("feed:" + urlsplit(self_url).path + ("?" + urlsplit(self_url).query if urlsplit(self_url).query else ""))
    )
    feed.title(title)
    feed.subtitle(subtitle or "Neue und geänderte Profile interkommunaler Zusammenarbeit")
    feed.author({"name": publisher, **({"email": config["CONTACT_EMAIL"]} if config.get("CONTACT_EMAIL") else {})})
    feed.link(href=self_url, rel="self", type="application/atom+xml")
    feed.link(href=page_url, rel="alternate", type="text/html")
    feed.language("de")
    feed.generator("IKZ-Katalog")
    # Deterministic: the newest entry's time, not the moment of the request.
    feed.updated(entries[0][1] if entries else _latest_change() or _EPOCH)
    for project, changed in reversed(entries):  # feedgen prepends: add oldest first
        entry = feed.add_entry()
        entry.id(_tag(f"projekt:{project.id}"))
        entry.title(project.title)
        entry.link(
            href=absolute(url_for("public.project_detail", slug=project.slug)), rel="alternate", type="text/html"
        )
        entry.updated(changed)
        entry.published(_aware(project.created_at))
        entry.summary(project.summary or _first_lines(project))
        for keyword in project.keywords:
            entry.category(term=keyword.name)
    return feed.atom_str(pretty=True)


def _first_lines(project: Project) -> str:
    names = ", ".join(p.organisation.name for p in project.participations)
    return f"Zusammenarbeit von {names}." if names else project.title


def _tag(specific: str) -> str:
    """A tag: URI (RFC 4151) on this site's host: stable ids that survive renamed slugs."""
    host = urlsplit(absolute("/")).hostname or "localhost"
    return f"tag:{host},2024:{specific}"


def _latest_change():
    return _aware(db.session.scalar(select(func.max(Change.created_at))))


def _aware(value):
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value
