"""Jinja filters for the display of numbers, dates, labels and plain-text paragraphs in the
page's language (German, or English: see catalogue.i18n)."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

from flask import Flask
from flask_babel import format_date, format_datetime, format_decimal, gettext, lazy_gettext

from .i18n import current_language
from .models import ORGANISATION_KINDS, STATES
from .textutil import linkify, paragraphs

KIND_LABELS = {
    "municipality": lazy_gettext("Gemeinde / Stadt"),
    "district": lazy_gettext("Kreis"),
    "municipal_association": lazy_gettext("Gemeindeverband"),
    "state_authority": lazy_gettext("Landesbehörde"),
    "association": lazy_gettext("Verband / Verein"),
    "company": lazy_gettext("Unternehmen"),
    "other": lazy_gettext("Sonstige"),
}
assert set(KIND_LABELS) == set(ORGANISATION_KINDS)

ROLE_LABELS = {"lead": lazy_gettext("Hauptverantwortlich"), "partner": lazy_gettext("Beteiligt")}


def partial_date(date: dt.date, precision: str) -> str:
    """ "2022", "September 2023" or "18. Dezember 2019": never more precise than the source."""
    if precision == "year":
        return str(date.year)
    if precision == "month":
        return format_date(date, "MMMM yyyy")
    return format_date(date, "d. MMMM yyyy")


def short_date(value) -> str:
    """31.12.2020 on German pages, 31 Dec 2020 on English ones (never the ambiguous 12/31/2020)."""
    if not value:
        return ""
    return format_date(value, "dd.MM.yyyy" if current_language() == "de" else "d MMM yyyy")


def short_datetime(value) -> str:
    """Date and time of day in the page's language."""
    if not value:
        return ""
    return format_datetime(value, "dd.MM.yyyy, HH:mm" if current_language() == "de" else "d MMM yyyy, HH:mm")


def state_name(code: str | None) -> str:
    """The state's name in the page's language (the names are marked for translation in models)."""
    name = STATES.get(code or "")
    return gettext(name) if name else (code or "")


def readable_url(url: str, room: int = 48) -> str:
    """A web address as link text people can read: no scheme, no "www.", no query, and a long
    path shortened at a slash ("wp.de/staedte/sundern/…"), never cut in the middle of the host."""
    parts = urlsplit(url or "")
    host = parts.netloc.removeprefix("www.")
    path = parts.path.rstrip("/")
    if not host:
        return url or ""
    if len(host) + len(path) <= room:
        return host + path
    kept = ""
    for segment in path.split("/")[1:]:
        if len(host) + len(kept) + len(segment) + 1 > room - 2:
            break
        kept += "/" + segment
    return f"{host}{kept}/…"


def page_window(current: int, pages: int, around: int = 2) -> list[int | None]:
    """Page numbers to link: the first, the last and ``around`` either side of the current one,
    with None where numbers are left out (shown as "…")."""
    shown = sorted({1, pages, *range(max(1, current - around), min(pages, current + around) + 1)})
    window: list[int | None] = []
    for number in shown:
        if window and number - window[-1] > 1:
            window.append(None)
        window.append(number)
    return window


def init_app(app: Flask) -> None:
    """Register the filters and template globals."""
    app.jinja_env.filters.update(
        number=lambda value, digits=0: format_decimal(value, format="#,##0" + ("." + "0" * digits if digits else "")),
        decimal=lambda value: format_decimal(value),
        date_de=short_date,
        datetime_de=short_datetime,
        partial_date=partial_date,
        paragraphs=paragraphs,
        linkify=linkify,
        state_name=state_name,
        readable_url=readable_url,
        kind_label=lambda kind: KIND_LABELS.get(kind, kind),
        role_label=lambda role: ROLE_LABELS.get(role, role),
    )
    app.jinja_env.globals.update(STATES=STATES, KIND_LABELS=KIND_LABELS, page_window=page_window)
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
