"""The catalogue as DCAT-AP.de 3.0 (rdflib): what GovData and the state portals harvest.

One ``dcat:Catalog`` of this site with a ``dcat:Dataset`` for the whole catalogue and one per
state with published profiles, each with its CSV, JSON and XLSX downloads as distributions, and a
``dcat:DataService`` for the API. Everything comes from configuration and data, so the document
changes exactly when the change log does. Controlled vocabularies are the URIs the DCAT-AP.de 3.0
conventions name (EU authority tables, the DCAT-AP.de licence and geocoding lists).
"""

from __future__ import annotations

from urllib.parse import urlencode

from flask import current_app
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, SKOS, XSD

from ..api.urls import absolute
from ..models import STATES
from . import facts
from .licences import configured_licence

VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
DCATDE = Namespace("http://dcat-ap.de/def/dcatde/")
DCATAP = Namespace("http://data.europa.eu/r5r/")
EU = "http://publications.europa.eu/resource/authority/"
GEOCODING = "http://dcat-ap.de/def/politicalGeocoding/"
IANA = "https://www.iana.org/assignments/media-types/"

#: Amtlicher Gemeindeschlüssel prefix of each state: the DCAT-AP.de "stateKey" geocoding.
STATE_KEYS = {
    "DE-SH": "01",
    "DE-HH": "02",
    "DE-NI": "03",
    "DE-HB": "04",
    "DE-NW": "05",
    "DE-HE": "06",
    "DE-RP": "07",
    "DE-BW": "08",
    "DE-BY": "09",
    "DE-SL": "10",
    "DE-BE": "11",
    "DE-BB": "12",
    "DE-MV": "13",
    "DE-SN": "14",
    "DE-ST": "15",
    "DE-TH": "16",
}
#: EU data themes: the catalogue describes public administration, and regions and cities.
THEMES = ("GOVE", "REGI")
#: (format, EU file type, IANA media type, API path) of each download.
DISTRIBUTIONS = (
    ("CSV", "CSV", "text/csv", "/api/v1/projects.csv"),
    ("JSON", "JSON", "application/json", "/api/v1/projects.json"),
    ("XLSX", "XLSX", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "/api/v1/projects.xlsx"),
)
MEDIA_TYPES = {"turtle": "text/turtle", "xml": "application/rdf+xml", "json-ld": "application/ld+json"}


def _uri(path: str) -> URIRef:
    return URIRef(absolute(path))


def catalogue_graph() -> Graph:
    """The whole DCAT-AP.de document as an rdflib graph."""
    graph = Graph()
    for prefix, namespace in (
        ("dcat", DCAT),
        ("dct", DCTERMS),
        ("foaf", FOAF),
        ("vcard", VCARD),
        ("skos", SKOS),
        ("dcatde", DCATDE),
        ("dcatap", DCATAP),
    ):
        graph.bind(prefix, namespace)
    builder = _Builder(graph)
    builder.build()
    return graph


def serialise(graph: Graph, fmt: str) -> bytes:
    """``graph`` as Turtle, RDF/XML or JSON-LD."""
    return graph.serialize(format=fmt, encoding="utf-8")


class _Builder:
    def __init__(self, graph: Graph):
        self.g = graph
        config = current_app.config
        self.licence = configured_licence(config)
        self.publisher_name = config.get("PUBLISHER_NAME") or config.get("OPERATOR_NAME") or "IKZ-Katalog"
        self.publisher_url = config.get("PUBLISHER_URL") or absolute("/")
        self.contact_email = config.get("CONTACT_EMAIL") or ""
        self.first, self.last = facts.change_span()
        self.catalog = _uri("/catalog#catalog")
        self.publisher = _uri("/catalog#publisher")
        self.contact = _uri("/catalog#contact")
        self.api = _uri("/catalog#api")

    def add(self, subject, predicate, value):
        self.g.add((subject, predicate, value))

    def text(self, subject, predicate, value: str):
        if value:
            self.add(subject, predicate, Literal(value, lang="de"))

    def date(self, subject, predicate, value):
        if value is not None:
            self.add(subject, predicate, Literal(value.replace(microsecond=0), datatype=XSD.dateTime))

    def build(self) -> None:
        self.vocabulary()
        self.agents()
        catalog = self.catalog
        self.add(catalog, RDF.type, DCAT.Catalog)
        self.text(catalog, DCTERMS.title, "IKZ-Katalog – Katalog interkommunaler Zusammenarbeit")
        self.text(
            catalog,
            DCTERMS.description,
            "Profile interkommunaler Zusammenarbeit in Deutschland: welche Städte, Gemeinden und Kreise "
            "gemeinsam Aufgaben erledigen, seit wann, wie und mit wem als Ansprechpartner.",
        )
        self.add(catalog, DCTERMS.publisher, self.publisher)
        self.add(catalog, FOAF.homepage, _uri("/"))
        self.add(catalog, DCTERMS.language, URIRef(EU + "language/DEU"))
        self.add(catalog, DCTERMS.license, URIRef(self.licence.uri))
        self.add(catalog, DCAT.themeTaxonomy, URIRef(EU + "data-theme"))
        self.add(catalog, DCTERMS.spatial, URIRef(EU + "country/DEU"))
        self.date(catalog, DCTERMS.issued, self.first)
        self.date(catalog, DCTERMS.modified, self.last)
        whole = self.dataset("", None, facts.published_count(), self.first, self.last)
        self.add(catalog, DCAT.dataset, whole)
        for summary in facts.states_with_profiles():
            self.add(
                catalog,
                DCAT.dataset,
                self.dataset(summary.code, summary.code, summary.projects, summary.issued, summary.modified),
            )
        self.add(catalog, DCAT.service, self.service(whole))

    def vocabulary(self) -> None:
        """Type the vocabulary entries used, as the shapes expect of a range (GovData loads their labels)."""
        g = self.g
        self.add(URIRef(EU + "data-theme"), RDF.type, SKOS.ConceptScheme)
        for theme in THEMES:
            self.add(URIRef(EU + f"data-theme/{theme}"), RDF.type, SKOS.Concept)
            self.add(URIRef(EU + f"data-theme/{theme}"), SKOS.inScheme, URIRef(EU + "data-theme"))
        self.add(URIRef(EU + "language/DEU"), RDF.type, DCTERMS.LinguisticSystem)
        self.add(URIRef(EU + "country/DEU"), RDF.type, DCTERMS.Location)
        self.add(URIRef(EU + "frequency/IRREG"), RDF.type, DCTERMS.Frequency)
        licence = URIRef(self.licence.uri)
        self.add(licence, RDF.type, DCTERMS.LicenseDocument)
        g.add((licence, DCTERMS.title, Literal(self.licence.title, lang="de")))
        for _label, file_type, media_type, _path in DISTRIBUTIONS:
            self.add(URIRef(EU + f"file-type/{file_type}"), RDF.type, DCTERMS.MediaTypeOrExtent)
            self.add(URIRef(IANA + media_type), RDF.type, DCTERMS.MediaType)

    def agents(self) -> None:
        self.add(self.publisher, RDF.type, FOAF.Agent)
        self.add(self.publisher, RDF.type, FOAF.Organization)
        self.add(self.publisher, FOAF.name, Literal(self.publisher_name, lang="de"))
        self.add(self.publisher, FOAF.homepage, URIRef(self.publisher_url))
        self.add(self.contact, RDF.type, VCARD.Organization)
        self.add(self.contact, RDF.type, VCARD.Kind)
        self.add(self.contact, VCARD.fn, Literal(f"Redaktion {self.publisher_name}", lang="de"))
        if self.contact_email:
            self.add(self.contact, VCARD.hasEmail, URIRef(f"mailto:{self.contact_email}"))
        self.add(self.contact, VCARD.hasURL, _uri("/"))

    def dataset(self, key: str, state: str | None, count: int, issued, modified) -> URIRef:
        """The whole catalogue (``state`` None) or the profiles with a participant in ``state``."""
        node = _uri("/catalog#dataset" + (f"-{key.lower()}" if key else ""))
        name = STATES[state] if state else ""
        self.add(node, RDF.type, DCAT.Dataset)
        if state:
            self.text(node, DCTERMS.title, f"Interkommunale Zusammenarbeit in {name}")
            self.text(
                node,
                DCTERMS.description,
                f"{count} Profile interkommunaler Zusammenarbeit mit Beteiligten in {name}: Titel, "
                "Kurzprofil, Beteiligte mit Amtlichem Gemeindeschlüssel, Stichworte, Rechtsform, "
                "Anlass, Ziel, Umsetzung, Finanzierung, Kontakte und Links.",
            )
        else:
            self.text(node, DCTERMS.title, "Katalog interkommunaler Zusammenarbeit in Deutschland")
            self.text(
                node,
                DCTERMS.description,
                f"Alle {count} veröffentlichten Profile interkommunaler Zusammenarbeit: Titel, Kurzprofil, "
                "Beteiligte mit Amtlichem Gemeindeschlüssel, Stichworte, Rechtsform, Anlass, Ziel, "
                "Umsetzung, Finanzierung, Kontakte und Links.",
            )
        self.add(node, DCTERMS.identifier, Literal(str(node)))
        self.add(node, DCTERMS.publisher, self.publisher)
        self.add(node, DCAT.contactPoint, self.contact)
        self.add(node, DCTERMS.language, URIRef(EU + "language/DEU"))
        self.add(node, DCTERMS.accrualPeriodicity, URIRef(EU + "frequency/IRREG"))
        for theme in THEMES:
            self.add(node, DCAT.theme, URIRef(EU + f"data-theme/{theme}"))
        for keyword in facts.top_keywords(state):
            self.text(node, DCAT.keyword, keyword)
        self.date(node, DCTERMS.issued, issued)
        self.date(node, DCTERMS.modified, modified)
        query = {"land": state} if state else {}
        self.add(node, DCAT.landingPage, _uri("/projekte" + ("?" + urlencode(query) if query else "")))
        self.geocoding(node, state)
        for label, file_type, media_type, path in DISTRIBUTIONS:
            self.add(node, DCAT.distribution, self.distribution(node, label, file_type, media_type, path, state, name))
        return node

    def geocoding(self, node: URIRef, state: str | None) -> None:
        if state:
            place = URIRef(GEOCODING + f"stateKey/{STATE_KEYS[state]}")
            # DCAT-AP.de 3.0 names the geocoding URI in dct:spatial; dcatde:politicalGeocodingURI is deprecated.
            self.add(node, DCATDE.politicalGeocodingLevelURI, URIRef(GEOCODING + "Level/state"))
            self.add(node, DCTERMS.spatial, place)
            self.add(place, RDF.type, DCTERMS.Location)
            self.text(place, SKOS.prefLabel, STATES[state])
        else:
            self.add(node, DCATDE.politicalGeocodingLevelURI, URIRef(GEOCODING + "Level/federal"))
            self.add(node, DCTERMS.spatial, URIRef(EU + "country/DEU"))

    def distribution(
        self, dataset: URIRef, label: str, file_type: str, media_type: str, path: str, state: str | None, name: str
    ) -> URIRef:
        node = URIRef(f"{dataset}-{label.lower()}")
        url = _uri(path + ("?" + urlencode({"state": state}) if state else ""))
        self.add(node, RDF.type, DCAT.Distribution)
        self.text(node, DCTERMS.title, f"{label}-Download" + (f" ({name})" if name else ""))
        self.add(node, DCAT.accessURL, url)
        self.add(node, DCAT.downloadURL, url)
        self.add(node, DCTERMS.format, URIRef(EU + f"file-type/{file_type}"))
        self.add(node, DCAT.mediaType, URIRef(IANA + media_type))
        self.add(node, DCTERMS.license, URIRef(self.licence.uri))
        if self.licence.attribution:
            self.add(node, DCATDE.licenseAttributionByText, Literal(f"{self.publisher_name}, IKZ-Katalog", lang="de"))
        self.date(node, DCTERMS.modified, self.last)
        return node

    def service(self, serves: URIRef) -> URIRef:
        node = self.api
        self.add(node, RDF.type, DCAT.DataService)
        self.text(node, DCTERMS.title, "IKZ-Katalog API")
        self.text(
            node,
            DCTERMS.description,
            "JSON-API zum Lesen, Durchsuchen und Spiegeln des Katalogs (OpenAPI 3, Änderungsfeed).",
        )
        self.add(node, DCAT.endpointURL, _uri("/api/v1/"))
        self.add(node, DCAT.endpointDescription, _uri("/api/v1/openapi.json"))
        self.add(node, DCAT.servesDataset, serves)
        self.add(node, DCTERMS.publisher, self.publisher)
        self.add(node, DCAT.contactPoint, self.contact)
        self.add(node, DCTERMS.license, URIRef(self.licence.uri))
        for theme in THEMES:
            self.add(node, DCAT.theme, URIRef(EU + f"data-theme/{theme}"))
        return node
