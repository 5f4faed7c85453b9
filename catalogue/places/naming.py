"""Folding place names for matching: "Sundern (Sauerland), Stadt" ~ "stadt sundern"."""

from __future__ import annotations

import re
import unicodedata

_PREFIXES = (
    "stadt ",
    "gemeinde ",
    "markt ",
    "hansestadt ",
    "landkreis ",
    "kreis ",
    "samtgemeinde ",
    "verbandsgemeinde ",
    "amt ",
    "verwaltungsgemeinschaft ",
    "gemeindeverwaltungsverband ",
    "verwaltungsverband ",
    "große kreisstadt ",
    "kreisstadt ",
    "landeshauptstadt ",
)


def fold(text: str) -> str:
    """Case-, accent- and punctuation-insensitive form: "Groß-Gerau" → "gross gerau"."""
    text = text.casefold().replace("ß", "ss")
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return re.sub(r"[^0-9a-z]+", " ", text).strip()


_FOLDED_PREFIXES = tuple(fold(prefix) + " " for prefix in _PREFIXES)


def name_key(name: str) -> str:
    """Matching key of a name: folded, without the register's suffix and a leading kind word."""
    base = name.split(",", 1)[0]
    key = fold(base)
    for prefix in _FOLDED_PREFIXES:
        if key.startswith(prefix):
            return key[len(prefix) :]
    return key


def short_key(name: str) -> str:
    """name_key without a bracketed addition: "Sundern (Sauerland)" → "sundern"."""
    return name_key(re.sub(r"\s*\([^)]*\)", "", name.split(",", 1)[0]))
