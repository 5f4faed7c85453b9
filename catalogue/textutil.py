"""Small text helpers shared by schemas, services and views."""

from __future__ import annotations

import re
import unicodedata

from markupsafe import Markup, escape

from slugify import slugify as _slugify

# German transliteration, so "Großpösna" becomes "grosspoesna" and not "grosspsna".
_GERMAN_REPLACEMENTS = [["Ä", "Ae"], ["Ö", "Oe"], ["Ü", "Ue"], ["ä", "ae"], ["ö", "oe"], ["ü", "ue"], ["ß", "ss"]]
# C0/C1 control characters except tab and newline: they only ever arrive by accident.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_SPACES = re.compile(r"[ \t\u00a0]+")


def slugify(text: str, max_length: int = 120) -> str:
    """URL slug with German transliteration."""
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
