"""/sitemap.xml (an index of files of at most SITEMAP_SIZE addresses) and /robots.txt, read with an XML parser."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from xml.etree import ElementTree

from sqlalchemy import func, select

from catalogue.extensions import db
from catalogue.models import Change, Keyword
from catalogue.services import change_status

NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
BASE = "http://localhost"


def _xml(client, path: str):
    response = client.get(path)
    assert response.status_code == 200, path
    assert response.mimetype == "application/xml"
    return ElementTree.fromstring(response.data)


def _all_urls(client) -> dict[str, str]:
    index = _xml(client, "/sitemap.xml")
    assert index.tag == f"{{{NS['s']}}}sitemapindex"
    urls = {}
    for loc in index.findall("s:sitemap/s:loc", NS):
        part = _xml(client, loc.text.removeprefix(BASE))
        assert part.tag == f"{{{NS['s']}}}urlset"
        for item in part.findall("s:url", NS):
            lastmod = item.find("s:lastmod", NS)
            urls[item.find("s:loc", NS).text] = lastmod.text if lastmod is not None else None
    return urls


def test_sitemap_lists_every_public_page_with_lastmod(client, seeded):
    urls = _all_urls(client)
    profiles = [u for u in urls if u.startswith(BASE + "/projekte/")]
    assert len(profiles) == 19
    assert f"{BASE}/projekte/gemeinsam-nachhaltig-erfolgreich" in urls
    organisations = [u for u in urls if u.startswith(BASE + "/organisationen/")]
    assert organisations and all(client.get(u.removeprefix(BASE)).status_code == 200 for u in organisations[:5])
    keywords = [u for u in urls if u.startswith(BASE + "/stichworte/")]
    assert len(keywords) == db.session.scalar(select(func.count(Keyword.id)))
    for page in ("/", "/projekte", "/organisationen", "/stichworte"):
        assert BASE + page in urls
    last = db.session.scalar(select(func.max(Change.created_at)))
    assert all(urls.values())  # every page of the catalogue has one
    for lastmod in urls.values():
        stamp = dt.datetime.fromisoformat(lastmod.replace("Z", "+00:00"))
        assert stamp <= last.replace(tzinfo=dt.UTC) + dt.timedelta(seconds=1)


def test_sitemap_is_split_into_files_of_the_configured_size(app, client, seeded):
    everything = _all_urls(client)
    app.config["SITEMAP_SIZE"] = 5
    try:
        index = _xml(client, "/sitemap.xml")
        files = [loc.text for loc in index.findall("s:sitemap/s:loc", NS)]
        assert f"{BASE}/sitemaps/projekte-4.xml" in files and f"{BASE}/sitemaps/projekte-5.xml" not in files
        for url in files:
            assert len(_xml(client, url.removeprefix(BASE)).findall("s:url", NS)) <= 5
        assert _all_urls(client) == everything  # the same addresses, only cut differently
        assert client.get("/sitemaps/projekte-5.xml").status_code == 404
    finally:
        app.config.pop("SITEMAP_SIZE")
    assert client.get("/sitemaps/unbekannt-1.xml").status_code == 404
    assert client.get("/sitemaps/projekte-0.xml").status_code == 404


def test_unpublished_profiles_and_their_only_organisations_leave_the_sitemap(client, make_project):
    project = make_project()
    urls = _all_urls(client)
    assert f"{BASE}/projekte/{project.slug}" in urls
    change_status(project, "archived", "test")
    db.session.commit()
    urls = _all_urls(client)
    assert not [u for u in urls if "/projekte/" in u or "/organisationen/" in u or "/stichworte/" in u]


def test_robots_points_to_the_sitemap_and_keeps_crawlers_out_of_admin(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200 and response.mimetype == "text/plain"
    lines = response.get_data(as_text=True).splitlines()
    assert "User-agent: *" in lines and "Disallow: /admin" in lines
    assert f"Sitemap: {BASE}/sitemap.xml" in lines


def test_an_added_source_appears_with_one_line(app, client, make_project):
    from catalogue.opendata import sitemap

    make_project()
    sitemap.URL_SOURCES["beispiel"] = sitemap.UrlSource(
        lambda: 1, lambda offset, limit: [("/beispiel", None)][offset : offset + limit]
    )
    try:
        assert f"{BASE}/beispiel" in _all_urls(client)
    finally:
        del sitemap.URL_SOURCES["beispiel"]


def _load_sample(changed: dict | None = None):
    """The register sample through the real loader; ``changed`` overrides values of single places."""
    from catalogue.places.loading import load_places, parse_register
    from catalogue.places.register_file import read_register

    sample = Path(__file__).resolve().parent.parent / "places" / "files" / "register-sample.csv"
    places = parse_register(read_register(sample), "Destatis GV-ISys (Ausgabe vor 2021)")
    for key, values in (changed or {}).items():
        places[key].update(values)
    load_places(places)
    db.session.commit()


def test_place_pages_are_listed_and_split(app, client, make_project):
    from catalogue.places.models import PAGE_KINDS, Place

    _load_sample()
    make_project()
    pages = db.session.scalar(select(func.count(Place.key)).where(Place.active.is_(True), Place.kind.in_(PAGE_KINDS)))
    app.config["SITEMAP_SIZE"] = 50
    try:
        files = [loc.text for loc in _xml(client, "/sitemap.xml").findall("s:sitemap/s:loc", NS)]
        assert sum(1 for f in files if "/sitemaps/kommunen-" in f) == -(-pages // 50)
        urls = _all_urls(client)
    finally:
        app.config.pop("SITEMAP_SIZE")
    places = [u for u in urls if u.startswith(BASE + "/kommunen/")]
    assert len(places) == pages
    assert client.get(places[0].removeprefix(BASE)).status_code == 200
    # Every address has a lastmod, also the places without any cooperation (most of them).
    assert [u for u, lastmod in urls.items() if not lastmod] == []


def _w3c(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def test_a_places_lastmod_is_the_register_load_or_its_cooperations_change(client, make_project):
    from catalogue.places.models import RegisterLoad

    _load_sample()
    # As if the register had been loaded long ago.
    db.session.execute(RegisterLoad.__table__.update().values(loaded_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC)))
    db.session.commit()
    urls = _all_urls(client)
    assert urls[f"{BASE}/kommunen/05958004-arnsberg"] == "2020-01-01T00:00:00Z"
    assert urls[f"{BASE}/kommunen/05958-hochsauerlandkreis"] == "2020-01-01T00:00:00Z"
    # A cooperation of Arnsberg's town makes Arnsberg's page newer, and only Arnsberg's.
    make_project(
        participants=[
            {
                "role": "lead",
                "organisation": {
                    "name": "Stadt Arnsberg",
                    "kind": "municipality",
                    "ags": "05958004",
                    "place_key": "05958004",
                },
            }
        ]
    )
    changed = db.session.scalar(select(func.max(Change.created_at)))
    urls = _all_urls(client)
    assert urls[f"{BASE}/kommunen/05958004-arnsberg"] == _w3c(changed)
    assert urls[f"{BASE}/kommunen/05958012-brilon"] == "2020-01-01T00:00:00Z"
    # A new register that changes places makes every place page as new as that load.
    _load_sample({"05958012": {"population": 25001}})
    loaded = db.session.scalar(select(func.max(RegisterLoad.loaded_at)))
    assert loaded >= changed
    urls = _all_urls(client)
    assert urls[f"{BASE}/kommunen/05958012-brilon"] == _w3c(loaded)
    assert urls[f"{BASE}/kommunen/05958004-arnsberg"] == _w3c(loaded)
    index = _xml(client, "/sitemap.xml")
    files = {item.find("s:loc", NS).text: item.find("s:lastmod", NS).text for item in index.findall("s:sitemap", NS)}
    assert files[f"{BASE}/sitemaps/kommunen-1.xml"] == _w3c(loaded)
    assert files[f"{BASE}/sitemaps/projekte-1.xml"] == _w3c(changed)
