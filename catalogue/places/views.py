"""Public pages of places: /kommunen/<key>-<slug>, /partnersuche and /karte."""

from __future__ import annotations

import re

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext
from marshmallow import ValidationError
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from .. import search
from ..errors import bad_request, not_found
from ..extensions import db
from ..models import Organisation
from ..public.listing import keyword_group
from ..schemas import ProjectFilterSchema, flatten_errors
from .directory import get_place, places_by_key, search_places
from .models import PAGE_KINDS
from .naming import name_key, short_key
from .pages import load_projects, national_map, place_map, place_sections, place_url, search_map
from .partners import RADIUS_DEFAULT, RADIUS_MAX, RADIUS_MIN, partner_search, similar_places, similar_range

bp = Blueprint("places", __name__)
SHOWN = 20  # results on the page (and on its map); the count names all
_KEY_SLUG = re.compile(r"^(\d{5}|\d{8}|\d{9})(?:-([a-z0-9-]*))?$")
_FILTER_KEYS = ("stichwort", "land", "rechtsform")


@bp.get("/kommunen/<key_slug>")
def place_page(key_slug: str):
    """A municipality, association or district: facts, map, its cooperations and those nearby."""
    match = _KEY_SLUG.match(key_slug)
    place = get_place(match.group(1)) if match else None
    if place is None or place.kind not in PAGE_KINDS:
        raise not_found(
            gettext("Diesen Ort gibt es im Gemeindeverzeichnis nicht. Suchen Sie ihn über die Partnersuche.")
        )
    if match.group(2) != place.slug:
        return redirect(place_url(place), 301)
    parents = places_by_key([place.association_key, place.district_key, place.state_key, place.parent_key])
    association = parents.get(place.association_key or "") if place.kind == "municipality" else None
    district = parents.get(place.district_key or "") if place.kind != "district" else None
    sections = place_sections(place, association, district)  # own, of_association, of_district, nearby
    close = sections.pop("close")
    organisations = db.session.scalars(
        select(Organisation).where(Organisation.place_key == place.key).order_by(Organisation.name)
    ).all()
    similar = similar_places(place, None)
    return render_template(
        "places/place.html",
        place=place,
        state=parents.get(place.state_key),
        association=association,
        district=district,
        **sections,
        organisations=organisations,
        similar=similar,
        area=place_map(place, [(d, p) for d, p in close]),
        radius=50,
    )


def _number(args: MultiDict, name: str, low: int, high: int, label: str) -> int | None:
    raw = (args.get(name) or "").strip()
    if not raw:
        return None
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise bad_request(
            gettext("%(label)s: ganze Zahl von %(low)s bis %(high)s erwartet.", label=label, low=low, high=high)
        )
    return int(raw)


def _still_means(place, text: str) -> bool:
    """Whether the typed text (still) means this place: empty, its key, its postcode or its
    name however spelt ("Sundern", "Stadt Sundern (Sauerland)"); a shared URL has the key alone."""
    text = text.strip()
    if not text or text in (place.key, place.postcode):
        return True
    return name_key(text) in {place.name_key, name_key(place.label), name_key(place.name), short_key(place.name)}


@bp.get("/partnersuche")
def partner_search_page():
    """Cooperations on a topic near a municipality; a plain form, with a disambiguation step."""
    args = request.args
    text = (args.get("ort") or "").strip()[:120]
    key = (args.get("schluessel") or "").strip()
    topic = (args.get("thema") or "").strip()
    radius = _number(args, "umkreis", RADIUS_MIN, RADIUS_MAX, gettext("Umkreis in km")) or RADIUS_DEFAULT
    size = args.get("groesse") or ""
    if size not in ("", "aehnlich", "bereich"):
        raise bad_request(gettext("Größe: „aehnlich“ oder „bereich“ erwartet."))
    pop_min = _number(args, "einwohner_von", 0, 100_000_000, gettext("Einwohner von"))
    pop_max = _number(args, "einwohner_bis", 0, 100_000_000, gettext("Einwohner bis"))
    try:
        filters = ProjectFilterSchema.from_args(
            MultiDict([(k, v) for k, v in args.items(multi=True) if k in _FILTER_KEYS])
        )
    except ValidationError as error:
        raise bad_request(
            gettext(
                "Ungültiger Filter – %(message)s",
                message=" ".join(f"{field}: {message}" for field, message in flatten_errors(error.messages)),
            )
        )
    context = dict(
        text=text,
        topic=topic,
        radius=radius,
        size=size,
        pop_min=pop_min,
        pop_max=pop_max,
        filters=filters,
        keywords=keyword_group(filters, gettext("Stichworte")),
        args=args,
        radius_min=RADIUS_MIN,
        radius_max=RADIUS_MAX,
        candidates=[],
        origin=None,
        hits=None,
        similar=[],
        area=None,
        wider=None,
    )
    origin = get_place(key) if key else None
    if key and origin is None:
        raise bad_request(
            gettext("Unbekannter Schlüssel „%(key)s“: bitte den Ort über den Namen suchen.", key=key[:12])
        )
    if origin is not None and not _still_means(origin, text):
        # Without JavaScript nothing clears the form's hidden key of the last search: a town
        # typed since then is looked up anew instead of being silently ignored.
        origin = None
    if origin is None and text:
        candidates = search_places(text, limit=25)
        exact = [c for c in candidates if c.key == text or c.postcode == text]
        if len(candidates) == 1 or len(exact) == 1:
            origin = (exact or candidates)[0]
        else:
            context["candidates"] = candidates
            return render_template("places/partner_search.html", **context)
    if origin is None:
        return render_template("places/partner_search.html", **context)
    context["origin"] = origin
    if origin.latitude is None:
        raise bad_request(
            gettext("Für %(name)s verzeichnet das Gemeindeverzeichnis keinen Mittelpunkt.", name=origin.label)
        )
    if size == "aehnlich":
        pop_min, pop_max = similar_range(origin.population)
        context.update(pop_min=pop_min, pop_max=pop_max)
    search_filters = {
        "keywords": filters["keywords"],
        "states": filters["states"],
        "legal_forms": filters["legal_forms"],
    }
    try:
        scores = search.match_scores(topic, search_filters)
    except search.SearchQueryError as error:
        raise bad_request(str(error))
    result = partner_search(origin.latitude, origin.longitude, radius, scores, pop_min, pop_max, origin.key)
    projects = {p.id: p for p in load_projects([hit.project_id for hit in result.hits[:SHOWN]])}
    hits = [(projects[hit.project_id], hit) for hit in result.hits[:SHOWN] if hit.project_id in projects]
    context["hits"] = hits
    context["total"] = len(result.hits)
    context["similar"] = similar_places(origin, scores if (topic or filters["keywords"]) else None)
    context["area"] = search_map(
        gettext("Ergebnisse der Partnersuche"), (origin.latitude, origin.longitude, origin.label), radius, hits
    )
    if not hits and radius < RADIUS_MAX:
        context["wider"] = min(RADIUS_MAX, max(radius * 2, 100))
    return render_template("places/partner_search.html", **context)


@bp.get("/karte")
def overview_map():
    """Every published cooperation on one map, counted per district."""
    return render_template("places/overview_map.html", area=national_map())


def partner_url(args, **changes) -> str:
    """The current partner search with some parameters changed (shareable links)."""
    new = MultiDict(args)
    for name, value in changes.items():
        new.setlist(name, [str(value)] if value is not None else [])
    return url_for("places.partner_search_page", **new.to_dict(flat=False))
