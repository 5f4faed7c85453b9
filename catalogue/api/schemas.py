"""Schemas of the API: query arguments, typed output documents and problem details.

Profile input is validated by ``catalogue.schemas.ProjectInputSchema`` (the one set of rules);
these schemas add what only the API has: English query names, URLs and list envelopes."""

from __future__ import annotations

import copy

from flask import url_for
from marshmallow import Schema, fields, post_load, pre_load, validate

from ..models import ORGANISATION_KINDS, STATES
from ..schemas import (
    ContactOutputSchema,
    LinkOutputSchema,
    OrganisationInputSchema,
    OrganisationOutputSchema,
    ProjectInputSchema,
    format_partial_date,
)
from ..textutil import without_forbidden
from .urls import absolute

#: API sort names → the site's sort names (catalogue.queries / catalogue.search).
SORTS = {"title": "titel", "newest": "neueste", "since": "seit", "relevance": "relevanz"}
#: The site's filter names (/projekte, /suche: catalogue/public/listing.py) → the API's: accepted as
#: aliases, so that the query string of a page of the site works on the API's list and downloads.
SITE_NAMES = {
    "stichwort": "keyword",
    "land": "state",
    "kreis": "district",
    "rechtsform": "legal_form",
    "art": "kind",
    "seit_von": "since_from",
    "seit_bis": "since_to",
}
URL = {"type": "string", "format": "uri"}


class _FilterValue(fields.String):
    """A filter value from the query string: never stored, so stray control characters and NUL
    are dropped, as on the site (PostgreSQL refuses NUL in any query parameter)."""

    def _deserialize(self, value, attr, data, **kwargs):
        return without_forbidden(super()._deserialize(value, attr, data, **kwargs))


def _list_of(description: str, example: str, **kwargs):
    return fields.List(
        _FilterValue(**kwargs), load_default=list, metadata={"description": description, "example": [example]}
    )


class ProblemFieldSchema(Schema):
    """One field-level validation message."""

    field = fields.String(metadata={"description": "Pfad des Feldes", "example": "participants.0.organisation.ags"})
    message = fields.String(metadata={"example": "Amtlicher Gemeindeschlüssel: genau 8 Ziffern."})


class ProblemSchema(Schema):
    """An error as RFC 9457 problem details."""

    type = fields.String(metadata={"example": "about:blank"})
    title = fields.String(metadata={"example": "Not Found"})
    status = fields.Integer(metadata={"example": 404})
    detail = fields.String(metadata={"example": "Dieses Profil gibt es nicht (mehr)."})
    instance = fields.String(metadata={"example": "/api/v1/projects/gibt-es-nicht"})
    errors = fields.List(fields.Nested(ProblemFieldSchema), metadata={"description": "bei 422: die Meldungen je Feld"})


# ---------------------------------------------------------------- input

#: Read-only fields the API's documents add to the project representation; a client may send
#: back what it read (GET, edit, PUT), so they are dropped before the shared rules apply.
_API_READ_ONLY_ORGANISATION = ("html_url", "api_url", "updated_at", "projects", "slug")


def _without(data, names):
    return {k: v for k, v in data.items() if k not in names} if isinstance(data, dict) else data


class ApiProjectInputSchema(ProjectInputSchema):
    """ProjectInputSchema (the same rules), accepting the API's own read-only output fields."""

    @pre_load
    def _drop_api_read_only(self, data, **kwargs):
        # Output-only fields of the document (the near-search ones are null outside a near query).
        data = _without(data, ("states", "distance_km", "nearest_participant"))
        if isinstance(data, dict) and isinstance(data.get("participants"), list):
            data["participants"] = [
                {**p, "organisation": _without(p.get("organisation"), _API_READ_ONLY_ORGANISATION)}
                if isinstance(p, dict)
                else p
                for p in data["participants"]
            ]
        return data


class ApiOrganisationInputSchema(OrganisationInputSchema):
    """OrganisationInputSchema, accepting the API's own read-only output fields."""

    @pre_load
    def _drop_api_read_only(self, data, **kwargs):
        return _without(data, _API_READ_ONLY_ORGANISATION)


# ---------------------------------------------------------------- query arguments

# The API speaks German, like its problem details: messages for marshmallow's rules.
NOT_AN_INTEGER = {"invalid": "Ganze Zahl erwartet."}
NOT_A_BOOLEAN = {"invalid": "true oder false erwartet."}


def _range(low: int, high: int) -> validate.Range:
    return validate.Range(min=low, max=high, error=f"Zahl von {low} bis {high} erwartet.")


def _one_of(choices) -> validate.OneOf:
    return validate.OneOf(choices, error="Erlaubt: {choices}.")


def _length(maximum: int, minimum: int | None = None) -> validate.Length:
    error = f"{minimum} bis {maximum} Zeichen erwartet." if minimum else f"Höchstens {maximum} Zeichen."
    return validate.Length(min=minimum, max=maximum, error=error)


class PageArgsSchema(Schema):
    """Pagination: bounded pages, so no response grows without limit."""

    page = fields.Integer(
        error_messages=NOT_AN_INTEGER, load_default=1, validate=_range(1, 100_000), metadata={"example": 1}
    )
    per_page = fields.Integer(
        error_messages=NOT_AN_INTEGER, load_default=20, validate=_range(1, 100), metadata={"example": 20}
    )


def _year(description: str, example: int):
    return fields.Integer(
        error_messages=NOT_AN_INTEGER,
        load_default=None,
        validate=_range(1900, 2100),
        metadata={"description": description, "example": example},
    )


def _site_name(german: str, english: fields.Field) -> fields.Field:
    """The site's German name of a filter: a copy of the English field (the same rules), documented
    as its alias."""
    field = copy.deepcopy(english)
    both = "gelten beide Grenzen" if german.startswith("seit") else "gelten die Werte beider (ODER)"
    field.metadata = {
        **field.metadata,
        "description": f"wie `{SITE_NAMES[german]}`, unter dem Namen der Website (/projekte?{german}=…); "
        f"mit beiden Namen {both}",
    }
    return field


class RefusingUnknown(Schema):
    """Query arguments where an unknown name is a 422 naming it, not silently ignored (a mistyped
    filter would otherwise answer with everything). Views pass ``unknown=RAISE`` to the parser."""

    @classmethod
    def allowed_names(cls) -> list[str]:
        return sorted(field.data_key or name for name, field in cls._declared_fields.items())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.error_messages = {
            **self.error_messages,
            "unknown": "Unbekannter Parameter. Erlaubt: " + ", ".join(self.allowed_names()) + ".",
        }


class ProjectFilterArgsSchema(RefusingUnknown):
    """Filters, full text and sorting of the project list (the site's, in English, and under the
    site's German names); the bulk downloads take exactly these, so that a download holds what the
    list shows."""

    # No length rule here: the search engine refuses an over-long query itself, with 413 as on the site.
    q = fields.String(
        load_default="",
        metadata={"description": "Volltextsuche (höchstens 500 Zeichen; länger: 413)", "example": "Standesamt"},
    )
    keyword = _list_of("Stichwort (mehrfach: ODER)", "Digitalisierung", validate=_length(80))
    state = _list_of("Land als ISO-3166-2-Code (mehrfach: ODER)", "DE-NW", validate=_one_of(list(STATES)))
    district = _list_of("Kreis (mehrfach: ODER)", "Hochsauerlandkreis", validate=_length(200))
    legal_form = _list_of("Rechtsform (mehrfach: ODER)", "öffentlich-rechtliche Vereinbarung", validate=_length(120))
    kind = _list_of(
        "Art einer beteiligten Organisation (mehrfach: ODER)", "municipality", validate=_one_of(ORGANISATION_KINDS)
    )
    since_from = _year("Zusammenarbeit seit frühestens", 2015)
    since_to = _year("Zusammenarbeit seit spätestens", 2024)
    organisation = _list_of(
        "Adresse (slug) einer beteiligten Organisation: die Profile ihrer Seite /organisationen/<slug> "
        "(mehrfach: ODER)",
        "stadt-arnsberg",
        validate=_length(200),
    )
    place = _list_of(
        "Schlüssel eines Orts im Gemeindeverzeichnis (Kreis 5, Gemeinde 8, Gemeindeverband 9 Ziffern): "
        "die Profile, an denen eine Organisation dieses Orts beteiligt ist, wie auf seiner Seite "
        "/kommunen/<schlüssel>-… (mehrfach: ODER)",
        "05958044",
        validate=validate.Regexp(r"^(\d{5}|\d{8}|\d{9})$", error="Schlüssel aus 5, 8 oder 9 Ziffern erwartet."),
    )
    sort = fields.String(
        load_default=None,
        validate=_one_of([*SORTS, *SORTS.values()]),
        metadata={
            "description": "Standard: relevance mit q, sonst title; die Namen der Website (titel, neueste, seit, "
            "relevanz) gelten ebenso"
        },
    )
    # The site's names of the same filters (aliases; merged into the English ones after loading).
    stichwort = _site_name("stichwort", keyword)
    land = _site_name("land", state)
    kreis = _site_name("kreis", district)
    rechtsform = _site_name("rechtsform", legal_form)
    art = _site_name("art", kind)
    seit_von = _site_name("seit_von", since_from)
    seit_bis = _site_name("seit_bis", since_to)

    @post_load
    def _merge_site_names(self, data, **kwargs):
        """One set of English arguments: list values of both names combine (OR, as a repeated
        name), both year bounds hold, and the site's sort names become the API's."""
        for german, english in SITE_NAMES.items():
            value = data.pop(german, None)
            if isinstance(data.get(english), list):
                data[english] = list(dict.fromkeys([*data[english], *(value or [])]))
            elif value is not None:
                bounds = [v for v in (data.get(english), value) if v is not None]
                data[english] = max(bounds) if english == "since_from" else min(bounds)
        if data.get("sort") in SORTS.values():
            data["sort"] = {site: api for api, site in SORTS.items()}[data["sort"]]
        return data


class ProjectQuerySchema(ProjectFilterArgsSchema, PageArgsSchema):
    """Filters, full text, sorting and facets of the project list (the site's, in English)."""

    facets = fields.Boolean(
        error_messages=NOT_A_BOOLEAN, load_default=False, metadata={"description": "Facetten-Zählungen mitliefern"}
    )
    # Partner search (catalogue/places/partners.py): profiles with a participant near a place.
    near = fields.String(
        load_default=None,
        validate=validate.Regexp(
            r"^(\d{5}|\d{8}|\d{9}|-?\d{1,2}(\.\d+)?,-?\d{1,3}(\.\d+)?)$",
            error="Schlüssel eines Orts (5, 8 oder 9 Ziffern) oder Koordinaten als breite,länge erwartet.",
        ),
        metadata={
            "description": "Ort, um den gesucht wird: Schlüssel (AGS 05958044, Kreis 05958, Gemeindeverband "
            "9 Ziffern) oder WGS84-Koordinaten `breite,länge` (51.33,8.0). Dann ist die "
            "Reihenfolge: Relevanz × (1 − 0,5 × Entfernung / Umkreis), und jeder Eintrag nennt "
            "distance_km und nearest_participant",
            "example": "05958044",
        },
    )
    radius_km = fields.Integer(
        error_messages=NOT_AN_INTEGER,
        load_default=50,
        validate=_range(10, 200),
        metadata={"description": "Umkreis um near in km (Luftlinie zwischen Ortsmittelpunkten)", "example": 30},
    )
    population_min = fields.Integer(
        error_messages=NOT_AN_INTEGER,
        load_default=None,
        validate=_range(0, 100_000_000),
        metadata={
            "description": "mindestens so viele Einwohner hat eine Beteiligte (mit near: eine im Umkreis)",
            "example": 10000,
        },
    )
    population_max = fields.Integer(
        error_messages=NOT_AN_INTEGER,
        load_default=None,
        validate=_range(0, 100_000_000),
        metadata={"description": "höchstens so viele Einwohner", "example": 50000},
    )


class ChangesArgsSchema(Schema):
    """Cursor of the change feed."""

    # The seq column is a 32-bit integer; larger cursors would overflow PostgreSQL's parameter.
    since = fields.Integer(
        error_messages=NOT_AN_INTEGER,
        load_default=0,
        validate=_range(0, 2**31 - 1),
        metadata={"description": "letzte gesehene seq (0: von Anfang an)", "example": 0},
    )
    limit = fields.Integer(
        error_messages=NOT_AN_INTEGER,
        load_default=500,
        validate=_range(1, 1000),
        metadata={"description": "Einträge dieser Seite; `next` führt lückenlos weiter"},
    )
    fingerprint = fields.String(
        load_default=None,
        validate=validate.Length(max=64),
        metadata={
            "description": "`next_fingerprint` der vorigen Seite: Steht unter `since` nicht mehr dieselbe Änderung "
            "(eine Sicherung wurde wiederhergestellt), ist die Antwort 410 und der Abgleich beginnt bei since=0"
        },
    )


class SuggestArgsSchema(Schema):
    """What the search box has typed so far."""

    q = fields.String(
        required=True,
        validate=_length(100, minimum=1),
        metadata={"example": "Stand"},
        error_messages={"required": "Angabe fehlt."},
    )
    limit = fields.Integer(error_messages=NOT_AN_INTEGER, load_default=8, validate=_range(1, 20))


# ---------------------------------------------------------------- output


def _project_urls(slug: str) -> tuple[str, str]:
    return (absolute(url_for("public.project_detail", slug=slug)), absolute(url_for("api.project_detail", slug=slug)))


class OrganisationSchema(OrganisationOutputSchema):
    """An organisation with the URLs of its page and API resource."""

    id = fields.Integer(metadata={"description": "stabile Nummer der Organisation", "example": 1})
    html_url = fields.Function(lambda o: absolute(url_for("public.organisation_detail", slug=o.slug)), metadata=URL)
    api_url = fields.Function(lambda o: absolute(url_for("api.organisation_detail", slug=o.slug)), metadata=URL)
    updated_at = fields.DateTime()


class OrganisationRefSchema(Schema):
    """The short profile of an organisation (a project's lead)."""

    id = OrganisationSchema._declared_fields["id"]
    slug = fields.String(metadata={"example": "stadt-arnsberg"})
    name = fields.String(metadata={"example": "Stadt Arnsberg"})
    kind = fields.String(metadata={"example": "municipality"})
    state = fields.String(allow_none=True, metadata={"example": "DE-NW"})
    district = fields.String(metadata={"example": "Hochsauerlandkreis"})
    population = fields.Integer(allow_none=True)
    website = fields.String()
    html_url = OrganisationSchema._declared_fields["html_url"]
    api_url = OrganisationSchema._declared_fields["api_url"]


class ParticipantSchema(Schema):
    """An organisation's part in a profile."""

    role = fields.String(metadata={"enum": ["lead", "partner"]})
    organisation = fields.Nested(OrganisationSchema)


class UpdateSchema(Schema):
    """A news item, dated as precisely as its source."""

    date = fields.Function(
        lambda u: format_partial_date(u.date, u.date_precision), metadata={"type": "string", "example": "2023-09"}
    )
    title = fields.String()
    text = fields.String()
    source_url = fields.String()
    source_note = fields.String()


class ProjectSummarySchema(Schema):
    """A list entry: enough to show a result and follow it."""

    id = fields.Integer(
        metadata={"description": "stabile Nummer des Profils; bleibt, wenn sich die slug ändert", "example": 1}
    )
    slug = fields.String(metadata={"example": "gemeinsam-nachhaltig-erfolgreich"})
    title = fields.String(metadata={"example": "Gemeinsam nachhaltig erfolgreich"})
    summary = fields.String()
    status = fields.String(metadata={"enum": ["draft", "published", "archived"]})
    keywords = fields.Function(
        lambda p: sorted((k.name for k in p.keywords), key=str.casefold),
        metadata={"type": "array", "items": {"type": "string"}, "example": ["Klima"]},
    )
    lead = fields.Nested(OrganisationRefSchema, allow_none=True)
    states = fields.Function(
        lambda p: sorted({o.organisation.state for o in p.participations if o.organisation.state}),
        metadata={"type": "array", "items": {"type": "string"}, "example": ["DE-NW"]},
    )
    legal_form = fields.Function(lambda p: p.legal_form.name if p.legal_form else "", metadata={"type": "string"})
    since_year = fields.Integer(allow_none=True, metadata={"example": 2022})
    updated_at = fields.DateTime()
    version = fields.Integer(metadata={"example": 3})
    html_url = fields.Function(lambda p: _project_urls(p.slug)[0], metadata=URL)
    api_url = fields.Function(lambda p: _project_urls(p.slug)[1], metadata=URL)
    distance_km = fields.Function(
        lambda p: getattr(p, "partner_distance_km", None),
        metadata={
            "type": "number",
            "nullable": True,
            "description": "nur mit near: Entfernung der nächsten Beteiligten in km",
        },
    )
    nearest_participant = fields.Function(
        lambda p: getattr(p, "partner_nearest", None),
        metadata={
            "type": "object",
            "nullable": True,
            "description": "nur mit near: die nächste Beteiligte (name, slug, place_key)",
        },
    )


class ProjectSchema(ProjectSummarySchema):
    """The whole profile in the project representation, plus lead and URLs."""

    participants = fields.List(fields.Nested(ParticipantSchema), attribute="participations")
    occasion = fields.String()
    goal = fields.String()
    implementation = fields.String()
    financing = fields.String()
    source_note = fields.String()
    contacts = fields.List(fields.Nested(ContactOutputSchema))
    links = fields.List(fields.Nested(LinkOutputSchema))
    updates = fields.List(fields.Nested(UpdateSchema))
    created_at = fields.DateTime()


class FacetValueSchema(Schema):
    value = fields.String()
    count = fields.Integer()


class FacetsSchema(Schema):
    """Counts per filter value over the whole result (not just the page)."""

    keywords = fields.List(fields.Nested(FacetValueSchema))
    states = fields.List(fields.Nested(FacetValueSchema))
    districts = fields.List(fields.Nested(FacetValueSchema))
    legal_forms = fields.List(fields.Nested(FacetValueSchema))
    kinds = fields.List(fields.Nested(FacetValueSchema))
    since = fields.List(fields.Nested(FacetValueSchema), metadata={"description": "Zeiträume von since_year"})


class ProjectPageSchema(Schema):
    """One page of the project list."""

    items = fields.List(fields.Nested(ProjectSummarySchema))
    total = fields.Integer(metadata={"example": 19})
    page = fields.Integer()
    per_page = fields.Integer()
    pages = fields.Integer()
    facets = fields.Nested(FacetsSchema, allow_none=True)
    suggestion = fields.String(allow_none=True, metadata={"description": "Meinten Sie …? (nur mit q)"})


class OrganisationEntrySchema(OrganisationRefSchema):
    project_count = fields.Integer()


class OrganisationPageSchema(Schema):
    items = fields.List(fields.Nested(OrganisationEntrySchema))
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()
    pages = fields.Integer()


class RoleInProjectSchema(Schema):
    role = fields.String(metadata={"enum": ["lead", "partner"]})
    project = fields.Nested(ProjectSummarySchema)


class OrganisationDetailSchema(OrganisationSchema):
    """An organisation and the published profiles it takes part in."""

    projects = fields.List(fields.Nested(RoleInProjectSchema), attribute="roles_in_projects")


class KeywordSchema(Schema):
    name = fields.String(metadata={"example": "Digitalisierung"})
    slug = fields.String()
    count = fields.Integer()
    html_url = fields.String(metadata=URL)
    projects_url = fields.String(metadata=URL)


class LegalFormSchema(Schema):
    name = fields.String(metadata={"example": "öffentlich-rechtliche Vereinbarung"})
    description = fields.String()
    count = fields.Integer(metadata={"description": "veröffentlichte Profile mit dieser Rechtsform"})


class SuggestionSchema(Schema):
    label = fields.String()
    kind = fields.String()
    url = fields.String()


class ProposalSchema(Schema):
    """A change kept for review (202): a token without the right to publish changed a published profile."""

    id = fields.Integer(metadata={"description": "Nummer des Vorschlags", "example": 7})
    status = fields.String(metadata={"description": "Stand des Vorschlags", "enum": ["open"]})
    base_version = fields.Integer(metadata={"description": "Version des Profils, auf der der Vorschlag beruht"})
    project = fields.String(metadata={"description": "slug des Profils"})
    detail = fields.String(metadata={"description": "Erklärung für Menschen"})
    review_url = fields.String(metadata={"description": "Seite der Redaktion, auf der der Vorschlag geprüft wird"})


class ChangeSchema(Schema):
    """One entry of the change log: the profile's current state, or a tombstone."""

    seq = fields.Integer(metadata={"example": 42})
    action = fields.String(metadata={"enum": ["create", "update", "publish", "unpublish", "delete"]})
    id = fields.Integer(metadata={"description": "stabile Nummer des Profils (die slug kann sich ändern)"})
    slug = fields.String()
    changed_at = fields.DateTime()
    deleted = fields.Boolean(metadata={"description": "true: Grabstein – das Profil ist nicht (mehr) öffentlich"})
    project = fields.Nested(ProjectSchema, allow_none=True)


class ChangePageSchema(Schema):
    items = fields.List(fields.Nested(ChangeSchema))
    next = fields.Integer(metadata={"description": "als `since` der nächsten Abfrage"})
    has_more = fields.Boolean()
    latest = fields.Integer(metadata={"description": "höchste seq zum Zeitpunkt der Abfrage"})
    next_fingerprint = fields.String(
        allow_none=True,
        metadata={"description": "als `fingerprint` der nächsten Abfrage (null bei next=0)"},
    )
