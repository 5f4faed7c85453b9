"""Linking organisations to their place: key resolution for imports, and the facts a page shows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .directory import ORGANISATION_PLACE_KINDS, describe, get_place, register_loaded, resolve_place


def link_participants(data: dict) -> list[str]:
    """Give each municipal participant of a validated profile its place key, where its name,
    state and district name exactly one place; returns a message for each that could not be
    resolved (ambiguous, with the candidates, or unknown). Never guesses."""
    participants = [p.get("organisation") or {} for p in data.get("participants") or []]
    pending = [org for org in participants if org.get("kind") in ORGANISATION_PLACE_KINDS and not org.get("place_key")]
    if not pending or not register_loaded():
        return []
    messages = []
    for organisation in pending:
        resolution = resolve_place(
            organisation["name"],
            state=organisation.get("state"),
            district=organisation.get("district"),
            kind=organisation.get("kind"),
        )
        if resolution.place is not None:
            organisation["place_key"] = resolution.place.key
            if len(resolution.place.key) == 8 and not organisation.get("ags"):
                organisation["ags"] = resolution.place.key
        elif resolution.candidates:
            shown = "; ".join(describe(place) for place in resolution.candidates[:8])
            more = f" und {len(resolution.candidates) - 8} weitere" if len(resolution.candidates) > 8 else ""
            messages.append(
                f"Ort „{organisation['name']}“ ist nicht eindeutig – Kandidaten: {shown}{more}. "
                "Bitte Land und Kreis oder den Schlüssel (AGS) angeben; ohne Ortsbezug importiert."
            )
        else:
            messages.append(
                f"Ort „{organisation['name']}“ steht nicht im Gemeindeverzeichnis"
                + (f" ({organisation['state']})" if organisation.get("state") else "")
                + "; ohne Ortsbezug importiert."
            )
    return messages


@dataclass
class Fact:
    """One figure of a short profile with where it comes from."""

    value: Any
    source: str
    date: Any = None
    #: True when the figure comes from the register, not from an editor
    from_register: bool = False


def organisation_facts(organisation) -> dict[str, Fact]:
    """Population, area, centre and postcode of an organisation: an editor's figure with its
    source wins; the register fills what the editor left empty."""
    place = get_place(organisation.place_key, active_only=False) if organisation.place_key else None
    facts: dict[str, Fact] = {}
    if organisation.population is not None:
        facts["population"] = Fact(
            organisation.population, organisation.population_source, organisation.population_date
        )
    elif place is not None and place.population is not None:
        facts["population"] = Fact(place.population, place.population_source, None, True)
    if organisation.area_km2 is not None:
        facts["area"] = Fact(organisation.area_km2, "")
    elif place is not None and place.area_km2 is not None:
        facts["area"] = Fact(place.area_km2, "Destatis GV-ISys", None, True)
    if organisation.latitude is not None:
        facts["centre"] = Fact((organisation.latitude, organisation.longitude), "")
    elif place is not None and place.latitude is not None:
        facts["centre"] = Fact((place.latitude, place.longitude), "Destatis GV-ISys", None, True)
    if place is not None and place.postcode:
        facts["postcode"] = Fact(place.postcode, "Destatis GV-ISys", None, True)
    return facts


def organisation_centre(organisation, places: dict | None = None) -> tuple[float, float] | None:
    """Where an organisation is on a map: its own coordinates, else its place's centre."""
    if organisation.latitude is not None and organisation.longitude is not None:
        return organisation.latitude, organisation.longitude
    if not organisation.place_key:
        return None
    place = (
        (places or {}).get(organisation.place_key)
        if places is not None
        else get_place(organisation.place_key, active_only=False)
    )
    if place is None or place.latitude is None:
        return None
    return place.latitude, place.longitude
