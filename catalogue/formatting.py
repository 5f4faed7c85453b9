"""Jinja filters for German display of numbers, dates and plain-text paragraphs."""

from __future__ import annotations

import datetime as dt

from flask import Flask
from flask_babel import format_date, format_datetime, format_decimal

from .models import ORGANISATION_KINDS, STATES
from .textutil import linkify, paragraphs

KIND_LABELS = {
    "municipality": "Gemeinde / Stadt",
    "district": "Kreis",
    "municipal_association": "Gemeindeverband",
    "state_authority": "Landesbehörde",
    "association": "Verband / Verein",
    "company": "Unternehmen",
    "other": "Sonstige",
}
assert set(KIND_LABELS) == set(ORGANISATION_KINDS)

ROLE_LABELS = {"lead": "Hauptverantwortlich", "partner": "Beteiligt"}


def partial_date(date: dt.date, precision: str) -> str:
    """"2022", "September 2023" or "18. Dezember 2019": never more precise than the source."""
    if precision == "year":
        return str(date.year)
    if precision == "month":
        return format_date(date, "MMMM yyyy")
    return format_date(date, "d. MMMM yyyy")


def init_app(app: Flask) -> None:
    """Register the filters and template globals."""
    app.jinja_env.filters.update(
        number=lambda value, digits=0: format_decimal(value, format="#,##0" + ("." + "0" * digits if digits else "")),
        decimal=lambda value: format_decimal(value),
        date_de=lambda value: format_date(value, "dd.MM.yyyy") if value else "",
        datetime_de=lambda value: format_datetime(value, "dd.MM.yyyy, HH:mm") if value else "",
        partial_date=partial_date,
        paragraphs=paragraphs,
        linkify=linkify,
        state_name=lambda code: STATES.get(code or "", code or ""),
        kind_label=lambda kind: KIND_LABELS.get(kind, kind),
        role_label=lambda role: ROLE_LABELS.get(role, role),
    )
    app.jinja_env.globals.update(STATES=STATES, KIND_LABELS=KIND_LABELS)
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
