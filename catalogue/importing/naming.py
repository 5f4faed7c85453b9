"""Small helpers about organisation names, shared by the text and CSV readers."""

from __future__ import annotations

import re

#: Prefixes that only say "this is a municipality" and are left out when names are compared.
PLACE_PREFIXES = ("Stadt", "Gemeinde", "Markt", "Hansestadt")

_MUNICIPAL_ASSOCIATION = re.compile(
    r"Samtgemeinde|Verbandsgemeinde|Verwaltungsgemeinschaft|Gemeindeverwaltungsverband|^Amt\s|^GVV\s"
)
_STATE_AUTHORITY = re.compile(r"Bezirksregierung|Regierung von|Ministerium|Landesamt")
_COMPANY = re.compile(r"(?<!\w)(?:g?GmbH|AöR|AG)(?!\w)")
_ASSOCIATION = re.compile(r"(?<!\w)e\.\s?V\.|Verein|Verband", re.IGNORECASE)
# "Kreis Soest", "Landkreis Leipzig", "Hochsauerlandkreis", "Rhein-Kreis Neuss", "Märkischer Kreis";
# the word boundary keeps "Kreisstadt" out.
_DISTRICT = re.compile(r"kreis\b", re.IGNORECASE)
_MUNICIPALITY = re.compile(r"^(?:Stadt|Gemeinde|Markt|Hansestadt)\s")
# Lower-case words that occur inside place names ("Frankfurt am Main", "Bad Homburg vor der Höhe").
_PLACE_PARTICLES = {"am", "an", "im", "in", "ob", "bei", "der", "dem", "den", "die", "vor", "auf", "a.", "d.", "i."}
_MAX_PLACE_WORDS = 5


def guess_organisation_kind(name: str) -> str:
    """Guess the organisation kind from its name; the first matching rule wins.

    1. Samtgemeinde, Verbandsgemeinde, Verwaltungsgemeinschaft, Gemeindeverwaltungsverband,
       "Amt …", "GVV …"                                   -> municipal_association
    2. Bezirksregierung, Regierung von, Ministerium, Landesamt -> state_authority
    3. the word GmbH, gGmbH, AöR or AG                      -> company
    4. e.V., Verein, Verband                                -> association
    5. "Kreis …", "Landkreis …", "…kreis", "Rhein-Kreis …" -> district
    6. "Stadt …", "Gemeinde …", "Markt …", "Hansestadt …"   -> municipality
    7. a bare place-like name (no digits, at most five words, every word capitalised
       except particles such as "am", "an der")             -> municipality
    8. anything else                                        -> other

    Rule 1 comes before rule 4 because "Verbandsgemeinde" contains "Verband".
    """
    name = " ".join((name or "").split())
    rules = (
        (_MUNICIPAL_ASSOCIATION, "municipal_association"),
        (_STATE_AUTHORITY, "state_authority"),
        (_COMPANY, "company"),
        (_ASSOCIATION, "association"),
        (_DISTRICT, "district"),
        (_MUNICIPALITY, "municipality"),
    )
    for pattern, kind in rules:
        if pattern.search(name):
            return kind
    return "municipality" if _looks_like_place(name) else "other"


def _looks_like_place(name: str) -> bool:
    """True for names such as "Arnsberg", "Sundern (Sauerland)" or "Frankfurt am Main"."""
    words = name.split()
    if not words or len(words) > _MAX_PLACE_WORDS or re.search(r"\d", name):
        return False
    return all(word[0].isupper() or word[0] == "(" or word in _PLACE_PARTICLES for word in words)


def place_key(name: str) -> str:
    """Comparison key of a place name: "Stadt Arnsberg" and "arnsberg" are the same place."""
    words = " ".join((name or "").split())
    for prefix in PLACE_PREFIXES:
        if words.lower().startswith(prefix.lower() + " "):
            words = words[len(prefix) + 1 :]
            break
    return words.casefold()
