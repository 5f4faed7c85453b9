"""Translate between the profile form and the project representation, in both directions,
and put the schema's error messages next to the fields they concern."""

from __future__ import annotations

import html
import re

import nh3
from sqlalchemy import select

from ..extensions import db
from ..models import ChangeProposal, Keyword, LegalForm, Project
from ..schemas import PARTICIPANT_FACTS
from ..services import snapshot
from .forms import ROW_FIELDS, ROW_LISTS, ProjectForm, choices

_KEYWORD_SEPARATORS = re.compile(r"[,;\n]")
_SCALARS = (
    "title",
    "slug",
    "summary",
    "status",
    "occasion",
    "goal",
    "implementation",
    "financing",
    "legal_form",
    "since_year",
    "source_note",
)
#: Multi-line text fields, where an editor may paste HTML copied from a web page.
_PARAGRAPH_FIELDS = ("summary", "occasion", "goal", "implementation", "financing", "source_note")
#: A datalist of every keyword stays small enough to send with the page up to this many.
_KEYWORD_LIST_LIMIT = 2000


def legal_form_choices() -> list:
    """The managed list of legal forms, with "unknown" first."""
    names = db.session.scalars(select(LegalForm.name).order_by(LegalForm.name)).all()
    return choices([("", "– nicht angegeben –")] + [(name, name) for name in names])


def build_form(project: Project | None = None, proposal: ChangeProposal | None = None, **kwargs) -> ProjectForm:
    """The form, filled from the request on POST, else from the editor's open proposal or the profile."""
    if proposal is not None:
        data = representation_to_form_data(proposal.data, proposal.base_version)
    else:
        data = initial_data(project) if project is not None else {"status": "draft"}
    form = ProjectForm(data=data, **kwargs)
    form.legal_form.choices = legal_form_choices()
    form.keyword_names = db.session.scalars(
        select(Keyword.name).order_by(Keyword.name).limit(_KEYWORD_LIST_LIMIT)
    ).all()
    form.row_errors = {}  # errors of whole rows or lists, filled by apply_errors
    return form


def initial_data(project: Project) -> dict:
    """The stored profile as form data."""
    return representation_to_form_data(snapshot(project), project.version)


def representation_to_form_data(profile: dict, version: int) -> dict:
    """A profile in the project representation (a snapshot, or raw input such as a proposal) as form data."""
    data = {name: profile.get(name) for name in _SCALARS}
    data["since_year"] = "" if profile.get("since_year") is None else str(profile["since_year"])
    data["keywords"] = ", ".join(profile.get("keywords") or [])
    data["version"] = str(version)
    data["participants"] = [
        {
            "order": str(index + 1),
            "role": p.get("role") or "partner",
            **{k: (p.get("organisation") or {}).get(k) or "" for k in PARTICIPANT_FACTS},
        }
        for index, p in enumerate(profile.get("participants") or [])
    ]
    for name in ("contacts", "links", "updates"):
        data[name] = [{k: item.get(k) or "" for k in ROW_FIELDS[name]} for item in profile.get(name) or []]
    for name in ROW_LISTS:
        data[name] = data[name] + [{}]  # one empty row to add to without JavaScript
    return data


def _blank(row: dict, fields) -> bool:
    ignore = {"role", "kind", "state"}  # selects always send a value
    return not any((row.get(k) or "").strip() for k in fields if k not in ignore)


def take_keyword_pick(form: ProjectForm) -> None:
    """Move the keyword chosen from the list of existing ones into the keywords field."""
    picked = (form.keyword_pick.data or "").strip()
    names = [k.strip() for k in _KEYWORD_SEPARATORS.split(form.keywords.data or "") if k.strip()]
    if picked and picked.casefold() not in {name.casefold() for name in names}:
        names.append(picked)
    form.keywords.data = ", ".join(names)
    form.keyword_pick.data = ""


def form_to_input(form: ProjectForm) -> tuple[dict, dict[str, list[int]]]:
    """The raw project representation the form describes, and for each row list which form
    row each item came from (blank and removed rows are left out)."""
    raw: dict = {name: getattr(form, name).data for name in _SCALARS}
    for name in _PARAGRAPH_FIELDS:
        raw[name] = pasted_html_to_text(raw[name])
    raw["slug"] = (raw["slug"] or "").strip() or None
    raw["since_year"] = (raw["since_year"] or "").strip() or None
    raw["keywords"] = [k.strip() for k in _KEYWORD_SEPARATORS.split(form.keywords.data or "") if k.strip()]
    picked = (form.keyword_pick.data or "").strip()
    if picked:  # chosen from the list but not yet moved into the field (no JavaScript)
        raw["keywords"].append(picked)
    rows: dict[str, list[int]] = {}
    for name in ROW_LISTS:
        kept = []
        for index, entry in enumerate(getattr(form, name).entries):
            values = {k: entry.form[k].data for k in ROW_FIELDS[name]}
            if entry.form.remove.data or _blank(values, ROW_FIELDS[name]):
                continue
            kept.append((index, values))
        if name == "participants":
            entries = form.participants.entries
            kept.sort(key=lambda item: _order(item[0], entries[item[0]].form.order.data))
        rows[name] = [index for index, _ in kept]
        raw[name] = [_row_input(name, values) for _, values in kept]
    return raw, rows


def _order(index: int, text: str | None) -> tuple[float, int]:
    """Rows sort by the number the editor typed; rows without one keep their place."""
    try:
        return float((text or "").replace(",", ".")), index
    except ValueError:
        return float(index + 1), index


def _row_input(name: str, values: dict) -> dict:
    if name == "updates":
        return {**values, "text": pasted_html_to_text(values["text"])}
    if name != "participants":
        return values
    organisation = {k: values[k] for k in PARTICIPANT_FACTS}
    organisation["ags"] = (organisation["ags"] or "").strip() or None
    organisation["state"] = organisation["state"] or None
    return {"role": values["role"], "organisation": organisation}


# Tags that show the text was copied from a web page (not a "<" an editor typed as text).
_HTML_TAG = re.compile(
    r"</?(?:p|br|div|span|ul|ol|li|b|strong|i|em|u|a|h[1-6]|blockquote|table|tr|td|th|font|section|article)\b[^>]*>",
    re.IGNORECASE,
)
# What survives nh3: the structure we can express as plain paragraphs and "- " lists.
_BLOCK_TAGS = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "table", "tr", "section", "article"}
_KEPT_TAGS = _BLOCK_TAGS | {"br", "ul", "ol", "li"}
_TAG = re.compile(r"<(/?)([a-z0-9]+)\s*/?>")


def pasted_html_to_text(text: str | None) -> str | None:
    """HTML pasted from a web page as the catalogue's plain text: paragraphs and "- " lists.

    nh3 removes every tag but the structural ones (and drops script and style with their
    content); the few left are then turned into blank lines and list markers. Text without
    HTML tags is returned unchanged, so a "<" typed as text stays what it is.
    """
    if not text or not _HTML_TAG.search(text):
        return text
    cleaned = nh3.clean(text, tags=_KEPT_TAGS, attributes={}, strip_comments=True)
    out: list[str] = []
    lists: list[list] = []  # open lists: [kind, next number]
    position = 0
    for match in _TAG.finditer(cleaned):
        out.append(cleaned[position : match.start()])
        position = match.end()
        closing, tag = match.group(1) == "/", match.group(2)
        if tag == "br":
            out.append(" " if lists else "\n")
        elif tag in ("ul", "ol"):
            if closing and lists:
                lists.pop()
            elif not closing:
                lists.append([tag, 1])
            out.append("\n\n")
        elif tag == "li" and not closing:
            kind, number = lists[-1] if lists else ("ul", 1)
            out.append("\n" + (f"{number}. " if kind == "ol" else "- "))
            if lists:
                lists[-1][1] += 1
        elif tag in _BLOCK_TAGS and not lists:
            out.append("\n\n")
    out.append(cleaned[position:])
    lines = [" ".join(line.split()) for line in html.unescape("".join(out)).split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def apply_errors(form: ProjectForm, pairs: list[tuple[str, str]], rows: dict[str, list[int]]) -> list[tuple[str, str]]:
    """Attach schema errors ("participants.0.organisation.ags") to form fields.

    Returns (anchor id, message) pairs for the error summary at the top of the form.
    """
    summary = []
    form.row_errors = {}
    for path, message in pairs:
        parts = path.split(".")
        target, anchor = _field_for(form, parts, rows)
        if target is None:
            form.row_errors.setdefault(anchor, []).append(message)
            label = _LIST_LABELS.get(parts[0], "Formular")
        else:
            target.errors = list(target.errors) + [message]
            label = target.label.text
        if parts[0] in ROW_LISTS and len(parts) > 1 and parts[1].isdigit():
            label = f"{_LIST_LABELS[parts[0]]}, Eintrag {int(parts[1]) + 1} – {label}"
        summary.append((anchor, f"{label}: {message}"))
    return summary


_LIST_LABELS = {"participants": "Beteiligte", "contacts": "Kontakte", "links": "Links", "updates": "Neuigkeiten"}


def _field_for(form: ProjectForm, parts: list[str], rows: dict[str, list[int]]):
    """The form field a schema error path names, or (None, anchor) for a row or list error."""
    head = parts[0]
    if head == "keywords":
        return form.keywords, form.keywords.id
    if head in ROW_LISTS:
        if len(parts) == 1 or not parts[1].isdigit() or int(parts[1]) >= len(rows[head]):
            return None, f"{head}-list"
        entry = getattr(form, head).entries[rows[head][int(parts[1])]]
        leaf = parts[-1]
        if leaf in entry.form._fields and leaf != "remove":
            return entry.form[leaf], entry.form[leaf].id
        if head == "participants" and leaf in ("organisation", "latitude"):
            return entry.form["name"], entry.form["name"].id
        return None, entry.id
    if head in form._fields:
        return form[head], form[head].id
    return None, "form"
