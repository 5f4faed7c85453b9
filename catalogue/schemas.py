"""Marshmallow schemas: the one place where the rules for a profile live.

Input from the seed files, import files, the API and the admin forms is loaded by
``ProjectInputSchema``; output (export, API) is dumped by ``ProjectOutputSchema``.
"""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import urlsplit

from flask_babel import gettext, lazy_gettext
from marshmallow import (
    EXCLUDE,
    RAISE,
    Schema,
    ValidationError,
    fields,
    post_load,
    pre_load,
    validate,
    validates,
    validates_schema,
)
from sqlalchemy import select

from .extensions import db
from .models import (
    ORGANISATION_KINDS,
    PARTICIPANT_ROLES,
    PROJECT_STATUSES,
    STATES,
    LegalForm,
)
from .textutil import clean_line, clean_text, keyword_key, text_problem, without_forbidden

REQUIRED = "Pflichtfeld fehlt."
#: Upper bounds of a profile's lists: far above any real profile (the seed data has at most
#: 6 keywords, 14 participants, 4 links), low enough that one request cannot keep a worker busy.
MAX_KEYWORDS = 50
MAX_PARTICIPANTS = 300
MAX_CONTACTS = 30
MAX_LINKS = 100
MAX_UPDATES = 200
NOT_NULL = "Darf nicht leer sein."


def _message(kind: str, **kw) -> str:
    return {
        "length": "Höchstens {max} Zeichen erlaubt.",
        "min_length": "Mindestens {min} Zeichen nötig.",
        "one_of": "Unbekannter Wert. Erlaubt: {choices}.",
    }[kind].format(**kw)


def checked_text(value: str) -> str:
    """``value`` unless it holds characters no text may contain (ValidationError naming them)."""
    problem = text_problem(value)
    if problem:
        raise ValidationError(problem)
    return value


class Text(fields.String):
    """A string that holds no control characters, NUL or lone surrogates (see textutil):
    the one check every text of every source passes, on SQLite as on PostgreSQL."""

    default_error_messages = {"invalid": "Text erwartet."}

    def _deserialize(self, value, attr, data, **kwargs):
        return checked_text(super()._deserialize(value, attr, data, **kwargs))


class BoundedList(fields.List):
    """A list with at most ``max_items`` entries, counted before any entry is loaded (a
    list of a million keywords is refused at once instead of being validated one by one)."""

    def __init__(self, inner, max_items: int, **kwargs):
        self.max_items = max_items
        # the bound is part of the contract: the OpenAPI document says it (apispec reads metadata)
        kwargs["metadata"] = {"maxItems": max_items, **kwargs.get("metadata", {})}
        super().__init__(inner, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, (list, tuple)) and len(value) > self.max_items:
            raise ValidationError(f"Höchstens {self.max_items} Einträge erlaubt.")
        return super()._deserialize(value, attr, data, **kwargs)


class Line(fields.String):
    """One line of text, cleaned; None and missing become ""."""

    default_error_messages = {"invalid": "Text erwartet.", "required": REQUIRED}

    def __init__(self, max_length: int = 200, **kwargs):
        if not kwargs.get("required"):
            kwargs.setdefault("load_default", "")
            kwargs.setdefault("allow_none", True)
        validators = list(kwargs.pop("validate", []) or [])
        validators.append(validate.Length(max=max_length, error=_message("length", max=max_length)))
        super().__init__(validate=validators, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)
        return clean_line(checked_text(super()._deserialize(value, attr, data, **kwargs).replace("\r", "\n")))


class FilterLine(Line):
    """A filter value from a URL: never stored, so stray control characters are dropped, not refused."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str):
            value = without_forbidden(value)
        return super()._deserialize(value, attr, data, **kwargs)


class Paragraphs(Line):
    """Multi-line plain text (paragraphs, "- " lists); markup is shown as text, never interpreted."""

    def __init__(self, max_length: int = 20000, **kwargs):
        super().__init__(max_length=max_length, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        text = fields.String._deserialize(self, value, attr, data, **kwargs)
        return clean_text(checked_text(text.replace("\r\n", "\n").replace("\r", "\n")))


class WebAddress(Line):
    """An absolute http(s) URL, or empty."""

    def __init__(self, **kwargs):
        super().__init__(max_length=1000, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        value = super()._deserialize(value, attr, data, **kwargs)
        if value:
            parts = urlsplit(value)
            if parts.scheme not in ("http", "https") or not parts.netloc or " " in value:
                raise ValidationError("Vollständige Web-Adresse mit http:// oder https:// erwartet.")
        return value


class EmailAddress(Line):
    """An e-mail address, or empty."""

    _PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

    def _deserialize(self, value, attr, data, **kwargs):
        value = super()._deserialize(value, attr, data, **kwargs)
        if value and not self._PATTERN.match(value):
            raise ValidationError("Gültige E-Mail-Adresse erwartet.")
        return value


class PartialDate(fields.Field):
    """A date as precise as its source: "2022", "2023-09" or "2019-12-18".

    Loads to ``(date, precision)``; dumps an object with ``date``/``date_precision`` back to the string.
    """

    _FORMATS = (("%Y-%m-%d", "day", r"\d{4}-\d{2}-\d{2}"), ("%Y-%m", "month", r"\d{4}-\d{2}"), ("%Y", "year", r"\d{4}"))

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, (dt.date, dt.datetime)):
            value = value.isoformat()[:10]
        text = str(value).strip() if value is not None else ""
        for fmt, precision, pattern in self._FORMATS:
            if re.fullmatch(pattern, text):
                try:
                    return dt.datetime.strptime(text, fmt).date(), precision
                except ValueError:
                    break
        raise ValidationError("Datum als JJJJ, JJJJ-MM oder JJJJ-MM-TT erwartet.")

    def _serialize(self, value, attr, obj, **kwargs):
        return format_partial_date(obj.date, obj.date_precision)


def format_partial_date(date: dt.date, precision: str) -> str:
    """ISO string of a partial date: only as many parts as the precision allows."""
    return {"year": date.strftime("%Y"), "month": date.strftime("%Y-%m")}.get(precision, date.isoformat())


class InputSchema(Schema):
    """Base for input: unknown fields are errors (typos must not be dropped silently),
    but the read-only fields that our own output carries are accepted and ignored."""

    READ_ONLY: tuple[str, ...] = ()

    class Meta:
        unknown = RAISE

    @pre_load
    def _drop_read_only(self, data, **kwargs):
        if isinstance(data, dict):
            return {k: v for k, v in data.items() if k not in self.READ_ONLY}
        return data


class OrganisationInputSchema(InputSchema):
    """An organisation as given inside a profile (or on its own)."""

    READ_ONLY = ("id", "slug", "url", "api_url", "created_at", "updated_at", "project_count")

    name = Line(
        required=True,
        validate=[validate.Length(min=2, error=_message("min_length", min=2))],
        error_messages={"required": REQUIRED, "null": NOT_NULL},
    )
    kind = Text(
        load_default="other",
        validate=validate.OneOf(ORGANISATION_KINDS, error=_message("one_of", choices=", ".join(ORGANISATION_KINDS))),
    )
    ags = Text(
        load_default=None,
        allow_none=True,
        validate=validate.Regexp(r"^\d{8}$", error="Amtlicher Gemeindeschlüssel: genau 8 Ziffern."),
    )
    state = Text(
        load_default=None,
        allow_none=True,
        validate=validate.OneOf(STATES, error="Land als ISO-3166-2-Code erwartet, z. B. DE-NW."),
    )
    district = Line()
    administrative_region = Line()
    population = fields.Integer(
        load_default=None,
        allow_none=True,
        strict=True,
        error_messages={"invalid": "Ganze Zahl erwartet."},
        validate=validate.Range(min=0, max=100_000_000, error="Einwohnerzahl zwischen 0 und 100.000.000."),
    )
    population_date = fields.Date(
        load_default=None, allow_none=True, error_messages={"invalid": "Datum als JJJJ-MM-TT erwartet."}
    )
    population_source = Line()
    area_km2 = fields.Float(
        load_default=None,
        allow_none=True,
        error_messages={"invalid": "Zahl erwartet."},
        validate=validate.Range(min=0, max=400_000, min_inclusive=False, error="Fläche in km² größer 0."),
    )
    website = WebAddress()
    latitude = fields.Float(load_default=None, allow_none=True, validate=validate.Range(min=-90, max=90))
    longitude = fields.Float(load_default=None, allow_none=True, validate=validate.Range(min=-180, max=180))
    place_key = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Regexp(
            r"^(\d{5}|\d{8}|\d{9})$",
            error="Schlüssel des Orts: 8 Ziffern (Gemeinde), 9 (Gemeindeverband) oder 5 (Kreis).",
        ),
    )

    @post_load
    def _place_key_and_ags(self, data, **kwargs):
        # A municipality's place key is its AGS: either one given fills in the other.
        if data.get("ags") and not data.get("place_key"):
            data["place_key"] = data["ags"]
        elif data.get("place_key") and len(data["place_key"]) == 8 and not data.get("ags"):
            data["ags"] = data["place_key"]
        return data

    @pre_load
    def _blank_is_none(self, data, **kwargs):
        # Spreadsheets and forms send "" for "unknown"; treat it like a missing value.
        if isinstance(data, dict):
            optional = (
                "ags",
                "state",
                "population",
                "population_date",
                "area_km2",
                "latitude",
                "longitude",
                "place_key",
            )
            return {k: (None if k in optional and v == "" else v) for k, v in data.items()}
        return data

    @validates_schema
    def _coordinates_together(self, data, **kwargs):
        if (data.get("latitude") is None) != (data.get("longitude") is None):
            raise ValidationError("Breite und Länge nur zusammen angeben.", "latitude")


#: The facts of an organisation that a profile's editor gives with each participant: the profile
#: form's columns and the diff's line (the other facts are kept on the organisation's own page).
PARTICIPANT_FACTS = ("name", "kind", "ags", "state", "district")


class ParticipantInputSchema(InputSchema):
    """One participant of a profile."""

    role = Text(
        load_default="partner",
        validate=validate.OneOf(PARTICIPANT_ROLES, error="Rolle lead oder partner erwartet."),
    )
    organisation = fields.Nested(OrganisationInputSchema, required=True, error_messages={"required": REQUIRED})


class ContactInputSchema(InputSchema):
    """A contact as entered for a profile."""

    organisation = Line()
    role = Line()
    address = Paragraphs(max_length=1000)
    phone = Line(max_length=80)
    email = EmailAddress()
    website = WebAddress()

    @validates_schema
    def _not_empty(self, data, **kwargs):
        if not any(data.get(k) for k in ("organisation", "role", "address", "phone", "email", "website")):
            raise ValidationError("Ein Kontakt braucht mindestens eine Angabe.")


class LinkInputSchema(InputSchema):
    """A link; the URL may be empty when the source names only a title."""

    title = Line(max_length=300)
    url = WebAddress()

    @post_load
    def _title_or_url(self, data, **kwargs):
        if not data["title"] and not data["url"]:
            raise ValidationError("Titel oder Web-Adresse angeben.", "title")
        data["title"] = data["title"] or data["url"]
        return data


class UpdateInputSchema(InputSchema):
    """A news item of a profile."""

    date = PartialDate(required=True, error_messages={"required": REQUIRED})
    title = Line(
        max_length=300,
        required=True,
        validate=[validate.Length(min=1, error=NOT_NULL)],
        error_messages={"required": REQUIRED, "null": NOT_NULL},
    )
    text = Paragraphs()
    source_url = WebAddress()
    source_note = Line(max_length=500)

    @post_load
    def _split_date(self, data, **kwargs):
        data["date"], data["date_precision"] = data["date"]
        return data


class ProjectInputSchema(InputSchema):
    """A whole profile, from any source. Absent fields mean "empty", so a load is a full replacement."""

    READ_ONLY = ("id", "url", "api_url", "html_url", "created_at", "updated_at", "version", "lead")

    slug = Text(
        load_default=None,
        allow_none=True,
        validate=validate.Regexp(
            r"^[a-z0-9]+(-[a-z0-9]+)*$",
            error="Nur Kleinbuchstaben a–z, Ziffern und Bindestriche.",
        ),
    )
    title = Line(
        required=True,
        validate=[validate.Length(min=3, error=_message("min_length", min=3))],
        error_messages={"required": REQUIRED, "null": NOT_NULL},
    )
    summary = Paragraphs(max_length=600)
    status = Text(
        load_default=None,
        allow_none=True,
        validate=validate.OneOf(PROJECT_STATUSES, error=_message("one_of", choices=", ".join(PROJECT_STATUSES))),
    )
    keywords = BoundedList(Line(max_length=80), MAX_KEYWORDS, load_default=list)
    participants = BoundedList(fields.Nested(ParticipantInputSchema), MAX_PARTICIPANTS, load_default=list)
    occasion = Paragraphs()
    goal = Paragraphs()
    implementation = Paragraphs()
    financing = Paragraphs()
    legal_form = Line(max_length=120)
    since_year = fields.Integer(
        load_default=None,
        allow_none=True,
        error_messages={"invalid": "Jahr als vierstellige Zahl erwartet."},
        # documented for the API; the check itself is _since_year_in_range (the year moves on)
        metadata={"minimum": 1900, "maximum": dt.date.today().year},
    )
    source_note = Paragraphs(max_length=5000)
    contacts = BoundedList(fields.Nested(ContactInputSchema), MAX_CONTACTS, load_default=list)
    links = BoundedList(fields.Nested(LinkInputSchema), MAX_LINKS, load_default=list)
    updates = BoundedList(fields.Nested(UpdateInputSchema), MAX_UPDATES, load_default=list)

    @pre_load
    def _blank_year_is_none(self, data, **kwargs):
        if isinstance(data, dict) and data.get("since_year") == "":
            data = {**data, "since_year": None}
        return data

    @validates("since_year")
    def _since_year_in_range(self, value, **kwargs):
        this_year = dt.date.today().year
        if value is not None and not 1900 <= value <= this_year:
            raise ValidationError(f"Jahr zwischen 1900 und {this_year} erwartet.")

    @validates("legal_form")
    def _legal_form_known(self, value, **kwargs):
        if value and db.session.scalar(select(LegalForm.id).where(LegalForm.name == value)) is None:
            known = db.session.scalars(select(LegalForm.name).order_by(LegalForm.name)).all()
            raise ValidationError(f"Unbekannte Rechtsform „{value}“. Bekannt: {', '.join(known) or '(keine)'}.")

    @validates_schema
    def _one_lead_no_duplicates(self, data, **kwargs):
        participants = data.get("participants") or []
        if sum(1 for p in participants if p["role"] == "lead") > 1:
            raise ValidationError("Höchstens eine Organisation ist hauptverantwortlich (lead).", "participants")
        seen: set = set()
        for participant in participants:
            org = participant["organisation"]
            key = org.get("ags") or org["name"].casefold()
            if key in seen:
                raise ValidationError(f"„{org['name']}“ ist doppelt beteiligt.", "participants")
            seen.add(key)

    @post_load
    def _normalise_keywords(self, data, **kwargs):
        unique: dict[str, str] = {}
        for name in data["keywords"]:
            if name and keyword_key(name) not in unique:
                unique[keyword_key(name)] = name
        data["keywords"] = list(unique.values())
        return data


# ---------------------------------------------------------------- output


class OrganisationOutputSchema(Schema):
    """An organisation as the export and the API show it."""

    slug = fields.String()
    name = fields.String()
    kind = fields.String()
    ags = fields.String(allow_none=True)
    state = fields.String(allow_none=True)
    district = fields.String()
    administrative_region = fields.String()
    population = fields.Integer(allow_none=True)
    population_date = fields.Date(allow_none=True)
    population_source = fields.String()
    area_km2 = fields.Float(allow_none=True)
    website = fields.String()
    latitude = fields.Float(allow_none=True)
    longitude = fields.Float(allow_none=True)
    place_key = fields.String(allow_none=True)


class ParticipantOutputSchema(Schema):
    """A participant: role and organisation."""

    role = fields.String()
    organisation = fields.Nested(OrganisationOutputSchema)


class ContactOutputSchema(Schema):
    organisation = fields.String()
    role = fields.String()
    address = fields.String()
    phone = fields.String()
    email = fields.String()
    website = fields.String()


class LinkOutputSchema(Schema):
    title = fields.String()
    url = fields.String()


class UpdateOutputSchema(Schema):
    date = PartialDate()
    title = fields.String()
    text = fields.String()
    source_url = fields.String()
    source_note = fields.String()


class ProjectOutputSchema(Schema):
    """A whole profile in the project representation (export, API, revisions)."""

    slug = fields.String()
    title = fields.String()
    summary = fields.String()
    status = fields.String()
    # Sorted here, not by relationship order, so a dump right after an edit (before the
    # session reloads the rows) looks the same as one read fresh from the database.
    keywords = fields.Function(lambda p: sorted((k.name for k in p.keywords), key=str.casefold))
    participants = fields.Function(
        lambda p: ParticipantOutputSchema(many=True).dump(sorted(p.participations, key=lambda x: x.position))
    )
    occasion = fields.String()
    goal = fields.String()
    implementation = fields.String()
    financing = fields.String()
    legal_form = fields.Function(lambda p: p.legal_form.name if p.legal_form else "")
    since_year = fields.Integer(allow_none=True)
    source_note = fields.String()
    contacts = fields.List(fields.Nested(ContactOutputSchema))
    links = fields.List(fields.Nested(LinkOutputSchema))
    updates = fields.Function(
        lambda p: UpdateOutputSchema(many=True).dump(sorted(p.updates, key=lambda u: (u.date, u.title), reverse=True))
    )
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    version = fields.Integer()


#: Fields of the representation that describe content (not bookkeeping): what a revision compares.
CONTENT_FIELDS = tuple(
    name for name in ProjectOutputSchema().fields if name not in ("created_at", "updated_at", "version")
)


def flatten_errors(messages, prefix: str = "") -> list[tuple[str, str]]:
    """Turn marshmallow's nested error dict into ("participants.0.organisation.ags", "message") pairs."""
    pairs: list[tuple[str, str]] = []
    if isinstance(messages, dict):
        for key, value in messages.items():
            name = prefix if key == "_schema" else (f"{prefix}.{key}" if prefix else str(key))
            pairs.extend(flatten_errors(value, name))
    elif isinstance(messages, list):
        for item in messages:
            pairs.extend(flatten_errors(item, prefix))
    else:
        pairs.append((prefix or "(Datensatz)", str(messages)))
    return pairs


# ---------------------------------------------------------------- list filters

SORT_ORDERS = ("titel", "neueste", "seit")


class ProjectFilterSchema(Schema):
    """Filters of the public project list; German parameter names make shareable URLs
    like ``/projekte?stichwort=Klima&land=DE-NW``. Several values of one filter combine with OR."""

    class Meta:
        unknown = EXCLUDE  # tracking parameters and the like must not break a shared link

    keywords = fields.List(FilterLine(max_length=80), data_key="stichwort", load_default=list)
    states = fields.List(
        fields.String(
            validate=validate.OneOf(
                STATES, error=lazy_gettext("Unbekanntes Land: bitte einen Code wie DE-NW verwenden.")
            )
        ),
        data_key="land",
        load_default=list,
    )
    districts = fields.List(FilterLine(), data_key="kreis", load_default=list)
    legal_forms = fields.List(FilterLine(max_length=120), data_key="rechtsform", load_default=list)
    kinds = fields.List(
        fields.String(
            validate=validate.OneOf(ORGANISATION_KINDS, error=lazy_gettext("Unbekannte Art der Organisation."))
        ),
        data_key="art",
        load_default=list,
    )
    since_from = fields.Integer(
        data_key="seit_von",
        load_default=None,
        allow_none=True,
        validate=validate.Range(min=1900, max=2100, error=lazy_gettext("Jahr zwischen 1900 und 2100 erwartet.")),
        error_messages={"invalid": lazy_gettext("Jahr als Zahl erwartet.")},
    )
    since_to = fields.Integer(
        data_key="seit_bis",
        load_default=None,
        allow_none=True,
        validate=validate.Range(min=1900, max=2100, error=lazy_gettext("Jahr zwischen 1900 und 2100 erwartet.")),
        error_messages={"invalid": lazy_gettext("Jahr als Zahl erwartet.")},
    )
    sort = fields.String(
        load_default="titel",
        validate=validate.OneOf(SORT_ORDERS, error=lazy_gettext("Sortierung titel, neueste oder seit erwartet.")),
    )
    page = fields.Integer(
        data_key="seite",
        load_default=1,
        validate=validate.Range(min=1, max=100_000, error=lazy_gettext("Seitenzahl ab 1 erwartet.")),
        error_messages={"invalid": lazy_gettext("Seitenzahl als Zahl erwartet.")},
    )
    per_page = fields.Integer(
        data_key="pro_seite",
        load_default=None,
        allow_none=True,
        validate=validate.Range(min=1, max=100, error=lazy_gettext("Zwischen 1 und 100 Einträge pro Seite.")),
        error_messages={"invalid": lazy_gettext("Anzahl als Zahl erwartet.")},
    )

    LIST_KEYS = ("stichwort", "land", "kreis", "rechtsform", "art")

    @classmethod
    def from_args(cls, args) -> dict:
        """Load from a request's query MultiDict (lists for the repeatable filters, blanks dropped)."""
        raw: dict = {}
        for key in args:
            values = [v for v in args.getlist(key) if v.strip()]
            if key in cls.LIST_KEYS:
                raw[key] = values
            elif values:
                raw[key] = values[-1]
        filters = cls().load(raw)
        if filters["since_from"] and filters["since_to"] and filters["since_from"] > filters["since_to"]:
            raise ValidationError({"seit_von": [gettext("„seit“-Jahr von darf nicht nach „bis“ liegen.")]})
        return filters
