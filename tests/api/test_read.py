"""Reading the catalogue through the API: lists, filters, profiles, vocabularies, HTTP caching."""

from __future__ import annotations

import pytest

from catalogue.extensions import db
from catalogue.schemas import ProjectInputSchema
from catalogue.services import snapshot, update_project

from .api_helpers import API, problem_of, read


def test_project_list_pages_with_total_and_links(seeded, client):
    first = client.get(f"{API}/projects?per_page=5")
    assert first.status_code == 200
    body = first.get_json()
    assert body["total"] == 19 and body["pages"] == 4 and len(body["items"]) == 5
    assert first.headers["X-Total-Count"] == "19"
    assert 'rel="next"' in first.headers["Link"] and 'rel="prev"' not in first.headers["Link"]
    last = client.get(f"{API}/projects?per_page=5&page=4").get_json()
    assert len(last["items"]) == 4
    slugs = [
        item["slug"]
        for page in range(1, 5)
        for item in client.get(f"{API}/projects?per_page=5&page={page}").get_json()["items"]
    ]
    assert len(set(slugs)) == 19  # every profile exactly once over the pages
    beyond = client.get(f"{API}/projects?per_page=5&page=9")
    assert beyond.status_code == 200 and beyond.get_json()["items"] == []
    assert 'rel="prev"' in beyond.headers["Link"]


@pytest.mark.parametrize(
    "query",
    ["per_page=0", "per_page=101", "page=0", "page=x", "state=XX", "kind=castle", "since_from=1800", "sort=random"],
)
def test_bad_list_arguments_are_422_with_the_field(client, query):
    body = problem_of(client.get(f"{API}/projects?{query}"), 422)
    assert body["errors"] and body["errors"][0]["field"].split(".")[0] == query.split("=")[0]


def test_filters_combine_like_the_site(client, make_project):
    make_project(title="Klimaschutz im Kreis", keywords=["Klima"], since_year=2015)
    make_project(
        title="Standesamt Nord",
        keywords=["Standesamt"],
        since_year=2021,
        participants=[
            {"role": "lead", "organisation": {"name": "Stadt Kiel", "state": "DE-SH", "kind": "municipality"}}
        ],
    )
    make_project(title="Entwurf", status="draft", keywords=["Klima"])

    def slugs(query):
        return sorted(item["slug"] for item in client.get(f"{API}/projects?{query}").get_json()["items"])

    assert slugs("keyword=klima") == ["klimaschutz-im-kreis"]
    assert slugs("state=DE-SH") == ["standesamt-nord"]
    assert slugs("state=DE-SH&state=DE-NW") == ["klimaschutz-im-kreis", "standesamt-nord"]
    assert slugs("since_from=2020") == ["standesamt-nord"]
    assert slugs("since_from=2020&since_to=2010") == []
    assert slugs("kind=municipality&keyword=Klima") == ["klimaschutz-im-kreis"]
    assert [i["slug"] for i in client.get(f"{API}/projects?sort=since").get_json()["items"]] == [
        "standesamt-nord",
        "klimaschutz-im-kreis",
    ]


def test_district_legal_form_and_newest(client, make_project):
    from catalogue.services import ensure_legal_form

    ensure_legal_form("Zweckverband")
    make_project(
        title="Abwasser Nord",
        legal_form="Zweckverband",
        participants=[
            {"role": "lead", "organisation": {"name": "Stadt Nordheim", "state": "DE-NI", "district": "Kreis Nord"}}
        ],
    )
    make_project(
        title="Bauhof Süd",
        participants=[
            {"role": "lead", "organisation": {"name": "Stadt Südheim", "state": "DE-BY", "district": "Kreis Süd"}}
        ],
    )
    newest = make_project(
        title="Chor West",
        participants=[
            {"role": "lead", "organisation": {"name": "Stadt Westheim", "state": "DE-NW", "district": "Kreis West"}}
        ],
    )

    def slugs(query):
        response = client.get(f"{API}/projects?{query}")
        assert response.status_code == 200, response.get_data(as_text=True)
        return [item["slug"] for item in response.get_json()["items"]]

    assert slugs("district=Kreis+Süd") == ["bauhof-sued"]
    assert slugs("district=Kreis+Süd&district=Kreis+Nord") == ["abwasser-nord", "bauhof-sued"]
    assert slugs("legal_form=Zweckverband") == ["abwasser-nord"]
    assert slugs("legal_form=Zweckverband&district=Kreis+Süd") == []
    assert slugs("sort=newest")[0] == newest.slug
    assert slugs("sort=title") == ["abwasser-nord", "bauhof-sued", "chor-west"]
    # Full text takes the same filters.
    assert slugs("q=Bauhof&district=Kreis+Süd") == ["bauhof-sued"] and slugs("q=Bauhof&district=Kreis+Nord") == []


def test_link_headers_lead_through_every_page_keeping_the_filters(client, make_project):
    from urllib.parse import parse_qs, urlsplit

    for n in range(7):
        make_project(title=f"Klimaprojekt {n}", keywords=["Klima"])
    make_project(title="Anderes Thema", keywords=["Verkehr"])

    def links(response) -> dict:
        found = {}
        for part in response.headers["Link"].split(", "):
            url, rel = part.split("; ")
            found[rel.removeprefix('rel="').removesuffix('"')] = url.strip("<>")
        return found

    url, seen, pages = f"{API}/projects?keyword=Klima&per_page=3&sort=title", [], 0
    while url:
        response = client.get(url)
        body = response.get_json()
        seen += [item["slug"] for item in body["items"]]
        found = links(response)
        assert parse_qs(urlsplit(found["last"]).query)["page"] == ["3"]
        assert parse_qs(urlsplit(found["first"]).query) == {
            "keyword": ["Klima"],
            "per_page": ["3"],
            "sort": ["title"],
            "page": ["1"],
        }
        assert ("prev" in found) == (body["page"] > 1)
        pages += 1
        url = found.get("next")
    assert pages == 3 and seen == [f"klimaprojekt-{n}" for n in range(7)]
    # A keyword with a space and an umlaut survives the round trip through the header.
    make_project(title="Grüne Wiese", keywords=["Öffentlicher Raum"])
    first = links(client.get(f"{API}/projects?keyword=%C3%96ffentlicher+Raum&per_page=1"))["first"]
    assert client.get(first).get_json()["items"][0]["slug"] == "gruene-wiese"
    empty = client.get(f"{API}/projects?keyword=Nichts")
    assert empty.get_json()["total"] == 0 and set(links(empty)) == {"first", "last"}


def test_facets_on_request(client, make_project):
    make_project(title="Klimaschutz im Kreis", keywords=["Klima", "Energie"])
    make_project(title="Klimaanpassung", keywords=["Klima"])
    assert client.get(f"{API}/projects").get_json()["facets"] is None
    facets = client.get(f"{API}/projects?facets=true").get_json()["facets"]
    assert {"value": "Klima", "count": 2} in facets["keywords"]
    assert {"value": "Energie", "count": 1} in facets["keywords"]
    assert facets["states"] == [{"value": "DE-NW", "count": 2}]
    narrowed = client.get(f"{API}/projects?facets=true&keyword=Energie").get_json()["facets"]
    # Like the site: other facets count within the filter; a facet's own values show what OR would add.
    assert narrowed["states"] == [{"value": "DE-NW", "count": 1}]


def test_sql_facets_without_the_search_engine(make_project):
    """The fallback used when catalogue.search is not installed."""
    from catalogue.api.reading import sql_facets

    make_project(title="Klimaschutz im Kreis", keywords=["Klima", "Energie"], legal_form="Zweckverband")
    make_project(title="Klimaanpassung", keywords=["Klima"])
    empty = {
        "keywords": [],
        "states": [],
        "districts": [],
        "legal_forms": [],
        "kinds": [],
        "since_from": None,
        "since_to": None,
        "sort": "titel",
    }
    facets = sql_facets(empty)
    assert facets["keywords"] == [("Klima", 2), ("Energie", 1)]
    assert facets["legal_forms"] == [("Zweckverband", 1)]
    assert facets["kinds"] == [("municipality", 2)]
    assert sql_facets({**empty, "keywords": ["Energie"]})["keywords"] == [("Energie", 1), ("Klima", 1)]


def test_full_text_search_and_suggest(client, make_project):
    make_project(title="Gemeinsames Standesamt", summary="Trauungen im Nachbarort.")
    make_project(title="Klimaschutz im Kreis", keywords=["Klima"])
    found = client.get(f"{API}/projects?q=Trauungen").get_json()
    assert [item["slug"] for item in found["items"]] == ["gemeinsames-standesamt"] and found["total"] == 1
    suggestions = client.get(f"{API}/suggest?q=Klim").get_json()
    assert any("Klima" in s["label"] for s in suggestions)
    assert all(s["url"].startswith("http://localhost/") for s in suggestions)  # portals live elsewhere
    problem_of(client.get(f"{API}/suggest"), 422)
    problem_of(client.get(f"{API}/projects?q=" + "x" * 501), 413)  # too long, as on the site


def test_full_profile_with_urls_and_lead(client, make_project):
    project = make_project()
    response = client.get(f"{API}/projects/{project.slug}")
    assert response.status_code == 200
    body = response.get_json()
    expected = snapshot(project)
    for name in ("title", "summary", "keywords", "occasion", "goal", "contacts", "links", "updates", "since_year"):
        assert body[name] == expected[name], name
    assert [p["role"] for p in body["participants"]] == ["lead", "partner"]
    assert body["lead"]["name"] == "Stadt Musterstadt" and body["lead"]["api_url"].endswith(
        "/api/v1/organisations/stadt-musterstadt"
    )
    assert body["html_url"] == f"http://localhost/projekte/{project.slug}"
    assert body["api_url"] == f"http://localhost/api/v1/projects/{project.slug}"
    assert body["version"] == 1 and body["created_at"] and body["updated_at"]


def test_old_slug_redirects_and_unpublished_is_404(client, make_project):
    project = make_project()
    data = ProjectInputSchema().load({**snapshot(project), "slug": "neuer-name"})
    update_project(project, data, "test")
    db.session.commit()
    response = client.get(f"{API}/projects/gemeinsames-standesamt-musterstadt")
    assert response.status_code == 301
    assert response.headers["Location"] == "http://localhost/api/v1/projects/neuer-name"
    assert response.get_data() == b"" and "Content-Type" not in response.headers  # never HTML under /api
    assert client.get(response.headers["Location"]).get_json()["slug"] == "neuer-name"
    make_project(title="Geheimer Entwurf", status="draft")
    problem_of(client.get(f"{API}/projects/geheimer-entwurf"), 404)
    problem_of(client.get(f"{API}/projects/gibt-es-nicht"), 404)
    problem_of(client.get(f"{API}/projects/a%00b"), 404)


def test_organisations_keywords_and_legal_forms(client, make_project):
    make_project(legal_form="Zweckverband", keywords=["Klima"])
    make_project(
        title="Entwurf mit Geheimorganisation", status="draft", participants=[{"organisation": {"name": "Geheimbund"}}]
    )
    organisations = client.get(f"{API}/organisations").get_json()
    assert [o["slug"] for o in organisations["items"]] == ["gemeinde-beispieldorf", "stadt-musterstadt"]
    assert organisations["items"][0]["project_count"] == 1
    detail = client.get(f"{API}/organisations/stadt-musterstadt").get_json()
    assert detail["ags"] == "05999001"
    assert detail["projects"][0]["role"] == "lead"
    assert detail["projects"][0]["project"]["slug"] == "gemeinsames-standesamt-musterstadt"
    problem_of(client.get(f"{API}/organisations/geheimbund"), 404)
    keywords = client.get(f"{API}/keywords").get_json()
    assert {k["name"]: k["count"] for k in keywords} == {"Klima": 1}
    assert client.get(keywords[0]["projects_url"]).get_json()["total"] == 1
    forms = client.get(f"{API}/legal-forms").get_json()
    assert forms == [{"name": "Zweckverband", "description": "", "count": 1}]


def test_etag_and_last_modified_answer_304(client, make_project):
    project = make_project()
    for path in (
        f"/projects/{project.slug}",
        "/projects",
        "/organisations",
        "/keywords",
        "/legal-forms",
        "/changes",
        "/projects.json",
        "/projects.csv",
        "/openapi.json",
        "/organisations/stadt-musterstadt",
    ):
        first = read(client.get(API + path))
        assert first.status_code == 200, path
        etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
        assert "public" in first.headers["Cache-Control"] and "max-age" in first.headers["Cache-Control"]
        again = read(client.get(API + path, headers={"If-None-Match": etag}))
        assert again.status_code == 304 and again.get_data() == b"", path
        assert read(client.get(API + path, headers={"If-Modified-Since": modified})).status_code == 304, path
    etag = client.get(f"{API}/projects/{project.slug}").headers["ETag"]
    data = ProjectInputSchema().load({**snapshot(project), "summary": "Neu."})
    update_project(project, data, "test")
    db.session.commit()
    changed = client.get(f"{API}/projects/{project.slug}", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag


def test_cors_for_reads_only(client, make_project):
    make_project()
    origin = {"Origin": "https://portal.example"}
    read = client.get(f"{API}/projects", headers=origin)
    assert read.headers["Access-Control-Allow-Origin"] == "*"
    assert "ETag" in read.headers["Access-Control-Expose-Headers"]
    preflight = client.options(f"{API}/projects", headers={**origin, "Access-Control-Request-Method": "GET"})
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    write_preflight = client.options(f"{API}/projects", headers={**origin, "Access-Control-Request-Method": "POST"})
    assert "POST" not in write_preflight.headers.get("Access-Control-Allow-Methods", "")
    write = client.post(f"{API}/projects", headers=origin, json={})
    assert "Access-Control-Allow-Origin" not in write.headers
    assert client.get("/projekte", headers=origin).headers.get("Access-Control-Allow-Origin") is None


def test_bulk_exports_stream_every_published_profile(client, make_project):
    for n in range(5):
        make_project(title=f"Projekt Nummer {n}")
    make_project(title="Entwurf", status="draft")
    exported = client.get(f"{API}/projects.json")
    assert exported.is_streamed
    read(exported)
    body = exported.get_json()
    assert body["count"] == 5 and sorted(p["slug"] for p in body["projects"]) == [
        f"projekt-nummer-{n}" for n in range(5)
    ]
    # Each profile as GET /projects/{slug} shows it.
    assert body["projects"][0] == client.get(body["projects"][0]["api_url"]).get_json()
    exported_csv = client.get(f"{API}/projects.csv")
    assert exported_csv.is_streamed and exported_csv.mimetype == "text/csv"
    csv_text = read(exported_csv).get_data(as_text=True)
    lines = csv_text.strip().split("\r\n")
    assert lines[0].startswith("slug,title") and len(lines) == 6


def test_docs_page_and_openapi_document(client):
    from openapi_spec_validator import validate

    spec = client.get(f"{API}/openapi.json").get_json()
    validate(spec)
    assert "/api/v1/changes" in spec["paths"]
    page = client.get(f"{API}/")
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    assert "GET /api/v1/changes" in html
    assert 'src="http' not in html and 'href="http' not in html.replace('href="http://localhost', "")


@pytest.mark.parametrize(
    "method,path,headers,status",
    [
        ("get", "/nix", {}, 404),
        ("get", "/projects", {"Accept": "text/html"}, 406),
        ("delete", "/keywords", {}, 405),
        ("post", "/projects", {"Content-Type": "text/plain"}, 415),
        ("get", "/projects/x", {"Accept": "application/xml"}, 406),
    ],
)
def test_errors_are_problem_json(client, method, path, headers, status):
    response = getattr(client, method)(API + path, headers=headers, data="x" if method == "post" else None)
    problem_of(response, status)
    if status == 405:
        assert "GET" in response.headers["Allow"]


def test_oversized_body_is_413(client, editor):
    response = client.post(
        f"{API}/projects", headers=editor, data=b"{" + b" " * (3 * 1024 * 1024) + b"}", content_type="application/json"
    )
    problem_of(response, 413)


def test_html_pages_keep_html_errors(client):
    response = client.get("/gibt-es-nicht")
    assert response.status_code == 404 and response.mimetype == "text/html"


def test_bulk_exports_span_several_batches(client, make_project):
    """More profiles than one database batch (200): none lost or doubled at the seams."""
    from catalogue.api.reading import published_in_batches
    from catalogue.schemas import ProjectInputSchema as Input
    from catalogue.services import create_project

    for n in range(205):
        create_project(Input().load({"title": f"Profil {n:03d}", "keywords": ["Masse"]}), "test", status="published")
    db.session.commit()
    assert [len(batch) for batch in published_in_batches()] == [200, 5]
    exported = read(client.get(f"{API}/projects.json")).get_json()
    assert exported["count"] == 205 and len({p["slug"] for p in exported["projects"]}) == 205
    lines = read(client.get(f"{API}/projects.csv")).get_data(as_text=True).strip().split("\r\n")
    assert lines[0].startswith("slug,") and sorted(line.split(",")[0] for line in lines[1:]) == [
        f"profil-{n:03d}" for n in range(205)
    ]


def test_every_field_is_described_and_the_examples_work(client, admin, seeded):
    """The document describes every field; its request examples are accepted as they stand."""
    spec = client.get(f"{API}/openapi.json").get_json()
    undescribed = [
        f"{name}.{field}"
        for name, schema in spec["components"]["schemas"].items()
        for field, prop in schema.get("properties", {}).items()
        if not prop.get("description")
    ]
    assert undescribed == []
    with_examples = [
        field
        for schema in spec["components"]["schemas"].values()
        for field, prop in schema.get("properties", {}).items()
        if "example" in prop
    ]
    assert len(with_examples) > 100
    for path, operation in ((f"{API}/projects", "post"), (f"{API}/organisations", "post")):
        example = spec["paths"][path][operation]["requestBody"]["content"]["application/json"]["example"]
        response = client.post(path, json=example, headers=admin)
        if path.endswith("organisations"):
            # An organisation the seed data lacks: created; the same again is a duplicate.
            assert response.status_code == 201, response.get_data(as_text=True)
            problem_of(client.post(path, json=example, headers=admin), 409)
        else:
            assert response.status_code == 201, response.get_data(as_text=True)
            created = response.get_json()
            patch = spec["paths"][f"{API}/projects/{{slug}}"]["patch"]["requestBody"]["content"][
                "application/merge-patch+json"
            ]["schema"]["example"]
            patched = client.patch(
                created["api_url"], json=patch, headers={**admin, "If-Match": response.headers["ETag"]}
            )
            assert patched.status_code == 200, patched.get_data(as_text=True)
