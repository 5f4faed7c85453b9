"""API views of the register of places: autocomplete, one place, and the partner-search page of
/projects (``near``, ``radius_km``, ``population_min``, ``population_max``)."""

from __future__ import annotations

import math

from flask.views import MethodView
from marshmallow import Schema, fields

from ..places.directory import get_place, search_places
from ..places.models import PAGE_KINDS, Place
from ..places.pages import load_projects, place_url, projects_of_places
from ..places.partners import partner_search, population_filter
from . import bp, reading
from .openapi import problems
from .protocol import problem
from .schemas import NOT_AN_INTEGER, URL, _length, _range
from .urls import absolute

PLACE_NOT_FOUND = "Diesen Ort gibt es im Gemeindeverzeichnis nicht."


class PlaceArgsSchema(Schema):
    """What an autocomplete box has typed."""

    q = fields.String(
        required=True,
        validate=_length(100, minimum=1),
        error_messages={"required": "Angabe fehlt."},
        metadata={"description": "Name (Anfang), Postleitzahl oder Schlüssel (Anfang)", "example": "Neustadt"},
    )
    limit = fields.Integer(error_messages=NOT_AN_INTEGER, load_default=10, validate=_range(1, 50))


def _ref(place: Place | None) -> dict | None:
    if place is None:
        return None
    return {"key": place.key, "name": place.label, "designation": place.designation, "kind": place.kind}


class PlaceRefSchema(Schema):
    key = fields.String(metadata={"example": "05958"})
    name = fields.String(metadata={"example": "Hochsauerlandkreis"})
    designation = fields.String(metadata={"example": "Kreis"})
    kind = fields.String(metadata={"enum": ["state", "government_district", "district", "association", "municipality"]})


class PlaceSummarySchema(Schema):
    """A place as autocomplete shows it: enough to tell the 20-odd Neustadts apart."""

    key = fields.String(
        metadata={"description": "amtlicher Schlüssel (AGS; Gemeindeverband 9, Kreis 5 Ziffern)", "example": "05958044"}
    )
    name = fields.String(attribute="label", metadata={"example": "Sundern (Sauerland)"})
    official_name = fields.String(metadata={"example": "Sundern (Sauerland), Stadt"})
    designation = fields.String(metadata={"example": "Stadt"})
    kind = fields.String(metadata={"enum": ["district", "association", "municipality"]})
    postcode = fields.String(metadata={"example": "59846"})
    district = fields.Function(
        lambda p: _ref(p.district_place),
        metadata={
            "type": "object",
            "nullable": True,
            "description": "der Kreis (key, name, designation, kind); null beim Kreis selbst",
            "example": {"key": "05958", "name": "Hochsauerlandkreis", "designation": "Kreis", "kind": "district"},
        },
    )
    state = fields.Function(
        lambda p: {"key": p.state_key, "code": p.state_code, "name": p.state_place.name if p.state_place else ""},
        metadata={
            "type": "object",
            "description": "das Land: Schlüssel, ISO-3166-2-Code, Name",
            "example": {"key": "05", "code": "DE-NW", "name": "Nordrhein-Westfalen"},
        },
    )
    population = fields.Integer(allow_none=True, metadata={"example": 27725})
    html_url = fields.Function(lambda p: absolute(place_url(p)), metadata=URL)
    api_url = fields.Function(lambda p: absolute(f"/api/v1/places/{p.key}"), metadata=URL)


class PlaceProjectSchema(Schema):
    slug = fields.String()
    title = fields.String()
    api_url = fields.Function(lambda p: absolute(f"/api/v1/projects/{p.slug}"), metadata=URL)


class PlaceDetailSchema(PlaceSummarySchema):
    """A place's facts with their sources, its centre, parent and cooperations."""

    population_source = fields.String(metadata={"example": "Destatis GV-ISys (Ausgabe vor 2021)"})
    area_km2 = fields.Float(allow_none=True, metadata={"example": 193.27})
    latitude = fields.Float(allow_none=True, metadata={"example": 51.330125})
    longitude = fields.Float(allow_none=True, metadata={"example": 8.005553})
    parent = fields.Function(lambda p: _ref(p.parent_place), metadata={"type": "object", "nullable": True})
    association = fields.Function(lambda p: _ref(p.association_place), metadata={"type": "object", "nullable": True})
    projects = fields.List(
        fields.Nested(PlaceProjectSchema),
        attribute="cooperations",
        metadata={"description": "veröffentlichte Profile, an denen eine Organisation dieses Orts teilnimmt"},
    )
    source = fields.Constant(
        "© Statistisches Bundesamt (Destatis), Gemeindeverzeichnis-Informationssystem GV-ISys "
        "(Datenlizenz Deutschland – Namensnennung – 2.0)"
    )


class PlacePageSchema(Schema):
    items = fields.List(fields.Nested(PlaceSummarySchema))


def _with_parents(places: list[Place], **extra) -> list[reading.Seen]:
    """The places as the schemas see them: with the places they lie in (and ``extra`` values)."""
    from ..places.directory import places_by_key

    parents = places_by_key([k for p in places for k in (p.district_key, p.state_key, p.parent_key, p.association_key)])
    return [
        reading.Seen(
            place,
            district_place=parents.get(place.district_key or "") if place.kind != "district" else None,
            state_place=parents.get(place.state_key),
            parent_place=parents.get(place.parent_key or ""),
            association_place=parents.get(place.association_key or "") if place.kind == "municipality" else None,
            **extra,
        )
        for place in places
    ]


@bp.route("/places", endpoint="places")
class Places(MethodView):
    @bp.arguments(PlaceArgsSchema, location="query", as_kwargs=True)
    @bp.response(200, PlacePageSchema)
    def get(self, q, limit):
        """Autocomplete over municipalities, associations and districts: key, name, designation, district, state."""
        return {"items": _with_parents(search_places(q, limit, PAGE_KINDS))}


@bp.route("/places/<key>", endpoint="place_detail")
class PlaceResource(MethodView):
    @bp.doc(
        parameters=[
            {
                "in": "path",
                "name": "key",
                "required": True,
                "example": "05958044",
                "description": "amtlicher Schlüssel: Gemeinde 8, Gemeindeverband 9, Kreis 5 Ziffern",
                "schema": {"type": "string", "pattern": "^([0-9]{5}|[0-9]{8}|[0-9]{9})$"},
            }
        ]
    )
    @bp.response(200, PlaceDetailSchema)
    @problems({404: "kein Ort mit diesem Schlüssel"})
    def get(self, key):
        """One place: facts with sources, centre, parent and its cooperations."""
        place = get_place(key)
        if place is None or place.kind not in PAGE_KINDS:  # the pages' kinds: municipalities, associations, districts
            raise problem(404, PLACE_NOT_FOUND)
        return _with_parents([place], cooperations=load_projects(projects_of_places([place.key])))[0]


def _origin(near: str) -> tuple[float, float, str | None]:
    if "," in near:
        lat, lon = (float(part) for part in near.split(","))
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise problem(
                422,
                "near: Koordinaten außerhalb des Wertebereichs.",
                messages={"near": ["Breite −90…90, Länge −180…180."]},
            )
        return lat, lon, None
    place = get_place(near)
    if place is None:
        raise problem(422, f"near: {PLACE_NOT_FOUND}", messages={"near": [PLACE_NOT_FOUND]})
    if place.latitude is None:
        raise problem(
            422, "near: Für diesen Ort ist kein Mittelpunkt verzeichnet.", messages={"near": ["ohne Mittelpunkt"]}
        )
    return place.latitude, place.longitude, place.key


def partner_page(
    search,
    q: str,
    filters: dict,
    near: str | None,
    radius_km: int,
    population_min: int | None,
    population_max: int | None,
    page: int,
    per_page: int,
) -> dict:
    """One page of /projects with the partner-search arguments (see catalogue/places/partners.py)."""
    if search is None:
        raise problem(503, "Die Volltextsuche ist auf diesem Server nicht verfügbar.")
    try:
        scores = search.match_scores(q, filters)
    except search.SearchQueryTooLong as error:
        raise problem(413, f"q: {error}")
    except search.SearchQueryError as error:
        raise problem(400, f"Suchanfrage nicht verständlich: {error}")
    except search.SearchUnavailable:
        from .views_projects import search_unavailable

        raise search_unavailable()
    if near:
        lat, lon, key = _origin(near)
        hits = partner_search(lat, lon, radius_km, scores, population_min, population_max, key).hits
        ordered = [(hit.project_id, hit) for hit in hits]
    else:
        ordered = [(pid, None) for pid in population_filter(scores, population_min, population_max)]
    total = len(ordered)
    shown = ordered[(page - 1) * per_page : page * per_page]
    by_id = dict(shown)
    items = [
        _with_distance(project, by_id.get(project.id)) for project in reading.projects_by_ids([pid for pid, _ in shown])
    ]
    return {
        "items": items,
        "total": total,
        "page": page,
        "per_page": per_page,
        "pages": math.ceil(total / per_page) if total else 0,
        "suggestion": None,
        "facets": None,
    }


def _with_distance(project, hit):
    """A profile as the schemas see it: with its nearest participant when near was asked for."""
    if hit is None:
        return project
    nearest = {
        "name": hit.nearest.name,
        "slug": hit.nearest.slug,
        "place_key": hit.nearest.place_key,
        "distance_km": hit.distance_km,
    }
    return reading.Seen(project, partner_distance_km=hit.distance_km, partner_nearest=nearest)
