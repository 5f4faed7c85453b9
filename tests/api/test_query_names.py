"""Query parameters of the project list and the bulk downloads: the site's German filter names are
documented aliases (a URL built from /projekte's filters works here), an unknown parameter is a
422 naming it (never silently ignored), and every documented parameter keeps working."""

from __future__ import annotations

import csv
import io
import re
from html import unescape

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from catalogue.editing import rename_keyword
from catalogue.extensions import db
from catalogue.models import Keyword

from .api_helpers import API, problem_of, read

PATHS = ("/projects", "/projects.json", "/projects.csv", "/projects.xlsx")
#: (the site's name, the API's name, a value that selects part of the catalogue below)
ALIASES = (
    ("stichwort", "keyword", "Abfall"),
    ("land", "state", "DE-BY"),
    ("kreis", "district", "Kreis Süd"),
    ("rechtsform", "legal_form", "Zweckverband"),
    ("art", "kind", "district"),
    ("seit_von", "since_from", "2015"),
    ("seit_bis", "since_to", "2012"),
)


@pytest.fixture
def catalogue(make_project):
    make_project(title="Abfallwirtschaft Süd", keywords=["Abfall"], since_year=2010, legal_form="Zweckverband")
    make_project(
        title="Bauhof Bayern",
        keywords=["Bauhof"],
        since_year=2018,
        participants=[
            {
                "role": "lead",
                "organisation": {
                    "name": "Landkreis Süd",
                    "kind": "district",
                    "state": "DE-BY",
                    "district": "Kreis Süd",
                },
            }
        ],
    )
    make_project(title="Standesamt Nord", keywords=["Standesamt"], since_year=2021)
    make_project(title="Abfall ohne Jahr", keywords=["Abfall", "Bauhof"], since_year=None)


def slugs(client, path: str, query: str) -> list[str]:
    response = read(client.get(f"{API}{path}?{query}"))
    assert response.status_code == 200, (path, query, response.get_data(as_text=True)[:300])
    if path == "/projects":
        return [item["slug"] for item in response.get_json()["items"]]
    if path == "/projects.json":
        return [project["slug"] for project in response.get_json()["projects"]]
    if path == "/projects.csv":
        return [row["slug"] for row in csv.DictReader(io.StringIO(response.get_data(as_text=True)))]
    rows = list(load_workbook(io.BytesIO(response.data), read_only=True)["Projekte"].iter_rows(values_only=True))
    return [row[0] for row in rows[1:]]


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("german,english,value", ALIASES)
def test_the_sites_filter_names_filter_like_the_apis(client, catalogue, path, german, english, value):
    everything = slugs(client, path, "per_page=100" if path == "/projects" else "")
    paging = "&per_page=100" if path == "/projects" else ""
    by_english = slugs(client, path, f"{english}={value}{paging}")
    assert 0 < len(by_english) < len(everything)  # the value selects a part, so ignoring it would show
    assert slugs(client, path, f"{german}={value}{paging}") == by_english


def test_the_sites_sort_names_and_mixed_names(client, catalogue):
    assert slugs(client, "/projects.csv", "stichwort=Abfall&sort=neueste") == slugs(
        client, "/projects.csv", "keyword=Abfall&sort=newest"
    )
    assert slugs(client, "/projects", "sort=seit") == slugs(client, "/projects", "sort=since")
    # Both names of one list filter: their values combine with OR, like a repeated name.
    assert sorted(slugs(client, "/projects.json", "keyword=Standesamt&stichwort=Bauhof")) == sorted(
        slugs(client, "/projects.json", "keyword=Standesamt&keyword=Bauhof")
    )
    # Both names of a year bound: both bounds hold.
    assert slugs(client, "/projects.json", "since_from=2005&seit_von=2015") == ["bauhof-bayern", "standesamt-nord"]
    assert slugs(client, "/projects.json", "seit_bis=2020&since_to=2012") == ["abfallwirtschaft-sued"]


def test_a_url_built_from_the_sites_filters_downloads_what_the_site_lists(client, catalogue):
    site = "stichwort=Abfall&stichwort=Bauhof&land=DE-BY&sort=titel"
    page = client.get(f"/projekte?{site}").get_data(as_text=True)
    listed = re.findall(r'class="card__title"[^>]*><a href="/projekte/([^"]+)"', page)
    assert listed == ["bauhof-bayern"]
    for path in PATHS:
        assert slugs(client, path, site) == listed, path


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("query,name", [("stichwrt=Abfall", "stichwrt"), ("keyword=Abfall&format=csv", "format")])
def test_an_unknown_parameter_is_a_problem_naming_it(client, catalogue, path, query, name):
    body = problem_of(client.get(f"{API}{path}?{query}"), 422)
    assert [error["field"] for error in body["errors"]] == [name]
    assert body["errors"][0]["message"].startswith("Unbekannter Parameter.")
    assert "stichwort" in body["errors"][0]["message"]  # the allowed names, the site's included
    assert name in body["detail"]


def test_every_documented_parameter_still_works(client, catalogue):
    for query in (
        "page=1&per_page=2&sort=title",
        "q=Abfall&sort=relevance&facets=true",
        "facets=false&keyword=Abfall",
        "population_min=0&population_max=100000000",
        "near=51.33,8.0&radius_km=50",
        "state=DE-BY&district=Kreis+S%C3%BCd&legal_form=Zweckverband&kind=district&since_from=1900&since_to=2100",
    ):
        response = client.get(f"{API}/projects?{query}")
        assert response.status_code in (200, 422), query
        if response.status_code == 422:  # near needs the register of places: refused for its value only
            assert [e["field"] for e in response.get_json()["errors"]] == ["near"], query
    for path in PATHS[1:]:
        for query in ("q=Abfall&sort=relevance", "keyword=Abfall&state=DE-NW&since_from=2000&since_to=2020"):
            assert read(client.get(f"{API}{path}?{query}")).status_code == 200, (path, query)


def test_a_renamed_keyword_under_the_sites_name_redirects_once(client, catalogue):
    keyword = db.session.scalar(select(Keyword).where(Keyword.name == "Abfall"))
    rename_keyword(keyword, "Abfallwirtschaft", "test")
    db.session.commit()
    moved = client.get(f"{API}/projects?stichwort=Abfall&land=DE-NW")
    assert moved.status_code == 301
    location = moved.headers["Location"]
    assert "stichwort" not in location and "keyword=Abfallwirtschaft" in location and "land=DE-NW" in location
    assert client.get(location).status_code == 200


def test_the_openapi_document_lists_the_site_names(client):
    spec = client.get(f"{API}/openapi.json").get_json()
    for path in PATHS:
        parameters = {p["name"]: p for p in spec["paths"][API + path]["get"]["parameters"] if p["in"] == "query"}
        for german, english, _ in ALIASES:
            assert english in parameters and german in parameters, (path, german)
            assert f"`{english}`" in parameters[german]["description"]
        assert {"organisation", "place"} <= set(parameters)
    assert "titel" in str(spec["paths"][API + "/projects"]["get"]["parameters"])


def test_the_sites_download_links_still_work(client, catalogue):
    page = client.get("/projekte?stichwort=Abfall&land=DE-NW&sort=neueste").get_data(as_text=True)
    section = page[page.index('class="downloads"') :]
    links = [unescape(href) for href in re.findall(r'<a href="([^"]+)" type="[^"]+" download>', section)]
    assert len(links) == 3
    for link in links:
        assert read(client.get(link)).status_code == 200, link
