"""CSV import and export: one row per project, lists inside cells.

Lists are separated by "; " (keywords, partners) or by line breaks (links). A participant
name may end with " [AGS 05958004]" to give its official municipality key. ``state`` and
``district`` apply to every organisation of the row. Only the first contact fits into a row.
"""

from __future__ import annotations

import csv
import io
import re
from typing import TextIO

from .naming import guess_organisation_kind
from .records import RawRecord, ReadError
from .text_record import parse_since_year

#: all columns, in the order the export writes them
COLUMNS = (
    "slug",
    "title",
    "summary",
    "status",
    "keywords",
    "lead",
    "lead_ags",
    "partners",
    "state",
    "district",
    "occasion",
    "goal",
    "implementation",
    "financing",
    "legal_form",
    "since_year",
    "source_note",
    "contact_organisation",
    "contact_role",
    "contact_address",
    "contact_phone",
    "contact_email",
    "contact_website",
    "links",
)
#: columns copied unchanged into fields of the same name
TEXT_COLUMNS = ("summary", "occasion", "goal", "implementation", "financing", "legal_form", "source_note")
CONTACT_FIELDS = ("organisation", "role", "address", "phone", "email", "website")

_AGS_SUFFIX = re.compile(r"^(?P<name>.*?)\s*\[\s*AGS\s*:?\s*(?P<ags>[^\]]*?)\s*\]$", re.IGNORECASE)
_URL_ONLY = re.compile(r"^(?:https?://|www\.)\S+$", re.IGNORECASE)


# ---------------------------------------------------------------- reading


def read_csv_records(text: str | bytes, source: str) -> list[RawRecord]:
    """Read one project per row; raise ReadError for files that are not a usable CSV."""
    text = _as_text(text, source)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    records: list[RawRecord] = []
    columns: list[str] | None = None
    previous_end = 0
    try:
        for row in reader:
            # line_num counts physical lines, so a row with line breaks in quotes still
            # starts one line after the end of the previous row.
            start, previous_end = previous_end + 1, reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if columns is None:
                columns = _check_header(row, source, start)
                continue
            values = _row_values(columns, row, source, start)
            records.append(RawRecord(source=source, location=f"Zeile {start}", data=_project(values)))
    except csv.Error as error:
        raise ReadError(source, f"Zeile {reader.line_num}", f"Kein gültiges CSV: {error}.") from error
    if columns is None:
        raise ReadError(source, None, "Die Datei ist leer; erwartet wird eine Kopfzeile mit Spaltennamen.")
    return records


def _as_text(text: str | bytes, source: str) -> str:
    """Decode bytes as UTF-8, drop a BOM and refuse binary content."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as error:
            raise ReadError(source, None, "Keine UTF-8-Textdatei (bitte als CSV UTF-8 speichern).") from error
    text = text.removeprefix("\ufeff")
    if "\x00" in text:
        raise ReadError(source, None, "Keine Textdatei (enthält Null-Bytes); erwartet wird CSV.")
    return text


def _delimiter(text: str) -> str:
    """ "," or ";", guessed from the header line."""
    header = next((line for line in re.split(r"\r\n|\r|\n", text) if line.strip()), "")
    try:
        return csv.Sniffer().sniff(header, delimiters=",;").delimiter
    except csv.Error:
        # A header with a single column (just "title") gives the sniffer nothing to go on.
        return ";" if header.count(";") > header.count(",") else ","


def _check_header(row: list[str], source: str, line: int) -> list[str]:
    """Normalised column names; unknown, duplicate or missing required columns are errors."""
    columns = [cell.strip().lower() for cell in row]
    location = f"Zeile {line}"
    unknown = [name for name in columns if name and name not in COLUMNS]
    if unknown:
        raise ReadError(
            source, location, f"Unbekannte Spalten: {', '.join(unknown)}. Erlaubt sind: {', '.join(COLUMNS)}."
        )
    duplicates = sorted({name for name in columns if name and columns.count(name) > 1})
    if duplicates:
        raise ReadError(source, location, f"Doppelte Spalten: {', '.join(duplicates)}.")
    if "title" not in columns:
        raise ReadError(source, location, "Die Spalte „title“ fehlt.")
    return columns


def _row_values(columns: list[str], row: list[str], source: str, line: int) -> dict[str, str]:
    """Cell values by column name (cells under a blank header, e.g. a trailing ";", are dropped)."""
    extra = [cell for cell in row[len(columns) :] if cell.strip()]
    if extra:
        message = f"Mehr Werte ({len(row)}) als Spalten ({len(columns)}); Trennzeichen und Anführungszeichen prüfen."
        raise ReadError(source, f"Zeile {line}", message)
    values = {name: "" for name in columns if name}
    for name, cell in zip(columns, row):
        if name:
            values[name] = _restore(cell.replace("\r\n", "\n").replace("\r", "\n").strip())
    return values


def _project(values: dict[str, str]) -> dict:
    """A project dict from the values of one row; columns that are missing give absent fields."""
    data: dict = {}
    for key in ("slug", "status"):
        if values.get(key):
            data[key] = values[key]  # empty: let the importer derive them
    data["title"] = values.get("title", "")
    if "summary" in values:
        data["summary"] = values["summary"]
    if "keywords" in values:
        data["keywords"] = _split(values["keywords"])
    if {"lead", "lead_ags", "partners"} & values.keys():
        data["participants"] = _participants(values)
    for key in TEXT_COLUMNS:
        if key in values and key != "summary":
            data[key] = values[key]
    if "since_year" in values:
        data["since_year"] = parse_since_year(values["since_year"])
    if any(f"contact_{name}" in values for name in CONTACT_FIELDS):
        contact = {name: values.get(f"contact_{name}", "") for name in CONTACT_FIELDS}
        data["contacts"] = [contact] if any(contact.values()) else []
    if "links" in values:
        data["links"] = [_link(line) for line in _split(values["links"], r"\n")]
    return data


def _split(text: str, separators: str = r"[;\n]") -> list[str]:
    """Non-empty, trimmed items of a list cell."""
    return [item.strip() for item in re.split(separators, text) if item.strip()]


def _participants(values: dict[str, str]) -> list[dict]:
    """Lead (from lead/lead_ags) and partners, each with the row's state and district."""
    common = {key: values[key] for key in ("state", "district") if values.get(key)}
    participants = []
    lead_name, lead_ags = _name_and_ags(values.get("lead", ""))
    lead_ags = values.get("lead_ags") or lead_ags
    if lead_name or lead_ags:
        # A lead_ags without a lead name is kept, so that the schema reports the missing name.
        participants.append(_participant("lead", lead_name, lead_ags, common))
    for item in _split(values.get("partners", "")):
        name, ags = _name_and_ags(item)
        participants.append(_participant("partner", name, ags, common))
    return participants


def _name_and_ags(text: str) -> tuple[str, str]:
    """Split "Stadt Arnsberg [AGS 05958004]" into name and AGS."""
    match = _AGS_SUFFIX.match(text.strip())
    if match:
        return match["name"].strip(), match["ags"]
    return text.strip(), ""


def _participant(role: str, name: str, ags: str, common: dict) -> dict:
    """A participant dict; the AGS stays the string as written (leading zeros matter)."""
    organisation = {"name": name, "kind": guess_organisation_kind(name)}
    if ags:
        organisation["ags"] = ags
    organisation.update(common)
    return {"role": role, "organisation": organisation}


def _link(line: str) -> dict:
    """ "Titel | URL", a bare URL or a bare title."""
    if "|" in line:
        title, url = (part.strip() for part in line.rsplit("|", 1))
        if not url or _URL_ONLY.match(url):
            return {"title": title, "url": url}
    if _URL_ONLY.match(line):
        return {"title": "", "url": line}
    return {"title": line, "url": ""}


# ---------------------------------------------------------------- writing


def write_csv(projects: list[dict], stream: TextIO) -> None:
    """Write projects in the representation's shape as CSV (header row, "\\r\\n" line ends)."""
    writer = csv.writer(stream, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for project in projects:
        writer.writerow(csv_cells(project))


def csv_cells(project: dict) -> list[str]:
    """One project's cells in COLUMNS order, formula-looking cells defused (CSV and XLSX downloads)."""
    row = _row(project)
    return [_defuse(row.get(column, "")) for column in COLUMNS]


def _row(project: dict) -> dict[str, str]:
    """The cells of one project."""
    row = {key: _text(project.get(key)) for key in ("slug", "title", "status", *TEXT_COLUMNS)}
    row["keywords"] = "; ".join(project.get("keywords") or [])
    row["since_year"] = _text(project.get("since_year"))
    row.update(_participant_cells(project.get("participants") or []))
    contacts = project.get("contacts") or []
    if contacts:
        for name in CONTACT_FIELDS:
            row[f"contact_{name}"] = _text(contacts[0].get(name))
    row["links"] = "\n".join(_link_text(link) for link in project.get("links") or [])
    return row


def _text(value) -> str:
    """A cell value: None as "", line ends as "\\n"."""
    if value is None:
        return ""
    return str(value).replace("\r\n", "\n").replace("\r", "\n")


def _participant_cells(participants: list[dict]) -> dict[str, str]:
    """lead, lead_ags, partners, and state/district when all organisations share them."""
    lead = next((p for p in participants if p.get("role") == "lead"), None)
    others = [p for p in participants if p is not lead]
    organisations = [p.get("organisation") or {} for p in participants]
    cells = {"partners": "; ".join(_with_ags(p.get("organisation") or {}) for p in others)}
    if lead:
        cells["lead"] = _text((lead.get("organisation") or {}).get("name"))
        cells["lead_ags"] = _text((lead.get("organisation") or {}).get("ags"))
    for key in ("state", "district"):
        # The row's value applies to every organisation on reading, so only a shared one is written.
        found = {org.get(key) or "" for org in organisations}
        if len(found) == 1:
            cells[key] = found.pop()
    return cells


def _with_ags(organisation: dict) -> str:
    """ "Name [AGS 12345678]", or just the name."""
    name = _text(organisation.get("name"))
    return f"{name} [AGS {organisation['ags']}]" if organisation.get("ags") else name


def _link_text(link: dict) -> str:
    """ "Titel | URL", or whichever of the two is given."""
    title, url = _text(link.get("title")).strip(), _text(link.get("url")).strip()
    return f"{title} | {url}" if title and url else title or url


# Spreadsheets run a cell starting with these as a formula (CSV injection). A leading
# apostrophe makes it text there; the reader removes it again, so round trips stay exact.
_FORMULA_START = re.compile(r"^(?:[=+@\t\r]|-(?! ))")


def _defuse(cell: str) -> str:
    """Prefix a cell that a spreadsheet would execute with an apostrophe."""
    return "'" + cell if _FORMULA_START.match(cell) or cell.startswith("'") else cell


def _restore(cell: str) -> str:
    """Undo ``_defuse``."""
    return cell[1:] if cell.startswith("'") and (_FORMULA_START.match(cell[1:]) or cell[1:].startswith("'")) else cell
