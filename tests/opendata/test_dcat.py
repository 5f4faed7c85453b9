"""DCAT-AP.de 3.0: /catalog.ttl, .rdf and .jsonld, validated with pySHACL against the vendored shapes."""

from __future__ import annotations

import pytest
from pyshacl import validate
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCAT, DCTERMS, RDF
from sqlalchemy import func, select

from catalogue.extensions import db
from catalogue.models import Change
from catalogue.services import change_status

DCATDE = Namespace("http://dcat-ap.de/def/dcatde/")
FORMATS = {"ttl": "turtle", "rdf": "xml", "jsonld": "json-ld"}


def _graph(client, suffix: str = "ttl") -> Graph:
    response = client.get(f"/catalog.{suffix}")
    assert response.status_code == 200
    return Graph().parse(data=response.data, format=FORMATS[suffix])


def _conforms(graph: Graph, shapes: Graph) -> tuple[bool, str]:
    conforms, _report, text = validate(graph, shacl_graph=shapes, inference="none")
    return conforms, text


def test_seeded_catalogue_validates_with_zero_violations(client, seeded, dcat_shapes, deprecation_shapes):
    graph = _graph(client)
    conforms, text = _conforms(graph, dcat_shapes)
    assert conforms, text
    # GovData's deprecation layer only warns; none of its warnings apply either.
    conforms, text = _conforms(graph, deprecation_shapes)
    assert conforms, text


def test_the_shapes_do_catch_a_broken_catalogue(client, seeded, dcat_shapes):
    """The validation can fail: a dataset without publisher and a distribution without licence."""
    graph = _graph(client)
    dataset = next(graph.subjects(RDF.type, DCAT.Dataset))
    graph.remove((dataset, DCTERMS.publisher, None))
    distribution = next(graph.subjects(RDF.type, DCAT.Distribution))
    graph.remove((distribution, DCTERMS.license, None))
    conforms, text = _conforms(graph, dcat_shapes)
    assert not conforms
    assert "publisher" in text and "license" in text


def test_three_serialisations_carry_the_same_graph(client, seeded):
    turtle = _graph(client, "ttl")
    assert isomorphic(turtle, _graph(client, "rdf"))
    assert isomorphic(turtle, _graph(client, "jsonld"))
    assert client.get("/catalog.rdf").mimetype == "application/rdf+xml"
    assert client.get("/catalog.jsonld").mimetype == "application/ld+json"


def test_catalog_iri_negotiates(client):
    assert (
        client.get("/catalog", headers={"Accept": "application/rdf+xml"}).headers["Location"].endswith("/catalog.rdf")
    )
    assert client.get("/catalog").headers["Location"].endswith("/catalog.ttl")


def test_datasets_per_state_with_geocoding_and_distributions(client, make_project):
    make_project(title="Standesamt A")
    make_project(
        title="Bauhof B",
        participants=[
            {"role": "lead", "organisation": {"name": "Gemeinde Süd", "kind": "municipality", "state": "DE-BY"}}
        ],
    )
    graph = _graph(client)
    catalog = next(graph.subjects(RDF.type, DCAT.Catalog))
    datasets = set(graph.objects(catalog, DCAT.dataset))
    assert len(datasets) == 3  # the whole catalogue, NRW, Bavaria
    bavaria = URIRef("http://localhost/catalog#dataset-de-by")
    assert bavaria in datasets
    assert graph.value(bavaria, DCATDE.politicalGeocodingURI) is None  # deprecated in DCAT-AP.de 3.0
    assert graph.value(bavaria, DCATDE.politicalGeocodingLevelURI) == URIRef(
        "http://dcat-ap.de/def/politicalGeocoding/Level/state"
    )
    assert graph.value(bavaria, DCTERMS.spatial) == URIRef("http://dcat-ap.de/def/politicalGeocoding/stateKey/09")
    downloads = {str(graph.value(d, DCAT.downloadURL)) for d in graph.objects(bavaria, DCAT.distribution)}
    assert downloads == {f"http://localhost/api/v1/projects.{kind}?state=DE-BY" for kind in ("csv", "json", "xlsx")}
    # The distribution really holds the state's profiles.
    document = client.get("/api/v1/projects.json?state=DE-BY").get_json()
    assert [p["title"] for p in document["projects"]] == ["Bauhof B"]
    service = next(graph.subjects(RDF.type, DCAT.DataService))
    assert graph.value(service, DCAT.endpointDescription) == URIRef("http://localhost/api/v1/openapi.json")
    assert client.get("/api/v1/openapi.json").status_code == 200


def test_modified_follows_the_change_log(client, make_project):
    project = make_project()
    graph = _graph(client)
    catalog = next(graph.subjects(RDF.type, DCAT.Catalog))
    last = db.session.scalar(select(func.max(Change.created_at)))
    assert graph.value(catalog, DCTERMS.modified).toPython().replace(microsecond=0) == last.replace(microsecond=0)
    etag = client.get("/catalog.ttl").headers["ETag"]
    assert client.get("/catalog.ttl", headers={"If-None-Match": etag}).status_code == 304
    change_status(project, "archived", "test")
    db.session.commit()
    assert client.get("/catalog.ttl", headers={"If-None-Match": etag}).status_code == 200
    graph = _graph(client)
    assert not list(
        graph.subjects(
            DCATDE.politicalGeocodingLevelURI, URIRef("http://dcat-ap.de/def/politicalGeocoding/Level/state")
        )
    )


def test_licence_is_configurable(app, client, make_project):
    make_project()
    app.config["DATA_LICENSE"] = "http://dcat-ap.de/def/licenses/cc-zero"
    try:
        graph = _graph(client)
        licences = set(graph.objects(None, DCTERMS.license))
        assert licences == {URIRef("http://dcat-ap.de/def/licenses/cc-zero")}
        assert not list(graph.objects(None, DCATDE.licenseAttributionByText))  # CC0 asks for none
    finally:
        app.config["DATA_LICENSE"] = "http://dcat-ap.de/def/licenses/dl-by-de/2.0"


def test_unknown_licence_refuses_to_start(tmp_path):
    from catalogue.config import ConfigError, build_config

    with pytest.raises(ConfigError, match="DATA_LICENSE"):
        build_config(str(tmp_path), {"DATA_LICENSE": "https://example.org/my-licence"})


def test_publisher_and_contact_from_configuration(app, client, make_project):
    make_project()
    app.config.update(PUBLISHER_NAME="Land Musterland", CONTACT_EMAIL="redaktion@example.org")
    try:
        graph = _graph(client)
    finally:
        app.config.update(PUBLISHER_NAME="", CONTACT_EMAIL="")
    assert Literal("Land Musterland", lang="de") in set(graph.objects(None, URIRef("http://xmlns.com/foaf/0.1/name")))
    assert URIRef("mailto:redaktion@example.org") in set(
        graph.objects(None, URIRef("http://www.w3.org/2006/vcard/ns#hasEmail"))
    )


@pytest.mark.parametrize("path", ["/", "/projekte", "/stichworte", "/api/v1/"])
def test_every_page_head_links_the_catalogue(client, seeded, path):
    html = client.get(path).get_data(as_text=True)
    for suffix, media in (("ttl", "text/turtle"), ("rdf", "application/rdf+xml"), ("jsonld", "application/ld+json")):
        assert f'type="{media}" title="DCAT-AP.de' in html and f'href="/catalog.{suffix}"' in html
