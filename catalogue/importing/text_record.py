"""Reader for the catalogue's text record format (a copied profile page).

A record looks like this (blank lines anywhere are fine)::

    Gemeinsam nachhaltig erfolgreich          <- title
    Arnsberg, Sundern (Sauerland)             <- optional: participating places
    Stichworte:
    Digitalisierung Klima ...
    Hauptverantwortlich:
    Arnsberg
    Kurzprofil:
    Stadt Arnsberg
    Regierungsbezirk Arnsberg
    Einwohner 73.487 (IT.NRW, Stand 31.12.2020)
    Fläche: 193,72 km²
    Anlass: / Ziel: / Umsetzung: / Finanzierung: / Rechtsform: / Zusammenarbeit seit: / Kontakt: / Links:

Several records in one file are separated by a line of at least three "-" or "=".
The reader maps text to fields and does not judge values; the schema does that.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass

from .naming import guess_organisation_kind, place_key
from .records import RawRecord, ReadError

#: heading (lower case) -> internal section name
HEADINGS = {
    "stichworte": "keywords",
    "hauptverantwortlich": "lead",
    "sonstige beteiligte": "partners",
    "kurzprofil": "profile",
    "kurzbeschreibung": "summary",
    "zusammenfassung": "summary",
    "anlass": "occasion",
    "ziel": "goal",
    "umsetzung": "implementation",
    "finanzierung": "financing",
    "rechtsform": "legal_form",
    "zusammenarbeit seit": "since_year",
    "kontakt": "contact",
    "links": "links",
    "quelle": "source_note",
}
#: sections whose text is kept as paragraphs
TEXT_SECTIONS = ("summary", "occasion", "goal", "implementation", "financing")

_HEADING_NAMES = "|".join(r"\s+".join(map(re.escape, h.split())) for h in HEADINGS)
_HEADING = re.compile(
    r"^(?P<heading>" + _HEADING_NAMES + r")\s*(?::\s*(?P<rest>.*))?$",
    re.IGNORECASE,
)
_SEPARATOR = re.compile(r"^\s*(?:-{3,}|={3,})\s*$")
# Advertising debris that page copies drag along: "- Anzeige -", "Anzeige".
_DEBRIS = re.compile(r"^[-–—\s]*Anzeige[-–—\s]*$", re.IGNORECASE)
# Characters that look like nothing but are not stripped by str.strip().
_INVISIBLE = re.compile(r"[\u200b\u200c\u200d\u2060\ufeff]")
_URL = re.compile(r"https?://[^\s<>\"]+")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_YEAR = re.compile(r"^\d{4}$")
_PLACE_SPLIT = re.compile(r"\s*[,;]\s*|\s+und\s+")
_LIST_SPLIT = re.compile(r"\s*[,;\n]\s*")
# A subtitle longer than this per item, or ending like a sentence, is prose and not a place list.
_MAX_PLACE_WORDS = 6


@dataclass(frozen=True)
class Line:
    """One cleaned line of the file with its 1-based line number."""

    number: int
    text: str


# ---------------------------------------------------------------- file level


def read_text_records(text: str, source: str, known_keywords: Iterable[str] = ()) -> list[RawRecord]:
    """Read every record of a text file; raise ReadError for a record without a title.

    ``known_keywords`` are the catalogue's keywords: a page that lists keywords separated only
    by spaces ("Klima Teilnehmer Landespreis") keeps a known multi-word keyword whole.
    """
    phrases = _phrase_table(known_keywords)
    records = []
    for chunk in _split_records(_clean_lines(text)):
        if any(line.text for line in chunk):
            records.append(_read_record(chunk, len(records) + 1, source, phrases))
    return records


def _clean_lines(text: str) -> list[Line]:
    """Split into numbered lines: no BOM, any line ending, whitespace-only lines become blank."""
    text = text.removeprefix("\ufeff")
    # Split on the three real line endings only; str.splitlines() would also split on form
    # feeds and the like and so make line numbers disagree with the user's editor.
    raw_lines = re.split(r"\r\n|\r|\n", text)
    return [Line(number, _INVISIBLE.sub("", raw).strip()) for number, raw in enumerate(raw_lines, start=1)]


def _split_records(lines: list[Line]) -> list[list[Line]]:
    """Cut the lines into records at separator lines and drop advertising debris."""
    chunks: list[list[Line]] = [[]]
    for line in lines:
        if _SEPARATOR.match(line.text):
            chunks.append([])
        elif not _DEBRIS.match(line.text):
            chunks[-1].append(line)
    return chunks


# ---------------------------------------------------------------- record level


def _read_record(lines: list[Line], number: int, source: str, phrases: dict) -> RawRecord:
    """Turn the lines of one record into a RawRecord."""
    head, sections = _collect_sections(lines)
    first = next(line for line in lines if line.text)
    location = f"Datensatz {number} (Zeile {first.number})"
    if not head:
        heading = _match_heading(first.text)[0]
        raise ReadError(
            source,
            location,
            f"Kein Titel: Zeile {first.number} beginnt schon mit der Überschrift „{heading}“. "
            "Die erste Zeile eines Datensatzes muss der Titel sein.",
        )
    data: dict = {"title": head[0]}
    places = _split_places(head[1]) if len(head) > 1 else []
    data.update(_build_fields(sections, places, phrases))
    return RawRecord(source=source, location=location, data=data)


def _collect_sections(lines: list[Line]) -> tuple[list[str], dict[str, list[str]]]:
    """Return the non-blank lines before the first heading and the lines under each heading."""
    head: list[str] = []
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in lines:
        match = _match_heading(line.text)
        if match:
            name = HEADINGS[match[0].lower()]
            current = sections.setdefault(name, [])
            if current:
                current.append("")  # a repeated heading starts a new paragraph
            if match[1]:
                current.append(match[1])
        elif current is not None:
            current.append(line.text)
        elif line.text:
            head.append(line.text)
    return head, sections


def _match_heading(text: str) -> tuple[str, str] | None:
    """(heading, value on the same line) when the line is a heading, else None."""
    match = _HEADING.match(text)
    if not match:
        return None
    return " ".join(match["heading"].split()), (match["rest"] or "").strip()


def _build_fields(sections: dict[str, list[str]], places: list[str], phrases: dict) -> dict:
    """Map the sections to representation fields; absent sections give absent fields."""
    texts: dict = {}
    source_notes = _paragraphs(sections.get("source_note", []))
    for name in TEXT_SECTIONS:
        if name in sections:
            text_paragraphs, notes = _separate_source_notes(_paragraphs(sections[name]))
            texts[name] = "\n\n".join(text_paragraphs)
            source_notes.extend(notes)
    data: dict = {}
    if "summary" in texts:
        data["summary"] = texts.pop("summary")
    if "keywords" in sections:
        data["keywords"] = _keywords(sections["keywords"], phrases)
    data["participants"] = _participants(sections, places)
    data.update(texts)
    if "legal_form" in sections:
        data["legal_form"] = " ".join(_non_blank(sections["legal_form"]))
    if "since_year" in sections:
        data["since_year"] = parse_since_year(" ".join(_non_blank(sections["since_year"])))
    if source_notes or "source_note" in sections:
        data["source_note"] = "\n\n".join(source_notes)
    if "contact" in sections:
        contact = _contact(_non_blank(sections["contact"]))
        data["contacts"] = [contact] if any(contact.values()) else []
    if "links" in sections:
        data["links"] = [_link(text) for text in _non_blank(sections["links"])]
    return data


# ---------------------------------------------------------------- text helpers


def _non_blank(lines: list[str]) -> list[str]:
    """The lines that have text."""
    return [line for line in lines if line]


def _paragraphs(lines: list[str]) -> list[str]:
    """Runs of non-blank lines, each joined with newlines."""
    paragraphs: list[list[str]] = [[]]
    for line in lines:
        if line:
            paragraphs[-1].append(line)
        elif paragraphs[-1]:
            paragraphs.append([])
    return ["\n".join(p) for p in paragraphs if p]


def _separate_source_notes(paragraphs: list[str]) -> tuple[list[str], list[str]]:
    """Split off "(Quelle …)" paragraphs, without their parentheses."""
    text, notes = [], []
    for paragraph in paragraphs:
        if paragraph.startswith("(Quelle"):
            note = paragraph[1:]
            notes.append(note[:-1].strip() if note.endswith(")") else note.strip())
        else:
            text.append(paragraph)
    return text, notes


def parse_since_year(text: str) -> int | str | None:
    """A four-digit year as int, other text unchanged (for the schema to reject), "" as None."""
    text = (text or "").strip()
    if not text:
        return None
    return int(text) if _YEAR.match(text) else text


def _keywords(lines: list[str], phrases: dict) -> list[str]:
    """Split on commas, semicolons or line breaks when there are any, else on whitespace
    (keeping known multi-word keywords whole)."""
    text = "\n".join(_non_blank(lines))
    if re.search(r"[,;\n]", text):
        return [part.strip() for part in _LIST_SPLIT.split(text) if part.strip()]
    return _join_known_phrases(text.split(), phrases)


def _phrase_table(known_keywords: Iterable[str]) -> dict[str, list[tuple[str, ...]]]:
    """Multi-word keywords by their first word (case-folded), longest first."""
    table: dict[str, list[tuple[str, ...]]] = {}
    for name in known_keywords:
        words = tuple(word.casefold() for word in name.split())
        if len(words) > 1:
            table.setdefault(words[0], []).append(words)
    for candidates in table.values():
        candidates.sort(key=len, reverse=True)
    return table


def _join_known_phrases(words: list[str], phrases: dict) -> list[str]:
    """Greedily rejoin runs of words that spell a known multi-word keyword."""
    result, index = [], 0
    while index < len(words):
        for phrase in phrases.get(words[index].casefold(), ()):
            if tuple(word.casefold() for word in words[index : index + len(phrase)]) == phrase:
                result.append(" ".join(words[index : index + len(phrase)]))
                index += len(phrase)
                break
        else:
            result.append(words[index])
            index += 1
    return result


# ---------------------------------------------------------------- participants


def _split_places(line: str) -> list[str]:
    """The places of the subtitle line, or [] when the line reads like prose."""
    if line.endswith((".", "!", "?", ":")):
        return []
    places = [p.strip() for p in _PLACE_SPLIT.split(line) if p.strip()]
    if any(len(place.split()) > _MAX_PLACE_WORDS for place in places):
        return []
    return places


def _participants(sections: dict[str, list[str]], places: list[str]) -> list[dict]:
    """Lead first (with the Kurzprofil data), then the other participants, without duplicates."""
    lead_lines = _non_blank(sections.get("lead", []))
    profile_name, profile = _profile(_non_blank(sections.get("profile", [])))
    lead_name = lead_lines[0] if lead_lines else profile_name
    # The Kurzprofil usually spells the lead out in full ("Stadt Arnsberg" for "Arnsberg").
    if lead_name and _is_longer_form(profile_name, lead_name):
        lead_name = profile_name
    participants: list[dict] = []
    seen: set[str] = set()
    if lead_name:
        participants.append(_participant("lead", lead_name, profile))
        seen.add(place_key(lead_name))
    partner_names = lead_lines[1:] + _split_list(sections.get("partners", [])) + places
    for name in partner_names:
        if place_key(name) not in seen:
            participants.append(_participant("partner", name, {}))
            seen.add(place_key(name))
    return participants


def _is_longer_form(long_name: str, short_name: str) -> bool:
    """True for "Stadt Arnsberg" vs. "Arnsberg": the same place, spelt out."""
    return len(long_name) > len(short_name) and place_key(long_name) == place_key(short_name)


def _split_list(lines: list[str]) -> list[str]:
    """Items given one per line or separated by commas/semicolons."""
    return [item.strip() for line in lines for item in re.split(r"[,;]", line) if item.strip()]


def _participant(role: str, name: str, extra: dict) -> dict:
    """A participant dict in the representation's shape."""
    return {"role": role, "organisation": {"name": name, "kind": guess_organisation_kind(name), **extra}}


def _profile(lines: list[str]) -> tuple[str, dict]:
    """Name and organisation facts of the Kurzprofil; lines that fit no pattern are ignored."""
    if not lines:
        return "", {}
    facts: dict = {}
    for line in lines[1:]:
        if re.match(r"Regierungsbezirk\b", line, re.IGNORECASE):
            facts.setdefault("administrative_region", line)
        elif re.match(r"Einwohner", line, re.IGNORECASE):
            for key, value in _population(line).items():
                facts.setdefault(key, value)
        elif re.match(r"Fläche", line, re.IGNORECASE):
            area = _area(line)
            if area is not None:
                facts.setdefault("area_km2", area)
        elif re.search(r"kreis", line, re.IGNORECASE):
            facts.setdefault("district", line)
    return lines[0], facts


_POPULATION = re.compile(
    r"Einwohner\w*\s*:?\s*(?P<number>\d{1,3}(?:[.\s\u202f]\d{3})+|\d+)\s*(?:\((?P<note>[^)]*)\))?",
    re.IGNORECASE,
)


def _population(line: str) -> dict:
    """Population, source and reference date from "Einwohner 73.487 (IT.NRW, Stand 31.12.2020)"."""
    match = _POPULATION.match(line)
    if not match:
        return {}
    facts: dict = {"population": int(re.sub(r"\D", "", match["number"]))}
    note = match["note"] or ""
    stand = re.search(r"Stand\s*:?\s*(?P<date>[^,;)]+)", note)
    source = note[: stand.start()] if stand else note
    source = source.strip(" ,;")
    if source:
        facts["population_source"] = source
    if stand:
        facts["population_date"] = _german_date(stand["date"].strip())
    return facts


def _german_date(text: str) -> str:
    """ "31.12.2020" as "2020-12-31"; anything else unchanged so the schema can name it."""
    match = re.fullmatch(r"(\d{1,2})\.(\d{1,2})\.(\d{4})", text)
    if not match:
        return text
    try:
        return dt.date(int(match[3]), int(match[2]), int(match[1])).isoformat()
    except ValueError:
        return text


def _area(line: str) -> float | None:
    """Area in km² from "Fläche: 193,72 km²"."""
    match = re.search(r"(\d[\d.]*(?:,\d+)?)", line)
    return _german_number(match[1]) if match else None


def _german_number(text: str) -> float | None:
    """Parse "1.234,5" or "193,72" (and tolerate "193.72")."""
    if "," in text:
        text = text.replace(".", "").replace(",", ".")
    elif re.fullmatch(r"\d{1,3}(?:\.\d{3})+", text):
        text = text.replace(".", "")  # only thousands dots, e.g. "1.234"
    try:
        return float(text)
    except ValueError:
        return None


# ---------------------------------------------------------------- contact and links

_CONTACT_LABELS = (
    (re.compile(r"^(?:Telefon|Tel|Fon|Phone)\b\.?\s*:?\s*(.*)$", re.IGNORECASE), "phone"),
    (re.compile(r"^(?:Telefax|Fax)\b\.?\s*:?\s*(.*)$", re.IGNORECASE), None),
    (re.compile(r"^(?:E-?Mail|Mail)\b\s*:?\s*(.*)$", re.IGNORECASE), "email"),
    (re.compile(r"^(?:Internet|Web(?:site|seite)?|Homepage)\b\s*:?\s*(.*)$", re.IGNORECASE), "website"),
)
_ROLE_LABEL = re.compile(r"^(?:Ansprechpartner(?:in)?|Ansprechperson|Kontaktperson)\s*:\s*(.*)$", re.IGNORECASE)
_OTHER_LABEL = re.compile(r"^[^:\d]{1,40}:")


def _contact(lines: list[str]) -> dict:
    """One contact: organisation, address lines up to the first phone/e-mail/web line, details."""
    contact = {"organisation": "", "role": "", "address": "", "phone": "", "email": "", "website": ""}
    address: list[str] = []
    in_details = False
    for line in lines:
        field, value = _contact_detail(line)
        if field is not None or value is not None:
            in_details = True
            if field and value and not contact[field]:
                contact[field] = value
        elif _ROLE_LABEL.match(line):
            contact["role"] = contact["role"] or _ROLE_LABEL.match(line)[1].strip()
        elif _OTHER_LABEL.match(line):
            continue  # "Sprechzeiten: …" and other labels the representation has no field for
        elif not contact["organisation"]:
            contact["organisation"] = line
        elif not in_details:
            address.append(line)
    contact["address"] = "\n".join(address)
    return contact


def _contact_detail(line: str) -> tuple[str | None, str | None]:
    """(field, value) for phone/fax/e-mail/web lines and bare URLs or addresses, else (None, None)."""
    for pattern, field in _CONTACT_LABELS:
        match = pattern.match(line)
        if match:
            return field, match[1].strip()
    if _URL.fullmatch(line):
        return "website", line
    if _EMAIL.match(line):
        return "email", line
    return None, None


def _link(line: str) -> dict:
    """A link line: the URL in it (if any) and the rest as its title."""
    match = _URL.search(line)
    if not match:
        return {"title": line, "url": ""}
    url = match[0].rstrip(".,;:!?")
    if url.endswith(")") and "(" not in url:
        url = url[:-1]  # "(https://…)": the bracket belongs to the text
    rest = line[: match.start()] + " " + line[match.start() + len(url) :]
    rest = re.sub(r"[(<\[]\s*[)>\]]", "", rest)  # brackets that only held the URL
    rest = " ".join(rest.split())
    rest = re.sub(r"\s[.,;]+$", "", rest).strip(" -–—:|•")  # "Bericht (URL)." leaves a stray "."
    if rest.startswith("(") and rest.endswith(")") and rest.count("(") == 1:
        rest = rest[1:-1].strip()
    return {"title": rest or url, "url": url}
