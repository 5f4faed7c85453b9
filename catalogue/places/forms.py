"""Picking a place in a form without JavaScript: a typed name, postcode or key becomes one key."""

from __future__ import annotations

from marshmallow import ValidationError

from .directory import describe, search_places


def place_key_from_form(text: str | None) -> str | None:
    """The key for what was typed: a key as is; a name or postcode that fits exactly one place
    becomes its key; several candidates are a validation error that lists them."""
    text = (text or "").strip()
    if not text:
        return None
    if text.isdigit() and len(text) in (5, 8, 9):
        return text
    candidates = search_places(text, limit=8)
    if len(candidates) == 1:
        return candidates[0].key
    if not candidates:
        raise ValidationError({"place_key": [f"Kein Ort „{text}“ im Gemeindeverzeichnis."]})
    raise ValidationError(
        {
            "place_key": [
                "Mehrere Orte passen – bitte den Schlüssel angeben: "
                + "; ".join(describe(place) for place in candidates)
            ]
        }
    )
