"""Downloads of what a list or search shows: CSV (csv module), XLSX (openpyxl), JSON; same filters,
same query, the licence in every format, formula protection kept."""

from __future__ import annotations

import csv
import io
import re
from html import unescape

import pytest
from openpyxl import load_workbook

LICENCE = "http://dcat-ap.de/def/licenses/dl-by-de/2.0"


@pytest.fixture
def catalogue(make_project):
    make_project(title="Standesamt Nord", keywords=["Standesamt"])
    make_project(title='=HYPERLINK("http://evil.example")', keywords=["Bauhof"], summary="-1+1 rechnet Excel")
    make_project(
        title="Bauhof Süd",
        keywords=["Bauhof"],
        since_year=2010,
        participants=[
            {"role": "lead", "organisation": {"name": "Gemeinde Süd", "kind": "municipality", "state": "DE-BY"}}
        ],
    )
    make_project(title="Entwurf mit Bauhof", keywords=["Bauhof"], status="draft")


def _list_slugs(client, path: str) -> list[str]:
    page = client.get(path).get_data(as_text=True)
    return re.findall(r'class="card__title"[^>]*><a href="/projekte/([^"]+)"', page)


def _download_links(client, path: str) -> dict[str, str]:
    page = client.get(path).get_data(as_text=True)
    section = page[page.index('class="downloads"') :]
    return {
        label: unescape(href)
        for href, label in re.findall(r'<a href="([^"]+)" type="[^"]+" download>([^<]+)</a>', section)
    }


def _csv_slugs(response) -> list[str]:
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    return [row["slug"] for row in rows]


@pytest.mark.parametrize(
    "path",
    [
        "/projekte?stichwort=Bauhof",
        "/projekte?stichwort=Bauhof&land=DE-NW",
        "/projekte?stichwort=Bauhof&stichwort=Standesamt&sort=seit",
        "/projekte?seit_von=2005&seit_bis=2015",
        "/projekte",
    ],
)
def test_list_download_holds_exactly_the_filtered_list(client, catalogue, path):
    shown = _list_slugs(client, path)
    links = _download_links(client, path)
    assert set(links) == {"CSV", "Excel (XLSX)", "JSON"}
    document = client.get(links["JSON"]).get_json()
    assert [p["slug"] for p in document["projects"]] == shown  # same profiles, same order
    assert document["count"] == len(shown)
    assert _csv_slugs(client.get(links["CSV"])) == shown
    workbook = load_workbook(io.BytesIO(client.get(links["Excel (XLSX)"]).data), read_only=True)
    rows = list(workbook["Projekte"].iter_rows(values_only=True))
    assert [row[0] for row in rows[1:]] == shown


def test_search_download_keeps_the_query(client, catalogue):
    shown = _list_slugs(client, "/suche?q=Bauhof")
    assert len(shown) == 2  # the draft is not public
    links = _download_links(client, "/suche?q=Bauhof")
    assert "q=Bauhof" in links["CSV"]
    assert [p["slug"] for p in client.get(links["JSON"]).get_json()["projects"]] == shown
    assert _csv_slugs(client.get(links["CSV"])) == shown


def test_api_bulk_takes_the_list_filters_and_q(client, catalogue):
    for query in (
        "keyword=Bauhof",
        "state=DE-BY",
        "keyword=Bauhof&state=DE-NW",
        "q=Standesamt",
        "q=Bauhof&state=DE-BY",
        "since_from=2005&since_to=2015",
        "keyword=Bauhof&sort=newest",
    ):
        listed = [p["slug"] for p in client.get(f"/api/v1/projects?{query}&per_page=100").get_json()["items"]]
        bulk = client.get(f"/api/v1/projects.json?{query}")
        assert [p["slug"] for p in bulk.get_json()["projects"]] == listed, query
        assert _csv_slugs(client.get(f"/api/v1/projects.csv?{query}")) == listed, query
    everything = client.get("/api/v1/projects.json").get_json()
    assert everything["count"] == 3


def test_every_format_carries_licence_and_source(client, catalogue):
    for kind in ("csv", "json", "xlsx"):
        response = client.get(f"/api/v1/projects.{kind}?keyword=Bauhof")
        assert response.status_code == 200
        assert response.is_streamed
        assert f'<{LICENCE}>; rel="license"' in response.headers.getlist("Link")
        assert response.headers["Content-Disposition"] == f'attachment; filename="ikz-katalog.{kind}"'
    document = client.get("/api/v1/projects.json?keyword=Bauhof").get_json()
    assert document["license"] == LICENCE
    assert document["license_title"] == "Datenlizenz Deutschland – Namensnennung – Version 2.0"
    assert document["source"] == "http://localhost/api/v1/projects.json?keyword=Bauhof"
    workbook = load_workbook(io.BytesIO(client.get("/api/v1/projects.xlsx?keyword=Bauhof").data))
    about = {row[0]: row[1] for row in workbook["Lizenz"].iter_rows(values_only=True)}
    assert about["Lizenz-URI"] == LICENCE and about["Quelle"] == "http://localhost/api/v1/projects.xlsx?keyword=Bauhof"
    assert about["Lizenztext"] == "https://www.govdata.de/dl-de/by-2-0"


def test_formula_protection_in_csv_and_xlsx(client, catalogue):
    rows = list(csv.DictReader(io.StringIO(client.get("/api/v1/projects.csv").get_data(as_text=True))))
    evil = next(row for row in rows if "HYPERLINK" in row["title"])
    assert evil["title"].startswith("'=") and evil["summary"].startswith("'-1")
    workbook = load_workbook(io.BytesIO(client.get("/api/v1/projects.xlsx").data))
    sheet = workbook["Projekte"]
    header = [cell.value for cell in sheet[1]]
    cells = [row for row in sheet.iter_rows(min_row=2) if "HYPERLINK" in str(row[header.index("title")].value)]
    title = cells[0][header.index("title")]
    assert title.data_type == "s" and title.value.startswith("'=")  # text, not a formula


def test_bad_download_requests_are_problems(client, catalogue):
    too_long = client.get("/api/v1/projects.csv?q=" + "x" * 600)
    assert too_long.status_code == 413 and too_long.mimetype == "application/problem+json"
    unknown = client.get("/api/v1/projects.xlsx?state=XX")
    assert unknown.status_code == 422 and unknown.mimetype == "application/problem+json"


def test_conditional_download(client, catalogue):
    first = client.get("/api/v1/projects.csv?keyword=Bauhof")
    assert (
        client.get("/api/v1/projects.csv?keyword=Bauhof", headers={"If-None-Match": first.headers["ETag"]}).status_code
        == 304
    )
    other = client.get("/api/v1/projects.csv?keyword=Standesamt")
    assert other.headers["ETag"] != first.headers["ETag"]


def _page_list_and_downloads(client, path: str, start: str = "") -> tuple[list[str], dict[str, list[str]]]:
    """The profiles a page lists (from ``start`` up to its download links) and what each link holds."""
    page = client.get(path)
    assert page.status_code == 200, path
    html = page.get_data(as_text=True)
    html = html[html.index(start) :] if start else html
    shown = re.findall(r'class="card__title"[^>]*><a href="/projekte/([^"]+)"', html[: html.index('class="downloads"')])
    links = _download_links(client, path)
    assert set(links) == {"CSV", "Excel (XLSX)", "JSON"}
    workbook = load_workbook(io.BytesIO(client.get(links["Excel (XLSX)"]).data), read_only=True)
    return shown, {
        "JSON": [p["slug"] for p in client.get(links["JSON"]).get_json()["projects"]],
        "CSV": _csv_slugs(client.get(links["CSV"])),
        "XLSX": [row[0] for row in list(workbook["Projekte"].iter_rows(values_only=True))[1:]],
    }


def test_keyword_page_downloads_its_list(client, catalogue):
    shown, downloads = _page_list_and_downloads(client, "/stichworte/bauhof")
    assert len(shown) == 2  # the draft is not public
    assert all(slugs == shown for slugs in downloads.values()), downloads  # same profiles, same order
    assert "Alle Profile dieser Liste." in client.get("/stichworte/bauhof").get_data(as_text=True)
    assert "Every profile of this list." in client.get("/stichworte/bauhof?lang=en").get_data(as_text=True)


def test_organisation_page_downloads_its_cooperations(client, catalogue):
    shown, downloads = _page_list_and_downloads(client, "/organisationen/stadt-musterstadt", 'id="kooperationen"')
    assert len(shown) == 2  # lead of two published profiles; the third has another lead only
    assert all(sorted(slugs) == sorted(shown) for slugs in downloads.values()), downloads
    only = client.get("/api/v1/projects.json?organisation=gemeinde-sued").get_json()["projects"]
    assert [p["slug"] for p in only] == ["bauhof-sued"]


@pytest.fixture
def places(seeded):
    """The seed profiles (their organisations carry place keys) and the register sample."""
    from pathlib import Path

    from catalogue.extensions import db
    from catalogue.places.loading import load_places, parse_register
    from catalogue.places.register_file import read_register

    sample = Path(__file__).resolve().parent.parent / "places" / "files" / "register-sample.csv"
    load_places(parse_register(read_register(sample), "Destatis GV-ISys (Ausgabe vor 2021)"))
    db.session.commit()


@pytest.mark.parametrize("path", ["/kommunen/05958004-arnsberg", "/kommunen/05962004-altena"])
def test_place_page_downloads_the_cooperations_of_the_place(client, places, path):
    shown, downloads = _page_list_and_downloads(client, path, 'id="eigene"')
    assert shown
    assert all(slugs == shown for slugs in downloads.values()), downloads


def test_organisation_and_place_filters_work_with_search_and_facets(client, places):
    def slugs(query: str) -> list[str]:
        return [p["slug"] for p in client.get(f"/api/v1/projects?per_page=100&{query}").get_json()["items"]]

    own = slugs("place=05958004")
    assert own and len(own) < len(slugs(""))
    assert slugs("place=05958004&facets=true") == own  # the search engine's path without q
    some = slugs("q=Standesamt")
    assert set(slugs("place=05958004&q=Standesamt")) == set(own) & set(some)
    bulk = client.get("/api/v1/projects.json?place=05958004&q=Standesamt").get_json()["projects"]
    assert {p["slug"] for p in bulk} == set(own) & set(some)
    facets = client.get("/api/v1/projects?place=05958004&facets=true").get_json()["facets"]
    assert sum(count["count"] for count in facets["states"]) >= len(own) > 0
    arnsberg = slugs("organisation=stadt-arnsberg")  # the town whose key is 05958004
    assert arnsberg and set(arnsberg) <= set(own)
    assert slugs("organisation=stadt-arnsberg&place=05962004") == []  # both hold
    assert client.get("/api/v1/projects?place=abc").status_code == 422
