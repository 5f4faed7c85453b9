"""Readable differences between two versions of a profile, and the German labels they use."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

from ..models import Project
from ..schemas import CONTENT_FIELDS, PARTICIPANT_FACTS, format_partial_date

#: German labels of the representation's content fields, in the order the diff shows them.
FIELD_LABELS = {
    "title": "Titel",
    "slug": "Adresse (Slug)",
    "summary": "Kurzbeschreibung",
    "status": "Status",
    "keywords": "Stichworte",
    "participants": "Beteiligte",
    "occasion": "Anlass",
    "goal": "Ziel",
    "implementation": "Umsetzung",
    "financing": "Finanzierung",
    "legal_form": "Rechtsform",
    "since_year": "Zusammenarbeit seit",
    "source_note": "Quelle",
    "contacts": "Kontakte",
    "links": "Links",
    "updates": "Neuigkeiten",
}
STATUS_LABELS = {"draft": "Entwurf", "published": "Veröffentlicht", "archived": "Archiviert"}
_ROLE_LABELS = {"lead": "Hauptverantwortlich", "partner": "Beteiligt"}


@dataclass
class FieldDiff:
    """One changed field: its label and the lines, each marked " " (kept), "-" or "+"."""

    name: str
    label: str
    lines: list[tuple[str, str]] = field(default_factory=list)


def field_lines(name: str, value) -> list[str]:
    """A field's value as readable text lines (works for snapshots and for loaded input)."""
    if value in (None, "", []):
        return []
    if name == "status":
        return [STATUS_LABELS.get(value, value)]
    if name == "keywords":
        return sorted(value, key=str.casefold)
    if name == "participants":
        return [
            f"{_ROLE_LABELS.get(p.get('role'), p.get('role'))}: {_organisation_line(p.get('organisation') or {})}"
            for p in value
        ]
    if name == "contacts":
        return [
            " · ".join(
                str(c.get(k)).replace("\n", ", ")
                for k in ("organisation", "role", "address", "phone", "email", "website")
                if c.get(k)
            )
            for c in value
        ]
    if name == "links":
        return [f"{link.get('title', '')} – {link.get('url') or '(ohne Adresse)'}" for link in value]
    if name == "updates":
        return [_update_line(u) for u in value]
    return str(value).split("\n")


def _organisation_line(organisation: dict) -> str:
    extra = [organisation[k] for k in PARTICIPANT_FACTS if k not in ("name", "kind") and organisation.get(k)]
    return organisation.get("name", "") + (f" ({', '.join(extra)})" if extra else "")


def _update_line(update: dict) -> str:
    date = update.get("date")
    if isinstance(date, tuple):  # loaded input carries (date, precision)
        date = format_partial_date(*date)
    elif update.get("date_precision") and not isinstance(date, str):
        date = format_partial_date(date, update["date_precision"])
    parts = [str(date), update.get("title", ""), (update.get("text") or "").replace("\n", " ")]
    return " – ".join(part for part in parts if part)


def diff_snapshots(old: dict | None, new: dict) -> list[FieldDiff]:
    """Field-by-field differences between two profiles in the project representation."""
    old = old or {}
    diffs = []
    for name in FIELD_LABELS:
        before, after = field_lines(name, old.get(name)), field_lines(name, new.get(name))
        if before == after:
            continue
        lines = [(line[0], line[2:]) for line in difflib.ndiff(before, after) if line[0] in " -+"]
        diffs.append(FieldDiff(name, FIELD_LABELS[name], lines))
    return diffs


def input_as_snapshot(data: dict) -> dict:
    """Loaded ``ProjectInputSchema`` data in the shape of a snapshot (for the conflict page)."""
    result = {name: data.get(name) for name in CONTENT_FIELDS}
    result["keywords"] = sorted(data.get("keywords") or [], key=str.casefold)
    result["updates"] = [
        {**u, "date": format_partial_date(u["date"], u["date_precision"])} for u in data.get("updates") or []
    ]
    return result


def proposed_snapshot(project: Project, data: dict) -> dict:
    """Loaded input as the snapshot of the profile it would make (a blank slug keeps the address)."""
    proposed = input_as_snapshot(data)
    proposed["slug"] = data.get("slug") or project.slug
    proposed["status"] = data.get("status") or project.status
    return proposed
