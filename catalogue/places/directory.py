"""Looking places up: by key, by name (autocomplete), and resolving a name to one key."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlalchemy import or_, select

from ..extensions import db
from .models import PAGE_KINDS, STATE_CODES, Place
from .naming import fold, name_key, short_key

#: organisation kind → place kinds it can be
ORGANISATION_PLACE_KINDS = {
    "municipality": ("municipality",),
    "municipal_association": ("association",),
    "district": ("district",),
}
_ISO_TO_STATE = {code: key for key, code in STATE_CODES.items()}
_KEY = re.compile(r"^\d{2,12}$")


def get_place(key: str, *, active_only: bool = True) -> Place | None:
    """The place with this key (None when unknown or, by default, no longer in the register)."""
    if not _KEY.match(key or ""):
        return None
    place = db.session.get(Place, key)
    return place if place is not None and (place.active or not active_only) else None


def register_loaded() -> bool:
    """Whether any register was loaded (key resolution is skipped otherwise)."""
    return db.session.scalar(select(Place.key).limit(1)) is not None


def places_by_key(keys) -> dict[str, Place]:
    """The places of these keys, in one query."""
    keys = sorted({key for key in keys if key})
    if not keys:
        return {}
    return {place.key: place for place in db.session.scalars(select(Place).where(Place.key.in_(keys)))}


def search_places(text: str, limit: int = 10, kinds=PAGE_KINDS) -> list[Place]:
    """Autocomplete: places whose key or postcode starts with the digits typed, or whose name
    starts with the words typed; the most populous first (so Neustadt a.d.Weinstraße leads)."""
    text = (text or "").strip()
    query = select(Place).where(Place.active.is_(True), Place.kind.in_(kinds))
    if text.isdigit():
        query = query.where(or_(Place.key.startswith(text), Place.postcode.startswith(text)))
    else:
        key = name_key(text)
        if not key:
            return []
        query = query.where(or_(Place.name_key.startswith(key), Place.name_key.contains(" " + key)))
    query = query.order_by(Place.population.desc().nulls_last(), Place.key).limit(limit)
    return list(db.session.scalars(query))


@dataclass
class Resolution:
    """What a name resolved to: one place, or none with the candidates that fit."""

    place: Place | None
    candidates: list[Place] = field(default_factory=list)

    @property
    def status(self) -> str:
        """found, ambiguous or unknown."""
        return "found" if self.place else ("ambiguous" if self.candidates else "unknown")


def resolve_place(
    name: str, *, state: str | None = None, district: str | None = None, kind: str | None = None
) -> Resolution:
    """The one place a name means, given the state (ISO code), the district (its name) and the
    organisation kind that the record states; never a guess between several."""
    key = name_key(name)
    if not key:
        return Resolution(None)
    candidates = _candidates(key, state, kind)
    if not candidates and short_key(name) != key:
        # "Altena (Westf.)" for the register's "Altena": the bracket is the record's addition
        key = short_key(name)
        candidates = _candidates(key, state, kind)
    if district and candidates:
        district_keys = _district_keys(district, state)
        if district_keys:
            candidates = [place for place in candidates if place.district_key in district_keys]
    # "Sundern" means "Sundern (Sauerland)" only where no place is called exactly "Sundern".
    exact = [place for place in candidates if place.name_key == key]
    if exact:
        candidates = exact
    if len(candidates) == 1:
        return Resolution(candidates[0], candidates)
    return Resolution(None, candidates)


def _candidates(key: str, state: str | None, kind: str | None) -> list[Place]:
    kinds = ORGANISATION_PLACE_KINDS.get(kind or "", PAGE_KINDS)
    query = select(Place).where(
        Place.active.is_(True),
        Place.kind.in_(kinds),
        or_(Place.name_key == key, Place.name_key.startswith(key + " ")),
    )
    if state in _ISO_TO_STATE:
        query = query.where(Place.state_key == _ISO_TO_STATE[state])
    return list(db.session.scalars(query.order_by(Place.key)))


def _district_keys(district: str, state: str | None) -> set[str]:
    """Keys of the districts a district name can mean ("Kreis Coesfeld", "Hochsauerlandkreis")."""
    key = name_key(district)
    query = select(Place).where(Place.kind == "district", Place.active.is_(True), Place.name_key == key)
    if state in _ISO_TO_STATE:
        query = query.where(Place.state_key == _ISO_TO_STATE[state])
    districts = list(db.session.scalars(query))
    if re.match(r"(land)?kreis\b", fold(district)):  # "Landkreis Leipzig" is not the city of Leipzig
        districts = [d for d in districts if d.designation in ("Kreis", "Landkreis")] or districts
    return {d.key for d in districts}


def describe(place: Place) -> str:
    """One line telling places of one name apart: "Neustadt (Hessen), Stadt – Marburg-Biedenkopf, Hessen"."""
    district = db.session.get(Place, place.district_key) if place.district_key and place.kind != "district" else None
    state = db.session.get(Place, place.state_key)
    parts = [f"{place.name}, {place.designation}" if place.designation else place.name]
    where = [p.label for p in (district, state) if p is not None and p.key != place.key]
    return parts[0] + (f" – {', '.join(where)}" if where else "") + f" ({place.key})"
