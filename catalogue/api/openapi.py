"""What the OpenAPI document says beyond the schemas' types: problem responses, what a write
needs, links between operations, and a description and example for every field.

Field names mean the same in every schema (the one project representation), so descriptions
are kept here by name, once, instead of being repeated on each schema that shows the field.
"""

from __future__ import annotations

from marshmallow import Schema

from . import PROBLEM_JSON, bp
from .schemas import ProblemSchema

#: The header every change to an existing resource needs (428 without, 412 when stale).
IF_MATCH = {
    "in": "header",
    "name": "If-Match",
    "required": True,
    "schema": {"type": "string"},
    "description": "der ETag, den GET (oder die letzte Änderung) geliefert hat; ohne: 428, veraltet: 412",
    "example": '"p1v3-5f2a9c0d41be"',
}
BEARER = [{"bearer": []}]
ETAG = {
    "description": "Version dieses Dokuments: für If-None-Match beim Lesen und If-Match beim Ändern",
    "schema": {"type": "string"},
}
LOCATION = {"description": "Adresse des Dokuments", "schema": {"type": "string", "format": "uri"}}
#: Every write can meet these.
WRITE_PROBLEMS = {
    401: "kein, ein unbekanntes oder ein widerrufenes Token",
    403: "Token ohne Schreibrecht (oder ohne Recht zu veröffentlichen, wo die Änderung Veröffentlichtes ändert)",
}

#: A request body to copy: the Arnsberg–Sundern record of the seed data, shortened. Without a
#: slug the address comes from the title (a free one), and without status it becomes a draft.
PROJECT_EXAMPLE = {
    "title": "Gemeinsam nachhaltig erfolgreich",
    "keywords": ["Digitalisierung", "Klima", "Verwaltung"],
    "participants": [
        {
            "role": "lead",
            "organisation": {
                "name": "Stadt Arnsberg",
                "kind": "municipality",
                "ags": "05958004",
                "state": "DE-NW",
                "district": "Hochsauerlandkreis",
            },
        },
        {
            "role": "partner",
            "organisation": {
                "name": "Stadt Sundern (Sauerland)",
                "kind": "municipality",
                "ags": "05958044",
                "state": "DE-NW",
                "district": "Hochsauerlandkreis",
            },
        },
    ],
    "occasion": "Aktuellen Herausforderungen gemeinsam begegnen",
    "financing": "Die Finanzierung erfolgt über die beteiligten Partner.",
    "since_year": 2022,
    "contacts": [
        {
            "organisation": "Stadt Arnsberg",
            "address": "Rathausplatz 2\n59759 Arnsberg",
            "phone": "02932/201-0",
            "email": "stadt@arnsberg.de",
        }
    ],
    "links": [
        {
            "title": "Projektseite interkommunales.nrw",
            "url": "https://interkommunales.nrw/projekt/gemeinsam-nachhaltig-erfolgreich",
        }
    ],
    "updates": [{"date": "2023-09", "title": "Zweiter Städtetag in Sundern"}],
}
#: An organisation that the seeded catalogue does not have yet, so that the example creates one
#: (Arnsberg, the record's lead, is there already: its example would only ever meet a 409).
#: Its facts are those of the register of places (Destatis GV-ISys, data/places).
ORGANISATION_EXAMPLE = {
    "name": "Stadt Neustadt in Holstein",
    "kind": "municipality",
    "ags": "01055032",
    "state": "DE-SH",
    "district": "Ostholstein",
    "population": 15043,
    "population_source": "Destatis GV-ISys (Ausgabe vor 2021)",
    "area_km2": 19.73,
}


def problems(statuses: dict[int, str]):
    """Document error answers as RFC 9457 problem details (``{status: description}``)."""

    def decorate(view):
        for status, description in statuses.items():
            view = bp.alt_response(status, schema=ProblemSchema, content_type=PROBLEM_JSON, description=description)(
                view
            )
        return view

    return decorate


def write(if_match: bool = True, links: dict | None = None, status: int = 200):
    """Document a write: bearer token, If-Match (for existing resources), links from its answer."""
    doc: dict = {"security": BEARER}
    if if_match:
        doc["parameters"] = [IF_MATCH]
    if links:
        doc["responses"] = {status: {"links": links, "headers": {"ETag": ETAG}}}
    return bp.doc(**doc)


def links_from(status: int, links: dict):
    """Document the links (and the ETag they use) of a read's answer."""
    return bp.doc(responses={status: {"links": links, "headers": {"ETag": ETAG}}})


def _operation(path: str, method: str) -> str:
    return "#/paths/" + path.replace("~", "~0").replace("/", "~1") + "/" + method


def _links(path: str, targets: dict[str, tuple[str, str, str]]) -> dict:
    """Links from a document with ``slug`` and an ETag to the operations on that resource."""
    links = {}
    for name, (suffix, method, description) in targets.items():
        parameters = {"slug": "$response.body#/slug"}
        if method != "get":
            parameters["header.If-Match"] = "$response.header.ETag"
        links[name] = {
            "operationRef": _operation(path + suffix, method),
            "parameters": parameters,
            "description": description,
        }
    return links


_PROJECT = "/api/v1/projects/{slug}"
#: What a client can do next with a profile it has just read or written.
PROJECT_LINKS = _links(
    _PROJECT,
    {
        "read": ("", "get", "das Profil neu lesen"),
        "replace": ("", "put", "das ganze Profil ersetzen (mit diesem ETag)"),
        "change": ("", "patch", "einzelne Felder ändern (mit diesem ETag)"),
        "publish": ("/publish", "post", "veröffentlichen (mit diesem ETag)"),
        "unpublish": ("/unpublish", "post", "zurückziehen (mit diesem ETag)"),
        "archive": ("", "delete", "archivieren (mit diesem ETag)"),
    },
)
ORGANISATION_LINKS = _links(
    "/api/v1/organisations/{slug}",
    {
        "read": ("", "get", "die Organisation neu lesen"),
        "replace": ("", "put", "ihre Angaben ersetzen (mit diesem ETag)"),
        "change": ("", "patch", "einzelne Angaben ändern (mit diesem ETag)"),
        "delete": ("", "delete", "löschen, wenn sie an keinem Profil beteiligt ist (mit diesem ETag)"),
    },
)


# ---------------------------------------------------------------- field descriptions

_TEXT = "reiner Text; Absätze durch eine Leerzeile getrennt, Zeilen mit „- “ sind Listenpunkte"
_KINDS = (
    "Art: municipality (Gemeinde, Stadt), district (Kreis), municipal_association (Gemeindeverband, Amt), "
    "state_authority (Landesbehörde), association (Verein, Verband), company (Unternehmen), other"
)
_STATUSES = "draft (Entwurf), published (veröffentlicht) oder archived (archiviert)"

#: name → (description, example); an example of None leaves the field without one.
FIELDS: dict[str, tuple[str, object]] = {
    # the project representation
    "id": ("stabile Nummer; bleibt, wenn sich die Adresse (slug) ändert", 1),
    "slug": ("Adresse in URLs: Kleinbuchstaben a–z, Ziffern, Bindestriche", "gemeinsam-nachhaltig-erfolgreich"),
    "title": ("Titel, 3 bis 200 Zeichen", "Gemeinsam nachhaltig erfolgreich"),
    "summary": ("Kurzprofil: ein kurzer Anreißer (reiner Text, höchstens 600 Zeichen); leer, wenn keins vorliegt", ""),
    "status": (_STATUSES, "published"),
    "keywords": ("Stichworte (ohne Unterschied von Groß- und Kleinschreibung eindeutig)", ["Digitalisierung", "Klima"]),
    "participants": ("Beteiligte in ihrer Reihenfolge; höchstens eine mit role lead", None),
    "lead": ("Kurzprofil der hauptverantwortlichen Organisation; null, wenn keine benannt ist", None),
    "states": ("Länder aller Beteiligten (ISO 3166-2)", ["DE-NW"]),
    "occasion": (f"Anlass ({_TEXT})", "Aktuellen Herausforderungen gemeinsam begegnen"),
    "goal": (f"Ziel ({_TEXT})", ""),
    "implementation": (f"Umsetzung ({_TEXT})", ""),
    "financing": (f"Finanzierung ({_TEXT})", "Die Finanzierung erfolgt über die beteiligten Partner."),
    "legal_form": (
        "Rechtsform, ein Name aus GET /api/v1/legal-forms; leer, wenn unbekannt",
        "öffentlich-rechtliche Vereinbarung",
    ),
    "since_year": ("Zusammenarbeit seit (Jahr von 1900 bis heute); null, wenn unbekannt", 2022),
    "source_note": ("Quelle: woher die Angaben des Profils stammen", "(Quelle für Text und Bild: Stadt Arnsberg)"),
    "contacts": ("Ansprechstellen", None),
    "links": ("weiterführende Links", None),
    "updates": ("Neuigkeiten im Zeitverlauf, die neueste zuerst", None),
    "created_at": ("angelegt (ISO 8601, UTC)", "2024-05-01T09:30:00+00:00"),
    "updated_at": ("zuletzt geändert (ISO 8601, UTC)", "2024-05-02T14:05:00+00:00"),
    "version": ("Versionsnummer: steigt mit jeder Änderung und steckt im ETag, den If-Match erwartet", 3),
    "html_url": ("Adresse der Seite für Menschen", None),
    "api_url": ("Adresse dieses Dokuments in der API", None),
    # organisations
    "name": ("Name", "Stadt Arnsberg"),
    "kind": (_KINDS, "municipality"),
    "ags": (
        "Amtlicher Gemeindeschlüssel: genau 8 Ziffern, als Text (mit führender Null); null, wenn keiner",
        "05958004",
    ),
    "place_key": (
        "Schlüssel des Orts im Gemeindeverzeichnis (GET /places): AGS einer Gemeinde (8 Ziffern), "
        "Gemeindeverband 9, Kreis 5 Ziffern; aus ihm kommen Mittelpunkt und amtliche Angaben, "
        "soweit die Redaktion keine eigenen mit Quelle eingetragen hat",
        "05958004",
    ),
    "official_name": ("Name, wie ihn das Gemeindeverzeichnis schreibt", "Sundern (Sauerland), Stadt"),
    "designation": (
        "Bezeichnung laut Gemeindeverzeichnis: Stadt, Gemeinde, Markt, Kreis, Landkreis, Verbandsgemeinde …",
        "Stadt",
    ),
    "postcode": ("Postleitzahl (der Verwaltung; eine Gemeinde kann mehrere haben)", "59846"),
    "parent": ("der nächsthöhere Ort: Gemeindeverband oder Kreis, beim Kreis Regierungsbezirk oder Land", None),
    "association": ("der Gemeindeverband (Amt, Samtgemeinde, Verbandsgemeinde …), dem die Gemeinde angehört", None),
    "source": ("Quelle und Lizenz der Angaben", None),
    "state": ("Land als ISO-3166-2-Code; null, wenn unbekannt", "DE-NW"),
    "district": ("Kreis bzw. Landkreis", "Hochsauerlandkreis"),
    "administrative_region": ("Regierungsbezirk", "Regierungsbezirk Arnsberg"),
    "population": ("Einwohnerzahl zum Stichtag population_date; null, wenn unbekannt", 73487),
    "population_date": ("Stichtag der Einwohnerzahl", "2020-12-31"),
    "population_source": ("wer die Einwohnerzahl veröffentlicht hat", "IT.NRW"),
    "area_km2": ("Fläche in km²", 193.72),
    "website": ("Website: vollständige http(s)-Adresse, oder leer", ""),
    "latitude": ("geografische Breite (WGS 84), nur zusammen mit longitude", None),
    "longitude": ("geografische Länge (WGS 84), nur zusammen mit latitude", None),
    "project_count": ("Zahl der veröffentlichten Profile, an denen sie beteiligt ist", 1),
    "projects": ("veröffentlichte Profile, an denen sie beteiligt ist, mit ihrer Rolle", None),
    "role": ("lead (hauptverantwortlich) oder partner (beteiligt)", "lead"),
    "organisation": ("die beteiligte Organisation", None),
    # contacts, links, news
    "address": ("Postanschrift, mehrzeilig", "Rathausplatz 2\n59759 Arnsberg"),
    "phone": ("Telefon, wie angegeben", "02932/201-0"),
    "email": ("E-Mail-Adresse, oder leer", "stadt@arnsberg.de"),
    "url": (
        "vollständige http(s)-Adresse; leer, wenn die Quelle nur einen Titel nennt",
        "https://interkommunales.nrw/projekt/gemeinsam-nachhaltig-erfolgreich",
    ),
    "date": ("Datum, so genau wie die Quelle: JJJJ, JJJJ-MM oder JJJJ-MM-TT", "2023-09"),
    "text": (f"Text der Meldung ({_TEXT})", ""),
    "source_url": ("Adresse der Quelle, oder leer", ""),
    # lists and pages
    "items": ("die Einträge dieser Seite", None),
    "total": ("Treffer insgesamt (über alle Seiten)", 19),
    "page": ("Nummer dieser Seite, ab 1", 1),
    "per_page": ("Einträge pro Seite (höchstens 100)", 20),
    "pages": ("Zahl der Seiten", 1),
    "facets": ("Zählungen je Filterwert, nur mit facets=true (sonst null)", None),
    "suggestion": ("„Meinten Sie …?“: ein Vorschlag, wenn q wenig findet (sonst null)", None),
    "value": ("Filterwert, so wie ihn der gleichnamige Parameter erwartet", "Digitalisierung"),
    "count": ("Zahl der veröffentlichten Profile", 3),
    "districts": ("Kreise", None),
    "legal_forms": ("Rechtsformen", None),
    "kinds": ("Arten beteiligter Organisationen", None),
    "since": ("Zeiträume von since_year", None),
    "projects_url": ("die Profile mit diesem Stichwort in der API", None),
    "description": ("Erläuterung", ""),
    "label": ("angezeigter Text", "Digitalisierung"),
    # the change feed
    "seq": ("laufende Nummer der Änderung; lückenlos in der Reihenfolge, in der sie sichtbar wurden", 42),
    "action": ("create, update, publish, unpublish oder delete", "update"),
    "changed_at": ("Zeitpunkt der Änderung (ISO 8601, UTC)", "2024-05-02T14:05:00+00:00"),
    "deleted": ("true: Grabstein – das Profil ist nicht (mehr) öffentlich; aus dem Spiegel entfernen", False),
    "project": ("das Profil in seinem aktuellen Stand; null bei einem Grabstein", None),
    "next": ("Cursor für die nächste Abfrage (als since)", 42),
    "has_more": ("true: es gibt schon weitere Änderungen; gleich mit next weiterlesen", False),
    "latest": ("höchste seq zum Zeitpunkt der Abfrage", 42),
    # problem details (RFC 9457)
    "type": ("Art des Problems (RFC 9457); about:blank: siehe status", "about:blank"),
    "detail": ("was genau nicht stimmt, für Menschen", "Dieses Profil gibt es nicht (mehr)."),
    "instance": ("die angefragte Adresse", "/api/v1/projects/gibt-es-nicht"),
    "errors": ("bei 422: eine Meldung je ungültigem Feld", None),
    "field": ("Pfad des Feldes, Teile durch Punkte getrennt", "participants.0.organisation.ags"),
    "message": ("was an diesem Feld nicht stimmt", "Amtlicher Gemeindeschlüssel: genau 8 Ziffern."),
}

#: (schema class, field) → (description, example) where a name means something else there.
BY_SCHEMA: dict[tuple[str, str], tuple[str, object]] = {
    ("OrganisationSchema", "slug"): ("Adresse der Organisation in URLs", "stadt-arnsberg"),
    ("OrganisationRefSchema", "slug"): ("Adresse der Organisation in URLs", "stadt-arnsberg"),
    ("OrganisationEntrySchema", "slug"): ("Adresse der Organisation in URLs", "stadt-arnsberg"),
    ("OrganisationDetailSchema", "slug"): ("Adresse der Organisation in URLs", "stadt-arnsberg"),
    ("OrganisationSchema", "id"): ("stabile Nummer der Organisation", 1),
    ("OrganisationSchema", "updated_at"): ("ihre Angaben zuletzt geändert (ISO 8601, UTC)", None),
    ("OrganisationDetailSchema", "updated_at"): ("ihre Angaben zuletzt geändert (ISO 8601, UTC)", None),
    ("ContactOutputSchema", "organisation"): ("Organisation oder Stelle", "Stadt Arnsberg"),
    ("ContactInputSchema", "organisation"): ("Organisation oder Stelle", "Stadt Arnsberg"),
    ("ContactOutputSchema", "role"): ("Funktion oder Person, wie angegeben", ""),
    ("ContactInputSchema", "role"): ("Funktion oder Person, wie angegeben", ""),
    ("ParticipantInputSchema", "organisation"): (
        "die Organisation; eine bestehende wird über ags, sonst über den Namen gefunden, und ihre gepflegten "
        "Angaben werden nur ergänzt, nie überschrieben (dafür: PUT /api/v1/organisations/{slug})",
        None,
    ),
    ("RoleInProjectSchema", "project"): ("das Profil", None),
    ("LinkOutputSchema", "title"): ("Linktext", "Projektseite interkommunales.nrw"),
    ("LinkInputSchema", "title"): ("Linktext (ohne: die Adresse)", "Projektseite interkommunales.nrw"),
    ("UpdateSchema", "title"): ("Überschrift der Meldung", "Zweiter Städtetag in Sundern"),
    ("UpdateInputSchema", "title"): ("Überschrift der Meldung", "Zweiter Städtetag in Sundern"),
    ("UpdateSchema", "source_note"): ("wer berichtet hat, wenn es keine Adresse gibt oder zusätzlich", ""),
    ("UpdateInputSchema", "source_note"): ("wer berichtet hat, wenn es keine Adresse gibt oder zusätzlich", ""),
    ("ProblemSchema", "title"): ("kurze Bezeichnung des HTTP-Status", "Not Found"),
    ("ProblemSchema", "status"): ("HTTP-Status", 404),
    ("FacetsSchema", "keywords"): ("Stichworte", None),
    ("FacetsSchema", "states"): ("Länder", None),
    ("KeywordSchema", "name"): ("das Stichwort", "Digitalisierung"),
    ("KeywordSchema", "slug"): ("Adresse der Stichwortseite", "digitalisierung"),
    ("KeywordSchema", "count"): ("Zahl der veröffentlichten Profile mit diesem Stichwort", 3),
    ("LegalFormSchema", "name"): (
        "Name der Rechtsform, wie legal_form ihn erwartet",
        "öffentlich-rechtliche Vereinbarung",
    ),
    ("LegalFormSchema", "count"): ("veröffentlichte Profile mit dieser Rechtsform", 2),
    ("SuggestionSchema", "kind"): ("keyword, organisation oder project", "keyword"),
    ("SuggestionSchema", "url"): ("Seite der Website, die zum Vorschlag führt", None),
    ("ChangeSchema", "id"): ("stabile Nummer des Profils: der Schlüssel eines Spiegels (die slug kann sich ändern)", 7),
    ("ChangeSchema", "slug"): ("Adresse des Profils zum Zeitpunkt der Abfrage", "gemeinsam-nachhaltig-erfolgreich"),
}


def describe_field(self, field, ret, **kwargs) -> dict:
    """apispec attribute function: the description and example of ``field`` by its name."""
    parent = field.parent
    if not isinstance(parent, Schema) or not field.name:
        return {}  # the inner field of a list: the list itself is described
    schema_names = [cls.__name__ for cls in type(parent).__mro__ if issubclass(cls, Schema)]
    found = next(
        (BY_SCHEMA[(name, field.name)] for name in schema_names if (name, field.name) in BY_SCHEMA),
        FIELDS.get(field.name),
    )
    if found is None:
        return {}
    description, example = found
    extra: dict = {}
    if description and "description" not in ret:
        extra["description"] = description
    if example is not None and "example" not in ret and "$ref" not in ret and "allOf" not in ret:
        extra["example"] = example
    if extra and "$ref" in ret:
        # OpenAPI 3.0 ignores everything beside a $ref: wrap it, as apispec does for its own metadata.
        extra["allOf"] = [{"$ref": ret.pop("$ref")}]
    return extra


def text_accepts_numbers(self, field, ret, **kwargs) -> dict:
    """apispec attribute function: a text field of the shared input rules takes a number too
    (spreadsheets and YAML write "2020" as one; the rules store it as text), and the document
    says so, so that a client, and Schemathesis' negative tests, know what is accepted."""
    from ..schemas import EmailAddress, Line, WebAddress

    if not isinstance(field, Line) or isinstance(field, (WebAddress, EmailAddress)) or ret.get("type") != "string":
        return {}
    text = {"type": ret.pop("type")}
    for key in ("maxLength", "minLength", "pattern", "format"):
        if key in ret:
            text[key] = ret.pop(key)
    return {"anyOf": [text, {"type": "number"}]}


#: Answers any operation can give, whatever it does (said once here instead of on each view).
_EVERY_OPERATION = {
    406: "Accept schließt JSON (bzw. das Format der Adresse) aus",
    429: "zu viele Anfragen dieses Clients; Retry-After sagt, wie lange warten",
    503: "Datenbank (oder Suche) gerade nicht erreichbar; Retry-After sagt, wann erneut versuchen",
}
_WITH_BODY = {
    400: "Inhalt ist kein gültiges JSON (oder zu tief verschachtelt)",
    413: "Inhalt größer als erlaubt (2 MB)",
    415: "Inhalt nicht als application/json gesendet",
    422: "ungültige Angaben; errors nennt jedes Feld",
}
_WITH_IF_MATCH = {
    412: "If-Match veraltet oder nicht von dieser Ressource: jemand hat inzwischen gespeichert",
    428: "If-Match fehlt",
}
_RETRY_AFTER = {"Retry-After": {"description": "Sekunden bis zum nächsten Versuch", "schema": {"type": "integer"}}}


def document_every_status(spec) -> None:
    """Add the problem answers the API really gives outside each view's own ones: rate limit,
    outage and negotiation on every operation; body, size and media-type refusals on writes
    with a body; 428/412 on writes that need If-Match."""
    for path in spec._paths.values():
        for method, operation in path.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            statuses = dict(_EVERY_OPERATION)
            if method in ("post", "put", "patch") and "requestBody" in operation:
                statuses.update(_WITH_BODY)
            if any(p.get("name") == "If-Match" for p in operation.get("parameters", []) if isinstance(p, dict)):
                statuses.update(_WITH_IF_MATCH)
            responses = operation.setdefault("responses", {})
            for status, description in statuses.items():
                if str(status) in responses or status in responses:
                    continue
                response = {
                    "description": description,
                    "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
                }
                if status in (429, 503):
                    response["headers"] = _RETRY_AFTER
                responses[str(status)] = response
