"""Small text helpers shared by schemas, services and views."""

from __future__ import annotations

import re
import unicodedata

from markupsafe import Markup, escape

# German transliteration, so "Großpösna" becomes "grosspoesna" and not "grosspsna".
_GERMAN_REPLACEMENTS = [["Ä", "Ae"], ["Ö", "Oe"], ["Ü", "Ue"], ["ä", "ae"], ["ö", "oe"], ["ü", "ue"], ["ß", "ss"]]
# C0/C1 control characters except tab and newline: they only ever arrive by accident.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_SPACES = re.compile(r"[ \t\u00a0]+")


# What no text of the catalogue may contain: C0 controls except tab, line feed and carriage
# return (line ends are normalised), DEL, C1 controls, and lone UTF-16 surrogates (JSON's
# "\ud800" decodes to one; no database can store it). NUL is among the controls; PostgreSQL
# refuses it while SQLite stores it, so only refusing it keeps both databases alike.
_FORBIDDEN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def text_problem(value: str) -> str | None:
    """Why ``value`` cannot be stored as text (German, names the character), or None."""
    found = _FORBIDDEN.search(value)
    if found is None:
        return None
    code = ord(found.group())
    if code == 0:
        return "Enthält ein Nullzeichen (U+0000); das ist in Text nicht erlaubt."
    if 0xD800 <= code <= 0xDFFF:
        return f"Enthält ein einzelnes UTF-16-Ersatzzeichen (U+{code:04X}); das ist kein gültiger Text."
    return f"Enthält das Steuerzeichen U+{code:04X}; erlaubt sind nur Tabulator und Zeilenumbruch."


def without_forbidden(value: str) -> str:
    """``value`` with those characters removed (for search and filter words, which are never stored)."""
    return _FORBIDDEN.sub("", value)


def slugify(text: str, max_length: int = 120) -> str:
    """URL slug with German transliteration."""
    # python-slugify loads text-unidecode's transliteration table (4 MB) at import: only
    # writes and a few redirects make slugs, so a worker that only reads never loads it.
    from slugify import slugify as _slugify

    return _slugify(text, replacements=_GERMAN_REPLACEMENTS, max_length=max_length, word_boundary=True)


def clean_line(value: str) -> str:
    """One-line text: NFC, no control characters, single spaces, trimmed."""
    value = unicodedata.normalize("NFC", value)
    value = _CONTROL.sub("", value.replace("\r", " ").replace("\n", " "))
    return _SPACES.sub(" ", value).strip()


def clean_text(value: str) -> str:
    """Multi-line text: NFC, Unix line ends, no control characters, trailing spaces and
    runs of more than one blank line removed."""
    value = unicodedata.normalize("NFC", value).replace("\r\n", "\n").replace("\r", "\n")
    value = _CONTROL.sub("", value)
    lines = [line.rstrip() for line in value.split("\n")]
    text = "\n".join(lines).strip("\n")
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def keyword_key(name: str) -> str:
    """Comparison key of a keyword: "Klima" and "klima " are the same keyword."""
    return clean_line(name).casefold()


def paragraphs(text: str) -> list[dict]:
    """Split plain text into blocks for display: paragraphs and bullet lists ("- " lines)."""
    blocks: list[dict] = []
    for chunk in re.split(r"\n\s*\n", text or ""):
        lines = [line.strip() for line in chunk.split("\n") if line.strip()]
        if not lines:
            continue
        if all(re.match(r"^([-•*]|\d+\.)\s+", line) for line in lines):
            items = [re.sub(r"^([-•*]|\d+\.)\s+", "", line) for line in lines]
            ordered = all(re.match(r"^\d+\.", line) for line in lines)
            blocks.append({"kind": "ol" if ordered else "ul", "items": items})
        else:
            blocks.append({"kind": "p", "lines": lines})
    return blocks


_URL = re.compile(r"https?://[^\s<>\"']+[^\s<>\"'.,;:!?)]")


def linkify(text: str) -> Markup:
    """Escape plain text and turn the web addresses in it into links."""
    escaped = str(escape(text))
    return Markup(_URL.sub(lambda m: f'<a href="{m.group(0)}" rel="noopener">{m.group(0)}</a>', escaped))
